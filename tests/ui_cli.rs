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
    cmd.env_remove("CXCOCKPIT_DB")
        .env_remove("NO_COLOR")
        .env_remove("CXCOCKPIT_CONFIG")
        .env_remove("RUST_LOG");
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

/// Issue #18: every file of `fixtures/config/invalid/` is refused with exit 2 and the one-line
/// message its first line (`# expect: ...`) gives: the file, the line and the key.
#[test]
fn invalid_configuration_files_are_refused_naming_file_line_and_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for needed in [
        "unknown_key",
        "wrong_type",
        "bad_key_binding",
        "two_actions_on_one_key",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "{needed}.toml missing from {names:?}"
        );
    }
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no `# expect:` first line", file.display()));
        let out = cxcockpit()
            .arg("--config")
            .arg(file)
            .arg("churn")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(
            stderr.starts_with(&format!("cxcockpit: {}, {expect}", file.display())),
            "{}:\n expected: {expect}\n got: {stderr}",
            file.display()
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        // The same through $CXCOCKPIT_CONFIG, and for the cockpit itself.
        cxcockpit()
            .env("CXCOCKPIT_CONFIG", file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expect));
    }
}

#[test]
fn a_configuration_file_sets_the_store_and_flags_win_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "db = \"{}\"\npane = \"triage\"\nsegment = \"hvc\"\ntheme = \"light\"\nmouse = true\n\n[keys]\nquit = [\"q\", \"C-q\"]\n",
            db.display()
        ),
    )
    .unwrap();
    // The store comes from the file.
    cxcockpit()
        .arg("--config")
        .arg(&config)
        .args(["churn", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-06"));
    // `paths` names the file and says it is valid; --db wins over the file's store.
    cxcockpit()
        .arg("--config")
        .arg(&config)
        .args(["--db", "/elsewhere.db", "paths"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("store: /elsewhere.db")
                .and(predicate::str::contains(format!(
                    "config: {} (read)",
                    config.display()
                )))
                .and(predicate::str::contains("log: ")),
        );
    // A missing file named on purpose is an error; a missing default is not.
    cxcockpit()
        .args(["--config", "/no/such/config.toml", "churn"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/config.toml"));
    cxcockpit()
        .env("XDG_CONFIG_HOME", dir.path().join("empty"))
        .arg("--db")
        .arg(&db)
        .args(["churn", "--format", "csv"])
        .assert()
        .success();
    // The file's start pane is checked like the flag (before the terminal is asked for).
    std::fs::write(
        &config,
        format!("db = \"{}\"\npane = \"nowhere\"\n", db.display()),
    )
    .unwrap();
    cxcockpit()
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}: pane: no pane 'nowhere'",
            config.display()
        )));
}

/// Issue #18: the start options name the bad value and the valid ones, exit 2.
#[test]
fn start_options_name_a_bad_value_and_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let run = |args: &[&str], expected: &str| {
        cxcockpit()
            .env("CXCOCKPIT_CONFIG", "/dev/null")
            .arg("--db")
            .arg(&db)
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(expected));
    };
    run(
        &["--pane", "nowhere"],
        "--pane: no pane 'nowhere'; valid: overview, phase:awareness",
    );
    run(&["--pane", "phase:nope"], "--pane: no pane 'phase:nope'");
    run(
        &["--period", "2026-13"],
        "--period: '2026-13' is not a month: expected YYYY-MM",
    );
    run(
        &["--period", "2031-01"],
        "--period: no data for 2031-01: the store holds 2025-07 to 2026-06",
    );
    run(
        &["--segment", "vip"],
        "--segment: no segment 'vip'; valid: all, hvc, regular",
    );
    run(
        &["--journey", "space"],
        "--journey: no journey 'space'; valid: cloud-security, sme-broadband",
    );
    // Valid ones get as far as asking for a terminal.
    run(
        &[
            "--pane",
            "Triage",
            "--period",
            "2026-03",
            "--segment",
            "HVC",
            "--journey",
            "sme-broadband",
        ],
        "needs a terminal",
    );
    run(
        &["--pane", "phase:activate", "--journey", "sme-broadband"],
        "needs a terminal",
    );
    // They open the cockpit: with a subcommand they are a usage error.
    run(&["--pane", "triage", "churn"], "use them without one");
}

/// Issue #18: a completion script for every shell clap_complete knows; bash's parses.
#[test]
fn completions_for_every_shell_and_bash_parses_its_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = cxcockpit().args(["completions", shell]).output().unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in ["snapshot", "triage", "pane", "completions", "config"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        if shell == "bash" {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &script).unwrap();
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(file.path())
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    cxcockpit()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "possible values: bash, elvish, fish, powershell, zsh",
        ));
}

/// Issue #18: the manual page renders with `man -l` (man-db; `.ci/run` installs it), names
/// the environment variables, and `--out DIR` writes one page per subcommand.
#[test]
fn the_manual_page_renders_with_man() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("cxcockpit.1");
    let out = cxcockpit().arg("man").output().unwrap();
    assert!(out.status.success());
    std::fs::write(&page, &out.stdout).unwrap();
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man is needed (.ci/run installs man-db)");
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    for needed in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "CXCOCKPIT_DB",
        "CXCOCKPIT_CONFIG",
        "snapshot",
        "--pane",
    ] {
        assert!(
            text.contains(needed),
            "{needed} missing from the rendered page:\n{text}"
        );
    }
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    cxcockpit().args(["man", "--out"]).arg(&pages).assert().success();
    for name in [
        "cxcockpit.1",
        "cxcockpit-churn.1",
        "cxcockpit-snapshot.1",
        "cxcockpit-completions.1",
    ] {
        assert!(pages.join(name).is_file(), "{name} not written");
    }
}

/// Issue #18: `--help` shows the environment variable of the store and examples.
#[test]
fn help_shows_the_environment_and_examples() {
    cxcockpit().arg("--help").assert().success().stdout(
        predicate::str::contains("[env: CXCOCKPIT_DB]")
            .and(predicate::str::contains("[env: CXCOCKPIT_CONFIG]"))
            .and(predicate::str::contains("Examples:"))
            .and(predicate::str::contains("--color <WHEN>")),
    );
    cxcockpit()
        .args(["completions", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    cxcockpit()
        .args(["--color", "sometimes", "paths"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values: auto, always, never"));
}

/// Issue #18: diagnostic logs go to a file in the XDG state directory when RUST_LOG or
/// --verbose asks, never to the terminal; without either no file is made.
#[test]
fn logs_go_to_the_state_directory_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let log = state.join("cxcockpit/cxcockpit.log");
    let demo = |name: &str| {
        let mut cmd = cxcockpit();
        cmd.env("XDG_STATE_HOME", &state)
            .args(["demo", "--accounts", "30", "--months", "3", "--out"])
            .arg(dir.path().join(name));
        cmd
    };
    demo("a.db").assert().success();
    assert!(!log.exists(), "a log without RUST_LOG or --verbose");
    let out = demo("b.db").env("RUST_LOG", "cxcockpit=debug").output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("DEBUG") && !stderr.contains("INFO"), "{stderr}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("INFO") && text.contains("start"), "{text}");
    assert!(text.contains("DEBUG") && text.contains("progress"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the log may name accounts: private");
    }
    let before = text.len();
    cxcockpit()
        .env("XDG_STATE_HOME", &state)
        .args(["--verbose", "paths"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("log: {}", log.display())));
    assert!(
        std::fs::read_to_string(&log).unwrap().len() > before,
        "--verbose appends"
    );
    cxcockpit()
        .args(["--verbose", "--quiet", "paths"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// Empty `CXCOCKPIT_DB` and `CXCOCKPIT_CONFIG` are unset, as before the help named them.
#[test]
fn empty_environment_variables_are_unset() {
    let dir = tempfile::tempdir().unwrap();
    cxcockpit()
        .env("CXCOCKPIT_DB", "")
        .env("CXCOCKPIT_CONFIG", "")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .arg("paths")
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!(
                "store: {}",
                dir.path().join("cxcockpit/cxcockpit.db").display()
            ))
            .and(predicate::str::contains("(not there: the defaults apply)")),
        );
}
