//! The triage signals of the refresh: each account's signals at the end of every month the
//! backtest ranks and of the queue's two months, computed into temporary tables from the raw rows
//! (`prepare`), then from the account months (`add_account_month_signals`, with most of the
//! backtest), then from the tiers, with the queue's months written to `account_signal`, the
//! backtest and the stored ranking (`write`). Each step takes the connection it runs on, so the
//! refresh can run them on a second connection while the main one writes the account months and
//! tiers (`store::lanes`).

use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior, params};

use crate::domain::Period;
use crate::domain::triage::{self, Signal, Weights, Windows};
use crate::error::{Result, SqlContext};

use super::Store;
use super::indicator_values::{Observations, Wanted};
use super::pending::Accounts;
use super::triage_backtest::Gathered;

/// The backtest's horizon in months: an account active at the end of a month churned when it is
/// no longer active at the end of the month this many months later.
const BACKTEST_HORIZON: i32 = 3;

/// The months the refresh evaluates: each month's end (`day`, the first day of the next month,
/// is the evaluation date) and where its windows counted in months start (`Signal::
/// default_window`, settings `triage_window_months.*`); `live`: one of the queue's two months
/// (the others are months the backtest ranks, whose outcome months `Gathered` holds).
const MONTHS_SQL: &str = "
CREATE TEMP TABLE triage_month (
    period           TEXT PRIMARY KEY,
    day              TEXT NOT NULL UNIQUE,
    downtime_from    TEXT NOT NULL,
    usage_from       TEXT NOT NULL,
    red_from         TEXT NOT NULL,
    contraction_from TEXT NOT NULL,
    live             INTEGER NOT NULL
);
CREATE TEMP TABLE triage_signal (period TEXT, account_id TEXT, signal TEXT, value REAL);
CREATE TEMP TABLE triage_red (period TEXT, account_id TEXT);
-- The queue's months' signals, copied out as the backtest reads them all (`Gathered`), so that
-- writing `account_signal` once the tiers are in needs no scan of every month's.
CREATE TEMP TABLE triage_live (period TEXT, account_id TEXT, signal TEXT, value REAL);";

/// The signals' raw values at the end of every month of `temp.triage_month`, in one pass over
/// the raw rows: each statement inserts (period, account, signal, value) into
/// `temp.triage_signal` (a signal that does not fire has no row), or prepares a table the next
/// ones read. Windows counted in days are bound as date modifiers (`:detractor` = '+180 days'):
/// an event at t is in the N days before the evaluation day d when date(d, '-N days') <= t < d,
/// that is when t < d <= date(t, '+N days'), so each event row finds its months as a range of
/// `day` (the CROSS JOINs keep the event table outside). Windows counted in months are columns
/// of `temp.triage_month`. These read the raw rows alone; those that read the refresh's own
/// tables run once it has written them (`triage_mrr`, `TIER_SIGNALS_SQL`).
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
        "red indicators per account",
        "INSERT INTO temp.triage_signal
         SELECT period, account_id, 'red_indicator', count(*) FROM temp.triage_red GROUP BY period, account_id",
    ),
];

/// The signal that rests on the tier evaluation (its grace): run once the tiers are written.
/// The months drive (CROSS JOIN): the tier rows are looked up by month, and by account when
/// only some accounts are refreshed. Left to the planner, which knows nothing of the temporary
/// tables' sizes, it scanned every tier row of every month (0.36 s of a day's import at 100,000
/// accounts).
const TIER_SIGNALS_SQL: &[(&str, &str)] = &[(
    "tier grace",
    "INSERT INTO temp.triage_signal
         SELECT m.period, t.account_id, 'tier_downgrade_risk', 1
         FROM temp.triage_month m CROSS JOIN account_tier t ON t.period = m.period AND t.status = 'grace'
         WHERE {accounts:t}",
)];

/// The queue's months only: their signals into `account_signal`, with what only the queue
/// needs: the age of the oldest open ticket (shown, not scored) and renewals ahead (a
/// subscription's end date is known in advance only if the store was told it; in the past it is
/// known from hindsight, so the backtest leaves renewals out).
const LIVE_SQL: &[(&str, &str)] = &[
    (
        "the queue's signals",
        "INSERT INTO account_signal
         SELECT period, account_id, signal, value FROM temp.triage_live
         ORDER BY period, account_id, signal",
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
DROP TABLE IF EXISTS temp.triage_red;
DROP TABLE IF EXISTS temp.triage_live;";

/// What the triage signals of one refresh compute, read from the settings before it starts.
pub(crate) struct Plan {
    with_backtest: bool,
    accounts: Accounts,
    /// None when a weight setting is malformed: the queue fails on it, naming it; the refresh
    /// goes on without a backtest.
    weights: Option<Weights>,
    /// None when the store has no months.
    months: Option<Months>,
}

struct Months {
    last: Period,
    /// The months the backtest ranks: every month with `BACKTEST_HORIZON` months after it.
    tested: Vec<Period>,
    /// The ranked months before this one rest on nothing the refresh changed: their points may
    /// be read from `backtest_points` rather than counted from their signals.
    unchanged_before: Option<Period>,
    /// The queue's months: the last two.
    live: Vec<Period>,
    windows: Windows,
    /// The windows counted in days, as date modifiers bound to `:<signal>` ('+180 days').
    modifiers: Vec<(&'static str, String)>,
}

impl Plan {
    pub(crate) fn accounts(&self) -> Accounts {
        self.accounts
    }
}

impl Store {
    /// Recomputes the triage signals of the store's last two months (`account_signal`, the
    /// queue's) and the backtest (settings `triage_backtest.*`), which ranks the accounts of every
    /// earlier month that has 3 months after it by their score then: one pass over the raw rows
    /// computes the signals of all those months.
    pub fn refresh_signals(&mut self) -> Result<Duration> {
        let started = Instant::now();
        let plan = self.signal_plan(true, Accounts::All, None)?;
        let prepared = super::lanes::in_transaction(&self.conn, || {
            let raw = prepare(&self.conn, &plan, None)?;
            add_account_month_signals(&self.conn, &plan, raw.backtest)
        })?;
        write(&self.conn, &plan, prepared)?;
        Ok(started.elapsed())
    }

    /// What the next signal refresh computes. Without `with_backtest` the stored backtest is
    /// kept (nothing it rests on changed: see `Store::refresh_pending`) and only the queue's
    /// months are computed; and only for `accounts` (an account's signals rest on its own rows
    /// alone). The backtest needs all. `changed_from`: the first month whose rows or derived
    /// months changed (None: any); the signals of the months before it are as they were.
    pub(crate) fn signal_plan(
        &self,
        with_backtest: bool,
        accounts: Accounts,
        changed_from: Option<Period>,
    ) -> Result<Plan> {
        let with_backtest = with_backtest && accounts == Accounts::All;
        let weights = self.triage_weights().ok();
        let months = match self.period_range()? {
            None => None,
            Some((first, last)) => {
                let windows = self.triage_windows()?;
                let live = [last.prev(), last].into_iter().filter(|p| *p >= first).collect();
                let tested = match last.offset(-BACKTEST_HORIZON) {
                    cutoff if cutoff >= first && with_backtest => first.through(cutoff).collect(),
                    _ => Vec::new(),
                };
                let modifiers = [
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
                Some(Months {
                    last,
                    tested,
                    unchanged_before: changed_from,
                    live,
                    windows,
                    modifiers,
                })
            }
        };
        Ok(Plan {
            with_backtest,
            accounts,
            weights,
            months,
        })
    }
}

/// What `prepare` found: the indicator observations, and the backtest's points so far (when
/// the plan has a backtest) for `add_account_month_signals`.
pub(crate) struct Raw {
    pub observations: Observations,
    pub backtest: Option<Gathered>,
}

/// The signals that rest on the raw rows alone, into `temp.triage_signal` on `conn` (with the
/// months, the red indicators and the open tickets beside it), or into the backtest's points.
/// Writes nothing to the store. The read of tickets and answers for the red indicators also
/// classifies the indicator observations of the months `observed`
/// (`indicators::observed_months`).
pub(crate) fn prepare(conn: &Connection, plan: &Plan, observed: Option<(Period, Period)>) -> Result<Raw> {
    let Some(months) = &plan.months else {
        return Ok(Raw {
            observations: Observations::default(),
            backtest: None,
        });
    };
    let mut backtest = match plan.weights.as_ref() {
        Some(weights) if plan.with_backtest && !months.tested.is_empty() => {
            let ranked: Vec<(Period, Period)> = months
                .tested
                .iter()
                .map(|p| (*p, p.offset(BACKTEST_HORIZON)))
                .collect();
            let gathered = Gathered::new(
                conn,
                &ranked,
                &months.live,
                months.unchanged_before,
                &weights.signature(),
            )?;
            Some((gathered, weights))
        }
        _ => None,
    };
    // The ranked months whose points were read back need none of their signals.
    let computed: Vec<Period> = months
        .tested
        .iter()
        .filter(|p| {
            backtest
                .as_ref()
                .is_none_or(|(gathered, _)| !gathered.is_stored(&p.to_string()))
        })
        .copied()
        .collect();
    conn.execute_batch(DROP_TEMP_SQL)
        .and_then(|()| conn.execute_batch(MONTHS_SQL))
        .context("preparing the triage months")?;
    {
        let mut insert = conn
            .prepare("INSERT INTO temp.triage_month VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .context("preparing the triage months")?;
        let windows = &months.windows;
        let since = |p: Period, signal: Signal| p.offset(1 - windows.len_of(signal) as i32);
        let tested = computed.iter().map(|p| (*p, false));
        for (p, is_live) in tested.chain(months.live.iter().map(|p| (*p, true))) {
            let (downtime, red) = (since(p, Signal::Downtime), since(p, Signal::RedIndicator));
            let usage = p.offset(-(windows.len_of(Signal::UsageDrop) as i32));
            insert
                .execute(params![
                    p.to_string(),
                    p.next().first_day().to_string(),
                    downtime.to_string(),
                    usage.to_string(),
                    red.to_string(),
                    since(p, Signal::MrrContraction).to_string(),
                    is_live,
                ])
                .context("preparing the triage months")?;
        }
    }
    let walk_backtest = backtest.as_mut().map(|(gathered, weights)| (gathered, *weights));
    super::triage_usage::add_signals(conn, plan.accounts, walk_backtest)?;
    let observations = super::indicator_values::classify(
        conn,
        &Wanted {
            red_months: computed.iter().chain(&months.live).copied().collect(),
            red_window: months.windows.len_of(Signal::RedIndicator),
            accounts: plan.accounts,
            observed,
        },
    )?;
    run(conn, SIGNALS_SQL, plan, months)?;
    Ok(Raw {
        observations,
        backtest: backtest.map(|(gathered, _)| gathered),
    })
}

/// What `add_account_month_signals` leaves for `write`.
pub(crate) struct Prepared {
    /// The backtest so far, when the plan has one.
    backtest: Option<Gathered>,
}

/// After `prepare` on the same connection, once the account months are written: the signals
/// that rest on them, and the backtest as far as it can go before the tiers.
pub(crate) fn add_account_month_signals(
    conn: &Connection,
    plan: &Plan,
    backtest: Option<Gathered>,
) -> Result<Prepared> {
    let Some(_) = &plan.months else {
        return Ok(Prepared { backtest: None });
    };
    let mut backtest = backtest;
    let walk_backtest = backtest.as_mut().zip(plan.weights.as_ref());
    super::triage_mrr::add_signals(conn, plan.accounts, walk_backtest)?;
    let backtest = match (backtest, plan.weights.as_ref()) {
        (Some(mut gathered), Some(weights)) => {
            gathered.count_signals(conn, weights)?;
            Some(gathered)
        }
        _ => None,
    };
    Ok(Prepared { backtest })
}

/// After `add_account_month_signals` on the same connection, once the tiers are written: the
/// signal that rests on them, then in one transaction the queue's months into `account_signal`,
/// the backtest and the stored ranking.
pub(crate) fn write(conn: &Connection, plan: &Plan, prepared: Prepared) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .context("starting the triage signals")?;
    plan.accounts
        .clear(&tx, "account_signal", "")
        .context("clearing triage signals")?;
    if plan.with_backtest {
        tx.execute("DELETE FROM setting WHERE key LIKE 'triage_backtest.%'", [])
            .context("clearing the triage backtest")?;
    }
    if let Some(months) = &plan.months {
        run(&tx, TIER_SIGNALS_SQL, plan, months)?;
        // The backtest's last read copies the queue's months' signals added since its first.
        let backtest = match (prepared.backtest, plan.weights.as_ref()) {
            (Some(gathered), Some(weights)) => Some(gathered.finish(&tx, weights)?),
            _ => {
                tx.execute_batch(
                    "INSERT INTO temp.triage_live
                     SELECT g.period, g.account_id, g.signal, g.value
                     FROM temp.triage_signal g JOIN temp.triage_month m ON m.period = g.period AND m.live",
                )
                .context("the queue's signals")?;
                None
            }
        };
        run(&tx, LIVE_SQL, plan, months)?;
        if let Some(weights) = plan.weights.as_ref().filter(|_| plan.with_backtest) {
            let backtest = backtest.unwrap_or_default();
            let put = |key: &str, value: String| {
                tx.execute(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![format!("triage_backtest.{key}"), value],
                )
                .map(|_| ())
                .context("writing the triage backtest")
            };
            if let (Some(from), Some(to)) = (months.tested.first(), months.tested.last()) {
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
            &months.last.to_string(),
            plan.accounts,
            plan.weights.as_ref(),
        )?;
    }
    tx.commit().context("committing the triage signals")
}

/// Runs each statement for the plan's accounts, with the windows counted in days bound.
fn run(conn: &Connection, statements: &[(&str, &str)], plan: &Plan, months: &Months) -> Result<()> {
    for (what, sql) in statements {
        let mut stmt = conn.prepare(&plan.accounts.bind(sql)).context(what)?;
        for (name, modifier) in &months.modifiers {
            if let Some(i) = stmt.parameter_index(&format!(":{name}")).context(what)? {
                stmt.raw_bind_parameter(i, modifier).context(what)?;
            }
        }
        stmt.raw_execute().context(what)?;
    }
    Ok(())
}
