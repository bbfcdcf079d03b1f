//! `cxcockpit` with no subcommand: the cockpit itself, on the user's store or, with `--demo`, on
//! a demo store generated into a temporary directory that is removed on the way out. It starts
//! only on a real terminal: with stdout redirected or `TERM=dumb` it says to use `snapshot`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::demo::DemoParams;
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::store::{OpenMode, Store};
use crate::ui::command_line::{self, Target};
use crate::ui::terminal::{self, Options};
use crate::ui::theme::ColorChoice;
use crate::ui::{App, Pane, Theme};

/// The demo store `--demo` opens: a couple of thousand accounts over two years (about a second
/// to generate in a release build).
const DEMO_ACCOUNTS: usize = 2000;
const DEMO_MONTHS: u32 = 24;
const DEMO_SEED: u64 = 42;

pub struct CockpitArgs {
    pub db: Option<PathBuf>,
    pub readonly: bool,
    pub no_color: bool,
    pub color: ColorChoice,
    pub demo: bool,
    pub mouse: bool,
    /// Where to open (`--pane`, `--period`, `--journey`, `--segment`); the configuration
    /// file's defaults where a flag is not given.
    pub start: Start,
    pub config: Config,
    pub quiet: bool,
}

/// Where the cockpit opens.
#[derive(Debug, Default, Clone)]
pub struct Start {
    pub pane: Option<String>,
    pub period: Option<String>,
    pub journey: Option<String>,
    pub segment: Option<String>,
}

/// Opens `app` where `start` asks, flags first, then the configuration file's defaults. A name
/// that matches nothing is an error naming the flag (or the file) and the valid names (exit 2).
pub fn place(app: &mut App, store: &Store, start: &Start, config: &Config) -> Result<()> {
    let file = config
        .path
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    // Which of the flag and the file said it, for the error.
    let pick = |flag: &Option<String>, setting: &Option<String>, name: &str| -> Option<(String, String)> {
        match (flag, setting) {
            (Some(v), _) => Some((v.clone(), format!("--{name}"))),
            (None, Some(v)) => Some((v.clone(), format!("{file}: {name}"))),
            _ => None,
        }
    };
    let bad = |origin: &str, message: String| Error::input(format!("{origin}: {message}"));
    if let Some((name, origin)) = pick(&start.journey, &config.journey, "journey") {
        let journey = command_line::find_journey(app, &name).map_err(|m| bad(&origin, m))?;
        app.switch_journey(journey);
    }
    if let Some((name, origin)) = pick(&start.segment, &config.segment, "segment") {
        app.segment = command_line::find_segment(app, &name).map_err(|m| bad(&origin, m))?;
    }
    if let Some(period) = &start.period {
        app.period = command_line::find_period(app, period).map_err(|m| bad("--period", m))?;
    }
    if let Some((name, origin)) = pick(&start.pane, &config.pane, "pane") {
        // The phases are read by the loader once the cockpit runs; a phase's name is checked
        // against them now (one small query).
        let phases = match app.journey() {
            Some(journey) => store.phases(&journey.id)?,
            None => Vec::new(),
        };
        let target = command_line::find_pane(&name, &phases).map_err(|m| bad(&origin, m))?;
        if target == Target::Review {
            app.pane = Pane::Overview;
        }
        command_line::open(app, target);
    }
    Ok(())
}

/// Why the cockpit cannot draw here, if it cannot.
fn no_terminal() -> Option<&'static str> {
    if !std::io::stdout().is_terminal() {
        Some("standard output is not a terminal")
    } else if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        Some("the terminal is TERM=dumb")
    } else {
        None
    }
}

fn label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn need_terminal() -> Result<()> {
    match no_terminal() {
        Some(why) => Err(Error::input(format!(
            "the cockpit needs a terminal and {why}; to print a pane as text use `cxcockpit snapshot` \
             (e.g. `cxcockpit snapshot --pane overview`)"
        ))),
        None => Ok(()),
    }
}

pub fn run(args: CockpitArgs) -> Result<u8> {
    // Not worth generating a demo store for a cockpit that cannot start; on the user's store,
    // the start options are checked first (a bad name is the error worth seeing).
    if args.demo {
        need_terminal()?;
    }
    // Kept until the cockpit closes: dropping it removes the demo store.
    let mut _demo_dir = None;
    // Why triage actions cannot write, when the store cannot be written.
    let mut readonly_reason = args.readonly.then(|| "opened with --readonly".to_string());
    let mut store = if args.demo {
        let dir = tempfile::Builder::new()
            .prefix("cxcockpit-demo-")
            .tempdir()
            .map_err(|source| Error::Io {
                context: "creating a temporary directory for the demo store".into(),
                source,
            })?;
        let path = dir.path().join("demo.db");
        let params = DemoParams {
            accounts: DEMO_ACCOUNTS,
            months: DEMO_MONTHS,
            seed: DEMO_SEED,
            as_of: Period::of_date(chrono::Local::now().date_naive()).prev(),
        };
        if !args.quiet {
            eprintln!(
                "cxcockpit: generating a demo store ({DEMO_ACCOUNTS} accounts, {DEMO_MONTHS} months) in {}",
                dir.path().display()
            );
        }
        {
            let steps = super::progress::Steps::start("building the demo store");
            super::demo::write_demo(&path, &params, &mut |name| steps.step(name))?;
        }
        _demo_dir = Some(dir);
        Store::open(&path, OpenMode::Existing)?
    } else {
        // Writable when it can be (triage actions write); a store this user cannot write (the
        // file, or its directory where SQLite keeps the -wal and -shm) opens read-only, and the
        // footer and the actions say why they are unavailable.
        if !args.readonly
            && let Ok((path, _)) = crate::paths::resolve_db(args.db.clone())
            && path.exists()
            && let Some(why) = crate::store::unwritable_reason(&path)
        {
            readonly_reason = Some(why);
        }
        match super::open_existing(args.db.clone(), readonly_reason.is_some()) {
            Ok(store) => store,
            Err(error) if !args.readonly => match super::open_existing(args.db, true) {
                Ok(store) => {
                    readonly_reason = Some(format!("the store cannot be written ({error})"));
                    store
                }
                Err(_) => return Err(error),
            },
            Err(error) => return Err(error),
        }
    };
    if readonly_reason.is_none() && store.conn().is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        readonly_reason = Some("the store file cannot be written".into());
    }
    if store.is_snapshot()
        && let Some(why) = &mut readonly_reason
    {
        // Opened `immutable` (no -wal, a directory it cannot write): what others write later
        // is not seen.
        why.push_str(" (a snapshot)");
    }
    store.set_cache_kib(crate::store::COCKPIT_CACHE_KIB)?;
    let mut app = App::open(&store, label(store.path()))?;
    app.triage.readonly = readonly_reason;
    app.keys = args.config.keys.clone();
    place(&mut app, &store, &args.start, &args.config)?;
    need_terminal()?;
    let theme = Theme::choose(args.config.theme, args.color, args.no_color);
    if args.color == ColorChoice::Always {
        // crossterm drops colours itself when NO_COLOR is set: `always` overrides it.
        crossterm::style::force_color_output(true);
    }
    tracing::info!(
        store = %store.path().display(),
        pane = ?app.pane,
        period = %app.period,
        theme = ?theme.palette,
        "cockpit opening"
    );
    terminal::run(
        &mut app,
        &mut store,
        Options {
            mouse: args.mouse || args.config.mouse,
            theme,
        },
    )
}
