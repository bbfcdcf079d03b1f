//! `import --preset TOOL` end to end on fixtures/import/presets/ (each file with the tool's real
//! export header): the rows as stored — MRR normalised, severities mapped, first responses
//! computed, header rows skipped, sizes banded, dates right — and the adapters the presets are
//! made of, used on their own: --set, --values, --map with quotes, --map-file, --skip-rows,
//! --decimal-comma, stdin, --date-format and the refusal of ambiguous dates.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use crate::common::{Env, fixture, s, text};

fn preset_file(name: &str) -> PathBuf {
    fixture("presets").join(name)
}

/// A store with the accounts the fixtures refer to: by our ids (A1, B2), by the billing tools'
/// customer ids (cus_A1, cus_B2), and named as the support tools name them.
fn env_with_accounts() -> Env {
    let env = Env::new();
    let accounts = env.write(
        "accounts.csv",
        "account_id,name\nA1,Acme Ltd\nB2,Beta GmbH\ncus_A1,Acme billing\ncus_B2,Beta billing\n",
    );
    env.import_ok("accounts", &accounts, &[]);
    env
}

#[test]
fn presets_are_listed_without_a_store() {
    let env = Env::new();
    let out = env.cx(&["import", "presets"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    for name in [
        "stripe",
        "chargebee",
        "hubspot",
        "salesforce",
        "zendesk",
        "freshdesk",
        "qualtrics",
        "surveymonkey",
        "delighted",
    ] {
        assert!(listed.contains(name), "{name}: {listed}");
    }
    let out = env.cx(&["--format", "json", "import", "presets"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 9);
    assert_eq!(json[4]["kind"], "tickets");
    // Importing still takes a kind and a file.
    let out = env.cx(&["import", "accounts"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stripe_mrr_is_amount_times_quantity_per_month() {
    let env = env_with_accounts();
    let report = env.import_ok(
        "subscriptions",
        &preset_file("stripe.csv"),
        &["--preset", "stripe"],
    );
    assert_eq!(report.counts(), (3, 0, 0));
    assert_eq!(
        env.rows("SELECT subscription_id, account_id, product, mrr, ordered_on, start_date, end_date FROM subscription ORDER BY start_date"),
        vec![
            // 3 seats at 1,200.00 a year: 300 a month.
            vec!["sub_1OaYearly", "cus_A1", "Team", "300.0", "2024-01-10", "2024-01-15", "NULL"],
            vec!["sub_1OaMonthly", "cus_B2", "Starter", "49.0", "2024-02-01", "2024-02-01", "2024-06-01"],
            // 2 x 25.00 a week, 52 weeks to 12 months.
            vec!["sub_1OaWeekly", "cus_A1", "Support", "216.67", "2024-03-01", "2024-03-04", "NULL"],
        ]
    );
    let again = env.import_ok(
        "subscriptions",
        &preset_file("stripe.csv"),
        &["--preset", "stripe"],
    );
    assert_eq!(again.counts(), (0, 0, 3));
}

#[test]
fn chargebee_epoch_dates_and_billing_periods() {
    let env = env_with_accounts();
    env.import_ok(
        "subscriptions",
        &preset_file("chargebee.csv"),
        &["--preset", "chargebee"],
    );
    assert_eq!(
        env.rows("SELECT subscription_id, product, mrr, start_date, end_date FROM subscription ORDER BY 1"),
        vec![
            // 2 x 600 every 6 months; 1 x 1200 a year.
            vec!["AzZlGJTuXb1", "pro-half-yearly", "200.0", "2024-01-01", "NULL"],
            vec!["AzZlGJTuXb2", "basic-yearly", "100.0", "2024-02-01", "2024-07-01"],
        ]
    );
}

#[test]
fn hubspot_employee_counts_are_banded() {
    let env = Env::new();
    env.import_ok("accounts", &preset_file("hubspot.csv"), &["--preset", "hubspot"]);
    assert_eq!(
        env.rows(
            "SELECT account_id, name, industry, company_size, area, owner, created_on FROM account ORDER BY 1"
        ),
        vec![
            vec![
                "5123401",
                "Acme Ltd",
                "Manufacturing",
                "micro",
                "United Kingdom",
                "Dana Reyes",
                "2023-03-04"
            ],
            vec![
                "5123402",
                "Beta GmbH",
                "Logistics",
                "large",
                "Germany",
                "Sam Ito",
                "2023-05-06"
            ],
            vec![
                "5123403",
                "Gamma Retail",
                "Retail",
                "small",
                "France",
                "NULL",
                "2023-07-01"
            ],
            vec![
                "5123404",
                "Delta Foods",
                "Food",
                "medium",
                "Portugal",
                "Dana Reyes",
                "2023-08-09"
            ],
            vec!["5123405", "Epsilon", "", "unknown", "", "NULL", "2023-09-10"],
        ]
    );
}

#[test]
fn salesforce_us_dates_and_bands() {
    let env = Env::new();
    env.import_ok(
        "accounts",
        &preset_file("salesforce.csv"),
        &["--preset", "salesforce"],
    );
    assert_eq!(
        env.rows("SELECT account_id, company_size, created_on FROM account ORDER BY 1"),
        vec![
            vec!["0015g00000A1AAA", "micro", "2023-03-04"],
            vec!["0015g00000B2BBB", "large", "2023-01-15"],
            vec!["0015g00000C3CCC", "small", "2022-12-31"],
            vec!["0015g00000D4DDD", "medium", "2023-11-02"],
        ]
    );
}

#[test]
fn salesforce_dates_without_the_preset_are_refused_not_guessed() {
    let env = Env::new();
    let before = env.snapshot();
    let out = env.import(
        "accounts",
        &preset_file("salesforce.csv"),
        &["--map", "Account ID=account_id,Created Date=created_on"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    // 3/4/2023 reads both ways: the line, the column, the value and both readings.
    assert!(
        stderr.contains("salesforce.csv:2: column created_on, value '3/4/2023': ambiguous date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2023-04-03") && stderr.contains("2023-03-04"),
        "{stderr}"
    );
    assert!(stderr.contains("--date-format"), "{stderr}");
    // 1/15/2023 reads one way only, and is still not guessed.
    assert!(
        stderr.contains("salesforce.csv:3: column created_on, value '1/15/2023'"),
        "{stderr}"
    );
    env.assert_unchanged(&before, "ambiguous dates");

    // Said explicitly, they are read.
    env.import_ok(
        "accounts",
        &preset_file("salesforce.csv"),
        &[
            "--map",
            "Account ID=account_id,Created Date=created_on",
            "--date-format",
            "%m/%d/%Y",
            "--date-format",
            "%m/%d/%Y %I:%M %p",
        ],
    );
    assert_eq!(
        env.one("SELECT created_on FROM account WHERE account_id = '0015g00000A1AAA'"),
        "2023-03-04"
    );
}

#[test]
fn zendesk_severities_and_first_reply_minutes() {
    let env = env_with_accounts();
    env.import_ok("tickets", &preset_file("zendesk.csv"), &["--preset", "zendesk"]);
    assert_eq!(
        env.rows("SELECT ticket_id, account_id, opened_at, first_response_at, resolved_at, severity, channel FROM ticket ORDER BY 1"),
        vec![
            vec!["101", "A1", "2024-05-02T09:00:00", "2024-05-02T09:45:00", "2024-05-02T15:30:00", "critical", "Mail"],
            // 1500 minutes: the next day; the organization's name matched but for case.
            vec!["102", "B2", "2024-05-03T14:10:00", "2024-05-04T15:10:00", "NULL", "medium", "Web form"],
            // A zoned time is stored in UTC; no reply yet.
            vec!["103", "A1", "2024-05-04T06:00:00", "NULL", "NULL", "low", "Chat"],
            vec!["104", "B2", "2024-05-05T10:00:00", "2024-05-05T10:00:00", "2024-05-06T10:00:00", "high", "Phone call (incoming)"],
        ]
    );
}

#[test]
fn freshdesk_severities_and_companies_by_name() {
    let env = env_with_accounts();
    env.import_ok(
        "tickets",
        &preset_file("freshdesk.csv"),
        &["--preset", "freshdesk"],
    );
    assert_eq!(
        env.rows("SELECT ticket_id, account_id, first_response_at, resolved_at, severity, channel FROM ticket ORDER BY 1"),
        vec![
            vec!["2001", "A1", "2024-05-02T09:20:00", "2024-05-02T12:00:00", "critical", "Email"],
            vec!["2002", "B2", "NULL", "NULL", "medium", "Portal"],
            vec!["2003", "A1", "2024-05-04T15:05:00", "2024-05-04T15:10:00", "low", "Phone"],
            vec!["2004", "B2", "2024-05-05T08:45:00", "NULL", "high", "Chat"],
        ]
    );
}

#[test]
fn an_unknown_or_ambiguous_company_name_is_refused() {
    let env = env_with_accounts();
    let twin = env.write("twin.csv", "account_id,name\nA9,ACME LTD\n");
    env.import_ok("accounts", &twin, &[]);
    let before = env.snapshot();
    let out = env.import(
        "tickets",
        &preset_file("freshdesk.csv"),
        &["--preset", "freshdesk"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "freshdesk.csv:2: column account_id, value 'Acme Ltd': 2 accounts are named Acme Ltd (A1, A9)"
        ),
        "{stderr}"
    );
    env.assert_unchanged(&before, "an ambiguous name");
    let nobody = env.write(
        "nobody.csv",
        "ticket_id,account_id,opened_at\nT1,Nobody Inc,2024-05-02T09:00:00\n",
    );
    let out = env.import("tickets", &nobody, &["--account-by", "name"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("nobody.csv:2: column account_id, value 'Nobody Inc': no account is named Nobody Inc"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn qualtrics_skips_its_two_extra_header_rows() {
    let env = env_with_accounts();
    let report = env.import_ok(
        "surveys",
        &preset_file("qualtrics.csv"),
        &[
            "--preset",
            "qualtrics",
            "--map",
            "Q1=score,Q2=comment",
            "--set",
            "survey=nps",
        ],
    );
    assert_eq!(
        report.rows, 3,
        "the question and ImportId rows are not data: {report:?}"
    );
    assert_eq!(
        env.rows("SELECT response_id, account_id, answered_at, survey, score, comment FROM survey_response ORDER BY answered_at"),
        vec![
            vec!["R_1a2B3c4D5e6F7g8", "A1", "2024-05-02T09:10:11", "nps", "9", "Fast support, clear answers"],
            vec!["R_2b3C4d5E6f7G8h9", "B2", "2024-05-03T16:02:30", "nps", "3", "Onboarding took weeks"],
            vec!["R_3c4D5e6F7g8H9i0", "A1", "2024-05-04T07:56:00", "nps", "10", ""],
        ]
    );
    // Without the preset's skipped rows the question texts are read as answers: refused.
    let out = env.import(
        "surveys",
        &preset_file("qualtrics.csv"),
        &[
            "--preset",
            "qualtrics",
            "--map",
            "Q1=score",
            "--set",
            "survey=nps",
            "--skip-rows",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("qualtrics.csv:2:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn surveymonkey_skips_its_second_header_row_and_reads_am_pm() {
    let env = env_with_accounts();
    let question = r#""How likely is it that you would recommend us to a friend or colleague?"=score"#;
    let report = env.import_ok(
        "surveys",
        &preset_file("surveymonkey-nps.csv"),
        &[
            "--preset",
            "surveymonkey",
            "--map",
            question,
            "--set",
            "survey=nps",
        ],
    );
    assert_eq!(report.rows, 3);
    assert_eq!(
        env.rows(
            "SELECT response_id, account_id, answered_at, score FROM survey_response ORDER BY answered_at"
        ),
        vec![
            vec!["114123456789", "A1", "2024-05-02T09:03:40", "9"],
            vec!["114123456790", "B2", "2024-05-02T13:17:30", "6"],
            vec!["114123456791", "A1", "2024-05-03T12:02:05", "10"],
        ]
    );
}

#[test]
fn delighted_epoch_seconds_and_survey_types() {
    let env = env_with_accounts();
    env.import_ok(
        "surveys",
        &preset_file("delighted.csv"),
        &["--preset", "delighted"],
    );
    assert_eq!(
        env.rows("SELECT response_id, account_id, answered_at, survey, score, comment FROM survey_response ORDER BY 1"),
        vec![
            vec!["5435", "A1", "2024-05-02T09:00:00", "nps", "9", "Love the new reports"],
            vec!["5436", "B2", "2024-05-03T09:00:00", "csat", "4", ""],
            vec!["5437", "A1", "2024-05-04T09:00:00", "nps", "3", "Too slow to load"],
        ]
    );
}

#[test]
fn dry_run_prints_the_mapping_applied() {
    let env = env_with_accounts();
    let before = env.snapshot();
    let out = env.import(
        "tickets",
        &preset_file("zendesk.csv"),
        &["--preset", "zendesk", "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "preset zendesk",
        "column 'Id' -> ticket_id",
        "column 'Organization' -> account_id",
        "column 'First reply time in minutes' -> first_response_minutes -> first_response_at = opened_at + first_response_minutes",
        "column 'Subject': ignored",
        "severity values: high -> high, low -> low, normal -> medium, urgent -> critical",
        "would import tickets",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    env.assert_unchanged(&before, "a dry run");
    // A preset for another kind is refused, naming the kind it is for.
    let out = env.import("accounts", &preset_file("zendesk.csv"), &["--preset", "zendesk"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("import tickets FILE --preset zendesk"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn adapters_without_a_preset() {
    let env = env_with_accounts();
    // Quoted column names with commas, a constant, a value map, thousands separators.
    let file = env.write(
        "tickets.csv",
        "Ref,\"Client, id\",Opened,Prio,Minutes to reply\nT1,A1,2024-05-02 09:00,P1,\"1,440\"\nT2,B2,2024-05-02 10:00,P3,30\n",
    );
    env.import_ok(
        "tickets",
        &file,
        &[
            "--map",
            r#"Ref=ticket_id,"Client, id"=account_id,Opened=opened_at,Prio=severity,"Minutes to reply"=first_response_minutes"#,
            "--values",
            "severity:P1=critical,P2=high,P3=low",
            "--set",
            "channel=email",
        ],
    );
    assert_eq!(
        env.rows("SELECT ticket_id, first_response_at, severity, channel FROM ticket ORDER BY 1"),
        vec![
            vec!["T1", "2024-05-03T09:00:00", "critical", "email"],
            vec!["T2", "2024-05-02T10:30:00", "low", "email"],
        ]
    );
    // A value the map does not name is checked as it is: refused, located.
    let bad = env.write(
        "bad.csv",
        "ticket_id,account_id,opened_at,severity\nT3,A1,2024-05-02,P9\n",
    );
    let out = env.import("tickets", &bad, &["--values", "severity:P1=critical"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("bad.csv:2: column severity, value 'P9': expected one of low, medium, high, critical"),
        "{}",
        text(&out.stderr)
    );
    // --set of a field the file has is refused: one or the other.
    let out = env.import("tickets", &bad, &["--set", "severity=low"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--set severity=low"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn map_file_decimal_comma_and_stdin() {
    let env = env_with_accounts();
    let map = env.write(
        "billing.toml",
        "kind = \"subscriptions\"\ndecimal_comma = true\nskip_rows = 1\n\n[columns]\n\"Kunde, Nr\" = \"account_id\"\nBetrag = \"amount\"\nIntervall = \"interval\"\nBeginn = \"start_date\"\n\n[values.interval]\nJahr = \"year\"\nMonat = \"month\"\n",
    );
    let csv = "\"Kunde, Nr\";Betrag;Intervall;Beginn\n(Beispielzeile);;;\nA1;1.200,00;Jahr;2024-01-01\nB2;49,50;6 Monat;2024-02-01\n";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .env("NO_COLOR", "1")
        .args([
            "--db",
            s(&env.db),
            "import",
            "subscriptions",
            "-",
            "--map-file",
            s(&map),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(csv.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    // "6 Monat" is no interval we know (the value map names "Monat" alone): refused, located.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("stdin:4: column interval, value '6 Monat'"),
        "{stderr}"
    );

    let fixed = csv.replace("6 Monat", "Monat");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .args([
            "--db",
            s(&env.db),
            "import",
            "subscriptions",
            "-",
            "--map-file",
            s(&map),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(fixed.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        env.rows("SELECT account_id, mrr, start_date FROM subscription ORDER BY 1"),
        vec![
            vec!["A1", "100.0", "2024-01-01"],
            vec!["B2", "49.5", "2024-02-01"]
        ]
    );
}

#[test]
fn mrr_given_directly_still_works_and_amounts_need_a_value() {
    let env = env_with_accounts();
    let file = env.write(
        "subs.csv",
        "subscription_id,account_id,mrr,amount,interval,start_date\nS1,A1,80,,,2024-01-01\nS2,B2,,2400,year,2024-01-01\nS3,B2,,,,2024-01-01\n",
    );
    let before = env.snapshot();
    let out = env.import("subscriptions", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "subs.csv:4: column amount, value '': a value is required (the MRR is computed from it)"
        ),
        "{}",
        text(&out.stderr)
    );
    env.assert_unchanged(&before, "a row with neither mrr nor amount");
    let file = env.write(
        "subs.csv",
        "subscription_id,account_id,mrr,amount,interval,start_date\nS1,A1,80,,,2024-01-01\nS2,B2,,2400,year,2024-01-01\n",
    );
    env.import_ok("subscriptions", &file, &[]);
    assert_eq!(
        env.rows("SELECT subscription_id, mrr FROM subscription ORDER BY 1"),
        vec![vec!["S1", "80.0"], vec!["S2", "200.0"]]
    );
}

#[test]
fn windows_1252_is_named() {
    let env = env_with_accounts();
    let file = env.write("ansi.csv", b"account_id,name\nA1,Caf\xe9 M\xfcller\n");
    let out = env.import("accounts", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ansi.csv:2: column name"), "{stderr}");
    assert!(
        stderr.contains("Windows-1252") && stderr.contains("Café Müller"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Survey answers keyed by response and survey; accounts found by domain or another tool's id
// ---------------------------------------------------------------------------------------------

/// SurveyMonkey exports each survey on its own with the same Respondent IDs: the CSAT file
/// imported after the NPS one adds its three answers beside the NPS ones (the key is response
/// id and survey), and re-importing either changes nothing.
#[test]
fn surveymonkey_csat_after_nps_of_the_same_respondents_adds_rows() {
    let env = env_with_accounts();
    let nps = [
        "--preset",
        "surveymonkey",
        "--map",
        r#""How likely is it that you would recommend us to a friend or colleague?"=score,"What is the main reason for your score?"=comment"#,
        "--set",
        "survey=nps",
    ];
    let csat = [
        "--preset",
        "surveymonkey",
        "--map",
        r#""Overall, how satisfied are you with our support?"=score,"What could we do better?"=comment"#,
        "--set",
        "survey=csat",
    ];
    let nps_file = preset_file("surveymonkey-nps.csv");
    let csat_file = preset_file("surveymonkey-csat.csv");
    assert_eq!(env.import_ok("surveys", &nps_file, &nps).counts(), (3, 0, 0));
    let nps_rows = env.rows(
        "SELECT response_id, survey, account_id, answered_at, score, comment FROM survey_response ORDER BY 1, 2",
    );
    let mut dry = csat.to_vec();
    dry.push("--dry-run");
    assert_eq!(
        env.import_ok("surveys", &csat_file, &dry).counts(),
        (3, 0, 0),
        "a dry run says the CSAT answers are new"
    );
    assert_eq!(
        env.import_ok("surveys", &csat_file, &csat).counts(),
        (3, 0, 0),
        "three new answers, not three changed ones"
    );
    assert_eq!(
        env.rows(
            "SELECT response_id, survey, account_id, answered_at, score, comment FROM survey_response ORDER BY 1, 2"
        ),
        vec![
            vec!["114123456789", "csat", "A1", "2024-05-02T09:03:40", "5", ""],
            vec!["114123456789", "nps", "A1", "2024-05-02T09:03:40", "9", "Quick answers"],
            vec!["114123456790", "csat", "B2", "2024-05-02T13:17:30", "2", "More updates during incidents"],
            vec!["114123456790", "nps", "B2", "2024-05-02T13:17:30", "6", "Slow onboarding"],
            vec!["114123456791", "csat", "A1", "2024-05-03T12:02:05", "4", ""],
            vec!["114123456791", "nps", "A1", "2024-05-03T12:02:05", "10", ""],
        ]
    );
    assert_eq!(
        env.rows(
            "SELECT response_id, survey, account_id, answered_at, score, comment FROM survey_response WHERE survey = 'nps' ORDER BY 1, 2"
        ),
        nps_rows,
        "the NPS answers are as the NPS file left them"
    );
    // Both read through the view the triage, tiers and comments use, each on its own scale.
    assert_eq!(
        env.rows(
            "SELECT survey, count(*), sum(unhappy), sum(happy) FROM survey_answer GROUP BY survey ORDER BY 1"
        ),
        vec![vec!["csat", "3", "1", "2"], vec!["nps", "3", "1", "2"]]
    );
    let before = env.snapshot();
    assert_eq!(env.import_ok("surveys", &nps_file, &nps).counts(), (0, 0, 3));
    assert_eq!(env.import_ok("surveys", &csat_file, &csat).counts(), (0, 0, 3));
    env.assert_unchanged(&before, "the NPS and CSAT files imported again");
}

/// HubSpot's companies keep their domain; Zendesk's tickets then find their account by the
/// requester's email address (by its domain, but for case) with --account-by domain, and a
/// file of bare domains in any case does too.
#[test]
fn tickets_find_their_account_by_domain_or_email_address() {
    let env = Env::new();
    env.import_ok("accounts", &preset_file("hubspot.csv"), &["--preset", "hubspot"]);
    assert_eq!(
        env.rows("SELECT account_id, name, domain, external_id FROM account ORDER BY 1 LIMIT 2"),
        vec![
            vec!["5123401", "Acme Ltd", "acme.example", "NULL"],
            vec!["5123402", "Beta GmbH", "beta.example", "NULL"],
        ]
    );
    let by_email = [
        "--preset",
        "zendesk",
        "--account-by",
        "domain",
        "--map",
        "Requester email=account_id",
    ];
    let mut dry = by_email.to_vec();
    dry.push("--dry-run");
    let out = env.import("tickets", &preset_file("zendesk.csv"), &dry);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "column 'Requester email' -> account_id",
        "account_id matched to the account's domain (an email address: its domain), but for case (--account-by domain)",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    let report = env.import_ok("tickets", &preset_file("zendesk.csv"), &by_email);
    assert_eq!(report.counts(), (4, 0, 0));
    assert_eq!(
        env.rows("SELECT ticket_id, account_id, severity FROM ticket ORDER BY 1"),
        vec![
            vec!["101", "5123401", "critical"],
            vec!["102", "5123402", "medium"],
            vec!["103", "5123401", "low"],
            vec!["104", "5123402", "high"],
        ]
    );
    assert_eq!(
        env.import_ok("tickets", &preset_file("zendesk.csv"), &by_email)
            .counts(),
        (0, 0, 4)
    );
    let bare = env.write(
        "bare.csv",
        "ticket_id,account_id,opened_at\nT1,ACME.Example,2024-05-06T09:00:00\nT2,Ops@Beta.EXAMPLE,2024-05-06T10:00:00\n",
    );
    env.import_ok("tickets", &bare, &["--account-by", "domain"]);
    assert_eq!(
        env.rows("SELECT ticket_id, account_id FROM ticket WHERE ticket_id LIKE 'T%' ORDER BY 1"),
        vec![vec!["T1", "5123401"], vec!["T2", "5123402"]]
    );
}

/// A domain or an address no account has, or one two accounts share, is an error naming the
/// file, line, column and value (exit 2), and nothing is written; so is a domain written as a
/// URL in an accounts file.
#[test]
fn an_unknown_or_ambiguous_domain_is_refused() {
    let env = Env::new();
    env.import_ok("accounts", &preset_file("hubspot.csv"), &["--preset", "hubspot"]);
    let twin = env.write(
        "twin.csv",
        "account_id,name,domain\nH9,Acme Holdings,ACME.example\n",
    );
    env.import_ok("accounts", &twin, &[]);
    let file = env.write(
        "tickets.csv",
        "ticket_id,account_id,opened_at\nT1,ana@gone.example,2024-05-06T09:00:00\nT2,ana@acme.example,2024-05-06T10:00:00\nT3,beta.example,2024-05-06T11:00:00\nT4,nobody@,2024-05-06T12:00:00\n",
    );
    let before = env.snapshot();
    let out = env.import("tickets", &file, &["--account-by", "domain"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for expected in [
        "tickets.csv: not imported, nothing was written: 3 errors",
        "tickets.csv:2: column account_id, value 'ana@gone.example': no account has the domain gone.example (of the email address ana@gone.example) (--account-by domain; import accounts with a domain column first)",
        "tickets.csv:3: column account_id, value 'ana@acme.example': 2 accounts have the domain acme.example (of the email address ana@acme.example) (5123401, H9): expected one",
        "tickets.csv:5: column account_id, value 'nobody@': expected a domain (acme.com) or an email address (ana@acme.com)",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert!(
        !stderr.contains("tickets.csv:4:"),
        "beta.example is one account: {stderr}"
    );
    env.assert_unchanged(&before, "unknown and ambiguous domains");

    let url = env.write("url.csv", "account_id,domain\nZ1,https://zeta.example/\n");
    let out = env.import("accounts", &url, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "url.csv:2: column domain, value 'https://zeta.example/': expected a domain such as acme.com"
        ),
        "{}",
        text(&out.stderr)
    );
    env.assert_unchanged(&before, "a URL for a domain");
}

/// Accounts carry the billing tool's customer id; Stripe's subscriptions then find their account
/// by it with --account-by external_id (matched exactly: case counts). Unknown and shared ids
/// are refused naming the line.
#[test]
fn subscriptions_find_their_account_by_external_id() {
    let env = Env::new();
    let accounts = env.write(
        "accounts.csv",
        "account_id,name,external_id\nA1,Acme Ltd,cus_A1\nB2,Beta GmbH,cus_B2\nC3,Gamma,\n",
    );
    env.import_ok("accounts", &accounts, &[]);
    assert_eq!(
        env.rows("SELECT account_id, external_id, domain FROM account ORDER BY 1"),
        vec![
            vec!["A1", "cus_A1", "NULL"],
            vec!["B2", "cus_B2", "NULL"],
            vec!["C3", "NULL", "NULL"],
        ]
    );
    let stripe = ["--preset", "stripe", "--account-by", "external_id"];
    assert_eq!(
        env.import_ok("subscriptions", &preset_file("stripe.csv"), &stripe)
            .counts(),
        (3, 0, 0)
    );
    assert_eq!(
        env.rows("SELECT subscription_id, account_id, mrr FROM subscription ORDER BY 1"),
        vec![
            vec!["sub_1OaMonthly", "B2", "49.0"],
            vec!["sub_1OaWeekly", "A1", "216.67"],
            vec!["sub_1OaYearly", "A1", "300.0"],
        ]
    );
    // The same through a map file, and with the option's other spelling.
    let map = env.write(
        "billing.toml",
        "kind = \"subscriptions\"\naccount_by = \"external_id\"\n",
    );
    let again = env.import_ok(
        "subscriptions",
        &preset_file("stripe.csv"),
        &["--preset", "stripe", "--map-file", s(&map)],
    );
    assert_eq!(again.counts(), (0, 0, 3));
    let out = env.import(
        "subscriptions",
        &preset_file("stripe.csv"),
        &["--preset", "stripe", "--account-by", "external-id", "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("account_id matched to the account's external_id, exactly (--account-by external_id)"),
        "{}",
        text(&out.stdout)
    );

    let twin = env.write("twin.csv", "account_id,external_id\nD4,cus_B2\n");
    env.import_ok("accounts", &twin, &[]);
    let file = env.write(
        "subs.csv",
        "subscription_id,account_id,mrr,start_date\nS1,CUS_A1,10,2024-01-01\nS2,cus_B2,10,2024-01-01\nS3,cus_A1,10,2024-01-01\n",
    );
    let before = env.snapshot();
    let out = env.import("subscriptions", &file, &["--account-by", "external_id"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for expected in [
        "subs.csv: not imported, nothing was written: 2 errors",
        "subs.csv:2: column account_id, value 'CUS_A1': no account has the external id CUS_A1 (--account-by external_id; import accounts with an external_id column first)",
        "subs.csv:3: column account_id, value 'cus_B2': 2 accounts have the external id cus_B2 (B2, D4): expected one",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    env.assert_unchanged(&before, "unknown and shared external ids");
}
