//! `cxcockpit check`: SQLite's own integrity check, then the consistency rules the schema's
//! constraints cannot express. Problems make the check fail; notes only inform.

use serde::Serialize;

use crate::error::{Result, SqlContext};

use super::Store;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub detail: String,
}

#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub problems: Vec<Finding>,
    pub notes: Vec<Finding>,
}

/// A rule: a query whose every row (one text column) is a finding.
struct Rule {
    name: &'static str,
    problem: bool,
    sql: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        name: "pending refresh",
        problem: true,
        sql: "SELECT 'the derived figures do not reflect ' || touched || ' change(s) to ' || source
                     || CASE WHEN from_period = '0000-00' THEN '' ELSE ' from ' || from_period END
                     || CASE WHEN source = 'settings' THEN ' (a setting the refresh reads changed)'
                          ELSE ' (a refresh was cut short)' END
                     || ': cxcockpit rollup brings them up to date'
              FROM refresh_pending ORDER BY source",
    },
    Rule {
        name: "subscription dates",
        problem: true,
        sql: "SELECT 'subscription ' || subscription_id || ' of ' || account_id || ' ends ' || end_date
                     || ' before it starts ' || start_date
              FROM subscription WHERE end_date < start_date",
    },
    Rule {
        name: "date format",
        problem: true,
        sql: "SELECT 'subscription ' || subscription_id || ': start_date ''' || start_date || ''' is not YYYY-MM-DD'
              FROM subscription WHERE date(start_date) IS NOT start_date
              UNION ALL
              SELECT 'subscription ' || subscription_id || ': end_date ''' || end_date || ''' is not YYYY-MM-DD'
              FROM subscription WHERE end_date IS NOT NULL AND date(end_date) IS NOT end_date
              UNION ALL
              SELECT 'invoice ' || invoice_id || ': a date is not YYYY-MM-DD'
              FROM invoice WHERE date(issued_on) IS NOT issued_on OR date(due_on) IS NOT due_on
                              OR (paid_on IS NOT NULL AND date(paid_on) IS NOT paid_on)
              UNION ALL
              SELECT 'ticket ' || ticket_id || ': opened_at ''' || opened_at || ''' is not a timestamp'
              FROM ticket WHERE julianday(opened_at) IS NULL
              UNION ALL
              SELECT 'survey response ' || response_id || ': answered_at ''' || answered_at || ''' is not a timestamp'
              FROM survey_response WHERE julianday(answered_at) IS NULL",
    },
    Rule {
        name: "ticket times",
        problem: true,
        sql: "SELECT 'ticket ' || ticket_id || ' is resolved before its first response'
              FROM ticket WHERE resolved_at < first_response_at",
    },
    Rule {
        name: "phase journey",
        problem: true,
        sql: "SELECT 'ticket ' || t.ticket_id || ' of ' || a.account_id || ' (journey ' || a.journey_id
                     || ') is in a phase of journey ' || p.journey_id
              FROM ticket t JOIN account a USING (account_id) JOIN phase p ON p.phase_id = t.phase_id
              WHERE a.journey_id IS NOT NULL AND p.journey_id <> a.journey_id
              UNION ALL
              SELECT 'survey response ' || r.response_id || ' of ' || a.account_id || ' (journey ' || a.journey_id
                     || ') is in a phase of journey ' || p.journey_id
              FROM survey_response r JOIN account a USING (account_id) JOIN phase p ON p.phase_id = r.phase_id
              WHERE a.journey_id IS NOT NULL AND p.journey_id <> a.journey_id",
    },
    Rule {
        name: "churn without end",
        problem: true,
        sql: "SELECT 'account ' || c.account_id || ' has a churn event on ' || c.churned_on
                     || ' but a subscription still active then'
              FROM churn_event c
              WHERE EXISTS (SELECT 1 FROM subscription s WHERE s.account_id = c.account_id
                            AND s.start_date < c.churned_on
                            AND (s.end_date IS NULL OR s.end_date > c.churned_on))",
    },
    Rule {
        name: "imported values",
        problem: true,
        sql: "SELECT 'metric ' || v.metric_id || ' has imported values but is computed as ' || m.aggregation
              FROM metric_value v JOIN metric m USING (metric_id)
              WHERE m.aggregation <> 'imported' GROUP BY v.metric_id",
    },
    // Imports refuse figures beyond 1e12 (`import::fields::MAX_FIGURE`); a store written before
    // that, or by other means, is caught here, as is any sum that overflowed to infinity.
    Rule {
        name: "figure out of range",
        problem: true,
        sql: "SELECT 'subscription ' || subscription_id || ': mrr ' || mrr || ' is beyond 1e12'
              FROM subscription WHERE abs(mrr) > 1e12
              UNION ALL
              SELECT 'churn event of ' || account_id || ' on ' || churned_on || ': mrr_lost ' || mrr_lost
                     || ' is beyond 1e12'
              FROM churn_event WHERE abs(mrr_lost) > 1e12
              UNION ALL
              SELECT 'invoice ' || invoice_id || ': amount ' || amount || ' is beyond 1e12'
              FROM invoice WHERE abs(amount) > 1e12
              UNION ALL
              SELECT 'usage of ' || account_id || ' in ' || period || ' is beyond 1e12'
              FROM usage_month WHERE abs(downtime_hours) > 1e12 OR abs(usage_index) > 1e12
              UNION ALL
              SELECT 'metric value ' || metric_id || ' ' || period || ' ' || segment || ': ' || value
                     || ' is beyond 1e12'
              FROM metric_value WHERE abs(value) > 1e12
              UNION ALL
              SELECT 'tier ' || tier_id || ': min_mrr ' || min_mrr || ' is beyond 1e12'
              FROM tier WHERE abs(min_mrr) > 1e12",
    },
    Rule {
        name: "infinite figure",
        problem: true,
        sql: "SELECT 'rollup of ' || metric_id || ' for ' || segment || ' in ' || period
                     || ' is infinite: a sum overflowed; run `cxcockpit rollup` once the figures are fixed'
              FROM rollup WHERE abs(value) > 1.7976931348623157e308 OR abs(variance) > 1.7976931348623157e308
              UNION ALL
              SELECT 'churn of ' || segment || ' in ' || period || ' is infinite: a sum overflowed'
              FROM churn_month
              WHERE max(abs(start_mrr), abs(churned_mrr), abs(contraction_mrr), abs(expansion_mrr))
                    > 1.7976931348623157e308
              UNION ALL
              SELECT 'MRR of ' || account_id || ' in ' || period || ' is infinite: a sum overflowed'
              FROM account_month
              WHERE abs(mrr_start) > 1.7976931348623157e308 OR abs(mrr_end) > 1.7976931348623157e308",
    },
    Rule {
        name: "tier ladder",
        problem: true,
        sql: "SELECT 'tier ' || hi.tier_id || ' (rank ' || hi.rank || ') asks less than ' || lo.tier_id
                     || ' (rank ' || lo.rank || ')'
              FROM tier hi JOIN tier lo ON lo.rank < hi.rank
              WHERE hi.min_mrr < lo.min_mrr OR hi.min_tenure_months < lo.min_tenure_months",
    },
    Rule {
        name: "journey without phases",
        problem: true,
        sql: "SELECT 'journey ' || journey_id || ' has no phases'
              FROM journey j WHERE NOT EXISTS (SELECT 1 FROM phase p WHERE p.journey_id = j.journey_id)",
    },
    Rule {
        name: "stale rollups",
        problem: true,
        sql: "SELECT 'rollups are missing although the store holds data; run an import or `cxcockpit demo` again'
              WHERE EXISTS (SELECT 1 FROM subscription) AND EXISTS (SELECT 1 FROM metric)
                AND NOT EXISTS (SELECT 1 FROM rollup)",
    },
    Rule {
        name: "phase without owner",
        problem: false,
        sql: "SELECT 'phase ' || name || ' of journey ' || journey_id || ' has no owner'
              FROM phase WHERE owner IS NULL OR owner = '' ORDER BY journey_id, position",
    },
    Rule {
        name: "phase metrics",
        problem: false,
        sql: "SELECT 'phase ' || p.name || ' of journey ' || p.journey_id || ' has no ' || k.kind || ' metric'
              FROM phase p CROSS JOIN (SELECT 'indicator' AS kind UNION ALL SELECT 'success') k
              WHERE NOT EXISTS (SELECT 1 FROM metric m WHERE m.phase_id = p.phase_id AND m.kind = k.kind)
              ORDER BY p.journey_id, p.position, k.kind",
    },
    Rule {
        name: "metric without target",
        problem: false,
        sql: "SELECT 'metric ' || metric_id || ' has no target' FROM metric WHERE target IS NULL ORDER BY metric_id",
    },
    Rule {
        name: "account without journey",
        problem: false,
        sql: "SELECT count(*) || ' accounts belong to no journey and count in no journey metric'
              FROM account WHERE journey_id IS NULL HAVING count(*) > 0",
    },
];

impl Store {
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        let mut integrity = self
            .conn
            .prepare("PRAGMA integrity_check")
            .context("running the integrity check")?;
        let lines = integrity
            .query_map([], |r| r.get::<_, String>(0))
            .context("running the integrity check")?;
        for line in lines {
            let line = line.context("running the integrity check")?;
            if line != "ok" {
                report.problems.push(Finding {
                    rule: "integrity",
                    detail: line,
                });
            }
        }
        let mut fk = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .context("checking foreign keys")?;
        let broken = fk
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .context("checking foreign keys")?;
        for row in broken {
            let (table, rowid, parent) = row.context("checking foreign keys")?;
            let at = rowid.map(|id| format!(" (row {id})")).unwrap_or_default();
            report.problems.push(Finding {
                rule: "foreign key",
                detail: format!("a row of {table}{at} refers to a missing {parent}"),
            });
        }
        for rule in RULES {
            let mut stmt = self.conn.prepare(rule.sql).context(rule.name)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).context(rule.name)?;
            for detail in rows {
                let finding = Finding {
                    rule: rule.name,
                    detail: detail.context(rule.name)?,
                };
                if rule.problem {
                    report.problems.push(finding);
                } else {
                    report.notes.push(finding);
                }
            }
        }
        Ok(report)
    }
}
