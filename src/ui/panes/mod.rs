//! The panes without state of their own (overview, phase, detail, the metric definitions) and what
//! every pane shares (its box, section titles, the footer keys); the panes with state live in their
//! own folders (`ui::triage`, `ui::churn`, ...) as state, input and view.
//! Each draws from `&App` into an area of a buffer and never reads the store; the frame
//! (`ui::frame`) picks the pane to draw.

pub mod detail;
pub mod metric_definitions;
pub mod overview;
pub mod phase;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Widget};

use super::app::{App, Pane};
use super::text;
use super::theme::Theme;

/// Draws the pane's box with its title and returns the area inside.
pub fn pane_block(title: &str, area: Rect, buf: &mut Buffer, theme: Theme) -> Rect {
    let area = area.intersection(buf.area);
    if area.width < 3 || area.height < 3 {
        return area;
    }
    let title = text::fit(&format!(" {} ", text::clean(title)), usize::from(area.width - 2));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(title)
        .title_style(theme.title());
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The footer's keys for the panes after the phases and the views over them (None for the
/// overview and phase panes).
pub fn keys_of(app: &App) -> Option<&'static [(&'static str, &'static str)]> {
    if app.review.is_some() {
        return Some(crate::ui::review::view::footer_keys(app));
    }
    if app.account.is_some() {
        return Some(crate::ui::account::view::footer_keys(app));
    }
    if app.insight.view.is_some() && app.phase().is_some() {
        return Some(crate::ui::insight::view::footer_keys(app));
    }
    match app.pane {
        Pane::Churn => Some(crate::ui::churn::view::footer_keys(app)),
        Pane::Triage => Some(crate::ui::triage::view::footer_keys(app)),
        Pane::Tiers => Some(crate::ui::tiers::view::footer_keys(app)),
        Pane::Actions => Some(crate::ui::actions::view::footer_keys(app)),
        _ => None,
    }
}

/// Draws, on the first line of `area`, the line an app shows for data it lacks (being read,
/// or why it could not be: `App::waiting_for`); says whether there was one.
pub fn waiting(line: Option<String>, area: Rect, buf: &mut Buffer, theme: Theme) -> bool {
    let Some(line) = line else {
        return false;
    };
    if area.width > 0 && area.height > 0 {
        let style = if line.starts_with("x ") {
            theme.alert()
        } else {
            theme.dim()
        };
        let w = usize::from(area.width);
        buf.set_stringn(area.x, area.y, text::fit(&line, w), w, style);
    }
    true
}

/// A section's title on the first line of `area`.
pub fn section_title(title: &str, area: Rect, buf: &mut Buffer, theme: Theme) {
    if area.width > 0 && area.height > 0 {
        buf.set_stringn(
            area.x,
            area.y,
            text::fit(title, usize::from(area.width)),
            usize::from(area.width),
            theme.title(),
        );
    }
}
