//! The review mode's state: the monthly journey review of one month, walked phase by phase.
//! `V` opens it on the month and journey shown; each step is one phase with its metrics, goal,
//! owner, what changed status, its review state and notes. The review document
//! (`report::ReviewDoc`) is asked for by `needs` once per month opened and again after a write
//! (here or in another cockpit). Writing happens in `write_pending` (from `dispatch::apply`,
//! which holds the store mutably), one transaction per write through the store's review API,
//! with who (the login name) and when (UTC now).

use crate::domain::Period;
use crate::report::{PhaseDoc, ReviewDoc};

use crate::ui::action::Outcome;
use crate::ui::app::App;
use crate::ui::load::Request;

/// Longest note the editor takes, in characters.
pub(super) const MAX_NOTE: usize = 4000;

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

    pub(super) fn phase_name(&self) -> String {
        self.phase()
            .map_or_else(String::new, |(p, _)| crate::ui::text::clean(&p.name))
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
    if let crate::ui::app::Pane::Phase(i) = app.pane {
        state.step = i;
    }
    app.review = Some(state);
    crate::ui::triage::close_account(app);
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
