//! One account's view, read from the store when it opens (and again when another cockpit
//! changed the store): profile, subscriptions, MRR per month, tier with its eligibility
//! explanation, recent tickets, survey answers, the priority score explained, the triage
//! timeline and the open follow-through actions. Drawing (`account::view`) reads this and never the store.

use crate::domain::Period;
use crate::domain::triage::{self as score, Score, Signal};
use crate::error::Result;
use crate::store::Store;
use crate::store::account_view::{
    AccountProfile, SubscriptionLine, SurveyLine, TicketLine, TierLine, TriageStateLine,
};
use crate::store::actions::ActionLine;
use crate::store::triage::TriageEvent;

/// Tickets and survey answers shown.
const RECENT: usize = 12;

#[derive(Debug, Clone)]
pub struct AccountView {
    pub profile: AccountProfile,
    pub subscriptions: Vec<SubscriptionLine>,
    /// Every month of the store, oldest first, with the MRR at its end (None: not active).
    pub mrr: Vec<(Period, Option<f64>)>,
    pub tier: Option<TierLine>,
    /// The tier decision explained: each criterion of the held and the next tier.
    pub tier_reasons: Vec<String>,
    pub tickets: Vec<TicketLine>,
    pub surveys: Vec<SurveyLine>,
    pub score: Score,
    pub score_before: Score,
    pub changes: Vec<(Signal, f64)>,
    pub triage: Option<TriageStateLine>,
    pub history: Vec<TriageEvent>,
    /// The account's open follow-through actions, overdue first.
    pub actions: Vec<ActionLine>,
    /// The month the score and tier are at.
    pub period: Option<Period>,
    /// The first line shown.
    pub scroll: usize,
    /// About how many lines the view has (bounds the scroll).
    pub lines_hint: usize,
}

impl AccountView {
    /// The account's view, or None when there is no such account.
    pub fn load(
        store: &Store,
        account_id: &str,
        range: Option<(Period, Period)>,
    ) -> Result<Option<AccountView>> {
        let Some(profile) = store.account_profile(account_id)? else {
            return Ok(None);
        };
        let by_month: std::collections::HashMap<Period, Option<f64>> =
            store.account_mrr(account_id)?.into_iter().collect();
        let mrr = match range {
            Some((first, last)) => first
                .through(last)
                .map(|p| (p, by_month.get(&p).copied().flatten()))
                .collect(),
            None => Vec::new(),
        };
        let period = range.map(|(_, last)| last);
        let (tier, tier_reasons, score_now, score_before) = match period {
            Some(p) => {
                let weights = store.triage_weights()?;
                let now = score::score(&store.account_signals(account_id, p)?, &weights);
                let before = score::score(&store.account_signals(account_id, p.prev())?, &weights);
                (
                    store.account_tier(account_id, p)?,
                    tier_reasons(store, account_id, p)?,
                    now,
                    before,
                )
            }
            None => (None, Vec::new(), Score::default_empty(), Score::default_empty()),
        };
        let mut view = AccountView {
            subscriptions: store.account_subscriptions(account_id)?,
            mrr,
            tier,
            tier_reasons,
            tickets: store.account_tickets(account_id, RECENT)?,
            surveys: store.account_surveys(account_id, RECENT)?,
            changes: score::changes(&score_before, &score_now),
            score: score_now,
            score_before,
            triage: store.account_triage_state(account_id)?,
            history: store.triage_history(account_id)?,
            actions: store.account_open_actions(account_id, crate::ui::triage::follow_through_today())?,
            period,
            profile,
            scroll: 0,
            lines_hint: 0,
        };
        view.lines_hint = 40
            + view.subscriptions.len()
            + view.tier_reasons.len()
            + view.tickets.len()
            + 2 * view.surveys.len()
            + view.score.signals.len()
            + view.changes.len()
            + view.history.len()
            + view.actions.len();
        Ok(Some(view))
    }
}

trait EmptyScore {
    fn default_empty() -> Score;
}

impl EmptyScore for Score {
    fn default_empty() -> Score {
        Score {
            total: 0.0,
            signals: Vec::new(),
        }
    }
}

/// The tier decision in words: each criterion of the held and the next tier, pass or fail, and
/// what is missing for the next tier (`analysis::tiers`, the same explanation as `cxcockpit tiers`).
fn tier_reasons(store: &Store, account_id: &str, period: Period) -> Result<Vec<String>> {
    let ladder = store.tiers()?;
    if ladder.is_empty() {
        return Ok(vec!["no loyalty tiers are defined".into()]);
    }
    let decisions = crate::analysis::tiers::decisions_of(store, &ladder, period, Some(account_id))?;
    let Some(d) = decisions.into_iter().find(|d| d.account_id == account_id) else {
        return Ok(vec!["not evaluated this month".into()]);
    };
    let mut lines = Vec::new();
    for c in &d.criteria {
        lines.push(format!(
            "{} {}: {} {} (needs {}, has {})",
            if c.pass { "+" } else { "x" },
            c.tier,
            c.criterion,
            if c.pass { "pass" } else { "FAIL" },
            c.required,
            c.actual,
        ));
    }
    if let Some(gap) = &d.gap {
        lines.push(format!("next: {}", crate::analysis::tiers::describe_gap(gap)));
    }
    if d.downgrade_risk {
        lines.push("! downgrade risk".into());
    }
    if d.near_miss {
        lines.push("~ near miss for the next tier".into());
    }
    Ok(lines)
}
