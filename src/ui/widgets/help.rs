//! The help overlay: every key of the keymap (read from the same table that handles keys) and
//! what the symbols mean, in a box over the pane.

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::domain::status::Status;
use crate::ui::keymap::{Binding, COMMAND, FILTER, Keymap, NORMAL};
use crate::ui::text;
use crate::ui::theme::{Theme, status_text};
use crate::ui::widgets::overlay::centred;

const KEYS_W: usize = 13;

fn legend(width: usize) -> Vec<String> {
    let s = |st: Status, what: &str| format!("{:<8}{what}", status_text(st));
    let mut lines = vec![
        format!(
            "{:<38}{}",
            s(Status::Green, "meets the target"),
            s(Status::Amber, "misses, within tolerance")
        ),
        format!(
            "{:<38}{}",
            s(Status::Red, "misses beyond tolerance"),
            s(Status::NoData, "no data that month")
        ),
        format!(
            "{:<38}{}",
            s(Status::NoTarget, "no target to judge by"),
            s(Status::LowSample, "too few answers to judge")
        ),
        "12 months: one mark per month, higher is a larger value; . no data".into(),
        "change: against the previous month (pt: percentage points)".into(),
        "overview counts: metrics by status; metrics with no target are not counted".into(),
    ];
    let keys = |table: &[Binding]| {
        table
            .iter()
            .map(|b| format!("{} {}", b.keys, b.help))
            .collect::<Vec<_>>()
            .join(", ")
    };
    lines.extend(text::wrap(&format!("filter /: {}", keys(FILTER)), width));
    lines.extend(text::wrap(&format!("command :: {}", keys(COMMAND)), width));
    lines
}

/// The help overlay as a widget: centred in the area it is drawn in, with the keys as `keymap`
/// has them (the table that handles them), drawn in `theme`.
pub struct Help<'a> {
    pub keymap: &'a Keymap,
    pub theme: Theme,
}

impl Widget for Help<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Help { keymap, theme } = self;
        let area = area.intersection(buf.area);
        if area.width < 10 || area.height < 3 {
            return;
        }
        let width = area.width.min(80);
        let two_columns = width >= 70;
        let key_rows = if two_columns {
            NORMAL.len().div_ceil(2)
        } else {
            NORMAL.len()
        };
        let legend = legend(usize::from(width.saturating_sub(2)));
        // A blank line between the keys and the legend when there is room for it.
        let gap = usize::from(key_rows + 1 + legend.len() + 2 <= usize::from(area.height));
        let wanted = key_rows + gap + legend.len() + 2;
        let height = (wanted.min(usize::from(u16::MAX)) as u16).min(area.height);
        let popup = centred(area, Size::new(width, height));
        Clear.render(popup, buf);
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(" Keys  (any key closes) ")
            .title_style(theme.title());
        let inner = block.inner(popup);
        block.render(popup, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let col_w = if two_columns { inner.width / 2 } else { inner.width };
        for (i, b) in NORMAL.iter().enumerate() {
            let (col, row) = if two_columns {
                (i / key_rows, i % key_rows)
            } else {
                (0, i)
            };
            let (x, y) = (inner.x + col as u16 * col_w, inner.y + row as u16);
            if y >= inner.y + inner.height {
                continue;
            }
            let w = usize::from(col_w.saturating_sub(1));
            let keys = text::fit(&format!("{:<KEYS_W$} ", keymap.keys_text(b)), w);
            buf.set_stringn(x, y, &keys, w, theme.key());
            let used = text::width(&keys);
            let help = text::fit(b.help, w.saturating_sub(used));
            buf.set_stringn(x + used as u16, y, help, w.saturating_sub(used), theme.text());
        }
        let first = inner.y.saturating_add((key_rows + gap) as u16);
        let bottom = inner.y + inner.height;
        for (y, line) in (first..bottom).zip(legend) {
            let w = usize::from(inner.width);
            buf.set_stringn(inner.x, y, text::fit(&line, w), w, theme.dim());
        }
    }
}
