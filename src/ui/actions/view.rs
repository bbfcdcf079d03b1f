//! The actions pane: the follow-through actions an owner and status keep, yours first, then
//! overdue, then by due date; one row each with id, title, owner, due date (`!` when overdue,
//! so it shows without colour), status, what it is about and its age. The title counts them,
//! the line below says the filters and the keys that change them.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::store::actions::{ActionLine, ActionStatus};
use crate::ui::actions::{self, OwnerFilter};
use crate::ui::app::App;
use crate::ui::load::Request;
use crate::ui::panes::pane_block;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::triage;
use crate::ui::widgets::table::{Column, Row, Table};

/// The footer's keys on the actions pane.
pub fn footer_keys(_app: &App) -> &'static [(&'static str, &'static str)] {
    &[
        ("?", "help"),
        ("Enter", "open"),
        ("A", "add"),
        ("D", "done"),
        ("X", "drop"),
        ("n", "note"),
        ("a", "assign"),
        ("t", "status"),
        ("o", "owner"),
        ("f", "filter"),
        ("q", "quit"),
    ]
}

/// The due date with `!` before it when the action is overdue (never colour alone).
pub fn due_text(line: &ActionLine) -> String {
    match (&line.due, line.overdue) {
        (Some(due), true) => format!("! {}", text::clean(due)),
        (Some(due), false) => format!("  {}", text::clean(due)),
        (None, _) => "-".into(),
    }
}

/// The status with a mark: done `+`, dropped `x`.
pub fn status_text(status: ActionStatus) -> String {
    match status {
        ActionStatus::Open => "  open".into(),
        ActionStatus::Done => "+ done".into(),
        ActionStatus::Dropped => "x dropped".into(),
    }
}

struct ActionRow<'a> {
    line: &'a ActionLine,
    mine: bool,
}

impl Row for ActionRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let l = self.line;
        let text_style = if l.status == ActionStatus::Open {
            theme.text()
        } else {
            theme.dim()
        };
        match column {
            0 => (l.id.to_string(), text_style),
            1 => (text::clean(&l.title), text_style),
            2 => (
                l.owner.as_deref().map_or_else(|| "-".into(), text::clean),
                // Yours stand out (and come first).
                if self.mine { theme.heading() } else { text_style },
            ),
            3 => (due_text(l), if l.overdue { theme.alert() } else { text_style }),
            4 => (status_text(l.status), text_style),
            5 => (actions::about(l), text_style),
            6 => (format!("{} d", l.age_days), text_style),
            _ => (String::new(), text_style),
        }
    }
}

/// Body width from which "about" is wide enough for a journey, phase and month whole.
const WIDE: u16 = 120;

fn columns(width: u16) -> Vec<Column> {
    vec![
        Column::new("id", 4).right(),
        Column::new("title", 16).flex(),
        Column::new("owner", 8).priority(1),
        Column::new("due", 12),
        Column::new("status", 9).priority(3),
        Column::new("about", if width >= WIDE { 40 } else { 18 }).priority(2),
        Column::new("age", 5).right().priority(4),
    ]
}

/// "Actions: 12 open, 3 overdue, 5 yours" (with "2,000 shown" when the list holds fewer).
pub fn title(app: &App) -> String {
    let state = &app.actions;
    if !actions::loaded(app) {
        return "Actions".into();
    }
    let page = &state.page;
    let what = match state.status {
        Some(status) => format!("{} {}", text::number(page.matching as f64), status.as_str()),
        None => format!("{} (every status)", text::number(page.matching as f64)),
    };
    let mut title = format!("Actions: {what}, {} overdue, {} yours", page.overdue, page.mine);
    if page.lines.len() < page.matching {
        title.push_str(&format!(", {} shown", text::number(page.lines.len() as f64)));
    }
    title
}

/// The filters and the marks, in words.
fn filter_line(app: &App) -> String {
    let state = &app.actions;
    let mut line = format!(
        "status {}  owner {}  ! overdue  (t status, o owner, f filter)",
        actions::status_label(state.status),
        state.owner.label()
    );
    if let Some(why) = &app.triage.readonly {
        line.push_str(&format!("  read-only: {}", text::clean(why)));
    }
    line
}

/// The actions pane as a widget: the page of actions held by `app`, drawn in `theme`. From the
/// top: the filters (from 6 rows), the actions, and a line while a newer read is under way.
pub struct ActionsPane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for ActionsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let ActionsPane { app, theme } = self;
        let inner = pane_block(&title(app), area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let w = usize::from(inner.width);
        // The filters' line from 6 rows; the table below; the last line for a newer read.
        let roomy = inner.height >= 6;
        let [filter_area, table_area] = Layout::vertical([Length(u16::from(roomy)), Fill(1)]).areas(inner);
        let [_, last_line] = Layout::vertical([Fill(1), Length(1)]).areas(inner);
        if roomy {
            let line = text::fit(&filter_line(app), w);
            buf.set_stringn(filter_area.x, filter_area.y, line, w, theme.dim());
        }
        let me = triage::me();
        let rows: Vec<ActionRow<'_>> = actions::lines(app)
            .iter()
            .map(|line| ActionRow {
                line,
                mine: line.owner.as_deref() == Some(me.as_str()),
            })
            .collect();
        let reading = app.waiting_for(|r| matches!(r, Request::Actions { .. }));
        let empty = match (&reading, app.actions.status, &app.actions.owner) {
            (Some(line), ..) if !actions::loaded(app) => line.clone(),
            (_, Some(ActionStatus::Open), OwnerFilter::All) => {
                "no open action: A on any pane adds one about what is selected there".into()
            }
            _ => "no action here (t status, o owner, f filter; Esc: every open action; A adds one)".into(),
        };
        let columns = columns(inner.width);
        Table {
            columns: &columns,
            rows: &rows,
            selected: (!rows.is_empty()).then(|| app.cursor()),
            theme,
            empty: &empty,
        }
        .render(table_area, buf, false);
        // A newer read after a write: say so on the pane's last line, over the rows still shown.
        if let Some(line) = reading.filter(|_| !rows.is_empty() && roomy) {
            buf.set_stringn(last_line.x, last_line.y, text::fit(&line, w), w, theme.dim());
        }
    }
}

/// `snapshot --pane actions --format json`: the filters, the counts and the lines listed.
pub fn pane_json(app: &App) -> serde_json::Value {
    use serde_json::json;
    let page = &app.actions.page;
    json!({
        "pane": "actions",
        "me": triage::me(),
        "owner": match &app.actions.owner {
            OwnerFilter::All => None,
            OwnerFilter::Mine => Some(triage::me()),
            OwnerFilter::Named(name) => Some(name.clone()),
        },
        "status": actions::status_label(app.actions.status),
        "matching": page.matching,
        "overdue": page.overdue,
        "mine": page.mine,
        "actions": actions::lines(app),
    })
}
