//! The hand-made fixture (fixtures/small.sql): the rollups, the domain functions fed with the raw
//! rows, the status and the tiers must give exactly the figures computed by hand in
//! fixtures/small.md. The percentages are chosen so that they are exact in binary floating point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use cxcockpit::domain::Period;
use cxcockpit::domain::model::Metric;
use cxcockpit::domain::retention::{AccountWindow, retention};
use cxcockpit::domain::status::Status;
use cxcockpit::domain::survey::{Scale, nps};
use cxcockpit::domain::tiers::eligible;
use cxcockpit::store::Store;
use rusqlite::OptionalExtension;

const SMALL: &str = include_str!("../fixtures/small.sql");

fn small_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store.refresh().unwrap();
    store
}

/// The rollup row of a metric, segment and month: (value, n), None when there is no row.
fn rollup(store: &Store, metric: &str, segment: &str, period: &str) -> Option<(f64, Option<i64>)> {
    store
        .conn()
        .query_row(
            "SELECT value, n FROM rollup WHERE metric_id = ?1 AND segment = ?2 AND period = ?3",
            [metric, segment, period],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .unwrap()
}

fn metric(store: &Store, id: &str) -> Metric {
    store
        .metrics("small")
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .expect("metric of the fixture")
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Each account's MRR at date d by the standard definition, from the raw subscription rows:
/// the sum over subscriptions with start <= d and (end is null or end > d); None when none is.
fn mrr_at(subs: &[(String, f64, NaiveDate, Option<NaiveDate>)], account: &str, d: NaiveDate) -> Option<f64> {
    let active: Vec<f64> = subs
        .iter()
        .filter(|(a, _, start, end)| a == account && *start <= d && end.is_none_or(|e| e > d))
        .map(|(_, mrr, _, _)| *mrr)
        .collect();
    (!active.is_empty()).then(|| active.iter().sum())
}

fn subscriptions(store: &Store) -> Vec<(String, f64, NaiveDate, Option<NaiveDate>)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT account_id, mrr, start_date, end_date FROM subscription")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, f64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })
    .unwrap()
    .map(|row| {
        let (account, mrr, start, end) = row.unwrap();
        (account, mrr, date(&start), end.as_deref().map(date))
    })
    .collect()
}

#[test]
fn fixture_passes_the_store_check() {
    let report = small_store().check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn hvc_rule_makes_the_top_two_of_eleven_ranked_accounts_hvc() {
    // 11 accounts have an MRR (A08 has none); 20% of them is 2.2, so the top 2 by latest MRR.
    // A03 (600) ranks third: percent_rank 2/10 = 0.2 is not below 0.2.
    let store = small_store();
    let mut stmt = store
        .conn()
        .prepare("SELECT account_id FROM account WHERE hvc = 1 ORDER BY account_id")
        .unwrap();
    let hvc: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hvc, ["A04", "A09"]);
}

#[test]
fn march_churn_grr_nrr_rollups_match_the_hand_computation() {
    let store = small_store();
    // 1 of the 8 accounts active on 2026-03-01 (A06) has nothing active on 2026-04-01.
    assert_eq!(
        rollup(&store, "small.renew.churn", "all", "2026-03"),
        Some((12.5, Some(8)))
    );
    // (100 + 700 + 500 + 250 + 0 + 1700 + 300 + 100) / 4000 = 3650 / 4000
    assert_eq!(
        rollup(&store, "small.renew.grr", "all", "2026-03"),
        Some((91.25, Some(8)))
    );
    // (100 + 700 + 750 + 250 + 0 + 1700 + 300 + 100) / 4000 = 3900 / 4000
    assert_eq!(
        rollup(&store, "small.renew.nrr", "all", "2026-03"),
        Some((97.5, Some(8)))
    );
    // The HVC segment of March (decided on 03-01, small.md): A09 (1700) and A03 (700); nobody
    // churned, and their MRR at the end of March is what it was at the start: NRR 100 %.
    assert_eq!(
        rollup(&store, "small.renew.churn", "hvc", "2026-03"),
        Some((0.0, Some(2)))
    );
    assert_eq!(
        rollup(&store, "small.renew.nrr", "hvc", "2026-03"),
        Some((100.0, Some(2)))
    );
}

#[test]
fn march_retention_from_the_raw_subscriptions_matches_the_hand_computation() {
    let store = small_store();
    let subs = subscriptions(&store);
    let (d0, d1) = (date("2026-03-01"), date("2026-04-01"));
    let mut accounts: Vec<String> = subs.iter().map(|s| s.0.clone()).collect();
    accounts.sort();
    accounts.dedup();
    let windows: Vec<AccountWindow> = accounts
        .iter()
        .filter_map(|a| {
            Some(AccountWindow {
                start_mrr: mrr_at(&subs, a, d0)?,
                end_mrr: mrr_at(&subs, a, d1),
            })
        })
        .collect();
    let r = retention(&windows);
    assert_eq!((r.n_start, r.n_churned), (8, 1));
    assert_eq!(r.churn_rate, Some(0.125));
    assert_eq!(r.start_mrr, 4000.0);
    assert_eq!(r.churned_mrr, 200.0); // A06
    assert_eq!(r.contraction_mrr, 150.0); // A05: 400 -> 250
    assert_eq!(r.expansion_mrr, 250.0); // A04: 500 -> 750
    assert_eq!(r.grr, Some(3650.0 / 4000.0));
    assert_eq!(r.nrr, Some(3900.0 / 4000.0));
}

#[test]
fn march_nps_of_phase_use_matches_the_hand_computation() {
    let store = small_store();
    // 3 promoters, 3 passives, 2 detractors of 8: 100 * (3 - 2) / 8.
    assert_eq!(
        rollup(&store, "small.use.nps", "all", "2026-03"),
        Some((12.5, Some(8)))
    );
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT score FROM survey_response
             WHERE survey = 'nps' AND phase_id = 2
               AND answered_at >= '2026-03-01' AND answered_at < '2026-04-01'",
        )
        .unwrap();
    let scores: Vec<i64> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(scores.len(), 8);
    assert_eq!(nps(&Scale::standard("nps").unwrap(), &scores), Some(12.5));
}

#[test]
fn march_first_response_time_is_the_mean_of_the_answered_tickets() {
    // T01 3 h, T02 6 h; T03 has no response yet and does not count: (3 + 6) / 2.
    let store = small_store();
    assert_eq!(
        rollup(&store, "small.onboard.first_response", "all", "2026-03"),
        Some((4.5, Some(2)))
    );
}

#[test]
fn march_statuses_against_targets() {
    let store = small_store();
    let status = |id: &str| {
        let m = metric(&store, id);
        let value = rollup(&store, id, "all", "2026-03").map(|(v, _)| v);
        Status::of(value, m.target, m.tolerance, m.direction)
    };
    // NPS 12.5, higher is better, target 20: 7.5 short, within the tolerance 10.
    assert_eq!(status("small.use.nps"), Status::Amber);
    // Churn 12.5 %, lower is better, target 5: 7.5 over, beyond the tolerance 5.
    assert_eq!(status("small.renew.churn"), Status::Red);
    // NRR 97.5 %, target 97: met.
    assert_eq!(status("small.renew.nrr"), Status::Green);
    // First response 4.5 h, lower is better, target 4: 0.5 over, within the tolerance 2.
    assert_eq!(status("small.onboard.first_response"), Status::Amber);
    // The imported activation rate has no April value: no data, not zero.
    let m = metric(&store, "small.onboard.activation");
    let april = rollup(&store, "small.onboard.activation", "all", "2026-04").map(|(v, _)| v);
    assert_eq!(
        Status::of(april, m.target, m.tolerance, m.direction),
        Status::NoData
    );
}

#[test]
fn a_month_without_data_has_no_rollup_row() {
    let store = small_store();
    // No NPS answer in phase Use in February, no ticket of phase Onboard outside March,
    // no imported activation value for April.
    assert_eq!(rollup(&store, "small.use.nps", "all", "2026-02"), None);
    assert_eq!(
        rollup(&store, "small.onboard.first_response", "all", "2026-02"),
        None
    );
    assert_eq!(
        rollup(&store, "small.onboard.first_response", "all", "2026-04"),
        None
    );
    assert_eq!(rollup(&store, "small.onboard.activation", "all", "2026-04"), None);
    // ... while the months around them do have rows.
    assert_eq!(
        rollup(&store, "small.use.nps", "all", "2026-01"),
        Some((-100.0, Some(1)))
    );
    assert_eq!(
        rollup(&store, "small.onboard.activation", "all", "2026-03"),
        Some((86.0, Some(28)))
    );
    assert_eq!(
        rollup(&store, "small.onboard.activation", "all", "2026-05"),
        Some((93.0, Some(30)))
    );
    // Nothing is written outside the store's months (the July answer R15 has no row), and no
    // rollup value is ever stored as a stand-in for missing data.
    let outside: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM rollup WHERE period NOT BETWEEN '2026-01' AND '2026-06'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outside, 0);
    let series = store.series("small", "all").unwrap();
    let nps = &series["small.use.nps"];
    let feb: Period = "2026-02".parse().unwrap();
    assert!(!nps.contains_key(&feb));
    // Churn has data every month: there are active accounts at the start of each.
    assert_eq!(series["small.renew.churn"].len(), 6);
}

#[test]
fn tiers_at_the_end_of_june_match_the_hand_computation() {
    let store = small_store();
    let tiers = store.tiers().unwrap();
    let got: Vec<(String, Option<String>)> = store
        .tier_facts("2026-06".parse().unwrap())
        .unwrap()
        .into_iter()
        .map(|(id, facts)| (id, eligible(&tiers, &facts).map(|t| t.id.clone())))
        .collect();
    let want: Vec<(String, Option<String>)> = [
        ("A01", Some("bronze")),   // 4 months' tenure, 100 a month
        ("A02", None),             // ended on 2026-03-01
        ("A03", Some("silver")),   // gold's MRR and tenure, but an open critical ticket
        ("A04", Some("gold")),     // 750; its January detractor answer is superseded
        ("A05", Some("silver")),   // contracted to 250
        ("A06", None),             // churned on 2026-04-01
        ("A07", Some("bronze")),   // reactivated; tenure counts from its first start
        ("A08", None),             // no subscription
        ("A09", Some("platinum")), // HVC, 1700 over 6 months, 29 months
        ("A10", Some("bronze")),   // silver's MRR, but an invoice paid only on 2026-07-01
        ("A11", Some("bronze")),   // 100 a month
        ("A12", Some("bronze")),   // exactly 3 months' tenure
    ]
    .iter()
    .map(|(id, t)| (id.to_string(), t.map(str::to_string)))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn a_churn_metric_in_a_phase_counts_that_phase_s_churners() {
    // A logo churn metric placed in Use (not the journey's last phase) is Use's churn: the
    // accounts active at the month's start that left with a churn event naming Use. January:
    // A07 (event 2026-02-01, phase Use) of the 9 accounts active on 01-01: 100 / 9. March: A06
    // left with an event naming Renew: 0 of 8 in Use, while Renew's metric (the last phase: the
    // journey's churn) counts it, 100 / 8.
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store
        .conn()
        .execute_batch(
            "INSERT INTO metric (metric_id, phase_id, name, kind, perspective, unit, direction, target, tolerance, aggregation)
             VALUES ('small.use.churn', 2, 'Churn in Use', 'success', 'proposition', '%', 'lower', 1, 0.5, 'logo_churn');",
        )
        .unwrap();
    store.refresh_rollups().unwrap();
    assert_eq!(
        rollup(&store, "small.use.churn", "all", "2026-01"),
        Some((100.0 / 9.0, Some(9)))
    );
    assert_eq!(
        rollup(&store, "small.use.churn", "all", "2026-03"),
        Some((0.0, Some(8)))
    );
    assert_eq!(
        rollup(&store, "small.renew.churn", "all", "2026-03"),
        Some((12.5, Some(8)))
    );
    assert_eq!(
        rollup(&store, "small.renew.churn", "all", "2026-01"),
        Some((100.0 / 9.0, Some(9)))
    );
}
