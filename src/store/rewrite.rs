//! Rewriting a derived table by writing only the rows that changed. A full refresh recomputes
//! every row, and most come out as they were stored: reading a stored row back costs a fraction
//! of writing one (a B-tree insert on text keys, and the table's indexes). So each new row,
//! produced in the table's key order, is compared with the stored row of its key: written when
//! it is new or differs, left alone when it is the same; stored rows that no new row matches are
//! deleted. The table ends exactly as clearing it and inserting every row would leave it.
//!
//! The stored rows are read by a statement that stays open while the rewrite writes to the same
//! table. Every write is at or before the key the read has reached, and SQLite leaves undefined
//! only whether an open read sees such changes: a row just updated can come back (an update of a
//! WITHOUT ROWID row is a delete and an insert). Keys come in ascending order, so a row whose key
//! is not above the last one read is one of the rewrite's own, and is passed over.

use std::cmp::Ordering;

use rusqlite::types::Value;
use rusqlite::{Connection, Rows, Statement, params_from_iter};

use super::indexes::PlainIndexes;
use crate::error::{Result, SqlContext};

/// The stored rows a rewrite compares against, in key order: `SELECT key..., value... FROM table
/// WHERE ... ORDER BY key...` (the columns in the rewrite's order).
pub(crate) struct Stored<'s> {
    /// None once the rewrite cleared the rows in scope: the statement is reset, as SQLite drops
    /// no index while a read of its table is under way.
    rows: Option<Rows<'s>>,
    key_len: usize,
    head: Option<Vec<Value>>,
    what: &'static str,
}

impl<'s> Stored<'s> {
    /// Runs `statement` (`Rewrite::prepare_stored`) for the stored rows in `rewrite`'s scope.
    pub(crate) fn read(statement: &'s mut Statement<'_>, rewrite: &Rewrite<'_>) -> Result<Self> {
        let rows = statement
            .query(params_from_iter(&rewrite.scope.params))
            .context(rewrite.what)?;
        Stored::new(rows, rewrite.key_len, rewrite.what)
    }

    /// `rows` in ascending order of their first `key_len` columns.
    fn new(rows: Rows<'s>, key_len: usize, what: &'static str) -> Result<Self> {
        let mut stored = Stored {
            rows: Some(rows),
            key_len,
            head: None,
            what,
        };
        stored.advance()?;
        Ok(stored)
    }

    /// The next stored row above the one in hand, if any.
    fn advance(&mut self) -> Result<()> {
        let passed = self.head.take();
        let Some(rows) = self.rows.as_mut() else {
            return Ok(());
        };
        while let Some(row) = rows.next().context(self.what)? {
            let columns = row.as_ref().column_count();
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(row.get::<_, Value>(i).context(self.what)?);
            }
            let above = passed
                .as_ref()
                .is_none_or(|passed| compare_keys(&values[..self.key_len], &passed[..self.key_len]).is_gt());
            if above {
                self.head = Some(values);
                break;
            }
        }
        Ok(())
    }
}

/// What a rewrite did: rows inserted, updated, deleted and left as they were.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changes {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
}

/// Which stored rows a rewrite replaces: a condition, with `?` for its parameters.
pub(crate) struct Scope {
    condition: String,
    params: Vec<Value>,
}

impl Scope {
    /// Every row of the table.
    pub(crate) fn all() -> Scope {
        Scope::new("1", Vec::new())
    }

    pub(crate) fn new(condition: impl Into<String>, params: Vec<Value>) -> Scope {
        Scope {
            condition: condition.into(),
            params,
        }
    }

    /// The rows of `table` whose `period` is `floor` or later, written `condition` (with `?`
    /// for the floor): the whole table when no stored row lies before the floor, so that a
    /// rewrite in which most rows change clears it at once (SQLite frees its pages, where a
    /// condition deletes row by row) and builds its indexes once (`PlainIndexes`).
    pub(crate) fn from_period(conn: &Connection, table: &str, condition: &str, floor: &str) -> Result<Scope> {
        let any_before: bool = conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE period < ?1)"),
                [floor],
                |r| r.get(0),
            )
            .context("reading the stored months")?;
        Ok(match any_before {
            true => Scope::new(condition, vec![Value::Text(floor.to_string())]),
            false => Scope::all(),
        })
    }
}

/// The rows a rewrite compares before it decides whether comparing pays.
const PROBE_ROWS: usize = 4096;

/// Rows appended after a clear are inserted this many at a time, by one statement: its cursor
/// stays on the table's last page, where SQLite inserts the next row in key order without the
/// search from the root that a statement per row makes (a third of a first refresh's writes).
const APPEND_ROWS: usize = 32;

/// The writes of one table's rewrite: its key columns first, then its value columns. When most
/// rows change (a million new subscriptions move every account's months), comparing costs more
/// than it saves: so the first rows are compared with their writes held back, and if most of
/// them would be written, the stored rows in scope are cleared and every row inserted, as a
/// rewrite without comparing would.
pub(crate) struct Rewrite<'c> {
    key_len: usize,
    insert: Statement<'c>,
    /// Inserts `APPEND_ROWS` rows.
    append: Statement<'c>,
    /// Rows to append not yet inserted, their values one after another.
    appending: Vec<Value>,
    /// None without value columns: a stored row of the key is the same row.
    update: Option<Statement<'c>>,
    delete: Statement<'c>,
    /// Deletes every stored row in scope.
    clear: Statement<'c>,
    scope: Scope,
    stored_sql: String,
    mode: Mode,
    conn: &'c Connection,
    /// The table's plain indexes while a clear of the whole table is refilled.
    indexes_aside: Option<PlainIndexes>,
    table: String,
    what: &'static str,
    pub changes: Changes,
}

impl<'c> Rewrite<'c> {
    pub(crate) fn new(
        conn: &'c Connection,
        table: &str,
        key: &[&str],
        values: &[&str],
        scope: Scope,
        what: &'static str,
    ) -> Result<Self> {
        let all: Vec<&str> = key.iter().chain(values).copied().collect();
        // `rows` rows of placeholders, numbered on: "(?1, ?2), (?3, ?4)".
        let rows_of_placeholders = |rows: usize| -> String {
            let row = |r: usize| -> String {
                let columns: Vec<String> = (1..=all.len())
                    .map(|c| format!("?{}", r * all.len() + c))
                    .collect();
                format!("({})", columns.join(", "))
            };
            (0..rows).map(row).collect::<Vec<_>>().join(", ")
        };
        let matches: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k} = ?{}", i + 1))
            .collect();
        let sets: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{v} = ?{}", key.len() + i + 1))
            .collect();
        let columns = all.join(", ");
        let insert = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            rows_of_placeholders(1)
        );
        // OR FAIL: a statement that writes several rows and may abort keeps a journal of every
        // page it touches, to undo itself alone; a failed rewrite rolls its whole transaction
        // back anyway.
        let append = format!(
            "INSERT OR FAIL INTO {table} ({columns}) VALUES {}",
            rows_of_placeholders(APPEND_ROWS)
        );
        let update = format!(
            "UPDATE {table} SET {} WHERE {}",
            sets.join(", "),
            matches.join(" AND ")
        );
        let delete = format!("DELETE FROM {table} WHERE {}", matches.join(" AND "));
        let condition = &scope.condition;
        // The whole table: SQLite frees its pages instead of deleting row by row.
        let clear = match condition.as_str() {
            "1" => format!("DELETE FROM {table}"),
            _ => format!("DELETE FROM {table} WHERE {condition}"),
        };
        let stored_sql = format!(
            "SELECT {columns} FROM {table} WHERE {condition} ORDER BY {}",
            key.join(", ")
        );
        Ok(Rewrite {
            key_len: key.len(),
            clear: conn.prepare(&clear).context(what)?,
            scope,
            stored_sql,
            mode: Mode::Probing {
                ops: Vec::new(),
                rows: Vec::new(),
            },
            insert: conn.prepare(&insert).context(what)?,
            append: conn.prepare(&append).context(what)?,
            appending: Vec::new(),
            update: match values {
                [] => None,
                _ => Some(conn.prepare(&update).context(what)?),
            },
            delete: conn.prepare(&delete).context(what)?,
            conn,
            indexes_aside: None,
            table: table.to_string(),
            what,
            changes: Changes::default(),
        })
    }

    /// The statement that reads the stored rows in scope, in key order: `Stored::read` runs it.
    /// The caller holds it, as the rows it yields borrow it.
    pub(crate) fn prepare_stored(&self, conn: &'c Connection) -> Result<Statement<'c>> {
        conn.prepare(&self.stored_sql).context(self.what)
    }

    /// Puts one new row (key columns first), after every new row of a lower key.
    pub(crate) fn put(&mut self, stored: &mut Stored<'_>, row: &[Value]) -> Result<()> {
        match &mut self.mode {
            Mode::Appending => self.append(row.iter().cloned()),
            Mode::Comparing => {
                let mut ops = Vec::new();
                compare(stored, row, self.key_len, &mut ops)?;
                ops.into_iter().try_for_each(|op| self.apply(op))
            }
            Mode::Probing { ops, rows } => {
                compare(stored, row, self.key_len, ops)?;
                rows.push(row.to_vec());
                if rows.len() >= PROBE_ROWS {
                    self.decide(stored)?;
                }
                Ok(())
            }
        }
    }

    /// After the probe: if most of its rows were to be written (or there are none), the stored
    /// rows in scope are cleared at once and every row inserted; otherwise the probe's writes are
    /// made and the rewrite goes on comparing.
    fn decide(&mut self, stored: &mut Stored<'_>) -> Result<()> {
        let Mode::Probing { ops, rows } = std::mem::replace(&mut self.mode, Mode::Comparing) else {
            return Ok(());
        };
        let unchanged = ops.iter().filter(|op| matches!(op, Op::Same)).count();
        if !rows.is_empty() && ops.len() - unchanged <= unchanged {
            return ops.into_iter().try_for_each(|op| self.apply(op));
        }
        let gone = self
            .clear
            .execute(params_from_iter(&self.scope.params))
            .context(self.what)?;
        self.changes.deleted += gone as u64;
        stored.head = None;
        stored.rows = None;
        self.mode = Mode::Appending;
        // The whole table is written again: its indexes are built once at the end instead of
        // row by row (`PlainIndexes`).
        if self.scope.condition == "1" {
            self.indexes_aside = Some(PlainIndexes::set_aside(self.conn, &self.table)?);
        }
        rows.into_iter().try_for_each(|row| self.append(row))
    }

    /// Appends a row after the clear: inserted with the next `APPEND_ROWS - 1`, or by `finish`.
    fn append(&mut self, row: impl IntoIterator<Item = Value>) -> Result<()> {
        self.appending.extend(row);
        let width = self.insert.parameter_count();
        if self.appending.len() >= APPEND_ROWS * width {
            self.append
                .execute(params_from_iter(&self.appending))
                .context(self.what)?;
            self.appending.clear();
            self.changes.inserted += APPEND_ROWS as u64;
        }
        Ok(())
    }

    fn apply(&mut self, op: Op) -> Result<()> {
        match op {
            Op::Insert(row) => {
                self.insert.execute(params_from_iter(&row)).context(self.what)?;
                self.changes.inserted += 1;
            }
            Op::Update(row) => match &mut self.update {
                Some(update) => {
                    update.execute(params_from_iter(&row)).context(self.what)?;
                    self.changes.updated += 1;
                }
                None => self.changes.unchanged += 1,
            },
            Op::Delete(key) => {
                self.delete.execute(params_from_iter(&key)).context(self.what)?;
                self.changes.deleted += 1;
            }
            Op::Same => self.changes.unchanged += 1,
        }
        Ok(())
    }

    /// Inserts the rows still to append; deletes the stored rows after the last new row.
    pub(crate) fn finish(&mut self, stored: &mut Stored<'_>) -> Result<()> {
        if matches!(self.mode, Mode::Probing { .. }) {
            self.decide(stored)?;
        }
        let width = self.insert.parameter_count();
        let rest = std::mem::take(&mut self.appending);
        for row in rest.chunks(width) {
            self.apply(Op::Insert(row.to_vec()))?;
        }
        while let Some(head) = stored.head.take() {
            self.apply(Op::Delete(head[..self.key_len].to_vec()))?;
            stored.head = Some(head);
            stored.advance()?;
        }
        match self.indexes_aside.take() {
            Some(indexes) => indexes.rebuild(self.conn),
            None => Ok(()),
        }
    }
}

/// What one new row does to the table, found by comparing it with the stored rows.
enum Op {
    Insert(Vec<Value>),
    Update(Vec<Value>),
    /// A stored row, by its key, that no new row has.
    Delete(Vec<Value>),
    Same,
}

enum Mode {
    /// The first rows, held: compared, their writes held back until it is clear whether most
    /// change.
    Probing {
        ops: Vec<Op>,
        rows: Vec<Vec<Value>>,
    },
    Comparing,
    Appending,
}

/// Compares one new row with the stored rows up to its key, and says what to write.
fn compare(stored: &mut Stored<'_>, row: &[Value], key_len: usize, ops: &mut Vec<Op>) -> Result<()> {
    loop {
        let order = match &stored.head {
            Some(head) => compare_keys(&head[..key_len], &row[..key_len]),
            None => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                if let Some(head) = &stored.head {
                    ops.push(Op::Delete(head[..key_len].to_vec()));
                }
                stored.advance()?;
            }
            Ordering::Equal => {
                let same = stored.head.as_deref().is_some_and(|head| same_values(head, row));
                ops.push(if same { Op::Same } else { Op::Update(row.to_vec()) });
                return stored.advance();
            }
            Ordering::Greater => {
                ops.push(Op::Insert(row.to_vec()));
                return Ok(());
            }
        }
    }
}

/// SQLite's order of key values (BINARY collation): NULL, numbers, text, blobs.
fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(a, b)| compare_value(a, b))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare_value(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
        (Value::Blob(a), Value::Blob(b)) => a.cmp(b),
        (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
        (Value::Integer(a), Value::Real(b)) => (*a as f64).total_cmp(b),
        (Value::Real(a), Value::Integer(b)) => a.total_cmp(&(*b as f64)),
        (Value::Real(a), Value::Real(b)) => a.total_cmp(b),
        _ => class(a).cmp(&class(b)),
    }
}

/// The stored row holds what the new row would write. A REAL whose value is whole may come back
/// as stored (SQLite keeps it as an integer on disk), so numbers compare by value.
fn same_values(stored: &[Value], new: &[Value]) -> bool {
    stored.len() == new.len()
        && stored.iter().zip(new).all(|(s, n)| match (s, n) {
            (Value::Integer(a), Value::Real(b)) | (Value::Real(b), Value::Integer(a)) => *a as f64 == *b,
            (Value::Real(a), Value::Real(b)) => a.to_bits() == b.to_bits() || a == b,
            _ => s == n,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::indexes::index_names;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (k TEXT NOT NULL, j TEXT NOT NULL, v REAL, w INTEGER NOT NULL,
                             PRIMARY KEY (k, j)) STRICT, WITHOUT ROWID;
             CREATE INDEX t_by_j ON t (j);
             INSERT INTO t VALUES ('a', '1', 1.5, 0), ('a', '2', 2.0, 1), ('b', '1', NULL, 0),
                                  ('c', '9', 3.0, 0), ('d', '1', 4.0, 0);",
        )
        .unwrap();
        conn
    }

    fn row(k: &str, j: &str, v: Option<f64>, w: i64) -> Vec<Value> {
        vec![
            Value::Text(k.into()),
            Value::Text(j.into()),
            v.map_or(Value::Null, Value::Real),
            Value::Integer(w),
        ]
    }

    fn rewrite(conn: &Connection, rows: &[Vec<Value>]) -> Changes {
        rewrite_in(conn, rows, Scope::all())
    }

    fn rewrite_in(conn: &Connection, rows: &[Vec<Value>], scope: Scope) -> Changes {
        let mut rewrite = Rewrite::new(conn, "t", &["k", "j"], &["v", "w"], scope, "test").unwrap();
        let mut read = rewrite.prepare_stored(conn).unwrap();
        let mut stored = Stored::read(&mut read, &rewrite).unwrap();
        for row in rows {
            rewrite.put(&mut stored, row).unwrap();
        }
        rewrite.finish(&mut stored).unwrap();
        rewrite.changes
    }

    fn contents(conn: &Connection) -> Vec<(String, String, Option<f64>, i64)> {
        let mut stmt = conn.prepare("SELECT k, j, v, w FROM t ORDER BY k, j").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn only_what_changed_is_written_and_the_table_ends_as_the_new_rows() {
        let conn = table();
        let new = [
            row("a", "1", Some(1.5), 0),  // the same
            row("a", "15", Some(7.0), 0), // new, between two stored keys
            row("a", "2", Some(2.0), 0),  // changed
            row("b", "1", None, 0),       // the same (NULL)
            row("c", "0", Some(1.0), 1),  // new, before a stored key that goes
            row("e", "1", Some(5.0), 0),  // new, after every stored key
        ];
        let changes = rewrite(&conn, &new);
        // Most of these rows are written: the table is cleared and they are inserted (the
        // large rewrite below compares to the end).
        assert_eq!(
            changes,
            Changes {
                inserted: 6,
                updated: 0,
                deleted: 5,
                unchanged: 0
            }
        );
        let expected: Vec<(String, String, Option<f64>, i64)> = [
            ("a", "1", Some(1.5), 0),
            ("a", "15", Some(7.0), 0),
            ("a", "2", Some(2.0), 0),
            ("b", "1", None, 0),
            ("c", "0", Some(1.0), 1),
            ("e", "1", Some(5.0), 0),
        ]
        .iter()
        .map(|(k, j, v, w)| (k.to_string(), j.to_string(), *v, *w))
        .collect();
        assert_eq!(contents(&conn), expected);
        // The index follows the table.
        let by_j: i64 = conn
            .query_row(
                "SELECT count(*) FROM t INDEXED BY t_by_j WHERE j = '1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by_j, 3);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn a_rewrite_of_the_same_rows_writes_nothing_and_of_none_deletes_all() {
        let conn = table();
        let before = contents(&conn);
        let same: Vec<Vec<Value>> = before.iter().map(|(k, j, v, w)| row(k, j, *v, *w)).collect();
        let changes = rewrite(&conn, &same);
        assert_eq!(
            (
                changes.unchanged,
                changes.inserted + changes.updated + changes.deleted
            ),
            (5, 0)
        );
        assert_eq!(contents(&conn), before);
        let changes = rewrite(&conn, &[]);
        assert_eq!(changes.deleted, 5);
        assert!(contents(&conn).is_empty());
    }

    #[test]
    fn a_whole_table_written_anew_builds_its_index_once_after_the_rows() {
        let conn = table();
        // More rows than the probe, every one new: the rewrite clears the table and appends.
        let new: Vec<Vec<Value>> = (0..PROBE_ROWS + 10)
            .map(|i| row(&format!("n{i:05}"), &format!("{}", i % 7), Some(i as f64), 0))
            .collect();
        let mut rewrite = Rewrite::new(&conn, "t", &["k", "j"], &["v", "w"], Scope::all(), "test").unwrap();
        let mut read = rewrite.prepare_stored(&conn).unwrap();
        let mut stored = Stored::read(&mut read, &rewrite).unwrap();
        for row in &new {
            rewrite.put(&mut stored, row).unwrap();
        }
        assert!(
            index_names(&conn, "t").is_empty(),
            "set aside while the rows are appended"
        );
        rewrite.finish(&mut stored).unwrap();
        assert_eq!(index_names(&conn, "t"), ["t_by_j"]);
        let by_index: i64 = conn
            .query_row(
                "SELECT count(*) FROM t INDEXED BY t_by_j WHERE j = '3'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            by_index,
            (0..PROBE_ROWS + 10).filter(|i| i % 7 == 3).count() as i64
        );
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn a_large_rewrite_that_updates_rows_in_place_ends_as_the_new_rows() {
        // Enough rows for several B-tree levels: an update at the read's position can bring the
        // row back to the read, which must not take it for a stored row no new row has.
        let conn = table();
        conn.execute_batch("DELETE FROM t").unwrap();
        let mut insert = conn.prepare("INSERT INTO t VALUES (?1, ?2, ?3, 0)").unwrap();
        for i in 0..5000 {
            insert
                .execute(rusqlite::params![format!("k{i:05}"), "m", i as f64])
                .unwrap();
        }
        drop(insert);
        // Every fifth row changed, every tenth gone, a new one after every seventh: fewer than
        // half written, so the rewrite compares to the end.
        let mut new = Vec::new();
        for i in 0..5000 {
            match i % 10 {
                3 => {}
                0 | 5 => new.push(row(&format!("k{i:05}"), "m", Some(i as f64 + 0.5), 1)),
                _ => new.push(row(&format!("k{i:05}"), "m", Some(i as f64), 0)),
            }
            if i % 7 == 0 {
                new.push(row(&format!("k{i:05}"), "n", None, 0));
            }
        }
        let changes = rewrite(&conn, &new);
        assert_eq!(
            (
                changes.updated,
                changes.deleted,
                changes.inserted,
                changes.unchanged
            ),
            (1000, 500, 715, 3500)
        );
        let count: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, new.len() as i64);
        let changed: i64 = conn
            .query_row(
                "SELECT count(*) FROM t WHERE j = 'm' AND w = 1 AND v = CAST(substr(k, 2) AS REAL) + 0.5",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(changed, 1000);
    }

    #[test]
    fn a_scoped_rewrite_keeps_other_rows_and_gives_up_comparing_only_when_most_change() {
        let conn = table();
        conn.execute_batch("DELETE FROM t").unwrap();
        let mut insert = conn.prepare("INSERT INTO t VALUES (?1, ?2, 1.0, 0)").unwrap();
        for i in 0..12000 {
            for j in ["a", "b"] {
                insert.execute(rusqlite::params![format!("k{i:05}"), j]).unwrap();
            }
        }
        drop(insert);
        let scope = || Scope::new("j = ?", vec![Value::Text("b".into())]);
        // In scope (j = 'b'): every row the same but one.
        let same: Vec<Vec<Value>> = (0..12000)
            .map(|i| {
                row(
                    &format!("k{i:05}"),
                    "b",
                    Some(if i == 9000 { 2.0 } else { 1.0 }),
                    0,
                )
            })
            .collect();
        let changes = rewrite_in(&conn, &same, scope());
        assert_eq!(
            (changes.updated, changes.unchanged, changes.deleted),
            (1, 11999, 0)
        );
        // Every row in scope changed and half of them gone: the scope is cleared at once and
        // every row inserted; the rows out of scope stay.
        let changed: Vec<Vec<Value>> = (0..12000)
            .filter(|i| i % 2 == 0)
            .map(|i| row(&format!("k{i:05}"), "b", Some(3.0), 1))
            .collect();
        let changes = rewrite_in(&conn, &changed, scope());
        assert_eq!((changes.unchanged, changes.deleted), (0, 12000));
        assert_eq!(
            (changes.updated, changes.inserted),
            (0, 6000),
            "cleared and inserted"
        );
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM t WHERE j = 'b'"), 6000);
        assert_eq!(
            count("SELECT count(*) FROM t WHERE j = 'b' AND v = 3.0 AND w = 1"),
            6000
        );
        assert_eq!(
            count("SELECT count(*) FROM t WHERE j = 'a' AND v = 1.0 AND w = 0"),
            12000
        );
        // Past the probe, rows go in by `APPEND_ROWS` at a time and the rest one by one
        // (6,000 - 4,096 = 59 x 32 + 16): each of them, each once.
        let keys: Vec<String> = conn
            .prepare("SELECT k FROM t WHERE j = 'b' ORDER BY k")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let expected: Vec<String> = (0..12000)
            .filter(|i| i % 2 == 0)
            .map(|i| format!("k{i:05}"))
            .collect();
        assert_eq!(keys, expected);
    }

    #[test]
    fn whole_reals_stored_as_integers_compare_by_value() {
        assert!(same_values(&[Value::Integer(2)], &[Value::Real(2.0)]));
        assert!(!same_values(&[Value::Integer(2)], &[Value::Real(2.5)]));
        assert!(!same_values(&[Value::Null], &[Value::Real(0.0)]));
        assert_eq!(
            compare_keys(&[Value::Text("b".into())], &[Value::Text("ab".into())]),
            Ordering::Greater
        );
    }
}
