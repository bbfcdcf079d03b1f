//! Alert rules in the store and their evaluation: each enabled rule's condition over the raw
//! rows and monthly figures in its window, as of a day; what fires for the first time is kept in
//! `alert` (the watermark of what each rule has seen) and opens an action per rule and subject,
//! unless one is open already (then the alert is noted in that action's history).
//!
//! A run is one immediate transaction: two runs at once are serialised by SQLite, the second sees
//! what the first raised, and the unique index on open actions per (source, subject) refuses a
//! duplicate even from another writer. A dry run does the same work and writes nothing.

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::Store;
use super::actions::{NewAction, append_event, insert_action};
use crate::domain::Period;
use crate::domain::alerts::{OwnerRule, Rule, RuleKind, TitleValues, render_title, usage_drop};
use crate::domain::model::Direction;
use crate::domain::status::Status;
use crate::error::{Error, Result, SqlContext};

/// What an import did to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    New,
    Changed,
    Unchanged,
}

/// One alert: a rule fired on a subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub account_id: Option<String>,
    pub metric_id: Option<String>,
    pub period: Option<String>,
    pub detail: String,
    /// The action opened, or the one already open for the rule and subject; None in a dry run
    /// that would open one.
    pub action_id: Option<i64>,
    /// Whether this alert opened its action (false: one was open already).
    #[serde(skip)]
    pub opened: bool,
    /// When it was raised (the digest's alerts).
    #[serde(skip)]
    pub raised_at: String,
}

/// What a run found.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub as_of: NaiveDate,
    /// The run before this one: as of which day, and when it ran.
    pub previous: Option<(String, String)>,
    pub rules: usize,
    pub alerts: Vec<Alert>,
}

/// A rule's condition held for one occurrence: everything the alert and its action need.
#[derive(Debug, Clone, Default)]
struct Candidate {
    /// What fired, unique within the rule (`response:ID`, `ticket:ID`, `account:ID:YYYY-MM`...).
    occurrence: String,
    /// What the action is about (`account:ID`, `metric:ID`).
    subject: String,
    account_id: Option<String>,
    account_name: String,
    account_owner: Option<String>,
    journey_id: Option<String>,
    phase_key: Option<String>,
    phase_owner: Option<String>,
    metric_id: Option<String>,
    metric_name: String,
    period: Option<String>,
    detail: String,
}

/// Writes one rule (an upsert by id) in the import's transaction.
pub(crate) fn write_rule(conn: &Connection, rule: &Rule, enabled: bool) -> Result<Written> {
    let (days, months) = if rule.kind.window_in_days() {
        (Some(rule.window), None)
    } else {
        (None, Some(rule.window))
    };
    let baseline = (rule.kind == RuleKind::UsageDrop).then_some(rule.baseline_months);
    let before: Option<String> = conn
        .query_row(
            "SELECT json_array(kind, title, owner, due_days, window_days, window_months, threshold,
                               baseline_months, hvc_only, enabled)
             FROM alert_rule WHERE rule_id = ?1",
            [&rule.id],
            |r| r.get(0),
        )
        .optional()
        .context("reading an alert rule")?;
    conn.execute(
        "INSERT INTO alert_rule (rule_id, kind, title, owner, due_days, window_days, window_months, threshold,
                                 baseline_months, hvc_only, enabled)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (rule_id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
             owner = excluded.owner, due_days = excluded.due_days, window_days = excluded.window_days,
             window_months = excluded.window_months, threshold = excluded.threshold,
             baseline_months = excluded.baseline_months, hvc_only = excluded.hvc_only,
             enabled = excluded.enabled",
        params![
            rule.id,
            rule.kind.as_str(),
            rule.title,
            rule.owner.as_text(),
            rule.due_days,
            days,
            months,
            rule.threshold,
            baseline,
            rule.hvc_only,
            enabled
        ],
    )
    .context("writing an alert rule")?;
    let Some(before) = before else {
        return Ok(Written::New);
    };
    let after: String = conn
        .query_row(
            "SELECT json_array(kind, title, owner, due_days, window_days, window_months, threshold,
                               baseline_months, hvc_only, enabled)
             FROM alert_rule WHERE rule_id = ?1",
            [&rule.id],
            |r| r.get(0),
        )
        .context("reading an alert rule")?;
    Ok(if after == before {
        Written::Unchanged
    } else {
        Written::Changed
    })
}

fn rules_in(conn: &Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT rule_id, kind, title, owner, due_days, coalesce(window_days, window_months), threshold,
                    coalesce(baseline_months, 3), hvc_only
             FROM alert_rule WHERE enabled ORDER BY rule_id",
        )
        .context("reading the alert rules")?;
    let rows = stmt
        .query_map([], |r| {
            let bad = |i: usize, what: String| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
            };
            let kind: String = r.get(1)?;
            let owner: String = r.get(3)?;
            Ok(Rule {
                id: r.get(0)?,
                kind: RuleKind::parse(&kind).ok_or_else(|| bad(1, format!("kind '{kind}'")))?,
                title: r.get(2)?,
                owner: OwnerRule::parse(&owner).ok_or_else(|| bad(3, format!("owner '{owner}'")))?,
                due_days: r.get(4)?,
                window: r.get::<_, Option<u32>>(5)?.unwrap_or(1),
                threshold: r.get(6)?,
                baseline_months: r.get(7)?,
                hvc_only: r.get(8)?,
            })
        })
        .context("reading the alert rules")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading the alert rules")
}

/// HVC in the event's month: the account's latest month decided at or before it.
const HVC_SQL: &str =
    "(SELECT m.hvc FROM account_month m WHERE m.account_id = a.account_id AND m.period <= ?3
                        ORDER BY m.period DESC LIMIT 1) = 1";

fn candidates(conn: &Connection, rule: &Rule, as_of: NaiveDate) -> Result<Vec<Candidate>> {
    let day = as_of.to_string();
    let back = format!("-{} days", rule.window);
    let context = format!("evaluating alert rule {}", rule.id);
    let hvc = |sql: &str| {
        if rule.hvc_only {
            sql.replace(
                "{hvc}",
                &format!("AND {}", HVC_SQL.replace("?3", "substr(ev, 1, 7)")),
            )
        } else {
            sql.replace("{hvc}", "")
        }
    };
    let mut found = Vec::new();
    match rule.kind {
        RuleKind::Detractor => {
            let sql = hvc("SELECT * FROM (
                   SELECT r.response_id, a.account_id, a.name, a.owner, a.journey_id, p.phase_key, p.owner,
                          r.score, r.answered_at AS ev
                   FROM survey_answer r JOIN account a ON a.account_id = r.account_id
                   LEFT JOIN phase p ON p.phase_id = r.phase_id
                   WHERE r.survey = 'nps' AND r.unhappy
                     AND substr(r.answered_at, 1, 10) > date(?1, ?2) AND substr(r.answered_at, 1, 10) <= ?1) x
                 JOIN account a ON a.account_id = x.account_id
                 WHERE 1 {hvc} ORDER BY ev, response_id");
            let mut stmt = conn.prepare(&sql).context(&context)?;
            let rows = stmt
                .query_map(params![day, back], |r| {
                    let at: String = r.get(8)?;
                    let score: i64 = r.get(7)?;
                    Ok(Candidate {
                        occurrence: format!("response:{}", r.get::<_, String>(0)?),
                        detail: format!("NPS {score} (a detractor) answered {}", at.replace('T', " ")),
                        period: at.get(..7).map(str::to_string),
                        ..account_part(r, 1)?
                    })
                })
                .context(&context)?;
            found = rows.collect::<rusqlite::Result<_>>().context(&context)?;
        }
        RuleKind::SlaBreach => {
            let sql = hvc(
                "SELECT * FROM (
                   SELECT t.ticket_id, a.account_id, a.name, a.owner, a.journey_id, p.phase_key, p.owner,
                          t.severity, t.opened_at AS ev, t.first_response_at IS NOT NULL
                              AND t.first_response_at < date(?1, '+1 day') AS answered,
                          unixepoch(min(coalesce(t.first_response_at, date(?1, '+1 day')), date(?1, '+1 day')))
                              - unixepoch(t.opened_at) AS secs,
                          CAST(s.value AS REAL) AS target
                   FROM ticket t JOIN account a ON a.account_id = t.account_id
                   LEFT JOIN phase p ON p.phase_id = t.phase_id
                   JOIN setting s ON s.key = 'sla_first_response_hours.' || t.severity
                   WHERE substr(t.opened_at, 1, 10) > date(?1, ?2) AND substr(t.opened_at, 1, 10) <= ?1) x
                 JOIN account a ON a.account_id = x.account_id
                 -- Whole seconds against the target: exactly on target is met.
                 WHERE x.secs > 3600 * x.target {hvc} ORDER BY ev, ticket_id",
            );
            let mut stmt = conn.prepare(&sql).context(&context)?;
            let rows = stmt
                .query_map(params![day, back], |r| {
                    let id: String = r.get(0)?;
                    let severity: String = r.get(7)?;
                    let at: String = r.get(8)?;
                    let answered: bool = r.get(9)?;
                    let took = duration(r.get(10)?);
                    let target = number(r.get(11)?);
                    let detail = if answered {
                        format!("ticket {id} ({severity}): first response after {took}, target {target} h")
                    } else {
                        format!("ticket {id} ({severity}): no first response after {took}, target {target} h")
                    };
                    Ok(Candidate {
                        occurrence: format!("ticket:{id}"),
                        detail,
                        period: at.get(..7).map(str::to_string),
                        ..account_part(r, 1)?
                    })
                })
                .context(&context)?;
            found = rows.collect::<rusqlite::Result<_>>().context(&context)?;
        }
        RuleKind::OverdueInvoice => {
            let sql = hvc(
                "SELECT * FROM (
                   SELECT i.invoice_id, a.account_id, a.name, a.owner, a.journey_id, NULL, NULL,
                          i.due_on AS ev, CAST(julianday(?1) - julianday(i.due_on) AS INTEGER) AS days, i.amount
                   FROM invoice i JOIN account a ON a.account_id = i.account_id
                   WHERE i.due_on > date(?1, ?2) AND i.due_on <= ?1
                     AND (i.paid_on IS NULL OR i.paid_on > ?1)) x
                 JOIN account a ON a.account_id = x.account_id
                 WHERE x.days > ?4 {hvc} ORDER BY ev, invoice_id",
            );
            let mut stmt = conn.prepare(&sql).context(&context)?;
            let rows = stmt
                .query_map(
                    params![day, back, rusqlite::types::Null, rule.threshold.unwrap_or(0.0)],
                    |r| {
                        let id: String = r.get(0)?;
                        let due: String = r.get(7)?;
                        let days: i64 = r.get(8)?;
                        Ok(Candidate {
                            occurrence: format!("invoice:{id}"),
                            detail: format!(
                                "invoice {id} of {} due {due}: unpaid, {days} days overdue",
                                number(r.get(9)?)
                            ),
                            period: due.get(..7).map(str::to_string),
                            ..account_part(r, 1)?
                        })
                    },
                )
                .context(&context)?;
            found = rows.collect::<rusqlite::Result<_>>().context(&context)?;
        }
        RuleKind::TierDrop => {
            for month in window_months(as_of, rule.window) {
                let sql = hvc("SELECT * FROM (
                       SELECT p.account_id, a.name, a.owner, a.journey_id, NULL, NULL,
                              pt.name AS before, ct.name AS after, ?1 AS ev
                       FROM account_tier p JOIN tier pt ON pt.tier_id = p.held_tier
                       JOIN account a ON a.account_id = p.account_id
                       LEFT JOIN account_tier c ON c.account_id = p.account_id AND c.period = ?1
                       LEFT JOIN tier ct ON ct.tier_id = c.held_tier
                       WHERE p.period = ?2 AND coalesce(ct.rank, 0) < pt.rank
                         AND EXISTS (SELECT 1 FROM account_tier e WHERE e.period = ?1)
                         -- Holding no tier because the account left is churn, not a drop.
                         AND (ct.tier_id IS NOT NULL OR EXISTS (
                              SELECT 1 FROM account_month m WHERE m.account_id = p.account_id
                              AND m.period = ?1 AND m.mrr_end IS NOT NULL))) x
                     JOIN account a ON a.account_id = x.account_id
                     WHERE 1 {hvc} ORDER BY x.account_id")
                .replace("?3", "?1");
                let mut stmt = conn.prepare(&sql).context(&context)?;
                let period = month.to_string();
                let rows = stmt
                    .query_map(params![period, month.prev().to_string()], |r| {
                        let before: String = r.get(6)?;
                        let after: Option<String> = r.get(7)?;
                        let mut c = account_part(r, 0)?;
                        c.occurrence = format!("{}:{period}", c.subject);
                        c.detail = format!(
                            "tier {before} -> {} at the end of {period}",
                            after.as_deref().unwrap_or("none")
                        );
                        c.period = Some(period.clone());
                        Ok(c)
                    })
                    .context(&context)?;
                found.extend(rows.collect::<rusqlite::Result<Vec<_>>>().context(&context)?);
            }
        }
        RuleKind::UsageDrop => {
            let threshold = rule.threshold.unwrap_or(0.0);
            for month in window_months(as_of, rule.window) {
                let sql = hvc("SELECT * FROM (
                       SELECT u.account_id, a.name, a.owner, a.journey_id, NULL, NULL, u.usage_index,
                              (SELECT avg(b.usage_index) FROM usage_month b WHERE b.account_id = u.account_id
                                 AND b.period >= ?2 AND b.period < ?1 AND b.usage_index IS NOT NULL) AS usual,
                              ?1 AS ev
                       FROM usage_month u JOIN account a ON a.account_id = u.account_id
                       WHERE u.period = ?1 AND u.usage_index IS NOT NULL) x
                     JOIN account a ON a.account_id = x.account_id
                     WHERE x.usual IS NOT NULL {hvc} ORDER BY x.account_id")
                .replace("?3", "?1");
                let mut stmt = conn.prepare(&sql).context(&context)?;
                let period = month.to_string();
                let from = month.offset(-(rule.baseline_months as i32)).to_string();
                let rows = stmt
                    .query_map(params![period, from], |r| {
                        let index: f64 = r.get(6)?;
                        let usual: f64 = r.get(7)?;
                        Ok((account_part(r, 0)?, index, usual))
                    })
                    .context(&context)?;
                for row in rows {
                    let (mut c, index, usual) = row.context(&context)?;
                    let Some(drop) = usage_drop(index, usual, threshold) else {
                        continue;
                    };
                    c.occurrence = format!("{}:{period}", c.subject);
                    c.detail = format!(
                        "usage {} in {period} against {} over the {} months before: down {}%",
                        number(index),
                        number(usual),
                        rule.baseline_months,
                        number(drop)
                    );
                    c.period = Some(period.clone());
                    found.push(c);
                }
            }
        }
        RuleKind::MetricRed => {
            let min_samples = super::review::min_samples_in(conn)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT m.metric_id, m.name, m.unit, m.direction, m.target, m.tolerance, m.aggregation,
                            p.journey_id, p.phase_key, p.owner, r.value, r.n, q.value, q.n
                     FROM metric m JOIN phase p ON p.phase_id = m.phase_id
                     JOIN rollup r ON r.metric_id = m.metric_id AND r.segment = 'all' AND r.period = ?1
                     LEFT JOIN rollup q ON q.metric_id = m.metric_id AND q.segment = 'all' AND q.period = ?2
                     WHERE m.target IS NOT NULL ORDER BY p.journey_id, p.position, m.metric_id",
                )
                .context(&context)?;
            for month in window_months(as_of, rule.window) {
                let period = month.to_string();
                let rows = stmt
                    .query_map(params![period, month.prev().to_string()], |r| {
                        let direction: String = r.get(3)?;
                        Ok((
                            Candidate {
                                metric_id: Some(r.get(0)?),
                                metric_name: r.get(1)?,
                                journey_id: Some(r.get(7)?),
                                phase_key: Some(r.get(8)?),
                                phase_owner: r.get(9)?,
                                ..Candidate::default()
                            },
                            r.get::<_, String>(2)?,
                            direction,
                            r.get::<_, f64>(4)?,
                            r.get::<_, f64>(5)?,
                            r.get::<_, String>(6)?,
                            (r.get::<_, f64>(10)?, r.get::<_, Option<i64>>(11)?),
                            (r.get::<_, Option<f64>>(12)?, r.get::<_, Option<i64>>(13)?),
                        ))
                    })
                    .context(&context)?;
                for row in rows {
                    let (mut c, unit, direction, target, tolerance, aggregation, now, before) =
                        row.context(&context)?;
                    let direction: Direction = direction
                        .parse()
                        .map_err(|e: String| Error::input(format!("metric {:?}: {e}", c.metric_id)))?;
                    let min = min_samples.of(&aggregation);
                    let status = |value: Option<f64>, n| {
                        Status::judged(value, n, min, Some(target), tolerance, direction)
                    };
                    if status(Some(now.0), now.1) != Status::Red || status(before.0, before.1) == Status::Red
                    {
                        continue;
                    }
                    let id = c.metric_id.clone().unwrap_or_default();
                    c.subject = format!("metric:{id}");
                    c.occurrence = format!("metric:{id}:{period}");
                    let unit = if unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {unit}")
                    };
                    c.detail = format!(
                        "{} {}{unit} in {period} is red (target {}, tolerance {})",
                        c.metric_name,
                        number(now.0),
                        number(target),
                        number(tolerance)
                    );
                    c.period = Some(period.clone());
                    found.push(c);
                }
            }
        }
    }
    Ok(found)
}

/// Columns from `at`: account id, name, owner, journey, phase key, phase owner.
fn account_part(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Candidate> {
    let account: String = r.get(at)?;
    Ok(Candidate {
        subject: format!("account:{account}"),
        account_id: Some(account),
        account_name: r.get(at + 1)?,
        account_owner: r.get(at + 2)?,
        journey_id: r.get(at + 3)?,
        phase_key: r.get(at + 4)?,
        phase_owner: r.get(at + 5)?,
        ..Candidate::default()
    })
}

/// The `window` months ending with the as-of day's month, oldest first.
fn window_months(as_of: NaiveDate, window: u32) -> Vec<Period> {
    let last = Period::of_date(as_of);
    (0..window as i32).rev().map(|back| last.offset(-back)).collect()
}

/// Seconds as "4 h 1 s", "2 h", "30 min": exact, so a breach by a second does not read as on time.
fn duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

fn number(value: f64) -> String {
    super::review::number(value)
}

impl Store {
    /// The enabled alert rules, by id.
    pub fn alert_rules(&self) -> Result<Vec<Rule>> {
        rules_in(&self.conn)
    }

    /// Evaluates every enabled rule as of `as_of` (the day's end), in one transaction: raises
    /// what no earlier run raised and opens its action. A dry run writes nothing, not even in a
    /// transaction it rolls back, so that it works on a store opened read-only: what the run
    /// would write is kept in memory (the alerts raised, the actions opened).
    pub fn run_alerts(&mut self, as_of: NaiveDate, dry_run: bool, who: &str, now: &str) -> Result<Run> {
        let behavior = if dry_run {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        };
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .context("starting the alerts' evaluation")?;
        // A dry run's own alerts and actions, as the writes would have recorded them.
        let mut raised_here: HashSet<(String, String)> = HashSet::new();
        let mut opened_here: HashSet<(String, String)> = HashSet::new();
        let previous: Option<(String, String)> = tx
            .query_row("SELECT as_of, ran_at FROM alert_run WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .context("reading the alerts' watermark")?;
        let rules = rules_in(&tx)?;
        let mut alerts = Vec::new();
        for rule in &rules {
            let source = format!("alert:{}", rule.id);
            for c in candidates(&tx, rule, as_of)? {
                let seen: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM alert WHERE rule_id = ?1 AND occurrence = ?2",
                        params![rule.id, c.occurrence],
                        |r| r.get(0),
                    )
                    .optional()
                    .context("reading the alerts raised")?;
                if seen.is_some() || raised_here.contains(&(rule.id.clone(), c.occurrence.clone())) {
                    continue;
                }
                let open: Option<i64> = tx
                    .query_row(
                        "SELECT action_id FROM action WHERE source = ?1 AND subject = ?2 AND status = 'open'",
                        params![source, c.subject],
                        |r| r.get(0),
                    )
                    .optional()
                    .context("finding an open action")?;
                let (action_id, opened) = match open {
                    Some(id) if dry_run => (Some(id), false),
                    Some(id) => {
                        append_event(&tx, id, "alert", &c.detail, who, now)?;
                        (Some(id), false)
                    }
                    // Opened earlier in this dry run: the alert would join it.
                    None if dry_run && opened_here.contains(&(source.clone(), c.subject.clone())) => {
                        (None, false)
                    }
                    None if dry_run => {
                        opened_here.insert((source.clone(), c.subject.clone()));
                        (None, true)
                    }
                    None => {
                        let values = TitleValues {
                            account: c.account_id.as_deref().unwrap_or(""),
                            name: &c.account_name,
                            metric: &c.metric_name,
                            period: c.period.as_deref().unwrap_or(""),
                            detail: &c.detail,
                        };
                        let new = NewAction {
                            title: render_title(&rule.title, &values),
                            account_id: c.account_id.clone(),
                            journey_id: c.journey_id.clone(),
                            phase_key: c.phase_key.clone(),
                            period: c.period.clone(),
                            metric_id: c.metric_id.clone(),
                            owner: rule
                                .owner
                                .resolve(c.account_owner.as_deref(), c.phase_owner.as_deref()),
                            due: as_of.checked_add_days(chrono::Days::new(u64::from(rule.due_days))),
                            source: source.clone(),
                            subject: c.subject.clone(),
                        };
                        // A phase key without a journey (an account with no journey) is left out.
                        let new = if new.journey_id.is_none() {
                            NewAction {
                                phase_key: None,
                                ..new
                            }
                        } else {
                            new
                        };
                        (Some(insert_action(&tx, &new, who, now)?), true)
                    }
                };
                if dry_run {
                    raised_here.insert((rule.id.clone(), c.occurrence.clone()));
                } else {
                    tx.execute(
                        "INSERT INTO alert (rule_id, occurrence, account_id, metric_id, period, detail, action_id, raised_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![rule.id, c.occurrence, c.account_id, c.metric_id, c.period, c.detail, action_id, now],
                    )
                    .context("recording an alert")?;
                }
                alerts.push(Alert {
                    rule: rule.id.clone(),
                    account_id: c.account_id,
                    metric_id: c.metric_id,
                    period: c.period,
                    detail: c.detail,
                    action_id,
                    opened,
                    raised_at: now.to_string(),
                });
            }
        }
        if dry_run {
            tx.rollback().context("ending the dry run")?;
        } else {
            tx.execute(
                "INSERT INTO alert_run (id, as_of, ran_at, ran_by, raised) VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET as_of = excluded.as_of, ran_at = excluded.ran_at,
                     ran_by = excluded.ran_by, raised = excluded.raised",
                params![as_of.to_string(), now, who, alerts.len() as i64],
            )
            .context("recording the alerts' watermark")?;
            tx.commit().context("committing the alerts")?;
        }
        Ok(Run {
            as_of,
            previous,
            rules: rules.len(),
            alerts,
        })
    }

    /// The metrics that turned red in `period` (red for segment `all`, not red the month
    /// before), as the `metric_red` rule sees them: (journey, phase key, metric id, detail).
    pub fn metrics_turned_red(&self, period: Period) -> Result<Vec<(String, String, String, String)>> {
        let rule = Rule {
            id: "digest".into(),
            kind: RuleKind::MetricRed,
            title: String::new(),
            owner: OwnerRule::Phase,
            due_days: 0,
            window: 1,
            threshold: None,
            baseline_months: 1,
            hvc_only: false,
        };
        let first_day = NaiveDate::from_ymd_opt(period.year(), period.month(), 1)
            .ok_or_else(|| Error::input(format!("{period}: not a month")))?;
        Ok(candidates(&self.conn, &rule, first_day)?
            .into_iter()
            .map(|c| {
                (
                    c.journey_id.unwrap_or_default(),
                    c.phase_key.unwrap_or_default(),
                    c.metric_id.unwrap_or_default(),
                    c.detail,
                )
            })
            .collect())
    }

    /// The last evaluation: as of which day and when it ran.
    pub fn last_alert_run(&self) -> Result<Option<(String, String)>> {
        self.conn
            .query_row("SELECT as_of, ran_at FROM alert_run WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .context("reading the alerts' watermark")
    }

    /// The alerts raised at times in [from, to) (timestamps or days), oldest first.
    pub fn alerts_raised(&self, from: &str, to: &str) -> Result<Vec<Alert>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rule_id, account_id, metric_id, period, detail, action_id, raised_at FROM alert
                 WHERE raised_at >= ?1 AND raised_at < ?2 ORDER BY raised_at, rule_id, occurrence",
            )
            .context("reading the alerts raised")?;
        let rows = stmt
            .query_map([from, to], |r| {
                Ok(Alert {
                    rule: r.get(0)?,
                    account_id: r.get(1)?,
                    metric_id: r.get(2)?,
                    period: r.get(3)?,
                    detail: r.get(4)?,
                    action_id: r.get(5)?,
                    opened: false,
                    raised_at: r.get(6)?,
                })
            })
            .context("reading the alerts raised")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the alerts raised")
    }
}
