//! Diagnostic logs: `tracing` events written to a file in the XDG state directory
//! (`~/.local/state/cxcockpit/cxcockpit.log`), never to the terminal, where they would tear the
//! cockpit's screen. Off unless asked for: `RUST_LOG` (e.g. `RUST_LOG=cxcockpit=debug`) sets
//! the level, `--verbose` turns them on at `debug` without it. `--quiet` keeps progress and
//! notices off stderr; errors are always printed.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use directories::ProjectDirs;
use tracing_subscriber::EnvFilter;

/// `--quiet`: no progress spinner, no notices on stderr.
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A notice on stderr ("notice: ..."), unless `--quiet`: something worth knowing that is not an
/// error (columns a file has that the import does not use, a file without rows). A stderr that
/// is closed is not an error either.
pub fn notice(message: &str) {
    if !quiet() {
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("notice: {message}\n"));
    }
}

/// The log file: `$XDG_STATE_HOME/cxcockpit/cxcockpit.log` (the data directory on platforms
/// without a state directory).
pub fn log_file() -> Option<PathBuf> {
    let dirs = ProjectDirs::from("", "", "cxcockpit")?;
    let dir = dirs
        .state_dir()
        .map_or_else(|| dirs.data_local_dir().to_path_buf(), |d| d.to_path_buf());
    Some(dir.join("cxcockpit.log"))
}

/// Starts writing logs to the file when `RUST_LOG` or `--verbose` asks; a file that cannot be
/// opened is said once on stderr and the command goes on without logs. Returns the file.
pub fn init(verbose: bool) -> Option<PathBuf> {
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    if from_env.is_none() && !verbose {
        return None;
    }
    let filter = match &from_env {
        Some(spec) => EnvFilter::try_new(spec).unwrap_or_else(|error| {
            warn(&format!("RUST_LOG={spec}: {error}; logging at debug"));
            EnvFilter::new("cxcockpit=debug")
        }),
        None => EnvFilter::new("cxcockpit=debug"),
    };
    let path = log_file()?;
    let opened = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&path)
        });
    let file = match opened {
        Ok(file) => file,
        Err(error) => {
            warn(&format!("cannot write the log {}: {error}", path.display()));
            return None;
        }
    };
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    if installed.is_err() {
        return None;
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "start");
    Some(path)
}

fn warn(message: &str) {
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("cxcockpit: note: {message}\n"),
    );
}
