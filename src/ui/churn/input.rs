//! The churn pane's keys: Enter shows the selected churned account over the pane, `v` opens its
//! full account view. Rows, months, segments, `d` (the figures' formulas) and Esc (which closes
//! what Enter or `d` showed) are the keys every pane shares, in `App::update`.

use crate::ui::action::{Action, Outcome, TriageKey};
use crate::ui::app::{App, Pane};
use crate::ui::triage;

/// Handles the churn pane's own keys; `App::update` asks after the prompts, the review, the
/// triage pane (which keeps the account view's keys) and the phase views. None leaves the action
/// to the keys every pane shares.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.pane != Pane::Churn {
        return None;
    }
    match action {
        Action::Open => Some(open_selected(app)),
        Action::Triage(TriageKey::Account) if !app.help && !app.filtering => Some(account_view(app)),
        _ => None,
    }
}

/// Enter: the selected churned account's details over the pane (in place of the definitions).
fn open_selected(app: &mut App) -> Outcome {
    if app.rows() == 0 || app.detail {
        return Outcome::Ignored;
    }
    app.detail = true;
    app.definitions = false;
    Outcome::Continue
}

/// `v`: the selected churned account's full view, as the triage pane opens its rows'.
fn account_view(app: &mut App) -> Outcome {
    match app.selected_churned().map(|a| a.account_id.clone()) {
        Some(id) => {
            app.detail = false;
            triage::open_account(app, &id);
            Outcome::Continue
        }
        None => Outcome::Ignored,
    }
}
