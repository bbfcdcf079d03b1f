//! The one dispatcher: an action changes the state (`App::update`), then the writes it asked
//! for are made at once, each in one transaction (triage actions, review sign-offs, follow-through
//! actions: short and
//! synchronous). Reads are not made here: the event loop hands `App::needs` to the loader, and
//! `apply` reads them inline for the tests.

use super::action::{Action, Outcome};
use super::app::App;
use super::{actions, load, review, triage};
use crate::error::Result;
use crate::store::Store;

/// Carries out an action and the writes it asked for; the event loop's step.
pub fn update(app: &mut App, store: &mut Store, action: Action) -> Outcome {
    let outcome = app.update(action);
    let wrote = review::write_pending(app, store)
        | triage::write_pending(app, store)
        | actions::write_pending(app, store);
    match outcome {
        Outcome::Ignored if wrote => Outcome::Continue,
        other => other,
    }
}

/// `update`, then reads inline what the screen needs, as `snapshot` and the tests do.
pub fn apply(app: &mut App, store: &mut Store, action: Action) -> Result<Outcome> {
    let outcome = update(app, store, action);
    load::load_inline(app, store)?;
    Ok(outcome)
}

/// Asks the store whether another process committed since the last call (one pragma); if one
/// did, the shared data is read again. Says whether anything is to be read.
pub fn poll(app: &mut App, store: &Store) -> bool {
    let Ok(version) = store.data_version() else {
        return false;
    };
    let changed = app.data_version.is_some_and(|before| before != version);
    app.data_version = Some(version);
    if changed {
        app.version += 1;
        // Another process imported or refreshed: whether figures are behind may have changed.
        if let Ok(pending) = store.pending() {
            app.catalogue.refresh_pending = !pending.is_empty();
        }
    }
    changed
}
