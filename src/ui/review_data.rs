//! The review mode's state: the monthly journey review of one month, walked phase by phase.
//! `V` opens it on the month and journey shown; each step is one phase with its metrics, goal,
//! owner, what changed status, its review state and notes. The review document
//! (`report::ReviewDoc`) is asked for by `needs` once per month opened and again after a write
//! (here or in another cockpit). Writing happens in `write_pending` (from `dispatch::apply`,
//! which holds the store mutably), one transaction per write through the store's review API,
//! with who (the login name) and when (UTC now).

use crate::domain::Period;
use crate::report::{PhaseDoc, ReviewDoc};
use crate::store::Store;
use crate::store::review::{self, ReviewError, ReviewStatus};

use super::action::{Action, Outcome, ReviewKey};
use super::app::App;
use super::load::Request;

/// Longest note the editor takes, in characters.
const MAX_NOTE: usize = 4000;

/// The multi-line note editor of one phase. Text is typed at the end (no cursor movement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub phase_id: i64,
    pub text: String,
    /// Saving signs the phase off with the text (the editor opened because a sign-off on red
    /// needed a note); else saving replaces the notes.
    pub sign_off: bool,
}

/// A write asked for by a key, carried out by `write_pending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Mark(i64),
    SignOff(i64, Option<String>),
    Notes(i64, String),
}

#[derive(Debug, Clone)]
pub struct ReviewState {
    pub journey_id: String,
    pub period: Period,
    /// The review read from the store; None until it is read.
    pub doc: Option<ReviewDoc>,
    /// `App::version` when `doc` was read.
    pub doc_version: u64,
    /// The store's phase id of each phase of `doc`, in the same order.
    pub phase_ids: Vec<i64>,
    /// The phase shown: an index into `doc.phases`.
    pub step: usize,
    /// The phase's earlier sign-offs are shown.
    pub history: bool,
    pub editor: Option<Editor>,
    pub pending: Option<Write>,
    /// One line: what the last action did, or why it could not.
    pub message: Option<String>,
}

impl ReviewState {
    pub fn new(journey_id: String, period: Period) -> ReviewState {
        ReviewState {
            journey_id,
            period,
            doc: None,
            doc_version: 0,
            phase_ids: Vec::new(),
            step: 0,
            history: false,
            editor: None,
            pending: None,
            message: None,
        }
    }

    /// The phase shown, with its store id.
    pub fn phase(&self) -> Option<(&PhaseDoc, i64)> {
        let doc = self.doc.as_ref()?;
        let phase = doc.phases.get(self.step)?;
        Some((phase, *self.phase_ids.get(self.step)?))
    }

    /// "2 of 5 phases signed off".
    pub fn progress_line(&self) -> String {
        match &self.doc {
            Some(doc) => format!(
                "{} of {} phases signed off",
                doc.progress.signed_off, doc.progress.total
            ),
            None => "reading the review...".into(),
        }
    }

    fn phase_name(&self) -> String {
        self.phase()
            .map_or_else(String::new, |(p, _)| super::text::clean(&p.name))
    }
}

/// The segment reviews are about; the tables show it too while the review is open.
fn all_segment(app: &App) -> Option<usize> {
    app.catalogue.segments.iter().position(|s| s == "all")
}

/// Opens the review of the month and journey shown, on segment `all` (the one sign-off rules
/// read). The document is asked for by `needs`.
pub fn open(app: &mut App) -> Outcome {
    let Some(journey) = app.journey().map(|j| j.id.clone()) else {
        return Outcome::Ignored;
    };
    let mut state = ReviewState::new(journey, app.period);
    // Start on the phase shown, if a phase pane is.
    if let super::app::Pane::Phase(i) = app.pane {
        state.step = i;
    }
    app.review = Some(state);
    super::triage_data::close_account(app);
    app.detail = false;
    match all_segment(app) {
        Some(i) if i != app.segment => {
            app.segment = i;
            Outcome::LoadSegment
        }
        _ => Outcome::Continue,
    }
}

/// What the open review needs: its document, when not read yet (opened, another month) or read
/// before the shared data last changed (a write here or in another cockpit).
pub fn needs(app: &App, out: &mut Vec<Request>) {
    let Some(state) = &app.review else {
        return;
    };
    if state.doc.is_none() || state.doc_version != app.version {
        out.push(Request::Review {
            journey: state.journey_id.clone(),
            period: state.period,
            version: app.version,
        });
    }
}

/// Puts a review read in place, if it is still the one open.
pub fn receive(app: &mut App, journey: &str, period: Period, version: u64, doc: ReviewDoc, ids: Vec<i64>) {
    let Some(state) = app.review.as_mut() else {
        return;
    };
    if state.journey_id != journey || state.period != period {
        return;
    }
    state.step = state.step.min(doc.phases.len().saturating_sub(1));
    state.doc = Some(doc);
    state.phase_ids = ids;
    state.doc_version = version;
}

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
            if !c.is_control() && editor.text.chars().count() < MAX_NOTE {
                editor.text.push(c);
            }
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
