//! Each account's MRR at the start and end of every month (`account_month`), from its
//! subscriptions. Computed here rather than in SQL: joining months with subscriptions makes
//! subscriptions x months rows for SQLite to sort (55 s and 2 GB for a million subscriptions);
//! here the subscriptions are read once, sorted by account, and each account's months are
//! summed in place, with SQLite's own compensated summation so the figures match `sum()`.
//! The HVC flag of each month is decided here too, as `percent_rank()` would: ranking every
//! month in SQL took 19 s at 100,000 accounts, most of it B-tree descents on the text keys.

use std::collections::HashMap;

use rusqlite::Transaction;
use rusqlite::types::{Value, ValueRef};

use crate::domain::Period;
use crate::error::{Error, Result, SqlContext};

use super::rewrite::{Rewrite, Scope, Stored};

/// One subscription, compactly: dates as YYYYMMDD numbers, which order as the ISO text does.
struct Sub {
    account: u32,
    start: u32,
    /// `u32::MAX` while active.
    end: u32,
    mrr: f64,
}

/// Kahan-Babuska-Neumaier summation, step for step as SQLite's `sum()` does it.
#[derive(Clone, Copy, Default)]
pub(super) struct Total {
    sum: f64,
    error: f64,
    any: bool,
}

impl Total {
    pub(super) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() > x.abs() {
            self.error += (self.sum - t) + x;
        } else {
            self.error += (x - t) + self.sum;
        }
        self.sum = t;
        self.any = true;
    }

    /// Adds another sum's rows, as if they came after these: its compensated total, and its
    /// error term kept apart (the value is SQLite's for the rows together, but for the
    /// rounding of the last bit in rare cases).
    pub(super) fn merge(&mut self, other: &Total) {
        if other.any {
            self.add(other.sum);
            self.error += other.error;
        }
    }

    /// None when no subscription was active (SQL's sum over no rows).
    pub(super) fn value(self) -> Option<f64> {
        self.any.then_some(self.sum + self.error)
    }
}

fn day_number(date: &str) -> Option<u32> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    b.iter()
        .enumerate()
        .filter(|(i, _)| *i != 4 && *i != 7)
        .try_fold(0u32, |n, (_, &d)| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
}

fn first_day(period: Period) -> u32 {
    period.year().max(0) as u32 * 10_000 + period.month() * 100 + 1
}

/// Rewrites `account_month` for the months `first..=last` (and drops every other month, unless
/// `keep_before`: the months before `first` stay as they are); returns the rows written.
pub fn refresh(tx: &Transaction<'_>, first: Period, last: Period, keep_before: bool) -> Result<u64> {
    let months: Vec<Period> = first.through(last).collect();
    // A month's start is its first day and its end the next month's first day.
    let boundaries: Vec<u32> = months
        .iter()
        .map(|&m| first_day(m))
        .chain(std::iter::once(first_day(last.next())))
        .collect();

    let mut accounts: Vec<String> = Vec::new();
    let mut index_of: HashMap<String, u32> = HashMap::new();
    let mut subs: Vec<Sub> = Vec::new();
    {
        let mut stmt = tx
            .prepare("SELECT subscription_id, account_id, start_date, end_date, mrr FROM subscription")
            .context("reading subscriptions")?;
        let mut rows = stmt.query([]).context("reading subscriptions")?;
        while let Some(row) = rows.next().context("reading subscriptions")? {
            let text = |i: usize| -> Result<Option<&str>> {
                Ok(match row.get_ref(i).context("reading subscriptions")? {
                    ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
                    _ => None,
                })
            };
            let account = text(1)?.unwrap_or_default();
            let date = |i: usize| -> Result<Option<u32>> {
                text(i)?
                    .map(|t| {
                        day_number(t).ok_or_else(|| {
                        let id: String = row.get(0).unwrap_or_default();
                        Error::input(format!(
                            "subscription {id} has the date '{t}', expected YYYY-MM-DD (run cxcockpit check)"
                        ))
                    })
                    })
                    .transpose()
            };
            let (Some(start), end) = (date(2)?, date(3)?) else {
                continue; // NOT NULL in the schema
            };
            let index = match index_of.get(account) {
                Some(&i) => i,
                None => {
                    let i = accounts.len() as u32;
                    accounts.push(account.to_string());
                    index_of.insert(account.to_string(), i);
                    i
                }
            };
            subs.push(Sub {
                account: index,
                start,
                end: end.unwrap_or(u32::MAX),
                mrr: row.get(4).context("reading subscriptions")?,
            });
        }
    }
    drop(index_of);
    // Accounts in id order, so rows arrive in the table's key order.
    let mut rank = vec![0u32; accounts.len()];
    let mut by_name: Vec<u32> = (0..accounts.len() as u32).collect();
    by_name.sort_unstable_by(|&a, &b| accounts[a as usize].cmp(&accounts[b as usize]));
    for (position, &account) in by_name.iter().enumerate() {
        rank[account as usize] = position as u32;
    }
    subs.sort_unstable_by_key(|s| (rank[s.account as usize], s.start, s.end));

    // Each month's MRR at its start, every account's, ranked for the HVC rule.
    let mut starts: Vec<Vec<f64>> = vec![Vec::new(); months.len()];
    let mut totals = vec![Total::default(); boundaries.len()];
    for group in subs.chunk_by(|a, b| a.account == b.account) {
        sum_months(group, &boundaries, &mut totals);
        for (month, total) in starts.iter_mut().zip(&totals) {
            month.extend(total.value());
        }
    }
    let top_share: f64 = tx
        .query_row(
            "SELECT coalesce((SELECT CAST(value AS REAL) FROM setting WHERE key = 'hvc_top_mrr_pct'), 20) / 100.0",
            [],
            |r| r.get(0),
        )
        .context("reading the HVC share")?;
    let ranks: Vec<HvcRank> = starts
        .into_iter()
        .map(|month| HvcRank::new(month, top_share))
        .collect();

    // The stored months this refresh replaces (every month, or those from `first` on), in key
    // order: only the rows that changed are written (`rewrite`).
    let scope = match keep_before {
        true => Scope::from_period(tx, "account_month", "+period >= ?", &first.to_string())?,
        false => Scope::all(),
    };
    let mut rewrite = Rewrite::new(
        tx,
        "account_month",
        &["account_id", "period"],
        &["mrr_start", "mrr_end", "hvc"],
        scope,
        "writing account months",
    )?;
    let mut stored_read = rewrite.prepare_stored(tx)?;
    let mut stored = Stored::read(&mut stored_read, &rewrite)?;
    let periods: Vec<String> = months.iter().map(Period::to_string).collect();
    let mut written = 0u64;
    let mrr = |total: Total| total.value().map_or(Value::Null, Value::Real);
    for group in subs.chunk_by(|a, b| a.account == b.account) {
        sum_months(group, &boundaries, &mut totals);
        let account = &accounts[group[0].account as usize];
        for (i, period) in periods.iter().enumerate() {
            let (start, end) = (totals[i], totals[i + 1]);
            if start.any || end.any {
                let hvc = start.value().is_some_and(|mrr| ranks[i].is_hvc(mrr));
                let row = [
                    Value::Text(account.clone()),
                    Value::Text(period.clone()),
                    mrr(start),
                    mrr(end),
                    Value::Integer(i64::from(hvc)),
                ];
                rewrite.put(&mut stored, &row)?;
                written += 1;
            }
        }
    }
    rewrite.finish(&mut stored)?;
    Ok(written)
}

/// One account's MRR on every boundary day, into `totals`.
fn sum_months(group: &[Sub], boundaries: &[u32], totals: &mut [Total]) {
    totals.fill(Total::default());
    for sub in group {
        // Active on a boundary day when it started by then and had not yet ended.
        let from = boundaries.partition_point(|&b| b < sub.start);
        let to = boundaries.partition_point(|&b| b < sub.end);
        for total in totals.iter_mut().take(to).skip(from) {
            total.add(sub.mrr);
        }
    }
}

/// The HVC rule for one month: among the accounts active at its start, those whose
/// `percent_rank() OVER (ORDER BY mrr_start DESC)` is below the top share. SQLite's percent rank
/// is the number of strictly higher values over (rows - 1), and 0 for a single row; it only
/// grows as the MRR falls, so the rule is a threshold: the lowest MRR that still qualifies.
struct HvcRank {
    /// None: no account qualifies.
    threshold: Option<f64>,
}

impl HvcRank {
    fn new(mut values: Vec<f64>, top_share: f64) -> HvcRank {
        values.sort_unstable_by(|a, b| b.total_cmp(a));
        let rows = values.len();
        let mut threshold = None;
        for (higher, &value) in values.iter().enumerate() {
            // Ties share the rank of the first of them.
            if higher > 0 && values[higher - 1] == value {
                continue;
            }
            let percent_rank = if rows > 1 {
                higher as f64 / (rows - 1) as f64
            } else {
                0.0
            };
            if percent_rank >= top_share {
                break;
            }
            threshold = Some(value);
        }
        HvcRank { threshold }
    }

    /// Whether an account with this MRR at the month's start (one of the month's values) is HVC.
    fn is_hvc(&self, mrr: f64) -> bool {
        self.threshold.is_some_and(|t| mrr >= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hvc_is_the_top_share_by_percent_rank_with_ties_together() {
        let month = |share| HvcRank::new(vec![5.0, 50.0, 100.0, 10.0, 50.0], share);
        // Percent ranks: 100 -> 0/4, each 50 -> 1/4, 10 -> 3/4, 5 -> 4/4.
        let top = month(0.2);
        assert!(top.is_hvc(100.0));
        assert!(!top.is_hvc(50.0));
        let half = month(0.5);
        assert!(half.is_hvc(50.0), "ties share the rank of the first of them");
        assert!(!half.is_hvc(10.0));
        assert!(!month(0.0).is_hvc(100.0), "a share of 0 makes no account HVC");
        // One account: its percent rank is 0.
        assert!(HvcRank::new(vec![7.0], 0.2).is_hvc(7.0));
    }

    #[test]
    fn dates_become_ordered_numbers() {
        assert_eq!(day_number("2026-03-01"), Some(20260301));
        assert_eq!(day_number("2026-3-01"), None);
        assert_eq!(day_number("2026-03-0x"), None);
        assert!(day_number("2025-12-31") < day_number("2026-01-01"));
        assert_eq!(first_day(Period::new(2026, 3).unwrap()), 20260301);
    }

    #[test]
    fn compensated_sums_as_sqlite_makes_them() {
        let mut total = Total::default();
        assert_eq!(total.value(), None);
        for x in [0.1, 0.2, 0.3] {
            total.add(x);
        }
        // Naive summation gives 0.6000000000000001.
        assert_eq!(total.value(), Some(0.6));
        let mut big = Total::default();
        for x in [1e16, 1.0, -1e16] {
            big.add(x);
        }
        assert_eq!(big.value(), Some(1.0));
    }
}
