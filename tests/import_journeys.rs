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
fn more_indicators_than_the_refresh_can_count_are_refused() {
    let env = Env::new();
    let file_of = |metrics: usize| -> String {
        let mut lines = vec![HEADER.to_string()];
        for i in 0..metrics {
            let mut fields = vec!["big", "Big", "", "p1", "P1", "", "", "", "", "", ""];
            let id = format!("big.m{i}");
            let name = format!("M{i}");
            fields.extend([
                id.as_str(),
                name.as_str(),
                "indicator",
                "delivery",
                "hours",
                "lower",
            ]);
            fields.extend(["8", "0", "first_response_hours", "", ""]);
            lines.push(fields.join(","));
        }
        lines.join("\n") + "\n"
    };
    let file = env.write("big.csv", file_of(4096));
    refused_by(
        &env,
        &file,
        &[
            "big.csv: the store defines 4096 indicator metrics",
            "at most 4095 are supported",
        ],
    );
    let file = env.write("big.csv", file_of(4095));
    let report = env.import_ok("journeys", &file, &[]);
    assert_eq!(report.new, 4097, "a journey, a phase and 4,095 metrics");
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
        // A mean effort score keeps the direction of its (standard, higher-is-easier) scale.
        let direction = if word == "ces" { "higher" } else { "lower" };
        csv += &format!(
            "trial,Trial,,start,Start,,,,,,,trial.{word},{word},indicator,delivery,,{direction},,,{word},,\n"
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

/// Two journeys: `easy` scores CES on the standard 1-7 (higher is easier), `effort` declares the
/// source document's 1-5 with 1 = very low effort (its metric's direction is lower).
fn scales_env(effort_scale: &str) -> (Env, std::path::PathBuf) {
    let env = Env::new();
    let journeys = env.write(
        "scales.toml",
        format!(
            "[[journey]]\nid = \"easy\"\nname = \"Easy\"\n\n[[journey.phase]]\nkey = \"support\"\nname = \"Support\"\n\n\
             [[journey.phase.metric]]\nid = \"easy.ces\"\nname = \"CES\"\nkind = \"indicator\"\nperspective = \"realization\"\n\
             direction = \"higher\"\naggregation = \"ces\"\n\n\
             [[journey]]\nid = \"effort\"\nname = \"Effort\"\n\n[[journey.phase]]\nkey = \"support\"\nname = \"Support\"\n\n\
             [[journey.phase.metric]]\nid = \"effort.ces\"\nname = \"CES\"\nkind = \"indicator\"\nperspective = \"realization\"\n\
             direction = \"lower\"\naggregation = \"ces\"\nscale = \"{effort_scale}\"\n"
        ),
    );
    env.import_ok("journeys", &journeys, &[]);
    let accounts = env.write(
        "accounts.csv",
        "account_id,name,journey_id\nA1,Alpha,easy\nB1,Beta,effort\nB2,Gamma,effort\n",
    );
    env.import_ok("accounts", &accounts, &[]);
    let subscriptions = env.write(
        "subscriptions.csv",
        "subscription_id,account_id,mrr,start_date\nsa,A1,100,2026-01-01\nsb,B1,100,2026-01-01\nsc,B2,100,2026-01-01\n",
    );
    env.import_ok("subscriptions", &subscriptions, &[]);
    (env, journeys)
}

#[test]
fn a_ces_on_the_documents_one_to_five_scale_imports_and_computes() {
    let (env, journeys) = scales_env("1-5");
    // Under fixed rules (1-3 hard on 1-7) B1's answers would be high effort and B2's 4 and 5
    // out of range or easy; on the declared 1-5, low effort good, it is the other way round.
    let surveys = env.write(
        "surveys.csv",
        "account_id,answered_at,survey,score,phase,comment\n\
         A1,2026-04-02,ces,7,support,easy\nA1,2026-04-03,ces,6,support,fine\nA1,2026-04-04,ces,4,support,meh\n\
         B1,2026-04-02,ces,1,support,easy\nB1,2026-04-03,ces,2,support,fine\nB1,2026-04-04,ces,3,support,meh\n\
         B2,2026-04-05,ces,4,support,hard\nB2,2026-04-06,ces,5,support,very hard\n",
    );
    env.import_ok("surveys", &surveys, &[]);
    assert_eq!(
        env.rows(
            "SELECT metric_id, round(value, 4), n FROM rollup
             WHERE segment = 'all' AND period = '2026-04' ORDER BY metric_id"
        ),
        [
            ["easy.ces", "5.6667", "3"], // (7 + 6 + 4) / 3
            ["effort.ces", "3.0", "5"],  // (1 + 2 + 3 + 4 + 5) / 5
        ]
    );
    assert_eq!(
        env.rows("SELECT account_id, score, happy, unhappy FROM survey_answer ORDER BY account_id, score"),
        [
            ["A1", "4", "0", "0"],
            ["A1", "6", "1", "0"],
            ["A1", "7", "1", "0"],
            ["B1", "1", "1", "0"],
            ["B1", "2", "1", "0"],
            ["B1", "3", "0", "0"],
            ["B2", "4", "0", "1"],
            ["B2", "5", "0", "1"],
        ]
    );
    // The triage high-effort signal reads the journey's scale: only B2, showing its latest answer.
    assert_eq!(
        env.rows(
            "SELECT DISTINCT account_id, value FROM account_signal WHERE signal = 'high_effort' ORDER BY 1"
        ),
        [["B2", "5.0"]]
    );
    // A score beyond the declared scale is refused with the journey's scale.
    let beyond = env.write(
        "beyond.csv",
        "account_id,answered_at,survey,score,phase\nB1,2026-04-09,ces,6,support\n",
    );
    let out = env.import("surveys", &beyond, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("beyond.csv:2: column score, value '6': a ces score is from 1 to 5 (the scale journey effort declares)"),
        "{stderr}"
    );
    // ... while the same score on the standard 1-7 scale of the other journey is fine.
    let fine = env.write(
        "fine.csv",
        "account_id,answered_at,survey,score,phase\nA1,2026-04-09,ces,6,support\n",
    );
    env.import_ok("surveys", &fine, &[]);
    // Re-declaring a scale that no longer holds the stored answers is refused, nothing written.
    let narrower = env.write(
        "narrower.toml",
        std::fs::read_to_string(&journeys)
            .unwrap()
            .replace("scale = \"1-5\"", "scale = \"1-3\""),
    );
    refused_by(
        &env,
        &narrower,
        &["journey effort: 2 stored ces answers lie outside the scale 1-3"],
    );
}

#[test]
fn scale_declarations_are_checked() {
    let (env, journeys) = scales_env("1-5");
    let toml = std::fs::read_to_string(&journeys).unwrap();
    // Happy answers at the bad end of a lower-is-better scale.
    let wrong_way = env.write(
        "wrong-way.toml",
        toml.replace(
            "scale = \"1-5\"",
            "scale = \"1-5\"\nhappy = \"4-5\"\nunhappy = \"1-2\"",
        ),
    );
    refused_by(
        &env,
        &wrong_way,
        &["metric effort.ces: happy 4-5 is not at the good (lower) end"],
    );
    // A lower-is-better CES metric with no scale declared: the standard scale is higher-is-better.
    let undeclared = env.write("undeclared.toml", toml.replace("scale = \"1-5\"\n", ""));
    refused_by(
        &env,
        &undeclared,
        &["metric effort.ces: direction lower but the journey's CES scale 1-7 has its good end higher"],
    );
    // A scale on a metric that reads no survey.
    let not_survey = env.write(
        "not-survey.toml",
        toml.replace(
            "aggregation = \"ces\"\nscale",
            "aggregation = \"downtime_hours\"\nscale",
        ),
    );
    refused_by(
        &env,
        &not_survey,
        &["metric effort.ces: a scale belongs to a survey metric"],
    );
    // The CSV layout declares the scale in its own columns, with the same checks.
    let csv = env.write(
        "scales.csv",
        format!(
            "{HEADER},scale,happy,unhappy\n\
             effort,Effort,,support,Support,,,,,,,effort.ces,CES,indicator,realization,,lower,,,ces,,,1-5,1,4-5\n\
             effort,Effort,,support,Support,,,,,,,effort.ces2,CES again,indicator,realization,,lower,,,ces,,,1-5,,\n"
        ),
    );
    refused_by(
        &env,
        &csv,
        &[
            "metric effort.ces2: declares the ces scale 1-5 (happy 1-2, unhappy 4-5, lower is good) where metric effort.ces declares 1-5 (happy 1, unhappy 4-5, lower is good)",
        ],
    );
    let csv_ok = env.write(
        "scales-ok.csv",
        format!(
            "{HEADER},scale,happy,unhappy\n\
             effort,Effort,,support,Support,,,,,,,effort.ces,CES,indicator,realization,,lower,,,ces,,,1-5,1,4-5\n"
        ),
    );
    env.import_ok("journeys", &csv_ok, &[]);
    assert_eq!(
        env.rows("SELECT journey_id, survey, min_score, max_score, good, unhappy_from, unhappy_to, happy_from, happy_to FROM survey_scale"),
        [["effort", "ces", "1", "5", "lower", "4", "5", "1", "1"]]
    );
}
