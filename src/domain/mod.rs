//! Pure computation over domain values: periods, status against target, churn and revenue
//! retention, survey scores, tier qualification. No I/O here; the store feeds it, the UI and
//! the CLI show what it returns.

pub mod alerts;
pub mod change;
pub mod model;
pub mod period;
pub mod predict;
pub mod retention;
pub mod stats;
pub mod status;
pub mod survey;
pub mod terms;
pub mod tiers;
pub mod triage;

pub use period::Period;
