//! The review mode: one phase of the month's journey review at a time. A progress line (phases
//! signed off, each phase's mark), the phase's review state (who, when), its CX goal and owner,
//! what changed status since last month, its indicators beside its success metrics (the phase
//! pane's metric rows: value, target, status, change, 12-month trend), then its notes, the note
//! editor, or its earlier sign-offs; a message line says what the last action did.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::report::{MetricDoc, PhaseDoc};
use crate::store::review::ReviewStatus;
use crate::ui::app::App;
use crate::ui::load::Request;
use crate::ui::panes::{pane_block, section_title};
use crate::ui::review::ReviewState;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::view;
use crate::ui::widgets::metric_rows::MetricTables;

/// The footer's keys in review mode.
pub fn footer_keys(app: &App) -> &'static [(&'static str, &'static str)] {
    match &app.review {
        Some(state) if state.editor.is_some() => &[
            ("C-s", "save"),
            ("Enter", "new line"),
            ("Bksp", "delete"),
            ("Esc", "cancel"),
        ],
        Some(state) if state.history => &[("H Esc", "close history"), ("Tab/S-Tab", "phase"), ("?", "help")],
        _ => &[
            ("Tab/S-Tab", "next/prev phase"),
            ("m", "in review"),
            ("O", "sign off"),
            ("w", "notes"),
            ("H", "history"),
            ("[ ]", "month"),
            ("Esc", "close"),
            ("?", "help"),
        ],
    }
}

/// The mark of a phase's review state: `+` signed off, `>` in review, `.` not started.
pub fn mark(status: ReviewStatus) -> &'static str {
    match status {
        ReviewStatus::SignedOff => "+",
        ReviewStatus::InReview => ">",
        ReviewStatus::NotStarted => ".",
    }
}

fn status_style(status: ReviewStatus, theme: Theme) -> Style {
    match status {
        ReviewStatus::SignedOff => theme.heading(),
        ReviewStatus::InReview => theme.text(),
        ReviewStatus::NotStarted => theme.dim(),
    }
}

/// "Logo churn rate ok->bad" for each metric whose status changed since last month.
fn changes(phase: &PhaseDoc) -> Vec<String> {
    phase
        .metrics()
        .filter(|m| m.status != m.previous_status)
        .map(|m: &MetricDoc| {
            format!(
                "{} {}->{}",
                text::clean(&m.name),
                m.previous_status.label(),
                m.status.label()
            )
        })
        .collect()
}

/// The lines above the tables: each with its style.
fn head_lines(
    app: &App,
    state: &ReviewState,
    phase: &PhaseDoc,
    w: usize,
    theme: Theme,
) -> Vec<(String, Style)> {
    let mut lines = Vec::new();
    let marks: Vec<String> = state
        .doc
        .iter()
        .flat_map(|d| &d.phases)
        .enumerate()
        .map(|(i, p)| {
            let name = text::clean(&p.name);
            if i == state.step {
                format!("[{} {}]", mark(p.review.status), name)
            } else {
                format!("{} {}", mark(p.review.status), name)
            }
        })
        .collect();
    lines.push((
        text::fit(&format!("{}   {}", state.progress_line(), marks.join("  ")), w),
        theme.heading(),
    ));
    let mut status = format!("Review: {}", crate::report::review_line(&phase.review));
    if let Some(why) = &app.triage.readonly {
        status += &format!("   read-only: {}", text::clean(why));
    }
    lines.push((
        text::fit(&text::clean(&status), w),
        status_style(phase.review.status, theme),
    ));
    lines.push((
        text::fit(&format!("CX goal: {}", text::clean(&phase.cx_goal)), w),
        theme.dim(),
    ));
    match phase.owner.as_deref().map(text::clean).filter(|o| !o.is_empty()) {
        Some(owner) => lines.push((text::fit(&format!("Owner: {owner}"), w), theme.dim())),
        None => lines.push((text::fit("! NO OWNER: nobody owns this phase", w), theme.alert())),
    }
    // What the documents put at the centre of a journey map, as the phase pane shows them.
    for (label, items) in [
        ("Moments of truth", &phase.moments_of_truth),
        ("Pain points", &phase.pain_points),
    ] {
        if !items.is_empty() {
            let items: Vec<String> = items.iter().map(|i| text::clean(i)).collect();
            lines.push((
                text::fit(&format!("{label}: {}", items.join("; ")), w),
                theme.dim(),
            ));
        }
    }
    let previous = state
        .doc
        .as_ref()
        .map_or_else(String::new, |d| d.previous_period.clone());
    let moved = changes(phase);
    let line = if moved.is_empty() {
        format!("Changed status since {previous}: none")
    } else {
        format!("Changed status since {previous}: {}", moved.join(", "))
    };
    for l in text::wrap(&line, w.max(1)).into_iter().take(2) {
        lines.push((l, theme.text()));
    }
    lines
}

/// The notes, the editor or the history, as lines (first one a title).
fn bottom_lines(state: &ReviewState, phase: &PhaseDoc, w: usize) -> Vec<(String, bool)> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let split = |text: &str, lines: &mut Vec<(String, bool)>| {
        for raw in text.split('\n') {
            let clean = text::clean(raw);
            if clean.is_empty() {
                lines.push((String::new(), false));
            }
            for l in text::wrap(&clean, w) {
                lines.push((l, false));
            }
        }
    };
    if let Some(editor) = &state.editor {
        let title = if editor.sign_off {
            "Note (required to sign off: C-s signs off with it, Enter new line, Esc cancels)"
        } else {
            "Notes (editing: C-s saves, Enter new line, Esc cancels)"
        };
        lines.push((title.to_string(), true));
        split(&format!("{}_", editor.text), &mut lines);
    } else if state.history {
        lines.push((
            format!(
                "Notes, then the history of {} ({} earlier)",
                text::clean(&phase.name),
                phase.review.history.len()
            ),
            true,
        ));
        if phase.review.notes.trim().is_empty() {
            lines.push(("(no notes now)".into(), false));
        } else {
            split(&phase.review.notes, &mut lines);
        }
        if phase.review.history.is_empty() {
            lines.push(("no earlier sign-off: nothing was reopened".into(), false));
        }
        for entry in phase.review.history.iter().rev() {
            lines.push((
                format!(
                    "earlier: {} by {} at {}:",
                    entry.status.label(),
                    entry.reviewer.as_deref().map_or_else(|| "-".into(), text::clean),
                    entry.changed_at
                ),
                true,
            ));
            if entry.notes.trim().is_empty() {
                lines.push(("  (no note)".into(), false));
            } else {
                split(&entry.notes, &mut lines);
            }
        }
    } else {
        let earlier = phase.review.history.len();
        let title = if earlier > 0 {
            format!("Notes ({earlier} earlier sign-off(s): H shows them)")
        } else {
            "Notes".to_string()
        };
        lines.push((title, true));
        if phase.review.notes.trim().is_empty() {
            lines.push(("(none: w writes notes)".into(), false));
        } else {
            split(&phase.review.notes, &mut lines);
        }
        // The phase's actions: the month's, then those carried over; overdue ones stand out.
        // Left out when there are none, as in the review documents.
        if !phase.actions.is_empty() {
            lines.push((format!("Actions ({})", phase.actions.len()), true));
            for action in &phase.actions {
                for l in text::wrap(&text::clean(&action.line()), w) {
                    lines.push((l, action.overdue));
                }
            }
        }
    }
    lines
}

/// The review open over the panes as a widget, drawn from `app` in `theme`. From the top: the
/// head lines, the phase's metric tables, and the notes (or the editor, or the history); a message
/// on the last line. Draws nothing when no review is open.
pub struct ReviewPane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for ReviewPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let ReviewPane { app, theme } = self;
        let Some(state) = &app.review else {
            return;
        };
        let journey = app.journey().map_or_else(String::new, |j| j.name.clone());
        let phase = state.doc.as_ref().and_then(|d| d.phases.get(state.step));
        let total = state.doc.as_ref().map_or(0, |d| d.phases.len());
        let title = match phase {
            Some(p) => format!(
                "Review {} {}: phase {} of {}, {}",
                state.period,
                journey,
                state.step + 1,
                total,
                p.name
            ),
            None => format!("Review {} {}", state.period, journey),
        };
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let w = usize::from(inner.width);
        let put = |row: Rect, line: &str, style: Style, buf: &mut Buffer| {
            buf.set_stringn(row.x, row.y, text::fit(line, w), w, style);
        };
        let Some(phase) = phase else {
            let line = state.message.clone().unwrap_or_else(|| {
                if state.doc.is_some() {
                    "this journey has no phases to review".into()
                } else {
                    app.waiting_for(|r| matches!(r, Request::Review { .. }))
                        .unwrap_or_else(|| "reading the review...".into())
                }
            });
            put(inner, &line, theme.dim(), buf);
            return;
        };
        // From the top: the head lines, the tables, the notes (or the editor, or the history);
        // the message on the last line.
        let message_h = u16::from(state.message.is_some());
        let [body, message_line] = Layout::vertical([Fill(1), Length(message_h)]).areas(inner);
        if let Some(message) = &state.message {
            put(message_line, &text::clean(message), theme.alert(), buf);
        }
        let head = head_lines(app, state, phase, w, theme);
        let head_h = u16::try_from(head.len()).unwrap_or(u16::MAX);
        let [head_area, rest] = Layout::vertical([Length(head_h), Fill(1)]).areas(body);
        for ((line, style), row) in head.iter().zip(head_area.rows()) {
            put(row, line, *style, buf);
        }
        if rest.height == 0 {
            return;
        }
        // What is left: tables above, notes (or editor, or history) below. The editor and the
        // history get at least half; the notes what they need, at most a third.
        let left = rest.height;
        let notes = bottom_lines(state, phase, w);
        let want = notes.len().min(usize::from(u16::MAX)) as u16;
        let notes_h = if state.editor.is_some() || state.history {
            want.max(left / 2).min(left)
        } else {
            want.min((left / 3).max(2)).min(left)
        };
        // The tables take what they need of the rest; the notes get what the tables leave.
        let tables_h = (left - notes_h).min(tables_wanted(app, phase, inner.width));
        let [tables_area, notes_area] = Layout::vertical([Length(tables_h), Fill(1)]).areas(rest);
        if tables_h >= 3 {
            tables(app, state, phase, tables_area, buf, theme);
        }
        // Long notes and the editor show their end (where typing happens); the title stays.
        let (first, notes) = notes.split_first().map_or((None, &[][..]), |(f, r)| (Some(f), r));
        let mut rows = notes_area.rows();
        if let (Some((title_line, _)), Some(row)) = (first, rows.next()) {
            section_title(title_line, row, buf, theme);
        }
        let rows: Vec<Rect> = rows.collect();
        let skip = if state.editor.is_some() {
            notes.len().saturating_sub(rows.len())
        } else {
            0
        };
        for ((line, strong), row) in notes.iter().skip(skip).zip(rows) {
            let style = if *strong { theme.heading() } else { theme.text() };
            put(row, line, style, buf);
        }
    }
}

/// Lines the tables need to show every row, a blank line after.
fn tables_wanted(app: &App, doc: &PhaseDoc, width: u16) -> u16 {
    let count = |kind| {
        app.data
            .phases
            .iter()
            .find(|p| p.key == doc.key)
            .map_or(0, |p| {
                app.data.phase_metrics(p.id).filter(|m| m.kind == kind).count()
            })
            .clamp(1, 200) as u16
    };
    let (i, s) = (
        count(crate::domain::model::MetricKind::Indicator),
        count(crate::domain::model::MetricKind::Success),
    );
    if width >= crate::ui::panes::phase::SIDE_BY_SIDE {
        2 + i.max(s) + 1
    } else {
        2 + i + 2 + s + 1
    }
}

/// The phase's indicators beside its success metrics, as the phase pane draws them.
fn tables(app: &App, state: &ReviewState, doc: &PhaseDoc, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some(phase) = app.data.phases.iter().find(|p| p.key == doc.key) else {
        return;
    };
    let (ind, suc) = view::phase_rows(&app.data, phase, state.period, "");
    MetricTables {
        indicators: &ind,
        success: &suc,
        selected: (None, None),
        empty: "none in this phase",
        gap: false,
        theme,
    }
    .render(area, buf);
}

/// `snapshot --pane review --format json`: the review document (as `review --format json`)
/// and the phase shown.
pub fn pane_json(app: &App) -> serde_json::Value {
    let Some(state) = &app.review else {
        return serde_json::Value::Null;
    };
    let doc = state
        .doc
        .as_ref()
        .and_then(|d| serde_json::to_value(d).ok())
        .unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "pane": "review",
        "step": state.step,
        "phase": state.doc.as_ref().and_then(|d| d.phases.get(state.step)).map(|p| p.key.clone()),
        "review": doc,
    })
}
