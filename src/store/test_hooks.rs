//! A test-only hook, inert unless `CXCOCKPIT_TEST_ABORT_AT` is set (tests/reliability.rs uses it
//! to kill a writer at chosen points of an import and its refresh, deterministically):
//! - `progress:N` kills the process (SIGKILL, as `kill -9`: no destructor, no rollback) at the
//!   Nth progress callback, one every `STEP` SQLite virtual-machine instructions, counted over
//!   every writable connection of the process;
//! - `commit:N` kills it just before the Nth commit of the process is written;
//! - `count` kills nothing and prints on stderr each commit's progress count and, at exit, the
//!   total, so that a test can spread its points over a run.

use std::ffi::{c_int, c_void};
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;

pub const ENV: &str = "CXCOCKPIT_TEST_ABORT_AT";
/// Virtual-machine instructions between two progress callbacks.
const STEP: c_int = 100;

#[derive(Clone, Copy)]
enum Target {
    Progress(u64),
    Commit(u64),
    Count,
}

static TARGET: OnceLock<Option<Target>> = OnceLock::new();
static PROGRESS: AtomicU64 = AtomicU64::new(0);
static COMMITS: AtomicU64 = AtomicU64::new(0);

fn target() -> Option<Target> {
    *TARGET.get_or_init(|| {
        let value = std::env::var(ENV).ok()?;
        let target = match value.split_once(':') {
            Some(("progress", n)) => Target::Progress(n.parse().ok()?),
            Some(("commit", n)) => Target::Commit(n.parse().ok()?),
            None if value == "count" => Target::Count,
            _ => return None,
        };
        if matches!(target, Target::Count) {
            // SAFETY: registers a plain function with no captured state.
            unsafe { libc::atexit(report_total) };
        }
        Some(target)
    })
}

extern "C" fn report_total() {
    let _ = writeln!(
        std::io::stderr(),
        "cxcockpit-test: total progress {} commits {}",
        PROGRESS.load(Ordering::SeqCst),
        COMMITS.load(Ordering::SeqCst)
    );
}

/// Ends the process as `kill -9` does: no destructor, no rollback, no flush.
fn die() -> ! {
    // SAFETY: sends a signal to this very process.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    std::process::abort()
}

unsafe extern "C" fn on_progress(_: *mut c_void) -> c_int {
    let n = PROGRESS.fetch_add(1, Ordering::SeqCst) + 1;
    if matches!(target(), Some(Target::Progress(at)) if at == n) {
        die();
    }
    0
}

unsafe extern "C" fn on_commit(_: *mut c_void) -> c_int {
    let n = COMMITS.fetch_add(1, Ordering::SeqCst) + 1;
    match target() {
        Some(Target::Commit(at)) if at == n => die(),
        Some(Target::Count) => {
            let _ = writeln!(
                std::io::stderr(),
                "cxcockpit-test: commit {n} at progress {}",
                PROGRESS.load(Ordering::SeqCst)
            );
        }
        _ => {}
    }
    0
}

/// Installs the hooks on a writable connection when the variable asks for them.
pub fn install(conn: &Connection) {
    if target().is_none() {
        return;
    }
    // SAFETY: the handle is this open connection's; the callbacks keep no pointer to it
    // and live for the whole program.
    unsafe {
        let db = conn.handle();
        rusqlite::ffi::sqlite3_progress_handler(db, STEP, Some(on_progress), std::ptr::null_mut());
        rusqlite::ffi::sqlite3_commit_hook(db, Some(on_commit), std::ptr::null_mut());
    }
}
