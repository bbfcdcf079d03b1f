//! Tier decisions explained: for each account, the criteria of its held tier and of the next
//! one up, checked against its facts, with the gap to the next tier. `cxcockpit tiers`, the
//! cockpit's tiers pane and the account view all explain a decision with this code.

use crate::domain::Period;
use crate::domain::tiers::{self, AccountFacts, TierRule, TierStatus};
use crate::error::Result;
use crate::store::Store;
use crate::store::tiers::TierRow;

/// One criterion of one tier, checked for an account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierCheck {
    pub tier: String,
    pub criterion: &'static str,
    pub required: String,
    pub actual: String,
    pub pass: bool,
}

/// One account's tier decision with its explanation.
#[derive(Debug, Clone)]
pub struct Decision {
    pub account_id: String,
    pub row: TierRow,
    pub criteria: Vec<TierCheck>,
    pub next_tier: Option<String>,
    pub gap: Option<tiers::Gap>,
    pub near_miss: bool,
    pub downgrade_risk: bool,
}

/// Every account's decision at the end of `period`, explained against its held and next tier.
pub fn decisions(store: &Store, ladder: &[TierRule], period: Period) -> Result<Vec<Decision>> {
    decisions_of(store, ladder, period, None)
}

/// `decisions` for every account, or for one (`only`), which reads only that account's rows.
pub fn decisions_of(
    store: &Store,
    ladder: &[TierRule],
    period: Period,
    only: Option<&str>,
) -> Result<Vec<Decision>> {
    let rows = store.tier_rows_of(period, only)?;
    let facts = store.tier_facts_of(period, only)?;
    Ok(facts
        .into_iter()
        .map(|(account_id, facts)| {
            let row = rows.get(&account_id).cloned().unwrap_or(TierRow {
                held: None,
                eligible: None,
                status: TierStatus::None,
                grace_until: None,
            });
            explain(ladder, account_id, row, &facts)
        })
        .collect())
}

/// `decisions` handed to `f` one account at a time, in account id order, with the tier each
/// account held at the end of `before` (a month earlier, or none): for listings of every
/// account that must not hold them all.
pub fn decisions_each(
    store: &Store,
    ladder: &[TierRule],
    period: Period,
    before: Option<Period>,
    f: &mut dyn FnMut(Decision, Option<String>) -> Result<()>,
) -> Result<()> {
    store.tier_facts_each(period, before, &mut |a| {
        f(explain(ladder, a.account_id, a.row, &a.facts), a.held_before)
    })
}

/// One account's decision explained against its held tier and the next one up (shared with
/// the cockpit's tiers pane).
pub fn explain(ladder: &[TierRule], account_id: String, row: TierRow, facts: &AccountFacts) -> Decision {
    let held = row
        .held
        .as_ref()
        .and_then(|h| ladder.iter().position(|t| &t.id == h));
    let next = tiers::next_tier(ladder, held, facts.active).map(|i| &ladder[i]);
    let mut criteria = Vec::new();
    for tier in held.map(|i| &ladder[i]).into_iter().chain(next) {
        for c in tiers::check(tier, facts) {
            criteria.push(TierCheck {
                tier: tier.id.clone(),
                criterion: c.criterion,
                required: c.required,
                actual: c.actual,
                pass: c.pass,
            });
        }
    }
    let gap = next.map(|t| tiers::gap(t, facts));
    let (near_miss, downgrade_risk) = tiers::watch_flags(ladder, held, row.status, facts);
    Decision {
        near_miss,
        downgrade_risk,
        next_tier: next.map(|t| t.id.clone()),
        account_id,
        row,
        criteria,
        gap,
    }
}

/// The gap to the next tier in words: "gold: MRR short by 120.00, 2 months of tenure to go".
pub fn describe_gap(gap: &tiers::Gap) -> String {
    let mut parts = Vec::new();
    if gap.mrr_short > 0.0 {
        parts.push(format!("MRR short by {:.2}", gap.mrr_short));
    }
    if gap.tenure_months_to_go > 0 {
        parts.push(format!("{} months of tenure to go", gap.tenure_months_to_go));
    }
    parts.extend(gap.failing.iter().map(|f| format!("fails: {f}")));
    if parts.is_empty() {
        format!("qualifies for {}", gap.tier)
    } else {
        format!("{}: {}", gap.tier, parts.join(", "))
    }
}
