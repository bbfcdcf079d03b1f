//! What the panes show, computed from the loaded data for one month: each metric's value,
//! status, change and trend; each phase's counts by status; the metrics that moved most.
//! Pure functions over memory, shared by the drawing code and `snapshot --format json`.

use serde::Serialize;

use super::data::Dataset;
use crate::domain::Period;
use crate::domain::model::{Metric, MetricKind, Phase};
use crate::domain::status::Status;

/// Months in a row's sparkline, ending at the month shown.
pub const TREND_MONTHS: i32 = 12;

/// One metric in one month.
#[derive(Debug, Clone, Serialize)]
pub struct MetricView<'a> {
    #[serde(skip)]
    pub metric: &'a Metric,
    pub id: &'a str,
    pub name: &'a str,
    pub kind: MetricKind,
    pub value: Option<f64>,
    /// The sample the value rests on.
    pub n: Option<i64>,
    pub target: Option<f64>,
    pub status: Status,
    pub previous: Option<f64>,
    /// Value minus the previous month's, when both exist.
    pub delta: Option<f64>,
    /// Survey metrics: whether the change is significant at 95% (`domain::change::significant`);
    /// None where no test applies. An insignificant change is drawn dim and is no mover.
    pub significant: Option<bool>,
    /// The last `TREND_MONTHS` months, oldest first; None where there is no data.
    pub trend: Vec<Option<f64>>,
    /// Computed over all the journey's accounts, not from the phase's own events.
    pub journey_wide: bool,
}

impl<'a> MetricView<'a> {
    pub fn new(data: &Dataset, metric: &'a Metric, period: Period) -> Self {
        let series = data.series.get(&metric.id);
        let at = |p: Period| series.and_then(|s| s.get(&p)).filter(|v| v.value.is_finite());
        let current = at(period);
        let value = current.map(|v| v.value);
        let previous = at(period.prev()).map(|v| v.value);
        let delta = value.zip(previous).map(|(v, p)| v - p);
        let significant = crate::domain::change::significance(metric, current, at(period.prev()));
        let last_position = data.phases.iter().map(|p| p.position).max();
        let in_last_phase = data
            .phases
            .iter()
            .any(|p| p.id == metric.phase_id && Some(p.position) == last_position);
        MetricView {
            journey_wide: metric.is_journey_wide(in_last_phase),
            metric,
            id: &metric.id,
            name: &metric.name,
            kind: metric.kind,
            value,
            n: current.and_then(|v| v.n),
            target: metric.target,
            status: Status::judged(
                value,
                current.and_then(|v| v.n),
                data.min_samples.of(&metric.aggregation),
                metric.target,
                metric.tolerance,
                metric.direction,
            ),
            previous,
            delta,
            significant,
            trend: period
                .offset(1 - TREND_MONTHS)
                .through(period)
                .map(|p| at(p).map(|v| v.value))
                .collect(),
        }
    }

    /// How far the metric moved, in units of its tolerance (`domain::change::movement`), as
    /// the review ranks its movers: a move of 5 in NPS and of 0.5 in churn compare.
    pub fn movement(&self) -> Option<f64> {
        let (delta, previous) = self.delta.zip(self.previous)?;
        Some(crate::domain::change::movement(
            delta,
            previous,
            self.metric.tolerance,
        ))
    }
}

/// Whether a metric name matches the filter (case-insensitive substring; empty matches all).
pub fn matches(metric: &Metric, filter: &str) -> bool {
    filter.is_empty() || metric.name.to_lowercase().contains(&filter.to_lowercase())
}

/// A phase's metrics in one month: indicators, then success metrics, filtered by name.
pub fn phase_rows<'a>(
    data: &'a Dataset,
    phase: &Phase,
    period: Period,
    filter: &str,
) -> (Vec<MetricView<'a>>, Vec<MetricView<'a>>) {
    let rows = |kind: MetricKind| {
        data.phase_metrics(phase.id)
            .filter(|m| m.kind == kind && matches(m, filter))
            .map(|m| MetricView::new(data, m, period))
            .collect()
    };
    (rows(MetricKind::Indicator), rows(MetricKind::Success))
}

/// Metrics of one kind by status. Metrics without a target are counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub green: usize,
    pub amber: usize,
    pub red: usize,
    pub no_data: usize,
    pub no_target: usize,
    /// Values on too small a sample to judge.
    pub low_sample: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Green => self.green += 1,
            Status::Amber => self.amber += 1,
            Status::Red => self.red += 1,
            Status::NoData => self.no_data += 1,
            Status::NoTarget => self.no_target += 1,
            Status::LowSample => self.low_sample += 1,
        }
    }
}

/// One phase on the overview.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseSummary<'a> {
    #[serde(skip)]
    pub phase: &'a Phase,
    pub indicators: Counts,
    pub success: Counts,
}

pub fn phase_summaries(data: &Dataset, period: Period) -> Vec<PhaseSummary<'_>> {
    data.phases
        .iter()
        .map(|phase| {
            let mut summary = PhaseSummary {
                phase,
                indicators: Counts::default(),
                success: Counts::default(),
            };
            for metric in data.phase_metrics(phase.id) {
                let view = MetricView::new(data, metric, period);
                match metric.kind {
                    MetricKind::Indicator => summary.indicators.add(view.status),
                    MetricKind::Success => summary.success.add(view.status),
                }
            }
            summary
        })
        .collect()
}

/// The metrics that moved most since the previous month, largest move first (ties by name);
/// survey changes within their sampling error are no movers.
pub fn movers<'a>(data: &'a Dataset, period: Period, filter: &str, limit: usize) -> Vec<MetricView<'a>> {
    let mut moved: Vec<(f64, MetricView<'a>)> = data
        .metrics
        .iter()
        .filter(|m| matches(m, filter))
        .map(|m| MetricView::new(data, m, period))
        .filter(|v| v.significant != Some(false))
        .filter_map(|v| v.movement().filter(|x| *x > 0.0).map(|x| (x, v)))
        .collect();
    moved.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(b.1.name)));
    moved.into_iter().take(limit).map(|(_, v)| v).collect()
}
