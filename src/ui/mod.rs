//! The terminal UI: the cockpit's state (`app`), the actions keys map to (`action`, `keymap`),
//! the colours (`theme`), the terminal and event loop (`terminal`), the screen (`frame`) and its
//! panes and widgets. A pane with state of its own has a folder that holds all of it: its state
//! and loading (`state`), its keys (`input`) and its drawing (`view`): `triage`, `actions`,
//! `churn`, `tiers`, `review`, `insight`, `account`; the panes drawn from shared data alone are in
//! `panes`. A key becomes an action (`keymap`), `dispatch` carries it out and makes
//! the writes it asks for, and what the screen then lacks is read by the loader's thread
//! (`load`, `loader`) and arrives as a message. Drawing takes `&App` and a buffer and never
//! touches the store. `snapshot` reads the same requests inline and prints the same drawing.

pub mod account;
pub mod action;
pub mod actions;
pub mod app;
pub mod churn;
pub mod clipboard;
pub mod command_line;
pub mod data;
pub mod dispatch;
pub mod frame;
pub mod insight;
pub mod keymap;
pub mod load;
pub mod loader;
pub mod panes;
pub mod review;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod tiers;
pub mod triage;
pub mod view;
pub mod widgets;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

pub use app::{App, Pane};
pub use theme::Theme;

/// The screen as the cockpit draws it at `width` x `height`, as plain text: one line per row,
/// trailing spaces trimmed, no colour or escape codes.
pub fn render_text(app: &App, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    frame::Screen {
        app,
        theme: Theme::PLAIN,
    }
    .render(area, &mut buf);
    buffer_text(&buf)
}

/// A buffer's text, row by row, skipping the cells hidden behind wide characters.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    let width = usize::from(buf.area.width);
    if width == 0 {
        return out;
    }
    for row in buf.content.chunks(width) {
        let mut line = String::new();
        let mut skip = 0usize;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = cell.symbol();
            line.push_str(symbol);
            skip = symbol.width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
