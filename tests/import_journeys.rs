//! `cxcockpit import journeys FILE.csv` end to end, through the binary: the CSV layout (one row
//! per metric) writes exactly what the TOML layout writes; re-importing changes nothing; the
//! phases take the file's order; the reader's dialects and --map work as for every CSV kind; and
//! broken files are refused with exit code 2, the file, line and column, and nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{Env, broken, fixture, text};

/// The tables a journeys import writes.
const JOURNEY_TABLES: [&str; 4] = ["journey", "phase", "phase_touchpoint", "metric"];

/// The columns of fixtures/import/journeys.csv, for files written by the tests.
const HEADER: &str = "journey_id,journey_name,journey_description,phase_key,phase_name,cx_goal,business_goal,owner,touchpoints,moments_of_truth,pain_points,metric_id,metric_name,kind,perspective,unit,direction,target,tolerance,aggregation,source,definition";

/// Phase keys of a journey in their order.
fn phase_order(env: &Env, journey: &str) -> Vec<String> {
    env.rows(&format!(
        "SELECT phase_key FROM phase WHERE journey_id = '{journey}' ORDER BY position"
    ))
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

/// The fixture rewritten with another delimiter, with or without a BOM and CRLF line ends.
fn dialect(delimiter: u8, bom: bool, crlf: bool) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(fixture("journeys.csv"))
        .unwrap();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    for record in reader.records() {
        writer.write_record(&record.unwrap()).unwrap();
    }
    let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
    bytes.extend(writer.into_inner().unwrap());
    bytes
}

// ---------------------------------------------------------------------------------------------
// The CSV layout writes what the TOML layout writes
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_writes_exactly_the_rows_the_toml_writes() {
    let from_toml = Env::new();
    let from_csv = Env::new();
    let toml_report = from_toml.import_ok("journeys", &fixture("journeys.toml"), &[]);
    let csv_report = from_csv.import_ok("journeys", &fixture("journeys.csv"), &[]);

    let expected = from_toml.table_rows(&JOURNEY_TABLES);
    // The comparison means something only if the TOML brought every kind of row.
    let counts: Vec<usize> = JOURNEY_TABLES.iter().map(|t| expected[*t].len()).collect();
    assert_eq!(
        counts,
        [2, 5, 8, 7],
        "journeys, phases, touchpoints, metrics from the TOML"
    );
    let got = from_csv.table_rows(&JOURNEY_TABLES);
    for table in JOURNEY_TABLES {
        assert_eq!(got[table], expected[table], "table {table}: CSV and TOML differ");
    }
    assert_eq!(
        (
            csv_report.rows,
            csv_report.new,
            csv_report.changed,
            csv_report.unchanged
        ),
        (
            toml_report.rows,
            toml_report.new,
            toml_report.changed,
            toml_report.unchanged
        ),
        "the reports agree"
    );
    assert_eq!((csv_report.rows, csv_report.new), (14, 14), "{csv_report:?}");
    assert!(csv_report.ignored.is_empty(), "{csv_report:?}");

    // A few values, checked by name rather than only by comparison.
    assert_eq!(
        phase_order(&from_csv, "sme-broadband"),
        ["activate", "use", "get-support"]
    );
    assert_eq!(
        phase_order(&from_csv, "cloud-security"),
        ["operate-loyalty", "terminate"]
    );
    assert_eq!(
        from_csv.rows(
            "SELECT cx_goal, owner, moments_of_truth, pain_points FROM phase WHERE phase_key = 'activate'"
        ),
        [[
            "A reliable, fast connection set up without friction",
            "Sales & Installation",
            "Installation day\nThe first invoice",
            "Complex registration\nSlow installation"
        ]]
    );
    assert_eq!(
        from_csv.rows("SELECT owner FROM phase WHERE phase_key = 'terminate'"),
        [["NULL"]],
        "an empty owner is nobody"
    );
    assert_eq!(
        from_csv.rows(
            "SELECT t.touchpoint FROM phase_touchpoint t JOIN phase p USING (phase_id)
             WHERE p.phase_key = 'activate' ORDER BY t.touchpoint"
        ),
        [["call center"], ["sales agent"], ["website"]]
    );
    assert_eq!(
        from_csv.rows(
            "SELECT m.metric_id, p.phase_key, m.kind, m.target, m.tolerance, m.aggregation
             FROM metric m JOIN phase p USING (phase_id) WHERE p.phase_key IN ('use', 'terminate')
             ORDER BY m.metric_id"
        ),
        [
            [
                "cloud.awareness.followers",
                "terminate",
                "indicator",
                "NULL",
                "0.0",
                "imported"
            ],
            [
                "cloud.consideration.win_rate",
                "terminate",
                "success",
                "30.0",
                "5.0",
                "imported"
            ],
            ["sme.use.churn", "use", "success", "1.5", "0.5", "logo_churn"],
            ["sme.use.nps", "use", "success", "20.0", "10.0", "nps"],
        ]
    );
}

#[test]
fn importing_twice_or_over_the_toml_changes_nothing() {
    let env = Env::new();
    let dry = env.import_ok("journeys", &fixture("journeys.csv"), &["--dry-run"]);
    assert_eq!((dry.new, dry.changed), (14, 0), "{dry:?}");
    assert!(
        env.table_rows(&JOURNEY_TABLES).values().all(Vec::is_empty),
        "a dry run writes nothing"
    );

    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    let before = env.contents();
    let again = env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    assert_eq!(
        (again.rows, again.new, again.changed, again.unchanged),
        (14, 0, 0, 14),
        "{again:?}"
    );
    assert_eq!(env.contents(), before, "a second import of the same CSV");

    let over_toml = Env::new();
    over_toml.import_ok("journeys", &fixture("journeys.toml"), &[]);
    let report = over_toml.import_ok("journeys", &fixture("journeys.csv"), &[]);
    assert_eq!(
        (report.new, report.changed),
        (0, 0),
        "the CSV over its TOML: {report:?}"
    );
    let report = over_toml.import_ok("journeys", &fixture("journeys.toml"), &[]);
    assert_eq!(
        (report.new, report.changed),
        (0, 0),
        "the TOML over its CSV: {report:?}"
    );
}

#[test]
fn a_reordered_phase_list_reorders_the_phases() {
    let env = Env::new();
    let abc = env.write(
        "abc.csv",
        format!(
            "{HEADER}\n\
             trial,Trial,,a,A,,,,,,,,,,,,,,,,,\n\
             trial,Trial,,b,B,,,,,,,trial.b.visits,Visits,indicator,realization,count,higher,100,10,imported,,\n\
             trial,Trial,,b,B,,,,,,,trial.b.signups,Sign-ups,success,proposition,count,higher,,,imported,,\n\
             trial,Trial,,c,C,,,,,,,,,,,,,,,,,\n"
        ),
    );
    let first = env.import_ok("journeys", &abc, &[]);
    assert_eq!(
        (first.rows, first.new),
        (6, 6),
        "1 journey, 3 phases, 2 metrics: {first:?}"
    );
    assert_eq!(phase_order(&env, "trial"), ["a", "b", "c"]);

    // The same phases, c first; b's second row comes after a.
    let cab = env.write(
        "cab.csv",
        format!(
            "{HEADER}\n\
             trial,Trial,,c,C,,,,,,,,,,,,,,,,,\n\
             trial,Trial,,b,B,,,,,,,trial.b.visits,Visits,indicator,realization,count,higher,100,10,imported,,\n\
             trial,Trial,,a,A,,,,,,,,,,,,,,,,,\n\
             trial,Trial,,b,B,,,,,,,trial.b.signups,Sign-ups,success,proposition,count,higher,,,imported,,\n"
        ),
    );
    let reordered = env.import_ok("journeys", &cab, &[]);
    assert_eq!(
        phase_order(&env, "trial"),
        ["c", "b", "a"],
        "the order of first appearance"
    );
    assert_eq!(
        (reordered.new, reordered.changed),
        (0, 3),
        "three phases moved: {reordered:?}"
    );
    assert_eq!(
        env.rows(
            "SELECT m.metric_id, p.phase_key FROM metric m JOIN phase p USING (phase_id) ORDER BY m.metric_id"
        ),
        [["trial.b.signups", "b"], ["trial.b.visits", "b"]],
        "the metrics stay with their phase"
    );
    let again = env.import_ok("journeys", &cab, &[]);
    assert_eq!((again.new, again.changed), (0, 0), "{again:?}");
}

#[test]
fn delimiters_bom_and_line_ends_read_the_same() {
    let reference = Env::new();
    reference.import_ok("journeys", &fixture("journeys.csv"), &[]);
    let expected = reference.table_rows(&JOURNEY_TABLES);
    for (name, delimiter, bom, crlf) in [
        ("semicolon-bom.csv", b';', true, false),
        ("tab-crlf.csv", b'\t', false, true),
        ("comma-bom-crlf.csv", b',', true, true),
    ] {
        let env = Env::new();
        let file = env.write(name, dialect(delimiter, bom, crlf));
        let report = env.import_ok("journeys", &file, &[]);
        assert_eq!((report.rows, report.new), (14, 14), "{name}: {report:?}");
        assert_eq!(env.table_rows(&JOURNEY_TABLES), expected, "{name}");
    }
}

#[test]
fn map_renames_columns_and_unknown_columns_are_listed() {
    let env = Env::new();
    let file = env.write(
        "export.csv",
        "Journey,Journey Name,Stage,Stage Name,colour,Metric-ID,metric name,KIND,perspective,direction,aggregation\n\
         trial,Trial,start,Start,red,trial.start.visits,Visits,Indicator,realization,higher,imported\n",
    );
    let report = env.import_ok(
        "journeys",
        &file,
        &[
            "--map",
            "Journey=journey_id,Stage=phase_key,stage name=phase_name",
        ],
    );
    assert_eq!(report.ignored, ["colour"], "{report:?}");
    assert_eq!((report.rows, report.new), (3, 3), "{report:?}");
    assert_eq!(
        env.rows("SELECT metric_id, kind, unit, tolerance FROM metric"),
        [["trial.start.visits", "indicator", "", "0.0"]],
        "words are matched case-insensitively and stored in lower case"
    );
}

#[test]
fn quoted_line_breaks_are_kept_and_later_lines_stay_right() {
    let env = Env::new();
    let file = env.write(
        "multiline.csv",
        format!(
            "{HEADER}\n\
             trial,Trial,,start,Start,,,,,,,trial.start.visits,Visits,indicator,realization,count,higher,,,imported,,\"Visits to\nthe trial page\"\n"
        ),
    );
    env.import_ok("journeys", &file, &[]);
    assert_eq!(
        env.rows("SELECT definition FROM metric"),
        [["Visits to\nthe trial page"]]
    );
    let before = env.contents();
    let bad = env.write(
        "multiline-bad.csv",
        format!(
            "{HEADER}\n\
             trial,Trial,,start,Start,,,,,,,trial.start.visits,Visits,indicator,realization,count,higher,,,imported,,\"Visits to\nthe trial page\"\n\
             trial,Trial,,start,Start,,,,,,,trial.start.signups,Sign-ups,indicator,realization,count,upward,,,imported,,\n"
        ),
    );
    let out = env.import("journeys", &bad, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("multiline-bad.csv:4: column direction, value 'upward': expected one of higher, lower"),
        "the record after a two-line one starts on line 4: {stderr}"
    );
    assert_eq!(env.contents(), before);
}

#[test]
fn a_header_and_no_rows_imports_nothing_with_a_notice() {
    // As for every CSV kind: an export of an empty selection is not an error, but said so.
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    let before = env.contents();
    let file = env.write("header-only.csv", format!("{HEADER}\n"));
    let out = env.import("journeys", &file, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("header-only.csv: a header and no rows"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("0 rows: 0 new, 0 changed, 0 unchanged"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(env.contents(), before, "the journeys already in the store stay");
}

// ---------------------------------------------------------------------------------------------
// Broken files: exit 2, the file, line and column, and the store as it was
// ---------------------------------------------------------------------------------------------

/// Imports a broken file into a store holding the example journeys; asserts exit code 2, no
/// panic, nothing on stdout, every expected text on stderr, and every table as it was.
fn refused(file: &Path, expected: &[&str]) -> String {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    refused_by(&env, file, expected)
}

fn refused_by(env: &Env, file: &Path, expected: &[&str]) -> String {
    let before = env.contents();
    let out = env.import("journeys", file, &[]);
    let stderr = text(&out.stderr);
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(!stderr.contains("panicked"), "{name}: panic: {stderr}");
    assert_eq!(out.status.code(), Some(2), "{name}: stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{name}: nothing on stdout: {}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains("nothing was written") || stderr.contains("empty"),
        "{name}: {stderr}"
    );
    for e in expected {
        assert!(
            stderr.contains(e),
            "{name}: stderr should contain {e:?}: {stderr}"
        );
    }
    assert_eq!(env.contents(), before, "{name}: the store changed");
    stderr
}

#[test]
fn broken_missing_required_column() {
    // No phase_name column.
    refused(
        &broken("journeys-missing-column.csv"),
        &[
            "journeys-missing-column.csv:1: required column phase_name is missing",
            "the header has: journey_id, journey_name, phase_key, owner",
            "--map COL=phase_name",
        ],
    );
}

#[test]
fn broken_bad_kind_word() {
    // kind = kpi on line 3: the words allowed are listed.
    refused(
        &broken("journeys-bad-kind.csv"),
        &["journeys-bad-kind.csv:3: column kind, value 'kpi': expected one of indicator, success"],
    );
}

#[test]
fn broken_journey_name_disagrees_on_a_later_row() {
    // Line 4 names journey trial "Free trial"; line 2 named it "Trial".
    let stderr = refused(
        &broken("journeys-disagreeing-name.csv"),
        &[
            "journeys-disagreeing-name.csv:4: column journey_name, value 'Free trial'",
            "journey trial has journey_name 'Trial' on line 2",
            "expected the same value on every row",
        ],
    );
    assert!(stderr.contains("1 error"), "line 3 agrees with line 2: {stderr}");
}

#[test]
fn broken_negative_tolerance() {
    refused(
        &broken("journeys-negative-tolerance.csv"),
        &["journeys-negative-tolerance.csv:2: column tolerance, value '-100': expected a number >= 0"],
    );
}

#[test]
fn broken_text_in_target() {
    refused(
        &broken("journeys-text-in-target.csv"),
        &["journeys-text-in-target.csv:3: column target, value 'twenty': expected a number"],
    );
}

#[test]
fn broken_empty_file_and_bom_only() {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    for (name, bytes) in [("empty.csv", &b""[..]), ("bom-only.csv", &b"\xEF\xBB\xBF"[..])] {
        let file = env.write(name, bytes);
        refused_by(
            &env,
            &file,
            &[
                &format!("{name}: the file is empty"),
                "expected a header line",
                "journey_id*, journey_name*",
            ],
        );
    }
}

#[test]
fn broken_invalid_utf8() {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    let mut bytes = format!("{HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"trial,Trial,,start,Start,,,Jos\xE9 Alves,,,,,,,,,,,,,,\n");
    let file = env.write("latin1.csv", bytes);
    refused_by(
        &env,
        &file,
        &[
            "latin1.csv:2: column owner, value 'Jos\u{fffd} Alves'",
            "not valid UTF-8",
            "expected UTF-8",
        ],
    );
}

#[test]
fn broken_rows_name_every_problem_with_its_line_and_column() {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.csv"), &[]);
    let file = env.write(
        "many.csv",
        format!(
            "{HEADER}\n\
             trial,Trial,,start,Start,,,Sales,web|phone,,,trial.start.visits,Visits,indicator,realisation,count,higher,,,imported,,\n\
             trial,Trial,,start,Start,,,Sales,web|phone,,,trial.start.visits,Visits,indicator,realization,count,higher,,,imported,,\n\
             trial,Trial,,start,Start,,,Sales,web,,,trial.start.signups,Sign-ups,success,delivery,count,higher,,,sum,,\n\
             trial,Trial,,,Convert,,,,,,,,,success,,,,,,,,\n\
             trial,Trial,,end,End,,,,,,,trial.end.churn,,success,proposition,%,down,NaN,x,imported,,\n\
             trial,Trial,,end,End\n"
        ),
    );
    refused_by(
        &env,
        &file,
        &[
            "many.csv:2: column perspective, value 'realisation': expected one of realization, proposition, delivery",
            "many.csv:3: column metric_id, value 'trial.start.visits': metric trial.start.visits appears earlier, on line 2",
            "many.csv:4: column touchpoints, value 'web': phase start of journey trial has touchpoints 'web|phone' on line 2",
            "many.csv:4: column aggregation, value 'sum': expected one of imported, nps, csat, ces, first_response_hours",
            "many.csv:5: column phase_key, value '': a value is required",
            "many.csv:5: column metric_id, value '': a value is required: the row has metric values (kind)",
            "many.csv:6: column metric_name, value '': a value is required when the row names a metric",
            "many.csv:6: column direction, value 'down': expected one of higher, lower",
            "many.csv:6: column target, value 'NaN': expected a number",
            "many.csv:6: column tolerance, value 'x': expected a number",
            "many.csv:7: 5 fields, expected 22 as in the header",
            "11 errors",
        ],
    );
}

#[test]
fn broken_more_than_twenty_errors_lists_twenty() {
    let env = Env::new();
    let mut csv = format!("{HEADER}\n");
    for i in 0..25 {
        csv += &format!(
            "trial,Trial,,start,Start,,,,,,,trial.m{i},M{i},indicator,realization,,higher,n/a,,imported,,\n"
        );
    }
    let file = env.write("many-targets.csv", csv);
    let stderr = refused_by(&env, &file, &["25 errors", "... and 5 more"]);
    for line in 2..=21 {
        assert!(
            stderr.contains(&format!("many-targets.csv:{line}: column target, value 'n/a'")),
            "line {line}: {stderr}"
        );
    }
    assert!(!stderr.contains("many-targets.csv:22:"), "{stderr}");
}

#[test]
fn broken_header_problems() {
    let env = Env::new();
    // Metric columns but no metric_id: the metrics would be lost.
    let file = env.write(
        "no-metric-id.csv",
        "journey_id,journey_name,phase_key,phase_name,kind\ntrial,Trial,start,Start,indicator\n",
    );
    refused_by(
        &env,
        &file,
        &["no-metric-id.csv:1: metric columns (kind) without a metric_id column"],
    );
    // metric_id without the columns a metric needs.
    let file = env.write(
        "no-kind.csv",
        "journey_id,journey_name,phase_key,phase_name,metric_id,metric_name,perspective,direction,aggregation\n\
         trial,Trial,start,Start,trial.start.visits,Visits,realization,higher,imported\n",
    );
    refused_by(
        &env,
        &file,
        &["no-kind.csv:1: column kind is missing: it is required with metric_id"],
    );
    // --map to a field journeys do not have.
    let out = env.import(
        "journeys",
        &fixture("journeys.csv"),
        &["--map", "owner=phase_owner"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--map owner=phase_owner: phase_owner is not a field of journeys"),
        "{stderr}"
    );
    assert!(
        env.table_rows(&JOURNEY_TABLES).values().all(Vec::is_empty),
        "nothing written"
    );
}

#[test]
fn every_aggregation_word_of_the_schema_imports_from_csv_and_toml() {
    // tickets_per_100 once could not be read (a derived spelling, tickets_per100).
    let words = [
        "imported",
        "nps",
        "csat",
        "ces",
        "first_response_hours",
        "resolution_hours",
        "tickets_per_100",
        "logo_churn",
        "grr",
        "nrr",
        "expansion_rate",
        "arpu",
        "new_accounts",
        "lead_time_days",
        "downtime_hours",
        "on_time_payment",
    ];
    let env = Env::new();
    let mut csv = format!("{HEADER}\n");
    for word in words {
        csv += &format!(
            "trial,Trial,,start,Start,,,,,,,trial.{word},{word},indicator,delivery,,lower,,,{word},,\n"
        );
    }
    let report = env.import_ok("journeys", &env.write("aggregations.csv", csv), &[]);
    assert_eq!(report.new, 2 + words.len() as u64, "{report:?}");
    let mut stored: Vec<String> = env
        .rows("SELECT aggregation FROM metric")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    expected.sort();
    assert_eq!(stored, expected);

    let toml = env.write(
        "tickets.toml",
        "[[journey]]\nid = \"trial\"\nname = \"Trial\"\n\n[[journey.phase]]\nkey = \"start\"\nname = \"Start\"\n\n\
         [[journey.phase.metric]]\nid = \"trial.tickets_per_100\"\nname = \"Tickets\"\nkind = \"success\"\n\
         perspective = \"delivery\"\ndirection = \"lower\"\naggregation = \"tickets_per_100\"\n",
    );
    let report = env.import_ok("journeys", &toml, &[]);
    assert_eq!(
        (report.new, report.changed),
        (0, 1),
        "the metric's kind changes: {report:?}"
    );
    assert_eq!(
        env.rows("SELECT kind, aggregation FROM metric WHERE metric_id = 'trial.tickets_per_100'"),
        [["success", "tickets_per_100"]]
    );
}
