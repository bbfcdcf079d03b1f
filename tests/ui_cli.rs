//! The cockpit's command line: `snapshot` prints a pane exactly as the cockpit draws it, or its
//! data as JSON, and rejects unknown panes, segments and months with the valid ones; the
//! cockpit itself refuses to start without a terminal and says to use `snapshot`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::Store;
use cxcockpit::ui::action::Action;
use cxcockpit::ui::app::apply;
use cxcockpit::ui::{App, render_text};
use predicates::prelude::*;

fn params() -> DemoParams {
    DemoParams {
        accounts: 300,
        months: 12,
        seed: 7,
        as_of: Period::new(2026, 6).unwrap(),
    }
}

/// The demo store of the rendering tests, written to `<dir>/fixture.db` by the binary.
fn fixture(dir: &Path) -> PathBuf {
    let path = dir.join("fixture.db");
    let p = params();
    cxcockpit()
        .args(["demo", "--out"])
        .arg(&path)
        .args([
            "--accounts",
            &p.accounts.to_string(),
            "--months",
            &p.months.to_string(),
        ])
        .args(["--seed", &p.seed.to_string(), "--as-of", &p.as_of.to_string()])
        .assert()
        .success();
    path
}

fn cxcockpit() -> Command {
    let mut cmd = Command::cargo_bin("cxcockpit").unwrap();
    cmd.env_remove("CXCOCKPIT_DB").env_remove("NO_COLOR");
    cmd
}

#[test]
fn snapshot_prints_what_the_cockpit_draws() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let out = cxcockpit()
        .arg("--db")
        .arg(&db)
        .args([
            "snapshot",
            "--journey",
            "SME broadband",
            "--pane",
            "phase:Get-Support",
        ])
        .args(["--width", "80", "--height", "24"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(out).unwrap();

    // The same store in memory, drawn by the same function the cockpit draws with.
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &params()).unwrap();
    let mut app = App::load(&store, "fixture.db".into()).unwrap();
    apply(&mut app, &store, Action::NextJourney).unwrap();
    apply(&mut app, &store, Action::GotoPane(5)).unwrap();
    assert_eq!(printed, render_text(&app, 80, 24));
    assert!(!printed.contains('\x1b'), "no escape codes");
    assert_eq!(printed.lines().count(), 24);
}

#[test]
fn snapshot_defaults_to_the_overview_at_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let out = cxcockpit()
        .arg("--db")
        .arg(&db)
        .arg("snapshot")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 40);
    assert!(text.lines().all(|l| l.chars().count() <= 120));
    assert!(
        text.contains("Overview") && text.contains("period 2026-06") && text.contains("Moved most"),
        "{text}"
    );
}

#[test]
fn snapshot_takes_period_segment_and_phase_names_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    cxcockpit()
        .arg("--db")
        .arg(&db)
        .args([
            "snapshot",
            "--pane",
            "PHASE:operate & loyalty",
            "--period",
            "2026-02",
            "--segment",
            "HVC",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("period 2026-02").and(predicate::str::contains("segment HVC")))
        .stdout(predicate::str::contains("Operate & Loyalty (phase 5 of 6)"));
}

#[test]
fn snapshot_rejects_unknown_panes_segments_and_months_with_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let run = |args: &[&str]| {
        cxcockpit()
            .arg("--db")
            .arg(&db)
            .arg("snapshot")
            .args(args)
            .assert()
            .code(2)
    };
    run(&["--pane", "phase:nowhere"]).stderr(predicate::str::contains(
        "valid: overview, phase:awareness, phase:consideration, phase:commitment, phase:deployment, phase:operate-loyalty, phase:terminate, churn, tiers",
    ));
    run(&["--pane", "retention"]).stderr(predicate::str::contains("valid: overview, phase:"));
    run(&["--segment", "vip"]).stderr(predicate::str::contains("valid: all, hvc, regular, size:"));
    run(&["--period", "2030-01"]).stderr(predicate::str::contains("the store holds 2025-07 to 2026-06"));
    run(&["--period", "June"]).stderr(predicate::str::contains("YYYY-MM"));
    run(&["--journey", "retail"]).stderr(predicate::str::contains("valid: cloud-security, sme-broadband"));
    run(&["--width", "0"]);
}

#[test]
fn snapshot_json_gives_the_pane_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let out = cxcockpit()
        .arg("--db")
        .arg(&db)
        .args(["--format", "json", "snapshot", "--journey", "sme-broadband"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["pane"], "overview");
    assert_eq!(json["period"], "2026-06");
    assert_eq!(json["segment"], "all");
    let phases = json["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 5);
    assert_eq!(phases[0]["key"], "activate");
    let metric = &phases[1]["metrics"][0];
    for field in [
        "id", "name", "kind", "value", "n", "target", "status", "delta", "trend",
    ] {
        assert!(metric.get(field).is_some(), "{field} missing: {metric}");
    }
    assert_eq!(metric["trend"].as_array().unwrap().len(), 12);
    assert_eq!(metric["trend"][11]["period"], "2026-06");
    assert!(json["movers"].as_array().is_some_and(|m| !m.is_empty()));

    let out = cxcockpit()
        .arg("--db")
        .arg(&db)
        .args(["--format", "json", "snapshot", "--pane", "phase:deployment"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["phases"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["phases"][0]["owner"],
        serde_json::Value::Null,
        "the unowned phase says so"
    );
}

#[test]
fn without_a_terminal_the_cockpit_says_to_use_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    // assert_cmd captures stdout: it is a pipe, not a terminal.
    cxcockpit()
        .arg("--db")
        .arg(&db)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("needs a terminal").and(predicate::str::contains("cxcockpit snapshot")),
        );
    cxcockpit()
        .arg("--demo")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("snapshot"));
}

#[test]
fn demo_and_mouse_are_for_the_cockpit_only() {
    cxcockpit()
        .args(["--demo", "paths"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without a subcommand"));
}

#[test]
fn snapshot_draws_the_churn_and_tiers_panes() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &params()).unwrap();
    for (pane, title) in [
        (
            "churn",
            "Churn and revenue retention: 2026-05, Cloud security, segment all",
        ),
        ("tiers", "Loyalty tiers at the end of 2026-05"),
    ] {
        let out = cxcockpit()
            .arg("--db")
            .arg(&db)
            .args(["snapshot", "--pane", pane, "--period", "2026-05"])
            .args(["--width", "100", "--height", "30"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let printed = String::from_utf8(out).unwrap();
        assert!(printed.contains(title), "{printed}");
        assert_eq!(printed.lines().count(), 30);
        // The same drawing as the cockpit's, in memory.
        let mut app = App::load(&store, "fixture.db".into()).unwrap();
        apply(&mut app, &store, Action::PrevMonth).unwrap();
        let phases = app.data.phases.len();
        let tab = if pane == "churn" { phases + 2 } else { phases + 3 };
        apply(&mut app, &store, Action::GotoPane(tab)).unwrap();
        assert_eq!(printed, render_text(&app, 100, 30));
    }
}

#[test]
fn snapshot_json_of_the_churn_and_tiers_panes() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let json = |pane: &str| -> serde_json::Value {
        let out = cxcockpit()
            .arg("--db")
            .arg(&db)
            .args(["--format", "json", "snapshot", "--pane", pane])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let churn = json("churn");
    assert_eq!(churn["pane"], "churn");
    assert_eq!(churn["period"], "2026-06");
    let month = &churn["month"];
    let rate = month["churn_rate"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&rate), "a fraction: {rate}");
    assert_eq!(
        month["n_churned"].as_f64().unwrap() / month["n_start"].as_f64().unwrap(),
        rate
    );
    assert_eq!(
        churn["trend"].as_array().unwrap().len(),
        12,
        "every month in the store"
    );
    assert!(
        churn["by_segment"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["segment"] == "hvc")
    );
    let tiers = json("tiers");
    assert_eq!(tiers["pane"], "tiers");
    assert!(!tiers["summary"].as_array().unwrap().is_empty());
    assert!(
        tiers["watch"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["criteria"].is_array())
    );
}
