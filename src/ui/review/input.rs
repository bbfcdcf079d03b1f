//! The review's keys: stepping phases, sign-off, notes and their editor; `write_pending` (from
//! `dispatch`) makes each write in one transaction through the store's review API.

use crate::store::Store;
use crate::store::review::{self, ReviewError, ReviewStatus};
use crate::ui::action::{Action, Outcome, ReviewKey};
use crate::ui::app::App;

use super::state::*;

/// Handles every key while the review is open (and `V` to open it) before `App::update` does;
/// None leaves the action to it (help, quit, redraw).
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.help || matches!(action, Action::Help | Action::Quit | Action::Redraw) {
        return None;
    }
    if app.review.is_none() {
        return match action {
            Action::Review(ReviewKey::Toggle) => Some(open(app)),
            Action::Review(_) => Some(Outcome::Ignored),
            _ => None,
        };
    }
    let readonly = app.triage.readonly.clone();
    let catalogue_range = app.catalogue.range;
    let state = app.review.as_mut()?;
    if state.editor.is_some() {
        return Some(editor_key(state, action));
    }
    let count = state.doc.as_ref().map_or(0, |d| d.phases.len());
    let outcome = match action {
        Action::Back if state.history => {
            state.history = false;
            Outcome::Continue
        }
        Action::Back | Action::Review(ReviewKey::Toggle) => {
            app.review = None;
            return Some(Outcome::Continue);
        }
        Action::NextPane | Action::Down if state.step + 1 < count => {
            state.step += 1;
            state.message = None;
            Outcome::Continue
        }
        Action::PrevPane | Action::Up if state.step > 0 => {
            state.step -= 1;
            state.message = None;
            Outcome::Continue
        }
        Action::First if state.step > 0 => {
            state.step = 0;
            Outcome::Continue
        }
        Action::Last if state.step + 1 < count => {
            state.step = count - 1;
            Outcome::Continue
        }
        Action::PrevMonth | Action::NextMonth => {
            let next = state
                .period
                .offset(if action == Action::NextMonth { 1 } else { -1 });
            if !catalogue_range.is_some_and(|(first, last)| first <= next && next <= last) {
                return Some(Outcome::Ignored);
            }
            state.period = next;
            state.doc = None;
            state.message = None;
            app.period = next;
            Outcome::Continue
        }
        Action::Review(ReviewKey::History) => {
            state.history = !state.history;
            Outcome::Continue
        }
        Action::Review(key @ (ReviewKey::Mark | ReviewKey::SignOff | ReviewKey::Notes)) => {
            if let Some(why) = readonly {
                state.message = Some(format!("review actions unavailable: {why}"));
                return Some(Outcome::Continue);
            }
            let Some((phase, id)) = state.phase().map(|(p, id)| (p.review.notes.clone(), id)) else {
                return Some(Outcome::Ignored);
            };
            state.message = None;
            match key {
                ReviewKey::Mark => state.pending = Some(Write::Mark(id)),
                ReviewKey::SignOff => state.pending = Some(Write::SignOff(id, None)),
                _ => {
                    state.editor = Some(Editor {
                        phase_id: id,
                        text: phase,
                        sign_off: false,
                    })
                }
            }
            Outcome::Continue
        }
        _ => Outcome::Ignored,
    };
    Some(outcome)
}

fn editor_key(state: &mut ReviewState, action: Action) -> Outcome {
    let Some(editor) = state.editor.as_mut() else {
        return Outcome::Ignored;
    };
    match action {
        Action::Review(ReviewKey::Char(c)) => {
            crate::ui::text::type_char(&mut editor.text, c, MAX_NOTE);
        }
        Action::Review(ReviewKey::Newline) => {
            if editor.text.chars().count() < MAX_NOTE {
                editor.text.push('\n');
            }
        }
        Action::Review(ReviewKey::Backspace) => {
            editor.text.pop();
        }
        Action::Review(ReviewKey::Save) => {
            let editor = editor.clone();
            state.editor = None;
            state.pending = Some(if editor.sign_off {
                Write::SignOff(editor.phase_id, Some(editor.text))
            } else {
                Write::Notes(editor.phase_id, editor.text)
            });
        }
        Action::Review(ReviewKey::Cancel) | Action::Back => {
            state.editor = None;
            state.message = Some("note not saved: nothing written".into());
        }
        _ => return Outcome::Ignored,
    }
    Outcome::Continue
}

/// Carries out the write a key asked for (one transaction, who and when recorded) and reads
/// the review again. Called by `dispatch::apply` after every action.
pub fn write_pending(app: &mut App, store: &mut Store) -> bool {
    let Some(state) = app.review.as_mut() else {
        return false;
    };
    let Some(write) = state.pending.take() else {
        return false;
    };
    let who = review::login_name();
    let at = review::now_utc();
    let period = state.period;
    let name = state.phase_name();
    let was = state.phase().map(|(p, _)| p.review.status);
    let result = match &write {
        Write::Mark(id) => store.mark_in_review(period, *id, &who, at),
        Write::SignOff(id, notes) => store.sign_off(period, *id, notes.as_deref(), &who, at),
        Write::Notes(id, notes) => store.set_review_notes(period, *id, notes, &who, at),
    };
    state.message = Some(match result {
        Ok(done) => {
            let when = done.updated_at.clone().unwrap_or_default();
            let reopened = was == Some(ReviewStatus::SignedOff) && done.status != ReviewStatus::SignedOff;
            if reopened {
                format!(
                    "{name} reopened (in review) by {who} at {when}; the earlier sign-off is kept in its history (H)"
                )
            } else if Some(done.status) == was && !matches!(write, Write::Notes(..)) {
                format!("{name} already {}: nothing changed", done.status.label())
            } else {
                format!("{name}: {} by {who} at {when}", done.status.label())
            }
        }
        Err(ReviewError::NoteRequired { red, overdue, .. }) => {
            let reasons = review::note_reasons(&red, &overdue);
            let id = match write {
                Write::Mark(id) | Write::SignOff(id, _) | Write::Notes(id, _) => id,
            };
            let text = state
                .phase()
                .map(|(p, _)| p.review.notes.clone())
                .unwrap_or_default();
            state.editor = Some(Editor {
                phase_id: id,
                text,
                sign_off: true,
            });
            format!("not signed off: {reasons}; write a note saying why (C-s signs off)")
        }
        Err(e) => format!("not written: {e}"),
    });
    // Read the review again (the one held is shown until then).
    app.version += 1;
    true
}
