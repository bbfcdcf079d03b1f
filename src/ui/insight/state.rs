//! The phase panes' review views (issue 9): the predictive power of the phase's indicators,
//! its touchpoints in the month shown with the priority service of its tickets (HVC against
//! regular, then by loyalty tier), and what customers say (the over-represented words and
//! phrases of unhappy comments, and the comments themselves). One key opens each view in place
//! of the indicator table (keys: `input`); the data is asked for by `needs` the first time it is
//! needed and kept: the predictive power once per journey, the touchpoints once per phase and month, the comments once per phase, touchpoint and month.

use std::collections::HashMap;

use crate::analysis::indicators::{self, IndicatorPower};
use crate::domain::Period;
use crate::domain::terms::{self, Term};
use crate::error::Result;
use crate::store::Store;
use crate::store::indicators::{Comment, ServiceGroup, ServiceSegment, TouchpointMonth};
use crate::ui::app::{App, Pane};

use crate::ui::load::Request;

/// Months of comments the words view reads, ending at the month shown.
pub const COMMENT_MONTHS: i32 = 12;
/// A term must be in at least this many unhappy comments.
pub const MIN_COUNT: u64 = 3;
/// Terms listed at most.
pub const TERMS: usize = 25;

/// A view that replaces the phase pane's indicator table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightView {
    /// How well each indicator predicted churn and the phase's success metrics.
    Power,
    /// The phase's touchpoints in the month shown, against the month before.
    Touchpoints,
    /// The words and phrases over-represented in unhappy comments.
    Words,
    /// The comments themselves, newest first.
    Comments,
}

impl InsightView {
    pub fn label(self) -> &'static str {
        match self {
            InsightView::Power => "predictive power",
            InsightView::Touchpoints => "touchpoints",
            InsightView::Words => "what customers say",
            InsightView::Comments => "comments",
        }
    }
}

/// The predictive power of one journey's indicators (every phase), strongest first, and the
/// success metrics that no indicator predicts.
#[derive(Debug, Clone, Default)]
pub struct JourneyPower {
    /// The last month used.
    pub last: Option<Period>,
    pub indicators: Vec<IndicatorPower>,
    pub unpredicted: Vec<String>,
}

/// Comments of a phase (one touchpoint or all) over `COMMENT_MONTHS` months, and the terms.
#[derive(Debug, Clone, Default)]
pub struct Said {
    pub from: Option<Period>,
    pub comments: Vec<Comment>,
    pub terms: Vec<Term>,
}

/// A phase's touchpoints in one month, and the priority service of its tickets that month.
#[derive(Debug, Clone, Default)]
pub struct PhaseTouchpoints {
    pub touchpoints: Vec<TouchpointMonth>,
    /// `all`, `hvc`, `regular`, then `tier:*` (`Store::priority_service`).
    pub service: Vec<ServiceGroup>,
}

/// (phase id, month, segment id)
pub type TouchpointsKey = (i64, Period, String);

/// (phase id, touchpoint or None for all, last month)
pub type SaidKey = (i64, Option<String>, Period);

#[derive(Debug, Clone, Default)]
pub struct InsightState {
    /// The view open in the phase panes, if any.
    pub view: Option<InsightView>,
    /// Journey id -> its indicators' predictive power.
    power: HashMap<String, JourneyPower>,
    /// (phase id, month, segment) -> the phase's touchpoints and priority service that month.
    touchpoints: HashMap<TouchpointsKey, PhaseTouchpoints>,
    said: HashMap<SaidKey, Said>,
    /// The touchpoint selected in the touchpoints view (None: all of them), and its phase.
    pub touchpoint: Option<(i64, String)>,
    /// The selected row of the predictive-power view, the first row shown of the words view
    /// and the first comment shown of the comments view.
    pub row: usize,
    /// How many times the store was read for each kind of data (for the tests).
    pub loads: Loads,
}

/// How many reads of the store each kind of data took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loads {
    pub power: usize,
    pub touchpoints: usize,
    pub said: usize,
}

impl InsightState {
    pub fn power(&self, journey: &str) -> Option<&JourneyPower> {
        self.power.get(journey)
    }

    pub fn touchpoints(&self, phase_id: i64, period: Period, segment: &str) -> Option<&[TouchpointMonth]> {
        self.touchpoints
            .get(&(phase_id, period, segment.to_string()))
            .map(|t| t.touchpoints.as_slice())
    }

    /// The priority service of a phase's tickets in a month (HVC, regular, tiers), once read.
    pub fn service(&self, phase_id: i64, period: Period, segment: &str) -> Option<&[ServiceGroup]> {
        self.touchpoints
            .get(&(phase_id, period, segment.to_string()))
            .map(|t| t.service.as_slice())
    }

    /// The touchpoint selected in a phase, if any.
    pub fn selected_touchpoint(&self, phase_id: i64) -> Option<&str> {
        self.touchpoint
            .as_ref()
            .filter(|(p, _)| *p == phase_id)
            .map(|(_, t)| t.as_str())
    }

    pub fn said(&self, phase_id: i64, touchpoint: Option<&str>, period: Period) -> Option<&Said> {
        self.said.get(&(phase_id, touchpoint.map(str::to_string), period))
    }
}

/// The predictive power of the indicators of a phase, strongest first (filtered by name).
pub fn phase_power(app: &App, phase_id: i64) -> Vec<&IndicatorPower> {
    let Some(power) = app.journey().and_then(|j| app.insight.power(&j.id)) else {
        return Vec::new();
    };
    power
        .indicators
        .iter()
        .filter(|p| {
            app.data
                .metrics
                .iter()
                .any(|m| m.id == p.metric_id && m.phase_id == phase_id)
                && (app.filter.is_empty() || p.name.to_lowercase().contains(&app.filter.to_lowercase()))
        })
        .collect()
}

/// The phase's success metrics that no indicator predicts, as (id, name).
pub fn phase_unpredicted(app: &App, phase_id: i64) -> Vec<(String, String)> {
    let Some(power) = app.journey().and_then(|j| app.insight.power(&j.id)) else {
        return Vec::new();
    };
    power
        .unpredicted
        .iter()
        .filter_map(|id| {
            app.data
                .metrics
                .iter()
                .find(|m| &m.id == id && m.phase_id == phase_id)
                .map(|m| (m.id.clone(), m.name.clone()))
        })
        .collect()
}

/// Reads a journey's predictive power over the store's history, to its last month.
pub fn load_power(store: &Store, journey: &str, range: Option<(Period, Period)>) -> Result<JourneyPower> {
    let Some((_, last)) = range else {
        return Ok(JourneyPower::default());
    };
    let phases = store.phases(journey)?;
    let metrics = store.metrics(journey)?;
    let (indicators, unpredicted) = indicators::powers(store, &phases, &metrics, journey, last)?;
    Ok(JourneyPower {
        last: Some(last),
        indicators,
        unpredicted,
    })
}

/// Reads a phase's touchpoints in a month, counting the segment's accounts (the cockpit's
/// segments: all, hvc, regular, size:*), and the priority service of its tickets.
pub fn load_touchpoints(
    store: &Store,
    phase_id: i64,
    period: Period,
    segment: &str,
) -> Result<PhaseTouchpoints> {
    let segment = ServiceSegment::parse(segment).unwrap_or(ServiceSegment::All);
    Ok(PhaseTouchpoints {
        touchpoints: store.touchpoints_in(phase_id, period, &segment)?,
        service: store.priority_service(phase_id, period)?,
    })
}

/// Reads a phase's comments (one touchpoint or all) over `COMMENT_MONTHS` months to `period`
/// and finds their over-represented terms.
pub fn load_said(store: &Store, phase_id: i64, touchpoint: Option<&str>, period: Period) -> Result<Said> {
    let from = period.offset(1 - COMMENT_MONTHS);
    let comments = store.comments(phase_id, touchpoint, from, period)?;
    let scored: Vec<(i8, &str)> = comments
        .iter()
        .map(|c| (c.sentiment, c.comment.as_str()))
        .collect();
    let terms = terms::over_represented(&scored, MIN_COUNT, TERMS);
    Ok(Said {
        from: Some(from),
        comments,
        terms,
    })
}

/// What the open view needs and does not hold.
pub fn needs(app: &App, out: &mut Vec<Request>) {
    let (Some(view), Pane::Phase(_)) = (app.insight.view, app.pane) else {
        return;
    };
    let Some(phase_id) = app.phase().map(|p| p.id) else {
        return;
    };
    let period = app.period;
    match view {
        InsightView::Power => {
            if let Some(journey) = app.journey().filter(|j| !app.insight.power.contains_key(&j.id)) {
                out.push(Request::Power {
                    journey: journey.id.clone(),
                });
            }
        }
        InsightView::Touchpoints => {
            let segment = app.segment_id().to_string();
            for month in [period, period.prev()] {
                if !app
                    .insight
                    .touchpoints
                    .contains_key(&(phase_id, month, segment.clone()))
                {
                    out.push(Request::Touchpoints {
                        phase_id,
                        period: month,
                        segment: segment.clone(),
                    });
                }
            }
        }
        InsightView::Words | InsightView::Comments => {
            let touchpoint = app.insight.selected_touchpoint(phase_id).map(str::to_string);
            let key = (phase_id, touchpoint, period);
            if !app.insight.said.contains_key(&key) {
                out.push(Request::Said {
                    phase_id,
                    touchpoint: key.1,
                    period,
                });
            }
        }
    }
}

impl InsightState {
    pub fn receive_power(&mut self, journey: String, power: JourneyPower) {
        self.loads.power += 1;
        self.power.insert(journey, power);
    }

    pub fn receive_touchpoints(&mut self, key: TouchpointsKey, month: PhaseTouchpoints) {
        self.loads.touchpoints += 1;
        self.touchpoints.insert(key, month);
    }

    pub fn receive_said(&mut self, key: SaidKey, said: Said) {
        self.loads.said += 1;
        self.said.insert(key, said);
    }
}
