//! The follow-through actions in the cockpit: the actions pane's list (read from the store a
//! page at a time, by owner and status), its keys (Enter opens what the selected action is
//! about; `D` done, `X` drop, `n` note, `a` assign; `t` status, `o` owner, `f` filters), and
//! `A` on any pane, which adds an action about what is selected there. Each key that writes
//! opens a prompt line; Enter queues the write and `write_pending` (from `dispatch`) makes it
//! in one transaction with the login name, then the shared data's version moves on so every
//! pane showing actions reads them again. Drawing is `actions::view`.

use chrono::{Days, NaiveDate};

use crate::store::Store;
use crate::store::actions::{self, ActionLine, ActionPage, ActionStatus, ListQuery, NewAction};
use crate::ui::app::{App, Pane};
use crate::ui::load::Request;
use crate::ui::text;
use crate::ui::triage;

/// Lines of the list read at most: far more than a screen, and bounded however many actions
/// alerts have opened (the title still counts them all).
pub const PAGE_LINES: usize = 2000;

/// Characters a prompt takes at most (a title, a note).
pub(super) const MAX_INPUT: usize = 500;

/// Whose actions the pane lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum OwnerFilter {
    /// Everyone's, the login name's first.
    #[default]
    All,
    /// The login name's.
    Mine,
    /// One named owner's.
    Named(String),
}

impl OwnerFilter {
    /// `o`: every owner, then mine, then every owner again (a named owner goes back to all).
    pub fn next(&self) -> OwnerFilter {
        match self {
            OwnerFilter::All => OwnerFilter::Mine,
            _ => OwnerFilter::All,
        }
    }

    pub fn label(&self) -> String {
        match self {
            OwnerFilter::All => "all (yours first)".into(),
            OwnerFilter::Mine => format!("mine ({})", text::clean(&triage::me())),
            OwnerFilter::Named(name) => text::clean(name),
        }
    }

    pub(super) fn word(&self) -> String {
        match self {
            OwnerFilter::All => "all".into(),
            OwnerFilter::Mine => "me".into(),
            OwnerFilter::Named(name) => name.clone(),
        }
    }
}

/// `t`: open, done, dropped, every status, and round again.
pub fn next_status(status: Option<ActionStatus>) -> Option<ActionStatus> {
    match status {
        Some(ActionStatus::Open) => Some(ActionStatus::Done),
        Some(ActionStatus::Done) => Some(ActionStatus::Dropped),
        Some(ActionStatus::Dropped) => None,
        None => Some(ActionStatus::Open),
    }
}

pub fn status_label(status: Option<ActionStatus>) -> &'static str {
    status.map_or("all", ActionStatus::as_str)
}

/// Reads the filters as typed in the `f` prompt: `owner:ana status:done` (`owner:me`,
/// `owner:all`, `status:all`); a word left out keeps its filter as it was.
pub fn parse_filters(
    input: &str,
    owner: &OwnerFilter,
    status: Option<ActionStatus>,
) -> Result<(OwnerFilter, Option<ActionStatus>), String> {
    let (mut owner, mut status) = (owner.clone(), status);
    for word in input.split_whitespace() {
        let (key, value) = word
            .split_once(':')
            .or_else(|| word.split_once('='))
            .ok_or_else(|| format!("'{word}': expected owner:NAME or status:open|done|dropped|all"))?;
        let value = value.trim();
        match key.to_lowercase().as_str() {
            "owner" => {
                owner = match value.to_lowercase().as_str() {
                    "" | "all" | "*" => OwnerFilter::All,
                    "me" | "mine" => OwnerFilter::Mine,
                    // Owners are login names: kept as typed.
                    _ => OwnerFilter::Named(value.to_string()),
                }
            }
            "status" => {
                status =
                    match value.to_lowercase().as_str() {
                        "all" | "" => None,
                        other => Some(ActionStatus::parse(other).ok_or_else(|| {
                            format!("status '{other}': expected open, done, dropped or all")
                        })?),
                    }
            }
            other => return Err(format!("'{other}': expected owner: or status:")),
        }
    }
    Ok((owner, status))
}

/// What an action added with `A` says: `title words @owner due:YYYY-MM-DD` (or `due:+N` days
/// from `today`), in any order; the owner is `me` unless named.
pub fn parse_new(
    input: &str,
    me: &str,
    today: NaiveDate,
) -> Result<(String, String, Option<NaiveDate>), String> {
    let mut title = Vec::new();
    let mut owner = None;
    let mut due = None;
    for word in input.split_whitespace() {
        if let Some(name) = word.strip_prefix('@').filter(|n| !n.is_empty()) {
            owner = Some(name.to_string());
        } else if let Some(day) = word.strip_prefix("due:") {
            let date = match day.strip_prefix('+') {
                Some(n) => n
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| today.checked_add_days(Days::new(n))),
                None => NaiveDate::parse_from_str(day, "%Y-%m-%d").ok(),
            };
            due = Some(date.ok_or_else(|| format!("'{word}': expected due:YYYY-MM-DD or due:+DAYS"))?);
        } else {
            title.push(word);
        }
    }
    if title.is_empty() {
        return Err("no title: type what is to be done (then @owner due:YYYY-MM-DD if you like)".into());
    }
    Ok((title.join(" "), owner.unwrap_or_else(|| me.to_string()), due))
}

/// What the prompt line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    /// A new action about `context` (described by `about`).
    Add {
        /// Boxed: the other kinds are an id.
        context: Box<NewAction>,
        about: String,
    },
    Done(i64),
    Drop(i64),
    Note(i64),
    Assign(i64),
    Filter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
}

impl Prompt {
    /// The words before the text typed.
    pub fn label(&self) -> String {
        match &self.kind {
            // The syntax first: a narrow footer cuts the end of the label.
            PromptKind::Add { about, .. } => {
                format!("new action (title @owner due:YYYY-MM-DD) on {about}")
            }
            PromptKind::Done(id) => format!("action {id} done, note (optional)"),
            PromptKind::Drop(id) => format!("drop action {id}, why"),
            PromptKind::Note(id) => format!("note on action {id}"),
            PromptKind::Assign(id) => format!("assign action {id} to"),
            PromptKind::Filter => "filter (owner:me|all|NAME status:open|done|dropped|all)".into(),
        }
    }
}

/// A write a prompt asked for, made by `write_pending` (which holds the store mutably).
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Add(NewAction),
    Done(i64, String),
    Drop(i64, String),
    Note(i64, String),
    Assign(i64, String),
}

/// Where Enter on an action of another journey goes once that journey's phases are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goto {
    pub journey: String,
    pub phase_key: String,
    pub metric: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ActionsState {
    pub owner: OwnerFilter,
    /// None: every status.
    pub status: Option<ActionStatus>,
    /// The page held, and what it is of (the query and `App::version` it was read at).
    pub page: ActionPage,
    pub page_of: Option<(ListQuery, u64)>,
    pub prompt: Option<Prompt>,
    pub pending: Option<Write>,
    /// Why the prompt's text was not taken (shown on the prompt line).
    pub message: Option<String>,
    pub goto: Option<Goto>,
}

impl Default for ActionsState {
    fn default() -> ActionsState {
        ActionsState {
            owner: OwnerFilter::All,
            // What is still to be done, unless asked otherwise.
            status: Some(ActionStatus::Open),
            page: ActionPage::default(),
            page_of: None,
            prompt: None,
            pending: None,
            message: None,
            goto: None,
        }
    }
}

/// The store's query for the filters shown.
pub fn query(app: &App) -> ListQuery {
    ListQuery {
        owner: match &app.actions.owner {
            OwnerFilter::All => None,
            OwnerFilter::Mine => Some(triage::me()),
            OwnerFilter::Named(name) => Some(name.clone()),
        },
        status: app.actions.status,
    }
}

/// The page held is of the filters shown (it may be older than the shared data: it is shown
/// while the newer one is read, so a write does not blank the list).
pub fn loaded(app: &App) -> bool {
    app.actions
        .page_of
        .as_ref()
        .is_some_and(|(q, _)| *q == query(app))
}

/// The lines shown (none until the page of the filters shown arrives).
pub fn lines(app: &App) -> &[ActionLine] {
    if loaded(app) { &app.actions.page.lines } else { &[] }
}

pub fn rows(app: &App) -> usize {
    lines(app).len()
}

/// The action selected in the actions pane.
pub fn selected(app: &App) -> Option<&ActionLine> {
    if app.pane != Pane::Actions {
        return None;
    }
    lines(app).get(app.cursor())
}

/// The actions pane needs its page when it shows and the one held is of other filters or
/// older than the shared data.
pub fn needs(app: &App, out: &mut Vec<Request>) {
    if app.pane != Pane::Actions {
        return;
    }
    let query = query(app);
    let held = app
        .actions
        .page_of
        .as_ref()
        .is_some_and(|(q, v)| *q == query && *v == app.version);
    if !held {
        out.push(Request::Actions {
            query,
            version: app.version,
        });
    }
}

/// Puts a page in place if it is of the filters shown.
pub fn receive(app: &mut App, query: ListQuery, version: u64, page: ActionPage) {
    if query != self::query(app) {
        return;
    }
    app.actions.page = page;
    app.actions.page_of = Some((query, version));
}

/// Reads a page of the list (the loader's side of `Request::Actions`).
pub fn load(store: &Store, query: &ListQuery) -> crate::error::Result<ActionPage> {
    store.action_page(query, &triage::me(), actions::today()?, PAGE_LINES)
}

/// What an action is about, in a few words: `A001 Acme; cloud-security:deployment 2026-05;
/// metric X` (`-` when nothing).
pub fn about(line: &ActionLine) -> String {
    let mut parts = Vec::new();
    if let Some(id) = &line.account_id {
        parts.push(match &line.account_name {
            Some(name) => format!("{id} {name}"),
            None => id.clone(),
        });
    }
    if let (Some(journey), Some(phase)) = (&line.journey_id, &line.phase_key) {
        let mut p = format!("{journey}:{phase}");
        if let Some(period) = &line.period {
            p.push_str(&format!(" {period}"));
        }
        parts.push(p);
    } else if let Some(period) = &line.period {
        parts.push(period.clone());
    }
    if let Some(metric) = &line.metric_id {
        parts.push(metric.clone());
    }
    if parts.is_empty() {
        "-".into()
    } else {
        text::clean(&parts.join("; "))
    }
}

/// What `A` adds an action about on the screen shown, and how the prompt names it: the review's
/// phase and month; the open account; the selected account (triage, churn, tiers); the phase,
/// month and selected metric (a phase pane); the selected phase and month (overview); what the
/// selected action is about (actions pane).
pub fn context(app: &App) -> (NewAction, String) {
    let period = app.period.to_string();
    let mut new = NewAction::default();
    let account = |new: &mut NewAction, id: &str, name: Option<&str>| {
        new.account_id = Some(id.to_string());
        match name {
            Some(name) => format!("{id} {name}"),
            None => id.to_string(),
        }
    };
    let phase_of = |new: &mut NewAction, journey: &str, key: &str, name: &str, period: &str| {
        new.journey_id = Some(journey.to_string());
        new.phase_key = Some(key.to_string());
        new.period = Some(period.to_string());
        format!("{name} {period}")
    };
    let about = if let Some(review) = &app.review {
        match review.phase() {
            Some((phase, _)) => {
                let period = review.period.to_string();
                phase_of(&mut new, &review.journey_id, &phase.key, &phase.name, &period)
            }
            None => String::new(),
        }
    } else if let Some(view) = &app.account {
        account(&mut new, &view.profile.account_id, Some(&view.profile.name))
    } else if let Some(id) = app.triage.account_request.clone() {
        account(&mut new, &id, None)
    } else {
        match app.pane {
            Pane::Triage => triage::selected(app)
                .map(|r| account(&mut new, &r.account_id, Some(&r.name)))
                .unwrap_or_default(),
            Pane::Churn => app
                .selected_churned()
                .map(|a| account(&mut new, &a.account_id, Some(&a.name)))
                .unwrap_or_default(),
            Pane::Tiers => app
                .selected_tier_account()
                .map(|a| account(&mut new, &a.account_id, None))
                .unwrap_or_default(),
            Pane::Phase(_) => match app.phase() {
                Some(phase) => {
                    let journey = app.data.journey.clone();
                    let mut about = phase_of(&mut new, &journey, &phase.key, &phase.name, &period);
                    if let Some(metric) = app.selected_metric().filter(|_| app.insight.view.is_none()) {
                        new.metric_id = Some(metric.id.clone());
                        about.push_str(&format!(", {}", metric.name));
                    }
                    about
                }
                None => String::new(),
            },
            Pane::Overview => match app.data.phases.get(app.cursor()) {
                Some(phase) => {
                    let journey = app.data.journey.clone();
                    phase_of(&mut new, &journey, &phase.key, &phase.name, &period)
                }
                None => String::new(),
            },
            Pane::Actions => match selected(app) {
                Some(line) => {
                    new.account_id = line.account_id.clone();
                    new.journey_id = line.journey_id.clone();
                    new.phase_key = line.phase_key.clone();
                    new.period = line.period.clone();
                    new.metric_id = line.metric_id.clone();
                    let about = about(line);
                    if about == "-" { String::new() } else { about }
                }
                None => String::new(),
            },
        }
    };
    let about = if about.is_empty() {
        "nothing selected".to_string()
    } else {
        text::clean(&about)
    };
    (new, about)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_new_action_reads_title_owner_and_due_in_any_order() {
        let today = day("2026-11-30");
        assert_eq!(
            parse_new("Call back @kim about the outage due:2026-12-04", "ana", today),
            Ok((
                "Call back about the outage".into(),
                "kim".into(),
                Some(day("2026-12-04"))
            ))
        );
        assert_eq!(
            parse_new("  Check the invoice  ", "ana", today),
            Ok(("Check the invoice".into(), "ana".into(), None))
        );
        assert_eq!(
            parse_new("due:+3 Send the report", "ana", today),
            Ok(("Send the report".into(), "ana".into(), Some(day("2026-12-03"))))
        );
        // A lone @ is a word of the title, not an owner.
        assert_eq!(
            parse_new("Meet @ noon", "ana", today),
            Ok(("Meet @ noon".into(), "ana".into(), None))
        );
        assert!(
            parse_new("@kim due:2026-12-01", "ana", today).is_err(),
            "no title"
        );
        assert!(parse_new("Call due:tomorrow", "ana", today).is_err());
        assert!(parse_new("Call due:2026-13-01", "ana", today).is_err());
    }

    #[test]
    fn filters_read_owner_and_status_and_keep_what_is_not_said() {
        let open = Some(ActionStatus::Open);
        assert_eq!(
            parse_filters("owner:kim status:done", &OwnerFilter::All, open),
            Ok((OwnerFilter::Named("kim".into()), Some(ActionStatus::Done)))
        );
        assert_eq!(
            parse_filters("owner:me", &OwnerFilter::All, open),
            Ok((OwnerFilter::Mine, open))
        );
        assert_eq!(
            parse_filters("status:all", &OwnerFilter::Mine, open),
            Ok((OwnerFilter::Mine, None))
        );
        assert_eq!(
            parse_filters("owner:all status:DROPPED", &OwnerFilter::Mine, open),
            Ok((OwnerFilter::All, Some(ActionStatus::Dropped)))
        );
        assert!(parse_filters("status:later", &OwnerFilter::All, open).is_err());
        assert!(parse_filters("kim", &OwnerFilter::All, open).is_err());
        assert!(parse_filters("due:2026-01-01", &OwnerFilter::All, open).is_err());
    }

    #[test]
    fn the_status_and_owner_keys_go_round() {
        let mut status = Some(ActionStatus::Open);
        let mut seen = Vec::new();
        for _ in 0..4 {
            status = next_status(status);
            seen.push(status_label(status));
        }
        assert_eq!(seen, ["done", "dropped", "all", "open"]);
        assert_eq!(OwnerFilter::All.next(), OwnerFilter::Mine);
        assert_eq!(OwnerFilter::Mine.next(), OwnerFilter::All);
        assert_eq!(OwnerFilter::Named("kim".into()).next(), OwnerFilter::All);
    }
}
