//! Follow-through (issue #19): owned actions with due dates and their append-only history, alert
//! rules as code with their watermark, the digest, and the review's action items. End to end
//! through the binary on stores made by `init` and loaded with hand-made fixtures
//! (`fixtures/follow_through/`), with the clock set by `CXCOCKPIT_NOW`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "follow_through/actions.rs"]
mod actions;
#[path = "follow_through/alerts.rs"]
mod alerts;
#[path = "follow_through/digest.rs"]
mod digest;
#[path = "follow_through/review.rs"]
mod review;
#[path = "follow_through/store.rs"]
mod store;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{Env, text};
use serde_json::Value;

/// The alert fixture: loaded into a store made by `init` (its derived rows are written
/// directly, so no refresh may follow).
pub const ALERTS_SQL: &str = include_str!("../fixtures/follow_through/alerts.sql");

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/follow_through")
        .join(name)
}

/// A store holding the alert fixture.
pub fn alert_store() -> Env {
    let env = Env::new();
    env.conn().execute_batch(ALERTS_SQL).unwrap();
    env
}

/// The binary on the env's store, with the clock at `now` and the login name `user`.
pub fn cx_as(env: &Env, user: &str, now: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .env_remove("CXCOCKPIT_DB")
        .env("NO_COLOR", "1")
        .env("USER", user)
        .env("CXCOCKPIT_NOW", now)
        .arg("--db")
        .arg(&env.db)
        .args(args)
        .output()
        .unwrap()
}

/// `cx_as` expecting success and JSON on stdout.
pub fn json_as(env: &Env, user: &str, now: &str, args: &[&str]) -> Value {
    let out = cx_as(env, user, now, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?} failed: {}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", text(&out.stdout)))
}

/// `cx_as` expecting exit code 2; returns stderr.
pub fn refused(env: &Env, user: &str, now: &str, args: &[&str]) -> String {
    let out = cx_as(env, user, now, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stderr)
}
