//! The churn pane: the month's churn and revenue retention for the segment shown (accounts
//! active at start, churned, logo churn, MRR at start, churned, contraction, expansion, GRR,
//! NRR), a trend of churn rate, GRR and NRR over every month in the store, where (journey
//! phase) and why (root cause, most frequent reasons) accounts left, the figures per segment,
//! and the churned accounts. Enter shows the selected account; `d` the formula of each figure.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::domain::Period;
use crate::domain::retention::Retention;
use crate::store::churn::{ChurnGroup, ChurnedAccount, NO_REASON, describe_aside};
use crate::ui::app::App;
use crate::ui::churn::ChurnEvents;
use crate::ui::load::Request;
use crate::ui::panes::{pane_block, section_title, waiting};
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::widgets::overlay::Overlay;
use crate::ui::widgets::sparkline::{LEVELS, MISSING};
use crate::ui::widgets::stack::Stack;
use crate::ui::widgets::table::{Column, Row, Table};

/// One rate of a month's figures.
type Rate = fn(&Retention) -> Option<f64>;

/// Columns of a figure's label.
const LABEL_W: usize = 16;

/// Body width from which the breakdowns sit beside the churned accounts.
const SIDE_BY_SIDE: u16 = 120;

/// The formula of each figure, as the README gives them.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "active",
        "an account with a subscription with start <= d and (no end or end > d)",
    ),
    (
        "window",
        "the month: [first day of the month, first day of the next month)",
    ),
    (
        "active at start",
        "accounts active on the window's first day (n_start)",
    ),
    (
        "churned",
        "of those, the ones with no active subscription on the day after the window",
    ),
    (
        "logo churn",
        "churned / active at start (n/a when none was active, never 0)",
    ),
    ("MRR at start", "their MRR on the first day"),
    ("churned MRR", "the start MRR of the churned accounts"),
    (
        "contraction",
        "sum of (start - end MRR) over accounts whose MRR fell",
    ),
    (
        "expansion",
        "sum of (end - start MRR) over accounts whose MRR rose",
    ),
    (
        "GRR",
        "(MRR at start - churned MRR - contraction) / MRR at start: end MRR capped at start",
    ),
    (
        "NRR",
        "(MRR at start - churned MRR - contraction + expansion) / MRR at start",
    ),
    (
        "by phase/cause",
        "the churned accounts above, by the phase and cause of their churn event (if any)",
    ),
    (
        "HVC",
        "top hvc_top_mrr_pct % (default 20) of the accounts active at the month's start, by MRR then",
    ),
    (
        "tenure",
        "whole months from the first subscription's start to the churn date",
    ),
];

/// The keys the footer shows in this pane.
pub fn footer_keys(app: &App) -> &'static [(&'static str, &'static str)] {
    if app.definitions {
        &[
            ("d Esc", "close definitions"),
            ("[ ]", "month"),
            ("s", "segment"),
            ("q", "quit"),
        ]
    } else if app.detail {
        &[
            ("Esc", "back"),
            ("j/k", "account"),
            ("v", "full account view"),
            ("[ ]", "month"),
            ("d", "definitions"),
            ("q", "quit"),
        ]
    } else {
        &[
            ("?", "help"),
            ("q", "quit"),
            ("j/k", "account"),
            ("Enter", "account"),
            ("v", "account view"),
            ("d", "definitions"),
            ("[ ]", "month"),
            ("s", "segment"),
            ("Tab", "pane"),
            ("z", "zoom"),
        ]
    }
}

/// A rate as a percentage with two decimals, or `n/a` when absent.
pub fn pct(rate: Option<f64>) -> String {
    match rate.filter(|r| r.is_finite()) {
        Some(r) => format!("{:.2}%", r * 100.0),
        None => "n/a".into(),
    }
}

/// The change of a rate in percentage points, signed (`+0.31pt`), or nothing when either is absent.
fn pct_delta(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
            let d = (a - b) * 100.0;
            if d.abs() < 0.005 {
                "=0pt".into()
            } else {
                format!("{d:+.2}pt")
            }
        }
        _ => String::new(),
    }
}

/// The nine figures of a month as (label, value, change from the month before).
pub fn figures(now: &Retention, before: Option<&Retention>) -> Vec<(&'static str, String, String)> {
    let d = |f: fn(&Retention) -> Option<f64>| before.map_or(String::new(), |b| pct_delta(f(now), f(b)));
    vec![
        ("active at start", now.n_start.to_string(), String::new()),
        ("churned", now.n_churned.to_string(), String::new()),
        ("logo churn", pct(now.churn_rate), d(|r| r.churn_rate)),
        ("MRR at start", text::number(now.start_mrr), String::new()),
        ("churned MRR", text::number(now.churned_mrr), String::new()),
        ("contraction", text::number(now.contraction_mrr), String::new()),
        ("expansion", text::number(now.expansion_mrr), String::new()),
        ("GRR", pct(now.grr), d(|r| r.grr)),
        ("NRR", pct(now.nrr), d(|r| r.nrr)),
    ]
}

/// The churn pane as a widget: the month's figures held by `app`, drawn in `theme`. From the top:
/// the figures, a line when no account was active, the trend, and the breakdowns with the churned
/// accounts (side by side or stacked).
pub struct ChurnPane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for ChurnPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let ChurnPane { app, theme } = self;
        let segment = text::segment_label(app.segment_id());
        // The figures are of the journey shown's accounts (the header names it too).
        let journey = app
            .journey()
            .map_or_else(|| "every journey".to_string(), |j| text::clean(&j.name));
        let title = format!(
            "Churn and revenue retention: {}, {journey}, segment {segment}",
            app.period
        );
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if waiting(
            app.waiting_for(|r| matches!(r, Request::ChurnMonths { .. })),
            inner,
            buf,
            theme,
        ) {
            return;
        }
        let data = &app.churn;
        let now = data.month(app.segment_id(), app.period);
        let before = (app.period > data.months.first().copied().unwrap_or(app.period))
            .then(|| data.month(app.segment_id(), app.period.prev()));
        let w = inner.width;

        // From the top: the figures, a line when no account was active, the trend (where it fits
        // with 4 rows to spare), a blank line, and the breakdowns with the churned accounts.
        let cols = (w / 26).clamp(1, 3);
        let figs = figures(&now, before.as_ref());
        let fig_rows = (figs.len().div_ceil(usize::from(cols)) as u16).min(inner.height);
        let notice_h = u16::from(now.n_start == 0 && inner.height > fig_rows);
        let after_head = inner.height - fig_rows - notice_h;
        // The trend: one labelled row (or band) per figure; taller where the height allows.
        let band: u16 = if inner.height >= 40 {
            3
        } else if inner.height >= 30 {
            2
        } else {
            1
        };
        let trend_h = 2 + 3 * band;
        let trend_rows = if after_head >= trend_h + 4 { trend_h } else { 0 };
        let left = after_head - trend_rows - u16::from(trend_rows > 0);
        let [fig_area, notice_area, _, trend_area, _, rest] = Layout::vertical([
            Length(fig_rows),
            Length(notice_h),
            Length(u16::from(trend_rows > 0)),
            Length(trend_rows),
            Length(u16::from(left > 1)),
            Fill(1),
        ])
        .areas(inner);

        figure_grid(&figs, cols, fig_area, buf, theme);
        if notice_area.height > 0 {
            buf.set_stringn(
                notice_area.x,
                notice_area.y,
                text::fit(
                    "no account was active at the start of this month: rates are n/a",
                    usize::from(w),
                ),
                usize::from(w),
                theme.dim(),
            );
        }
        if trend_area.height > 0 {
            trend(app, trend_area, band, buf, theme);
        }
        if rest.height == 0 {
            return;
        }
        let events = data.events(app.period, app.segment_id());
        if events.is_none()
            && waiting(
                app.waiting_for(|r| matches!(r, Request::ChurnEvents { .. })),
                rest,
                buf,
                theme,
            )
        {
            return;
        }
        if w >= SIDE_BY_SIDE {
            let left_w = (w * 45 / 100).max(50);
            let [left, rule, _, right] =
                Layout::horizontal([Length(left_w), Length(1), Length(1), Fill(1)]).areas(rest);
            breakdowns(
                app,
                events.map(|e| (&e.by_phase[..], &e.by_reason[..])),
                left,
                buf,
                theme,
            );
            for row in rule.rows() {
                buf.set_string(row.x, row.y, "\u{2502}", theme.border());
            }
            accounts(app, events, right, buf, theme);
        } else {
            // Narrow: one line per breakdown (where 8 rows allow), then the accounts.
            let lines = compact_breakdowns(app, events.map(|e| (&e.by_phase[..], &e.by_reason[..])));
            let shown = if rest.height >= 8 { lines.len() as u16 } else { 0 };
            let [lines_area, list] = Layout::vertical([Length(shown.min(rest.height)), Fill(1)]).areas(rest);
            for (line, row) in lines.iter().zip(lines_area.rows()) {
                buf.set_stringn(
                    row.x,
                    row.y,
                    text::fit(line, usize::from(w)),
                    usize::from(w),
                    theme.text(),
                );
            }
            accounts(app, events, list, buf, theme);
        }
        if app.definitions {
            definitions_overlay(area, buf, theme);
        } else if app.detail
            && let Some(account) = app.selected_churned()
        {
            account_overlay(account, area, buf, theme);
        }
    }
}

/// The month's figures in `cols` columns of equal width, row by row: each a label, its value
/// and the change from the month before where that fits whole.
fn figure_grid(
    figs: &[(&'static str, String, String)],
    cols: u16,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let cells = Layout::horizontal(vec![Length(area.width / cols); usize::from(cols)]);
    for (row, figs) in area.rows().zip(figs.chunks(usize::from(cols))) {
        for (cell, (label, value, change)) in cells.split(row).iter().zip(figs) {
            let room = usize::from(cell.width.saturating_sub(1));
            let label_w = LABEL_W.min(room);
            buf.set_stringn(
                cell.x,
                cell.y,
                text::pad(label, label_w, false),
                room,
                theme.dim(),
            );
            let rest = room.saturating_sub(label_w);
            let with_change = format!("{value} {change}");
            let shown = if text::width(with_change.trim_end()) <= rest {
                with_change.trim_end().to_string()
            } else {
                value.clone()
            };
            buf.set_stringn(
                cell.x + label_w as u16,
                cell.y,
                text::pad(&shown, rest, false),
                rest,
                theme.heading(),
            );
        }
    }
}

/// Churn rate, GRR and NRR over every month in the store, each on its own labelled band with
/// its own scale (lowest and highest at the right); `^` marks the month shown.
fn trend(app: &App, area: Rect, band: u16, buf: &mut Buffer, theme: Theme) {
    let data = &app.churn;
    let months = &data.months;
    let Some(series) = data.series(app.segment_id()) else {
        return;
    };
    if months.is_empty() || area.width < 30 {
        return;
    }
    let (first, last) = (months[0], months[months.len() - 1]);
    section_title(
        &format!("Trend {first} to {last}, every month (each row on its own scale; . no data)"),
        area,
        buf,
        theme,
    );
    const LABEL: u16 = 11;
    const RANGE: u16 = 16;
    let plot_x = area.x + LABEL;
    let plot_w = area.width.saturating_sub(LABEL + RANGE + 1);
    if plot_w < 4 {
        return;
    }
    // The months that fit, one column each at least, keeping the month shown in view.
    let fit = usize::from(plot_w);
    let sel = months.iter().position(|p| *p == app.period);
    let start = match months.len().checked_sub(fit) {
        None | Some(0) => 0,
        Some(latest) => sel.map_or(latest, |s| s.saturating_sub(fit / 2).min(latest)),
    };
    let end = (start + fit).min(months.len());
    let slot = (plot_w / (end - start).max(1) as u16).clamp(1, 6);
    // The scale goes right after the bars.
    let range_x = plot_x + (slot * (end - start) as u16).min(plot_w) + 1;
    let bar = if slot >= 2 { slot - 1 } else { 1 };
    let rows: [(&str, Rate); 3] = [
        ("logo churn", |r| r.churn_rate),
        ("GRR", |r| r.grr),
        ("NRR", |r| r.nrr),
    ];
    for (k, (label, get)) in rows.iter().enumerate() {
        let top = area.y + 1 + k as u16 * band;
        let values: Vec<Option<f64>> = series[start..end]
            .iter()
            .map(|r| get(r).filter(|v| v.is_finite()))
            .collect();
        let lo = values.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
        buf.set_stringn(
            area.x,
            top + band - 1,
            text::pad(label, usize::from(LABEL - 1), false),
            usize::from(LABEL - 1),
            theme.heading(),
        );
        let range = if lo.is_finite() {
            format!("{}..{}", pct(Some(lo)), pct(Some(hi)))
        } else {
            "no data".into()
        };
        buf.set_stringn(
            range_x,
            top + band - 1,
            text::fit(&range, usize::from(RANGE)),
            usize::from(RANGE),
            theme.dim(),
        );
        let levels = i64::from(band) * 8;
        for (i, v) in values.iter().enumerate() {
            let x0 = plot_x + i as u16 * slot;
            if x0 >= plot_x + plot_w {
                break;
            }
            let selected = start + i == sel.unwrap_or(usize::MAX);
            let style = if selected { theme.heading() } else { theme.text() };
            match v {
                Some(v) => {
                    // The lowest value still shows a sliver: a missing month is `.`, never a low bar.
                    let eighths = if hi - lo < 1e-12 {
                        levels / 2
                    } else {
                        1 + ((v - lo) / (hi - lo) * (levels - 1) as f64).round() as i64
                    };
                    for r in 0..band {
                        let level = eighths - i64::from(r) * 8;
                        if level <= 0 {
                            break;
                        }
                        let c = LEVELS[(level.min(8) - 1) as usize].to_string();
                        for dx in 0..bar {
                            buf.set_string(x0 + dx, top + band - 1 - r, &c, style);
                        }
                    }
                }
                None => buf.set_string(x0, top + band - 1, MISSING.to_string(), theme.dim()),
            }
        }
    }
    // The months below: the one shown (`^`), the first and the last where there is room.
    let y = area.y + 1 + 3 * band;
    let x_end = plot_x + plot_w;
    let shown_first = months[start].to_string();
    let shown_last = months[end - 1].to_string();
    buf.set_stringn(area.x, y, "month", usize::from(LABEL), theme.dim());
    let mut taken = (0u16, 0u16);
    if let Some(i) = sel.and_then(|s| s.checked_sub(start)).filter(|i| start + i < end) {
        let mx = plot_x + i as u16 * slot;
        let label = app.period.to_string();
        let (x, t) = if mx + 9 <= x_end + RANGE {
            (mx, format!("^ {label}"))
        } else {
            (mx.saturating_sub(8), format!("{label} ^"))
        };
        buf.set_string(x, y, &t, theme.heading());
        taken = (x, x + 9);
    }
    let free = |a: u16, b: u16| b + 1 < taken.0 || a > taken.1 + 1;
    if free(plot_x, plot_x + 7) {
        buf.set_string(plot_x, y, &shown_first, theme.dim());
    }
    let lx = (plot_x + (end - start - 1) as u16 * slot + bar)
        .saturating_sub(7)
        .max(plot_x);
    if end - start > 1 && free(lx, lx + 7) && lx + 7 <= x_end + RANGE {
        buf.set_string(lx, y, &shown_last, theme.dim());
    }
}

/// The breakdowns in one line each, for narrow windows.
fn compact_breakdowns(app: &App, events: Option<(&[ChurnGroup], &[ChurnGroup])>) -> Vec<String> {
    let group = |g: &ChurnGroup| {
        let name = g.key.split(": ").last().unwrap_or(&g.key).to_string();
        match g.top_reasons.first() {
            Some((reason, _)) => format!("{name} {} ({reason})", g.accounts),
            None => format!("{name} {}", g.accounts),
        }
    };
    let list = |groups: &[ChurnGroup]| {
        if groups.is_empty() {
            "none".to_string()
        } else {
            groups.iter().map(group).collect::<Vec<_>>().join(", ")
        }
    };
    let mut lines = Vec::new();
    if let Some((phases, reasons)) = events {
        lines.push(format!("Left in: {}", list(phases)));
        lines.push(format!("Cause:   {}", list(reasons)));
    }
    let segs: Vec<String> = app
        .churn
        .segments
        .iter()
        .filter(|(s, _)| s == "hvc" || s == "regular" || s.starts_with("size:"))
        .map(|(s, _)| {
            let r = app.churn.month(s, app.period);
            format!("{} {}", text::segment_label(s), pct(r.churn_rate))
        })
        .collect();
    if !segs.is_empty() {
        lines.push(format!("Churn by segment: {}", segs.join(", ")));
    }
    lines
}

struct GroupRow<'a>(&'a ChurnGroup, u64);

impl Row for GroupRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let g = self.0;
        match column {
            0 => (g.key.clone(), theme.text()),
            1 => (g.accounts.to_string(), theme.heading()),
            2 => (
                if self.1 > 0 {
                    format!("{:.0}%", 100.0 * g.accounts as f64 / self.1 as f64)
                } else {
                    "n/a".into()
                },
                theme.dim(),
            ),
            3 => (text::number(g.mrr_lost), theme.text()),
            _ => (
                g.top_reasons
                    .iter()
                    .map(|(r, n)| format!("{r} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", "),
                theme.dim(),
            ),
        }
    }
}

struct SegmentRow(String, Retention);

impl Row for SegmentRow {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let r = &self.1;
        match column {
            0 => (text::segment_label(&self.0), theme.text()),
            1 => (r.n_start.to_string(), theme.dim()),
            2 => (r.n_churned.to_string(), theme.text()),
            3 => (pct(r.churn_rate), theme.heading()),
            4 => (pct(r.grr), theme.text()),
            _ => (pct(r.nrr), theme.text()),
        }
    }
}

/// By phase, by root cause and by segment, stacked, for wide windows.
fn breakdowns(
    app: &App,
    events: Option<(&[ChurnGroup], &[ChurnGroup])>,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let group_columns = |first: &str| {
        vec![
            Column::new(first, 14).flex(),
            Column::new("accts", 5).right(),
            Column::new("share", 5).right().priority(2),
            Column::new("MRR lost", 9).right(),
            Column::new("most frequent reasons", 18).priority(1),
        ]
    };
    let churned: u64 = events.map_or(0, |(p, _)| p.iter().map(|g| g.accounts).sum());
    let mut stack = Stack::new(area);
    let (phases, reasons) = events.unwrap_or((&[], &[]));
    for (title, first, groups) in [
        ("Where they left (journey phase)", "Phase", phases),
        ("Why (root cause)", "Cause", reasons),
    ] {
        let columns = group_columns(first);
        let rows: Vec<GroupRow<'_>> = groups.iter().map(|g| GroupRow(g, churned)).collect();
        let table = Table {
            columns: &columns,
            rows: &rows,
            selected: None,
            theme,
            empty: "no churn events this month",
        };
        section(title, &table, &mut stack, buf);
    }
    let columns = vec![
        Column::new("Segment", 14).flex(),
        Column::new("start", 6).right(),
        Column::new("churn", 5).right(),
        Column::new("logo", 7).right(),
        Column::new("GRR", 7).right().priority(2),
        Column::new("NRR", 7).right().priority(1),
    ];
    let rows: Vec<SegmentRow> = app
        .churn
        .segments
        .iter()
        .map(|(s, _)| SegmentRow(s.clone(), app.churn.month(s, app.period)))
        .filter(|r| r.1.n_start > 0)
        .collect();
    let segment_table = Table {
        columns: &columns,
        rows: &rows,
        selected: None,
        theme,
        empty: "no account was active",
    };
    section("By segment", &segment_table, &mut stack, buf);

    // By loyalty tier held at the start of the month, where there is room.
    let tiers: Vec<SegmentRow> = app
        .churn
        .events(app.period, app.segment_id())
        .map(|e| e.by_tier.iter().map(|(s, r)| SegmentRow(s.clone(), *r)).collect())
        .unwrap_or_default();
    if !tiers.is_empty() {
        let mut tier_columns = columns.clone();
        tier_columns[0] = Column::new("Tier", 14).flex();
        let table = Table {
            columns: &tier_columns,
            rows: &tiers,
            selected: None,
            theme,
            empty: "no tiers",
        };
        section("By loyalty tier held at the start", &table, &mut stack, buf);
    }

    // Cohorts: accounts by start month, and the share still active after 1, 3, 6 and 12 months.
    if !app.churn.cohorts.is_empty() {
        let cohort_columns = vec![
            Column::new("Started", 8),
            Column::new("accts", 5).right(),
            Column::new("1 mo", 5).right(),
            Column::new("3 mo", 5).right(),
            Column::new("6 mo", 5).right().priority(1),
            Column::new("12 mo", 5).right().priority(2),
        ];
        // The latest cohorts, as many as fit under the title and the header.
        let room = usize::from(stack.rows_left().saturating_sub(2));
        let rows: Vec<CohortRow<'_>> = app.churn.cohorts.iter().rev().take(room).map(CohortRow).collect();
        let table = Table {
            columns: &cohort_columns,
            rows: &rows,
            selected: None,
            theme,
            empty: "no cohorts",
        };
        section(
            "Cohort retention (share active after n months)",
            &table,
            &mut stack,
            buf,
        );
    }
}

/// A titled table in the next section of `stack`, if one is left.
fn section<R: Row>(title: &str, table: &Table<'_, R>, stack: &mut Stack, buf: &mut Buffer) {
    if let Some((title_area, table_area)) = stack.next(table.height_wanted(false)) {
        section_title(title, title_area, buf, table.theme);
        table.render(table_area, buf, false);
    }
}

/// A start-month cohort; `-` where the cohort is not that old yet.
struct CohortRow<'a>(&'a crate::store::churn::Cohort);

impl Row for CohortRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let after = |months: usize| {
            self.0
                .retained
                .get(months)
                .map_or_else(|| "-".to_string(), |share| format!("{:.0}%", 100.0 * share))
        };
        match column {
            0 => (self.0.cohort.clone(), theme.text()),
            1 => (self.0.size.to_string(), theme.dim()),
            2 => (after(1), theme.text()),
            3 => (after(3), theme.text()),
            4 => (after(6), theme.text()),
            _ => (after(12), theme.text()),
        }
    }
}

impl Row for ChurnedAccount {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        match column {
            0 => (self.name.clone(), theme.text()),
            1 => (text::number(self.mrr_lost), theme.heading()),
            2 => (self.phase.clone().unwrap_or_else(|| "-".into()), theme.text()),
            3 => match &self.root_cause {
                Some(cause) => (cause.clone(), theme.text()),
                None => (NO_REASON.into(), theme.dim()),
            },
            4 => (self.reason.clone().unwrap_or_default(), theme.dim()),
            5 => (format!("{} mo", self.tenure_months), theme.dim()),
            _ => (self.churned_on.clone().unwrap_or_default(), theme.dim()),
        }
    }
}

fn accounts(app: &App, events: Option<&ChurnEvents>, area: Rect, buf: &mut Buffer, theme: Theme) {
    if area.height < 2 {
        return;
    }
    let rows = events.map_or(&[][..], |e| &e.accounts[..]);
    let lost: f64 = rows.iter().map(|a| a.mrr_lost).sum();
    section_title(
        &format!(
            "Churned accounts: {}, MRR lost {} (Enter: details)",
            rows.len(),
            text::number(lost)
        ),
        area,
        buf,
        theme,
    );
    // Churn events whose account the figures do not count: said apart, on the last line.
    let aside = events.map_or(&[][..], |e| &e.aside[..]);
    let aside_h = u16::from(!aside.is_empty() && area.height >= 4);
    let [_, list, aside_row] = Layout::vertical([Length(1), Fill(1), Length(aside_h)]).areas(area);
    if aside_row.height > 0 {
        let w = usize::from(area.width);
        let line = describe_aside(aside);
        buf.set_stringn(aside_row.x, aside_row.y, text::fit(&line, w), w, theme.dim());
    }
    let columns = [
        Column::new("Account", 14).flex(),
        Column::new("MRR lost", 8).right(),
        Column::new("Phase", 12),
        Column::new("Cause", 9).priority(2),
        Column::new("Reason", 18).priority(4),
        Column::new("tenure", 6).right().priority(3),
        Column::new("churned", 10).priority(5),
    ];
    Table {
        columns: &columns,
        rows,
        selected: Some(app.cursor()),
        theme,
        empty: "no account churned this month",
    }
    .render(list, buf, false);
}

fn definitions_overlay(area: Rect, buf: &mut Buffer, theme: Theme) {
    let lines: Vec<(String, Style)> = DEFINITIONS
        .iter()
        .map(|(k, v)| (format!("{k:<16}{v}"), theme.text()))
        .collect();
    Overlay {
        title: "Definitions (d or Esc closes)",
        lines: &lines,
        theme,
    }
    .render(area, buf);
}

fn account_overlay(a: &ChurnedAccount, area: Rect, buf: &mut Buffer, theme: Theme) {
    let field = |k: &str, v: String| (format!("{k:<14}{}", text::clean(&v)), theme.text());
    let lines = vec![
        field("Account", format!("{} ({})", a.name, a.account_id)),
        field("Churned on", a.churned_on.clone().unwrap_or_else(|| "-".into())),
        field("MRR lost", text::number(a.mrr_lost)),
        field("Left in phase", a.phase_key()),
        field("Root cause", a.cause_key().to_string()),
        field(
            "Reason",
            a.reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "(none given)".into()),
        ),
        field("Tenure", format!("{} whole months", a.tenure_months)),
    ];
    Overlay {
        title: "Churned account (Esc closes)",
        lines: &lines,
        theme,
    }
    .render(area, buf);
}

/// The months of the churn trend, for `snapshot --format json`.
pub fn trend_points(app: &App) -> Vec<(Period, Retention)> {
    let data = &app.churn;
    data.series(app.segment_id())
        .map(|s| data.months.iter().copied().zip(s.iter().copied()).collect())
        .unwrap_or_default()
}

/// The pane's data for `snapshot --format json`: the month's figures (rates as fractions), the
/// trend, the breakdowns and the churned accounts.
pub fn pane_json(app: &App) -> serde_json::Value {
    use serde_json::json;
    let with_period = |p: Period, r: &Retention| {
        let mut v = serde_json::to_value(r).unwrap_or_default();
        v["period"] = json!(p.to_string());
        v
    };
    let now = app.churn.month(app.segment_id(), app.period);
    let events = app.churn.events(app.period, app.segment_id());
    let segments: Vec<serde_json::Value> = app
        .churn
        .segments
        .iter()
        .map(|(s, _)| {
            let mut v = serde_json::to_value(app.churn.month(s, app.period)).unwrap_or_default();
            v["segment"] = json!(s);
            v
        })
        .collect();
    json!({
        "pane": "churn",
        "journey": app.churn.journey,
        "period": app.period.to_string(),
        "segment": app.segment_id(),
        "month": with_period(app.period, &now),
        "trend": trend_points(app).iter().map(|(p, r)| with_period(*p, r)).collect::<Vec<_>>(),
        "by_phase": events.map(|e| json!(e.by_phase)).unwrap_or(json!([])),
        "by_reason": events.map(|e| json!(e.by_reason)).unwrap_or(json!([])),
        "by_segment": segments,
        "by_tier": events.map(|e| {
            e.by_tier.iter().map(|(s, r)| json!({"tier": s.trim_start_matches("tier:"), "n_start": r.n_start,
                "n_churned": r.n_churned, "churn_rate": r.churn_rate, "grr": r.grr, "nrr": r.nrr})).collect::<Vec<_>>()
        }).unwrap_or_default(),
        "cohorts": json!(app.churn.cohorts),
        "accounts": events.map(|e| json!(e.accounts)).unwrap_or(json!([])),
        "events_aside": events.map(|e| json!(e.aside)).unwrap_or(json!([])),
    })
}
