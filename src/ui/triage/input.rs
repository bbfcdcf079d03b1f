//! The triage pane's keys: sort, filters, the score breakdown, the account view, and the
//! one-line prompt of the actions (assign, snooze, note, resolve, reopen) whose writes
//! `write_pending` makes, from `dispatch`, in one transaction each with the login name.

use chrono::NaiveDate;

use crate::store::Store;
use crate::store::triage;
use crate::ui::account::AccountView;
use crate::ui::action::{Action, Outcome, TriageKey};
use crate::ui::app::{App, Pane};
use crate::ui::text;

use super::state::*;

/// The account an action applies to: the open account view's, else the triage pane's selection.
fn target(app: &App) -> Option<String> {
    match &app.account {
        Some(view) => Some(view.profile.account_id.clone()),
        None => selected(app).map(|r| r.account_id.clone()),
    }
}

fn start_prompt(app: &mut App, kind: PromptKind) -> Outcome {
    let filter = kind == PromptKind::Filter;
    if !filter && let Some(why) = &app.triage.readonly {
        app.triage.message = Some(format!("actions unavailable: {why}"));
        return Outcome::Continue;
    }
    let account = if filter {
        String::new()
    } else {
        match target(app) {
            Some(id) => id,
            None => return Outcome::Ignored,
        }
    };
    let input = match kind {
        PromptKind::Assign => me(),
        PromptKind::Filter => app.triage.filters.to_text(),
        _ => String::new(),
    };
    app.triage.message = None;
    app.triage.prompt = Some(Prompt { kind, account, input });
    Outcome::Continue
}

/// Handles the keys of the triage pane, the account view and the prompt before `App::update`
/// does; None leaves the action to it.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.help || matches!(action, Action::Help | Action::Quit | Action::Redraw) {
        return None;
    }
    if app.triage.prompt.is_some() {
        return Some(prompt_key(app, action));
    }
    if app.filtering {
        return None;
    }
    if app.account.is_none() && account_open(app) {
        // The view is being read: Esc (or v) gives up on it; a pane key goes on to the pane.
        return match action {
            Action::Back | Action::Triage(TriageKey::Account) => {
                close_account(app);
                Some(Outcome::Continue)
            }
            Action::NextPane | Action::PrevPane | Action::GotoPane(_) | Action::NextJourney => {
                close_account(app);
                None
            }
            _ => Some(Outcome::Ignored),
        };
    }
    if let Some(view) = app.account.as_mut() {
        let lines = view.lines_hint.max(1);
        let step = |view: &mut AccountView, by: isize| {
            let before = view.scroll;
            view.scroll = view.scroll.saturating_add_signed(by).min(lines - 1);
            if view.scroll == before {
                Outcome::Ignored
            } else {
                Outcome::Continue
            }
        };
        return match action {
            Action::Down => Some(step(view, 1)),
            Action::Up => Some(step(view, -1)),
            Action::PageDown => Some(step(view, 10)),
            Action::PageUp => Some(step(view, -10)),
            Action::First => Some(step(view, isize::MIN / 2)),
            Action::Last => Some(step(view, isize::MAX / 2)),
            Action::Back | Action::Triage(TriageKey::Account) => {
                close_account(app);
                Some(Outcome::Continue)
            }
            Action::Triage(key) => Some(act_key(app, key)),
            Action::NextPane | Action::PrevPane | Action::GotoPane(_) | Action::NextJourney => {
                close_account(app);
                None
            }
            _ => None,
        };
    }
    match action {
        Action::Triage(key) if app.pane == Pane::Triage => Some(match key {
            TriageKey::ToggleAll => {
                app.triage.all = !app.triage.all;
                app.triage.message = None;
                query_changed(app);
                Outcome::Continue
            }
            TriageKey::Sort => {
                app.triage.sort = app.triage.sort.next();
                query_changed(app);
                Outcome::Continue
            }
            TriageKey::Filter => start_prompt(app, PromptKind::Filter),
            TriageKey::Explain => toggle_explain(app),
            TriageKey::Account => match selected(app).map(|r| r.account_id.clone()) {
                Some(id) => {
                    open_account(app, &id);
                    Outcome::Continue
                }
                None => Outcome::Ignored,
            },
            other => act_key(app, other),
        }),
        Action::Open if app.pane == Pane::Triage => Some(toggle_explain(app)),
        Action::Back if app.pane == Pane::Triage && app.triage.explain => {
            app.triage.explain = false;
            Some(Outcome::Continue)
        }
        Action::Back
            if app.pane == Pane::Triage && !app.triage.filters.is_empty() && app.filter.is_empty() =>
        {
            app.triage.filters = Filters::default();
            query_changed(app);
            Some(Outcome::Continue)
        }
        Action::FilterChar(_) | Action::FilterBackspace | Action::FilterCancel
            if app.pane == Pane::Triage =>
        {
            None
        }
        _ => None,
    }
}

fn toggle_explain(app: &mut App) -> Outcome {
    if selected(app).is_none() && !app.triage.explain {
        return Outcome::Ignored;
    }
    app.triage.explain = !app.triage.explain;
    Outcome::Continue
}

fn act_key(app: &mut App, key: TriageKey) -> Outcome {
    let kind = match key {
        TriageKey::Assign => PromptKind::Assign,
        TriageKey::Note => PromptKind::Note,
        TriageKey::Snooze => PromptKind::SnoozeUntil,
        TriageKey::Resolve => PromptKind::Resolve,
        TriageKey::Reopen => PromptKind::Reopen,
        _ => return Outcome::Ignored,
    };
    start_prompt(app, kind)
}

fn prompt_key(app: &mut App, action: Action) -> Outcome {
    let Some(prompt) = app.triage.prompt.as_mut() else {
        return Outcome::Ignored;
    };
    if text::edit_prompt(&mut prompt.input, action, MAX_INPUT) {
        return Outcome::Continue;
    }
    match action {
        Action::PromptCancel | Action::Back => {
            app.triage.prompt = None;
            app.triage.message = Some("cancelled: nothing written".into());
            Outcome::Continue
        }
        Action::PromptAccept => {
            let prompt = prompt.clone();
            accept(app, prompt);
            Outcome::Continue
        }
        _ => Outcome::Ignored,
    }
}

fn accept(app: &mut App, prompt: Prompt) {
    let input = text::clean(&prompt.input);
    let account = prompt.account.clone();
    let mut keep_open = false;
    let write = match prompt.kind {
        PromptKind::Filter => {
            match Filters::parse(&input) {
                Ok(f) => {
                    app.triage.filters = f;
                    app.triage.message = None;
                    query_changed(app);
                }
                Err(e) => {
                    app.triage.message = Some(e);
                    keep_open = true;
                }
            }
            None
        }
        PromptKind::Assign => Some(Write::Assign(if input.is_empty() { me() } else { input })),
        PromptKind::Note if input.is_empty() => {
            app.triage.message = Some("an empty note: type the note, or Esc".into());
            keep_open = true;
            None
        }
        PromptKind::Note => Some(Write::Note(input)),
        PromptKind::SnoozeUntil => {
            match NaiveDate::parse_from_str(&input, "%Y-%m-%d") {
                Ok(date) if date.to_string() > today() => {
                    app.triage.message = None;
                    app.triage.prompt = Some(Prompt {
                        kind: PromptKind::SnoozeReason {
                            until: date.to_string(),
                        },
                        account,
                        input: String::new(),
                    });
                    return;
                }
                Ok(_) => app.triage.message = Some(format!("'{input}': a snooze date must be after today")),
                Err(_) => app.triage.message = Some(format!("'{input}': expected a date YYYY-MM-DD")),
            }
            keep_open = true;
            None
        }
        PromptKind::SnoozeReason { .. } if input.is_empty() => {
            app.triage.message = Some("a snooze needs a reason".into());
            keep_open = true;
            None
        }
        PromptKind::SnoozeReason { until } => Some(Write::Snooze { until, reason: input }),
        PromptKind::Resolve => Some(Write::Resolve(input)),
        PromptKind::Reopen => Some(Write::Reopen(input)),
    };
    if !keep_open {
        app.triage.prompt = None;
    }
    if let Some(write) = write {
        app.triage.pending = Some((account, write));
    }
}

/// Writes what a prompt asked for, if anything, in one transaction with who (the login name)
/// and when (local time); says whether it wrote (the shared data then changed: `App::version`).
pub fn write_pending(app: &mut App, store: &mut Store) -> bool {
    let Some((account, write)) = app.triage.pending.take() else {
        return false;
    };
    write_now(app, store, &account, &write);
    app.version += 1;
    true
}

fn write_now(app: &mut App, store: &mut Store, account: &str, write: &Write) {
    let who = me();
    let action = match write {
        Write::Assign(to) => triage::Action::Assign { to },
        Write::Note(body) => triage::Action::Note { body },
        Write::Snooze { until, reason } => triage::Action::Snooze { until, reason },
        Write::Resolve(note) => triage::Action::Resolve { note },
        Write::Reopen(note) => triage::Action::Reopen { note },
    };
    let done = match write {
        Write::Assign(to) => format!("{account} assigned to {to}"),
        Write::Note(_) => format!("note added to {account}"),
        Write::Snooze { until, .. } => format!("{account} snoozed until {until}"),
        Write::Resolve(_) => format!("{account} resolved"),
        Write::Reopen(_) => format!("{account} reopened"),
    };
    app.triage.message = Some(match store.triage_act(account, action, &who, &now_stamp()) {
        Ok(()) => format!("{} (by {who})", text::clean(&done)),
        Err(e) => format!("not written: {e}"),
    });
}
