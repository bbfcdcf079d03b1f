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

pub fn retention(accounts: &[AccountWindow]) -> Retention {
    let mut r = Retention {
        n_start: accounts.len() as u64,
        n_churned: 0,
        churn_rate: None,
        start_mrr: 0.0,
        churned_mrr: 0.0,
        contraction_mrr: 0.0,
        expansion_mrr: 0.0,
        grr: None,
        nrr: None,
    };
    for a in accounts {
        r.start_mrr += a.start_mrr;
        match a.end_mrr {
            None => {
                r.n_churned += 1;
                r.churned_mrr += a.start_mrr;
            }
            Some(end) if end < a.start_mrr => r.contraction_mrr += a.start_mrr - end,
            Some(end) => r.expansion_mrr += end - a.start_mrr,
        }
    }
    if r.n_start > 0 {
        r.churn_rate = Some(r.n_churned as f64 / r.n_start as f64);
    }
    if r.start_mrr > 0.0 {
        let kept = r.start_mrr - r.churned_mrr - r.contraction_mrr;
        r.grr = Some(kept / r.start_mrr);
        r.nrr = Some((kept + r.expansion_mrr) / r.start_mrr);
    }
    r
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
