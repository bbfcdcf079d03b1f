//! The demo's causal structure, found by the cockpit: downtime and slow first responses truly
//! drive churn, billing effort and social-media followers do not; detractors' comments carry
//! the themes the generator gave them. And on the hand-made fixture (fixtures/small.sql, figures
//! in small.md): the priority service of phase Use in March 2026 (HVC against regular, by
//! tier, SLA attainment) and the touchpoints of one segment, in the store and end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Mutex, MutexGuard, OnceLock};

use cxcockpit::analysis::indicators::powers;
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::predict::{MIN_PAIRS, Verdict};
use cxcockpit::domain::terms;
use cxcockpit::store::indicators::{ServiceGroup, ServiceSegment, TouchpointMonth};
use cxcockpit::store::{OpenMode, Store};

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
            .map(|c| (c.sentiment, c.comment.as_str()))
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

// --- priority service and segments, on the hand-made fixture --------------------------------

const SMALL: &str = include_str!("../fixtures/small.sql");
/// Phase Use of the fixture.
const USE: i64 = 2;

fn small_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    // The whole refresh, as an import runs it: rollups, then the tiers held at each month's end.
    store.refresh().unwrap();
    store
}

fn march() -> cxcockpit::domain::Period {
    "2026-03".parse().unwrap()
}

/// (tickets, first response h, resolution h, met, breached, pending, attainment) of a group.
type Figures = (u64, Option<f64>, Option<f64>, u64, u64, u64, Option<f64>);

fn figures(groups: &[ServiceGroup], key: &str) -> Figures {
    let g = groups
        .iter()
        .find(|g| g.segment == key)
        .unwrap_or_else(|| panic!("no group {key}: {groups:?}"));
    (
        g.tickets,
        g.first_response_hours,
        g.resolution_hours,
        g.sla_met,
        g.sla_breached,
        g.sla_pending,
        g.sla_attainment,
    )
}

#[test]
fn march_priority_service_splits_by_segment_and_tier() {
    let store = small_store();
    let groups = store.priority_service(USE, march()).unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g.segment.as_str()).collect();
    assert_eq!(
        keys,
        [
            "all",
            "hvc",
            "regular",
            "tier:none",
            "tier:bronze",
            "tier:silver",
            "tier:gold",
            "tier:platinum"
        ]
    );
    // small.md, "Priority service": T20-T25, SLA low 24 h, medium 8 h, high 4 h, critical 1 h.
    // Met: T20 (high, 3 h), T22 (medium, 6 h). Breached: T21 (critical, 3 h), T23 (medium,
    // 12 h), T24 (low, no response, 39 h open at the month's end). Not judged: T25 (low, no
    // response, 12 h open at the month's end).
    // Every ticket: responses (3 + 3 + 6 + 12) / 4 = 6; resolutions (12 + 24 + 24 + 48 + 36 + 9)
    // / 6 = 25.5; SLA met 2 of 5 judged = 0.4.
    assert_eq!(
        figures(&groups, "all"),
        (6, Some(6.0), Some(25.5), 2, 3, 1, Some(0.4))
    );
    // HVC in March: A09 (T20) and A03 (T21): (3 + 3) / 2, (12 + 24) / 2, 1 of 2.
    assert_eq!(
        figures(&groups, "hvc"),
        (2, Some(3.0), Some(18.0), 1, 1, 0, Some(0.5))
    );
    // Regular: T22-T25: (6 + 12) / 2 = 9; (24 + 48 + 36 + 9) / 4 = 29.25; 1 of 3 judged.
    assert_eq!(
        figures(&groups, "regular"),
        (4, Some(9.0), Some(29.25), 1, 2, 1, Some(1.0 / 3.0))
    );
    // Tiers held at the end of February: A01 none, A11 bronze, A10 and A04 silver, A03 gold,
    // A09 platinum.
    assert_eq!(figures(&groups, "tier:none"), (1, None, Some(9.0), 0, 0, 1, None));
    assert_eq!(
        figures(&groups, "tier:bronze"),
        (1, None, Some(36.0), 0, 1, 0, Some(0.0))
    );
    assert_eq!(
        figures(&groups, "tier:silver"),
        (2, Some(9.0), Some(36.0), 1, 1, 0, Some(0.5))
    );
    assert_eq!(
        figures(&groups, "tier:gold"),
        (1, Some(3.0), Some(24.0), 0, 1, 0, Some(0.0))
    );
    assert_eq!(
        figures(&groups, "tier:platinum"),
        (1, Some(3.0), Some(12.0), 1, 0, 0, Some(1.0))
    );
    // The parts add up to the whole.
    let n = |k: &str| figures(&groups, k).0;
    assert_eq!(n("hvc") + n("regular"), n("all"));
    assert_eq!(
        ["none", "bronze", "silver", "gold", "platinum"]
            .iter()
            .map(|t| n(&format!("tier:{t}")))
            .sum::<u64>(),
        n("all")
    );
}

#[test]
fn a_month_without_tickets_has_groups_of_none() {
    let store = small_store();
    // Phase Use has no ticket in February (and phase Renew none at all).
    for (phase, period) in [(USE, "2026-02"), (3, "2026-03")] {
        let groups = store.priority_service(phase, period.parse().unwrap()).unwrap();
        assert_eq!(groups.len(), 8);
        assert!(
            groups
                .iter()
                .all(|g| g.tickets == 0 && g.first_response_hours.is_none() && g.sla_attainment.is_none()),
            "{groups:?}"
        );
    }
    // Phase Onboard in March: T01 (medium, 3 h) and T02 (medium, 6 h) met, T03 (low, opened
    // 2026-03-25T09:00, never answered: 159 h open at the month's end) breached; all regular.
    let onboard = store.priority_service(1, march()).unwrap();
    assert_eq!(
        figures(&onboard, "all"),
        (3, Some(4.5), Some(24.0), 2, 1, 0, Some(2.0 / 3.0))
    );
    assert_eq!(figures(&onboard, "hvc").0, 0);
}

fn touchpoint<'a>(rows: &'a [TouchpointMonth], name: &str) -> &'a TouchpointMonth {
    rows.iter()
        .find(|t| t.touchpoint == name)
        .unwrap_or_else(|| panic!("no {name}: {rows:?}"))
}

#[test]
fn touchpoints_of_one_segment() {
    let store = small_store();
    let all = store.touchpoints(USE, march()).unwrap();
    let hvc = store.touchpoints_in(USE, march(), &ServiceSegment::Hvc).unwrap();
    let regular = store
        .touchpoints_in(USE, march(), &ServiceSegment::Regular)
        .unwrap();
    assert_eq!(
        store.touchpoints_in(USE, march(), &ServiceSegment::All).unwrap(),
        all
    );
    // HVC (A03, A09): T20 and R03 at the call center, T21 and R02 on the website, promoters.
    let call = touchpoint(&hvc, "call center");
    assert_eq!(
        (
            call.tickets,
            call.response_hours,
            call.resolution_hours,
            call.nps_answers,
            call.detractor_share
        ),
        (1, Some(3.0), Some(12.0), 1, Some(0.0))
    );
    let web = touchpoint(&hvc, "website");
    assert_eq!(
        (
            web.tickets,
            web.response_hours,
            web.resolution_hours,
            web.nps_answers,
            web.csat
        ),
        (1, Some(3.0), Some(24.0), 1, None)
    );
    // Regular: T22 (6 h, 24 h) and T24 (no response, 36 h) at the call center with R06 (8)
    // and R07 (3); T23 (12 h, 48 h) and T25 (no response, 9 h) on the website with R01 (10),
    // R04 (8), R05 (7), R08 (5) and A05's CSAT 2 (R12).
    let call = touchpoint(&regular, "call center");
    assert_eq!(
        (
            call.tickets,
            call.response_hours,
            call.resolution_hours,
            call.nps_answers,
            call.detractor_share
        ),
        (2, Some(6.0), Some(30.0), 2, Some(0.5))
    );
    let web = touchpoint(&regular, "website");
    assert_eq!(
        (
            web.tickets,
            web.response_hours,
            web.resolution_hours,
            web.nps_answers,
            web.detractor_share,
            web.csat
        ),
        (2, Some(12.0), Some(28.5), 4, Some(0.25), Some(0.0))
    );
    for name in ["call center", "website"] {
        let (a, h, r) = (
            touchpoint(&all, name),
            touchpoint(&hvc, name),
            touchpoint(&regular, name),
        );
        assert_eq!(h.tickets + r.tickets, a.tickets, "{name}");
        assert_eq!(h.nps_answers + r.nps_answers, a.nps_answers, "{name}");
    }
    // Tiers held at the end of February: silver is A04, A05, A10 (and A06, gone by the end of
    // March): T22, T23; R04, R05, R06, R07 and R12.
    let silver = store
        .touchpoints_in(USE, march(), &ServiceSegment::Tier("silver".into()))
        .unwrap();
    assert_eq!(
        silver
            .iter()
            .map(|t| (t.touchpoint.as_str(), t.tickets, t.nps_answers))
            .collect::<Vec<_>>(),
        [("call center", 1, 2), ("website", 1, 2)]
    );
    // tier:none is A01 (and the accounts without a subscription then): T25, R01.
    let none = store
        .touchpoints_in(USE, march(), &ServiceSegment::Tier("none".into()))
        .unwrap();
    assert_eq!(
        none.iter()
            .map(|t| (t.touchpoint.as_str(), t.tickets, t.nps_answers))
            .collect::<Vec<_>>(),
        [("website", 1, 1), ("call center", 0, 0)]
    );
    // The phase's touchpoints are listed even where a segment has nothing.
    let micro = store
        .touchpoints_in(USE, march(), &ServiceSegment::Size("micro".into()))
        .unwrap();
    assert!(
        micro.iter().all(|t| t.tickets == 0 && t.nps_answers == 0),
        "{micro:?}"
    );
    assert_eq!(micro.len(), 2);
}

#[test]
fn segments_parse() {
    assert_eq!(ServiceSegment::parse("hvc"), Some(ServiceSegment::Hvc));
    assert_eq!(
        ServiceSegment::parse("tier:gold"),
        Some(ServiceSegment::Tier("gold".into()))
    );
    assert_eq!(ServiceSegment::parse("tier:"), None);
    assert_eq!(ServiceSegment::parse("vip"), None);
    assert_eq!(ServiceSegment::Tier("none".into()).to_string(), "tier:none");
}

// --- `touchpoints --segment`, end to end ----------------------------------------------------

fn small_file(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("small.db");
    let mut store = Store::open(&db, OpenMode::Create).unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    // The whole refresh, as an import runs it: rollups, then the tiers held at each month's end.
    store.refresh().unwrap();
    db
}

fn cx(db: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_cxcockpit"));
    cmd.env_remove("CXCOCKPIT_DB")
        .env("NO_COLOR", "1")
        .args(["--db", db.to_str().unwrap()]);
    cmd
}

#[test]
fn touchpoints_segment_hvc_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_file(dir.path());
    let out = cx(&db)
        .args([
            "--format",
            "json",
            "touchpoints",
            "--phase",
            "use",
            "--period",
            "2026-03",
        ])
        .args(["--segment", "hvc", "--by", "segment"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["period"], "2026-03");
    assert_eq!(doc["segment"], "hvc");
    let rows = doc["touchpoints"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["touchpoint"]["touchpoint"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["call center", "website"]);
    let call = &rows[0];
    assert_eq!(call["journey"], "small");
    assert_eq!(call["phase"], "Use");
    assert_eq!(
        call["touchpoint"],
        serde_json::json!({"touchpoint": "call center", "tickets": 1, "response_hours": 3.0,
            "resolution_hours": 12.0, "csat": null, "ces": null, "nps_answers": 1, "detractor_share": 0.0})
    );
    // February: HVC A09 and A03 again, no ticket or answer in phase Use.
    assert_eq!(call["last_month"]["tickets"], 0);
    assert_eq!(call["last_month"]["response_hours"], serde_json::Value::Null);
    assert_eq!(rows[1]["touchpoint"]["resolution_hours"], 24.0);
    // The priority service: every group of the phase, whatever --segment says.
    let service = doc["priority_service"].as_array().unwrap();
    assert_eq!(service.len(), 1);
    assert_eq!(service[0]["phase"], "Use");
    let groups = service[0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 8);
    assert_eq!(
        groups[1],
        serde_json::json!({"segment": "hvc", "tickets": 2, "first_response_hours": 3.0, "responded": 2,
            "resolution_hours": 18.0, "resolved": 2, "sla_met": 1, "sla_breached": 1, "sla_pending": 0,
            "sla_attainment": 0.5})
    );
    assert_eq!(groups[2]["segment"], "regular");
    assert_eq!(groups[2]["sla_pending"], 1);
    // Without --by, no groups.
    let out = cx(&db)
        .args([
            "--format",
            "json",
            "touchpoints",
            "--phase",
            "use",
            "--period",
            "2026-03",
            "--segment",
            "hvc",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["priority_service"], serde_json::json!([]));
}

#[test]
fn touchpoints_by_segment_as_a_table_and_bad_segments() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_file(dir.path());
    let out = cx(&db)
        .args([
            "touchpoints",
            "--phase",
            "use",
            "--period",
            "2026-03",
            "--by",
            "segment",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |group: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(group))
            .unwrap_or_else(|| panic!("no {group} row:\n{text}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("hvc"), "hvc 2 3.0 h 18.0 h 50.0% 2");
    assert_eq!(row("regular"), "regular 4 9.0 h 29.2 h 33.3% 3");
    assert_eq!(row("tier:none"), "tier:none 1 - 9.0 h - 0");
    assert_eq!(row("tier:platinum"), "tier:platinum 1 3.0 h 12.0 h 100.0% 1");
    for bad in ["vip", "tier:diamond", "size:huge"] {
        let out = cx(&db)
            .args(["touchpoints", "--phase", "use", "--segment", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("tier:platinum") && err.contains("regular"), "{err}");
    }
}
