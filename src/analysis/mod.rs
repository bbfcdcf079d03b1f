//! Computations that both the command line and the cockpit show: store reads combined with the
//! domain's pure rules (tier decisions explained, indicators' predictive power). It sits under
//! `cli` and `ui`, so neither reaches into the other.

pub mod indicators;
pub mod tiers;
