//! `cxcockpit demo`: generates a demo store into a temporary file beside the target and renames
//! it into place only when complete, so a failure never leaves a half-written store.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use crate::demo::{self, DemoParams};
use crate::domain::Period;
use crate::error::{Error, Result, SqlContext};
use crate::store::{OpenMode, Store};

use super::output::outln;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the store.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// How many accounts.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub accounts: u32,
    /// How many months of history, ending at --as-of.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub months: u32,
    /// Seed of the generator: the same seed and as-of month give the same store.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The last month with data (default: the previous calendar month).
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<Period>,
    /// Replace PATH if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &DemoArgs) -> Result<u8> {
    if args.out.exists() && !args.force {
        return Err(Error::input(format!(
            "{} exists; pass --force to replace it",
            args.out.display()
        )));
    }
    let as_of = args
        .as_of
        .unwrap_or_else(|| Period::of_date(chrono::Local::now().date_naive()).prev());
    let params = DemoParams {
        accounts: args.accounts as usize,
        months: args.months,
        seed: args.seed,
        as_of,
    };
    let started = Instant::now();
    let summary = {
        let steps = super::progress::Steps::start("demo");
        write_demo(&args.out, &params, &mut |name| steps.step(name))?
    };
    outln!(
        "wrote {}: {} accounts, {} subscriptions, {} tickets, {} survey responses, {} invoices, {} churn events; {} months to {} in {:.1} s",
        args.out.display(),
        summary.accounts,
        summary.subscriptions,
        summary.tickets,
        summary.surveys,
        summary.invoices,
        summary.churn_events,
        params.months,
        params.as_of,
        started.elapsed().as_secs_f64(),
    );
    if let Some(refresh) = summary.refresh {
        outln!("{}", super::describe_refresh(&refresh));
    }
    Ok(0)
}

/// Generates into `<out>.partial-<pid>` and renames it over `out` once complete.
pub fn write_demo(
    out: &Path,
    params: &DemoParams,
    stage: &mut dyn FnMut(&'static str),
) -> Result<demo::DemoSummary> {
    // Check the directory first, so an error names the path the user gave, not the partial file.
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        let problem = if parent.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(Error::Store {
            path: out.to_path_buf(),
            message: format!("{} {problem}", parent.display()),
        });
    }
    remove_stale_partials(out);
    let mut partial = out.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    let result = (|| {
        let mut store = Store::open(&partial, OpenMode::Create)?;
        // A partial file is thrown away on failure, so it needs no journal while it is filled.
        store
            .conn()
            .execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .context("preparing the demo store")?;
        let summary = demo::generate_reporting(&mut store, params, stage)?;
        store
            .conn()
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .context("finishing the demo store")?;
        drop(store); // closing checkpoints the WAL into the file
        std::fs::rename(&partial, out).map_err(|source| Error::Io {
            context: format!("moving the demo store to {}", out.display()),
            source,
        })?;
        Ok(summary)
    })();
    if result.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = partial.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(file));
        }
    }
    result
}

/// Removes the partial files (and their -wal, -shm, -journal) a killed demo left beside `out`: those whose
/// process is gone. A demo still running into the same path keeps its file.
fn remove_stale_partials(out: &Path) {
    let (Some(dir), Some(name)) = (out.parent(), out.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut prefix = name.to_owned();
    prefix.push(".partial-");
    let Some(prefix) = prefix.to_str() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let pid = ["-wal", "-shm", "-journal"]
            .iter()
            .fold(rest, |rest, suffix| rest.strip_suffix(suffix).unwrap_or(rest));
        let Ok(pid) = pid.parse::<libc::pid_t>() else {
            continue;
        };
        if pid > 0 && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    // EPERM: it exists, owned by another user.
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
