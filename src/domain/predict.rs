//! Does an indicator predict success? Two views, both from precomputed data:
//! - churn: accounts whose indicator was red churned within three months more often than
//!   accounts where it was green (rates with Wilson intervals, lift, a two-proportion z-test);
//! - the phase's success metrics: Spearman's rank correlation of the indicator's monthly series
//!   with each success metric's series 1 to 3 months later, counted only with the sign the two
//!   metrics' directions imply.
//!
//! An indicator's verdict says which of the two it predicts, `PREDICTS NOTHING` when both were
//! tested and neither holds, or `not enough history` when neither could be tested.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use super::Period;
use super::model::Direction;
use super::stats::{self, Proportion};

/// A churn difference counts when the z-test's p-value is below this.
pub const SIGNIFICANCE: f64 = 0.05;
/// The churn test has enough data when, at the pooled churn rate, the red and the green
/// account-months each expect at least this many churned and this many staying accounts (the
/// usual condition for the z-test's normal approximation).
pub const MIN_EXPECTED: u64 = 5;
/// A lagged rank correlation counts when its size reaches this, with the expected sign, over at
/// least `MIN_PAIRS` months.
pub const MIN_RHO: f64 = 0.5;
pub const MIN_PAIRS: usize = 12;
/// The lags tried, in months.
const LAGS: std::ops::RangeInclusive<i32> = 1..=3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnPower {
    pub red: Proportion,
    pub green: Proportion,
    /// Churn rate when red over churn rate when green.
    pub lift: Option<f64>,
    pub p_value: Option<f64>,
    /// Enough account-months for the test (see `MIN_EXPECTED`).
    pub enough_data: bool,
    /// Red accounts churn significantly more, with enough data.
    pub predicts: bool,
}

/// `red` and `green`: (account-months, of which churned within three months).
pub fn churn_power(red: (u64, u64), green: (u64, u64)) -> ChurnPower {
    let enough_data = churn_test_has_enough_data(red, green);
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
        predicts: enough_data && p_value.is_some_and(|p| p < SIGNIFICANCE) && lift.is_some_and(|l| l > 1.0),
        enough_data,
        red,
        green,
        lift,
        p_value,
    }
}

/// Every expected count of the 2x2 table (red/green x churned/stayed) at the pooled rate is at
/// least `MIN_EXPECTED`: n_group * total_of_kind / total >= MIN_EXPECTED, in integers.
fn churn_test_has_enough_data(red: (u64, u64), green: (u64, u64)) -> bool {
    let total = u128::from(red.0) + u128::from(green.0);
    let churned = u128::from(red.1) + u128::from(green.1);
    let Some(stayed) = total.checked_sub(churned) else {
        return false;
    };
    let min = u128::from(MIN_EXPECTED);
    total > 0
        && [red.0, green.0].iter().all(|&n| {
            let n = u128::from(n);
            n * churned >= min * total && n * stayed >= min * total
        })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaggedCorrelation {
    pub success_metric: String,
    /// Months between the indicator and the success metric (1 to 3).
    pub lag: i32,
    pub rho: f64,
    pub pairs: usize,
    /// The sign a predicting correlation has: 1 when both metrics are better the same way (both
    /// higher or both lower), -1 when not (`expected_sign`).
    pub expected_sign: i8,
    /// Strong (|rho| >= `MIN_RHO`) but of the other sign: reported, never a prediction.
    pub wrong_sign: bool,
    /// Strong, of the expected sign, over at least `MIN_PAIRS` months.
    pub predicts: bool,
}

/// The sign of the correlation an indicator must have with a success metric to predict it:
/// +1 when both are better in the same direction, -1 when one is better higher and the other
/// lower (more downtime with lower NPS predicts; more downtime with higher NPS does not).
pub fn expected_sign(indicator: Direction, success: Direction) -> i8 {
    if indicator == success { 1 } else { -1 }
}

/// The (indicator, success metric `lag` months later) value pairs over the months both have.
fn paired(indicator: &[(Period, f64)], success: &HashMap<Period, f64>, lag: i32) -> (Vec<f64>, Vec<f64>) {
    indicator
        .iter()
        .filter_map(|(p, x)| success.get(&p.offset(lag)).map(|y| (*x, *y)))
        .unzip()
}

/// The most months of `indicator` paired with `success` 1 to 3 months later, at any lag: the
/// history a correlation could use, whether or not one can be computed.
pub fn paired_months(indicator: &[(Period, f64)], success: &[(Period, f64)]) -> usize {
    let success: HashMap<Period, f64> = success.iter().copied().collect();
    LAGS.map(|lag| paired(indicator, &success, lag).0.len())
        .max()
        .unwrap_or(0)
}

/// Whether `a` ranks above `b`: a predicting correlation first, then the larger |rho|.
fn outranks(a: &LaggedCorrelation, b: &LaggedCorrelation) -> bool {
    (a.predicts, a.rho.abs()) > (b.predicts, b.rho.abs())
}

/// The correlation to show for an indicator: a predicting one when there is one, else the
/// strongest; the first of equals.
pub fn best(correlations: &[LaggedCorrelation]) -> Option<&LaggedCorrelation> {
    correlations
        .iter()
        .reduce(|kept, c| if outranks(c, kept) { c } else { kept })
}

/// The best lagged rank correlation (1-3 months) of `indicator` with `success`, over the months
/// both have values: a lag that predicts when there is one, else the strongest. None when no lag
/// has a rank correlation (fewer than 3 pairs, or a constant series).
pub fn lagged_correlation(
    success_metric: &str,
    indicator: &[(Period, f64)],
    indicator_direction: Direction,
    success: &[(Period, f64)],
    success_direction: Direction,
) -> Option<LaggedCorrelation> {
    let sign = expected_sign(indicator_direction, success_direction);
    let success: HashMap<Period, f64> = success.iter().copied().collect();
    let by_lag: Vec<LaggedCorrelation> = LAGS
        .filter_map(|lag| {
            let (xs, ys) = paired(indicator, &success, lag);
            let rho = stats::spearman(&xs, &ys)?;
            let strong = rho.abs() >= MIN_RHO;
            let right_sign = rho * f64::from(sign) > 0.0;
            Some(LaggedCorrelation {
                success_metric: success_metric.to_string(),
                lag,
                rho,
                pairs: xs.len(),
                expected_sign: sign,
                wrong_sign: strong && !right_sign,
                predicts: strong && right_sign && xs.len() >= MIN_PAIRS,
            })
        })
        .collect();
    best(&by_lag).cloned()
}

/// What an indicator predicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    PredictsChurn,
    PredictsSuccess,
    PredictsChurnAndSuccess,
    /// Tested (churn with enough data, or a correlation over at least `MIN_PAIRS` months) and
    /// nothing holds.
    PredictsNothing,
    /// Neither test had enough data: `months` is the most months the indicator had paired with
    /// a success metric at any lag.
    NotEnoughHistory {
        months: usize,
    },
}

impl Verdict {
    /// The word in JSON.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::PredictsChurn => "predicts_churn",
            Verdict::PredictsSuccess => "predicts_success",
            Verdict::PredictsChurnAndSuccess => "predicts_churn_and_success",
            Verdict::PredictsNothing => "predicts_nothing",
            Verdict::NotEnoughHistory { .. } => "not_enough_history",
        }
    }

    /// The text in tables: `predicts churn`, `PREDICTS NOTHING`, `not enough history (9 months)`.
    pub fn label(self) -> String {
        match self {
            Verdict::PredictsChurn => "predicts churn".into(),
            Verdict::PredictsSuccess => "predicts success".into(),
            Verdict::PredictsChurnAndSuccess => "predicts churn and success".into(),
            Verdict::PredictsNothing => "PREDICTS NOTHING".into(),
            Verdict::NotEnoughHistory { months: 1 } => "not enough history (1 month)".into(),
            Verdict::NotEnoughHistory { months } => format!("not enough history ({months} months)"),
        }
    }

    /// The one-character mark before a row: `+` predicts, `x` predicts nothing, `?` untested.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::PredictsNothing => "x",
            Verdict::NotEnoughHistory { .. } => "?",
            _ => "+",
        }
    }

    pub fn predicts(self) -> bool {
        matches!(
            self,
            Verdict::PredictsChurn | Verdict::PredictsSuccess | Verdict::PredictsChurnAndSuccess
        )
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.word())
    }
}

/// An indicator's verdict from its churn test (None: no account-level data), its correlations
/// with the phase's success metrics and `months`, its most paired months (`paired_months`) over
/// those metrics.
pub fn verdict(churn: Option<&ChurnPower>, success: &[LaggedCorrelation], months: usize) -> Verdict {
    let churn_predicts = churn.is_some_and(|c| c.predicts);
    let success_predicts = success.iter().any(|c| c.predicts);
    match (churn_predicts, success_predicts) {
        (true, true) => Verdict::PredictsChurnAndSuccess,
        (true, false) => Verdict::PredictsChurn,
        (false, true) => Verdict::PredictsSuccess,
        (false, false) if churn.is_some_and(|c| c.enough_data) || months >= MIN_PAIRS => {
            Verdict::PredictsNothing
        }
        (false, false) => Verdict::NotEnoughHistory { months },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Higher, Lower};

    type Series = Vec<(Period, f64)>;

    fn months(first: &str, last: &str) -> Vec<Period> {
        first
            .parse::<Period>()
            .unwrap()
            .through(last.parse().unwrap())
            .collect()
    }

    #[test]
    fn churn_power_against_hand_figures() {
        // Red: 30 churned of 100; green: 15 of 100. Lift 2; p = 0.0110852 (see stats).
        let power = churn_power((100, 30), (100, 15));
        assert_eq!(power.lift, Some(2.0));
        assert!(power.enough_data);
        assert!(power.predicts);
        // The same rates over tiny samples are not significant, nor enough data: 4 of 20
        // churned, so each group of 10 expects 10 * 4 / 20 = 2 churned, below 5.
        let small = churn_power((10, 3), (10, 1));
        assert!(!small.enough_data);
        assert!(!small.predicts, "{:?}", small.p_value);
        // Red churning less does not predict churn.
        assert!(!churn_power((100, 15), (100, 30)).predicts);
    }

    #[test]
    fn the_churn_test_needs_five_expected_churned_and_staying_in_each_group() {
        // 10 of 100 churned: 50 red account-months expect exactly 50 * 10 / 100 = 5 churned.
        assert!(churn_power((50, 7), (50, 3)).enough_data);
        // 10 of 99: 49 red expect 49 * 10 / 99 = 4.95 churned.
        assert!(!churn_power((49, 7), (50, 3)).enough_data);
        // Staying counts too: 95 of 100 churned leave 5 staying, 50 expect 2.5 staying.
        assert!(!churn_power((50, 48), (50, 47)).enough_data);
        // No account-months at all.
        assert!(!churn_power((0, 0), (0, 0)).enough_data);
        // 6 of 20 red against 10 of 1000 green: p far below 0.05 (z = 10.3), but the red
        // expect 20 * 16 / 1020 = 0.31 churned: no prediction.
        let tiny_red = churn_power((20, 6), (1000, 10));
        assert!(tiny_red.p_value.unwrap() < 1e-6, "{:?}", tiny_red.p_value);
        assert!(!tiny_red.enough_data);
        assert!(!tiny_red.predicts);
        assert_eq!(
            verdict(Some(&tiny_red), &[], 0),
            Verdict::NotEnoughHistory { months: 0 }
        );
    }

    #[test]
    fn correlation_picks_the_strongest_lag() {
        let months = months("2025-01", "2026-12");
        // The success metric follows the indicator two months later, inverted.
        let indicator: Vec<(Period, f64)> = months
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, ((i * 7) % 11) as f64))
            .collect();
        let success: Vec<(Period, f64)> = indicator.iter().map(|(p, x)| (p.offset(2), 100.0 - x)).collect();
        // A higher indicator is better, a lower success metric is: expected sign -.
        let c = lagged_correlation("s", &indicator, Higher, &success, Lower).unwrap();
        assert_eq!(c.lag, 2);
        assert!((c.rho + 1.0).abs() < 1e-12);
        assert_eq!(c.expected_sign, -1);
        assert!(!c.wrong_sign);
        assert!(c.predicts);
    }

    /// x = 0, 1, ..., 23 over 2025-01 to 2026-12; the success metric a month later is -x: at
    /// every lag the ranks are exactly reversed, rho = -1 (24, 23 and 22 pairs).
    fn perfectly_opposed() -> (Series, Series) {
        let indicator: Vec<(Period, f64)> = months("2025-01", "2026-12")
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, i as f64))
            .collect();
        let success = indicator.iter().map(|(p, x)| (p.offset(1), -x)).collect();
        (indicator, success)
    }

    #[test]
    fn the_wrong_sign_never_predicts() {
        let (indicator, success) = perfectly_opposed();
        assert_eq!(paired_months(&indicator, &success), 24);
        // Both better higher: they should rise together; falling together is the wrong sign.
        let c = lagged_correlation("s", &indicator, Higher, &success, Higher).unwrap();
        assert_eq!((c.lag, c.pairs, c.expected_sign), (1, 24, 1));
        assert!((c.rho + 1.0).abs() < 1e-12, "{}", c.rho);
        assert!(c.wrong_sign);
        assert!(!c.predicts);
        // Tested over 24 months, nothing holds.
        assert_eq!(verdict(None, &[c], 24), Verdict::PredictsNothing);
        // Both better lower: the same.
        let c = lagged_correlation("s", &indicator, Lower, &success, Lower).unwrap();
        assert!(c.wrong_sign && !c.predicts);
        // More downtime (lower is better) with higher NPS (higher is better) is not a prediction.
        let nps: Vec<(Period, f64)> = success.iter().map(|(p, y)| (*p, -y)).collect();
        let c = lagged_correlation("nps", &indicator, Lower, &nps, Higher).unwrap();
        assert!((c.rho - 1.0).abs() < 1e-12, "{}", c.rho);
        assert_eq!(c.expected_sign, -1);
        assert!(c.wrong_sign && !c.predicts);
    }

    #[test]
    fn the_expected_sign_predicts() {
        let (indicator, success) = perfectly_opposed();
        // The indicator better lower, the success metric better higher: rho -1 is the sign.
        let c = lagged_correlation("s", &indicator, Lower, &success, Higher).unwrap();
        assert_eq!((c.lag, c.pairs, c.expected_sign), (1, 24, -1));
        assert!((c.rho + 1.0).abs() < 1e-12, "{}", c.rho);
        assert!(!c.wrong_sign);
        assert!(c.predicts);
        assert_eq!(best(std::slice::from_ref(&c)), Some(&c));
        assert_eq!(
            verdict(None, std::slice::from_ref(&c), 24),
            Verdict::PredictsSuccess
        );
        let churn = churn_power((100, 30), (100, 15));
        assert_eq!(verdict(Some(&churn), &[c], 24), Verdict::PredictsChurnAndSuccess);
        assert_eq!(verdict(Some(&churn), &[], 0), Verdict::PredictsChurn);
        assert_eq!(expected_sign(Higher, Lower), -1);
        assert_eq!(expected_sign(Lower, Lower), 1);
    }

    #[test]
    fn the_correlation_shown_is_a_predicting_one_first() {
        let c = |lag: i32, rho: f64, predicts: bool| LaggedCorrelation {
            success_metric: "s".into(),
            lag,
            rho,
            pairs: 20,
            expected_sign: 1,
            wrong_sign: rho <= -MIN_RHO,
            predicts,
        };
        // -0.9 is stronger but of the wrong sign; +0.6 predicts.
        let found = [c(1, -0.9, false), c(2, 0.6, true), c(3, 0.55, true)];
        assert_eq!(best(&found).map(|c| c.lag), Some(2));
        // Without a prediction: the strongest, the first of equals.
        let found = [c(1, 0.3, false), c(2, -0.9, false), c(3, 0.9, false)];
        assert_eq!(best(&found).map(|c| c.lag), Some(2));
        assert_eq!(best(&[]), None);
    }

    #[test]
    fn a_short_series_has_not_enough_history() {
        // Ten months, 2025-01 to 2025-10, of both; the success metric is -x in the same month, so
        // a month later it is -(x + 1): lag 1 pairs 2025-01..09 (9 months), lag 2 8, lag 3 7.
        let indicator: Vec<(Period, f64)> = months("2025-01", "2025-10")
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, i as f64))
            .collect();
        let success: Vec<(Period, f64)> = indicator.iter().map(|(p, x)| (*p, -x)).collect();
        assert_eq!(paired_months(&indicator, &success), 9);
        // A perfect correlation of the expected sign, over 9 < 12 months: no prediction.
        let c = lagged_correlation("s", &indicator, Lower, &success, Higher).unwrap();
        assert_eq!((c.lag, c.pairs), (1, 9));
        assert!((c.rho + 1.0).abs() < 1e-12, "{}", c.rho);
        assert!(!c.wrong_sign && !c.predicts);
        let v = verdict(None, std::slice::from_ref(&c), 9);
        assert_eq!(v, Verdict::NotEnoughHistory { months: 9 });
        assert_eq!(v.label(), "not enough history (9 months)");
        assert_eq!((v.word(), v.mark()), ("not_enough_history", "?"));
        // A churn test without enough data does not change it...
        let small = churn_power((10, 3), (10, 1));
        assert_eq!(
            verdict(Some(&small), std::slice::from_ref(&c), 9),
            Verdict::NotEnoughHistory { months: 9 }
        );
        // ...a churn test with enough data that finds nothing does.
        let none = churn_power((100, 15), (100, 30));
        let v = verdict(Some(&none), &[c], 9);
        assert_eq!(v, Verdict::PredictsNothing);
        assert_eq!(
            (v.label().as_str(), v.word(), v.mark()),
            ("PREDICTS NOTHING", "predicts_nothing", "x")
        );
        // The success metric from 2026-02 on: 2025-10 + 3 months is 2026-01, no pair at all.
        let later: Vec<(Period, f64)> = success.iter().map(|(p, y)| (p.offset(13), *y)).collect();
        assert_eq!(paired_months(&indicator, &later), 0);
        assert_eq!(lagged_correlation("s", &indicator, Lower, &later, Higher), None);
        assert_eq!(
            Verdict::NotEnoughHistory { months: 1 }.label(),
            "not enough history (1 month)"
        );
    }
}
