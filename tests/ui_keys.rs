//! Key sequences driven through the cockpit's state, as the event loop drives them: keys become
//! actions through the keymap, actions change the state and load data only when the journey
//! or the segment changes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::Store;
use cxcockpit::ui::action::Outcome;
use cxcockpit::ui::app::apply;
use cxcockpit::ui::keymap::action_for;
use cxcockpit::ui::load::Request;
use cxcockpit::ui::{App, Pane, render_text};

fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let params = DemoParams {
        accounts: 200,
        months: 12,
        seed: 11,
        as_of: Period::new(2026, 6).unwrap(),
    };
    demo::generate(&mut store, &params).unwrap();
    store
}

/// Presses keys as a terminal sends them: a string of characters, or named keys.
fn press(app: &mut App, store: &Store, keys: &[KeyCode]) -> Vec<Outcome> {
    keys.iter()
        .filter_map(|code| {
            let modifiers = match code {
                KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
                KeyCode::BackTab => KeyModifiers::SHIFT,
                _ => KeyModifiers::NONE,
            };
            let action = action_for(KeyEvent::new(*code, modifiers), app.input_mode())?;
            Some(apply(app, store, action).unwrap())
        })
        .collect()
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

fn period(text: &str) -> Period {
    text.parse().unwrap()
}

#[test]
fn months_step_and_stop_at_the_store_edges() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    assert_eq!(app.period, period("2026-06"), "opens on the store's last month");
    assert_eq!(
        press(&mut app, &store, &chars("]")),
        vec![Outcome::Ignored],
        "no month after the last"
    );
    press(&mut app, &store, &chars("[[<"));
    assert_eq!(app.period, period("2026-03"));
    press(&mut app, &store, &chars(">"));
    assert_eq!(app.period, period("2026-04"));
    press(&mut app, &store, &chars(&"[".repeat(30)));
    assert_eq!(app.period, period("2025-07"), "stops at the first month");
}

#[test]
fn segments_cycle_and_load_their_series() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let segments = store.segments().unwrap();
    assert!(segments.len() >= 4, "{segments:?}");
    assert_eq!(app.segment_id(), "all");
    let before = app.data.series.clone();
    assert_eq!(press(&mut app, &store, &chars("s")), vec![Outcome::LoadSegment]);
    assert_eq!(app.segment_id(), "hvc");
    assert_ne!(app.data.series, before, "the HVC series is loaded");
    let journey = app.journey().unwrap().id.clone();
    assert_eq!(app.data.series, store.series(&journey, "hvc").unwrap());
    press(&mut app, &store, &chars(&"s".repeat(segments.len() - 1)));
    assert_eq!(app.segment_id(), "all", "wraps around");
    assert_eq!(app.data.series, before);
    press(&mut app, &store, &chars("S"));
    assert_eq!(app.segment_id(), segments.last().unwrap());
}

#[test]
fn panes_switch_with_tab_arrows_vim_keys_and_digits() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let phases = app.data.phases.len();
    assert_eq!(app.pane, Pane::Overview);
    press(&mut app, &store, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Phase(0));
    press(&mut app, &store, &chars("l"));
    press(&mut app, &store, &[KeyCode::Right]);
    assert_eq!(app.pane, Pane::Phase(2));
    press(&mut app, &store, &[KeyCode::BackTab]);
    press(&mut app, &store, &chars("h"));
    press(&mut app, &store, &[KeyCode::Left]);
    assert_eq!(app.pane, Pane::Overview);
    press(&mut app, &store, &[KeyCode::BackTab]);
    let last = Pane::from_index(Pane::count(phases) - 1, phases).unwrap();
    assert_eq!(app.pane, last, "wraps to the last pane");
    press(&mut app, &store, &chars("1"));
    assert_eq!(app.pane, Pane::Overview);
    press(&mut app, &store, &chars("3"));
    assert_eq!(app.pane, Pane::Phase(1));
    // After the phases: churn, then tiers.
    press(&mut app, &store, &chars(&(phases + 2).to_string()));
    assert_eq!(app.pane, Pane::Churn);
    press(&mut app, &store, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Tiers);
    press(&mut app, &store, &chars("J")); // SME broadband: 5 phases, so 9 is past the churn pane
    let phases = app.data.phases.len();
    assert_eq!(phases, 5);
    press(&mut app, &store, &chars("7"));
    assert_eq!(app.pane, Pane::Churn);
    if Pane::count(phases) < 9 {
        assert_eq!(
            press(&mut app, &store, &chars("9")),
            vec![Outcome::Ignored],
            "no ninth pane"
        );
    }
}

#[test]
fn the_period_and_segment_are_the_same_in_every_pane() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    press(&mut app, &store, &chars("[s"));
    for _ in 0..=app.data.phases.len() {
        press(&mut app, &store, &[KeyCode::Tab]);
        assert_eq!((app.period, app.segment_id()), (period("2026-05"), "hvc"));
    }
}

#[test]
fn rows_move_with_j_k_g_and_g_and_enter_opens() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let phases = app.data.phases.len();
    press(&mut app, &store, &chars("jj"));
    assert_eq!(app.cursor(), 2);
    press(&mut app, &store, &chars("G"));
    assert_eq!(app.cursor(), phases - 1);
    press(&mut app, &store, &[KeyCode::Down]);
    assert_eq!(app.cursor(), phases - 1, "stays on the last row");
    press(&mut app, &store, &chars("gk"));
    assert_eq!(app.cursor(), 0);
    press(&mut app, &store, &[KeyCode::Down, KeyCode::Enter]);
    assert_eq!(app.pane, Pane::Phase(1), "Enter on a phase opens its pane");
    let first = app.selected_metric().unwrap().id.clone();
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(app.detail);
    press(&mut app, &store, &chars("j"));
    assert_ne!(
        app.selected_metric().unwrap().id,
        first,
        "j in the detail moves to the next metric"
    );
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.detail);
    assert_eq!(app.pane, Pane::Phase(1));
}

#[test]
fn the_filter_keeps_matching_metrics_only() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    press(&mut app, &store, &chars("J")); // SME broadband
    press(&mut app, &store, &chars("5")); // Get Support
    let all = app.rows();
    assert_eq!(all, 5);
    press(&mut app, &store, &chars("/"));
    // While typing, letters are text, not keys: q does not quit, j does not move.
    let outcomes = press(&mut app, &store, &chars("qjTIME"));
    assert!(!outcomes.contains(&Outcome::Quit));
    assert_eq!(app.filter, "qjTIME");
    assert_eq!(app.rows(), 0);
    press(&mut app, &store, &[KeyCode::Backspace; 4]);
    press(&mut app, &store, &[KeyCode::Backspace, KeyCode::Backspace]);
    press(&mut app, &store, &chars("time"));
    let names: Vec<String> = app
        .phase_metrics(app.phase().unwrap())
        .iter()
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(names, ["First response time", "Resolution time"]);
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(!app.filtering);
    assert_eq!(app.rows(), 2, "the filter stays after Enter");
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!(app.filter, "", "Esc drops a kept filter");
    assert_eq!(app.rows(), all);
    press(&mut app, &store, &chars("/x"));
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!((app.filter.as_str(), app.filtering), ("", false));
}

#[test]
fn journey_switch_loads_the_other_journey() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let first = app.journey().unwrap().id.clone();
    press(&mut app, &store, &chars("3s"));
    assert_eq!(press(&mut app, &store, &chars("J")), vec![Outcome::LoadJourney]);
    let second = app.journey().unwrap().id.clone();
    assert_ne!(first, second);
    assert_eq!(app.pane, Pane::Overview);
    assert_eq!(app.segment_id(), "hvc", "the segment stays");
    assert_eq!(app.data.phases, store.phases(&second).unwrap());
    assert_eq!(app.data.series, store.series(&second, "hvc").unwrap());
    press(&mut app, &store, &chars("J"));
    assert_eq!(app.journey().unwrap().id, first);
}

#[test]
fn help_zoom_and_leaving() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    press(&mut app, &store, &chars("?"));
    assert!(app.help);
    // Any key closes the help and does nothing else.
    assert_ne!(press(&mut app, &store, &chars("q")), vec![Outcome::Quit]);
    assert!(!app.help);
    press(&mut app, &store, &chars("z"));
    assert!(app.zoom);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.zoom, "Esc leaves the zoom first");
    assert!(
        !press(&mut app, &store, &[KeyCode::Esc]).contains(&Outcome::Quit),
        "and never leaves the cockpit (issue #18)"
    );
    assert_eq!(press(&mut app, &store, &chars("q")), vec![Outcome::Quit]);
    let ctrl_c = action_for(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        app.input_mode(),
    );
    assert_eq!(apply(&mut app, &store, ctrl_c.unwrap()).unwrap(), Outcome::Quit);
}

#[test]
fn a_store_without_journeys_opens_and_draws() {
    let store = Store::open_in_memory().unwrap();
    let mut app = App::load(&store, "empty.db".into()).unwrap();
    for keys in ["j", "]", "[", "s", "J", "\t"] {
        press(&mut app, &store, &chars(keys));
    }
    let screen = cxcockpit::ui::render_text(&app, 80, 24);
    assert!(screen.contains("no journeys"), "{screen}");
}

/// Goes to `pane` with the digit keys, as a user would.
fn goto(app: &mut App, store: &Store, pane: Pane) {
    let tab = pane.tab(app.data.phases.len());
    let digit = char::from_digit(tab as u32 + 1, 10).unwrap();
    press(app, store, &chars(&digit.to_string()));
    assert_eq!(app.pane, pane);
}

#[test]
fn month_stepping_changes_the_churn_figures() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    goto(&mut app, &store, Pane::Churn);
    let june = cxcockpit::ui::render_text(&app, 120, 40);
    let june_rows = app.rows();
    press(&mut app, &store, &chars("["));
    assert_eq!(app.period, period("2026-05"));
    let may = cxcockpit::ui::render_text(&app, 120, 40);
    assert!(may.contains("Churn and revenue retention: 2026-05"), "{may}");
    let figures = |s: &str| s.lines().skip(2).take(4).collect::<Vec<_>>().join("\n");
    assert_ne!(figures(&june), figures(&may), "the figures follow the month");
    // The pane counts the journey shown's accounts.
    let journey = app.journey().map(|j| j.id.clone());
    let want = store
        .churn_months(journey.as_deref(), "all", period("2026-05"), period("2026-05"))
        .unwrap()[0]
        .1;
    assert!(figures(&may).contains(&want.n_start.to_string()), "{may}");
    assert_eq!(
        app.rows(),
        store
            .churned_accounts_in(journey.as_deref(), "all", period("2026-05"), period("2026-05"))
            .unwrap()
            .len()
    );
    // Back to June: the same screen, from memory.
    press(&mut app, &store, &chars("]"));
    assert_eq!(app.rows(), june_rows);
    assert_eq!(cxcockpit::ui::render_text(&app, 120, 40), june);
    // The segment changes the figures too.
    press(&mut app, &store, &chars("s"));
    let hvc = cxcockpit::ui::render_text(&app, 120, 40);
    assert!(hvc.contains("segment HVC"), "{hvc}");
    assert_ne!(figures(&hvc), figures(&june));
}

#[test]
fn the_definitions_overlay_opens_and_closes() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    // On the overview: how metrics are judged, and the journey's survey scales.
    assert_eq!(press(&mut app, &store, &chars("d")), vec![Outcome::Continue]);
    let overview = cxcockpit::ui::render_text(&app, 100, 30);
    assert!(overview.contains("Definitions (d or Esc closes)"), "{overview}");
    assert!(overview.contains("NPS scale"), "{overview}");
    press(&mut app, &store, &chars("d"));
    assert!(!app.definitions);
    goto(&mut app, &store, Pane::Churn);
    press(&mut app, &store, &chars("d"));
    assert!(app.definitions);
    assert!(cxcockpit::ui::render_text(&app, 100, 30).contains("Definitions (d or Esc closes)"));
    press(&mut app, &store, &chars("d"));
    assert!(!app.definitions);
    press(&mut app, &store, &chars("d"));
    assert_ne!(press(&mut app, &store, &[KeyCode::Esc]), vec![Outcome::Quit]);
    assert!(!app.definitions, "Esc closes it without leaving");
    assert_eq!(app.pane, Pane::Churn);
}

#[test]
fn enter_on_a_churned_account_shows_it_and_j_moves() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    goto(&mut app, &store, Pane::Churn);
    // A month of the journey shown with more than one churned account.
    for _ in 0..11 {
        if app.rows() > 1 {
            break;
        }
        press(&mut app, &store, &chars("["));
    }
    assert!(app.rows() > 1, "a demo month has churned accounts");
    let first = app.selected_churned().unwrap().account_id.clone();
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(app.detail);
    let screen = cxcockpit::ui::render_text(&app, 120, 40);
    assert!(screen.contains(&first) && screen.contains("MRR lost"), "{screen}");
    press(&mut app, &store, &chars("j"));
    assert_ne!(app.selected_churned().unwrap().account_id, first);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.detail);
}

#[test]
fn v_on_a_churned_account_opens_the_account_view() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    goto(&mut app, &store, Pane::Churn);
    let id = app.selected_churned().unwrap().account_id.clone();
    press(&mut app, &store, &chars("v"));
    let view = app.account.as_ref().expect("the account view is open");
    let screen = cxcockpit::ui::render_text(&app, 120, 40);
    assert!(screen.contains(&format!("Account {id}")), "{view:?}\n{screen}");
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(app.account.is_none());
}

#[test]
fn enter_on_a_tier_account_shows_its_explanation() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    goto(&mut app, &store, Pane::Tiers);
    assert!(app.rows() > 0, "accounts to watch");
    press(&mut app, &store, &chars("G"));
    assert_eq!(app.cursor(), app.rows() - 1);
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(app.detail);
    let id = app.selected_tier_account().unwrap().account_id.clone();
    let screen = cxcockpit::ui::render_text(&app, 160, 48);
    assert!(screen.contains(&format!("Account {id} (Esc closes)")), "{screen}");
    assert!(
        screen.contains("required") && screen.contains("actual"),
        "{screen}"
    );
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.detail);
    // A month back loads that month's tiers.
    press(&mut app, &store, &chars("["));
    assert!(app.tiers.month(period("2026-05")).is_some());
}

/// The keys of the event loop with no read made: what `dispatch::update` does before the loader
/// answers.
fn press_unread(app: &mut App, keys: &[KeyCode]) {
    for code in keys {
        if let Some(action) = action_for(KeyEvent::new(*code, KeyModifiers::NONE), app.input_mode()) {
            app.update(action);
        }
    }
}

#[test]
fn a_pane_says_what_it_is_reading_and_keys_move_meanwhile() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let churn = Pane::Churn.tab(app.data.phases.len()) + 1;
    let tiers = churn + 1;
    press_unread(&mut app, &chars(&churn.to_string()));
    assert_eq!(app.pane, Pane::Churn);
    let wanted = app.needs();
    assert_eq!(
        wanted,
        vec![
            Request::ChurnMonths {
                journey: Some("cloud-security".into())
            },
            Request::ChurnEvents {
                journey: Some("cloud-security".into()),
                period: period("2026-06"),
                segment: "all".into()
            }
        ]
    );
    let screen = render_text(&app, 100, 30);
    assert!(screen.contains("loading churn and retention..."), "{screen}");
    // Nothing read yet, and the month, the pane and help still move.
    press_unread(&mut app, &chars("["));
    assert_eq!(app.period, period("2026-05"));
    press_unread(&mut app, &chars(&tiers.to_string()));
    assert_eq!(app.pane, Pane::Tiers);
    assert_eq!(app.needs(), vec![Request::TierLadder]);
    assert!(render_text(&app, 100, 30).contains("loading the loyalty ladder..."));
    press_unread(&mut app, &chars("?"));
    assert!(app.help);
}

#[test]
fn a_failed_read_shows_in_its_pane_and_c_l_tries_again() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let churn = Pane::Churn.tab(app.data.phases.len()) + 1;
    press_unread(&mut app, &chars(&churn.to_string()));
    for request in app.needs() {
        app.receive(request, Err("database is locked".into()));
    }
    assert!(
        app.needs().is_empty(),
        "a failed read is not asked again by itself"
    );
    let screen = render_text(&app, 100, 30);
    assert!(
        screen.contains("x could not read churn and retention (database is locked): C-l tries again"),
        "{screen}"
    );
    // The cockpit goes on: another pane draws, and C-l asks again.
    press_unread(&mut app, &chars("1"));
    assert!(render_text(&app, 100, 30).contains("Overview"));
    press_unread(&mut app, &chars(&churn.to_string()));
    app.update(cxcockpit::ui::action::Action::Redraw);
    assert_eq!(app.needs().len(), 2);
    cxcockpit::ui::load::load_inline(&mut app, &store).unwrap();
    let screen = render_text(&app, 100, 30);
    assert!(
        screen.contains("active at start") && !screen.contains("could not read"),
        "{screen}"
    );
}

#[test]
fn an_answer_for_a_month_left_behind_is_kept_apart_from_the_month_shown() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let churn = Pane::Churn.tab(app.data.phases.len()) + 1;
    press(&mut app, &store, &chars(&churn.to_string()));
    let june = app.churn.events(period("2026-06"), "all").unwrap().accounts.len();
    // The user steps back before May arrives; June's answer (late) must not show as May's.
    press_unread(&mut app, &chars("["));
    assert!(app.churn.events(period("2026-05"), "all").is_none());
    let screen = render_text(&app, 100, 40);
    assert!(screen.contains("loading churn events for 2026-05"), "{screen}");
    assert!(
        !screen.contains(&format!("Churned accounts: {june},")),
        "{screen}"
    );
}

/// Reads what the screen needs, then the read-ahead, as the event loop does while idle; the
/// number of rounds until nothing is wanted (None: it never settles).
fn settle(app: &mut App, store: &Store) -> Option<usize> {
    for round in 0..20 {
        let mut wanted = app.needs();
        if wanted.is_empty() {
            wanted = app.prefetch();
        }
        if wanted.is_empty() {
            return Some(round);
        }
        for request in wanted {
            let answer = cxcockpit::ui::load::load(store, app.catalogue.range, &request).unwrap();
            app.receive(request, Ok(answer));
        }
    }
    None
}

/// The month shown and its neighbours inside the store.
fn around(app: &App) -> Vec<Period> {
    let (first, last) = app.catalogue.range.unwrap();
    [app.period.prev(), app.period, app.period.next()]
        .into_iter()
        .filter(|p| first <= *p && *p <= last)
        .collect()
}

#[test]
fn the_read_ahead_ends_and_keeps_what_it_read() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let churn = Pane::Churn.tab(app.data.phases.len()) + 1;
    for keys in [
        churn.to_string(),
        "[".into(),
        "s".into(),
        "s".into(),
        "s".into(),
        "[".into(),
    ] {
        press_unread(&mut app, &chars(&keys));
        assert!(
            settle(&mut app, &store).is_some(),
            "the read-ahead never settles after {keys}"
        );
        let segment = app.segment_id().to_string();
        for month in around(&app) {
            assert!(
                app.churn.events(month, &segment).is_some(),
                "{month} {segment} not kept"
            );
        }
    }
    assert!(app.churn.events.len() <= 5, "at most five months of events kept");
    press_unread(&mut app, &chars(&(churn + 1).to_string()));
    assert_eq!(app.pane, Pane::Tiers);
    for keys in ["", "[", "[", "]"] {
        press_unread(&mut app, &chars(keys));
        assert!(
            settle(&mut app, &store).is_some(),
            "tiers read-ahead never settles"
        );
        for month in around(&app) {
            assert!(app.tiers.month(month).is_some(), "tiers {month} not kept");
        }
    }
    assert!(app.tiers.months.len() <= 3);
}

#[test]
fn idle_elsewhere_the_read_ahead_reads_what_churn_triage_and_tiers_open_on() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    assert_eq!(app.pane, Pane::Overview);
    assert!(settle(&mut app, &store).is_some(), "the read-ahead never settles");
    // Each opens on what was read ahead: nothing is left to read (the screen shows at once).
    let churn = Pane::Churn.tab(app.data.phases.len()) + 1;
    press_unread(&mut app, &chars(&churn.to_string()));
    assert_eq!(app.pane, Pane::Churn);
    assert_eq!(app.needs(), Vec::<Request>::new(), "churn");
    press_unread(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Tiers);
    assert_eq!(app.needs(), Vec::<Request>::new(), "tiers");
    press_unread(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.pane, Pane::Triage);
    assert_eq!(app.needs(), Vec::<Request>::new(), "triage");
    assert!(app.triage.loaded && !app.triage.page.rows.is_empty());
    let screen = render_text(&app, 120, 40);
    assert!(!screen.contains("loading"), "{screen}");
}

/// Issue #18: Esc backs out of what is open (zoom, detail), then returns from a pane to the
/// one it was opened from (a phase opened from the overview), and never leaves the cockpit;
/// `q` and C-c do. Moving across the tabs (Tab, digits) opens nothing to return from.
#[test]
fn esc_returns_to_where_you_came_from_and_never_quits() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    press(&mut app, &store, &chars("jj"));
    press(&mut app, &store, &[KeyCode::Enter]);
    assert_eq!(app.pane, Pane::Phase(2), "Enter opens the overview's phase");
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(app.detail);
    press(&mut app, &store, &chars("z"));
    // Esc: the detail, the zoom, then back to the overview the phase was opened from.
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.detail);
    assert!(app.zoom);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(!app.zoom);
    assert_eq!(app.pane, Pane::Phase(2));
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!(app.pane, Pane::Overview);
    assert_eq!(app.cursor(), 2, "on the phase it opened");
    for _ in 0..5 {
        let outcomes = press(&mut app, &store, &[KeyCode::Esc]);
        assert!(!outcomes.contains(&Outcome::Quit), "Esc quit the cockpit");
    }
    assert_eq!(app.pane, Pane::Overview);
    assert!(
        render_text(&app, 80, 24).contains("Esc backs out; q or C-c quits"),
        "the footer says how to leave"
    );
    // A pane reached across the tabs stays where it is.
    press(&mut app, &store, &chars("4"));
    press(&mut app, &store, &[KeyCode::Tab]);
    for _ in 0..3 {
        assert!(!press(&mut app, &store, &[KeyCode::Esc]).contains(&Outcome::Quit));
    }
    assert_eq!(app.pane, Pane::Phase(3));
    assert_eq!(press(&mut app, &store, &chars("q")), vec![Outcome::Quit]);
}

/// Types a `:` command and runs it.
fn command(app: &mut App, store: &Store, text: &str) -> Vec<Outcome> {
    let mut keys = chars(":");
    keys.extend(chars(text));
    keys.push(KeyCode::Enter);
    press(app, store, &keys)
}

#[test]
fn the_command_line_goes_to_panes_months_segments_journeys_and_accounts() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    command(&mut app, &store, "pane triage");
    assert_eq!(app.pane, Pane::Triage);
    assert_eq!(app.input_mode(), cxcockpit::ui::keymap::InputMode::Normal);
    let phase = app.data.phases[2].key.clone();
    command(&mut app, &store, &format!("pane phase:{phase}"));
    assert_eq!(app.pane, Pane::Phase(2));
    command(&mut app, &store, "month 2026-03");
    assert_eq!(app.period, period("2026-03"));
    command(&mut app, &store, "segment hvc");
    assert_eq!(app.segment_id(), "hvc");
    assert_eq!(app.data.segment, "hvc", "the segment's series are read");
    let other = app.catalogue.journeys[1].id.clone();
    command(&mut app, &store, &format!("journey {other}"));
    assert_eq!(app.journey().unwrap().id, other);
    assert_eq!(app.data.journey, other, "the journey is read");
    // Errors say what was wrong and change nothing.
    command(&mut app, &store, "month 2031-01");
    assert_eq!(app.period, period("2026-03"));
    let screen = render_text(&app, 120, 30);
    assert!(
        screen.contains("no data for 2031-01: the store holds"),
        "{screen}"
    );
    command(&mut app, &store, "pane nowhere");
    assert!(render_text(&app, 160, 30).contains("no pane 'nowhere'; valid: overview, phase:"));
    command(&mut app, &store, "frobnicate");
    assert!(render_text(&app, 160, 30).contains("no command 'frobnicate'"));
    // An account by id opens its view.
    command(&mut app, &store, "pane triage");
    let id = cxcockpit::ui::triage::selected(&app).unwrap().account_id.clone();
    let name = cxcockpit::ui::triage::selected(&app).unwrap().name.clone();
    command(&mut app, &store, &format!("account {id}"));
    assert_eq!(app.account.as_ref().unwrap().profile.account_id, id);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(app.account.is_none());
    // And by name, completed with Tab from its first letters.
    let mut keys = chars(":account ");
    keys.extend(chars(&name[..name.len().min(6)]));
    keys.push(KeyCode::Tab);
    press(&mut app, &store, &keys);
    let typed = app.command.input.clone().unwrap();
    assert!(typed.starts_with("account "), "{typed}");
    let completed = typed["account ".len()..].to_string();
    assert!(completed.starts_with(&name[..name.len().min(6)]), "{completed}");
    press(&mut app, &store, &[KeyCode::Enter]);
    assert!(app.account.is_some(), "the completed name opens an account");
    press(&mut app, &store, &[KeyCode::Esc]);
    // `:q` quits.
    assert_eq!(
        command(&mut app, &store, "q"),
        vec![Outcome::Continue, Outcome::Continue, Outcome::Quit]
    );
}

#[test]
fn the_command_line_keeps_a_history_and_completes_commands() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    command(&mut app, &store, "pane churn");
    command(&mut app, &store, "month 2026-02");
    // Up: the newest first, then older; Down back to what was typed.
    press(&mut app, &store, &chars(":se"));
    press(&mut app, &store, &[KeyCode::Up]);
    assert_eq!(app.command.input.as_deref(), Some("month 2026-02"));
    press(&mut app, &store, &[KeyCode::Up]);
    assert_eq!(app.command.input.as_deref(), Some("pane churn"));
    press(&mut app, &store, &[KeyCode::Up]);
    assert_eq!(
        app.command.input.as_deref(),
        Some("pane churn"),
        "the oldest stays"
    );
    press(&mut app, &store, &[KeyCode::Down, KeyCode::Down]);
    assert_eq!(app.command.input.as_deref(), Some("se"));
    // Tab completes the command, then its argument.
    press(&mut app, &store, &[KeyCode::Tab]);
    assert_eq!(app.command.input.as_deref(), Some("segment "));
    press(&mut app, &store, &chars("hv"));
    press(&mut app, &store, &[KeyCode::Tab]);
    assert_eq!(app.command.input.as_deref(), Some("segment hvc"));
    // Esc closes the line and runs nothing.
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!(app.command.input, None);
    assert_eq!(app.segment_id(), "all");
    assert_eq!(app.pane, Pane::Churn);
    assert_eq!(app.command.history, vec!["pane churn", "month 2026-02"]);
}

#[test]
fn y_copies_the_selected_id_and_capital_y_the_row() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    command(&mut app, &store, "pane triage");
    press(&mut app, &store, &chars("j"));
    let row = cxcockpit::ui::triage::selected(&app).unwrap().clone();
    press(&mut app, &store, &chars("y"));
    assert_eq!(app.clipboard.as_deref(), Some(row.account_id.as_str()));
    assert!(render_text(&app, 120, 30).contains(&format!("copied account id {}", row.account_id)));
    app.clipboard = None;
    press(&mut app, &store, &chars("Y"));
    let copied = app.clipboard.clone().unwrap();
    assert!(copied.starts_with(&row.account_id), "{copied}");
    assert!(copied.contains(&row.name), "the name whole: {copied}");
    assert!(copied.contains('\t'), "columns apart: {copied:?}");
    assert!(!copied.contains('\n'));
    // In a phase pane: the metric's id.
    press(&mut app, &store, &chars("2"));
    let metric = app.selected_metric().unwrap().id.clone();
    press(&mut app, &store, &chars("y"));
    assert_eq!(app.clipboard.as_deref(), Some(metric.as_str()));
}

/// The command line takes the pane names of the design: an account's view and the review
/// views of a phase pane too.
#[test]
fn the_command_line_opens_account_and_review_views_by_pane_name() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    let phase = app.data.phases[1].key.clone();
    command(&mut app, &store, &format!("pane touchpoints:{phase}"));
    assert_eq!(app.pane, Pane::Phase(1));
    assert!(app.insight.view.is_some());
    command(&mut app, &store, "pane triage");
    let id = cxcockpit::ui::triage::selected(&app).unwrap().account_id.clone();
    command(&mut app, &store, "pane overview");
    command(&mut app, &store, &format!("pane account:{id}"));
    assert_eq!(app.account.as_ref().unwrap().profile.account_id, id);
    command(&mut app, &store, "pane review");
    assert!(app.review.is_some());
    assert!(app.account.is_none());
}

/// `:account` completes from every account of the store, not only those a pane holds: an
/// account that is in no list on screen (not active, never churned in the month shown) is found
/// by the first letters of its name, and Enter opens its view.
#[test]
fn account_names_complete_from_the_whole_store() {
    let store = store();
    let mut app = App::load(&store, "t".into()).unwrap();
    // The overview holds no account: every name comes from the store.
    let (name, id): (String, String) = store
        .conn()
        .query_row(
            "SELECT name, account_id FROM account ORDER BY account_id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let prefix: String = name.chars().take(name.len() - 1).collect();
    let others: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM account WHERE lower(name) LIKE lower(?1) || '%'",
            [&prefix],
            |r| r.get(0),
        )
        .unwrap();
    press(&mut app, &store, &chars(":account "));
    press(&mut app, &store, &chars(&prefix.to_lowercase()));
    press(&mut app, &store, &[KeyCode::Tab]);
    let completed = app.command.input.clone().unwrap();
    assert!(
        completed
            .to_lowercase()
            .starts_with(&format!("account {}", prefix.to_lowercase())),
        "{completed}"
    );
    assert!(completed.len() > "account ".len() + prefix.len(), "{completed}");
    // Tab walks the matches to the one wanted.
    for _ in 0..others {
        if app.command.input.as_deref() == Some(&format!("account {name}")) {
            break;
        }
        press(&mut app, &store, &[KeyCode::Tab]);
    }
    assert_eq!(
        app.command.input.as_deref(),
        Some(format!("account {name}").as_str())
    );
    press(&mut app, &store, &[KeyCode::Enter]);
    assert_eq!(
        app.account.as_ref().map(|v| v.profile.account_id.clone()),
        Some(id)
    );
}
