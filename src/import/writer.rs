//! Writing validated rows: one prepared upsert per row, straight into the table. A row the store
//! refuses is named by its line at once. Large files are loaded with the table's secondary
//! indexes set aside and rebuilt once at the end, which SQLite does far faster (one sort) than
//! keeping them up to date row by row in random order; and with the table's insert trigger set
//! aside, its record of the pending refresh gathered here and written once (a trigger program
//! per row cost more than half of a million-row load).

use std::collections::HashMap;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Statement};

use super::Problem;
use super::kinds::Spec;
use crate::error::{Result, SqlContext};
use crate::store::indexes::PlainIndexes;

/// Below this many rows, rebuilding the indexes costs more than it saves.
const DEFER_INDEXES_FROM_ROWS: u64 = 50_000;

pub struct Writer<'c> {
    upsert: Statement<'c>,
    /// Set while the table's insert trigger is set aside (`record_inserts`).
    bulk: Option<Bulk<'c>>,
    /// Rows inserted or changed so far (unchanged rows are not written).
    pub written: u64,
}

/// Writing with the insert trigger set aside: a new row is inserted alone and what the trigger
/// would have recorded of it is gathered; a row whose key exists is updated, and its update
/// trigger records it as before.
struct Bulk<'c> {
    insert_new: Statement<'c>,
    /// None when every column is of the key: an existing row has nothing to change.
    update_changed: Option<Statement<'c>>,
    inserted: Inserted,
}

impl<'c> Writer<'c> {
    pub fn new(conn: &'c Connection, spec: &Spec, columns: &[&'static str]) -> Result<Self> {
        let conflict = match changes_sql(spec, columns, |c| format!("excluded.{c}")) {
            None => "DO NOTHING".to_string(),
            // Only rows that differ are updated, so changes() counts written rows, not unchanged ones.
            Some((set, differs)) => format!("DO UPDATE SET {set} WHERE {differs}"),
        };
        let sql = format!("{} {conflict}", insert_sql(spec, columns));
        Ok(Writer {
            upsert: conn.prepare(&sql).context("preparing the import")?,
            bulk: None,
            written: 0,
        })
    }

    /// From now on, records what the table's insert trigger would: call it once that trigger is
    /// set aside (`SetAside::sets_aside_inserts`).
    pub fn record_inserts(
        &mut self,
        conn: &'c Connection,
        spec: &Spec,
        columns: &[&'static str],
    ) -> Result<()> {
        let Some(inserted) = Inserted::new(spec, columns) else {
            return Ok(());
        };
        // ?N is the Nth column, as for the insert: the same values bind both.
        let at = |c: &str| columns.iter().position(|x| *x == c).map_or(0, |i| i + 1);
        let update_changed = match changes_sql(spec, columns, |c| format!("?{}", at(c))) {
            None => None,
            Some((set, differs)) => {
                let key: Vec<String> = spec.key.iter().map(|c| format!("{c} = ?{}", at(c))).collect();
                let sql = format!(
                    "UPDATE {} SET {set} WHERE {} AND ({differs})",
                    spec.table,
                    key.join(" AND ")
                );
                Some(conn.prepare(&sql).context("preparing the import")?)
            }
        };
        let insert_new = format!("{} DO NOTHING", insert_sql(spec, columns));
        self.bulk = Some(Bulk {
            insert_new: conn.prepare(&insert_new).context("preparing the import")?,
            update_changed,
            inserted,
        });
        Ok(())
    }

    /// Writes one row; a row the store refuses (a constraint) is a problem of its line.
    pub fn write<'v>(
        &mut self,
        line: u64,
        values: impl Iterator<Item = ToSqlOutput<'v>> + Clone,
    ) -> Result<Option<Problem>> {
        let written = match &mut self.bulk {
            None => self.upsert.execute(rusqlite::params_from_iter(values)),
            Some(bulk) => bulk.write(values),
        };
        match written {
            Ok(changes) => {
                self.written += changes as u64;
                Ok(None)
            }
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Ok(Some(Problem::line(line, format!("rejected by the store: {e}"))))
            }
            Err(e) => Err(e).context("writing a row"),
        }
    }

    /// Records as pending what the set-aside insert trigger would have recorded of the rows
    /// inserted, in the load's transaction.
    pub fn finish(self, conn: &Connection) -> Result<()> {
        match self.bulk {
            Some(bulk) => bulk.inserted.record(conn),
            None => Ok(()),
        }
    }
}

impl Bulk<'_> {
    fn write<'v>(
        &mut self,
        values: impl Iterator<Item = ToSqlOutput<'v>> + Clone,
    ) -> rusqlite::Result<usize> {
        if self
            .insert_new
            .execute(rusqlite::params_from_iter(values.clone()))?
            == 1
        {
            self.inserted.add(values);
            return Ok(1);
        }
        match &mut self.update_changed {
            Some(update) => update.execute(rusqlite::params_from_iter(values)),
            None => Ok(0),
        }
    }
}

/// What a table's `{table}_changed_insert` trigger records of each row inserted, gathered: the
/// earliest month (the first seven characters of the spec's `changes_month` column) and the
/// rows per account.
struct Inserted {
    source: &'static str,
    month_at: usize,
    account_at: Option<usize>,
    earliest: Option<String>,
    rows: u64,
    accounts: HashMap<String, u64>,
}

/// What the trigger records of a row whose month is not a text (no such row is valid): the
/// earliest month there is.
const EVERY_MONTH: &str = "0000-00";

impl Inserted {
    /// None when the rows do not carry the month the trigger records.
    fn new(spec: &Spec, columns: &[&'static str]) -> Option<Inserted> {
        let month_at = columns.iter().position(|c| Some(*c) == spec.changes_month)?;
        Some(Inserted {
            source: spec.table,
            month_at,
            account_at: columns.iter().position(|c| *c == "account_id"),
            earliest: None,
            rows: 0,
            accounts: HashMap::new(),
        })
    }

    fn add<'v>(&mut self, values: impl Iterator<Item = ToSqlOutput<'v>> + Clone) {
        self.rows += 1;
        let value = values.clone().nth(self.month_at);
        let month = value
            .as_ref()
            .and_then(text_of)
            .map_or(EVERY_MONTH, |t| first_chars(t, 7));
        if self.earliest.as_deref().is_none_or(|e| month < e) {
            self.earliest = Some(month.to_string());
        }
        if let Some(account) = self.account_at.and_then(|at| values.clone().nth(at))
            && let Some(account) = text_of(&account)
        {
            match self.accounts.get_mut(account) {
                Some(rows) => *rows += 1,
                None => {
                    self.accounts.insert(account.to_string(), 1);
                }
            }
        }
    }

    fn record(self, conn: &Connection) -> Result<()> {
        let Some(earliest) = self.earliest else {
            return Ok(());
        };
        let mut accounts: Vec<(String, u64)> = self.accounts.into_iter().collect();
        accounts.sort_unstable();
        crate::store::pending::record_changes(conn, self.source, &earliest, self.rows, &accounts)
    }
}

/// The text of a value bound as text, as SQLite's `substr` sees it.
fn text_of<'a>(value: &'a ToSqlOutput<'_>) -> Option<&'a str> {
    match value {
        ToSqlOutput::Borrowed(ValueRef::Text(bytes)) => std::str::from_utf8(bytes).ok(),
        ToSqlOutput::Owned(Value::Text(text)) => Some(text),
        _ => None,
    }
}

/// The first `n` characters of `text` (`substr(text, 1, n)`).
fn first_chars(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(at, _)| &text[..at])
}

/// For the columns written that are not of the key, with `value` the new value of a column: the
/// assignments (`c = value, ..`) and the condition that the row differs (`table.c IS NOT value
/// OR ..`). None when every column is of the key.
fn changes_sql(spec: &Spec, columns: &[&str], value: impl Fn(&str) -> String) -> Option<(String, String)> {
    let others: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !spec.key.contains(c))
        .collect();
    if others.is_empty() {
        return None;
    }
    let set: Vec<String> = others.iter().map(|c| format!("{c} = {}", value(c))).collect();
    let differs: Vec<String> = others
        .iter()
        .map(|c| format!("{}.{c} IS NOT {}", spec.table, value(c)))
        .collect();
    Some((set.join(", "), differs.join(" OR ")))
}

/// `INSERT INTO table (columns) VALUES (?, ..) ON CONFLICT (key)`, the conflict's action to add.
fn insert_sql(spec: &Spec, columns: &[&str]) -> String {
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({})",
        spec.table,
        columns.join(", "),
        vec!["?"; columns.len()].join(", "),
        spec.key.join(", ")
    )
}

/// Secondary indexes set aside during a large load, rebuilt by `restore`. Unique indexes stay:
/// they enforce the data's rules. The table's insert trigger too, when the writer can record
/// what it would (`Writer::record_inserts`); validating triggers stay.
pub struct SetAside {
    indexes: PlainIndexes,
    /// The `CREATE TRIGGER` of the table's `{table}_changed_insert`, while it is set aside.
    insert_trigger: Option<String>,
}

impl SetAside {
    /// Sets aside the table's plain secondary indexes and its insert trigger when the file is
    /// expected to bring at least as many rows as the table holds (and enough for a rebuild to
    /// pay). `columns`: those the rows bring.
    pub fn if_large(
        conn: &Connection,
        spec: &Spec,
        columns: &[&'static str],
        expected_rows: u64,
        existing_rows: u64,
    ) -> Result<SetAside> {
        let mut set_aside = SetAside {
            indexes: PlainIndexes::default(),
            insert_trigger: None,
        };
        if expected_rows < DEFER_INDEXES_FROM_ROWS || expected_rows < existing_rows {
            return Ok(set_aside);
        }
        set_aside.indexes = PlainIndexes::set_aside(conn, spec.table)?;
        if Inserted::new(spec, columns).is_some() {
            let name = format!("{}_changed_insert", spec.table);
            set_aside.insert_trigger = conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1 AND tbl_name = ?2",
                    [&name, spec.table],
                    |r| r.get(0),
                )
                .optional()
                .context("reading the insert trigger")?;
            if set_aside.insert_trigger.is_some() {
                conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))
                    .context("setting the insert trigger aside")?;
            }
        }
        Ok(set_aside)
    }

    /// Whether the insert trigger is set aside: the writer must record what it would.
    pub fn sets_aside_inserts(&self) -> bool {
        self.insert_trigger.is_some()
    }

    /// Puts the insert trigger back and rebuilds the indexes, sorting on every core.
    pub fn restore(self, conn: &Connection) -> Result<()> {
        if let Some(sql) = &self.insert_trigger {
            conn.execute_batch(sql).context("restoring the insert trigger")?;
        }
        if self.indexes.is_empty() {
            return Ok(());
        }
        crate::store::parallel_sorts(conn, true)?;
        let built = self.indexes.rebuild(conn);
        crate::store::parallel_sorts(conn, false)?;
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::kinds::Kind;
    use crate::store::Store;
    use clap::ValueEnum;

    use crate::store::indexes::index_names as indexes;

    #[test]
    fn large_loads_set_plain_indexes_aside_and_restore_them() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "CREATE TABLE t (a TEXT PRIMARY KEY, b INTEGER UNIQUE, c INTEGER);
             CREATE INDEX t_by_c ON t (c);
             CREATE UNIQUE INDEX t_by_b_c ON t (b, c);",
        )
        .unwrap();
        let table_t = Spec {
            table: "t",
            columns: &[],
            key: &["a"],
            changes_month: None,
        };
        let all = indexes(conn, "t");
        assert_eq!(all.len(), 4, "{all:?}");
        // Small files, or files smaller than the table, keep every index.
        SetAside::if_large(conn, &table_t, &[], 49_999, 0).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        SetAside::if_large(conn, &table_t, &[], 60_000, 70_000).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        // A large one drops the plain index and keeps those that enforce uniqueness.
        let set_aside = SetAside::if_large(conn, &table_t, &[], 60_000, 1_000).unwrap();
        assert_eq!(
            indexes(conn, "t"),
            ["sqlite_autoindex_t_1", "sqlite_autoindex_t_2", "t_by_b_c"]
        );
        set_aside.restore(conn).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(cache, -65536, "the page cache is sized back");
        // The store's subscriptions: their by-account index is the one set aside (and, the rows
        // bringing no start date, not their insert trigger).
        let Some(subscriptions) = Kind::Subscriptions.spec() else {
            panic!("subscriptions have a spec");
        };
        let set_aside = SetAside::if_large(conn, &subscriptions, &[], 60_000, 0).unwrap();
        assert!(indexes(conn, "subscription").is_empty());
        set_aside.restore(conn).unwrap();
        assert_eq!(indexes(conn, "subscription"), ["subscription_by_account"]);
    }

    fn triggers(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY 1")
            .unwrap();
        stmt.query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    type PendingRows = (Vec<(String, String, i64)>, Vec<(String, i64)>);

    fn pending(conn: &Connection) -> PendingRows {
        let sources = conn
            .prepare("SELECT source, from_period, touched FROM refresh_pending ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let accounts = conn
            .prepare("SELECT account_id, touched FROM refresh_pending_account ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (sources, accounts)
    }

    /// Writes `rows` into a fresh copy of `setup`'s store, as a small file (the triggers record
    /// the changes) or as a large one (the insert trigger set aside); returns what is pending,
    /// and the written count.
    fn write_rows(
        kind: Kind,
        setup: &str,
        columns: &[&'static str],
        rows: &[Vec<Value>],
        large: bool,
    ) -> (PendingRows, u64) {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        // As the import does: it checks references itself (`Lookups`).
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(setup).unwrap();
        conn.execute_batch("DELETE FROM refresh_pending; DELETE FROM refresh_pending_account;")
            .unwrap();
        let Some(spec) = kind.spec() else {
            panic!("{kind:?} has a spec");
        };
        let before = triggers(conn, spec.table);
        let mut writer = Writer::new(conn, &spec, columns).unwrap();
        let set_aside = SetAside::if_large(conn, &spec, columns, if large { 60_000 } else { 10 }, 0).unwrap();
        assert_eq!(set_aside.sets_aside_inserts(), large);
        if set_aside.sets_aside_inserts() {
            assert!(!triggers(conn, spec.table).contains(&format!("{}_changed_insert", spec.table)));
            writer.record_inserts(conn, &spec, columns).unwrap();
        }
        for (line, row) in rows.iter().enumerate() {
            let values = row.iter().map(|v| ToSqlOutput::Borrowed(ValueRef::from(v)));
            assert!(
                writer.write(line as u64 + 2, values).unwrap().is_none(),
                "line {}",
                line + 2
            );
        }
        let written = writer.written;
        writer.finish(conn).unwrap();
        set_aside.restore(conn).unwrap();
        assert_eq!(triggers(conn, spec.table), before, "the triggers are back");
        (pending(conn), written)
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn a_large_load_records_what_the_insert_trigger_would() {
        let setup = "INSERT INTO account (account_id) VALUES ('A1'), ('A2'), ('A3');
             INSERT INTO subscription (subscription_id, account_id, mrr, start_date) VALUES
                 ('S1', 'A1', 100, '2024-05-10'), ('S2', 'A2', 50, '2024-03-01'), ('S3', 'A3', 70, '2024-08-01');";
        let columns = ["subscription_id", "account_id", "mrr", "start_date", "end_date"];
        let row = |id: &str, account: &str, mrr: f64, start: &str, end: Option<&str>| {
            vec![
                text(id),
                text(account),
                Value::Real(mrr),
                text(start),
                end.map_or(Value::Null, text),
            ]
        };
        let rows = [
            row("S1", "A1", 100.0, "2024-05-10", Some("2025-01-01")), // ends: reaches 2025-01 on
            row("S2", "A2", 50.0, "2024-03-01", None),                // unchanged
            row("S4", "A2", 20.0, "2024-07-15", None),                // new
            row("S3", "A1", 70.0, "2024-08-01", None),                // moves from A3 to A1
            row("S5", "A3", 30.0, "2024-06-02", None),                // new, the earliest month
            row("S6", "A1", 10.0, "2024-09-01", None),                // new
        ];
        // By hand: two updates (S1: A1 twice; S3: A3 and A1) and three inserts, the earliest
        // month S5's start.
        let want = (
            vec![("subscription".to_string(), "2024-06".to_string(), 5)],
            vec![
                ("A1".to_string(), 4),
                ("A2".to_string(), 1),
                ("A3".to_string(), 2),
            ],
        );
        assert_eq!(
            write_rows(Kind::Subscriptions, setup, &columns, &rows, false),
            (want.clone(), 5)
        );
        assert_eq!(
            write_rows(Kind::Subscriptions, setup, &columns, &rows, true),
            (want, 5)
        );

        // Rows without an account: metric values record their months only.
        let setup = "INSERT INTO metric_value (metric_id, period, value) VALUES ('m', '2024-04', 1);";
        let columns = ["metric_id", "period", "segment", "value"];
        let value = |period: &str, segment: &str, v: f64| {
            vec![text("m"), text(period), text(segment), Value::Real(v)]
        };
        let rows = [
            value("2024-04", "all", 2.0),
            value("2024-06", "all", 1.0),
            value("2024-05", "hvc", 1.0),
        ];
        let want = (
            vec![("metric_value".to_string(), "2024-04".to_string(), 3)],
            vec![],
        );
        assert_eq!(
            write_rows(Kind::MetricValues, setup, &columns, &rows, false),
            (want.clone(), 3)
        );
        assert_eq!(
            write_rows(Kind::MetricValues, setup, &columns, &rows, true),
            (want, 3)
        );
    }

    #[test]
    fn each_insert_trigger_records_the_month_and_account_its_spec_names() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let mut with_trigger = 0;
        for spec in Kind::value_variants().iter().filter_map(|k| k.spec()) {
            let sql: Option<String> = conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1",
                    [format!("{}_changed_insert", spec.table)],
                    |r| r.get(0),
                )
                .optional()
                .unwrap();
            let Some(sql) = sql else {
                assert_eq!(spec.changes_month, None, "{}", spec.table);
                continue;
            };
            with_trigger += 1;
            let Some(month) = spec.changes_month else {
                panic!(
                    "{}: its insert trigger records a month the spec does not name",
                    spec.table
                );
            };
            let month_sql = if month == "period" {
                "NEW.period)".to_string()
            } else {
                format!("substr(NEW.{month}, 1, 7))")
            };
            assert!(
                sql.contains(&format!("VALUES ('{}', {month_sql}", spec.table)),
                "{sql}"
            );
            let has_account = spec.columns.iter().any(|c| c.name == "account_id");
            assert_eq!(
                sql.contains("refresh_touch_account VALUES (NEW.account_id)"),
                has_account,
                "{sql}"
            );
        }
        assert_eq!(with_trigger, 7);
    }
}
