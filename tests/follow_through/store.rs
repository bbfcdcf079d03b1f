//! The follow-through tables in the store: a version-8 store gains them on its first writable
//! open, exactly as a new store has them, keeping its rows.

use super::common::{Env, text};

/// Every schema object of the follow-through, as SQLite keeps its text.
fn objects(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT type, name, sql FROM sqlite_schema
         WHERE tbl_name IN ('action', 'action_history', 'alert_rule', 'alert', 'alert_run') ORDER BY name",
    )
}

#[test]
fn a_version_8_store_is_migrated_to_9_keeping_its_rows() {
    let fresh = Env::new();
    let expected = objects(&fresh);
    assert_eq!(expected.iter().filter(|o| o[0] == "table").count(), 5);
    assert_eq!(expected.iter().filter(|o| o[0] == "trigger").count(), 2);
    // A store as version 8 had it: the same without the follow-through, with an account.
    let old = Env::new();
    old.conn()
        .execute_batch(
            "INSERT INTO account (account_id, name) VALUES ('A1', 'Kept');
             DROP TABLE alert_run; DROP TABLE alert; DROP TABLE alert_rule;
             DROP TABLE action_history; DROP TABLE action;
             DROP TRIGGER account_label_changed_update; DROP TRIGGER setting_changed_insert;
             DROP TRIGGER setting_changed_update; DROP TRIGGER setting_changed_delete;
             DROP VIEW setting_read_by_refresh;
             PRAGMA user_version = 8;",
        )
        .unwrap();
    assert!(objects(&old).is_empty());
    let out = old.cx(&["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        old.one("PRAGMA user_version"),
        cxcockpit::store::SCHEMA_VERSION.to_string()
    );
    assert_eq!(objects(&old), expected);
    assert_eq!(old.one("SELECT name FROM account"), "Kept");
    let out = old.cx(&["actions", "add", "--title", "Works", "--account", "A1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
