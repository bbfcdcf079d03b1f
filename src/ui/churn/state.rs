//! The churn pane's data: each segment's monthly churn and retention over every month in the
//! store (read once from the precomputed `churn_month`, a few rows per segment), and each
//! month's churn events (the churned accounts, by phase and by root cause) read when the month
//! is shown and kept while it is near the month shown (`EVENT_MONTHS_KEPT`).

use std::collections::HashMap;

use crate::domain::Period;
use crate::domain::retention::{Retention, RetentionSums};
use crate::error::Result;
use crate::store::Store;
use crate::store::churn::{ChurnAside, ChurnBy, ChurnGroup, ChurnedAccount, Cohort, group_churned};

use crate::ui::load::Request;

/// One month's churn events in one segment.
#[derive(Debug, Clone, Default)]
pub struct ChurnEvents {
    pub by_phase: Vec<ChurnGroup>,
    pub by_reason: Vec<ChurnGroup>,
    /// Largest MRR lost first.
    pub accounts: Vec<ChurnedAccount>,
    /// The month's churn and retention by the loyalty tier held at its start ('tier:<id>').
    pub by_tier: Vec<(String, Retention)>,
    /// Churn events of the month whose account the figures do not count, with why.
    pub aside: Vec<ChurnAside>,
}

impl ChurnEvents {
    /// One month's events in one segment.
    pub fn load(store: &Store, journey: Option<&str>, period: Period, segment: &str) -> Result<ChurnEvents> {
        let accounts = store.churned_accounts_in(journey, segment, period, period)?;
        Ok(ChurnEvents {
            by_phase: group_churned(&accounts, ChurnBy::Phase),
            by_reason: group_churned(&accounts, ChurnBy::Cause),
            accounts,
            aside: store.churn_events_aside(journey, segment, period, period)?,
            by_tier: store.churn_window_by_tier(journey, segment, period, period)?,
        })
    }
}

/// Every segment's monthly figures over the store's months, and the cohorts.
#[derive(Debug, Clone, Default)]
pub struct ChurnMonths {
    /// The months, oldest first (every month of the store).
    pub months: Vec<Period>,
    /// Segment -> its figures for each of `months`, in the same order.
    pub segments: Vec<(String, Vec<Retention>)>,
    /// Accounts by start month and the share still active after each month.
    pub cohorts: Vec<Cohort>,
}

impl ChurnMonths {
    /// The months of one journey's accounts (None: every journey's).
    pub fn load(
        store: &Store,
        range: Option<(Period, Period)>,
        journey: Option<&str>,
    ) -> Result<ChurnMonths> {
        let Some((first, last)) = range else {
            return Ok(ChurnMonths::default());
        };
        // The segment names (all, hvc, regular, size:*, industry:*, journey:*) of the last
        // month; then each one's months from `churn_month`.
        let names: Vec<String> = store
            .churn_segments(journey, last)?
            .into_iter()
            // Within one journey the journey groups say nothing.
            .filter(|s| journey.is_none() || !s.starts_with("journey:"))
            .collect();
        let mut segments = Vec::with_capacity(names.len().max(1));
        for name in names
            .iter()
            .map(String::as_str)
            .chain((!names.iter().any(|n| n == "all")).then_some("all"))
        {
            let months = store.churn_months(journey, name, first, last)?;
            segments.push((name.to_string(), months.into_iter().map(|(_, r)| r).collect()));
        }
        Ok(ChurnMonths {
            months: first.through(last).collect(),
            segments,
            cohorts: store.cohorts(first, last)?,
        })
    }
}

/// Months of events kept around the month shown (it and its neighbours, for stepping back and
/// forth); farther months are read again when shown.
const EVENT_MONTHS_KEPT: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct ChurnData {
    /// The journey whose accounts the figures are of (None: every journey's).
    pub journey: Option<String>,
    /// The months loaded, oldest first (every month of the store).
    pub months: Vec<Period>,
    /// Segment -> its figures for each of `months`, in the same order.
    pub segments: Vec<(String, Vec<Retention>)>,
    /// By (month, segment): read when that month is shown in that segment, kept while near.
    pub events: HashMap<(Period, String), ChurnEvents>,
    /// Accounts by start month and the share still active after each month (read once).
    pub cohorts: Vec<Cohort>,
    pub loaded: bool,
}

/// Figures of a month without any active account: every rate absent.
pub fn empty_retention() -> Retention {
    Retention::from_sums(RetentionSums::default())
}

impl ChurnData {
    /// What the pane needs to show `period` in `segment` of a journey and does not hold.
    pub fn needs(
        &self,
        range: Option<(Period, Period)>,
        journey: Option<&str>,
        period: Period,
        segment: &str,
        out: &mut Vec<Request>,
    ) {
        let Some((first, last)) = range else {
            return;
        };
        let journey = journey.map(str::to_string);
        let other_journey = self.journey != journey;
        if !self.loaded || other_journey {
            out.push(Request::ChurnMonths {
                journey: journey.clone(),
            });
        }
        let held = !other_journey && self.events.contains_key(&(period, segment.to_string()));
        if first <= period && period <= last && !held {
            out.push(Request::ChurnEvents {
                journey,
                period,
                segment: segment.to_string(),
            });
        }
    }

    /// Takes the months of a journey; a journey other than the one held starts afresh.
    pub fn receive_months(&mut self, journey: Option<String>, months: ChurnMonths) {
        if self.journey != journey {
            self.events.clear();
            self.journey = journey;
        }
        self.months = months.months;
        self.segments = months.segments;
        self.cohorts = months.cohorts;
        self.loaded = true;
    }

    /// Keeps a month's events, and drops, past the few kept, those of other segments first,
    /// then the months farthest from the month shown (never one the read-ahead wants, which
    /// would be read again and again).
    pub fn receive_events(
        &mut self,
        journey: Option<String>,
        key: (Period, String),
        events: ChurnEvents,
        shown: (Period, &str),
    ) {
        if self.journey != journey {
            // Events of a journey no longer shown (its months not read yet): dropped.
            return;
        }
        self.events.insert(key, events);
        while self.events.len() > EVENT_MONTHS_KEPT {
            let farthest = self
                .events
                .keys()
                .max_by_key(|(p, s)| (s != shown.1, p.months_until(shown.0).unsigned_abs(), *p))
                .cloned();
            match farthest {
                Some(key) => self.events.remove(&key),
                None => break,
            };
        }
    }

    /// A segment's figures in every month, oldest first (None when the segment is unknown).
    pub fn series(&self, segment: &str) -> Option<&[Retention]> {
        self.segments
            .iter()
            .find(|(s, _)| s == segment)
            .map(|(_, r)| r.as_slice())
    }

    /// A segment's figures in one month; a month without data has every rate absent.
    pub fn month(&self, segment: &str, period: Period) -> Retention {
        let at = self.months.iter().position(|p| *p == period);
        self.series(segment)
            .zip(at)
            .and_then(|(s, i)| s.get(i).copied())
            .unwrap_or_else(empty_retention)
    }

    pub fn events(&self, period: Period, segment: &str) -> Option<&ChurnEvents> {
        self.events.get(&(period, segment.to_string()))
    }
}
