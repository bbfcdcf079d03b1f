//! How well each indicator predicted churn and its phase's success metrics, over the store's
//! history: read by `cxcockpit indicators` and by the cockpit's predictive-power view.

use serde::Serialize;

use crate::domain::Period;
use crate::domain::model::{Metric, MetricKind, Phase};
use crate::domain::predict::{self, ChurnPower, LaggedCorrelation};
use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorPower {
    pub metric_id: String,
    pub name: String,
    pub journey: String,
    pub phase: String,
    /// None: the indicator has no account-level data (an imported aggregate, say).
    pub churn: Option<ChurnPower>,
    pub success: Vec<LaggedCorrelation>,
    pub predicts_nothing: bool,
}

/// Every indicator of the chosen phases with its predictive power, strongest first, and the
/// success metrics no indicator predicts.
pub fn powers(
    store: &Store,
    phases: &[Phase],
    metrics: &[Metric],
    journey: &str,
    last: Period,
) -> Result<(Vec<IndicatorPower>, Vec<String>)> {
    let outcomes = store.indicator_outcomes()?;
    let series = store.series(journey, "all")?;
    let values = |id: &str| -> Vec<(Period, f64)> {
        series
            .get(id)
            .map(|m| {
                m.iter()
                    .filter(|(p, _)| **p <= last)
                    .map(|(p, v)| (*p, v.value))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut result = Vec::new();
    let mut unpredicted = Vec::new();
    for phase in phases {
        let in_phase: Vec<&Metric> = metrics.iter().filter(|m| m.phase_id == phase.id).collect();
        let successes: Vec<&&Metric> = in_phase
            .iter()
            .filter(|m| m.kind == MetricKind::Success)
            .collect();
        let mut predicted: std::collections::HashSet<String> = Default::default();
        for indicator in in_phase.iter().filter(|m| m.kind == MetricKind::Indicator) {
            let churn = outcomes
                .get(&indicator.id)
                .map(|o| predict::churn_power(o.red, o.green));
            let x = values(&indicator.id);
            let success: Vec<LaggedCorrelation> = successes
                .iter()
                .filter_map(|s| predict::lagged_correlation(&s.id, &x, &values(&s.id)))
                .collect();
            for c in success.iter().filter(|c| c.predicts) {
                predicted.insert(c.success_metric.clone());
            }
            if churn.as_ref().is_some_and(|c| c.predicts) {
                // Predicting churn predicts the phase's churn and retention metrics.
                for s in &successes {
                    if matches!(s.aggregation.as_str(), "logo_churn" | "grr" | "nrr") {
                        predicted.insert(s.id.clone());
                    }
                }
            }
            result.push(IndicatorPower {
                predicts_nothing: !churn.as_ref().is_some_and(|c| c.predicts)
                    && !success.iter().any(|c| c.predicts),
                metric_id: indicator.id.clone(),
                name: indicator.name.clone(),
                journey: journey.to_string(),
                phase: phase.name.clone(),
                churn,
                success,
            });
        }
        unpredicted.extend(
            successes
                .iter()
                .filter(|s| !predicted.contains(&s.id))
                .map(|s| s.id.clone()),
        );
    }
    result.sort_by(|a, b| {
        strength(b)
            .total_cmp(&strength(a))
            .then_with(|| a.metric_id.cmp(&b.metric_id))
    });
    Ok((result, unpredicted))
}

/// How the table ranks indicators: churn lift when it is significant, else the largest |rho|.
fn strength(p: &IndicatorPower) -> f64 {
    let churn = p
        .churn
        .as_ref()
        .filter(|c| c.predicts)
        .and_then(|c| c.lift)
        .unwrap_or(0.0);
    let rho = p
        .success
        .iter()
        .filter(|c| c.predicts)
        .map(|c| c.rho.abs())
        .fold(0.0, f64::max);
    churn.max(rho)
}
