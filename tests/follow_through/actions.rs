//! `cxcockpit actions`: add, list with filters, done, drop, note, assign, history; the JSON
//! fields of the contract; bad input refused with exit 2 and nothing written; the history
//! append-only down to the store's triggers.

use super::common::{Env, text};
use super::{alert_store, cx_as, json_as, refused};

const MONDAY: &str = "2026-03-02T09:00:00";

fn add(env: &Env, user: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json", "actions", "add"];
    all.extend_from_slice(args);
    json_as(env, user, MONDAY, &all)
}

#[test]
fn an_added_action_has_exactly_the_contracts_fields() {
    let env = alert_store();
    let action = add(
        &env,
        "ana",
        &[
            "--title",
            "Call back about the outage",
            "--account",
            "H1",
            "--metric",
            "mA",
            "--period",
            "2026-02",
            "--owner",
            "kim",
            "--due",
            "2026-03-06",
        ],
    );
    let keys: Vec<&str> = action.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "account_id",
            "journey_id",
            "phase_key",
            "period",
            "metric_id",
            "owner",
            "due",
            "status",
            "source",
            "created_by",
            "created_at",
            "updated_at",
            "history"
        ]
    );
    assert_eq!(action["id"], 1);
    // The metric brings its journey and phase.
    assert_eq!(action["journey_id"], "j");
    assert_eq!(action["phase_key"], "support");
    assert_eq!(action["status"], "open");
    assert_eq!(action["source"], "manual");
    assert_eq!(action["created_by"], "ana");
    assert_eq!(action["created_at"], MONDAY);
    assert_eq!(action["history"][0]["event"], "created");
    assert_eq!(action["history"][0]["body"], "for kim, due 2026-03-06");
}

#[test]
fn changes_are_recorded_with_who_and_when_and_closing_twice_is_refused() {
    let env = alert_store();
    add(
        &env,
        "ana",
        &["--title", "Fix billing", "--account", "R1", "--due", "2026-03-10"],
    );
    json_as(
        &env,
        "kim",
        "2026-03-03T10:00:00",
        &["--format", "json", "actions", "assign", "1", "lee"],
    );
    json_as(
        &env,
        "lee",
        "2026-03-04T11:00:00",
        &["--format", "json", "actions", "note", "1", "Waiting for finance"],
    );
    let done = json_as(
        &env,
        "lee",
        "2026-03-05T12:00:00",
        &["--format", "json", "actions", "done", "1", "--note", "Credited"],
    );
    assert_eq!(done["status"], "done");
    assert_eq!(done["owner"], "lee");
    assert_eq!(done["updated_at"], "2026-03-05T12:00:00");
    let events: Vec<(String, String, String, String)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("event"), s("body"), s("author"), s("at"))
        })
        .collect();
    let e = |a: &str, b: &str, c: &str, d: &str| (a.to_string(), b.to_string(), c.to_string(), d.to_string());
    assert_eq!(
        events,
        vec![
            e("created", "due 2026-03-10", "ana", MONDAY),
            e("assign", "assigned to lee", "kim", "2026-03-03T10:00:00"),
            e("note", "Waiting for finance", "lee", "2026-03-04T11:00:00"),
            e("done", "Credited", "lee", "2026-03-05T12:00:00"),
        ]
    );
    let history = json_as(
        &env,
        "x",
        MONDAY,
        &["--format", "json", "actions", "history", "1"],
    );
    assert_eq!(history.as_array().unwrap().len(), 4);
    let before = env.snapshot();
    let err = refused(
        &env,
        "lee",
        MONDAY,
        &["actions", "drop", "1", "--note", "too late"],
    );
    assert!(err.contains("action 1: is done already"), "{err}");
    env.assert_unchanged(&before, "dropping a done action");
}

#[test]
fn drop_needs_a_reason_and_bad_references_are_refused_with_nothing_written() {
    let env = alert_store();
    add(&env, "ana", &["--title", "Visit", "--account", "H2"]);
    let before = env.snapshot();
    let cases: [(&[&str], &str); 7] = [
        (
            &["actions", "drop", "1", "--note", " "],
            "expected why the action is dropped",
        ),
        (
            &["actions", "add", "--title", "x", "--account", "NOPE"],
            "--account NOPE: no such account",
        ),
        (
            &[
                "actions",
                "add",
                "--title",
                "x",
                "--journey",
                "j",
                "--phase",
                "nope",
            ],
            "--phase nope: no such phase in journey j",
        ),
        (
            &["actions", "add", "--title", "x", "--phase", "use"],
            "expected --journey J with it",
        ),
        (
            &["actions", "add", "--title", "x", "--metric", "zz"],
            "--metric zz: no such metric",
        ),
        (&["actions", "add", "--title", "  "], "--title is empty"),
        (&["actions", "note", "9", "hello"], "action 9: no such action"),
    ];
    for (args, expected) in cases {
        let err = refused(&env, "ana", MONDAY, args);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = refused(
        &env,
        "ana",
        MONDAY,
        &["actions", "add", "--title", "x", "--due", "2026-02-30"],
    );
    assert!(err.contains("--due"), "{err}");
    env.assert_unchanged(&before, "refused writes");
}

#[test]
fn the_list_filters_by_owner_status_overdue_and_account_overdue_first() {
    let env = alert_store();
    add(
        &env,
        "ana",
        &["--title", "A later", "--owner", "ana", "--due", "2026-03-20"],
    ); // 1
    add(
        &env,
        "ana",
        &[
            "--title",
            "B overdue",
            "--owner",
            "kim",
            "--due",
            "2026-03-01",
            "--account",
            "H1",
        ],
    ); // 2
    add(&env, "ana", &["--title", "C undated", "--owner", "ana"]); // 3
    add(
        &env,
        "ana",
        &[
            "--title",
            "D soon",
            "--owner",
            "ana",
            "--due",
            "2026-03-05",
            "--account",
            "H1",
        ],
    ); // 4
    json_as(&env, "ana", MONDAY, &["--format", "json", "actions", "done", "4"]);
    let ids = |args: &[&str]| -> Vec<i64> {
        let mut all = vec!["--format", "json", "actions"];
        all.extend_from_slice(args);
        json_as(&env, "ana", "2026-03-02T09:00:00", &all)["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    // Today is 2026-03-02: 2 is overdue (due the day before); then by due date, undated last.
    assert_eq!(ids(&[]), vec![2, 1, 3]);
    assert_eq!(ids(&["--owner", "ana"]), vec![1, 3]);
    assert_eq!(ids(&["--overdue"]), vec![2]);
    assert_eq!(ids(&["--account", "H1"]), vec![2]);
    assert_eq!(ids(&["--status", "done"]), vec![4]);
    assert_eq!(ids(&["--status", "all", "--account", "H1"]), vec![2, 4]);
    let table = cx_as(&env, "ana", MONDAY, &["actions"]);
    let table = text(&table.stdout);
    let overdue_line = table.lines().find(|l| l.contains("B overdue")).unwrap();
    assert!(overdue_line.contains("! overdue"), "{table}");
}

#[test]
fn the_history_is_append_only_in_the_store_itself() {
    let env = alert_store();
    add(&env, "ana", &["--title", "Keep me", "--account", "H1"]);
    let conn = env.conn();
    let update = conn.execute("UPDATE action_history SET body = 'rewritten'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM action_history", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(env.one("SELECT count(*), min(body) FROM action_history"), "1|");
}

#[test]
fn a_readonly_store_refuses_writes_and_still_lists() {
    let env = alert_store();
    add(&env, "ana", &["--title", "Read me", "--owner", "ana"]);
    let err = refused(&env, "ana", MONDAY, &["--readonly", "actions", "note", "1", "x"]);
    assert!(err.contains("--readonly"), "{err}");
    let list = json_as(
        &env,
        "ana",
        MONDAY,
        &["--readonly", "--format", "json", "actions"],
    );
    assert_eq!(list["actions"][0]["title"], "Read me");
}

#[test]
fn an_action_from_the_review_names_its_month_and_stdin_rules_name_stdin() {
    let env = alert_store();
    let action = add(
        &env,
        "ana",
        &[
            "--title",
            "Agreed in the review",
            "--journey",
            "j",
            "--phase",
            "support",
            "--period",
            "2026-02",
            "--from-review",
        ],
    );
    assert_eq!(action["source"], "review:2026-02");
    let err = refused(
        &env,
        "ana",
        MONDAY,
        &["actions", "add", "--title", "x", "--from-review"],
    );
    assert!(err.contains("--period"), "{err}");
    // Rules from standard input: errors name it.
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .args(["--db", env.db.to_str().unwrap(), "import", "alert-rules", "-"])
        .write_stdin("[[rule]]\nid = \"a\"\nkind = \"rain\"\ntitle = \"x\"\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("stdin: not imported, nothing was written: 1 error\n  line 3: rule a: kind: 'rain'"),
        "{err}"
    );
}
