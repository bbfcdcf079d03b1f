//! `temp.triage_usage` for the triage signals: per account with usage in a month the refresh
//! evaluates (`temp.triage_month`), its downtime over the downtime window, its usual usage (the
//! months before, in the usage drop's window) and its mean downtime over the red indicators'
//! window. Read in one walk of `usage_month` in key order, each account's months in hand: in
//! SQL, three correlated lookups per row took 8 s at 100,000 accounts. Sums and means are
//! SQLite's compensated ones (`Total`), so the values are those `sum()` and `avg()` gave.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::error::{Result, SqlContext};

use super::account_month::Total;
use super::pending::Accounts;

/// Where each window of an evaluated month starts (`temp.triage_month`).
struct Windows {
    downtime_from: String,
    usage_from: String,
    red_from: String,
}

/// One month of an account's usage.
struct Month {
    period: String,
    downtime: f64,
    usage_index: Option<f64>,
}

/// Creates and fills `temp.triage_usage`, for `accounts`.
pub(super) fn fill(tx: &Connection, accounts: Accounts) -> Result<()> {
    let what = "usage";
    tx.execute_batch(
        "CREATE TEMP TABLE triage_usage (period TEXT, account_id TEXT, usage_index REAL, downtime REAL,
                                         usual REAL, red_downtime REAL);",
    )
    .context(what)?;
    let mut evaluated: HashMap<String, Windows> = HashMap::new();
    {
        let mut stmt = tx
            .prepare("SELECT period, downtime_from, usage_from, red_from FROM temp.triage_month")
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            evaluated.insert(
                row.get(0).context(what)?,
                Windows {
                    downtime_from: row.get(1).context(what)?,
                    usage_from: row.get(2).context(what)?,
                    red_from: row.get(3).context(what)?,
                },
            );
        }
    }
    let mut insert = tx
        .prepare("INSERT INTO temp.triage_usage VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .context(what)?;
    let mut stmt = tx
        .prepare(&accounts.bind(
            "SELECT account_id, period, downtime_hours, usage_index FROM usage_month WHERE {accounts:}",
        ))
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut account = String::new();
    // The account's months so far, in period order (the table's key order).
    let mut months: Vec<Month> = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let id = match row.get_ref(0).context(what)? {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            _ => "",
        };
        if id != account {
            account.clear();
            account.push_str(id);
            months.clear();
        }
        let usage_index = match row.get_ref(3).context(what)? {
            ValueRef::Real(x) => Some(x),
            ValueRef::Integer(n) => Some(n as f64),
            _ => None,
        };
        months.push(Month {
            period: row.get(1).context(what)?,
            downtime: row.get(2).context(what)?,
            usage_index,
        });
        let Some(month) = months.last() else { continue };
        let Some(windows) = evaluated.get(&month.period) else {
            continue;
        };
        // A one-month window is the month's own value, as the SQL read it without a lookup.
        let downtime = if windows.downtime_from == month.period {
            Some(month.downtime)
        } else {
            sum(months
                .iter()
                .filter(|m| m.period >= windows.downtime_from)
                .map(|m| Some(m.downtime)))
            .value()
        };
        let usual = mean(
            months
                .iter()
                .filter(|m| m.period >= windows.usage_from && m.period < month.period)
                .map(|m| m.usage_index),
        );
        let red_downtime = if windows.red_from == month.period {
            Some(month.downtime)
        } else {
            mean(
                months
                    .iter()
                    .filter(|m| m.period >= windows.red_from)
                    .map(|m| Some(m.downtime)),
            )
        };
        insert
            .execute(params![
                month.period,
                account,
                month.usage_index,
                downtime,
                usual,
                red_downtime
            ])
            .context(what)?;
    }
    Ok(())
}

/// SQL's `sum()` of the values that are not NULL.
fn sum(values: impl Iterator<Item = Option<f64>>) -> Total {
    let mut total = Total::default();
    values.flatten().for_each(|v| total.add(v));
    total
}

/// SQL's `avg()`: the compensated sum over the count of values that are not NULL.
fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut total = Total::default();
    let mut n = 0u64;
    for v in values.flatten() {
        total.add(v);
        n += 1;
    }
    total.value().map(|sum| sum / n as f64)
}
