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
