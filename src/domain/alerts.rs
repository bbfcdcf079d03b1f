//! Alert rules as data: the kinds of condition, each rule's parameters and window, who owns the
//! action it opens and how its title is written. Pure: the store evaluates the conditions and
//! the import reads the rules; both check them here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of condition a rule can watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// An NPS answer unhappy on its journey's scale (a detractor), answered in the window.
    Detractor,
    /// A ticket opened in the window whose first response came later than its severity's SLA
    /// (`sla_first_response_hours.<severity>`), or has not come and is already late.
    SlaBreach,
    /// An invoice due in the window and still unpaid more than `threshold` days after its due date.
    OverdueInvoice,
    /// An account holding a lower tier at the end of a month of the window than the month before.
    TierDrop,
    /// A metric red for a month of the window (segment `all`) that was not red the month before.
    MetricRed,
    /// An account's usage index in a month of the window more than `threshold` percent below its
    /// mean over the `baseline_months` before.
    UsageDrop,
}

pub const KINDS: [RuleKind; 6] = [
    RuleKind::Detractor,
    RuleKind::SlaBreach,
    RuleKind::OverdueInvoice,
    RuleKind::TierDrop,
    RuleKind::MetricRed,
    RuleKind::UsageDrop,
];

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Detractor => "detractor",
            RuleKind::SlaBreach => "sla_breach",
            RuleKind::OverdueInvoice => "overdue_invoice",
            RuleKind::TierDrop => "tier_drop",
            RuleKind::MetricRed => "metric_red",
            RuleKind::UsageDrop => "usage_drop",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        KINDS.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the window counts days (events) or months (monthly figures).
    pub fn window_in_days(self) -> bool {
        matches!(
            self,
            RuleKind::Detractor | RuleKind::SlaBreach | RuleKind::OverdueInvoice
        )
    }

    /// Whether `threshold` is required, and what it means.
    pub fn threshold(self) -> Option<&'static str> {
        match self {
            RuleKind::OverdueInvoice => Some("days overdue (more than)"),
            RuleKind::UsageDrop => Some("percent below the usual usage (more than)"),
            _ => None,
        }
    }

    /// The default window: 30 days, or 2 months (the month under way and the one just ended).
    pub fn default_window(self) -> u32 {
        if self.window_in_days() { 30 } else { 2 }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who owns the action a rule opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerRule {
    /// The account's owner.
    Account,
    /// The owner of the phase the event or metric belongs to (else the account's owner).
    Phase,
    /// A named team or person.
    Team(String),
}

impl OwnerRule {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "account" => Some(OwnerRule::Account),
            "phase" => Some(OwnerRule::Phase),
            _ => text
                .strip_prefix("team:")
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(|name| OwnerRule::Team(name.to_string())),
        }
    }

    pub fn as_text(&self) -> String {
        match self {
            OwnerRule::Account => "account".into(),
            OwnerRule::Phase => "phase".into(),
            OwnerRule::Team(name) => format!("team:{name}"),
        }
    }

    /// The owner for an alert: the phase owner falls back to the account owner.
    pub fn resolve(&self, account_owner: Option<&str>, phase_owner: Option<&str>) -> Option<String> {
        match self {
            OwnerRule::Account => account_owner.map(str::to_string),
            OwnerRule::Phase => phase_owner.or(account_owner).map(str::to_string),
            OwnerRule::Team(name) => Some(name.clone()),
        }
    }
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub title: String,
    pub owner: OwnerRule,
    pub due_days: u32,
    /// Days or months (see `RuleKind::window_in_days`).
    pub window: u32,
    pub threshold: Option<f64>,
    pub baseline_months: u32,
    pub hvc_only: bool,
}

/// The placeholders a title may use.
pub const PLACEHOLDERS: [&str; 5] = ["account", "name", "metric", "period", "detail"];

/// The placeholders of `title` that are not known, or a brace left unclosed.
pub fn title_problems(title: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rest = title;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            problems.push("a '{' without its '}'".to_string());
            break;
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            problems.push(format!("unknown placeholder {{{name}}}"));
        }
        rest = &after[close + 1..];
    }
    problems
}

/// What fills a title's placeholders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TitleValues<'a> {
    pub account: &'a str,
    pub name: &'a str,
    pub metric: &'a str,
    pub period: &'a str,
    pub detail: &'a str,
}

/// The title with its placeholders filled (unknown ones are refused at import; left as written).
pub fn render_title(title: &str, values: &TitleValues<'_>) -> String {
    title
        .replace("{account}", values.account)
        .replace("{name}", values.name)
        .replace("{metric}", values.metric)
        .replace("{period}", values.period)
        .replace("{detail}", values.detail)
}

/// Whether a usage index fell by more than `threshold_pct` percent below `usual`; the drop in
/// percent (rounded to 0.1) when it did.
pub fn usage_drop(index: f64, usual: f64, threshold_pct: f64) -> Option<f64> {
    if usual <= 0.0 || !index.is_finite() || !usual.is_finite() {
        return None;
    }
    let drop = 100.0 * (1.0 - index / usual);
    // Rounded first, so that a drop equal to the threshold in the figures shown does not fire.
    let drop = (drop * 10.0).round() / 10.0;
    (drop > threshold_pct).then_some(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_know_their_placeholders() {
        assert!(title_problems("Call {name} ({account}) about {detail}").is_empty());
        assert_eq!(title_problems("Call {who}"), vec!["unknown placeholder {who}"]);
        assert_eq!(title_problems("Call {name"), vec!["a '{' without its '}'"]);
        let values = TitleValues {
            account: "A1",
            name: "Acme",
            detail: "NPS 3",
            ..TitleValues::default()
        };
        assert_eq!(
            render_title("Call {name} ({account}): {detail}", &values),
            "Call Acme (A1): NPS 3"
        );
    }

    #[test]
    fn owners_resolve_with_a_fallback() {
        assert_eq!(
            OwnerRule::parse("team:Billing"),
            Some(OwnerRule::Team("Billing".into()))
        );
        assert_eq!(OwnerRule::parse("team:"), None);
        assert_eq!(OwnerRule::parse("someone"), None);
        assert_eq!(OwnerRule::Phase.resolve(Some("ana"), None), Some("ana".into()));
        assert_eq!(
            OwnerRule::Phase.resolve(Some("ana"), Some("Ops")),
            Some("Ops".into())
        );
        assert_eq!(OwnerRule::Account.resolve(None, Some("Ops")), None);
    }

    #[test]
    fn a_usage_drop_fires_beyond_its_threshold_only() {
        // 75 against 100 is a 25% drop.
        assert_eq!(usage_drop(75.0, 100.0, 20.0), Some(25.0));
        assert_eq!(
            usage_drop(80.0, 100.0, 20.0),
            None,
            "exactly the threshold does not fire"
        );
        assert_eq!(usage_drop(79.9, 100.0, 20.0), Some(20.1));
        assert_eq!(usage_drop(50.0, 0.0, 20.0), None);
    }
}
