//! The HVC triage priority score: each signal's raw value (precomputed per account and month
//! by the store) turned into points with the weights kept in the store's settings. A higher
//! score means more urgent. Every point is explainable: signal, value, points.

use std::collections::HashMap;

use serde::Serialize;

/// The signals, in the order they are explained. `name` is the settings key suffix
/// (`triage_weight.<name>`) and the `signal` column of `account_signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    OpenTicketCritical,
    OpenTicketHigh,
    OpenTicketOther,
    SlaBreach,
    LongRunningTicket,
    Downtime,
    UsageDrop,
    Detractor,
    NpsFalling,
    HighEffort,
    OverdueInvoice,
    RenewalDue,
    RedIndicator,
    TierDowngradeRisk,
    MrrContraction,
}

impl Signal {
    pub const ALL: [Signal; 15] = [
        Signal::OpenTicketCritical,
        Signal::OpenTicketHigh,
        Signal::OpenTicketOther,
        Signal::SlaBreach,
        Signal::LongRunningTicket,
        Signal::Downtime,
        Signal::UsageDrop,
        Signal::Detractor,
        Signal::NpsFalling,
        Signal::HighEffort,
        Signal::OverdueInvoice,
        Signal::RenewalDue,
        Signal::RedIndicator,
        Signal::TierDowngradeRisk,
        Signal::MrrContraction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Signal::OpenTicketCritical => "open_ticket_critical",
            Signal::OpenTicketHigh => "open_ticket_high",
            Signal::OpenTicketOther => "open_ticket_other",
            Signal::SlaBreach => "sla_breach",
            Signal::LongRunningTicket => "long_running_ticket",
            Signal::Downtime => "downtime",
            Signal::UsageDrop => "usage_drop",
            Signal::Detractor => "detractor",
            Signal::NpsFalling => "nps_falling",
            Signal::HighEffort => "high_effort",
            Signal::OverdueInvoice => "overdue_invoice",
            Signal::RenewalDue => "renewal_due",
            Signal::RedIndicator => "red_indicator",
            Signal::TierDowngradeRisk => "tier_downgrade_risk",
            Signal::MrrContraction => "mrr_contraction",
        }
    }

    pub fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What the value means and when it scores, for explanations.
    pub fn rule(self) -> &'static str {
        match self {
            Signal::OpenTicketCritical => "open critical tickets; weight each, at most 3",
            Signal::OpenTicketHigh => "open high tickets; weight each, at most 3",
            Signal::OpenTicketOther => "open low/medium tickets; weight each, at most 3",
            Signal::SlaBreach => {
                "tickets of the last 30 days answered later than the SLA; weight each, at most 3"
            }
            Signal::LongRunningTicket => "tickets open for more than 7 days; weight each, at most 3",
            Signal::Downtime => "downtime hours last month; weight per 8 hours, at most twice",
            Signal::UsageDrop => "usage drop % against the 3 months before; weight from 20%",
            Signal::Detractor => "latest NPS answer; weight when 0-6",
            Signal::NpsFalling => "latest NPS minus the one before; weight when down 2 or more",
            Signal::HighEffort => "lowest CES answer of the last 90 days; weight when 1-3",
            Signal::OverdueInvoice => "overdue invoices; weight each, at most 2",
            Signal::RenewalDue => "days to the next subscription end; weight within 60 days",
            Signal::RedIndicator => "the account's red indicator metrics; weight each",
            Signal::TierDowngradeRisk => "in grace for its tier (1); weight",
            Signal::MrrContraction => "MRR lost to contraction over the last 3 months; weight when any",
        }
    }

    /// The share of the weight a value earns (0 when the signal does not fire).
    pub fn factor(self, value: f64) -> f64 {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        match self {
            Signal::OpenTicketCritical
            | Signal::OpenTicketHigh
            | Signal::OpenTicketOther
            | Signal::SlaBreach
            | Signal::LongRunningTicket => value.clamp(0.0, 3.0),
            Signal::Downtime => (value / 8.0).clamp(0.0, 2.0),
            Signal::UsageDrop => flag(value >= 20.0),
            Signal::Detractor => flag(value <= 6.0),
            Signal::NpsFalling => flag(value <= -2.0),
            Signal::HighEffort => flag(value <= 3.0),
            Signal::OverdueInvoice => value.clamp(0.0, 2.0),
            Signal::RenewalDue => flag((0.0..=60.0).contains(&value)),
            Signal::RedIndicator => value.max(0.0),
            Signal::TierDowngradeRisk => flag(value >= 1.0),
            Signal::MrrContraction => flag(value > 0.0),
        }
    }
}

/// Weights by signal, from the settings (`triage_weight.<signal>`); a missing one weighs 0.
pub type Weights = HashMap<Signal, f64>;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignalPoints {
    pub signal: Signal,
    pub value: f64,
    pub points: f64,
}

/// The signals that fired for one account, most points first, and their total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub total: f64,
    pub signals: Vec<SignalPoints>,
}

pub fn score(values: &[(Signal, f64)], weights: &Weights) -> Score {
    let mut signals: Vec<SignalPoints> = values
        .iter()
        .map(|&(signal, value)| SignalPoints {
            signal,
            value,
            points: round1(weights.get(&signal).copied().unwrap_or(0.0) * signal.factor(value)),
        })
        .filter(|s| s.points != 0.0)
        .collect();
    signals.sort_by(|a, b| {
        b.points.total_cmp(&a.points).then_with(|| {
            Signal::ALL
                .iter()
                .position(|s| *s == a.signal)
                .cmp(&Signal::ALL.iter().position(|s| *s == b.signal))
        })
    });
    Score {
        total: round1(signals.iter().map(|s| s.points).sum()),
        signals,
    }
}

/// Points gained (positive) or lost per signal from `before` to `now`, largest move first.
pub fn changes(before: &Score, now: &Score) -> Vec<(Signal, f64)> {
    let points = |score: &Score, signal: Signal| {
        score
            .signals
            .iter()
            .find(|s| s.signal == signal)
            .map_or(0.0, |s| s.points)
    };
    let mut moved: Vec<(Signal, f64)> = Signal::ALL
        .into_iter()
        .map(|s| (s, round1(points(now, s) - points(before, s))))
        .filter(|(_, d)| *d != 0.0)
        .collect();
    moved.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    moved
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> Weights {
        [
            (Signal::OpenTicketCritical, 25.0),
            (Signal::Downtime, 15.0),
            (Signal::Detractor, 20.0),
            (Signal::RenewalDue, 10.0),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn points_per_signal() {
        let s = score(
            &[
                (Signal::OpenTicketCritical, 5.0), // capped at 3: 75
                (Signal::Downtime, 12.0),          // 12/8 = 1.5: 22.5
                (Signal::Detractor, 7.0),          // a passive: 0
                (Signal::RenewalDue, 61.0),        // beyond 60 days: 0
            ],
            &weights(),
        );
        assert_eq!(s.total, 97.5);
        assert_eq!(s.signals.len(), 2);
        assert_eq!(
            (s.signals[0].signal, s.signals[0].points),
            (Signal::OpenTicketCritical, 75.0)
        );
        assert_eq!(
            (s.signals[1].signal, s.signals[1].points),
            (Signal::Downtime, 22.5)
        );
    }

    #[test]
    fn detractor_and_renewal_boundaries() {
        let s = score(
            &[(Signal::Detractor, 6.0), (Signal::RenewalDue, 60.0)],
            &weights(),
        );
        assert_eq!(s.total, 30.0);
        let unweighted = score(&[(Signal::UsageDrop, 50.0)], &weights());
        assert_eq!(unweighted.total, 0.0);
    }

    #[test]
    fn changes_name_the_signals_that_moved() {
        let before = score(&[(Signal::Downtime, 8.0), (Signal::Detractor, 3.0)], &weights());
        let now = score(
            &[(Signal::Downtime, 16.0), (Signal::OpenTicketCritical, 1.0)],
            &weights(),
        );
        assert_eq!(
            changes(&before, &now),
            vec![
                (Signal::OpenTicketCritical, 25.0),
                (Signal::Detractor, -20.0),
                (Signal::Downtime, 15.0)
            ]
        );
    }
}
