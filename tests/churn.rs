//! Churn and revenue retention on the hand-made fixture (figures in fixtures/small.md), the
//! `churn` command's JSON contract, and the invariants of the definitions (proptest).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use cxcockpit::domain::Period;
use cxcockpit::domain::retention::{AccountWindow, Retention, retention};
use cxcockpit::store::churn::ChurnBy;
use cxcockpit::store::{OpenMode, Store};
use proptest::prelude::*;

const SMALL: &str = include_str!("../fixtures/small.sql");

fn small_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store.refresh().unwrap();
    store
}

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[test]
fn march_matches_the_hand_computation() {
    // A01 starts on 03-01 (counted), A02 ends on 03-01 (not counted), A03 has two overlapping
    // subscriptions (700), A04 expands 500 -> 750, A05 contracts 400 -> 250, A06 churns (200).
    let store = small_store();
    let months = store
        .churn_months(None, "all", month("2026-03"), month("2026-03"))
        .unwrap();
    let (period, r) = months[0];
    assert_eq!(period, month("2026-03"));
    assert_eq!((r.n_start, r.n_churned), (8, 1));
    assert_eq!(r.start_mrr, 4000.0);
    assert_eq!(
        (r.churned_mrr, r.contraction_mrr, r.expansion_mrr),
        (200.0, 150.0, 250.0)
    );
    assert_eq!(r.churn_rate, Some(0.125));
    assert!(close(r.grr, 3650.0 / 4000.0));
    assert!(close(r.nrr, 3900.0 / 4000.0));
}

#[test]
fn a_two_month_window_counts_the_accounts_active_at_its_start() {
    // Active on 02-01: A02 200, A03 700, A04 500, A05 400, A06 200, A09 1700, A10 300, A11 100
    // (A07 ended on 02-01, A01 starts on 03-01): 4100. By 04-01 A02 and A06 are gone (400),
    // A05 contracted by 150, A04 expanded by 250. A07's return in March does not enter the window.
    let store = small_store();
    let window = store
        .churn_window_by_segment(None, month("2026-02"), month("2026-03"))
        .unwrap();
    let (segment, r) = &window[0];
    assert_eq!(segment, "all");
    assert_eq!((r.n_start, r.n_churned), (8, 2));
    assert_eq!((r.start_mrr, r.churned_mrr), (4100.0, 400.0));
    assert_eq!((r.contraction_mrr, r.expansion_mrr), (150.0, 250.0));
    assert_eq!(r.churn_rate, Some(0.25));
    assert!(close(r.grr, 3550.0 / 4100.0));
    assert!(close(r.nrr, 3800.0 / 4100.0));
}

#[test]
fn monthly_sums_match_the_domain_definition_on_raw_subscriptions() {
    // The precomputed churn_month rows against domain::retention fed with each account's MRR
    // at the month's two ends, for every month of the fixture.
    let store = small_store();
    let conn = store.conn();
    for p in month("2026-01").through(month("2026-06")) {
        let mrr_at = |day: String| -> std::collections::HashMap<String, f64> {
            let mut stmt = conn
                .prepare(
                    "SELECT account_id, sum(mrr) FROM subscription
                     WHERE start_date <= ?1 AND (end_date IS NULL OR end_date > ?1) GROUP BY account_id",
                )
                .unwrap();
            stmt.query_map([day], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let start = mrr_at(p.first_day().to_string());
        let end = mrr_at(p.next().first_day().to_string());
        let accounts: Vec<AccountWindow> = start
            .iter()
            .map(|(id, &mrr)| AccountWindow {
                start_mrr: mrr,
                end_mrr: end.get(id).copied(),
            })
            .collect();
        let expected = retention(&accounts);
        let (_, got) = store.churn_months(None, "all", p, p).unwrap()[0];
        assert_eq!(
            (got.n_start, got.n_churned),
            (expected.n_start, expected.n_churned),
            "{p}"
        );
        assert!((got.start_mrr - expected.start_mrr).abs() < 1e-9, "{p}");
        assert!((got.churned_mrr - expected.churned_mrr).abs() < 1e-9, "{p}");
        assert!(
            (got.contraction_mrr - expected.contraction_mrr).abs() < 1e-9,
            "{p}"
        );
        assert!((got.expansion_mrr - expected.expansion_mrr).abs() < 1e-9, "{p}");
    }
}

#[test]
fn tier_groups_split_the_window_s_accounts() {
    // Every account active at the window's start falls in exactly one tier group (or none).
    let store = small_store();
    let mut store = store;
    store.evaluate_tiers().unwrap();
    let window = store
        .churn_window_by_segment(None, month("2026-03"), month("2026-04"))
        .unwrap();
    let all = window.iter().find(|(s, _)| s == "all").unwrap().1;
    let tiers: Vec<_> = window.iter().filter(|(s, _)| s.starts_with("tier:")).collect();
    assert!(tiers.len() >= 2, "{tiers:?}");
    assert_eq!(tiers.iter().map(|(_, r)| r.n_start).sum::<u64>(), all.n_start);
    assert_eq!(tiers.iter().map(|(_, r)| r.n_churned).sum::<u64>(), all.n_churned);
}

#[test]
fn a_segment_with_no_active_account_has_no_rates() {
    let store = small_store();
    // The micro companies are A08 (no subscription) and A12 (starts on 04-01): none active on 03-01.
    let (_, r) = store
        .churn_months(None, "size:micro", month("2026-03"), month("2026-03"))
        .unwrap()[0];
    assert_eq!(r.n_start, 0);
    assert_eq!((r.churn_rate, r.grr, r.nrr), (None, None, None));
}

#[test]
fn march_churn_events_by_reason_and_phase() {
    let store = small_store();
    let reasons = store.churn_by_reason(month("2026-03"), month("2026-03")).unwrap();
    assert_eq!(reasons.len(), 1);
    assert_eq!((reasons[0].key.as_str(), reasons[0].accounts), ("price", 1));
    let phases = store.churn_by_phase(month("2026-03"), month("2026-03")).unwrap();
    assert!(phases[0].key.ends_with("Renew"), "{:?}", phases);
    // A07's churn on 2026-02-01 belongs to January's window (active on 01-01, not on 02-01).
    let january = store
        .churned_accounts(month("2026-01"), month("2026-01"))
        .unwrap();
    assert_eq!(
        january.iter().map(|a| a.account_id.as_str()).collect::<Vec<_>>(),
        ["A07"]
    );
}

#[test]
fn churn_events_follow_the_segment() {
    // March's only churn is A06, a regular account (the HVC accounts of March are A03 and A09).
    let store = small_store();
    let march = month("2026-03");
    assert!(
        store
            .churn_groups_in(None, "hvc", march, march, ChurnBy::Cause)
            .unwrap()
            .is_empty()
    );
    let regular = store
        .churn_groups_in(None, "regular", march, march, ChurnBy::Cause)
        .unwrap();
    assert_eq!((regular[0].key.as_str(), regular[0].accounts), ("price", 1));
    let accounts = store.churned_accounts_in(None, "regular", march, march).unwrap();
    assert_eq!(
        accounts.iter().map(|a| a.account_id.as_str()).collect::<Vec<_>>(),
        ["A06"]
    );
    assert!(
        store
            .churned_accounts_in(None, "hvc", march, march)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn churn_json_follows_the_contract() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("small.db");
    {
        let mut store = Store::open(&db, OpenMode::Create).unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh().unwrap();
    }
    let out = Command::cargo_bin("cxcockpit")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "churn",
            "--from",
            "2026-02",
            "--to",
            "2026-03",
            "--by",
            "reason",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let windows = doc["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2, "one window per month, both ends included");
    let march = &windows[1];
    assert_eq!(march["period"], "2026-03");
    assert_eq!(march["start"], "2026-03-01");
    assert_eq!(march["end"], "2026-04-01");
    assert_eq!(march["n_start"], 8);
    assert_eq!(march["n_churned"], 1);
    assert_eq!(march["churn_rate"], 0.125, "a fraction, not a percentage");
    assert_eq!(march["start_mrr"], 4000.0);
    assert_eq!(march["contraction_mrr"], 150.0);
    assert_eq!(march["expansion_mrr"], 250.0);
    assert_eq!(march["grr"], 0.9125);
    assert_eq!(march["nrr"], 0.975);
    assert_eq!(doc["total"]["n_churned"], 2);
    assert!(
        doc["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["key"] == "price")
    );
}

#[test]
fn churn_refuses_months_outside_the_store() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("small.db");
    {
        let mut store = Store::open(&db, OpenMode::Create).unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh().unwrap();
    }
    let out = Command::cargo_bin("cxcockpit")
        .unwrap()
        .args(["--db", db.to_str().unwrap(), "churn", "--from", "2025-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-01 to 2026-06"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rates_stay_within_their_bounds(
        accounts in proptest::collection::vec((0.0f64..5000.0, proptest::option::of(0.0f64..8000.0)), 0..40)
    ) {
        let windows: Vec<AccountWindow> =
            accounts.iter().map(|&(start_mrr, end_mrr)| AccountWindow { start_mrr, end_mrr }).collect();
        let r: Retention = retention(&windows);
        if let Some(rate) = r.churn_rate {
            prop_assert!((0.0..=1.0).contains(&rate));
        } else {
            prop_assert_eq!(r.n_start, 0);
        }
        match (r.grr, r.nrr) {
            (Some(grr), Some(nrr)) => {
                prop_assert!(grr <= 1.0 + 1e-12);
                prop_assert!(grr >= -1e-12);
                prop_assert!(grr <= nrr + 1e-12);
            }
            (None, None) => prop_assert!(r.start_mrr <= 0.0),
            other => prop_assert!(false, "GRR and NRR are both present or both absent: {:?}", other),
        }
    }
}

/// The fixture plus March's awkward cases: A13 leaves on 04-01 without a churn event, A14 starts
/// and leaves within March (with an event), and A11 has an event but stays active.
fn store_with_awkward_march() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store
        .conn()
        .execute_batch(
            "INSERT INTO account (account_id, name, journey_id, industry, company_size, area, contact_role, owner, created_on) VALUES
              ('A13', 'Maple Dental', 'small', 'medical', 'small', 'urban', 'owner', 'kim', '2025-06-01'),
              ('A14', 'Nutmeg Bakery', 'small', 'food', 'micro', 'urban', 'owner', 'ana', '2026-03-01');
             INSERT INTO subscription (subscription_id, account_id, product, mrr, ordered_on, start_date, end_date) VALUES
              ('S13', 'A13', 'Basic', 80, '2025-05-20', '2025-06-01', '2026-04-01'),
              ('S14', 'A14', 'Basic', 50, '2026-03-01', '2026-03-05', '2026-03-25');
             INSERT INTO churn_event (account_id, churned_on, phase_id, root_cause, reason, mrr_lost) VALUES
              ('A14', '2026-03-25', 1, 'service', 'Never got going', 50),
              ('A11', '2026-03-15', 2, 'price', 'Asked to cancel, then stayed', 100);",
        )
        .unwrap();
    store.refresh().unwrap();
    store
}

#[test]
fn the_figures_the_account_list_and_the_breakdowns_count_the_same_accounts() {
    // March: active on 03-01 and not on 04-01 are A06 (200, event: price, Renew) and A13 (80,
    // no event). A14 (started and left within March) and A11 (still active) have events that
    // the figures do not count: they are listed apart.
    let store = store_with_awkward_march();
    let march = month("2026-03");
    let all = store
        .churn_window_by_segment(None, march, march)
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == "all")
        .unwrap()
        .1;
    assert_eq!((all.n_churned, all.churned_mrr), (2, 280.0));
    let accounts = store.churned_accounts(march, march).unwrap();
    let listed: Vec<(&str, f64, Option<&str>)> = accounts
        .iter()
        .map(|a| (a.account_id.as_str(), a.mrr_lost, a.root_cause.as_deref()))
        .collect();
    assert_eq!(listed, [("A06", 200.0, Some("price")), ("A13", 80.0, None)]);
    assert_eq!(accounts[1].cause_key(), "no reason recorded");
    assert_eq!(accounts[1].churned_on.as_deref(), Some("2026-04-01"));
    let reasons: Vec<(String, u64, f64)> = store
        .churn_by_reason(march, march)
        .unwrap()
        .into_iter()
        .map(|g| (g.key, g.accounts, g.mrr_lost))
        .collect();
    assert_eq!(
        reasons,
        [
            ("no reason recorded".to_string(), 1, 80.0),
            ("price".to_string(), 1, 200.0)
        ]
    );
    let phases: Vec<(String, u64)> = store
        .churn_by_phase(march, march)
        .unwrap()
        .into_iter()
        .map(|g| (g.key, g.accounts))
        .collect();
    assert_eq!(
        phases,
        [
            ("(no phase recorded)".to_string(), 1),
            ("Small fixture journey: Renew".to_string(), 1)
        ]
    );
    let aside: Vec<(String, &str)> = store
        .churn_events_aside(None, "all", march, march)
        .unwrap()
        .into_iter()
        .map(|a| (a.account_id, a.why))
        .collect();
    assert_eq!(
        aside,
        [
            ("A11".to_string(), "still_active"),
            ("A14".to_string(), "started_and_left")
        ]
    );
}

#[test]
fn the_tier_breakdown_follows_the_segment_in_rank_order() {
    let store = small_store();
    let (march, april) = (month("2026-03"), month("2026-04"));
    let all = store.churn_window_by_tier(None, "all", march, april).unwrap();
    let hvc = store.churn_window_by_tier(None, "hvc", march, april).unwrap();
    let hvc_total = store
        .churn_window_by_segment(None, march, april)
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == "hvc")
        .unwrap()
        .1;
    assert_eq!(hvc.iter().map(|(_, r)| r.n_start).sum::<u64>(), hvc_total.n_start);
    assert!(
        hvc.iter().map(|(_, r)| r.n_start).sum::<u64>() < all.iter().map(|(_, r)| r.n_start).sum::<u64>(),
        "the HVC breakdown counts HVC accounts only"
    );
    // 'none' first, then the ladder by rank.
    let ranks: Vec<i64> = all
        .iter()
        .map(|(s, _)| {
            store
                .conn()
                .query_row(
                    "SELECT coalesce((SELECT rank FROM tier WHERE tier_id = ?1), 0)",
                    [s.trim_start_matches("tier:")],
                    |r| r.get(0),
                )
                .unwrap()
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{all:?} {ranks:?}");
}

#[test]
fn churn_json_counts_one_population_on_the_demo() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("demo.db");
    let out = Command::cargo_bin("cxcockpit")
        .unwrap()
        .args([
            "demo",
            "--accounts",
            "1000",
            "--months",
            "12",
            "--seed",
            "7",
            "--as-of",
            "2026-10",
            "--out",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for segment in ["all", "hvc"] {
        let out = Command::cargo_bin("cxcockpit")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args([
                "snapshot",
                "--pane",
                "churn",
                "--period",
                "2026-09",
                "--segment",
                segment,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let accounts = v["accounts"].as_array().unwrap();
        let n = v["month"]["n_churned"].as_u64().unwrap();
        assert_eq!(accounts.len() as u64, n, "{segment}");
        let lost: f64 = accounts.iter().map(|a| a["mrr_lost"].as_f64().unwrap()).sum();
        assert!(
            (lost - v["month"]["churned_mrr"].as_f64().unwrap()).abs() < 1e-6,
            "{segment}"
        );
        for by in ["by_phase", "by_reason"] {
            let sum: u64 = v[by]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["accounts"].as_u64().unwrap())
                .sum();
            assert_eq!(sum, n, "{segment} {by}");
        }
    }
}

/// `churn --by accounts` writes the churned accounts and the events aside as they are read:
/// the document is byte for byte the one built from the whole lists in memory, and the CSV and
/// the table list the same accounts in the same order.
#[test]
fn the_streamed_account_list_is_the_document_built_in_memory() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("small.db");
    {
        let mut store = Store::open(&db, OpenMode::Create).unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh().unwrap();
    }
    let store = Store::open(&db, OpenMode::ReadOnly).unwrap();
    let cx = |args: &[&str]| {
        let out = Command::cargo_bin("cxcockpit")
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
    let mut listed = 0;
    for (from, to) in [
        ("2026-01", "2026-06"),
        ("2026-03", "2026-03"),
        ("2026-02", "2026-04"),
    ] {
        for segment in ["all", "hvc", "regular"] {
            let by = [
                "--by",
                "accounts",
                "--from",
                from,
                "--to",
                to,
                "--segment",
                segment,
            ];
            let streamed = cx(&[&["--format", "json", "churn"][..], &by[..]].concat());
            let accounts = store
                .churned_accounts_in(None, segment, month(from), month(to))
                .unwrap();
            let aside = store
                .churn_events_aside(None, segment, month(from), month(to))
                .unwrap();
            listed += accounts.len();
            let aside: Vec<serde_json::Value> = aside
                .iter()
                .map(|a| {
                    let mut v = serde_json::to_value(a).unwrap();
                    v["why_text"] = serde_json::json!(a.why_text());
                    v
                })
                .collect();
            // The document's last two fields, pretty-printed in memory (the figures before them
            // are not streamed; parsing floats back would not give their exact text).
            let tail = serde_json::to_string_pretty(
                &serde_json::json!({"breakdown": accounts, "events_aside": aside}),
            )
            .unwrap();
            let tail = format!(",\n{}\n", tail.strip_prefix("{\n").unwrap());
            assert!(
                streamed.ends_with(&tail),
                "{by:?}:\n{streamed}\nwant the end:\n{tail}"
            );
            serde_json::from_str::<serde_json::Value>(&streamed).unwrap();
            let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
            let csv = cx(&[&["--format", "csv", "churn"][..], &by[..]].concat());
            if accounts.is_empty() {
                assert_eq!(csv, "\n", "{by:?}");
            } else {
                let mut lines = csv.lines();
                assert_eq!(
                    lines.next(),
                    Some("account_id,name,churned_on,mrr_lost,phase,journey,root_cause,reason,tenure_months")
                );
                let csv_ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
                assert_eq!(csv_ids, ids, "{by:?}");
            }
        }
    }
    assert!(listed > 0, "the fixture has churned accounts");
}
