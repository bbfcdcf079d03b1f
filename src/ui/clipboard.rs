//! Copying with `y` (the selected account's id, or the metric's id) and `Y` (the selected row
//! as the screen shows it) through OSC 52: the terminal itself sets the clipboard, so the text
//! reaches the operator's own machine over SSH. `copy` decides the text (drawing reads `&App`,
//! so this only stores it); the event loop writes `sequence` to the terminal.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::Widget;

use super::action::{Action, Outcome};
use super::app::{App, Pane};
use super::theme::Theme;
use super::{frame, text, triage};

/// The screen `Y` draws off-screen to find the selected row: wide enough that no column is cut.
const ROW_SCREEN: (u16, u16) = (240, 60);

/// Carries out `y` or `Y`: the text goes to `app.clipboard`, the footer says what was copied.
pub fn copy(app: &mut App, action: Action) -> Outcome {
    let copied = match action {
        Action::CopyRow => selected_row(app).map(|row| ("row".to_string(), whole_name(app, row))),
        _ => selected_id(app),
    };
    match copied {
        Some((what, value)) => {
            let shown = text::fit(&text::clean(&value), 50);
            app.notice = Some(format!("copied {what} {shown} (OSC 52)"));
            app.clipboard = Some(value);
        }
        None => app.notice = Some("nothing selected to copy here".into()),
    }
    Outcome::Continue
}

/// What `y` copies where the cockpit is: the account's id, or the metric's, or the phase's key.
fn selected_id(app: &App) -> Option<(String, String)> {
    let account = |id: &str| Some(("account id".to_string(), id.to_string()));
    if let Some(view) = &app.account {
        return account(&view.profile.account_id);
    }
    match app.pane {
        Pane::Triage => triage::selected(app).and_then(|r| account(&r.account_id)),
        Pane::Churn => app.selected_churned().and_then(|a| account(&a.account_id)),
        Pane::Tiers => app.selected_tier_account().and_then(|a| account(&a.account_id)),
        Pane::Phase(_) => app
            .selected_metric()
            .map(|m| ("metric id".to_string(), m.id.clone())),
        Pane::Overview => app
            .data
            .phases
            .get(app.cursor())
            .map(|p| ("phase".to_string(), p.key.clone())),
        // The action's id: what `cxcockpit actions done|note|history ID` take.
        Pane::Actions => super::actions::selected(app).map(|l| ("action id".to_string(), l.id.to_string())),
    }
}

/// The selected row as the cockpit draws it (off-screen, wide, without colour), its columns
/// separated by tabs so that it pastes into a spreadsheet.
fn selected_row(app: &App) -> Option<String> {
    let (width, height) = ROW_SCREEN;
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    frame::Screen {
        app,
        theme: Theme::PLAIN,
    }
    .render(area, &mut buf);
    // The header, the tabs (the shown one is reversed too) and the footer are not rows.
    (2..height.saturating_sub(1)).find_map(|y| {
        let cells: Vec<&str> = (0..width)
            .filter_map(|x| buf.cell((x, y)))
            .filter(|c| c.modifier.contains(Modifier::REVERSED))
            .map(|c| c.symbol())
            .collect();
        let line = cells.concat();
        let row = columns(line.trim());
        (cells.len() >= 3 && !row.is_empty()).then_some(row)
    })
}

/// The row with the selected account's name whole where the table cut it (`PT Indah B~`): a
/// pasted row should name the account.
fn whole_name(app: &App, row: String) -> String {
    let name = match app.pane {
        Pane::Triage => triage::selected(app).map(|r| r.name.as_str()),
        Pane::Churn => app.selected_churned().map(|a| a.name.as_str()),
        _ => None,
    };
    let Some(name) = name.map(text::clean) else {
        return row;
    };
    if row.contains(&name) {
        return row;
    }
    // The longest cut of the name the row holds, then the marker.
    let cuts: Vec<usize> = name.char_indices().map(|(i, _)| i).skip(1).collect();
    for end in cuts.into_iter().rev() {
        let cut = format!("{}~", &name[..end]);
        if row.contains(&cut) {
            return row.replacen(&cut, &name, 1);
        }
    }
    row
}

/// Runs of two or more spaces (the gaps between columns) become one tab.
fn columns(line: &str) -> String {
    let mut out = String::new();
    let mut spaces = 0;
    for c in line.chars() {
        if c == ' ' {
            spaces += 1;
            continue;
        }
        match spaces {
            0 => {}
            1 => out.push(' '),
            _ => out.push('\t'),
        }
        spaces = 0;
        out.push(c);
    }
    out
}

/// The bytes that ask the terminal to set its clipboard to `value` (OSC 52, the `c`
/// selection). Inside tmux, also wrapped for its passthrough: tmux forwards the plain sequence
/// with `set-clipboard on`, the wrapped one with `allow-passthrough on`, and either is enough.
pub fn sequence(value: &str, in_tmux: bool) -> String {
    let osc = format!("\x1b]52;c;{}\x07", base64(value.as_bytes()));
    if in_tmux {
        // In a DCS passthrough every ESC of the wrapped sequence is doubled.
        let wrapped = format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"));
        format!("{osc}{wrapped}")
    } else {
        osc
    }
}

/// Standard base64 with padding (RFC 4648), which OSC 52 carries.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn the_sequence_is_osc_52_and_wrapped_for_tmux() {
        assert_eq!(sequence("foo", false), "\x1b]52;c;Zm9v\x07");
        assert_eq!(
            sequence("foo", true),
            "\x1b]52;c;Zm9v\x07\x1bPtmux;\x1b\x1b]52;c;Zm9v\x07\x1b\\"
        );
    }

    #[test]
    fn gaps_between_columns_become_tabs() {
        assert_eq!(columns("Acme Corp   hvc  1,200"), "Acme Corp\thvc\t1,200");
    }
}
