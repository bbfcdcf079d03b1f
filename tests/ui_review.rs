//! The review mode: screens as insta snapshots at 80x24 and 160x48 on the rendering tests' demo
//! store (300 accounts, 12 months, seed 7, to June 2026, in memory and so writable); key
//! sequences through the keymap and the writing entry point that sign off a phase without red,
//! are refused on red and sign off with a multi-line note, reopen a signed-off phase by editing
//! its note (the earlier note stays in its history), count the progress; a read-only store says
//! why; tiny windows never panic; `snapshot --pane review` from the command line.
//!
//! The demo's June 2026 review of Cloud security: Awareness has a red metric (social media
//! followers), Consideration none, Deployment no owner.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::review::{PhaseReview, ReviewStatus, login_name};
use cxcockpit::store::{OpenMode, Store};
use cxcockpit::ui::keymap::{InputMode, action_for};
use cxcockpit::ui::{App, dispatch, render_text};

fn params() -> DemoParams {
    DemoParams {
        accounts: 300,
        months: 12,
        seed: 7,
        as_of: Period::new(2026, 6).unwrap(),
    }
}

fn june() -> Period {
    Period::new(2026, 6).unwrap()
}

fn demo_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &params()).unwrap();
    store
}

/// A key as a terminal sends it: upper-case letters with Shift.
fn plain(code: KeyCode) -> KeyEvent {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, modifiers)
}

fn ctrl_s() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)
}

/// Presses keys through the keymap and the writing entry point the event loop uses.
fn press(app: &mut App, store: &mut Store, keys: &[KeyEvent]) {
    for key in keys {
        if let Some(action) = action_for(*key, app.input_mode()) {
            dispatch::apply(app, store, action).unwrap();
        }
    }
}

fn keys(text: &str) -> Vec<KeyEvent> {
    text.chars().map(|c| plain(KeyCode::Char(c))).collect()
}

fn code(code: KeyCode) -> Vec<KeyEvent> {
    vec![plain(code)]
}

/// Types text into the note editor; a line break is Enter.
fn type_note(app: &mut App, store: &mut Store, text: &str) {
    for c in text.chars() {
        let key = if c == '\n' {
            plain(KeyCode::Enter)
        } else {
            plain(KeyCode::Char(c))
        };
        press(app, store, &[key]);
    }
}

/// The cockpit with the review of June 2026 open (`V` from the overview).
fn review_app(store: &mut Store) -> App {
    let mut app = App::load(store, "fixture.db".into()).unwrap();
    press(&mut app, store, &keys("V"));
    let state = app.review.as_ref().expect("V opens the review");
    assert_eq!(state.period, june());
    assert!(state.doc.is_some(), "the review is read when it opens");
    app
}

fn journey(app: &App) -> String {
    app.review.as_ref().unwrap().journey_id.clone()
}

fn stored(store: &Store, app: &App, name: &str) -> PhaseReview {
    store
        .review(&journey(app), june())
        .unwrap()
        .phases
        .into_iter()
        .find(|p| p.phase_name == name)
        .unwrap()
}

fn step_name(app: &App) -> String {
    let state = app.review.as_ref().unwrap();
    state.phase().unwrap().0.name.clone()
}

#[test]
fn review_80x24() {
    let mut store = demo_store();
    let app = review_app(&mut store);
    let screen = render_text(&app, 80, 24);
    for part in [
        "Review 2026-06 Cloud security: phase 1 of 6, Awareness",
        "0 of 6 phases signed off",
        "CX goal: Know the brand",
        "Owner: Brand Marketing",
        "Changed status since 2026-05",
        "Social media followers",
        "x bad",
        "Notes",
        "O sign off",
    ] {
        assert!(screen.contains(part), "{part} missing:\n{screen}");
    }
    // The phase's moments of truth, as in the phase pane and the review documents.
    assert!(
        screen.contains("Moments of truth: First visit to the website"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn review_160x48_side_by_side() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    // Operate & Loyalty: the phase with the most metrics.
    press(&mut app, &mut store, &[plain(KeyCode::Tab); 4]);
    assert_eq!(step_name(&app), "Operate & Loyalty");
    let screen = render_text(&app, 160, 48);
    let both = screen
        .lines()
        .find(|l| l.contains("Indicators (predict success)"))
        .unwrap();
    assert!(both.contains("Success metrics"), "side by side:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn next_and_previous_walk_the_phases_and_no_owner_shows() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    assert_eq!(step_name(&app), "Awareness");
    press(&mut app, &mut store, &code(KeyCode::Tab));
    assert_eq!(step_name(&app), "Consideration");
    press(&mut app, &mut store, &code(KeyCode::BackTab));
    assert_eq!(step_name(&app), "Awareness");
    press(&mut app, &mut store, &code(KeyCode::BackTab));
    assert_eq!(step_name(&app), "Awareness", "no step before the first");
    press(&mut app, &mut store, &keys("lll"));
    assert_eq!(step_name(&app), "Deployment");
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("! NO OWNER"), "{screen}");
    // Esc closes the review and the cockpit is where it was.
    press(&mut app, &mut store, &code(KeyCode::Esc));
    assert!(app.review.is_none());
    assert!(render_text(&app, 100, 30).contains("Overview"));
}

#[test]
fn a_phase_without_red_signs_off_and_the_progress_counts() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    press(&mut app, &mut store, &code(KeyCode::Tab));
    assert_eq!(step_name(&app), "Consideration");
    press(&mut app, &mut store, &keys("O"));
    let done = stored(&store, &app, "Consideration");
    assert_eq!(done.status, ReviewStatus::SignedOff);
    assert_eq!(done.reviewer.as_deref(), Some(login_name().as_str()));
    assert!(done.updated_at.is_some(), "when is recorded");
    let state = app.review.as_ref().unwrap();
    assert_eq!(state.progress_line(), "1 of 6 phases signed off");
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("1 of 6 phases signed off"), "{screen}");
    assert!(
        screen.contains(&format!("Review: signed off by {}", login_name())),
        "{screen}"
    );
    // Marking another phase in review does not count; a second sign-off does.
    press(&mut app, &mut store, &code(KeyCode::Tab));
    press(&mut app, &mut store, &keys("m"));
    assert_eq!(stored(&store, &app, "Commitment").status, ReviewStatus::InReview);
    assert!(render_text(&app, 100, 30).contains("1 of 6 phases signed off"));
    press(&mut app, &mut store, &keys("O"));
    assert!(render_text(&app, 100, 30).contains("2 of 6 phases signed off"));
    assert_eq!(store.review(&journey(&app), june()).unwrap().signed_off(), 2);
}

#[test]
fn a_red_phase_needs_a_note_then_signs_off_with_a_multi_line_one() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    assert_eq!(step_name(&app), "Awareness");
    press(&mut app, &mut store, &keys("O"));
    // Refused: the message names the red metric, the editor opens, nothing is written.
    let state = app.review.as_ref().unwrap();
    let message = state.message.clone().unwrap();
    assert!(message.contains("not signed off: red metrics"), "{message}");
    assert!(message.contains("Social media followers"), "{message}");
    assert!(state.editor.as_ref().is_some_and(|e| e.sign_off));
    assert_eq!(app.input_mode(), InputMode::Editor);
    assert_eq!(stored(&store, &app, "Awareness").status, ReviewStatus::NotStarted);
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("required to sign off"), "{screen}");
    // Letters are text in the editor (O does not sign off, q does not quit), Enter breaks lines.
    type_note(
        &mut app,
        &mut store,
        "Followers dip: Q2 campaign paused.\nBack in July.",
    );
    assert!(app.review.as_ref().unwrap().editor.is_some());
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("Followers dip: Q2 campaign paused."), "{screen}");
    assert!(screen.contains("Back in July._"), "{screen}");
    press(&mut app, &mut store, &[ctrl_s()]);
    let done = stored(&store, &app, "Awareness");
    assert_eq!(done.status, ReviewStatus::SignedOff);
    assert_eq!(done.notes, "Followers dip: Q2 campaign paused.\nBack in July.");
    assert_eq!(app.input_mode(), InputMode::Normal);
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("1 of 6 phases signed off"), "{screen}");
    assert!(screen.contains("Back in July."), "the notes show:\n{screen}");
}

#[test]
fn editing_a_signed_off_note_reopens_it_and_keeps_the_earlier_note() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    press(&mut app, &mut store, &code(KeyCode::Tab));
    press(&mut app, &mut store, &keys("w"));
    type_note(&mut app, &mut store, "First reading.");
    press(&mut app, &mut store, &[ctrl_s()]);
    assert_eq!(
        stored(&store, &app, "Consideration").status,
        ReviewStatus::InReview,
        "notes put a phase in review"
    );
    press(&mut app, &mut store, &keys("O"));
    assert_eq!(
        stored(&store, &app, "Consideration").status,
        ReviewStatus::SignedOff
    );
    // The editor starts from the current note; Backspace deletes.
    press(&mut app, &mut store, &keys("w"));
    assert_eq!(
        app.review.as_ref().unwrap().editor.as_ref().unwrap().text,
        "First reading."
    );
    press(&mut app, &mut store, &[plain(KeyCode::Backspace)]);
    type_note(&mut app, &mut store, ", then a second.");
    press(&mut app, &mut store, &[ctrl_s()]);
    let reopened = stored(&store, &app, "Consideration");
    assert_eq!(reopened.status, ReviewStatus::InReview);
    assert_eq!(reopened.notes, "First reading, then a second.");
    assert_eq!(reopened.history.len(), 1);
    assert_eq!(reopened.history[0].notes, "First reading.");
    assert_eq!(reopened.history[0].status, ReviewStatus::SignedOff);
    let message = app.review.as_ref().unwrap().message.clone().unwrap();
    assert!(message.contains("Consideration reopened"), "{message}");
    assert!(render_text(&app, 100, 30).contains("0 of 6 phases signed off"));
    // H shows the earlier sign-off with its note.
    press(&mut app, &mut store, &keys("H"));
    let screen = render_text(&app, 100, 30);
    assert!(
        screen.contains("history of Consideration (1 earlier)"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("earlier: signed off by {} at", login_name())),
        "{screen}"
    );
    assert!(screen.contains("First reading."), "{screen}");
    assert!(
        screen.contains("First reading, then a second."),
        "the current note shows too:\n{screen}"
    );
    press(&mut app, &mut store, &code(KeyCode::Esc));
    assert!(
        !app.review.as_ref().unwrap().history,
        "Esc closes the history first"
    );
    assert!(app.review.is_some());
}

#[test]
fn esc_in_the_editor_writes_nothing() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    press(&mut app, &mut store, &keys("w"));
    type_note(&mut app, &mut store, "draft");
    press(&mut app, &mut store, &code(KeyCode::Esc));
    assert!(app.review.as_ref().unwrap().editor.is_none());
    let phase = stored(&store, &app, "Awareness");
    assert_eq!(phase.status, ReviewStatus::NotStarted);
    assert_eq!(phase.notes, "");
}

#[test]
fn another_month_is_reviewed_apart() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    press(&mut app, &mut store, &code(KeyCode::Tab));
    press(&mut app, &mut store, &keys("O"));
    press(&mut app, &mut store, &keys("["));
    let state = app.review.as_ref().unwrap();
    assert_eq!(state.period, Period::new(2026, 5).unwrap());
    assert_eq!(state.progress_line(), "0 of 6 phases signed off");
    assert!(render_text(&app, 100, 30).contains("Review 2026-05"));
    press(&mut app, &mut store, &keys("]"));
    assert_eq!(
        app.review.as_ref().unwrap().progress_line(),
        "1 of 6 phases signed off"
    );
}

#[test]
fn a_read_only_store_says_why_review_actions_are_unavailable() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    app.triage.readonly = Some("the store cannot be written".into());
    press(&mut app, &mut store, &keys("O"));
    press(&mut app, &mut store, &keys("w"));
    assert!(app.review.as_ref().unwrap().editor.is_none());
    let screen = render_text(&app, 100, 30);
    assert!(
        screen.contains("review actions unavailable: the store cannot be written"),
        "{screen}"
    );
    assert!(
        screen.contains("read-only: the store cannot be written"),
        "{screen}"
    );
    assert_eq!(stored(&store, &app, "Awareness").status, ReviewStatus::NotStarted);
}

#[test]
fn help_lists_the_review_keys() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    press(&mut app, &mut store, &keys("?"));
    let screen = render_text(&app, 100, 40);
    assert!(screen.contains("review: open / close"), "{screen}");
    assert!(screen.contains("review: mark / sign off"), "{screen}");
}

#[test]
fn tiny_windows_never_panic() {
    let mut store = demo_store();
    let mut app = review_app(&mut store);
    let draw_all = |app: &App| {
        for w in 0..40u16 {
            for h in 0..16u16 {
                let _ = render_text(app, w, h);
            }
        }
        let _ = render_text(app, 300, 80);
    };
    draw_all(&app);
    press(&mut app, &mut store, &keys("O"));
    type_note(&mut app, &mut store, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn");
    draw_all(&app);
    press(&mut app, &mut store, &[ctrl_s()]);
    press(&mut app, &mut store, &keys("H"));
    draw_all(&app);
}

fn cxcockpit() -> Command {
    let mut cmd = Command::cargo_bin("cxcockpit").unwrap();
    cmd.env_remove("CXCOCKPIT_DB").env_remove("NO_COLOR");
    cmd
}

#[test]
fn snapshot_review_pane() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.db");
    {
        let mut store = Store::open(&path, OpenMode::Create).unwrap();
        demo::generate(&mut store, &params()).unwrap();
    }
    let out = cxcockpit()
        .args([
            "snapshot", "--pane", "review", "--width", "80", "--height", "24", "--db",
        ])
        .arg(&path)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("Review 2026-06 Cloud security: phase 1 of 6"),
        "{text}"
    );
    assert!(text.contains("0 of 6 phases signed off"), "{text}");
    let out = cxcockpit()
        .args([
            "--format", "json", "snapshot", "--pane", "review", "--period", "2026-05", "--db",
        ])
        .arg(&path)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["pane"], "review");
    assert_eq!(json["review"]["period"], "2026-05");
    assert_eq!(json["review"]["phases"].as_array().unwrap().len(), 6);
}
