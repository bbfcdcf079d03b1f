//! How well each indicator predicted churn and its phase's success metrics, over the store's
//! history: read by `cxcockpit indicators` and by the cockpit's predictive-power view.

use serde::Serialize;

use crate::domain::Period;
use crate::domain::model::{Metric, MetricKind, Phase};
use crate::domain::predict::{self, ChurnPower, LaggedCorrelation, Verdict};
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
    /// The most months the indicator had paired with one of the phase's success metrics, at any
    /// lag (`predict::paired_months`).
    pub months: usize,
    /// In JSON, a word: `predicts_churn`, `predicts_success`, `predicts_churn_and_success`,
    /// `predicts_nothing` or `not_enough_history`.
    pub verdict: Verdict,
    /// Tested and predicts nothing (`verdict` is `predicts_nothing`); false when there was not
    /// enough history to test. Kept for JSON readers of before `verdict`.
    pub predicts_nothing: bool,
}

impl IndicatorPower {
    /// The correlation to show: a predicting one when there is one, else the strongest.
    pub fn best_correlation(&self) -> Option<&LaggedCorrelation> {
        predict::best(&self.success)
    }
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
            let mut success = Vec::new();
            let mut months = 0;
            for s in &successes {
                let y = values(&s.id);
                months = months.max(predict::paired_months(&x, &y));
                success.extend(predict::lagged_correlation(
                    &s.id,
                    &x,
                    indicator.direction,
                    &y,
                    s.direction,
                ));
            }
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
            let verdict = predict::verdict(churn.as_ref(), &success, months);
            result.push(IndicatorPower {
                predicts_nothing: verdict == Verdict::PredictsNothing,
                verdict,
                months,
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
        group(a)
            .cmp(&group(b))
            .then_with(|| strength(b).total_cmp(&strength(a)))
            .then_with(|| a.metric_id.cmp(&b.metric_id))
    });
    Ok((result, unpredicted))
}

/// How the table groups indicators: those that predict, then those that predict nothing, then
/// those without enough history to tell.
fn group(p: &IndicatorPower) -> u8 {
    match p.verdict {
        v if v.predicts() => 0,
        Verdict::NotEnoughHistory { .. } => 2,
        _ => 1,
    }
}

/// How the table ranks indicators within a group: churn lift when it is significant, else the
/// largest predicting |rho|.
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
