//! One table for every list in the cockpit: columns that fit the width (dropping the least
//! important ones when narrow, one flexible column taking the rest), a header, an optional
//! group header above it, a selected row kept in view, and rows that give each column's text
//! through the `Row` trait, apart from the drawing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::text;
use crate::ui::theme::Theme;

/// A column: its title, width, alignment, and how important it is when space runs out
/// (lower `priority` is dropped last; 0 is never dropped).
#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// A label drawn on a line above the header, starting at this column.
    pub group: Option<String>,
    pub width: u16,
    pub right: bool,
    pub priority: u8,
    /// Takes the width the other columns leave (never less than `width`).
    pub flex: bool,
    /// What `Row::cell` is asked for; by default the column's position in the list.
    pub id: Option<usize>,
}

impl Column {
    pub fn new(title: impl Into<String>, width: u16) -> Column {
        Column {
            title: title.into(),
            group: None,
            width,
            right: false,
            priority: 0,
            flex: false,
            id: None,
        }
    }

    pub fn id(mut self, id: usize) -> Column {
        self.id = Some(id);
        self
    }

    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }

    pub fn flex(mut self) -> Column {
        self.flex = true;
        self
    }

    pub fn priority(mut self, priority: u8) -> Column {
        self.priority = priority;
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Column {
        self.group = Some(group.into());
        self
    }
}

/// One row: the text and style of each column (by its id, or its index in the column list), and
/// optionally a second line drawn under it across the row.
pub trait Row {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style);

    fn subline(&self, _theme: Theme) -> Option<(String, Style)> {
        None
    }
}

/// The columns that fit `width`, with the width each gets; drops the least important first.
pub fn fit_columns(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    let total = |shown: &[usize]| -> u32 {
        let widths: u32 = shown.iter().map(|&i| u32::from(columns[i].width)).sum();
        widths + shown.len().saturating_sub(1) as u32
    };
    while total(&shown) > u32::from(width) {
        let drop = shown
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].priority > 0)
            .max_by_key(|(pos, i)| (columns[**i].priority, *pos))
            .map(|(pos, _)| pos);
        match drop {
            Some(pos) => {
                shown.remove(pos);
            }
            None => break,
        }
    }
    let spare = u32::from(width).saturating_sub(total(&shown));
    let mut flex_given = false;
    shown
        .into_iter()
        .map(|i| {
            let mut w = u32::from(columns[i].width);
            if columns[i].flex && !flex_given {
                w += spare;
                flex_given = true;
            }
            (i, w.min(u32::from(u16::MAX)) as u16)
        })
        .collect()
}

/// A table ready to draw.
pub struct Table<'a, R: Row> {
    pub columns: &'a [Column],
    pub rows: &'a [R],
    pub selected: Option<usize>,
    pub theme: Theme,
    /// Text drawn instead of the rows when there are none.
    pub empty: &'a str,
}

impl<R: Row> Table<'_, R> {
    /// Lines the table needs to show every row (header included).
    pub fn height_wanted(&self, with_sublines: bool) -> u16 {
        let header = if self.columns.iter().any(|c| c.group.is_some()) {
            2
        } else {
            1
        };
        let per_row = if with_sublines { 2 } else { 1 };
        let rows = self.rows.len().max(1) * per_row;
        (header + rows).min(usize::from(u16::MAX)) as u16
    }

    /// Draws the table; rows get their second line when `sublines` is true. From the top: the
    /// groups' line (when a column has a group), the titles, then a slot of one line (two with
    /// `sublines`) per row, as many as fit, the selected one in view.
    pub fn render(&self, area: Rect, buf: &mut Buffer, sublines: bool) {
        let area = area.intersection(buf.area);
        if area.width == 0 || area.height == 0 {
            return;
        }
        let layout = fit_columns(self.columns, area.width);
        let x_of = |pos: usize| -> u16 {
            let before: u32 = layout[..pos].iter().map(|(_, w)| u32::from(*w) + 1).sum();
            area.x.saturating_add(before.min(u32::from(u16::MAX)) as u16)
        };
        let right_edge = area.right();
        let put = |buf: &mut Buffer, x: u16, y: u16, text: &str, w: u16, style: Style| {
            let w = w.min(right_edge.saturating_sub(x));
            if w > 0 {
                buf.set_stringn(x, y, text, usize::from(w), style);
            }
        };
        let mut lines = area.rows();
        if self.columns.iter().any(|c| c.group.is_some()) {
            let Some(groups) = lines.next() else {
                return;
            };
            for (pos, (i, _)) in layout.iter().enumerate() {
                if let Some(group) = &self.columns[*i].group {
                    let x = x_of(pos);
                    put(
                        buf,
                        x,
                        groups.y,
                        group,
                        right_edge.saturating_sub(x),
                        self.theme.heading(),
                    );
                }
            }
        }
        let Some(titles) = lines.next() else {
            return;
        };
        for (pos, (i, w)) in layout.iter().enumerate() {
            let column = &self.columns[*i];
            let title = text::pad(&column.title, usize::from(*w), column.right);
            put(buf, x_of(pos), titles.y, &title, *w, self.theme.heading());
        }
        let body: Vec<Rect> = lines.collect();
        if self.rows.is_empty() {
            if let Some(line) = body.first() {
                put(
                    buf,
                    area.x,
                    line.y,
                    &text::fit(self.empty, usize::from(area.width)),
                    area.width,
                    self.theme.dim(),
                );
            }
            return;
        }
        let slots = body.chunks_exact(if sublines { 2 } else { 1 });
        let visible = slots.len();
        if visible == 0 {
            return;
        }
        let selected = self.selected.map(|s| s.min(self.rows.len() - 1));
        let offset = selected.map_or(0, |s| (s + 1).saturating_sub(visible));
        for ((index, row), slot) in self.rows.iter().enumerate().skip(offset).zip(slots) {
            let (first, last) = (slot[0], slot[slot.len() - 1]);
            for (pos, (i, w)) in layout.iter().enumerate() {
                let (cell, style) = row.cell(self.columns[*i].id.unwrap_or(*i), self.theme);
                let cell = text::pad(&text::clean(&cell), usize::from(*w), self.columns[*i].right);
                put(buf, x_of(pos), first.y, &cell, *w, style);
            }
            if let Some((line, style)) = sublines.then(|| row.subline(self.theme)).flatten() {
                let indent = x_of(1.min(layout.len().saturating_sub(1)));
                let w = right_edge.saturating_sub(indent);
                put(
                    buf,
                    indent,
                    last.y,
                    &text::fit(&text::clean(&line), usize::from(w)),
                    w,
                    style,
                );
            }
            if Some(index) == selected {
                buf.set_style(first.union(last), self.theme.selected());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_important_columns_go_first() {
        let columns = [
            Column::new("name", 10).flex(),
            Column::new("a", 5).priority(1),
            Column::new("b", 5).priority(3),
            Column::new("c", 5).priority(2),
        ];
        // All fit: the name takes the spare width.
        assert_eq!(fit_columns(&columns, 40), vec![(0, 22), (1, 5), (2, 5), (3, 5)]);
        // 28 columns do not fit in 23: b (priority 3) goes first, the name takes the one spare.
        assert_eq!(fit_columns(&columns, 23), vec![(0, 11), (1, 5), (3, 5)]);
        assert_eq!(fit_columns(&columns, 16), vec![(0, 10), (1, 5)]);
        // Never-dropped columns stay even when they do not fit; drawing clips them.
        assert_eq!(fit_columns(&columns, 3), vec![(0, 10)]);
    }
}
