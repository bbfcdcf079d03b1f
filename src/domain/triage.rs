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

    /// The look-back window of a signal that counts events, by default: the evaluation date and
    /// the days (or months: the month evaluated and those before it) before it. None for a state
    /// at the evaluation date (open tickets, a renewal ahead, a tier in grace). The setting
    /// `window_key` changes it; the refresh applies it.
    pub fn default_window(self) -> Option<Window> {
        match self {
            Signal::SlaBreach => Some(Window::days(30)),
            Signal::Downtime => Some(Window::months(1)),
            Signal::UsageDrop => Some(Window::months(3)),
            Signal::Detractor => Some(Window::days(180)),
            Signal::NpsFalling => Some(Window::days(365)),
            Signal::HighEffort => Some(Window::days(90)),
            Signal::OverdueInvoice => Some(Window::days(180)),
            Signal::RedIndicator => Some(Window::months(1)),
            Signal::MrrContraction => Some(Window::months(3)),
            Signal::OpenTicketCritical
            | Signal::OpenTicketHigh
            | Signal::OpenTicketOther
            | Signal::LongRunningTicket
            | Signal::RenewalDue
            | Signal::TierDowngradeRisk => None,
        }
    }

    /// The setting of the signal's window: `triage_window_days.<name>` or
    /// `triage_window_months.<name>`, a whole number from 1.
    pub fn window_key(self) -> Option<String> {
        let unit = match self.default_window()?.unit {
            Unit::Days => "days",
            Unit::Months => "months",
        };
        Some(format!("triage_window_{unit}.{}", self.name()))
    }

    /// What the value means, over which window, and when it scores, for explanations. A window
    /// of None is the signal's default.
    pub fn rule(self, window: Option<Window>) -> String {
        let n = window.or(self.default_window()).map_or(0, |w| w.len);
        let days = |n: u32| {
            if n == 1 {
                "day".to_string()
            } else {
                format!("{n} days")
            }
        };
        let months = |n: u32| {
            if n == 1 {
                "month".to_string()
            } else {
                format!("{n} months")
            }
        };
        match self {
            Signal::OpenTicketCritical => "open critical tickets; weight each, at most 3".into(),
            Signal::OpenTicketHigh => "open high tickets; weight each, at most 3".into(),
            Signal::OpenTicketOther => "open low/medium tickets; weight each, at most 3".into(),
            Signal::SlaBreach => format!(
                "tickets opened in the last {} answered later than the SLA; weight each, at most 3",
                days(n)
            ),
            Signal::LongRunningTicket => "tickets open for more than 7 days; weight each, at most 3".into(),
            Signal::Downtime if n == 1 => {
                "downtime hours in the month; weight per 8 hours, at most twice".into()
            }
            Signal::Downtime => format!(
                "downtime hours in the last {}; weight per 8 hours, at most twice",
                months(n)
            ),
            Signal::UsageDrop => format!(
                "usage drop % of the month against the {} before; weight from 20%",
                months(n)
            ),
            Signal::Detractor => format!(
                "latest NPS answer in the last {}; weight when a detractor on the journey's scale (0-6 of 0-10)",
                days(n)
            ),
            Signal::NpsFalling => format!(
                "latest NPS minus the one before, both in the last {}; weight when down 2 or more",
                days(n)
            ),
            Signal::HighEffort => format!(
                "a high-effort CES answer in the last {} (unhappy on the journey's scale: 1-3 of 1-7 by default); weight, shows the latest",
                days(n)
            ),
            Signal::OverdueInvoice => format!(
                "invoices due in the last {} and unpaid; weight each, at most 2",
                days(n)
            ),
            Signal::RenewalDue => "days to the next subscription end; weight within 60 days".into(),
            Signal::RedIndicator if n == 1 => {
                "the account's red indicator metrics in the month; weight each".into()
            }
            Signal::RedIndicator => format!(
                "the account's red indicator metrics over the last {}; weight each",
                months(n)
            ),
            Signal::TierDowngradeRisk => "in grace for its tier (1); weight".into(),
            Signal::MrrContraction => format!(
                "MRR lost to contraction over the last {}; weight when any",
                months(n)
            ),
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
            // Stored only for unhappy answers on the journey's own scale (`store::triage`): the
            // score is shown, the scale already judged it.
            Signal::Detractor | Signal::HighEffort => 1.0,
            Signal::NpsFalling => flag(value <= -2.0),
            Signal::OverdueInvoice => value.clamp(0.0, 2.0),
            Signal::RenewalDue => flag((0.0..=60.0).contains(&value)),
            Signal::RedIndicator => value.max(0.0),
            Signal::TierDowngradeRisk => flag(value >= 1.0),
            Signal::MrrContraction => flag(value > 0.0),
        }
    }
}

/// How a window is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Months,
}

/// The stretch of time before the evaluation date that a signal looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub len: u32,
    pub unit: Unit,
}

impl Window {
    pub fn days(len: u32) -> Window {
        Window {
            len,
            unit: Unit::Days,
        }
    }

    pub fn months(len: u32) -> Window {
        Window {
            len,
            unit: Unit::Months,
        }
    }
}

/// The longest windows a setting may ask for: a century.
const MAX_DAYS: u32 = 36_500;
const MAX_MONTHS: u32 = 1_200;

/// Each windowed signal's window: the defaults (`Signal::default_window`) with the settings'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows(HashMap<Signal, Window>);

impl Default for Windows {
    fn default() -> Self {
        Windows(
            Signal::ALL
                .into_iter()
                .filter_map(|s| Some((s, s.default_window()?)))
                .collect(),
        )
    }
}

impl Windows {
    /// The defaults with the settings' (`triage_window_days.<signal>`,
    /// `triage_window_months.<signal>`); other keys are left alone. Err names a key whose signal
    /// has no such window or whose value is not a whole number from 1.
    pub fn with_settings<'a>(
        settings: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> std::result::Result<Windows, String> {
        let mut windows = Windows::default();
        for (key, value) in settings {
            if !key.starts_with("triage_window_") {
                continue;
            }
            let signal = Signal::ALL
                .into_iter()
                .find(|s| s.window_key().as_deref() == Some(key));
            let most = if key.starts_with("triage_window_months.") {
                MAX_MONTHS
            } else {
                MAX_DAYS
            };
            let len = value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=most).contains(n));
            match (signal, len) {
                (Some(signal), Some(len)) => windows.set(signal, len),
                _ => {
                    return Err(format!(
                        "setting {key} = '{value}': expected triage_window_days.<signal> (1 to {MAX_DAYS}) \
                         or triage_window_months.<signal> (1 to {MAX_MONTHS}), as the signal counts its window"
                    ));
                }
            }
        }
        Ok(windows)
    }

    /// The signal's window (None: a state at the evaluation date).
    pub fn of(&self, signal: Signal) -> Option<Window> {
        self.0.get(&signal).copied()
    }

    /// The window's length in its unit, 1 for a signal without one.
    pub fn len_of(&self, signal: Signal) -> u32 {
        self.of(signal).map_or(1, |w| w.len)
    }

    /// Sets a windowed signal's length, within the limits of the settings (a signal without a
    /// window is left alone).
    pub fn set(&mut self, signal: Signal, len: u32) {
        if let Some(w) = self.0.get_mut(&signal) {
            let most = match w.unit {
                Unit::Days => MAX_DAYS,
                Unit::Months => MAX_MONTHS,
            };
            w.len = len.clamp(1, most);
        }
    }
}

/// The weights by signal, from the settings (`triage_weight.<signal>`; a missing one weighs 0),
/// and the windows the signals' values were computed over, which the rule texts name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weights {
    weights: HashMap<Signal, f64>,
    pub windows: Windows,
}

impl Weights {
    pub fn new() -> Weights {
        Weights::default()
    }

    /// The signal's weight, 0 when it has none.
    pub fn get(&self, signal: Signal) -> f64 {
        self.weights.get(&signal).copied().unwrap_or(0.0)
    }

    pub fn insert(&mut self, signal: Signal, weight: f64) {
        self.weights.insert(signal, weight);
    }

    /// Every weight in `Signal::ALL` order, as text: equal when the scores would be.
    pub fn signature(&self) -> String {
        Signal::ALL
            .into_iter()
            .map(|s| format!("{}={}", s.name(), self.get(s)))
            .collect::<Vec<_>>()
            .join(";")
    }
}

impl FromIterator<(Signal, f64)> for Weights {
    fn from_iter<I: IntoIterator<Item = (Signal, f64)>>(iter: I) -> Self {
        Weights {
            weights: iter.into_iter().collect(),
            windows: Windows::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignalPoints {
    pub signal: Signal,
    pub value: f64,
    pub points: f64,
    /// The window the value was computed over (None: a state at the evaluation date).
    #[serde(skip)]
    pub window: Option<Window>,
}

impl SignalPoints {
    /// The signal's rule, naming the window its value was computed over.
    pub fn rule(&self) -> String {
        self.signal.rule(self.window)
    }
}

/// The signals that fired for one account, most points first, and their total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub total: f64,
    pub signals: Vec<SignalPoints>,
}

/// The points a signal's value earns with the weights (0 when it does not fire), rounded to 0.1.
pub fn points(signal: Signal, value: f64, weights: &Weights) -> f64 {
    round1(weights.get(signal) * signal.factor(value))
}

/// A score's total from its signals' points: their sum rounded to 0.1. Points are tenths, so
/// the order they are added in does not change it.
pub fn total(points: impl IntoIterator<Item = f64>) -> f64 {
    round1(points.into_iter().sum())
}

pub fn score(values: &[(Signal, f64)], weights: &Weights) -> Score {
    let mut signals: Vec<SignalPoints> = values
        .iter()
        .map(|&(signal, value)| SignalPoints {
            signal,
            value,
            points: points(signal, value, weights),
            window: weights.windows.of(signal),
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
        total: total(signals.iter().map(|s| s.points)),
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

/// One account at the end of a past month, for the backtest: its score then, its MRR then, and
/// whether it churned within the next 3 months (active then, not active 3 months later).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub score: f64,
    pub mrr: f64,
    pub churned: bool,
}

/// The outcomes grouped by equal score, highest score first: (churners, non-churners, churned
/// MRR) per score.
fn by_score(outcomes: &[Outcome]) -> Vec<(f64, f64, f64)> {
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut groups: Vec<(f64, f64, f64)> = Vec::new();
    let mut last: Option<f64> = None;
    for o in sorted {
        if last != Some(o.score) {
            groups.push((0.0, 0.0, 0.0));
            last = Some(o.score);
        }
        if let Some(g) = groups.last_mut() {
            if o.churned {
                g.0 += 1.0;
                g.2 += o.mrr;
            } else {
                g.1 += 1.0;
            }
        }
    }
    groups
}

/// Over the (churner, non-churner) pairs of one ranking: in how many the churner has the higher
/// score, a tie counting half, and how many pairs there are.
pub fn ranked_pairs(outcomes: &[Outcome]) -> (f64, f64) {
    let groups = by_score(outcomes);
    let stayed: f64 = groups.iter().map(|g| g.1).sum();
    // Walking from the highest score down: the non-churners not seen yet score lower.
    let (mut won, mut seen) = (0.0, 0.0);
    for (churners, stayers, _) in groups {
        won += churners * ((stayed - seen - stayers) + stayers / 2.0);
        seen += stayers;
    }
    let churned = outcomes.iter().filter(|o| o.churned).count() as f64;
    (won, churned * stayed)
}

/// The AUC of one ranking: the probability that a random churner outranks a random
/// non-churner, ties counting half. None without a churner or without a non-churner.
pub fn auc(outcomes: &[Outcome]) -> Option<f64> {
    let (won, pairs) = ranked_pairs(outcomes);
    (pairs > 0.0).then(|| won / pairs)
}

/// The churned MRR the top `share` (0.1: a tenth) of the ranking held, and all the churned MRR.
/// The top holds `share` x the number of accounts; accounts tied at the cut count by the part
/// of their group that fits, so a tie is never broken in the score's favour.
pub fn top_churned_mrr(outcomes: &[Outcome], share: f64) -> (f64, f64) {
    let mut room = share.clamp(0.0, 1.0) * outcomes.len() as f64;
    let mut held = 0.0;
    for (churners, stayers, mrr) in by_score(outcomes) {
        let n = churners + stayers;
        if room <= 0.0 {
            break;
        }
        held += mrr * (room / n).min(1.0);
        room -= n;
    }
    let churned = outcomes.iter().filter(|o| o.churned).map(|o| o.mrr).sum();
    (held, churned)
}

/// The backtest's figures over every month it covers.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Backtest {
    /// Months ranked.
    pub months: u32,
    /// Account-months ranked (each month's active accounts).
    pub accounts: u64,
    /// Of those, the ones that churned within 3 months.
    pub churned: u64,
    /// Pairs of a churner and a non-churner of the same month in which the churner ranked
    /// higher (ties half), over all such pairs. None without both.
    pub auc: Option<f64>,
    /// The churned MRR the top 10% of each month's ranking held, over all the churned MRR.
    pub top_decile_churned_mrr_share: Option<f64>,
}

/// Sums the monthly rankings into a `Backtest`: pairs and MRR add up over months, so a month
/// with more accounts weighs more.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BacktestTally {
    months: u32,
    accounts: u64,
    churned: u64,
    won: f64,
    pairs: f64,
    top_mrr: f64,
    churned_mrr: f64,
}

impl BacktestTally {
    /// Adds one month's ranking (the accounts active at its end).
    pub fn add_month(&mut self, outcomes: &[Outcome]) {
        if outcomes.is_empty() {
            return;
        }
        let (won, pairs) = ranked_pairs(outcomes);
        let (top, churned_mrr) = top_churned_mrr(outcomes, 0.1);
        self.months += 1;
        self.accounts += outcomes.len() as u64;
        self.churned += outcomes.iter().filter(|o| o.churned).count() as u64;
        self.won += won;
        self.pairs += pairs;
        self.top_mrr += top;
        self.churned_mrr += churned_mrr;
    }

    pub fn result(&self) -> Backtest {
        Backtest {
            months: self.months,
            accounts: self.accounts,
            churned: self.churned,
            auc: (self.pairs > 0.0).then(|| self.won / self.pairs),
            top_decile_churned_mrr_share: (self.churned_mrr > 0.0).then(|| self.top_mrr / self.churned_mrr),
        }
    }
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
            (Signal::NpsFalling, 10.0),
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
                (Signal::NpsFalling, -1.0),        // down 1 only: 0
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
    fn the_total_does_not_depend_on_the_order_of_the_points() {
        let w: Weights = Signal::ALL.into_iter().map(|s| (s, 7.3)).collect();
        let values: Vec<(Signal, f64)> = Signal::ALL.into_iter().map(|s| (s, 1.7)).collect();
        let points: Vec<f64> = values.iter().map(|&(s, v)| points(s, v, &w)).collect();
        let mut reversed = points.clone();
        reversed.reverse();
        assert_eq!(total(points.iter().copied()), score(&values, &w).total);
        assert_eq!(total(reversed), score(&values, &w).total);
        assert_eq!(total([]), 0.0);
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

    #[test]
    fn rules_name_their_window() {
        assert_eq!(
            Signal::Detractor.rule(None),
            "latest NPS answer in the last 180 days; weight when a detractor on the journey's scale (0-6 of 0-10)"
        );
        assert_eq!(
            Signal::Detractor.rule(Some(Window::days(90))),
            "latest NPS answer in the last 90 days; weight when a detractor on the journey's scale (0-6 of 0-10)"
        );
        assert!(Signal::SlaBreach.rule(None).contains("in the last 30 days"));
        assert!(Signal::HighEffort.rule(None).contains("in the last 90 days"));
        assert!(Signal::OverdueInvoice.rule(None).contains("in the last 180 days"));
        assert!(Signal::NpsFalling.rule(None).contains("in the last 365 days"));
        assert!(Signal::UsageDrop.rule(None).contains("the 3 months before"));
        assert!(Signal::MrrContraction.rule(None).contains("the last 3 months"));
        assert!(Signal::Downtime.rule(None).contains("in the month"));
        assert!(
            Signal::Downtime
                .rule(Some(Window::months(2)))
                .contains("in the last 2 months")
        );
        assert!(Signal::RedIndicator.rule(None).contains("in the month"));
        // Every signal that counts events has a window and a setting for it; states have neither.
        for signal in Signal::ALL {
            assert_eq!(signal.default_window().is_some(), signal.window_key().is_some());
        }
        assert_eq!(
            Signal::Detractor.window_key().as_deref(),
            Some("triage_window_days.detractor")
        );
        assert_eq!(
            Signal::UsageDrop.window_key().as_deref(),
            Some("triage_window_months.usage_drop")
        );
        assert_eq!(Signal::OpenTicketCritical.window_key(), None);
    }

    #[test]
    fn windows_come_from_the_settings() {
        let windows = Windows::with_settings([
            ("triage_window_days.detractor", "90"),
            ("triage_window_months.usage_drop", " 6 "),
            ("triage_weight.detractor", "20"),
        ])
        .unwrap();
        assert_eq!(windows.of(Signal::Detractor), Some(Window::days(90)));
        assert_eq!(windows.of(Signal::UsageDrop), Some(Window::months(6)));
        assert_eq!(windows.of(Signal::HighEffort), Some(Window::days(90)));
        assert_eq!(windows.of(Signal::OpenTicketHigh), None);
        assert_eq!(windows.len_of(Signal::SlaBreach), 30);
        for bad in [
            ("triage_window_months.detractor", "6"),
            ("triage_window_days.open_ticket_high", "5"),
            ("triage_window_days.bogus", "5"),
            ("triage_window_days.detractor", "0"),
            ("triage_window_days.detractor", "half a year"),
            ("triage_window_days.detractor", "36501"),
            ("triage_window_months.usage_drop", "1201"),
        ] {
            let message = Windows::with_settings([bad]).unwrap_err();
            assert!(message.contains(bad.0) && message.contains(bad.1), "{message}");
        }
        // The score's breakdown names the window its values were computed over.
        let mut w = weights();
        w.windows = windows;
        let s = score(&[(Signal::Detractor, 3.0)], &w);
        assert_eq!(s.signals[0].window, Some(Window::days(90)));
        assert!(s.signals[0].rule().contains("in the last 90 days"));
    }

    fn outcome(score: f64, mrr: f64, churned: bool) -> Outcome {
        Outcome { score, mrr, churned }
    }

    /// Ten accounts, three churned (90: 500, 70: 200, 40: 300).
    fn ten() -> Vec<Outcome> {
        vec![
            outcome(30.0, 10.0, false),
            outcome(90.0, 500.0, true),
            outcome(80.0, 1000.0, false),
            outcome(70.0, 200.0, true),
            outcome(60.0, 10.0, false),
            outcome(50.0, 10.0, false),
            outcome(40.0, 300.0, true),
            outcome(20.0, 10.0, false),
            outcome(10.0, 10.0, false),
            outcome(0.0, 10.0, false),
        ]
    }

    /// Six accounts with ties: churners 50, 30, 0; non-churners 30, 10, 0.
    fn six() -> Vec<Outcome> {
        vec![
            outcome(50.0, 100.0, true),
            outcome(30.0, 300.0, false),
            outcome(30.0, 200.0, true),
            outcome(10.0, 400.0, false),
            outcome(0.0, 50.0, true),
            outcome(0.0, 500.0, false),
        ]
    }

    #[test]
    fn auc_by_hand() {
        // 90 outranks all 7 non-churners, 70 six of them (not 80), 40 four (30, 20, 10, 0):
        // 17 of 21 pairs.
        assert_eq!(ranked_pairs(&ten()), (17.0, 21.0));
        assert_eq!(auc(&ten()), Some(17.0 / 21.0));
        // 50 beats 30, 10, 0 (3); 30 ties 30 (0.5) and beats 10, 0 (2); 0 loses to 30 and 10,
        // ties 0 (0.5): 6 of 9.
        assert_eq!(ranked_pairs(&six()), (6.0, 9.0));
        // Everyone tied: a coin toss.
        let flat = [
            outcome(5.0, 1.0, true),
            outcome(5.0, 1.0, false),
            outcome(5.0, 1.0, false),
        ];
        assert_eq!(auc(&flat), Some(0.5));
        // A perfect ranking and a reversed one.
        let perfect = [outcome(2.0, 1.0, true), outcome(1.0, 1.0, false)];
        assert_eq!(auc(&perfect), Some(1.0));
        let reversed = [outcome(1.0, 1.0, true), outcome(2.0, 1.0, false)];
        assert_eq!(auc(&reversed), Some(0.0));
        // No pair without a churner or without a non-churner.
        assert_eq!(auc(&[outcome(1.0, 1.0, true)]), None);
        assert_eq!(auc(&[outcome(1.0, 1.0, false)]), None);
        assert_eq!(auc(&[]), None);
    }

    #[test]
    fn top_decile_churned_mrr_by_hand() {
        // The top tenth of ten accounts is the 90 (churned, 500) of 1000 churned MRR.
        assert_eq!(top_churned_mrr(&ten(), 0.1), (500.0, 1000.0));
        // The top fifth adds the 80 (stayed); the top 30% the 70 (200).
        assert_eq!(top_churned_mrr(&ten(), 0.2), (500.0, 1000.0));
        assert_eq!(top_churned_mrr(&ten(), 0.3), (700.0, 1000.0));
        assert_eq!(top_churned_mrr(&ten(), 1.0), (1000.0, 1000.0));
        // Three accounts tied at the top for one place: each holds a third of it, so the top
        // holds a third of their churned MRR (100 + 300), not the larger one.
        let mut tied = vec![
            outcome(50.0, 100.0, true),
            outcome(50.0, 1000.0, false),
            outcome(50.0, 300.0, true),
        ];
        tied.extend((0..7).map(|_| outcome(0.0, 10.0, false)));
        let (held, churned) = top_churned_mrr(&tied, 0.1);
        assert_eq!(churned, 400.0);
        assert!((held - 400.0 / 3.0).abs() < 1e-9, "{held}");
        // Six accounts: the top 0.6 of a place is 0.6 of the 50 (100).
        let (held, churned) = top_churned_mrr(&six(), 0.1);
        assert!((held - 60.0).abs() < 1e-9, "{held}");
        assert_eq!(churned, 350.0);
    }

    #[test]
    fn backtest_sums_pairs_and_mrr_over_months() {
        let mut tally = BacktestTally::default();
        tally.add_month(&ten());
        tally.add_month(&six());
        tally.add_month(&[]);
        let b = tally.result();
        assert_eq!((b.months, b.accounts, b.churned), (2, 16, 6));
        // (17 + 6) of (21 + 9) pairs; (500 + 60) of (1000 + 350) churned MRR.
        assert_eq!(b.auc, Some(23.0 / 30.0));
        let share = b.top_decile_churned_mrr_share.unwrap();
        assert!((share - 560.0 / 1350.0).abs() < 1e-12, "{share}");
        // Nobody churned: no AUC and no share.
        let mut calm = BacktestTally::default();
        calm.add_month(&[outcome(1.0, 5.0, false), outcome(0.0, 5.0, false)]);
        let b = calm.result();
        assert_eq!((b.months, b.accounts, b.churned, b.auc), (1, 2, 0, None));
        assert_eq!(b.top_decile_churned_mrr_share, None);
    }
}
