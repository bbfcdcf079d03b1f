//! HVC triage on the hand-made fixture (fixtures/small.sql, then fixtures/triage.sql): every
//! signal's raw value and points at the end of June 2026 (evaluation day 2026-07-01) and of May
//! 2026 (2026-06-01) against the hand computation in fixtures/triage.md; the queue's ordering and
//! what changed since last month; weights read at query time; snooze, wake-up, resolve, reopen;
//! two writers at once (connections and processes); the `triage` command line; each signal's
//! window (settings, boundaries, rule texts); the backtest of the score on a small store computed
//! by hand; the MRR-at-risk order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Barrier};

use cxcockpit::domain::triage::{self, Signal, Window};
use cxcockpit::store::triage::{Action, QueueRow};
use cxcockpit::store::{OpenMode, Store};

const SMALL: &str = include_str!("../fixtures/small.sql");
const TRIAGE: &str = include_str!("../fixtures/triage.sql");

const JUNE: &str = "2026-06";
const MAY: &str = "2026-05";
/// The evaluation day of June: nothing is snoozed then.
const TODAY: &str = "2026-07-01";

/// (account, signal, raw value, points with the default weights), from fixtures/triage.md.
type Expected = (&'static str, &'static str, f64, f64);

/// End of June 2026, evaluated on 2026-07-01 (triage.md, "June").
const JUNE_SIGNALS: &[Expected] = &[
    ("A03", "open_ticket_critical", 1.0, 25.0),
    ("A03", "sla_breach", 1.0, 10.0),
    ("A03", "tier_downgrade_risk", 1.0, 10.0),
    ("A03", "mrr_contraction", 100.0, 12.0),
    ("A06", "detractor", 3.0, 20.0),
    ("A09", "sla_breach", 1.0, 10.0),
    ("A10", "open_ticket_other", 1.0, 5.0),
    ("A10", "sla_breach", 1.0, 10.0),
    ("A10", "long_running_ticket", 1.0, 8.0),
    ("A10", "detractor", 0.0, 20.0),
    ("A10", "nps_falling", -8.0, 8.0),
    ("A10", "overdue_invoice", 1.0, 12.0),
    ("A10", "tier_downgrade_risk", 1.0, 10.0),
    ("A11", "open_ticket_high", 1.0, 15.0),
    ("A11", "open_ticket_other", 1.0, 5.0),
    ("A11", "sla_breach", 1.0, 10.0),
    ("A11", "long_running_ticket", 2.0, 16.0),
    ("A11", "detractor", 5.0, 20.0),
    ("A12", "detractor", 1.0, 20.0),
    ("A13", "open_ticket_critical", 4.0, 75.0),
    ("A13", "open_ticket_high", 2.0, 30.0),
    ("A13", "sla_breach", 2.0, 20.0),
    ("A14", "sla_breach", 4.0, 30.0),
    ("A15", "open_ticket_other", 1.0, 5.0),
    ("A15", "downtime", 6.0, 11.3),
    ("A15", "usage_drop", 19.0, 0.0),
    ("A16", "open_ticket_other", 1.0, 5.0),
    ("A16", "sla_breach", 1.0, 10.0),
    ("A16", "long_running_ticket", 1.0, 8.0),
    ("A16", "downtime", 8.0, 15.0),
    ("A16", "usage_drop", 20.0, 10.0),
    ("A16", "detractor", 6.0, 20.0),
    ("A16", "nps_falling", -2.0, 8.0),
    ("A16", "high_effort", 3.0, 8.0),
    ("A16", "renewal_due", 60.0, 10.0),
    ("A17", "downtime", 20.0, 30.0),
    ("A17", "usage_drop", 55.0, 10.0),
    ("A17", "overdue_invoice", 3.0, 24.0),
    ("A17", "red_indicator", 2.0, 10.0),
    ("A17", "mrr_contraction", 200.0, 12.0),
    ("A18", "detractor", 5.0, 20.0),
];

/// End of May 2026, evaluated on 2026-06-01 (triage.md, "May").
const MAY_SIGNALS: &[Expected] = &[
    ("A03", "detractor", 4.0, 20.0),
    ("A03", "nps_falling", -5.0, 8.0),
    ("A03", "overdue_invoice", 1.0, 12.0),
    ("A03", "tier_downgrade_risk", 1.0, 10.0),
    ("A03", "mrr_contraction", 100.0, 12.0),
    ("A04", "open_ticket_high", 1.0, 15.0),
    ("A04", "long_running_ticket", 1.0, 8.0),
    ("A04", "tier_downgrade_risk", 1.0, 10.0),
    ("A05", "mrr_contraction", 150.0, 12.0),
    ("A06", "detractor", 3.0, 20.0),
    ("A10", "detractor", 0.0, 20.0),
    ("A10", "nps_falling", -8.0, 8.0),
    ("A11", "open_ticket_other", 1.0, 5.0),
    ("A11", "long_running_ticket", 1.0, 8.0),
    ("A11", "detractor", 5.0, 20.0),
    ("A12", "detractor", 1.0, 20.0),
    ("A14", "open_ticket_other", 1.0, 5.0),
    ("A15", "high_effort", 2.0, 8.0),
    ("A16", "high_effort", 3.0, 8.0),
    ("A17", "downtime", 12.0, 22.5),
    ("A17", "usage_drop", 18.2, 0.0),
    ("A17", "overdue_invoice", 1.0, 12.0),
    ("A17", "renewal_due", 30.0, 10.0),
    ("A17", "red_indicator", 1.0, 5.0),
    ("A18", "detractor", 5.0, 20.0),
];

/// The age in days of the oldest open ticket (shown, not scored): (period, account, days).
const OLDEST_OPEN: &[(&str, &str, f64)] = &[
    (JUNE, "A03", 1.6),
    (JUNE, "A10", 29.6),
    (JUNE, "A11", 97.6),
    (JUNE, "A13", 4.5),
    (JUNE, "A15", 7.0),
    (JUNE, "A16", 7.1),
    (MAY, "A04", 27.6),
    (MAY, "A11", 67.6),
    (MAY, "A14", 0.1),
];

/// Each active account at the end of June: (account, MRR, HVC, June score, May score).
const ACCOUNTS: &[(&str, f64, bool, f64, f64)] = &[
    ("A01", 100.0, false, 0.0, 0.0),
    ("A03", 600.0, true, 57.0, 62.0),
    ("A04", 750.0, true, 0.0, 33.0),
    ("A05", 250.0, false, 0.0, 12.0),
    ("A07", 120.0, false, 0.0, 0.0),
    ("A09", 1700.0, true, 10.0, 0.0),
    ("A10", 300.0, false, 73.0, 28.0),
    ("A11", 100.0, false, 66.0, 33.0),
    ("A12", 60.0, false, 20.0, 20.0),
    ("A13", 900.0, true, 125.0, 0.0),
    ("A14", 800.0, true, 30.0, 5.0),
    ("A15", 500.0, true, 16.3, 8.0),
    ("A16", 500.0, true, 94.0, 8.0),
    ("A17", 1000.0, true, 86.0, 49.5),
    ("A18", 60.0, false, 20.0, 20.0),
    ("A19", 50.0, false, 0.0, 0.0),
];

/// The HVC queue at the end of June, in order (triage.md, "The queue").
const HVC_ORDER: [&str; 8] = ["A13", "A16", "A17", "A03", "A14", "A15", "A09", "A04"];

/// Every active account, in order.
const ALL_ORDER: [&str; 16] = [
    "A13", "A16", "A17", "A10", "A11", "A03", "A14", "A12", "A18", "A15", "A09", "A04", "A05", "A07", "A01",
    "A19",
];

fn load(store: &mut Store) {
    store.conn().execute_batch(SMALL).unwrap();
    store.conn().execute_batch(TRIAGE).unwrap();
    store.refresh().unwrap();
}

fn fixture() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    load(&mut store);
    store
}

/// A store file built from the fixture in `dir`.
fn fixture_file(dir: &Path) -> PathBuf {
    let path = dir.join("triage.db");
    let mut store = Store::open(&path, OpenMode::Create).unwrap();
    load(&mut store);
    path
}

/// The raw value of a signal (None: no row, the signal did not fire).
fn value(store: &Store, period: &str, account: &str, signal: &str) -> Option<f64> {
    let mut stmt = store
        .conn()
        .prepare("SELECT value FROM account_signal WHERE period = ?1 AND account_id = ?2 AND signal = ?3")
        .unwrap();
    let mut rows = stmt.query_map([period, account, signal], |r| r.get(0)).unwrap();
    rows.next().map(|v| v.unwrap())
}

/// Every raw signal value of an account and month, as the queue scores them.
fn values(store: &Store, period: &str, account: &str) -> Vec<(Signal, f64)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT signal, value FROM account_signal WHERE period = ?1 AND account_id = ?2")
        .unwrap();
    stmt.query_map([period, account], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .filter_map(|(name, v)| Signal::from_name(&name).map(|s| (s, v)))
    .collect()
}

fn queue(store: &Store, all: bool) -> Vec<QueueRow> {
    store.triage_queue(all, false, TODAY).unwrap()
}

fn ids(queue: &[QueueRow]) -> Vec<&str> {
    queue.iter().map(|q| q.account_id.as_str()).collect()
}

fn row<'a>(queue: &'a [QueueRow], account: &str) -> &'a QueueRow {
    queue
        .iter()
        .find(|q| q.account_id == account)
        .unwrap_or_else(|| panic!("{account} is not in the queue"))
}

/// The points a signal earns in an account's June queue row (0 when it does not fire).
fn june_points(store: &Store, account: &str, signal: Signal) -> f64 {
    let everything = store.triage_queue(true, true, TODAY).unwrap();
    let row = row(&everything, account);
    row.score
        .signals
        .iter()
        .find(|s| s.signal == signal)
        .map_or(0.0, |s| s.points)
}

/// The points a signal earns at the end of May, scored as the queue scores last month.
fn may_points(store: &Store, account: &str, signal: Signal) -> f64 {
    let score = triage::score(&values(store, MAY, account), &store.triage_weights().unwrap());
    score
        .signals
        .iter()
        .find(|s| s.signal == signal)
        .map_or(0.0, |s| s.points)
}

/// Asserts a signal's raw value and points for an account in June (None: no row, 0 points).
fn assert_june(store: &Store, account: &str, signal: Signal, raw: Option<f64>, points: f64) {
    assert_eq!(
        value(store, JUNE, account, signal.name()),
        raw,
        "June value of {} for {account}",
        signal.name()
    );
    assert_eq!(
        june_points(store, account, signal),
        points,
        "June points of {} for {account}",
        signal.name()
    );
}

fn assert_may(store: &Store, account: &str, signal: Signal, raw: Option<f64>, points: f64) {
    assert_eq!(
        value(store, MAY, account, signal.name()),
        raw,
        "May value of {} for {account}",
        signal.name()
    );
    assert_eq!(
        may_points(store, account, signal),
        points,
        "May points of {} for {account}",
        signal.name()
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Each signal's value and points

#[test]
fn every_signal_row_is_the_hand_computed_one() {
    let store = fixture();
    let mut stmt = store
        .conn()
        .prepare("SELECT period, account_id, signal, value FROM account_signal")
        .unwrap();
    let found: BTreeSet<(String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                format!("{:?}", r.get::<_, f64>(3)?),
            ))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut expected = BTreeSet::new();
    for (period, table) in [(JUNE, JUNE_SIGNALS), (MAY, MAY_SIGNALS)] {
        for (account, signal, raw, _) in table {
            expected.insert((
                period.to_string(),
                account.to_string(),
                signal.to_string(),
                format!("{raw:?}"),
            ));
        }
    }
    for (period, account, days) in OLDEST_OPEN {
        expected.insert((
            period.to_string(),
            account.to_string(),
            "oldest_open_days".to_string(),
            format!("{days:?}"),
        ));
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "signal rows differ from triage.md\nmissing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

#[test]
fn every_signal_earns_the_hand_computed_points() {
    let store = fixture();
    let weights = store.triage_weights().unwrap();
    for (period, table) in [(JUNE, JUNE_SIGNALS), (MAY, MAY_SIGNALS)] {
        for (account, name, raw, points) in table {
            let signal = Signal::from_name(name).unwrap();
            let score = triage::score(&[(signal, *raw)], &weights);
            assert_eq!(score.total, *points, "{period} {account} {name} = {raw}");
        }
    }
}

#[test]
fn open_tickets_by_severity_at_most_three() {
    let store = fixture();
    // A13: four open critical tickets, capped at 3 x 25; two open high ones, 2 x 15.
    assert_june(&store, "A13", Signal::OpenTicketCritical, Some(4.0), 75.0);
    assert_june(&store, "A13", Signal::OpenTicketHigh, Some(2.0), 30.0);
    assert_june(&store, "A13", Signal::OpenTicketOther, None, 0.0);
    // A03: T04 is resolved at 2026-07-01T00:00, not before the evaluation day: still open.
    assert_june(&store, "A03", Signal::OpenTicketCritical, Some(1.0), 25.0);
    // A09: T07 resolved on 2026-06-30T21:00, before the evaluation day.
    assert_june(&store, "A09", Signal::OpenTicketCritical, None, 0.0);
    // A05: T09 is opened at 2026-07-01T00:00, not before the evaluation day.
    assert_june(&store, "A05", Signal::OpenTicketCritical, None, 0.0);
    // A11: one high (T06) and one low (T03).
    assert_june(&store, "A11", Signal::OpenTicketHigh, Some(1.0), 15.0);
    assert_june(&store, "A11", Signal::OpenTicketOther, Some(1.0), 5.0);
    // Low and medium both count as "other".
    assert_june(&store, "A10", Signal::OpenTicketOther, Some(1.0), 5.0);
    assert_june(&store, "A16", Signal::OpenTicketOther, Some(1.0), 5.0);
    // May: A04's T05 (resolved only on 2026-06-20); A14's T14a opened 2026-05-31T21:00.
    assert_may(&store, "A04", Signal::OpenTicketHigh, Some(1.0), 15.0);
    assert_may(&store, "A14", Signal::OpenTicketOther, Some(1.0), 5.0);
    assert_june(&store, "A14", Signal::OpenTicketOther, None, 0.0);
}

#[test]
fn sla_breach_per_severity_counted_to_the_evaluation_day() {
    let store = fixture();
    // A13: T13d critical unanswered 3 h > 1, T13e high unanswered 6 h > 4: 2 breaches. T13f high,
    // opened 2026-06-30T21:00 and answered only at 2026-07-01T06:00, counts 3 h to the
    // evaluation day: not a breach.
    assert_june(&store, "A13", Signal::SlaBreach, Some(2.0), 20.0);
    // A14: T14b (low 27 h, opened exactly 30 days before), T14c (medium 9 h), T14d (high 6 h),
    // T14e (critical 3 h): 4, capped at 3. T14a (opened 2026-05-31T21:00) is outside the window;
    // T14f (critical, 0 h) is on time.
    assert_june(&store, "A14", Signal::SlaBreach, Some(4.0), 30.0);
    // A14 in May: T14a counts 3 h to 2026-06-01 (its answer came later): not a breach.
    assert_may(&store, "A14", Signal::SlaBreach, None, 0.0);
    // A10: T08 (low) unanswered since 2026-06-01T09:00: 711 h > 24.
    assert_june(&store, "A10", Signal::SlaBreach, Some(1.0), 10.0);
    // A16: medium answered in 9 h > 8.
    assert_june(&store, "A16", Signal::SlaBreach, Some(1.0), 10.0);
    // A15: low answered in exactly 24 h: not later than the SLA.
    assert_june(&store, "A15", Signal::SlaBreach, None, 0.0);
    // Critical answered in 3 h (A03's T04, A09's T07, resolved or not).
    assert_june(&store, "A03", Signal::SlaBreach, Some(1.0), 10.0);
    assert_june(&store, "A09", Signal::SlaBreach, Some(1.0), 10.0);
    // A11: T06 high answered in 6 h; T03 is from March, outside the 30 days.
    assert_june(&store, "A11", Signal::SlaBreach, Some(1.0), 10.0);
    // A19: medium in exactly 8 h, high in exactly 4 h, critical in exactly 1 h: all on time.
    assert_june(&store, "A19", Signal::SlaBreach, None, 0.0);
}

#[test]
fn sla_targets_are_read_per_severity_from_the_settings() {
    let mut store = fixture();
    // With a 10 h target for medium tickets, A16's 9 h answer is on time.
    store
        .set_setting("sla_first_response_hours.medium", "10")
        .unwrap();
    store.refresh_signals().unwrap();
    assert_june(&store, "A16", Signal::SlaBreach, None, 0.0);
    // A14 loses T14c (medium 9 h): 3 breaches left, still 30 points.
    assert_june(&store, "A14", Signal::SlaBreach, Some(3.0), 30.0);
}

#[test]
fn long_running_tickets_more_than_seven_days() {
    let store = fixture();
    // A15: open exactly 7 days (2026-06-24T00:00 -> 2026-07-01): not more than 7.
    assert_june(&store, "A15", Signal::LongRunningTicket, None, 0.0);
    // A16: 7 days and 3 hours.
    assert_june(&store, "A16", Signal::LongRunningTicket, Some(1.0), 8.0);
    // A11: T03 (97.6 days) and T06 (10.6 days).
    assert_june(&store, "A11", Signal::LongRunningTicket, Some(2.0), 16.0);
    assert_june(&store, "A10", Signal::LongRunningTicket, Some(1.0), 8.0);
    // A13's tickets are all younger than 7 days.
    assert_june(&store, "A13", Signal::LongRunningTicket, None, 0.0);
    assert_may(&store, "A04", Signal::LongRunningTicket, Some(1.0), 8.0);
    assert_may(&store, "A11", Signal::LongRunningTicket, Some(1.0), 8.0);
    // The age of the oldest open ticket is shown on the row.
    let everything = store.triage_queue(true, true, TODAY).unwrap();
    for (period, account, days) in OLDEST_OPEN.iter().filter(|(p, _, _)| *p == JUNE) {
        assert_eq!(
            row(&everything, account).oldest_open_days,
            Some(*days),
            "{period} {account}"
        );
    }
    assert_eq!(row(&everything, "A09").oldest_open_days, None);
}

#[test]
fn downtime_per_eight_hours_at_most_twice() {
    let store = fixture();
    // 8 h: once the weight; 6 h: 0.75 x 15 = 11.25, shown 11.3; 20 h: 2.5, capped at 2.
    assert_june(&store, "A16", Signal::Downtime, Some(8.0), 15.0);
    assert_june(&store, "A15", Signal::Downtime, Some(6.0), 11.3);
    assert_june(&store, "A17", Signal::Downtime, Some(20.0), 30.0);
    // 12 h: 1.5 x 15.
    assert_may(&store, "A17", Signal::Downtime, Some(12.0), 22.5);
    // A month without downtime has no row.
    assert_may(&store, "A16", Signal::Downtime, None, 0.0);
}

#[test]
fn usage_drop_from_twenty_percent() {
    let store = fixture();
    // 80 against 100, 100, 100: exactly 20%, scores.
    assert_june(&store, "A16", Signal::UsageDrop, Some(20.0), 10.0);
    // 81: 19%, shown but scores nothing.
    assert_june(&store, "A15", Signal::UsageDrop, Some(19.0), 0.0);
    // 45 against (120 + 90 + 90) / 3 = 100.
    assert_june(&store, "A17", Signal::UsageDrop, Some(55.0), 10.0);
    // May: 90 against (120 + 120 + 90) / 3 = 110: 18.2%.
    assert_may(&store, "A17", Signal::UsageDrop, Some(18.2), 0.0);
    // No drop: no row.
    assert_may(&store, "A16", Signal::UsageDrop, None, 0.0);
}

#[test]
fn detractor_is_a_latest_nps_of_six_or_less() {
    let store = fixture();
    assert_june(&store, "A16", Signal::Detractor, Some(6.0), 20.0);
    // A 7 is a passive.
    assert_june(&store, "A15", Signal::Detractor, None, 0.0);
    assert_june(&store, "A05", Signal::Detractor, None, 0.0);
    // A 0 is a detractor too.
    assert_june(&store, "A10", Signal::Detractor, Some(0.0), 20.0);
    // A03: its 4 of May is superseded by a 10 on 2026-06-30.
    assert_may(&store, "A03", Signal::Detractor, Some(4.0), 20.0);
    assert_june(&store, "A03", Signal::Detractor, None, 0.0);
    // A04: the 0 of 2026-07-01T09:00 is after the evaluation day; its latest is the 8 of March.
    assert_june(&store, "A04", Signal::Detractor, None, 0.0);
    // An old answer stays the latest.
    assert_june(&store, "A18", Signal::Detractor, Some(5.0), 20.0);
}

#[test]
fn nps_falling_by_two_or_more() {
    let store = fixture();
    // 8 -> 6: down 2.
    assert_june(&store, "A16", Signal::NpsFalling, Some(-2.0), 8.0);
    // 8 -> 7: down 1.
    assert_june(&store, "A15", Signal::NpsFalling, None, 0.0);
    // 8 -> 0.
    assert_june(&store, "A10", Signal::NpsFalling, Some(-8.0), 8.0);
    // A03: 9 -> 4 in May; 4 -> 10 in June.
    assert_may(&store, "A03", Signal::NpsFalling, Some(-5.0), 8.0);
    assert_june(&store, "A03", Signal::NpsFalling, None, 0.0);
    // A single answer cannot fall.
    assert_june(&store, "A18", Signal::NpsFalling, None, 0.0);
}

#[test]
fn high_effort_ces_of_three_or_less_in_ninety_days() {
    let store = fixture();
    // A16: CES 3 on 2026-04-02T00:00, the first day of the 90 days before 2026-07-01.
    assert_june(&store, "A16", Signal::HighEffort, Some(3.0), 8.0);
    assert_may(&store, "A16", Signal::HighEffort, Some(3.0), 8.0);
    // A15: CES 2 on 2026-04-01T21:00, the day before June's 90 days (in May's: from 2026-03-03);
    // its CES 4 of June is not high effort.
    assert_june(&store, "A15", Signal::HighEffort, None, 0.0);
    assert_may(&store, "A15", Signal::HighEffort, Some(2.0), 8.0);
    // A CSAT of 2 (R12, A05) is not a CES answer.
    assert_may(&store, "A05", Signal::HighEffort, None, 0.0);
}

#[test]
fn overdue_invoices_at_most_two() {
    let store = fixture();
    // A17: I17b, I17c unpaid and I17d paid on the evaluation day: 3, capped at 2 x 12. I17e is
    // due on the evaluation day itself: not overdue yet.
    assert_june(&store, "A17", Signal::OverdueInvoice, Some(3.0), 24.0);
    // May: I17a, due 2026-05-20, paid on 2026-06-01 (the evaluation day).
    assert_may(&store, "A17", Signal::OverdueInvoice, Some(1.0), 12.0);
    // A10: I02 paid on 2026-07-01.
    assert_june(&store, "A10", Signal::OverdueInvoice, Some(1.0), 12.0);
    // A03: I01 paid late but before the evaluation day of June; unpaid at 2026-06-01.
    assert_june(&store, "A03", Signal::OverdueInvoice, None, 0.0);
    assert_may(&store, "A03", Signal::OverdueInvoice, Some(1.0), 12.0);
    // A09: I03 paid on its due date. A04: I04 due on the evaluation day.
    assert_june(&store, "A09", Signal::OverdueInvoice, None, 0.0);
    assert_june(&store, "A04", Signal::OverdueInvoice, None, 0.0);
}

#[test]
fn renewal_due_within_sixty_days() {
    let store = fixture();
    // S16 ends on 2026-08-30: 60 days after 2026-07-01.
    assert_june(&store, "A16", Signal::RenewalDue, Some(60.0), 10.0);
    // S15 ends on 2026-08-31: 61 days.
    assert_june(&store, "A15", Signal::RenewalDue, None, 0.0);
    // S17b ends on 2026-07-01: 30 days after 2026-06-01; no longer active on 2026-07-01.
    assert_may(&store, "A17", Signal::RenewalDue, Some(30.0), 10.0);
    assert_june(&store, "A17", Signal::RenewalDue, None, 0.0);
    // S16 is 90 days away on 2026-06-01.
    assert_may(&store, "A16", Signal::RenewalDue, None, 0.0);
}

#[test]
fn red_indicator_metrics_of_the_account() {
    let store = fixture();
    // A17 in June: downtime 20 h (target 4, tolerance 4) and a first response of 9 h in phase
    // Onboard (target 4, tolerance 2): 2 red indicators, 5 each.
    assert_june(&store, "A17", Signal::RedIndicator, Some(2.0), 10.0);
    // May: downtime 12 h only.
    assert_may(&store, "A17", Signal::RedIndicator, Some(1.0), 5.0);
    // A16: downtime 8 h is exactly target + tolerance: amber, not red.
    assert_june(&store, "A16", Signal::RedIndicator, None, 0.0);
    // Tickets of phase Use have no first response indicator.
    assert_june(&store, "A14", Signal::RedIndicator, None, 0.0);
}

#[test]
fn tier_downgrade_risk_while_in_grace() {
    let store = fixture();
    // A03 holds gold in grace (May and June); A10 holds silver in grace in June; A04 held gold in
    // grace in May and qualifies again in June.
    assert_june(&store, "A03", Signal::TierDowngradeRisk, Some(1.0), 10.0);
    assert_may(&store, "A03", Signal::TierDowngradeRisk, Some(1.0), 10.0);
    assert_june(&store, "A10", Signal::TierDowngradeRisk, Some(1.0), 10.0);
    assert_may(&store, "A10", Signal::TierDowngradeRisk, None, 0.0);
    assert_may(&store, "A04", Signal::TierDowngradeRisk, Some(1.0), 10.0);
    assert_june(&store, "A04", Signal::TierDowngradeRisk, None, 0.0);
    // An upgrade is no risk (A12 reaches bronze in June).
    assert_june(&store, "A12", Signal::TierDowngradeRisk, None, 0.0);
}

#[test]
fn mrr_contraction_against_three_months_before() {
    let store = fixture();
    // A03: 700 on 2026-04-01 (S03b ends 2026-05-01), 600 on 2026-07-01.
    assert_june(&store, "A03", Signal::MrrContraction, Some(100.0), 12.0);
    // May: 700 on 2026-03-01, 600 on 2026-06-01.
    assert_may(&store, "A03", Signal::MrrContraction, Some(100.0), 12.0);
    // A05: 400 on 2026-03-01, 250 on 2026-06-01; 250 on 2026-04-01 and 2026-07-01.
    assert_may(&store, "A05", Signal::MrrContraction, Some(150.0), 12.0);
    assert_june(&store, "A05", Signal::MrrContraction, None, 0.0);
    // A17: 1200 on 2026-04-01, 1000 on 2026-07-01 (S17b ends on 2026-07-01).
    assert_june(&store, "A17", Signal::MrrContraction, Some(200.0), 12.0);
    assert_may(&store, "A17", Signal::MrrContraction, None, 0.0);
    // Expansion is not contraction: A04, 500 on 2026-03-01, 750 on 2026-06-01.
    assert_may(&store, "A04", Signal::MrrContraction, None, 0.0);
}

// ---------------------------------------------------------------------------------------------
// 2. Scores, ordering, what changed since last month

/// The hand-computed June breakdown of an account, in the queue's order: most points first, ties
/// in the order of `Signal::ALL`; signals without points left out.
fn expected_breakdown(table: &[Expected], account: &str) -> Vec<(Signal, f64, f64)> {
    let mut rows: Vec<(Signal, f64, f64)> = table
        .iter()
        .filter(|(a, _, _, points)| *a == account && *points != 0.0)
        .map(|(_, name, raw, points)| (Signal::from_name(name).unwrap(), *raw, *points))
        .collect();
    let position = |s: Signal| Signal::ALL.iter().position(|x| *x == s);
    rows.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| position(a.0).cmp(&position(b.0)))
    });
    rows
}

#[test]
fn every_queue_row_has_the_hand_computed_score_and_breakdown() {
    let store = fixture();
    let everything = queue(&store, true);
    for (account, mrr, hvc, june, may) in ACCOUNTS {
        let q = row(&everything, account);
        assert_eq!(q.mrr, Some(*mrr), "{account} MRR");
        assert_eq!(
            q.segment,
            if *hvc { "hvc" } else { "regular" },
            "{account} segment"
        );
        assert_eq!(q.score.total, *june, "{account} June score");
        assert_eq!(q.score_last_month, *may, "{account} May score");
        let breakdown: Vec<(Signal, f64, f64)> = q
            .score
            .signals
            .iter()
            .map(|s| (s.signal, s.value, s.points))
            .collect();
        assert_eq!(
            breakdown,
            expected_breakdown(JUNE_SIGNALS, account),
            "{account} breakdown"
        );
        assert_eq!(q.status, "open");
    }
    // Churned (A02, A06) and never active (A08) accounts are not in the queue.
    for gone in ["A02", "A06", "A08"] {
        assert!(!ids(&everything).contains(&gone), "{gone} is not active");
    }
}

#[test]
fn hvc_queue_by_default_sorted_by_score_then_mrr_then_id() {
    let store = fixture();
    let hvc = queue(&store, false);
    assert_eq!(ids(&hvc), HVC_ORDER);
    assert!(hvc.iter().all(|q| q.segment == "hvc"));
    // A15 (16.3, MRR 500) before A09 (10, MRR 1700): the score decides before the MRR.
    let totals: Vec<f64> = hvc.iter().map(|q| q.score.total).collect();
    assert_eq!(totals, [125.0, 94.0, 86.0, 57.0, 30.0, 16.3, 10.0, 0.0]);
}

#[test]
fn all_accounts_queue_includes_regular_ones() {
    let store = fixture();
    let everything = queue(&store, true);
    assert_eq!(ids(&everything), ALL_ORDER);
    // Ties: A12 and A18 score 20 with MRR 60: by id. A04 (750), A05 (250), A07 (120), A01
    // (100), A19 (50) score 0: by MRR, whatever their ids.
    let regular: Vec<&str> = everything
        .iter()
        .filter(|q| q.segment == "regular")
        .map(|q| q.account_id.as_str())
        .collect();
    assert_eq!(regular, ["A10", "A11", "A12", "A18", "A05", "A07", "A01", "A19"]);
}

#[test]
fn equal_scores_are_ordered_by_mrr_then_id() {
    let store = fixture();
    // With every weight at 0, every score is 0: the order is the MRR's, then the id's (A15 and
    // A16 both have 500).
    for signal in Signal::ALL {
        store
            .set_setting(&format!("triage_weight.{}", signal.name()), "0")
            .unwrap();
    }
    let hvc = queue(&store, false);
    assert!(
        hvc.iter()
            .all(|q| q.score.total == 0.0 && q.score.signals.is_empty())
    );
    assert_eq!(
        ids(&hvc),
        ["A09", "A17", "A13", "A14", "A04", "A03", "A15", "A16"]
    );
    let everything = queue(&store, true);
    assert_eq!(
        ids(&everything),
        [
            "A09", "A17", "A13", "A14", "A04", "A03", "A15", "A16", "A10", "A05", "A07", "A01", "A11", "A12",
            "A18", "A19"
        ]
    );
}

#[test]
fn changes_since_last_month_name_the_signals_that_moved() {
    let store = fixture();
    let everything = queue(&store, true);
    let changes = |account: &str| -> Vec<(&'static str, f64)> {
        row(&everything, account)
            .changes
            .iter()
            .map(|(s, d)| (s.name(), *d))
            .collect()
    };
    assert_eq!(
        changes("A13"),
        [
            ("open_ticket_critical", 75.0),
            ("open_ticket_high", 30.0),
            ("sla_breach", 20.0)
        ]
    );
    assert_eq!(
        changes("A16"),
        [
            ("detractor", 20.0),
            ("downtime", 15.0),
            ("sla_breach", 10.0),
            ("usage_drop", 10.0),
            ("renewal_due", 10.0),
            ("long_running_ticket", 8.0),
            ("nps_falling", 8.0),
            ("open_ticket_other", 5.0),
        ]
    );
    assert_eq!(
        changes("A17"),
        [
            ("overdue_invoice", 12.0),
            ("mrr_contraction", 12.0),
            ("usage_drop", 10.0),
            ("renewal_due", -10.0),
            ("downtime", 7.5),
            ("red_indicator", 5.0),
        ]
    );
    assert_eq!(
        changes("A03"),
        [
            ("open_ticket_critical", 25.0),
            ("detractor", -20.0),
            ("overdue_invoice", -12.0),
            ("sla_breach", 10.0),
            ("nps_falling", -8.0),
        ]
    );
    assert_eq!(
        changes("A04"),
        [
            ("open_ticket_high", -15.0),
            ("tier_downgrade_risk", -10.0),
            ("long_running_ticket", -8.0)
        ]
    );
    assert_eq!(
        changes("A10"),
        [
            ("overdue_invoice", 12.0),
            ("sla_breach", 10.0),
            ("tier_downgrade_risk", 10.0),
            ("long_running_ticket", 8.0),
            ("open_ticket_other", 5.0),
        ]
    );
    assert_eq!(
        changes("A11"),
        [
            ("open_ticket_high", 15.0),
            ("sla_breach", 10.0),
            ("long_running_ticket", 8.0)
        ]
    );
    assert_eq!(
        changes("A14"),
        [("sla_breach", 30.0), ("open_ticket_other", -5.0)]
    );
    assert_eq!(
        changes("A15"),
        [
            ("downtime", 11.3),
            ("high_effort", -8.0),
            ("open_ticket_other", 5.0)
        ]
    );
    assert_eq!(changes("A05"), [("mrr_contraction", -12.0)]);
    assert_eq!(changes("A09"), [("sla_breach", 10.0)]);
    // Same signals, same points: nothing moved.
    assert!(changes("A12").is_empty());
    assert!(changes("A18").is_empty());
    // The changes add up to the score's move.
    for q in &everything {
        let moved: f64 = q.changes.iter().map(|(_, d)| d).sum();
        assert!(
            (moved - (q.score.total - q.score_last_month)).abs() < 1e-9,
            "{}: changes {moved} against {} - {}",
            q.account_id,
            q.score.total,
            q.score_last_month
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Weights read at query time

#[test]
fn weights_are_read_at_query_time() {
    let store = fixture();
    assert_eq!(row(&queue(&store, false), "A16").score.total, 94.0);
    store.set_setting("triage_weight.detractor", "30").unwrap();
    let hvc = queue(&store, false);
    let a16 = row(&hvc, "A16");
    assert_eq!(a16.score.total, 104.0);
    assert_eq!(a16.score.signals[0].signal, Signal::Detractor);
    assert_eq!(a16.score.signals[0].points, 30.0);
    // Last month is scored with the same weights: A03's May detractor (4) now weighs 30 too.
    assert_eq!(row(&hvc, "A03").score_last_month, 72.0);
    // A weight of 0 takes the signal out of the breakdown.
    store
        .set_setting("triage_weight.open_ticket_critical", "0")
        .unwrap();
    let hvc = queue(&store, false);
    assert_eq!(row(&hvc, "A13").score.total, 50.0);
    assert!(
        row(&hvc, "A13")
            .score
            .signals
            .iter()
            .all(|s| s.signal != Signal::OpenTicketCritical)
    );
    // A16 (104) now comes before A13 (50): the order follows the weights without a refresh.
    assert_eq!(ids(&hvc)[0], "A16");
    // The signals themselves did not move.
    assert_eq!(value(&store, JUNE, "A13", "open_ticket_critical"), Some(4.0));
}

#[test]
fn a_malformed_weight_is_a_clear_error() {
    let store = fixture();
    store.set_setting("triage_weight.detractor", "twenty").unwrap();
    let error = store.triage_queue(false, false, TODAY).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("triage_weight.detractor") && message.contains("twenty"),
        "the error names the setting and its value: {message}"
    );
    assert_eq!(error.exit_code(), 2);
    store.set_setting("triage_weight.detractor", "20").unwrap();
    assert_eq!(queue(&store, false).len(), HVC_ORDER.len());
    // A weight for a signal that does not exist is refused too.
    store.set_setting("triage_weight.bogus", "5").unwrap();
    let message = store.triage_queue(false, false, TODAY).unwrap_err().to_string();
    assert!(message.contains("triage_weight.bogus"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// 4. Snooze, wake-up, resolve, reopen

#[test]
fn a_snoozed_account_leaves_the_queue_until_its_date() {
    let mut store = fixture();
    store
        .triage_act(
            "A16",
            Action::Snooze {
                until: "2026-07-15",
                reason: "router swap booked",
            },
            "kim",
            "2026-07-01T09:00:00",
        )
        .unwrap();
    for today in ["2026-07-01", "2026-07-10", "2026-07-14"] {
        let hvc = store.triage_queue(false, false, today).unwrap();
        assert!(!ids(&hvc).contains(&"A16"), "A16 is snoozed on {today}");
        assert_eq!(hvc.len(), HVC_ORDER.len() - 1);
        // include_closed shows it, snoozed.
        let closed = store.triage_queue(false, true, today).unwrap();
        let a16 = row(&closed, "A16");
        assert_eq!(a16.status, "snoozed");
        assert_eq!(a16.snooze_until.as_deref(), Some("2026-07-15"));
    }
    for today in ["2026-07-15", "2026-07-16"] {
        let hvc = store.triage_queue(false, false, today).unwrap();
        assert_eq!(ids(&hvc), HVC_ORDER, "A16 is back on {today}");
    }
    let history = store.triage_history("A16").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "snooze");
    assert_eq!(history[0].author, "kim");
    assert_eq!(history[0].created_at, "2026-07-01T09:00:00");
    assert!(history[0].body.contains("2026-07-15") && history[0].body.contains("router swap booked"));
}

#[test]
fn a_snoozed_account_wakes_when_its_score_rises_by_the_margin() {
    let mut store = fixture();
    // Snoozed at 94 points; the margin is 15: it wakes at 109.
    store
        .triage_act(
            "A16",
            Action::Snooze {
                until: "2026-08-01",
                reason: "waiting for the customer",
            },
            "kim",
            "2026-07-01T09:00:00",
        )
        .unwrap();
    let today = "2026-07-10";
    assert!(!ids(&store.triage_queue(false, false, today).unwrap()).contains(&"A16"));
    // Detractor 20 -> 34: 108, one short.
    store.set_setting("triage_weight.detractor", "34").unwrap();
    let hvc = store.triage_queue(false, false, today).unwrap();
    assert!(!ids(&hvc).contains(&"A16"), "108 < 94 + 15");
    // 35: 109 = 94 + 15, awake, still marked snoozed.
    store.set_setting("triage_weight.detractor", "35").unwrap();
    let hvc = store.triage_queue(false, false, today).unwrap();
    let a16 = row(&hvc, "A16");
    assert_eq!(a16.score.total, 109.0);
    assert_eq!(a16.status, "snoozed");
    // A wider margin puts it back to sleep.
    store.set_setting("triage_snooze_wake_points", "20").unwrap();
    assert!(!ids(&store.triage_queue(false, false, today).unwrap()).contains(&"A16"));
}

#[test]
fn resolve_removes_reopen_brings_back_include_closed_shows_all() {
    let mut store = fixture();
    store
        .triage_act("A13", Action::Assign { to: "ana" }, "lee", "2026-07-01T08:00:00")
        .unwrap();
    let hvc = queue(&store, false);
    assert_eq!(ids(&hvc), HVC_ORDER, "an assigned account stays in the queue");
    assert_eq!(row(&hvc, "A13").status, "assigned");
    assert_eq!(row(&hvc, "A13").assignee.as_deref(), Some("ana"));

    store
        .triage_act(
            "A13",
            Action::Resolve {
                note: "critical tickets closed",
            },
            "ana",
            "2026-07-01T10:00:00",
        )
        .unwrap();
    store
        .triage_act(
            "A17",
            Action::Snooze {
                until: "2026-09-01",
                reason: "billing dispute",
            },
            "kim",
            "2026-07-01T10:30:00",
        )
        .unwrap();
    let hvc = queue(&store, false);
    assert_eq!(ids(&hvc), ["A16", "A03", "A14", "A15", "A09", "A04"]);
    let closed = store.triage_queue(false, true, TODAY).unwrap();
    assert_eq!(
        ids(&closed),
        HVC_ORDER,
        "include_closed shows them all, in score order"
    );
    assert_eq!(row(&closed, "A13").status, "resolved");
    assert_eq!(
        row(&closed, "A13").assignee.as_deref(),
        Some("ana"),
        "resolving keeps who had it"
    );
    assert_eq!(row(&closed, "A17").status, "snoozed");

    store
        .triage_act(
            "A13",
            Action::Reopen {
                note: "customer called again",
            },
            "lee",
            "2026-07-01T12:00:00",
        )
        .unwrap();
    let hvc = queue(&store, false);
    assert_eq!(ids(&hvc), ["A13", "A16", "A03", "A14", "A15", "A09", "A04"]);
    assert_eq!(row(&hvc, "A13").status, "open");
    assert_eq!(row(&hvc, "A13").assignee.as_deref(), Some("ana"));
    let actions: Vec<(String, String)> = store
        .triage_history("A13")
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.author))
        .collect();
    assert_eq!(
        actions,
        [
            ("assign".to_string(), "lee".to_string()),
            ("resolve".to_string(), "ana".to_string()),
            ("reopen".to_string(), "lee".to_string())
        ]
    );
}

#[test]
fn an_unknown_account_is_refused_and_nothing_is_written() {
    let mut store = fixture();
    let error = store
        .triage_act(
            "A99",
            Action::Note { body: "hello" },
            "kim",
            "2026-07-01T09:00:00",
        )
        .unwrap_err();
    assert!(error.to_string().contains("A99"), "{error}");
    assert_eq!(error.exit_code(), 2);
    let notes: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM triage_note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, 0);
}

// ---------------------------------------------------------------------------------------------
// 5. Two writers at once

fn note_count(store: &Store, account: &str, action: &str) -> usize {
    store
        .triage_history(account)
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

/// The state-changing events (assign, snooze, resolve, reopen) in commit order, and the state.
fn last_state_event(store: &Store, account: &str) -> (String, String, String) {
    store
        .conn()
        .query_row(
            "SELECT action, author, created_at FROM triage_note
             WHERE account_id = ?1 AND action <> 'note' ORDER BY id DESC LIMIT 1",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn state(store: &Store, account: &str) -> (String, Option<String>, String, String) {
    store
        .conn()
        .query_row(
            "SELECT status, assignee, updated_by, updated_at FROM triage_state WHERE account_id = ?1",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

#[test]
fn two_connections_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    const WRITERS: usize = 4;
    const ROUNDS: usize = 40;
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = Store::open(&path, OpenMode::Existing).unwrap();
                let me = format!("lead{w}");
                barrier.wait();
                let mut errors = Vec::new();
                for i in 0..ROUNDS {
                    let now = format!("2026-07-02T10:{i:02}:{w:02}");
                    let body = format!("note {i} from {me}");
                    if let Err(e) = store.triage_act("A16", Action::Note { body: &body }, &me, &now) {
                        errors.push(format!("{me} note {i}: {e}"));
                    }
                    let action = if i % 2 == 0 {
                        Action::Assign { to: &me }
                    } else {
                        Action::Resolve { note: "done" }
                    };
                    if let Err(e) = store.triage_act("A16", action, &me, &now) {
                        errors.push(format!("{me} action {i}: {e}"));
                    }
                }
                errors
            })
        })
        .collect();
    let errors: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(
        errors.is_empty(),
        "{} of {} actions failed, the first ones: {:#?}",
        errors.len(),
        2 * WRITERS * ROUNDS,
        &errors[..errors.len().min(8)]
    );

    let store = Store::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(
        note_count(&store, "A16", "note"),
        WRITERS * ROUNDS,
        "every note is kept"
    );
    assert_eq!(
        note_count(&store, "A16", "assign") + note_count(&store, "A16", "resolve"),
        WRITERS * ROUNDS,
        "every action is in the history"
    );
    for w in 0..WRITERS {
        let mine = store
            .triage_history("A16")
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "note" && e.author == format!("lead{w}"))
            .count();
        assert_eq!(mine, ROUNDS, "lead{w}'s notes");
    }
    // The state is the last committed action's.
    let (action, author, created_at) = last_state_event(&store, "A16");
    let (status, assignee, updated_by, updated_at) = state(&store, "A16");
    assert_eq!(
        status,
        if action == "assign" {
            "assigned"
        } else {
            "resolved"
        }
    );
    assert_eq!((updated_by, updated_at), (author.clone(), created_at));
    assert!(assignee.is_some_and(|a| a.starts_with("lead")));
}

#[test]
fn the_later_status_wins_and_the_earlier_one_stays_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let mut first = Store::open(&path, OpenMode::Existing).unwrap();
    let mut second = Store::open(&path, OpenMode::Existing).unwrap();
    first
        .triage_act(
            "A03",
            Action::Snooze {
                until: "2026-07-20",
                reason: "renewal call booked",
            },
            "kim",
            "2026-07-02T09:00:00",
        )
        .unwrap();
    second
        .triage_act(
            "A03",
            Action::Resolve {
                note: "fixed on site",
            },
            "lee",
            "2026-07-02T09:00:30",
        )
        .unwrap();
    for store in [&first, &second] {
        let (status, _, updated_by, _) = state(store, "A03");
        assert_eq!((status.as_str(), updated_by.as_str()), ("resolved", "lee"));
        let history: Vec<(String, String)> = store
            .triage_history("A03")
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.author))
            .collect();
        assert_eq!(
            history,
            [
                ("snooze".to_string(), "kim".to_string()),
                ("resolve".to_string(), "lee".to_string())
            ]
        );
        let closed = store.triage_queue(false, true, TODAY).unwrap();
        assert_eq!(row(&closed, "A03").status, "resolved");
        assert!(!ids(&store.triage_queue(false, false, TODAY).unwrap()).contains(&"A03"));
    }
}

#[test]
fn data_version_changes_when_the_other_connection_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let watcher = Store::open(&path, OpenMode::Existing).unwrap();
    let mut writer = Store::open(&path, OpenMode::Existing).unwrap();
    let before = watcher.data_version().unwrap();
    assert_eq!(watcher.data_version().unwrap(), before, "nothing committed yet");
    writer
        .triage_act(
            "A09",
            Action::Note {
                body: "QBR on Friday",
            },
            "lee",
            "2026-07-02T09:00:00",
        )
        .unwrap();
    let after = watcher.data_version().unwrap();
    assert_ne!(after, before, "the other connection committed");
    // The watcher sees the note without reopening.
    let history = watcher.triage_history("A09").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].body, "QBR on Friday");
    // And a second commit moves it again.
    writer
        .triage_act("A09", Action::Assign { to: "lee" }, "lee", "2026-07-02T09:01:00")
        .unwrap();
    assert_ne!(watcher.data_version().unwrap(), after);
}

fn cxcockpit(db: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("USER", user)
        .env("NO_COLOR", "1")
        .env_remove("CXCOCKPIT_DB")
        .output()
        .unwrap()
}

#[test]
fn two_processes_acting_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    const PROCESSES: usize = 4;
    const ROUNDS: usize = 8;
    let barrier = Arc::new(Barrier::new(PROCESSES));
    let handles: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let user = format!("lead{p}");
                barrier.wait();
                let mut failures = Vec::new();
                for i in 0..ROUNDS {
                    let text = format!("note {i} from {user}");
                    let runs = [
                        cxcockpit(&path, &user, &["triage", "note", "A16", &text]),
                        if i % 2 == 0 {
                            cxcockpit(&path, &user, &["triage", "assign", "A16"])
                        } else {
                            cxcockpit(&path, &user, &["triage", "resolve", "A16", "--note", "done"])
                        },
                    ];
                    for out in runs {
                        if !out.status.success() {
                            failures.push(format!(
                                "{user} round {i}: {:?}: {}",
                                out.status.code(),
                                String::from_utf8_lossy(&out.stderr)
                            ));
                        }
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} commands failed, the first ones: {:#?}",
        failures.len(),
        2 * PROCESSES * ROUNDS,
        &failures[..failures.len().min(8)]
    );

    let store = Store::open(&path, OpenMode::Existing).unwrap();
    let history = store.triage_history("A16").unwrap();
    assert_eq!(
        note_count(&store, "A16", "note"),
        PROCESSES * ROUNDS,
        "every note is kept"
    );
    for p in 0..PROCESSES {
        let user = format!("lead{p}");
        let bodies: BTreeSet<&str> = history
            .iter()
            .filter(|e| e.action == "note" && e.author == user)
            .map(|e| e.body.as_str())
            .collect();
        assert_eq!(bodies.len(), ROUNDS, "{user}'s notes: {bodies:?}");
        // `assign` without --to assigns to the login name.
        assert!(
            history
                .iter()
                .any(|e| e.action == "assign" && e.author == user && e.body == format!("assigned to {user}"))
        );
    }
    assert_eq!(
        history.iter().filter(|e| e.action != "note").count(),
        PROCESSES * ROUNDS
    );
    let (action, author, created_at) = last_state_event(&store, "A16");
    let (status, _, updated_by, updated_at) = state(&store, "A16");
    assert_eq!(
        status,
        if action == "assign" {
            "assigned"
        } else {
            "resolved"
        }
    );
    assert_eq!((updated_by, updated_at), (author, created_at));
}

// ---------------------------------------------------------------------------------------------
// 6. The command line

fn json_queue(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["queue"].as_array().expect("a queue array").clone()
}

fn json_ids(rows: &[serde_json::Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["account_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cli_triage_json_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let rows = json_queue(&cxcockpit(&path, "kim", &["triage", "--format", "json"]));
    assert_eq!(json_ids(&rows), HVC_ORDER);
    for r in &rows {
        let account = r["account_id"].as_str().unwrap();
        let (_, _, _, june, may) = ACCOUNTS.iter().find(|a| a.0 == account).unwrap();
        assert_eq!(r["score"].as_f64(), Some(*june), "{account} score");
        assert_eq!(r["score_last_month"].as_f64(), Some(*may), "{account} last month");
        let signals = r["signals"].as_array().expect("signals");
        let expected = expected_breakdown(JUNE_SIGNALS, account);
        assert_eq!(signals.len(), expected.len(), "{account} signals");
        for (s, (signal, raw, points)) in signals.iter().zip(&expected) {
            assert_eq!(s["signal"].as_str(), Some(signal.name()));
            assert_eq!(s["value"].as_f64(), Some(*raw));
            assert_eq!(s["points"].as_f64(), Some(*points));
            // The rule names the default window the value was computed over.
            assert_eq!(s["rule"].as_str(), Some(signal.rule(None).as_str()));
        }
        let changes = r["changes"].as_array().expect("changes");
        for c in changes {
            assert!(c["signal"].as_str().and_then(Signal::from_name).is_some(), "{c}");
            assert!(c["points"].as_f64().is_some_and(|p| p != 0.0), "{c}");
        }
    }
    let a16 = rows.iter().find(|r| r["account_id"] == "A16").unwrap();
    assert_eq!(a16["changes"][0]["signal"], "detractor");
    assert_eq!(a16["changes"][0]["points"].as_f64(), Some(20.0));
    assert_eq!(a16["changes"].as_array().unwrap().len(), 8);
    assert_eq!(a16["segment"], "hvc");
    assert_eq!(a16["status"], "open");
    assert_eq!(a16["mrr"].as_f64(), Some(500.0));

    let everything = json_queue(&cxcockpit(&path, "kim", &["triage", "--all", "--format", "json"]));
    assert_eq!(json_ids(&everything), ALL_ORDER);
}

#[test]
fn cli_triage_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &["triage", "--limit", "3", "--format", "json"],
    ));
    assert_eq!(json_ids(&rows), HVC_ORDER[..3]);
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &["triage", "--all", "--limit", "5", "--format", "json"],
    ));
    assert_eq!(json_ids(&rows), ALL_ORDER[..5]);
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &["triage", "--limit", "0", "--format", "json"],
    ));
    assert!(rows.is_empty());
}

#[test]
fn cli_readonly_refuses_actions_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    for args in [
        &["--readonly", "triage", "note", "A16", "from a read-only cockpit"][..],
        &["--readonly", "triage", "assign", "A16"][..],
        &["--readonly", "triage", "resolve", "A16"][..],
        &["--readonly", "triage", "reopen", "A16"][..],
        &[
            "--readonly",
            "triage",
            "snooze",
            "A16",
            "--until",
            "2026-08-01",
            "--reason",
            "x",
        ][..],
    ] {
        let out = cxcockpit(&path, "kim", args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("readonly"),
            "{args:?} says why: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    assert!(
        store.triage_history("A16").unwrap().is_empty(),
        "nothing was written"
    );
    // Reading still works read-only.
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &["--readonly", "triage", "--format", "json"],
    ));
    assert_eq!(json_ids(&rows), HVC_ORDER);
    let out = cxcockpit(&path, "kim", &["--readonly", "triage", "history", "A16"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn cli_unknown_account_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    for args in [
        &["triage", "note", "A99", "who is this"][..],
        &["triage", "assign", "A99"][..],
        &["triage", "resolve", "A99"][..],
        &[
            "triage",
            "snooze",
            "A99",
            "--until",
            "2199-08-01",
            "--reason",
            "x",
        ][..],
    ] {
        let out = cxcockpit(&path, "kim", args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("A99"),
            "{args:?} names the account: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    let notes: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM triage_note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, 0);
}

/// A snooze until a past day would snooze nothing: refused (exit 2), nothing recorded; today
/// and later are taken.
#[test]
fn cli_snooze_until_a_past_day_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let today = chrono::Local::now().date_naive();
    let yesterday = (today - chrono::Days::new(1)).to_string();
    let out = cxcockpit(
        &path,
        "kim",
        &["triage", "snooze", "A16", "--until", &yesterday, "--reason", "x"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("--until {yesterday} is in the past")) && stderr.contains("A16"),
        "{stderr}"
    );
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    assert!(
        store.triage_history("A16").unwrap().is_empty(),
        "nothing was written"
    );
    drop(store);
    let out = cxcockpit(
        &path,
        "kim",
        &[
            "triage",
            "snooze",
            "A16",
            "--until",
            &today.to_string(),
            "--reason",
            "x",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cli_actions_are_recorded_with_the_login_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let out = cxcockpit(&path, "ana", &["triage", "note", "A13", "called the COO"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cxcockpit(&path, "ana", &["triage", "assign", "A13", "--to", "lee"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    let history = store.triage_history("A13").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0].action.as_str(), history[0].author.as_str()),
        ("note", "ana")
    );
    assert_eq!(history[0].body, "called the COO");
    assert_eq!(history[1].body, "assigned to lee");
    let (status, assignee, updated_by, _) = state(&store, "A13");
    assert_eq!(
        (status.as_str(), assignee.as_deref(), updated_by.as_str()),
        ("assigned", Some("lee"), "ana")
    );
}

#[test]
fn cli_malformed_weight_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    Store::open(&path, OpenMode::Existing)
        .unwrap()
        .set_setting("triage_weight.downtime", "15 points")
        .unwrap();
    let out = cxcockpit(&path, "kim", &["triage", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("triage_weight.downtime") && stderr.contains("15 points"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Windows: each signal that counts events looks back over a window, a setting

/// Adds an NPS answer of an account.
fn answer(store: &Store, id: &str, account: &str, at: &str, score: i64) {
    store
        .conn()
        .execute(
            "INSERT INTO survey_response (response_id, account_id, phase_id, answered_at, survey, score)
             VALUES (?1, ?2, 2, ?3, 'nps', ?4)",
            rusqlite::params![id, account, at, score],
        )
        .unwrap();
}

#[test]
fn a_detractor_answer_counts_within_180_days_of_the_evaluation_day() {
    let mut store = fixture();
    // June's evaluation day is 2026-07-01: 181 days before it is 2026-01-01, 180 days
    // 2026-01-02, 179 days 2026-01-03. A07, A14 and A19 had no NPS answer.
    answer(&store, "W07", "A07", "2026-01-01T09:00:00", 3);
    answer(&store, "W14", "A14", "2026-01-02T00:00:00", 4);
    answer(&store, "W19", "A19", "2026-01-03T09:00:00", 5);
    store.refresh().unwrap();
    assert_june(&store, "A07", Signal::Detractor, None, 0.0);
    assert_june(&store, "A14", Signal::Detractor, Some(4.0), 20.0);
    assert_june(&store, "A19", Signal::Detractor, Some(5.0), 20.0);
    // May's evaluation day is 2026-06-01: all three are within its 180 days (from 2025-12-03).
    assert_may(&store, "A07", Signal::Detractor, Some(3.0), 20.0);
    assert_may(&store, "A19", Signal::Detractor, Some(5.0), 20.0);
    // The rule names the window.
    let everything = store.triage_queue(true, true, TODAY).unwrap();
    let a19 = row(&everything, "A19");
    assert_eq!(a19.score.signals[0].signal, Signal::Detractor);
    assert_eq!(
        a19.score.signals[0].rule(),
        "latest NPS answer in the last 180 days; weight when a detractor on the journey's scale (0-6 of 0-10)"
    );
    // A later answer that is no detractor one supersedes it: A07 answers 9 in February.
    answer(&store, "W07b", "A07", "2026-02-01T09:00:00", 9);
    store.refresh().unwrap();
    assert_may(&store, "A07", Signal::Detractor, None, 0.0);
}

#[test]
fn the_detractor_window_is_a_setting_that_moves_the_boundary() {
    let mut store = fixture();
    answer(&store, "W19", "A19", "2026-01-03T09:00:00", 5);
    store.refresh().unwrap();
    assert_june(&store, "A19", Signal::Detractor, Some(5.0), 20.0);
    // 178 days: from 2026-01-04, A19's answer of 2026-01-03 is out; A18's 5 of 2026-02-10
    // (141 days before) is in.
    store.set_setting("triage_window_days.detractor", "178").unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A19", Signal::Detractor, None, 0.0);
    assert_june(&store, "A18", Signal::Detractor, Some(5.0), 20.0);
    // 141 days: from 2026-02-10, A18's answer at 09:00 that day is in; 140 days: out.
    store.set_setting("triage_window_days.detractor", "141").unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A18", Signal::Detractor, Some(5.0), 20.0);
    store.set_setting("triage_window_days.detractor", "140").unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A18", Signal::Detractor, None, 0.0);
    // The rules say so, in the queue's breakdown and in the JSON of the command line.
    let everything = store.triage_queue(true, true, TODAY).unwrap();
    let a16 = row(&everything, "A16");
    let detractor = a16
        .score
        .signals
        .iter()
        .find(|s| s.signal == Signal::Detractor)
        .unwrap();
    assert_eq!(detractor.window, Some(Window::days(140)));
    assert_eq!(
        detractor.rule(),
        "latest NPS answer in the last 140 days; weight when a detractor on the journey's scale (0-6 of 0-10)"
    );
    assert_eq!(
        store.triage_windows().unwrap().of(Signal::Detractor),
        Some(Window::days(140))
    );
}

#[test]
fn the_overdue_invoice_window_counts_invoices_due_in_its_days() {
    let mut store = fixture();
    // A17 at 2026-07-01: I17b due 06-05 (26 days before), I17c due 06-10 (21 days), I17d due
    // 06-20 (11 days), all unpaid then.
    assert_june(&store, "A17", Signal::OverdueInvoice, Some(3.0), 24.0);
    store
        .set_setting("triage_window_days.overdue_invoice", "21")
        .unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A17", Signal::OverdueInvoice, Some(2.0), 24.0);
    store
        .set_setting("triage_window_days.overdue_invoice", "20")
        .unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A17", Signal::OverdueInvoice, Some(1.0), 12.0);
    let everything = store.triage_queue(true, true, TODAY).unwrap();
    let overdue = row(&everything, "A17")
        .score
        .signals
        .iter()
        .find(|s| s.signal == Signal::OverdueInvoice)
        .unwrap()
        .rule();
    assert!(overdue.contains("due in the last 20 days"), "{overdue}");
}

#[test]
fn month_windows_move_usage_downtime_and_contraction() {
    let mut store = fixture();
    // A17's usage: 120 (Feb), 120 (Mar), 90 (Apr), 90 (May), 45 (Jun). Against the one month
    // before: 45 against 90, a 50% drop; May against April: no drop.
    store.set_setting("triage_window_months.usage_drop", "1").unwrap();
    // Downtime over two months: A17 12 + 20 = 32 h in June (capped at 2 x 15); A15 0 + 6.
    store.set_setting("triage_window_months.downtime", "2").unwrap();
    // Contraction over 2 months: A03 from 2026-05-01 (600, S03b ended then) to 600: none.
    store
        .set_setting("triage_window_months.mrr_contraction", "2")
        .unwrap();
    store.refresh().unwrap();
    assert_june(&store, "A17", Signal::UsageDrop, Some(50.0), 10.0);
    assert_may(&store, "A17", Signal::UsageDrop, None, 0.0);
    assert_june(&store, "A17", Signal::Downtime, Some(32.0), 30.0);
    assert_june(&store, "A15", Signal::Downtime, Some(6.0), 11.3);
    assert_june(&store, "A03", Signal::MrrContraction, None, 0.0);
    let rules: Vec<String> = row(&store.triage_queue(true, true, TODAY).unwrap(), "A17")
        .score
        .signals
        .iter()
        .map(|s| s.rule())
        .collect();
    assert!(
        rules.iter().any(|r| r.contains("against the month before")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r.contains("downtime hours in the last 2 months")),
        "{rules:?}"
    );
}

#[test]
fn a_malformed_window_is_a_clear_error() {
    let mut store = fixture();
    for (key, value) in [
        ("triage_window_days.detractor", "half a year"),
        ("triage_window_days.detractor", "0"),
        ("triage_window_months.detractor", "6"),
        ("triage_window_days.open_ticket_high", "7"),
    ] {
        store.set_setting(key, value).unwrap();
        let message = store.refresh().unwrap_err().to_string();
        assert!(message.contains(key) && message.contains(value), "{message}");
        let message = store.triage_queue(false, false, TODAY).unwrap_err().to_string();
        assert!(message.contains(key), "{message}");
        store
            .conn()
            .execute("DELETE FROM setting WHERE key = ?1", [key])
            .unwrap();
    }
    store.refresh().unwrap();
    assert_eq!(queue(&store, false).len(), HVC_ORDER.len());
}

// ---------------------------------------------------------------------------------------------
// 8. The backtest: is the queue right?

/// A store of ten accounts over 2026-01..2026-05, for the backtest by hand. Every account holds
/// one subscription from 2025-12-01; the only signals are NPS detractor answers.
///
/// | account | MRR | ends | detractor answers | churned within 3 months of Jan / Feb |
/// |---|---|---|---|---|
/// | C01 | 1000 | 2026-03-15 | 2 on 2026-01-10 | yes / yes |
/// | C02 | 500 | 2026-04-10 | 4 on 2026-02-05 | yes / yes |
/// | C03 | 200 | - | 5 on 2026-01-20 | no / no |
/// | C04-C10 | 100 | - | - | no / no |
///
/// The months with 3 months after them are January (outcome at the end of April) and February
/// (end of May). January (d = 2026-02-01): C01 and C03 score 20, the rest 0 (C02's answer is
/// later; C01's renewal, 42 days ahead, is hindsight and left out). Churners C01 (20), C02 (0);
/// non-churners C03 (20) and seven at 0. Pairs: C01 ties C03 (0.5) and beats seven (7); C02
/// loses to C03 and ties seven (3.5): 11 of 16. The top tenth is one place, shared by C01 and
/// C03: half of C01's 1000 of the 1500 churned. February (d = 2026-03-01): C01, C02, C03 score
/// 20. C01 and C02 each tie C03 (0.5) and beat seven (7): 15 of 16; the top place is shared by
/// three: a third of 1500 = 500 of 1500. Together: AUC (11 + 15) / 32 = 0.8125; the top tenth
/// held (500 + 500) / 3000 = 1/3 of the churned MRR; 2 months, 20 account-months, 4 churned.
fn backtest_store(path: Option<&Path>) -> Store {
    let mut store = match path {
        Some(path) => Store::open(path, OpenMode::Create).unwrap(),
        None => Store::open_in_memory().unwrap(),
    };
    let mut sql = String::from(
        "INSERT OR REPLACE INTO setting (key, value) VALUES ('first_period', '2026-01'), ('as_of', '2026-05');",
    );
    for i in 1..=10 {
        let (mrr, end) = match i {
            1 => (1000, "'2026-03-15'"),
            2 => (500, "'2026-04-10'"),
            3 => (200, "NULL"),
            _ => (100, "NULL"),
        };
        sql += &format!(
            "INSERT INTO account (account_id, name, created_on) VALUES ('C{i:02}', 'Account {i}', '2025-11-01');
             INSERT INTO subscription (subscription_id, account_id, mrr, start_date, end_date)
             VALUES ('S{i:02}', 'C{i:02}', {mrr}, '2025-12-01', {end});"
        );
    }
    sql += "INSERT INTO survey_response (response_id, account_id, answered_at, survey, score) VALUES
            ('N1', 'C01', '2026-01-10T09:00:00', 'nps', 2),
            ('N2', 'C02', '2026-02-05T09:00:00', 'nps', 4),
            ('N3', 'C03', '2026-01-20T09:00:00', 'nps', 5);";
    store.conn().execute_batch(&sql).unwrap();
    store.refresh().unwrap();
    store
}

#[test]
fn the_backtest_is_the_hand_computed_one() {
    let store = backtest_store(None);
    let b = store.triage_backtest().unwrap().expect("a backtest");
    assert_eq!(b.from.as_deref(), Some("2026-01"));
    assert_eq!(b.to.as_deref(), Some("2026-02"));
    assert_eq!(
        (b.figures.months, b.figures.accounts, b.figures.churned),
        (2, 20, 4)
    );
    assert_eq!(b.figures.auc, Some(0.8125));
    let share = b.figures.top_decile_churned_mrr_share.unwrap();
    assert!((share - 1.0 / 3.0).abs() < 1e-12, "{share}");
    assert!(!b.weights_changed);
}

#[test]
fn the_backtest_follows_the_weights_at_the_next_refresh() {
    let mut store = backtest_store(None);
    // Without the detractor weight every score is 0: the figures stay the refresh's until the
    // next one, which says so.
    store.set_setting("triage_weight.detractor", "0").unwrap();
    let b = store.triage_backtest().unwrap().unwrap();
    assert_eq!(b.figures.auc, Some(0.8125));
    assert!(b.weights_changed);
    store.refresh().unwrap();
    let b = store.triage_backtest().unwrap().unwrap();
    assert!(!b.weights_changed);
    // All tied: every pair a coin toss; the top place is a tenth of each month's 1500.
    assert_eq!(b.figures.auc, Some(0.5));
    let share = b.figures.top_decile_churned_mrr_share.unwrap();
    assert!((share - 0.1).abs() < 1e-12, "{share}");
    // A malformed weight: no backtest, the queue says why.
    store.set_setting("triage_weight.detractor", "x").unwrap();
    store.refresh().unwrap();
    assert_eq!(store.triage_backtest().unwrap(), None);
}

#[test]
fn the_backtest_needs_a_month_with_three_after_it() {
    let mut store = backtest_store(None);
    store.set_setting("as_of", "2026-04").unwrap();
    store.refresh().unwrap();
    // January is the only month with three after it.
    let b = store.triage_backtest().unwrap().unwrap();
    assert_eq!(
        (b.figures.months, b.figures.accounts, b.figures.churned),
        (1, 10, 2)
    );
    assert_eq!(b.figures.auc, Some(11.0 / 16.0));
    // Without such a month there is nothing to rank.
    store.set_setting("as_of", "2026-03").unwrap();
    store.refresh().unwrap();
    let b = store.triage_backtest().unwrap().unwrap();
    assert_eq!((b.from, b.to), (None, None));
    assert_eq!(
        (b.figures.months, b.figures.accounts, b.figures.auc),
        (0, 0, None)
    );
}

#[test]
fn the_fixture_backtest_covers_january_to_march() {
    let store = fixture();
    let b = store.triage_backtest().unwrap().unwrap();
    assert_eq!(
        (b.from.as_deref(), b.to.as_deref()),
        (Some("2026-01"), Some("2026-03"))
    );
    assert_eq!(b.figures.months, 3);
}

#[test]
fn cli_triage_shows_the_backtest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backtest.db");
    drop(backtest_store(Some(&path)));
    let out = cxcockpit(&path, "kim", &["triage", "--all", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &doc["backtest"];
    assert_eq!(b["months"], 2);
    assert_eq!(b["accounts"], 20);
    assert_eq!(b["churned"], 4);
    assert_eq!(b["auc"].as_f64(), Some(0.8125));
    let share = b["top_decile_churned_mrr_share"].as_f64().unwrap();
    assert!((share - 1.0 / 3.0).abs() < 1e-12, "{share}");
    assert_eq!(
        doc["queue"].as_array().unwrap().len(),
        8,
        "C03-C10 are active in May"
    );
    let out = cxcockpit(&path, "kim", &["triage", "--all"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().next(),
        Some(
            "backtest over 2 months, 20 account-months (4 churned): AUC 0.81; the top 10% held 33% of the churned MRR"
        ),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. The MRR-at-risk order

#[test]
fn cli_triage_order_mrr_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    // Score x MRR in June: A13 125 x 900 = 112,500; A17 86 x 1000 = 86,000; A16 94 x 500 =
    // 47,000; A03 57 x 600 = 34,200; A14 30 x 800 = 24,000; A10 73 x 300 = 21,900; A09 10 x
    // 1700 = 17,000; A15 16.3 x 500 = 8,150; A11 66 x 100 = 6,600; A12 and A18 20 x 60 = 1,200
    // (the score order between them: by id); then the zeros in the score order.
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &["triage", "--all", "--order", "mrr-at-risk", "--format", "json"],
    ));
    assert_eq!(
        json_ids(&rows),
        [
            "A13", "A17", "A16", "A03", "A14", "A10", "A09", "A15", "A11", "A12", "A18", "A04", "A05", "A07",
            "A01", "A19"
        ]
    );
    assert_eq!(rows[0]["mrr_at_risk"].as_f64(), Some(112_500.0));
    let rows = json_queue(&cxcockpit(
        &path,
        "kim",
        &[
            "triage",
            "--order",
            "mrr-at-risk",
            "--limit",
            "3",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json_ids(&rows), ["A13", "A17", "A16"]);
    let out = cxcockpit(&path, "kim", &["triage", "--order", "mrr-at-risk"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("by MRR at risk: score x MRR"), "{text}");
    let out = cxcockpit(&path, "kim", &["triage", "--order", "value"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---- hostile text, long cells, a full stdout (issue #16) ----

/// A name or note as an attacker would write it: a clipboard write (OSC 52), a screen clear, a
/// C1 CSI, a right-to-left override, a line break and a spreadsheet formula.
const HOSTILE: &str =
    "=HYPERLINK(\"http://x\") \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m\u{202E}gnp.exe\nINJECTED\tend";

/// No C0 control but the line feed, no DEL, no C1, no bidirectional control, and no line that a
/// line break from the data started.
fn assert_clean(what: &str, output: &str) {
    let bad: Vec<char> = output
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in {output}");
    assert!(
        !output.lines().any(|l| l.starts_with("INJECTED")),
        "{what}: {output}"
    );
}

fn set_name(path: &Path, account: &str, name: &str) {
    let store = Store::open(path, OpenMode::Existing).unwrap();
    store
        .conn()
        .execute(
            "UPDATE account SET name = ?1 WHERE account_id = ?2",
            [name, account],
        )
        .unwrap();
}

#[test]
fn cli_triage_and_history_print_hostile_names_and_notes_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    set_name(&path, "A16", HOSTILE);
    let out = cxcockpit(&path, "kim", &["triage", "note", "A16", HOSTILE]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [
        &["triage"][..],
        &["--format", "csv", "triage"],
        &["triage", "history", "A16"],
        &["--format", "csv", "triage", "history", "A16"],
    ] {
        let out = cxcockpit(&path, "kim", args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("gnp.exe INJECTED end"), "{args:?}: {text}");
        assert_clean(&format!("{args:?}"), &text);
        if args[0] == "--format" {
            assert!(
                text.contains("\"'=HYPERLINK(\"\"http://x\"\")"),
                "{args:?}: {text}"
            );
        }
    }
    // The history is one line per event: the note's line break did not add one.
    let out = cxcockpit(&path, "kim", &["triage", "history", "A16"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    // JSON keeps the data as it is.
    let rows = json_queue(&cxcockpit(&path, "kim", &["triage", "--format", "json"]));
    let a16 = rows.iter().find(|r| r["account_id"] == "A16").unwrap();
    assert_eq!(a16["name"].as_str(), Some(HOSTILE));
}

#[test]
fn cli_cells_of_65536_characters_and_more_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let long = "L".repeat(70_000);
    set_name(&path, "A16", &long);
    let out = cxcockpit(&path, "kim", &["triage", "note", "A13", &long]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [&["triage", "--all"][..], &["triage", "history", "A13"]] {
        let out = cxcockpit(&path, "kim", args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&long), "{args:?}");
    }
    // A note past the documented limit (100,000 characters) is refused, exit 2.
    let too_long = "L".repeat(100_001);
    let out = cxcockpit(&path, "kim", &["triage", "note", "A13", &too_long]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("longer than the limit of 100,000"), "{stderr}");
}

#[test]
fn cli_a_full_stdout_is_exit_1_with_a_message_not_a_panic() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    for args in [
        &["triage", "--all", "--format", "json"][..],
        &["triage", "--all"],
        &["tiers"],
        &["churn"],
        &["--format", "csv", "churn"],
    ] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
            .arg("--db")
            .arg(&path)
            .args(args)
            .env_remove("CXCOCKPIT_DB")
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("writing to standard output"),
            "{args:?}: {stderr}"
        );
    }
}

/// `triage_queue_each` hands over `triage_queue`'s rows in its order (or the MRR-at-risk
/// order), cut to the limit, with snoozed and resolved accounts left out unless asked for.
#[test]
fn the_streamed_queue_is_the_queue_in_memory() {
    let mut store = fixture();
    let ids = |rows: &[QueueRow]| rows.iter().map(|q| q.account_id.clone()).collect::<Vec<_>>();
    let all = store.triage_queue(true, true, TODAY).unwrap();
    assert!(all.len() >= 4, "{:?}", ids(&all));
    store
        .triage_act(
            &all[0].account_id,
            Action::Snooze {
                until: "2099-01-01",
                reason: "later",
            },
            "ana",
            "2026-07-01T09:00:00",
        )
        .unwrap();
    store
        .triage_act(
            &all[1].account_id,
            Action::Resolve { note: "done" },
            "ana",
            "2026-07-01T09:00:00",
        )
        .unwrap();
    for all in [false, true] {
        for closed in [false, true] {
            for mrr_at_risk in [false, true] {
                for limit in [None, Some(0), Some(2)] {
                    let mut want = store.triage_queue(all, closed, TODAY).unwrap();
                    if mrr_at_risk {
                        want.sort_by(cxcockpit::store::triage::by_mrr_at_risk);
                    }
                    if let Some(limit) = limit {
                        want.truncate(limit);
                    }
                    let mut got = Vec::new();
                    store
                        .triage_queue_each(all, closed, TODAY, mrr_at_risk, limit, &mut |q| {
                            got.push(q);
                            Ok(())
                        })
                        .unwrap();
                    let case = (all, closed, mrr_at_risk, limit);
                    assert_eq!(ids(&got), ids(&want), "{case:?}");
                    assert_eq!(
                        serde_json::to_value(&got).unwrap(),
                        serde_json::to_value(&want).unwrap(),
                        "{case:?}"
                    );
                }
            }
        }
    }
}

/// `triage --format json` as it was built before the rows were streamed: the whole queue in
/// memory, then the whole document pretty-printed.
fn triage_document_in_memory(store: &Store, all: bool, mrr_at_risk: bool) -> String {
    use serde_json::json;
    let today = chrono::Local::now().date_naive().to_string();
    let mut queue = store.triage_queue(all, false, &today).unwrap();
    if mrr_at_risk {
        queue.sort_by(cxcockpit::store::triage::by_mrr_at_risk);
    }
    let backtest = store.triage_backtest().unwrap().map(|b| {
        json!({
            "months": b.figures.months,
            "accounts": b.figures.accounts,
            "churned": b.figures.churned,
            "auc": b.figures.auc,
            "top_decile_churned_mrr_share": b.figures.top_decile_churned_mrr_share,
            "from": b.from,
            "to": b.to,
            "weights_changed": b.weights_changed,
        })
    });
    let rows: Vec<serde_json::Value> = queue
        .iter()
        .map(|q| {
            json!({
                "account_id": q.account_id,
                "name": q.name,
                "segment": q.segment,
                "company_size": q.company_size,
                "mrr": q.mrr,
                "tier": q.tier,
                "owner": q.owner,
                "assignee": q.assignee,
                "status": q.status,
                "snooze_until": q.snooze_until,
                "oldest_open_days": q.oldest_open_days,
                "score": q.score.total,
                "score_last_month": q.score_last_month,
                "mrr_at_risk": q.mrr_at_risk(),
                "signals": q.score.signals.iter().map(|s| json!({
                    "signal": s.signal.name(), "value": s.value, "points": s.points, "rule": s.rule(),
                })).collect::<Vec<_>>(),
                "changes": q.changes.iter().map(|(s, d)| json!({"signal": s.name(), "points": d})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({ "backtest": backtest, "queue": rows });
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

#[test]
fn cli_the_streamed_queue_is_the_document_built_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    for (all, mrr_at_risk) in [(false, false), (true, false), (true, true)] {
        let mut args = vec!["--format", "json", "triage"];
        if all {
            args.push("--all");
        }
        if mrr_at_risk {
            args.extend(["--order", "mrr-at-risk"]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
            .arg("--db")
            .arg(&path)
            .args(&args)
            .env_remove("CXCOCKPIT_DB")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let streamed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            streamed,
            triage_document_in_memory(&store, all, mrr_at_risk),
            "{args:?}"
        );
        // The CSV lists the same accounts in the same order.
        args[1] = "csv";
        let out = Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
            .arg("--db")
            .arg(&path)
            .args(&args)
            .env_remove("CXCOCKPIT_DB")
            .output()
            .unwrap();
        let csv = String::from_utf8(out.stdout).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&streamed).unwrap();
        let ids: Vec<&str> = doc["queue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["account_id"].as_str().unwrap())
            .collect();
        let csv_ids: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(csv_ids, ids, "{args:?}");
    }
}

#[test]
fn cli_triage_table_of_every_account_is_aligned_on_its_widest_cells() {
    // The table is written in two passes over the queue (widths, then lines): every line must
    // still put each column where the header puts it.
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_file(dir.path());
    let rows = json_queue(&cxcockpit(&path, "kim", &["triage", "--all", "--format", "json"]));
    let out = cxcockpit(&path, "kim", &["triage", "--all"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().skip(2).collect();
    assert_eq!(
        lines.len(),
        rows.len() + 1,
        "a header and one line per account:\n{text}"
    );
    let header = lines[0];
    let name_at = header.find("name").unwrap();
    let segment_at = header.find("segment").unwrap();
    let widest_name = rows
        .iter()
        .map(|r| r["name"].as_str().unwrap().chars().count())
        .max()
        .unwrap();
    assert_eq!(segment_at, name_at + widest_name.max(4) + 2, "{header}");
    for (line, row) in lines[1..].iter().zip(&rows) {
        let name = row["name"].as_str().unwrap();
        assert!(line.starts_with(row["account_id"].as_str().unwrap()), "{line}");
        assert_eq!(&line[name_at..name_at + name.len()], name, "{line}");
        assert_eq!(&line[name_at - 2..name_at], "  ", "{line}");
        assert_eq!(&line[segment_at - 2..segment_at], "  ", "{line}");
    }
}
