//! Does each indicator predict success? The store side: every account-month in which an
//! indicator has an account-level value is classified against the metric's target (green,
//! amber, red) and followed three months on (still active, or churned). The contingency counts
//! are computed by the refresh (`count_outcomes`, `write_outcomes`), so reading them is instant.
//! Also: touchpoint figures per phase and month (for every account or one segment), the
//! priority service of a phase's tickets (HVC against regular, and by loyalty tier: first
//! response, resolution and SLA attainment), and the survey comments behind them.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::domain::Period;
use crate::error::{Result, SqlContext};

use super::Store;
use super::indicator_values::Observations;

/// Status of value `v` against metric `m` (direction-aware, as domain::status).
const STATUS: &str = "CASE WHEN (CASE m.direction WHEN 'higher' THEN m.target - (V) ELSE (V) - m.target END) <= 0 THEN 'green'
      WHEN (CASE m.direction WHEN 'higher' THEN m.target - (V) ELSE (V) - m.target END) <= m.tolerance THEN 'amber'
      ELSE 'red' END";

/// Account-level observations: (metric, account, month, value expression, FROM/WHERE/GROUP BY).
/// Those of ticket times and survey answers are classified in memory (`indicator_values`).
const OBSERVATIONS: &[(&str, &str, &str)] = &[
    (
        "downtime",
        "u.downtime_hours",
        "FROM usage_month u JOIN account a ON a.account_id = u.account_id
         JOIN phase p ON p.journey_id = a.journey_id
         JOIN metric m ON m.phase_id = p.phase_id AND m.aggregation = 'downtime_hours'
         WHERE MK",
    ),
    (
        "lead times",
        "avg(julianday(s.start_date) - julianday(s.ordered_on))",
        "FROM subscription s JOIN account a ON a.account_id = s.account_id
         JOIN phase p ON p.journey_id = a.journey_id
         JOIN metric m ON m.phase_id = p.phase_id AND m.aggregation = 'lead_time_days'
         WHERE s.ordered_on IS NOT NULL AND MK
         GROUP BY m.metric_id, s.account_id, substr(s.start_date, 1, 7)",
    ),
    (
        "payments",
        "100.0 * avg(coalesce(i.paid_on <= i.due_on, 0))",
        "FROM invoice i JOIN account a ON a.account_id = i.account_id
         JOIN phase p ON p.journey_id = a.journey_id
         JOIN metric m ON m.phase_id = p.phase_id AND m.aggregation = 'on_time_payment'
         WHERE MK
         GROUP BY m.metric_id, i.account_id, substr(i.due_on, 1, 7)",
    ),
];

/// The (account, month) column pair of each observation query, in OBSERVATIONS order.
const KEYS: &[(&str, &str)] = &[
    ("u.account_id", "u.period"),
    ("s.account_id", "substr(s.start_date, 1, 7)"),
    ("i.account_id", "substr(i.due_on, 1, 7)"),
];

/// Contingency counts of one indicator: account-months by status, and how many of them
/// churned within the next three months.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub green: (u64, u64),
    pub amber: (u64, u64),
    pub red: (u64, u64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointMonth {
    pub touchpoint: String,
    pub tickets: u64,
    pub response_hours: Option<f64>,
    pub resolution_hours: Option<f64>,
    pub csat: Option<f64>,
    pub ces: Option<f64>,
    pub nps_answers: u64,
    pub detractor_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub account_id: String,
    pub answered_at: String,
    pub survey: String,
    pub score: i64,
    pub touchpoint: String,
    pub comment: String,
    /// Unhappy (-1), happy (1) or neither (0) on the journey's scale of the survey.
    pub sentiment: i8,
}

/// Whose tickets and answers a touchpoint figure counts (`touchpoints --segment`): every
/// account, the HVC or regular accounts of the month (`account_month.hvc`; an account without
/// a row that month is regular), the accounts holding a loyalty tier at the end of the month
/// before (`tier:none`: holding none), or one company size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceSegment {
    All,
    Hvc,
    Regular,
    /// A tier id, or `none`.
    Tier(String),
    Size(String),
}

impl ServiceSegment {
    /// `all`, `hvc`, `regular`, `tier:<id>`, `tier:none` or `size:<size>`; None otherwise.
    pub fn parse(text: &str) -> Option<ServiceSegment> {
        let text = text.trim();
        match text {
            "all" => Some(ServiceSegment::All),
            "hvc" => Some(ServiceSegment::Hvc),
            "regular" => Some(ServiceSegment::Regular),
            _ => {
                if let Some(tier) = text.strip_prefix("tier:").filter(|t| !t.is_empty()) {
                    Some(ServiceSegment::Tier(tier.to_string()))
                } else {
                    text.strip_prefix("size:")
                        .filter(|s| !s.is_empty())
                        .map(|s| ServiceSegment::Size(s.to_string()))
                }
            }
        }
    }

    /// The segment's kind and value as the touchpoints query takes them.
    fn parts(&self) -> (&str, &str) {
        match self {
            ServiceSegment::All => ("all", ""),
            ServiceSegment::Hvc => ("hvc", ""),
            ServiceSegment::Regular => ("regular", ""),
            ServiceSegment::Tier(t) => ("tier", t),
            ServiceSegment::Size(s) => ("size", s),
        }
    }
}

impl std::fmt::Display for ServiceSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceSegment::All | ServiceSegment::Hvc | ServiceSegment::Regular => {
                f.write_str(self.parts().0)
            }
            ServiceSegment::Tier(t) => write!(f, "tier:{t}"),
            ServiceSegment::Size(s) => write!(f, "size:{s}"),
        }
    }
}

/// How a ticket's first response stands against its SLA, for the month it was opened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    /// Answered within `sla_first_response_hours.<severity>` (exactly on time counts as met).
    Met,
    /// Answered later than that, or not answered and the SLA time was over by the end of the
    /// month.
    Breached,
    /// Not judged (yet): not answered and the SLA time not over by the end of the month, or no
    /// SLA target for its severity.
    Pending,
}

/// Judges one ticket's first response. `response_secs`: seconds from opening to the first
/// response, if any (whenever it came: a response after the month's end still counts);
/// `sla_hours`: the target of the ticket's severity; `secs_to_month_end`: seconds from opening
/// to the first day of the next month. Pure, so a month's figure moves only when a response is
/// recorded, never with the clock.
pub fn judge_sla(response_secs: Option<i64>, sla_hours: Option<f64>, secs_to_month_end: i64) -> SlaOutcome {
    let Some(limit) = sla_hours
        .filter(|h| h.is_finite() && *h >= 0.0)
        .map(|h| h * 3600.0)
    else {
        return SlaOutcome::Pending;
    };
    match response_secs {
        Some(secs) if secs as f64 <= limit => SlaOutcome::Met,
        Some(_) => SlaOutcome::Breached,
        None if secs_to_month_end as f64 > limit => SlaOutcome::Breached,
        None => SlaOutcome::Pending,
    }
}

/// SLA attainment: the share (0-1) of the judged tickets whose first response met the SLA;
/// None when no ticket was judged. Tickets not judged yet count in neither.
pub fn sla_attainment(met: u64, breached: u64) -> Option<f64> {
    let judged = met + breached;
    (judged > 0).then(|| met as f64 / judged as f64)
}

/// One ticket as the priority service reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTicket {
    /// HVC in the month the ticket was opened.
    pub hvc: bool,
    /// The tier held at the end of the month before (`none` without one).
    pub tier: String,
    pub response_secs: Option<i64>,
    pub resolution_secs: Option<i64>,
    pub sla_hours: Option<f64>,
    pub secs_to_month_end: i64,
}

/// One group of a phase's tickets in a month: how fast they were answered and resolved, and
/// how many met the first-response SLA.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceGroup {
    /// `all`, `hvc`, `regular`, `tier:<id>` or `tier:none`.
    pub segment: String,
    /// Tickets opened in the month (n).
    pub tickets: u64,
    /// Mean hours from opening to the first response, over the `responded` tickets.
    pub first_response_hours: Option<f64>,
    pub responded: u64,
    /// Mean hours from opening to resolution, over the `resolved` tickets.
    pub resolution_hours: Option<f64>,
    pub resolved: u64,
    pub sla_met: u64,
    pub sla_breached: u64,
    /// Tickets not judged yet (see [`SlaOutcome::Pending`]).
    pub sla_pending: u64,
    /// sla_met / (sla_met + sla_breached), a fraction; None when no ticket was judged.
    pub sla_attainment: Option<f64>,
}

/// Groups a month's tickets: `all`, `hvc`, `regular`, `tier:none`, then `tier:<id>` for every
/// tier of `ladder` (in its order); a tier no ladder names (deleted since) comes last.
pub fn service_groups(tickets: &[ServiceTicket], ladder: &[String]) -> Vec<ServiceGroup> {
    let mut keys: Vec<String> = ["all", "hvc", "regular", "tier:none"]
        .iter()
        .map(|k| k.to_string())
        .chain(ladder.iter().map(|t| format!("tier:{t}")))
        .collect();
    for t in tickets {
        let key = format!("tier:{}", t.tier);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|key| {
            let mine: Vec<&ServiceTicket> = tickets
                .iter()
                .filter(|t| match key.as_str() {
                    "all" => true,
                    "hvc" => t.hvc,
                    "regular" => !t.hvc,
                    tier => tier.strip_prefix("tier:") == Some(t.tier.as_str()),
                })
                .collect();
            let mean_hours = |secs: Vec<i64>| {
                let n = secs.len() as u64;
                let mean = (n > 0).then(|| secs.iter().sum::<i64>() as f64 / n as f64 / 3600.0);
                (mean, n)
            };
            let (first_response_hours, responded) =
                mean_hours(mine.iter().filter_map(|t| t.response_secs).collect());
            let (resolution_hours, resolved) =
                mean_hours(mine.iter().filter_map(|t| t.resolution_secs).collect());
            let mut group = ServiceGroup {
                segment: key,
                tickets: mine.len() as u64,
                first_response_hours,
                responded,
                resolution_hours,
                resolved,
                ..ServiceGroup::default()
            };
            for t in &mine {
                match judge_sla(t.response_secs, t.sla_hours, t.secs_to_month_end) {
                    SlaOutcome::Met => group.sla_met += 1,
                    SlaOutcome::Breached => group.sla_breached += 1,
                    SlaOutcome::Pending => group.sla_pending += 1,
                }
            }
            group.sla_attainment = sla_attainment(group.sla_met, group.sla_breached);
            group
        })
        .collect()
}

/// Which account was active at the end of which month, as bits: an account's months in a row.
struct ActiveAtEnd {
    accounts: HashMap<String, usize>,
    months: usize,
    bits: Vec<u64>,
}

impl ActiveAtEnd {
    /// The months `first..=last` of `account_month`, read in the table's order: a lookup per
    /// observation in memory instead of two B-tree descents on text keys (8 s at 100,000).
    fn load(tx: &Connection, first: Period, last: Period) -> Result<ActiveAtEnd> {
        let what = "reading active accounts";
        let months = first.months_until(last) as usize + 1;
        let mut active = ActiveAtEnd {
            accounts: HashMap::new(),
            months,
            bits: Vec::new(),
        };
        let mut stmt = tx
            .prepare(
                "SELECT account_id, period FROM account_month
                 WHERE +period BETWEEN ?1 AND ?2 AND mrr_end IS NOT NULL",
            )
            .context(what)?;
        let mut rows = stmt.query([first.to_string(), last.to_string()]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let text = |i| match row.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Text(bytes)) => std::str::from_utf8(bytes).ok(),
                _ => None,
            };
            let (Some(account), Some(period)) = (text(0), text(1)) else {
                continue;
            };
            let Some(k) = period.parse::<Period>().ok().map(|p| first.months_until(p)) else {
                continue;
            };
            let index = match active.accounts.get(account) {
                Some(&index) => index,
                None => {
                    let index = active.accounts.len();
                    active.accounts.insert(account.to_string(), index);
                    active.bits.resize((index + 1) * months.div_ceil(64), 0);
                    index
                }
            };
            if let Ok(k) = usize::try_from(k) {
                let bit = index * months.div_ceil(64) * 64 + k;
                active.bits[bit / 64] |= 1 << (bit % 64);
            }
        }
        Ok(active)
    }

    /// Active at the end of month `k` (from the first): None when the account never was.
    fn at(&self, account: &str, k: i32) -> Option<bool> {
        let &index = self.accounts.get(account)?;
        let k = usize::try_from(k).ok().filter(|&k| k < self.months)?;
        let bit = index * self.months.div_ceil(64) * 64 + k;
        Some(self.bits[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

/// Per indicator and status: the account-months observed, and how many of them churned.
pub(crate) type Counts = BTreeMap<(String, String), (i64, i64)>;

/// The months whose observations the outcome counts take: the store's first to three before
/// its last, so every outcome is known. None when there is no such month.
pub(crate) fn observed_months(range: Option<(Period, Period)>) -> Option<(Period, Period)> {
    let (first, last) = range?;
    let cutoff = last.offset(-3);
    (cutoff >= first).then_some((first, cutoff))
}

/// Per indicator and status: the account-level observations of the months `first..=cutoff`
/// (each classified against the indicator's target) whose account was active at the month's
/// end, and how many of those were no longer active three months later. Each observation query
/// streams its groups into the counts: nothing is written, not even a temporary table.
pub(crate) fn count_outcomes(
    conn: &Connection,
    (first, cutoff): (Period, Period),
    classified: &Observations,
) -> Result<Counts> {
    let active = ActiveAtEnd::load(conn, first, cutoff.offset(3))?;
    let mut counts = Counts::new();
    let mut count = |metric: &str, account: &str, period: Period, status: &str| {
        if period < first || period > cutoff {
            return;
        }
        let k = first.months_until(period);
        if active.at(account, k) != Some(true) {
            return;
        }
        let churned = active.at(account, k + 3) != Some(true);
        let cell = counts
            .entry((metric.to_string(), status.to_string()))
            .or_default();
        cell.0 += 1;
        cell.1 += i64::from(churned);
    };
    for (metric, account, period, status) in classified.each() {
        count(metric, account, period, status.as_str());
    }
    let indicator = "m.kind = 'indicator' AND m.target IS NOT NULL";
    for ((what, value, from), (account, month)) in OBSERVATIONS.iter().zip(KEYS) {
        let sql = format!(
            "SELECT m.metric_id, {account}, {month}, {status} {from}",
            status = STATUS.replace('V', value),
            from = from.replace("MK", indicator)
        );
        let mut stmt = conn.prepare(&sql).context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let text = |i| {
                row.get_ref(i)
                    .map(|v| v.as_str().unwrap_or_default())
                    .context(what)
            };
            let Ok(period) = text(2)?.parse::<Period>() else {
                continue;
            };
            count(text(0)?, text(1)?, period, text(3)?);
        }
    }
    Ok(counts)
}

/// Replaces `indicator_outcome` with `counts`, in one transaction.
pub(crate) fn write_outcomes(conn: &Connection, counts: &Counts) -> Result<()> {
    let what = "writing indicator outcomes";
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
        .context("starting the indicator outcomes")?;
    tx.execute("DELETE FROM indicator_outcome", []).context(what)?;
    {
        let mut insert = tx
            .prepare("INSERT INTO indicator_outcome (metric_id, status, observations, churned) VALUES (?1, ?2, ?3, ?4)")
            .context(what)?;
        for ((metric, status), (observations, churned)) in counts {
            insert
                .execute(params![metric, status, observations, churned])
                .context(what)?;
        }
    }
    tx.commit().context("committing the indicator outcomes")
}

impl Store {
    /// The outcome counts of every indicator that has account-level observations.
    pub fn indicator_outcomes(&self) -> Result<std::collections::HashMap<String, Outcome>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT metric_id, status, observations, churned FROM indicator_outcome")
            .context("reading indicator outcomes")?;
        let mut rows = stmt.query([]).context("reading indicator outcomes")?;
        let mut outcomes: std::collections::HashMap<String, Outcome> = std::collections::HashMap::new();
        while let Some(row) = rows.next().context("reading indicator outcomes")? {
            let metric: String = row.get(0).context("reading indicator outcomes")?;
            let status: String = row.get(1).context("reading indicator outcomes")?;
            let n: i64 = row.get(2).context("reading indicator outcomes")?;
            let churned: i64 = row.get(3).context("reading indicator outcomes")?;
            let entry = outcomes.entry(metric).or_default();
            let cell = (n as u64, churned as u64);
            match status.as_str() {
                "green" => entry.green = cell,
                "amber" => entry.amber = cell,
                _ => entry.red = cell,
            }
        }
        Ok(outcomes)
    }

    /// Each touchpoint of a phase in one month: ticket volume and times by channel, survey
    /// scores and the share of detractors by touchpoint.
    pub fn touchpoints(&self, phase_id: i64, period: Period) -> Result<Vec<TouchpointMonth>> {
        self.touchpoints_in(phase_id, period, &ServiceSegment::All)
    }

    /// The touchpoints of a phase in one month, counting only the tickets and answers of the
    /// accounts of `segment` (HVC that month, or the tier held at the end of the month before).
    /// The phase's touchpoints are listed even where the segment has no ticket or answer.
    pub fn touchpoints_in(
        &self,
        phase_id: i64,
        period: Period,
        segment: &ServiceSegment,
    ) -> Result<Vec<TouchpointMonth>> {
        let (from, to) = (
            period.first_day().to_string(),
            period.next().first_day().to_string(),
        );
        let (kind, value) = segment.parts();
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH seg AS (
                     SELECT a.account_id FROM account a
                     WHERE ?4 <> 'all' AND CASE ?4
                         WHEN 'hvc' THEN EXISTS (SELECT 1 FROM account_month m
                                                 WHERE m.account_id = a.account_id AND m.period = ?6 AND m.hvc = 1)
                         WHEN 'regular' THEN NOT EXISTS (SELECT 1 FROM account_month m
                                                 WHERE m.account_id = a.account_id AND m.period = ?6 AND m.hvc = 1)
                         WHEN 'tier' THEN coalesce((SELECT r.held_tier FROM account_tier r
                                                    WHERE r.period = ?7 AND r.account_id = a.account_id), 'none') = ?5
                         WHEN 'size' THEN a.company_size = ?5
                         ELSE 0 END),
                 t AS (
                     SELECT channel AS touchpoint, count(*) AS tickets,
                            24 * avg(julianday(first_response_at) - julianday(opened_at)) AS response,
                            24 * avg(julianday(resolved_at) - julianday(opened_at)) AS resolution
                     FROM ticket WHERE phase_id = ?1 AND opened_at >= ?2 AND opened_at < ?3
                                  AND (?4 = 'all' OR account_id IN seg)
                     GROUP BY channel),
                 s AS (
                     SELECT touchpoint,
                            100.0 * avg(CASE WHEN survey = 'csat' THEN happy END) AS csat,
                            avg(CASE WHEN survey = 'ces' THEN score END) AS ces,
                            sum(survey = 'nps') AS nps_n,
                            1.0 * sum(survey = 'nps' AND unhappy) / nullif(sum(survey = 'nps'), 0) AS detractors
                     FROM survey_answer WHERE phase_id = ?1 AND answered_at >= ?2 AND answered_at < ?3
                                           AND (?4 = 'all' OR account_id IN seg)
                     GROUP BY touchpoint),
                 names AS (SELECT touchpoint FROM t UNION SELECT touchpoint FROM s
                           UNION SELECT touchpoint FROM phase_touchpoint WHERE phase_id = ?1)
                 SELECT n.touchpoint, coalesce(t.tickets, 0), t.response, t.resolution, s.csat, s.ces,
                        coalesce(s.nps_n, 0), s.detractors
                 FROM names n LEFT JOIN t ON t.touchpoint = n.touchpoint LEFT JOIN s ON s.touchpoint = n.touchpoint
                 WHERE n.touchpoint <> ''
                 ORDER BY coalesce(t.tickets, 0) DESC, n.touchpoint",
            )
            .context("reading touchpoints")?;
        let rows = stmt
            .query_map(
                params![
                    phase_id,
                    from,
                    to,
                    kind,
                    value,
                    period.to_string(),
                    period.prev().to_string()
                ],
                |r| {
                    Ok(TouchpointMonth {
                        touchpoint: r.get(0)?,
                        tickets: r.get::<_, i64>(1)? as u64,
                        response_hours: r.get(2)?,
                        resolution_hours: r.get(3)?,
                        csat: r.get(4)?,
                        ces: r.get(5)?,
                        nps_answers: r.get::<_, i64>(6)? as u64,
                        detractor_share: r.get(7)?,
                    })
                },
            )
            .context("reading touchpoints")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading touchpoints")
    }

    /// The priority service of a phase's tickets opened in one month: every ticket, then HVC
    /// against regular (`account_month.hvc` of that month), then by the loyalty tier held at
    /// the end of the month before (`tier:none` first, then the ladder by rank, every tier
    /// listed). Each group: tickets, mean first-response and resolution hours, and SLA
    /// attainment against `sla_first_response_hours.<severity>` (see [`judge_sla`]).
    pub fn priority_service(&self, phase_id: i64, period: Period) -> Result<Vec<ServiceGroup>> {
        let what = "reading the priority service";
        let ladder: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT tier_id FROM tier ORDER BY rank")
                .context(what)?;
            let rows = stmt.query_map([], |r| r.get(0)).context(what)?;
            rows.collect::<rusqlite::Result<_>>().context(what)?
        };
        let end = period.next().first_day().to_string();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT coalesce(m.hvc, 0), coalesce(r.held_tier, 'none'),
                        unixepoch(t.first_response_at) - unixepoch(t.opened_at),
                        unixepoch(t.resolved_at) - unixepoch(t.opened_at),
                        s.value,
                        unixepoch(?3) - unixepoch(t.opened_at)
                 FROM ticket t
                 LEFT JOIN account_month m ON m.account_id = t.account_id AND m.period = ?4
                 LEFT JOIN account_tier r ON r.period = ?5 AND r.account_id = t.account_id
                 LEFT JOIN setting s ON s.key = 'sla_first_response_hours.' || t.severity
                 WHERE t.phase_id = ?1 AND t.opened_at >= ?2 AND t.opened_at < ?3",
            )
            .context(what)?;
        let rows = stmt
            .query_map(
                params![
                    phase_id,
                    period.first_day().to_string(),
                    end,
                    period.to_string(),
                    period.prev().to_string()
                ],
                |r| {
                    let sla: Option<String> = r.get(4)?;
                    Ok(ServiceTicket {
                        hvc: r.get::<_, i64>(0)? == 1,
                        tier: r.get(1)?,
                        response_secs: r.get(2)?,
                        resolution_secs: r.get(3)?,
                        sla_hours: sla.and_then(|v| v.trim().parse().ok()),
                        secs_to_month_end: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                    })
                },
            )
            .context(what)?;
        let tickets: Vec<ServiceTicket> = rows.collect::<rusqlite::Result<_>>().context(what)?;
        Ok(service_groups(&tickets, &ladder))
    }

    /// The survey comments of a phase (optionally one touchpoint) answered in [from, to].
    pub fn comments(
        &self,
        phase_id: i64,
        touchpoint: Option<&str>,
        from: Period,
        to: Period,
    ) -> Result<Vec<Comment>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account_id, answered_at, survey, score, touchpoint, comment, happy - unhappy
                 FROM survey_answer
                 WHERE phase_id = ?1 AND comment <> '' AND answered_at >= ?2 AND answered_at < ?3
                   AND (?4 IS NULL OR touchpoint = ?4)
                 ORDER BY answered_at DESC, response_id, survey",
            )
            .context("reading comments")?;
        let rows = stmt
            .query_map(
                params![
                    phase_id,
                    from.first_day().to_string(),
                    to.next().first_day().to_string(),
                    touchpoint
                ],
                |r| {
                    Ok(Comment {
                        account_id: r.get(0)?,
                        answered_at: r.get(1)?,
                        survey: r.get(2)?,
                        score: r.get(3)?,
                        touchpoint: r.get(4)?,
                        comment: r.get(5)?,
                        sentiment: r.get(6)?,
                    })
                },
            )
            .context("reading comments")?;
        rows.collect::<rusqlite::Result<_>>().context("reading comments")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    #[test]
    fn sla_attainment_is_met_over_judged() {
        // 1 met of 3 judged (a pending ticket counts in neither): 1 / 3.
        assert_eq!(sla_attainment(1, 2), Some(1.0 / 3.0));
        assert_eq!(sla_attainment(2, 3), Some(0.4));
        assert_eq!(sla_attainment(1, 0), Some(1.0));
        assert_eq!(sla_attainment(0, 1), Some(0.0));
        assert_eq!(sla_attainment(0, 0), None);
    }

    #[test]
    fn a_ticket_is_judged_by_its_response_or_by_the_month_s_end() {
        // Medium, 8 h: answered in 6 h met, in exactly 8 h met, in 12 h breached.
        assert_eq!(judge_sla(Some(6 * HOUR), Some(8.0), 100 * HOUR), SlaOutcome::Met);
        assert_eq!(judge_sla(Some(8 * HOUR), Some(8.0), 100 * HOUR), SlaOutcome::Met);
        assert_eq!(
            judge_sla(Some(8 * HOUR + 1), Some(8.0), 100 * HOUR),
            SlaOutcome::Breached
        );
        // A late answer after the month's end is still a breach, an early one still met.
        assert_eq!(
            judge_sla(Some(27 * HOUR), Some(24.0), 18 * HOUR),
            SlaOutcome::Breached
        );
        assert_eq!(judge_sla(Some(3 * HOUR), Some(24.0), 2 * HOUR), SlaOutcome::Met);
        // Not answered: a breach once the 24 h are over by the month's end, else not judged.
        assert_eq!(judge_sla(None, Some(24.0), 39 * HOUR), SlaOutcome::Breached);
        assert_eq!(judge_sla(None, Some(24.0), 12 * HOUR), SlaOutcome::Pending);
        assert_eq!(judge_sla(None, Some(24.0), 24 * HOUR), SlaOutcome::Pending);
        // No target for the severity: never judged.
        assert_eq!(judge_sla(Some(HOUR), None, 100 * HOUR), SlaOutcome::Pending);
    }

    #[test]
    fn groups_split_by_segment_and_tier() {
        let ticket = |hvc: bool, tier: &str, response: Option<i64>, sla: f64| ServiceTicket {
            hvc,
            tier: tier.to_string(),
            response_secs: response.map(|h| h * HOUR),
            resolution_secs: Some(12 * HOUR),
            sla_hours: Some(sla),
            secs_to_month_end: 48 * HOUR,
        };
        let tickets = [
            ticket(true, "gold", Some(3), 4.0),
            ticket(false, "none", None, 24.0),
            ticket(false, "old", Some(9), 8.0),
        ];
        let groups = service_groups(&tickets, &["gold".to_string()]);
        let keys: Vec<&str> = groups.iter().map(|g| g.segment.as_str()).collect();
        assert_eq!(
            keys,
            ["all", "hvc", "regular", "tier:none", "tier:gold", "tier:old"]
        );
        let all = &groups[0];
        assert_eq!((all.tickets, all.responded, all.resolved), (3, 2, 3));
        assert_eq!(all.first_response_hours, Some(6.0));
        assert_eq!((all.sla_met, all.sla_breached, all.sla_pending), (1, 2, 0));
        let hvc = &groups[1];
        assert_eq!((hvc.tickets, hvc.sla_attainment), (1, Some(1.0)));
        let regular = &groups[2];
        assert_eq!((regular.tickets, regular.sla_attainment), (2, Some(0.0)));
        assert_eq!(regular.first_response_hours, Some(9.0));
    }
}
