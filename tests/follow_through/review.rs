//! The monthly review carries actions: a phase's step lists the month's actions and the open
//! ones carried over from earlier months (age, owner, overdue); signing off a phase with an
//! overdue action needs a note, as a red metric does. On the review fixture
//! (fixtures/small.sql), through the store API and end to end.

use chrono::NaiveDate;
use cxcockpit::domain::Period;
use cxcockpit::report::ReviewDoc;
use cxcockpit::store::Store;
use cxcockpit::store::actions::{Change, NewAction};
use cxcockpit::store::review::{ReviewError, ReviewStatus, TIME_FORMAT};

use super::common::{Env, text};
use super::{cx_as, json_as};

const SMALL: &str = include_str!("../../fixtures/small.sql");

fn at(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, TIME_FORMAT).unwrap()
}

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

fn about(phase: &str, period: &str, title: &str, owner: &str, due: &str) -> NewAction {
    NewAction {
        title: title.into(),
        journey_id: Some("small".into()),
        phase_key: Some(phase.into()),
        period: Some(period.into()),
        owner: Some(owner.into()),
        due: Some(due.parse().unwrap()),
        ..NewAction::default()
    }
}

/// The fixture with: #1 Use, February, kim, due 03-05, made 02-20 (still open); #2 Use, March,
/// lee, due 04-30, made 03-10; #3 Use, February, done; #4 Onboard, March, due 04-02.
fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.conn().execute_batch(SMALL).unwrap();
    store.refresh().unwrap();
    store
        .add_action(
            &about("use", "2026-02", "Fix the outage runbook", "kim", "2026-03-05"),
            "ana",
            "2026-02-20T10:00:00",
        )
        .unwrap();
    store
        .add_action(
            &about("use", "2026-03", "Call the NPS detractors", "lee", "2026-04-30"),
            "ana",
            "2026-03-10T10:00:00",
        )
        .unwrap();
    store
        .add_action(
            &about("use", "2026-02", "Done in February", "kim", "2026-02-28"),
            "ana",
            "2026-02-20T11:00:00",
        )
        .unwrap();
    store
        .change_action(3, Change::Done { note: "fixed" }, "kim", "2026-02-27T10:00:00")
        .unwrap();
    store
        .add_action(
            &about("onboard", "2026-03", "Speed up installs", "ana", "2026-04-02"),
            "ana",
            "2026-03-12T10:00:00",
        )
        .unwrap();
    store
}

fn listed(doc: &ReviewDoc, phase: &str) -> Vec<(i64, bool, i64, bool, Option<String>)> {
    doc.phases
        .iter()
        .find(|p| p.key == phase)
        .unwrap()
        .actions
        .iter()
        .map(|a| (a.id, a.carried_over, a.age_days, a.overdue, a.owner.clone()))
        .collect()
}

#[test]
fn an_open_action_is_carried_into_the_next_months_review() {
    let store = store();
    let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
    let march = ReviewDoc::build_at(&store, "small", month("2026-03"), today).unwrap();
    // March's own action first (23 days old: 03-10 to 04-02), then #1 carried from February
    // (41 days: 02-20 to 04-02), overdue since 03-05; #3 is done and stays in February.
    assert_eq!(
        listed(&march, "use"),
        vec![
            (2, false, 23, false, Some("lee".into())),
            (1, true, 41, true, Some("kim".into()))
        ]
    );
    let february = ReviewDoc::build_at(&store, "small", month("2026-02"), today).unwrap();
    assert_eq!(
        listed(&february, "use"),
        vec![
            (1, false, 41, true, Some("kim".into())),
            (3, false, 41, false, Some("kim".into()))
        ]
    );
    let use_phase = march.phases.iter().find(|p| p.key == "use").unwrap();
    assert_eq!(
        use_phase.actions[1].line(),
        "#1 Fix the outage runbook (kim, due 2026-03-05, OVERDUE; 41 days old, carried over from 2026-02)"
    );
    // Done, it is no longer carried.
    let mut store = store;
    store
        .change_action(1, Change::Done { note: "" }, "kim", "2026-04-02T08:00:00")
        .unwrap();
    let march = ReviewDoc::build_at(&store, "small", month("2026-03"), today).unwrap();
    assert_eq!(
        listed(&march, "use"),
        vec![(2, false, 23, false, Some("lee".into()))]
    );
}

#[test]
fn signing_off_with_an_overdue_action_needs_a_note() {
    let mut store = store();
    let (march, use_id, onboard_id) = (month("2026-03"), 2, 1);
    // Use has no red metric (its NPS rests on too few answers) but #1 is overdue on 04-02.
    let refused = store.sign_off(march, use_id, None, "kim", at("2026-04-02T09:00:00"));
    let Err(error @ ReviewError::NoteRequired { .. }) = refused else {
        panic!("expected a note to be required: {refused:?}");
    };
    assert_eq!(
        error.to_string(),
        "Use 2026-03: overdue actions (#1 Fix the outage runbook (due 2026-03-05, kim)); write a note saying why before signing off"
    );
    let ReviewError::NoteRequired { red, overdue, .. } = error else {
        unreachable!()
    };
    assert!(red.is_empty());
    assert_eq!(overdue.iter().map(|o| o.id).collect::<Vec<_>>(), vec![1]);
    let done = store
        .sign_off(
            march,
            use_id,
            Some("Runbook slipped: kim on it this week."),
            "kim",
            at("2026-04-02T09:05:00"),
        )
        .unwrap();
    assert_eq!(done.status, ReviewStatus::SignedOff);
    // Onboard's #4 is due on the day of the sign-off: not overdue yet, no note needed.
    let done = store
        .sign_off(march, onboard_id, None, "ana", at("2026-04-02T23:59:59"))
        .unwrap();
    assert_eq!(done.status, ReviewStatus::SignedOff);
    // A day later it would have been.
    store
        .mark_in_review(march, onboard_id, "ana", at("2026-04-03T08:00:00"))
        .unwrap();
    let refused = store.sign_off(march, onboard_id, None, "ana", at("2026-04-03T08:01:00"));
    assert!(
        matches!(&refused, Err(ReviewError::NoteRequired { overdue, .. }) if overdue.len() == 1 && overdue[0].id == 4),
        "{refused:?}"
    );
}

#[test]
fn the_review_documents_list_the_phases_actions() {
    let env = Env::new();
    env.conn().execute_batch(SMALL).unwrap();
    let out = env.cx(&["rollup"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let add = |now: &str, args: &[&str]| {
        let mut all = vec!["--format", "json", "actions", "add"];
        all.extend_from_slice(args);
        json_as(&env, "ana", now, &all)
    };
    add(
        "2026-02-20T10:00:00",
        &[
            "--title",
            "Fix the outage runbook",
            "--journey",
            "small",
            "--phase",
            "use",
            "--period",
            "2026-02",
            "--owner",
            "kim",
            "--due",
            "2026-03-05",
        ],
    );
    add(
        "2026-03-10T10:00:00",
        &[
            "--title",
            "Call the *detractors*",
            "--metric",
            "small.use.nps",
            "--period",
            "2026-03",
            "--owner",
            "lee",
        ],
    );
    let now = "2026-04-02T09:00:00";
    let json = json_as(
        &env,
        "ana",
        now,
        &["review", "--period", "2026-03", "--format", "json"],
    );
    let phases = json["phases"].as_array().unwrap();
    assert_eq!(phases[0]["actions"], serde_json::json!([]));
    let actions = phases[1]["actions"].as_array().unwrap();
    let keys: Vec<&str> = actions[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "owner",
            "due",
            "status",
            "source",
            "account_id",
            "metric_id",
            "period",
            "created_at",
            "age_days",
            "overdue",
            "carried_over"
        ]
    );
    let brief: Vec<(i64, &str, i64, bool, bool)> = actions
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["owner"].as_str().unwrap(),
                a["age_days"].as_i64().unwrap(),
                a["overdue"].as_bool().unwrap(),
                a["carried_over"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        brief,
        vec![(2, "lee", 23, false, false), (1, "kim", 41, true, true)]
    );
    assert_eq!(actions[0]["metric_id"], "small.use.nps");
    let out = cx_as(
        &env,
        "ana",
        now,
        &["review", "--period", "2026-03", "--format", "md"],
    );
    let md = text(&out.stdout);
    assert!(
        md.contains(
            "### Actions\n\n- \\#2 Call the \\*detractors\\* (lee, open; 23 days old)\n\
             - \\#1 Fix the outage runbook (kim, due 2026-03-05, OVERDUE; 41 days old, carried over from 2026-02)\n"
        ),
        "{md}"
    );
    let out = cx_as(
        &env,
        "ana",
        now,
        &["review", "--period", "2026-03", "--format", "html"],
    );
    let html = text(&out.stdout);
    assert!(html.contains("<h3>Actions</h3>\n<ul class=\"actions\">\n<li>#2 Call the *detractors* (lee, open; 23 days old)</li>"), "{html}");
    // The sign-off through the store the command line reads: refused without a note.
    let mut store = Store::open(&env.db, cxcockpit::store::OpenMode::Existing).unwrap();
    let refused = store.sign_off(month("2026-03"), 2, None, "ana", at(now));
    assert!(
        matches!(refused, Err(ReviewError::NoteRequired { .. })),
        "{refused:?}"
    );
}

#[test]
fn the_cockpits_review_step_lists_the_phases_actions() {
    let env = Env::new();
    env.conn().execute_batch(SMALL).unwrap();
    let out = env.cx(&["rollup"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let snapshot = || {
        let out = cx_as(
            &env,
            "ana",
            "2026-04-02T09:00:00",
            &[
                "snapshot", "--pane", "review", "--period", "2026-03", "--width", "120", "--height", "40",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert!(!snapshot().contains("Actions ("), "no actions: no section");
    json_as(
        &env,
        "ana",
        "2026-02-20T10:00:00",
        &[
            "--format",
            "json",
            "actions",
            "add",
            "--title",
            "Speed up installs",
            "--journey",
            "small",
            "--phase",
            "onboard",
            "--period",
            "2026-02",
            "--owner",
            "kim",
            "--due",
            "2026-03-05",
        ],
    );
    let screen = snapshot();
    assert!(screen.contains("Actions (1)"), "{screen}");
    assert!(
        screen.contains(
            "#1 Speed up installs (kim, due 2026-03-05, OVERDUE; 41 days old, carried over from 2026-02)"
        ),
        "{screen}"
    );
}
