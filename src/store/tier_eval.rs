//! Tier evaluation: every account, every month of the store, from the first month on, so grace
//! periods and one-step drops carry over from month to month. Written to `account_tier` in one
//! transaction after each rollup.
//!
//! The facts are those of `tier_facts` (see store/tiers.rs for the definitions), read for all
//! months at once: each source table is scanned once and every row marks the run of months it
//! affects, instead of one set of queries per month.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::domain::Period;
use crate::domain::tiers::{
    AccountFacts, Holding, TierStatus, eligible_index, next_holding, watch_flags, whole_months,
};
use crate::error::{Result, SqlContext};

use super::Store;
use super::churn_reads::{ChurnTally, Profile};
use super::pending::Accounts;
use super::rewrite::{Rewrite, Scope, Stored};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierEvalStats {
    pub months: u64,
    pub rows: u64,
    pub elapsed: Duration,
}

/// An account's yes-or-no facts of one month, as the bits of a byte: at 100,000 accounts, a
/// vector for each fact cost 22 MB more at the refresh's peak.
type MonthFlags = u8;
/// HVC that month (`account_month.hvc`).
const HVC: MonthFlags = 1;
const OVERDUE: MonthFlags = 1 << 1;
const OPEN_SEVERE: MonthFlags = 1 << 2;
/// An NPS answer in or before the month; with `DETRACTOR`, the latest is a detractor's, on the
/// scale of the account's journey (`survey_answer.unhappy`).
const NPS_ANSWERED: MonthFlags = 1 << 3;
const DETRACTOR: MonthFlags = 1 << 4;

/// One account's facts for every month of the range (index 0 = the first month).
struct History {
    /// Each month's `MonthFlags`.
    flags: Vec<MonthFlags>,
    first_start: Option<NaiveDate>,
    /// MRR at the end of each month, counting `window - 1` months before the range (as 0);
    /// `NO_MRR` when not active. Plain f64s: at 100,000 accounts an Option doubles the walk's
    /// memory, and SQLite never stores a NaN.
    mrr_end: Vec<f64>,
    /// MRR at the start of each month (`NO_MRR`: not active).
    mrr_start: Vec<f64>,
    /// The month its first subscription started.
    cohort: Option<Period>,
    /// Its journey, size and industry (`ChurnTally::profile`).
    profile: u32,
}

/// A month an account was not active at one end (`History::mrr_end`, `mrr_start`).
const NO_MRR: f64 = f64::NAN;

fn mrr(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

impl Store {
    /// Recomputes `account_tier` for every month of the store's range.
    pub fn evaluate_tiers(&mut self) -> Result<TierEvalStats> {
        self.evaluate_tiers_from(None, Accounts::All)
    }

    /// Recomputes `account_tier` for the months from `from` on (None: every month), carrying on
    /// from the holdings stored for the month before: a month's holding depends on the month
    /// before's and on facts of its own window, so the months before `from` need no rework; and
    /// only for `accounts` (an account's holding rests on its own rows and HVC flags alone).
    pub fn evaluate_tiers_from(&mut self, from: Option<Period>, accounts: Accounts) -> Result<TierEvalStats> {
        self.evaluate_tiers_given(from, accounts, None)
    }

    /// The months `evaluate_tiers_from(from, ..)` evaluates, first and last; None without any.
    pub(crate) fn tier_range(&self, from: Option<Period>) -> Result<Option<(Period, Period)>> {
        Ok(match (self.period_range()?, from) {
            (Some((first, last)), Some(from)) if from > first => (from <= last).then_some((from, last)),
            (range, _) => range,
        })
    }

    /// `evaluate_tiers_from`, with the facts that rest on the raw rows read already (by the
    /// refresh's second lane), when they are those of its months and accounts.
    pub(crate) fn evaluate_tiers_given(
        &mut self,
        from: Option<Period>,
        accounts: Accounts,
        given: Option<RawFacts>,
    ) -> Result<TierEvalStats> {
        let started = Instant::now();
        let ladder = self.tiers()?;
        let range = self.tier_range(from)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the tier evaluation")?;
        let floor = from.map_or(String::new(), |from| from.to_string());
        // The rows stored for the months and accounts evaluated, which the walk's rows replace:
        // written only where they changed (`rewrite`).
        let scope = || match (floor.as_str(), accounts) {
            ("", Accounts::All) => Scope::all(),
            _ => Scope::new(
                accounts.bind("period >= ? AND {accounts:}"),
                vec![Value::Text(floor.clone())],
            ),
        };
        let mut insert = Rewrite::new(
            &tx,
            "account_tier",
            &["period", "account_id"],
            &["held_tier", "eligible_tier", "status", "grace_until"],
            scope(),
            "writing tiers",
        )?;
        let mut watch = Rewrite::new(
            &tx,
            "tier_watch",
            &["period", "account_id"],
            &[
                "active",
                "monthly_mrr",
                "tenure_months",
                "overdue_invoice",
                "open_severe_ticket",
                "detractor",
                "hvc",
            ],
            scope(),
            "writing the tier watch list",
        )?;
        let mut tiers_read = insert.prepare_stored(&tx)?;
        let mut stored_tiers = Stored::read(&mut tiers_read, &insert)?;
        let mut watch_read = watch.prepare_stored(&tx)?;
        let mut stored_watch = Stored::read(&mut watch_read, &watch)?;
        let mut stats = TierEvalStats {
            months: 0,
            rows: 0,
            elapsed: Duration::ZERO,
        };
        let mut gathered = None;
        // Every account's walk counts each month's members and HVC accounts as it goes.
        let mut counted: Option<MonthCounts> = None;
        if let (Some((first, last)), false) = (range, ladder.is_empty()) {
            let window = ladder.iter().map(|t| t.window_months).max().unwrap_or(1).max(1);
            let months = first.months_until(last) as usize + 1;
            stats.months = months as u64;
            let mut tally = ChurnTally::new(first);
            let mut counts = MonthCounts {
                members: vec![vec![0; ladder.len()]; months],
                hvc: vec![0; months],
            };
            let raw = match given {
                Some(raw) if raw.first == first && raw.months == months && raw.accounts == accounts => raw,
                _ => raw_facts(&tx, (first, last), accounts)?,
            };
            let histories = load_histories(&tx, first, months, window, accounts, raw, &mut tally)?;
            let periods: Vec<(Period, String)> = first.through(last).map(|p| (p, p.to_string())).collect();
            let mut facts = AccountFacts {
                active: false,
                monthly_mrr: Vec::with_capacity(window),
                tenure_months: 0,
                has_overdue_invoice: false,
                has_open_severe_ticket: false,
                is_detractor: false,
                is_hvc: false,
            };
            // Month by month, accounts in id order: rows arrive in the table's key order.
            // Before the store's first month nothing is stored: every account starts with none.
            let mut holdings = if from.is_some() {
                held_before(&tx, &ladder, first, &histories, accounts)?
            } else {
                vec![Holding::NONE; histories.len()]
            };
            for (k, (period, month)) in periods.iter().enumerate() {
                let at = window - 1 + k;
                let evaluation_day = period.next().first_day();
                for ((account, history), holding) in histories.iter().zip(holdings.iter_mut()) {
                    facts.active = mrr(history.mrr_end[at]).is_some();
                    facts.monthly_mrr.clear();
                    facts.monthly_mrr.extend(
                        history.mrr_end[at + 1 - window..=at]
                            .iter()
                            .map(|m| mrr(*m).unwrap_or(0.0)),
                    );
                    facts.tenure_months = history.first_start.map_or(0, |s| whole_months(s, evaluation_day));
                    let flags = history.flags[k];
                    facts.has_overdue_invoice = flags & OVERDUE != 0;
                    facts.has_open_severe_ticket = flags & OPEN_SEVERE != 0;
                    facts.is_detractor = flags & DETRACTOR != 0;
                    facts.is_hvc = flags & HVC != 0;
                    tally.month(
                        k,
                        account,
                        history.profile,
                        facts.is_hvc,
                        holding.held,
                        history.cohort,
                        mrr(history.mrr_start[k]),
                        mrr(history.mrr_end[at]),
                    );
                    *holding = next_holding(
                        &ladder,
                        *holding,
                        eligible_index(&ladder, &facts),
                        facts.active,
                        *period,
                    );
                    if let Some(held) = holding.held {
                        counts.members[k][held] += 1;
                    }
                    counts.hvc[k] += i64::from(facts.is_hvc);
                    let tier =
                        |i: Option<usize>| i.map_or(Value::Null, |i| Value::Text(ladder[i].id.clone()));
                    if *holding != Holding::NONE {
                        let row = [
                            Value::Text(month.clone()),
                            Value::Text(account.clone()),
                            tier(holding.held),
                            tier(holding.eligible),
                            Value::Text(holding.status.as_str().to_string()),
                            holding
                                .grace_until
                                .map_or(Value::Null, |p| Value::Text(p.to_string())),
                        ];
                        insert.put(&mut stored_tiers, &row)?;
                        stats.rows += 1;
                    }
                    let (near_miss, downgrade_risk) =
                        watch_flags(&ladder, holding.held, holding.status, &facts);
                    if holding.status == TierStatus::Upgrade || near_miss || downgrade_risk {
                        let flag = |on: bool| Value::Integer(i64::from(on));
                        let row = [
                            Value::Text(month.clone()),
                            Value::Text(account.clone()),
                            flag(facts.active),
                            Value::Blob(mrr_bytes(&facts.monthly_mrr)),
                            Value::Integer(facts.tenure_months),
                            flag(facts.has_overdue_invoice),
                            flag(facts.has_open_severe_ticket),
                            flag(facts.is_detractor),
                            flag(facts.is_hvc),
                        ];
                        watch.put(&mut stored_watch, &row)?;
                    }
                }
            }
            gathered = Some(tally);
            counted = Some(counts);
        }
        insert.finish(&mut stored_tiers)?;
        watch.finish(&mut stored_watch)?;
        drop((insert, watch, stored_tiers, stored_watch));
        drop((tiers_read, watch_read));
        match (range, gathered) {
            (Some((_, last)), Some(tally)) => {
                let ids: Vec<String> = ladder.iter().map(|t| t.id.clone()).collect();
                tally.write(&tx, &floor, last, &ids, accounts)?;
            }
            (Some((first, last)), None) => super::churn_reads::refresh_from_rows(&tx, &floor, first, last)?,
            (None, _) => {}
        }
        // The pane's counts of the months evaluated: from the walk when it saw every account,
        // otherwise from the tables (an evaluation of some accounts only sees those).
        if let Some((first, last)) = range {
            let what = "counting tier members";
            tx.execute("DELETE FROM tier_month WHERE period >= ?1", [&floor])
                .and_then(|_| tx.execute("DELETE FROM hvc_month WHERE period >= ?1", [&floor]))
                .context(what)?;
            match counted.filter(|_| accounts == Accounts::All) {
                Some(counts) => counts.write(&tx, first, &ladder).context(what)?,
                None => {
                    tx.execute(
                        "INSERT INTO tier_month (period, tier_id, members)
                         SELECT period, held_tier, count(*) FROM account_tier
                         WHERE period BETWEEN ?1 AND ?2 AND held_tier IS NOT NULL GROUP BY period, held_tier",
                        [first.to_string(), last.to_string()],
                    )
                    .and_then(|_| {
                        tx.execute(
                            "INSERT INTO hvc_month (period, accounts)
                             SELECT period, count(*) FROM account_month
                             WHERE period BETWEEN ?1 AND ?2 AND hvc = 1 GROUP BY period",
                            [first.to_string(), last.to_string()],
                        )
                    })
                    .context(what)?;
                }
            }
        }
        tx.commit().context("committing the tier evaluation")?;
        stats.elapsed = started.elapsed();
        Ok(stats)
    }
}

/// Each month's members per tier (ladder order) and HVC accounts, as the walk counts them.
struct MonthCounts {
    members: Vec<Vec<i64>>,
    hvc: Vec<i64>,
}

impl MonthCounts {
    /// Into `tier_month` and `hvc_month`, the counts that are not 0 (as a GROUP BY has them).
    fn write(
        &self,
        conn: &Connection,
        first: Period,
        ladder: &[crate::domain::tiers::TierRule],
    ) -> rusqlite::Result<()> {
        let mut members =
            conn.prepare("INSERT INTO tier_month (period, tier_id, members) VALUES (?1, ?2, ?3)")?;
        let mut hvc = conn.prepare("INSERT INTO hvc_month (period, accounts) VALUES (?1, ?2)")?;
        for (k, (tiers, &accounts)) in self.members.iter().zip(&self.hvc).enumerate() {
            let period = first.offset(k as i32).to_string();
            for (tier, &n) in ladder.iter().zip(tiers) {
                if n > 0 {
                    members.execute(params![period, tier.id, n])?;
                }
            }
            if accounts > 0 {
                hvc.execute(params![period, accounts])?;
            }
        }
        Ok(())
    }
}

/// The window's MRR as stored in `tier_watch.monthly_mrr`: little-endian f64s, exact.
pub(crate) fn mrr_bytes(mrr: &[f64]) -> Vec<u8> {
    mrr.iter().flat_map(|m| m.to_le_bytes()).collect()
}

/// `mrr_bytes` read back (a trailing partial value is ignored).
pub(crate) fn mrr_from_bytes(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

/// Each account's holding at the end of the month before `first`, as stored.
fn held_before(
    conn: &Connection,
    ladder: &[crate::domain::tiers::TierRule],
    first: Period,
    histories: &[(String, History)],
    accounts: Accounts,
) -> Result<Vec<Holding>> {
    let what = "reading last month's tiers";
    let position = |id: Option<String>| id.and_then(|id| ladder.iter().position(|t| t.id == id));
    let mut stored: HashMap<String, Holding> = HashMap::new();
    let mut stmt = conn
        .prepare(&accounts.bind(
            "SELECT account_id, held_tier, eligible_tier, status, grace_until FROM account_tier
             WHERE period = ?1 AND {accounts:}",
        ))
        .context(what)?;
    let mut rows = stmt.query([first.prev().to_string()]).context(what)?;
    while let Some(row) = rows.next().context(what)? {
        let status: String = row.get(3).context(what)?;
        let grace: Option<String> = row.get(4).context(what)?;
        stored.insert(
            row.get(0).context(what)?,
            Holding {
                held: position(row.get(1).context(what)?),
                eligible: position(row.get(2).context(what)?),
                status: status.parse().unwrap_or(crate::domain::tiers::TierStatus::None),
                grace_until: grace.and_then(|g| g.parse().ok()),
            },
        );
    }
    Ok(histories
        .iter()
        .map(|(id, _)| stored.get(id).copied().unwrap_or(Holding::NONE))
        .collect())
}

/// Month index of an ISO date or timestamp relative to `first`, if it parses.
fn month_index(first: Period, text: &str) -> Option<i64> {
    let year: i32 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    Some(first.months_until(Period::new(year, month)?) as i64)
}

/// Sets `fact` in months `from..to` (clamped to the range) of `flags`.
fn mark(flags: &mut [MonthFlags], fact: MonthFlags, from: i64, to: i64) {
    let len = flags.len() as i64;
    for k in from.max(0)..to.min(len) {
        flags[k as usize] |= fact;
    }
}

/// Every account's history, in account id order (so `account_tier` is written in key order).
fn load_histories(
    conn: &Connection,
    first: Period,
    months: usize,
    window: usize,
    accounts: Accounts,
    mut raw: RawFacts,
    tally: &mut ChurnTally,
) -> Result<Vec<(String, History)>> {
    let what = "reading the tier history";
    let mut histories: Vec<(String, History)> = Vec::new();
    let mut stmt = conn
        .prepare(&accounts.bind(
            "SELECT a.account_id, (SELECT min(start_date) FROM subscription s WHERE s.account_id = a.account_id),
                    a.journey_id, a.company_size, a.industry
             FROM account a WHERE {accounts:a} ORDER BY a.account_id",
        ))
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    while let Some(row) = rows.next().context(what)? {
        let id: String = row.get(0).context(what)?;
        let first_start: Option<String> = row.get(1).context(what)?;
        let profile = tally.profile(Profile {
            journey_id: row.get(2).context(what)?,
            company_size: row.get(3).context(what)?,
            industry: row.get(4).context(what)?,
        });
        let cohort = first_start
            .as_deref()
            .and_then(|s| s.get(..7))
            .and_then(|m| m.parse::<Period>().ok());
        if let Some(cohort) = cohort {
            tally.cohort(cohort);
        }
        let flags = raw.by_account.remove(&id).unwrap_or_else(|| vec![0; months]);
        histories.push((
            id,
            History {
                flags,
                first_start: first_start.and_then(|s| s.get(..10).and_then(|d| d.parse().ok())),
                mrr_end: vec![NO_MRR; months + window - 1],
                mrr_start: vec![NO_MRR; months],
                cohort,
                profile,
            },
        ));
    }
    drop(raw);
    let last = first.offset(months as i32 - 1);
    // Each query yields (account, text, text): its columns are read as the rows need.
    let mut scan = |sql: &str,
                    args: &[&dyn rusqlite::ToSql],
                    apply: &mut dyn FnMut(&mut History, &rusqlite::Row<'_>) -> rusqlite::Result<()>|
     -> Result<()> {
        let mut stmt = conn.prepare(&accounts.bind(sql)).context(what)?;
        let mut rows = stmt.query(args).context(what)?;
        // The histories are in account id order, and so are the rows (the table's key order):
        // an account's first row finds it by a binary search, its next rows are the same one.
        let mut at = None;
        while let Some(row) = rows.next().context(what)? {
            let id = match row.get_ref(0).context(what)? {
                rusqlite::types::ValueRef::Text(bytes) => bytes,
                _ => continue,
            };
            if at.is_none_or(|i: usize| histories[i].0.as_bytes() != id) {
                at = histories
                    .binary_search_by(|(account, _)| account.as_bytes().cmp(id))
                    .ok();
            }
            if let Some(i) = at {
                apply(&mut histories[i].1, row).context(what)?;
            }
        }
        Ok(())
    };
    let from = first.offset(1 - window as i32).to_string();
    // `+period`: read in the table's order. Walking the period index costs a descent on the text
    // key per row (14 s at 100,000 accounts against 1 s); a few accounts come by their key.
    scan(
        "SELECT account_id, period, mrr_end, mrr_start, hvc FROM account_month
         WHERE {accounts:} AND +period BETWEEN ?1 AND ?2",
        &[&from, &last.to_string()],
        &mut |h, row| {
            let period: String = row.get(1)?;
            if let Some(k) = month_index(first, &period) {
                let at = k + window as i64 - 1;
                if let Some(slot) = usize::try_from(at).ok().and_then(|at| h.mrr_end.get_mut(at)) {
                    *slot = row.get::<_, Option<f64>>(2)?.unwrap_or(NO_MRR);
                }
                if let Ok(k) = usize::try_from(k) {
                    if let Some(slot) = h.mrr_start.get_mut(k) {
                        *slot = row.get::<_, Option<f64>>(3)?.unwrap_or(NO_MRR);
                    }
                    if let Some(slot) = h.flags.get_mut(k)
                        && row.get::<_, i64>(4)? == 1
                    {
                        *slot |= HVC;
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(histories)
}

/// The facts of the tier rules that rest on the raw rows alone, month by month for each account
/// with any: an overdue invoice, an open severe ticket, whether the latest NPS answer is a
/// detractor's. Read apart from the rest of the history, so that the refresh's second lane can
/// read them while the first writes the rollups (`store::lanes`).
pub(crate) struct RawFacts {
    first: Period,
    months: usize,
    accounts: Accounts,
    /// Each month's `OVERDUE`, `OPEN_SEVERE`, `NPS_ANSWERED` and `DETRACTOR`.
    by_account: HashMap<String, Vec<MonthFlags>>,
}

/// The raw facts of the months `first..=last`, of `accounts`.
pub(crate) fn raw_facts(
    conn: &Connection,
    (first, last): (Period, Period),
    accounts: Accounts,
) -> Result<RawFacts> {
    let what = "reading the tier history";
    let months = first.months_until(last).max(0) as usize + 1;
    let mut raw = RawFacts {
        first,
        months,
        accounts,
        by_account: HashMap::new(),
    };
    // Each query yields (account, text, text): its columns are read as the rows need.
    let mut scan = |sql: &str,
                    apply: &mut dyn FnMut(&mut [MonthFlags], &rusqlite::Row<'_>) -> rusqlite::Result<()>|
     -> Result<()> {
        let mut stmt = conn.prepare(&accounts.bind(sql)).context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let id = match row.get_ref(0).context(what)? {
                rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
                _ => continue,
            };
            let flags = match raw.by_account.get_mut(id) {
                Some(flags) => flags,
                None => raw
                    .by_account
                    .entry(id.to_string())
                    .or_insert_with(|| vec![0; months]),
            };
            apply(flags, row).context(what)?;
        }
        Ok(())
    };
    // Overdue at the end of month k: due before its next first day, not paid before it, i.e.
    // from the due month to the month before the payment month.
    scan(
        "SELECT account_id, due_on, paid_on FROM invoice WHERE {accounts:} AND (paid_on IS NULL OR paid_on > due_on)",
        &mut |h, row| {
            let due: String = row.get(1)?;
            let paid: Option<String> = row.get(2)?;
            if let Some(from) = month_index(first, &due) {
                let to = paid
                    .as_deref()
                    .and_then(|p| month_index(first, p))
                    .unwrap_or(months as i64);
                mark(h, OVERDUE, from, to);
            }
            Ok(())
        },
    )?;
    scan(
        "SELECT account_id, opened_at, resolved_at FROM ticket WHERE {accounts:} AND severity IN ('high', 'critical')",
        &mut |h, row| {
            let opened: String = row.get(1)?;
            let resolved: Option<String> = row.get(2)?;
            if let Some(from) = month_index(first, &opened) {
                let to = resolved
                    .as_deref()
                    .and_then(|r| month_index(first, r))
                    .unwrap_or(months as i64);
                mark(h, OPEN_SEVERE, from, to);
            }
            Ok(())
        },
    )?;
    // Answers in time order: the latest of each month wins, then carries forward.
    scan(
        "SELECT account_id, answered_at, unhappy FROM survey_answer WHERE {accounts:} AND survey = 'nps' ORDER BY answered_at, response_id",
        &mut |h, row| {
            let answered: String = row.get(1)?;
            if let Some(k) = month_index(first, &answered) {
                let detractor: bool = row.get(2)?;
                let k = k.max(0) as usize;
                if let Some(month) = h.get_mut(k) {
                    let latest = if detractor {
                        NPS_ANSWERED | DETRACTOR
                    } else {
                        NPS_ANSWERED
                    };
                    *month = (*month & !DETRACTOR) | latest;
                }
            }
            Ok(())
        },
    )?;
    for flags in raw.by_account.values_mut() {
        for k in 1..flags.len() {
            if flags[k] & NPS_ANSWERED == 0 {
                flags[k] |= flags[k - 1] & (NPS_ANSWERED | DETRACTOR);
            }
        }
    }
    Ok(raw)
}
