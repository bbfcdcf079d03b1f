//! The cockpit's speed budget (issue 3): the first full frame, and a keypress that changes the
//! pane, the month or the segment, data loading and drawing at 160x48 together.
//!
//! By default on a demo store of 2000 accounts over 24 months generated in memory; set
//! `CXCOCKPIT_BENCH_DB` to a store file (e.g. `cxcockpit demo --accounts 20000 --months 36`)
//! to measure on it.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::Period;
use cxcockpit::store::{OpenMode, Store};
use cxcockpit::ui::action::Action;
use cxcockpit::ui::app::apply;
use cxcockpit::ui::{App, Pane, render_text};

fn store() -> Store {
    if let Some(path) = std::env::var_os("CXCOCKPIT_BENCH_DB") {
        return Store::open(&PathBuf::from(path), OpenMode::ReadOnly)
            .unwrap_or_else(|e| panic!("opening CXCOCKPIT_BENCH_DB: {e}"));
    }
    let mut store = Store::open_in_memory().unwrap_or_else(|e| panic!("an in-memory store: {e}"));
    let params = DemoParams {
        accounts: 2000,
        months: 24,
        seed: 42,
        as_of: Period::new(2026, 6).unwrap_or_else(|| panic!("a month")),
    };
    demo::generate(&mut store, &params).unwrap_or_else(|e| panic!("the demo store: {e}"));
    store
}

fn cockpit(c: &mut Criterion) {
    let store = store();
    c.bench_function("first frame: load + overview 120x40", |b| {
        b.iter(|| {
            let app = App::load(&store, "bench.db".into()).unwrap_or_else(|e| panic!("loading: {e}"));
            black_box(render_text(&app, 120, 40))
        })
    });
    let mut app = App::load(&store, "bench.db".into()).unwrap_or_else(|e| panic!("loading: {e}"));
    apply(&mut app, &store, Action::GotoPane(3)).unwrap_or_else(|e| panic!("a phase pane: {e}"));
    let mut key = |name: &str, forth: Action, back: Action| {
        let mut flip = false;
        c.bench_function(name, |b| {
            b.iter(|| {
                flip = !flip;
                apply(&mut app, &store, if flip { forth } else { back })
                    .unwrap_or_else(|e| panic!("the action: {e}"));
                black_box(render_text(&app, 160, 48))
            })
        });
    };
    key(
        "keypress: month + draw 160x48",
        Action::PrevMonth,
        Action::NextMonth,
    );
    key("keypress: pane + draw 160x48", Action::NextPane, Action::PrevPane);
    key(
        "keypress: segment (loads its series) + draw 160x48",
        Action::NextSegment,
        Action::PrevSegment,
    );

    // The churn and tiers panes: a month already shown reads memory; the first visit of a
    // month reads its churn events (churn) or reads and explains every account's tier (tiers).
    for (name, pane) in [("churn", Pane::Churn), ("tiers", Pane::Tiers)] {
        let mut app = App::load(&store, "bench.db".into()).unwrap_or_else(|e| panic!("loading: {e}"));
        let tab = pane.tab(app.data.phases.len()) + 1;
        apply(&mut app, &store, Action::GotoPane(tab)).unwrap_or_else(|e| panic!("the pane: {e}"));
        apply(&mut app, &store, Action::PrevMonth).unwrap_or_else(|e| panic!("a month: {e}"));
        let mut flip = false;
        c.bench_function(&format!("{name} pane: month (shown before) + draw 160x48"), |b| {
            b.iter(|| {
                flip = !flip;
                let action = if flip {
                    Action::NextMonth
                } else {
                    Action::PrevMonth
                };
                apply(&mut app, &store, action).unwrap_or_else(|e| panic!("the action: {e}"));
                black_box(render_text(&app, 160, 48))
            })
        });
        c.bench_function(&format!("{name} pane: j + draw 160x48"), |b| {
            b.iter(|| {
                flip = !flip;
                let action = if flip { Action::Down } else { Action::Up };
                apply(&mut app, &store, action).unwrap_or_else(|e| panic!("the action: {e}"));
                black_box(render_text(&app, 160, 48))
            })
        });
        c.bench_function(&format!("{name} pane: month first shown + draw 160x48"), |b| {
            b.iter(|| {
                app.churn.events.clear();
                app.tiers.months.clear();
                apply(&mut app, &store, Action::Redraw).unwrap_or_else(|e| panic!("the action: {e}"));
                black_box(render_text(&app, 160, 48))
            })
        });
    }
}

criterion_group!(benches, cockpit);
criterion_main!(benches);
