//! The account view: the pane's state and loading (`state`), and its drawing (`view`).

pub mod state;
pub mod view;

pub use state::*;
