//! Dates as tools write them, turned into ISO text before the column's own parser checks it:
//! explicit strftime-style formats (`--date-format`, a preset's `date_formats`), epoch seconds
//! (`%s`), and, when no format is given, slashed dates refused rather than guessed, naming both
//! readings when the day and the month could be either.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::fields::{DateOrder, FieldType, parse_timestamp};

/// The text of a Date or Timestamp field as ISO text, or what was expected.
pub fn normalise<'a>(
    text: &'a str,
    ty: FieldType,
    formats: &[String],
    order: DateOrder,
) -> Result<Cow<'a, str>, String> {
    if !formats.is_empty() {
        if let Some(t) = formats.iter().find_map(|f| with_format(text, f)) {
            let iso = match ty {
                FieldType::Date => t.format("%Y-%m-%d"),
                _ => t.format("%Y-%m-%dT%H:%M:%S"),
            };
            return Ok(Cow::Owned(iso.to_string()));
        }
        // ISO text is read whatever the declared format: exports mix them.
        if parse_timestamp(text, DateOrder::Iso).is_some() {
            return Ok(Cow::Borrowed(text));
        }
        return Err(format!(
            "expected a date in the format {} (--date-format), or YYYY-MM-DD",
            formats
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if order == DateOrder::Iso
        && let Some(message) = slashed(text)
    {
        return Err(message);
    }
    Ok(Cow::Borrowed(text))
}

/// The time `text` gives in `format`: a date and time, a date alone (midnight), a zoned time
/// (converted to UTC), or epoch seconds for `%s`.
fn with_format(text: &str, format: &str) -> Option<NaiveDateTime> {
    if format == "%s" {
        let seconds: i64 = text.parse().ok()?;
        return DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc());
    }
    // Zoned first: a naive parse would read a zone in the format and drop it.
    DateTime::parse_from_str(text, format)
        .ok()
        .map(|t| t.naive_utc())
        .or_else(|| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(text, format).ok()?.and_hms_opt(0, 0, 0))
}

/// For a date written `A/B/YYYY` (with or without a time): why it is not read without a format.
fn slashed(text: &str) -> Option<String> {
    let date = text.split([' ', 'T']).next()?;
    let mut parts = date.split('/');
    let (a, b, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let (a, b, year): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, year.parse().ok()?);
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    Some(match (day_first, month_first) {
        (Some(d), Some(m)) if d != m => format!(
            "ambiguous date: day first it is {d}, month first it is {m}; say which with --date-format %d/%m/%Y or --date-format %m/%d/%Y"
        ),
        (Some(d), None) => format!(
            "expected a date YYYY-MM-DD; this one reads day first ({d}): say so with --date-format %d/%m/%Y (or --day-first)"
        ),
        (None, Some(m)) => format!(
            "expected a date YYYY-MM-DD; this one reads month first ({m}): say so with --date-format %m/%d/%Y"
        ),
        _ => "expected a date YYYY-MM-DD; for slashed dates say which order with --date-format %d/%m/%Y or %m/%d/%Y".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str, formats: &[&str]) -> Result<String, String> {
        let formats: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
        normalise(text, FieldType::Timestamp, &formats, DateOrder::Iso).map(|c| c.into_owned())
    }

    #[test]
    fn formats_epoch_and_am_pm() {
        assert_eq!(iso("3/4/2023", &["%m/%d/%Y"]).unwrap(), "2023-03-04T00:00:00");
        assert_eq!(
            iso("1/15/2023 9:05 PM", &["%m/%d/%Y", "%m/%d/%Y %I:%M %p"]).unwrap(),
            "2023-01-15T21:05:00"
        );
        assert_eq!(iso("1714640400", &["%s"]).unwrap(), "2024-05-02T09:00:00");
        assert_eq!(
            iso("2024-05-04 08:00:00 +0200", &["%Y-%m-%d %H:%M:%S %z"]).unwrap(),
            "2024-05-04T06:00:00"
        );
        assert_eq!(
            iso("2024-05-02 09:00:00", &["%s"]).unwrap(),
            "2024-05-02 09:00:00"
        );
        assert!(iso("15/1/2023", &["%m/%d/%Y"]).is_err());
    }

    #[test]
    fn slashed_dates_are_never_guessed() {
        let ambiguous = iso("3/4/2023", &[]).unwrap_err();
        assert!(
            ambiguous.contains("2023-04-03") && ambiguous.contains("2023-03-04"),
            "{ambiguous}"
        );
        assert!(
            iso("31/01/2025", &[])
                .unwrap_err()
                .contains("day first (2025-01-31)")
        );
        assert!(
            iso("1/15/2023 10:00", &[])
                .unwrap_err()
                .contains("month first (2023-01-15)")
        );
        assert!(iso("4/4/2023", &[]).is_err());
        assert_eq!(iso("2023-04-03", &[]).unwrap(), "2023-04-03");
        // --day-first keeps its own reading.
        let day_first = normalise("3/4/2023", FieldType::Date, &[], DateOrder::DayFirst);
        assert_eq!(day_first.unwrap(), "3/4/2023");
    }
}
