//! Survey scores by the standard definitions: NPS, CSAT and CES.

/// % promoters (9-10) minus % detractors (0-6), from -100 to 100. None without answers.
pub fn nps(scores: &[i64]) -> Option<f64> {
    let n = scores.len();
    if n == 0 {
        return None;
    }
    let promoters = scores.iter().filter(|&&s| s >= 9).count() as f64;
    let detractors = scores.iter().filter(|&&s| s <= 6).count() as f64;
    Some(100.0 * (promoters - detractors) / n as f64)
}

/// % of answers that are 4 or 5 on the 1-5 scale.
pub fn csat(scores: &[i64]) -> Option<f64> {
    share_pct(scores, |s| s >= 4)
}

/// Mean of the 1-7 answers (higher: the company made it easier).
pub fn ces(scores: &[i64]) -> Option<f64> {
    (!scores.is_empty()).then(|| scores.iter().sum::<i64>() as f64 / scores.len() as f64)
}

fn share_pct(scores: &[i64], hit: impl Fn(i64) -> bool) -> Option<f64> {
    (!scores.is_empty())
        .then(|| 100.0 * scores.iter().filter(|&&s| hit(s)).count() as f64 / scores.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_counts_promoters_minus_detractors() {
        // 2 promoters, 1 passive, 1 detractor of 4: 50% - 25% = 25.
        assert_eq!(nps(&[10, 9, 8, 6]), Some(25.0));
        assert_eq!(nps(&[0, 6]), Some(-100.0));
        assert_eq!(nps(&[]), None);
    }

    #[test]
    fn csat_and_ces() {
        assert_eq!(csat(&[5, 4, 3, 1]), Some(50.0));
        assert_eq!(ces(&[7, 5, 3]), Some(5.0));
        assert_eq!(csat(&[]), None);
        assert_eq!(ces(&[]), None);
    }
}
