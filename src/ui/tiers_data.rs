//! The tiers pane's data for one month: the ladder, members per tier and the change from the
//! month before, and every account's decision explained (`analysis::tiers::explain`, the same code
//! as `cxcockpit tiers`), with the accounts to watch: upgrades, downgrade risks, near misses.
//! Read the first time a month is shown in the pane and kept, so stepping back is memory only.

use std::collections::HashMap;

use crate::analysis::tiers::{Decision, explain};
use crate::domain::Period;
use crate::domain::tiers::{TierRule, TierStatus};
use crate::error::Result;
use crate::store::Store;
use crate::store::tiers::TierRow;

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

#[derive(Debug, Clone, Default)]
pub struct TiersData {
    /// Sorted by rank, lowest first.
    pub ladder: Vec<TierRule>,
    pub months: HashMap<Period, TierMonth>,
    loaded: bool,
}

impl TiersData {
    /// Loads the ladder the first time, and `period`'s decisions the first time it is shown.
    pub fn ensure(&mut self, store: &Store, range: Option<(Period, Period)>, period: Period) -> Result<()> {
        let Some((first, last)) = range else {
            return Ok(());
        };
        if !self.loaded {
            let mut ladder = store.tiers()?;
            ladder.sort_by_key(|t| t.rank);
            self.ladder = ladder;
            self.loaded = true;
        }
        if self.ladder.is_empty() || self.months.contains_key(&period) || period < first || period > last {
            return Ok(());
        }
        let month = load_month(store, &self.ladder, period, period > first)?;
        self.months.insert(period, month);
        Ok(())
    }

    pub fn month(&self, period: Period) -> Option<&TierMonth> {
        self.months.get(&period)
    }
}

fn load_month(store: &Store, ladder: &[TierRule], period: Period, has_previous: bool) -> Result<TierMonth> {
    let mut rows = store.tier_rows(period)?;
    let before = if has_previous {
        store.tier_rows(period.prev())?
    } else {
        HashMap::new()
    };
    let accounts: Vec<TierAccount> = store
        .tier_facts(period)?
        .into_iter()
        .map(|(id, facts)| {
            let row = rows.remove(&id).unwrap_or(TierRow {
                held: None,
                eligible: None,
                status: TierStatus::None,
                grace_until: None,
            });
            TierAccount {
                hvc: facts.is_hvc,
                decision: explain(ladder, id, row, &facts),
            }
        })
        .collect();
    let count = |held: &mut dyn Iterator<Item = Option<&str>>, tier: &str| {
        held.filter(|h| *h == Some(tier)).count() as i64
    };
    let members = ladder
        .iter()
        .map(|t| {
            let now = count(
                &mut accounts.iter().map(|a| a.decision.row.held.as_deref()),
                &t.id,
            );
            let then = count(&mut before.values().map(|r| r.held.as_deref()), &t.id);
            (now, now - then)
        })
        .collect();
    let mut watch = Vec::new();
    for why in [Watch::Upgrade, Watch::DowngradeRisk, Watch::NearMiss] {
        for (i, a) in accounts.iter().enumerate() {
            let d = &a.decision;
            let on = match why {
                Watch::Upgrade => d.row.status == TierStatus::Upgrade,
                Watch::DowngradeRisk => d.downgrade_risk,
                Watch::NearMiss => d.near_miss,
            };
            if on {
                watch.push((why, i));
            }
        }
    }
    Ok(TierMonth {
        members,
        accounts,
        watch,
    })
}
