//! Loyalty tier qualification: the highest tier whose every criterion holds at the end of a month,
//! with each criterion's required and actual value so every decision can be explained.
//! (Grace periods and one-step downgrades build on this; see the tiers issue.)

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierRule {
    pub id: String,
    pub name: String,
    pub rank: i64,
    pub benefits: String,
    pub min_mrr: f64,
    pub window_months: usize,
    pub min_tenure_months: i64,
    pub grace_months: i64,
    pub req_no_overdue: bool,
    pub req_no_open_severe: bool,
    pub req_not_detractor: bool,
    pub req_hvc: bool,
}

/// What is known of one account at the end of the month being evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFacts {
    /// Active at the end of the month; churned accounts hold no tier.
    pub active: bool,
    /// MRR of each month up to and including the evaluated one, most recent last;
    /// a month without an active subscription counts as 0.
    pub monthly_mrr: Vec<f64>,
    pub tenure_months: i64,
    pub has_overdue_invoice: bool,
    pub has_open_severe_ticket: bool,
    pub is_detractor: bool,
    pub is_hvc: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionCheck {
    pub criterion: &'static str,
    pub required: String,
    pub actual: String,
    pub pass: bool,
}

/// MRR averaged over the last `window` months, so one spike does not qualify.
pub fn window_mrr(monthly_mrr: &[f64], window: usize) -> f64 {
    let window = window.max(1);
    let recent = &monthly_mrr[monthly_mrr.len().saturating_sub(window)..];
    recent.iter().sum::<f64>() / window as f64
}

/// Each criterion of `tier` checked against `facts`.
pub fn check(tier: &TierRule, facts: &AccountFacts) -> Vec<CriterionCheck> {
    let avg = window_mrr(&facts.monthly_mrr, tier.window_months);
    let mut checks = vec![
        CriterionCheck {
            criterion: "active",
            required: "yes".into(),
            actual: yes_no(facts.active).into(),
            pass: facts.active,
        },
        CriterionCheck {
            criterion: "mrr",
            required: format!(">= {:.2} avg over {} months", tier.min_mrr, tier.window_months),
            actual: format!("{avg:.2}"),
            pass: avg >= tier.min_mrr,
        },
        CriterionCheck {
            criterion: "tenure",
            required: format!(">= {} months", tier.min_tenure_months),
            actual: format!("{} months", facts.tenure_months),
            pass: facts.tenure_months >= tier.min_tenure_months,
        },
    ];
    let mut condition = |on: bool, criterion, bad: bool| {
        if on {
            checks.push(CriterionCheck {
                criterion,
                required: "no".into(),
                actual: yes_no(bad).into(),
                pass: !bad,
            });
        }
    };
    condition(tier.req_no_overdue, "overdue invoice", facts.has_overdue_invoice);
    condition(
        tier.req_no_open_severe,
        "open severe ticket",
        facts.has_open_severe_ticket,
    );
    condition(tier.req_not_detractor, "nps detractor", facts.is_detractor);
    if tier.req_hvc {
        checks.push(CriterionCheck {
            criterion: "hvc",
            required: "yes".into(),
            actual: yes_no(facts.is_hvc).into(),
            pass: facts.is_hvc,
        });
    }
    checks
}

/// The highest-ranked tier whose every criterion holds, if any.
pub fn eligible<'t>(tiers: &'t [TierRule], facts: &AccountFacts) -> Option<&'t TierRule> {
    tiers
        .iter()
        .filter(|t| check(t, facts).iter().all(|c| c.pass))
        .max_by_key(|t| t.rank)
}

/// Whole months from `start` to `end`: a month counts once its day-of-month is reached.
pub fn whole_months(start: NaiveDate, end: NaiveDate) -> i64 {
    if end <= start {
        return 0;
    }
    let months = (end.year() - start.year()) as i64 * 12 + end.month() as i64 - start.month() as i64;
    if end.day() < start.day() {
        months - 1
    } else {
        months
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(id: &str, rank: i64, min_mrr: f64, tenure: i64) -> TierRule {
        TierRule {
            id: id.into(),
            name: id.into(),
            rank,
            benefits: String::new(),
            min_mrr,
            window_months: 3,
            min_tenure_months: tenure,
            grace_months: 0,
            req_no_overdue: false,
            req_no_open_severe: false,
            req_not_detractor: false,
            req_hvc: false,
        }
    }

    fn facts(monthly_mrr: Vec<f64>, tenure_months: i64) -> AccountFacts {
        AccountFacts {
            active: true,
            monthly_mrr,
            tenure_months,
            has_overdue_invoice: false,
            has_open_severe_ticket: false,
            is_detractor: false,
            is_hvc: false,
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn highest_tier_whose_criteria_all_hold() {
        let tiers = [
            tier("bronze", 1, 0.0, 0),
            tier("silver", 2, 200.0, 6),
            tier("gold", 3, 800.0, 12),
        ];
        assert_eq!(
            eligible(&tiers, &facts(vec![200.0; 3], 6)).map(|t| t.rank),
            Some(2)
        );
        // A cent below the threshold on average does not qualify.
        assert_eq!(
            eligible(&tiers, &facts(vec![200.0, 200.0, 199.97], 6)).map(|t| t.rank),
            Some(1)
        );
        // Enough MRR but too short a stay.
        assert_eq!(
            eligible(&tiers, &facts(vec![900.0; 3], 11)).map(|t| t.rank),
            Some(2)
        );
        let mut churned = facts(vec![900.0; 3], 24);
        churned.active = false;
        assert_eq!(eligible(&tiers, &churned), None);
    }

    #[test]
    fn window_average_counts_a_missing_month_as_zero() {
        assert_eq!(window_mrr(&[300.0, 0.0, 300.0], 3), 200.0);
        assert_eq!(window_mrr(&[300.0], 3), 100.0);
        assert_eq!(window_mrr(&[50.0, 100.0, 200.0, 300.0], 2), 250.0);
    }

    #[test]
    fn tenure_in_whole_months() {
        assert_eq!(whole_months(date("2026-01-15"), date("2026-04-01")), 2);
        assert_eq!(whole_months(date("2026-01-01"), date("2026-04-01")), 3);
        assert_eq!(whole_months(date("2026-01-31"), date("2026-02-28")), 0);
        assert_eq!(whole_months(date("2026-04-01"), date("2026-01-01")), 0);
    }
}
