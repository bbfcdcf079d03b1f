//! The tiers pane's data for one month: the ladder, members per tier and the change from the
//! month before, and every account's decision explained (`analysis::tiers::explain`, the same code
//! as `cxcockpit tiers`), with the accounts to watch: upgrades, downgrade risks, near misses.
//! Read when a month is shown and kept while near it; only the watched accounts are kept.

use std::collections::HashMap;

use crate::analysis::tiers::{Decision, explain};
use crate::domain::Period;
use crate::domain::tiers::{AccountFacts, TierRule, TierStatus, watch_flags};
use crate::error::Result;
use crate::store::Store;
use crate::store::tiers::TierRow;

use crate::ui::load::Request;

/// Why an account is on the watch list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Watch {
    /// Moved up a tier this month.
    Upgrade,
    /// In grace, or within 10% of losing the MRR criterion.
    DowngradeRisk,
    /// Within 10% of the next tier's MRR or 2 months of its tenure.
    NearMiss,
}

impl Watch {
    /// Marker and word: the list reads without colour.
    pub fn label(self) -> &'static str {
        match self {
            Watch::Upgrade => "^ upgrade",
            Watch::DowngradeRisk => "v at risk",
            Watch::NearMiss => "~ near miss",
        }
    }
}

/// One account of the month with the facts its decision was made on; explained when drawn
/// (`decision`), so a month of 14,000 watched accounts holds facts, not explanations.
#[derive(Debug, Clone)]
pub struct TierAccount {
    pub account_id: String,
    pub row: TierRow,
    pub facts: AccountFacts,
    pub hvc: bool,
}

impl TierAccount {
    /// The account's decision explained against its held and next tier.
    pub fn decision(&self, ladder: &[TierRule]) -> Decision {
        explain(ladder, self.account_id.clone(), self.row.clone(), &self.facts)
    }
}

#[derive(Debug, Clone, Default)]
pub struct TierMonth {
    /// Members per tier of the ladder (same order), and the change from the month before.
    pub members: Vec<(i64, i64)>,
    /// HVC accounts among every account of the month.
    pub hvc: usize,
    /// The accounts on the watch list (only they are kept: the pane lists nobody else).
    pub accounts: Vec<TierAccount>,
    /// The watch list: (why, index into `accounts`), upgrades, then risks, then near misses,
    /// each by account id.
    pub watch: Vec<(Watch, usize)>,
}

impl TierMonth {
    pub fn count(&self, why: Watch) -> usize {
        self.watch.iter().filter(|(w, _)| *w == why).count()
    }
}

/// Months kept around the month shown; farther ones are read again when shown.
const MONTHS_KEPT: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct TiersData {
    /// Sorted by rank, lowest first.
    pub ladder: Vec<TierRule>,
    pub months: HashMap<Period, TierMonth>,
    pub loaded: bool,
}

impl TiersData {
    /// What the pane needs to show `period` and does not hold: the ladder, then the month.
    pub fn needs(&self, range: Option<(Period, Period)>, period: Period, out: &mut Vec<Request>) {
        let Some((first, last)) = range else {
            return;
        };
        if !self.loaded {
            out.push(Request::TierLadder);
        } else if !self.ladder.is_empty()
            && !self.months.contains_key(&period)
            && first <= period
            && period <= last
        {
            out.push(Request::TierMonth { period });
        }
    }

    pub fn receive_ladder(&mut self, ladder: Vec<TierRule>) {
        self.ladder = ladder;
        self.loaded = true;
    }

    /// Keeps a month, and drops the months farthest from `shown` past the few kept.
    pub fn receive_month(&mut self, period: Period, month: TierMonth, shown: Period) {
        self.months.insert(period, month);
        while self.months.len() > MONTHS_KEPT {
            let farthest = self
                .months
                .keys()
                .max_by_key(|p| (p.months_until(shown).unsigned_abs(), **p))
                .copied();
            match farthest {
                Some(p) => self.months.remove(&p),
                None => break,
            };
        }
    }

    pub fn month(&self, period: Period) -> Option<&TierMonth> {
        self.months.get(&period)
    }
}

/// The ladder, lowest rank first.
pub fn ladder(store: &Store) -> Result<Vec<TierRule>> {
    let mut ladder = store.tiers()?;
    ladder.sort_by_key(|t| t.rank);
    Ok(ladder)
}

/// One month's members per tier and the accounts to watch, explained: read from what the tier
/// evaluation stored for the month (`Store::tier_watch`, `Store::tier_month_counts`), each
/// watched account's decision explained again from the facts it was made on.
pub fn load_month(
    store: &Store,
    ladder: &[TierRule],
    period: Period,
    has_previous: bool,
) -> Result<TierMonth> {
    let (now, hvc) = store.tier_month_counts(period)?;
    let then = if has_previous {
        store.tier_month_counts(period.prev())?.0
    } else {
        HashMap::new()
    };
    let members = ladder
        .iter()
        .map(|t| {
            let now = now.get(&t.id).copied().unwrap_or(0);
            (now, now - then.get(&t.id).copied().unwrap_or(0))
        })
        .collect();
    let mut accounts = Vec::new();
    let mut whys = Vec::new();
    for watched in store.tier_watch(period)? {
        // The flags `explain` gives, without the explanation.
        let held = watched
            .row
            .held
            .as_ref()
            .and_then(|h| ladder.iter().position(|t| &t.id == h));
        let (near_miss, downgrade_risk) = watch_flags(ladder, held, watched.row.status, &watched.facts);
        let on = [
            (Watch::Upgrade, watched.row.status == TierStatus::Upgrade),
            (Watch::DowngradeRisk, downgrade_risk),
            (Watch::NearMiss, near_miss),
        ];
        whys.push(on.map(|(why, on)| on.then_some(why)));
        accounts.push(TierAccount {
            hvc: watched.facts.is_hvc,
            account_id: watched.account_id,
            row: watched.row,
            facts: watched.facts,
        });
    }
    // Upgrades first, then risks, then near misses; within each, in account order.
    let mut watch = Vec::new();
    for (k, why) in [Watch::Upgrade, Watch::DowngradeRisk, Watch::NearMiss]
        .into_iter()
        .enumerate()
    {
        watch.extend(
            whys.iter()
                .enumerate()
                .filter(|(_, on)| on[k] == Some(why))
                .map(|(i, _)| (why, i)),
        );
    }
    Ok(TierMonth {
        members,
        hvc: usize::try_from(hvc).unwrap_or(0),
        accounts,
        watch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tiers::decisions;

    /// What the month read from the stored watch list must equal: every account's decision
    /// explained from the raw rows (`analysis::tiers::decisions`, as `cxcockpit tiers` does).
    fn from_raw_rows(
        store: &Store,
        ladder: &[TierRule],
        period: Period,
    ) -> (Vec<(i64, i64)>, usize, Vec<String>) {
        let count = |p: Period| -> Vec<i64> {
            let all = decisions(store, ladder, p).unwrap();
            ladder
                .iter()
                .map(|t| {
                    all.iter()
                        .filter(|d| d.row.held.as_deref() == Some(&t.id))
                        .count() as i64
                })
                .collect()
        };
        let now = count(period);
        let then = count(period.prev());
        let members = now.iter().zip(&then).map(|(n, t)| (*n, n - t)).collect();
        let facts = store.tier_facts(period).unwrap();
        let hvc = facts.iter().filter(|(_, f)| f.is_hvc).count();
        let mut watched = Vec::new();
        for why in [Watch::Upgrade, Watch::DowngradeRisk, Watch::NearMiss] {
            for d in decisions(store, ladder, period).unwrap() {
                let on = match why {
                    Watch::Upgrade => d.row.status == TierStatus::Upgrade,
                    Watch::DowngradeRisk => d.downgrade_risk,
                    Watch::NearMiss => d.near_miss,
                };
                if on {
                    watched.push(format!("{why:?} {d:?}"));
                }
            }
        }
        (members, hvc, watched)
    }

    #[test]
    fn the_stored_watch_list_explains_every_month_as_the_raw_rows_do() {
        let store = crate::demo::test_store();
        let ladder = ladder(&store).unwrap();
        let (first, last) = store.period_range().unwrap().unwrap();
        let mut watched_somewhere = 0;
        for period in first.next().through(last) {
            let month = load_month(&store, &ladder, period, true).unwrap();
            let stored: Vec<String> = month
                .watch
                .iter()
                .map(|(why, i)| format!("{why:?} {:?}", month.accounts[*i].decision(&ladder)))
                .collect();
            let (members, hvc, watched) = from_raw_rows(&store, &ladder, period);
            assert_eq!(month.members, members, "{period}: members");
            assert_eq!(month.hvc, hvc, "{period}: HVC accounts");
            assert_eq!(stored, watched, "{period}: watch list");
            watched_somewhere += stored.len();
        }
        assert!(
            watched_somewhere > 100,
            "the demo has accounts to watch: {watched_somewhere}"
        );
    }
}
