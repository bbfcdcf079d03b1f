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
    // The moments of truth and pain points of the demo's Get Support, under the goals.
    let moments = screen
        .lines()
        .position(|l| {
            l.contains("│Moments of truth: The first complaint; A fault fixed on the first contact")
        })
        .unwrap_or_else(|| panic!("no moments of truth:\n{screen}"));
    let pains = screen
        .lines()
        .position(|l| {
            l.contains("│Pain points: Long waits; Unskilled or unresponsive support; Hard to reach")
        })
        .unwrap_or_else(|| panic!("no pain points:\n{screen}"));
    assert!(moments < pains && pains < ind, "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn phase_pain_points_give_way_to_the_metric_tables() {
    let store = demo_store();
    let mut app = sme(&store);
    apply(&mut app, &store, Action::GotoPane(5)).unwrap(); // Get Support
    // The body is 5 lines shorter than the terminal. The tables want 10 lines (4 indicators and
    // 1 success metric, each with a title and a header, and a gap); the goals 2 and a blank one.
    for (height, moments, pains) in [(20, true, true), (19, true, false), (18, false, false)] {
        let screen = render_text(&app, 80, height);
        assert_eq!(
            screen.contains("Moments of truth:"),
            moments,
            "{height}:\n{screen}"
        );
        assert_eq!(screen.contains("Pain points:"), pains, "{height}:\n{screen}");
        for want in ["CX goal", "Tickets per 100", "Success metrics", "Support CSAT"] {
            assert!(screen.contains(want), "{want} missing at 80x{height}:\n{screen}");
        }
    }
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
        assert!(
            screen.contains(binding.help),
            "{} missing:\n{screen}",
            binding.help
        );
    }
    // Issue #18: nothing cut, the last legend line and the bottom border both shown.
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 24);
    assert!(lines[0].starts_with("┌ Keys"), "{screen}");
    assert!(lines[23].starts_with("└") && lines[23].ends_with("┘"), "{screen}");
    assert!(
        !screen.contains("~ │") && !screen.contains("~│"),
        "a line is cut:\n{screen}"
    );
    assert!(screen.contains("Tab completes"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// Issue #18: at 80 columns the cloud journey's eleven tabs (ten before the actions pane of
/// issue #19) still tell Commitment from Consideration (and Tiers from Triage and Terminate,
/// Actions from Awareness).
#[test]
fn tab_labels_at_80_columns_tell_the_phases_apart() {
    let store = demo_store();
    let mut app = app(&store);
    assert_eq!(app.journey().unwrap().id, "cloud-security");
    apply(&mut app, &store, Action::GotoPane(10)).unwrap();
    let screen = render_text(&app, 80, 24);
    let tabs = screen.lines().nth(1).unwrap();
    let labels: Vec<String> = tabs
        .split("  ")
        .map(|t| t.trim().trim_end_matches('~').to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(labels.len(), 11, "{tabs}");
    let names: Vec<String> = cxcockpit::ui::frame::tab_layout(&app, 200)
        .into_iter()
        .map(|(_, _, l)| l.to_lowercase())
        .collect();
    for (i, label) in labels.iter().enumerate() {
        let (_, shown) = label.split_once(' ').unwrap();
        let matching = names
            .iter()
            .filter(|n| n.split_once(' ').is_some_and(|(_, name)| name.starts_with(shown)))
            .count();
        assert_eq!(
            matching,
            1,
            "tab {} '{label}' matches {matching} names: {tabs}",
            i + 1
        );
    }
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

/// The app on the SME broadband journey showing `pane` (churn or tiers), loaded as a key does.
fn on(store: &Store, pane: Pane) -> App {
    let mut app = sme(store);
    let tab = pane.tab(app.data.phases.len());
    apply(&mut app, store, Action::GotoPane(tab + 1)).unwrap();
    assert_eq!(app.pane, pane);
    app
}

#[test]
fn churn_80x24() {
    let store = demo_store();
    let app = on(&store, Pane::Churn);
    let screen = render_text(&app, 80, 24);
    for what in [
        "active at start",
        "churned MRR",
        "logo churn",
        "GRR",
        "NRR",
        "contraction",
        "expansion",
        "Churned accounts:",
        "^ 2026-06",
    ] {
        assert!(screen.contains(what), "{what} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn churn_tall_shows_tiers_and_cohorts() {
    // With room below the segments: the month by tier held at its start, and the cohorts.
    let store = demo_store();
    let app = on(&store, Pane::Churn);
    let screen = render_text(&app, 160, 90);
    assert!(screen.contains("By loyalty tier held at the start"), "{screen}");
    assert!(
        screen.contains("Cohort retention (share active after n months)"),
        "{screen}"
    );
    // Every account active at the month's start is in exactly one tier group.
    let events = app.churn.events(app.period, app.segment_id()).unwrap();
    let all = app.churn.month("all", app.period);
    assert_eq!(
        events.by_tier.iter().map(|(_, r)| r.n_start).sum::<u64>(),
        all.n_start
    );
    assert!(events.by_tier.len() >= 2);
    // The newest cohort is listed first; a cohort started in the month shown has no month 1 yet.
    let newest = app.churn.cohorts.last().unwrap();
    assert_eq!(newest.cohort, app.period.to_string());
    assert!(newest.retained.get(1).is_none());
}

#[test]
fn churn_160x48() {
    let store = demo_store();
    let app = on(&store, Pane::Churn);
    let screen = render_text(&app, 160, 48);
    for what in [
        "Where they left (journey phase)",
        "Why (root cause)",
        "By segment",
        "Trend 2025-07 to 2026-06",
    ] {
        assert!(screen.contains(what), "{what} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn churn_figures_match_the_churn_command() {
    let store = demo_store();
    let app = on(&store, Pane::Churn);
    let june = Period::new(2026, 6).unwrap();
    // The pane follows the journey shown (the first).
    let journey = app.journey().map(|j| j.id.clone());
    let (_, want) = store.churn_months(journey.as_deref(), "all", june, june).unwrap()[0];
    let screen = render_text(&app, 160, 48);
    let figures: String = screen.lines().take(6).collect::<Vec<_>>().join("\n");
    let rate = format!("{:.2}%", want.churn_rate.unwrap() * 100.0);
    let grr = format!("{:.2}%", want.grr.unwrap() * 100.0);
    for what in [want.n_start.to_string(), rate, grr] {
        assert!(figures.contains(&what), "{what} missing:\n{figures}");
    }
    assert_eq!(
        app.rows(),
        store
            .churned_accounts_in(journey.as_deref(), "all", june, june)
            .unwrap()
            .len(),
        "one row per churned account of the journey"
    );
}

#[test]
fn churn_definitions_and_account_overlays() {
    let store = demo_store();
    let mut app = on(&store, Pane::Churn);
    apply(&mut app, &store, Action::Definitions).unwrap();
    let screen = render_text(&app, 120, 40);
    assert!(screen.contains("Definitions"), "{screen}");
    assert!(
        screen.contains("(MRR at start - churned MRR - contraction + expansion) / MRR at start"),
        "{screen}"
    );
    apply(&mut app, &store, Action::Definitions).unwrap();
    assert!(app.rows() > 0, "the demo month has churned accounts");
    apply(&mut app, &store, Action::Open).unwrap();
    let name = app.selected_churned().unwrap().name.clone();
    let screen = render_text(&app, 120, 40);
    assert!(screen.contains("Churned account (Esc closes)"), "{screen}");
    assert!(
        screen.contains(&name) && screen.contains("Root cause"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn tiers_80x24() {
    let store = demo_store();
    let app = on(&store, Pane::Tiers);
    let screen = render_text(&app, 80, 24);
    for what in [
        "Loyalty tiers at the end of 2026-06",
        "members",
        "change",
        "Watch:",
    ] {
        assert!(screen.contains(what), "{what} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn tiers_160x48() {
    let store = demo_store();
    let app = on(&store, Pane::Tiers);
    let screen = render_text(&app, 160, 48);
    for tier in store.tiers().unwrap() {
        assert!(screen.contains(&tier.name), "{} missing:\n{screen}", tier.name);
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn tiers_explanation_lists_every_criterion() {
    let store = demo_store();
    let mut app = on(&store, Pane::Tiers);
    assert!(app.rows() > 0, "the demo month has accounts to watch");
    apply(&mut app, &store, Action::Open).unwrap();
    let account = app.selected_tier_account().unwrap().clone();
    let screen = render_text(&app, 160, 48);
    assert!(
        screen.contains(&format!("Account {}", account.account_id)),
        "{screen}"
    );
    assert!(screen.contains("To the next tier"), "{screen}");
    let criteria = account.decision(&app.tiers.ladder).criteria.len();
    assert!(criteria > 0);
    let results = screen.matches("+ pass").count() + screen.matches("x FAIL").count();
    assert_eq!(results, criteria, "one line per criterion:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn churn_and_tiers_at_any_size_do_not_panic_and_draw_ascii() {
    let store = demo_store();
    for pane in [Pane::Churn, Pane::Tiers] {
        let mut app = on(&store, pane);
        for overlay in 0..3 {
            app.detail = overlay == 1;
            app.definitions = overlay == 2;
            for (w, h) in [
                (0, 0),
                (1, 1),
                (0, 5),
                (5, 0),
                (10, 3),
                (19, 3),
                (20, 3),
                (20, 5),
                (25, 9),
                (40, 12),
                (60, 15),
                (80, 24),
                (119, 30),
                (120, 40),
                (160, 48),
                (300, 80),
            ] {
                let screen = render_text(&app, w, h);
                assert_eq!(screen.lines().count(), if w == 0 { 0 } else { usize::from(h) });
                if (w, h) == (19, 3) {
                    assert!(screen.starts_with("window too small"), "{screen}");
                }
                for c in screen.chars() {
                    let ok = c == '\n' || (' '..='~').contains(&c) || ('\u{2500}'..='\u{259f}').contains(&c);
                    assert!(ok, "{c:?} (U+{:04X}) drawn:\n{screen}", c as u32);
                }
            }
        }
    }
}

#[test]
fn metric_definitions_state_the_test_and_the_journeys_scales_80x24() {
    let store = demo_store();
    // The cloud journey (the first) declares the documents' 1-5 effort scale; NPS and CSAT are
    // standard.
    let mut app = app(&store);
    apply(&mut app, &store, Action::GotoPane(3)).unwrap();
    apply(&mut app, &store, Action::Definitions).unwrap();
    let screen = render_text(&app, 80, 24);
    for want in [
        "Definitions (d or Esc closes)",
        "|change| / sqrt(v1/n1 + v2/n2) >= 1.96 (95%)",
        "NPS scale     0-10, higher better: promoters 9-10, detractors 0-6 (standard)",
        "CES scale     1-5, lower better: easy 1-2, hard 4-5 (declared)",
        "d Esc close definitions",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    apply(&mut app, &store, Action::Back).unwrap();
    assert!(!render_text(&app, 80, 24).contains("Definitions (d or Esc closes)"));
}

#[test]
fn the_header_says_when_figures_are_behind_the_raw_rows() {
    let store = demo_store();
    assert!(!render_text(&app(&store), 80, 24).contains("REFRESH PENDING"));
    // A row written without its refresh (as when a refresh is cut short).
    store
        .conn()
        .execute_batch(
            "INSERT INTO usage_month (account_id, period, downtime_hours)
             SELECT account_id, '2026-06', 99 FROM account ORDER BY account_id LIMIT 1
             ON CONFLICT DO UPDATE SET downtime_hours = 99;",
        )
        .unwrap();
    let screen = render_text(&app(&store), 80, 24);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("! REFRESH PENDING (cxcockpit rollup)"),
        "{screen}"
    );
}

/// Issue #18: keys rebound in the configuration file are the keys the help lists.
#[test]
fn the_help_lists_the_keys_of_the_configuration_file() {
    let store = demo_store();
    let mut app = sme(&store);
    let config = cxcockpit::config::parse(
        std::path::Path::new("c.toml"),
        "[keys]\nquit = [\"x\", \"C-q\"]\nzoom = [\"Z\"]\n",
    )
    .unwrap();
    app.keys = config.keys;
    apply(&mut app, &store, Action::Help).unwrap();
    let screen = render_text(&app, 80, 24);
    let line = |help: &str| {
        screen
            .lines()
            .flat_map(|l| l.split('│'))
            .find(|cell| cell.contains(help))
            .map(|cell| cell.to_string())
    };
    let quit = screen
        .lines()
        .find(|l| l.contains(" quit "))
        .unwrap_or_default()
        .to_string();
    assert!(quit.contains("x C-q") && !quit.contains("q C-c"), "{screen}");
    assert!(
        // Zoom shares its help line with redraw (C-l), which keeps its key.
        line("zoom / redraw screen").is_some_and(|l| l.contains('Z') && l.contains("C-l")),
        "{screen}"
    );
    assert!(!screen.contains("z            zoom"), "{screen}");
}
