//! The insight views' keys: opening a view in place of the indicator table, stepping its rows
//! and touchpoints; and the pane names (`phase:NAME:view`) that open one.

use crate::ui::action::{Action, InsightKey, Outcome};
use crate::ui::app::{App, Pane};

use super::state::*;

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
