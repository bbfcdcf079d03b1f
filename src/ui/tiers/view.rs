//! The tiers pane: the loyalty ladder with its benefits and criteria, members per tier at the
//! end of the month and the change from the month before, and the accounts to watch: upgrades
//! (`^`), downgrade risks (`v`: in grace, or within 10% of losing the MRR criterion) and near
//! misses (`~`: within 10% or 2 months of the next tier); HVC accounts marked `*`. Enter shows
//! the account's full explanation; `d` what each list means.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;
use serde_json::Value;

use crate::ui::panes::{pane_block, section_title, waiting};
use std::cell::OnceCell;

use crate::analysis::tiers::{Decision, describe_gap};
use crate::domain::Period;
use crate::domain::tiers::{TierRule, TierStatus};
use crate::ui::app::App;
use crate::ui::load::Request;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::tiers::{TierAccount, TierMonth, Watch};
use crate::ui::widgets::overlay::Overlay;
use crate::ui::widgets::table::{Column, Row, Table};

/// What the lists and statuses mean.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "eligible",
        "the highest tier whose every criterion holds at the end of the month",
    ),
    (
        "MRR",
        "averaged over the tier's window of months (a month without subscription counts 0)",
    ),
    ("tenure", "whole months since the first subscription started"),
    (
        "HVC",
        "top hvc_top_mrr_pct % (default 20) of the accounts active at the month's start, by MRR then",
    ),
    (
        "held",
        "a higher eligible tier applies at once; otherwise grace, then one tier down a month",
    ),
    ("^ upgrade", "moved up a tier this month"),
    (
        "v at risk",
        "in grace, or the MRR within 10% above the held tier's minimum",
    ),
    (
        "~ near miss",
        "within 10% of the next tier's MRR or 2 months of its tenure, failing nothing else",
    ),
    ("* HVC", "a high-value customer"),
    (
        "members",
        "accounts holding the tier; change: against the month before",
    ),
];

pub fn footer_keys(app: &App) -> &'static [(&'static str, &'static str)] {
    if app.definitions {
        &[("d Esc", "close definitions"), ("[ ]", "month"), ("q", "quit")]
    } else if app.detail {
        &[
            ("Esc", "back"),
            ("j/k", "account"),
            ("[ ]", "month"),
            ("q", "quit"),
        ]
    } else {
        &[
            ("?", "help"),
            ("q", "quit"),
            ("j/k", "account"),
            ("Enter", "explain"),
            ("d", "definitions"),
            ("[ ]", "month"),
            ("Tab", "pane"),
            ("z", "zoom"),
        ]
    }
}

fn criteria_text(t: &TierRule) -> String {
    let mut parts = vec![
        format!("MRR >= {} ({} mo avg)", text::number(t.min_mrr), t.window_months),
        format!("tenure >= {} mo", t.min_tenure_months),
    ];
    if t.req_no_overdue {
        parts.push("no overdue".into());
    }
    if t.req_no_open_severe {
        parts.push("no severe ticket".into());
    }
    if t.req_not_detractor {
        parts.push("no detractor".into());
    }
    if t.req_hvc {
        parts.push("HVC".into());
    }
    parts.push(format!("grace {} mo", t.grace_months));
    parts.join(", ")
}

struct LadderRow<'a>(&'a TierRule, Option<(i64, i64)>);

impl Row for LadderRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let t = self.0;
        match column {
            0 => (t.rank.to_string(), theme.dim()),
            1 => (t.name.clone(), theme.heading()),
            2 => (
                self.1.map_or("n/a".into(), |(m, _)| m.to_string()),
                theme.heading(),
            ),
            3 => (
                self.1.map_or(String::new(), |(_, c)| match c {
                    0 => "=0".into(),
                    c => format!("{c:+}"),
                }),
                theme.text(),
            ),
            4 => (criteria_text(t), theme.dim()),
            _ => (t.benefits.clone(), theme.text()),
        }
    }
}

/// A row of the watch list; the account is explained when a cell of it is drawn (only the rows
/// on screen are), once.
struct WatchRow<'a>(Watch, &'a TierAccount, &'a [TierRule], OnceCell<Decision>);

impl WatchRow<'_> {
    fn decision(&self) -> &Decision {
        self.3.get_or_init(|| self.1.decision(self.2))
    }
}

fn tier_name(ladder: &[TierRule], id: Option<&str>) -> String {
    match id {
        Some(id) => ladder
            .iter()
            .find(|t| t.id == id)
            .map_or(id.to_string(), |t| t.name.clone()),
        None => "-".into(),
    }
}

/// Why the account is listed, in words: the gap, or when grace ends.
fn watch_note(why: Watch, d: &Decision, ladder: &[TierRule]) -> String {
    match why {
        Watch::Upgrade => format!("up to {} this month", tier_name(ladder, d.row.held.as_deref())),
        Watch::DowngradeRisk => match (&d.row.status, &d.row.grace_until) {
            (TierStatus::Grace, Some(until)) => format!("in grace until {until}"),
            _ => "MRR within 10% of the minimum".into(),
        },
        Watch::NearMiss => d.gap.as_ref().map(describe_gap).unwrap_or_default(),
    }
}

impl Row for WatchRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let WatchRow(why, a, ladder, _) = self;
        let d = self.decision();
        match column {
            0 => (why.label().into(), theme.heading()),
            1 => (d.account_id.clone(), theme.text()),
            2 => (
                if a.hvc { "* HVC".into() } else { String::new() },
                theme.heading(),
            ),
            3 => (tier_name(ladder, d.row.held.as_deref()), theme.text()),
            4 => (tier_name(ladder, d.row.eligible.as_deref()), theme.dim()),
            5 => (d.row.status.as_str().into(), theme.text()),
            _ => (watch_note(*why, d, ladder), theme.dim()),
        }
    }
}

/// The tiers pane as a widget: the ladder and the accounts to watch held by `app`, drawn in
/// `theme`.
pub struct TiersPane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for TiersPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let TiersPane { app, theme } = self;
        let title = format!("Loyalty tiers at the end of {}", app.period);
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if waiting(
            app.waiting_for(|r| matches!(r, Request::TierLadder)),
            inner,
            buf,
            theme,
        ) {
            return;
        }
        let ladder = &app.tiers.ladder;
        let w = usize::from(inner.width);
        if ladder.is_empty() {
            buf.set_stringn(
                inner.x,
                inner.y,
                text::fit("no loyalty tiers in the store: `cxcockpit import tiers FILE`", w),
                w,
                theme.dim(),
            );
            return;
        }
        let month = app.tiers.month(app.period);
        let rows: Vec<LadderRow> = ladder
            .iter()
            .enumerate()
            .map(|(i, t)| LadderRow(t, month.and_then(|m| m.members.get(i).copied())))
            .collect();
        let columns = [
            Column::new("rank", 4).right().priority(3),
            Column::new("Tier", 10),
            Column::new("members", 7).right(),
            Column::new("change", 6).right(),
            Column::new("criteria", 46).priority(2),
            Column::new("benefits", 16).flex().priority(1),
        ];
        let table = Table {
            columns: &columns,
            rows: &rows,
            selected: None,
            theme,
            empty: "no tiers",
        };
        let ladder_h = table.height_wanted(false).min(inner.height / 2);
        // The ladder, a blank line, the watch list's title and the watch list.
        let [ladder_area, _, below] = Layout::vertical([Length(ladder_h), Length(1), Fill(1)]).areas(inner);
        let [title_area, watch_area] = Layout::vertical([Length(1), Fill(1)]).areas(below);
        table.render(ladder_area, buf, false);
        let Some(month) = month else {
            let line = app.waiting_for(|r| matches!(r, Request::TierMonth { .. }));
            waiting(line, below, buf, theme);
            return;
        };
        if title_area.height > 0 {
            let hvc = month.hvc;
            let line = format!(
                "Watch: {} upgrades (^), {} downgrade risks (v), {} near misses (~); HVC marked *, {hvc} HVC accounts",
                month.count(Watch::Upgrade),
                month.count(Watch::DowngradeRisk),
                month.count(Watch::NearMiss)
            );
            section_title(&line, title_area, buf, theme);
        }
        // A header and at least one row, or nothing.
        if watch_area.height >= 2 {
            watch_table(app, month, watch_area, buf, theme);
        }
        if app.definitions {
            let lines: Vec<(String, Style)> = DEFINITIONS
                .iter()
                .map(|(k, v)| (format!("{k:<13}{v}"), theme.text()))
                .collect();
            Overlay {
                title: "Definitions (d or Esc closes)",
                lines: &lines,
                theme,
            }
            .render(area, buf);
        } else if app.detail
            && let Some(account) = app.selected_tier_account()
        {
            let lines = explanation(ladder, account, app.period, theme);
            Overlay {
                title: &format!("Account {} (Esc closes)", account.account_id),
                lines: &lines,
                theme,
            }
            .render(area, buf);
        }
    }
}

fn watch_table(app: &App, month: &TierMonth, area: Rect, buf: &mut Buffer, theme: Theme) {
    let ladder = &app.tiers.ladder[..];
    let rows: Vec<WatchRow> = month
        .watch
        .iter()
        .filter_map(|(why, i)| {
            month
                .accounts
                .get(*i)
                .map(|a| WatchRow(*why, a, ladder, OnceCell::new()))
        })
        .collect();
    let columns = [
        Column::new("why", 11),
        Column::new("Account", 10),
        Column::new("HVC", 5),
        Column::new("held", 9),
        Column::new("eligible", 9).priority(2),
        Column::new("status", 9).priority(3),
        Column::new("to the next tier / grace", 20).flex().priority(1),
    ];
    Table {
        columns: &columns,
        rows: &rows,
        selected: Some(app.cursor()),
        theme,
        empty: "no upgrade, risk or near miss this month",
    }
    .render(area, buf, false);
}

/// The account's full explanation: its tiers and status, each criterion of the held and next
/// tier (required, actual, pass or FAIL), the gap to the next tier, and when grace ends.
pub fn explanation(
    ladder: &[TierRule],
    a: &TierAccount,
    period: Period,
    theme: Theme,
) -> Vec<(String, Style)> {
    let d = &a.decision(ladder);
    let mut lines = vec![
        (
            format!(
                "{}{}   held: {}   eligible: {}   status: {}",
                d.account_id,
                if a.hvc { " (* HVC)" } else { "" },
                tier_name(ladder, d.row.held.as_deref()),
                tier_name(ladder, d.row.eligible.as_deref()),
                d.row.status.as_str()
            ),
            theme.heading(),
        ),
        (
            format!(
                "{:<10}{:<20}{:<32}{:<20}{}",
                "tier", "criterion", "required", "actual", "result"
            ),
            theme.heading(),
        ),
    ];
    for c in &d.criteria {
        lines.push((
            format!(
                "{:<10}{:<20}{:<32}{:<20}{}",
                c.tier,
                c.criterion,
                c.required,
                c.actual,
                if c.pass { "+ pass" } else { "x FAIL" }
            ),
            if c.pass { theme.text() } else { theme.alert() },
        ));
    }
    if d.criteria.is_empty() {
        lines.push((
            "no tier held and none next (churned or no subscription)".into(),
            theme.dim(),
        ));
    }
    match &d.gap {
        Some(g) => lines.push((format!("To the next tier: {}", describe_gap(g)), theme.text())),
        None => lines.push(("To the next tier: none above".into(), theme.dim())),
    }
    if d.row.status == TierStatus::Grace
        && let Some(until) = &d.row.grace_until
    {
        let drop = until
            .parse::<Period>()
            .map(|p| p.next().to_string())
            .unwrap_or_else(|_| "the month after".into());
        lines.push((
            format!(
                "In grace: keeps {} through {until}; drops one tier at the end of {drop} unless it qualifies again",
                tier_name(ladder, d.row.held.as_deref())
            ),
            theme.alert(),
        ));
    }
    let flags: Vec<&str> = [(d.near_miss, "near miss"), (d.downgrade_risk, "downgrade risk")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect();
    if !flags.is_empty() {
        lines.push((
            format!("Flags: {} (at the end of {period})", flags.join(", ")),
            theme.text(),
        ));
    }
    lines
}

/// The pane's data for `snapshot --format json`: the ladder with members and change, and the
/// accounts to watch with their explained decisions.
pub fn pane_json(app: &App) -> Value {
    let mut watch = Vec::new();
    // Collecting cannot fail.
    let _ = watch_json_each(app, &mut |row| {
        watch.push(row);
        Ok(())
    });
    let mut out = pane_json_head(app);
    out["watch"] = Value::Array(watch);
    out
}

/// `pane_json` without its watch list: the pane, the month and the members per tier.
pub fn pane_json_head(app: &App) -> Value {
    use serde_json::json;
    let ladder = &app.tiers.ladder;
    let month = app.tiers.month(app.period);
    let summary: Vec<Value> = ladder
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (members, change) = month.and_then(|m| m.members.get(i).copied()).unzip();
            json!({"tier": t.id, "name": t.name, "rank": t.rank, "benefits": t.benefits,
                   "members": members, "change": change})
        })
        .collect();
    json!({
        "pane": "tiers",
        "period": app.period.to_string(),
        "summary": summary,
    })
}

/// The watch list of `pane_json`, handed to `f` one account at a time: it grows with the
/// accounts (14,075 at 100,000), so that an export need not hold it whole.
pub fn watch_json_each(
    app: &App,
    f: &mut dyn FnMut(Value) -> crate::error::Result<()>,
) -> crate::error::Result<()> {
    use serde_json::json;
    let ladder = &app.tiers.ladder;
    let Some(m) = app.tiers.month(app.period) else {
        return Ok(());
    };
    for (why, a) in m
        .watch
        .iter()
        .filter_map(|(why, i)| m.accounts.get(*i).map(|a| (why, a)))
    {
        let d = &a.decision(ladder);
        let why = match why {
            Watch::Upgrade => "upgrade",
            Watch::DowngradeRisk => "downgrade_risk",
            Watch::NearMiss => "near_miss",
        };
        let mut fields = serde_json::Map::new();
        fields.insert("why".into(), json!(why));
        fields.insert("account_id".into(), json!(d.account_id));
        fields.insert("hvc".into(), json!(a.hvc));
        d.extend_json(&mut fields);
        f(Value::Object(fields))?;
    }
    Ok(())
}
