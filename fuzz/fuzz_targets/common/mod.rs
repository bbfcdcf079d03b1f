//! What both targets share: a template store holding the example files, copied into the
//! working store before each input, and the invariants every import must keep.

use cxcockpit::import::kinds::Kind;
use cxcockpit::import::{self, Options, Report};
use cxcockpit::store::Store;
use rusqlite::backup::{Backup, StepResult};
use std::path::{Path, PathBuf};

/// The data tables an import may write; their row counts are compared on failure.
const TABLES: &[&str] = &[
    "journey",
    "phase",
    "phase_touchpoint",
    "metric",
    "account",
    "subscription",
    "churn_event",
    "ticket",
    "survey_response",
    "invoice",
    "usage_month",
    "metric_value",
    "tier",
];

/// An example file: its kind, its name under fixtures/import/ and the `--map` it needs.
type Example = (Kind, &'static str, &'static [(&'static str, &'static str)]);

pub struct Harness {
    template: Store,
    work: Store,
    counts: Vec<i64>,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/import")
        .join(name)
}

fn options(dry_run: bool, day_first: bool, map: &[(&str, &str)]) -> Options {
    Options {
        map: map.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        dry_run,
        dates: if day_first {
            import::fields::DateOrder::DayFirst
        } else {
            import::fields::DateOrder::Iso
        },
    }
}

fn counts(store: &Store) -> Vec<i64> {
    TABLES
        .iter()
        .map(|t| {
            store
                .conn()
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap_or(-1)
        })
        .collect()
}

impl Harness {
    pub fn new() -> Harness {
        let mut template = Store::open_in_memory().expect("template store");
        let examples: [Example; 10] = [
            (Kind::Journeys, "journeys.toml", &[]),
            (Kind::Accounts, "accounts.csv", &[]),
            (
                Kind::Subscriptions,
                "subscriptions.csv",
                &[
                    ("CustomerID", "account_id"),
                    ("MonthlyCharges", "mrr"),
                    ("StartDate", "start_date"),
                    ("EndDate", "end_date"),
                ],
            ),
            (Kind::ChurnEvents, "churn-events.csv", &[]),
            (Kind::Tickets, "tickets.csv", &[]),
            (Kind::Surveys, "surveys.csv", &[]),
            (Kind::MetricValues, "metric-values.csv", &[]),
            (Kind::Invoices, "invoices.csv", &[]),
            (Kind::Usage, "usage.csv", &[]),
            (Kind::Tiers, "tiers.csv", &[]),
        ];
        for (kind, file, map) in examples {
            import::import(&mut template, kind, &fixture(file), &options(false, false, map))
                .unwrap_or_else(|e| panic!("example {file}: {e}"));
        }
        // A fixed range of months for the rollups. Without it the range runs from the earliest to
        // the latest date in the store, and one implausible year (1418-04 beside 4200-04) makes
        // every refresh take seconds: found by this target, reported, and kept out of its way so
        // it can go on looking for crashes.
        template
            .set_setting("first_period", "2025-01")
            .expect("first_period");
        template.set_setting("as_of", "2026-06").expect("as_of");
        let work = Store::open_in_memory().expect("working store");
        let counts = counts(&template);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_path_buf();
        Harness {
            template,
            work,
            counts,
            _dir: dir,
            dir: path,
        }
    }

    /// The working store back to the template's content.
    fn reset(&mut self) {
        let backup = Backup::new(self.template.conn(), self.work.conn_mut()).expect("backup");
        // -1: every page in one step.
        let step = backup.step(-1).expect("restore the template");
        assert_eq!(step, StepResult::Done, "restore the template");
    }

    /// Imports `bytes` as a file named `name` and checks the invariants:
    /// - refused input is bad input (exit code 2), never a store or I/O error, and leaves every
    ///   table as it was (all or nothing);
    /// - a dry run leaves every table as it was;
    /// - the report adds up, and importing the same file again changes nothing (for TOML, only
    ///   the row counts are compared: see below).
    pub fn run(&mut self, kind: Kind, name: &str, bytes: &[u8], dry_run: bool, day_first: bool) {
        self.reset();
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).expect("write the input");
        let options = options(dry_run, day_first, &[]);
        match import::import(&mut self.work, kind, &path, &options) {
            Err(error) => {
                // Known bug, found by import_toml (test tiers_toml_with_no_tier_imports_nothing):
                // a tier ladder with no [[tier]] over a store with tiers fails in SQL (exit 1).
                let known = error
                    .to_string()
                    .starts_with("ordering tiers: NOT NULL constraint failed");
                assert!(error.exit_code() == 2 || known, "not a bad-input error: {error}");
                assert_eq!(counts(&self.work), self.counts, "refused, yet written: {error}");
            }
            Ok(report) if dry_run => {
                check_sums(&report);
                assert_eq!(counts(&self.work), self.counts, "a dry run wrote rows");
            }
            Ok(report) => {
                check_sums(&report);
                let after = counts(&self.work);
                let again = import::import(&mut self.work, kind, &path, &options)
                    .unwrap_or_else(|e| panic!("accepted once, refused the second time: {e}"));
                // TOML files: only the row counts. A second import of a tier ladder reports every
                // tier changed and moves tiers it does not list; one of journeys moves phases it
                // does not list (known bugs, each with a failing test in tests/import.rs:
                // tiers_toml_reimport_*, journeys_reimport_leaves_a_phase_it_does_not_list_in_place).
                // Found again here at once, they would stop the search for crashes.
                if !name.ends_with(".toml") {
                    assert_eq!(
                        (again.new, again.changed, again.unchanged),
                        (0, 0, again.rows),
                        "a second import changed rows: first {report:?}, second {again:?}"
                    );
                }
                assert_eq!(counts(&self.work), after, "a second import changed row counts");
            }
        }
    }
}

fn check_sums(report: &Report) {
    assert_eq!(
        report.new + report.changed + report.unchanged,
        report.rows,
        "the report does not add up: {report:?}"
    );
}
