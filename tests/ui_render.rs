//! Rendering tests of the cockpit: whole screens of every pane at 80x24 and 160x48 as insta
//! snapshots (tests/snapshots/), drawn from a small deterministic demo store; and targeted
//! checks: tiny windows never panic, only ASCII and box-drawing characters are drawn, text from
//! the store is drawn without its control characters, no data is never drawn as zero.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::Store;
use cxcockpit::ui::action::Action;
use cxcockpit::ui::app::apply;
use cxcockpit::ui::{App, Pane, render_text};

/// 300 accounts over 12 months to June 2026, seed 7: the same store, the same screens.
fn demo_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let params = DemoParams {
        accounts: 300,
        months: 12,
        seed: 7,
        as_of: Period::new(2026, 6).unwrap(),
    };
    demo::generate(&mut store, &params).unwrap();
    store
}

fn app(store: &Store) -> App {
    App::load(store, "fixture.db".into()).unwrap()
}

/// The app on the SME broadband journey (the demo lists cloud security first).
fn sme(store: &Store) -> App {
    let mut app = app(store);
    apply(&mut app, store, Action::NextJourney).unwrap();
    assert_eq!(app.journey().unwrap().id, "sme-broadband");
    app
}

#[test]
fn overview_80x24() {
    let store = demo_store();
    insta::assert_snapshot!(render_text(&sme(&store), 80, 24));
}

#[test]
fn overview_160x48() {
    let store = demo_store();
    insta::assert_snapshot!(render_text(&sme(&store), 160, 48));
}

#[test]
fn overview_cloud_unowned_phases_80x24() {
    let store = demo_store();
    let screen = render_text(&app(&store), 80, 24);
    assert!(screen.contains("Deployment"), "{screen}");
    assert_eq!(screen.matches("! NO OWNER").count(), 2, "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn phase_80x24_stacked() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::GotoPane(5)).unwrap(); // Get Support
    let screen = render_text(&app, 80, 24);
    // Stacked: the success section starts below the indicators, at the left edge.
    let ind = screen
        .lines()
        .position(|l| l.contains("Indicators (predict success)"))
        .unwrap();
    let suc = screen
        .lines()
        .position(|l| l.contains("Success metrics"))
        .unwrap();
    assert!(suc > ind, "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn phase_160x48_side_by_side() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::GotoPane(5)).unwrap();
    let screen = render_text(&app, 160, 48);
    let line = screen
        .lines()
        .find(|l| l.contains("Indicators (predict success)"))
        .unwrap();
    assert!(line.contains("Success metrics"), "side by side: {line}");
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_80x24() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::GotoPane(3)).unwrap(); // Use
    apply(&mut app, &store, Action::Open).unwrap();
    assert!(app.detail);
    let screen = render_text(&app, 80, 24);
    for what in [
        "Definition",
        "Source",
        "Direction",
        "Target",
        "Tolerance",
        "Phase goal",
        "n = ",
        "Trend",
    ] {
        assert!(screen.contains(what), "{what} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_160x48() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::GotoPane(3)).unwrap();
    apply(&mut app, &store, Action::Down).unwrap();
    apply(&mut app, &store, Action::Open).unwrap();
    insta::assert_snapshot!(render_text(&app, 160, 48));
}

#[test]
fn help_80x24_lists_every_key() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::Help).unwrap();
    let screen = render_text(&app, 80, 24);
    for binding in cxcockpit::ui::keymap::NORMAL {
        assert!(
            screen.contains(binding.keys),
            "{} missing:\n{screen}",
            binding.keys
        );
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn tiny_windows_do_not_panic() {
    let store = demo_store();
    let mut app = sme(&store);
    for pane in [1, 2, 5] {
        apply(&mut app, &store, Action::GotoPane(pane)).unwrap();
        for detail in [false, true] {
            app.detail = detail && pane > 1;
            for help in [false, true] {
                app.help = help;
                for (w, h) in [
                    (0, 0),
                    (1, 1),
                    (0, 5),
                    (5, 0),
                    (10, 3),
                    (20, 5),
                    (19, 3),
                    (20, 2),
                    (25, 9),
                    (40, 12),
                    (80, 24),
                    (300, 80),
                ] {
                    let screen = render_text(&app, w, h);
                    assert_eq!(screen.lines().count(), if w == 0 { 0 } else { usize::from(h) });
                }
            }
        }
    }
}

#[test]
fn below_the_minimum_one_line_says_so() {
    let store = demo_store();
    let app = sme(&store);
    let screen = render_text(&app, 19, 3);
    assert!(screen.starts_with("window too small"), "{screen}");
    assert_eq!(screen.lines().filter(|l| !l.is_empty()).count(), 1);
    // At the minimum the layout is back.
    let screen = render_text(&app, 20, 3);
    assert!(!screen.contains("window too small"), "{screen}");
}

#[test]
fn only_ascii_box_drawing_and_block_elements() {
    let store = demo_store();
    let mut app = sme(&store);
    for action in [
        Action::GotoPane(1),
        Action::GotoPane(2),
        Action::Open,
        Action::Help,
    ] {
        apply(&mut app, &store, action).unwrap();
        for (w, h) in [(80, 24), (160, 48)] {
            let screen = render_text(&app, w, h);
            for c in screen.chars() {
                let ok = c == '\n' || (' '..='~').contains(&c) || ('\u{2500}'..='\u{259f}').contains(&c);
                assert!(ok, "{c:?} (U+{:04X}) drawn:\n{screen}", c as u32);
            }
        }
    }
}

#[test]
fn control_characters_from_the_store_are_not_drawn() {
    let store = demo_store();
    store
        .conn()
        .execute_batch(
            "UPDATE phase SET name = 'Use' || char(27) || '[2J' || char(7), owner = 'Ops' || char(10) || 'Team'
             WHERE phase_key = 'use';
             UPDATE metric SET name = 'NPS' || char(27) || ']0;pwned' || char(7) WHERE metric_id = 'sme.use.nps';",
        )
        .unwrap();
    let mut app = sme(&store);
    for pane in [1, 3] {
        apply(&mut app, &store, Action::GotoPane(pane)).unwrap();
        let screen = render_text(&app, 120, 40);
        assert!(!screen.chars().any(|c| c.is_control() && c != '\n'), "{screen:?}");
        assert!(screen.contains("Use[2J"), "{screen}");
    }
    apply(&mut app, &store, Action::Open).unwrap();
    let screen = render_text(&app, 120, 40);
    assert!(!screen.chars().any(|c| c.is_control() && c != '\n'), "{screen:?}");
}

#[test]
fn no_data_is_never_drawn_as_zero() {
    let store = demo_store();
    let mut app = app(&store); // cloud security: its imported metrics exist only for 'all'
    assert_eq!(app.segment_id(), "all");
    apply(&mut app, &store, Action::NextSegment).unwrap();
    assert_eq!(app.segment_id(), "hvc");
    apply(&mut app, &store, Action::GotoPane(2)).unwrap(); // Awareness: imported metrics only
    let screen = render_text(&app, 80, 24);
    let row = screen
        .lines()
        .find(|l| l.contains("Social media followers"))
        .unwrap();
    assert!(row.contains("no data") && row.contains("? n/a"), "{row}");
    assert!(!row.contains(" 0 "), "{row}");
}

#[test]
fn the_header_names_store_journey_period_and_segment() {
    let store = demo_store();
    let mut app = sme(&store);
    let header = render_text(&app, 80, 24).lines().next().unwrap().to_string();
    for what in ["fixture.db", "SME broadband", "2026-06", "segment all"] {
        assert!(header.contains(what), "{what} missing: {header}");
    }
    apply(&mut app, &store, Action::PrevMonth).unwrap();
    apply(&mut app, &store, Action::NextSegment).unwrap();
    let header = render_text(&app, 80, 24).lines().next().unwrap().to_string();
    assert!(
        header.contains("2026-05") && header.contains("segment HVC"),
        "{header}"
    );
    assert_eq!(app.pane, Pane::Overview);
}
