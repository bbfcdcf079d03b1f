//! The triage pane: the priority queue (HVC accounts, or all with `t`), one row per account
//! with segment, MRR, tier, score, its top two drivers, owner or assignee, triage status and the
//! age of its oldest open ticket; with `e` or Enter the selected row's score explained: each
//! signal's value, points and rule, the total, and what moved since last month.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::store::triage::{BacktestSummary, QueueRow};
use crate::ui::app::App;
use crate::ui::load::Request;
use crate::ui::panes::{pane_block, section_title};
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::triage::{self, SortKey};
use crate::ui::widgets::table::{Column, Row, Table};

/// The footer's keys on the triage pane.
pub fn footer_keys(app: &App) -> &'static [(&'static str, &'static str)] {
    if app.triage.explain {
        &[
            ("Esc", "close"),
            ("j/k", "account"),
            ("v", "account view"),
            ("a", "assign"),
            ("n", "note"),
            ("p", "snooze"),
            ("r/R", "resolve/reopen"),
            ("?", "help"),
        ]
    } else {
        &[
            ("?", "help"),
            ("Enter", "explain"),
            ("v", "account"),
            ("a", "assign"),
            ("n", "note"),
            ("p", "snooze"),
            ("r/R", "resolve/reopen"),
            ("t", "HVC/all"),
            ("o", "sort"),
            ("f", "filter"),
            ("/", "name"),
            ("q", "quit"),
        ]
    }
}

/// Status as a word with a mark, never colour alone.
pub fn status_text(status: &str) -> String {
    let mark = match status {
        "open" => "!",
        "assigned" => ">",
        "snoozed" => "z",
        "resolved" => "+",
        _ => "?",
    };
    format!("{mark} {status}")
}

fn status_style(status: &str, theme: Theme) -> Style {
    match status {
        "open" => theme.alert(),
        "resolved" | "snoozed" => theme.dim(),
        _ => theme.text(),
    }
}

/// Points as the score has them: one decimal.
pub fn points(value: f64) -> String {
    format!("{value:.1}")
}

pub fn money(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), text::number)
}

fn drivers(row: &QueueRow) -> String {
    let top: Vec<String> = row
        .score
        .signals
        .iter()
        .take(2)
        .map(|s| format!("{} {}", s.signal.name(), points(s.points)))
        .collect();
    if top.is_empty() {
        "-".into()
    } else {
        top.join(", ")
    }
}

/// A row of the queue with its account's open actions (open, of which overdue).
struct QueueLine<'a>(&'a QueueRow, Option<(usize, usize)>);

/// An account's open actions in a narrow cell: `2`, `2!` when one is overdue, `-` for none.
pub fn actions_cell(counts: Option<(usize, usize)>) -> String {
    match counts {
        Some((open, overdue)) if open > 0 => {
            format!("{open}{}", if overdue > 0 { "!" } else { "" })
        }
        _ => "-".into(),
    }
}

impl Row for QueueLine<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let r = self.0;
        match column {
            ACTIONS_COLUMN => (
                actions_cell(self.1),
                if self.1.is_some_and(|(_, overdue)| overdue > 0) {
                    theme.alert()
                } else {
                    theme.text()
                },
            ),
            0 => (format!("{} {}", r.account_id, r.name), theme.text()),
            1 => (
                if r.segment == "hvc" { "HVC" } else { "regular" }.into(),
                theme.text(),
            ),
            2 => (money(r.mrr), theme.text()),
            3 => (r.tier.clone().unwrap_or_else(|| "-".into()), theme.text()),
            4 => (points(r.score.total), theme.heading()),
            5 => {
                let d = r.score.total - r.score_last_month;
                (
                    format!("{d:+.1}"),
                    theme.change(if d == 0.0 { None } else { Some(d < 0.0) }),
                )
            }
            6 => (drivers(r), theme.text()),
            7 => (
                r.assignee
                    .as_ref()
                    .map(|a| format!("@{a}"))
                    .or_else(|| r.owner.clone())
                    .unwrap_or_else(|| "-".into()),
                theme.text(),
            ),
            8 => (status_text(&r.status), status_style(&r.status, theme)),
            9 => (
                r.oldest_open_days
                    .map_or_else(|| "-".into(), |d| format!("{d:.0} d")),
                theme.text(),
            ),
            _ => (String::new(), theme.text()),
        }
    }
}

/// The id of the open-actions column (after the queue's own ten).
const ACTIONS_COLUMN: usize = 10;

fn columns() -> Vec<Column> {
    vec![
        Column::new("account", 18),
        Column::new("segment", 7).priority(6),
        Column::new("MRR", 6).right(),
        Column::new("tier", 8).priority(5),
        Column::new("score", 5).right(),
        Column::new("chg", 5).right().priority(7),
        // 15 (not 18) at least, so that the open actions fit beside it at 80 columns; it takes
        // the spare width anyway.
        Column::new("top drivers", 15).flex().priority(2),
        // Open follow-through actions: kept before the ticket age when the width runs out.
        Column::new("act", 3).right().priority(4).id(ACTIONS_COLUMN),
        // Ids from here on: the actions column sits before them.
        Column::new("owner", 8).priority(3).id(7),
        Column::new("status", 10).priority(1).id(8),
        Column::new("oldest", 6).right().priority(4).id(9),
    ]
}

/// The lines of the selected row's explanation.
pub fn breakdown_lines(row: &QueueRow) -> Vec<(String, bool)> {
    let mut lines = vec![(
        format!(
            "{} {}: score {} (last month {}, {}); a higher score is more urgent",
            row.account_id,
            row.name,
            points(row.score.total),
            points(row.score_last_month),
            text::delta(row.score.total - row.score_last_month, "")
        ),
        true,
    )];
    if row.score.signals.is_empty() {
        lines.push(("no signal scores for this account".into(), false));
    }
    for s in &row.score.signals {
        lines.push((
            format!(
                "{:<21} value {:>7}  points {:>6}  {}",
                s.signal.name(),
                text::number(s.value),
                points(s.points),
                s.rule()
            ),
            false,
        ));
    }
    lines.push((
        format!(
            "{:<21} {:>13}  points {:>6}",
            "total",
            "",
            points(row.score.total)
        ),
        true,
    ));
    if row.changes.is_empty() {
        lines.push(("since last month: no signal moved".into(), false));
    } else {
        let moved: Vec<String> = row
            .changes
            .iter()
            .map(|(s, d)| format!("{} {}", s.name(), text::delta(*d, "")))
            .collect();
        lines.push((format!("since last month: {}", moved.join(", ")), false));
    }
    lines
}

/// The backtest in short, for the header: "backtest 24 mo, 18,000 acct-months: AUC 0.71, top
/// 10% held 38% of churned MRR".
pub fn backtest_short(backtest: Option<&BacktestSummary>) -> String {
    let Some(b) = backtest else {
        return "backtest: none yet (run a refresh)".into();
    };
    let f = &b.figures;
    if f.months == 0 {
        return "backtest: none (needs a month with 3 after it)".into();
    }
    let auc = f.auc.map_or_else(|| "AUC n/a".into(), |a| format!("AUC {a:.2}"));
    let top = f.top_decile_churned_mrr_share.map_or_else(
        || "no churned MRR".into(),
        |s| format!("top 10% held {:.0}% of churned MRR", 100.0 * s),
    );
    format!(
        "backtest {} mo, {} acct-months: {auc}, {top}{}",
        f.months,
        text::number(f.accounts as f64),
        if b.weights_changed { " (old weights)" } else { "" }
    )
}

/// The triage pane as a widget: the queue's page held by `app`, drawn in `theme`. From the top:
/// how the score did in the backtest and what narrows the queue (a line each), the queue, and
/// the selected account's score explained when asked.
pub struct TriagePane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for TriagePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let TriagePane { app, theme } = self;
        let state = &app.triage;
        // The page held when it is of the queue shown and holds the selected row (else the
        // loading line, until the page that does arrives).
        let at = app.cursor().checked_sub(state.page.offset);
        let holds =
            state.loaded && (state.page.matching == 0 || at.is_some_and(|i| i < state.page.rows.len()));
        let rows: Vec<QueueLine<'_>> = if holds {
            triage::visible(app)
                .map(|r| QueueLine(r, state.action_counts.get(&r.account_id).copied()))
                .collect()
        } else {
            Vec::new()
        };
        let title = format!(
            "Triage: {} queue, {} of {} accounts, by {}",
            if state.all { "all-accounts" } else { "HVC" },
            state.page.matching,
            state.page.listed,
            state.sort.label()
        );
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let head = head_lines(app, inner.height);
        let explain = triage::selected(app)
            .filter(|_| state.explain)
            .map(breakdown_lines);
        let below = inner.height.saturating_sub(head.len() as u16);
        // The explanation takes at most about half of what is left; the queue keeps 4 rows.
        let table_h = match &explain {
            Some(lines) => {
                let want = lines.len() as u16 + 2;
                below.saturating_sub(want.min(below / 2 + 1)).max(below.min(4))
            }
            None => below,
        };
        let [head_area, table_area, explain_area] =
            Layout::vertical([Length(head.len() as u16), Length(table_h), Fill(1)]).areas(inner);
        let w = usize::from(inner.width);
        for (line, row) in head.iter().zip(head_area.rows()) {
            buf.set_stringn(row.x, row.y, text::fit(line, w), w, theme.dim());
        }
        let reading = app.waiting_for(|r| matches!(r, Request::QueuePage { .. }));
        let empty = reading
            .as_deref()
            .unwrap_or("no account in the queue (t: all accounts; Esc clears filters)");
        let columns = columns();
        Table {
            columns: &columns,
            rows: &rows,
            selected: at.filter(|_| !rows.is_empty()),
            theme,
            empty,
        }
        .render(table_area, buf, false);
        if let Some(lines) = explain {
            explanation(&lines, explain_area, buf, theme);
        }
    }
}

/// The lines above the queue, where the pane is tall enough (6 rows): is the queue right (how
/// the score ranked past months' accounts against their churn), and what narrows it.
fn head_lines(app: &App, height: u16) -> Vec<String> {
    let state = &app.triage;
    let mut lines = Vec::new();
    if height < 6 {
        return lines;
    }
    if state.loaded {
        lines.push(backtest_short(state.backtest.as_ref()));
    }
    let mut info = Vec::new();
    if !state.filters.is_empty() {
        info.push(format!("filter {}", state.filters.to_text()));
    }
    if !app.filter.is_empty() {
        info.push(format!("name \"{}\"", text::clean(&app.filter)));
    }
    if state.sort != SortKey::Score {
        info.push(format!("sorted by {}", state.sort.label()));
    }
    if let Some(why) = &state.readonly {
        info.push(format!("read-only: {why}"));
    }
    if !info.is_empty() {
        lines.push(info.join("  "));
    }
    lines
}

/// The selected account's score explained, under a rule: one line per signal.
fn explanation(lines: &[(String, bool)], area: Rect, buf: &mut Buffer, theme: Theme) {
    let [rule, title, body] = Layout::vertical([Length(1), Length(1), Fill(1)]).areas(area);
    let w = usize::from(area.width);
    if rule.height == 0 {
        return;
    }
    buf.set_stringn(rule.x, rule.y, "\u{2500}".repeat(w), w, theme.border());
    if title.height > 0 {
        section_title("Score explained", title, buf, theme);
    }
    for ((line, strong), row) in lines.iter().zip(body.rows()) {
        let style = if *strong { theme.heading() } else { theme.text() };
        buf.set_stringn(row.x, row.y, text::fit(&text::clean(line), w), w, style);
    }
}

/// `snapshot --pane triage --format json`: the rows shown, each with its signal breakdown; with
/// an account view open, that account's profile, score and timeline.
pub fn pane_json(app: &App) -> serde_json::Value {
    use serde_json::json;
    if let Some(v) = &app.account {
        return json!({
            "pane": format!("account:{}", v.profile.account_id),
            "account_id": v.profile.account_id,
            "name": v.profile.name,
            "segment": if v.profile.hvc { "hvc" } else { "regular" },
            "owner": v.profile.owner,
            "period": v.period.map(|p| p.to_string()),
            "score": v.score.total,
            "score_last_month": v.score_before.total,
            "signals": v.score.signals.iter().map(|s| json!({
                "signal": s.signal.name(), "value": s.value, "points": s.points, "rule": s.rule(),
            })).collect::<Vec<_>>(),
            "tier": v.tier.as_ref().map(|t| json!({"held": t.held, "eligible": t.eligible, "status": t.status})),
            "triage_status": v.triage.as_ref().map_or("open", |t| t.status.as_str()),
            "history": v.history,
            "open_actions": v.actions,
        });
    }
    let rows: Vec<serde_json::Value> = triage::visible(app)
        .map(|q| {
            json!({
                "account_id": q.account_id, "name": q.name, "segment": q.segment, "mrr": q.mrr,
                "tier": q.tier, "score": q.score.total, "score_last_month": q.score_last_month,
                "owner": q.owner, "assignee": q.assignee, "status": q.status,
                "oldest_open_days": q.oldest_open_days,
                "open_actions": app.triage.action_counts.get(&q.account_id).map_or(0, |c| c.0),
                "signals": q.score.signals.iter().map(|s| json!({
                    "signal": s.signal.name(), "value": s.value, "points": s.points, "rule": s.rule(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let backtest = app.triage.backtest.as_ref().map(|b| {
        json!({
            "months": b.figures.months, "accounts": b.figures.accounts, "churned": b.figures.churned,
            "auc": b.figures.auc, "top_decile_churned_mrr_share": b.figures.top_decile_churned_mrr_share,
            "from": b.from, "to": b.to, "weights_changed": b.weights_changed,
        })
    });
    json!({
        "pane": "triage",
        "scope": if app.triage.all { "all" } else { "hvc" },
        "sort": app.triage.sort.label(),
        "backtest": backtest,
        "queue": rows,
    })
}
