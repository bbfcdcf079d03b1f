//! The statistics behind "does this indicator predict success": proportions with Wilson
//! intervals, a two-proportion z-test, lift, and Spearman's rank correlation.

use serde::Serialize;

/// A share with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub hits: u64,
    pub n: u64,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

pub fn proportion(hits: u64, n: u64) -> Proportion {
    if n == 0 {
        return Proportion {
            hits,
            n,
            rate: None,
            low: None,
            high: None,
        };
    }
    let (low, high) = wilson(hits, n, Z95);
    Proportion {
        hits,
        n,
        rate: Some(hits as f64 / n as f64),
        low: Some(low),
        high: Some(high),
    }
}

/// The Wilson score interval of `hits` out of `n` (n > 0).
pub fn wilson(hits: u64, n: u64, z: f64) -> (f64, f64) {
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Two-sided p-value of the pooled two-proportion z-test; None when it is undefined.
pub fn two_proportion_p(a: Proportion, b: Proportion) -> Option<f64> {
    if a.n == 0 || b.n == 0 {
        return None;
    }
    let pooled = (a.hits + b.hits) as f64 / (a.n + b.n) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / a.n as f64 + 1.0 / b.n as f64)).sqrt();
    if se == 0.0 {
        return None;
    }
    let z = (a.hits as f64 / a.n as f64 - b.hits as f64 / b.n as f64) / se;
    Some(2.0 * (1.0 - normal_cdf(z.abs())))
}

/// Standard normal CDF via erf (Abramowitz-Stegun 7.1.26, error < 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    sign * (1.0 - poly * (-x * x).exp())
}

/// Ranks from 1, ties sharing their average rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman's rank correlation (Pearson on average ranks); None with fewer than 3 pairs or a
/// constant series.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn wilson_interval_matches_the_reference() {
        // statsmodels proportion_confint(20, 100, method="wilson") = (0.133367, 0.288829)
        let (low, high) = wilson(20, 100, Z95);
        assert!(close(low, 0.133_367, 1e-6), "{low}");
        assert!(close(high, 0.288_829, 1e-6), "{high}");
        // 0 of 10: (0, 0.27753)
        let (low, high) = wilson(0, 10, Z95);
        assert_eq!(low, 0.0);
        assert!(close(high, 0.277_53, 1e-5), "{high}");
        assert_eq!(proportion(3, 0).rate, None);
    }

    #[test]
    fn two_proportion_test_matches_the_reference() {
        // 30/100 vs 15/100: pooled 0.225, se 0.059055, z 2.540003, p = erfc(z / sqrt 2) = 0.0110852
        let p = two_proportion_p(proportion(30, 100), proportion(15, 100)).unwrap();
        assert!(close(p, 0.011_085_2, 1e-6), "{p}");
        assert!(two_proportion_p(proportion(0, 10), proportion(0, 10)).is_none());
    }

    #[test]
    fn spearman_with_ties_matches_the_reference() {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.820782
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!(close(rho, 0.820_782, 1e-6), "{rho}");
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!(close(normal_cdf(1.959_964), 0.975, 1e-6));
        assert!(close(normal_cdf(0.0), 0.5, 1e-9));
    }
}
