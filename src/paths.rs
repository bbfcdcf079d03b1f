//! Where the store lives: `--db`, else `$CXCOCKPIT_DB`, else the XDG data directory.

use std::path::PathBuf;

use directories::ProjectDirs;

use crate::error::{Error, Result};

pub const DB_ENV: &str = "CXCOCKPIT_DB";

/// The default store file in the platform's data directory (XDG on Linux).
pub fn default_db() -> Option<PathBuf> {
    ProjectDirs::from("", "", "cxcockpit").map(|dirs| dirs.data_dir().join("cxcockpit.db"))
}

/// The store path the user asked for, and whether it is the default (whose directory we may create).
pub fn resolve_db(flag: Option<PathBuf>) -> Result<(PathBuf, bool)> {
    if let Some(path) = flag {
        return Ok((path, false));
    }
    if let Some(path) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(path), false));
    }
    default_db().map(|path| (path, true)).ok_or_else(|| {
        Error::input(format!(
            "no home directory to keep the store in: pass --db PATH or set {DB_ENV}"
        ))
    })
}
