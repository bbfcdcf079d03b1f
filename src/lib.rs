//! cxcockpit: a terminal cockpit for B2B customer-experience reviews over a local SQLite store.
//!
//! Layers, one direction of flow: `store` (all SQL) -> `domain` (pure computation) -> `cli`
//! (and the terminal UI). The binary's `main` only parses, runs and maps errors to exit codes.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod import;
pub mod paths;
pub mod report;
pub mod store;
pub mod ui;

pub use error::{Error, Result};
