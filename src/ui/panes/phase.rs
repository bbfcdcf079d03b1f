//! A phase pane: the phase's goals and owner, its moments of truth and pain points (one line
//! each, cut to fit; dropped first when the height is short, so the metric tables keep their
//! rows), then its indicators beside its success metrics (side by side when the body is wide,
//! stacked when narrow), each a row with value, target, status, change and a 12-month
//! sparkline. Enter opens the selected metric's detail.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::widgets::Widget;

use super::pane_block;
use crate::domain::model::Phase;
use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::view;
use crate::ui::widgets::metric_rows::MetricTables;

pub use crate::ui::widgets::metric_rows::SIDE_BY_SIDE;

/// A phase pane as a widget: `phase` of `app`'s journey, drawn in `theme`. From the top: its
/// goals and owner (with moments of truth and pain points while the tables keep their rows), then
/// its indicators beside (or above) its success metrics.
pub struct PhasePane<'a> {
    pub app: &'a App,
    pub phase: &'a Phase,
    pub theme: Theme,
}

impl Widget for PhasePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let PhasePane { app, phase, theme } = self;
        let title = format!(
            "{} (phase {} of {})",
            phase.name,
            phase.position,
            app.data.phases.len()
        );
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let mut info = info_lines(phase, inner.width);
        // The goals and owner take what the tables leave, at most their lines and a blank one.
        let (ind, suc) = view::phase_rows(&app.data, phase, app.period, &app.filter);
        // Each section wants a title, a header and its rows (as the stacked layout below counts).
        let want = |n: usize| 2 + n.clamp(1, 200) as u16;
        let tables_h = if inner.width >= SIDE_BY_SIDE {
            want(ind.len()).max(want(suc.len()))
        } else {
            want(ind.len()) + want(suc.len()) + 1
        };
        // Moments of truth, then pain points, as long as the tables still get all they want.
        for line in extra_lines(phase, inner.width) {
            if info.len() as u16 + 2 + tables_h > inner.height {
                break;
            }
            info.push(line);
        }
        let info_h = if inner.height >= 12 {
            info.len() as u16 + 1
        } else {
            1.min(inner.height)
        };
        let [info_area, body] = Layout::vertical([Length(info_h), Fill(1)]).areas(inner);
        for ((line, style), row) in info.iter().zip(info_area.rows()) {
            let style = if *style { theme.alert() } else { theme.dim() };
            buf.set_stringn(row.x, row.y, line, usize::from(row.width), style);
        }
        if body.height == 0 {
            return;
        }
        let cursor = app.cursor();
        let (ind_sel, suc_sel) = if cursor < ind.len() {
            (Some(cursor), None)
        } else {
            (None, Some(cursor - ind.len()))
        };
        let empty = if app.filter.is_empty() {
            "none in this phase".to_string()
        } else {
            format!("no metric name contains \"{}\"", app.filter)
        };
        MetricTables {
            indicators: &ind,
            success: &suc,
            selected: (ind_sel, suc_sel),
            empty: &empty,
            gap: true,
            theme,
        }
        .render(body, buf);
    }
}

/// The phase's CX goal, business goal and owner as lines fitted to the width; true marks a
/// line that needs attention (no owner).
fn info_lines(phase: &Phase, width: u16) -> Vec<(String, bool)> {
    let w = usize::from(width);
    let owner = phase.owner.as_deref().map(text::clean).filter(|o| !o.is_empty());
    let mut lines = vec![(
        text::fit(&format!("CX goal: {}", text::clean(&phase.cx_goal)), w),
        false,
    )];
    match owner {
        Some(owner) => lines.push((
            text::fit(
                &format!(
                    "Owner: {owner}   Business goal: {}",
                    text::clean(&phase.business_goal)
                ),
                w,
            ),
            false,
        )),
        None => lines.push((
            text::fit(
                &format!(
                    "! NO OWNER: nobody owns this phase   Business goal: {}",
                    text::clean(&phase.business_goal)
                ),
                w,
            ),
            true,
        )),
    }
    lines
}

/// Splits a phase's one-per-line list (LF, CRLF or CR): trimmed, control characters stripped,
/// empty lines dropped.
fn list_items(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .map(text::clean)
        .filter(|l| !l.is_empty())
        .collect()
}

/// "Moments of truth: a; b" and "Pain points: c; d", fitted to the width; none for an empty list.
fn extra_lines(phase: &Phase, width: u16) -> Vec<(String, bool)> {
    let w = usize::from(width);
    [
        ("Moments of truth", &phase.moments_of_truth),
        ("Pain points", &phase.pain_points),
    ]
    .into_iter()
    .filter_map(|(label, items)| {
        let items = list_items(items);
        (!items.is_empty()).then(|| (text::fit(&format!("{label}: {}", items.join("; ")), w), false))
    })
    .collect()
}
