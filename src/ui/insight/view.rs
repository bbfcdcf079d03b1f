//! A phase pane's review views, drawn in place of its indicator table (`ui::insight`):
//! - predictive power: per indicator, churn within 3 months when red against green (95% Wilson
//!   interval and n), lift, p, the best rank correlation with a success metric 1-3 months later
//!   (`wrong sign` when strong against the metrics' directions), and the verdict: what it
//!   predicts, `x PREDICTS NOTHING` where it was tested and nothing holds, or
//!   `? not enough history (n months)`; then the success metrics no indicator predicts;
//! - touchpoints: volume, response and resolution hours, CSAT, CES and detractors in the month
//!   shown, with the change since the month before; below them, when the phase has tickets
//!   that month, the priority service: tickets, mean first response and resolution hours and
//!   SLA met for every ticket, HVC against regular, then by loyalty tier, and whether HVC were
//!   answered faster (the promise of priority service, S0:124);
//! - what customers say: the words and phrases over-represented in unhappy comments (counts);
//! - the comments themselves, newest first, scrolled with j/k.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::analysis::indicators::IndicatorPower;
use crate::domain::Period;
use crate::domain::model::Phase;
use crate::domain::predict::Verdict;
use crate::domain::stats::Proportion;
use crate::domain::terms::Term;
use crate::store::indicators::{ServiceGroup, TouchpointMonth};
use crate::ui::app::App;
use crate::ui::insight::{self, InsightView, Said};
use crate::ui::load::Request;
use crate::ui::panes::{pane_block, section_title, waiting};
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Row, Table, fit_columns};

pub fn footer_keys(app: &App) -> &'static [(&'static str, &'static str)] {
    match app.insight.view {
        Some(InsightView::Touchpoints) => &[
            ("Esc", "close"),
            ("j/k", "touchpoint"),
            ("Enter", "what they say"),
            ("[ ]", "month"),
            ("i", "power"),
            ("c", "says"),
            ("C", "comments"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Some(InsightView::Words) => &[
            ("Esc", "close"),
            ("j/k", "term"),
            ("Enter", "comments"),
            ("[ ]", "month"),
            ("T", "touchpoints"),
            ("i", "power"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Some(InsightView::Comments) => &[
            ("Esc", "close"),
            ("j/k", "scroll"),
            ("[ ]", "month"),
            ("c", "says"),
            ("T", "touchpoints"),
            ("i", "power"),
            ("?", "help"),
            ("q", "quit"),
        ],
        _ => &[
            ("Esc i", "close"),
            ("j/k", "indicator"),
            ("T", "touchpoints"),
            ("c", "says"),
            ("C", "comments"),
            ("Tab", "phase"),
            ("/", "filter"),
            ("?", "help"),
            ("q", "quit"),
        ],
    }
}

/// The open view of a phase pane as a widget: `view` of `phase` as `app` holds it, drawn in
/// `theme`.
pub struct InsightPane<'a> {
    pub app: &'a App,
    pub phase: &'a Phase,
    pub view: InsightView,
    pub theme: Theme,
}

impl Widget for InsightPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let InsightPane {
            app,
            phase,
            view,
            theme,
        } = self;
        let touchpoint = app.insight.selected_touchpoint(phase.id);
        let mut title = format!(
            "{} (phase {} of {}): {}",
            phase.name,
            phase.position,
            app.data.phases.len(),
            view.label()
        );
        if matches!(view, InsightView::Words | InsightView::Comments) {
            title.push_str(&format!(" - touchpoint {}", touchpoint.unwrap_or("all")));
        }
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        match view {
            InsightView::Power => power(app, phase, inner, buf, theme),
            InsightView::Touchpoints => touchpoints(app, phase, inner, buf, theme),
            InsightView::Words => words(app, phase, touchpoint, inner, buf, theme),
            InsightView::Comments => comments(app, phase, touchpoint, inner, buf, theme),
        }
    }
}

/// Writes wrapped lines at the top of `area` (at most `max`); returns the area left below.
fn lines_on_top(lines: &[(String, Style)], max: u16, area: Rect, buf: &mut Buffer) -> Rect {
    let w = usize::from(area.width);
    let mut y = area.y;
    let bottom = area.y + area.height;
    let mut used = 0u16;
    'outer: for (line, style) in lines {
        for part in text::wrap(&text::clean(line), w.max(1)) {
            if y >= bottom || used >= max {
                break 'outer;
            }
            buf.set_stringn(area.x, y, text::fit(&part, w), w, *style);
            y += 1;
            used += 1;
        }
    }
    let [_, below] = Layout::vertical([Length(y - area.y), Fill(1)]).areas(area);
    below
}

fn rate(p: &Proportion) -> String {
    match (p.rate, p.low, p.high) {
        (Some(r), Some(l), Some(h)) => {
            format!("{:.1}% [{:.1}-{:.1}] n={}", 100.0 * r, 100.0 * l, 100.0 * h, p.n)
        }
        _ => format!("- n={}", p.n),
    }
}

/// One indicator's row of the predictive-power table.
struct PowerRow<'a> {
    power: &'a IndicatorPower,
    /// The best correlation as text, with the success metric's name.
    best: String,
    /// Columns dropped for width, shown on a second line.
    dropped: Vec<usize>,
}

const MARK: usize = 0;
const NAME: usize = 1;
const RED: usize = 2;
const GREEN: usize = 3;
const LIFT: usize = 4;
const P: usize = 5;
const BEST: usize = 6;
const VERDICT: usize = 7;

/// The best-correlation and verdict columns are as wide as their longest text (`... wrong sign`,
/// `not enough history (11 months)`), at least as wide as before.
fn power_columns(best_width: u16, verdict_width: u16) -> Vec<Column> {
    // The one-column mark first: a row's second line starts after it, nearly full width.
    vec![
        Column::new("", 1),
        Column::new("indicator", 14).flex(),
        Column::new("churn when red", 21).priority(1),
        Column::new("churn when green", 21).priority(3),
        Column::new("lift", 5).right().priority(1),
        Column::new("p", 6).right().priority(2),
        Column::new("best success correlation", best_width.max(30)).priority(4),
        Column::new("verdict", verdict_width.max(16)),
    ]
}

impl PowerRow<'_> {
    fn text(&self, column: usize) -> String {
        let churn = self.power.churn.as_ref();
        match column {
            MARK => self.power.verdict.mark().into(),
            NAME => self.power.name.clone(),
            RED => churn.map_or_else(|| "no account data".into(), |c| rate(&c.red)),
            GREEN => churn.map(|c| rate(&c.green)).unwrap_or_default(),
            LIFT => churn
                .and_then(|c| c.lift)
                .map(|l| format!("{l:.2}"))
                .unwrap_or_else(|| "-".into()),
            P => churn
                .and_then(|c| c.p_value)
                .map(|p| format!("{p:.4}"))
                .unwrap_or_else(|| "-".into()),
            BEST => self.best.clone(),
            VERDICT => self.power.verdict.label(),
            _ => String::new(),
        }
    }
}

impl Row for PowerRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let style = match (column, self.power.verdict) {
            (MARK | VERDICT, Verdict::PredictsNothing) => theme.alert(),
            (MARK | VERDICT, Verdict::NotEnoughHistory { .. }) => theme.dim(),
            (MARK | VERDICT, _) => theme.status(crate::domain::status::Status::Green),
            (NAME | RED | LIFT, _) => theme.text(),
            _ => theme.dim(),
        };
        (self.text(column), style)
    }

    fn subline(&self, theme: Theme) -> Option<(String, Style)> {
        let label = |c: usize| match c {
            GREEN => "churn when green",
            P => "p",
            BEST => "best",
            _ => "",
        };
        let parts: Vec<String> = self
            .dropped
            .iter()
            .filter(|c| !label(**c).is_empty() && !self.text(**c).is_empty())
            .map(|c| format!("{} {}", label(*c), self.text(*c)))
            .collect();
        (!parts.is_empty()).then(|| (parts.join("  "), theme.dim()))
    }
}

fn metric_name(app: &App, id: &str) -> String {
    app.data
        .metrics
        .iter()
        .find(|m| m.id == id)
        .map_or_else(|| id.to_string(), |m| m.name.clone())
}

fn power(app: &App, phase: &Phase, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some(journey) = app.journey().and_then(|j| app.insight.power(&j.id)) else {
        waiting(
            app.waiting_for(|r| matches!(r, Request::Power { .. })),
            area,
            buf,
            theme,
        );
        return;
    };
    let last = journey.last.map(|p| p.to_string()).unwrap_or_default();
    let intro = [(
        format!(
            "Churn within 3 months when the indicator was red vs green (95% Wilson interval, n), lift, p; best rank correlation with a success metric 1-3 months later. Data to {last}, strongest first."
        ),
        theme.dim(),
    )];
    let intro_lines = if area.height >= 12 { 3 } else { 1 };
    let rest = lines_on_top(&intro, intro_lines, area, buf);
    let unpredicted = insight::phase_unpredicted(app, phase.id);
    let footer: Vec<(String, Style)> = if unpredicted.is_empty() {
        vec![(
            "Every success metric of this phase is predicted by an indicator.".into(),
            theme.dim(),
        )]
    } else {
        vec![(
            format!(
                "! NOT PREDICTED by any indicator: {}",
                unpredicted
                    .iter()
                    .map(|(_, name)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            theme.alert(),
        )]
    };
    let footer_h = if rest.height >= 6 { 2.min(rest.height) } else { 0 };
    let [table_area, footer_area] = Layout::vertical([Fill(1), Length(footer_h)]).areas(rest);
    let mut rows: Vec<PowerRow<'_>> = insight::phase_power(app, phase.id)
        .into_iter()
        .map(|p| PowerRow {
            power: p,
            best: p
                .best_correlation()
                .map(|c| {
                    format!(
                        "{} {:+.2} lag {} n={}{}",
                        metric_name(app, &c.success_metric),
                        c.rho,
                        c.lag,
                        c.pairs,
                        if c.wrong_sign { " wrong sign" } else { "" }
                    )
                })
                .unwrap_or_else(|| "-".into()),
            dropped: Vec::new(),
        })
        .collect();
    let widest = |text: fn(&PowerRow<'_>) -> String| {
        let w = rows.iter().map(|r| text(r).width()).max().unwrap_or(0);
        u16::try_from(w).unwrap_or(u16::MAX)
    };
    let columns = power_columns(widest(|r| r.best.clone()), widest(|r| r.power.verdict.label()));
    let shown: Vec<usize> = fit_columns(&columns, table_area.width)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let dropped: Vec<usize> = (0..columns.len()).filter(|c| !shown.contains(c)).collect();
    for row in &mut rows {
        row.dropped = dropped.clone();
    }
    let empty = if app.filter.is_empty() {
        "no indicators in this phase".to_string()
    } else {
        format!("no indicator name contains \"{}\"", app.filter)
    };
    let selected = (!rows.is_empty()).then(|| app.insight.row.min(rows.len() - 1));
    Table {
        columns: &columns,
        rows: &rows,
        selected,
        theme,
        empty: &empty,
    }
    .render(table_area, buf, !dropped.is_empty());
    if footer_h > 0 {
        lines_on_top(&footer, footer_h, footer_area, buf);
    }
}

/// One touchpoint in the month shown, and the month before.
struct TouchRow<'a> {
    now: &'a TouchpointMonth,
    before: Option<&'a TouchpointMonth>,
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}{unit}"))
}

/// The change of a figure, and its style: `lower_better` says which way is good.
fn change(now: Option<f64>, before: Option<f64>, lower_better: bool, theme: Theme) -> (String, Style) {
    match (now, before) {
        (Some(a), Some(b)) => {
            let d = a - b;
            let better = if d.abs() < 0.05 {
                None
            } else {
                Some((d < 0.0) == lower_better)
            };
            let shown = if better.is_none() {
                "0.0".into()
            } else {
                format!("{d:+.1}")
            };
            (shown, theme.change(better))
        }
        _ => ("-".into(), theme.dim()),
    }
}

fn touch_columns() -> Vec<Column> {
    vec![
        Column::new("touchpoint", 14).flex(),
        Column::new("tickets", 7).right(),
        Column::new("chg", 5).right().priority(3),
        Column::new("response", 8).right().priority(1),
        Column::new("chg", 6).right().priority(2),
        Column::new("resolve", 8).right().priority(1),
        Column::new("chg", 6).right().priority(4),
        Column::new("CSAT", 6).right(),
        Column::new("chg", 6).right().priority(2),
        Column::new("CES", 4).right().priority(1),
        Column::new("chg", 5).right().priority(4),
        Column::new("detract", 7).right().priority(1),
        Column::new("chg", 6).right().priority(3),
        Column::new("NPS n", 5).right().priority(4),
    ]
}

impl Row for TouchRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let (n, b) = (self.now, self.before);
        let detr = |t: &TouchpointMonth| t.detractor_share.map(|d| 100.0 * d);
        match column {
            0 => (n.touchpoint.clone(), theme.text()),
            1 => (n.tickets.to_string(), theme.text()),
            2 => match b {
                Some(b) => {
                    let d = n.tickets as i64 - b.tickets as i64;
                    let better = (d != 0).then_some(d < 0);
                    (format!("{d:+}").replace("+0", "0"), theme.change(better))
                }
                None => ("-".into(), theme.dim()),
            },
            3 => (opt(n.response_hours, " h"), theme.text()),
            4 => change(n.response_hours, b.and_then(|b| b.response_hours), true, theme),
            5 => (opt(n.resolution_hours, " h"), theme.text()),
            6 => change(
                n.resolution_hours,
                b.and_then(|b| b.resolution_hours),
                true,
                theme,
            ),
            7 => (opt(n.csat, "%"), theme.text()),
            8 => change(n.csat, b.and_then(|b| b.csat), false, theme),
            9 => (opt(n.ces, ""), theme.text()),
            10 => change(n.ces, b.and_then(|b| b.ces), false, theme),
            11 => (opt(detr(n), "%"), theme.text()),
            12 => change(detr(n), b.and_then(detr), true, theme),
            13 => (n.nps_answers.to_string(), theme.dim()),
            _ => (String::new(), theme.text()),
        }
    }
}

fn touchpoints(app: &App, phase: &Phase, area: Rect, buf: &mut Buffer, theme: Theme) {
    let period = app.period;
    let Some(now) = app.insight.touchpoints(phase.id, period, app.segment_id()) else {
        waiting(
            app.waiting_for(|r| matches!(r, Request::Touchpoints { .. })),
            area,
            buf,
            theme,
        );
        return;
    };
    let before = app
        .insight
        .touchpoints(phase.id, period.prev(), app.segment_id())
        .unwrap_or_default();
    let selected = app.insight.selected_touchpoint(phase.id);
    let intro = [
        (
            format!(
                "Touchpoints in {period}, segment {}, chg against {}: tickets, mean response and resolution hours, CSAT (% satisfied), CES, detractors (% of NPS).",
                app.segment_id(),
                period.prev()
            ),
            theme.dim(),
        ),
        (
            format!(
                "Selected: {} (j/k picks one; Enter or c: what its customers say)",
                selected.unwrap_or("all touchpoints")
            ),
            theme.heading(),
        ),
    ];
    let max = if area.height >= 10 { 4 } else { 1 };
    let rest = lines_on_top(&intro, max, area, buf);
    let rows: Vec<TouchRow<'_>> = now
        .iter()
        .map(|t| TouchRow {
            now: t,
            before: before.iter().find(|b| b.touchpoint == t.touchpoint),
        })
        .collect();
    let selected_row = selected.and_then(|s| rows.iter().position(|r| r.now.touchpoint == s));
    let columns = touch_columns();
    // The touchpoints first; the priority service takes what they leave (a blank line, its
    // title, the HVC line, its header and at least one group).
    let service = app
        .insight
        .service(phase.id, period, app.segment_id())
        .filter(|groups| groups.iter().any(|g| g.tickets > 0));
    let touch_h = (1 + rows.len().max(1)).min(usize::from(rest.height)) as u16;
    let (table_area, service_area) = match service {
        Some(_) if rest.height >= touch_h + 5 => {
            let [table, _, service] = Layout::vertical([Length(touch_h), Length(1), Fill(1)]).areas(rest);
            (table, Some(service))
        }
        _ => (rest, None),
    };
    Table {
        columns: &columns,
        rows: &rows,
        selected: selected_row,
        theme,
        empty: "no touchpoints recorded for this phase",
    }
    .render(table_area, buf, false);
    if let (Some(groups), Some(at)) = (service, service_area) {
        priority_service(groups, period, at, buf, theme);
    }
}

/// One group of the priority-service table: every ticket, HVC, regular, a tier.
struct ServiceRow<'a>(&'a ServiceGroup);

fn service_columns() -> Vec<Column> {
    vec![
        Column::new("group", 14),
        Column::new("tickets", 7).right(),
        Column::new("1st response", 12).right(),
        Column::new("resolve", 8).right().priority(1),
        Column::new("SLA met", 7).right(),
        Column::new("judged", 6).right().priority(2),
    ]
}

impl Row for ServiceRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let g = self.0;
        let dim_if_empty = if g.tickets == 0 { theme.dim() } else { theme.text() };
        match column {
            0 => (g.segment.clone(), dim_if_empty),
            1 => (g.tickets.to_string(), dim_if_empty),
            2 => (opt(g.first_response_hours, " h"), dim_if_empty),
            3 => (opt(g.resolution_hours, " h"), dim_if_empty),
            4 => (
                g.sla_attainment
                    .map_or_else(|| "-".into(), |a| format!("{:.1}%", 100.0 * a)),
                dim_if_empty,
            ),
            5 => ((g.sla_met + g.sla_breached).to_string(), theme.dim()),
            _ => (String::new(), theme.text()),
        }
    }
}

/// Whether HVC tickets were answered faster than regular ones, as a line and its style.
fn priority_verdict(groups: &[ServiceGroup], theme: Theme) -> Option<(String, Style)> {
    let find = |key: &str| groups.iter().find(|g| g.segment == key);
    let (hvc, regular) = (find("hvc")?, find("regular")?);
    let (h, r) = (hvc.first_response_hours?, regular.first_response_hours?);
    let sla = |g: &ServiceGroup| {
        g.sla_attainment
            .map_or_else(|| "-".into(), |a| format!("{:.1}%", 100.0 * a))
    };
    let figures = format!(
        "{h:.1} h vs {r:.1} h for regular; SLA met {} vs {}",
        sla(hvc),
        sla(regular)
    );
    Some(if h < r {
        (format!("HVC answered faster: {figures}"), theme.dim())
    } else {
        (format!("! HVC NOT ANSWERED FASTER: {figures}"), theme.alert())
    })
}

/// The priority-service section: a title, whether HVC were answered faster, and the groups
/// (every ticket, HVC, regular, then the tiers that have tickets), cut at the bottom.
fn priority_service(groups: &[ServiceGroup], period: Period, area: Rect, buf: &mut Buffer, theme: Theme) {
    if area.height == 0 {
        return;
    }
    section_title(
        &format!(
            "Priority service {period}: HVC vs regular, then by tier held at end of {}",
            period.prev()
        ),
        area,
        buf,
        theme,
    );
    let [_, mut rest] = Layout::vertical([Length(1), Fill(1)]).areas(area);
    if let Some(line) = priority_verdict(groups, theme) {
        rest = lines_on_top(&[line], 1, rest, buf);
    }
    let rows: Vec<ServiceRow<'_>> = groups
        .iter()
        .filter(|g| g.tickets > 0 || !g.segment.starts_with("tier:"))
        .map(ServiceRow)
        .collect();
    let columns = service_columns();
    Table {
        columns: &columns,
        rows: &rows,
        selected: None,
        theme,
        empty: "no tickets",
    }
    .render(rest, buf, false);
}

struct TermRow<'a>(&'a Term);

impl Row for TermRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let t = self.0;
        match column {
            0 => (t.term.clone(), theme.text()),
            1 => (format!("{}/{}", t.unhappy, t.unhappy_total), theme.text()),
            2 => (format!("{}/{}", t.happy, t.happy_total), theme.dim()),
            3 => (format!("{:.2}", t.score), theme.dim()),
            _ => (String::new(), theme.text()),
        }
    }
}

/// What customers say in the phase (and touchpoint) and month shown, or the loading line while
/// it is read.
fn said_or_waiting<'a>(
    app: &'a App,
    phase: &Phase,
    touchpoint: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) -> Option<&'a Said> {
    let said = app.insight.said(phase.id, touchpoint, app.period);
    if said.is_none() {
        waiting(
            app.waiting_for(|r| matches!(r, Request::Said { .. })),
            area,
            buf,
            theme,
        );
    }
    said
}

fn words(app: &App, phase: &Phase, touchpoint: Option<&str>, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some(said) = said_or_waiting(app, phase, touchpoint, area, buf, theme) else {
        return;
    };
    let from = said.from.map(|p| p.to_string()).unwrap_or_default();
    let (unhappy, happy) = said.comments.iter().fold((0, 0), |(u, h), c| match c.sentiment {
        -1 => (u + 1, h),
        1 => (u, h + 1),
        _ => (u, h),
    });
    let intro = [(
        format!(
            "Words and two-word phrases more frequent in unhappy comments than in happy ones, {from} to {}: {unhappy} unhappy, {happy} happy comments (stop words removed, English and Indonesian). C: the comments.",
            app.period
        ),
        theme.dim(),
    )];
    let max = if area.height >= 10 { 3 } else { 1 };
    let rest = lines_on_top(&intro, max, area, buf);
    let rows: Vec<TermRow<'_>> = said.terms.iter().map(TermRow).collect();
    let columns = vec![
        Column::new("term", 20).flex(),
        Column::new("unhappy", 9).right(),
        Column::new("happy", 9).right().priority(1),
        Column::new("log odds", 8).right().priority(2),
    ];
    let empty = format!(
        "no word or phrase in at least {} unhappy comments stands out",
        insight::MIN_COUNT
    );
    let selected = (!rows.is_empty()).then(|| app.insight.row.min(rows.len() - 1));
    Table {
        columns: &columns,
        rows: &rows,
        selected,
        theme,
        empty: &empty,
    }
    .render(rest, buf, false);
}

fn comments(app: &App, phase: &Phase, touchpoint: Option<&str>, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some(said) = said_or_waiting(app, phase, touchpoint, area, buf, theme) else {
        return;
    };
    let from = said.from.map(|p| p.to_string()).unwrap_or_default();
    let total = said.comments.len();
    let first = app.insight.row.min(total.saturating_sub(1));
    let heading = if total == 0 {
        format!("No comments from {from} to {}.", app.period)
    } else {
        format!(
            "Comments {from} to {}, newest first: from {} of {total} (j/k scroll)",
            app.period,
            first + 1
        )
    };
    section_title(&heading, area, buf, theme);
    let w = usize::from(area.width);
    let mut y = area.y + 1;
    let bottom = area.y + area.height;
    for c in said.comments.iter().skip(first) {
        if y >= bottom {
            break;
        }
        let feeling = match c.sentiment {
            -1 => "unhappy",
            1 => "happy",
            _ => "neutral",
        };
        let style = if feeling == "unhappy" {
            theme.alert()
        } else {
            theme.heading()
        };
        let head = format!(
            "{}  {}  {} {} ({feeling})  {}",
            c.answered_at.chars().take(10).collect::<String>(),
            c.account_id,
            c.survey,
            c.score,
            c.touchpoint
        );
        buf.set_stringn(area.x, y, text::fit(&text::clean(&head), w), w, style);
        y += 1;
        for line in text::wrap(&text::clean(&c.comment), w.saturating_sub(2).max(1)) {
            if y >= bottom {
                break;
            }
            buf.set_stringn(
                area.x + 2.min(area.width),
                y,
                text::fit(&line, w.saturating_sub(2)),
                w.saturating_sub(2),
                theme.text(),
            );
            y += 1;
        }
    }
}

/// The data behind the open view, for `snapshot --format json`.
pub fn pane_json(app: &App, view: InsightView) -> Value {
    let Some(phase) = app.phase() else {
        return json!({});
    };
    let base = json!({
        "journey": app.journey().map(|j| json!({ "id": j.id, "name": j.name })),
        "period": app.period.to_string(),
        "phase": phase.key,
    });
    let mut out = base;
    match view {
        InsightView::Power => {
            out["pane"] = json!(format!("indicators:{}", phase.key));
            out["indicators"] = json!(insight::phase_power(app, phase.id));
            out["unpredicted_success_metrics"] = json!(
                insight::phase_unpredicted(app, phase.id)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect::<Vec<_>>()
            );
        }
        InsightView::Touchpoints => {
            out["pane"] = json!(format!("touchpoints:{}", phase.key));
            let now = app
                .insight
                .touchpoints(phase.id, app.period, app.segment_id())
                .unwrap_or_default();
            let before = app
                .insight
                .touchpoints(phase.id, app.period.prev(), app.segment_id())
                .unwrap_or_default();
            out["touchpoints"] = json!(
                now.iter()
                    .map(|t| json!({
                        "touchpoint": t,
                        "last_month": before.iter().find(|b| b.touchpoint == t.touchpoint),
                    }))
                    .collect::<Vec<_>>()
            );
            out["priority_service"] = json!(
                app.insight
                    .service(phase.id, app.period, app.segment_id())
                    .unwrap_or_default()
            );
        }
        InsightView::Words | InsightView::Comments => {
            let touchpoint = app.insight.selected_touchpoint(phase.id);
            out["pane"] = json!(format!(
                "{}:{}",
                if view == InsightView::Words {
                    "says"
                } else {
                    "comments"
                },
                phase.key
            ));
            out["touchpoint"] = json!(touchpoint);
            if let Some(said) = app.insight.said(phase.id, touchpoint, app.period) {
                out["from"] = json!(said.from.map(|p| p.to_string()));
                if view == InsightView::Words {
                    out["terms"] = json!(said.terms);
                } else {
                    out["comments"] = json!(said.comments);
                }
            }
        }
    }
    out
}
