//! Calendar months (`YYYY-MM`), the unit of every review, rollup and trend.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// A calendar month. Ordered by time; `Display` gives `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Period { year, month })
    }

    pub fn of_date(date: NaiveDate) -> Self {
        use chrono::Datelike;
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// Months since year 0: lets periods be subtracted and offset.
    pub fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    pub fn from_index(index: i32) -> Self {
        Period {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn offset(self, months: i32) -> Self {
        Self::from_index(self.index() + months)
    }

    pub fn next(self) -> Self {
        self.offset(1)
    }

    pub fn prev(self) -> Self {
        self.offset(-1)
    }

    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: Period) -> i32 {
        later.index() - self.index()
    }

    pub fn first_day(self) -> NaiveDate {
        // Always valid: month is 1..=12 and day 1 exists in every month.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Every period from `self` to `last`, both included.
    pub fn through(self, last: Period) -> impl Iterator<Item = Period> {
        (self.index()..=last.index()).map(Period::from_index)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a month: expected YYYY-MM, e.g. 2026-03")]
pub struct ParsePeriodError(pub String);

impl FromStr for Period {
    type Err = ParsePeriodError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || ParsePeriodError(text.to_string());
        let (year, month) = text.trim().split_once('-').ok_or_else(fail)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(fail());
        }
        let year = year.parse().map_err(|_| fail())?;
        let month = month.parse().map_err(|_| fail())?;
        Period::new(year, month).ok_or_else(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let p: Period = "2026-03".parse().unwrap();
        assert_eq!((p.year(), p.month()), (2026, 3));
        assert_eq!(p.to_string(), "2026-03");
        assert!("2026-13".parse::<Period>().is_err());
        assert!("2026-3".parse::<Period>().is_err());
        assert!("march".parse::<Period>().is_err());
    }

    #[test]
    fn steps_across_years() {
        let dec: Period = "2025-12".parse().unwrap();
        assert_eq!(dec.next().to_string(), "2026-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.offset(-12).to_string(), "2024-12");
        assert_eq!(dec.months_until("2026-02".parse().unwrap()), 2);
        assert_eq!(dec.through(dec.offset(2)).count(), 3);
        assert_eq!(dec.first_day().to_string(), "2025-12-01");
    }
}
