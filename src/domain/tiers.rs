//! Loyalty tier qualification: the highest tier whose criteria hold at the end of a month, with
//! each criterion's required and actual value so every decision can be explained. A tier asks for
//! its minimum MRR and its minimum tenure both (`qualify = all`, the default), or rewards either
//! spending or length of stay (`qualify = any`); its conditions (no overdue invoice, ...) always
//! hold.
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
    /// How the MRR and tenure criteria combine.
    pub qualify: Qualify,
}

/// How a tier's MRR ("spending") and tenure ("length of stay") criteria combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualify {
    /// Both must hold.
    #[default]
    All,
    /// Either is enough: a path whose minimum is zero is no path (it would let everyone in).
    Any,
}

impl Qualify {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualify::All => "all",
            Qualify::Any => "any",
        }
    }
}

impl std::str::FromStr for Qualify {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(Qualify::All),
            "any" => Ok(Qualify::Any),
            other => Err(format!("qualify '{other}': expected all or any")),
        }
    }
}

/// Which of a tier's paths hold: spending (the MRR minimum) and length of stay (the tenure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paths {
    pub spend: bool,
    pub stay: bool,
}

impl Paths {
    pub fn of(tier: &TierRule, facts: &AccountFacts) -> Paths {
        Paths {
            spend: window_mrr(&facts.monthly_mrr, tier.window_months) >= tier.min_mrr,
            stay: facts.tenure_months >= tier.min_tenure_months,
        }
    }

    /// Whether the MRR and tenure criteria hold as the tier combines them.
    pub fn hold(self, tier: &TierRule) -> bool {
        match tier.qualify {
            Qualify::All => self.spend && self.stay,
            Qualify::Any => {
                let (by_spend, by_stay) = (tier.min_mrr > 0.0, tier.min_tenure_months > 0);
                (!by_spend && !by_stay) || (by_spend && self.spend) || (by_stay && self.stay)
            }
        }
    }

    /// The path that qualified, in words, for an `any` tier.
    pub fn which(self, tier: &TierRule) -> &'static str {
        let spend = self.spend && tier.min_mrr > 0.0;
        let stay = self.stay && tier.min_tenure_months > 0;
        match (spend, stay) {
            (true, true) => "by spending and by length of stay",
            (true, false) => "by spending",
            (false, true) => "by length of stay",
            (false, false) if self.hold(tier) => "no minimum to meet",
            (false, false) => "neither",
        }
    }
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
    if tier.qualify == Qualify::Any {
        let paths = Paths::of(tier, facts);
        checks.push(CriterionCheck {
            criterion: "spend or stay",
            required: "mrr or tenure (qualify = any)".into(),
            actual: paths.which(tier).into(),
            pass: paths.hold(tier),
        });
    }
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

/// Whether `tier`'s criteria hold (MRR and tenure combined as it says): `check` without the
/// explanation, for evaluating every account every month.
pub fn qualifies(tier: &TierRule, facts: &AccountFacts) -> bool {
    facts.active
        && Paths::of(tier, facts).hold(tier)
        && !(tier.req_no_overdue && facts.has_overdue_invoice)
        && !(tier.req_no_open_severe && facts.has_open_severe_ticket)
        && !(tier.req_not_detractor && facts.is_detractor)
        && (!tier.req_hvc || facts.is_hvc)
}

/// The highest-ranked tier whose every criterion holds, if any.
pub fn eligible<'t>(tiers: &'t [TierRule], facts: &AccountFacts) -> Option<&'t TierRule> {
    tiers
        .iter()
        .filter(|t| qualifies(t, facts))
        .max_by_key(|t| t.rank)
}

/// The index in `ladder` (sorted by rank) of the highest tier whose criteria all hold.
pub fn eligible_index(ladder: &[TierRule], facts: &AccountFacts) -> Option<usize> {
    ladder.iter().rposition(|t| qualifies(t, facts))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TierStatus {
    /// Holds the tier it qualifies for.
    Qualified,
    /// Moved up this month: a qualifying higher tier applies at once.
    Upgrade,
    /// No longer qualifies for the tier it holds, and keeps it until the grace period ends.
    Grace,
    /// Dropped one tier this month after the grace period.
    Downgrade,
    /// Holds no tier.
    None,
}

impl std::str::FromStr for TierStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        [
            TierStatus::Qualified,
            TierStatus::Upgrade,
            TierStatus::Grace,
            TierStatus::Downgrade,
            TierStatus::None,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| format!("'{text}' is not a tier status"))
    }
}

impl TierStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TierStatus::Qualified => "qualified",
            TierStatus::Upgrade => "upgrade",
            TierStatus::Grace => "grace",
            TierStatus::Downgrade => "downgrade",
            TierStatus::None => "none",
        }
    }
}

/// What an account holds at the end of a month; `held` and `eligible` index the tier ladder
/// sorted by rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub held: Option<usize>,
    pub eligible: Option<usize>,
    pub status: TierStatus,
    /// The last month of the grace period while in grace (or after it ran out, while still
    /// failing: the drops go on one tier a month).
    pub grace_until: Option<crate::domain::Period>,
}

impl Holding {
    pub const NONE: Holding = Holding {
        held: None,
        eligible: None,
        status: TierStatus::None,
        grace_until: None,
    };
}

/// The month's holding from last month's and this month's eligibility (`ladder` sorted by rank):
/// a qualifying higher tier applies at once; a member who no longer qualifies keeps the tier for
/// its grace period, then drops one tier a month; churned accounts hold no tier.
pub fn next_holding(
    ladder: &[TierRule],
    previous: Holding,
    eligible: Option<usize>,
    active: bool,
    period: crate::domain::Period,
) -> Holding {
    if !active {
        return Holding::NONE;
    }
    let rank = |i: Option<usize>| i.map_or(-1, |i| i as i64);
    let held = previous.held;
    if rank(eligible) >= rank(held) {
        let status = match (held, eligible) {
            (_, None) => TierStatus::None,
            (Some(h), Some(e)) if h == e => TierStatus::Qualified,
            _ => TierStatus::Upgrade,
        };
        return Holding {
            held: eligible,
            eligible,
            status,
            grace_until: None,
        };
    }
    // Below the tier held (which exists, since eligible ranks lower).
    let Some(h) = held else { return Holding::NONE };
    let grace_until = previous
        .grace_until
        .unwrap_or_else(|| period.offset(ladder[h].grace_months as i32 - 1));
    if period <= grace_until {
        return Holding {
            held,
            eligible,
            status: TierStatus::Grace,
            grace_until: Some(grace_until),
        };
    }
    let dropped = h.checked_sub(1);
    let dropped = if rank(dropped) < rank(eligible) {
        eligible
    } else {
        dropped
    };
    Holding {
        held: dropped,
        eligible,
        status: if dropped.is_some() {
            TierStatus::Downgrade
        } else {
            TierStatus::None
        },
        // Still failing the new tier: it drops again next month, without a new grace period.
        grace_until: (rank(eligible) < rank(dropped)).then_some(grace_until),
    }
}

/// How far an account is from a tier: what it lacks on each criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub tier: String,
    /// MRR (window average) still missing; 0 when the MRR criterion holds.
    pub mrr_short: f64,
    /// Whole months of tenure still to go.
    pub tenure_months_to_go: i64,
    /// Other criteria that fail (overdue invoice, open severe ticket, ...).
    pub failing: Vec<&'static str>,
}

/// What an account lacks for a tier. For an `any` tier that it reaches by one path, nothing is
/// short; else each path's shortfall is given (either one closes the gap).
pub fn gap(tier: &TierRule, facts: &AccountFacts) -> Gap {
    let (mrr_short, tenure_months_to_go) = shortfall(tier, facts);
    Gap {
        tier: tier.id.clone(),
        mrr_short,
        tenure_months_to_go,
        failing: failing(tier, facts).collect(),
    }
}

/// `gap`'s MRR still missing and months still to go.
fn shortfall(tier: &TierRule, facts: &AccountFacts) -> (f64, i64) {
    if tier.qualify == Qualify::Any && Paths::of(tier, facts).hold(tier) {
        return (0.0, 0);
    }
    let avg = window_mrr(&facts.monthly_mrr, tier.window_months);
    (
        (tier.min_mrr - avg).max(0.0),
        (tier.min_tenure_months - facts.tenure_months).max(0),
    )
}

/// The criteria of `tier` other than MRR and tenure that fail, in `check`'s order: what `check`
/// says without its explanation (the tier evaluation asks it of every account every month).
fn failing(tier: &TierRule, facts: &AccountFacts) -> impl Iterator<Item = &'static str> {
    [
        ("active", !facts.active),
        (
            "overdue invoice",
            tier.req_no_overdue && facts.has_overdue_invoice,
        ),
        (
            "open severe ticket",
            tier.req_no_open_severe && facts.has_open_severe_ticket,
        ),
        ("nps detractor", tier.req_not_detractor && facts.is_detractor),
        ("hvc", tier.req_hvc && !facts.is_hvc),
    ]
    .into_iter()
    .filter_map(|(criterion, fails)| fails.then_some(criterion))
}

/// Near the next tier, failing nothing else: within 10% of its MRR and 2 months of its tenure
/// (`all`), or of either (`any`: near by spending or near by length of stay).
pub fn is_near_miss(gap: &Gap, tier: &TierRule) -> bool {
    gap.failing.is_empty() && is_near(tier, gap.mrr_short, gap.tenure_months_to_go)
}

/// `is_near_miss` apart from the other criteria.
fn is_near(tier: &TierRule, mrr_short: f64, tenure_months_to_go: i64) -> bool {
    let mrr_close = mrr_short <= 0.1 * tier.min_mrr;
    let tenure_close = tenure_months_to_go <= 2;
    let short = mrr_short > 0.0 || tenure_months_to_go > 0;
    let close = match tier.qualify {
        Qualify::All => mrr_close && tenure_close,
        Qualify::Any => (tier.min_mrr > 0.0 && mrr_close) || (tier.min_tenure_months > 0 && tenure_close),
    };
    close && short
}

/// The tier an account is measured against next (index into the ladder, lowest first): the one
/// above its held tier, or the first for an active account that holds none.
pub fn next_tier(ladder: &[TierRule], held: Option<usize>, active: bool) -> Option<usize> {
    match held {
        Some(i) => (i + 1 < ladder.len()).then_some(i + 1),
        None if active && !ladder.is_empty() => Some(0),
        None => None,
    }
}

/// Whether a month's decision is one to watch: (a near miss of the next tier, a downgrade risk
/// of the held one).
pub fn watch_flags(
    ladder: &[TierRule],
    held: Option<usize>,
    status: TierStatus,
    facts: &AccountFacts,
) -> (bool, bool) {
    // `is_near_miss(&gap(..))` without building the gap: this runs for every account-month.
    let near_miss = next_tier(ladder, held, facts.active).is_some_and(|i| {
        let (mrr_short, tenure_months_to_go) = shortfall(&ladder[i], facts);
        failing(&ladder[i], facts).next().is_none() && is_near(&ladder[i], mrr_short, tenure_months_to_go)
    });
    let downgrade_risk = held.is_some_and(|i| is_downgrade_risk(&ladder[i], facts, status));
    (near_miss, downgrade_risk)
}

/// At risk of losing the held tier: in grace, or its MRR within 10% above the threshold.
pub fn is_downgrade_risk(tier: &TierRule, facts: &AccountFacts, status: TierStatus) -> bool {
    let avg = window_mrr(&facts.monthly_mrr, tier.window_months);
    status == TierStatus::Grace || (tier.min_mrr > 0.0 && avg >= tier.min_mrr && avg < 1.1 * tier.min_mrr)
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
            qualify: Qualify::All,
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

    /// Gold by spending (500 a month over 3 months) or by length of stay (12 months).
    fn gold_any() -> TierRule {
        TierRule {
            qualify: Qualify::Any,
            ..tier("gold", 3, 500.0, 12)
        }
    }

    #[test]
    fn the_watch_flags_near_miss_is_the_gaps_for_every_combination_of_facts() {
        // Every requirement on, both ways of combining MRR and tenure, every flag both ways,
        // MRR and tenure short, near, and met.
        for qualify in [Qualify::All, Qualify::Any] {
            let strict = TierRule {
                req_no_overdue: true,
                req_no_open_severe: true,
                req_not_detractor: true,
                req_hvc: true,
                qualify,
                ..tier("gold", 1, 500.0, 12)
            };
            for bits in 0..32u8 {
                for (mrr, tenure) in [(300.0, 3), (480.0, 11), (480.0, 5), (520.0, 10), (520.0, 12)] {
                    let facts = AccountFacts {
                        active: bits & 1 == 0,
                        has_overdue_invoice: bits & 2 != 0,
                        has_open_severe_ticket: bits & 4 != 0,
                        is_detractor: bits & 8 != 0,
                        is_hvc: bits & 16 == 0,
                        ..facts(vec![mrr; 3], tenure)
                    };
                    let gap = gap(&strict, &facts);
                    let from_check: Vec<&str> = check(&strict, &facts)
                        .into_iter()
                        .filter(|c| !c.pass && !matches!(c.criterion, "mrr" | "tenure" | "spend or stay"))
                        .map(|c| c.criterion)
                        .collect();
                    assert_eq!(gap.failing, from_check, "{qualify:?} {bits:05b} {mrr} {tenure}");
                    let held = None;
                    let (near_miss, _) =
                        watch_flags(std::slice::from_ref(&strict), held, TierStatus::None, &facts);
                    let want = facts.active && is_near_miss(&gap, &strict);
                    assert_eq!(near_miss, want, "{qualify:?} {bits:05b} {mrr} {tenure}");
                }
            }
        }
        // The cases include near misses, so the comparison above is not all "no".
        let near = AccountFacts {
            is_hvc: true,
            ..facts(vec![480.0; 3], 11)
        };
        let strict = TierRule {
            req_hvc: true,
            ..tier("gold", 1, 500.0, 12)
        };
        assert_eq!(
            watch_flags(std::slice::from_ref(&strict), None, TierStatus::None, &near),
            (true, false)
        );
    }

    #[test]
    fn an_any_tier_qualifies_by_spending_or_by_length_of_stay() {
        let gold = gold_any();
        // 600 a month for 3 months, 3 months of tenure: by spending.
        let spender = facts(vec![600.0, 600.0, 600.0], 3);
        assert!(qualifies(&gold, &spender));
        // 100 a month, 24 months: by length of stay (an `all` tier would refuse both).
        let loyal = facts(vec![100.0, 100.0, 100.0], 24);
        assert!(qualifies(&gold, &loyal));
        assert!(!qualifies(&tier("gold", 3, 500.0, 12), &loyal));
        assert!(!qualifies(&tier("gold", 3, 500.0, 12), &spender));
        // Neither.
        assert!(!qualifies(&gold, &facts(vec![100.0, 100.0, 100.0], 3)));
        // The explanation says which path.
        let path = |f: &AccountFacts| {
            check(&gold, f)
                .into_iter()
                .find(|c| c.criterion == "spend or stay")
                .map(|c| (c.actual, c.pass))
                .unwrap()
        };
        assert_eq!(path(&spender), ("by spending".to_string(), true));
        assert_eq!(path(&loyal), ("by length of stay".to_string(), true));
        assert_eq!(path(&facts(vec![100.0; 3], 3)), ("neither".to_string(), false));
        // Conditions still hold either way.
        let late_payer = AccountFacts {
            has_overdue_invoice: true,
            ..loyal.clone()
        };
        let strict = TierRule {
            req_no_overdue: true,
            ..gold_any()
        };
        assert!(!qualifies(&strict, &late_payer));
    }

    #[test]
    fn a_zero_minimum_is_no_path_of_an_any_tier() {
        // Bronze asks 100 a month and no tenure: with `any`, tenure 0 must not let everyone in.
        let bronze = TierRule {
            qualify: Qualify::Any,
            ..tier("bronze", 1, 100.0, 0)
        };
        assert!(!qualifies(&bronze, &facts(vec![50.0; 3], 0)));
        assert!(qualifies(&bronze, &facts(vec![150.0; 3], 0)));
    }

    #[test]
    fn near_misses_of_an_any_tier_consider_either_path() {
        let gold = gold_any();
        // 460 a month (40 short, within 10% of 500), 3 months of tenure (9 to go): near by spending.
        let g = gap(&gold, &facts(vec![460.0; 3], 3));
        assert_eq!((g.mrr_short, g.tenure_months_to_go), (40.0, 9));
        assert!(is_near_miss(&g, &gold));
        assert!(
            !is_near_miss(&g, &tier("gold", 3, 500.0, 12)),
            "an all tier needs both close"
        );
        // 100 a month, 11 months: near by length of stay.
        let g = gap(&gold, &facts(vec![100.0; 3], 11));
        assert!(is_near_miss(&g, &gold));
        // Reached by one path: nothing is short.
        let g = gap(&gold, &facts(vec![100.0; 3], 12));
        assert_eq!((g.mrr_short, g.tenure_months_to_go), (0.0, 0));
        assert!(!is_near_miss(&g, &gold));
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

    fn month(text: &str) -> crate::domain::Period {
        text.parse().unwrap()
    }

    fn ladder() -> Vec<TierRule> {
        let mut gold = tier("gold", 3, 800.0, 12);
        gold.grace_months = 2;
        vec![tier("bronze", 1, 0.0, 0), tier("silver", 2, 200.0, 6), gold]
    }

    #[test]
    fn a_higher_tier_applies_at_once() {
        let h = next_holding(&ladder(), Holding::NONE, Some(0), true, month("2026-01"));
        assert_eq!((h.held, h.status), (Some(0), TierStatus::Upgrade));
        let h = next_holding(&ladder(), h, Some(2), true, month("2026-02"));
        assert_eq!((h.held, h.status), (Some(2), TierStatus::Upgrade));
        let h = next_holding(&ladder(), h, Some(2), true, month("2026-03"));
        assert_eq!((h.held, h.status), (Some(2), TierStatus::Qualified));
    }

    #[test]
    fn grace_then_one_tier_a_month() {
        // Gold (grace 2) held; from March the account qualifies only for bronze.
        let gold = Holding {
            held: Some(2),
            eligible: Some(2),
            status: TierStatus::Qualified,
            grace_until: None,
        };
        let march = next_holding(&ladder(), gold, Some(0), true, month("2026-03"));
        assert_eq!(
            (march.held, march.status, march.grace_until),
            (Some(2), TierStatus::Grace, Some(month("2026-04")))
        );
        let april = next_holding(&ladder(), march, Some(0), true, month("2026-04"));
        assert_eq!((april.held, april.status), (Some(2), TierStatus::Grace));
        // The grace ends with April: May drops to silver, June to bronze (a double drop takes two months).
        let may = next_holding(&ladder(), april, Some(0), true, month("2026-05"));
        assert_eq!((may.held, may.status), (Some(1), TierStatus::Downgrade));
        let june = next_holding(&ladder(), may, Some(0), true, month("2026-06"));
        assert_eq!((june.held, june.status), (Some(0), TierStatus::Downgrade));
        let july = next_holding(&ladder(), june, Some(0), true, month("2026-07"));
        assert_eq!(
            (july.held, july.status, july.grace_until),
            (Some(0), TierStatus::Qualified, None)
        );
    }

    #[test]
    fn requalifying_in_grace_keeps_the_tier_and_churn_clears_it() {
        let gold = Holding {
            held: Some(2),
            eligible: Some(2),
            status: TierStatus::Qualified,
            grace_until: None,
        };
        let grace = next_holding(&ladder(), gold, Some(1), true, month("2026-03"));
        assert_eq!(grace.status, TierStatus::Grace);
        let back = next_holding(&ladder(), grace, Some(2), true, month("2026-04"));
        assert_eq!(
            (back.held, back.status, back.grace_until),
            (Some(2), TierStatus::Qualified, None)
        );
        let churned = next_holding(&ladder(), back, None, false, month("2026-05"));
        assert_eq!(churned, Holding::NONE);
    }

    #[test]
    fn no_grace_drops_at_once() {
        // Silver has no grace in this ladder: failing it drops to bronze the same month.
        let silver = Holding {
            held: Some(1),
            eligible: Some(1),
            status: TierStatus::Qualified,
            grace_until: None,
        };
        let h = next_holding(&ladder(), silver, Some(0), true, month("2026-03"));
        assert_eq!((h.held, h.status), (Some(0), TierStatus::Downgrade));
    }

    #[test]
    fn tenure_in_whole_months() {
        assert_eq!(whole_months(date("2026-01-15"), date("2026-04-01")), 2);
        assert_eq!(whole_months(date("2026-01-01"), date("2026-04-01")), 3);
        assert_eq!(whole_months(date("2026-01-31"), date("2026-02-28")), 0);
        assert_eq!(whole_months(date("2026-04-01"), date("2026-01-01")), 0);
    }
}
