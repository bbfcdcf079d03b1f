//! The triage signals that rest on usage, for each account with usage in a month the refresh
//! evaluates (`temp.triage_month`): its downtime over the downtime window (`downtime`), its
//! usage against the usual (the months before, in the usage drop's window: `usage_drop`), and
//! each downtime indicator of its journey that its mean downtime over the red indicators' window
//! misses (a row of `temp.triage_red`). Read in one walk of `usage_month` in key order, each
//! account's months in hand: in SQL, three correlated lookups per row took 8 s at 100,000
//! accounts, and a table of every account-month's windows 4 s more. Sums and means are SQLite's
//! compensated ones (`Total`), so the values are those `sum()` and `avg()` gave.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::error::{Result, SqlContext};

use super::account_month::Total;
use super::pending::Accounts;
use super::triage_backtest::Gathered;
use crate::domain::triage::{Signal, Weights};

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

/// A downtime indicator of a journey: red when a mean downtime misses its target by more than
/// its tolerance (`triage_signals`' `red!`).
struct RedLimit {
    higher_is_better: bool,
    target: f64,
    tolerance: Option<f64>,
}

impl RedLimit {
    fn is_red(&self, value: f64) -> bool {
        let miss = super::indicator_values::gap(self.higher_is_better, self.target, value);
        self.tolerance.is_some_and(|tolerance| miss > tolerance)
    }
}

/// Adds the usage signals of `accounts` to `temp.triage_signal` and their red downtime
/// indicators to `temp.triage_red`. With the backtest, the downtime of a month that is not the
/// queue's goes to its points instead: no other reader wants that row.
pub(super) fn add_signals(
    tx: &Connection,
    accounts: Accounts,
    mut backtest: Option<(&mut Gathered, &Weights)>,
) -> Result<()> {
    let what = "usage";
    // Each journey's downtime indicators, and each account's journey.
    let mut limits: HashMap<String, Vec<RedLimit>> = HashMap::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT p.journey_id, k.direction, k.target, k.tolerance
                 FROM metric k JOIN phase p ON p.phase_id = k.phase_id
                 WHERE k.kind = 'indicator' AND k.target IS NOT NULL AND k.aggregation = 'downtime_hours'",
            )
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            limits
                .entry(row.get(0).context(what)?)
                .or_default()
                .push(RedLimit {
                    higher_is_better: row.get_ref(1).context(what)?.as_str().ok() == Some("higher"),
                    target: row.get(2).context(what)?,
                    tolerance: row.get(3).context(what)?,
                });
        }
    }
    let mut journeys: HashMap<String, String> = HashMap::new();
    if !limits.is_empty() {
        let mut stmt = tx
            .prepare(&accounts.bind("SELECT account_id, journey_id FROM account WHERE {accounts:}"))
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            journeys.insert(row.get(0).context(what)?, row.get(1).context(what)?);
        }
    }
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
    let mut signal = tx
        .prepare("INSERT INTO temp.triage_signal VALUES (?1, ?2, 'downtime', ?3)")
        .context(what)?;
    // Rounded by SQLite, as the queue has always shown it.
    let mut drop = tx
        .prepare(
            "INSERT INTO temp.triage_signal VALUES (?1, ?2, 'usage_drop', round(100 * (1 - ?3 / ?4), 1))",
        )
        .context(what)?;
    let mut red = tx
        .prepare("INSERT INTO temp.triage_red VALUES (?1, ?2)")
        .context(what)?;
    let none = Vec::new();
    // Only the months some evaluated month's windows reach (the queue's months' alone when the
    // backtest's earlier months were read back). `+period`: in key order, each account's months
    // together, not through the month index.
    let since = evaluated
        .values()
        .flat_map(|w| [&w.downtime_from, &w.usage_from, &w.red_from])
        .min()
        .cloned()
        .unwrap_or_default();
    let mut stmt = tx
        .prepare(&accounts.bind(
            "SELECT account_id, period, downtime_hours, usage_index FROM usage_month
             WHERE {accounts:} AND +period >= ?1",
        ))
        .context(what)?;
    let mut rows = stmt.query([&since]).context(what)?;
    let mut account = String::new();
    let mut account_limits = &none;
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
            account_limits = journeys.get(id).and_then(|j| limits.get(j)).unwrap_or(&none);
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
        if let Some(downtime) = downtime.filter(|d| *d > 0.0) {
            match backtest.as_mut() {
                Some((gathered, weights)) if !gathered.is_live(&month.period) => {
                    gathered.add_points(&month.period, &account, Signal::Downtime, downtime, weights)
                }
                _ => {
                    signal
                        .execute(params![month.period, account, downtime])
                        .context(what)?;
                }
            }
        }
        let usual = mean(
            months
                .iter()
                .filter(|m| m.period >= windows.usage_from && m.period < month.period)
                .map(|m| m.usage_index),
        );
        if let (Some(usage), Some(usual)) = (month.usage_index, usual)
            && usual > 0.0
            && usage < usual
        {
            drop.execute(params![month.period, account, usage, usual])
                .context(what)?;
        }
        if account_limits.is_empty() {
            continue;
        }
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
        // Downtime has no phase: it counts for every downtime indicator of the journey.
        for limit in account_limits {
            if red_downtime.is_some_and(|d| limit.is_red(d)) {
                red.execute(params![month.period, account]).context(what)?;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_downtime_indicator_is_red_only_beyond_its_tolerance_in_its_direction() {
        // At most 3 hours, 1 hour of tolerance: 4 hours is amber, 4.5 red.
        let lower = RedLimit {
            higher_is_better: false,
            target: 3.0,
            tolerance: Some(1.0),
        };
        assert!(!lower.is_red(2.0));
        assert!(!lower.is_red(4.0));
        assert!(lower.is_red(4.5));
        // At least 95, 5 of tolerance: 90 is amber, 89 red, 120 green.
        let higher = RedLimit {
            higher_is_better: true,
            target: 95.0,
            tolerance: Some(5.0),
        };
        assert!(!higher.is_red(120.0));
        assert!(!higher.is_red(90.0));
        assert!(higher.is_red(89.0));
        // No tolerance: SQL's comparison with NULL, never red.
        let open = RedLimit {
            tolerance: None,
            ..lower
        };
        assert!(!open.is_red(100.0));
    }
}
