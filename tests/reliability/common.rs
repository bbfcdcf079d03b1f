//! Shared helpers: the binary, demo stores, table digests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cxcockpit"))
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cxcockpit --db DB ARGS...`, with no colour and a fixed user name.
pub fn cx(db: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("NO_COLOR", "1")
        .env("USER", "tester")
        .env_remove("CXCOCKPIT_TEST_ABORT_AT")
        .output()
        .unwrap()
}

/// A small demo store: 300 accounts over 12 months to 2026-10 (well under a second).
pub fn demo(path: &Path) {
    let out = Command::new(bin())
        .args([
            "demo",
            "--accounts",
            "300",
            "--months",
            "12",
            "--seed",
            "7",
            "--as-of",
            "2026-10",
            "--out",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "demo: {}", text(&out.stderr));
}

/// One value as text; reals rounded to 9 significant places (sums over the same rows in the
/// same order are equal, the rounding keeps the comparison readable).
fn cell(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(r) => format!("{r:.9e}"),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => format!("{b:?}"),
    }
}

pub fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..n)
                .map(|i| cell(row.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"),
        );
    }
    out
}

#[path = "../shared/derived.rs"]
mod derived;
pub use derived::DERIVED;

/// The raw tables an import writes.
pub const RAW: [(&str, &str); 3] = [
    (
        "subscription",
        "SELECT * FROM subscription ORDER BY subscription_id",
    ),
    (
        "account",
        "SELECT account_id, name FROM account ORDER BY account_id",
    ),
    (
        "refresh_pending",
        "SELECT source FROM refresh_pending ORDER BY source",
    ),
];

pub fn digest(db: &Path, tables: &[(&'static str, &'static str)]) -> BTreeMap<&'static str, Vec<String>> {
    let conn = Connection::open(db).unwrap();
    tables
        .iter()
        .map(|(name, sql)| (*name, rows(&conn, sql)))
        .collect()
}

/// Asserts two digests are equal, naming the first table and row that differ.
pub fn assert_same(
    got: &BTreeMap<&'static str, Vec<String>>,
    want: &BTreeMap<&'static str, Vec<String>>,
    what: &str,
) {
    for (table, want_rows) in want {
        let got_rows = &got[table];
        let first = want_rows
            .iter()
            .zip(got_rows)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("expected {a}, got {b}"));
        assert!(
            got_rows.len() == want_rows.len() && first.is_none(),
            "{what}: {table} differs ({} rows expected, {} found): {}",
            want_rows.len(),
            got_rows.len(),
            first.unwrap_or_default()
        );
    }
}

/// Whether this process is root and `setpriv` is there: the tests that run the binary as
/// another user need both (CI runs as root).
pub fn can_switch_user() -> bool {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    root && Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A command running `program` as the user nobody (no groups).
pub fn as_nobody(program: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(program)
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent");
    command
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
