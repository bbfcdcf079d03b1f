//! Does an indicator predict success? Two views, both from precomputed data:
//! - churn: accounts whose indicator was red churned within three months more often than
//!   accounts where it was green (rates with Wilson intervals, lift, a two-proportion z-test);
//! - the phase's success metrics: Spearman's rank correlation of the indicator's monthly series
//!   with each success metric's series 1 to 3 months later.

use serde::Serialize;

use super::Period;
use super::stats::{self, Proportion};

/// A churn difference counts when the z-test's p-value is below this.
pub const SIGNIFICANCE: f64 = 0.05;
/// A lagged rank correlation counts when its size reaches this, over at least `MIN_PAIRS` months.
pub const MIN_RHO: f64 = 0.5;
pub const MIN_PAIRS: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnPower {
    pub red: Proportion,
    pub green: Proportion,
    /// Churn rate when red over churn rate when green.
    pub lift: Option<f64>,
    pub p_value: Option<f64>,
    /// Red accounts churn significantly more.
    pub predicts: bool,
}

pub fn churn_power(red: (u64, u64), green: (u64, u64)) -> ChurnPower {
    let (red, green) = (
        stats::proportion(red.1, red.0),
        stats::proportion(green.1, green.0),
    );
    let lift = match (red.rate, green.rate) {
        (Some(r), Some(g)) if g > 0.0 => Some(r / g),
        _ => None,
    };
    let p_value = stats::two_proportion_p(red, green);
    ChurnPower {
        predicts: p_value.is_some_and(|p| p < SIGNIFICANCE) && lift.is_some_and(|l| l > 1.0),
        red,
        green,
        lift,
        p_value,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaggedCorrelation {
    pub success_metric: String,
    /// Months between the indicator and the success metric (1 to 3).
    pub lag: i32,
    pub rho: f64,
    pub pairs: usize,
    pub predicts: bool,
}

/// The strongest lagged rank correlation (1-3 months) of `indicator` with `success`, over the
/// months both have values.
pub fn lagged_correlation(
    success_metric: &str,
    indicator: &[(Period, f64)],
    success: &[(Period, f64)],
) -> Option<LaggedCorrelation> {
    let success: std::collections::HashMap<Period, f64> = success.iter().copied().collect();
    (1..=3)
        .filter_map(|lag| {
            let (xs, ys): (Vec<f64>, Vec<f64>) = indicator
                .iter()
                .filter_map(|(p, x)| success.get(&p.offset(lag)).map(|y| (*x, *y)))
                .unzip();
            let rho = stats::spearman(&xs, &ys)?;
            Some(LaggedCorrelation {
                success_metric: success_metric.to_string(),
                lag,
                rho,
                pairs: xs.len(),
                predicts: rho.abs() >= MIN_RHO && xs.len() >= MIN_PAIRS,
            })
        })
        .max_by(|a, b| a.rho.abs().total_cmp(&b.rho.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn churn_power_against_hand_figures() {
        // Red: 30 churned of 100; green: 15 of 100. Lift 2; p = 0.0110852 (see stats).
        let power = churn_power((100, 30), (100, 15));
        assert_eq!(power.lift, Some(2.0));
        assert!(power.predicts);
        // The same rates over tiny samples are not significant.
        let small = churn_power((10, 3), (10, 1));
        assert!(!small.predicts, "{:?}", small.p_value);
        // Red churning less does not predict churn.
        assert!(!churn_power((100, 15), (100, 30)).predicts);
    }

    #[test]
    fn correlation_picks_the_strongest_lag() {
        let months: Vec<Period> = "2025-01"
            .parse::<Period>()
            .unwrap()
            .through("2026-12".parse().unwrap())
            .collect();
        // The success metric follows the indicator two months later, inverted.
        let indicator: Vec<(Period, f64)> = months
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, ((i * 7) % 11) as f64))
            .collect();
        let success: Vec<(Period, f64)> = indicator.iter().map(|(p, x)| (p.offset(2), 100.0 - x)).collect();
        let c = lagged_correlation("s", &indicator, &success).unwrap();
        assert_eq!(c.lag, 2);
        assert!((c.rho + 1.0).abs() < 1e-12);
        assert!(c.predicts);
    }
}
