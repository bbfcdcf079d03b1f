//! HVC triage in the store: the signals precomputed per account for the last two months (after
//! each rollup), the queue read back with scores from the current weights, the backtest of the
//! score against what happened (computed by the same refresh), and the shared, append-only
//! triage actions (assign, snooze, note, resolve, reopen).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::domain::Period;
use crate::domain::triage::{self, Backtest, BacktestTally, Outcome, Score, Signal, Weights, Windows};
use crate::error::{Error, Result, SqlContext};

use super::Store;
use super::pending::Accounts;

/// The backtest's horizon in months: an account active at the end of a month churned when it is
/// no longer active at the end of the month this many months later.
const BACKTEST_HORIZON: i32 = 3;

/// The months the refresh evaluates: each month's end (`day`, the first day of the next month,
/// is the evaluation date) and where its windows counted in months start (`Signal::
/// default_window`, settings `triage_window_months.*`); `live`: one of the queue's two months;
/// `outcome`: for a month the backtest ranks, the month whose end says whether an account stayed.
const MONTHS_SQL: &str = "
CREATE TEMP TABLE triage_month (
    period           TEXT PRIMARY KEY,
    day              TEXT NOT NULL UNIQUE,
    downtime_from    TEXT NOT NULL,
    usage_from       TEXT NOT NULL,
    red_from         TEXT NOT NULL,
    contraction_from TEXT NOT NULL,
    live             INTEGER NOT NULL,
    outcome          TEXT
);
CREATE TEMP TABLE triage_signal (period TEXT, account_id TEXT, signal TEXT, value REAL);
CREATE TEMP TABLE triage_red (period TEXT, account_id TEXT);";

/// The indicator metrics with a target, and their journey: the red indicators' `k`.
macro_rules! indicators {
    () => {
        "WITH k AS MATERIALIZED (
             SELECT k.phase_id, p.journey_id, k.aggregation, k.direction, k.target, k.tolerance
             FROM metric k JOIN phase p ON p.phase_id = k.phase_id
             WHERE k.kind = 'indicator' AND k.target IS NOT NULL)"
    };
}

/// A value of metric `k` is red: it misses the target by more than the tolerance.
macro_rules! red {
    ($value:literal) => {
        concat!(
            "CASE k.direction WHEN 'higher' THEN k.target - (",
            $value,
            ") ELSE (",
            $value,
            ") - k.target END > k.tolerance"
        )
    };
}

/// The signals' raw values at the end of every month of `temp.triage_month`, in one pass over
/// the raw rows: each statement inserts (period, account, signal, value) into
/// `temp.triage_signal` (a signal that does not fire has no row), or prepares a table the next
/// ones read. Windows counted in days are bound as date modifiers (`:detractor` = '+180 days'):
/// an event at t is in the N days before the evaluation day d when date(d, '-N days') <= t < d,
/// that is when t < d <= date(t, '+N days'), so each event row finds its months as a range of
/// `day` (the CROSS JOINs keep the event table outside). Windows counted in months are columns
/// of `temp.triage_month`.
const SIGNALS_SQL: &[(&str, &str)] = &[
    (
        "open tickets",
        // Open at d: opened before it, not resolved before it. Open now: no window.
        "CREATE TEMP TABLE triage_open AS
         SELECT m.period, m.day, t.account_id, t.severity, t.opened_at
         FROM ticket t CROSS JOIN temp.triage_month m
         WHERE {accounts:t} AND m.day > t.opened_at AND m.day <= coalesce(t.resolved_at, '9999-12-31')",
    ),
    (
        "open tickets by severity",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, CASE severity WHEN 'critical' THEN 'open_ticket_critical'
                                                  WHEN 'high' THEN 'open_ticket_high' ELSE 'open_ticket_other' END AS s,
                count(*)
         FROM temp.triage_open GROUP BY period, account_id, s",
    ),
    (
        "long-running tickets",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'long_running_ticket', count(*)
         FROM temp.triage_open WHERE opened_at < date(day, '-7 days') GROUP BY period, account_id",
    ),
    (
        "SLA breaches",
        "INSERT INTO temp.triage_signal
         SELECT m.period, t.account_id, 'sla_breach', count(*)
         FROM ticket t CROSS JOIN temp.triage_month m
         JOIN setting s ON s.key = 'sla_first_response_hours.' || t.severity
         WHERE {accounts:t} AND m.day > t.opened_at AND m.day <= date(t.opened_at, :sla_breach)
           -- Whole seconds: julianday differences are inexact, and exactly on target is no breach.
           AND unixepoch(coalesce(min(t.first_response_at, m.day), m.day)) - unixepoch(t.opened_at)
               > 3600 * CAST(s.value AS REAL)
         GROUP BY m.period, t.account_id",
    ),
    (
        "downtime",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'downtime', downtime FROM temp.triage_usage WHERE downtime > 0",
    ),
    (
        "usage drop",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'usage_drop', round(100 * (1 - usage_index / usual), 1)
         FROM temp.triage_usage WHERE usual > 0 AND usage_index < usual",
    ),
    (
        "NPS",
        // Each answer is the latest one before d from its own time until the next answer: the
        // months whose day falls in (answered_at, next answer], within the window.
        "INSERT INTO temp.triage_signal
         WITH n AS (
             SELECT account_id, answered_at, score, unhappy,
                    lag(score) OVER w AS previous, lag(answered_at) OVER w AS previous_at,
                    lead(answered_at) OVER w AS next_at
             FROM survey_answer WHERE {accounts:} AND survey = 'nps'
             WINDOW w AS (PARTITION BY account_id ORDER BY answered_at, response_id))
         SELECT m.period, n.account_id, 'detractor', n.score
         FROM n CROSS JOIN temp.triage_month m
         WHERE n.unhappy AND m.day > n.answered_at AND m.day <= coalesce(n.next_at, '9999-12-31')
           AND m.day <= date(n.answered_at, :detractor)
         UNION ALL
         SELECT m.period, n.account_id, 'nps_falling', n.score - n.previous
         FROM n CROSS JOIN temp.triage_month m
         WHERE n.score - n.previous <= -2 AND m.day > n.answered_at AND m.day <= coalesce(n.next_at, '9999-12-31')
           AND m.day <= date(n.previous_at, :nps_falling)",
    ),
    (
        "high effort",
        // Unhappy on the journey's CES scale (1-3 of the standard 1-7, 4-5 of the documents'
        // 1-5 with low effort good); the value is the latest such answer (SQLite's bare column
        // of max()).
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'high_effort', score FROM (
             SELECT m.period, r.account_id, r.score, max(r.answered_at)
             FROM survey_answer r CROSS JOIN temp.triage_month m
             WHERE {accounts:r} AND r.survey = 'ces' AND r.unhappy
               AND m.day > r.answered_at AND m.day <= date(r.answered_at, :high_effort)
             GROUP BY m.period, r.account_id)",
    ),
    (
        "overdue invoices",
        // Due in the window and not paid before d.
        "INSERT INTO temp.triage_signal
         SELECT m.period, i.account_id, 'overdue_invoice', count(*)
         FROM invoice i CROSS JOIN temp.triage_month m
         WHERE {accounts:i} AND (i.paid_on IS NULL OR i.paid_on > i.due_on)
           AND m.day > i.due_on AND m.day <= coalesce(i.paid_on, '9999-12-31')
           AND m.day <= date(i.due_on, :overdue_invoice)
         GROUP BY m.period, i.account_id",
    ),
    (
        "red indicators: tickets",
        // Both ticket aggregations in one walk over the tickets of the phases that have them
        // (or no phase).
        concat!(
            "INSERT INTO temp.triage_red ",
            indicators!(),
            ", t AS (
             SELECT m.period, t.account_id, t.phase_id,
                    24 * avg(julianday(t.first_response_at) - julianday(t.opened_at)) AS first_response_hours,
                    24 * avg(julianday(t.resolved_at) - julianday(t.opened_at)) AS resolution_hours
             FROM ticket t CROSS JOIN temp.triage_month m
             WHERE {accounts:t} AND (t.phase_id IS NULL
                    OR +t.phase_id IN (SELECT phase_id FROM k
                                       WHERE aggregation IN ('first_response_hours', 'resolution_hours')))
               AND m.period >= substr(t.opened_at, 1, 7)
               AND m.period < strftime('%Y-%m', substr(t.opened_at, 1, 7) || '-01', :red_indicator)
             GROUP BY m.period, t.account_id, t.phase_id)
         SELECT t.period, t.account_id
         FROM t JOIN account a ON a.account_id = t.account_id
         JOIN k ON k.journey_id = a.journey_id AND k.aggregation IN ('first_response_hours', 'resolution_hours')
               AND (t.phase_id IS NULL OR k.phase_id = t.phase_id)
         WHERE ",
            red!("CASE k.aggregation WHEN 'first_response_hours' THEN t.first_response_hours ELSE t.resolution_hours END")
        ),
    ),
    (
        "red indicators: answers",
        concat!(
            "INSERT INTO temp.triage_red ",
            indicators!(),
            ", v AS (
             SELECT m.period, r.account_id, r.phase_id, r.survey,
                    CASE r.survey WHEN 'ces' THEN avg(r.score) WHEN 'csat' THEN 100.0 * avg(r.happy)
                                  ELSE 100.0 * (sum(r.happy) - sum(r.unhappy)) / count(*) END AS value
             FROM survey_answer r CROSS JOIN temp.triage_month m
             WHERE {accounts:r} AND (r.phase_id IS NULL OR r.phase_id IN (SELECT phase_id FROM k WHERE aggregation = r.survey))
               AND m.period >= substr(r.answered_at, 1, 7)
               AND m.period < strftime('%Y-%m', substr(r.answered_at, 1, 7) || '-01', :red_indicator)
             GROUP BY m.period, r.account_id, r.phase_id, r.survey)
         SELECT v.period, v.account_id
         FROM v JOIN account a ON a.account_id = v.account_id
         JOIN k ON k.journey_id = a.journey_id AND k.aggregation = v.survey
               AND (v.phase_id IS NULL OR k.phase_id = v.phase_id)
         WHERE ",
            red!("v.value")
        ),
    ),
    (
        "red indicators: downtime",
        // Downtime has no phase: it counts for every downtime indicator of the journey.
        concat!(
            "INSERT INTO temp.triage_red ",
            indicators!(),
            " SELECT u.period, u.account_id
         FROM temp.triage_usage u JOIN account a ON a.account_id = u.account_id
         JOIN k ON k.journey_id = a.journey_id AND k.aggregation = 'downtime_hours'
         WHERE ",
            red!("u.red_downtime")
        ),
    ),
    (
        "red indicators per account",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'red_indicator', count(*) FROM temp.triage_red GROUP BY period, account_id",
    ),
    (
        "tier grace",
        "INSERT INTO temp.triage_signal
         SELECT m.period, t.account_id, 'tier_downgrade_risk', 1
         FROM temp.triage_month m JOIN account_tier t ON t.period = m.period AND t.status = 'grace'
         WHERE {accounts:t}",
    ),
    (
        "MRR contraction",
        // MRR at the start of the window's first month against the end of the month.
        "INSERT INTO temp.triage_signal
         SELECT m.period, e.account_id, 'mrr_contraction', s.mrr_start - e.mrr_end
         FROM temp.triage_month m JOIN account_month e ON e.period = m.period
         JOIN account_month s ON s.account_id = e.account_id AND s.period = m.contraction_from
         WHERE {accounts:e} AND e.mrr_end IS NOT NULL AND e.mrr_end < s.mrr_start",
    ),
];

/// The queue's months only: their signals into `account_signal`, with what only the queue
/// needs: the age of the oldest open ticket (shown, not scored) and renewals ahead (a
/// subscription's end date is known in advance only if the store was told it; in the past it is
/// known from hindsight, so the backtest leaves renewals out).
const LIVE_SQL: &[(&str, &str)] = &[
    (
        "the queue's signals",
        "INSERT INTO account_signal
         SELECT g.period, g.account_id, g.signal, g.value
         FROM temp.triage_signal g JOIN temp.triage_month m ON m.period = g.period AND m.live",
    ),
    (
        "age of the oldest open ticket",
        "INSERT INTO account_signal
         SELECT o.period, o.account_id, 'oldest_open_days', round(max(julianday(o.day) - julianday(o.opened_at)), 1)
         FROM temp.triage_open o JOIN temp.triage_month m ON m.period = o.period AND m.live
         GROUP BY o.period, o.account_id",
    ),
    (
        "renewals",
        "INSERT INTO account_signal
         SELECT m.period, s.account_id, 'renewal_due', min(julianday(s.end_date) - julianday(m.day))
         FROM temp.triage_month m JOIN subscription s
           ON s.start_date <= m.day AND s.end_date > m.day AND s.end_date <= date(m.day, '+60 days')
         WHERE {accounts:s} AND m.live GROUP BY m.period, s.account_id",
    ),
];

const DROP_TEMP_SQL: &str = "
DROP TABLE IF EXISTS temp.triage_month;
DROP TABLE IF EXISTS temp.triage_signal;
DROP TABLE IF EXISTS temp.triage_open;
DROP TABLE IF EXISTS temp.triage_usage;
DROP TABLE IF EXISTS temp.triage_red;";

#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub account_id: String,
    pub name: String,
    pub segment: &'static str,
    pub company_size: String,
    pub mrr: Option<f64>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub status: String,
    pub assignee: Option<String>,
    pub snooze_until: Option<String>,
    pub oldest_open_days: Option<f64>,
    pub score: Score,
    /// Points moved per signal since last month, largest first.
    pub changes: Vec<(Signal, f64)>,
    pub score_last_month: f64,
}

impl QueueRow {
    /// Score x MRR: the revenue the account's risk weighs, for value-weighted triage.
    pub fn mrr_at_risk(&self) -> f64 {
        self.score.total * self.mrr.unwrap_or(0.0)
    }
}

/// The MRR-at-risk order, highest first: with a stable sort of a queue in score order, equal
/// MRR at risk keeps the score order.
pub fn by_mrr_at_risk(a: &QueueRow, b: &QueueRow) -> Ordering {
    b.mrr_at_risk().total_cmp(&a.mrr_at_risk())
}

/// The backtest the last refresh stored: the months it ranked (`from` to `to`), its figures, and
/// whether the weights changed since (the figures are the refresh's weights' until the next one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestSummary {
    pub from: Option<String>,
    pub to: Option<String>,
    pub figures: Backtest,
    pub weights_changed: bool,
}

/// Ranks the accounts of each month the backtest covers (`temp.triage_month` with an outcome)
/// by their score then, with `weights`, and sums the rankings (`domain::triage::BacktestTally`).
/// A signal's points do not depend on the others', so each signal row adds its points to its
/// account-month as it is read: no sort of the signals.
fn backtest(tx: &rusqlite::Transaction<'_>, weights: &Weights) -> Result<Backtest> {
    let what = "backtesting the triage score";
    // Each ranked month, numbered, with the month whose end tells whether an account stayed.
    let mut months: HashMap<String, (u32, String)> = HashMap::new();
    {
        let mut stmt = tx
            .prepare("SELECT period, outcome FROM temp.triage_month WHERE outcome IS NOT NULL")
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let n = months.len() as u32;
            months.insert(row.get(0).context(what)?, (n, row.get(1).context(what)?));
        }
    }
    let mut accounts: HashMap<String, u32> = HashMap::new();
    let mut points: HashMap<(u32, u32), f64> = HashMap::new();
    {
        let mut stmt = tx
            .prepare("SELECT period, account_id, signal, value FROM temp.triage_signal")
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let text = |i| row.get_ref(i).map(|v| v.as_str().unwrap_or_default());
            let Some(&(month, _)) = months.get(text(0).context(what)?) else {
                continue;
            };
            let Some(signal) = Signal::from_name(text(2).context(what)?) else {
                continue;
            };
            let earned = triage::points(signal, row.get(3).context(what)?, weights);
            if earned == 0.0 {
                continue;
            }
            let account = text(1).context(what)?;
            let account = match accounts.get(account) {
                Some(a) => *a,
                None => {
                    let n = accounts.len() as u32;
                    accounts.insert(account.to_string(), n);
                    n
                }
            };
            *points.entry((month, account)).or_default() += earned;
        }
    }
    // Every account active at the end of a ranked month, with its MRR then, and whether it is
    // no longer active at the end of the outcome month: account_month in key order, each
    // account's active months in hand (a lookup per row in SQL took 5 s at 100,000 accounts).
    let mut ranked: Vec<Vec<Outcome>> = vec![Vec::new(); months.len()];
    let mut rank_account = |account: &str, active: &[(String, f64)]| {
        let earned_of = |month: u32| accounts.get(account).and_then(|a| points.get(&(month, *a)));
        for (period, mrr) in active {
            let Some((month, outcome)) = months.get(period) else {
                continue;
            };
            if let Some(outcomes) = ranked.get_mut(*month as usize) {
                outcomes.push(Outcome {
                    score: triage::total(earned_of(*month).copied()),
                    mrr: *mrr,
                    churned: !active.iter().any(|(p, _)| p == outcome),
                });
            }
        }
    };
    let mut stmt = tx
        .prepare("SELECT account_id, period, mrr_end FROM account_month WHERE mrr_end IS NOT NULL")
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut account = String::new();
    let mut active: Vec<(String, f64)> = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let id = row.get_ref(0).context(what)?.as_str().unwrap_or_default();
        if id != account {
            rank_account(&account, &active);
            account.clear();
            account.push_str(id);
            active.clear();
        }
        active.push((row.get(1).context(what)?, row.get(2).context(what)?));
    }
    rank_account(&account, &active);
    let mut tally = BacktestTally::default();
    for outcomes in &ranked {
        tally.add_month(outcomes);
    }
    Ok(tally.result())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageEvent {
    pub action: String,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    Assign { to: &'a str },
    Snooze { until: &'a str, reason: &'a str },
    Note { body: &'a str },
    Resolve { note: &'a str },
    Reopen { note: &'a str },
}

/// The triage state an action sets: status, assignee (None keeps the current one), snooze date.
type StateChange<'a> = (&'a str, Option<String>, Option<String>);

impl Store {
    /// Recomputes the triage signals of the store's last two months (`account_signal`, the
    /// queue's) and the backtest (settings `triage_backtest.*`), which ranks the accounts of every
    /// earlier month that has 3 months after it by their score then: one pass over the raw rows
    /// computes the signals of all those months.
    pub fn refresh_signals(&mut self) -> Result<Duration> {
        self.refresh_signals_with(true, Accounts::All)
    }

    /// As `refresh_signals`; without `with_backtest` the stored backtest is kept (nothing it rests on
    /// changed: see `Store::refresh_pending`) and only the queue's months are computed; and only
    /// for `accounts` (an account's signals rest on its own rows alone). The backtest needs all.
    pub(crate) fn refresh_signals_with(
        &mut self,
        with_backtest: bool,
        accounts: Accounts,
    ) -> Result<Duration> {
        let with_backtest = with_backtest && accounts == Accounts::All;
        let started = Instant::now();
        let range = self.period_range()?;
        let windows = self.triage_windows()?;
        // A malformed weight fails the queue, naming it; the refresh goes on without a backtest.
        let weights = self.triage_weights().ok();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the triage signals")?;
        accounts
            .clear(&tx, "account_signal", "")
            .context("clearing triage signals")?;
        if with_backtest {
            tx.execute("DELETE FROM setting WHERE key LIKE 'triage_backtest.%'", [])
                .context("clearing the triage backtest")?;
        }
        if let Some((first, last)) = range {
            let live = [last.prev(), last].into_iter().filter(|p| *p >= first);
            let tested: Vec<Period> = match last.offset(-BACKTEST_HORIZON) {
                cutoff if cutoff >= first && with_backtest => first.through(cutoff).collect(),
                _ => Vec::new(),
            };
            tx.execute_batch(DROP_TEMP_SQL)
                .and_then(|()| tx.execute_batch(MONTHS_SQL))
                .context("preparing the triage months")?;
            {
                let mut insert = tx
                    .prepare("INSERT INTO temp.triage_month VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                    .context("preparing the triage months")?;
                let since = |p: Period, signal: Signal| p.offset(1 - windows.len_of(signal) as i32);
                let months = tested.iter().map(|p| (*p, false)).chain(live.map(|p| (p, true)));
                for (p, is_live) in months {
                    let (downtime, red) = (since(p, Signal::Downtime), since(p, Signal::RedIndicator));
                    let usage = p.offset(-(windows.len_of(Signal::UsageDrop) as i32));
                    let outcome = (!is_live).then(|| p.offset(BACKTEST_HORIZON).to_string());
                    insert
                        .execute(params![
                            p.to_string(),
                            p.next().first_day().to_string(),
                            downtime.to_string(),
                            usage.to_string(),
                            red.to_string(),
                            since(p, Signal::MrrContraction).to_string(),
                            is_live,
                            outcome,
                        ])
                        .context("preparing the triage months")?;
                }
            }
            let modifiers: Vec<(&str, String)> = [
                Signal::SlaBreach,
                Signal::Detractor,
                Signal::NpsFalling,
                Signal::HighEffort,
                Signal::OverdueInvoice,
                Signal::RedIndicator,
            ]
            .into_iter()
            .filter_map(|s| {
                let w = windows.of(s)?;
                let unit = match w.unit {
                    triage::Unit::Days => "days",
                    triage::Unit::Months => "months",
                };
                Some((s.name(), format!("+{} {unit}", w.len)))
            })
            .collect();
            // The usage windows (temp.triage_usage), which the downtime, usage drop and red
            // indicator statements read.
            super::triage_usage::fill(&tx, accounts)?;
            for (what, sql) in SIGNALS_SQL.iter().chain(LIVE_SQL) {
                let mut stmt = tx.prepare(&accounts.bind(sql)).context(what)?;
                for (name, modifier) in &modifiers {
                    if let Some(i) = stmt.parameter_index(&format!(":{name}")).context(what)? {
                        stmt.raw_bind_parameter(i, modifier).context(what)?;
                    }
                }
                stmt.raw_execute().context(what)?;
            }
            if let Some(weights) = weights.as_ref().filter(|_| with_backtest) {
                let backtest = if tested.is_empty() {
                    Backtest::default()
                } else {
                    backtest(&tx, weights)?
                };
                let put = |key: &str, value: String| {
                    tx.execute(
                        "INSERT INTO setting (key, value) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![format!("triage_backtest.{key}"), value],
                    )
                    .map(|_| ())
                    .context("writing the triage backtest")
                };
                if let (Some(from), Some(to)) = (tested.first(), tested.last()) {
                    put("from", from.to_string())?;
                    put("to", to.to_string())?;
                }
                put("months", backtest.months.to_string())?;
                put("accounts", backtest.accounts.to_string())?;
                put("churned", backtest.churned.to_string())?;
                if let Some(auc) = backtest.auc {
                    put("auc", auc.to_string())?;
                }
                if let Some(share) = backtest.top_decile_churned_mrr_share {
                    put("top_decile_churned_mrr_share", share.to_string())?;
                }
                put("weights", weights.signature())?;
            }
            tx.execute_batch(DROP_TEMP_SQL)
                .context("dropping the triage months")?;
            super::triage_rank::write_rank(
                &tx,
                super::triage_rank::Rank::Stored,
                &last.to_string(),
                accounts,
                weights.as_ref(),
            )?;
        }
        tx.commit().context("committing the triage signals")?;
        Ok(started.elapsed())
    }

    /// The signals' windows: the defaults with the settings `triage_window_days.<signal>` and
    /// `triage_window_months.<signal>`. They apply at the next refresh.
    pub fn triage_windows(&self) -> Result<Windows> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_window_%'")
            .context("reading triage windows")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("reading triage windows")?
            .collect::<rusqlite::Result<_>>()
            .context("reading triage windows")?;
        Windows::with_settings(rows.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|message| {
            Error::Store {
                path: self.path.clone(),
                message,
            }
        })
    }

    /// The weights (`triage_weight.<signal>`), with the windows the rule texts name.
    pub fn triage_weights(&self) -> Result<Weights> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_weight.%'")
            .context("reading triage weights")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .context("reading triage weights")?;
        let mut weights = Weights::new();
        weights.windows = self.triage_windows()?;
        for row in rows {
            let (key, value) = row.context("reading triage weights")?;
            let name = key.trim_start_matches("triage_weight.");
            let signal = Signal::from_name(name);
            let weight = value.trim().parse::<f64>().ok().filter(|w| w.is_finite());
            match (signal, weight) {
                (Some(signal), Some(weight)) => {
                    weights.insert(signal, weight);
                }
                _ => {
                    return Err(Error::Store {
                        path: self.path.clone(),
                        message: format!("setting {key} = '{value}': expected a known signal and a number"),
                    });
                }
            }
        }
        Ok(weights)
    }

    /// The backtest the last refresh stored, if it ran one.
    pub fn triage_backtest(&self) -> Result<Option<BacktestSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_backtest.%'")
            .context("reading the triage backtest")?;
        let rows: HashMap<String, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("reading the triage backtest")?
            .collect::<rusqlite::Result<_>>()
            .context("reading the triage backtest")?;
        let get = |key: &str| rows.get(&format!("triage_backtest.{key}"));
        let number = |key: &str| {
            get(key)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let Some(months) = number("months") else {
            return Ok(None);
        };
        // Another weight than the refresh's (or a malformed one) ranks the queue differently.
        let current = self.triage_weights().ok().map(|w| w.signature());
        Ok(Some(BacktestSummary {
            from: get("from").cloned(),
            to: get("to").cloned(),
            figures: triage::Backtest {
                months: months as u32,
                accounts: number("accounts").unwrap_or(0.0) as u64,
                churned: number("churned").unwrap_or(0.0) as u64,
                auc: number("auc"),
                top_decile_churned_mrr_share: number("top_decile_churned_mrr_share"),
            },
            weights_changed: current.as_ref() != get("weights"),
        }))
    }

    /// The score rise that brings a snoozed or resolved account back before its date (setting
    /// `triage_snooze_wake_points`, default 15).
    pub(crate) fn snooze_wake_points(&self) -> Result<f64> {
        match self.setting("triage_snooze_wake_points")? {
            None => Ok(15.0),
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite())
                .ok_or_else(|| Error::Store {
                    path: self.path.clone(),
                    message: format!("setting triage_snooze_wake_points = '{text}': expected a number"),
                }),
        }
    }

    /// Every account's queue row at the end of the store's last month, highest score first
    /// (ties by MRR, then id). `all`: every active account, else HVC only. Snoozed accounts stay
    /// out until their date, unless their score rose by the wake-up margin; resolved ones too,
    /// unless `include_closed`.
    pub fn triage_queue(&self, all: bool, include_closed: bool, today: &str) -> Result<Vec<QueueRow>> {
        let Some((_, last)) = self.period_range()? else {
            return Ok(Vec::new());
        };
        let weights = self.triage_weights()?;
        let wake = self.snooze_wake_points()?;
        let mut values: HashMap<(String, String), Vec<(Signal, f64)>> = HashMap::new();
        let mut oldest: HashMap<String, f64> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT period, account_id, signal, value FROM account_signal WHERE period IN (?1, ?2)",
                )
                .context("reading triage signals")?;
            let mut rows = stmt
                .query(params![last.to_string(), last.prev().to_string()])
                .context("reading triage signals")?;
            while let Some(row) = rows.next().context("reading triage signals")? {
                let period: String = row.get(0).context("reading triage signals")?;
                let account: String = row.get(1).context("reading triage signals")?;
                let name: String = row.get(2).context("reading triage signals")?;
                let value: f64 = row.get(3).context("reading triage signals")?;
                if name == "oldest_open_days" {
                    if period == last.to_string() {
                        oldest.insert(account, value);
                    }
                } else if let Some(signal) = Signal::from_name(&name) {
                    values.entry((period, account)).or_default().push((signal, value));
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.account_id, a.name, a.hvc, a.company_size, a.owner, am.mrr_end, t.held_tier,
                        coalesce(s.status, 'open'), s.assignee, s.snooze_until, s.snooze_score
                 FROM account a
                 JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                 LEFT JOIN account_tier t ON t.period = ?1 AND t.account_id = a.account_id
                 LEFT JOIN triage_state s ON s.account_id = a.account_id
                 WHERE ?2 OR a.hvc = 1",
            )
            .context("reading the triage queue")?;
        let now = last.to_string();
        let before = last.prev().to_string();
        let mut rows = stmt
            .query(params![now, all])
            .context("reading the triage queue")?;
        let mut queue = Vec::new();
        while let Some(r) = rows.next().context("reading the triage queue")? {
            let account_id: String = r.get(0).context("reading the triage queue")?;
            let empty = Vec::new();
            let score = triage::score(
                values.get(&(now.clone(), account_id.clone())).unwrap_or(&empty),
                &weights,
            );
            let previous = triage::score(
                values
                    .get(&(before.clone(), account_id.clone()))
                    .unwrap_or(&empty),
                &weights,
            );
            let status: String = r.get(7).context("reading the triage queue")?;
            let snooze_until: Option<String> = r.get(9).context("reading the triage queue")?;
            let snooze_score: Option<f64> = r.get(10).context("reading the triage queue")?;
            let asleep = status == "snoozed"
                && snooze_until.as_deref().is_some_and(|u| u > today)
                && score.total < snooze_score.unwrap_or(0.0) + wake;
            if !include_closed && (asleep || status == "resolved") {
                continue;
            }
            queue.push(QueueRow {
                name: r.get(1).context("reading the triage queue")?,
                segment: if r.get::<_, bool>(2).context("reading the triage queue")? {
                    "hvc"
                } else {
                    "regular"
                },
                company_size: r.get(3).context("reading the triage queue")?,
                owner: r.get(4).context("reading the triage queue")?,
                mrr: r.get(5).context("reading the triage queue")?,
                tier: r.get(6).context("reading the triage queue")?,
                status,
                assignee: r.get(8).context("reading the triage queue")?,
                snooze_until,
                oldest_open_days: oldest.get(&account_id).copied(),
                changes: triage::changes(&previous, &score),
                score_last_month: previous.total,
                score,
                account_id,
            });
        }
        queue.sort_by(|a, b| {
            b.score
                .total
                .total_cmp(&a.score.total)
                .then_with(|| b.mrr.unwrap_or(0.0).total_cmp(&a.mrr.unwrap_or(0.0)))
                .then_with(|| a.account_id.cmp(&b.account_id))
        });
        Ok(queue)
    }

    /// `triage_queue`, ordered (`by_mrr_at_risk`: as `by_mrr_at_risk` sorts it) and cut to
    /// `limit`, handed to `f` one row at a time: for listings of every active account that must
    /// not hold every row. Only each row's place in the order (id, score, MRR) is held for every
    /// account; the rows themselves are read a page of accounts at a time, in one read
    /// transaction, so both reads see the same store.
    pub fn triage_queue_each(
        &self,
        all: bool,
        include_closed: bool,
        today: &str,
        by_mrr_at_risk: bool,
        limit: Option<usize>,
        f: &mut dyn FnMut(QueueRow) -> Result<()>,
    ) -> Result<()> {
        self.conn
            .execute_batch("SAVEPOINT triage_queue_each")
            .context("reading the triage queue")?;
        let read = self.triage_queue_pages(all, include_closed, today, by_mrr_at_risk, limit, f);
        // Nothing was written: the savepoint only held the snapshot.
        let ended = self
            .conn
            .execute_batch("ROLLBACK TO triage_queue_each; RELEASE triage_queue_each")
            .context("reading the triage queue");
        read.and(ended)
    }

    fn triage_queue_pages(
        &self,
        all: bool,
        include_closed: bool,
        today: &str,
        by_mrr_at_risk: bool,
        limit: Option<usize>,
        f: &mut dyn FnMut(QueueRow) -> Result<()>,
    ) -> Result<()> {
        const PAGE: usize = 512;
        let what = "reading the triage queue";
        let Some((_, last)) = self.period_range()? else {
            return Ok(());
        };
        let weights = self.triage_weights()?;
        let wake = self.snooze_wake_points()?;
        let now = last.to_string();
        let before = last.prev().to_string();

        // Each account's place: its score this month (its signals in key order, as
        // `triage_queue` reads them) and MRR, walked side by side in account id order.
        let mut keys: Vec<(String, f64, Option<f64>)> = Vec::new();
        {
            let mut accounts = self
                .conn
                .prepare(
                    "SELECT a.account_id, am.mrr_end, coalesce(s.status, 'open'), s.snooze_until, s.snooze_score
                     FROM account a
                     JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                     LEFT JOIN triage_state s ON s.account_id = a.account_id
                     WHERE ?2 OR a.hvc = 1
                     ORDER BY a.account_id",
                )
                .context(what)?;
            let mut signals = self
                .conn
                .prepare(
                    "SELECT account_id, signal, value FROM account_signal WHERE period = ?1
                     ORDER BY account_id, signal",
                )
                .context("reading triage signals")?;
            let mut signal_rows = signals.query([&now]).context("reading triage signals")?;
            let mut head: Option<(String, String, f64)> = None;
            let mut next_signal = |head: &mut Option<(String, String, f64)>| -> Result<()> {
                *head = match signal_rows.next().context("reading triage signals")? {
                    Some(r) => Some((
                        r.get(0).context("reading triage signals")?,
                        r.get(1).context("reading triage signals")?,
                        r.get(2).context("reading triage signals")?,
                    )),
                    None => None,
                };
                Ok(())
            };
            next_signal(&mut head)?;
            let mut rows = accounts.query(params![now, all]).context(what)?;
            while let Some(r) = rows.next().context(what)? {
                let account_id: String = r.get(0).context(what)?;
                let mut values: Vec<(Signal, f64)> = Vec::new();
                while head.as_ref().is_some_and(|(a, _, _)| *a < account_id) {
                    next_signal(&mut head)?;
                }
                while head.as_ref().is_some_and(|(a, _, _)| *a == account_id) {
                    if let Some((_, name, value)) = head.take()
                        && name != "oldest_open_days"
                        && let Some(signal) = Signal::from_name(&name)
                    {
                        values.push((signal, value));
                    }
                    next_signal(&mut head)?;
                }
                let score = triage::score(&values, &weights).total;
                let status: String = r.get(2).context(what)?;
                let snooze_until: Option<String> = r.get(3).context(what)?;
                let snooze_score: Option<f64> = r.get(4).context(what)?;
                let asleep = status == "snoozed"
                    && snooze_until.as_deref().is_some_and(|u| u > today)
                    && score < snooze_score.unwrap_or(0.0) + wake;
                if !include_closed && (asleep || status == "resolved") {
                    continue;
                }
                keys.push((account_id, score, r.get(1).context(what)?));
            }
        }
        keys.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| b.2.unwrap_or(0.0).total_cmp(&a.2.unwrap_or(0.0)))
                .then_with(|| a.0.cmp(&b.0))
        });
        if by_mrr_at_risk {
            let at_risk = |k: &(String, f64, Option<f64>)| k.1 * k.2.unwrap_or(0.0);
            keys.sort_by(|a, b| at_risk(b).total_cmp(&at_risk(a)));
        }
        if let Some(limit) = limit {
            keys.truncate(limit);
        }

        for page in keys.chunks(PAGE) {
            let ids: Vec<&str> = page.iter().map(|k| k.0.as_str()).collect();
            let mut found = self.queue_rows_of(&ids, &now, &before, &weights)?;
            for key in page {
                if let Some(row) = found.remove(&key.0) {
                    f(row)?;
                }
            }
        }
        Ok(())
    }

    /// The queue rows of the accounts `ids` (those active at the end of `now`), by account: the
    /// score of `now` and of `before` from their signals with `weights`, in one read of each.
    pub(crate) fn queue_rows_of(
        &self,
        ids: &[&str],
        now: &str,
        before: &str,
        weights: &Weights,
    ) -> Result<HashMap<String, QueueRow>> {
        let what = "reading the triage queue";
        let mut rows_stmt = self
            .conn
            .prepare_cached(
                "SELECT a.account_id, a.name, a.hvc, a.company_size, a.owner, am.mrr_end, t.held_tier,
                        coalesce(s.status, 'open'), s.assignee, s.snooze_until
                 FROM account a
                 JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                 LEFT JOIN account_tier t ON t.period = ?1 AND t.account_id = a.account_id
                 LEFT JOIN triage_state s ON s.account_id = a.account_id
                 WHERE a.account_id IN (SELECT value FROM json_each(?2))",
            )
            .context(what)?;
        let mut signals_stmt = self
            .conn
            .prepare_cached(
                "SELECT period, account_id, signal, value FROM account_signal
                 WHERE period IN (?1, ?2) AND account_id IN (SELECT value FROM json_each(?3))
                 ORDER BY period, account_id, signal",
            )
            .context("reading triage signals")?;
        let ids = serde_json::to_string(&ids).map_err(|e| Error::Store {
            path: self.path.clone(),
            message: format!("listing the triage queue: {e}"),
        })?;
        let mut values: HashMap<(bool, String), Vec<(Signal, f64)>> = HashMap::new();
        let mut oldest: HashMap<String, f64> = HashMap::new();
        let mut rows = signals_stmt
            .query(params![now, before, ids])
            .context("reading triage signals")?;
        while let Some(row) = rows.next().context("reading triage signals")? {
            let period: String = row.get(0).context("reading triage signals")?;
            let account: String = row.get(1).context("reading triage signals")?;
            let name: String = row.get(2).context("reading triage signals")?;
            let value: f64 = row.get(3).context("reading triage signals")?;
            if name == "oldest_open_days" {
                if period == now {
                    oldest.insert(account, value);
                }
            } else if let Some(signal) = Signal::from_name(&name) {
                values
                    .entry((period == now, account))
                    .or_default()
                    .push((signal, value));
            }
        }
        let mut found: HashMap<String, QueueRow> = HashMap::new();
        let mut rows = rows_stmt.query(params![now, ids]).context(what)?;
        while let Some(r) = rows.next().context(what)? {
            let account_id: String = r.get(0).context(what)?;
            let empty = Vec::new();
            let score = triage::score(values.get(&(true, account_id.clone())).unwrap_or(&empty), weights);
            let previous = triage::score(
                values.get(&(false, account_id.clone())).unwrap_or(&empty),
                weights,
            );
            let row = QueueRow {
                name: r.get(1).context(what)?,
                segment: if r.get::<_, bool>(2).context(what)? {
                    "hvc"
                } else {
                    "regular"
                },
                company_size: r.get(3).context(what)?,
                owner: r.get(4).context(what)?,
                mrr: r.get(5).context(what)?,
                tier: r.get(6).context(what)?,
                status: r.get(7).context(what)?,
                assignee: r.get(8).context(what)?,
                snooze_until: r.get(9).context(what)?,
                oldest_open_days: oldest.get(&account_id).copied(),
                changes: triage::changes(&previous, &score),
                score_last_month: previous.total,
                score,
                account_id: account_id.clone(),
            };
            found.insert(account_id, row);
        }
        Ok(found)
    }

    /// Writes one triage action in one transaction: the state (the later write wins) and an
    /// append-only event with who and when, so no note is ever lost.
    pub fn triage_act(&mut self, account_id: &str, action: Action<'_>, who: &str, now: &str) -> Result<()> {
        // The score at snooze time, to wake the account early if it rises by the margin.
        let current_score = match action {
            Action::Snooze { .. } => Some(self.triage_score_of(account_id)?),
            _ => None,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting a triage action")?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM account WHERE account_id = ?1", [account_id], |r| {
                r.get(0)
            })
            .optional()
            .context("finding the account")?;
        if exists.is_none() {
            return Err(Error::input(format!("unknown account '{account_id}'")));
        }
        let (kind, body, state): (&str, String, Option<StateChange>) = match action {
            Action::Assign { to } => (
                "assign",
                format!("assigned to {to}"),
                Some(("assigned", Some(to.to_string()), None)),
            ),
            Action::Snooze { until, reason } => (
                "snooze",
                format!("snoozed until {until}: {reason}"),
                Some(("snoozed", None, Some(until.to_string()))),
            ),
            Action::Note { body } => ("note", body.to_string(), None),
            Action::Resolve { note } => ("resolve", note.to_string(), Some(("resolved", None, None))),
            Action::Reopen { note } => ("reopen", note.to_string(), Some(("open", None, None))),
        };
        tx.execute(
            "INSERT INTO triage_note (account_id, action, body, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, kind, body, who, now],
        )
        .context("writing a triage note")?;
        if let Some((status, assignee, snooze_until)) = state {
            // An assignment survives snoozing and reopening; resolving keeps who had it.
            tx.execute(
                "INSERT INTO triage_state (account_id, status, assignee, snooze_until, snooze_score, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (account_id) DO UPDATE SET status = excluded.status,
                     assignee = coalesce(excluded.assignee, triage_state.assignee),
                     snooze_until = excluded.snooze_until, snooze_score = excluded.snooze_score,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![account_id, status, assignee, snooze_until, current_score, who, now],
            )
            .context("writing the triage state")?;
        }
        tx.commit().context("committing a triage action")
    }

    fn triage_score_of(&self, account_id: &str) -> Result<f64> {
        let Some((_, last)) = self.period_range()? else {
            return Ok(0.0);
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT signal, value FROM account_signal WHERE period = ?1 AND account_id = ?2")
            .context("reading triage signals")?;
        let rows = stmt
            .query_map(params![last.to_string(), account_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })
            .context("reading triage signals")?;
        let mut values = Vec::new();
        for row in rows {
            let (name, value) = row.context("reading triage signals")?;
            if let Some(signal) = Signal::from_name(&name) {
                values.push((signal, value));
            }
        }
        Ok(triage::score(&values, &self.triage_weights()?).total)
    }

    /// The account's triage history, oldest first.
    pub fn triage_history(&self, account_id: &str) -> Result<Vec<TriageEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT action, body, author, created_at FROM triage_note WHERE account_id = ?1 ORDER BY created_at, id",
            )
            .context("reading the triage history")?;
        let rows = stmt
            .query_map([account_id], |r| {
                Ok(TriageEvent {
                    action: r.get(0)?,
                    body: r.get(1)?,
                    author: r.get(2)?,
                    created_at: r.get(3)?,
                })
            })
            .context("reading the triage history")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the triage history")
    }

    /// SQLite's data version: it changes when another connection commits, so a cockpit can
    /// poll it cheaply and reload shared state.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .context("reading the data version")
    }
}
