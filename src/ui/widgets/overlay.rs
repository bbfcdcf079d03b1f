//! A box drawn over a pane: a title and lines of text, centred, cut to fit (definitions,
//! a churned account's details).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::ui::text;
use crate::ui::theme::Theme;

/// A box of `size` (cut to `area`) centred in `area`. An odd column or row left over goes after
/// the box: `Rect::centered` (`Flex::Center`) puts it before, which would move every overlay drawn
/// so far one cell right or down.
pub fn centred(area: Rect, size: Size) -> Rect {
    let size = Size::new(size.width.min(area.width), size.height.min(area.height));
    let at = Position::new(
        area.x + (area.width - size.width) / 2,
        area.y + (area.height - size.height) / 2,
    );
    Rect::from((at, size))
}

/// A box over a pane: `title` and `lines` of text, centred in the area it is drawn in, cut to
/// fit (nothing below 10 x 3).
pub struct Overlay<'a> {
    pub title: &'a str,
    pub lines: &'a [(String, Style)],
    pub theme: Theme,
}

impl Widget for Overlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Overlay { title, lines, theme } = self;
        let area = area.intersection(buf.area);
        if area.width < 10 || area.height < 3 {
            return;
        }
        let want_w = lines.iter().map(|(l, _)| text::width(l)).max().unwrap_or(0) + 4;
        let width = (want_w.max(text::width(title) + 4).min(usize::from(area.width))) as u16;
        let height = ((lines.len() + 2).min(usize::from(area.height))) as u16;
        let popup = centred(area, Size::new(width, height));
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
        for ((line, style), row) in lines.iter().zip(inner.rows()) {
            buf.set_stringn(row.x + 1, row.y, text::fit(line, w), w, *style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centred_leaves_an_odd_cell_after_the_box_and_stays_inside() {
        let area = Rect::new(3, 2, 11, 6);
        assert_eq!(centred(area, Size::new(4, 3)), Rect::new(6, 3, 4, 3));
        assert_eq!(centred(area, Size::new(11, 6)), area);
        assert_eq!(centred(area, Size::new(40, 40)), area);
        assert_eq!(centred(area, Size::new(0, 0)), Rect::new(8, 5, 0, 0));
    }
}
