//! The `:` command line: `:pane triage` (or `actions`), `:month 2026-03`, `:segment hvc`, `:journey X`,
//! `:account <name or id>`, `:q`, with Tab completion and a history (Up/Down). The same
//! lookups open the cockpit where `--pane`, `--period`, `--segment` and `--journey` ask
//! (`cli/cockpit.rs`), so a name means the same in both places.

use super::action::{CommandKey, Outcome};
use super::app::{App, Pane};
use super::text;
use crate::domain::Period;
use crate::domain::model::Phase;

/// Commands kept in the history (oldest dropped first).
const HISTORY: usize = 100;

/// The commands, for completion and for the message on an unknown one.
const COMMANDS: &[&str] = &["pane", "month", "segment", "journey", "account", "q"];

/// The command line's state: what is typed, the history and where Up/Down is in it, and the
/// candidates Tab cycles through.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    /// Being typed (None: closed).
    pub input: Option<String>,
    /// Commands run, oldest first.
    pub history: Vec<String>,
    /// Index into `history` while Up/Down browse it, and what was typed before.
    browsing: Option<(usize, String)>,
    /// The text before the word Tab completes, the candidates, and the one shown.
    completing: Option<(String, Vec<String>, usize)>,
    /// The accounts whose name or id starts with a prefix typed after `:account` (read by the
    /// loader: every account of the store, not only those the panes hold).
    pub names: Option<(String, Vec<(String, String)>)>,
}

/// Accounts read for one prefix of `:account`: enough to complete, never the whole store.
pub const NAMES_READ: usize = 50;

/// The accounts `:account` needs read: those starting with the word typed after it, when the
/// names held are of another prefix.
pub fn needs(app: &App, out: &mut Vec<super::load::Request>) {
    let Some(input) = app.command.input.as_deref() else {
        return;
    };
    let Some(("account" | "a", word)) = input.split_once(' ') else {
        return;
    };
    let prefix = word.trim_start().to_lowercase();
    let held = app.command.names.as_ref().is_some_and(|(p, _)| *p == prefix);
    if !prefix.is_empty() && !held {
        out.push(super::load::Request::AccountNames { prefix });
    }
}

/// Where a pane name leads: a pane, the review mode (over the pane shown), an account's view,
/// or a review view of a phase pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pane(Pane),
    Review,
    Account(String),
    Insight(super::insight::InsightView, usize),
}

/// Opens what a pane name leads to (`:pane`, and `--pane` once the phases are read).
pub fn open(app: &mut App, target: Target) -> Outcome {
    match target {
        Target::Pane(pane) => app.go(pane),
        Target::Review => super::review::open(app),
        Target::Account(id) => {
            app.review = None;
            app.detail = false;
            super::triage::open_account(app, &id);
            Outcome::Continue
        }
        Target::Insight(view, phase) => {
            app.review = None;
            super::triage::close_account(app);
            app.go(Pane::Phase(phase));
            app.insight.view = Some(view);
            Outcome::Continue
        }
    }
}

/// The names `--pane` and `:pane` take for a journey with these phases.
pub fn pane_names(phases: &[Phase]) -> Vec<String> {
    let mut names = vec!["overview".to_string()];
    names.extend(phases.iter().map(|p| format!("phase:{}", text::clean(&p.key))));
    names.extend(["churn", "tiers", "triage", "actions", "review", "account:ID"].map(String::from));
    names.extend(["indicators", "touchpoints", "says", "comments"].map(|v| format!("{v}:PHASE")));
    names
}

/// The pane a name stands for: `overview`, `phase:KEY` (or the phase's key or name alone),
/// `churn`, `tiers`, `triage`, `review`, `account:ID`, `indicators:PHASE` (and `touchpoints`,
/// `says`, `comments`), or a tab's number.
pub fn find_pane(name: &str, phases: &[Phase]) -> Result<Target, String> {
    let wanted = name.trim().to_lowercase();
    if let Some(id) = name.trim().strip_prefix("account:").map(str::trim)
        && !id.is_empty()
    {
        // Ids are case-sensitive: as given.
        return Ok(Target::Account(id.to_string()));
    }
    if let Some((view, phase)) = super::insight::parse_pane(&wanted) {
        let index = match phase {
            Some(p) => phases
                .iter()
                .position(|ph| ph.key.to_lowercase() == p || ph.name.to_lowercase() == p),
            None => (!phases.is_empty()).then_some(0),
        };
        if let Some(index) = index {
            return Ok(Target::Insight(view, index));
        }
    }
    let phase = |n: &str| {
        phases
            .iter()
            .position(|p| p.key.to_lowercase() == n || p.name.to_lowercase() == n)
    };
    let found = match wanted.as_str() {
        "overview" => Some(Target::Pane(Pane::Overview)),
        "churn" => Some(Target::Pane(Pane::Churn)),
        "tiers" => Some(Target::Pane(Pane::Tiers)),
        "triage" => Some(Target::Pane(Pane::Triage)),
        "actions" => Some(Target::Pane(Pane::Actions)),
        "review" => Some(Target::Review),
        n => match (n.strip_prefix("phase:"), n.parse::<usize>()) {
            (Some(p), _) => phase(p).map(|i| Target::Pane(Pane::Phase(i))),
            (None, Ok(tab)) if tab >= 1 => Pane::from_index(tab - 1, phases.len()).map(Target::Pane),
            _ => phase(n).map(|i| Target::Pane(Pane::Phase(i))),
        },
    };
    found.ok_or_else(|| {
        format!(
            "no pane '{}'; valid: {}",
            text::clean(name),
            pane_names(phases).join(", ")
        )
    })
}

/// The journey a name or id stands for (any case).
pub fn find_journey(app: &App, name: &str) -> Result<usize, String> {
    let wanted = name.trim().to_lowercase();
    let journeys = &app.catalogue.journeys;
    journeys
        .iter()
        .position(|j| j.id.to_lowercase() == wanted || j.name.to_lowercase() == wanted)
        .ok_or_else(|| {
            let valid: Vec<String> = journeys.iter().map(|j| text::clean(&j.id)).collect();
            format!("no journey '{}'; valid: {}", text::clean(name), valid.join(", "))
        })
}

/// The segment a name stands for: `all`, `hvc`, `regular`, `size:SIZE` or the size alone.
pub fn find_segment(app: &App, name: &str) -> Result<usize, String> {
    let wanted = name.trim().to_lowercase();
    let segments = &app.catalogue.segments;
    segments
        .iter()
        .position(|s| {
            s.to_lowercase() == wanted
                || text::segment_label(s).to_lowercase() == wanted
                || s.strip_prefix("size:")
                    .is_some_and(|size| size.to_lowercase() == wanted)
        })
        .ok_or_else(|| {
            let valid: Vec<String> = segments.iter().map(|s| text::clean(s)).collect();
            format!("no segment '{}'; valid: {}", text::clean(name), valid.join(", "))
        })
}

/// A month `YYYY-MM` within the store's months.
pub fn find_period(app: &App, text_given: &str) -> Result<Period, String> {
    let period: Period = text_given
        .trim()
        .parse()
        .map_err(|_| format!("'{}' is not a month: expected YYYY-MM", text::clean(text_given)))?;
    match app.catalogue.range {
        Some((first, last)) if first <= period && period <= last => Ok(period),
        Some((first, last)) => Err(format!("no data for {period}: the store holds {first} to {last}")),
        None => Err(format!("no data for {period}: the store holds no months")),
    }
}

/// Names of the accounts the cockpit has read (the page of the triage queue held, the month's
/// churned accounts, the account view), with their ids: what `:account` completes and finds by name.
fn known_accounts(app: &App) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = app
        .triage
        .page
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.account_id.clone()))
        .collect();
    if let Some(events) = app.churn.events(app.period, app.segment_id()) {
        out.extend(
            events
                .accounts
                .iter()
                .map(|a| (a.name.clone(), a.account_id.clone())),
        );
    }
    if let Some(view) = &app.account {
        out.push((view.profile.name.clone(), view.profile.account_id.clone()));
    }
    if let Some((_, names)) = &app.command.names {
        out.extend(names.iter().cloned());
    }
    out.sort();
    out.dedup();
    out
}

/// Handles a key of the command line; `:` (Start) opens it.
pub fn key(app: &mut App, key: CommandKey) -> Outcome {
    let line = &mut app.command;
    if key != CommandKey::Complete {
        line.completing = None;
    }
    match key {
        CommandKey::Start => {
            line.input = Some(String::new());
            line.browsing = None;
            Outcome::Continue
        }
        CommandKey::Char(c) if !c.is_control() => {
            line.browsing = None;
            line.input.get_or_insert_with(String::new).push(c);
            Outcome::Continue
        }
        CommandKey::Char(_) => Outcome::Ignored,
        CommandKey::Backspace => {
            line.browsing = None;
            match line.input.as_mut() {
                // Backspace on an empty line closes it, as in vim.
                Some(input) if input.is_empty() => line.input = None,
                Some(input) => {
                    input.pop();
                }
                None => return Outcome::Ignored,
            }
            Outcome::Continue
        }
        CommandKey::Cancel => {
            line.input = None;
            line.browsing = None;
            Outcome::Continue
        }
        CommandKey::Older | CommandKey::Newer => browse(line, key == CommandKey::Older),
        CommandKey::Complete => complete(app),
        CommandKey::Accept => {
            let Some(input) = line.input.take() else {
                return Outcome::Ignored;
            };
            line.browsing = None;
            let input = input.trim().to_string();
            if input.is_empty() {
                return Outcome::Continue;
            }
            if line.history.last() != Some(&input) {
                line.history.push(input.clone());
                if line.history.len() > HISTORY {
                    line.history.remove(0);
                }
            }
            match run(app, &input) {
                Ok(outcome) => outcome,
                Err(message) => {
                    app.notice = Some(format!("x :{}: {message}", text::clean(&input)));
                    Outcome::Continue
                }
            }
        }
    }
}

fn browse(line: &mut CommandLine, older: bool) -> Outcome {
    let Some(input) = line.input.as_mut() else {
        return Outcome::Ignored;
    };
    let count = line.history.len();
    let at = match (line.browsing.as_ref().map(|(i, _)| *i), older) {
        (None, true) if count > 0 => Some(count - 1),
        (Some(i), true) if i > 0 => Some(i - 1),
        (Some(i), false) if i + 1 < count => Some(i + 1),
        (Some(_), false) => None,
        _ => return Outcome::Ignored,
    };
    match at {
        Some(i) => {
            let typed = match line.browsing.take() {
                Some((_, typed)) => typed,
                None => input.clone(),
            };
            *input = line.history[i].clone();
            line.browsing = Some((i, typed));
        }
        // Past the newest: back to what was being typed.
        None => {
            if let Some((_, typed)) = line.browsing.take() {
                *input = typed;
            }
        }
    }
    Outcome::Continue
}

/// The candidates for the last word of `input`: a command, or the argument of one.
fn candidates(app: &App, input: &str) -> (String, Vec<String>) {
    let (head, word) = match input.split_once(' ') {
        None => {
            return (
                String::new(),
                COMMANDS
                    .iter()
                    .filter(|c| c.starts_with(input))
                    .map(|c| format!("{c} "))
                    .collect(),
            );
        }
        Some((command, rest)) => (format!("{command} "), rest.trim_start()),
    };
    let lower = word.to_lowercase();
    let all: Vec<String> = match head.trim() {
        "pane" => pane_names(&app.data.phases),
        "segment" => app.catalogue.segments.clone(),
        "journey" => app.catalogue.journeys.iter().map(|j| j.id.clone()).collect(),
        "account" => known_accounts(app).into_iter().map(|(name, _)| name).collect(),
        "month" => app
            .catalogue
            .range
            .map(|(first, last)| {
                let mut months = Vec::new();
                let mut p = last;
                while p >= first && months.len() < 240 {
                    months.push(p.to_string());
                    p = p.prev();
                }
                months
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let matching = all
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .map(|c| text::clean(&c))
        .collect();
    (head, matching)
}

fn complete(app: &mut App) -> Outcome {
    let Some(input) = app.command.input.clone() else {
        return Outcome::Ignored;
    };
    let next = match app.command.completing.take() {
        // Tab again: the next candidate.
        Some((head, list, i)) if !list.is_empty() => {
            let i = (i + 1) % list.len();
            app.command.input = Some(format!("{head}{}", list[i]));
            Some((head, list, i))
        }
        _ => {
            let (head, list) = candidates(app, &input);
            match list.len() {
                0 => {
                    app.notice = Some("no completion".into());
                    None
                }
                n => {
                    app.command.input = Some(format!("{head}{}", list[0]));
                    if n > 1 {
                        let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
                        let more = if n > 5 { ", ..." } else { "" };
                        app.notice = Some(format!("{n} matches (Tab: next): {}{more}", shown.join(", ")));
                    }
                    Some((head, list, 0))
                }
            }
        }
    };
    app.command.completing = next;
    Outcome::Continue
}

/// Runs one command; an error is a message for the footer.
fn run(app: &mut App, input: &str) -> Result<Outcome, String> {
    let (command, argument) = match input.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (input, ""),
    };
    let needs = |what: &str| {
        if argument.is_empty() {
            Err(format!("say which {what}, e.g. :{command} {}", example(command)))
        } else {
            Ok(())
        }
    };
    match command {
        "q" | "quit" | "q!" | "qa" => Ok(Outcome::Quit),
        "pane" | "p" => {
            needs("pane")?;
            let target = find_pane(argument, &app.data.phases)?;
            Ok(open(app, target))
        }
        "month" | "period" | "m" => {
            needs("month")?;
            app.period = find_period(app, argument)?;
            Ok(Outcome::Continue)
        }
        "segment" | "s" => {
            needs("segment")?;
            let segment = find_segment(app, argument)?;
            if segment == app.segment {
                return Ok(Outcome::Continue);
            }
            app.segment = segment;
            Ok(Outcome::LoadSegment)
        }
        "journey" | "j" => {
            needs("journey")?;
            let journey = find_journey(app, argument)?;
            if journey == app.journey {
                return Ok(Outcome::Continue);
            }
            app.switch_journey(journey);
            Ok(Outcome::LoadJourney)
        }
        "account" | "a" => {
            needs("account")?;
            let wanted = argument.to_lowercase();
            let known = known_accounts(app);
            // A name the cockpit has read, else the text as an id (the view says when there
            // is no such account).
            let id = known
                .iter()
                .find(|(name, id)| name.to_lowercase() == wanted || id.to_lowercase() == wanted)
                .map_or_else(|| argument.to_string(), |(_, id)| id.clone());
            Ok(open(app, Target::Account(id)))
        }
        other => Err(format!(
            "no command '{}'; commands: {}",
            text::clean(other),
            COMMANDS.join(", ")
        )),
    }
}

fn example(command: &str) -> &'static str {
    match command {
        "pane" | "p" => "triage",
        "month" | "period" | "m" => "2026-03",
        "segment" | "s" => "hvc",
        "journey" | "j" => "sme-broadband",
        _ => "NAME",
    }
}
