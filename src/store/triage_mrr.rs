//! The MRR contraction signal of each month the refresh evaluates (`temp.triage_month`): the
//! MRR at the start of the window's first month against the MRR at the end of the month, when
//! it fell. Read in one walk of `account_month` in key order, each account's months in hand: as
//! SQL, two index lookups per evaluated account-month took 2.9 s of the refresh's critical lane
//! at 100,000 accounts.

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::domain::period::Period;
use crate::domain::triage::{Signal, Weights};
use crate::error::{Error, Result, SqlContext};

use super::pending::Accounts;
use super::triage_backtest::Gathered;

const WHAT: &str = "MRR contraction";

/// One account month's MRR at its start and its end.
struct Month {
    period: Period,
    start: Option<f64>,
    end: Option<f64>,
}

/// Adds the signal of `accounts` to `temp.triage_signal`; with the backtest, that of a month
/// that is not the queue's goes to its points instead (as the usage walk does).
pub(super) fn add_signals(
    conn: &Connection,
    accounts: Accounts,
    mut backtest: Option<(&mut Gathered, &Weights)>,
) -> Result<()> {
    // Each evaluated month, the first month of its window, its text and whether its points go
    // to the backtest, in month order: worked out once, not per signal.
    let mut evaluated: Vec<(Period, Period, String, bool)> = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT period, contraction_from FROM temp.triage_month ORDER BY period")
            .context(WHAT)?;
        let mut rows = stmt.query([]).context(WHAT)?;
        while let Some(row) = rows.next().context(WHAT)? {
            let period = period_at(row, 0)?;
            let label = period.to_string();
            let to_points = backtest
                .as_ref()
                .is_some_and(|(gathered, _)| !gathered.is_live(&label));
            evaluated.push((period, period_at(row, 1)?, label, to_points));
        }
    }
    let (Some(first), Some(last)) = (
        evaluated.iter().map(|(_, from, _, _)| *from).min(),
        evaluated.last().map(|(p, _, _, _)| *p),
    ) else {
        return Ok(());
    };
    let mut insert = conn
        .prepare("INSERT INTO temp.triage_signal VALUES (?1, ?2, 'mrr_contraction', ?3)")
        .context(WHAT)?;
    // `+period`: in key order, each account's months together, not through the month index.
    let mut stmt = conn
        .prepare(&accounts.bind(
            "SELECT account_id, period, mrr_start, mrr_end FROM account_month
             WHERE {accounts:} AND +period BETWEEN ?1 AND ?2",
        ))
        .context(WHAT)?;
    let mut rows = stmt.query([first.to_string(), last.to_string()]).context(WHAT)?;
    let mut account = String::new();
    let mut months: Vec<Month> = Vec::new();
    let mut signal = |account: &str, months: &[Month]| -> Result<()> {
        for (period, from, label, to_points) in &evaluated {
            let Some(end) = mrr(months, *period, |m| m.end) else {
                continue;
            };
            let Some(start) = mrr(months, *from, |m| m.start) else {
                continue;
            };
            if end >= start {
                continue;
            }
            match backtest.as_mut() {
                Some((gathered, weights)) if *to_points => {
                    gathered.add_points(label, account, Signal::MrrContraction, start - end, weights)
                }
                _ => {
                    insert
                        .execute(rusqlite::params![label, account, start - end])
                        .context(WHAT)?;
                }
            }
        }
        Ok(())
    };
    while let Some(row) = rows.next().context(WHAT)? {
        let id = match row.get_ref(0).context(WHAT)? {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            _ => "",
        };
        if id != account {
            signal(&account, &months)?;
            account.clear();
            account.push_str(id);
            months.clear();
        }
        months.push(Month {
            period: period_at(row, 1)?,
            start: row.get(2).context(WHAT)?,
            end: row.get(3).context(WHAT)?,
        });
    }
    signal(&account, &months)
}

/// The MRR `of` the account's month `period`, if the account has that month and the MRR.
fn mrr(months: &[Month], period: Period, of: impl Fn(&Month) -> Option<f64>) -> Option<f64> {
    months
        .binary_search_by(|m| m.period.cmp(&period))
        .ok()
        .and_then(|i| of(&months[i]))
}

fn period_at(row: &rusqlite::Row<'_>, column: usize) -> Result<Period> {
    let text = row.get_ref(column).context(WHAT)?;
    let text = text.as_str().unwrap_or_default();
    text.parse()
        .map_err(|_| Error::input(format!("{WHAT}: the month '{text}' is not YYYY-MM")))
}
