//! Tier evaluation over months: grace, one-step drops, churned accounts, and agreement between
//! the all-months evaluation and the per-month facts of `tier_facts` on the hand-made fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cxcockpit::domain::Period;
use cxcockpit::domain::tiers::eligible;
use cxcockpit::store::Store;

const SMALL: &str = include_str!("../fixtures/small.sql");

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

/// (period, held, eligible, status, grace_until) of one month.
type Month = (String, Option<String>, Option<String>, String, Option<String>);

/// One account's months, in order.
fn history(store: &Store, account: &str) -> Vec<Month> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT period, held_tier, eligible_tier, status, grace_until FROM account_tier
             WHERE account_id = ?1 ORDER BY period",
        )
        .unwrap();
    stmt.query_map([account], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A ladder and two accounts over 2026-01..06: G contracts from 600 to 100 on 2026-04-01;
/// C churns on 2026-05-01.
const SCENARIO: &str = "
INSERT INTO setting (key, value) VALUES ('first_period', '2026-01'), ('as_of', '2026-06')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
INSERT INTO tier (tier_id, name, rank, min_mrr, window_months, min_tenure_months, grace_months) VALUES
    ('bronze', 'Bronze', 1, 0, 3, 0, 0),
    ('silver', 'Silver', 2, 200, 3, 0, 1),
    ('gold', 'Gold', 3, 500, 3, 0, 2);
INSERT INTO account (account_id) VALUES ('G'), ('C'), ('N');
INSERT INTO subscription (subscription_id, account_id, mrr, start_date, end_date) VALUES
    ('G1', 'G', 600, '2025-01-01', '2026-04-01'),
    ('G2', 'G', 100, '2026-04-01', NULL),
    ('C1', 'C', 300, '2025-01-01', '2026-05-01');
";

fn scenario() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SCENARIO).unwrap();
    store.refresh_rollups().unwrap();
    store.evaluate_tiers().unwrap();
    store
}

fn row(p: &str, held: Option<&str>, eligible: Option<&str>, status: &str, grace: Option<&str>) -> Month {
    (
        p.into(),
        held.map(Into::into),
        eligible.map(Into::into),
        status.into(),
        grace.map(Into::into),
    )
}

#[test]
fn grace_expires_on_the_right_month_then_one_tier_a_month() {
    // End-of-month MRR (3-month average): Jan 600, Feb 600, Mar (600+600+100)/3 = 433.33 (silver),
    // Apr 266.67 (silver), May 100 (bronze), Jun 100. Gold's grace of 2 months covers March and
    // April; May drops one tier to silver, June another to bronze.
    let store = scenario();
    assert_eq!(
        history(&store, "G"),
        vec![
            row("2026-01", Some("gold"), Some("gold"), "upgrade", None),
            row("2026-02", Some("gold"), Some("gold"), "qualified", None),
            row("2026-03", Some("gold"), Some("silver"), "grace", Some("2026-04")),
            row("2026-04", Some("gold"), Some("silver"), "grace", Some("2026-04")),
            row(
                "2026-05",
                Some("silver"),
                Some("bronze"),
                "downgrade",
                Some("2026-04")
            ),
            row("2026-06", Some("bronze"), Some("bronze"), "downgrade", None),
        ]
    );
}

#[test]
fn churned_accounts_and_accounts_without_subscription_hold_no_tier() {
    let store = scenario();
    let c = history(&store, "C");
    // Active at the end of March (ends 2026-05-01: still active on 04-01), gone from April's end.
    assert_eq!(c.last().map(|r| r.0.as_str()), Some("2026-03"));
    assert!(history(&store, "N").is_empty());
}

#[test]
fn evaluation_agrees_with_tier_facts_every_month_on_the_fixture() {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store.refresh_rollups().unwrap();
    store.evaluate_tiers().unwrap();
    let ladder = store.tiers().unwrap();
    for p in month("2026-01").through(month("2026-06")) {
        let rows = store.tier_rows(p).unwrap();
        for (account, facts) in store.tier_facts(p).unwrap() {
            let want = eligible(&ladder, &facts).map(|t| t.id.clone());
            let got = rows.get(&account).and_then(|r| r.eligible.clone());
            assert_eq!(got, want, "{account} in {p}");
        }
    }
}

/// A tier that rewards spending or length of stay, imported from a file as a team would, and
/// explained by `cxcockpit tiers`: the small fixture's A05 (250 a month since March, silver) is
/// far from gold's 500 but has stayed 17 months by the end of June, with no overdue invoice, no
/// open severe ticket and a passive NPS: with gold `qualify = any` it holds gold.
#[test]
fn a_tier_by_spending_or_length_of_stay_is_imported_evaluated_and_explained() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("small.db");
    {
        let mut store = Store::open(&db, cxcockpit::store::OpenMode::Create).unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh().unwrap();
    }
    let ladder = dir.path().join("ladder.toml");
    std::fs::write(
        &ladder,
        r#"[[tier]]
id = "bronze"
name = "Bronze"
rank = 1
min_tenure_months = 3

[[tier]]
id = "silver"
name = "Silver"
rank = 2
min_mrr = 200
min_tenure_months = 6
grace_months = 1
no_overdue_invoice = true

[[tier]]
id = "gold"
name = "Gold"
rank = 3
min_mrr = 500
min_tenure_months = 12
grace_months = 2
no_overdue_invoice = true
no_open_severe_ticket = true
not_detractor = true
qualify = "any"

[[tier]]
id = "platinum"
name = "Platinum"
rank = 4
min_mrr = 1500
window_months = 6
min_tenure_months = 24
grace_months = 3
no_overdue_invoice = true
no_open_severe_ticket = true
hvc_only = true
"#,
    )
    .unwrap();
    let cx = || assert_cmd::Command::cargo_bin("cxcockpit").unwrap();
    cx().arg("--db")
        .arg(&db)
        .args(["import", "tiers"])
        .arg(&ladder)
        .assert()
        .success();
    let out = cx()
        .arg("--db")
        .arg(&db)
        .args(["--format", "json", "tiers", "--period", "2026-06"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a05 = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == "A05")
        .unwrap();
    assert_eq!(a05["held_tier"], "gold", "{a05}");
    let path = a05["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tier"] == "gold" && c["criterion"] == "spend or stay")
        .unwrap();
    assert_eq!(path["actual"], "by length of stay");
    assert_eq!(path["pass"], true);
    // A word other than all or any is refused with the file and the key.
    std::fs::write(
        &ladder,
        "[[tier]]\nid = \"x\"\nname = \"X\"\nrank = 1\nqualify = \"either\"\n",
    )
    .unwrap();
    let out = cx()
        .arg("--db")
        .arg(&db)
        .args(["import", "tiers"])
        .arg(&ladder)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ladder.toml") && err.contains("qualify"), "{err}");
}

/// The `tiers --format json` document as it was built before the rows were streamed: every
/// decision in memory, then the whole document pretty-printed.
fn tiers_document_in_memory(store: &Store, period: Period, changes: bool) -> String {
    use cxcockpit::analysis::tiers::{Decision, decisions};
    use cxcockpit::domain::tiers::TierStatus;
    use serde_json::json;
    let (first, _) = store.period_range().unwrap().unwrap();
    let ladder = store.tiers().unwrap();
    let mut all = decisions(store, &ladder, period).unwrap();
    let before = if period > first {
        store.tier_rows(period.prev()).unwrap()
    } else {
        Default::default()
    };
    let count = |rows: &mut dyn Iterator<Item = &Option<String>>, tier: &str| {
        rows.filter(|h| h.as_deref() == Some(tier)).count() as i64
    };
    let summary: Vec<serde_json::Value> = ladder
        .iter()
        .map(|t| {
            let now = count(&mut all.iter().map(|d| &d.row.held), &t.id);
            let then = count(&mut before.values().map(|r| &r.held), &t.id);
            json!({"tier": t.id, "name": t.name, "rank": t.rank, "benefits": t.benefits, "members": now, "change": now - then})
        })
        .collect();
    if changes {
        all.retain(|d| {
            let was = before.get(&d.account_id).and_then(|r| r.held.clone());
            was != d.row.held
                || matches!(
                    d.row.status,
                    TierStatus::Grace | TierStatus::Upgrade | TierStatus::Downgrade
                )
        });
    }
    let account_json = |d: &Decision| {
        json!({
            "account_id": d.account_id,
            "held_tier": d.row.held,
            "eligible_tier": d.row.eligible,
            "status": d.row.status.as_str(),
            "grace_until": d.row.grace_until,
            "criteria": d.criteria,
            "next_tier": d.next_tier,
            "gap": d.gap,
            "near_miss": d.near_miss,
            "downgrade_risk": d.downgrade_risk,
        })
    };
    let doc = json!({
        "period": period.to_string(),
        "summary": summary,
        "accounts": all.iter().map(account_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

/// The streamed export is byte for byte the document built in memory, every month of the
/// fixture, with and without `--changes`; the CSV lists the same accounts in the same order.
#[test]
fn the_streamed_exports_are_the_documents_built_in_memory() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("small.db");
    {
        let mut store = Store::open(&db, cxcockpit::store::OpenMode::Create).unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh().unwrap();
    }
    let store = Store::open(&db, cxcockpit::store::OpenMode::ReadOnly).unwrap();
    let (first, last) = store.period_range().unwrap().unwrap();
    let cx = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("cxcockpit")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for period in first.through(last) {
        let p = period.to_string();
        for changes in [false, true] {
            let mut args = vec!["--format", "json", "tiers", "--period", &p];
            if changes {
                args.push("--changes");
            }
            let streamed = cx(&args);
            assert_eq!(
                streamed,
                tiers_document_in_memory(&store, period, changes),
                "{args:?}"
            );
            let doc: serde_json::Value = serde_json::from_str(&streamed).unwrap();
            let ids: Vec<&str> = doc["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["account_id"].as_str().unwrap())
                .collect();
            args[1] = "csv";
            let csv = cx(&args);
            let mut lines = csv.lines();
            assert_eq!(
                lines.next(),
                Some(
                    "account_id,held_tier,eligible_tier,status,grace_until,next_tier,mrr_short,tenure_months_to_go,failing"
                )
            );
            let csv_ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
            assert_eq!(csv_ids, ids, "{args:?}");
        }
    }
}
