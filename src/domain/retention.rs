//! Churn and revenue retention over a window [start, end), by the standard definitions:
//! of the accounts active at start, the share with no active subscription at end (logo churn);
//! their MRR at end over their MRR at start (NRR), with each account capped at its start MRR (GRR).

use serde::Serialize;

/// One account that was active at the window's start: its MRR then, and at the end
/// (None when it had no active subscription at the end).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountWindow {
    pub start_mrr: f64,
    pub end_mrr: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Retention {
    pub n_start: u64,
    pub n_churned: u64,
    /// None when no account was active at start: a rate of nothing is absent, not zero.
    pub churn_rate: Option<f64>,
    pub start_mrr: f64,
    pub churned_mrr: f64,
    pub contraction_mrr: f64,
    pub expansion_mrr: f64,
    pub grr: Option<f64>,
    pub nrr: Option<f64>,
}

/// Sums over the accounts active at a window's start, from which every figure derives.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RetentionSums {
    pub n_start: u64,
    pub n_churned: u64,
    pub start_mrr: f64,
    pub churned_mrr: f64,
    pub contraction_mrr: f64,
    pub expansion_mrr: f64,
}

impl Retention {
    pub fn from_sums(s: RetentionSums) -> Retention {
        let kept = s.start_mrr - s.churned_mrr - s.contraction_mrr;
        let positive_mrr = s.start_mrr > 0.0;
        Retention {
            n_start: s.n_start,
            n_churned: s.n_churned,
            churn_rate: (s.n_start > 0).then(|| s.n_churned as f64 / s.n_start as f64),
            start_mrr: s.start_mrr,
            churned_mrr: s.churned_mrr,
            contraction_mrr: s.contraction_mrr,
            expansion_mrr: s.expansion_mrr,
            grr: positive_mrr.then(|| kept / s.start_mrr),
            nrr: positive_mrr.then(|| (kept + s.expansion_mrr) / s.start_mrr),
        }
    }
}

pub fn retention(accounts: &[AccountWindow]) -> Retention {
    let mut sums = RetentionSums {
        n_start: accounts.len() as u64,
        ..RetentionSums::default()
    };
    for a in accounts {
        sums.start_mrr += a.start_mrr;
        match a.end_mrr {
            None => {
                sums.n_churned += 1;
                sums.churned_mrr += a.start_mrr;
            }
            Some(end) if end < a.start_mrr => sums.contraction_mrr += a.start_mrr - end,
            Some(end) => sums.expansion_mrr += end - a.start_mrr,
        }
    }
    Retention::from_sums(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(start_mrr: f64, end_mrr: Option<f64>) -> AccountWindow {
        AccountWindow { start_mrr, end_mrr }
    }

    #[test]
    fn churn_contraction_expansion() {
        // 100 churns, 200 -> 150 contracts by 50, 300 -> 400 expands by 100, 400 stays.
        let r = retention(&[
            acct(100.0, None),
            acct(200.0, Some(150.0)),
            acct(300.0, Some(400.0)),
            acct(400.0, Some(400.0)),
        ]);
        assert_eq!((r.n_start, r.n_churned), (4, 1));
        assert_eq!(r.churn_rate, Some(0.25));
        assert_eq!(r.start_mrr, 1000.0);
        assert_eq!(r.churned_mrr, 100.0);
        assert_eq!(r.contraction_mrr, 50.0);
        assert_eq!(r.expansion_mrr, 100.0);
        assert_eq!(r.grr, Some(0.85)); // (1000 - 100 - 50) / 1000
        assert_eq!(r.nrr, Some(0.95)); // (850 + 100) / 1000
    }

    #[test]
    fn empty_window_has_no_rates() {
        let r = retention(&[]);
        assert_eq!(r.churn_rate, None);
        assert_eq!(r.grr, None);
        assert_eq!(r.nrr, None);
    }
}
