//! The tiers pane's data for one month: the ladder, members per tier and the change from the
//! month before, and every account's decision explained (`analysis::tiers::explain`, the same code
//! as `cxcockpit tiers`), with the accounts to watch: upgrades, downgrade risks, near misses.
//! Read when a month is shown and kept while near it; only the watched accounts are kept.

use std::collections::HashMap;

use crate::analysis::tiers::{Decision, explain};
use crate::domain::Period;
use crate::domain::tiers::{TierRule, TierStatus};
use crate::error::Result;
use crate::store::Store;
use crate::store::tiers::TierRow;

use super::load::Request;

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

/// One account of the month with its explained decision.
#[derive(Debug, Clone)]
pub struct TierAccount {
    pub decision: Decision,
    pub hvc: bool,
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

/// One month's members per tier and the accounts to watch, explained.
pub fn load_month(
    store: &Store,
    ladder: &[TierRule],
    period: Period,
    has_previous: bool,
) -> Result<TierMonth> {
    let mut rows = store.tier_rows(period)?;
    let before = if has_previous {
        store.tier_rows(period.prev())?
    } else {
        HashMap::new()
    };
    let mut members_now = vec![0i64; ladder.len()];
    let mut hvc = 0;
    let mut accounts = Vec::new();
    let mut whys = Vec::new();
    for (id, facts) in store.tier_facts(period)? {
        let row = rows.remove(&id).unwrap_or(TierRow {
            held: None,
            eligible: None,
            status: TierStatus::None,
            grace_until: None,
        });
        let decision = explain(ladder, id, row, &facts);
        if let Some(i) = held_index(ladder, decision.row.held.as_deref()) {
            members_now[i] += 1;
        }
        hvc += usize::from(facts.is_hvc);
        let on = [
            (Watch::Upgrade, decision.row.status == TierStatus::Upgrade),
            (Watch::DowngradeRisk, decision.downgrade_risk),
            (Watch::NearMiss, decision.near_miss),
        ];
        if on.iter().any(|(_, on)| *on) {
            whys.push(on.map(|(why, on)| on.then_some(why)));
            accounts.push(TierAccount {
                hvc: facts.is_hvc,
                decision,
            });
        }
    }
    let mut members_then = vec![0i64; ladder.len()];
    for row in before.values() {
        if let Some(i) = held_index(ladder, row.held.as_deref()) {
            members_then[i] += 1;
        }
    }
    let members = members_now
        .iter()
        .zip(&members_then)
        .map(|(now, then)| (*now, now - then))
        .collect();
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
        hvc,
        accounts,
        watch,
    })
}

fn held_index(ladder: &[TierRule], held: Option<&str>) -> Option<usize> {
    held.and_then(|h| ladder.iter().position(|t| t.id == h))
}
