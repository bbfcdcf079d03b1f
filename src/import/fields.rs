//! Parsing one field of an import file into a typed SQL value, with the expectation a user reads
//! when it fails. Empty strings are missing values.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use rusqlite::types::Value;

use crate::domain::Period;
use crate::ui::text::grouped;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    Text,
    /// A number no smaller than `min`.
    Number {
        min: Option<f64>,
    },
    Integer {
        min: i64,
        max: i64,
    },
    Date,
    Timestamp,
    Period,
    Bool,
    /// One of a closed list, matched case-insensitively, stored in lower case.
    OneOf(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `YYYY-MM-DD` only (with an optional time and zone).
    Iso,
    /// `DD/MM/YYYY` accepted too, when asked for.
    DayFirst,
}

/// Dates outside these years are refused: a typo such as 1418 or 4200 would stretch the
/// store's months (and every rollup) over centuries.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// The largest magnitude of an imported figure (MRR, amounts, metric values, hours, indexes):
/// a trillion is beyond any real account or metric, and bounded figures keep every sum the
/// store computes finite and exact enough to print.
pub const MAX_FIGURE: f64 = 1e12;

/// The problem with text holding a NUL byte: C tools, SQLite's own text functions and terminals
/// cut text there, so an id or name with one would not read back as it was written.
pub const NUL_TEXT: &str = "contains a NUL byte: expected text without NUL (\\0) bytes";

/// The longest field an import takes, in characters: names, ids and other short text.
pub const MAX_SHORT_TEXT: usize = 10_000;
/// The longest comment, reason or note an import takes, in characters.
pub const MAX_LONG_TEXT: usize = 100_000;

/// The longest value a column takes: free text (comments, reasons, notes, descriptions) up to
/// `MAX_LONG_TEXT`, everything else up to `MAX_SHORT_TEXT`. A bound keeps one stray field from
/// becoming a cell that every user of the store has to print.
pub fn max_chars(column: &str) -> usize {
    match column {
        "comment" | "reason" | "note" | "notes" | "description" | "body" => MAX_LONG_TEXT,
        _ => MAX_SHORT_TEXT,
    }
}

/// The problem with a field longer than `max` characters, if it is.
pub fn too_long(text: &str, max: usize) -> Option<String> {
    // Bytes first: a string of `max` bytes or fewer cannot have more characters.
    if text.len() <= max {
        return None;
    }
    let chars = text.chars().count();
    (chars > max).then(|| {
        format!(
            "{} characters, longer than the limit of {}",
            grouped(chars as u64),
            grouped(max as u64)
        )
    })
}

fn plausible(text: &str) -> Result<(), String> {
    match text.get(0..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(year) if !YEARS.contains(&year) => Err(format!(
            "expected a year from {} to {}",
            YEARS.start(),
            YEARS.end()
        )),
        _ => Ok(()),
    }
}

impl FieldType {
    /// Parses a non-empty field; the error says what was expected.
    pub fn parse(self, text: &str, dates: DateOrder) -> Result<Value, String> {
        let value = self.parse_any(text, dates)?;
        if let (FieldType::Date | FieldType::Timestamp | FieldType::Period, Value::Text(t)) = (self, &value) {
            plausible(t)?;
        }
        Ok(value)
    }

    fn parse_any(self, text: &str, dates: DateOrder) -> Result<Value, String> {
        let text = text.trim();
        match self {
            FieldType::Text if text.contains('\0') => Err(NUL_TEXT.to_string()),
            FieldType::Text => Ok(Value::Text(text.to_string())),
            FieldType::Number { min } => {
                let number: f64 = text
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| "expected a number, e.g. 1250.50".to_string())?;
                match min {
                    Some(min) if number < min => Err(format!("expected a number >= {min}")),
                    _ if number.abs() > MAX_FIGURE => Err(format!(
                        "expected a number no larger than {} in magnitude (1e12)",
                        grouped(MAX_FIGURE as u64)
                    )),
                    _ => Ok(Value::Real(number)),
                }
            }
            FieldType::Integer { min, max } => text
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Value::Integer)
                .ok_or_else(|| format!("expected a whole number from {min} to {max}")),
            // Already canonical: keep the text, skip formatting it again.
            FieldType::Date if is_valid_iso_date(text) => Ok(Value::Text(text.to_string())),
            FieldType::Date => parse_date(text, dates)
                .map(|d| Value::Text(d.format("%Y-%m-%d").to_string()))
                .ok_or_else(|| expected_date(dates)),
            FieldType::Timestamp => parse_timestamp(text, dates)
                .map(|t| Value::Text(t.format("%Y-%m-%dT%H:%M:%S").to_string()))
                .ok_or_else(|| {
                    format!(
                        "{} or YYYY-MM-DDTHH:MM:SS (with or without a zone)",
                        expected_date(dates)
                    )
                }),
            FieldType::Period => text
                .parse::<Period>()
                .map(|p| Value::Text(p.to_string()))
                .map_err(|_| "expected a month YYYY-MM".to_string()),
            FieldType::Bool => match text.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" => Ok(Value::Integer(1)),
                "no" | "n" | "false" | "0" => Ok(Value::Integer(0)),
                _ => Err("expected yes/no, true/false or 1/0".to_string()),
            },
            FieldType::OneOf(options) => {
                let lower = text.to_ascii_lowercase();
                options
                    .iter()
                    .find(|o| **o == lower)
                    .map(|o| Value::Text(o.to_string()))
                    .ok_or_else(|| format!("expected one of {}", options.join(", ")))
            }
        }
    }
}

/// A canonical `YYYY-MM-DD` naming a real day: checked by hand because nearly every date of a
/// large file is one, and a format-string parse costs more than the rest of the row.
fn is_valid_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn expected_date(dates: DateOrder) -> String {
    match dates {
        DateOrder::Iso => "expected a date YYYY-MM-DD".to_string(),
        DateOrder::DayFirst => "expected a date YYYY-MM-DD or DD/MM/YYYY".to_string(),
    }
}

pub fn parse_date(text: &str, dates: DateOrder) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    if dates == DateOrder::DayFirst
        && let Ok(date) = NaiveDate::parse_from_str(text, "%d/%m/%Y")
    {
        return Some(date);
    }
    // A timestamp where a date is expected: its date, in its own zone (not converted to UTC).
    parse_timestamp_in(text, dates, false).map(|t| t.date())
}

/// `YYYY-MM-DDTHH:MM:SS` (or with a space), optional fraction; a zone (`Z`, `+07:00`) converts
/// to UTC; a bare date is midnight.
pub fn parse_timestamp(text: &str, dates: DateOrder) -> Option<NaiveDateTime> {
    parse_timestamp_in(text, dates, true)
}

/// With `utc`, a zoned time converts to UTC; without, it keeps its own wall-clock time.
fn parse_timestamp_in(text: &str, dates: DateOrder, utc: bool) -> Option<NaiveDateTime> {
    let convert = |t: DateTime<chrono::FixedOffset>| if utc { t.naive_utc() } else { t.naive_local() };
    if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
        return Some(convert(zoned));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t);
        }
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(convert(t));
        }
    }
    if dates == DateOrder::DayFirst {
        for format in ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                return Some(t);
            }
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().or_else(|| {
        (dates == DateOrder::DayFirst).then(|| NaiveDate::parse_from_str(text, "%d/%m/%Y").ok())?
    })?;
    date.and_hms_opt(0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value) -> String {
        match v {
            Value::Text(t) => t,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn dates_in_the_formats_met_in_the_wild() {
        let iso = DateOrder::Iso;
        assert_eq!(
            text(FieldType::Date.parse("2026-03-01", iso).unwrap()),
            "2026-03-01"
        );
        assert_eq!(
            text(FieldType::Date.parse("2026-03-01T23:10:00", iso).unwrap()),
            "2026-03-01"
        );
        assert!(FieldType::Date.parse("01/03/2026", iso).is_err());
        assert_eq!(
            text(FieldType::Date.parse("01/03/2026", DateOrder::DayFirst).unwrap()),
            "2026-03-01"
        );
        assert!(FieldType::Date.parse("2026-02-30", iso).is_err());
        assert_eq!(
            FieldType::Date.parse("1418-04-01", iso),
            Err("expected a year from 1900 to 2199".into())
        );
        assert!(FieldType::Period.parse("4200-04", iso).is_err());
        assert!(FieldType::Period.parse("2199-12", iso).is_ok());
    }

    #[test]
    fn the_iso_fast_path_agrees_with_the_calendar() {
        for text in [
            "2024-02-29",
            "2023-02-29",
            "2100-02-29",
            "2000-02-29",
            "2026-04-31",
            "2026-12-31",
            "2026-00-10",
            "2026-13-01",
            "2026-01-00",
            "2026-1a-01",
            "2026-01-01 ",
        ] {
            assert_eq!(
                is_valid_iso_date(text),
                NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10,
                "{text}"
            );
        }
        // chrono reads a signed year; the slow path takes it, and the year range refuses it.
        assert!(FieldType::Date.parse("+026-01-01", DateOrder::Iso).is_err());
    }

    #[test]
    fn timestamps_with_and_without_zone() {
        let iso = DateOrder::Iso;
        let ts = |s| text(FieldType::Timestamp.parse(s, iso).unwrap());
        assert_eq!(ts("2026-03-01T10:00:00"), "2026-03-01T10:00:00");
        assert_eq!(ts("2026-03-01T10:00:00Z"), "2026-03-01T10:00:00");
        assert_eq!(ts("2026-03-01T10:00:00+07:00"), "2026-03-01T03:00:00");
        assert_eq!(ts("2026-03-01 10:00"), "2026-03-01T10:00:00");
        assert_eq!(ts("2026-03-01"), "2026-03-01T00:00:00");
        assert!(FieldType::Timestamp.parse("yesterday", iso).is_err());
    }

    #[test]
    fn numbers_booleans_and_lists() {
        let iso = DateOrder::Iso;
        let money = FieldType::Number { min: Some(0.0) };
        assert_eq!(money.parse("12.5", iso), Ok(Value::Real(12.5)));
        assert_eq!(money.parse("-1", iso), Err("expected a number >= 0".into()));
        assert!(money.parse("twelve", iso).is_err());
        assert!(money.parse("NaN", iso).is_err());
        assert!(money.parse("inf", iso).is_err());
        assert!(money.parse("1.7e308", iso).is_err());
        assert_eq!(money.parse("1e12", iso), Ok(Value::Real(1e12)));
        assert!(
            FieldType::Number { min: None }
                .parse("-1.000001e12", iso)
                .is_err()
        );
        assert_eq!(FieldType::Bool.parse("Yes", iso), Ok(Value::Integer(1)));
        assert_eq!(FieldType::Bool.parse("false", iso), Ok(Value::Integer(0)));
        assert!(FieldType::Bool.parse("maybe", iso).is_err());
        let kind = FieldType::OneOf(&["nps", "csat"]);
        assert_eq!(kind.parse("NPS", iso), Ok(Value::Text("nps".into())));
        assert_eq!(kind.parse("ces", iso), Err("expected one of nps, csat".into()));
        let score = FieldType::Integer { min: 0, max: 10 };
        assert!(score.parse("11", iso).is_err());
    }
}
