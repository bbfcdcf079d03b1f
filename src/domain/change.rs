//! How much a metric changed from one month to the next, in terms that compare across metrics:
//! against its tolerance (the band within which it may miss its target), and as a relative
//! change only where a relative change means something.

use super::model::{Metric, MonthValue};

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

/// One month's figure with what its significance rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub value: f64,
    pub n: i64,
    /// The sample variance of one answer's contribution.
    pub variance: f64,
}

/// The two-sided z value of 95% confidence.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Whether a change between two months' survey figures is beyond what sampling alone would
/// give, at 95%: a two-sample z test (Welch's standard error, the samples independent),
/// |now - before| / sqrt(var_now / n_now + var_before / n_before) >= 1.96. NPS is a mean of
/// +100, 0 and -100 per answer and CSAT a mean of 100 or 0, so the same test covers both (for
/// CSAT it is the unpooled two-proportion test). None when either month lacks a sample.
pub fn significant(now: Sample, before: Sample) -> Option<bool> {
    if now.n < 2 || before.n < 2 || !(now.variance >= 0.0 && before.variance >= 0.0) {
        return None;
    }
    let error = (now.variance / now.n as f64 + before.variance / before.n as f64).sqrt();
    let change = (now.value - before.value).abs();
    // No spread in either month (every answer the same): any change at all is real.
    Some(if error == 0.0 {
        change > 0.0
    } else {
        change / error >= Z_95
    })
}

/// Whether a survey metric's change between two stored months is significant (`significant`);
/// None for other metrics and where a month has no value. A survey change on too few answers to
/// test (fewer than 2, or no variance stored) is not significant: it cannot be told from noise.
pub fn significance(metric: &Metric, now: Option<&MonthValue>, before: Option<&MonthValue>) -> Option<bool> {
    if !crate::domain::survey::SURVEYS.contains(&metric.aggregation.as_str()) {
        return None;
    }
    let (now, before) = (now?, before?);
    let sample = |v: &MonthValue| {
        Some(Sample {
            value: v.value,
            n: v.n?,
            variance: v.variance?,
        })
    };
    Some(
        sample(now)
            .zip(sample(before))
            .and_then(|(now, before)| significant(now, before))
            .unwrap_or(false),
    )
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

    /// NPS per answer: +100, 0 or -100; its sample variance, computed by hand.
    fn nps_sample(promoters: i64, passives: i64, detractors: i64) -> Sample {
        let n = promoters + passives + detractors;
        let mean = 100.0 * (promoters - detractors) as f64 / n as f64;
        let squares = 10_000.0 * (promoters + detractors) as f64;
        Sample {
            value: mean,
            n,
            variance: (squares - n as f64 * mean * mean) / (n - 1) as f64,
        }
    }

    #[test]
    fn an_nps_change_is_significant_only_beyond_its_sampling_error() {
        // 100 answers each: 50/30/20 (NPS 30) against 40/30/30 (NPS 10). Variances by hand:
        // (10000 * 70 - 100 * 30^2) / 99 = 6161.6 and (10000 * 70 - 100 * 10^2) / 99 = 6969.7;
        // standard error sqrt(61.616 + 69.697) = 11.459; z = 20 / 11.459 = 1.745 < 1.96: noise.
        let (now, before) = (nps_sample(50, 30, 20), nps_sample(40, 30, 30));
        assert!((now.variance - 6161.616).abs() < 0.01);
        assert_eq!(significant(now, before), Some(false));
        // The same shares on 400 answers each: z = 3.49, significant.
        assert_eq!(
            significant(nps_sample(200, 120, 80), nps_sample(160, 120, 120)),
            Some(true)
        );
        // A handful of answers: no variance to speak of, no verdict.
        let one = Sample {
            value: 100.0,
            n: 1,
            variance: 0.0,
        };
        assert_eq!(significant(one, before), None);
    }

    #[test]
    fn only_survey_metrics_are_tested_and_too_few_answers_are_noise() {
        let month = |value, n, variance| MonthValue {
            value,
            n: Some(n),
            variance,
        };
        let nps = metric("score", "nps", 10.0);
        // One answer a month: no variance, a 100-point swing that tells nothing.
        assert_eq!(
            significance(&nps, Some(&month(100.0, 1, None)), Some(&month(-100.0, 1, None))),
            Some(false)
        );
        assert_eq!(
            significance(&nps, Some(&month(30.0, 100, Some(6161.6))), None),
            None
        );
        // Hours and churn are not samples of answers: no test, no verdict.
        let hours = metric("hours", "first_response_hours", 2.0);
        assert_eq!(
            significance(&hours, Some(&month(6.0, 100, None)), Some(&month(4.0, 100, None))),
            None
        );
    }

    #[test]
    fn a_csat_change_is_the_two_proportion_test() {
        // 80% of 200 satisfied against 70% of 200: p(1-p) n/(n-1) per month,
        // se = sqrt(0.16*200/199/200 + 0.21*200/199/200) * 100 = 4.312; z = 10 / 4.312 = 2.32.
        let csat = |share: f64, n: i64| Sample {
            value: 100.0 * share,
            n,
            variance: 10_000.0 * share * (1.0 - share) * n as f64 / (n - 1) as f64,
        };
        assert_eq!(significant(csat(0.8, 200), csat(0.7, 200)), Some(true));
        // 80% against 75%: z = 1.20, noise.
        assert_eq!(significant(csat(0.8, 200), csat(0.75, 200)), Some(false));
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
