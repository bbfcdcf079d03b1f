//! Read queries that return domain types: the row mapping lives here, in one place.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Row;

use crate::domain::Period;
use crate::domain::model::{Direction, Journey, Metric, MonthValue, Phase};
use crate::domain::survey::Scale;
use crate::domain::tiers::TierRule;
use crate::error::{Result, SqlContext};

use super::Store;

/// Rollup values of one journey and segment: metric id -> month -> value.
pub type Series = HashMap<String, BTreeMap<Period, MonthValue>>;

/// A survey's scale for one journey (`Store::survey_scales`).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyScale {
    pub survey: String,
    pub scale: Scale,
    /// Declared by the journey's definitions; else the standard scale.
    pub declared: bool,
}

impl Store {
    pub fn journeys(&self) -> Result<Vec<Journey>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT journey_id, name, description FROM journey ORDER BY journey_id")
            .context("listing journeys")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Journey {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                })
            })
            .context("listing journeys")?;
        rows.collect::<rusqlite::Result<_>>().context("listing journeys")
    }

    /// The journey's phases in order, each with its touchpoints.
    pub fn phases(&self, journey_id: &str) -> Result<Vec<Phase>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.phase_id, p.journey_id, p.phase_key, p.name, p.position, p.cx_goal,
                        p.business_goal, p.owner, p.moments_of_truth, p.pain_points,
                        coalesce((SELECT group_concat(touchpoint, char(31)) FROM
                                    (SELECT touchpoint FROM phase_touchpoint t
                                     WHERE t.phase_id = p.phase_id ORDER BY touchpoint)), '')
                 FROM phase p WHERE p.journey_id = ?1 ORDER BY p.position",
            )
            .context("listing phases")?;
        let rows = stmt
            .query_map([journey_id], |r| {
                let touchpoints: String = r.get(10)?;
                Ok(Phase {
                    id: r.get(0)?,
                    journey_id: r.get(1)?,
                    key: r.get(2)?,
                    name: r.get(3)?,
                    position: r.get(4)?,
                    cx_goal: r.get(5)?,
                    business_goal: r.get(6)?,
                    owner: r.get(7)?,
                    moments_of_truth: r.get(8)?,
                    pain_points: r.get(9)?,
                    touchpoints: touchpoints
                        .split('\u{1f}')
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            })
            .context("listing phases")?;
        rows.collect::<rusqlite::Result<_>>().context("listing phases")
    }

    /// The journey's metrics, by phase order, indicators before success metrics.
    pub fn metrics(&self, journey_id: &str) -> Result<Vec<Metric>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.metric_id, m.phase_id, m.name, m.kind, m.perspective, m.unit, m.direction,
                        m.target, m.tolerance, m.aggregation, m.source, m.definition
                 FROM metric m JOIN phase p ON p.phase_id = m.phase_id
                 WHERE p.journey_id = ?1 ORDER BY p.position, m.kind, m.name",
            )
            .context("listing metrics")?;
        let rows = stmt
            .query_map([journey_id], metric_from_row)
            .context("listing metrics")?;
        rows.collect::<rusqlite::Result<_>>().context("listing metrics")
    }

    /// Every rollup value of one journey and segment, for the panes to read by key.
    pub fn series(&self, journey_id: &str, segment: &str) -> Result<Series> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.metric_id, r.period, r.value, r.n, r.variance
                 FROM rollup r JOIN metric m ON m.metric_id = r.metric_id
                 JOIN phase p ON p.phase_id = m.phase_id
                 WHERE p.journey_id = ?1 AND r.segment = ?2",
            )
            .context("reading rollups")?;
        let mut rows = stmt.query([journey_id, segment]).context("reading rollups")?;
        let mut series = Series::new();
        while let Some(row) = rows.next().context("reading rollups")? {
            let metric_id: String = row.get(0).context("reading rollups")?;
            let period: String = row.get(1).context("reading rollups")?;
            let Ok(period) = period.parse::<Period>() else {
                continue;
            };
            let value = MonthValue {
                value: row.get(2).context("reading rollups")?,
                n: row.get(3).context("reading rollups")?,
                variance: row.get(4).context("reading rollups")?,
            };
            series.entry(metric_id).or_default().insert(period, value);
        }
        Ok(series)
    }

    /// The scales the journey's surveys are scored on (nps, csat, ces), each with whether the
    /// journey declared it (else it is the standard one).
    pub fn survey_scales(&self, journey_id: &str) -> Result<Vec<SurveyScale>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.survey, f.min_score, f.max_score, f.good, f.unhappy_from, f.unhappy_to,
                        f.happy_from, f.happy_to, d.survey IS NOT NULL
                 FROM survey_scale_in_force f
                 LEFT JOIN survey_scale d ON d.journey_id = f.journey_id AND d.survey = f.survey
                 WHERE f.journey_id = ?1
                 ORDER BY CASE f.survey WHEN 'nps' THEN 0 WHEN 'csat' THEN 1 ELSE 2 END",
            )
            .context("reading survey scales")?;
        let rows = stmt
            .query_map([journey_id], |r| {
                let good: String = r.get(3)?;
                Ok(SurveyScale {
                    survey: r.get(0)?,
                    scale: Scale {
                        min: r.get(1)?,
                        max: r.get(2)?,
                        good: if good == "lower" {
                            Direction::Lower
                        } else {
                            Direction::Higher
                        },
                        unhappy: (r.get(4)?, r.get(5)?),
                        happy: (r.get(6)?, r.get(7)?),
                    },
                    declared: r.get(8)?,
                })
            })
            .context("reading survey scales")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading survey scales")
    }

    /// The segments that hold data: 'all', 'hvc', 'regular', then each company size.
    pub fn segments(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT segment FROM rollup
                 ORDER BY CASE segment WHEN 'all' THEN 0 WHEN 'hvc' THEN 1 WHEN 'regular' THEN 2 ELSE 3 END,
                          segment",
            )
            .context("listing segments")?;
        let rows = stmt.query_map([], |r| r.get(0)).context("listing segments")?;
        rows.collect::<rusqlite::Result<_>>().context("listing segments")
    }

    pub fn tiers(&self) -> Result<Vec<TierRule>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT tier_id, name, rank, benefits, min_mrr, window_months, min_tenure_months,
                        grace_months, req_no_overdue, req_no_open_severe, req_not_detractor, req_hvc, qualify
                 FROM tier ORDER BY rank",
            )
            .context("listing tiers")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TierRule {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    rank: r.get(2)?,
                    benefits: r.get(3)?,
                    min_mrr: r.get(4)?,
                    window_months: r.get::<_, i64>(5)?.max(1) as usize,
                    min_tenure_months: r.get(6)?,
                    grace_months: r.get(7)?,
                    req_no_overdue: r.get(8)?,
                    req_no_open_severe: r.get(9)?,
                    req_not_detractor: r.get(10)?,
                    req_hvc: r.get(11)?,
                    // The schema's CHECK keeps it to 'all' or 'any'.
                    qualify: r.get::<_, String>(12)?.parse().unwrap_or_default(),
                })
            })
            .context("listing tiers")?;
        rows.collect::<rusqlite::Result<_>>().context("listing tiers")
    }
}

fn metric_from_row(r: &Row<'_>) -> rusqlite::Result<Metric> {
    // The schema's CHECK constraints keep these columns to the enums' vocabularies.
    Ok(Metric {
        id: r.get(0)?,
        phase_id: r.get(1)?,
        name: r.get(2)?,
        kind: parse_text(3, r.get(3)?)?,
        perspective: parse_text(4, r.get(4)?)?,
        unit: r.get(5)?,
        direction: parse_text(6, r.get(6)?)?,
        target: r.get(7)?,
        tolerance: r.get(8)?,
        aggregation: r.get(9)?,
        source: r.get(10)?,
        definition: r.get(11)?,
    })
}

fn parse_text<T: std::str::FromStr<Err = String>>(column: usize, text: String) -> rusqlite::Result<T> {
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
    })
}
