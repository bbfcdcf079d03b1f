//! The phase panes' review views (issue 9): the predictive power of the phase's indicators,
//! its touchpoints in the month shown with the priority service of its tickets (HVC against
//! regular, then by loyalty tier), and what customers say (the over-represented words and
//! phrases of unhappy comments, and the comments themselves). One key opens each view in place
//! of the indicator table; the data is asked for by `needs` the first time it is needed and kept: the predictive power once per journey, the
//! touchpoints once per phase and month, the comments once per phase, touchpoint and month.

use std::collections::HashMap;

use super::action::{Action, InsightKey, Outcome};
use super::app::{App, Pane};
use crate::analysis::indicators::{self, IndicatorPower};
use crate::domain::Period;
use crate::domain::terms::{self, Term};
use crate::error::Result;
use crate::store::Store;
use crate::store::indicators::{Comment, ServiceGroup, ServiceSegment, TouchpointMonth};

use super::load::Request;

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

/// How many rows the open view scrolls or selects through.
fn view_rows(app: &App, view: InsightView) -> usize {
    let Some(phase) = app.phase() else {
        return 0;
    };
    let phase_id = phase.id;
    let touchpoint = app.insight.selected_touchpoint(phase_id);
    match view {
        InsightView::Power => phase_power(app, phase_id).len(),
        InsightView::Touchpoints => app
            .insight
            .touchpoints(phase_id, app.period, app.segment_id())
            .map_or(0, <[_]>::len),
        InsightView::Words => app
            .insight
            .said(phase_id, touchpoint, app.period)
            .map_or(0, |s| s.terms.len()),
        InsightView::Comments => app
            .insight
            .said(phase_id, touchpoint, app.period)
            .map_or(0, |s| s.comments.len()),
    }
}

fn open(app: &mut App, view: InsightView) -> Outcome {
    if app.insight.view == Some(view) {
        app.insight.view = None;
    } else {
        app.insight.view = Some(view);
        app.detail = false;
    }
    app.insight.row = 0;
    Outcome::Continue
}

/// Moves the touchpoints view's selection: above the first row is "all touchpoints".
fn step_touchpoint(app: &mut App, by: isize) -> Outcome {
    let Some(phase_id) = app.phase().map(|p| p.id) else {
        return Outcome::Ignored;
    };
    let names: Vec<String> = app
        .insight
        .touchpoints(phase_id, app.period, app.segment_id())
        .unwrap_or_default()
        .iter()
        .map(|t| t.touchpoint.clone())
        .collect();
    if names.is_empty() {
        return Outcome::Ignored;
    }
    // Position 0 is "all"; touchpoint i is at i + 1.
    let at = app
        .insight
        .selected_touchpoint(phase_id)
        .and_then(|t| names.iter().position(|n| n == t))
        .map_or(0, |i| i + 1);
    let next = at.saturating_add_signed(by).min(names.len());
    if next == at {
        return Outcome::Ignored;
    }
    app.insight.touchpoint = match next {
        0 => None,
        i => Some((phase_id, names[i - 1].clone())),
    };
    Outcome::Continue
}

fn step_row(app: &mut App, view: InsightView, by: isize) -> Outcome {
    let rows = view_rows(app, view);
    let before = app.insight.row.min(rows.saturating_sub(1));
    let after = before.saturating_add_signed(by).min(rows.saturating_sub(1));
    app.insight.row = after;
    if after == before {
        Outcome::Ignored
    } else {
        Outcome::Continue
    }
}

/// Handles the review views' keys, and the moves inside an open view; None lets the cockpit
/// handle the action.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.review.is_some() {
        return matches!(action, Action::Insight(_)).then_some(Outcome::Ignored);
    }
    if app.help || app.filtering || app.account.is_some() {
        return None;
    }
    let in_phase = matches!(app.pane, Pane::Phase(_)) && app.phase().is_some();
    if let Action::Insight(key) = action {
        if !in_phase {
            return Some(Outcome::Ignored);
        }
        let view = match key {
            InsightKey::Power => InsightView::Power,
            InsightKey::Touchpoints => InsightView::Touchpoints,
            InsightKey::Words => InsightView::Words,
            InsightKey::Comments => InsightView::Comments,
        };
        return Some(open(app, view));
    }
    let view = app.insight.view.filter(|_| in_phase)?;
    const PAGE: isize = 10;
    let by = match action {
        Action::Down => 1,
        Action::Up => -1,
        Action::PageDown => PAGE,
        Action::PageUp => -PAGE,
        Action::First => isize::MIN / 2,
        Action::Last => isize::MAX / 2,
        Action::Back => {
            app.insight.view = None;
            app.insight.row = 0;
            return Some(Outcome::Continue);
        }
        Action::Open => {
            // Enter goes one step down: touchpoint -> what its customers say -> the comments.
            return Some(match view {
                InsightView::Touchpoints => open(app, InsightView::Words),
                InsightView::Words => open(app, InsightView::Comments),
                _ => Outcome::Ignored,
            });
        }
        Action::PrevMonth | Action::NextMonth => {
            app.insight.row = 0;
            return None;
        }
        _ => return None,
    };
    Some(if view == InsightView::Touchpoints {
        step_touchpoint(app, by)
    } else {
        step_row(app, view, by)
    })
}

/// The view a `snapshot --pane` name asks for, with the phase named after the colon:
/// `indicators[:PHASE]`, `touchpoints[:PHASE]`, `says[:PHASE]`, `comments[:PHASE]` (lower case).
pub fn parse_pane(pane: &str) -> Option<(InsightView, Option<&str>)> {
    let (name, phase) = match pane.split_once(':') {
        Some((name, phase)) => (name, Some(phase.trim())),
        None => (pane, None),
    };
    let view = match name {
        "indicators" => InsightView::Power,
        "touchpoints" => InsightView::Touchpoints,
        "says" => InsightView::Words,
        "comments" => InsightView::Comments,
        _ => return None,
    };
    Some((view, phase))
}
