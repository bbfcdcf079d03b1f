//! `cxcockpit backup --out FILE [--force]`: a consistent copy of the store while others use it.
//!
//! `VACUUM INTO` copies the store as one read transaction sees it: a snapshot, whatever other
//! cockpits write meanwhile (WAL lets them go on), compacted, with the schema version. It writes
//! into an empty temporary file created 0600 beside FILE, which is then renamed into place, so
//! FILE is never half a store and never readable by others.

use std::path::{Path, PathBuf};

use clap::Args;

use super::output::outln;
use super::review::{directory_of, existing_file};
use crate::error::{Error, Result, SqlContext};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy to write (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace FILE if it exists (a regular file only).
    #[arg(long)]
    pub force: bool,
}

/// Checks FILE before the store is opened, so a refused backup touches nothing.
pub fn run(db: Option<PathBuf>, args: &BackupArgs) -> Result<u8> {
    let out = &args.out;
    if existing_file("--out", out)?.is_some() && !args.force {
        return Err(Error::input(format!(
            "--out {}: exists; pass --force to replace it",
            out.display()
        )));
    }
    let (path, _) = crate::paths::resolve_db(db.clone())?;
    if same_file(&path, out) {
        return Err(Error::input(format!(
            "--out {}: is the store itself",
            out.display()
        )));
    }
    let dir = directory_of("--out", out)?;
    let store = super::open_existing(db, true)?;
    copy(&store, out, &dir)
}

fn copy(store: &Store, out: &Path, dir: &Path) -> Result<u8> {
    let io = |what: &str, source: std::io::Error| Error::Io {
        context: format!("{what} {}", out.display()),
        source,
    };
    // Absolute, so SQLite never reads the name as a `file:` URI.
    let dir = std::path::absolute(dir).map_err(|e| io("resolving the directory of", e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".cxcockpit-backup")
        .tempfile_in(&dir)
        .map_err(|e| io("creating a temporary file for", e))?;
    let Some(tmp_name) = tmp.path().to_str() else {
        return Err(Error::input(format!(
            "--out {}: the directory's name is not UTF-8; choose another directory",
            out.display()
        )));
    };
    let steps = super::progress::Steps::start("backup");
    steps.step("copying the store (VACUUM INTO)");
    // The temporary file exists and is empty, as VACUUM INTO requires; SQLite keeps its mode.
    store
        .conn()
        .execute("VACUUM INTO ?1", [tmp_name])
        .context(&format!("copying the store to {}", out.display()))?;
    steps.step("writing it to disk");
    tmp.as_file().sync_all().map_err(|e| io("writing", e))?;
    drop(steps);
    let size = tmp.as_file().metadata().map_or(0, |m| m.len());
    tmp.persist(out).map_err(|e| io("renaming into", e.error))?;
    outln!(
        "backed up {} to {} ({size} bytes)",
        store.path().display(),
        out.display()
    );
    Ok(0)
}

/// Whether two paths name one file (a copy over the store would destroy it).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
