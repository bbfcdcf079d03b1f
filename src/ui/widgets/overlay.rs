//! A box drawn over a pane: a title and lines of text, centred, cut to fit (definitions,
//! a churned account's details).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::ui::text;
use crate::ui::theme::Theme;

/// A box centred in `area` with a title and lines of text, cut to fit.
pub fn overlay(title: &str, lines: &[(String, Style)], area: Rect, buf: &mut Buffer, theme: Theme) {
    let area = area.intersection(buf.area);
    if area.width < 10 || area.height < 3 {
        return;
    }
    let want_w = lines.iter().map(|(l, _)| text::width(l)).max().unwrap_or(0) + 4;
    let width = (want_w.max(text::width(title) + 4).min(usize::from(area.width))) as u16;
    let height = ((lines.len() + 2).min(usize::from(area.height))) as u16;
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(popup, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(text::fit(
            &format!(" {title} "),
            usize::from(width.saturating_sub(2)),
        ))
        .title_style(theme.title());
    let inner = block.inner(popup);
    block.render(popup, buf);
    let w = usize::from(inner.width.saturating_sub(1));
    for (i, (line, style)) in lines.iter().take(usize::from(inner.height)).enumerate() {
        buf.set_stringn(inner.x + 1, inner.y + i as u16, text::fit(line, w), w, *style);
    }
}
