//! The actions pane's keys (Enter opens what an action is about; `D` done, `X` drop, `n` note,
//! `a` assign; `t` status, `o` owner, `f` filters) and `A` on any pane: each write opens a
//! prompt line and `write_pending` (from `dispatch`) makes it in one transaction.

use crate::store::Store;
use crate::store::actions::{self, ActionStatus, Change, NewAction};
use crate::ui::action::{Action, ActionsKey, Outcome, TriageKey};
use crate::ui::app::{App, Pane};
use crate::ui::text;
use crate::ui::triage;

use super::state::*;

/// Says on the footer why nothing can be written, if the store is read-only.
fn refused(app: &mut App) -> bool {
    match &app.triage.readonly {
        Some(why) => {
            app.notice = Some(format!("actions unavailable: {}", text::clean(why)));
            true
        }
        None => false,
    }
}

fn start_prompt(app: &mut App, kind: PromptKind) -> Outcome {
    if kind != PromptKind::Filter && refused(app) {
        return Outcome::Continue;
    }
    let input = match &kind {
        PromptKind::Assign(_) => triage::me(),
        PromptKind::Filter => {
            let status = status_label(app.actions.status);
            format!("owner:{} status:{status}", app.actions.owner.word())
        }
        _ => String::new(),
    };
    app.actions.message = None;
    app.actions.prompt = Some(Prompt { kind, input });
    Outcome::Continue
}

/// `A`: the prompt for a new action about what is selected.
fn start_add(app: &mut App) -> Outcome {
    let (context, about) = context(app);
    start_prompt(
        app,
        PromptKind::Add {
            context: Box::new(context),
            about,
        },
    )
}

/// A key on the selected action: the prompt that asks for its note, reason or owner.
fn start_change(app: &mut App, kind: fn(i64) -> PromptKind) -> Outcome {
    // Said even with nothing selected: the key cannot work here at all.
    if refused(app) {
        return Outcome::Continue;
    }
    match selected(app).map(|l| l.id) {
        Some(id) => start_prompt(app, kind(id)),
        None => Outcome::Ignored,
    }
}

/// The filters changed: the first row of the new list is selected (it is read by `needs`).
fn filters_changed(app: &mut App) {
    app.set_cursor(0);
}

/// Handles the actions prompt, `A` on any pane and the actions pane's keys before
/// `App::update` does; None leaves the action to the others.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.help || matches!(action, Action::Help | Action::Quit | Action::Redraw) {
        return None;
    }
    if app.actions.prompt.is_some() {
        return Some(prompt_key(app, action));
    }
    if app.filtering || app.review.as_ref().is_some_and(|r| r.editor.is_some()) {
        return None;
    }
    if action == Action::Actions(ActionsKey::Add) {
        return Some(start_add(app));
    }
    // The account view (opened from here with Enter) and the review take their own keys.
    let on_pane = app.pane == Pane::Actions && app.review.is_none() && !triage::account_open(app);
    if !on_pane {
        return match action {
            Action::Actions(_) if app.review.is_none() => Some(Outcome::Ignored),
            _ => None,
        };
    }
    Some(match action {
        Action::Open => open_about(app),
        Action::Actions(ActionsKey::Done) => start_change(app, PromptKind::Done),
        Action::Actions(ActionsKey::Drop) => start_change(app, PromptKind::Drop),
        Action::Triage(TriageKey::Note) => start_change(app, PromptKind::Note),
        Action::Triage(TriageKey::Assign) => start_change(app, PromptKind::Assign),
        Action::Triage(TriageKey::ToggleAll) => {
            app.actions.status = next_status(app.actions.status);
            filters_changed(app);
            Outcome::Continue
        }
        Action::Triage(TriageKey::Sort) => {
            app.actions.owner = app.actions.owner.next();
            filters_changed(app);
            Outcome::Continue
        }
        Action::Triage(TriageKey::Filter) => start_prompt(app, PromptKind::Filter),
        Action::Triage(TriageKey::Account) => match selected(app).and_then(|l| l.account_id.clone()) {
            Some(id) => {
                triage::open_account(app, &id);
                Outcome::Continue
            }
            None => Outcome::Ignored,
        },
        // The name search (`/`) filters metric names and queue rows, not this list.
        Action::Triage(_) | Action::Actions(_) | Action::StartFilter => Outcome::Ignored,
        Action::Back
            if app.actions.owner != OwnerFilter::All || app.actions.status != Some(ActionStatus::Open) =>
        {
            // Esc clears the filters before it backs out of the pane.
            app.actions.owner = OwnerFilter::All;
            app.actions.status = Some(ActionStatus::Open);
            filters_changed(app);
            Outcome::Continue
        }
        _ => return None,
    })
}

fn prompt_key(app: &mut App, action: Action) -> Outcome {
    let Some(prompt) = app.actions.prompt.as_mut() else {
        return Outcome::Ignored;
    };
    if text::edit_prompt(&mut prompt.input, action, MAX_INPUT) {
        return Outcome::Continue;
    }
    match action {
        Action::PromptCancel | Action::Back => {
            app.actions.prompt = None;
            app.actions.message = None;
            app.notice = Some("cancelled: nothing written".into());
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

/// Takes what the prompt says: queues the write, or keeps the prompt open saying what is wrong.
fn accept(app: &mut App, prompt: Prompt) {
    let input = text::clean(&prompt.input).trim().to_string();
    let write = match prompt.kind {
        PromptKind::Filter => match parse_filters(&input, &app.actions.owner, app.actions.status) {
            Ok((owner, status)) => {
                app.actions.owner = owner;
                app.actions.status = status;
                filters_changed(app);
                Ok(None)
            }
            Err(e) => Err(e),
        },
        PromptKind::Add { context, .. } => {
            let today = actions::today().map_err(|e| e.to_string());
            today
                .and_then(|today| parse_new(&input, &triage::me(), today))
                .map(|(title, owner, due)| {
                    Some(Write::Add(NewAction {
                        title,
                        owner: Some(owner),
                        due,
                        ..*context
                    }))
                })
        }
        PromptKind::Done(id) => Ok(Some(Write::Done(id, input))),
        PromptKind::Drop(_) if input.is_empty() => Err("a drop needs a reason: say why, or Esc".into()),
        PromptKind::Drop(id) => Ok(Some(Write::Drop(id, input))),
        PromptKind::Note(_) if input.is_empty() => Err("an empty note: type the note, or Esc".into()),
        PromptKind::Note(id) => Ok(Some(Write::Note(id, input))),
        PromptKind::Assign(id) => Ok(Some(Write::Assign(
            id,
            if input.is_empty() { triage::me() } else { input },
        ))),
    };
    match write {
        Ok(write) => {
            app.actions.prompt = None;
            app.actions.message = None;
            app.actions.pending = write;
        }
        Err(why) => app.actions.message = Some(why),
    }
}

/// Writes what a prompt asked for, if anything, in one transaction with who (the login name)
/// and when (`actions::now`, UTC); the footer says what was written or why not. Says whether
/// it tried (the shared data may then have changed: `App::version`).
pub fn write_pending(app: &mut App, store: &mut Store) -> bool {
    let Some(write) = app.actions.pending.take() else {
        return false;
    };
    let who = triage::me();
    let result = actions::now().and_then(|now| {
        let now = now.format(crate::store::review::TIME_FORMAT).to_string();
        match &write {
            Write::Add(new) => store
                .add_action(new, &who, &now)
                .map(|a| format!("action {} added: {}", a.id, text::clean(&a.title))),
            Write::Done(id, note) => store
                .change_action(*id, Change::Done { note }, &who, &now)
                .map(|a| format!("action {} done (by {who})", a.id)),
            Write::Drop(id, note) => store
                .change_action(*id, Change::Drop { note }, &who, &now)
                .map(|a| format!("action {} dropped (by {who})", a.id)),
            Write::Note(id, body) => store
                .change_action(*id, Change::Note { text: body }, &who, &now)
                .map(|a| format!("note added to action {} (by {who})", a.id)),
            Write::Assign(id, to) => store
                .change_action(*id, Change::Assign { to }, &who, &now)
                .map(|a| format!("action {} assigned to {} (by {who})", a.id, text::clean(to))),
        }
    });
    app.notice = Some(match result {
        Ok(done) => text::clean(&done),
        Err(e) => format!("not written: {}", text::clean(&e.to_string())),
    });
    app.version += 1;
    true
}

/// Enter on an action: the account view of its account; else its phase pane in its month (of
/// its journey, read first when it is another); else the footer says there is nothing to open.
fn open_about(app: &mut App) -> Outcome {
    let Some(line) = selected(app).cloned() else {
        return Outcome::Ignored;
    };
    if let Some(id) = &line.account_id {
        triage::open_account(app, id);
        return Outcome::Continue;
    }
    let (Some(journey), Some(phase_key)) = (line.journey_id.clone(), line.phase_key.clone()) else {
        app.notice = Some(format!(
            "action {} is about no account or phase: nothing to open",
            line.id
        ));
        return Outcome::Continue;
    };
    if let Some(period) = line.period.as_deref() {
        let month = period.parse::<crate::domain::Period>().ok();
        match (month, app.catalogue.range) {
            (Some(p), Some((first, last))) if first <= p && p <= last => app.period = p,
            _ => {
                app.notice = Some(format!(
                    "{} is not a month of the store: showing {}",
                    text::clean(period),
                    app.period
                ))
            }
        }
    }
    let Some(index) = app.catalogue.journeys.iter().position(|j| j.id == journey) else {
        app.notice = Some(format!("no journey '{}' in the store", text::clean(&journey)));
        return Outcome::Continue;
    };
    let goto = Goto {
        journey,
        phase_key,
        metric: line.metric_id.clone(),
    };
    if index != app.journey || app.data.journey != goto.journey {
        // The phases of that journey are read first; `journey_loaded` then opens the phase,
        // and Esc comes back here.
        if index != app.journey {
            app.switch_journey(index);
        }
        app.came_from.push(Pane::Actions);
        app.actions.goto = Some(goto);
        return Outcome::LoadJourney;
    }
    go_to_phase(app, &goto)
}

/// Opens a phase pane by its key, on its metric when it has one.
fn go_to_phase(app: &mut App, goto: &Goto) -> Outcome {
    let Some(index) = app.data.phases.iter().position(|p| p.key == goto.phase_key) else {
        app.notice = Some(format!(
            "no phase '{}' in journey {}",
            text::clean(&goto.phase_key),
            text::clean(&goto.journey)
        ));
        return Outcome::Continue;
    };
    let outcome = app.enter(Pane::Phase(index));
    if let (Some(metric), Some(phase)) = (&goto.metric, app.phase()) {
        let at = app.phase_metrics(phase).iter().position(|m| &m.id == metric);
        if let Some(at) = at {
            app.set_cursor(at);
        }
    }
    match outcome {
        Outcome::Ignored => Outcome::Continue,
        other => other,
    }
}

/// A journey's phases arrived: opens the phase Enter asked for, if it is of that journey.
pub fn journey_loaded(app: &mut App) {
    if let Some(goto) = app.actions.goto.take() {
        if goto.journey == app.data.journey {
            go_to_phase(app, &goto);
        } else {
            app.actions.goto = Some(goto);
        }
    }
}
