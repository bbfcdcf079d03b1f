//! The command line: clap definitions and the dispatch to one module per subcommand.

pub(crate) mod actions;
mod alerts;
mod backup;
mod check;
mod churn;
mod cockpit;
mod demo;
mod digest;
mod import;
pub mod indicators;
mod logs;
mod output;
mod progress;
mod review;
mod shell;
mod snapshot;
pub(crate) mod tiers;
pub(crate) mod triage;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::paths;
use crate::store::{OpenMode, Store};
use crate::ui::theme::ColorChoice;

pub use output::Format;
use output::outln;

#[derive(Debug, Parser)]
#[command(
    name = "cxcockpit",
    version,
    about = "A terminal cockpit for B2B customer-experience reviews",
    long_about = "A terminal cockpit for B2B customer-experience reviews: journey phases with their \
indicator and success metrics against targets, month by month; churn and revenue retention; \
loyalty tiers; and a priority queue of high-value accounts at risk. One local SQLite store.",
    after_help = "Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.\n\
Store: --db PATH, else $CXCOCKPIT_DB, else the configuration file's `db`, else the XDG data \
directory (see `cxcockpit paths`).\n\n\
Examples:\n  \
cxcockpit --demo                              the cockpit on a generated demo store\n  \
cxcockpit --db cx.db --pane triage --segment hvc   open on the HVC triage queue\n  \
cxcockpit --pane phase:activate --period 2026-03   open on a phase in March 2026\n  \
cxcockpit snapshot --pane churn --width 100   print the churn pane as text\n  \
cxcockpit completions bash > ~/.local/share/bash-completion/completions/cxcockpit"
)]
pub struct Cli {
    // The variables are named in the help rather than read by clap (`env = ...`), which would
    // refuse a set but empty variable that `paths` and `config` treat as unset.
    /// The store file [env: CXCOCKPIT_DB].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The configuration file (default: cxcockpit/config.toml in the XDG config directory)
    /// [env: CXCOCKPIT_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to draw colour: auto (unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Diagnostic logs at debug level to the log file (see `cxcockpit paths`; RUST_LOG sets the level).
    #[arg(long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// No progress or notices on stderr (errors still are).
    #[arg(long, global = true)]
    pub quiet: bool,
    /// Open the cockpit on this pane: overview, phase:NAME, churn, tiers, triage, actions, review.
    #[arg(long, value_name = "PANE")]
    pub pane: Option<String>,
    /// Open the cockpit on this month (default: the store's last).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<String>,
    /// Open the cockpit on this journey, by id or name (default: the first).
    #[arg(long, value_name = "JOURNEY")]
    pub journey: Option<String>,
    /// Open the cockpit on this segment: all, hvc, regular, size:SIZE.
    #[arg(long, value_name = "SEGMENT")]
    pub segment: Option<String>,
    /// Open the store read-only: nothing is written, not even a migration.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// No colour (NO_COLOR in the environment does the same).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Output format of the subcommands that print data.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Open the cockpit on a demo store generated in a temporary directory (removed on exit).
    #[arg(long)]
    pub demo: bool,
    /// Let the cockpit use the mouse (off by default: it gets in the way of copy and paste).
    #[arg(long)]
    pub mouse: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty store (or migrate an older one).
    Init,
    /// Generate a demo store: both journeys, accounts with causal structure, rollups.
    #[command(
        after_help = "Examples:\n  cxcockpit demo --out demo.db\n  cxcockpit demo --out big.db --accounts 20000 --months 36 --seed 7 --as-of 2026-06"
    )]
    Demo(demo::DemoArgs),
    /// Import a CSV export (all or nothing; upsert by natural key; rollups refreshed after).
    #[command(
        after_help = "Examples:\n  cxcockpit import accounts accounts.csv --dry-run\n  cxcockpit import subscriptions export.csv --preset stripe\n  cxcockpit import presets"
    )]
    Import(import::ImportArgs),
    /// Churn and revenue retention per month and for a window, with breakdowns.
    #[command(
        after_help = "Examples:\n  cxcockpit churn --from 2026-01 --to 2026-06\n  cxcockpit churn --by reason --segment hvc --format csv"
    )]
    Churn(churn::ChurnArgs),
    /// Loyalty tiers: members per tier, and each account's tier with the reasons.
    #[command(after_help = "Examples:\n  cxcockpit tiers --period 2026-06 --changes")]
    Tiers(tiers::TiersArgs),
    /// The HVC priority queue with each row's signals, and the triage actions.
    #[command(
        after_help = "Examples:\n  cxcockpit triage --limit 20\n  cxcockpit triage assign A00141 --to ana\n  cxcockpit triage note A00141 'called the CTO'"
    )]
    Triage(triage::TriageArgs),
    /// How well each indicator predicted success: churn within 3 months, and the phase's success metrics.
    Indicators(indicators::IndicatorsArgs),
    /// Each touchpoint of a phase in a month: volume, response and resolution times, CSAT, CES, detractors.
    Touchpoints(indicators::TouchpointsArgs),
    /// What unhappy customers say more than happy ones (words and phrases), or the comments with --list.
    Comments(indicators::CommentsArgs),
    /// Check the store's integrity and consistency; exit 1 with a list when something is wrong.
    Check,
    /// Recompute every metric's monthly rollup from the raw rows (imports do this themselves).
    Rollup,
    /// Copy the store, consistent while others write to it, to a new file (mode 0600).
    #[command(after_help = "Examples:\n  cxcockpit backup --out /backups/cx-$(date +%F).db")]
    Backup(backup::BackupArgs),
    /// Print where cxcockpit looks for its store, its configuration file and its log.
    Paths,
    /// Print a shell completion script: bash, zsh, fish, elvish, powershell.
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff), or write one per subcommand with --out DIR.
    Man(shell::ManArgs),
    /// Print one pane as the cockpit draws it, as plain text (or its data with --format json).
    #[command(
        after_help = "Examples:\n  cxcockpit snapshot --pane triage --width 100\n  cxcockpit snapshot --pane phase:activate --period 2026-03 --journey sme-broadband"
    )]
    Snapshot(snapshot::SnapshotArgs),
    /// The month's journey review as a document: --format md|html|json, to stdout or --out FILE.
    #[command(after_help = "Examples:\n  cxcockpit review --period 2026-06 --format html --out review.html")]
    Review(review::ReviewArgs),
    /// Owned actions with due dates: list, add, done, drop, note, assign, history.
    Actions(actions::ActionsArgs),
    /// Evaluate the alert rules over what arrived since the last run; open an action per rule and subject.
    Alerts(alerts::AlertsArgs),
    /// A digest for email: new alerts, overdue actions by owner, HVC at risk, red phases, the review's progress.
    Digest(digest::DigestArgs),
}

/// Runs the parsed command line; the returned number is the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let readonly = cli.readonly;
    run_command(cli).map_err(|error| match error {
        // The store's own message cannot know whether --readonly was asked for.
        Error::NeedsMigration {
            path,
            found,
            supported,
        } if readonly => Error::Store {
            path,
            message: format!(
                "has schema version {found} and needs migrating to {supported}, which --readonly does not do: run a command without --readonly once (e.g. `cxcockpit init`)"
            ),
        },
        other => other,
    })
}

fn run_command(mut cli: Cli) -> Result<u8> {
    logs::set_quiet(cli.quiet);
    let log = logs::init(cli.verbose);
    // Printing completions, the manual or the paths needs no configuration (and `paths` is
    // where a broken one is looked into).
    let config = match &cli.command {
        Some(Command::Completions(_) | Command::Man(_) | Command::Paths) => Default::default(),
        _ => crate::config::load(cli.config.clone())?,
    };
    tracing::debug!(config = ?config.path, "configuration");
    if cli.db.is_none() {
        cli.db = config.db.clone();
    }
    let starts = [&cli.pane, &cli.period, &cli.journey, &cli.segment];
    if cli.command.is_some() && starts.iter().any(|s| s.is_some()) {
        return Err(Error::input(
            "--pane, --period, --journey and --segment before a subcommand open the cockpit: use them without one (snapshot takes its own)",
        ));
    }
    let writes = match &cli.command {
        Some(Command::Init) => Some("init"),
        Some(Command::Rollup) => Some("rollup"),
        Some(Command::Import(args)) if !args.dry_run && args.list.is_none() => Some("import"),
        _ => None,
    };
    if let (true, Some(name)) = (cli.readonly, writes) {
        return Err(Error::input(format!(
            "--readonly: `{name}` writes to the store (use `import --dry-run` to validate without writing)"
        )));
    }
    if cli.command.is_some() && (cli.demo || cli.mouse) {
        return Err(Error::input(
            "--demo and --mouse open the cockpit: use them without a subcommand",
        ));
    }
    match cli.command {
        Some(Command::Init) => {
            let (path, is_default) = paths::resolve_db(cli.db)?;
            if is_default && let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                    context: format!("creating {}", dir.display()),
                    source,
                })?;
            }
            if path.exists() {
                refuse_unwritable(&path, "init")?;
            }
            let store = Store::open(&path, OpenMode::Create)?;
            outln!("store ready: {}", store.path().display());
            Ok(0)
        }
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::Import(args)) if args.list.is_some() => import::list(cli.format),
        Some(Command::Import(args)) if args.dry_run => {
            let mut dry_run = open_for_dry_run(cli.db, cli.readonly)?;
            import::run(&mut dry_run.store, &args, cli.format)
        }
        Some(Command::Import(args)) => {
            let mut store = open_writing(cli.db, "import")?;
            import::run(&mut store, &args, cli.format)
        }
        Some(Command::Churn(args)) => {
            let store = open_reading(cli.db)?;
            churn::run(&store, &args, cli.format)
        }
        Some(Command::Tiers(args)) => {
            let store = open_reading(cli.db)?;
            tiers::run(&store, &args, cli.format)
        }
        Some(Command::Triage(args)) => {
            let writes = !matches!(args.action, None | Some(triage::TriageAction::History { .. }));
            // Listing and history only read; an action on a store opened with --readonly is
            // refused by the action itself.
            let mut store = if writes && !cli.readonly {
                open_writing(cli.db, "triage")?
            } else {
                open_existing(cli.db, true)?
            };
            note_pending(&store);
            triage::run(&mut store, &args, cli.format, cli.readonly)
        }
        Some(Command::Indicators(args)) => {
            let store = open_reading(cli.db)?;
            indicators::run_indicators(&store, &args, cli.format)
        }
        Some(Command::Touchpoints(args)) => {
            let store = open_reading(cli.db)?;
            indicators::run_touchpoints(&store, &args, cli.format)
        }
        Some(Command::Comments(args)) => {
            let store = open_reading(cli.db)?;
            indicators::run_comments(&store, &args, cli.format)
        }
        Some(Command::Check) => {
            // Read-only where the store cannot be written: checking only reads (the writable
            // open is there to migrate an older store first).
            let readonly = cli.readonly || unwritable(&cli.db);
            let store = match open_existing(cli.db, readonly) {
                Err(Error::Store { path, message }) if message == crate::store::CORRUPT => {
                    return check::run_unreadable(&path, &message, cli.format);
                }
                opened => opened?,
            };
            check::run(&store, cli.format)
        }
        Some(Command::Rollup) => {
            let mut store = open_writing(cli.db, "rollup")?;
            let refresh = {
                let steps = progress::Steps::start("rollup");
                store.refresh_reporting(&mut |name| steps.step(name))?
            };
            outln!("{}", describe_refresh(&refresh));
            Ok(0)
        }
        Some(Command::Backup(args)) => backup::run(cli.db, &args),
        Some(Command::Paths) => {
            let (path, _) = paths::resolve_db(cli.db)?;
            outln!("store: {}", path.display());
            if let Some(default) = paths::default_db() {
                outln!("default store: {}", default.display());
            }
            outln!("environment: {}", paths::DB_ENV);
            outln!("{}", paths::config_line(cli.config));
            match log.or_else(logs::log_file) {
                Some(file) => outln!("log: {}", file.display()),
                None => outln!("log: none (no home directory)"),
            }
            Ok(0)
        }
        Some(Command::Completions(args)) => shell::completions(&args),
        Some(Command::Man(args)) => shell::man(&args),
        Some(Command::Snapshot(args)) => {
            let store = open_reading(cli.db)?;
            snapshot::run(&store, &args, cli.format)
        }
        Some(Command::Review(args)) => {
            let store = open_reading(cli.db)?;
            review::run(&store, &args, cli.format)
        }
        Some(Command::Actions(args)) => {
            let mut store = if args.writes() && !cli.readonly {
                open_writing(cli.db, "actions")?
            } else {
                open_existing(cli.db, true)?
            };
            actions::run(&mut store, &args, cli.format, cli.readonly)
        }
        Some(Command::Alerts(args)) => {
            // A dry run writes nothing: it reads a store this user cannot write, too.
            let mut store = if cli.readonly || (args.dry_run && unwritable(&cli.db)) {
                open_existing(cli.db, true)?
            } else {
                open_writing(cli.db, "alerts")?
            };
            note_pending(&store);
            alerts::run(&mut store, &args, cli.format, cli.readonly)
        }
        Some(Command::Digest(args)) => {
            let store = open_reading(cli.db)?;
            digest::run(&store, &args, cli.format)
        }
        None => cockpit::run(cockpit::CockpitArgs {
            db: cli.db,
            readonly: cli.readonly,
            no_color: cli.no_color,
            color: cli.color,
            demo: cli.demo,
            mouse: cli.mouse,
            start: cockpit::Start {
                pane: cli.pane,
                period: cli.period,
                journey: cli.journey,
                segment: cli.segment,
            },
            config,
            quiet: cli.quiet,
        }),
    }
}

/// One line on what a refresh computed and how long each step took.
pub fn describe_refresh(refresh: &crate::store::rollup::Refresh) -> String {
    let r = &refresh.rollup;
    let range = match (r.first, r.last) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "no months".to_string(),
    };
    let mut line = format!(
        "refreshed {range}: {} rollup rows ({} account-months recomputed) in {:.2} s",
        r.rollup_rows,
        r.account_months,
        r.elapsed.as_secs_f64(),
    );
    match &refresh.derived {
        Some(d) => {
            line += &format!(
                "; tiers, {} account-months, in {:.2} s; triage signals in {:.2} s; indicator outcomes in {:.2} s",
                d.tiers.rows,
                d.tiers.elapsed.as_secs_f64(),
                d.signals.as_secs_f64(),
                d.indicators.as_secs_f64()
            );
            if d.alongside {
                line += " (these two alongside the rollups and tiers, on a second connection)";
            }
        }
        None => line += " (tiers, triage signals and indicator outcomes do not read these rows)",
    }
    line += &format!("; {:.2} s in all", refresh.elapsed.as_secs_f64());
    line
}

/// Opens the store read-only for a command that shows derived figures, and says so when they
/// are behind the raw rows.
fn open_reading(db: Option<PathBuf>) -> Result<Store> {
    let store = open_existing(db, true)?;
    note_pending(&store);
    Ok(store)
}

/// A line on stderr when changes to raw rows are not reflected yet (a refresh was cut short):
/// no reader sees figures that disagree with the rows without being told.
fn note_pending(store: &Store) {
    let Ok(pending) = store.pending() else { return };
    let Some(from) = pending.iter().map(|p| p.from_period.as_str()).min() else {
        return;
    };
    let sources: Vec<&str> = pending.iter().map(|p| p.source.as_str()).collect();
    let why = if sources == ["settings"] {
        "a setting the refresh reads changed"
    } else {
        "a refresh was cut short"
    };
    let since = if from == "0000-00" {
        String::new()
    } else {
        format!(" from {from}")
    };
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!(
            "cxcockpit: note: the figures do not reflect changes to {}{since} yet ({why}); cxcockpit rollup brings them up to date\n",
            sources.join(", ")
        ),
    );
}

/// Whether the store the user named exists and cannot be written by this user (see
/// `store::unwritable_reason`).
fn unwritable(db: &Option<PathBuf>) -> bool {
    paths::resolve_db(db.clone())
        .is_ok_and(|(path, _)| path.exists() && crate::store::unwritable_reason(&path).is_some())
}

/// Opens the store for a command that writes to it; a store this user cannot write is refused
/// up front with the reason (one line, exit 2), before SQLite says "read-only".
fn open_writing(db: Option<PathBuf>, command: &str) -> Result<Store> {
    let (path, _) = paths::resolve_db(db)?;
    if path.exists() {
        refuse_unwritable(&path, command)?;
    }
    open_migrating(&path)
}

/// Opens a store for writing, with a spinner on a terminal while an older one migrates: a
/// migration that changes what the derived tables hold computes them again, up to a minute at
/// 100,000 accounts.
fn open_migrating(path: &std::path::Path) -> Result<Store> {
    let _progress = crate::store::migration_due(path).map(|version| {
        let steps = progress::Steps::start("migrating the store to this version");
        if crate::store::migration_refreshes(version) {
            steps.step("computing the tables it adds");
        }
        steps
    });
    Store::open(path, OpenMode::Existing)
}

/// The one-line refusal of a command that writes to an existing store this user cannot write.
fn refuse_unwritable(path: &std::path::Path, command: &str) -> Result<()> {
    match crate::store::unwritable_reason(path) {
        None => Ok(()),
        Some(why) => Err(Error::Store {
            path: path.to_path_buf(),
            message: format!(
                "`{command}` writes to the store, but {why} (SQLite writes the store and its -wal and -shm files beside it); ask the store's owner for write access; reading commands work (they open it read-only)"
            ),
        }),
    }
}

/// The store an `import --dry-run` validates against: the store itself when it can be written
/// (the import's transaction is rolled back), else, with --readonly or a store this user cannot
/// write, a private copy (`VACUUM INTO` a temporary directory, removed afterwards), since even a
/// transaction that is rolled back needs to write.
struct DryRunStore {
    // Dropped before the directory that holds it.
    store: Store,
    _copy: Option<tempfile::TempDir>,
}

fn open_for_dry_run(db: Option<PathBuf>, readonly: bool) -> Result<DryRunStore> {
    if !readonly && !unwritable(&db) {
        return Ok(DryRunStore {
            store: open_existing(db, false)?,
            _copy: None,
        });
    }
    let source = open_existing(db, true)?;
    let dir = tempfile::Builder::new()
        .prefix("cxcockpit-dry-run-")
        .tempdir()
        .map_err(|source| Error::Io {
            context: "creating a temporary directory for the dry run's copy of the store".into(),
            source,
        })?;
    let copy = dir.path().join("store.db");
    let Some(copy_name) = copy.to_str() else {
        return Err(Error::input(format!(
            "{}: the temporary directory's name is not UTF-8 (set TMPDIR)",
            dir.path().display()
        )));
    };
    source
        .conn()
        .execute("VACUUM INTO ?1", [copy_name])
        .map_err(|source| crate::error::Error::Sql {
            context: format!(
                "copying the store to {} for the dry run (it cannot be written here)",
                copy.display()
            ),
            source,
        })?;
    drop(source);
    Ok(DryRunStore {
        store: Store::open(&copy, OpenMode::Existing)?,
        _copy: Some(dir),
    })
}

/// Opens the store the user named for a command that needs one to exist.
pub fn open_existing(db: Option<PathBuf>, readonly: bool) -> Result<Store> {
    let (path, _) = paths::resolve_db(db)?;
    if readonly {
        Store::open(&path, OpenMode::ReadOnly)
    } else {
        open_migrating(&path)
    }
}
