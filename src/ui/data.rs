//! What the store holds that the whole cockpit draws from: the catalogue (journeys, segments,
//! months; read once at start) and one journey's phases, metrics and values in one segment
//! (read when the journey or the segment changes; a month or pane step reads memory).

use std::collections::{BTreeMap, HashMap};

use crate::domain::Period;
use crate::domain::model::{Journey, Metric, MonthValue, Phase};
use crate::domain::status::MinSamples;
use crate::error::Result;
use crate::store::Store;
use crate::store::SurveyScale;

/// Rollup values of one journey and segment: metric id -> month -> value (`Store::series`).
pub type Series = HashMap<String, BTreeMap<Period, MonthValue>>;

/// What the store holds that does not change while the cockpit runs.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub journeys: Vec<Journey>,
    /// 'all', 'hvc', 'regular', 'size:<company size>': the segments with data.
    pub segments: Vec<String>,
    /// The first and last month of the store's data.
    pub range: Option<(Period, Period)>,
    /// Changes to raw rows the derived figures do not reflect yet (a refresh was cut short).
    pub refresh_pending: bool,
}

impl Catalogue {
    pub fn load(store: &Store) -> Result<Catalogue> {
        let mut segments = store.segments()?;
        if !segments.iter().any(|s| s == "all") {
            segments.insert(0, "all".to_string());
        }
        Ok(Catalogue {
            journeys: store.journeys()?,
            segments,
            range: months(store)?,
            refresh_pending: !store.pending()?.is_empty(),
        })
    }
}

/// The store's first and last month. The `first_period` and `as_of` settings decide when both
/// are there (as in `Store::period_range`), read directly: the range query scans every ticket
/// and survey even then, which would cost the first frame most of its time on a large store.
fn months(store: &Store) -> Result<Option<(Period, Period)>> {
    let setting = |key| -> Result<Option<Period>> { Ok(store.setting(key)?.and_then(|v| v.parse().ok())) };
    match (setting("first_period")?, setting("as_of")?) {
        (Some(first), Some(last)) if first <= last => Ok(Some((first, last))),
        _ => store.period_range(),
    }
}

/// One journey's phases and metrics, and their values in one segment.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// The journey the phases and metrics are of (empty: none read yet).
    pub journey: String,
    /// The segment `series` is of (empty: not read yet).
    pub segment: String,
    pub phases: Vec<Phase>,
    pub metrics: Vec<Metric>,
    pub series: Series,
    /// The minimum sample each aggregation needs to be judged (`Status::judged`).
    pub min_samples: MinSamples,
    /// The scales the journey's surveys are scored on, for the definitions overlay.
    pub scales: Vec<SurveyScale>,
}

impl Dataset {
    pub fn load(store: &Store, journey_id: &str, segment: &str) -> Result<Dataset> {
        Ok(Dataset {
            journey: journey_id.to_string(),
            segment: segment.to_string(),
            phases: store.phases(journey_id)?,
            metrics: store.metrics(journey_id)?,
            series: store.series(journey_id, segment)?,
            min_samples: store.min_samples()?,
            scales: store.survey_scales(journey_id)?,
        })
    }

    /// Whether the phases, metrics and series held are those of this journey and segment.
    pub fn is_of(&self, journey_id: &str, segment: &str) -> bool {
        self.journey == journey_id && self.segment == segment
    }

    pub fn phase_metrics(&self, phase_id: i64) -> impl Iterator<Item = &Metric> {
        self.metrics.iter().filter(move |m| m.phase_id == phase_id)
    }

    pub fn phase_of(&self, metric: &Metric) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == metric.phase_id)
    }
}
