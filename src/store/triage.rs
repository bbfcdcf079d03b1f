//! HVC triage in the store: the signals precomputed per account for the last two months (after
//! each rollup), the queue read back with scores from the current weights, and the shared,
//! append-only triage actions (assign, snooze, note, resolve, reopen).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::domain::triage::{self, Score, Signal, Weights};
use crate::error::{Error, Result, SqlContext};

use super::Store;

/// The signals' raw values at the end of month ?1 ('YYYY-MM'), evaluated on day ?2 (the first
/// day of the next month). Each statement inserts (period, account, signal, value).
const SIGNALS_SQL: &[(&str, &str)] = &[
    (
        "open tickets",
        "INSERT INTO account_signal
         SELECT ?1, account_id, CASE severity WHEN 'critical' THEN 'open_ticket_critical'
                                              WHEN 'high' THEN 'open_ticket_high' ELSE 'open_ticket_other' END AS s,
                count(*)
         FROM ticket WHERE opened_at < ?2 AND (resolved_at IS NULL OR resolved_at >= ?2)
         GROUP BY account_id, s",
    ),
    (
        "long-running tickets",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'long_running_ticket', count(*)
         FROM ticket WHERE opened_at < date(?2, '-7 days') AND (resolved_at IS NULL OR resolved_at >= ?2)
         GROUP BY account_id",
    ),
    (
        "age of the oldest open ticket",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'oldest_open_days', round(max(julianday(?2) - julianday(opened_at)), 1)
         FROM ticket WHERE opened_at < ?2 AND (resolved_at IS NULL OR resolved_at >= ?2)
         GROUP BY account_id",
    ),
    (
        "SLA breaches",
        "INSERT INTO account_signal
         SELECT ?1, t.account_id, 'sla_breach', count(*)
         FROM ticket t
         JOIN setting s ON s.key = 'sla_first_response_hours.' || t.severity
         WHERE t.opened_at >= date(?2, '-30 days') AND t.opened_at < ?2
           -- Whole seconds: julianday differences are inexact, and exactly on target is no breach.
           AND unixepoch(coalesce(min(t.first_response_at, ?2), ?2)) - unixepoch(t.opened_at)
               > 3600 * CAST(s.value AS REAL)
         GROUP BY t.account_id",
    ),
    (
        "downtime",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'downtime', downtime_hours FROM usage_month WHERE period = ?1 AND downtime_hours > 0",
    ),
    (
        "usage drop",
        "INSERT INTO account_signal
         SELECT ?1, u.account_id, 'usage_drop', round(100 * (1 - u.usage_index / b.usual), 1)
         FROM usage_month u
         JOIN (SELECT account_id, avg(usage_index) AS usual FROM usage_month
               WHERE period >= strftime('%Y-%m', ?2, '-4 months') AND period < ?1 AND usage_index IS NOT NULL
               GROUP BY account_id) b ON b.account_id = u.account_id
         WHERE u.period = ?1 AND b.usual > 0 AND u.usage_index < b.usual",
    ),
    (
        "NPS",
        "INSERT INTO account_signal
         SELECT ?1, account_id, s, v FROM (
             SELECT account_id, 'detractor' AS s, score AS v, rn FROM (
                 SELECT account_id, score, row_number() OVER (PARTITION BY account_id ORDER BY answered_at DESC, response_id DESC) AS rn
                 FROM survey_response WHERE survey = 'nps' AND answered_at < ?2)
             WHERE rn = 1 AND score <= 6
             UNION ALL
             SELECT account_id, 'nps_falling', latest - previous, 1 FROM (
                 SELECT account_id,
                        max(CASE WHEN rn = 1 THEN score END) AS latest,
                        max(CASE WHEN rn = 2 THEN score END) AS previous
                 FROM (SELECT account_id, score,
                              row_number() OVER (PARTITION BY account_id ORDER BY answered_at DESC, response_id DESC) AS rn
                       FROM survey_response WHERE survey = 'nps' AND answered_at < ?2)
                 WHERE rn <= 2 GROUP BY account_id)
             WHERE previous IS NOT NULL AND latest - previous <= -2)",
    ),
    (
        "high effort",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'high_effort', min(score) FROM survey_response
         WHERE survey = 'ces' AND answered_at >= date(?2, '-90 days') AND answered_at < ?2
         GROUP BY account_id HAVING min(score) <= 3",
    ),
    (
        "overdue invoices",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'overdue_invoice', count(*) FROM invoice
         WHERE due_on < ?2 AND (paid_on IS NULL OR paid_on >= ?2) AND (paid_on IS NULL OR paid_on > due_on)
         GROUP BY account_id",
    ),
    (
        "renewals",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'renewal_due', min(julianday(end_date) - julianday(?2)) FROM subscription
         WHERE start_date <= ?2 AND end_date > ?2 AND end_date <= date(?2, '+60 days') GROUP BY account_id",
    ),
    (
        "red indicators",
        "INSERT INTO account_signal
         SELECT ?1, v.account_id, 'red_indicator', count(*)
         FROM (
             SELECT account_id, phase_id, 'first_response_hours' AS agg,
                    24 * avg(julianday(first_response_at) - julianday(opened_at)) AS value
             FROM ticket WHERE opened_at >= ?1 || '-01' AND opened_at < ?2 AND first_response_at IS NOT NULL
             GROUP BY account_id, phase_id
             UNION ALL
             SELECT account_id, phase_id, 'resolution_hours', 24 * avg(julianday(resolved_at) - julianday(opened_at))
             FROM ticket WHERE opened_at >= ?1 || '-01' AND opened_at < ?2 AND resolved_at IS NOT NULL
             GROUP BY account_id, phase_id
             UNION ALL
             SELECT account_id, NULL, 'downtime_hours', downtime_hours FROM usage_month WHERE period = ?1
             UNION ALL
             SELECT account_id, phase_id, survey,
                    CASE survey WHEN 'ces' THEN avg(score) WHEN 'csat' THEN 100.0 * avg(score >= 4)
                                ELSE 100.0 * (sum(score >= 9) - sum(score <= 6)) / count(*) END
             FROM survey_response WHERE answered_at >= ?1 || '-01' AND answered_at < ?2
             GROUP BY account_id, phase_id, survey
         ) v
         JOIN account a ON a.account_id = v.account_id
         JOIN metric m ON m.aggregation = v.agg AND m.kind = 'indicator' AND m.target IS NOT NULL
         JOIN phase p ON p.phase_id = m.phase_id AND p.journey_id = a.journey_id
         WHERE (v.phase_id IS NULL OR v.phase_id = m.phase_id)
           AND CASE m.direction WHEN 'higher' THEN m.target - v.value ELSE v.value - m.target END > m.tolerance
         GROUP BY v.account_id",
    ),
    (
        "tier grace",
        "INSERT INTO account_signal
         SELECT ?1, account_id, 'tier_downgrade_risk', 1 FROM account_tier WHERE period = ?1 AND status = 'grace'",
    ),
    (
        "MRR contraction",
        "INSERT INTO account_signal
         SELECT ?1, e.account_id, 'mrr_contraction', s.mrr_start - e.mrr_end
         FROM account_month e JOIN account_month s
           ON s.account_id = e.account_id AND s.period = strftime('%Y-%m', ?2, '-3 months')
         WHERE e.period = ?1 AND e.mrr_end IS NOT NULL AND e.mrr_end < s.mrr_start",
    ),
];

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
    /// Recomputes the signals of the store's last two months.
    pub fn refresh_signals(&mut self) -> Result<Duration> {
        let started = Instant::now();
        let range = self.period_range()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the triage signals")?;
        tx.execute("DELETE FROM account_signal", [])
            .context("clearing triage signals")?;
        if let Some((first, last)) = range {
            for period in [last.prev(), last].into_iter().filter(|p| *p >= first) {
                let (month, day) = (period.to_string(), period.next().first_day().to_string());
                let args: [&dyn rusqlite::ToSql; 2] = [&month, &day];
                for (what, sql) in SIGNALS_SQL {
                    let mut stmt = tx.prepare(sql).context(what)?;
                    // Some statements need only the month.
                    let used = stmt.parameter_count().min(args.len());
                    stmt.execute(&args[..used]).context(what)?;
                }
            }
        }
        tx.commit().context("committing the triage signals")?;
        Ok(started.elapsed())
    }

    pub fn triage_weights(&self) -> Result<Weights> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_weight.%'")
            .context("reading triage weights")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .context("reading triage weights")?;
        let mut weights = Weights::new();
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

    /// Every account's queue row at the end of the store's last month, highest score first
    /// (ties by MRR, then id). `all`: every active account, else HVC only. Snoozed accounts stay
    /// out until their date, unless their score rose by the wake-up margin; resolved ones too,
    /// unless `include_closed`.
    pub fn triage_queue(&self, all: bool, include_closed: bool, today: &str) -> Result<Vec<QueueRow>> {
        let Some((_, last)) = self.period_range()? else {
            return Ok(Vec::new());
        };
        let weights = self.triage_weights()?;
        let wake: f64 = match self.setting("triage_snooze_wake_points")? {
            None => 15.0,
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite())
                .ok_or_else(|| Error::Store {
                    path: self.path.clone(),
                    message: format!("setting triage_snooze_wake_points = '{text}': expected a number"),
                })?,
        };
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
