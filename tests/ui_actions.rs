//! The actions pane and `A` (issue #19, the cockpit's follow-through): the pane at 80x24 and
//! 160x48 as insta snapshots (yours first, overdue marked with `!`); its filters (`t` status,
//! `o` owner, `f` typed) and Esc; Enter on an account's action opens the account view, on a
//! phase's the phase pane in its month; `D` done, `X` drop (a reason required), `n` note and
//! `a` assign written to the store; `A` on the triage, churn, tiers, phase and overview panes and
//! in the review adds an action about what is selected there, and a read-only store refuses it;
//! the triage rows and the account view show an account's open actions; tiny windows never
//! panic; `:pane actions` and `snapshot --pane actions` (text and JSON).
//!
//! The login name and the clock are fixed for the whole binary (`USER=ana`,
//! `CXCOCKPIT_NOW=2026-11-30`) before any test reads them: see `setup`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Once;

use assert_cmd::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::actions::{ActionStatus, NewAction};
use cxcockpit::store::{OpenMode, Store};
use cxcockpit::ui::action::Outcome;
use cxcockpit::ui::actions::{self, OwnerFilter};
use cxcockpit::ui::dispatch;
use cxcockpit::ui::keymap::action_for;
use cxcockpit::ui::{App, Pane, render_text};

const ME: &str = "ana";
const TODAY: &str = "2026-11-30";

static ENV: Once = Once::new();

/// Fixes the login name and the clock. Every test calls it first, and `Once` holds the others
/// until it is done, so no thread reads the environment while it is written.
fn setup() {
    ENV.call_once(|| {
        // SAFETY: run once, before any test of this binary reads the environment (each test
        // calls `setup` first and waits on the `Once`).
        unsafe {
            std::env::set_var("USER", ME);
            std::env::set_var("CXCOCKPIT_NOW", TODAY);
        }
    });
}

fn params() -> DemoParams {
    DemoParams {
        accounts: 300,
        months: 12,
        seed: 7,
        as_of: Period::new(2026, 6).unwrap(),
    }
}

fn demo_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &params()).unwrap();
    store
}

/// The HVC queue's first account (the triage pane's first row).
fn first_hvc(store: &Store) -> String {
    store.triage_queue(false, false, "2026-06-30").unwrap()[0]
        .account_id
        .clone()
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}

/// Five actions: two of the first HVC account (kim's overdue, ana's due later), ana's about a
/// phase in May 2026, bo's overdue about nothing, and kim's about a metric; plus one done.
fn with_actions(store: &mut Store) -> String {
    let account = first_hvc(store);
    let add =
        |store: &mut Store, new: NewAction| store.add_action(&new, "kim", "2026-11-01T09:00:00").unwrap().id;
    add(
        store,
        NewAction {
            title: "Call back about the outage".into(),
            account_id: Some(account.clone()),
            owner: Some("kim".into()),
            due: Some(day("2026-11-20")),
            ..NewAction::default()
        },
    );
    add(
        store,
        NewAction {
            title: "Offer the gold tier".into(),
            account_id: Some(account.clone()),
            owner: Some(ME.into()),
            due: Some(day("2026-12-15")),
            ..NewAction::default()
        },
    );
    add(
        store,
        NewAction {
            title: "Find why deployment slipped".into(),
            journey_id: Some("cloud-security".into()),
            phase_key: Some("deployment".into()),
            period: Some("2026-05".into()),
            owner: Some(ME.into()),
            ..NewAction::default()
        },
    );
    add(
        store,
        NewAction {
            title: "Write the quarter's summary".into(),
            owner: Some("bo".into()),
            due: Some(day("2026-11-25")),
            ..NewAction::default()
        },
    );
    let done = add(
        store,
        NewAction {
            title: "Already handled".into(),
            owner: Some("kim".into()),
            ..NewAction::default()
        },
    );
    store
        .change_action(
            done,
            cxcockpit::store::actions::Change::Done { note: "ok" },
            "kim",
            "2026-11-02T09:00:00",
        )
        .unwrap();
    account
}

/// Presses keys as a terminal sends them, through the keymap and the writing entry point.
fn press(app: &mut App, store: &mut Store, keys: &[KeyCode]) -> Vec<Outcome> {
    keys.iter()
        .filter_map(|code| {
            let modifiers = match code {
                KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
                KeyCode::BackTab => KeyModifiers::SHIFT,
                _ => KeyModifiers::NONE,
            };
            let action = action_for(KeyEvent::new(*code, modifiers), app.input_mode())?;
            Some(dispatch::apply(app, store, action).unwrap())
        })
        .collect()
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

fn type_line(app: &mut App, store: &mut Store, text: &str) {
    press(app, store, &chars(text));
    press(app, store, &[KeyCode::Enter]);
}

/// The cockpit on the actions pane: the last tab, after triage.
fn actions_app(store: &mut Store) -> App {
    let mut app = App::load(store, "fixture.db".into()).unwrap();
    press(&mut app, store, &[KeyCode::BackTab]);
    assert_eq!(app.pane, Pane::Actions, "the actions pane is the last tab");
    press(&mut app, store, &[KeyCode::BackTab]);
    assert_eq!(app.pane, Pane::Triage, "triage before it");
    press(&mut app, store, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Actions);
    app
}

fn titles(app: &App) -> Vec<String> {
    actions::lines(app).iter().map(|l| l.title.clone()).collect()
}

#[test]
fn actions_80x24_and_160x48() {
    setup();
    let mut store = demo_store();
    with_actions(&mut store);
    let app = actions_app(&mut store);
    // Yours first (ana's, by due date, none last), then the overdue, then by due date.
    assert_eq!(
        titles(&app),
        [
            "Offer the gold tier",
            "Find why deployment slipped",
            "Call back about the outage",
            "Write the quarter's summary",
        ]
    );
    let small = render_text(&app, 80, 24);
    assert!(small.contains("Actions: 4 open, 2 overdue, 2 yours"), "{small}");
    assert!(
        small.contains("! 2026-11-20"),
        "overdue marked without colour:\n{small}"
    );
    assert!(small.contains("11 Ac"), "the tab at 80 columns:\n{small}");
    insta::assert_snapshot!("actions_80x24", small);
    let large = render_text(&app, 160, 48);
    assert!(large.contains("cloud-security:deployment 2026-05"), "{large}");
    assert!(large.contains("11 Actions"), "{large}");
    insta::assert_snapshot!("actions_160x48", large);
}

#[test]
fn an_empty_list_says_how_to_add_one() {
    setup();
    let mut store = demo_store();
    let app = actions_app(&mut store);
    let screen = render_text(&app, 100, 20);
    assert!(screen.contains("Actions: 0 open, 0 overdue, 0 yours"), "{screen}");
    assert!(screen.contains("A on any pane adds one"), "{screen}");
}

#[test]
fn status_owner_and_typed_filters_and_esc_clears_them() {
    setup();
    let mut store = demo_store();
    with_actions(&mut store);
    let mut app = actions_app(&mut store);
    press(&mut app, &mut store, &chars("t"));
    assert_eq!(app.actions.status, Some(ActionStatus::Done));
    assert_eq!(titles(&app), ["Already handled"]);
    assert!(render_text(&app, 80, 24).contains("Actions: 1 done"));
    press(&mut app, &mut store, &chars("tt"));
    assert_eq!(app.actions.status, None);
    assert_eq!(titles(&app).len(), 5);
    assert!(render_text(&app, 80, 24).contains("status all"));
    press(&mut app, &mut store, &chars("t"));
    assert_eq!(app.actions.status, Some(ActionStatus::Open));

    press(&mut app, &mut store, &chars("o"));
    assert_eq!(app.actions.owner, OwnerFilter::Mine);
    assert_eq!(
        titles(&app),
        ["Offer the gold tier", "Find why deployment slipped"]
    );
    assert!(render_text(&app, 100, 24).contains("owner mine (ana)"));
    press(&mut app, &mut store, &chars("o"));
    assert_eq!(app.actions.owner, OwnerFilter::All);

    press(&mut app, &mut store, &chars("f"));
    assert_eq!(
        app.actions.prompt.as_ref().map(|p| p.input.as_str()),
        Some("owner:all status:open"),
        "the prompt starts from the filters shown"
    );
    press(&mut app, &mut store, &[KeyCode::Backspace; 21]);
    type_line(&mut app, &mut store, "owner:kim status:all");
    assert_eq!(titles(&app), ["Call back about the outage", "Already handled"]);
    // A bad filter keeps the prompt open and says why.
    press(&mut app, &mut store, &chars("f"));
    type_line(&mut app, &mut store, " colour:red");
    assert!(app.actions.prompt.is_some());
    assert!(
        app.actions
            .message
            .as_deref()
            .unwrap()
            .contains("expected owner:")
    );
    assert!(render_text(&app, 160, 48).contains("expected owner:"));
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert!(app.actions.prompt.is_none());
    // Esc clears the filters, then backs out as anywhere.
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(app.actions.owner, OwnerFilter::All);
    assert_eq!(app.actions.status, Some(ActionStatus::Open));
    assert_eq!(titles(&app).len(), 4);
    assert_eq!(app.pane, Pane::Actions);
}

#[test]
fn enter_opens_the_account_or_the_phase_in_its_month() {
    setup();
    let mut store = demo_store();
    let account = with_actions(&mut store);
    let mut app = actions_app(&mut store);
    assert_eq!(app.period.to_string(), "2026-06");
    // The first row is about the account: its view, with its open actions.
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert_eq!(app.account.as_ref().unwrap().profile.account_id, account);
    let screen = render_text(&app, 160, 48);
    assert!(screen.contains("Open actions"), "{screen}");
    assert!(
        screen.contains("! 2026-11-20 OVERDUE  kim           Call back about the outage"),
        "{screen}"
    );
    assert!(
        screen.contains("2026-12-15          ana           Offer the gold tier"),
        "{screen}"
    );
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert!(app.account.is_none());
    assert_eq!(app.pane, Pane::Actions);
    // The second, about a phase in May: the phase pane in May; Esc comes back.
    press(&mut app, &mut store, &chars("j"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert_eq!(app.phase().map(|p| p.key.as_str()), Some("deployment"));
    assert_eq!(app.period.to_string(), "2026-05");
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(app.pane, Pane::Actions);
    // bo's is about nothing: the footer says so.
    press(&mut app, &mut store, &chars("jj"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert_eq!(app.pane, Pane::Actions);
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("about no account or phase"),
        "{:?}",
        app.notice
    );
}

#[test]
fn enter_on_another_journeys_phase_reads_that_journey_first() {
    setup();
    let mut store = demo_store();
    store
        .add_action(
            &NewAction {
                title: "Shorten activation".into(),
                journey_id: Some("sme-broadband".into()),
                phase_key: Some("activate".into()),
                period: Some("2026-04".into()),
                owner: Some(ME.into()),
                ..NewAction::default()
            },
            ME,
            "2026-11-01T09:00:00",
        )
        .unwrap();
    let mut app = actions_app(&mut store);
    assert_eq!(app.journey().unwrap().id, "cloud-security");
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert_eq!(app.journey().unwrap().id, "sme-broadband");
    assert_eq!(app.phase().map(|p| p.key.as_str()), Some("activate"));
    assert_eq!(app.period.to_string(), "2026-04");
}

#[test]
fn done_drop_note_and_assign_are_written_with_the_login_name() {
    setup();
    let mut store = demo_store();
    with_actions(&mut store);
    let mut app = actions_app(&mut store);
    let id = |app: &App, title: &str| actions::lines(app).iter().find(|l| l.title == title).unwrap().id;
    let gold = id(&app, "Offer the gold tier");
    // n: a note (required).
    press(&mut app, &mut store, &chars("n"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert!(app.actions.message.as_deref().unwrap().contains("empty note"));
    type_line(&mut app, &mut store, "sent the offer");
    let action = store.action(gold).unwrap().unwrap();
    let last = action.history.last().unwrap();
    assert_eq!(
        (last.event.as_str(), last.body.as_str(), last.author.as_str()),
        ("note", "sent the offer", ME)
    );
    assert_eq!(
        app.notice.as_deref(),
        Some(format!("note added to action {gold} (by ana)").as_str())
    );
    // a: assign, to the login name unless another is typed.
    press(&mut app, &mut store, &chars("a"));
    press(&mut app, &mut store, &[KeyCode::Backspace; 3]);
    type_line(&mut app, &mut store, "kim");
    assert_eq!(store.action(gold).unwrap().unwrap().owner.as_deref(), Some("kim"));
    assert_eq!(
        titles(&app)[0],
        "Find why deployment slipped",
        "no longer yours: the list is read again"
    );
    // X: drop needs a reason.
    let first = actions::lines(&app)[0].id;
    press(&mut app, &mut store, &chars("X"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert!(app.actions.prompt.is_some(), "a drop without a reason is refused");
    assert!(app.actions.message.as_deref().unwrap().contains("reason"));
    type_line(&mut app, &mut store, "duplicate of the review's");
    let dropped = store.action(first).unwrap().unwrap();
    assert_eq!(dropped.status, ActionStatus::Dropped);
    assert_eq!(dropped.outcome, "duplicate of the review's");
    assert!(!titles(&app).contains(&dropped.title));
    // D: done, the note optional.
    let next = actions::lines(&app)[0].id;
    press(&mut app, &mut store, &chars("D"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    let done = store.action(next).unwrap().unwrap();
    assert_eq!(done.status, ActionStatus::Done);
    assert_eq!(done.history.last().unwrap().author, ME);
    assert_eq!(
        app.notice.as_deref(),
        Some(format!("action {next} done (by ana)").as_str())
    );
    assert_eq!(titles(&app).len(), 2);
    // Esc on a prompt writes nothing.
    press(&mut app, &mut store, &chars("D"));
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(titles(&app).len(), 2);
    assert_eq!(app.notice.as_deref(), Some("cancelled: nothing written"));
}

#[test]
fn a_in_triage_adds_an_action_about_the_selected_account() {
    setup();
    let mut store = demo_store();
    let mut app = App::load(&store, "fixture.db".into()).unwrap();
    press(&mut app, &mut store, &[KeyCode::BackTab, KeyCode::BackTab]);
    assert_eq!(app.pane, Pane::Triage);
    let account = first_hvc(&store);
    assert!(
        render_text(&app, 80, 24).contains(" act "),
        "the triage rows' actions column"
    );
    press(&mut app, &mut store, &chars("A"));
    let label = app.actions.prompt.as_ref().unwrap().label();
    assert!(label.contains(&account), "{label}");
    assert!(render_text(&app, 160, 48).contains("title @owner due:YYYY-MM-DD"));
    type_line(&mut app, &mut store, "Call the CFO @kim due:2026-11-28");
    let notice = app.notice.clone().unwrap();
    assert!(notice.starts_with("action 1 added: Call the CFO"), "{notice}");
    assert!(render_text(&app, 120, 30).contains("action 1 added: Call the CFO"));
    let action = store.action(1).unwrap().unwrap();
    assert_eq!(action.account_id.as_deref(), Some(account.as_str()));
    assert_eq!(
        (action.owner.as_deref(), action.due.as_deref()),
        (Some("kim"), Some("2026-11-28"))
    );
    assert_eq!(
        (action.created_by.as_str(), action.source.as_str()),
        (ME, "manual")
    );
    // The triage row counts it, `!` as it is overdue at 2026-11-30.
    let row = render_text(&app, 80, 24)
        .lines()
        .find(|l| l.contains(&account))
        .unwrap()
        .to_string();
    assert!(row.contains(" 1! "), "{row}");
    // Without an owner it is the login name's; the actions pane lists both.
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Send the renewal quote");
    assert_eq!(store.action(2).unwrap().unwrap().owner.as_deref(), Some(ME));
    press(&mut app, &mut store, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Actions);
    assert_eq!(titles(&app), ["Send the renewal quote", "Call the CFO"]);
    // A bad date keeps the prompt open.
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Later due:someday");
    assert!(app.actions.message.as_deref().unwrap().contains("due:YYYY-MM-DD"));
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(titles(&app).len(), 2);
}

#[test]
fn a_fills_in_the_phase_month_and_metric_of_phase_panes_and_the_review() {
    setup();
    let mut store = demo_store();
    let mut app = App::load(&store, "fixture.db".into()).unwrap();
    // The overview: the selected phase in the month shown.
    press(&mut app, &mut store, &chars("j"));
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Look at the second phase");
    let a = store.action(1).unwrap().unwrap();
    let second = app.data.phases[1].key.clone();
    assert_eq!(
        (
            a.journey_id.as_deref(),
            a.phase_key.as_deref(),
            a.period.as_deref(),
            a.metric_id.as_deref()
        ),
        (
            Some("cloud-security"),
            Some(second.as_str()),
            Some("2026-06"),
            None
        )
    );
    // A phase pane in May: the phase, the month and the selected metric.
    press(&mut app, &mut store, &chars("["));
    press(&mut app, &mut store, &chars("3"));
    press(&mut app, &mut store, &chars("j"));
    let metric = app.selected_metric().unwrap().id.clone();
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Why did it move");
    let a = store.action(2).unwrap().unwrap();
    assert_eq!(a.metric_id.as_deref(), Some(metric.as_str()));
    assert_eq!(
        (a.phase_key.as_deref(), a.period.as_deref()),
        (Some(second.as_str()), Some("2026-05"))
    );
    // The review: its phase and month.
    press(&mut app, &mut store, &chars("V"));
    assert!(app.review.is_some());
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Agreed in the review");
    assert!(app.review.is_some(), "the review stays open");
    let a = store.action(3).unwrap().unwrap();
    assert_eq!(
        (a.phase_key.as_deref(), a.period.as_deref()),
        (Some(second.as_str()), Some("2026-05"))
    );
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("action 3 added: Agreed in the review")
    );
}

#[test]
fn a_fills_in_the_account_of_churn_tiers_and_the_account_view() {
    setup();
    let mut store = demo_store();
    let mut app = App::load(&store, "fixture.db".into()).unwrap();
    let phases = app.data.phases.len();
    // Churn: the selected churned account (a month with some).
    press(&mut app, &mut store, &chars(&(phases + 2).to_string()));
    assert_eq!(app.pane, Pane::Churn);
    while app.selected_churned().is_none()
        && press(&mut app, &mut store, &chars("[")) != vec![Outcome::Ignored]
    {}
    let churned = app.selected_churned().unwrap().account_id.clone();
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Win-back call");
    assert_eq!(store.action(1).unwrap().unwrap().account_id, Some(churned));
    // Tiers: the selected account of the watch list.
    press(&mut app, &mut store, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Tiers);
    let watched = app.selected_tier_account().unwrap().account_id.clone();
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Explain the tier");
    assert_eq!(store.action(2).unwrap().unwrap().account_id, Some(watched));
    // The account view, over the triage pane.
    press(&mut app, &mut store, &[KeyCode::Tab]);
    press(&mut app, &mut store, &chars("v"));
    let shown = app.account.as_ref().unwrap().profile.account_id.clone();
    press(&mut app, &mut store, &chars("A"));
    type_line(&mut app, &mut store, "Visit them");
    assert_eq!(store.action(3).unwrap().unwrap().account_id, Some(shown));
    assert!(
        render_text(&app, 160, 48).contains("no due date         ana           Visit them"),
        "the view is read again with its new action"
    );
}

#[test]
fn a_read_only_store_refuses_every_write() {
    setup();
    let mut store = demo_store();
    with_actions(&mut store);
    let mut app = actions_app(&mut store);
    app.triage.readonly = Some("the store cannot be written".into());
    for key in ["A", "D", "X", "n", "a"] {
        press(&mut app, &mut store, &chars(key));
        assert!(app.actions.prompt.is_none(), "{key} opened a prompt");
        assert_eq!(
            app.notice.as_deref(),
            Some("actions unavailable: the store cannot be written"),
            "{key}"
        );
    }
    assert!(render_text(&app, 160, 48).contains("actions unavailable"));
    // Filters still work.
    press(&mut app, &mut store, &chars("t"));
    assert_eq!(app.actions.status, Some(ActionStatus::Done));
}

#[test]
fn the_command_line_opens_the_pane() {
    setup();
    let mut store = demo_store();
    let mut app = App::load(&store, "fixture.db".into()).unwrap();
    press(&mut app, &mut store, &chars(":"));
    type_line(&mut app, &mut store, "pane actions");
    assert_eq!(app.pane, Pane::Actions);
    press(&mut app, &mut store, &chars(":"));
    type_line(&mut app, &mut store, "pane nowhere");
    assert!(
        app.notice.as_deref().unwrap().contains("actions"),
        "{:?}",
        app.notice
    );
}

#[test]
fn tiny_windows_do_not_panic() {
    setup();
    let mut store = demo_store();
    with_actions(&mut store);
    let mut app = actions_app(&mut store);
    for prompt in [false, true] {
        if prompt {
            press(&mut app, &mut store, &chars("A"));
            press(&mut app, &mut store, &chars("a long title that goes on"));
        }
        for help in [false, true] {
            app.help = help;
            for (w, h) in [
                (0, 0),
                (1, 1),
                (5, 2),
                (19, 3),
                (20, 3),
                (20, 9),
                (30, 10),
                (40, 12),
                (79, 23),
                (300, 80),
            ] {
                let _ = render_text(&app, w, h);
            }
        }
    }
}

#[test]
fn snapshot_prints_the_pane_as_text_and_json() {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("actions.db");
    {
        let mut store = Store::open(&path, OpenMode::Create).unwrap();
        demo::generate(&mut store, &params()).unwrap();
        with_actions(&mut store);
    }
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
            .env_remove("CXCOCKPIT_DB")
            .env("USER", ME)
            .env("CXCOCKPIT_NOW", TODAY)
            .arg("--db")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[
        "snapshot", "--pane", "actions", "--width", "100", "--height", "20",
    ]);
    assert!(text.contains("Actions: 4 open, 2 overdue, 2 yours"), "{text}");
    assert!(text.contains("Offer the gold tier"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&run(&["snapshot", "--pane", "actions", "--format", "json"])).unwrap();
    assert_eq!(json["pane"], "actions");
    assert_eq!(json["status"], "open");
    assert_eq!(
        (
            json["matching"].as_u64(),
            json["overdue"].as_u64(),
            json["mine"].as_u64()
        ),
        (Some(4), Some(2), Some(2))
    );
    let first = &json["actions"][0];
    assert_eq!(first["title"], "Offer the gold tier");
    assert_eq!(first["overdue"], false);
    assert_eq!(json["actions"][2]["overdue"], true);
    assert_eq!(json["actions"][2]["due"], "2026-11-20");
    // An unknown pane lists it among the valid ones.
    let out = Command::new(env!("CARGO_BIN_EXE_cxcockpit"))
        .arg("--db")
        .arg(&path)
        .args(["snapshot", "--pane", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("actions"));
}
