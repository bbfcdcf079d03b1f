//! `cxcockpit` with no subcommand: the cockpit itself, on the user's store or, with `--demo`, on
//! a demo store generated into a temporary directory that is removed on the way out. It starts
//! only on a real terminal: with stdout redirected or `TERM=dumb` it says to use `snapshot`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::demo::DemoParams;
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::store::{OpenMode, Store};
use crate::ui::terminal::{self, Options};
use crate::ui::{App, Theme};

/// The demo store `--demo` opens: a couple of thousand accounts over two years (about a second
/// to generate in a release build).
const DEMO_ACCOUNTS: usize = 2000;
const DEMO_MONTHS: u32 = 24;
const DEMO_SEED: u64 = 42;

pub struct CockpitArgs {
    pub db: Option<PathBuf>,
    pub readonly: bool,
    pub no_color: bool,
    pub demo: bool,
    pub mouse: bool,
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

pub fn run(args: CockpitArgs) -> Result<u8> {
    if let Some(why) = no_terminal() {
        return Err(Error::input(format!(
            "the cockpit needs a terminal and {why}; to print a pane as text use `cxcockpit snapshot` \
             (e.g. `cxcockpit snapshot --pane overview`)"
        )));
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
        eprintln!(
            "cxcockpit: generating a demo store ({DEMO_ACCOUNTS} accounts, {DEMO_MONTHS} months) in {}",
            dir.path().display()
        );
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
    terminal::run(
        &mut app,
        &mut store,
        Options {
            mouse: args.mouse,
            theme: Theme::from_env(args.no_color),
        },
    )
}
