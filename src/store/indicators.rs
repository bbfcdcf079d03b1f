//! Does each indicator predict success? The store side: every account-month in which an
//! indicator has an account-level value is classified against the metric's target (green,
//! amber, red) and followed three months on (still active, or churned). The contingency counts
//! are computed by `refresh_indicators` (part of `Store::refresh`), so reading them is instant.
//! Also: touchpoint figures per phase and month, and the survey comments behind them.

use std::time::{Duration, Instant};

use rusqlite::params;
use serde::Serialize;

use crate::domain::Period;
use crate::error::{Result, SqlContext};

use super::Store;

/// Status of value `v` against metric `m` (direction-aware, as domain::status).
const STATUS: &str = "CASE WHEN (CASE m.direction WHEN 'higher' THEN m.target - (V) ELSE (V) - m.target END) <= 0 THEN 'green'
      WHEN (CASE m.direction WHEN 'higher' THEN m.target - (V) ELSE (V) - m.target END) <= m.tolerance THEN 'amber'
      ELSE 'red' END";

/// Account-level observations: (metric, account, month, value expression, FROM/WHERE/GROUP BY).
const OBSERVATIONS: &[(&str, &str, &str)] = &[
    (
        "first response times",
        "24 * avg(julianday(t.first_response_at) - julianday(t.opened_at))",
        "FROM ticket t JOIN metric m ON m.phase_id = t.phase_id AND m.aggregation = 'first_response_hours'
         WHERE t.first_response_at IS NOT NULL AND MK
         GROUP BY m.metric_id, t.account_id, substr(t.opened_at, 1, 7)",
    ),
    (
        "resolution times",
        "24 * avg(julianday(t.resolved_at) - julianday(t.opened_at))",
        "FROM ticket t JOIN metric m ON m.phase_id = t.phase_id AND m.aggregation = 'resolution_hours'
         WHERE t.resolved_at IS NOT NULL AND MK
         GROUP BY m.metric_id, t.account_id, substr(t.opened_at, 1, 7)",
    ),
    (
        "survey answers",
        "CASE r.survey WHEN 'ces' THEN avg(r.score) WHEN 'csat' THEN 100.0 * avg(r.score >= 4)
                       ELSE 100.0 * (sum(r.score >= 9) - sum(r.score <= 6)) / count(*) END",
        "FROM survey_response r JOIN metric m ON m.phase_id = r.phase_id AND m.aggregation = r.survey
         WHERE MK
         GROUP BY m.metric_id, r.account_id, substr(r.answered_at, 1, 7)",
    ),
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
    ("t.account_id", "substr(t.opened_at, 1, 7)"),
    ("t.account_id", "substr(t.opened_at, 1, 7)"),
    ("r.account_id", "substr(r.answered_at, 1, 7)"),
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
}

impl Store {
    /// Recomputes the indicator outcome counts (observations up to three months before the
    /// store's last month, so every outcome is known).
    pub fn refresh_indicators(&mut self) -> Result<Duration> {
        let started = Instant::now();
        let range = self.period_range()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the indicator outcomes")?;
        tx.execute("DELETE FROM indicator_outcome", [])
            .context("clearing indicator outcomes")?;
        if let Some((first, last)) = range {
            let cutoff = last.offset(-3);
            if cutoff >= first {
                tx.execute_batch(
                    "DROP TABLE IF EXISTS temp.obs;
                     CREATE TEMP TABLE obs (metric_id TEXT, account_id TEXT, period TEXT, status TEXT);",
                )
                .context("preparing indicator outcomes")?;
                let indicator = "m.kind = 'indicator' AND m.target IS NOT NULL";
                for ((what, value, from), (account, month)) in OBSERVATIONS.iter().zip(KEYS) {
                    let sql = format!(
                        "INSERT INTO temp.obs SELECT m.metric_id, {account}, {month}, {status} {from}",
                        status = STATUS.replace('V', value),
                        from = from.replace("MK", indicator)
                    );
                    tx.execute(&sql, []).context(what)?;
                }
                tx.execute(
                    "INSERT INTO indicator_outcome (metric_id, status, observations, churned)
                     SELECT o.metric_id, o.status, count(*), sum(e.account_id IS NULL)
                     FROM temp.obs o
                     JOIN account_month s ON s.account_id = o.account_id AND s.period = o.period AND s.mrr_end IS NOT NULL
                     LEFT JOIN account_month e ON e.account_id = o.account_id AND e.mrr_end IS NOT NULL
                          AND e.period = strftime('%Y-%m', o.period || '-01', '+3 months')
                     WHERE o.period BETWEEN ?1 AND ?2
                     GROUP BY o.metric_id, o.status",
                    params![first.to_string(), cutoff.to_string()],
                )
                .context("counting indicator outcomes")?;
                tx.execute("DROP TABLE temp.obs", [])
                    .context("counting indicator outcomes")?;
            }
        }
        tx.commit().context("committing the indicator outcomes")?;
        Ok(started.elapsed())
    }

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
        let (from, to) = (
            period.first_day().to_string(),
            period.next().first_day().to_string(),
        );
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH t AS (
                     SELECT channel AS touchpoint, count(*) AS tickets,
                            24 * avg(julianday(first_response_at) - julianday(opened_at)) AS response,
                            24 * avg(julianday(resolved_at) - julianday(opened_at)) AS resolution
                     FROM ticket WHERE phase_id = ?1 AND opened_at >= ?2 AND opened_at < ?3 GROUP BY channel),
                 s AS (
                     SELECT touchpoint,
                            100.0 * avg(CASE WHEN survey = 'csat' THEN score >= 4 END) AS csat,
                            avg(CASE WHEN survey = 'ces' THEN score END) AS ces,
                            sum(survey = 'nps') AS nps_n,
                            1.0 * sum(survey = 'nps' AND score <= 6) / nullif(sum(survey = 'nps'), 0) AS detractors
                     FROM survey_response WHERE phase_id = ?1 AND answered_at >= ?2 AND answered_at < ?3
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
            .query_map(params![phase_id, from, to], |r| {
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
            })
            .context("reading touchpoints")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading touchpoints")
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
                "SELECT account_id, answered_at, survey, score, touchpoint, comment FROM survey_response
                 WHERE phase_id = ?1 AND comment <> '' AND answered_at >= ?2 AND answered_at < ?3
                   AND (?4 IS NULL OR touchpoint = ?4)
                 ORDER BY answered_at DESC, response_id",
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
                    })
                },
            )
            .context("reading comments")?;
        rows.collect::<rusqlite::Result<_>>().context("reading comments")
    }
}
