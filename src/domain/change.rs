//! How much a metric changed from one month to the next, in terms that compare across metrics:
//! against its tolerance (the band within which it may miss its target), and as a relative
//! change only where a relative change means something.

use super::model::Metric;

/// How far a metric moved, in units of its tolerance: 5 NPS points with a tolerance of 5 is 1,
/// and so is half a point of churn with a tolerance of 0.5. A metric without a tolerance is
/// measured against its previous value instead (a relative change).
pub fn movement(change: f64, previous: f64, tolerance: f64) -> f64 {
    let scale = if tolerance > 0.0 {
        tolerance
    } else {
        previous.abs()
    };
    change.abs() / scale.max(1e-9)
}

/// Whether a relative (percent) change of the metric means anything: not for figures already in
/// percent (their change is in points) nor for net scores such as NPS, which cross zero (-1.56
/// to 5.17 is not "+431 %").
pub fn has_relative_change(metric: &Metric) -> bool {
    metric.unit != "%" && metric.aggregation != "nps"
}

/// (value - previous) / |previous| where it means something and previous is not zero.
pub fn relative_change(metric: &Metric, value: f64, previous: f64) -> Option<f64> {
    (has_relative_change(metric) && previous != 0.0).then(|| (value - previous) / previous.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Direction, MetricKind, Perspective};

    fn metric(unit: &str, aggregation: &str, tolerance: f64) -> Metric {
        Metric {
            id: "m".into(),
            phase_id: 1,
            name: "m".into(),
            kind: MetricKind::Success,
            perspective: Perspective::Proposition,
            unit: unit.into(),
            direction: Direction::Higher,
            target: Some(1.0),
            tolerance,
            aggregation: aggregation.into(),
            source: String::new(),
            definition: String::new(),
        }
    }

    #[test]
    fn a_net_score_and_a_percentage_have_no_relative_change() {
        // The review's "NPS -1.56 to 5.17 (+431 %)".
        assert_eq!(relative_change(&metric("score", "nps", 10.0), 5.17, -1.56), None);
        assert_eq!(relative_change(&metric("%", "csat", 5.0), 80.0, 40.0), None);
        // Hours are a ratio scale: 4 to 6 hours is +50 %.
        assert_eq!(
            relative_change(&metric("hours", "first_response_hours", 2.0), 6.0, 4.0),
            Some(0.5)
        );
        assert_eq!(
            relative_change(&metric("count", "new_accounts", 0.0), 3.0, 0.0),
            None
        );
    }

    #[test]
    fn movement_is_in_tolerances_else_relative() {
        // NPS -1.56 -> 5.17 with a tolerance of 10: 0.673 tolerances.
        assert!((movement(6.73, -1.56, 10.0) - 0.673).abs() < 1e-12);
        // Churn 1.0 -> 1.5 % with a tolerance of 0.5: one tolerance, a bigger move than the NPS one.
        assert!((movement(0.5, 1.0, 0.5) - 1.0).abs() < 1e-12);
        // No tolerance: against the previous value, 200 -> 150 is a quarter.
        assert!((movement(-50.0, 200.0, 0.0) - 0.25).abs() < 1e-12);
    }
}
