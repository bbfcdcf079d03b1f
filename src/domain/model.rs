//! The domain's vocabulary: journeys, phases, metrics and their enumerations.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary stored as text, with `as_str` and `FromStr` kept in one place.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The word in any case, as import files write closed lists.
            pub fn from_word(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }

            /// The allowed words, for messages: `a, b, c`.
            pub fn words() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "'{}' is not one of {}",
                        text,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Indicator metrics predict end-of-journey success; success metrics say whether it was reached.
    MetricKind { Indicator => "indicator", Success => "success" }
}

text_enum! {
    /// The three value perspectives of the source documents.
    Perspective { Realization => "realization", Proposition => "proposition", Delivery => "delivery" }
}

text_enum! {
    Direction { Higher => "higher", Lower => "lower" }
}

text_enum! {
    /// How the rollup computes a metric (`imported`: it only exists as imported aggregates).
    Aggregation {
        Imported => "imported",
        Nps => "nps",
        Csat => "csat",
        Ces => "ces",
        FirstResponseHours => "first_response_hours",
        ResolutionHours => "resolution_hours",
        TicketsPer100 => "tickets_per_100",
        LogoChurn => "logo_churn",
        Grr => "grr",
        Nrr => "nrr",
        ExpansionRate => "expansion_rate",
        Arpu => "arpu",
        NewAccounts => "new_accounts",
        LeadTimeDays => "lead_time_days",
        DowntimeHours => "downtime_hours",
        OnTimePayment => "on_time_payment",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Journey {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub id: i64,
    pub journey_id: String,
    pub key: String,
    pub name: String,
    pub position: i64,
    pub cx_goal: String,
    pub business_goal: String,
    /// None: nobody owns the phase; the cockpit makes that visible.
    pub owner: Option<String>,
    pub moments_of_truth: String,
    pub pain_points: String,
    pub touchpoints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub id: String,
    pub phase_id: i64,
    pub name: String,
    pub kind: MetricKind,
    pub perspective: Perspective,
    pub unit: String,
    pub direction: Direction,
    pub target: Option<f64>,
    pub tolerance: f64,
    pub aggregation: String,
    pub source: String,
    pub definition: String,
}

impl Metric {
    /// Whether the metric is computed over all the journey's accounts rather than from what
    /// happens in its phase (the cockpit says so beside its name). Logo churn is the journey's in
    /// the journey's last phase; in any other phase it is that phase's churn.
    pub fn is_journey_wide(&self, in_last_phase: bool) -> bool {
        match self.aggregation.as_str() {
            "logo_churn" => in_last_phase,
            // Revenue retention, expansion, ARPU, downtime and on-time payment are measured over
            // every account of the journey; new accounts and lead times are the acquiring phase's.
            "grr" | "nrr" | "expansion_rate" | "arpu" | "downtime_hours" | "on_time_payment" => true,
            _ => false,
        }
    }
}

/// One metric's value for one month and segment, with the sample it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonthValue {
    pub value: f64,
    pub n: Option<i64>,
    /// Survey metrics: the sample variance of one answer's contribution (the significance of a
    /// change rests on it); None for other metrics.
    pub variance: Option<f64>,
}
