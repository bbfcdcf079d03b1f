//! End to end, through the binary: `init` and `check`, bad stores and bad paths, and the demo
//! generator's determinism and care with existing and partial files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use cxcockpit::store::SCHEMA_VERSION;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use tempfile::TempDir;

/// The binary, with no store named by the environment: every test passes --db or --out.
fn cx() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxcockpit"));
    cmd.env_remove("CXCOCKPIT_DB").env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str]) -> Output {
    cx().args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A failure as the contract wants it: the given exit code, exactly one line on stderr that
/// names what it should, and no panic.
fn assert_one_line_failure(out: &Output, code: i32, mentions: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got: {stderr}");
    for m in mentions {
        assert!(stderr.contains(m), "stderr should mention {m:?}: {stderr}");
    }
    stderr
}

/// Every file under `dir` with its bytes: what a failed command must leave as it was.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.clone(), None);
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path, Some(bytes));
            }
        }
    }
    files
}

fn init_store(path: &Path) {
    let out = run(&["--db", s(path), "init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Every table's rows, sorted, as text: equal dumps mean equal contents, whatever the file bytes.
fn dump(path: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = Connection::open(path).unwrap();
    let mut names = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap();
    let names: Vec<String> = names
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut tables = BTreeMap::new();
    for name in names {
        let columns = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .unwrap()
            .column_count();
        let order: Vec<String> = (1..=columns).map(|i| i.to_string()).collect();
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{name}\" ORDER BY {}", order.join(", ")))
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut lines = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..columns)
                .map(|i| match row.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(v) => v.to_string(),
                    // Debug prints the shortest text that reads back as the same f64.
                    ValueRef::Real(v) => format!("{v:?}"),
                    ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => format!("{b:?}"),
                })
                .collect();
            lines.push(cells.join("|"));
        }
        tables.insert(name, lines);
    }
    tables
}

/// A 60-account, 3-month demo store at `db` (small, but many pages).
fn small_demo(db: &Path) {
    let out = run(&[
        "demo",
        "--out",
        s(db),
        "--accounts",
        "60",
        "--months",
        "3",
        "--seed",
        "1",
        "--as-of",
        "2026-03",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn demo(out: &Path, seed: &str) -> Output {
    run(&[
        "demo",
        "--out",
        s(out),
        "--accounts",
        "300",
        "--months",
        "12",
        "--seed",
        seed,
        "--as-of",
        "2026-06",
    ])
}

// ---- init and check ----

#[test]
fn init_creates_a_store_that_check_finds_ok() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    let out = run(&["--db", s(&db), "init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(db.is_file());
    let version: i64 = Connection::open(&db)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    cx().args(["--db", s(&db), "check"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(": ok"));
    // Initialising an existing store again changes nothing and succeeds.
    cx().args(["--db", s(&db), "init"]).assert().code(0);
}

#[test]
fn check_lists_a_subscription_that_ends_before_it_starts_and_exits_1() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    init_store(&db);
    // The schema's CHECK forbids this row; a raw connection that ignores CHECKs stands for a
    // store damaged by another tool.
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             INSERT INTO account (account_id) VALUES ('A1');
             INSERT INTO subscription (subscription_id, account_id, mrr, start_date, end_date)
             VALUES ('S1', 'A1', 10, '2026-03-01', '2026-02-01');",
        )
        .unwrap();
    cx().args(["--db", s(&db), "check"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("subscription dates"))
        .stdout(predicates::str::contains(
            "subscription S1 of A1 ends 2026-02-01 before it starts 2026-03-01",
        ));
}

#[test]
fn check_lists_a_foreign_key_violation_and_exits_1() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    init_store(&db);
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO subscription (subscription_id, account_id, mrr, start_date)
             VALUES ('S9', 'GHOST', 10, '2026-03-01');",
        )
        .unwrap();
    let out = run(&["--db", s(&db), "--format", "json", "check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{json:#}");
    assert_eq!(problems[0]["rule"], "foreign key");
    assert!(problems[0]["detail"].as_str().unwrap().contains("subscription"));
    // Written behind the cockpit's back, with no refresh: the derived figures are behind it.
    assert_eq!(problems[1]["rule"], "pending refresh");
    assert!(
        problems[1]["detail"]
            .as_str()
            .unwrap()
            .contains("1 change(s) to subscription from 2026-03"),
        "{json:#}"
    );
}

// ---- bad paths and bad files: one line, exit 1 or 2, no panic, nothing left behind ----

#[test]
fn init_in_a_missing_directory_fails_and_creates_nothing() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no").join("such");
    let db = missing.join("store.db");
    let out = run(&["--db", s(&db), "init"]);
    assert_one_line_failure(&out, 2, &[s(&missing), "does not exist"]);
    assert!(snapshot(dir.path()).is_empty());
}

#[test]
fn init_under_a_regular_file_fails_and_leaves_the_file_alone() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a directory\n").unwrap();
    let before = snapshot(dir.path());
    let out = run(&["--db", s(&file.join("store.db")), "init"]);
    let stderr = assert_one_line_failure(&out, 2, &[s(&file)]);
    // The parent exists; it is a file. Saying it does not exist would send the user looking
    // for the wrong problem.
    assert!(!stderr.contains("does not exist"), "misleading: {stderr}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn check_of_a_missing_store_fails_without_creating_it() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    let out = run(&["--db", s(&db), "check"]);
    assert_one_line_failure(&out, 2, &[s(&db), "cxcockpit init"]);
    assert!(snapshot(dir.path()).is_empty());
}

#[test]
fn a_file_of_random_bytes_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    // xorshift64: deterministic noise, never the SQLite header.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..16384)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&db, &bytes).unwrap();
    let before = snapshot(dir.path());
    for command in ["check", "init", "rollup"] {
        let out = run(&["--db", s(&db), command]);
        assert_one_line_failure(&out, 2, &[s(&db), "not a cxcockpit store"]);
        assert_eq!(snapshot(dir.path()), before, "after {command}");
    }
}

#[test]
fn a_truncated_store_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    small_demo(&db);
    let len = std::fs::metadata(&db).unwrap().len();
    assert!(
        len > 64 * 1024,
        "the demo store should span many pages, has {len} bytes"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let before = snapshot(dir.path());
    // `check` reports it as its problem: see check_reports_a_truncated_store_as_a_problem_and_exits_1.
    for command in ["init", "rollup"] {
        let out = run(&["--db", s(&db), command]);
        assert_one_line_failure(&out, 2, &[s(&db), "corrupt or truncated"]);
        assert_eq!(snapshot(dir.path()), before, "after {command}");
    }
}

#[test]
fn a_sqlite_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("other.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    let before = snapshot(dir.path());
    for command in ["check", "init"] {
        let out = run(&["--db", s(&db), command]);
        assert_one_line_failure(&out, 2, &[s(&db), "not a cxcockpit store"]);
        assert_eq!(snapshot(dir.path()), before, "after {command}");
    }
}

#[test]
fn a_store_from_a_newer_cxcockpit_is_refused_naming_both_versions() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    init_store(&db);
    let newer = SCHEMA_VERSION + 98;
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let before = snapshot(dir.path());
    for command in ["check", "init"] {
        let out = run(&["--db", s(&db), command]);
        assert_one_line_failure(
            &out,
            2,
            &[
                s(&db),
                &format!("schema version {newer}"),
                &format!("up to {SCHEMA_VERSION}"),
            ],
        );
        assert_eq!(snapshot(dir.path()), before, "after {command}");
    }
}

/// The tests run as root, so file permissions cannot make a store read-only. Instead: a store
/// that needs a migration (user_version 0, no tables), opened with --readonly, must be refused
/// without being migrated; then, as a control, the same store opened normally is migrated.
#[test]
fn readonly_refuses_a_store_that_needs_migrating_and_does_not_migrate_it() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("old.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE scratch (x); DROP TABLE scratch;")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    assert!(!before.is_empty());
    let out = run(&["--db", s(&db), "--readonly", "check"]);
    assert_one_line_failure(
        &out,
        2,
        &[
            s(&db),
            "schema version 0",
            &format!("migrating to {SCHEMA_VERSION}"),
            "--readonly",
        ],
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "a read-only open wrote to the store"
    );
    cx().args(["--db", s(&db), "check"]).assert().code(0);
    let version: i64 = Connection::open(&db)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

/// The other read-only situation: a command that writes (the rollup) on a store opened with
/// --readonly fails with one line and leaves the store's contents as they were.
#[test]
fn readonly_refuses_to_write_rollups() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    init_store(&db);
    let before = std::fs::read(&db).unwrap();
    // Refused up front as bad usage: --readonly and a command that writes contradict each other.
    let out = run(&["--db", s(&db), "--readonly", "rollup"]);
    assert_one_line_failure(&out, 2, &["readonly", "rollup"]);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

// ---- demo ----

#[test]
fn demo_with_the_same_seed_and_month_gives_the_same_store() {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    for path in [&a, &b] {
        let out = demo(path, "7");
        assert!(out.status.success(), "{}", text(&out.stderr));
        // The progress spinner is for terminals only: a pipe gets none of it.
        assert!(out.stderr.is_empty(), "stderr: {:?}", text(&out.stderr));
    }
    let (mut da, mut db) = (dump(&a), dump(&b));
    // The rollups first, for a readable failure; then every raw table.
    let (ra, rb) = (da.remove("rollup").unwrap(), db.remove("rollup").unwrap());
    assert!(
        ra.len() > 1000,
        "the demo should have many rollup rows, has {}",
        ra.len()
    );
    assert!(ra == rb, "the rollups differ between two runs with seed 7");
    for table in [
        "account",
        "subscription",
        "ticket",
        "survey_response",
        "invoice",
        "churn_event",
    ] {
        assert!(!da[table].is_empty(), "the demo wrote no {table}");
    }
    for (table, rows) in &da {
        assert!(
            rows == &db[table],
            "table {table} differs between two runs with seed 7"
        );
    }
    assert_eq!(da.keys().collect::<Vec<_>>(), db.keys().collect::<Vec<_>>());
}

#[test]
fn demo_with_another_seed_gives_other_figures() {
    let dir = TempDir::new().unwrap();
    let (a, c) = (dir.path().join("a.db"), dir.path().join("c.db"));
    assert!(demo(&a, "7").status.success());
    assert!(demo(&c, "8").status.success());
    let (da, dc) = (dump(&a), dump(&c));
    assert!(
        da["rollup"] != dc["rollup"],
        "seeds 7 and 8 gave the same rollups"
    );
    assert!(
        da["subscription"] != dc["subscription"],
        "seeds 7 and 8 gave the same subscriptions"
    );
}

#[test]
fn demo_does_not_replace_an_existing_file_without_force() {
    let dir = TempDir::new().unwrap();
    let out_path = dir.path().join("precious.db");
    std::fs::write(&out_path, "precious contents\n").unwrap();
    let before = snapshot(dir.path());
    let out = demo(&out_path, "7");
    assert_one_line_failure(&out, 2, &[s(&out_path), "--force"]);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_demo_that_fails_after_generating_leaves_no_partial_file() {
    // Renaming the finished store over a directory fails only at the very end, after the
    // whole store was generated into its partial file.
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    let before = snapshot(dir.path());
    let out = run(&[
        "demo",
        "--out",
        s(&target),
        "--accounts",
        "30",
        "--months",
        "3",
        "--as-of",
        "2026-03",
        "--force",
    ]);
    assert_one_line_failure(&out, 1, &[s(&target)]);
    assert_eq!(snapshot(dir.path()), before);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn demo_into_a_missing_directory_fails_naming_the_requested_path() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no-such-dir");
    let out_path = missing.join("demo.db");
    let out = demo(&out_path, "7");
    let stderr = assert_one_line_failure(&out, 2, &[s(&missing)]);
    // The user asked for demo.db; the temporary file behind it is an implementation detail.
    assert!(
        !stderr.contains(".partial-"),
        "names the temporary file: {stderr}"
    );
    assert!(
        stderr.contains(s(&out_path)),
        "does not name {}: {stderr}",
        out_path.display()
    );
    assert!(snapshot(dir.path()).is_empty());
}

/// A version-1 store (subscriptions in a rowid table) is migrated on its first writable open:
/// the rows are kept, the table is keyed by its id alone and the by-account index is back.
#[test]
fn a_version_1_store_is_migrated_keeping_its_subscriptions() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("v1.db");
    cx().args([
        "demo",
        "--out",
        s(&db),
        "--accounts",
        "40",
        "--months",
        "6",
        "--as-of",
        "2026-06",
    ])
    .assert()
    .code(0);
    let rows_of = |conn: &Connection| -> Vec<(String, String, f64, String, Option<String>)> {
        let mut stmt = conn
            .prepare(
                "SELECT subscription_id, account_id, mrr, start_date, end_date FROM subscription ORDER BY 1",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    };
    let before = {
        // Turn it back into version 1: the same table with a rowid.
        let conn = Connection::open(&db).unwrap();
        let triggers: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_changed_%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(triggers.len() >= 20, "{triggers:?}");
        for trigger in triggers {
            conn.execute_batch(&format!("DROP TRIGGER {trigger}")).unwrap();
        }
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE subscription_v1 (
                 subscription_id TEXT PRIMARY KEY,
                 account_id TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
                 product TEXT NOT NULL DEFAULT '', mrr REAL NOT NULL CHECK (mrr >= 0), ordered_on TEXT,
                 start_date TEXT NOT NULL, end_date TEXT,
                 CHECK (end_date IS NULL OR end_date >= start_date),
                 CHECK (ordered_on IS NULL OR ordered_on <= start_date)) STRICT;
             INSERT INTO subscription_v1 SELECT * FROM subscription;
             DROP TABLE subscription;
             ALTER TABLE subscription_v1 RENAME TO subscription;
             CREATE INDEX subscription_by_account ON subscription (account_id, start_date);
             CREATE TABLE metric_value_v1 (
                 metric_id TEXT NOT NULL REFERENCES metric (metric_id) ON DELETE CASCADE,
                 period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
                 segment TEXT NOT NULL DEFAULT 'all', value REAL NOT NULL, n INTEGER CHECK (n >= 0),
                 PRIMARY KEY (metric_id, segment, period)) STRICT, WITHOUT ROWID;
             INSERT INTO metric_value_v1 SELECT * FROM metric_value;
             DROP TABLE metric_value;
             ALTER TABLE metric_value_v1 RENAME TO metric_value;
             ALTER TABLE account_month DROP COLUMN hvc;
             ALTER TABLE tier DROP COLUMN qualify;
             DROP TRIGGER survey_score_on_scale;
             DROP VIEW survey_answer;
             CREATE TABLE survey_response_v1 (
                 response_id TEXT PRIMARY KEY,
                 account_id TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
                 phase_id INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
                 answered_at TEXT NOT NULL, survey TEXT NOT NULL CHECK (survey IN ('nps', 'csat', 'ces')),
                 score INTEGER NOT NULL, touchpoint TEXT NOT NULL DEFAULT '',
                 comment TEXT NOT NULL DEFAULT '') STRICT;
             INSERT INTO survey_response_v1 SELECT * FROM survey_response;
             DROP TABLE survey_response;
             ALTER TABLE survey_response_v1 RENAME TO survey_response;
             CREATE INDEX survey_by_phase ON survey_response (phase_id, survey, answered_at);
             CREATE INDEX survey_by_account ON survey_response (account_id, answered_at);
             DROP INDEX account_by_domain;
             DROP INDEX account_by_external_id;
             ALTER TABLE account DROP COLUMN domain;
             ALTER TABLE account DROP COLUMN external_id;
             DROP VIEW survey_scale_in_force;
             DROP VIEW survey_standard_scale;
             DROP TABLE survey_scale;
             ALTER TABLE rollup DROP COLUMN variance;
             DROP TABLE tier_watch;
             DROP TABLE tier_month;
             DROP TABLE hvc_month;
             DROP TABLE churned_account;
             DROP TABLE churn_tier_month;
             DROP TABLE cohort_size;
             DROP TABLE cohort_month;
             DROP TABLE triage_rank;
             DROP VIEW setting_read_by_refresh;
             DROP VIEW refresh_touch_account;
             DROP TABLE refresh_pending_account;
             DROP VIEW refresh_touch;
             DROP TABLE refresh_pending;
             PRAGMA user_version = 1;",
        )
        .unwrap();
        rows_of(&conn)
    };
    assert!(before.len() > 40, "the demo has subscriptions: {}", before.len());
    let values_of = |conn: &Connection| -> Vec<(String, String, String, f64)> {
        let mut stmt = conn
            .prepare("SELECT metric_id, period, segment, value FROM metric_value ORDER BY 1, 2, 3")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let values_before = values_of(&Connection::open(&db).unwrap());
    assert!(!values_before.is_empty(), "the demo has imported metric values");
    let answers_of = |conn: &Connection, table: &str| -> Vec<(String, String, String, String, i64, String)> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT response_id, survey, account_id, answered_at, score, comment FROM {table} ORDER BY 1, 2"
            ))
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    };
    let answers_before = answers_of(&Connection::open(&db).unwrap(), "survey_response");
    assert!(!answers_before.is_empty(), "the demo has survey answers");
    cx().args(["--db", s(&db), "check"]).assert().code(0);
    let conn = Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let table_sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'subscription'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(table_sql.contains("WITHOUT ROWID"), "{table_sql}");
    // Version 3: HVC per month, computed from the account months the store had.
    let (hvc_months, hvc_now, hvc_last_month): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM account_month WHERE hvc = 1),
                    (SELECT count(*) FROM account WHERE hvc = 1),
                    (SELECT count(*) FROM account_month WHERE hvc = 1 AND period = '2026-06')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(
        hvc_months > hvc_last_month && hvc_last_month > 0,
        "{hvc_months} {hvc_last_month}"
    );
    assert_eq!(hvc_now, hvc_last_month, "the account's flag is its last month's");
    // Version 4: survey scales, and the survey rollups' variance filled by the refresh.
    let (scales, variances): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM survey_scale_in_force),
                    (SELECT count(*) FROM rollup r JOIN metric m USING (metric_id)
                     WHERE m.aggregation = 'nps' AND r.variance > 0)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        scales,
        3 * 2 + 3,
        "every journey's three surveys and the standard ones"
    );
    assert!(variances > 0);
    let index: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'subscription_by_account' AND tbl_name = 'subscription'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1);
    assert_eq!(rows_of(&conn), before);
    let values_sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'metric_value'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        values_sql.contains("PRIMARY KEY (metric_id, period, segment)"),
        "{values_sql}"
    );
    assert_eq!(values_of(&conn), values_before);
    // Version 7: answers keyed by response id and survey, every one kept, and read through the
    // view again; accounts with a domain and an external id, none set yet.
    let key: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('survey_response') WHERE pk > 0 ORDER BY pk")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(key, ["response_id", "survey"]);
    assert_eq!(answers_of(&conn, "survey_response"), answers_before);
    assert_eq!(answers_of(&conn, "survey_answer"), answers_before);
    let (with_domain, with_external_id): (i64, i64) = conn
        .query_row("SELECT count(domain), count(external_id) FROM account", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((with_domain, with_external_id), (0, 0));
    // The answers' triggers are back: a CSAT answer of an NPS response is a row of its own,
    // checked against the scale and recorded as a pending refresh of its account.
    let (response, account, answered_at): (String, String, String) = conn
        .query_row(
            "SELECT response_id, account_id, answered_at FROM survey_response WHERE survey = 'nps' ORDER BY 1 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    conn.execute_batch("DELETE FROM refresh_pending; DELETE FROM refresh_pending_account;")
        .unwrap();
    let insert = "INSERT INTO survey_response (response_id, account_id, answered_at, survey, score) VALUES (?1, ?2, ?3, 'csat', ?4)";
    let refused = conn.execute(insert, rusqlite::params![response, account, answered_at, 9]);
    assert!(
        refused.is_err_and(|e| e.to_string().contains("outside the scale")),
        "a CSAT of 9 is off the standard scale"
    );
    conn.execute(insert, rusqlite::params![response, account, answered_at, 4])
        .unwrap();
    let pending: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM refresh_pending WHERE source = 'survey_response'),
                    (SELECT count(*) FROM refresh_pending_account WHERE account_id = ?1)",
            [&account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(pending, (1, 1));
    assert_eq!(
        answers_of(&conn, "survey_response").len(),
        answers_before.len() + 1
    );
    drop(conn);
    // The migrated store has the schema of a new one: the same tables, columns, keys, indexes,
    // views and triggers.
    let fresh = dir.path().join("fresh.db");
    init_store(&fresh);
    assert_eq!(schema_shape(&db), schema_shape(&fresh));
}

/// A store's schema as SQLite reads it, to compare a migrated store with a new one (their
/// `CREATE TABLE` texts differ: `ALTER TABLE ... ADD COLUMN` appends to them): each table's
/// columns (name, type, not null, default, key position) and foreign keys; each index's table,
/// columns and text; each view's and trigger's text, runs of white space read as one space.
fn schema_shape(path: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = Connection::open(path).unwrap();
    let rows = |sql: &str, args: &[&str]| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map(rusqlite::params_from_iter(args), |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(v) => v.to_string(),
                        ValueRef::Real(v) => format!("{v:?}"),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        ValueRef::Blob(b) => format!("{b:?}"),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|cells| cells.join("|"))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    };
    let objects = rows(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema
         WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name",
        &[],
    );
    let mut shape = BTreeMap::new();
    for object in objects {
        let [kind, name, table, sql]: [&str; 4] =
            object.splitn(4, '|').collect::<Vec<_>>().try_into().unwrap();
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut lines = vec![format!("{kind} on {table}")];
        match kind {
            "table" => {
                lines.extend(rows(
                    "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)",
                    &[name],
                ));
                let mut keys = rows("SELECT * FROM pragma_foreign_key_list(?1)", &[name]);
                keys.sort();
                lines.extend(keys);
            }
            "index" => {
                lines.extend(rows("SELECT * FROM pragma_index_xinfo(?1)", &[name]));
                lines.push(sql);
            }
            _ => lines.push(sql),
        }
        shape.insert(name.to_string(), lines);
    }
    shape
}

// ---- private by default, and `backup` (issue #16) ----

/// The binary run under a umask (CI runs as root with its own: set it explicitly).
fn under_umask(umask: &str, args: &[&str]) -> Output {
    std::process::Command::new("sh")
        .args(["-c", "umask \"$1\"; shift; exec \"$@\"", "sh", umask])
        .arg(env!("CARGO_BIN_EXE_cxcockpit"))
        .args(args)
        .env_remove("CXCOCKPIT_DB")
        .output()
        .unwrap()
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A path with a suffix: the store's -wal and -shm.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[test]
fn new_stores_and_their_wal_and_shm_are_0600_under_umask_022_and_077() {
    let dir = TempDir::new().unwrap();
    for umask in ["022", "077", "000"] {
        let db = dir.path().join(format!("store-{umask}.db"));
        let out = under_umask(umask, &["--db", s(&db), "init"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(mode_of(&db), 0o600, "init under umask {umask}");
        // SQLite gives the -wal and -shm files the main file's mode.
        let conn = Connection::open(&db).unwrap();
        conn.execute("INSERT INTO setting (key, value) VALUES ('k', 'v')", [])
            .unwrap();
        for suffix in ["-wal", "-shm"] {
            let file = with_suffix(&db, suffix);
            assert!(file.exists(), "{suffix} while the store is open");
            assert_eq!(mode_of(&file), 0o600, "{suffix} under umask {umask}");
        }
    }
    let demo_db = dir.path().join("demo.db");
    let out = under_umask(
        "022",
        &[
            "demo",
            "--out",
            s(&demo_db),
            "--accounts",
            "50",
            "--months",
            "3",
            "--as-of",
            "2026-06",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode_of(&demo_db), 0o600, "demo --out");
}

#[test]
fn a_store_in_a_setgid_directory_is_0660_for_the_group_within_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let shared = dir.path().join("team");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    for (umask, expected) in [("002", 0o660), ("027", 0o640), ("077", 0o600)] {
        let db = shared.join(format!("store-{umask}.db"));
        let out = under_umask(umask, &["--db", s(&db), "init"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(mode_of(&db), expected, "umask {umask}");
    }
}

#[test]
fn backup_copies_the_store_0600_and_replaces_a_file_only_with_force() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.db");
    assert!(demo(&db, "7").status.success());
    let copy = dir.path().join("copy.db");
    let out = under_umask("022", &["--db", s(&db), "backup", "--out", s(&copy)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("backed up"), "{}", text(&out.stdout));
    assert_eq!(mode_of(&copy), 0o600);
    assert_eq!(dump(&copy), dump(&db), "the copy holds what the store holds");
    cx().args(["--db", s(&copy), "check"]).assert().code(0);
    // An existing file: refused without --force, left as it was.
    std::fs::write(&copy, "keep me").unwrap();
    let out = run(&["--db", s(&db), "backup", "--out", s(&copy)]);
    assert_one_line_failure(&out, 2, &[s(&copy), "--force"]);
    assert_eq!(std::fs::read(&copy).unwrap(), b"keep me");
    let out = run(&["--db", s(&db), "backup", "--out", s(&copy), "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(dump(&copy), dump(&db));
    // Never over anything but a regular file, nor over the store itself; no temporary file left.
    let before = snapshot(dir.path());
    for target in [dir.path().to_path_buf(), PathBuf::from("/dev/null"), db.clone()] {
        let out = run(&["--db", s(&db), "backup", "--out", s(&target), "--force"]);
        assert_one_line_failure(&out, 2, &[s(&target)]);
    }
    let fresh = dir.path().join("fresh.db");
    let out = run(&[
        "--db",
        s(&dir.path().join("missing.db")),
        "backup",
        "--out",
        s(&fresh),
    ]);
    assert_one_line_failure(&out, 2, &["cxcockpit init"]);
    // The -shm of the store is SQLite's shared memory, rewritten by any reader: left out.
    let files = |snap: BTreeMap<PathBuf, Option<Vec<u8>>>| {
        snap.into_iter()
            .filter(|(p, _)| !p.to_string_lossy().ends_with("-shm"))
            .collect::<BTreeMap<_, _>>()
    };
    let after = files(snapshot(dir.path()));
    let before = files(before);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        assert!(after.get(path) == Some(bytes), "{} changed", path.display());
    }
}

#[test]
fn backup_while_another_connection_writes_is_a_consistent_snapshot() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.db");
    assert!(demo(&db, "7").status.success());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let conn = Connection::open(&db).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            let mut i = 0u64;
            // Each write is two rows in one transaction: a copy holds both or neither.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                conn.execute_batch(&format!(
                    "BEGIN IMMEDIATE; INSERT INTO setting VALUES ('a{i}', '{i}'); \
                     INSERT INTO setting VALUES ('b{i}', '{i}'); COMMIT;"
                ))
                .unwrap();
                i += 1;
            }
            i
        })
    };
    let mut seen = Vec::new();
    for n in 0..4 {
        let copy = dir.path().join(format!("copy-{n}.db"));
        let out = run(&["--db", s(&db), "backup", "--out", s(&copy)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let conn = Connection::open(&copy).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let count = |prefix: &str| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM setting WHERE key GLOB ?1",
                [format!("{prefix}[0-9]*")],
                |r| r.get(0),
            )
            .unwrap()
        };
        let (a, b) = (count("a"), count("b"));
        assert_eq!(a, b, "half a transaction in copy {n}");
        seen.push(a);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

// ---- someone else's files, empty and truncated stores, killed demos (issue #16) ----

fn application_id(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap()
}

/// Another application's SQLite files: a schema version and tables that are not ours, our
/// tables and some of another's, another application id. Every command refuses them in one line
/// (exit 2) and leaves them byte for byte: no migration, no WAL switch, no mark.
#[test]
fn another_applications_database_is_refused_and_left_unchanged() {
    let dir = TempDir::new().unwrap();
    let make = |name: &str, sql: &str| {
        let path = dir.path().join(name);
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        path
    };
    let files = [
        (
            make(
                "v2.db",
                "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep'); PRAGMA user_version = 2;",
            ),
            "no account table",
        ),
        (
            make(
                "v4.db",
                "CREATE TABLE account (id); CREATE TABLE notes (body TEXT); PRAGMA user_version = 4;",
            ),
            "table notes is not cxcockpit's",
        ),
        (
            make("id.db", "PRAGMA application_id = 305419896;"),
            "application id 0x12345678",
        ),
        (
            make(
                "id4.db",
                "CREATE TABLE account (id); PRAGMA user_version = 4; PRAGMA application_id = -2;",
            ),
            "application id 0xfffffffe",
        ),
    ];
    let before = snapshot(dir.path());
    for (db, why) in &files {
        for args in [
            &["init"][..],
            &["check"],
            &["--readonly", "check"],
            &["rollup"],
            &["triage"],
        ] {
            let mut all = vec!["--db", s(db)];
            all.extend_from_slice(args);
            let out = run(&all);
            assert_one_line_failure(
                &out,
                2,
                &[s(db), "another application", why, "not a cxcockpit store"],
            );
            assert_eq!(snapshot(dir.path()), before, "after {args:?} on {}", db.display());
        }
    }
}

/// New stores carry cxcockpit's application id ("CXCP"); a store made before the mark is read
/// as it is with --readonly and marked by its first writable open.
#[test]
fn stores_are_marked_with_the_application_id_and_old_stores_on_a_writable_open() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    init_store(&db);
    assert_eq!(application_id(&db), 0x4358_4350);
    assert_eq!(cxcockpit::store::APPLICATION_ID, 0x4358_4350);
    let demo_db = dir.path().join("demo.db");
    assert!(demo(&demo_db, "3").status.success());
    assert_eq!(application_id(&demo_db), 0x4358_4350);
    // A store from before the mark.
    Connection::open(&demo_db)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    let out = run(&["--db", s(&demo_db), "--readonly", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(application_id(&demo_db), 0, "--readonly writes nothing");
    let out = run(&["--db", s(&demo_db), "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(application_id(&demo_db), 0x4358_4350);
}

/// A zero-byte file is not a store: no command but `init` makes it one.
#[test]
fn an_empty_file_becomes_a_store_only_through_init() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let accounts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import/accounts.csv");
    let before = snapshot(dir.path());
    for args in [
        &["check"][..],
        &["--readonly", "check"],
        &["rollup"],
        &["triage"],
        &["triage", "note", "A1", "hello"],
        &["import", "accounts", s(&accounts)],
    ] {
        let mut all = vec!["--db", s(&db)];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_one_line_failure(&out, 2, &[s(&db), "empty file", "cxcockpit init"]);
        assert_eq!(snapshot(dir.path()), before, "after {args:?}");
    }
    init_store(&db);
    cx().args(["--db", s(&db), "check"]).assert().code(0);
}

/// `check` on a store too damaged to open reports the damage as its problem: exit 1, the
/// problem on stdout in the format asked for.
#[test]
fn check_reports_a_truncated_store_as_a_problem_and_exits_1() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("store.db");
    small_demo(&db);
    let len = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let before = snapshot(dir.path());
    let out = run(&["--db", s(&db), "check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("integrity")
            && stdout.contains("corrupt or truncated")
            && stdout.contains("1 problems"),
        "{stdout}"
    );
    let out = run(&["--db", s(&db), "--format", "json", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["problems"][0]["rule"], "integrity");
    assert_eq!(snapshot(dir.path()), before);
}

/// A demo killed mid-way leaves `<out>.partial-<pid>` (and its journal files): the next demo
/// into the same path removes them, and leaves alone a partial file whose process still runs.
#[test]
fn the_next_demo_removes_the_partial_files_of_a_killed_one() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.db");
    // A process that has ended: its pid is free.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| dir.path().join(format!("demo.db.partial-{dead}{suffix}")))
        .collect();
    for file in &stale {
        std::fs::write(file, b"half a store").unwrap();
    }
    let running = dir.path().join(format!("demo.db.partial-{}", std::process::id()));
    std::fs::write(&running, b"still being written").unwrap();
    let out = demo(&db, "5");
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in &stale {
        assert!(!file.exists(), "{} is left", file.display());
    }
    assert!(running.exists(), "a running demo's file is kept");
    // And a real kill -9 during generation.
    std::fs::remove_file(&running).unwrap();
    let big = dir.path().join("big.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .env_remove("CXCOCKPIT_DB")
        .args(["demo", "--out", s(&big), "--accounts", "20000", "--months", "24"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partial = dir.path().join(format!("big.db.partial-{}", child.id()));
    let started = std::time::Instant::now();
    while !partial.exists() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "the killed demo left its partial file");
    assert!(demo(&big, "5").status.success());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
