//! The triage pane and the account view: screens as insta snapshots at 80x24 and 160x48 on the
//! rendering tests' demo store (300 accounts, 12 months, seed 7, to June 2026); keys that toggle
//! HVC/all, sort and filter; actions typed through the prompt and written to the store (a note
//! shows in the history, a snoozed account leaves the queue); a second connection sees the
//! first one's action through `poll`; tiny windows never panic; `snapshot --pane triage` and
//! `--pane account:ID` from the command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::{OpenMode, Store};
use cxcockpit::ui::action::Outcome;
use cxcockpit::ui::dispatch;
use cxcockpit::ui::keymap::action_for;
use cxcockpit::ui::load::{self, Request};
use cxcockpit::ui::triage::{self, SortKey};
use cxcockpit::ui::{App, Pane, render_text};

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

fn file_store(path: &Path) -> Store {
    let mut store = Store::open(path, OpenMode::Create).unwrap();
    demo::generate(&mut store, &params()).unwrap();
    store
}

/// Presses keys as a terminal sends them, through the keymap and the writing entry point.
fn press(app: &mut App, store: &mut Store, keys: &[KeyCode]) -> Vec<Outcome> {
    keys.iter()
        .filter_map(|code| {
            let modifiers = match code {
                KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
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

/// The cockpit on the triage pane (the tab before the actions pane, the last).
fn triage_app(store: &mut Store) -> App {
    let mut app = App::load(store, "fixture.db".into()).unwrap();
    press(&mut app, store, &[KeyCode::BackTab]);
    assert_eq!(app.pane, Pane::Actions, "the actions pane is the last tab");
    press(&mut app, store, &[KeyCode::BackTab]);
    assert_eq!(app.pane, Pane::Triage, "the triage pane is the one before it");
    assert!(app.triage.loaded);
    app
}

fn ids(app: &App) -> Vec<String> {
    triage::visible(app).map(|r| r.account_id.clone()).collect()
}

#[test]
fn triage_80x24() {
    let mut store = demo_store();
    let app = triage_app(&mut store);
    insta::assert_snapshot!(render_text(&app, 80, 24));
}

#[test]
fn the_header_says_how_the_score_did_in_the_backtest() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    // 12 months to June 2026: July 2025 to March 2026 have 3 months after them.
    let b = store
        .triage_backtest()
        .unwrap()
        .expect("the demo's refresh ran the backtest");
    assert_eq!(
        (b.from.as_deref(), b.to.as_deref()),
        (Some("2025-07"), Some("2026-03"))
    );
    assert_eq!(b.figures.months, 9);
    let auc = b.figures.auc.unwrap();
    let share = b.figures.top_decile_churned_mrr_share.unwrap();
    let line = format!(
        "backtest 9 mo, {} acct-months: AUC {auc:.2}, top 10% held {:.0}% of churned MRR",
        cxcockpit::ui::text::number(b.figures.accounts as f64),
        100.0 * share
    );
    assert_eq!(cxcockpit::ui::triage::view::backtest_short(Some(&b)), line);
    let screen = render_text(&app, 160, 48);
    assert!(screen.contains(&line), "{screen}");
    // The same in the pane's JSON.
    let json = cxcockpit::ui::triage::view::pane_json(&app);
    assert_eq!(json["backtest"]["months"], 9);
    assert_eq!(json["backtest"]["auc"].as_f64(), Some(auc));
    // Another weight: the figures are the last refresh's, and the header says so after a reload.
    store.set_setting("triage_weight.detractor", "30").unwrap();
    app.version += 1;
    load::load_inline(&mut app, &store).unwrap();
    assert!(render_text(&app, 160, 48).contains("(old weights)"));
}

#[test]
fn triage_160x48_explained() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    press(&mut app, &mut store, &[KeyCode::Enter]);
    assert!(app.triage.explain);
    let screen = render_text(&app, 160, 48);
    assert!(screen.contains("Score explained"), "{screen}");
    assert!(screen.contains("since last month"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn account_view_80x24_and_160x48() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    let first = ids(&app)[0].clone();
    press(&mut app, &mut store, &chars("v"));
    assert_eq!(app.account.as_ref().unwrap().profile.account_id, first);
    let small = render_text(&app, 80, 24);
    assert!(small.contains(&format!("Account {first}")), "{small}");
    insta::assert_snapshot!("account_80x24", small);
    let large = render_text(&app, 160, 48);
    for section in [
        "Profile",
        "Subscriptions and MRR",
        "Loyalty tier",
        "Recent tickets",
        "Triage timeline",
    ] {
        assert!(large.contains(section), "{section} missing:\n{large}");
    }
    insta::assert_snapshot!("account_160x48", large);
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert!(app.account.is_none(), "Esc closes the account view");
    assert_eq!(app.pane, Pane::Triage);
}

#[test]
fn toggle_hvc_and_all_sort_and_filter() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    let hvc = app.triage.page.matching;
    assert_eq!(
        triage::visible(&app).count(),
        hvc,
        "the demo's queue fits one page"
    );
    assert!(triage::visible(&app).all(|r| r.segment == "hvc"));
    press(&mut app, &mut store, &chars("t"));
    assert!(app.triage.all);
    assert!(app.triage.page.matching > hvc, "all accounts: more rows");
    assert!(triage::visible(&app).any(|r| r.segment == "regular"));
    press(&mut app, &mut store, &chars("t"));
    assert_eq!(app.triage.page.matching, hvc);

    // Score order, then MRR at risk (score x MRR), MRR, age, name.
    let scores: Vec<f64> = triage::visible(&app).map(|r| r.score.total).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    press(&mut app, &mut store, &chars("o"));
    assert_eq!(app.triage.sort, SortKey::MrrAtRisk);
    let at_risk: Vec<f64> = triage::visible(&app)
        .map(|r| r.score.total * r.mrr.unwrap())
        .collect();
    assert!(at_risk.windows(2).all(|w| w[0] >= w[1]), "{at_risk:?}");
    assert_eq!(at_risk.len(), hvc);
    assert!(render_text(&app, 80, 24).contains("sorted by MRR at risk"));
    press(&mut app, &mut store, &chars("o"));
    assert_eq!(app.triage.sort, SortKey::Mrr);
    let mrr: Vec<f64> = triage::visible(&app).map(|r| r.mrr.unwrap()).collect();
    assert!(mrr.windows(2).all(|w| w[0] >= w[1]), "{mrr:?}");
    press(&mut app, &mut store, &chars("oo"));
    assert_eq!(app.triage.sort, SortKey::Name);
    let names: Vec<String> = triage::visible(&app).map(|r| r.name.to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    press(&mut app, &mut store, &chars("o"));
    assert_eq!(app.triage.sort, SortKey::Score);

    // Filters: a driver, a minimum MRR; Esc clears them.
    press(&mut app, &mut store, &chars("f"));
    type_line(&mut app, &mut store, "driver:detractor mrr:1000");
    let rows: Vec<_> = triage::visible(&app).collect();
    assert!(!rows.is_empty() && rows.len() < hvc, "{} of {hvc}", rows.len());
    assert!(
        rows.iter()
            .all(|r| r.mrr.unwrap() >= 1000.0
                && r.score.signals.iter().any(|s| s.signal.name() == "detractor"))
    );
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(app.triage.page.matching, hvc);

    // A bad filter keeps the prompt open and says why.
    press(&mut app, &mut store, &chars("f"));
    type_line(&mut app, &mut store, "colour:red");
    assert!(app.triage.prompt.is_some());
    assert!(app.triage.message.as_deref().unwrap().contains("expected owner:"));
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert!(app.triage.prompt.is_none());

    // Name search with `/`.
    let name = triage::visible(&app).nth(3).unwrap().name.clone();
    press(&mut app, &mut store, &chars("/"));
    type_line(&mut app, &mut store, &name);
    assert!(!ids(&app).is_empty() && triage::visible(&app).all(|r| r.name == name));
}

#[test]
fn a_note_typed_in_the_prompt_is_written_and_shown_in_the_history() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    press(&mut app, &mut store, &chars("j"));
    let account = ids(&app)[1].clone();
    press(&mut app, &mut store, &chars("n"));
    assert!(app.triage.prompt.is_some(), "n opens the prompt");
    type_line(&mut app, &mut store, "called the CTO; escalating\x1b[31m");
    assert!(app.triage.prompt.is_none());
    let history = store.triage_history(&account).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].action, "note");
    assert_eq!(
        history[0].body, "called the CTO; escalating[31m",
        "control characters dropped"
    );
    assert_eq!(history[0].author, triage::me());
    // The account view's timeline shows it.
    press(&mut app, &mut store, &chars("v"));
    let screen = render_text(&app, 160, 48);
    assert!(screen.contains("called the CTO; escalating"), "{screen}");

    // Assign defaults to the login name; Esc on a prompt writes nothing.
    press(&mut app, &mut store, &chars("a"));
    press(&mut app, &mut store, &[KeyCode::Enter]);
    let state = store.account_triage_state(&account).unwrap().unwrap();
    assert_eq!(state.status, "assigned");
    assert_eq!(state.assignee.as_deref(), Some(triage::me().as_str()));
    press(&mut app, &mut store, &chars("r"));
    press(&mut app, &mut store, &[KeyCode::Esc]);
    assert_eq!(
        store.triage_history(&account).unwrap().len(),
        2,
        "cancelled: nothing written"
    );
}

#[test]
fn a_snoozed_account_leaves_the_queue_and_resolve_reopen_work() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    let account = ids(&app)[0].clone();
    press(&mut app, &mut store, &chars("p"));
    type_line(&mut app, &mut store, "2026-13-01");
    assert!(
        app.triage.message.as_deref().unwrap().contains("YYYY-MM-DD"),
        "a bad date is refused"
    );
    press(&mut app, &mut store, &[KeyCode::Backspace; 10]);
    type_line(&mut app, &mut store, "2099-01-31");
    type_line(&mut app, &mut store, "waiting for the renewal call");
    assert!(!ids(&app).contains(&account), "snoozed: out of the queue");
    let history = store.triage_history(&account).unwrap();
    assert_eq!(history.last().unwrap().action, "snooze");
    assert!(
        history
            .last()
            .unwrap()
            .body
            .contains("2099-01-31: waiting for the renewal call")
    );

    let next = ids(&app)[0].clone();
    press(&mut app, &mut store, &chars("r"));
    type_line(&mut app, &mut store, "fixed");
    assert!(!ids(&app).contains(&next), "resolved: out of the queue");
    assert_eq!(
        store.account_triage_state(&next).unwrap().unwrap().status,
        "resolved"
    );
}

#[test]
fn a_read_only_store_says_why_actions_are_unavailable() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    app.triage.readonly = Some("the store cannot be written".into());
    press(&mut app, &mut store, &chars("n"));
    assert!(app.triage.prompt.is_none());
    let screen = render_text(&app, 100, 24);
    assert!(
        screen.contains("actions unavailable: the store cannot be written"),
        "{screen}"
    );
}

#[test]
fn another_connection_sees_an_action_through_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut a = file_store(&path);
    let mut b = Store::open(&path, OpenMode::Existing).unwrap();
    let mut app_a = triage_app(&mut a);
    let mut app_b = triage_app(&mut b);
    assert!(!dispatch::poll(&mut app_b, &b), "nothing changed yet");
    let account = ids(&app_a)[0].clone();
    press(&mut app_a, &mut a, &chars("r"));
    type_line(&mut app_a, &mut a, "done in A");
    assert!(ids(&app_b).contains(&account), "B has not polled yet");
    assert!(dispatch::poll(&mut app_b, &b), "B sees A's commit");
    assert!(
        app_b
            .needs()
            .iter()
            .any(|r| matches!(r, Request::QueuePage { .. })),
        "B asks for the queue again"
    );
    load::load_inline(&mut app_b, &b).unwrap();
    assert!(!ids(&app_b).contains(&account), "resolved in A: out of B's queue");
    assert!(!dispatch::poll(&mut app_b, &b), "no redraw when nothing changed");
}

#[test]
fn tiny_windows_never_panic() {
    let mut store = demo_store();
    let mut app = triage_app(&mut store);
    for keys in ["", "e", "v", "n"] {
        press(&mut app, &mut store, &chars(keys));
        for w in 0..40u16 {
            for h in 0..14u16 {
                let _ = render_text(&app, w, h);
            }
        }
        let _ = render_text(&app, 300, 80);
    }
}

fn cxcockpit() -> Command {
    let mut cmd = Command::cargo_bin("cxcockpit").unwrap();
    cmd.env_remove("CXCOCKPIT_DB").env_remove("NO_COLOR");
    cmd
}

#[test]
fn snapshot_triage_and_account_panes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.db");
    drop(file_store(&path));
    let out = cxcockpit()
        .args([
            "snapshot", "--pane", "triage", "--width", "80", "--height", "24", "--db",
        ])
        .arg(&path)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("Triage: HVC queue"), "{text}");
    let store = Store::open(&path, OpenMode::ReadOnly).unwrap();
    let first = store.triage_queue(false, false, "2026-07-01").unwrap()[0]
        .account_id
        .clone();
    let out = cxcockpit()
        .args(["snapshot", "--pane", &format!("account:{first}"), "--db"])
        .arg(&path)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains(&format!("Account {first}")), "{text}");
    assert!(text.contains("Triage timeline"), "{text}");
    cxcockpit()
        .args(["snapshot", "--pane", "account:NOPE", "--db"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no account 'NOPE'"));
}

/// At 1,500 accounts every active account is more than a page: the pane holds one page around
/// the selected row and reads the next as the selection moves, in the queue's order.
#[test]
fn a_long_queue_is_read_a_page_at_a_time() {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(
        &mut store,
        &DemoParams {
            accounts: 1500,
            ..params()
        },
    )
    .unwrap();
    let mut app = triage_app(&mut store);
    press(&mut app, &mut store, &chars("t"));
    let today = chrono::Local::now().date_naive().to_string();
    let queue: Vec<String> = store
        .triage_queue(true, false, &today)
        .unwrap()
        .into_iter()
        .map(|r| r.account_id)
        .collect();
    assert!(queue.len() > 2 * triage::PAGE_ROWS, "{} accounts", queue.len());
    assert_eq!(app.triage.page.matching, queue.len());
    assert_eq!(triage::visible(&app).count(), triage::PAGE_ROWS);
    let selected = |app: &App| triage::selected(app).map(|r| r.account_id.clone());

    // Down through the first page's end: every row is the queue's.
    for (at, id) in queue.iter().enumerate().take(triage::PAGE_ROWS + 51).skip(1) {
        press(&mut app, &mut store, &chars("j"));
        assert_eq!(selected(&app).as_ref(), Some(id), "row {at}");
    }
    assert!(app.triage.page.offset > 0, "a later page is held");
    // The last row, and back to the first.
    press(&mut app, &mut store, &chars("G"));
    assert_eq!(selected(&app).as_ref(), queue.last());
    assert!(triage::visible(&app).count() <= triage::PAGE_ROWS);
    let screen = render_text(&app, 80, 24);
    let last_name = triage::selected(&app).unwrap().account_id.clone();
    assert!(screen.contains(&last_name), "the last row is drawn:\n{screen}");
    press(&mut app, &mut store, &chars("g"));
    assert_eq!(selected(&app).as_ref(), queue.first());
}
