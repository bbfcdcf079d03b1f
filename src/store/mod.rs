//! The store: one SQLite file behind one struct. All SQL lives under this module; it returns
//! domain types and never knows about the terminal.
//!
//! Opening creates or migrates the schema (`schema.sql`, embedded), with WAL, foreign keys and a
//! busy timeout; the schema version lives in `PRAGMA user_version`.

mod account_month;
pub mod account_view;
pub mod actions;
pub mod alerts;
pub mod check;
pub mod churn;
mod churn_reads;
mod facts;
pub(crate) mod indexes;
mod indicator_values;
pub(crate) use indicator_values::too_many_indicators;
pub mod indicators;
mod lanes;
pub mod pending;
mod queries;
mod rewrite;
pub use queries::SurveyScale;
pub mod review;
pub mod rollup;
mod test_hooks;
pub mod tier_eval;
pub mod tiers;
pub mod triage;
mod triage_backtest;
mod triage_mrr;
pub mod triage_rank;
mod triage_signals;
mod triage_usage;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result, SqlContext};

/// The whole schema, applied to a new store in one transaction.
pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

/// The schema version this build writes; `MIGRATIONS[v - 2]` brings a store from v-1 to v.
pub const SCHEMA_VERSION: i64 = 13;
/// The newest version that changed what the derived tables hold: a store older than it is
/// refreshed in full once migrated.
const DERIVED_CHANGED_IN: i64 = 10;

/// One step of the migrations: SQL, or code for what SQL alone cannot say.
enum Migration {
    Sql(&'static str),
    Code(fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>),
}

const MIGRATIONS: &[Migration] = &[
    // 2: subscriptions keyed by their id alone (WITHOUT ROWID); metric values keyed month
    // before segment.
    Migration::Sql("CREATE TABLE subscription_v2 (
        subscription_id TEXT PRIMARY KEY,
        account_id      TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
        product         TEXT NOT NULL DEFAULT '',
        mrr             REAL NOT NULL CHECK (mrr >= 0),
        ordered_on      TEXT,
        start_date      TEXT NOT NULL,
        end_date        TEXT,
        CHECK (end_date IS NULL OR end_date >= start_date),
        CHECK (ordered_on IS NULL OR ordered_on <= start_date)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO subscription_v2 SELECT subscription_id, account_id, product, mrr, ordered_on, start_date, end_date
        FROM subscription;
    DROP TABLE subscription;
    ALTER TABLE subscription_v2 RENAME TO subscription;
    CREATE INDEX subscription_by_account ON subscription (account_id, start_date);
    CREATE TABLE metric_value_v2 (
        metric_id TEXT NOT NULL REFERENCES metric (metric_id) ON DELETE CASCADE,
        period    TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
        segment   TEXT NOT NULL DEFAULT 'all',
        value     REAL NOT NULL,
        n         INTEGER CHECK (n >= 0),
        PRIMARY KEY (metric_id, period, segment)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO metric_value_v2 SELECT metric_id, period, segment, value, n FROM metric_value;
    DROP TABLE metric_value;
    ALTER TABLE metric_value_v2 RENAME TO metric_value;"),
    // 3: HVC decided per month (`account_month.hvc`, set by the refresh that follows the
    // migration, see `open`); tiers qualify by all of their minimums or by any.
    // churn_month gains the journey (derived: rebuilt empty and refilled by that refresh).
    Migration::Sql("ALTER TABLE account_month ADD COLUMN hvc INTEGER NOT NULL DEFAULT 0 CHECK (hvc IN (0, 1));
     ALTER TABLE tier ADD COLUMN qualify TEXT NOT NULL DEFAULT 'all' CHECK (qualify IN ('all', 'any'));
     DROP TABLE churn_month;
     CREATE TABLE churn_month (
         period          TEXT NOT NULL,
         journey_id      TEXT NOT NULL DEFAULT '',
         segment         TEXT NOT NULL,
         n_start         INTEGER NOT NULL,
         n_churned       INTEGER NOT NULL,
         start_mrr       REAL NOT NULL,
         churned_mrr     REAL NOT NULL,
         contraction_mrr REAL NOT NULL,
         expansion_mrr   REAL NOT NULL,
         PRIMARY KEY (journey_id, segment, period)
     ) STRICT, WITHOUT ROWID;"),
    // 4: survey scales per journey, the survey rollups' variance, the pending refresh.
    Migration::Sql(include_str!("migrations/v4.sql")),
    // 5: the accounts a change reached are recorded too (refresh_pending_account).
    Migration::Sql(include_str!("migrations/v5.sql")),
    // 6: the tiers pane's month precomputed (tier_watch, tier_month, hvc_month).
    Migration::Sql(include_str!("migrations/v6.sql")),
    // 7: survey answers keyed by response id and survey; accounts gain a domain and an
    // external id (`import --account-by domain|external_id`).
    Migration::Sql(include_str!("migrations/v7.sql")),
    // 8: the churn pane's month precomputed (churned_account, churn_tier_month, cohorts).
    Migration::Sql(include_str!("migrations/v8.sql")),
    // 9: follow-through: actions and their history, alert rules and the alerts raised.
    Migration::Sql(include_str!("migrations/v9.sql")),
    // 10: the derived tables without foreign keys, refilled by a full refresh.
    Migration::Sql(include_str!("migrations/v10.sql")),
    // 11: the CHECKs of the tables written by the hundred thousand compare with = and OR
    // instead of an IN list.
    Migration::Code(checks_without_lists),
    // 12: a renamed account, or one given another owner, has its triage keys computed again; a
    // change of a setting the refresh reads is pending until a refresh applies it.
    Migration::Sql(include_str!("migrations/v12.sql")),
    // 13: the backtest's points of each ranked month kept (backtest_points).
    Migration::Sql(include_str!("migrations/v13.sql")),
];

/// The CHECKs `schema.sql` states with = and OR rather than an IN list, because their tables are
/// written by the hundred thousand: for an IN list of more than two values SQLite builds a
/// lookup table on every insert, which doubled the cost of writing a tier row (2.2 million in a
/// first refresh at 100,000 accounts). Table, column, allowed values.
const CHECKS_WITHOUT_LISTS: &[(&str, &str, &[&str])] = &[
    (
        "account",
        "company_size",
        &["micro", "small", "medium", "large", "unknown"],
    ),
    (
        "churn_event",
        "root_cause",
        &["service", "price", "promotion", "people", "process", "other"],
    ),
    ("ticket", "severity", &["low", "medium", "high", "critical"]),
    ("survey_response", "survey", &["nps", "csat", "ces"]),
    (
        "account_tier",
        "status",
        &["qualified", "upgrade", "grace", "downgrade", "none"],
    ),
];

/// A CHECK's condition as an IN list (`survey IN ('nps', 'csat')`), and with = and OR.
fn check_texts(column: &str, values: &[&str]) -> (String, String) {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    let listed = format!("{column} IN ({})", quoted.join(", "));
    let chained: Vec<String> = quoted.iter().map(|q| format!("{column} = {q}")).collect();
    (listed, chained.join(" OR "))
}

/// Version 11: `CHECKS_WITHOUT_LISTS` in place. Only the constraints' text changes and every row
/// meets them as it met the lists, which SQLite documents as a change that may be made by
/// editing the schema's text (lang_altertable.html, "Making Other Kinds Of Table Schema
/// Changes"): no table is rebuilt, and no derived row changes.
fn checks_without_lists(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let schema_version: i64 = tx.pragma_query_value(None, "schema_version", |row| row.get(0))?;
    tx.pragma_update(None, "writable_schema", true)?;
    for (table, column, values) in CHECKS_WITHOUT_LISTS {
        let (listed, chained) = check_texts(column, values);
        tx.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3) WHERE type = 'table' AND name = ?1",
            (table, listed, chained),
        )?;
    }
    // Every connection, this one included, reads the schema again.
    tx.pragma_update(None, "schema_version", schema_version + 1)?;
    tx.pragma_update(None, "writable_schema", false)
}

/// Why a store could not be opened: bad input (exit 2: not a store, damaged, no permission)
/// unless the machine ran short (memory, an I/O failure: a runtime failure, exit 1).
fn open_error(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    if matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::OutOfMemory | rusqlite::ErrorCode::SystemIoFailure)
    ) {
        return Error::Sql {
            context: format!("{}: {what}", path.display()),
            source: e,
        };
    }
    Error::Store {
        path: path.to_path_buf(),
        message: format!("{what}{}", describe(&e)),
    }
}

/// Creates an empty store file (SQLite takes an empty file as a new database) readable by its
/// owner only, or by the group too in a setgid (team-shared) directory; the umask narrows either.
/// SQLite gives the -wal and -shm files the main file's mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let team_shared = std::fs::metadata(parent).is_ok_and(|m| m.mode() & 0o2000 != 0);
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if team_shared { 0o660 } else { 0o600 })
        .open(path);
    match created {
        // Another process created it meanwhile: open it as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(|_| ()),
    }
}

/// A zero-byte file with no write-ahead log holding its pages.
fn is_empty_file(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(path).is_ok_and(|m| m.len() == 0)
        && !std::fs::metadata(PathBuf::from(wal)).is_ok_and(|m| m.len() > 0)
}

/// `path` with `suffix` appended to its name: the store's -wal and -shm.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The directory holding `path` ("." for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Why this process may not write `path` (`faccessat` with the effective ids, as the kernel
/// decides): None when it may, or when the answer is not a permission (SQLite then says).
fn write_refused(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: a valid NUL-terminated path; faccessat only reads it.
    let status = unsafe { libc::faccessat(libc::AT_FDCWD, c_path.as_ptr(), libc::W_OK, libc::AT_EACCESS) };
    if status == 0 {
        return None;
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EROFS) => Some("is on a read-only file system"),
        Some(libc::EACCES | libc::EPERM) => Some("is not writable by you"),
        _ => None,
    }
}

/// Whether migrating a store of schema `version` computes its derived tables again (a full
/// refresh), rather than only changing the schema.
pub fn migration_refreshes(version: i64) -> bool {
    version > 0 && version < DERIVED_CHANGED_IN
}

/// The schema version of the store at `path` when it is an older one that opening it for
/// writing will migrate (read without writing anything); None for a current store, a new file or
/// one that cannot be read (opening it says why).
pub fn migration_due(path: &Path) -> Option<i64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .ok()?;
    (version > 0 && version < SCHEMA_VERSION).then_some(version)
}

/// Why the store at `path` cannot be written by this process, if it cannot: SQLite writes the
/// file and creates its -wal and -shm in the same directory (unless both exist and are
/// writable). Checked before a command that writes opens the store, so that it fails with this
/// reason instead of SQLite's "read-only".
pub fn unwritable_reason(path: &Path) -> Option<String> {
    if let Some(why) = write_refused(path) {
        return Some(format!("{} {why}", path.display()));
    }
    let dir = parent_dir(path);
    let sidecars_writable = ["-wal", "-shm"].iter().all(|suffix| {
        let file = sibling(path, suffix);
        file.exists() && write_refused(&file).is_none()
    });
    match write_refused(&dir) {
        Some(why) if !sidecars_writable => Some(format!("{} (the store's directory) {why}", dir.display())),
        _ => None,
    }
}

/// `file:` URI opening `path` read-only as an immutable file (every byte but `/` and the
/// unreserved characters percent-encoded, so no name is read as URI syntax).
fn immutable_uri(path: &Path) -> std::io::Result<String> {
    use std::os::unix::ffi::OsStrExt;
    let absolute = std::path::absolute(path)?;
    let mut uri = String::from("file:");
    for &b in absolute.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    Ok(uri)
}

/// `PRAGMA application_id` of every cxcockpit store: "CXCP" in ASCII (0x43584350). Set when the
/// schema is created, and on the first writable open of a store made before it was.
pub const APPLICATION_ID: i64 = 0x4358_4350;

/// The tables of a store at this version, read from the schema built in memory: every older
/// version's tables are among them (migrations rename and rebuild, never drop for good).
fn our_tables() -> Result<Vec<String>> {
    let conn = Connection::open_in_memory().context("reading the schema")?;
    conn.execute_batch(SCHEMA_SQL).context("reading the schema")?;
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .context("reading the schema")?;
    stmt.query_map([], |row| row.get::<_, String>(0))
        .context("reading the schema")?
        .collect::<rusqlite::Result<Vec<String>>>()
        .context("reading the schema")
}

/// The page cache, in KiB.
pub(crate) const CACHE_KIB: i64 = 65536;

/// The page cache while `parallel_sorts` is on, in KiB: it also sizes the sorter's runs.
const SORT_CACHE_KIB: i64 = 2048;

/// The page cache of each of the cockpit's connections, in KiB. The cockpit reads a page at a
/// time and leans on the operating system's file cache; two 64 MB caches would be most of its
/// memory, held for nothing while it is idle on a shared host.
pub const COCKPIT_CACHE_KIB: i64 = 8192;

/// On for large sorts (the refresh's GROUP BYs, an index rebuild after a large import); off
/// restores the usual settings. SQLite sorts in runs the size of the page cache and hands them to
/// `threads` workers when it may spill them to files: small runs on every core beat one
/// cache-sized in-memory sort by a third to a half, in bounded memory.
pub(crate) fn parallel_sorts(conn: &Connection, on: bool) -> Result<()> {
    let sql = if on {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        format!("PRAGMA threads = {workers}; PRAGMA cache_size = -{SORT_CACHE_KIB};")
    } else {
        format!("PRAGMA threads = 0; PRAGMA cache_size = -{CACHE_KIB};")
    };
    conn.execute_batch(&sql).context("sizing the sorter")
}

/// With `parallel_sorts` on, while `lanes` connections work at once: each sorts with its share of
/// the cores (on two cores, no helper thread: both are busy already).
pub(crate) fn share_sort_workers(conn: &Connection, lanes: usize) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let helpers = (cores / lanes.max(1)).saturating_sub(1);
    conn.execute_batch(&format!("PRAGMA threads = {helpers};"))
        .context("sizing the sorter")
}

/// A statement at least this long is logged with --verbose.
const SLOW_STATEMENT: Duration = Duration::from_millis(100);

/// With --verbose, the statements that take long go to the log with their time: where a slow
/// refresh or pane read spends it, from a user's own store.
fn trace_slow_statements(conn: &mut Connection) -> Result<()> {
    if tracing::enabled!(tracing::Level::DEBUG) {
        conn.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_PROFILE,
            Some(|event: rusqlite::trace::TraceEvent<'_>| {
                if let rusqlite::trace::TraceEvent::Profile(statement, took) = event
                    && took >= SLOW_STATEMENT
                {
                    let sql = statement.sql();
                    let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                    let sql: String = sql.chars().take(300).collect();
                    tracing::debug!(ms = took.as_millis() as u64, %sql, "slow statement");
                }
            }),
        )
        .context("tracing slow statements")?;
    }
    Ok(())
}

/// How long a writer waits for another cockpit's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if it is missing, migrate it if it is older.
    Create,
    /// The file must exist already; migrate it if it is older.
    Existing,
    /// The file must exist; nothing is written, not even a migration.
    ReadOnly,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened with `immutable=1` (see `open_read_only`): a snapshot, no locks, no changes seen.
    immutable: bool,
}

impl Store {
    pub fn open(path: &Path, mode: OpenMode) -> Result<Store> {
        let store_error = |message: String| Error::Store {
            path: path.to_path_buf(),
            message,
        };
        if mode != OpenMode::Create && !path.exists() {
            return Err(store_error(
                "no store here; create one with `cxcockpit init` or `cxcockpit demo --out PATH`".into(),
            ));
        }
        if path.is_dir() {
            return Err(store_error("is a directory, expected a store file".into()));
        }
        if mode != OpenMode::Create && is_empty_file(path) {
            // SQLite would take it as a new database and the first write command would make it a
            // store: only `init` (and `demo`) create stores.
            return Err(store_error(
                "is an empty file, not a cxcockpit store; create one with `cxcockpit init`".into(),
            ));
        }
        if mode == OpenMode::Create {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(parent) = parent.filter(|p| !p.is_dir()) {
                let problem = if parent.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                return Err(store_error(format!("{} {problem}", parent.display())));
            }
        }
        if mode == OpenMode::Create && !path.exists() {
            create_private(path).map_err(|e| store_error(format!("cannot create: {e}")))?;
        }
        if mode == OpenMode::ReadOnly {
            return Store::open_read_only(path);
        }
        let flags = match mode {
            OpenMode::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            _ => OpenFlags::SQLITE_OPEN_READ_WRITE,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| open_error(path, "cannot open: ", e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            immutable: false,
        };
        store.prepare(true).map_err(|e| match e {
            Error::Sql { source, .. } => open_error(path, "", source),
            other => other,
        })?;
        test_hooks::install(&store.conn);
        Ok(store)
    }

    /// Opens an existing store read-only by SQLite's rules for WAL files: `mode=ro` first, which
    /// needs the -shm index beside the store (it is created if the directory is writable, or
    /// read if a writer keeps one). When that fails because the -shm can be neither created nor
    /// opened, and there is no -wal and no -shm (the store was checkpointed and closed cleanly,
    /// so every page is in the file), `immutable=1` reads the file as it is: a snapshot, without
    /// locks. With a -wal left, the file alone is not the store: a clear error says what to do.
    fn open_read_only(path: &Path) -> Result<Store> {
        let store_error = |message: String| Error::Store {
            path: path.to_path_buf(),
            message,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| open_error(path, "cannot open: ", e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            immutable: false,
        };
        let source = match store.prepare(false) {
            Ok(()) => return Ok(store),
            Err(Error::Sql { source, .. }) => source,
            Err(other) => return Err(other),
        };
        let shm_missing = matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
        );
        if !shm_missing {
            return Err(open_error(path, "", source));
        }
        drop(store);
        let wal = sibling(path, "-wal");
        let shm = sibling(path, "-shm");
        let dir = parent_dir(path);
        if wal.exists() || shm.exists() {
            let left = if wal.exists() { &wal } else { &shm };
            return Err(store_error(format!(
                "cannot be read by you: {} exists (a cockpit is writing the store, or one stopped without closing it) \
                 and {} is not writable by you, so SQLite cannot share its index; ask the store's owner to close \
                 the cockpits writing it (the last one to close folds the -wal into the store), or to give you write \
                 access to the directory (a shared group), or to make you a copy with `cxcockpit backup --out FILE`",
                left.display(),
                dir.display()
            )));
        }
        let uri = immutable_uri(path).map_err(|e| store_error(format!("cannot open: {e}")))?;
        let conn = Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
            .map_err(|e| open_error(path, "cannot open: ", e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            immutable: true,
        };
        store.prepare(false).map_err(|e| match e {
            Error::Sql { source, .. } => open_error(path, "", source),
            other => other,
        })?;
        Ok(store)
    }

    /// True when the store was opened as an immutable snapshot (a read-only directory, see
    /// `open_read_only`): what others write after it opened is not seen.
    pub fn is_snapshot(&self) -> bool {
        self.immutable
    }

    /// A private store in memory: tests and fixtures.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory().context("opening an in-memory store")?;
        let mut store = Store {
            conn,
            path: PathBuf::from(":memory:"),
            immutable: false,
        };
        store.prepare(true)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection's journal mode, in lower case ("wal", "off", "memory", ...).
    pub fn journal_mode(&self) -> Result<String> {
        let mode: String = self
            .conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .context("reading the journal mode")?;
        Ok(mode.to_ascii_lowercase())
    }

    /// Sets the page cache of this connection (see `COCKPIT_CACHE_KIB`).
    pub fn set_cache_kib(&self, kib: i64) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{};", kib.max(64)))
            .context("sizing the cache")
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn prepare(&mut self, writable: bool) -> Result<()> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .context("setting the busy timeout")?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .context("enabling foreign keys")?;
        trace_slow_statements(&mut self.conn)?;
        // Temporary data may spill to files, so large sorts can run in parallel (see
        // `parallel_sorts`); small ones stay in the page cache as they would in memory.
        self.conn
            .execute_batch(&format!(
                "PRAGMA temp_store = FILE; PRAGMA cache_size = -{CACHE_KIB};"
            ))
            .context("sizing the cache")?;
        // Reading the version is the first real read: a file that is not SQLite fails here.
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .context("reading the schema version")?;
        let application_id: i64 = self
            .conn
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .context("reading the application id")?;
        // Before anything is written (a migration, the switch to WAL, the mark): another
        // application's database is left exactly as it was.
        self.refuse_foreign(version, application_id)?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            let tables: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
                .context("inspecting the file")?;
            if tables > 0 {
                return Err(Error::Store {
                    path: self.path.clone(),
                    message: "is a SQLite database but not a cxcockpit store (no schema version)".into(),
                });
            }
        }
        if version < SCHEMA_VERSION {
            if !writable {
                return Err(Error::NeedsMigration {
                    path: self.path.clone(),
                    found: version,
                    supported: SCHEMA_VERSION,
                });
            }
            self.migrate(version)?;
            if migration_refreshes(version) {
                // Version 10 rebuilds the derived tables empty (and older versions changed what
                // they hold): the full refresh the migration recorded as pending fills them
                // before anyone reads them.
                self.refresh()?;
            } else if !self.pending()?.is_empty() {
                // What the migration found behind (version 12: stale triage keys), or what a
                // refresh cut short left.
                self.refresh_pending()?;
            }
        }
        if writable && version == SCHEMA_VERSION && application_id != APPLICATION_ID {
            // A store made before stores were marked (its tables checked above): mark it now.
            // Only a convenience: a store that is read-only or busy for now is marked later.
            match self.conn.pragma_update(None, "application_id", APPLICATION_ID) {
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::DatabaseBusy)
                    ) => {}
                other => other.context("marking the store")?,
            }
        }
        if writable && self.path.as_os_str() != ":memory:" {
            // WAL lets other cockpits read while one writes.
            let _mode: String = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
                .context("switching to WAL")?;
        }
        Ok(())
    }

    /// Refuses another application's SQLite database: another application id, or, in a file
    /// without one (every store made before the mark), a schema version but tables that are not
    /// a cxcockpit store's.
    fn refuse_foreign(&self, version: i64, application_id: i64) -> Result<()> {
        let foreign = |why: String| Error::Store {
            path: self.path.clone(),
            message: format!(
                "is another application's SQLite database ({why}), not a cxcockpit store; left unchanged"
            ),
        };
        if application_id == APPLICATION_ID {
            return Ok(());
        }
        if application_id != 0 {
            // The id is a signed 32-bit number; printed as the 8 hex digits tools show.
            return Err(foreign(format!("application id {:#010x}", application_id as u32)));
        }
        if version == 0 {
            // An empty file or database, or one refused below as having no schema version.
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                 ORDER BY name",
            )
            .context("inspecting the file")?;
        let tables = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .context("inspecting the file")?
            .collect::<rusqlite::Result<Vec<String>>>()
            .context("inspecting the file")?;
        if !tables.iter().any(|t| t == "account") {
            return Err(foreign(format!("schema version {version} but no account table")));
        }
        if version > SCHEMA_VERSION {
            // A newer cxcockpit may have tables this one does not know.
            return Ok(());
        }
        let ours = our_tables()?;
        let strangers: Vec<&str> = tables
            .iter()
            .filter(|t| !ours.contains(t))
            .map(String::as_str)
            .collect();
        match strangers.as_slice() {
            [] => Ok(()),
            [one] => Err(foreign(format!("table {one} is not cxcockpit's"))),
            [first, second, rest @ ..] => Err(foreign(format!(
                "tables {first}, {second}{} are not cxcockpit's",
                if rest.is_empty() {
                    String::new()
                } else {
                    format!(" and {} more", rest.len())
                }
            ))),
        }
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting the migration")?;
        if from == 0 {
            tx.execute_batch(SCHEMA_SQL).context("creating the schema")?;
        } else {
            for (i, migration) in MIGRATIONS.iter().enumerate() {
                let target = i as i64 + 2;
                if target > from {
                    match migration {
                        Migration::Sql(sql) => tx.execute_batch(sql),
                        Migration::Code(step) => step(&tx),
                    }
                    .context(&format!("migrating to schema version {target}"))?;
                }
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .context("recording the schema version")?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .context("marking the store")?;
        tx.commit().context("committing the migration")
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .context("reading a setting")
    }

    /// The minimum samples of the metrics' aggregations: the defaults and the store's
    /// `min_sample.<aggregation>` settings.
    pub fn min_samples(&self) -> Result<crate::domain::status::MinSamples> {
        review::min_samples_in(&self.conn)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .context("writing a setting")?;
        Ok(())
    }
}

/// A message for a SQLite error a user can act on.
/// What a store SQLite finds corrupt is described as (`check` reports it as a problem).
pub const CORRUPT: &str = "the store is corrupt or truncated";

fn describe(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "is not a cxcockpit store (not a SQLite database)".into(),
        Some(ErrorCode::DatabaseCorrupt) => CORRUPT.into(),
        Some(ErrorCode::CannotOpen) => "cannot open the file (check the path and permissions)".into(),
        Some(ErrorCode::ReadOnly) => "the store is read-only (check the file's permissions)".into(),
        Some(ErrorCode::PermissionDenied) => "permission denied".into(),
        Some(ErrorCode::DatabaseBusy) => "the store is busy (another cockpit is writing)".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{SURVEYS, Scale};

    /// Each table's CREATE text, runs of white space read as one space.
    fn table_sql(conn: &Connection, table: &str) -> String {
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Whether inserting into `table` builds a lookup table (OpenEphemeral) on every row, in the
    /// insert's own program (its triggers' programs, listed after it, are theirs).
    fn insert_builds_a_lookup(conn: &Connection, table: &str, column: &str) -> bool {
        let mut plan = conn
            .prepare(&format!("EXPLAIN INSERT INTO {table} ({column}) VALUES ('?')"))
            .unwrap();
        let steps: Vec<(i64, String)> = plan
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let own = steps
            .iter()
            .enumerate()
            .take_while(|(i, (address, _))| *address == *i as i64)
            .map(|(_, (_, opcode))| opcode.as_str())
            .collect::<Vec<_>>();
        assert!(own.iter().any(|&op| op == "Insert" || op == "IdxInsert"));
        own.contains(&"OpenEphemeral")
    }

    /// The CHECKs of `CHECKS_WITHOUT_LISTS`, as a store at `conn` has them: each with = and OR
    /// (no lookup table per insert), none as a list.
    fn assert_checks_without_lists(conn: &Connection) {
        for (table, column, values) in CHECKS_WITHOUT_LISTS {
            let (listed, chained) = check_texts(column, values);
            let sql = table_sql(conn, table);
            assert!(sql.contains(&format!("CHECK ({chained})")), "{table}: {sql}");
            assert!(!sql.contains(&listed), "{table}: {sql}");
            assert!(!insert_builds_a_lookup(conn, table, column), "{table}");
        }
        // The constraint still refuses what the list refused (tried, then rolled back).
        conn.execute_batch("SAVEPOINT probe").unwrap();
        let tier_row = "INSERT INTO account_tier (period, account_id, status) VALUES ('2026-01', ?1, ?2)";
        conn.execute(tier_row, ["A1", "grace"]).unwrap();
        let refused = conn.execute(tier_row, ["A2", "gracious"]).unwrap_err();
        assert!(
            refused.to_string().contains("CHECK constraint failed"),
            "{refused}"
        );
        conn.execute_batch("ROLLBACK TO probe; RELEASE probe").unwrap();
    }

    #[test]
    fn a_new_store_checks_its_bulk_tables_without_lists() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA_SQL).unwrap();
        assert_checks_without_lists(&conn);
        // The lists cost a lookup table per insert: the test above would catch them.
        conn.execute_batch(
            "CREATE TABLE listed (status TEXT CHECK (status IN ('qualified', 'upgrade', 'grace')))",
        )
        .unwrap();
        assert!(insert_builds_a_lookup(&conn, "listed", "status"));
    }

    /// Takes away what version 12 added (a store made by an older cxcockpit has none of it).
    const WITHOUT_V12: &str = "DROP TRIGGER account_label_changed_update;
         DROP TRIGGER setting_changed_insert; DROP TRIGGER setting_changed_update;
         DROP TRIGGER setting_changed_delete; DROP VIEW setting_read_by_refresh;";

    /// Opens an older store for writing, which migrates it to the current version.
    fn open_migrated(path: &Path) -> Store {
        let store = Store::open(path, OpenMode::Existing).unwrap();
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        store
    }

    #[test]
    fn a_version_10_store_has_its_lists_restated_in_place() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("v10.db");
        drop(Store::open(&path, OpenMode::Create).unwrap());
        {
            // Back to version 10: the CHECKs as lists, as stores made before version 11 have them.
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "writable_schema", true).unwrap();
            for (table, column, values) in CHECKS_WITHOUT_LISTS {
                let (listed, _) = check_texts(column, values);
                let mut sql: String = conn
                    .query_row(
                        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                        [table],
                        |r| r.get(0),
                    )
                    .unwrap();
                // The chain as schema.sql wraps it: from its first comparison to its last.
                let first = sql.find(&format!("{column} = '{}'", values[0])).unwrap();
                let last = format!("{column} = '{}'", values[values.len() - 1]);
                let end = sql.find(&last).unwrap() + last.len();
                sql.replace_range(first..end, &listed);
                conn.execute(
                    "UPDATE sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1",
                    (table, sql),
                )
                .unwrap();
            }
            conn.pragma_update(None, "writable_schema", false).unwrap();
            // Nor what later versions added.
            conn.execute_batch(WITHOUT_V12).unwrap();
            conn.pragma_update(None, "user_version", 10).unwrap();
            // A derived row no refresh of this store would keep (it has no subscriptions).
            conn.execute(
                "INSERT INTO account_month VALUES ('A1', '2026-01', 7.0, 7.0, 0)",
                [],
            )
            .unwrap();
        }
        {
            let conn = Connection::open(&path).unwrap();
            assert!(insert_builds_a_lookup(&conn, "account_tier", "status"));
        }
        let store = open_migrated(&path);
        assert_checks_without_lists(&store.conn);
        // Only the schema changed: no refresh followed.
        assert!(!migration_refreshes(10) && migration_refreshes(9));
        let kept: f64 = store
            .conn
            .query_row(
                "SELECT mrr_end FROM account_month WHERE account_id = 'A1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 7.0);
        let integrity: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        drop(store);
        // Another connection reads the new constraints too.
        assert_checks_without_lists(&Connection::open(&path).unwrap());
    }

    #[test]
    fn a_version_11_store_computes_the_triage_keys_of_accounts_renamed_before_it_again() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("v11.db");
        {
            let mut store = Store::open(&path, OpenMode::Create).unwrap();
            let params = crate::demo::DemoParams {
                accounts: 60,
                months: 6,
                seed: 5,
                as_of: "2026-06".parse().unwrap(),
            };
            crate::demo::generate(&mut store, &params).unwrap();
        }
        let key = |conn: &Connection, id: &str| -> String {
            conn.query_row(
                "SELECT name_key FROM triage_rank WHERE account_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        let id: String;
        {
            // Back to version 11, without the trigger, and an account renamed since its keys
            // were computed.
            let conn = Connection::open(&path).unwrap();
            id = conn
                .query_row("SELECT min(account_id) FROM triage_rank", [], |r| r.get(0))
                .unwrap();
            conn.execute_batch(WITHOUT_V12).unwrap();
            conn.pragma_update(None, "user_version", 11).unwrap();
            conn.execute(
                "UPDATE account SET name = 'Renamed Before Twelve' WHERE account_id = ?1",
                [&id],
            )
            .unwrap();
            assert_ne!(key(&conn, &id), "renamed before twelve");
        }
        let store = open_migrated(&path);
        assert_eq!(key(&store.conn, &id), "renamed before twelve");
        assert!(store.pending().unwrap().is_empty(), "the opening took it up");
        // From now on the trigger records a rename.
        store
            .conn
            .execute(
                "UPDATE account SET owner = 'Someone Else' WHERE account_id = ?1",
                [&id],
            )
            .unwrap();
        let pending: Vec<String> = store.pending().unwrap().into_iter().map(|p| p.source).collect();
        assert_eq!(pending, ["account_label"]);
    }

    #[test]
    fn the_schema_scores_surveys_on_the_domains_standard_scales() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA_SQL).unwrap();
        for survey in SURVEYS {
            let stored: (i64, i64, String, i64, i64, i64, i64) = conn
                .query_row(
                    "SELECT min_score, max_score, good, unhappy_from, unhappy_to, happy_from, happy_to
                     FROM survey_standard_scale WHERE survey = ?1",
                    [survey],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                        ))
                    },
                )
                .unwrap();
            let scale = Scale::standard(survey).unwrap();
            assert_eq!(
                stored,
                (
                    scale.min,
                    scale.max,
                    scale.good.as_str().to_string(),
                    scale.unhappy.0,
                    scale.unhappy.1,
                    scale.happy.0,
                    scale.happy.1
                ),
                "{survey}"
            );
        }
    }
}
