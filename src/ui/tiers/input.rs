//! The tiers pane's keys: Enter shows the selected account's full explanation (each criterion
//! of the held and next tier, the gap, when grace ends) over the pane. Rows, months, segments, `d` (what each list means)
//! and Esc (which closes what Enter or `d` showed) are the keys every pane shares, in
//! `App::update`.

use crate::ui::action::{Action, Outcome};
use crate::ui::app::{App, Pane};

/// Handles the tiers pane's own keys; `App::update` asks after the prompts, the review, the
/// triage pane (which keeps the account view's keys) and the phase views. None leaves the action
/// to the keys every pane shares.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.pane != Pane::Tiers {
        return None;
    }
    match action {
        Action::Open => Some(open_selected(app)),
        _ => None,
    }
}

/// Enter: the selected account's explanation over the pane (in place of the definitions).
fn open_selected(app: &mut App) -> Outcome {
    if app.rows() == 0 || app.detail {
        return Outcome::Ignored;
    }
    app.detail = true;
    app.definitions = false;
    Outcome::Continue
}
