//! A table's plain secondary indexes set aside while most of its rows are written, and rebuilt
//! once afterwards: SQLite builds an index with one sort, far faster than a B-tree insert per
//! row into an index whose order is not the rows' (3.8 million account months: 5.5 s of index
//! inserts against about 3 s to build it). Unique indexes stay: they enforce the data's rules.
//! Dropping and creating an index is part of the writer's transaction, so a write rolled back
//! leaves the indexes as they were.

use rusqlite::Connection;

use crate::error::{Result, SqlContext};

/// The `CREATE INDEX` statements of the indexes set aside, to run again.
#[derive(Debug, Default)]
pub(crate) struct PlainIndexes(Vec<String>);

impl PlainIndexes {
    /// Drops `table`'s plain (not unique) secondary indexes, keeping their definitions.
    pub(crate) fn set_aside(conn: &Connection, table: &str) -> Result<PlainIndexes> {
        let found: Vec<(String, String)> = conn
            .prepare(
                "SELECT s.name, s.sql FROM sqlite_schema s JOIN pragma_index_list(?1) l ON l.name = s.name
                 WHERE s.type = 'index' AND s.sql IS NOT NULL AND NOT l.\"unique\"",
            )
            .and_then(|mut stmt| {
                stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .context("listing indexes")?;
        for (name, _) in &found {
            conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .context("setting an index aside")?;
        }
        Ok(PlainIndexes(found.into_iter().map(|(_, sql)| sql).collect()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Builds the indexes again, with the connection's sort settings.
    pub(crate) fn rebuild(self, conn: &Connection) -> Result<()> {
        self.0
            .iter()
            .try_for_each(|sql| conn.execute_batch(sql))
            .context("rebuilding an index")
    }
}

/// The names of `table`'s indexes, for tests.
#[cfg(test)]
pub(crate) fn index_names(conn: &Connection, table: &str) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 ORDER BY 1")
        .unwrap()
        .query_map([table], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_indexes_go_and_come_back_built_on_the_rows_written_meanwhile() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (a TEXT PRIMARY KEY, b TEXT, c TEXT) WITHOUT ROWID;
             CREATE INDEX t_by_c ON t (c);
             CREATE UNIQUE INDEX t_by_b ON t (b);
             INSERT INTO t VALUES ('1', 'x', 'p');",
        )
        .unwrap();
        let all = index_names(&conn, "t");
        let aside = PlainIndexes::set_aside(&conn, "t").unwrap();
        assert!(!aside.is_empty());
        assert_eq!(index_names(&conn, "t"), ["t_by_b"], "the unique index stays");
        conn.execute("INSERT INTO t VALUES ('2', 'y', 'q')", []).unwrap();
        aside.rebuild(&conn).unwrap();
        assert_eq!(index_names(&conn, "t"), all);
        let via_index: String = conn
            .query_row("SELECT a FROM t INDEXED BY t_by_c WHERE c = 'q'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(via_index, "2");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}
