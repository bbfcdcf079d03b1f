//! Status of a metric against its target, direction-aware.

use std::collections::HashMap;

use serde::Serialize;

use super::model::Direction;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    Amber,
    Red,
    /// No value for the period. Never shown as zero.
    NoData,
    /// A value, but no target to judge it by.
    NoTarget,
    /// A value resting on fewer answers (or tickets) than the metric's minimum sample: shown
    /// with its `n`, judged neither ok nor bad.
    LowSample,
}

/// The smallest sample a metric's value needs before it is judged, by aggregation. Defaults:
/// 30 answers for NPS, CSAT and CES; 10 tickets or orders for the means of response,
/// resolution and lead times. The setting `min_sample.<aggregation>` changes one (0: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinSamples(HashMap<String, i64>);

impl Default for MinSamples {
    fn default() -> Self {
        let defaults = [
            ("nps", 30),
            ("csat", 30),
            ("ces", 30),
            ("first_response_hours", 10),
            ("resolution_hours", 10),
            ("lead_time_days", 10),
        ];
        MinSamples(defaults.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }
}

impl MinSamples {
    /// The defaults with the settings' overrides (`min_sample.<aggregation>` = a whole number).
    pub fn with_settings<'a>(settings: impl IntoIterator<Item = (&'a str, &'a str)>) -> MinSamples {
        let mut min = MinSamples::default();
        for (key, value) in settings {
            if let (Some(aggregation), Ok(n)) = (key.strip_prefix("min_sample."), value.trim().parse::<i64>())
            {
                min.0.insert(aggregation.to_string(), n.max(0));
            }
        }
        min
    }

    /// The minimum sample of an aggregation, if it has one.
    pub fn of(&self, aggregation: &str) -> Option<i64> {
        self.0.get(aggregation).copied().filter(|n| *n > 0)
    }
}

impl Status {
    /// Green meets the target; amber misses it within the tolerance; red misses it by more.
    pub fn of(value: Option<f64>, target: Option<f64>, tolerance: f64, direction: Direction) -> Self {
        let Some(value) = value.filter(|v| v.is_finite()) else {
            return Status::NoData;
        };
        let Some(target) = target else {
            return Status::NoTarget;
        };
        // How far the value falls short of the target, in the metric's own unit.
        let shortfall = match direction {
            Direction::Higher => target - value,
            Direction::Lower => value - target,
        };
        if shortfall <= 0.0 {
            Status::Green
        } else if shortfall <= tolerance {
            Status::Amber
        } else {
            Status::Red
        }
    }

    /// `of`, except that a value resting on a sample `n` below `min_sample` is not judged
    /// (`LowSample`). A value without a sample size (an imported aggregate) is judged.
    pub fn judged(
        value: Option<f64>,
        n: Option<i64>,
        min_sample: Option<i64>,
        target: Option<f64>,
        tolerance: f64,
        direction: Direction,
    ) -> Self {
        let status = Status::of(value, target, tolerance, direction);
        match (status, n, min_sample) {
            (Status::NoData, ..) => Status::NoData,
            (_, Some(n), Some(min)) if n < min => Status::LowSample,
            (status, ..) => status,
        }
    }

    /// Whether the status is a verdict on the metric (ok, warn or bad).
    pub fn is_verdict(self) -> bool {
        matches!(self, Status::Green | Status::Amber | Status::Red)
    }

    /// A word that carries the status without colour.
    pub fn label(self) -> &'static str {
        match self {
            Status::Green => "ok",
            Status::Amber => "warn",
            Status::Red => "bad",
            Status::NoData => "n/a",
            Status::NoTarget => "-",
            Status::LowSample => "low n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Higher, Lower};

    #[test]
    fn higher_is_better() {
        assert_eq!(Status::of(Some(80.0), Some(80.0), 5.0, Higher), Status::Green);
        assert_eq!(Status::of(Some(75.0), Some(80.0), 5.0, Higher), Status::Amber);
        assert_eq!(Status::of(Some(74.9), Some(80.0), 5.0, Higher), Status::Red);
    }

    #[test]
    fn lower_is_better() {
        assert_eq!(Status::of(Some(4.0), Some(4.0), 1.0, Lower), Status::Green);
        assert_eq!(Status::of(Some(5.0), Some(4.0), 1.0, Lower), Status::Amber);
        assert_eq!(Status::of(Some(5.5), Some(4.0), 1.0, Lower), Status::Red);
        assert_eq!(Status::of(Some(0.0), Some(4.0), 1.0, Lower), Status::Green);
    }

    #[test]
    fn a_handful_of_answers_is_not_judged() {
        // NPS 100 on one answer, minimum 30: no verdict, whatever the target.
        assert_eq!(
            Status::judged(Some(100.0), Some(1), Some(30), Some(40.0), 10.0, Higher),
            Status::LowSample
        );
        assert_eq!(
            Status::judged(Some(0.0), Some(29), Some(30), Some(40.0), 10.0, Higher),
            Status::LowSample
        );
        // At the minimum it is judged.
        assert_eq!(
            Status::judged(Some(0.0), Some(30), Some(30), Some(40.0), 10.0, Higher),
            Status::Red
        );
        // No minimum, or no sample size (an imported figure): judged.
        assert_eq!(
            Status::judged(Some(50.0), Some(1), None, Some(40.0), 10.0, Higher),
            Status::Green
        );
        assert_eq!(
            Status::judged(Some(50.0), None, Some(30), Some(40.0), 10.0, Higher),
            Status::Green
        );
        assert_eq!(
            Status::judged(None, Some(0), Some(30), Some(40.0), 10.0, Higher),
            Status::NoData
        );
    }

    #[test]
    fn minimum_samples_come_from_the_settings() {
        let min =
            MinSamples::with_settings([("min_sample.nps", "50"), ("min_sample.csat", "0"), ("other", "9")]);
        assert_eq!(min.of("nps"), Some(50));
        assert_eq!(min.of("csat"), None, "0 turns the minimum off");
        assert_eq!(min.of("ces"), Some(30));
        assert_eq!(min.of("lead_time_days"), Some(10));
        assert_eq!(min.of("logo_churn"), None);
    }

    #[test]
    fn missing_value_or_target() {
        assert_eq!(Status::of(None, Some(4.0), 1.0, Lower), Status::NoData);
        assert_eq!(Status::of(Some(f64::NAN), Some(4.0), 1.0, Lower), Status::NoData);
        assert_eq!(Status::of(Some(3.0), None, 1.0, Lower), Status::NoTarget);
    }
}
