//! Alert rules: each of the six kinds on the hand-made fixture (fires, does not fire at the
//! boundary, the window respected: see the comments of fixtures/follow_through/alerts.sql), the
//! watermark (a second run raises nothing; data imported later raises once; an open action is
//! not opened twice), two runs at once, the dry run, and the rules' import errors.

use serde_json::Value;

use super::common::{Env, text};
use super::{alert_store, cx_as, fixture, json_as, refused};

/// Evening of the as-of day: the run evaluates as of 2026-03-31.
const NOW: &str = "2026-03-31T20:00:00";

/// The fixture's rule of one id, alone, imported.
fn store_with_rule(id: &str) -> Env {
    let env = alert_store();
    let all = std::fs::read_to_string(fixture("rules.toml")).unwrap();
    let block = all
        .split("[[rule]]")
        .find(|b| b.contains(&format!("id = \"{id}\"")))
        .unwrap();
    let file = env.write("one.toml", format!("[[rule]]{block}"));
    let out = env.cx(&["import", "alert-rules", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    env
}

fn run(env: &Env, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--format", "json", "alerts"];
    args.extend_from_slice(extra);
    json_as(env, "cron", NOW, &args)["alerts"]
        .as_array()
        .unwrap()
        .clone()
}

/// (account or metric, period, detail) of each alert.
fn fired(alerts: &[Value]) -> Vec<(String, String, String)> {
    alerts
        .iter()
        .map(|a| {
            let subject = a["account_id"]
                .as_str()
                .or(a["metric_id"].as_str())
                .unwrap()
                .to_string();
            (
                subject,
                a["period"].as_str().unwrap().to_string(),
                a["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), c.to_string())
}

#[test]
fn detractor_fires_on_hvc_detractors_in_the_window_only() {
    // d1 (H1, 6) and d5 (H2, 5, the window's first day) fire; d2 (7, passive), d3 (regular
    // account) and d4 (30 days before, outside) do not.
    let env = store_with_rule("det");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![
            t(
                "H2",
                "2026-03",
                "NPS 5 (a detractor) answered 2026-03-02 00:00:00"
            ),
            t(
                "H1",
                "2026-03",
                "NPS 6 (a detractor) answered 2026-03-10 09:00:00"
            ),
        ]
    );
    // Opened with the rule's title, the account's owner (H2 has none) and a due date 2 days on.
    assert_eq!(
        env.rows(
            "SELECT title, account_id, owner, due, source, period, phase_key FROM action ORDER BY action_id"
        ),
        vec![
            [
                "Call back Hotel Two: NPS 5 (a detractor) answered 2026-03-02 00:00:00",
                "H2",
                "NULL",
                "2026-04-02",
                "alert:det",
                "2026-03",
                "NULL"
            ],
            [
                "Call back Hotel One: NPS 6 (a detractor) answered 2026-03-10 09:00:00",
                "H1",
                "ana",
                "2026-04-02",
                "alert:det",
                "2026-03",
                "support"
            ],
        ]
    );
}

#[test]
fn sla_breach_fires_a_second_late_and_when_unanswered_past_the_target() {
    // t2 answered after 4 h 1 s (target 4 h) and t3 critical, unanswered for 2 h at the end of
    // the day (target 1 h) fire; t1 exactly on target, t4 unanswered but not late yet (6 of
    // 8 h), t5 opened 7 days before (outside) and t6 (regular account) do not.
    let env = store_with_rule("sla");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![
            t(
                "H1",
                "2026-03",
                "ticket t2 (high): first response after 4 h 1 s, target 4 h"
            ),
            t(
                "H2",
                "2026-03",
                "ticket t3 (critical): no first response after 2 h, target 1 h"
            ),
        ]
    );
    // Owner: the ticket's phase's owner; t3 has no phase, and H2 no owner.
    assert_eq!(
        env.rows("SELECT account_id, owner, due FROM action ORDER BY action_id"),
        vec![["H1", "Support Team", "2026-04-01"], ["H2", "NULL", "2026-04-01"]]
    );
}

#[test]
fn overdue_invoice_fires_beyond_its_days_within_the_window() {
    // i1 31 days overdue and i5 89 days overdue fire; i2 exactly 30 (not more), i3 paid, i4 due
    // 90 days before (outside the 90-day window) do not.
    let env = store_with_rule("inv");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![
            t(
                "H2",
                "2026-01",
                "invoice i5 of 800 due 2026-01-01: unpaid, 89 days overdue"
            ),
            t(
                "R1",
                "2026-02",
                "invoice i1 of 100 due 2026-02-28: unpaid, 31 days overdue"
            ),
        ]
    );
    assert_eq!(
        env.one("SELECT group_concat(DISTINCT owner) FROM action"),
        "Billing"
    );
}

#[test]
fn tier_drop_fires_on_a_lower_tier_in_the_window_not_on_churn() {
    // H1 gold -> silver in March fires; R1 kept silver, H2 dropped in February (outside the
    // one-month window), C1 left (no tier because no MRR at the end of March) do not.
    let env = store_with_rule("tier");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![t("H1", "2026-03", "tier Gold -> Silver at the end of 2026-03")]
    );
}

#[test]
fn metric_red_fires_when_a_metric_turns_red_in_the_window() {
    // mB red in February (green in January) and mA red in March (amber at exactly its
    // tolerance in February) fire; mB still red in March, and mC, red in January (outside the
    // two-month window), do not.
    let env = store_with_rule("red");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![
            t(
                "mB",
                "2026-02",
                "Solved first time 84 % in 2026-02 is red (target 90, tolerance 5)"
            ),
            t(
                "mA",
                "2026-03",
                "Hours to answer 6.5 hours in 2026-03 is red (target 4, tolerance 2)"
            ),
        ]
    );
    assert_eq!(
        env.rows(
            "SELECT metric_id, journey_id, phase_key, period, owner, title FROM action ORDER BY action_id"
        ),
        vec![
            [
                "mB",
                "j",
                "support",
                "2026-02",
                "Support Team",
                "Solved first time turned red in 2026-02"
            ],
            [
                "mA",
                "j",
                "support",
                "2026-03",
                "Support Team",
                "Hours to answer turned red in 2026-03"
            ],
        ]
    );
}

#[test]
fn usage_drop_fires_beyond_its_percent_in_the_window() {
    // R1 75 against (90 + 100 + 110) / 3 = 100 is 25 % down: fires. H1 80 against 100 is
    // exactly 20 %; H2 fell 50 % in February (outside) and 70 against 83.33 (16 %) in March.
    let env = store_with_rule("usage");
    assert_eq!(
        fired(&run(&env, &[])),
        vec![t(
            "R1",
            "2026-03",
            "usage 75 in 2026-03 against 100 over the 3 months before: down 25%"
        )]
    );
}

fn all_rules() -> Env {
    let env = alert_store();
    let out = env.cx(&["import", "alert-rules", fixture("rules.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    env
}

#[test]
fn a_second_run_raises_nothing_and_data_arriving_later_raises_once() {
    let env = all_rules();
    let first = run(&env, &[]);
    assert_eq!(first.len(), 10);
    let ids: Vec<i64> = first.iter().map(|a| a["action_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>(), "one new action per alert");
    assert!(run(&env, &[]).is_empty(), "the second run raises nothing");
    assert_eq!(env.one("SELECT count(*) FROM action"), "10");
    assert_eq!(
        env.one("SELECT as_of, ran_by, raised FROM alert_run"),
        "2026-03-31|cron|0"
    );
    // A detractor answer of H1 arrives late (dated before the last run): raised once, and its
    // rule's action for H1 (action 2) is open, so it goes into that action's history.
    env.conn()
        .execute_batch(
            "INSERT INTO survey_response (response_id, account_id, answered_at, survey, score)
             VALUES ('late', 'H1', '2026-03-20T10:00:00', 'nps', 1)",
        )
        .unwrap();
    let late = run(&env, &[]);
    assert_eq!(
        fired(&late),
        vec![t(
            "H1",
            "2026-03",
            "NPS 1 (a detractor) answered 2026-03-20 10:00:00"
        )]
    );
    assert_eq!(late[0]["action_id"], 2);
    assert_eq!(env.one("SELECT count(*) FROM action"), "10");
    assert_eq!(
        env.one("SELECT event, body FROM action_history WHERE action_id = 2 AND event = 'alert'"),
        "alert|NPS 1 (a detractor) answered 2026-03-20 10:00:00"
    );
    assert!(run(&env, &[]).is_empty());
    // Once that action is done, the next detractor of H1 opens a new one.
    json_as(&env, "ana", NOW, &["--format", "json", "actions", "done", "2"]);
    env.conn()
        .execute_batch(
            "INSERT INTO survey_response (response_id, account_id, answered_at, survey, score)
             VALUES ('later', 'H1', '2026-03-25T10:00:00', 'nps', 3)",
        )
        .unwrap();
    let later = run(&env, &[]);
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["action_id"], 11);
}

#[test]
fn the_json_has_exactly_the_contracts_fields() {
    let env = store_with_rule("red");
    let alerts = run(&env, &[]);
    let keys: Vec<&str> = alerts[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["rule", "account_id", "metric_id", "period", "detail", "action_id"]
    );
    assert_eq!(alerts[0]["rule"], "red");
    assert_eq!(alerts[0]["account_id"], Value::Null);
}

#[test]
fn a_dry_run_writes_nothing() {
    let env = all_rules();
    let before = env.snapshot();
    let alerts = run(&env, &["--dry-run"]);
    assert_eq!(alerts.len(), 10);
    assert!(alerts.iter().all(|a| a["action_id"].is_null()));
    env.assert_unchanged(&before, "alerts --dry-run");
    assert_eq!(run(&env, &[]).len(), 10, "the real run still raises them");
}

/// `--readonly` refuses a run that records and points to `alerts --dry-run`: the dry run works
/// there (and as a user who cannot write the store: tests/reliability/readonly_dir.rs), and says
/// what it says on the store opened for writing.
#[test]
fn a_dry_run_reads_a_store_opened_read_only() {
    let env = all_rules();
    let before = env.snapshot();
    let writable = run(&env, &["--dry-run"]);
    let readonly = run(&env, &["--dry-run", "--readonly"]);
    assert_eq!(readonly, writable);
    assert_eq!(readonly.len(), 10);
    env.assert_unchanged(&before, "alerts --dry-run --readonly");
    let why = refused(&env, "cron", NOW, &["--readonly", "alerts"]);
    assert!(why.contains("use `alerts --dry-run`"), "{why}");
    // What the dry run kept in memory is what the run records, the actions' ids aside.
    let without_ids = |alerts: &[Value]| -> Vec<Value> {
        alerts
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a["action_id"] = Value::Null;
                a
            })
            .collect()
    };
    assert_eq!(without_ids(&run(&env, &[])), without_ids(&readonly));
}

#[test]
fn two_runs_at_once_open_no_duplicates() {
    for round in 0..3 {
        let env = all_rules();
        let spawn = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
                .env_remove("CXCOCKPIT_DB")
                .env("CXCOCKPIT_NOW", NOW)
                .args(["--db", env.db.to_str().unwrap(), "--format", "json", "alerts"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert_eq!(a.status.code(), Some(0), "round {round}: {}", text(&a.stderr));
        assert_eq!(b.status.code(), Some(0), "round {round}: {}", text(&b.stderr));
        let count = |out: &std::process::Output| {
            serde_json::from_slice::<Value>(&out.stdout).unwrap()["alerts"]
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!(
            count(&a) + count(&b),
            10,
            "round {round}: each alert raised by one run only"
        );
        assert_eq!(
            env.one("SELECT count(*), count(DISTINCT source || subject) FROM action"),
            "10|10"
        );
        assert_eq!(env.one("SELECT count(*) FROM alert"), "10");
    }
}

#[test]
fn bad_rules_are_refused_naming_file_line_rule_and_field() {
    let env = alert_store();
    let file = env.write(
        "bad.toml",
        "[[rule]]\nid = \"a\"\nkind = \"detractor\"\ntitle = \"Call {who}\"\n\n\
         [[rule]]\nid = \"b\"\nkind = \"usage_drop\"\ntitle = \"x\"\nwindow_days = 3\n\n\
         [[rule]]\nid = \"c\"\nkind = \"overdue_invoice\"\ntitle = \"x\"\nthreshold = 30\nwindow_days = 30\n\n\
         [[rule]]\nid = \"d\"\nkind = \"weather\"\ntitle = \"x\"\n\n\
         [[rule]]\nid = \"e\"\nkind = \"metric_red\"\ntitle = \"x\"\nowner = \"boss\"\n",
    );
    let before = env.snapshot();
    let err = refused(
        &env,
        "ana",
        NOW,
        &["import", "alert-rules", file.to_str().unwrap()],
    );
    let name = file.display().to_string();
    for expected in [
        format!("{name}: not imported, nothing was written: 6 errors"),
        "line 4: rule a: title: unknown placeholder {who}".to_string(),
        "line 10: rule b: window_days: a usage_drop rule counts its window in window_months".to_string(),
        "line 8: rule b: threshold: missing; a usage_drop rule needs percent below the usual usage"
            .to_string(),
        "line 17: rule c: window_days: 30 is not more than the threshold of 30 days".to_string(),
        "line 21: rule d: kind: 'weather' is not one of detractor, sla_breach".to_string(),
        "line 28: rule e: owner: 'boss' is not account, phase or team:NAME".to_string(),
    ] {
        assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
    }
    env.assert_unchanged(&before, "refused rules");
    // A field of the wrong type or unknown: TOML's own message with the line.
    let typo = env.write(
        "typo.toml",
        "[[rule]]\nid = \"a\"\nkind = \"detractor\"\ntitle = \"x\"\nwindow = 3\n",
    );
    let err = refused(
        &env,
        "ana",
        NOW,
        &["import", "alert-rules", typo.to_str().unwrap()],
    );
    assert!(err.contains("line 5") && err.contains("window"), "{err}");
}

#[test]
fn importing_the_rules_again_changes_nothing_and_an_edit_is_counted() {
    let env = alert_store();
    let path = fixture("rules.toml");
    let first = env.import_ok("alert-rules", &path, &[]);
    assert_eq!(first.counts(), (6, 0, 0));
    let again = env.import_ok("alert-rules", &path, &[]);
    assert_eq!(again.counts(), (0, 0, 6));
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("due_days = 2", "due_days = 3");
    let file = env.write("edited.toml", edited);
    assert_eq!(env.import_ok("alert-rules", &file, &[]).counts(), (0, 1, 5));
    assert_eq!(
        env.one("SELECT due_days FROM alert_rule WHERE rule_id = 'det'"),
        "3"
    );
}

#[test]
fn the_demos_default_rules_import_and_run() {
    let env = Env::new();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/alert-rules.toml");
    assert_eq!(env.import_ok("alert-rules", &path, &[]).counts(), (6, 0, 0));
    let kinds = env.rows("SELECT DISTINCT kind FROM alert_rule ORDER BY kind");
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    let out = cx_as(&env, "cron", NOW, &["alerts"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("raised 0 alerts as of 2026-03-31 (first run; 6 rules)"),
        "{}",
        text(&out.stdout)
    );
}
