//! Churn and revenue retention reads: monthly figures from the precomputed `churn_month`,
//! whole windows from `account_month` at the window's two ends, and the churn events behind them.

use rusqlite::params;
use serde::Serialize;

use crate::domain::Period;
use crate::domain::retention::{Retention, RetentionSums};
use crate::error::{Result, SqlContext};

use super::Store;

/// One group of churned accounts (a phase, a root cause, a reason).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnGroup {
    pub key: String,
    pub accounts: u64,
    pub mrr_lost: f64,
    /// The most frequent reasons within the group, most frequent first, with their counts.
    pub top_reasons: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnedAccount {
    pub account_id: String,
    pub name: String,
    pub churned_on: String,
    pub mrr_lost: f64,
    pub phase: Option<String>,
    pub root_cause: String,
    pub reason: String,
    pub tenure_months: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub cohort: String,
    pub size: u64,
    /// Share of the cohort active at the end of its month 0, 1, 2, ... (up to the store's last month).
    pub retained: Vec<f64>,
}

/// Churn events in a window: the account was active on its first day and not on the day after
/// its last, so the end date falls in (first day, first day of the month after `to`].
const EVENT_WINDOW: &str = "c.churned_on > ?1 AND c.churned_on <= ?2";

fn window_dates(from: Period, to: Period) -> (String, String) {
    (from.first_day().to_string(), to.next().first_day().to_string())
}

/// The condition on account `a` that keeps one segment ('all', 'hvc', 'regular', 'size:*',
/// 'industry:*', 'journey:*', 'tier:*' as held at the end of the month before `from`), and the
/// parameters after the window's two dates (?3, ?4).
fn segment_condition(segment: &str, from: Period) -> (&'static str, Vec<String>) {
    let value = |prefix: &str| segment.strip_prefix(prefix).map(str::to_string);
    if segment == "hvc" {
        ("a.hvc = 1", vec![])
    } else if segment == "regular" {
        ("a.hvc = 0", vec![])
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

impl Store {
    /// Each month's churn and retention for one segment; a month with no active account has
    /// figures of zero accounts (rates absent).
    pub fn churn_months(&self, segment: &str, from: Period, to: Period) -> Result<Vec<(Period, Retention)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT period, n_start, n_churned, start_mrr, churned_mrr, contraction_mrr, expansion_mrr
                 FROM churn_month WHERE segment = ?1 AND period BETWEEN ?2 AND ?3",
            )
            .context("reading churn")?;
        let mut found = std::collections::HashMap::new();
        let rows = stmt
            .query_map(params![segment, from.to_string(), to.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, sums_from_row(r, 1)?))
            })
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
    pub fn churn_window_by_segment(&self, from: Period, to: Period) -> Result<Vec<(String, Retention)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH s AS (SELECT account_id, mrr_start FROM account_month WHERE period = ?1 AND mrr_start IS NOT NULL),
                      e AS (SELECT account_id, mrr_end FROM account_month WHERE period = ?2),
                      w AS (SELECT a.account_id, a.hvc, a.company_size, a.industry, a.journey_id,
                                   coalesce(t.held_tier, 'none') AS tier, s.mrr_start, e.mrr_end
                            FROM s JOIN account a ON a.account_id = s.account_id
                            LEFT JOIN e ON e.account_id = s.account_id
                            LEFT JOIN account_tier t ON t.period = ?3 AND t.account_id = s.account_id),
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
                 ORDER BY CASE WHEN segment = 'all' THEN 0 WHEN segment IN ('hvc', 'regular') THEN 1 ELSE 2 END, segment",
            )
            .context("reading the churn window")?;
        let rows = stmt
            .query_map(
                params![from.to_string(), to.to_string(), from.prev().to_string()],
                |r| Ok((r.get::<_, String>(0)?, Retention::from_sums(sums_from_row(r, 1)?))),
            )
            .context("reading the churn window")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the churn window")
    }

    /// Churned accounts of the window grouped by the phase they left in ('(no phase)' when unknown).
    pub fn churn_by_phase(&self, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_by_phase_in("all", from, to)
    }

    /// Churned accounts of the window grouped by root cause.
    pub fn churn_by_reason(&self, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_by_reason_in("all", from, to)
    }

    /// `churn_by_phase` for the accounts of one segment.
    pub fn churn_by_phase_in(&self, segment: &str, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_groups(
            "coalesce(j.name || ': ' || p.name, '(no phase)')",
            segment,
            from,
            to,
        )
    }

    /// `churn_by_reason` for the accounts of one segment.
    pub fn churn_by_reason_in(&self, segment: &str, from: Period, to: Period) -> Result<Vec<ChurnGroup>> {
        self.churn_groups("c.root_cause", segment, from, to)
    }

    fn churn_groups(
        &self,
        key_sql: &str,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<ChurnGroup>> {
        let (start, end) = window_dates(from, to);
        let (condition, extra) = segment_condition(segment, from);
        let sql = format!(
            "SELECT {key_sql} AS k, c.reason, count(*), sum(c.mrr_lost)
             FROM churn_event c JOIN account a ON a.account_id = c.account_id
             LEFT JOIN phase p ON p.phase_id = c.phase_id
             LEFT JOIN journey j ON j.journey_id = p.journey_id
             WHERE {EVENT_WINDOW} AND {condition}
             GROUP BY k, c.reason"
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("grouping churn")?;
        let args: Vec<String> = [start, end].into_iter().chain(extra).collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, f64>(3)?,
                ))
            })
            .context("grouping churn")?;
        let mut groups: Vec<ChurnGroup> = Vec::new();
        for row in rows {
            let (key, reason, count, mrr) = row.context("grouping churn")?;
            let index = match groups.iter().position(|g| g.key == key) {
                Some(i) => i,
                None => {
                    groups.push(ChurnGroup {
                        key,
                        accounts: 0,
                        mrr_lost: 0.0,
                        top_reasons: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            group.accounts += count as u64;
            group.mrr_lost += mrr;
            if !reason.is_empty() {
                group.top_reasons.push((reason, count as u64));
            }
        }
        for group in &mut groups {
            group
                .top_reasons
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            group.top_reasons.truncate(3);
        }
        groups.sort_by(|a, b| b.accounts.cmp(&a.accounts).then_with(|| a.key.cmp(&b.key)));
        Ok(groups)
    }

    /// The accounts that churned in the window, largest MRR lost first.
    pub fn churned_accounts(&self, from: Period, to: Period) -> Result<Vec<ChurnedAccount>> {
        self.churned_accounts_in("all", from, to)
    }

    /// `churned_accounts` of one segment.
    pub fn churned_accounts_in(
        &self,
        segment: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<ChurnedAccount>> {
        let (start, end) = window_dates(from, to);
        let (condition, extra) = segment_condition(segment, from);
        let sql = format!(
            "SELECT c.account_id, a.name, c.churned_on, c.mrr_lost, p.name, c.root_cause, c.reason,
                    (SELECT min(s.start_date) FROM subscription s WHERE s.account_id = c.account_id)
             FROM churn_event c JOIN account a ON a.account_id = c.account_id
             LEFT JOIN phase p ON p.phase_id = c.phase_id
             WHERE {EVENT_WINDOW} AND {condition}
             ORDER BY c.mrr_lost DESC, c.account_id"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .context("listing churned accounts")?;
        let args: Vec<String> = [start, end].into_iter().chain(extra).collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                let churned_on: String = r.get(2)?;
                let first: Option<String> = r.get(7)?;
                let tenure = match (first.and_then(|f| f.parse().ok()), churned_on.parse().ok()) {
                    (Some(first), Some(churned)) => crate::domain::tiers::whole_months(first, churned),
                    _ => 0,
                };
                Ok(ChurnedAccount {
                    account_id: r.get(0)?,
                    name: r.get(1)?,
                    churned_on,
                    mrr_lost: r.get(3)?,
                    phase: r.get(4)?,
                    root_cause: r.get(5)?,
                    reason: r.get(6)?,
                    tenure_months: tenure,
                })
            })
            .context("listing churned accounts")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("listing churned accounts")
    }

    /// Accounts by the month their first subscription started, and the share still active at
    /// the end of each following month, up to `last`.
    pub fn cohorts(&self, from: Period, last: Period) -> Result<Vec<Cohort>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH f AS (SELECT account_id, substr(min(start_date), 1, 7) AS cohort FROM subscription
                            GROUP BY account_id HAVING cohort BETWEEN ?1 AND ?2)
                 SELECT f.cohort, am.period, count(*)
                 FROM f JOIN account_month am ON am.account_id = f.account_id
                 WHERE am.mrr_end IS NOT NULL AND am.period >= f.cohort
                 GROUP BY f.cohort, am.period",
            )
            .context("computing cohorts")?;
        let mut sizes = self
            .conn
            .prepare_cached(
                "SELECT cohort, count(*) FROM (SELECT substr(min(start_date), 1, 7) AS cohort FROM subscription
                 GROUP BY account_id) WHERE cohort BETWEEN ?1 AND ?2 GROUP BY cohort ORDER BY cohort",
            )
            .context("computing cohorts")?;
        let args = params![from.to_string(), last.to_string()];
        let mut cohorts: Vec<Cohort> = Vec::new();
        for row in sizes
            .query_map(args, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .context("computing cohorts")?
        {
            let (cohort, size) = row.context("computing cohorts")?;
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
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .context("computing cohorts")?;
        for row in rows {
            let (cohort, period, active) = row.context("computing cohorts")?;
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
