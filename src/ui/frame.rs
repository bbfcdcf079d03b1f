//! The whole screen: a header (store, journey, period, segment), the tabs of the panes, the
//! pane itself, and a footer with the keys that work here; the help overlay on top. In a small
//! window the pane fills the screen; only below `MIN_WIDTH` x `MIN_HEIGHT` does one line of
//! text replace the layout. Drawing reads `&App` only and never fails, whatever the size.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::app::{App, Pane};
use super::load::Request;
use super::panes;
use super::text;
use super::theme::Theme;
use super::widgets::help;
use super::{account, actions, churn, insight, review, tiers, triage};

/// Below this size a one-line message replaces the layout.
pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 3;
/// Below this height the pane fills the screen, as with the zoom key.
const CHROME_HEIGHT: u16 = 10;

/// The whole screen as a widget: what `app` holds, drawn in `theme`.
pub struct Screen<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Screen { app, theme } = self;
        let area = area.intersection(buf.area);
        if area.width == 0 || area.height == 0 {
            return;
        }
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let message = format!("window too small: {MIN_WIDTH}x{MIN_HEIGHT} at least");
            buf.set_stringn(
                area.x,
                area.y,
                text::fit(&message, usize::from(area.width)),
                usize::from(area.width),
                theme.alert(),
            );
            return;
        }
        let body = if !app.zoom && area.height >= CHROME_HEIGHT {
            let [header_area, tabs_area, body, footer_area] =
                Layout::vertical([Length(1), Length(1), Fill(1), Length(1)]).areas(area);
            header(app, header_area, buf, theme);
            tabs(app, tabs_area, buf, theme);
            footer(app, footer_area, buf, theme);
            body
        } else if footer_needed(app) {
            // Zoomed or small: the footer stays while it is asking or telling something.
            let [body, footer_area] = Layout::vertical([Fill(1), Length(1)]).areas(area);
            footer(app, footer_area, buf, theme);
            body
        } else {
            area
        };
        pane(app, body, buf, theme);
        if app.help {
            help::Help {
                keymap: &app.keys,
                theme,
            }
            .render(area, buf);
        }
    }
}

/// Whether the footer is asking for input or showing a notice.
fn footer_needed(app: &App) -> bool {
    app.filtering
        || app.triage.prompt.is_some()
        || app.actions.prompt.is_some()
        || app.command.input.is_some()
        || app.notice.is_some()
}

/// The pane (or the view open over it) in `body`.
fn pane(app: &App, body: Rect, buf: &mut Buffer, theme: Theme) {
    let journey_data = |r: &Request| matches!(r, Request::Journey { .. } | Request::Series { .. });
    match (app.pane, app.phase()) {
        _ if app.review.is_some() => review::view::ReviewPane { app, theme }.render(body, buf),
        _ if app.account.is_some() => {
            if let Some(view) = &app.account {
                account::view::AccountPane { view, theme }.render(body, buf);
            }
        }
        _ if triage::account_open(app) => {
            let id = app.triage.account_request.as_deref().unwrap_or_default();
            let inner = panes::pane_block(&format!("Account {id}"), body, buf, theme);
            panes::waiting(
                app.waiting_for(|r| matches!(r, Request::Account { .. })),
                inner,
                buf,
                theme,
            );
        }
        (Pane::Overview | Pane::Phase(_), _) if app.waiting_for(journey_data).is_some() => {
            let inner = panes::pane_block("Overview", body, buf, theme);
            panes::waiting(app.waiting_for(journey_data), inner, buf, theme);
        }
        (Pane::Phase(_), Some(phase)) if app.insight.view.is_some() => {
            if let Some(view) = app.insight.view {
                insight::view::InsightPane {
                    app,
                    phase,
                    view,
                    theme,
                }
                .render(body, buf);
            }
        }
        (Pane::Phase(_), Some(phase)) => match app.selected_metric().filter(|_| app.detail) {
            Some(metric) => panes::detail::DetailPane { app, metric, theme }.render(body, buf),
            None => panes::phase::PhasePane { app, phase, theme }.render(body, buf),
        },
        (Pane::Churn, _) => churn::view::ChurnPane { app, theme }.render(body, buf),
        (Pane::Tiers, _) => tiers::view::TiersPane { app, theme }.render(body, buf),
        (Pane::Triage, _) => triage::view::TriagePane { app, theme }.render(body, buf),
        (Pane::Actions, _) => actions::view::ActionsPane { app, theme }.render(body, buf),
        _ => panes::overview::OverviewPane { app, theme }.render(body, buf),
    }
    if app.definitions && matches!(app.pane, Pane::Overview | Pane::Phase(_)) {
        panes::metric_definitions::MetricDefinitions { app, theme }.render(body, buf);
    }
}

/// Store, journey, period and segment; labels go first when the width runs short.
fn header(app: &App, area: Rect, buf: &mut Buffer, theme: Theme) {
    let store = text::clean(&app.store_label);
    let journey = app
        .journey()
        .map_or("no journey".into(), |j| text::clean(&j.name));
    let period = app.period.to_string();
    let segment = text::segment_label(app.segment_id());
    let w = usize::from(area.width);
    let labelled = format!("store {store}  journey {journey}  period {period}  segment {segment}");
    let line = if text::width(&labelled) + 12 <= w {
        format!(" cxcockpit  {labelled}")
    } else if text::width(&labelled) < w {
        format!(" {labelled}")
    } else {
        // The month first, then the segment, the journey and the store, as far as they go.
        format!(" {period} | segment {segment} | {journey} | {store}")
    };
    if app.catalogue.refresh_pending {
        // Said before anything else, in words (no colour needed): the figures are behind.
        let line = format!(" ! REFRESH PENDING (cxcockpit rollup)  {}", line.trim_start());
        buf.set_stringn(area.x, area.y, text::fit(&line, w), w, theme.alert());
    } else {
        buf.set_stringn(area.x, area.y, text::fit(&line, w), w, theme.title());
    }
}

/// The tabs with the x where each starts, fitted to `width`: names are cut (the active one
/// last) until they fit.
pub fn tab_layout(app: &App, width: u16) -> Vec<(Pane, u16, String)> {
    let mut labels: Vec<(Pane, String)> = vec![(Pane::Overview, "Overview".into())];
    labels.extend(
        app.data
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| (Pane::Phase(i), text::clean(&p.name))),
    );
    labels.push((Pane::Churn, "Churn".into()));
    labels.push((Pane::Tiers, "Tiers".into()));
    labels.push((Pane::Triage, "Triage".into()));
    labels.push((Pane::Actions, "Actions".into()));
    // How many characters tell each name apart from the others (Commitment and Consideration
    // need four): a cut name keeps at least those, so that tabs stay distinguishable.
    let distinct: Vec<usize> = labels
        .iter()
        .map(|(_, name)| distinct_prefix(name, labels.iter().map(|(_, n)| n.as_str())))
        .collect();
    // Names are cut to `max` columns (usize::MAX: whole); below 3 only the number is left.
    // `plain`: the others, cut to their shortest, drop the cut's marker (`Con` for `Con~`),
    // which keeps the letters that tell them apart and the active name whole a while longer.
    let build = |others: usize, active: usize, plain: bool| -> Vec<(Pane, String)> {
        labels
            .iter()
            .enumerate()
            .map(|(i, (pane, name))| {
                let is_active = *pane == app.pane;
                let max = if is_active { active } else { others };
                let name = match max {
                    usize::MAX => name.clone(),
                    0..=2 => String::new(),
                    max if plain && !is_active && text::width(name) > max.max(distinct[i] + 1) => {
                        name.chars().take(distinct[i].max(2)).collect()
                    }
                    max => text::fit(name, max.max(distinct[i] + 1)),
                };
                let n = i + 1;
                (
                    *pane,
                    if name.is_empty() {
                        n.to_string()
                    } else {
                        format!("{n} {name}")
                    },
                )
            })
            .collect()
    };
    let shrink = |max: usize| match max {
        usize::MAX => 12,
        0..=3 => 0,
        max => max - 1,
    };
    let fits = |tabs: &[(Pane, String)]| {
        tabs.iter().map(|(_, l)| text::width(l) + 2).sum::<usize>() <= usize::from(width)
    };
    let (mut others, mut active, mut plain) = (usize::MAX, usize::MAX, false);
    let mut tabs = build(others, active, plain);
    // The others are cut to their shortest names first (then without the cut's marker), then
    // the active one, and only then do names give way to bare numbers: a name tells more than a
    // number.
    while !fits(&tabs) && (others > 0 || active > 0) {
        if others > 3 {
            others = shrink(others);
        } else if others > 0 && !plain {
            plain = true;
        } else if active > 3 {
            active = shrink(active);
        } else if others > 0 {
            others = 0;
        } else {
            active = shrink(active);
        }
        tabs = build(others, active, plain);
    }
    let mut x = 0u16;
    tabs.into_iter()
        .map(|(pane, label)| {
            let at = x;
            x = x.saturating_add(text::width(&label) as u16 + 2);
            (pane, at, label)
        })
        .collect()
}

/// The length of the shortest prefix of `name` that no other of `names` starts with (any case),
/// at most the name's length.
fn distinct_prefix<'a>(name: &str, names: impl Iterator<Item = &'a str> + Clone) -> usize {
    let lower = name.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    (1..=chars.len())
        .find(|&n| {
            let prefix: String = chars[..n].iter().collect();
            names
                .clone()
                .filter(|other| other.to_lowercase().starts_with(&prefix))
                .count()
                <= 1
        })
        .unwrap_or(chars.len())
}

fn tabs(app: &App, area: Rect, buf: &mut Buffer, theme: Theme) {
    for (pane, x, label) in tab_layout(app, area.width) {
        if x >= area.width {
            break;
        }
        let style = theme.tab(pane == app.pane);
        let room = usize::from(area.width - x);
        buf.set_stringn(area.x + x, area.y, format!(" {label} "), room, style);
    }
}

/// The pane under a click on the tabs line, if the frame is drawn at this size.
pub fn tab_at(app: &App, area: Rect, column: u16, row: u16) -> Option<Pane> {
    let chrome = !app.zoom && area.height >= CHROME_HEIGHT && area.width >= MIN_WIDTH;
    if !chrome || row != area.y + 1 {
        return None;
    }
    tab_layout(app, area.width)
        .into_iter()
        .find(|(_, x, label)| {
            let start = area.x + x;
            column >= start && column < start + text::width(label) as u16 + 2
        })
        .map(|(pane, _, _)| pane)
}

/// The prompt line open, if one is: a triage action's or a follow-through action's (`A` and the
/// actions pane's keys): what it asks, what is typed, and why the last Enter was refused.
fn prompt_line(app: &App) -> Option<(String, &str, Option<&str>)> {
    if let Some(prompt) = &app.triage.prompt {
        return Some((prompt.label(), &prompt.input, app.triage.message.as_deref()));
    }
    app.actions
        .prompt
        .as_ref()
        .map(|p| (p.label(), p.input.as_str(), app.actions.message.as_deref()))
}

/// Columns a prompt line keeps for what is typed, before its label.
const PROMPT_INPUT_ROOM: usize = 24;

/// Columns the footer keeps for the keys when it also says the store is read-only.
const FOOTER_KEYS_ROOM: usize = 30;

/// The keys that work here, most useful first, as many as fit; on a store that cannot be
/// written, why, at the right (before the keys are cut, up to half the line or all but
/// `FOOTER_KEYS_ROOM` columns, whichever is more).
fn footer(app: &App, area: Rect, buf: &mut Buffer, theme: Theme) {
    let mut spans: Vec<(String, Style)> = Vec::new();
    let mut end = area.x + area.width;
    if let Some(why) = app
        .triage
        .readonly
        .as_ref()
        // A message (which says why an action was refused) has the line to itself.
        .filter(|_| {
            !app.help
                && !app.filtering
                && app.triage.prompt.is_none()
                && app.actions.prompt.is_none()
                && app.triage.message.is_none()
                && app.command.input.is_none()
                && app.notice.is_none()
        })
    {
        let note = format!(
            "read-only: {} \u{2014} triage actions and sign-off unavailable",
            text::clean(why)
        );
        let width = usize::from(area.width);
        let room = width
            .saturating_sub(FOOTER_KEYS_ROOM)
            .max(width / 2)
            .saturating_sub(1);
        let shown = text::fit(&note, room);
        let w = text::width(&shown) as u16;
        if w > 0 {
            end = end.saturating_sub(w + 1);
            buf.set_string(end, area.y, &shown, theme.alert());
        }
    }
    if let Some(notice) = app.notice.as_ref().filter(|_| !app.help) {
        let room = usize::from(area.width).saturating_sub(2);
        spans.push((text::fit(&text::clean(notice), room), theme.alert()));
    }
    let keys: &[(&str, &str)] = if app.help {
        &[("any key", "close help")]
    } else if let Some(input) = &app.command.input {
        // The end of what is typed, fitted to the width.
        let room = usize::from(area.width).saturating_sub(4).max(1);
        let input = text::clean(input);
        let skip = input.chars().count().saturating_sub(room);
        let shown: String = input.chars().skip(skip).collect();
        spans.push((format!(":{shown}_"), theme.heading()));
        &[
            ("Enter", "run"),
            ("Tab", "complete"),
            ("Up/Down", "history"),
            ("Esc", "close"),
        ]
    } else if app.filtering {
        spans.push((format!("/{}_", app.filter), theme.heading()));
        &[("Enter", "keep"), ("Esc", "drop"), ("Up/Down", "move")]
    } else if let Some((label, input, message)) = prompt_line(app) {
        // The prompt line: what is asked, then the end of what is typed, fitted to the width.
        // A long label (an account's whole name) is cut so that what is typed stays in view.
        let keep = usize::from(area.width)
            .saturating_sub(PROMPT_INPUT_ROOM + 3)
            .max(8);
        let label = format!("{}: ", text::fit(&label, keep));
        let room = usize::from(area.width).saturating_sub(text::width(&label) + 3);
        let input: String = text::clean(input);
        let skip = input.chars().count().saturating_sub(room.max(1));
        let shown: String = input.chars().skip(skip).collect();
        let line = format!("{label}{shown}_");
        spans.push((
            text::fit(&line, usize::from(area.width).saturating_sub(2)),
            theme.heading(),
        ));
        if let Some(message) = message {
            spans.push((text::clean(message), theme.alert()));
        }
        &[("Enter", "ok"), ("Esc", "cancel")]
    } else if let Some(keys) = panes::keys_of(app) {
        if let Some(message) = app
            .triage
            .message
            .as_ref()
            .filter(|_| app.pane == Pane::Triage || app.account.is_some())
        {
            let room = usize::from(area.width).saturating_sub(2);
            spans.push((text::fit(&text::clean(message), room), theme.alert()));
        }
        keys
    } else if app.definitions && matches!(app.pane, Pane::Overview | Pane::Phase(_)) {
        &[("d Esc", "close definitions"), ("[ ]", "month"), ("q", "quit")]
    } else if app.detail {
        &[
            ("?", "help"),
            ("Esc", "back"),
            ("[ ]", "month"),
            ("j/k", "metric"),
            ("s", "segment"),
            ("q", "quit"),
        ]
    } else {
        if !app.filter.is_empty() {
            spans.push((format!("filter \"{}\" (Esc clears)", app.filter), theme.heading()));
        }
        match app.pane {
            Pane::Overview => &[
                ("?", "help"),
                ("q", "quit"),
                ("j/k", "phase"),
                ("Enter", "open"),
                ("Tab", "pane"),
                ("[ ]", "month"),
                ("s", "segment"),
                ("J", "journey"),
                ("/", "filter"),
                ("z", "zoom"),
                ("d", "definitions"),
            ],
            Pane::Churn | Pane::Tiers | Pane::Triage | Pane::Actions => &[],
            Pane::Phase(_) => &[
                ("?", "help"),
                ("q", "quit"),
                ("j/k", "metric"),
                ("Enter", "detail"),
                ("Tab", "pane"),
                ("[ ]", "month"),
                ("i", "power"),
                ("T", "touchpts"),
                ("c", "says"),
                ("s", "segment"),
                ("J", "journey"),
                ("/", "filter"),
                ("z", "zoom"),
                ("d", "definitions"),
            ],
        }
    };
    let mut x = area.x;
    for (text, style) in spans {
        let w = text::width(&text) as u16 + 2;
        if x + w > end {
            break;
        }
        buf.set_string(x + 1, area.y, &text, style);
        x += w;
    }
    for (key, what) in keys {
        let w = (text::width(key) + text::width(what) + 3) as u16;
        if x + w > end {
            break;
        }
        buf.set_string(x + 1, area.y, key, theme.key());
        buf.set_string(x + 2 + text::width(key) as u16, area.y, what, theme.dim());
        x += w;
    }
}
