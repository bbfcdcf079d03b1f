//! `cxcockpit import` end to end, through the binary: every example file under fixtures/import/
//! imports and re-imports as no change; --dry-run, --map, unknown columns; the formats met in
//! the wild; and the broken files under fixtures/import/broken/, each refused with exit code 2,
//! a located message and the store left exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "import_presets/mod.rs"]
mod presets;

use common::{EXAMPLES, Env, broken, fixture, text};

// ---------------------------------------------------------------------------------------------
// Example files, idempotence, --dry-run, --map, unknown columns
// ---------------------------------------------------------------------------------------------

#[test]
fn every_example_file_imports_and_a_second_import_changes_nothing() {
    let env = Env::new();
    // kind, file, extra, table => rows the file brings
    let expected: [(&str, i64); 11] = [
        ("journey", 2),
        ("account", 3),
        ("subscription", 4),
        ("churn_event", 1),
        ("ticket", 2),
        ("survey_response", 4),
        ("metric_value", 2),
        ("invoice", 2),
        ("usage_month", 2),
        ("tier", 4),
        ("tier", 4), // tiers.toml updates bronze, silver, gold; platinum stays
    ];
    for ((kind, file, extra), (table, rows)) in EXAMPLES.iter().zip(expected) {
        let path = fixture(file);
        let report = env.import_ok(kind, &path, extra);
        assert!(!report.dry_run);
        assert_eq!(env.counts()[table], rows, "{file}: rows in {table}");
        if *file == "tiers.toml" {
            continue; // a second import of a TOML ladder: see tiers_toml_reimport_changes_nothing
        }
        let before = env.snapshot();
        let again = env.import_ok(kind, &path, extra);
        assert_eq!(
            (again.new, again.changed),
            (0, 0),
            "{file}: a second import should change nothing: {again:?}"
        );
        assert_eq!(again.unchanged, again.rows, "{file}: {again:?}");
        env.assert_unchanged(&before, &format!("second import of {file}"));
    }
    let counts = env.counts();
    assert_eq!(counts["phase"], 5);
    assert_eq!(counts["metric"], 7);
    assert_eq!(counts["phase_touchpoint"], 8);

    // The table output says the same in words.
    let out = env.import("accounts", &fixture("accounts.csv"), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("3 rows: 0 new, 0 changed, 3 unchanged"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn example_values_land_as_written() {
    let env = Env::with_examples();
    // BOM and semicolon (accounts.csv): the first column is account_id, a quoted ';' stays.
    assert_eq!(
        env.one("SELECT name, company_size, owner FROM account WHERE account_id = 'X002'"),
        "PT Dua; Sejahtera|small|NULL"
    );
    assert_eq!(
        env.one("SELECT created_on FROM account WHERE account_id = 'X003'"),
        "NULL"
    );
    // Tab (tickets.csv): a phase by its name, a timestamp with a space, an empty resolution.
    let ticket = env.one(
        "SELECT t.opened_at, t.first_response_at, t.resolved_at, t.severity, t.channel, p.phase_key
         FROM ticket t JOIN phase p USING (phase_id) WHERE ticket_id = 'TK-2'",
    );
    assert_eq!(
        ticket,
        "2026-04-05T14:00:00|2026-04-05T20:00:00|NULL|critical|technical support|operate-loyalty"
    );
    // A quoted field with an embedded newline (churn-events.csv).
    assert_eq!(
        env.one("SELECT reason, mrr_lost FROM churn_event WHERE account_id = 'X002'"),
        "Price not competitive,\ncompetitor offered a bundle|65.5"
    );
    // A quoted field with doubled quotes (surveys.csv).
    assert_eq!(
        env.one("SELECT comment FROM survey_response WHERE account_id = 'X002'"),
        "koneksi sering putus, \"parah\""
    );
    // Mapped columns and an id made of account, product and start date (subscriptions.csv).
    assert_eq!(
        env.rows("SELECT subscription_id, account_id, product, mrr, start_date, end_date FROM subscription ORDER BY 1"),
        vec![
            vec!["X001/Business Broadband/2025-01-15", "X001", "Business Broadband", "450.0", "2025-01-15", "NULL"],
            vec!["X001/Static IP/2025-06-01", "X001", "Static IP", "120.0", "2025-06-01", "2026-02-01"],
            vec!["X002/Business Broadband/2025-03-10", "X002", "Business Broadband", "65.5", "2025-03-10", "2026-05-01"],
            vec!["X003/Cloud Firewall/2025-02-01", "X003", "Cloud Firewall", "2100.0", "2025-02-01", "NULL"],
        ]
    );
    // Booleans Yes/No/yes/no (tiers.csv).
    assert_eq!(
        env.rows("SELECT tier_id, req_no_overdue, req_no_open_severe FROM tier WHERE tier_id IN ('gold', 'platinum') ORDER BY rank"),
        vec![vec!["gold", "1", "0"], vec!["platinum", "1", "1"]]
    );
    // An empty `n` is missing, an empty segment is 'all' (metric-values.csv).
    assert_eq!(
        env.one("SELECT segment, value, n FROM metric_value WHERE metric_id = 'cloud.awareness.followers'"),
        "all|12150.0|NULL"
    );
}

#[test]
fn tiers_toml_reimport_changes_nothing() {
    let env = Env::new();
    let first = env.import_ok("tiers", &fixture("tiers.toml"), &[]);
    assert_eq!(first.counts(), (3, 0, 0));
    let before = env.snapshot();
    let again = env.import_ok("tiers", &fixture("tiers.toml"), &[]);
    assert_eq!(
        again.counts(),
        (0, 0, 3),
        "a second import of tiers.toml: {again:?}"
    );
    env.assert_unchanged(&before, "second import of tiers.toml");
}

#[test]
fn tiers_toml_reimport_leaves_a_tier_it_does_not_list_in_place() {
    // The store has platinum (rank 4, from tiers.csv); tiers.toml lists bronze, silver, gold.
    let env = Env::new();
    env.import_ok("tiers", &fixture("tiers.csv"), &[]);
    env.import_ok("tiers", &fixture("tiers.toml"), &[]);
    let before = env.snapshot();
    env.import_ok("tiers", &fixture("tiers.toml"), &[]);
    env.assert_unchanged(&before, "second import of tiers.toml over a store with platinum");
}

#[test]
fn journeys_reimport_leaves_a_phase_it_does_not_list_in_place() {
    let env = Env::new();
    let two = env.write(
        "two.toml",
        "[[journey]]\nid = \"trial\"\nname = \"Trial\"\n\n[[journey.phase]]\nkey = \"a\"\nname = \"A\"\n\n[[journey.phase]]\nkey = \"b\"\nname = \"B\"\n",
    );
    let one = env.write(
        "one.toml",
        "[[journey]]\nid = \"trial\"\nname = \"Trial\"\n\n[[journey.phase]]\nkey = \"b\"\nname = \"B\"\n",
    );
    env.import_ok("journeys", &two, &[]);
    env.import_ok("journeys", &one, &[]);
    assert_eq!(
        env.rows("SELECT phase_key FROM phase ORDER BY position"),
        vec![vec!["b"], vec!["a"]],
        "the listed phase first, the dropped one after it"
    );
    let before = env.snapshot();
    let again = env.import_ok("journeys", &one, &[]);
    assert_eq!((again.new, again.changed), (0, 0), "{again:?}");
    env.assert_unchanged(&before, "second import of the same journeys file");
}

/// A new tier takes the rank of one the file does not list, which moves down: the report counts
/// the file's rows only (new + changed + unchanged = rows), in CSV and in TOML.
#[test]
fn a_tier_moved_to_make_room_is_not_counted_as_a_row_of_the_file() {
    let env = Env::new();
    env.import_ok("tiers", &fixture("tiers.csv"), &[]);
    let csv = env.write(
        "diamond.csv",
        "tier_id,name,rank,min_mrr,min_tenure_months,window_months,grace_months,benefits,req_no_overdue,req_no_open_severe\n\
         bronze,Bronze,1,0,3,3,0,Member pricing on add-ons,No,No\n\
         silver,Silver,2,150,6,3,2,Priority queue in Get Support,No,No\n\
         gold,Gold,3,500,12,3,2,Network assurance and faster response times,Yes,No\n\
         diamond,Diamond,4,1500,24,3,3,Concierge,yes,yes\n",
    );
    let report = env.import_ok("tiers", &csv, &[]);
    assert_eq!(report.counts(), (1, 0, 3));
    assert_eq!(
        env.rows("SELECT tier_id FROM tier ORDER BY rank"),
        vec![
            vec!["bronze"],
            vec!["silver"],
            vec!["gold"],
            vec!["diamond"],
            vec!["platinum"]
        ]
    );
    let toml = env.write(
        "emerald.toml",
        r#"
[[tier]]
id = "bronze"
name = "Bronze"
rank = 1
benefits = "Member pricing on add-ons"
min_tenure_months = 3
[[tier]]
id = "silver"
name = "Silver"
rank = 2
benefits = "Priority queue in Get Support"
min_mrr = 150
min_tenure_months = 6
grace_months = 2
[[tier]]
id = "gold"
name = "Gold"
rank = 3
benefits = "Network assurance and faster response times"
min_mrr = 500
min_tenure_months = 12
grace_months = 2
no_overdue_invoice = true
[[tier]]
id = "emerald"
name = "Emerald"
rank = 4
min_mrr = 1500
min_tenure_months = 24
"#,
    );
    let report = env.import_ok("tiers", &toml, &[]);
    assert_eq!(report.counts(), (1, 0, 3));
    assert_eq!(
        env.rows("SELECT tier_id FROM tier ORDER BY rank"),
        vec![
            vec!["bronze"],
            vec!["silver"],
            vec!["gold"],
            vec!["emerald"],
            vec!["diamond"],
            vec!["platinum"]
        ]
    );
}

#[test]
fn tiers_csv_may_reorder_ranks() {
    // Silver and gold swap ranks (and thresholds, so the ladder still rises): a valid file,
    // as it is in TOML, whatever ranks the store held before.
    let env = Env::new();
    env.import_ok("tiers", &fixture("tiers.csv"), &[]);
    let file = env.write(
        "tiers-reordered.csv",
        "tier_id,name,rank,min_mrr,min_tenure_months\nbronze,Bronze,1,0,3\nsilver,Silver,3,500,12\ngold,Gold,2,150,6\nplatinum,Platinum,4,1500,24\n",
    );
    let report = env.import_ok("tiers", &file, &[]);
    assert_eq!(report.counts(), (0, 2, 2));
    assert_eq!(
        env.rows("SELECT tier_id FROM tier ORDER BY rank"),
        vec![vec!["bronze"], vec!["gold"], vec!["silver"], vec!["platinum"]]
    );
}

#[test]
fn dry_run_writes_nothing_and_reports_what_would_change() {
    let env = Env::new();
    // Journeys from TOML: nothing written.
    let before = env.snapshot();
    let report = env.import_ok("journeys", &fixture("journeys.toml"), &["--dry-run"]);
    assert!(report.dry_run);
    assert_eq!(report.counts(), (14, 0, 0));
    env.assert_unchanged(&before, "dry run of journeys.toml");

    env.import_ok("journeys", &fixture("journeys.toml"), &[]);
    env.import_ok("accounts", &fixture("accounts.csv"), &[]);
    // Two new accounts, X002 renamed, X001 as it is.
    let file = env.write(
        "accounts-update.csv",
        "account_id,name\nX101,New One\nX102,New Two\nX002,PT Dua Renamed\nX001,PT Contoh Satu\n",
    );
    let before = env.snapshot();
    let report = env.import_ok("accounts", &file, &["--dry-run"]);
    assert!(report.dry_run);
    assert_eq!(report.rows, 4);
    assert_eq!(report.counts(), (2, 1, 1));
    env.assert_unchanged(&before, "dry run of accounts");

    let out = env.import("accounts", &file, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("would import"), "{stdout}");
    assert!(
        stdout.contains("4 rows: 2 new, 1 changed, 1 unchanged"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing written"), "{stdout}");
    env.assert_unchanged(&before, "dry run of accounts (table output)");

    // The real import then does what the dry run said.
    let real = env.import_ok("accounts", &file, &[]);
    assert_eq!(real.counts(), (2, 1, 1));
    assert_eq!(env.counts()["account"], 5);
    assert_eq!(
        env.one("SELECT name FROM account WHERE account_id = 'X002'"),
        "PT Dua Renamed"
    );
    // Columns the file does not have are left as they were.
    assert_eq!(
        env.one("SELECT industry FROM account WHERE account_id = 'X002'"),
        "education"
    );

    // A dry run of a broken file fails as the real import would.
    let before = env.snapshot();
    let out = env.import("subscriptions", &broken("negative-mrr.csv"), &["--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    env.assert_unchanged(&before, "dry run of a broken file");
}

#[test]
fn map_renames_columns() {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.toml"), &[]);
    env.import_ok("accounts", &fixture("accounts.csv"), &[]);

    // Without the map the export's own names are not ours: refused, with a hint.
    let before = env.snapshot();
    let out = env.import("subscriptions", &fixture("subscriptions.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("subscriptions.csv:1"), "{stderr}");
    assert!(
        stderr.contains("required column account_id is missing"),
        "{stderr}"
    );
    assert!(stderr.contains("--map"), "{stderr}");
    assert!(stderr.contains("CustomerID"), "the header is shown: {stderr}");
    env.assert_unchanged(&before, "subscriptions without --map");

    // A map onto a field the kind does not have.
    let out = env.import(
        "subscriptions",
        &fixture("subscriptions.csv"),
        &[
            "--map",
            "CustomerID=customer,MonthlyCharges=mrr,StartDate=start_date",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("customer is not a field"), "{stderr}");
    assert!(stderr.contains("account_id"), "the fields are listed: {stderr}");
    env.assert_unchanged(&before, "--map onto an unknown field");

    // A malformed --map is bad usage.
    let out = env.import(
        "subscriptions",
        &fixture("subscriptions.csv"),
        &["--map", "CustomerID"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("COL=FIELD"), "{}", text(&out.stderr));

    // With the map (file column names matched without regard to case).
    let report = env.import_ok(
        "subscriptions",
        &fixture("subscriptions.csv"),
        &[
            "--map",
            "customerid=account_id,MonthlyCharges=mrr",
            "--map",
            "StartDate=start_date,EndDate=end_date",
        ],
    );
    assert_eq!(report.counts(), (4, 0, 0));
    assert!(report.ignored.is_empty(), "every column is used: {report:?}");
    assert_eq!(
        env.one("SELECT sum(mrr), count(end_date) FROM subscription"),
        "2735.5|2"
    );
}

#[test]
fn unknown_columns_are_listed_once_as_a_notice() {
    let env = Env::new();
    let file = env.write(
        "accounts-extra.csv",
        "account_id,Region,name,Notes\nX101,north,Alpha,first\nX102,south,Beta,second\nX103,east,Gamma,third\n",
    );
    let out = env.import("accounts", &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let notices: Vec<&str> = stderr.lines().filter(|l| l.contains("notice")).collect();
    assert_eq!(notices.len(), 1, "one notice: {stderr}");
    assert!(notices[0].contains("accounts-extra.csv"), "{stderr}");
    assert!(notices[0].contains("Region, Notes"), "{stderr}");
    assert_eq!(stderr.matches("Region").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("Notes").count(), 1, "{stderr}");
    assert_eq!(
        env.rows("SELECT name FROM account ORDER BY 1"),
        vec![vec!["Alpha"], vec!["Beta"], vec!["Gamma"]]
    );
    let report = env.import_ok("accounts", &file, &[]);
    assert_eq!(report.ignored, vec!["Region", "Notes"]);
}

// ---------------------------------------------------------------------------------------------
// Formats met in the wild
// ---------------------------------------------------------------------------------------------

/// A store with the example journeys and accounts.
fn env_with_accounts() -> Env {
    let env = Env::new();
    env.import_ok("journeys", &fixture("journeys.toml"), &[]);
    env.import_ok("accounts", &fixture("accounts.csv"), &[]);
    env
}

#[test]
fn bom_semicolon_tab_and_crlf() {
    let env = Env::new();
    let variants: [(&str, &[u8]); 5] = [
        (
            "bom-comma.csv",
            b"\xef\xbb\xbfaccount_id,name,industry\nA1,Alpha,retail\n",
        ),
        (
            "semicolon.csv",
            b"account_id;name;industry\nA2;Beta, Ltd;retail\n",
        ),
        (
            "tab.csv",
            b"account_id\tname\tindustry\nA3\tGamma; Co, Ltd\tretail\n",
        ),
        (
            "crlf.csv",
            b"account_id,name,industry\r\nA4,Delta,retail\r\nA5,\"Epsilon\r\nsecond line\",retail\r\n",
        ),
        (
            "bom-tab-crlf.csv",
            b"\xef\xbb\xbfaccount_id\tname\tindustry\r\nA6\tZeta\tretail\r\n",
        ),
    ];
    for (name, bytes) in variants {
        let file = env.write(name, bytes);
        let report = env.import_ok("accounts", &file, &[]);
        assert!(report.ignored.is_empty(), "{name}: {report:?}");
    }
    assert_eq!(
        env.rows("SELECT account_id, name, industry FROM account ORDER BY 1"),
        vec![
            vec!["A1", "Alpha", "retail"],
            vec!["A2", "Beta, Ltd", "retail"],
            vec!["A3", "Gamma; Co, Ltd", "retail"],
            vec!["A4", "Delta", "retail"],
            vec!["A5", "Epsilon\r\nsecond line", "retail"],
            vec!["A6", "Zeta", "retail"],
        ]
    );
}

#[test]
fn crlf_and_bare_cr_files_name_the_right_lines() {
    let env = env_with_accounts();
    let before = env.snapshot();
    // Line 3 is bad; the quoted field of line 4 spans lines 4 and 5; line 6 is bad too.
    let crlf = env.write(
        "crlf-bad.csv",
        b"account_id,name,company_size\r\nB1,One,small\r\nB2,Two,huge\r\nB3,\"Three\r\nLtd\",\"small\"\r\nB4,Four,tiny\r\n",
    );
    let out = env.import("accounts", &crlf, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("crlf-bad.csv:3: column company_size, value 'huge'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("crlf-bad.csv:6: column company_size, value 'tiny'"),
        "{stderr}"
    );
    let bare_cr = env.write(
        "cr-bad.csv",
        b"account_id,name,company_size\rB1,One,small\rB2,Two,huge\r",
    );
    let out = env.import("accounts", &bare_cr, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("column company_size, value 'huge'"), "{stderr}");
    env.assert_unchanged(&before, "CRLF and CR files with bad values");
    // A quoted last field before CRLF loses the CR with the field's spaces.
    let good = env.write("crlf-good.csv", b"account_id,name\r\nB5,\"Five\"\r\n");
    env.import_ok("accounts", &good, &[]);
    assert_eq!(
        env.one("SELECT name FROM account WHERE account_id = 'B5'"),
        "Five"
    );
}

#[test]
fn quoted_fields_with_newlines_keep_line_numbers_right() {
    let env = env_with_accounts();
    let before = env.snapshot();
    // The third record starts on line 5: the second one spans lines 2 and 3.
    let out = env.import("accounts", &broken("line-after-multiline-field.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line-after-multiline-field.csv:5: column company_size, value 'huge'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected one of micro, small, medium, large, unknown"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "a bad company size after a multi-line field");
}

#[test]
fn dates_iso_with_time_and_zone() {
    let env = env_with_accounts();
    let file = env.write(
        "dates.csv",
        "account_id,created_on\n\
         D1,2025-01-10\n\
         D2,2025-01-10T08:30:00\n\
         D3,2025-01-10T00:30:00Z\n\
         D4,2025-01-10 23:59:59\n",
    );
    env.import_ok("accounts", &file, &[]);
    assert_eq!(
        env.rows("SELECT account_id, created_on FROM account WHERE account_id LIKE 'D%' ORDER BY 1"),
        vec![
            vec!["D1", "2025-01-10"],
            vec!["D2", "2025-01-10"],
            vec!["D3", "2025-01-10"],
            vec!["D4", "2025-01-10"],
        ]
    );
    // Timestamps: without a zone as written; with one, in UTC.
    let tickets = env.write(
        "tickets.csv",
        "ticket_id,account_id,opened_at,resolved_at\n\
         T1,X001,2026-04-02T09:00:00,2026-04-02T10:15:30\n\
         T2,X001,2026-04-02T09:00:00Z,2026-04-02 11:00\n\
         T3,X001,2026-04-02T09:00:00+07:00,2026-04-02T12:00:00+07:00\n\
         T4,X001,2026-04-02,\n",
    );
    env.import_ok("tickets", &tickets, &[]);
    assert_eq!(
        env.rows("SELECT ticket_id, opened_at, resolved_at FROM ticket ORDER BY 1"),
        vec![
            vec!["T1", "2026-04-02T09:00:00", "2026-04-02T10:15:30"],
            vec!["T2", "2026-04-02T09:00:00", "2026-04-02T11:00:00"],
            vec!["T3", "2026-04-02T02:00:00", "2026-04-02T05:00:00"],
            vec!["T4", "2026-04-02T00:00:00", "NULL"],
        ]
    );
}

#[test]
fn a_timestamp_with_a_zone_in_a_date_column_keeps_its_own_date() {
    // fields.rs: "A timestamp where a date is expected: its date, in its own zone." A start at
    // midnight in Jakarta is the 1st of February there, whatever the date in UTC.
    let env = env_with_accounts();
    let file = env.write(
        "zoned-dates.csv",
        "subscription_id,account_id,mrr,start_date,end_date\n\
         Z1,X001,10,2025-02-01T00:00:00+07:00,\n\
         Z2,X001,10,2025-02-01T23:30:00-05:00,2025-03-01T00:00:00+07:00\n",
    );
    env.import_ok("subscriptions", &file, &[]);
    assert_eq!(
        env.rows("SELECT subscription_id, start_date, end_date FROM subscription ORDER BY 1"),
        vec![
            vec!["Z1", "2025-02-01", "NULL"],
            vec!["Z2", "2025-02-01", "2025-03-01"],
        ]
    );
}

#[test]
fn day_first_dates_only_when_asked() {
    let env = env_with_accounts();
    let file = env.write(
        "day-first.csv",
        "subscription_id,account_id,mrr,start_date,end_date\nF1,X001,10,31/01/2025,01/02/2025\nF2,X002,20,2025-03-10,\n",
    );
    let before = env.snapshot();
    let out = env.import("subscriptions", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("day-first.csv:2: column start_date, value '31/01/2025'"),
        "{stderr}"
    );
    assert!(stderr.contains("expected a date YYYY-MM-DD"), "{stderr}");
    assert!(
        stderr.contains("day-first.csv:2: column end_date, value '01/02/2025'"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "DD/MM/YYYY without --day-first");

    env.import_ok("subscriptions", &file, &["--day-first"]);
    assert_eq!(
        env.rows("SELECT subscription_id, start_date, end_date FROM subscription ORDER BY 1"),
        vec![
            vec!["F1", "2025-01-31", "2025-02-01"],
            vec!["F2", "2025-03-10", "NULL"]
        ]
    );
    // Month-first is never guessed: 01/31/2025 is no date even with --day-first.
    let us = env.write(
        "month-first.csv",
        "subscription_id,account_id,mrr,start_date\nF3,X001,10,01/31/2025\n",
    );
    let out = env.import("subscriptions", &us, &["--day-first"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("month-first.csv:2: column start_date, value '01/31/2025'"),
        "{stderr}"
    );
    assert!(stderr.contains("DD/MM/YYYY"), "{stderr}");
}

#[test]
fn booleans_yes_no_true_false_one_zero() {
    let env = Env::new();
    let file = env.write(
        "tiers-flags.csv",
        "tier_id,name,rank,req_no_overdue,req_no_open_severe,req_not_detractor,req_hvc\n\
         t1,One,1,Yes,No,true,false\n\
         t2,Two,2,1,0,TRUE,NO\n\
         t3,Three,3,y,n,,\n",
    );
    env.import_ok("tiers", &file, &[]);
    assert_eq!(
        env.rows("SELECT tier_id, req_no_overdue, req_no_open_severe, req_not_detractor, req_hvc FROM tier ORDER BY rank"),
        vec![
            vec!["t1", "1", "0", "1", "0"],
            vec!["t2", "1", "0", "1", "0"],
            vec!["t3", "1", "0", "0", "0"],
        ]
    );
    let bad = env.write("tiers-maybe.csv", "tier_id,name,rank,req_hvc\nt4,Four,4,maybe\n");
    let before = env.snapshot();
    let out = env.import("tiers", &bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("tiers-maybe.csv:2: column req_hvc, value 'maybe'"),
        "{stderr}"
    );
    assert!(stderr.contains("expected yes/no, true/false or 1/0"), "{stderr}");
    env.assert_unchanged(&before, "a bad boolean");
}

#[test]
fn empty_strings_are_missing_values() {
    let env = env_with_accounts();
    let file = env.write(
        "accounts-empty.csv",
        "account_id,name,journey_id,industry,company_size,owner,created_on\nE1,,,,,,\nE2,  ,  ,  ,  ,  ,  \n",
    );
    env.import_ok("accounts", &file, &[]);
    let expected = vec!["", "NULL", "", "unknown", "NULL", "NULL"];
    for id in ["E1", "E2"] {
        assert_eq!(
            env.rows(&format!(
                "SELECT name, journey_id, industry, company_size, owner, created_on FROM account WHERE account_id = '{id}'"
            )),
            vec![expected.clone()],
            "{id}"
        );
    }
    let subs = env.write(
        "subs-empty.csv",
        "subscription_id,account_id,mrr,start_date,end_date,product,ordered_on\nE1,X001,5,2025-01-01,,,\n",
    );
    env.import_ok("subscriptions", &subs, &[]);
    assert_eq!(
        env.one("SELECT product, end_date, ordered_on FROM subscription WHERE subscription_id = 'E1'"),
        "|NULL|NULL"
    );
    // An empty required value is an error naming the column.
    let before = env.snapshot();
    let out = env.import("subscriptions", &broken("blank-required-value.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("blank-required-value.csv:3: column mrr, value '': a value is required"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "an empty required value");
}

// ---------------------------------------------------------------------------------------------
// Broken files: exit 2, a located message, and the store as it was
// ---------------------------------------------------------------------------------------------

/// Imports a broken file into the example store; asserts exit code 2, no panic, every expected
/// text on stderr, and every table of the store as it was. Returns stderr.
fn refused(kind: &str, file: &str, expected: &[&str]) -> String {
    let env = Env::with_examples();
    let before = env.snapshot();
    let out = env.import(kind, &broken(file), &[]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{file}: panic: {stderr}");
    assert_eq!(out.status.code(), Some(2), "{file}: stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{file}: nothing on stdout: {}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains(file),
        "{file}: the message names the file: {stderr}"
    );
    for e in expected {
        assert!(
            stderr.contains(e),
            "{file}: stderr should contain {e:?}: {stderr}"
        );
    }
    env.assert_unchanged(&before, file);
    stderr
}

#[test]
fn broken_wrong_delimiter() {
    // '|' is no delimiter we detect: the header is one column, so account_id is missing.
    refused(
        "accounts",
        "wrong-delimiter.csv",
        &[
            "wrong-delimiter.csv:1:",
            "required column account_id is missing",
            "the header has: account_id|name|journey_id",
        ],
    );
}

#[test]
fn broken_missing_required_column() {
    // A subscriptions file with no mrr column.
    refused(
        "subscriptions",
        "missing-required-column.csv",
        &[
            "missing-required-column.csv:1:",
            "required column mrr is missing",
            "--map COL=mrr",
        ],
    );
}

#[test]
fn broken_bad_date() {
    // 30 February.
    refused(
        "subscriptions",
        "bad-date.csv",
        &[
            "bad-date.csv:3: column start_date, value '2025-02-30'",
            "expected a date YYYY-MM-DD",
        ],
    );
}

#[test]
fn broken_negative_mrr() {
    // MRR below zero.
    refused(
        "subscriptions",
        "negative-mrr.csv",
        &[
            "negative-mrr.csv:3: column mrr, value '-65.50'",
            "expected a number >= 0",
        ],
    );
}

#[test]
fn broken_text_in_a_number() {
    // 'sixty-five' where MRR is a number.
    refused(
        "subscriptions",
        "text-in-number.csv",
        &[
            "text-in-number.csv:3: column mrr, value 'sixty-five'",
            "expected a number",
        ],
    );
}

#[test]
fn broken_duplicate_key_inside_the_file() {
    // X101 twice: the second (line 4) is named, with the first's line.
    refused(
        "accounts",
        "duplicate-key.csv",
        &[
            "duplicate-key.csv:4:",
            "duplicate key account_id = X101",
            "earlier in the file, on line 2",
        ],
    );
}

#[test]
fn broken_unknown_account() {
    // Subscription S-9 of account X999, which the store does not have: both are named.
    refused(
        "subscriptions",
        "unknown-account.csv",
        &[
            "unknown-account.csv:3: column account_id, value 'X999'",
            "subscription S-9",
            "unknown account X999",
        ],
    );
}

#[test]
fn broken_truncated_last_line() {
    // The last line stops after two of four fields, with no newline.
    refused(
        "accounts",
        "truncated-last-line.csv",
        &["truncated-last-line.csv:4:", "2 fields, expected 4"],
    );
}

#[test]
fn broken_truncated_inside_a_quoted_field() {
    // The file ends inside an open quote.
    refused(
        "accounts",
        "truncated-quote.csv",
        &["truncated-quote.csv:3:", "2 fields, expected 3"],
    );
}

#[test]
fn broken_invalid_utf8() {
    // Latin-1 bytes 0xFF 0xFE in a name.
    refused(
        "accounts",
        "invalid-utf8.csv",
        &[
            "invalid-utf8.csv:3: column name, value 'PT \u{fffd}\u{fffd} Dua'",
            "not valid UTF-8",
            "expected UTF-8",
        ],
    );
}

#[test]
fn broken_empty_file() {
    // Zero bytes: no header.
    refused(
        "accounts",
        "empty.csv",
        &["the file is empty", "expected a header line", "account_id"],
    );
}

#[test]
fn broken_bom_only() {
    // A byte-order mark and nothing else is an empty file too.
    refused(
        "accounts",
        "bom-only.csv",
        &["the file is empty", "expected a header line"],
    );
}

#[test]
fn header_only_imports_nothing_with_a_notice() {
    // A header and no rows: not an error (an export of an empty selection), but said so.
    let env = Env::with_examples();
    let before = env.snapshot();
    let out = env.import("accounts", &broken("header-only.csv"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("0 rows: 0 new, 0 changed, 0 unchanged"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("notice"), "{stderr}");
    assert!(
        stderr.contains("header-only.csv: a header and no rows"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "header only");
    // --quiet keeps notices off stderr (errors are still printed).
    let out = env.import("accounts", &broken("header-only.csv"), &["--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "--quiet: no notice");
}

#[test]
fn tiers_toml_with_no_tier_imports_nothing() {
    // No [[tier]] in the file, over a store that has a ladder: like a CSV header with no rows,
    // nothing to import and the ladder left as it is; in no case a store error (exit code 1).
    let env = Env::with_examples();
    let before = env.snapshot();
    let out = env.import("tiers", &broken("tiers-none.toml"), &[]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("constraint"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        text(&out.stdout).contains("0 rows: 0 new, 0 changed, 0 unchanged"),
        "{}",
        text(&out.stdout)
    );
    env.assert_unchanged(&before, "a tiers TOML with no tier");
}

#[test]
fn broken_more_than_twenty_errors() {
    // 25 rows with text for MRR: the first 20 listed (lines 2..=21), then a count of the rest.
    let stderr = refused(
        "subscriptions",
        "many-errors.csv",
        &["25 errors", "... and 5 more"],
    );
    for line in 2..=21 {
        assert!(
            stderr.contains(&format!("many-errors.csv:{line}: column mrr, value 'n/a'")),
            "line {line}: {stderr}"
        );
    }
    assert!(!stderr.contains("many-errors.csv:22:"), "{stderr}");
    let listed = stderr.lines().filter(|l| l.contains("column mrr")).count();
    assert_eq!(listed, 20, "{stderr}");
}

#[test]
fn broken_journeys_unknown_key() {
    // `colour` in a phase: refused with its line and the keys that are known.
    refused(
        "journeys",
        "journeys-unknown-key.toml",
        &["line 9", "colour", "unknown field", "expected one of", "cx_goal"],
    );
}

#[test]
fn broken_journeys_bad_kind() {
    // kind = "kpi": refused with its line and the words allowed.
    refused(
        "journeys",
        "journeys-bad-kind.toml",
        &["line 13", "kpi", "indicator", "success"],
    );
}

#[test]
fn broken_tiers_falling_with_rank_csv() {
    // Gold (rank 3, line 4) asks 100 MRR, less than silver's 150 at rank 2.
    refused(
        "tiers",
        "tiers-falling.csv",
        &[
            "tiers-falling.csv:4: column min_mrr, value '100'",
            "tier gold (rank 3)",
            "tier silver (rank 2)",
            "expected thresholds rising with rank",
        ],
    );
}

#[test]
fn broken_tiers_falling_with_rank_toml() {
    // Gold asks 6 months of tenure, less than silver's 12 (the TOML ladder).
    refused(
        "tiers",
        "tiers-falling.toml",
        &[
            "tier gold (rank 3)",
            "tier silver (rank 2)",
            "expected thresholds rising with rank",
        ],
    );
}

#[test]
fn broken_line_after_a_multiline_field() {
    // The bad value is on line 5: a quoted name before it spans two lines.
    refused(
        "accounts",
        "line-after-multiline-field.csv",
        &[
            "line-after-multiline-field.csv:5: column company_size, value 'huge'",
            "expected one of",
        ],
    );
}

#[test]
fn broken_blank_required_value() {
    // Blank (spaces only) MRR.
    refused(
        "subscriptions",
        "blank-required-value.csv",
        &[
            "blank-required-value.csv:3: column mrr, value ''",
            "a value is required",
        ],
    );
}

#[test]
fn references_and_vocabularies_are_checked() {
    let env = env_with_accounts();
    let cases: [(&str, &str, &str, &[&str]); 6] = [
        (
            "accounts",
            "unknown-journey.csv",
            "account_id,journey_id\nX201,retail-banking\n",
            &[
                "unknown-journey.csv:2: column journey_id, value 'retail-banking'",
                "unknown journey",
                "sme-broadband",
            ],
        ),
        (
            "surveys",
            "csat-range.csv",
            "account_id,answered_at,survey,score\nX001,2026-04-03,csat,9\n",
            &["csat-range.csv:2: column score, value '9'", "from 1 to 5"],
        ),
        (
            "surveys",
            "unknown-phase.csv",
            "account_id,answered_at,survey,score,phase\nX001,2026-04-03,nps,9,onboarding\n",
            &[
                "unknown-phase.csv:2: column phase, value 'onboarding'",
                "activate, use, get-support",
            ],
        ),
        (
            "metric-values",
            "computed-metric.csv",
            "metric_id,period,value\nsme.use.nps,2026-04,40\n",
            &[
                "computed-metric.csv:2: column metric_id, value 'sme.use.nps'",
                "not imported",
            ],
        ),
        (
            "tickets",
            "response-before-open.csv",
            "ticket_id,account_id,opened_at,first_response_at\nT1,X001,2026-04-02T09:00:00,2026-04-02T08:00:00\n",
            &[
                "response-before-open.csv:2: column first_response_at, value '2026-04-02T08:00:00'",
                "before the ticket was opened",
            ],
        ),
        (
            "subscriptions",
            "end-before-start.csv",
            "subscription_id,account_id,mrr,start_date,end_date\nS1,X001,10,2025-05-01,2025-04-01\n",
            &[
                "end-before-start.csv:2: column end_date, value '2025-04-01'",
                "before the start date",
            ],
        ),
    ];
    for (kind, name, body, expected) in cases {
        let file = env.write(name, body);
        let before = env.snapshot();
        let out = env.import(kind, &file, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        for e in expected {
            assert!(
                stderr.contains(e),
                "{name}: stderr should contain {e:?}: {stderr}"
            );
        }
        env.assert_unchanged(&before, name);
    }
}

#[test]
fn a_missing_file_is_bad_input() {
    let env = Env::new();
    let out = env.import("accounts", &env.dir.path().join("nowhere.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nowhere.csv: no such file"),
        "{}",
        text(&out.stderr)
    );
}

/// A file large enough that the store's by-account index is set aside and rebuilt: the rows
/// land, the index is back and the store is consistent; a bad last row writes nothing and
/// leaves the index in place; a dry run too.
#[test]
fn a_large_file_lands_whole_with_its_indexes_rebuilt() {
    let env = env_with_accounts();
    let accounts: Vec<String> = env
        .rows("SELECT account_id FROM account ORDER BY 1")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let mut csv = String::from("subscription_id,account_id,mrr,start_date\n");
    for i in 0..60_000 {
        csv += &format!(
            "L{i:06},{},{}.5,2025-{:02}-01\n",
            accounts[i % accounts.len()],
            i % 900,
            1 + i % 12
        );
    }
    let index_sql = "SELECT sql FROM sqlite_schema WHERE name = 'subscription_by_account'";
    let index_before = env.one(index_sql);

    let bad = env.write("large-bad.csv", format!("{csv}L999999,NOBODY,1,2025-01-01\n"));
    let before = env.snapshot();
    for extra in [&[][..], &["--dry-run"][..]] {
        let out = env.import("subscriptions", &bad, extra);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("large-bad.csv:60002: column account_id, value 'NOBODY'"));
        env.assert_unchanged(&before, "a large file with a bad last row");
        assert_eq!(env.one(index_sql), index_before);
    }

    let good = env.write("large.csv", &csv);
    let dry = env.import_ok("subscriptions", &good, &["--dry-run"]);
    assert_eq!((dry.new, dry.changed), (60_000, 0));
    env.assert_unchanged(&before, "a dry run of a large file");
    let report = env.import_ok("subscriptions", &good, &[]);
    assert_eq!((report.new, report.changed, report.unchanged), (60_000, 0, 0));
    assert_eq!(env.one(index_sql), index_before);
    assert_eq!(
        env.one("SELECT count(*) FROM subscription WHERE subscription_id LIKE 'L%'"),
        "60000"
    );
    assert_eq!(
        env.one("SELECT mrr || ' ' || start_date FROM subscription WHERE subscription_id = 'L059999'"),
        "599.5 2025-12-01"
    );
    assert_eq!(env.one("PRAGMA integrity_check"), "ok");
    assert_eq!(env.cx(&["check"]).status.code(), Some(0));
    // The index is used again: the account's subscriptions are found through it.
    let plan = env.rows(&format!(
        "EXPLAIN QUERY PLAN SELECT min(start_date) FROM subscription WHERE account_id = '{}'",
        accounts[0]
    ));
    assert!(
        plan.iter()
            .any(|r| r.join(" ").contains("subscription_by_account")),
        "{plan:?}"
    );
    let again = env.import_ok("subscriptions", &good, &[]);
    assert_eq!((again.new, again.changed, again.unchanged), (0, 0, 60_000));
}

/// A survey answer is keyed by its response id and survey: one response may answer NPS and CSAT
/// (two rows, and an import of either again changes nothing), and only the same response id
/// and survey twice in a file is a repeated key, named with both lines.
#[test]
fn survey_answers_are_keyed_by_response_id_and_survey() {
    let env = env_with_accounts();
    let both = env.write(
        "both.csv",
        "response_id,account_id,answered_at,survey,score
R1,X001,2026-04-12,nps,9
R1,X001,2026-04-12,csat,4
R2,X002,2026-04-13,nps,3
",
    );
    assert_eq!(env.import_ok("surveys", &both, &[]).counts(), (3, 0, 0));
    assert_eq!(
        env.rows("SELECT response_id, survey, account_id, score FROM survey_response WHERE response_id LIKE 'R_' ORDER BY 1, 2"),
        vec![
            vec!["R1", "csat", "X001", "4"],
            vec!["R1", "nps", "X001", "9"],
            vec!["R2", "nps", "X002", "3"],
        ]
    );
    // A later file changes the CSAT answer of R1 alone.
    let csat = env.write(
        "csat.csv",
        "response_id,account_id,answered_at,survey,score
R1,X001,2026-04-12,csat,5
",
    );
    assert_eq!(env.import_ok("surveys", &csat, &[]).counts(), (0, 1, 0));
    assert_eq!(
        env.rows("SELECT survey, score FROM survey_response WHERE response_id = 'R1' ORDER BY 1"),
        vec![vec!["csat", "5"], vec!["nps", "9"]]
    );
    let before = env.snapshot();
    let repeated = env.write(
        "repeated.csv",
        "response_id,account_id,answered_at,survey,score
R3,X001,2026-04-14,nps,9
R3,X001,2026-04-14,csat,4
R3,X001,2026-04-15,nps,7
",
    );
    let out = env.import("surveys", &repeated, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("repeated.csv: not imported, nothing was written: 1 error"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "repeated.csv:4: duplicate key response_id+survey = R3+nps (it appears earlier in the file, on line 2)"
        ),
        "{stderr}"
    );
    env.assert_unchanged(&before, "a response id and survey repeated in a file");
}

/// A file without the optional key column `segment` lands in segment `all`, as documented, and
/// a second import of it changes nothing.
#[test]
fn metric_values_without_a_segment_column_land_in_all() {
    let env = Env::with_examples();
    let file = env.write(
        "no-segment.csv",
        "metric_id,period,value\ncloud.awareness.followers,2026-02,123.5\n",
    );
    let report = env.import_ok("metric-values", &file, &[]);
    assert_eq!(report.rows, 1);
    assert_eq!(report.new + report.changed, 1, "{report:?}");
    assert_eq!(
        env.one("SELECT segment || ' ' || value FROM metric_value WHERE metric_id = 'cloud.awareness.followers' AND period = '2026-02'"),
        "all 123.5"
    );
    assert_eq!(env.import_ok("metric-values", &file, &[]).counts(), (0, 0, 1));
}

/// Imported metric values feed the rollups only: the import refreshes those, and a full
/// refresh afterwards changes nothing else (tiers, triage signals, indicator outcomes).
#[test]
fn metric_values_refresh_the_rollups_only() {
    let env = Env::new();
    let db = env.db.to_str().unwrap().to_string();
    let demo = env.cx(&[
        "demo",
        "--out",
        &db,
        "--force",
        "--accounts",
        "300",
        "--months",
        "12",
        "--as-of",
        "2026-06",
    ]);
    assert_eq!(demo.status.code(), Some(0), "{}", text(&demo.stderr));
    let file = env.write(
        "more-values.csv",
        "metric_id,period,value,segment\ncloud.awareness.followers,2026-04,99999,all\ncloud.consideration.win_rate,2026-05,12.5,all\n",
    );
    let out = env.import("metric-values", &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("do not read these rows") && !stdout.contains("triage signals in"),
        "{stdout}"
    );
    assert_eq!(
        env.one("SELECT value FROM rollup WHERE metric_id = 'cloud.awareness.followers' AND segment = 'all' AND period = '2026-04'"),
        "99999.0"
    );
    let derived = |env: &Env| {
        [
            "SELECT * FROM account_tier ORDER BY 1, 2",
            "SELECT * FROM account_signal ORDER BY 1, 2, 3",
            "SELECT * FROM indicator_outcome ORDER BY 1, 2",
            "SELECT * FROM rollup ORDER BY 1, 2, 3",
        ]
        .map(|sql| env.rows(sql))
    };
    let after_import = derived(&env);
    assert!(
        after_import.iter().all(|rows| !rows.is_empty()),
        "the examples derive every table"
    );
    assert_eq!(env.cx(&["rollup"]).status.code(), Some(0));
    assert_eq!(derived(&env), after_import);
}

// ---------------------------------------------------------------------------------------------
// Hostile text (issue #16): control bytes, bidi overrides and formulas never reach an output
// raw; text fields have a length bound
// ---------------------------------------------------------------------------------------------

/// A name, comment, reason or channel as an attacker would write it: a clipboard write (OSC 52),
/// a screen clear, a C1 CSI, a right-to-left override, line breaks and a spreadsheet formula.
const HOSTILE: &str =
    "=cmd|' /C calc'!A0 \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m\u{202E}gnp.exe\nINJECTED\r\tend";

/// A CSV field, quoted.
fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// What no text or CSV output may hold: C0 controls but the line feed, DEL, C1 controls, and the
/// bidirectional controls; nor a line that the hostile text's line break started.
fn assert_clean(what: &str, output: &str) {
    let bad: Vec<char> = output
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in {output}");
    assert!(
        !output.lines().any(|l| l.starts_with("INJECTED")),
        "{what}: a line break from the data broke the output: {output}"
    );
}

#[test]
fn hostile_text_is_neutralised_in_every_text_and_csv_output_and_kept_in_json() {
    let env = Env::with_examples();
    let accounts = env.write(
        "hostile-accounts.csv",
        format!("account_id,name\nX002,{}\n", quoted(HOSTILE)),
    );
    env.import_ok("accounts", &accounts, &[]);
    let churn = env.write(
        "hostile-churn.csv",
        format!("account_id,churned_on,root_cause,phase,reason,mrr_lost\nX002,2026-05-01,price,get-support,{},65.50\n", quoted(HOSTILE)),
    );
    env.import_ok("churn-events", &churn, &[]);
    let surveys = env.write(
        "hostile-surveys.csv",
        format!(
            "account_id,answered_at,survey,score,touchpoint,phase,comment\nX002,2026-04-12,nps,2,{},use,{}\n",
            quoted(HOSTILE),
            quoted(HOSTILE)
        ),
    );
    env.import_ok("surveys", &surveys, &[]);
    let tickets = env.write(
        "hostile-tickets.csv",
        format!(
            "ticket_id,account_id,opened_at,first_response_at,resolved_at,severity,channel,phase\nTK-H,X002,2026-04-06T09:00:00,2026-04-06T10:00:00,,high,{},get-support\n",
            quoted(HOSTILE)
        ),
    );
    env.import_ok("tickets", &tickets, &[]);
    let runs: &[&[&str]] = &[
        &[
            "churn", "--by", "accounts", "--from", "2026-04", "--to", "2026-04",
        ],
        &["comments", "--phase", "use", "--list"],
        &["touchpoints", "--phase", "use", "--period", "2026-04"],
        &["touchpoints", "--phase", "get-support", "--period", "2026-04"],
    ];
    for args in runs {
        for format in ["table", "csv"] {
            let mut all = vec!["--format", format];
            all.extend_from_slice(args);
            let out = env.cx(&all);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{all:?}: {}", text(&out.stderr));
            assert!(
                stdout.contains("gnp.exe INJECTED end"),
                "{all:?} lost the text: {stdout}"
            );
            assert_clean(&format!("{all:?}"), &stdout);
            if format == "csv" {
                // Text that a spreadsheet would run is prefixed; numbers keep their sign.
                assert!(
                    stdout.contains("'=cmd|"),
                    "{all:?}: formula not guarded: {stdout}"
                );
                assert!(
                    !stdout.contains(",=cmd") && !stdout.starts_with("=cmd"),
                    "{all:?}: {stdout}"
                );
            }
        }
    }
    // JSON keeps the data as it is (escaped by JSON's rules).
    let out = env.cx(&[
        "--format", "json", "churn", "--by", "accounts", "--from", "2026-04", "--to", "2026-04",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&HOSTILE), "{names:?}");
    let out = env.cx(&["--format", "json", "comments", "--phase", "use", "--list"]);
    assert!(
        text(&out.stdout).contains("\\u001b]52;c;ZXZpbA=="),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn import_errors_quote_hostile_values_cleaned_on_one_line() {
    let env = env_with_accounts();
    let file = env.write(
        "hostile-dates.csv",
        format!("account_id,name,created_on\nX001,ok,{}\n", quoted(HOSTILE)),
    );
    let out = env.import("accounts", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_clean("the import error", &stderr);
    assert!(
        stderr.contains("hostile-dates.csv:2: column created_on"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "the summary and one problem: {stderr}");
}

#[test]
fn text_fields_past_their_limit_are_refused_naming_file_line_and_column() {
    let env = env_with_accounts();
    let before = env.snapshot();
    let long_name = "N".repeat(10_001);
    let file = env.write(
        "long-name.csv",
        format!("account_id,name\nX001,fine\nX002,{long_name}\n"),
    );
    let out = env.import("accounts", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("long-name.csv:3: column name"), "{stderr}");
    assert!(
        stderr.contains("10,001 characters, longer than the limit of 10,000"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "a name past the limit");
    // Names up to the limit, and comments up to theirs, are taken.
    let file = env.write(
        "name-at-limit.csv",
        format!("account_id,name\nX002,{}\n", "N".repeat(10_000)),
    );
    env.import_ok("accounts", &file, &[]);
    let comments = |n: usize| {
        format!(
            "account_id,answered_at,survey,score,touchpoint,phase,comment\nX002,2026-04-12,nps,2,email,use,{}\n",
            "c".repeat(n)
        )
    };
    env.import_ok(
        "surveys",
        &env.write("comment-at-limit.csv", comments(100_000)),
        &[],
    );
    let out = env.import(
        "surveys",
        &env.write("comment-too-long.csv", comments(100_001)),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("comment-too-long.csv:2: column comment"),
        "{stderr}"
    );
    assert!(
        stderr.contains("100,001 characters, longer than the limit of 100,000"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile files (issue #16): absurd figures, UTF-16, directories, NUL bytes, endless input
// ---------------------------------------------------------------------------------------------

/// Figures beyond 1e12 in magnitude (and non-finite ones) are refused naming file, line,
/// column, value and the bound; a figure written around the import is a problem for `check`.
#[test]
fn figures_past_the_bound_are_refused_and_check_finds_them_in_the_store() {
    let env = env_with_accounts();
    let before = env.snapshot();
    let subscriptions = env.write(
        "huge-mrr.csv",
        "account_id,subscription_id,mrr,start_date\nX001,S-A,1e12,2026-01-01\nX001,S-B,1.7e308,2026-01-01\nX002,S-C,inf,2026-01-01\n",
    );
    let out = env.import("subscriptions", &subscriptions, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("huge-mrr.csv:3: column mrr, value '1.7e308'")
            && stderr.contains("no larger than 1,000,000,000,000"),
        "{stderr}"
    );
    assert!(
        stderr.contains("huge-mrr.csv:4: column mrr, value 'inf'"),
        "{stderr}"
    );
    assert!(!stderr.contains(":2:"), "1e12 itself is taken: {stderr}");
    let values = env.write(
        "huge-values.csv",
        "metric_id,period,value\ncloud.awareness.followers,2026-04,-1.5e12\n",
    );
    let out = env.import("metric-values", &values, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("huge-values.csv:2: column value, value '-1.5e12'")
            && stderr.contains("1,000,000,000,000"),
        "{stderr}"
    );
    let tiers = env.write(
        "huge.toml",
        "[[tier]]\nid = \"gold\"\nname = \"Gold\"\nrank = 1\nmin_mrr = inf\n",
    );
    let out = env.import("tiers", &tiers, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("min_mrr inf is beyond the limit of 1e12"),
        "{}",
        text(&out.stderr)
    );
    env.assert_unchanged(&before, "figures past the bound");
    // Two such MRRs written by other means: the sum would overflow, `check` says so.
    env.conn()
        .execute_batch(
            "INSERT INTO subscription (subscription_id, account_id, mrr, start_date)
             VALUES ('S-X', 'X001', 1.7e308, '2026-01-01'), ('S-Y', 'X001', 1.7e308, '2026-01-01');",
        )
        .unwrap();
    let out = env.cx(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("figure out of range")
            && stdout.contains("subscription S-X: mrr 1.7e+308 is beyond 1e12"),
        "{stdout}"
    );
}

/// UTF-16 files (with or without a byte order mark) get the advice to save them as UTF-8, with
/// no NUL byte on stderr; a directory is bad input like a missing file.
#[test]
fn utf16_files_and_directories_are_refused_as_bad_input() {
    let env = Env::new();
    let before = env.snapshot();
    let utf16 = |text: &str, bom: bool| -> Vec<u8> {
        let mut bytes = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    for (kind, name, bytes) in [
        (
            "accounts",
            "accounts16.csv",
            utf16("account_id,name\nX1,Acme\n", true),
        ),
        (
            "accounts",
            "nobom16.csv",
            utf16("account_id,name\nX1,Acme\n", false),
        ),
        (
            "journeys",
            "journeys16.toml",
            utf16("[[journey]]\nid = \"j\"\nname = \"J\"\n", true),
        ),
    ] {
        let file = env.write(name, bytes);
        let out = env.import(kind, &file, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("{name}: this file is UTF-16; save it as UTF-8")),
            "{stderr}"
        );
        assert!(!out.stderr.contains(&0), "a NUL byte on stderr: {stderr:?}");
    }
    for (kind, name) in [("accounts", "folder"), ("journeys", "folder.toml")] {
        let path = env.dir.path().join(name);
        std::fs::create_dir(&path).unwrap();
        let out = env.import(kind, &path, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("{name}: is a directory")),
            "{}",
            text(&out.stderr)
        );
    }
    env.assert_unchanged(&before, "UTF-16 and directories");
}

/// NUL bytes in ids and names are refused, naming file, line and column (CSV) or the
/// definition (TOML `\u0000`).
#[test]
fn nul_bytes_in_ids_and_names_are_refused() {
    let env = env_with_accounts();
    let before = env.snapshot();
    let file = env.write("nul.csv", b"account_id,name\nX9\0,Acme\nX8,Ac\0me\n");
    let out = env.import("accounts", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("nul.csv:2: column account_id"), "{stderr}");
    assert!(stderr.contains("nul.csv:3: column name"), "{stderr}");
    assert!(stderr.contains("NUL byte"), "{stderr}");
    assert!(!out.stderr.contains(&0));
    let journeys = std::fs::read(fixture("journeys.csv")).unwrap();
    let journeys = String::from_utf8(journeys)
        .unwrap()
        .replacen("sme-broadband", "sme\0broadband", 1);
    let out = env.import("journeys", &env.write("nul-journeys.csv", journeys), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nul-journeys.csv:2: column journey_id")
            && text(&out.stderr).contains("NUL byte"),
        "{}",
        text(&out.stderr)
    );
    let toml = env.write("nul.toml", "[[journey]]\nid = \"j\\u0000x\"\nname = \"J\"\n");
    let out = env.import("journeys", &toml, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("NUL byte"), "{}", text(&out.stderr));
    env.assert_unchanged(&before, "NUL bytes");
}

/// Endless input, under a memory limit: `/dev/zero` as a CSV or as a TOML file, a line that
/// never ends, a quoted field that never closes. Each is refused with its line number (exit 2)
/// in bounded memory, never killed or aborted.
#[test]
fn endless_input_is_refused_with_its_line_in_bounded_memory() {
    let env = env_with_accounts();
    let before = env.snapshot();
    let zero_toml = env.dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero_toml).unwrap();
    let mut endless_quote = b"account_id,name\nX001,fine\nX002,\"".to_vec();
    endless_quote.resize(endless_quote.len() + (5 << 20), b'q');
    for (i, chunk) in endless_quote.chunks_mut(1000).enumerate().skip(1) {
        chunk[0] = if i % 2 == 0 { b'\n' } else { b'q' };
    }
    let mut endless_line = b"account_id,name\nX001,fine\nX002,".to_vec();
    endless_line.resize(endless_line.len() + (5 << 20), b'n');
    let quote = env.write("endless-quote.csv", &endless_quote);
    let line = env.write("endless-line.csv", &endless_line);
    let cases: [(&str, &str, String); 5] = [
        (
            "journeys",
            "/dev/zero",
            "/dev/zero:1: a line or field longer than the limit of 4 MiB".into(),
        ),
        (
            "accounts",
            "/dev/zero",
            "/dev/zero:1: a line or field longer than the limit of 4 MiB".into(),
        ),
        (
            "journeys",
            common::s(&zero_toml),
            "zero.toml: larger than the limit of 16 MiB".into(),
        ),
        (
            "accounts",
            common::s(&quote),
            "endless-quote.csv:3: a line or field longer than the limit of 4 MiB".into(),
        ),
        (
            "accounts",
            common::s(&line),
            "endless-line.csv:3: a line or field longer than the limit of 4 MiB".into(),
        ),
    ];
    for (kind, file, expected) in cases {
        // 1 GiB of address space: far more than a bounded import needs, far less than /dev/zero.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 1048576; exec \"$@\"")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_cxcockpit"))
            .args(["--db", common::s(&env.db), "import", kind, file])
            .env_remove("CXCOCKPIT_DB")
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind} {file}: {stderr}");
        assert!(stderr.contains(&expected), "{kind} {file}: {stderr}");
    }
    env.assert_unchanged(&before, "endless input");
}
