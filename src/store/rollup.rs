//! The rollup pass: from the raw rows (subscriptions, tickets, surveys, invoices, usage, imported
//! aggregates) to every metric's value per month and segment, in SQL, in one transaction.
//! It runs after generation and after every import, so a keypress only reads `rollup`.
//!
//! Steps: (1) each account's MRR at the start and end of every month (`account_month`, computed
//! in Rust by `account_month.rs`);
//! (2) the HVC rule (top N% of accounts by their latest MRR); (3) the facts per journey, phase,
//! month and segment, matched to metrics by their `aggregation`.

use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::domain::Period;
use crate::error::{Result, SqlContext};

use super::pending::Accounts;
use super::{Store, indicators, lanes, triage_signals};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollupStats {
    pub first: Option<Period>,
    pub last: Option<Period>,
    /// Account months computed again (none when no subscription changed).
    pub account_months: u64,
    pub rollup_rows: i64,
    pub elapsed: Duration,
}

/// The months the store covers: from the `first_period` setting (or, without it, the earliest
/// subscription start or imported value) to the `as_of` setting (or the latest dated row).
const RANGE_SQL: &str = "
SELECT coalesce((SELECT value FROM setting WHERE key = 'first_period'), min(first)),
       coalesce((SELECT value FROM setting WHERE key = 'as_of'), max(last)) FROM (
    SELECT substr(min(start_date), 1, 7) AS first, substr(max(coalesce(end_date, start_date)), 1, 7) AS last FROM subscription
    UNION ALL SELECT min(period), max(period) FROM metric_value
    UNION ALL SELECT substr(min(opened_at), 1, 7), substr(max(opened_at), 1, 7) FROM ticket
    UNION ALL SELECT substr(min(answered_at), 1, 7), substr(max(answered_at), 1, 7) FROM survey_response
)";

/// `account.hvc`: the account's HVC flag in the store's last month, which the triage queue and the
/// account view read. The flags of every month are decided with the account months
/// (`account_month.rs`): the top `hvc_top_mrr_pct` percent of the accounts active at the month's
/// start, by their MRR then.
const LATEST_HVC_SQL: &str = "
UPDATE account SET hvc = coalesce(
    (SELECT h.hvc FROM account_month h
     WHERE h.account_id = account.account_id
       AND h.period = (SELECT max(period) FROM account_month WHERE mrr_start IS NOT NULL)),
    0);";

/// Every fact a metric can be computed from, per journey, phase (NULL: the whole journey),
/// month and segment; `measure` matches `metric.aggregation`.
///
/// Each raw table is read once, grouped into cells (journey, phase, month, HVC flag, company size)
/// that hold a numerator, a denominator and a sample size; the segments are sums of cells, so
/// every measure is a ratio of sums and no raw row is read once per segment. These are the cell
/// tables `facts.rs` fills.
const FACTS_SETUP_SQL: &str = "
DROP TABLE IF EXISTS temp.cell;
-- sq: for survey measures, the sum of squares of each answer's contribution (its variance).
CREATE TEMP TABLE cell (journey_id TEXT, phase_id INTEGER, period TEXT, hvc INTEGER, size TEXT,
                        measure TEXT, num REAL, den REAL, n INTEGER, sq REAL);
-- The subscriptions' account months summed per journey, month, HVC, size and industry: churn,
-- revenue retention, expansion, ARPU and new accounts.
DROP TABLE IF EXISTS temp.am_cell;
CREATE TEMP TABLE am_cell (journey_id TEXT, period TEXT, hvc INTEGER, size TEXT, industry TEXT,
                           n_start INTEGER, churned INTEGER, start_mrr REAL, kept_mrr REAL, end_mrr REAL,
                           grew INTEGER, n_end INTEGER, new INTEGER, churned_mrr REAL,
                           contraction_mrr REAL, expansion_mrr REAL);
-- Tickets per phase and month opened: hours to first response and to resolution, and the count
-- for tickets per 100 accounts.
DROP TABLE IF EXISTS temp.ticket_cell;
CREATE TEMP TABLE ticket_cell (journey_id TEXT, phase_id INTEGER, period TEXT, hvc INTEGER, size TEXT,
                               tickets INTEGER, response_hours REAL, responded INTEGER,
                               resolution_hours REAL, resolved INTEGER);
";

/// After `facts.rs` has summed the raw rows into cells: churn per month and segment, the
/// subscription and ticket facts, lead time, tickets per 100 accounts and phase churn.
const FACTS_SQL: &str = "
-- Churn and revenue retention per month and segment, for the churn pane and command.
-- Every journey together (journey_id '') and each journey alone.
DELETE FROM churn_month WHERE period >= ?3 AND EXISTS (SELECT 1 FROM temp.rollup_measure WHERE measure = 'logo_churn');
INSERT INTO churn_month (period, journey_id, segment, n_start, n_churned, start_mrr, churned_mrr,
                         contraction_mrr, expansion_mrr)
WITH seg AS (
    SELECT c.*, 'all' AS segment FROM temp.am_cell c
    UNION ALL SELECT c.*, CASE c.hvc WHEN 1 THEN 'hvc' ELSE 'regular' END FROM temp.am_cell c
    UNION ALL SELECT c.*, 'size:' || c.size FROM temp.am_cell c WHERE c.size <> 'unknown'
    UNION ALL SELECT c.*, 'industry:' || c.industry FROM temp.am_cell c WHERE c.industry <> ''
    UNION ALL SELECT c.*, 'journey:' || c.journey_id FROM temp.am_cell c WHERE c.journey_id IS NOT NULL
),
scoped AS (
    SELECT seg.*, '' AS scope FROM seg
    UNION ALL SELECT seg.*, seg.journey_id FROM seg WHERE seg.journey_id IS NOT NULL
)
SELECT period, scope, segment, sum(n_start), sum(churned), coalesce(sum(start_mrr), 0), sum(churned_mrr),
       sum(contraction_mrr), sum(expansion_mrr)
FROM scoped
WHERE period BETWEEN ?1 AND ?2 AND EXISTS (SELECT 1 FROM temp.rollup_measure WHERE measure = 'logo_churn')
GROUP BY period, scope, segment
HAVING sum(n_start) > 0;

INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n)
SELECT journey_id, NULL, period, hvc, size, 'logo_churn', 100.0 * churned, n_start, n_start FROM temp.am_cell
UNION ALL SELECT journey_id, NULL, period, hvc, size, 'grr', 100.0 * kept_mrr, start_mrr, n_start FROM temp.am_cell
UNION ALL SELECT journey_id, NULL, period, hvc, size, 'nrr', 100.0 * end_mrr, start_mrr, n_start FROM temp.am_cell
UNION ALL SELECT journey_id, NULL, period, hvc, size, 'expansion_rate', 100.0 * grew, n_start, n_start FROM temp.am_cell
UNION ALL SELECT journey_id, NULL, period, hvc, size, 'arpu', start_mrr, n_start, n_start FROM temp.am_cell
-- A count, not a ratio: the denominator 1 per cell is divided out below.
UNION ALL SELECT journey_id, NULL, period, hvc, size, 'new_accounts', new, NULL, NULL FROM temp.am_cell WHERE n_end > 0;

-- Lead time from order to start, for subscriptions starting in the month.
INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n)
SELECT a.journey_id, NULL, substr(s.start_date, 1, 7), coalesce(h.hvc, 0) AS hvc, a.company_size, 'lead_time_days',
       sum(julianday(s.start_date) - julianday(s.ordered_on)), count(*), count(*)
FROM subscription s JOIN account a ON a.account_id = s.account_id
LEFT JOIN account_month h ON h.account_id = s.account_id AND h.period = substr(s.start_date, 1, 7)
WHERE s.ordered_on IS NOT NULL AND a.journey_id IS NOT NULL AND s.start_date >= ?1 || '-01'
  AND EXISTS (SELECT 1 FROM temp.rollup_measure WHERE measure = 'lead_time_days')
GROUP BY a.journey_id, substr(s.start_date, 1, 7), coalesce(h.hvc, 0), a.company_size;

INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n)
SELECT journey_id, phase_id, period, hvc, size, 'first_response_hours', response_hours, responded, responded
FROM temp.ticket_cell WHERE responded > 0
UNION ALL
SELECT journey_id, phase_id, period, hvc, size, 'resolution_hours', resolution_hours, resolved, resolved
FROM temp.ticket_cell WHERE resolved > 0;

-- Tickets per 100 accounts active at the start of the month, per phase (zero counts included).
INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n)
SELECT c.journey_id, p.phase_id, c.period, c.hvc, c.size, 'tickets_per_100',
       100.0 * coalesce(t.tickets, 0), c.n_start, c.n_start
FROM (SELECT journey_id, period, hvc, size, sum(n_start) AS n_start FROM temp.am_cell
      GROUP BY journey_id, period, hvc, size) c
JOIN phase p ON p.journey_id = c.journey_id
LEFT JOIN temp.ticket_cell t ON t.journey_id = c.journey_id AND t.phase_id = p.phase_id AND t.period = c.period
                            AND t.hvc = c.hvc AND t.size = c.size
WHERE c.n_start > 0;

-- A phase's churn: of the accounts active at the month's start, the share that churned with a
-- churn event naming the phase (the account's last event of the month). A churn metric placed in
-- a phase other than the journey's last reads this; in the last phase it is the journey's churn.
INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n)
SELECT c.journey_id, p.phase_id, c.period, c.hvc, c.size, 'phase_churn',
       100.0 * coalesce(x.churned, 0), c.n_start, c.n_start
FROM (SELECT journey_id, period, hvc, size, sum(n_start) AS n_start FROM temp.am_cell
      GROUP BY journey_id, period, hvc, size) c
JOIN phase p ON p.journey_id = c.journey_id
LEFT JOIN (
    -- From the churn events to the month each ends (an event on the 1st ends the month before):
    -- a lookup of one account month each, where a scan of every account month took 2.5 s at
    -- 100,000 accounts.
    SELECT a.journey_id, ev.phase_id, am.period, am.hvc, a.company_size AS size, count(*) AS churned
    FROM churn_event ev
    CROSS JOIN account_month am ON am.account_id = ev.account_id
         AND am.period = strftime('%Y-%m', ev.churned_on, '-1 day')
    JOIN account a ON a.account_id = ev.account_id
    WHERE ev.churned_on = (
        SELECT max(e2.churned_on) FROM churn_event e2
        WHERE e2.account_id = ev.account_id AND e2.churned_on > am.period || '-01'
          AND e2.churned_on <= date(am.period || '-01', '+1 month'))
      AND am.mrr_start IS NOT NULL AND am.mrr_end IS NULL AND ev.phase_id IS NOT NULL AND am.period >= ?1
      AND EXISTS (SELECT 1 FROM temp.rollup_measure WHERE measure = 'phase_churn')
    GROUP BY a.journey_id, ev.phase_id, am.period, am.hvc, a.company_size
) x ON x.journey_id = c.journey_id AND x.phase_id = p.phase_id AND x.period = c.period
   AND x.hvc = c.hvc AND x.size = c.size
WHERE c.n_start > 0;

-- Only the facts asked for (the month's subscription cells also serve the ticket and churn facts).
DELETE FROM temp.cell WHERE measure NOT IN temp.rollup_measure;

-- Segments are sums of cells: all; HVC or regular; each company size.
DROP TABLE IF EXISTS temp.seg;
CREATE TEMP TABLE seg (segment TEXT, c_hvc INTEGER, c_size TEXT);
INSERT INTO temp.seg VALUES ('all', NULL, NULL), ('hvc', 1, NULL), ('regular', 0, NULL);
INSERT INTO temp.seg SELECT DISTINCT 'size:' || company_size, NULL, company_size FROM account WHERE company_size <> 'unknown';
DROP TABLE IF EXISTS temp.fact;
CREATE TEMP TABLE fact AS
SELECT c.journey_id, c.phase_id, c.period, seg.segment, c.measure,
       CASE WHEN c.measure = 'new_accounts' THEN sum(c.num) ELSE sum(c.num) / nullif(sum(c.den), 0) END AS value,
       sum(c.n) AS n,
       -- The sample variance of one answer's contribution: (sum of squares - n mean^2) / (n - 1).
       (sum(c.sq) - sum(c.num) * sum(c.num) / sum(c.n)) / nullif(sum(c.n) - 1, 0) AS variance
FROM temp.cell c JOIN seg ON (seg.c_hvc IS NULL OR seg.c_hvc = c.hvc) AND (seg.c_size IS NULL OR seg.c_size = c.size)
GROUP BY c.journey_id, c.phase_id, c.period, seg.segment, c.measure;
DROP TABLE temp.cell;
DROP TABLE temp.am_cell;
DROP TABLE temp.ticket_cell;
DROP TABLE temp.seg;
";

const ROLLUP_SQL: &str = "
-- Each metric with the fact it reads. Logo churn placed before the journey's last phase is that
-- phase's churn ('phase_churn').
DROP TABLE IF EXISTS temp.metric_measure;
CREATE TEMP TABLE metric_measure AS
SELECT m.metric_id, m.phase_id, p.journey_id,
       CASE WHEN m.aggregation = 'logo_churn' AND p.position <
                 (SELECT max(q.position) FROM phase q WHERE q.journey_id = p.journey_id)
            THEN 'phase_churn' ELSE m.aggregation END AS measure
FROM metric m JOIN phase p ON p.phase_id = m.phase_id;
-- From the floor on, the rows of the facts computed again and of imported values (every row on a
-- full refresh, floor '').
DELETE FROM rollup WHERE period >= ?3 AND (?3 = '' OR metric_id IN (
    SELECT metric_id FROM temp.metric_measure WHERE measure = 'imported' OR measure IN temp.rollup_measure));
INSERT INTO rollup (metric_id, segment, period, value, n, variance)
SELECT mm.metric_id, f.segment, f.period, f.value, f.n, f.variance
FROM temp.metric_measure mm
JOIN temp.fact f ON f.measure = mm.measure AND f.journey_id = mm.journey_id
                AND (f.phase_id IS NULL OR f.phase_id = mm.phase_id)
WHERE f.value IS NOT NULL AND f.period BETWEEN ?1 AND ?2
UNION ALL
SELECT v.metric_id, v.segment, v.period, v.value, v.n, NULL
FROM metric_value v JOIN metric m ON m.metric_id = v.metric_id
WHERE m.aggregation = 'imported' AND v.period >= ?3;
DROP TABLE temp.fact;
DROP TABLE temp.metric_measure;
";

/// Hands the memory a finished step freed back to the system (glibc's allocator keeps it for the
/// process otherwise), so the refresh's peak is its largest step's rather than that step's on top
/// of what the steps before left behind (at 100,000 accounts: 162-171 MB, against 180-215 MB).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free pages at the top and inside the heap back to the
    // system; it touches no allocated memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The part of the derived tables a change reaches: the months from `from` on, the account
/// months and HVC flags only when subscriptions changed, and the tiers and signals of the
/// accounts the changes reached or of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub from: Period,
    pub subscriptions: bool,
    pub accounts: Accounts,
    /// The facts computed again (bits of `MEASURES`).
    pub measures: u32,
}

/// The facts the rollup computes, with the raw table each rests on. Subscriptions move every
/// fact (the HVC flags of its segments, the accounts at each month's start), the others only
/// their own.
const MEASURES: &[(&str, &str)] = &[
    ("logo_churn", "subscription"),
    ("grr", "subscription"),
    ("nrr", "subscription"),
    ("expansion_rate", "subscription"),
    ("arpu", "subscription"),
    ("new_accounts", "subscription"),
    ("lead_time_days", "subscription"),
    ("nps", "survey_response"),
    ("csat", "survey_response"),
    ("ces", "survey_response"),
    ("first_response_hours", "ticket"),
    ("resolution_hours", "ticket"),
    ("tickets_per_100", "ticket"),
    ("phase_churn", "churn_event"),
    ("downtime_hours", "usage_month"),
    ("on_time_payment", "invoice"),
];

/// The facts that changes to `sources` reach (bits of `MEASURES`).
fn measures_of<'a>(mut sources: impl Iterator<Item = &'a str>) -> u32 {
    let all = (1u32 << MEASURES.len()) - 1;
    sources
        .try_fold(0, |bits, source| {
            if source == "subscription" {
                return None;
            }
            Some(
                MEASURES
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, from))| *from == source)
                    .fold(bits, |bits, (i, _)| bits | 1 << i),
            )
        })
        .unwrap_or(all)
}

/// The sources whose changes reach only their own account's tiers and signals (besides the
/// rollups of their months): not subscriptions (account months, HVC ranks), accounts or
/// definitions. Imported metric values reach no account at all; a new name or owner
/// (`account_label`) reaches only the account's own place in the triage queue.
const OWN_ACCOUNT_SOURCES: &[&str] = &[
    "account_label",
    "ticket",
    "survey_response",
    "invoice",
    "usage_month",
    "churn_event",
    "metric_value",
];

/// Past this share of the store's accounts, recomputing every account is cheaper than looking
/// each one up.
const TOUCHED_SHARE_LIMIT: f64 = 0.25;

/// The steps of a refresh, as `refresh_reporting` names them.
pub const STAGE_ROLLUPS: &str = "rollups and account months";
pub const STAGE_TIERS: &str = "tier evaluation";
/// The triage signals and the indicator outcomes: on a store file, mostly computed alongside the
/// steps before (`store::lanes`); this step is what is left of them.
pub const STAGE_SIGNALS: &str = "triage signals and indicator outcomes";

/// What one refresh computed, and how long each step took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refresh {
    pub rollup: RollupStats,
    /// None when the refresh left them alone (imported metric values reach only the rollups).
    pub derived: Option<Derived>,
    /// The whole refresh, start to end.
    pub elapsed: Duration,
}

/// What is derived from the raw rows besides the rollups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derived {
    pub tiers: crate::store::tier_eval::TierEvalStats,
    pub signals: Duration,
    pub indicators: Duration,
    /// The signals and indicator outcomes were computed on a second connection alongside the
    /// rollups and tiers (`store::lanes`): their times overlap those.
    pub alongside: bool,
}

/// Runs `step`, adding the time it took to `took`.
fn timed<T>(took: &mut Duration, step: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let result = step();
    *took += started.elapsed();
    result
}

impl Store {
    /// Everything derived from the raw rows, in order: rollups (with account months and the HVC
    /// flags), tier evaluations, triage signals, indicator outcomes: the full refresh (`rollup`,
    /// generation, migration). It settles every pending change (`refresh_pending`).
    pub fn refresh(&mut self) -> Result<Refresh> {
        self.refresh_reporting(&mut |_| {})
    }

    /// `refresh`, telling `stage` the name of each step as it starts (for progress on a
    /// terminal).
    pub fn refresh_reporting(&mut self, stage: &mut dyn FnMut(&'static str)) -> Result<Refresh> {
        let pending = self.snapshot_pending()?;
        let refreshed = self.with_refresh_settings(|store| store.refresh_in(None, stage))?;
        self.settle(&pending)?;
        Ok(refreshed)
    }

    /// Brings the derived tables up to date with the changes pending, doing no more than they
    /// reach: the months from the earliest change on (all of them after a change of an account's
    /// journey, size or industry, or of rows before the store's first month); account months and
    /// HVC only after subscription changes; the triage backtest and the indicator outcomes only
    /// when a month they rest on changed. None when nothing was pending. An import runs it.
    pub fn refresh_pending(&mut self) -> Result<Option<Refresh>> {
        self.refresh_pending_reporting(&mut |_| {})
    }

    /// `refresh_pending`, telling `stage` the name of each step as it starts.
    pub fn refresh_pending_reporting(
        &mut self,
        stage: &mut dyn FnMut(&'static str),
    ) -> Result<Option<Refresh>> {
        let pending = self.snapshot_pending()?;
        if pending.sources.is_empty() {
            return Ok(None);
        }
        let sources = &pending.sources;
        let range = self.period_range()?;
        // A subscription starting (or ending) on a month's first day also moves the month
        // before's end MRR: subscriptions reach one month earlier than their dates.
        let from = sources
            .iter()
            .map(|p| {
                let month = p.from_period.parse::<Period>().ok()?;
                Some(if p.source == "subscription" {
                    month.prev()
                } else {
                    month
                })
            })
            .collect::<Option<Vec<Period>>>()
            .and_then(|months| months.into_iter().min());
        let own_accounts = sources
            .iter()
            .all(|p| OWN_ACCOUNT_SOURCES.contains(&p.source.as_str()));
        let accounts = if own_accounts
            && pending.accounts > 0
            && (pending.accounts as f64) <= TOUCHED_SHARE_LIMIT * self.account_count()? as f64
        {
            Accounts::Touched
        } else {
            Accounts::All
        };
        let scope = match (from, range) {
            (Some(from), Some((first, _)))
                if from > first && sources.iter().all(|p| p.source != "account") =>
            {
                Some(Scope {
                    from,
                    subscriptions: sources.iter().any(|p| p.source == "subscription"),
                    accounts,
                    measures: measures_of(sources.iter().map(|p| p.source.as_str())),
                })
            }
            _ => None,
        };
        let only_values = sources.iter().all(|p| p.source == "metric_value");
        let refreshed = self.with_refresh_settings(|store| match (scope, only_values) {
            (None, _) => store.refresh_in(None, stage),
            (Some(scope), true) => {
                stage(STAGE_ROLLUPS);
                let rollup = store.refresh_rollups_in(Some(scope))?;
                Ok(Refresh {
                    rollup,
                    derived: None,
                    elapsed: rollup.elapsed,
                })
            }
            (Some(scope), false) => store.refresh_in(Some(scope), stage),
        })?;
        self.settle(&pending)?;
        Ok(Some(refreshed))
    }

    fn account_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM account", [], |r| r.get(0))
            .context("counting accounts")
    }

    /// The derived tables: all of them (`scope` None), or from `scope.from` on (see
    /// `refresh_pending`). On both cores when it refreshes every account of a store file
    /// (`store::lanes`).
    fn refresh_in(&mut self, scope: Option<Scope>, stage: &mut dyn FnMut(&'static str)) -> Result<Refresh> {
        let started = Instant::now();
        let accounts = scope.map_or(Accounts::All, |s| s.accounts);
        // The backtest ranks months up to 3 before the last by their signals (raw rows dated up
        // to then) and looks at churn after them (the subscriptions); the indicator outcomes
        // observe the same months. Later answers, tickets or invoices change neither.
        let range = self.period_range()?;
        let tested_changed = match scope {
            None => true,
            Some(scope) => {
                range.is_some_and(|(_, last)| scope.subscriptions || scope.from <= last.offset(-3))
            }
        };
        // The backtest ranks every account: it needs them all. The signals of the months before
        // the scope's first rest on rows and derived months this refresh leaves as they are.
        let signals = if tested_changed {
            self.signal_plan(true, Accounts::All, scope.map(|s| s.from))?
        } else {
            self.signal_plan(false, accounts, None)?
        };
        // None: the stored outcomes stay; Some(None): there is no month to observe.
        let observed = tested_changed.then(|| indicators::observed_months(range));
        let second = match signals.accounts() {
            Accounts::All => lanes::second_connection(self)?,
            Accounts::Touched => None,
        };
        if second.is_some() {
            super::share_sort_workers(&self.conn, 2)?;
        }
        let tiers_from = scope.map(|s| s.from);
        // The tiers' facts that rest on the raw rows alone: read by the side lane if it has
        // the time before the main lane needs them (`lanes::Either`), else by the tiers.
        let raw_tier_facts = lanes::Either::new();
        let tier_range = match (&second, accounts) {
            (Some(_), Accounts::All) => self.tier_range(tiers_from)?,
            _ => None,
        };
        // Where each lane is, in the log (--verbose): whether the lanes end together, or which
        // one the refresh waits for.
        let mark =
            |step: &str| tracing::debug!(ms = started.elapsed().as_millis() as u64, step, "refresh lane");
        let mut main = |reached: &dyn Fn(lanes::Milestone)| {
            stage(STAGE_ROLLUPS);
            let rollup = self.refresh_rollups_in(scope)?;
            reached(lanes::Milestone::AccountMonths);
            mark("main: account months");
            release_freed_memory();
            stage(STAGE_TIERS);
            let given = raw_tier_facts.take();
            let tiers = self.evaluate_tiers_given(tiers_from, accounts, given)?;
            reached(lanes::Milestone::Tiers);
            mark("main: tiers");
            release_freed_memory();
            stage(STAGE_SIGNALS);
            Ok((rollup, tiers))
        };
        let side = |conn: &Connection, waiter: &lanes::Waiter| {
            // Each step's own time, without the waits.
            let (mut signals_took, mut indicators_took) = (Duration::ZERO, Duration::ZERO);
            // Temporary tables only, each group in one transaction: one snapshot of the rows
            // read, and no commit per statement.
            // The observations classified with the red indicators (one read of the tickets and
            // answers), counted once the account months say who stayed.
            let triage_signals::Raw {
                observations,
                backtest,
            } = lanes::in_transaction(conn, || {
                timed(&mut signals_took, || {
                    triage_signals::prepare(conn, &signals, observed.flatten())
                })
            })?;
            mark("side: prepared");
            // The usage walk's and the classification's working memory, freed while the main
            // lane's peak (the tiers) is still to come.
            release_freed_memory();
            if let Some(range) = tier_range {
                raw_tier_facts.offer(|| {
                    lanes::in_transaction(conn, || super::tier_eval::raw_facts(conn, range, Accounts::All))
                })?;
            }
            mark("side: raw tier facts offered");
            waiter.until(lanes::Milestone::AccountMonths)?;
            mark("side: waited for account months");
            let (counts, prepared) = lanes::in_transaction(conn, || {
                let counts = timed(&mut indicators_took, || {
                    observed
                        .map(|months| match months {
                            Some(months) => indicators::count_outcomes(conn, months, &observations),
                            None => Ok(indicators::Counts::new()),
                        })
                        .transpose()
                })?;
                let prepared = timed(&mut signals_took, || {
                    triage_signals::add_account_month_signals(conn, &signals, backtest)
                })?;
                Ok((counts, prepared))
            })?;
            mark("side: counted, account-month signals");
            drop(observations);
            release_freed_memory();
            waiter.until(lanes::Milestone::Tiers)?;
            mark("side: waited for tiers");
            timed(&mut signals_took, || {
                triage_signals::write(conn, &signals, prepared)
            })?;
            mark("side: signals written");
            if let Some(counts) = &counts {
                timed(&mut indicators_took, || indicators::write_outcomes(conn, counts))?;
            }
            mark("side: outcomes written");
            Ok((signals_took, indicators_took))
        };
        let alongside = second.is_some();
        let ((rollup, tiers), (signals, indicators)) = match second {
            Some(second) => lanes::alongside(second, main, side)?,
            None => {
                let written = main(&|_| {})?;
                (written, side(&self.conn, &lanes::Waiter::ready())?)
            }
        };
        release_freed_memory();
        Ok(Refresh {
            rollup,
            derived: Some(Derived {
                tiers,
                signals,
                indicators,
                alongside,
            }),
            elapsed: started.elapsed(),
        })
    }

    fn with_refresh_settings(
        &mut self,
        refresh: impl FnOnce(&mut Self) -> Result<Refresh>,
    ) -> Result<Refresh> {
        super::parallel_sorts(&self.conn, true)?;
        let refreshed = refresh(self);
        super::parallel_sorts(&self.conn, false)?;
        refreshed
    }

    /// The first and last month of the store's data, if it holds any.
    pub fn period_range(&self) -> Result<Option<(Period, Period)>> {
        // Both settings present: no need to scan the dated tables (the first frame waits on this).
        let setting = |key| -> Result<Option<Period>> { Ok(self.setting(key)?.and_then(|v| v.parse().ok())) };
        if let (Some(first), Some(last)) = (setting("first_period")?, setting("as_of")?)
            && first <= last
        {
            return Ok(Some((first, last)));
        }
        let (first, last): (Option<String>, Option<String>) = self
            .conn
            .query_row(RANGE_SQL, [], |row| Ok((row.get(0)?, row.get(1)?)))
            .context("reading the store's months")?;
        Ok(match (first, last) {
            (Some(first), Some(last)) => match (first.parse::<Period>(), last.parse::<Period>()) {
                (Ok(first), Ok(last)) if first <= last => Some((first, last)),
                _ => None,
            },
            _ => None,
        })
    }

    /// Recomputes account months, the HVC flags and every metric's rollup, in one transaction.
    pub fn refresh_rollups(&mut self) -> Result<RollupStats> {
        self.refresh_rollups_in(None)
    }

    /// Recomputes the rollups of every month (`scope` None) or only of the months from a
    /// scope's first on, and the account months and HVC flags too when subscriptions changed.
    /// Every figure of a month rests on rows dated in that month (and account months on the
    /// subscriptions alone), so the months before stay right.
    pub(crate) fn refresh_rollups_in(&mut self, scope: Option<Scope>) -> Result<RollupStats> {
        let started = Instant::now();
        let range = self.period_range()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the rollup")?;
        let (mut account_months, mut rollup_rows) = (0, 0);
        // The months computed again.
        let mut months = None;
        match range {
            Some((range_first, range_last)) if scope.is_none_or(|s| s.from <= range_last) => {
                // execute_batch takes no parameters: bind the range through a one-row temp table.
                // Account months start early enough for the longest tier window: MRR before the
                // store's first month is real history, not zero.
                let window: i64 = tx
                    .query_row("SELECT coalesce(max(window_months), 1) FROM tier", [], |r| {
                        r.get(0)
                    })
                    .context("reading the tier windows")?;
                let history_start = range_first.offset(1 - window.clamp(1, 120) as i32);
                // The months recomputed, and the floor of the rows replaced ('' for all).
                let (first, floor) = match scope {
                    Some(scope) => (
                        scope.from.max(range_first),
                        scope.from.max(range_first).to_string(),
                    ),
                    None => (range_first, String::new()),
                };
                months = Some((first, range_last));
                tx.execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS rollup_range (first TEXT, last TEXT, floor TEXT);
                     DELETE FROM temp.rollup_range;",
                )
                .context("preparing the rollup")?;
                tx.execute(
                    "INSERT INTO temp.rollup_range VALUES (?1, ?2, ?3)",
                    [&first.to_string(), &range_last.to_string(), &floor],
                )
                .context("preparing the rollup")?;
                tx.execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS rollup_measure (measure TEXT PRIMARY KEY) WITHOUT ROWID;
                     DELETE FROM temp.rollup_measure;",
                )
                .context("preparing the rollup")?;
                for (i, (measure, _)) in MEASURES.iter().enumerate() {
                    if scope.is_none_or(|s| s.measures & (1 << i) != 0) {
                        tx.execute("INSERT INTO temp.rollup_measure VALUES (?1)", [measure])
                            .context("preparing the rollup")?;
                    }
                }
                let bind = |sql: &str| {
                    sql.replace("?1", "(SELECT first FROM temp.rollup_range)")
                        .replace("?2", "(SELECT last FROM temp.rollup_range)")
                        .replace("?3", "(SELECT floor FROM temp.rollup_range)")
                };
                // Account months and HVC flags rest on the subscriptions alone.
                if scope.is_none_or(|s| s.subscriptions) {
                    let (from, keep_before) = match scope {
                        None => (history_start, false),
                        Some(_) => (first, true),
                    };
                    account_months = super::account_month::refresh(&tx, from, range_last, keep_before)?;
                    tx.execute_batch(LATEST_HVC_SQL)
                        .context("applying the HVC rule")?;
                }
                tx.execute_batch(FACTS_SETUP_SQL)
                    .context("computing metric facts")?;
                super::facts::fill(&tx, &first.to_string(), scope.is_none())?;
                tx.execute_batch(&bind(FACTS_SQL))
                    .context("computing metric facts")?;
                tx.execute_batch(&bind(ROLLUP_SQL)).context("writing rollups")?;
                rollup_rows = tx
                    .query_row("SELECT count(*) FROM rollup", [], |r| r.get(0))
                    .context("counting rollups")?;
            }
            Some(_) => {}
            None => {
                tx.execute_batch(
                    "DELETE FROM account_month; DELETE FROM rollup; UPDATE account SET hvc = 0;",
                )
                .context("clearing rollups")?;
            }
        }
        tx.commit().context("committing the rollup")?;
        Ok(RollupStats {
            first: months.map(|r| r.0),
            last: months.map(|r| r.1),
            account_months,
            rollup_rows,
            elapsed: started.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{MEASURES, measures_of};

    fn names(bits: u32) -> Vec<&'static str> {
        MEASURES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, (m, _))| *m)
            .collect()
    }

    #[test]
    fn answers_and_invoices_reach_their_own_facts_only() {
        assert_eq!(
            names(measures_of(["survey_response", "invoice"].into_iter())),
            ["nps", "csat", "ces", "on_time_payment"]
        );
        assert_eq!(
            names(measures_of(["ticket"].into_iter())),
            ["first_response_hours", "resolution_hours", "tickets_per_100"]
        );
        assert!(names(measures_of(["metric_value"].into_iter())).is_empty());
    }

    #[test]
    fn a_refresh_names_its_steps_as_they_start() {
        let mut store = crate::store::Store::open_in_memory().unwrap();
        let params = crate::demo::DemoParams {
            accounts: 30,
            months: 6,
            seed: 1,
            as_of: "2026-06".parse().unwrap(),
        };
        let mut steps = Vec::new();
        crate::demo::generate_reporting(&mut store, &params, &mut |s| steps.push(s)).unwrap();
        assert_eq!(
            steps,
            [
                crate::demo::STAGE_GENERATE,
                crate::demo::STAGE_INDEXES,
                super::STAGE_ROLLUPS,
                super::STAGE_TIERS,
                super::STAGE_SIGNALS
            ]
        );
    }

    #[test]
    fn subscriptions_reach_every_fact() {
        assert_eq!(
            names(measures_of(["ticket", "subscription"].into_iter())).len(),
            MEASURES.len()
        );
    }
}
