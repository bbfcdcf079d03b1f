//! Churn and revenue retention reads: monthly figures from the precomputed `churn_month`,
//! whole windows from `account_month` at the window's two ends, and the churn events behind them.

use rusqlite::params;
use serde::Serialize;

use crate::domain::Period;
use crate::domain::retention::{Retention, RetentionSums};
use crate::error::{Result, SqlContext};

use super::Store;
use super::churn_reads::is_precomputed_segment;

/// One group of churned accounts (a phase, a root cause, a reason).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnGroup {
    pub key: String,
    pub accounts: u64,
    pub mrr_lost: f64,
    /// The most frequent reasons within the group, most frequent first, with their counts.
    pub top_reasons: Vec<(String, u64)>,
}

/// An account the window's figures count as churned (active on its first day, not on the day
/// after its last), annotated by its churn event in the window when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnedAccount {
    pub account_id: String,
    pub name: String,
    /// The day its last subscription ended (the first day it was no longer active).
    pub churned_on: Option<String>,
    /// Its MRR on the window's first day: what the figures count as churned MRR.
    pub mrr_lost: f64,
    /// The phase its churn event names, and that phase's journey.
    pub phase: Option<String>,
    pub journey: Option<String>,
    /// None: no churn event recorded for it in the window.
    pub root_cause: Option<String>,
    pub reason: Option<String>,
    pub tenure_months: i64,
}

/// What the breakdowns say of an account without a churn event.
pub const NO_REASON: &str = "no reason recorded";
/// The phase breakdown's key for an account whose event names no phase (or without an event).
pub const NO_PHASE: &str = "(no phase recorded)";

impl ChurnedAccount {
    /// The phase breakdown's key: "Journey: Phase".
    pub fn phase_key(&self) -> String {
        match (&self.journey, &self.phase) {
            (Some(j), Some(p)) => format!("{j}: {p}"),
            (None, Some(p)) => p.clone(),
            _ => NO_PHASE.to_string(),
        }
    }

    /// The cause breakdown's key.
    pub fn cause_key(&self) -> &str {
        self.root_cause.as_deref().unwrap_or(NO_REASON)
    }
}

/// A churn event in the window whose account the figures do not count as churned, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnAside {
    pub account_id: String,
    pub name: String,
    pub churned_on: String,
    pub root_cause: String,
    /// `started_and_left` (not active on the window's first day, started within it),
    /// `still_active` (active the day after the window), `not_active_at_start` (had left before).
    pub why: &'static str,
}

impl ChurnAside {
    pub fn why_text(&self) -> &'static str {
        match self.why {
            "started_and_left" => "started and left within the window",
            "still_active" => "still active after the window",
            _ => "not active when the window began",
        }
    }
}

/// "3 churn events outside the figures: 2 started and left within the window, 1 still active".
pub fn describe_aside(aside: &[ChurnAside]) -> String {
    let mut tally = AsideTally::default();
    for a in aside {
        tally.add(a);
    }
    tally.describe()
}

/// `describe_aside` counted one event at a time, so that the events need not be held.
#[derive(Debug, Default)]
pub struct AsideTally {
    counts: Vec<(&'static str, usize)>,
    total: usize,
}

impl AsideTally {
    pub fn add(&mut self, a: &ChurnAside) {
        self.total += 1;
        match self.counts.iter_mut().find(|(w, _)| *w == a.why_text()) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((a.why_text(), 1)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = self.counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
        format!(
            "{} churn event{} outside the figures: {}",
            self.total,
            if self.total == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

/// What the churned accounts are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnBy {
    /// "Journey: Phase" of the churn event (`ChurnedAccount::phase_key`).
    Phase,
    /// The event's root cause, or "no reason recorded" (`ChurnedAccount::cause_key`).
    Cause,
}

impl ChurnBy {
    pub fn key(self, account: &ChurnedAccount) -> String {
        match self {
            ChurnBy::Phase => account.phase_key(),
            ChurnBy::Cause => account.cause_key().to_string(),
        }
    }
}

/// Groups churned accounts by a key (phase or cause), most accounts first, with each group's
/// MRR lost and its three most frequent reasons: the counts add up to the accounts given.
pub fn group_churned(accounts: &[ChurnedAccount], by: ChurnBy) -> Vec<ChurnGroup> {
    let mut grouping = Grouping::default();
    for account in accounts {
        grouping.add(account, by);
    }
    grouping.finish()
}

/// `group_churned` one account at a time, so that the accounts need not be held.
#[derive(Default)]
struct Grouping {
    groups: Vec<ChurnGroup>,
    reasons: Vec<std::collections::BTreeMap<String, u64>>,
}

impl Grouping {
    fn add(&mut self, account: &ChurnedAccount, by: ChurnBy) {
        let Grouping { groups, reasons } = self;
        let k = by.key(account);
        let i = match groups.iter().position(|g| g.key == k) {
            Some(i) => i,
            None => {
                groups.push(ChurnGroup {
                    key: k,
                    accounts: 0,
                    mrr_lost: 0.0,
                    top_reasons: Vec::new(),
                });
                reasons.push(Default::default());
                groups.len() - 1
            }
        };
        groups[i].accounts += 1;
        groups[i].mrr_lost += account.mrr_lost;
        if let Some(reason) = account.reason.as_ref().filter(|r| !r.is_empty()) {
            *reasons[i].entry(reason.clone()).or_default() += 1;
        }
    }

    fn finish(self) -> Vec<ChurnGroup> {
        let Grouping { mut groups, reasons } = self;
        for (group, counts) in groups.iter_mut().zip(reasons) {
            let mut top: Vec<(String, u64)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            top.truncate(3);
            group.top_reasons = top;
        }
        groups.sort_by(|a, b| b.accounts.cmp(&a.accounts).then_with(|| a.key.cmp(&b.key)));
        groups
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub cohort: String,
    pub size: u64,
    /// Share of the cohort active at the end of its month 0, 1, 2, ... (up to the store's last month).
    pub retained: Vec<f64>,
}

/// The parameters of a window's churn queries, with the condition on account `a` that keeps a
/// segment of a journey: ?1 and ?2 the window's first and last month (their `account_month`
/// rows), ?3 and ?4 the segment's values (`segment_condition`), ?5 and ?6 the window's first day
/// and the first day after it (a churn event of the window falls in (?5, ?6]: active on the first
/// day, not on the day after the last), ?7 the journey ('' for every journey).
fn window_args(journey: Option<&str>, segment: &str, from: Period, to: Period) -> (String, Vec<String>) {
    let (condition, mut extra) = segment_condition(segment, from);
    extra.resize(2, String::new());
    let mut args = vec![from.to_string(), to.to_string()];
    args.extend(extra);
    args.push(from.first_day().to_string());
    args.push(to.next().first_day().to_string());
    args.push(journey.unwrap_or_default().to_string());
    (format!("({condition}) AND {JOURNEY_7}"), args)
}

/// The account `a` is of the journey in ?7 ('': every journey).
const JOURNEY_7: &str = "(?7 = '' OR a.journey_id = ?7)";

const HVC_AT_START: &str = "coalesce((SELECT h.hvc FROM account_month h WHERE h.account_id = a.account_id AND h.period = ?1), 0) = 1";
const REGULAR_AT_START: &str = "coalesce((SELECT h.hvc FROM account_month h WHERE h.account_id = a.account_id AND h.period = ?1), 0) = 0";

/// The condition on account `a` that keeps one segment ('all', 'hvc', 'regular', 'size:*',
/// 'industry:*', 'journey:*', 'tier:*' as held at the end of the month before `from`), and the
/// parameters after the window's two dates (?3, ?4).
fn segment_condition(segment: &str, from: Period) -> (&'static str, Vec<String>) {
    let value = |prefix: &str| segment.strip_prefix(prefix).map(str::to_string);
    // HVC as decided for the window's first month (`account_month.hvc`).
    if segment == "hvc" {
        (HVC_AT_START, vec![])
    } else if segment == "regular" {
        (REGULAR_AT_START, vec![])
    } else if let Some(size) = value("size:") {
        ("a.company_size = ?3", vec![size])
    } else if let Some(industry) = value("industry:") {
        ("a.industry = ?3", vec![industry])
    } else if let Some(journey) = value("journey:") {
        ("a.journey_id = ?3", vec![journey])
    } else if let Some(tier) = value("tier:") {
        (
            "coalesce((SELECT t.held_tier FROM account_tier t WHERE t.period = ?4 AND t.account_id = a.account_id), 'none') = ?3",
            vec![tier, from.prev().to_string()],
        )
    } else {
        ("1 = 1", vec![])
    }
}

/// The accounts a window's figures count as churned, from the raw rows: active on its first day
/// (`account_month` of ?1), not on the day after its last (of ?2). The churn day is the last end
/// of a subscription by then: a later return does not move it. ({condition}: `window_args`.)
const CHURNED_OF_WINDOW_SQL: &str = "
WITH churned AS (
    SELECT s.account_id, s.mrr_start FROM account_month s
    LEFT JOIN account_month e ON e.account_id = s.account_id AND e.period = ?2
    WHERE s.period = ?1 AND s.mrr_start IS NOT NULL AND e.mrr_end IS NULL)
SELECT ch.account_id, a.name, ch.mrr_start,
       (SELECT max(x.end_date) FROM subscription x WHERE x.account_id = ch.account_id AND x.end_date <= ?6),
       (SELECT min(x.start_date) FROM subscription x WHERE x.account_id = ch.account_id),
       p.name, j.name, c.root_cause, c.reason
FROM churned ch JOIN account a ON a.account_id = ch.account_id
LEFT JOIN churn_event c ON c.account_id = ch.account_id AND c.churned_on =
    (SELECT max(c2.churned_on) FROM churn_event c2
     WHERE c2.account_id = ch.account_id AND c2.churned_on > ?5 AND c2.churned_on <= ?6)
LEFT JOIN phase p ON p.phase_id = c.phase_id
LEFT JOIN journey j ON j.journey_id = p.journey_id
WHERE {condition}
ORDER BY ch.mrr_start DESC, ch.account_id";

/// `CHURNED_OF_WINDOW_SQL` for a window of one month, read from what the refresh stored
/// (`churned_account`): the same rows in the same order.
const CHURNED_OF_MONTH_SQL: &str = "
SELECT ch.account_id, a.name, ch.mrr_lost, ch.churned_on, ch.first_start,
       p.name, j.name, c.root_cause, c.reason
FROM churned_account ch JOIN account a ON a.account_id = ch.account_id
LEFT JOIN churn_event c ON c.account_id = ch.account_id AND c.churned_on = ch.event_on
LEFT JOIN phase p ON p.phase_id = c.phase_id
LEFT JOIN journey j ON j.journey_id = p.journey_id
WHERE ch.period = ?1 AND {condition}
ORDER BY ch.mrr_lost DESC, ch.account_id";

/// The order of a churn breakdown by segment: 'all', HVC and regular, then the others by name
/// (tier groups last, as 'tier:' sorts after every other prefix).
const SEGMENT_ORDER: &str =
    "ORDER BY CASE WHEN segment = 'all' THEN 0 WHEN segment IN ('hvc', 'regular') THEN 1 ELSE 2 END, segment";

impl Store {
    /// Each month's churn and retention for one segment; a month with no active account has
    /// figures of zero accounts (rates absent).
    pub fn churn_months(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<(Period, Retention)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT period, n_start, n_churned, start_mrr, churned_mrr, contraction_mrr, expansion_mrr
                 FROM churn_month WHERE journey_id = ?4 AND segment = ?1 AND period BETWEEN ?2 AND ?3",
            )
            .context("reading churn")?;
        let mut found = std::collections::HashMap::new();
        let rows = stmt
            .query_map(
                params![
                    segment,
                    from.to_string(),
                    to.to_string(),
                    journey.unwrap_or_default()
                ],
                |r| Ok((r.get::<_, String>(0)?, sums_from_row(r, 1)?)),
            )
            .context("reading churn")?;
        for row in rows {
            let (period, sums) = row.context("reading churn")?;
            found.insert(period, sums);
        }
        Ok(from
            .through(to)
            .map(|p| {
                let sums = found.get(&p.to_string()).copied().unwrap_or_default();
                (p, Retention::from_sums(sums))
            })
            .collect())
    }

    /// The whole window [first day of `from`, first day after `to`), per segment
    /// ('all', 'hvc'/'regular', 'size:*', 'industry:*', 'journey:*', and 'tier:*' by the loyalty
    /// tier held at the end of the month before the window, 'tier:none' without one).
    pub fn churn_window_by_segment(
        &self,
        journey: Option<&str>,
        from: Period,
        to: Period,
    ) -> Result<Vec<(String, Retention)>> {
        if from == to && self.is_precomputed_month(from)? {
            return self.churn_month_by_segment(journey, from);
        }
        self.churn_window_by_segment_from_rows(journey, from, to)
    }

    /// One month's `churn_window_by_segment` as the refresh stored it: the month's segments,
    /// then the tier groups of all its accounts, by name (as the rows' statement orders them).
    fn churn_month_by_segment(
        &self,
        journey: Option<&str>,
        period: Period,
    ) -> Result<Vec<(String, Retention)>> {
        let what = "reading churn by segment";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT segment, n_start, n_churned, start_mrr, churned_mrr, contraction_mrr, expansion_mrr
                 FROM churn_month WHERE journey_id = ?1 AND period = ?2
                 {SEGMENT_ORDER}"
            ))
            .context(what)?;
        let rows = stmt
            .query_map(params![journey.unwrap_or_default(), period.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, Retention::from_sums(sums_from_row(r, 1)?)))
            })
            .context(what)?;
        let mut segments: Vec<(String, Retention)> = rows.collect::<rusqlite::Result<_>>().context(what)?;
        let mut tiers = self.churn_month_by_tier(journey, "all", period)?;
        tiers.sort_by(|a, b| a.0.cmp(&b.0));
        segments.extend(tiers);
        Ok(segments)
    }

    /// `churn_window_by_segment` from the raw rows.
    fn churn_window_by_segment_from_rows(
        &self,
        journey: Option<&str>,
        from: Period,
        to: Period,
    ) -> Result<Vec<(String, Retention)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                &format!("WITH s AS (SELECT account_id, mrr_start, hvc FROM account_month WHERE period = ?1 AND mrr_start IS NOT NULL),
                      e AS (SELECT account_id, mrr_end FROM account_month WHERE period = ?2),
                      w AS MATERIALIZED (SELECT a.account_id, s.hvc, a.company_size, a.industry, a.journey_id,
                                   coalesce(t.held_tier, 'none') AS tier, s.mrr_start, e.mrr_end
                            FROM s JOIN account a ON a.account_id = s.account_id
                            LEFT JOIN e ON e.account_id = s.account_id
                            LEFT JOIN account_tier t ON t.period = ?3 AND t.account_id = s.account_id
                            WHERE ?4 = '' OR a.journey_id = ?4),
                      g AS (SELECT 'all' AS segment, * FROM w
                            UNION ALL SELECT CASE hvc WHEN 1 THEN 'hvc' ELSE 'regular' END, * FROM w
                            UNION ALL SELECT 'size:' || company_size, * FROM w WHERE company_size <> 'unknown'
                            UNION ALL SELECT 'industry:' || industry, * FROM w WHERE industry <> ''
                            UNION ALL SELECT 'journey:' || journey_id, * FROM w WHERE journey_id IS NOT NULL
                            UNION ALL SELECT 'tier:' || tier, * FROM w)
                 SELECT segment, count(*), sum(mrr_end IS NULL), sum(mrr_start),
                        coalesce(sum(CASE WHEN mrr_end IS NULL THEN mrr_start END), 0),
                        coalesce(sum(CASE WHEN mrr_end < mrr_start THEN mrr_start - mrr_end END), 0),
                        coalesce(sum(CASE WHEN mrr_end > mrr_start THEN mrr_end - mrr_start END), 0)
                 FROM g GROUP BY segment
                 {SEGMENT_ORDER}"),
            )
            .context("reading the churn window")?;
        let rows = stmt
            .query_map(
                params![
                    from.to_string(),
                    to.to_string(),
                    from.prev().to_string(),
                    journey.unwrap_or_default()
                ],
                |r| Ok((r.get::<_, String>(0)?, Retention::from_sums(sums_from_row(r, 1)?))),
            )
            .context("reading the churn window")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the churn window")
    }

    /// The whole window by the loyalty tier held at the end of the month before it ('tier:<id>',
    /// 'tier:none' without one), for the accounts of one segment, lowest rank first ('none'
    /// before every tier).
    pub fn churn_window_by_tier(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<(String, Retention)>> {
        if from == to && is_precomputed_segment(segment) && self.is_precomputed_month(from)? {
            return self.churn_month_by_tier(journey, segment, from);
        }
        self.churn_window_by_tier_from_rows(journey, segment, from, to)
    }

    /// `churn_window_by_tier` from the raw rows.
    fn churn_window_by_tier_from_rows(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<(String, Retention)>> {
        let (condition, args) = window_args(journey, segment, from, to);
        let sql = format!(
            "WITH w AS (SELECT coalesce(t.held_tier, 'none') AS tier, s.mrr_start, e.mrr_end
                        FROM account_month s JOIN account a ON a.account_id = s.account_id
                        LEFT JOIN account_month e ON e.account_id = s.account_id AND e.period = ?2
                        LEFT JOIN account_tier t ON t.period = ?8 AND t.account_id = s.account_id
                        WHERE s.period = ?1 AND s.mrr_start IS NOT NULL AND {condition})
             SELECT 'tier:' || w.tier, count(*), sum(mrr_end IS NULL), sum(mrr_start),
                    coalesce(sum(CASE WHEN mrr_end IS NULL THEN mrr_start END), 0),
                    coalesce(sum(CASE WHEN mrr_end < mrr_start THEN mrr_start - mrr_end END), 0),
                    coalesce(sum(CASE WHEN mrr_end > mrr_start THEN mrr_end - mrr_start END), 0)
             FROM w LEFT JOIN tier r ON r.tier_id = w.tier
             GROUP BY w.tier ORDER BY coalesce(r.rank, 0), w.tier"
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("reading churn by tier")?;
        let mut args = args;
        args.push(from.prev().to_string());
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, String>(0)?, Retention::from_sums(sums_from_row(r, 1)?)))
            })
            .context("reading churn by tier")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading churn by tier")
    }

    /// `churn_window_by_tier` of one month, as the tier evaluation stored it.
    fn churn_month_by_tier(
        &self,
        journey: Option<&str>,
        segment: &str,
        period: Period,
    ) -> Result<Vec<(String, Retention)>> {
        let what = "reading churn by tier";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT 'tier:' || m.tier, n_start, n_churned, start_mrr, churned_mrr, contraction_mrr, expansion_mrr
                 FROM churn_tier_month m LEFT JOIN tier r ON r.tier_id = m.tier
                 WHERE m.journey_id = ?1 AND m.segment = ?2 AND m.period = ?3
                 ORDER BY coalesce(r.rank, 0), m.tier",
            )
            .context(what)?;
        let rows = stmt
            .query_map(
                params![journey.unwrap_or_default(), segment, period.to_string()],
                |r| Ok((r.get::<_, String>(0)?, Retention::from_sums(sums_from_row(r, 1)?))),
            )
            .context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    /// Whether the refresh stored the churn pane's figures of `period` (the months of the
    /// store's range).
    fn is_precomputed_month(&self, period: Period) -> Result<bool> {
        Ok(self
            .period_range()?
            .is_some_and(|(first, last)| first <= period && period <= last))
    }

    /// The segments with accounts active at the start of `period` (of a journey, or of all),
    /// as `churn_window_by_segment` orders them: 'all', HVC and regular, then the others by
    /// name (no tier segments: those are per window).
    pub fn churn_segments(&self, journey: Option<&str>, period: Period) -> Result<Vec<String>> {
        let what = "reading the churn segments";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT segment FROM churn_month WHERE journey_id = ?1 AND period = ?2
                 {SEGMENT_ORDER}"
            ))
            .context(what)?;
        let rows = stmt
            .query_map(params![journey.unwrap_or_default(), period.to_string()], |r| {
                r.get(0)
            })
            .context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    /// Churned accounts of the window grouped by the phase they left in ('(no phase)' when unknown).
    pub fn churn_by_phase(&self, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_groups_in(None, "all", from, to, ChurnBy::Phase)
    }

    /// Churned accounts of the window grouped by root cause.
    pub fn churn_by_reason(&self, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_groups_in(None, "all", from, to, ChurnBy::Cause)
    }

    /// The churned accounts of the figures for a segment of a journey, grouped by the phase or
    /// the cause their churn event names.
    pub fn churn_groups_in(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
        by: ChurnBy,
    ) -> Result<Vec<ChurnGroup>> {
        let mut grouping = Grouping::default();
        self.churned_accounts_each(journey, segment, from, to, &mut |a| {
            grouping.add(&a, by);
            Ok(())
        })?;
        Ok(grouping.finish())
    }

    /// The accounts that churned in the window, largest MRR lost first.
    pub fn churned_accounts(&self, from: Period, to: Period) -> Result<Vec<ChurnedAccount>> {
        self.churned_accounts_in(None, "all", from, to)
    }

    /// The accounts of one segment the window's figures count as churned: active on the
    /// window's first day (MRR at the start of `from`) and not at the end of `to`, each with
    /// its MRR then as the MRR lost, and annotated by its last churn event in the window.
    pub fn churned_accounts_in(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<ChurnedAccount>> {
        let mut all = Vec::new();
        self.churned_accounts_each(journey, segment, from, to, &mut |a| {
            all.push(a);
            Ok(())
        })?;
        Ok(all)
    }

    /// `churned_accounts_in` handed to `f` one account at a time, in the same order: for
    /// listings that must not hold every account.
    pub fn churned_accounts_each(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
        f: &mut dyn FnMut(ChurnedAccount) -> Result<()>,
    ) -> Result<()> {
        let sql = if from == to && self.is_precomputed_month(from)? {
            CHURNED_OF_MONTH_SQL
        } else {
            CHURNED_OF_WINDOW_SQL
        };
        self.churned_accounts_with(sql, journey, segment, from, to, f)
    }

    /// `churned_accounts_each` with the statement given (`CHURNED_OF_MONTH_SQL` or
    /// `CHURNED_OF_WINDOW_SQL`).
    fn churned_accounts_with(
        &self,
        sql: &str,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
        f: &mut dyn FnMut(ChurnedAccount) -> Result<()>,
    ) -> Result<()> {
        let (condition, args) = window_args(journey, segment, from, to);
        let sql = sql.replace("{condition}", &condition);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .context("listing churned accounts")?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .context("listing churned accounts")?;
        let read = |r: &rusqlite::Row<'_>| {
            let churned_on: Option<String> = r.get(3)?;
            let first: Option<String> = r.get(4)?;
            let tenure = match (
                first.and_then(|f| f.parse().ok()),
                churned_on.as_deref().and_then(|c| c.parse().ok()),
            ) {
                (Some(first), Some(churned)) => crate::domain::tiers::whole_months(first, churned),
                _ => 0,
            };
            Ok(ChurnedAccount {
                account_id: r.get(0)?,
                name: r.get(1)?,
                churned_on,
                mrr_lost: r.get(2)?,
                phase: r.get(5)?,
                journey: r.get(6)?,
                root_cause: r.get(7)?,
                reason: r.get(8)?,
                tenure_months: tenure,
            })
        };
        while let Some(r) = rows.next().context("listing churned accounts")? {
            f(read(r).context("listing churned accounts")?)?;
        }
        Ok(())
    }

    /// The churn events of the window (for one segment) whose account the figures do not count
    /// as churned, with why: they are listed apart, never mixed into the figures.
    pub fn churn_events_aside(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<ChurnAside>> {
        let mut all = Vec::new();
        self.churn_events_aside_each(journey, segment, from, to, &mut |a| {
            all.push(a);
            Ok(())
        })?;
        Ok(all)
    }

    /// `churn_events_aside` handed to `f` one event at a time, in the same order.
    pub fn churn_events_aside_each(
        &self,
        journey: Option<&str>,
        segment: &str,
        from: Period,
        to: Period,
        f: &mut dyn FnMut(ChurnAside) -> Result<()>,
    ) -> Result<()> {
        let (condition, args) = window_args(journey, segment, from, to);
        let sql = format!(
            "SELECT c.account_id, a.name, c.churned_on, c.root_cause,
                    s.mrr_start IS NOT NULL, e.mrr_end IS NOT NULL,
                    (SELECT min(x.start_date) FROM subscription x WHERE x.account_id = c.account_id) >= ?5
             FROM churn_event c JOIN account a ON a.account_id = c.account_id
             LEFT JOIN account_month s ON s.account_id = c.account_id AND s.period = ?1
             LEFT JOIN account_month e ON e.account_id = c.account_id AND e.period = ?2
             WHERE c.churned_on > ?5 AND c.churned_on <= ?6 AND {condition}
               AND NOT (s.mrr_start IS NOT NULL AND e.mrr_end IS NULL)
             ORDER BY c.churned_on, c.account_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("listing churn events")?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .context("listing churn events")?;
        let read = |r: &rusqlite::Row<'_>| {
            let active_at_end: bool = r.get(5)?;
            let started_within: Option<bool> = r.get(6)?;
            Ok(ChurnAside {
                account_id: r.get(0)?,
                name: r.get(1)?,
                churned_on: r.get(2)?,
                root_cause: r.get(3)?,
                why: if active_at_end {
                    "still_active"
                } else if started_within == Some(true) {
                    "started_and_left"
                } else {
                    "not_active_at_start"
                },
            })
        };
        while let Some(r) = rows.next().context("listing churn events")? {
            f(read(r).context("listing churn events")?)?;
        }
        Ok(())
    }

    /// Accounts by the month their first subscription started, and the share still active at
    /// the end of each following month, up to `last` (as the tier evaluation counted them).
    pub fn cohorts(&self, from: Period, last: Period) -> Result<Vec<Cohort>> {
        let what = "reading cohorts";
        let args = params![from.to_string(), last.to_string()];
        let mut cohorts: Vec<Cohort> = Vec::new();
        let mut sizes = self
            .conn
            .prepare_cached(
                "SELECT cohort, accounts FROM cohort_size WHERE cohort BETWEEN ?1 AND ?2 ORDER BY cohort",
            )
            .context(what)?;
        for row in sizes
            .query_map(args, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .context(what)?
        {
            let (cohort, size) = row.context(what)?;
            let months = cohort
                .parse::<Period>()
                .map(|c| c.months_until(last) + 1)
                .unwrap_or(0)
                .max(0);
            cohorts.push(Cohort {
                cohort,
                size: size as u64,
                retained: vec![0.0; months as usize],
            });
        }
        let mut active = self
            .conn
            .prepare_cached(
                "SELECT cohort, period, active FROM cohort_month
                 WHERE cohort BETWEEN ?1 AND ?2 AND period <= ?2 ORDER BY cohort, period",
            )
            .context(what)?;
        let rows = active
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .context(what)?;
        for row in rows {
            let (cohort, period, active) = row.context(what)?;
            let (Ok(c), Ok(p)) = (cohort.parse::<Period>(), period.parse::<Period>()) else {
                continue;
            };
            if let Some(entry) = cohorts.iter_mut().find(|e| e.cohort == cohort)
                && let Some(slot) = entry.retained.get_mut(c.months_until(p) as usize)
            {
                *slot = active as f64 / entry.size.max(1) as f64;
            }
        }
        Ok(cohorts)
    }
}

fn sums_from_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<RetentionSums> {
    Ok(RetentionSums {
        n_start: r.get::<_, i64>(first)? as u64,
        n_churned: r.get::<_, i64>(first + 1)? as u64,
        start_mrr: r.get(first + 2)?,
        churned_mrr: r.get(first + 3)?,
        contraction_mrr: r.get(first + 4)?,
        expansion_mrr: r.get(first + 5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Store {
        crate::demo::test_store()
    }

    fn assert_same_figures(stored: &[(String, Retention)], raw: &[(String, Retention)], at: &str) {
        let keys = |v: &[(String, Retention)]| -> Vec<(String, u64, u64)> {
            v.iter()
                .map(|(k, r)| (k.clone(), r.n_start, r.n_churned))
                .collect()
        };
        assert_eq!(keys(stored), keys(raw), "{at}");
        for ((key, s), (_, r)) in stored.iter().zip(raw) {
            for (a, b) in [
                (s.start_mrr, r.start_mrr),
                (s.churned_mrr, r.churned_mrr),
                (s.contraction_mrr, r.contraction_mrr),
                (s.expansion_mrr, r.expansion_mrr),
            ] {
                assert!((a - b).abs() < 1e-6, "{at} {key}: {a} against {b}");
            }
        }
    }

    /// What the tier evaluation stores for the churn pane must read, month by month, as the raw
    /// rows do (the statements every window of several months uses).
    #[test]
    fn each_months_stored_churn_reads_as_the_raw_rows_do() {
        let (churned, tiers) = assert_stored_churn_reads_as_the_raw_rows(&demo());
        assert!(churned > 200, "the demo churns: {churned}");
        assert!(tiers > 200, "the demo's accounts hold tiers: {tiers}");
    }

    /// Without a loyalty ladder the tier evaluation walks no month: the refresh computes the
    /// churn tables from the rows.
    #[test]
    fn a_store_without_tiers_stores_the_same_churn_reads() {
        let mut store = demo();
        store.conn.execute_batch("DELETE FROM tier").unwrap();
        store.refresh().unwrap();
        let (churned, tiers) = assert_stored_churn_reads_as_the_raw_rows(&store);
        assert!(churned > 200, "the demo churns: {churned}");
        assert_eq!(tiers, 0);
    }

    /// Checks every month, journey and segment; returns the churned accounts and the tier
    /// groups seen.
    fn assert_stored_churn_reads_as_the_raw_rows(store: &Store) -> (usize, usize) {
        let (first, last) = store.period_range().unwrap().unwrap();
        let (mut churned_seen, mut tiers_seen) = (0, 0);
        for journey in [None, Some("sme-broadband"), Some("cloud-security")] {
            for period in first.through(last) {
                let segments = store.churn_segments(journey, period).unwrap();
                assert!(segments.len() > 5, "{period}: {segments:?}");
                for segment in &segments {
                    let at = format!("{journey:?} {period} {segment}");
                    let stored = store
                        .churned_accounts_in(journey, segment, period, period)
                        .unwrap();
                    let mut raw = Vec::new();
                    store
                        .churned_accounts_with(
                            CHURNED_OF_WINDOW_SQL,
                            journey,
                            segment,
                            period,
                            period,
                            &mut |a| {
                                raw.push(a);
                                Ok(())
                            },
                        )
                        .unwrap();
                    assert_eq!(stored, raw, "{at}");
                    churned_seen += stored.len();
                    let stored = store
                        .churn_window_by_tier(journey, segment, period, period)
                        .unwrap();
                    let raw = store
                        .churn_window_by_tier_from_rows(journey, segment, period, period)
                        .unwrap();
                    assert_same_figures(&stored, &raw, &at);
                    tiers_seen += stored.iter().filter(|(k, _)| k != "tier:none").count();
                }
                // The month's window by segment, tier groups included, as the rows give it.
                let at = format!("{journey:?} {period} by segment");
                let raw = store
                    .churn_window_by_segment_from_rows(journey, period, period)
                    .unwrap();
                let stored = store.churn_window_by_segment(journey, period, period).unwrap();
                assert_same_figures(&stored, &raw, &at);
                // The segments are those with accounts at the month's start, in the window
                // breakdown's order.
                let window: Vec<String> = raw
                    .into_iter()
                    .map(|(s, _)| s)
                    .filter(|s| !s.starts_with("tier:"))
                    .collect();
                assert_eq!(segments, window, "{journey:?} {period}");
            }
        }
        (churned_seen, tiers_seen)
    }

    #[test]
    fn the_stored_cohorts_are_those_of_the_subscriptions() {
        let store = demo();
        let (first, last) = store.period_range().unwrap().unwrap();
        let stored = store.cohorts(first, last).unwrap();
        // Counted from the rows: each account's first start, and its months active at the end.
        let mut raw: Vec<Cohort> = Vec::new();
        let mut stmt = store
            .conn
            .prepare(
                "WITH f AS (SELECT account_id, substr(min(start_date), 1, 7) AS cohort FROM subscription
                            GROUP BY account_id HAVING cohort BETWEEN ?1 AND ?2)
                 SELECT f.cohort, count(*) OVER (PARTITION BY f.cohort), am.period
                 FROM f LEFT JOIN account_month am ON am.account_id = f.account_id
                   AND am.mrr_end IS NOT NULL AND am.period BETWEEN f.cohort AND ?2
                 ORDER BY f.cohort",
            )
            .unwrap();
        let rows: Vec<(String, i64, Option<String>)> = stmt
            .query_map([first.to_string(), last.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let mut sizes: std::collections::BTreeMap<String, (u64, Vec<u64>)> = Default::default();
        for (cohort, _, period) in &rows {
            let c: Period = cohort.parse().unwrap();
            let entry = sizes
                .entry(cohort.clone())
                .or_insert_with(|| (0, vec![0; c.months_until(last) as usize + 1]));
            if let Some(p) = period {
                entry.1[c.months_until(p.parse().unwrap()) as usize] += 1;
            }
        }
        // Each account once: its months are rows of its own.
        let accounts: std::collections::BTreeMap<String, u64> = store
            .conn
            .prepare(
                "SELECT cohort, count(*) FROM (SELECT substr(min(start_date), 1, 7) AS cohort FROM subscription
                 GROUP BY account_id) WHERE cohort BETWEEN ?1 AND ?2 GROUP BY cohort",
            )
            .unwrap()
            .query_map([first.to_string(), last.to_string()], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (cohort, (_, active)) in sizes {
            let size = accounts[&cohort];
            raw.push(Cohort {
                retained: active.iter().map(|n| *n as f64 / size as f64).collect(),
                cohort,
                size,
            });
        }
        assert!(raw.len() > 10, "the demo has cohorts: {}", raw.len());
        assert_eq!(stored, raw);
    }
}
