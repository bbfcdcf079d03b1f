//! Tier decisions explained: for each account, the criteria of its held tier and of the next
//! one up, checked against its facts, with the gap to the next tier. `cxcockpit tiers`, the
//! cockpit's tiers pane and the account view all explain a decision with this code.

use crate::domain::Period;
use crate::domain::tiers::{self, AccountFacts, TierRule};
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
            let row = rows.get(&account_id).cloned().unwrap_or(TierRow::NONE);
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

/// The decisions of the accounts upgraded, in grace or downgraded at the end of `period`,
/// handed to `f` in account id order: what `decisions_each` gives for them, read from the
/// month's stored tiers and watch list (`tier_watch`) instead of every account's rows. An
/// account the watch list does not hold (a downgrade) has its facts read alone.
pub fn notable_decisions_each(
    store: &Store,
    ladder: &[TierRule],
    period: Period,
    f: &mut dyn FnMut(Decision) -> Result<()>,
) -> Result<()> {
    store.notable_tiers_each(period, &mut |account_id, row, facts| {
        let facts = match facts {
            Some(facts) => facts,
            None => match store.tier_facts_of(period, Some(&account_id))?.pop() {
                Some((_, facts)) => facts,
                // A tier row of no account: `decisions_each`, walking the accounts, meets none.
                None => return Ok(()),
            },
        };
        f(explain(ladder, account_id, row, &facts))
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

impl Decision {
    /// The decision's fields as the JSON documents list them, in their order (held tier to gap),
    /// after whatever fields the document puts first: `tiers --format json` and the tiers pane's
    /// watch list.
    pub fn extend_json(&self, fields: &mut serde_json::Map<String, serde_json::Value>) {
        use serde_json::json;
        fields.extend([
            ("held_tier".to_string(), json!(self.row.held)),
            ("eligible_tier".to_string(), json!(self.row.eligible)),
            ("status".to_string(), json!(self.row.status.as_str())),
            ("grace_until".to_string(), json!(self.row.grace_until)),
            ("criteria".to_string(), json!(self.criteria)),
            ("next_tier".to_string(), json!(self.next_tier)),
            ("gap".to_string(), json!(self.gap)),
        ]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tiers::TierStatus;

    /// Every month of the demo: the changes read from the stored month are the decisions the
    /// walk over every account's rows explains, the same accounts in the same order.
    #[test]
    fn the_months_changes_read_from_the_stored_month_are_those_of_the_raw_rows() {
        let store = crate::demo::test_store();
        let ladder = store.tiers().unwrap();
        let (first, last) = store.period_range().unwrap().unwrap();
        let (mut changes, mut unwatched) = (0, 0);
        for period in first.through(last) {
            let mut raw = Vec::new();
            decisions_each(&store, &ladder, period, None, &mut |d, _| {
                if matches!(
                    d.row.status,
                    TierStatus::Upgrade | TierStatus::Grace | TierStatus::Downgrade
                ) {
                    raw.push(format!("{d:?}"));
                }
                Ok(())
            })
            .unwrap();
            let mut stored = Vec::new();
            notable_decisions_each(&store, &ladder, period, &mut |d| {
                stored.push(format!("{d:?}"));
                Ok(())
            })
            .unwrap();
            assert_eq!(stored, raw, "{period}");
            let watched: Vec<String> = store
                .tier_watch(period)
                .unwrap()
                .into_iter()
                .map(|w| w.account_id)
                .collect();
            changes += stored.len();
            store
                .notable_tiers_each(period, &mut |id, _, facts| {
                    assert_eq!(facts.is_some(), watched.contains(&id), "{period} {id}");
                    unwatched += usize::from(facts.is_none());
                    Ok(())
                })
                .unwrap();
        }
        assert!(changes > 100, "the demo's tiers change: {changes}");
        assert!(
            unwatched > 0,
            "some changes are not on the watch list (downgrades)"
        );
    }
}
