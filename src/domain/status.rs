//! Status of a metric against its target, direction-aware.

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

    /// A word that carries the status without colour.
    pub fn label(self) -> &'static str {
        match self {
            Status::Green => "ok",
            Status::Amber => "warn",
            Status::Red => "bad",
            Status::NoData => "n/a",
            Status::NoTarget => "-",
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
    fn missing_value_or_target() {
        assert_eq!(Status::of(None, Some(4.0), 1.0, Lower), Status::NoData);
        assert_eq!(Status::of(Some(f64::NAN), Some(4.0), 1.0, Lower), Status::NoData);
        assert_eq!(Status::of(Some(3.0), None, 1.0, Lower), Status::NoTarget);
    }
}
