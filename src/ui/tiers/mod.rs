//! Loyalty tiers: the pane's state and loading (`state`), its keys (`input`), and its drawing (`view`).

pub mod input;
pub mod state;
pub mod view;

pub use input::*;
pub use state::*;
