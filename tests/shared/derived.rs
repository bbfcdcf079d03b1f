//! Every derived table (what a refresh computes), each read in its key order: what the tests
//! compare between an incremental and a full refresh (tests/import_roundtrip.rs) and after a
//! killed import (tests/reliability/kill.rs). A table added to the refresh belongs here.

pub const DERIVED: [(&str, &str); 17] = [
    (
        "account_month",
        "SELECT * FROM account_month ORDER BY account_id, period",
    ),
    (
        "account.hvc",
        "SELECT account_id, hvc FROM account ORDER BY account_id",
    ),
    (
        "rollup",
        "SELECT * FROM rollup ORDER BY metric_id, segment, period",
    ),
    (
        "churn_month",
        "SELECT * FROM churn_month ORDER BY journey_id, segment, period",
    ),
    (
        "account_tier",
        "SELECT * FROM account_tier ORDER BY period, account_id",
    ),
    (
        "tier_watch",
        "SELECT * FROM tier_watch ORDER BY period, account_id",
    ),
    ("tier_month", "SELECT * FROM tier_month ORDER BY period, tier_id"),
    (
        "churned_account",
        "SELECT * FROM churned_account ORDER BY period, account_id",
    ),
    (
        "churn_tier_month",
        "SELECT * FROM churn_tier_month ORDER BY journey_id, segment, period, tier",
    ),
    ("cohort_size", "SELECT * FROM cohort_size ORDER BY cohort"),
    (
        "cohort_month",
        "SELECT * FROM cohort_month ORDER BY cohort, period",
    ),
    ("hvc_month", "SELECT * FROM hvc_month ORDER BY period"),
    (
        "account_signal",
        "SELECT * FROM account_signal ORDER BY period, account_id, signal",
    ),
    (
        "indicator_outcome",
        "SELECT * FROM indicator_outcome ORDER BY metric_id, status",
    ),
    ("triage_rank", "SELECT * FROM triage_rank ORDER BY account_id"),
    ("backtest_points", "SELECT * FROM backtest_points ORDER BY period"),
    (
        "backtest",
        "SELECT * FROM setting WHERE key LIKE 'triage_backtest.%' ORDER BY key",
    ),
];
