//! The crate's error type: every failure a user can meet, each with the exit code the
//! command-line contract gives it (1 runtime failure, 2 bad usage or bad input).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user or a file: exit code 2.
    #[error("{0}")]
    Input(String),
    /// The store file exists but cannot be used as it is.
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
    /// The store was written by a newer cxcockpit.
    #[error(
        "{path}: the store has schema version {found}, this cxcockpit reads versions up to {supported}; upgrade cxcockpit"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The store has an older schema and the open may not write (read-only): it needs one
    /// writable open (which migrates it) first.
    #[error(
        "{path}: has schema version {found} and needs migrating to {supported}, which a read-only open does not do: run `cxcockpit init` once as a user who can write the store"
    )]
    NeedsMigration {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_)
            | Error::Store { .. }
            | Error::NewerSchema { .. }
            | Error::NeedsMigration { .. } => 2,
            Error::Io { .. } | Error::Sql { .. } => 1,
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds a short description of what was being done to a rusqlite error.
pub trait SqlContext<T> {
    fn context(self, what: &str) -> Result<T>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|source| Error::Sql {
            context: what.to_string(),
            source,
        })
    }
}
