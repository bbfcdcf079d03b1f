//! The harness of the import tests (`tests/import.rs`, `tests/import_journeys.rs`): a store in a
//! temporary directory driven through the binary, its tables read back as text, and the JSON
//! report of `import --format json`.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use tempfile::TempDir;

/// The --map that fixtures/import/subscriptions.csv needs (a billing export's own column names).
pub const SUBSCRIPTION_MAP: &str =
    "CustomerID=account_id,MonthlyCharges=mrr,StartDate=start_date,EndDate=end_date";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

pub fn broken(name: &str) -> PathBuf {
    fixture("broken").join(name)
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A store made by `cxcockpit init` in a temporary directory, and the files written beside it.
pub struct Env {
    pub dir: TempDir,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.db");
        let env = Env { dir, db };
        let out = env.cx(&["init"]);
        assert_eq!(out.status.code(), Some(0), "init failed: {}", text(&out.stderr));
        env
    }

    /// The example store: journeys, accounts, subscriptions and every other example file.
    pub fn with_examples() -> Env {
        let env = Env::new();
        for (kind, file, extra) in EXAMPLES {
            env.import_ok(kind, &fixture(file), extra);
        }
        env
    }

    pub fn cx(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
            .env_remove("CXCOCKPIT_DB")
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn import(&self, kind: &str, file: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["import", kind, s(file)];
        args.extend_from_slice(extra);
        self.cx(&args)
    }

    /// Imports with `--format json`, asserts success and returns the report.
    pub fn import_ok(&self, kind: &str, file: &Path, extra: &[&str]) -> Report {
        let mut args = vec!["--format", "json", "import", kind, s(file)];
        args.extend_from_slice(extra);
        let out = self.cx(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "import {kind} {} failed: {}",
            file.display(),
            text(&out.stderr)
        );
        Report::parse(&out)
    }

    /// A file beside the store.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn conn(&self) -> Connection {
        Connection::open(&self.db).unwrap()
    }

    /// Every row of a query, each value rendered as text (NULL as `NULL`).
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..n)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => "NULL".to_string(),
                            ValueRef::Integer(v) => v.to_string(),
                            ValueRef::Real(v) => format!("{v:?}"),
                            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                            ValueRef::Blob(b) => format!("{b:?}"),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    pub fn one(&self, sql: &str) -> String {
        let rows = self.rows(sql);
        assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
        rows[0].join("|")
    }

    pub fn tables(&self) -> Vec<String> {
        self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
    }

    /// Row count of every table of the store.
    pub fn counts(&self) -> BTreeMap<String, i64> {
        self.tables()
            .into_iter()
            .map(|t| {
                let n = self
                    .one(&format!("SELECT count(*) FROM \"{t}\""))
                    .parse()
                    .unwrap();
                (t, n)
            })
            .collect()
    }

    /// Every row of the given tables, sorted.
    pub fn table_rows(&self, tables: &[&str]) -> BTreeMap<String, Vec<Vec<String>>> {
        tables
            .iter()
            .map(|t| {
                let mut rows = self.rows(&format!("SELECT * FROM \"{t}\""));
                rows.sort();
                (t.to_string(), rows)
            })
            .collect()
    }

    /// Every row of every table, sorted: what "nothing was written" must leave as it was.
    pub fn contents(&self) -> BTreeMap<String, Vec<Vec<String>>> {
        self.tables()
            .into_iter()
            .map(|t| {
                let mut rows = self.rows(&format!("SELECT * FROM \"{t}\""));
                rows.sort();
                (t, rows)
            })
            .collect()
    }

    /// Counts and contents, compared with a readable message.
    pub fn assert_unchanged(&self, before: &Snapshot, what: &str) {
        assert_eq!(self.counts(), before.counts, "{what}: row counts changed");
        let after = self.contents();
        for (table, rows) in &before.contents {
            assert_eq!(after.get(table), Some(rows), "{what}: table {table} changed");
        }
        assert_eq!(
            after.len(),
            before.contents.len(),
            "{what}: tables added or dropped"
        );
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            counts: self.counts(),
            contents: self.contents(),
        }
    }
}

pub struct Snapshot {
    pub counts: BTreeMap<String, i64>,
    pub contents: BTreeMap<String, Vec<Vec<String>>>,
}

/// The JSON report of `import --format json`.
#[derive(Debug)]
pub struct Report {
    pub rows: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub dry_run: bool,
    pub ignored: Vec<String>,
}

impl Report {
    pub fn parse(out: &Output) -> Report {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)));
        let n = |k: &str| json[k].as_u64().unwrap_or_else(|| panic!("no {k} in {json}"));
        Report {
            rows: n("rows"),
            new: n("new"),
            changed: n("changed"),
            unchanged: n("unchanged"),
            dry_run: json["dry_run"].as_bool().unwrap(),
            ignored: json["ignored_columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
        }
    }

    pub fn counts(&self) -> (u64, u64, u64) {
        (self.new, self.changed, self.unchanged)
    }
}

/// The example files in the order they depend on each other: kind, file, extra arguments.
pub const EXAMPLES: [(&str, &str, &[&str]); 11] = [
    ("journeys", "journeys.toml", &[]),
    ("accounts", "accounts.csv", &[]),
    ("subscriptions", "subscriptions.csv", &["--map", SUBSCRIPTION_MAP]),
    ("churn-events", "churn-events.csv", &[]),
    ("tickets", "tickets.csv", &[]),
    ("surveys", "surveys.csv", &[]),
    ("metric-values", "metric-values.csv", &[]),
    ("invoices", "invoices.csv", &[]),
    ("usage", "usage.csv", &[]),
    ("tiers", "tiers.csv", &[]),
    ("tiers", "tiers.toml", &[]),
];
