//! Writing validated rows: one prepared upsert per row, straight into the table. A row the store
//! refuses is named by its line at once. Large files are loaded with the table's secondary
//! indexes set aside and rebuilt once at the end, which SQLite does far faster (one sort) than
//! keeping them up to date row by row in random order.

use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ErrorCode, Statement};

use super::Problem;
use super::kinds::Spec;
use crate::error::{Result, SqlContext};

/// Below this many rows, rebuilding the indexes costs more than it saves.
const DEFER_INDEXES_FROM_ROWS: u64 = 50_000;

pub struct Writer<'c> {
    upsert: Statement<'c>,
    /// Rows inserted or changed so far (unchanged rows are not written).
    pub written: u64,
}

impl<'c> Writer<'c> {
    pub fn new(conn: &'c Connection, spec: &Spec, columns: &[&'static str]) -> Result<Self> {
        let others: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !spec.key.contains(c))
            .collect();
        let conflict = if others.is_empty() {
            "DO NOTHING".to_string()
        } else {
            // Only rows that differ are updated, so changes() counts written rows, not unchanged ones.
            format!(
                "DO UPDATE SET {} WHERE {}",
                others
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                others
                    .iter()
                    .map(|c| format!("{}.{c} IS NOT excluded.{c}", spec.table))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )
        };
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {conflict}",
            spec.table,
            columns.join(", "),
            vec!["?"; columns.len()].join(", "),
            spec.key.join(", ")
        );
        Ok(Writer {
            upsert: conn.prepare(&sql).context("preparing the import")?,
            written: 0,
        })
    }

    /// Writes one row; a row the store refuses (a constraint) is a problem of its line.
    pub fn write<'v>(
        &mut self,
        line: u64,
        values: impl IntoIterator<Item = ToSqlOutput<'v>>,
    ) -> Result<Option<Problem>> {
        match self.upsert.execute(rusqlite::params_from_iter(values)) {
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
}

/// Secondary indexes set aside during a large load, rebuilt by `restore`. Unique indexes stay:
/// they enforce the data's rules.
pub struct SetAside {
    indexes: Vec<String>,
}

impl SetAside {
    /// Drops the table's plain secondary indexes when the file is expected to bring at least as
    /// many rows as the table holds (and enough for a rebuild to pay).
    pub fn if_large(
        conn: &Connection,
        table: &str,
        expected_rows: u64,
        existing_rows: u64,
    ) -> Result<SetAside> {
        if expected_rows < DEFER_INDEXES_FROM_ROWS || expected_rows < existing_rows {
            return Ok(SetAside { indexes: Vec::new() });
        }
        let mut stmt = conn
            .prepare(
                "SELECT s.name, s.sql FROM sqlite_schema s JOIN pragma_index_list(?1) l ON l.name = s.name
                 WHERE s.type = 'index' AND s.sql IS NOT NULL AND NOT l.\"unique\"",
            )
            .context("listing indexes")?;
        let found: Vec<(String, String)> = stmt
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("listing indexes")?
            .collect::<rusqlite::Result<_>>()
            .context("listing indexes")?;
        for (name, _) in &found {
            conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .context("setting an index aside")?;
        }
        Ok(SetAside {
            indexes: found.into_iter().map(|(_, sql)| sql).collect(),
        })
    }

    /// Rebuilds the indexes, sorting on every core.
    pub fn restore(self, conn: &Connection) -> Result<()> {
        if self.indexes.is_empty() {
            return Ok(());
        }
        crate::store::parallel_sorts(conn, true)?;
        let built = self
            .indexes
            .iter()
            .try_for_each(|sql| conn.execute_batch(sql))
            .context("rebuilding an index");
        crate::store::parallel_sorts(conn, false)?;
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn indexes(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 ORDER BY 1")
            .unwrap();
        stmt.query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

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
        let all = indexes(conn, "t");
        assert_eq!(all.len(), 4, "{all:?}");
        // Small files, or files smaller than the table, keep every index.
        SetAside::if_large(conn, "t", 49_999, 0).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        SetAside::if_large(conn, "t", 60_000, 70_000).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        // A large one drops the plain index and keeps those that enforce uniqueness.
        let set_aside = SetAside::if_large(conn, "t", 60_000, 1_000).unwrap();
        assert_eq!(
            indexes(conn, "t"),
            ["sqlite_autoindex_t_1", "sqlite_autoindex_t_2", "t_by_b_c"]
        );
        set_aside.restore(conn).unwrap();
        assert_eq!(indexes(conn, "t"), all);
        let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(cache, -65536, "the page cache is sized back");
        // The store's subscriptions: their by-account index is the one set aside.
        let set_aside = SetAside::if_large(conn, "subscription", 60_000, 0).unwrap();
        assert!(indexes(conn, "subscription").is_empty());
        set_aside.restore(conn).unwrap();
        assert_eq!(indexes(conn, "subscription"), ["subscription_by_account"]);
    }
}
