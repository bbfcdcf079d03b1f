//! The account view: profile, triage state and score explained, tier with its eligibility
//! explanation, subscriptions with an MRR chart over the store's months, recent tickets, survey
//! answers with comments, the triage timeline and the open follow-through actions. Two columns from 120 wide, one below; `j`/`k`
//! scroll.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::ui::account::AccountView;
use crate::ui::app::App;
use crate::ui::panes::pane_block;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::widgets::sparkline::{LEVELS, MISSING};

/// Body width from which the view has two columns.
const TWO_COLUMNS: u16 = 120;
/// Lines of the MRR chart.
const CHART_H: usize = 4;

pub fn footer_keys(_app: &App) -> &'static [(&'static str, &'static str)] {
    &[
        ("Esc", "back"),
        ("j/k", "scroll"),
        ("a", "assign"),
        ("n", "note"),
        ("p", "snooze"),
        ("r/R", "resolve/reopen"),
        ("?", "help"),
        ("q", "quit"),
    ]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Title,
    Text,
    Dim,
    Alert,
    Chart,
}

type Line = (String, Kind);

/// The date part of a timestamp.
fn day(stamp: &str) -> String {
    text::clean(stamp).chars().take(10).collect()
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map_or_else(|| "-".into(), text::clean)
}

fn section(lines: &mut Vec<Line>, title: &str) {
    if !lines.is_empty() {
        lines.push((String::new(), Kind::Text));
    }
    lines.push((title.to_string(), Kind::Title));
}

fn profile(v: &AccountView, lines: &mut Vec<Line>) {
    let p = &v.profile;
    section(lines, "Profile");
    lines.push((
        format!("{}  {}", text::clean(&p.account_id), text::clean(&p.name)),
        Kind::Text,
    ));
    lines.push((
        format!(
            "segment {}  size {}  industry {}",
            if p.hvc { "HVC" } else { "regular" },
            text::clean(&p.company_size),
            text::clean(&p.industry)
        ),
        Kind::Text,
    ));
    lines.push((
        format!(
            "area {}  contact {}  journey {}",
            text::clean(&p.area),
            text::clean(&p.contact_role),
            opt(&p.journey)
        ),
        Kind::Text,
    ));
    match &p.owner {
        Some(o) if !o.trim().is_empty() => lines.push((format!("owner {}", text::clean(o)), Kind::Text)),
        _ => lines.push(("! NO OWNER".into(), Kind::Alert)),
    }
    if let Some(c) = &p.created_on {
        lines.push((format!("customer since {}", text::clean(c)), Kind::Dim));
    }
}

/// The account's open actions: id, title, owner, due date (`!` and OVERDUE when past, never
/// colour alone).
fn open_actions(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Open actions");
    if v.actions.is_empty() {
        lines.push(("none (A adds one about this account)".into(), Kind::Dim));
    }
    // Due date and owner before the title, so a narrow window cuts the title, not them.
    for a in &v.actions {
        let due = match &a.due {
            Some(due) if a.overdue => format!("! {} OVERDUE", text::clean(due)),
            Some(due) => format!("  {}", text::clean(due)),
            None => "  no due date".into(),
        };
        let owner = text::fit(&opt(&a.owner), 12);
        lines.push((
            format!(
                "{:>4} {}  {}  {}",
                a.id,
                text::pad(&due, 20, false),
                text::pad(&owner, 12, false),
                text::clean(&a.title)
            ),
            if a.overdue { Kind::Alert } else { Kind::Text },
        ));
    }
}

fn triage(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Triage and priority score");
    match &v.triage {
        Some(t) => {
            let mut s = format!("status {}", crate::ui::triage::view::status_text(&t.status));
            if let Some(a) = &t.assignee {
                s.push_str(&format!("  assignee {}", text::clean(a)));
            }
            if let Some(u) = &t.snooze_until {
                s.push_str(&format!("  until {}", text::clean(u)));
            }
            lines.push((s, Kind::Text));
            lines.push((
                format!(
                    "last change by {} at {}",
                    text::clean(&t.updated_by),
                    text::clean(&t.updated_at)
                ),
                Kind::Dim,
            ));
        }
        None => lines.push((
            format!("status {}", crate::ui::triage::view::status_text("open")),
            Kind::Text,
        )),
    }
    let at = v.period.map_or_else(|| "-".into(), |p| p.to_string());
    lines.push((
        format!(
            "score {} at {at} (last month {}); higher is more urgent",
            crate::ui::triage::view::points(v.score.total),
            crate::ui::triage::view::points(v.score_before.total)
        ),
        Kind::Text,
    ));
    for s in &v.score.signals {
        lines.push((
            format!(
                "  {:<21} value {:>7}  points {:>6}",
                s.signal.name(),
                text::number(s.value),
                crate::ui::triage::view::points(s.points)
            ),
            Kind::Text,
        ));
        lines.push((format!("    {}", s.rule()), Kind::Dim));
    }
    if v.score.signals.is_empty() {
        lines.push(("  no signal scores".into(), Kind::Dim));
    }
    if !v.changes.is_empty() {
        let moved: Vec<String> = v
            .changes
            .iter()
            .map(|(s, d)| format!("{} {}", s.name(), text::delta(*d, "")))
            .collect();
        lines.push((
            format!("moved since last month: {}", moved.join(", ")),
            Kind::Text,
        ));
    }
}

fn tier(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Loyalty tier");
    match &v.tier {
        Some(t) => {
            let mut s = format!(
                "holds {}  eligible {}  status {}",
                opt(&t.held),
                opt(&t.eligible),
                text::clean(&t.status)
            );
            if let Some(g) = &t.grace_until {
                s.push_str(&format!("  grace until {}", text::clean(g)));
            }
            lines.push((s, Kind::Text));
        }
        None => lines.push(("no tier this month".into(), Kind::Dim)),
    }
    for r in &v.tier_reasons {
        let kind = if r.starts_with('x') || r.starts_with('!') {
            Kind::Alert
        } else {
            Kind::Text
        };
        lines.push((format!("  {}", text::clean(r)), kind));
    }
}

fn subscriptions(v: &AccountView, lines: &mut Vec<Line>, width: usize) {
    section(lines, "Subscriptions and MRR");
    if v.subscriptions.is_empty() {
        lines.push(("no subscriptions".into(), Kind::Dim));
    }
    for s in &v.subscriptions {
        let end = s
            .end_date
            .as_deref()
            .map_or_else(|| "active".into(), |e| format!("ended {}", text::clean(e)));
        lines.push((
            format!(
                "{:<10} {:<18} {:>8}/month  from {}  {end}",
                text::fit(&text::clean(&s.subscription_id), 10),
                text::fit(&text::clean(&s.product), 18),
                text::number(s.mrr),
                text::clean(&s.start_date)
            ),
            Kind::Text,
        ));
    }
    // The chart: one column per month (the latest months when narrow), CHART_H lines high.
    let months = &v.mrr[v.mrr.len().saturating_sub(width.saturating_sub(2).max(1))..];
    if months.is_empty() {
        return;
    }
    let max = months.iter().filter_map(|(_, m)| *m).fold(0.0_f64, f64::max);
    lines.push((
        format!(
            "MRR at month end, {} to {} (max {}; . not active)",
            months[0].0,
            months[months.len() - 1].0,
            text::number(max)
        ),
        Kind::Dim,
    ));
    let eighths = |m: f64| {
        if max > 0.0 {
            (m / max * (CHART_H * 8) as f64).round() as usize
        } else {
            0
        }
    };
    for row in (0..CHART_H).rev() {
        let line: String = months
            .iter()
            .map(|(_, m)| match m {
                None if row == 0 => MISSING,
                None => ' ',
                Some(m) => {
                    let filled = eighths(*m).max(1).saturating_sub(row * 8);
                    match filled {
                        0 => ' ',
                        f if f >= 8 => LEVELS[7],
                        f => LEVELS[f - 1],
                    }
                }
            })
            .collect();
        lines.push((line, Kind::Chart));
    }
}

fn tickets(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Recent tickets");
    if v.tickets.is_empty() {
        lines.push(("no tickets".into(), Kind::Dim));
    }
    for t in &v.tickets {
        let state = match (&t.resolved_at, &t.first_response_at) {
            (Some(r), _) => format!("resolved {}", day(r)),
            (None, Some(_)) => "open (answered)".into(),
            (None, None) => "open (no answer)".into(),
        };
        let kind = if t.resolved_at.is_none() {
            Kind::Alert
        } else {
            Kind::Text
        };
        lines.push((
            format!(
                "{} {:<8} {:<17} {} {}",
                day(&t.opened_at),
                text::clean(&t.severity),
                state,
                opt(&t.phase),
                text::clean(&t.channel)
            ),
            kind,
        ));
    }
}

fn surveys(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Survey answers");
    if v.surveys.is_empty() {
        lines.push(("no answers".into(), Kind::Dim));
    }
    for s in &v.surveys {
        lines.push((
            format!(
                "{} {} {:>2}  {} {}",
                day(&s.answered_at),
                text::clean(&s.survey).to_uppercase(),
                s.score,
                opt(&s.phase),
                text::clean(&s.touchpoint)
            ),
            Kind::Text,
        ));
        if !s.comment.trim().is_empty() {
            lines.push((format!("    \"{}\"", text::clean(&s.comment)), Kind::Dim));
        }
    }
}

fn timeline(v: &AccountView, lines: &mut Vec<Line>) {
    section(lines, "Triage timeline");
    if v.history.is_empty() {
        lines.push(("no triage actions yet".into(), Kind::Dim));
    }
    for e in &v.history {
        let body = if e.body.is_empty() {
            String::new()
        } else {
            format!(": {}", text::clean(&e.body))
        };
        lines.push((
            format!(
                "{} {} {}{body}",
                text::clean(&e.created_at),
                text::clean(&e.author),
                text::clean(&e.action)
            ),
            Kind::Text,
        ));
    }
}

fn style(kind: Kind, theme: Theme) -> Style {
    match kind {
        Kind::Title => theme.title(),
        Kind::Text => theme.text(),
        Kind::Dim => theme.dim(),
        Kind::Alert => theme.alert(),
        Kind::Chart => theme.heading(),
    }
}

fn draw(lines: &[Line], scroll: usize, area: Rect, buf: &mut Buffer, theme: Theme) {
    let w = usize::from(area.width);
    for (i, (line, kind)) in lines
        .iter()
        .skip(scroll)
        .take(usize::from(area.height))
        .enumerate()
    {
        buf.set_stringn(
            area.x,
            area.y + i as u16,
            text::fit(line, w),
            w,
            style(*kind, theme),
        );
    }
}

/// The account view as a widget: the account `view` (the one `App::account` holds), drawn in
/// `theme`: two columns from `TWO_COLUMNS` wide, else one.
pub struct AccountPane<'a> {
    pub view: &'a AccountView,
    pub theme: Theme,
}

impl Widget for AccountPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let AccountPane { view, theme } = self;
        let p = &view.profile;
        let title = format!("Account {} {}", p.account_id, p.name);
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if inner.width >= TWO_COLUMNS {
            let half = (inner.width - 1) / 2;
            let mut left = Vec::new();
            profile(view, &mut left);
            subscriptions(view, &mut left, usize::from(half));
            tier(view, &mut left);
            tickets(view, &mut left);
            let mut right = Vec::new();
            open_actions(view, &mut right);
            triage(view, &mut right);
            timeline(view, &mut right);
            surveys(view, &mut right);
            let [left_area, rule, _, right_area] =
                Layout::horizontal([Length(half), Length(1), Length(1), Fill(1)]).areas(inner);
            for row in rule.rows() {
                buf.set_string(row.x, row.y, "\u{2502}", theme.border());
            }
            draw(&left, view.scroll, left_area, buf, theme);
            draw(&right, view.scroll, right_area, buf, theme);
        } else {
            let mut lines = Vec::new();
            profile(view, &mut lines);
            open_actions(view, &mut lines);
            triage(view, &mut lines);
            timeline(view, &mut lines);
            tier(view, &mut lines);
            subscriptions(view, &mut lines, usize::from(inner.width));
            tickets(view, &mut lines);
            surveys(view, &mut lines);
            draw(&lines, view.scroll, inner, buf, theme);
        }
    }
}
