//! The cockpit's speed budget: the first full frame, a keypress that changes the pane, the
//! month or the segment (data loading and drawing at 160x48 together), and each pane read from
//! nothing and drawn (triage, tiers, churn, account view, indicators, comments, review).
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
use cxcockpit::ui::insight::InsightView;
use cxcockpit::ui::{App, Pane, load, render_text, review, triage};

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

/// Puts an app on the pane to measure.
type Setup = Box<dyn Fn(&mut App)>;

/// Each pane read from nothing (every request it needs, inline, as the loader reads them) and
/// drawn at 160x48: what a first visit costs the loader before the pane is complete.
fn pane_loads(c: &mut Criterion) {
    let store = store();
    let base = App::load(&store, "bench.db".into()).unwrap_or_else(|e| panic!("loading: {e}"));
    let some_account = {
        let mut app = base.clone();
        app.pane = Pane::Triage;
        load::load_inline(&mut app, &store).unwrap_or_else(|e| panic!("the queue: {e}"));
        triage::visible(&app)
            .next()
            .map(|r| r.account_id.clone())
            .unwrap_or_default()
    };
    let setups: Vec<(&str, Setup)> = vec![
        ("triage, HVC queue", Box::new(|app| app.pane = Pane::Triage)),
        (
            "triage, every active account",
            Box::new(|app| {
                app.pane = Pane::Triage;
                app.triage.all = true;
            }),
        ),
        ("tiers", Box::new(|app| app.pane = Pane::Tiers)),
        (
            // The month where most accounts join a tier: the longest watch list.
            "tiers, first month",
            Box::new(|app| {
                app.pane = Pane::Tiers;
                if let Some((first, _)) = app.catalogue.range {
                    app.period = first;
                }
            }),
        ),
        ("churn", Box::new(|app| app.pane = Pane::Churn)),
        (
            "account view",
            Box::new(move |app| {
                app.pane = Pane::Triage;
                triage::open_account(app, &some_account);
            }),
        ),
        (
            "indicators (predictive power)",
            Box::new(|app| {
                app.pane = Pane::Phase(0);
                app.insight.view = Some(InsightView::Power);
            }),
        ),
        (
            "comments",
            Box::new(|app| {
                app.pane = Pane::Phase(4);
                app.insight.view = Some(InsightView::Comments);
            }),
        ),
        (
            "review",
            Box::new(|app| {
                review::open(app);
            }),
        ),
    ];
    let mut group = c.benchmark_group("pane read from nothing + draw 160x48");
    group.sample_size(10);
    for (name, setup) in &setups {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut app = base.clone();
                setup(&mut app);
                load::load_inline(&mut app, &store).unwrap_or_else(|e| panic!("{name}: {e}"));
                black_box(render_text(&app, 160, 48))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cockpit, pane_loads);
criterion_main!(benches);
