//! The demo's causal structure, found by the cockpit: downtime and slow first responses truly
//! drive churn, billing effort and social-media followers do not; detractors' comments carry
//! the themes the generator gave them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Mutex, MutexGuard, OnceLock};

use cxcockpit::analysis::indicators::powers;
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::predict::{MIN_PAIRS, Verdict};
use cxcockpit::domain::terms;
use cxcockpit::store::Store;

/// One demo store for the file's tests: big enough that a true effect is significant
/// (first responses: about 3,000 red account-months at 4,000 accounts).
fn demo_store() -> MutexGuard<'static, Store> {
    static STORE: OnceLock<Mutex<Store>> = OnceLock::new();
    let store = STORE.get_or_init(|| {
        let mut store = Store::open_in_memory().unwrap();
        let params = DemoParams {
            accounts: 4000,
            months: 24,
            seed: 42,
            as_of: "2026-06".parse().unwrap(),
        };
        demo::generate(&mut store, &params).unwrap();
        Mutex::new(store)
    });
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn the_demo_s_true_predictors_are_found_and_the_others_are_flagged() {
    let store = demo_store();
    let last = "2026-06".parse().unwrap();
    let mut all = Vec::new();
    for journey in ["sme-broadband", "cloud-security"] {
        let (p, _) = powers(
            &store,
            &store.phases(journey).unwrap(),
            &store.metrics(journey).unwrap(),
            journey,
            last,
        )
        .unwrap();
        all.extend(p);
    }
    let find = |id: &str| {
        all.iter()
            .find(|p| p.metric_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    for id in ["sme.use.downtime", "sme.support.first_response"] {
        let churn = find(id).churn.as_ref().unwrap();
        assert!(churn.predicts, "{id} should predict churn: {churn:?}");
        assert!(churn.lift.unwrap() > 1.2, "{id}: {churn:?}");
        assert!(find(id).verdict.predicts(), "{id}: {:?}", find(id).verdict);
    }
    // Billing effort plays no part in the demo's churn: no difference between red and green.
    let pay_ces = find("sme.pay.ces");
    assert!(!pay_ces.churn.as_ref().unwrap().predicts, "{:?}", pay_ces.churn);
    // Followers are generated apart from the accounts: no account data, nothing predicted.
    let followers = find("cloud.awareness.followers");
    assert!(followers.churn.is_none());
    assert!(followers.predicts_nothing, "{followers:?}");
    // Over 24 months the correlation was tested: a real PREDICTS NOTHING, not a lack of history.
    assert_eq!(followers.verdict, Verdict::PredictsNothing);
    assert!(followers.months >= MIN_PAIRS, "{followers:?}");
    // A correlation counts only with the sign the metrics' directions imply.
    for p in &all {
        for c in &p.success {
            assert!(c.expected_sign == 1 || c.expected_sign == -1, "{c:?}");
            if c.predicts {
                assert!(!c.wrong_sign && c.rho * f64::from(c.expected_sign) > 0.0, "{c:?}");
            }
        }
        assert_eq!(p.predicts_nothing, p.verdict == Verdict::PredictsNothing, "{p:?}");
    }
    // Ranked by strength within a journey: every predicting indicator before every flagged one.
    for journey in ["sme-broadband", "cloud-security"] {
        let ranked: Vec<_> = all.iter().filter(|p| p.journey == journey).collect();
        let first_flagged = ranked.iter().position(|p| p.predicts_nothing).unwrap();
        assert!(
            ranked[first_flagged..].iter().all(|p| p.predicts_nothing),
            "{journey}"
        );
        assert!(
            ranked[..first_flagged].iter().all(|p| p.verdict.predicts()),
            "{journey}"
        );
    }
}

#[test]
fn detractors_comments_carry_the_generated_themes() {
    let store = demo_store();
    let top = |phase_key: &str| -> Vec<String> {
        let phase = store
            .phases("sme-broadband")
            .unwrap()
            .into_iter()
            .find(|p| p.key == phase_key)
            .unwrap();
        let comments = store
            .comments(
                phase.id,
                None,
                "2025-07".parse().unwrap(),
                "2026-06".parse().unwrap(),
            )
            .unwrap();
        let scored: Vec<(i8, &str)> = comments
            .iter()
            .map(|c| (terms::sentiment(&c.survey, c.score), c.comment.as_str()))
            .collect();
        terms::over_represented(&scored, 3, 10)
            .into_iter()
            .map(|t| t.term)
            .collect()
    };
    // Use: unhappy NPS answers talk about downtime (in English or Indonesian), never praise.
    let using = top("use");
    let downtime = ["putus", "downtime", "dropping", "mati"];
    assert!(
        using.iter().any(|t| downtime.iter().any(|w| t.contains(w))),
        "{using:?}"
    );
    assert!(
        !using.iter().any(|t| t.contains("stabil") || t.contains("stable")),
        "{using:?}"
    );
    // Get Support: unhappy answers after a ticket talk about slow support.
    let support = top("get-support");
    let slow = ["waited", "lama", "reply", "terlambat", "wait"];
    assert!(
        support.iter().any(|t| slow.iter().any(|w| t.contains(w))),
        "{support:?}"
    );
    assert!(
        !support
            .iter()
            .any(|t| t.contains("helpful") || t.contains("cepat")),
        "{support:?}"
    );
}
