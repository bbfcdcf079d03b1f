//! Fields a tool gives in another form, computed into ours: a subscription's MRR from its amount,
//! quantity and billing interval; a ticket's first response and resolution times from minutes
//! after it was opened; an account's company size from its employee count. The inputs are read
//! like any other column (so `--map`, presets and value maps reach them) but are not stored.

use chrono::NaiveDateTime;
use rusqlite::types::Value;

use super::kinds::{Column, EmptyAs, Kind};
use super::{Problem, Row};
use crate::import::fields::FieldType;

const fn input(name: &'static str, ty: FieldType) -> Column {
    Column {
        name,
        ty,
        required: false,
        empty: EmptyAs::Null,
    }
}

const MINUTES: FieldType = FieldType::Number { min: Some(0.0) };

const SUBSCRIPTION_INPUTS: &[Column] = &[
    input("amount", FieldType::Number { min: Some(0.0) }),
    input("quantity", FieldType::Number { min: Some(0.0) }),
    input("interval", FieldType::Text),
    input("interval_count", FieldType::Integer { min: 1, max: 1000 }),
];
const TICKET_INPUTS: &[Column] = &[
    input("first_response_minutes", MINUTES),
    input("resolution_minutes", MINUTES),
];
const ACCOUNT_INPUTS: &[Column] = &[input(
    "employees",
    FieldType::Integer {
        min: 0,
        max: 100_000_000,
    },
)];

/// The columns a kind reads only to compute other fields.
pub fn inputs(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Subscriptions => SUBSCRIPTION_INPUTS,
        Kind::Tickets => TICKET_INPUTS,
        Kind::Accounts => ACCOUNT_INPUTS,
        _ => &[],
    }
}

/// (computed field, the input it needs): a file with the input need not have the field.
pub fn computed(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Subscriptions => &[("mrr", "amount")],
        Kind::Tickets => &[
            ("first_response_at", "first_response_minutes"),
            ("resolved_at", "resolution_minutes"),
        ],
        Kind::Accounts => &[("company_size", "employees")],
        _ => &[],
    }
}

/// What a computed field is made of, for the mapping a dry run prints.
pub fn recipe(field: &str) -> Option<&'static str> {
    Some(match field {
        "mrr" => "amount x quantity / months per interval",
        "first_response_at" => "opened_at + first_response_minutes",
        "resolved_at" => "opened_at + resolution_minutes",
        "company_size" => "employees banded: micro < 10, small 10-49, medium 50-249, large 250+",
        _ => return None,
    })
}

fn is_missing(row: &Row, field: &str) -> bool {
    matches!(row.get(field), None | Some(Value::Null))
}

/// Fills the computed fields the row does not give itself. A value the file gives wins.
pub fn apply(kind: Kind, row: &mut Row, line: u64) -> Result<(), Problem> {
    match kind {
        Kind::Subscriptions if is_missing(row, "mrr") => {
            let amount = match row.get("amount") {
                Some(Value::Real(a)) => *a,
                Some(_) => {
                    return Err(Problem::at(
                        line,
                        "amount",
                        "",
                        "a value is required (the MRR is computed from it)",
                    ));
                }
                None => return Ok(()),
            };
            let quantity = match row.get("quantity") {
                Some(Value::Real(q)) => *q,
                _ => 1.0,
            };
            let interval = row.text("interval").unwrap_or("month").to_string();
            let Some((count, months)) = months_per(&interval) else {
                return Err(Problem::at(
                    line,
                    "interval",
                    &interval,
                    "expected month, year, week or day, with an optional count (e.g. 6 month)",
                ));
            };
            let count = match row.get("interval_count") {
                Some(Value::Integer(n)) => count * *n as f64,
                _ => count,
            };
            let mrr = amount * quantity / (count * months);
            row.set("mrr", Value::Real((mrr * 100.0).round() / 100.0));
        }
        Kind::Tickets => {
            for (field, minutes) in computed(kind) {
                if is_missing(row, field)
                    && let Some(Value::Real(m)) = row.get(minutes)
                {
                    let m = *m;
                    let Some(opened) = row
                        .text("opened_at")
                        .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
                    else {
                        continue; // opened_at is required: its own problem is reported
                    };
                    let at = opened + chrono::Duration::seconds((m * 60.0).round() as i64);
                    row.set(field, Value::Text(at.format("%Y-%m-%dT%H:%M:%S").to_string()));
                }
            }
        }
        Kind::Accounts if is_missing(row, "company_size") => {
            // Without a count the size is unknown, as an empty company_size is.
            let size = match row.get("employees") {
                Some(Value::Integer(n)) => band(*n),
                _ => "unknown",
            };
            row.set("company_size", Value::Text(size.to_string()));
        }
        _ => {}
    }
    Ok(())
}

/// The company size of an employee count.
pub fn band(employees: i64) -> &'static str {
    match employees {
        ..10 => "micro",
        10..=49 => "small",
        50..=249 => "medium",
        _ => "large",
    }
}

/// (count, months in one unit) of an interval such as `month`, `year`, `6 month`, `2 weeks`,
/// `yearly`; None when it is none of these.
pub fn months_per(interval: &str) -> Option<(f64, f64)> {
    let text = interval.trim().to_ascii_lowercase();
    let (count, unit) = match text.split_once(char::is_whitespace) {
        Some((n, unit)) => (n.parse::<u32>().ok().filter(|n| *n > 0)?, unit.trim()),
        None => (1, text.as_str()),
    };
    let months = match unit {
        "month" | "months" | "monthly" | "mo" => 1.0,
        "year" | "years" | "yearly" | "annual" | "annually" | "yr" => 12.0,
        "quarter" | "quarters" | "quarterly" => 3.0,
        // 52 weeks and 365 days to the year: a weekly or daily price times what a year holds.
        "week" | "weeks" | "weekly" => 12.0 / 52.0,
        "day" | "days" | "daily" => 12.0 / 365.0,
        _ => return None,
    };
    Some((f64::from(count), months))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_bands() {
        assert_eq!(months_per("year"), Some((1.0, 12.0)));
        assert_eq!(months_per("6 month"), Some((6.0, 1.0)));
        assert_eq!(months_per(" Monthly "), Some((1.0, 1.0)));
        assert_eq!(months_per("0 month"), None);
        assert_eq!(months_per("fortnight"), None);
        assert_eq!(
            [0, 9, 10, 49, 50, 249, 250].map(band),
            ["micro", "micro", "small", "small", "medium", "medium", "large"]
        );
    }
}
