//! `cxcockpit digest`: new alerts, overdue actions by owner, HVC accounts at risk, phases that
//! turned red, the review's progress; Markdown and self-contained HTML; `--owner`. Figures worked
//! out in fixtures/follow_through/alerts.md.

use super::common::{Env, text};
use super::{alert_store, cx_as, fixture};

fn store_after_alerts() -> Env {
    let env = alert_store();
    let out = env.cx(&["import", "alert-rules", fixture("rules.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = cx_as(&env, "cron", "2026-03-31T20:00:00", &["alerts"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    env
}

fn digest(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["digest"];
    all.extend_from_slice(args);
    let out = cx_as(env, "ana", "2026-04-03T07:00:00", &all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The lines of the section under `## {heading}`, up to the next `## `.
fn section(md: &str, heading: &str) -> Vec<String> {
    md.split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("no section {heading} in:\n{md}"))
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_markdown_digest_has_every_section_with_the_hand_computed_lists() {
    let env = store_after_alerts();
    let md = digest(&env, &[]);
    assert!(
        md.starts_with("# cxcockpit digest, 2026-04-03\n\nMonth: 2026-03\n"),
        "{md}"
    );
    let alerts = section(
        &md,
        "New alerts (the run of 2026-03-31T20:00:00 (as of 2026-03-31))",
    );
    assert_eq!(
        alerts.len(),
        2 + 10,
        "a header, its rule and ten alerts: {alerts:?}"
    );
    assert!(
        alerts
            .iter()
            .any(|l| l.contains("| usage | R1 | 2026-03 |") && l.ends_with("| #10 |")),
        "{alerts:?}"
    );
    assert_eq!(
        section(&md, "Overdue actions by owner"),
        vec![
            "### (no owner) (2)",
            "- #8 SLA missed for Hotel Two (due 2026-04-01, 2 days overdue)",
            "- #1 Call back Hotel Two: NPS 5 (a detractor) answered 2026-03-02 00:00:00 (due 2026-04-02, 1 day overdue)",
            "### Support Team (1)",
            "- #7 SLA missed for Hotel One (due 2026-04-01, 2 days overdue)",
            "### ana (1)",
            "- #2 Call back Hotel One: NPS 6 (a detractor) answered 2026-03-10 09:00:00 (due 2026-04-02, 1 day overdue)",
        ]
    );
    assert_eq!(
        section(&md, "HVC accounts at risk (top 10)"),
        vec![
            "| account | name | score | top driver | owner |",
            "|---|---|---|---|---|",
            "| H1 | Hotel One | 35.0 | detractor 20 | ana |",
            "| H2 | Hotel Two | 12.0 | overdue\\_invoice 12 | - |",
        ]
    );
    assert_eq!(
        section(&md, "Phases that turned red in 2026-03"),
        vec!["- j/support: Hours to answer 6.5 hours in 2026-03 is red (target 4, tolerance 2)"]
    );
    assert_eq!(
        section(&md, "The review of 2026-03"),
        vec!["- Fixture journey: 0 of 2 phases signed off (Use not started, Support not started)"]
    );
}

#[test]
fn the_owner_filter_keeps_that_owners_work_only() {
    let env = store_after_alerts();
    let md = digest(&env, &["--owner", "ana"]);
    assert!(md.starts_with("# cxcockpit digest, 2026-04-03 (for ana)"), "{md}");
    // ana owns the det and tier actions of H1 (her account).
    let alerts = section(&md, "New alerts");
    let rules: Vec<&str> = alerts
        .iter()
        .skip(2)
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    assert_eq!(rules, ["| det", "| tier"], "{alerts:?}");
    assert_eq!(section(&md, "Overdue actions by owner")[0], "### ana (1)");
    assert_eq!(section(&md, "HVC accounts at risk (top 10)").len(), 3, "H1 only");
}

#[test]
fn a_period_lists_the_alerts_raised_in_it() {
    let env = store_after_alerts();
    let md = digest(&env, &["--period", "2026-02"]);
    assert_eq!(section(&md, "New alerts (raised in 2026-02)"), vec!["None."]);
    assert_eq!(
        section(&md, "Phases that turned red in 2026-02"),
        vec!["- j/support: Solved first time 84 % in 2026-02 is red (target 90, tolerance 5)"]
    );
    let md = digest(&env, &["--period", "2026-03"]);
    assert_eq!(section(&md, "New alerts (raised in 2026-03)").len(), 12);
}

#[test]
fn the_html_digest_is_self_contained_and_escapes_data() {
    let env = store_after_alerts();
    let out = cx_as(
        &env,
        "ana",
        "2026-04-03T07:00:00",
        &[
            "--format",
            "json",
            "actions",
            "add",
            "--title",
            "<script>x</script> & co",
            "--owner",
            "ana",
            "--due",
            "2026-04-01",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = digest(&env, &["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for banned in ["<script", "src=", "<link", "http://", "https://"] {
        assert!(!html.contains(banned), "{banned} in the digest");
    }
    assert!(
        html.contains("&lt;script&gt;x&lt;/script&gt; &amp; co (due 2026-04-01, 2 days overdue)"),
        "{html}"
    );
    assert!(html.contains("<td>H1</td><td>Hotel One</td><td class=\"num\">35.0</td>"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn the_digest_refuses_csv_and_a_bad_clock() {
    let env = store_after_alerts();
    let out = env.cx(&["--format", "csv", "digest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("digest prints md or html"));
    let out = cx_as(&env, "ana", "yesterday", &["digest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("CXCOCKPIT_NOW=yesterday: expected YYYY-MM-DD"),
        "{}",
        text(&out.stderr)
    );
}
