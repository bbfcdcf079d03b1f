//! Where the store lives: `--db`, else `$CXCOCKPIT_DB`, else the configuration file's `db`
//! (applied by `cli`), else the XDG data directory; and where the configuration file is.

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

/// The `paths` line for the configuration file: where it is looked for and whether it is
/// there and valid.
pub fn config_line(flag: Option<PathBuf>) -> String {
    let Some((path, _)) = crate::config::resolve(flag) else {
        return format!(
            "config: none (no home directory; --config FILE or ${})",
            crate::config::CONFIG_ENV
        );
    };
    let state = if !path.exists() {
        "not there: the defaults apply".to_string()
    } else {
        match crate::config::load(Some(path.clone())) {
            Ok(_) => "read".to_string(),
            Err(error) => format!("invalid: {error}"),
        }
    };
    format!("config: {} ({state})", path.display())
}
