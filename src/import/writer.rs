//! Writing validated rows: staged in a temporary table and moved into the store in chunks by
//! one set-based upsert each, which is several times faster than a statement per row. When a
//! chunk is refused, it is replayed row by row to name the line at fault.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::Problem;
use super::kinds::Spec;
use crate::error::{Result, SqlContext};

/// Rows staged before they are moved: bounds the memory an import holds, whatever the file size.
const CHUNK_ROWS: usize = 20_000;

pub struct Writer<'c> {
    conn: &'c Connection,
    columns: usize,
    stage_sql: String,
    flush_sql: String,
    single_sql: String,
    staged: usize,
    /// Rows inserted or changed so far (unchanged rows are not written).
    pub written: u64,
}

impl<'c> Writer<'c> {
    pub fn new(conn: &'c Connection, spec: &Spec, columns: &[&'static str]) -> Result<Self> {
        let stage_columns: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.import_stage; CREATE TEMP TABLE import_stage (line INTEGER, {});",
            stage_columns.join(", ")
        ))
        .context("preparing the import")?;
        let placeholders = vec!["?"; columns.len() + 1].join(", ");
        let stage_sql = format!("INSERT INTO temp.import_stage VALUES ({placeholders})");
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
        let target = format!("INSERT INTO {} ({})", spec.table, columns.join(", "));
        let key = spec.key.join(", ");
        Ok(Writer {
            conn,
            columns: columns.len(),
            stage_sql,
            flush_sql: format!(
                "{target} SELECT {} FROM temp.import_stage WHERE true ON CONFLICT ({key}) {conflict}",
                stage_columns.join(", ")
            ),
            single_sql: format!(
                "{target} VALUES ({}) ON CONFLICT ({key}) {conflict}",
                vec!["?"; columns.len()].join(", ")
            ),
            staged: 0,
            written: 0,
        })
    }

    /// Stages one row; moves the chunk into the store when it is full.
    pub fn push(&mut self, line: u64, values: &[Value]) -> Result<Option<Problem>> {
        let mut stmt = self
            .conn
            .prepare_cached(&self.stage_sql)
            .context("staging a row")?;
        let line = Value::Integer(line as i64);
        stmt.execute(rusqlite::params_from_iter(std::iter::once(&line).chain(values)))
            .context("staging a row")?;
        self.staged += 1;
        if self.staged >= CHUNK_ROWS {
            self.flush()
        } else {
            Ok(None)
        }
    }

    /// Moves the staged rows into the store; a refused chunk names its first bad line.
    pub fn flush(&mut self) -> Result<Option<Problem>> {
        if self.staged == 0 {
            return Ok(None);
        }
        let outcome = match self.conn.execute(&self.flush_sql, []) {
            Ok(changes) => {
                self.written += changes as u64;
                None
            }
            Err(_) => Some(self.locate()?),
        };
        self.conn
            .execute("DELETE FROM temp.import_stage", [])
            .context("clearing staged rows")?;
        self.staged = 0;
        Ok(outcome)
    }

    /// Replays the staged rows one by one to find the one the store refuses.
    fn locate(&self) -> Result<Problem> {
        let mut rows = self
            .conn
            .prepare("SELECT * FROM temp.import_stage ORDER BY rowid")
            .context("replaying")?;
        let mut single = self.conn.prepare(&self.single_sql).context("replaying")?;
        let mut cursor = rows.query([]).context("replaying")?;
        while let Some(row) = cursor.next().context("replaying")? {
            let line: i64 = row.get(0).context("replaying")?;
            let values: Vec<Value> = (1..=self.columns)
                .map(|i| row.get(i))
                .collect::<rusqlite::Result<_>>()
                .context("replaying")?;
            if let Err(e) = single.execute(rusqlite::params_from_iter(values.iter())) {
                return Ok(Problem::line(line as u64, format!("rejected by the store: {e}")));
            }
        }
        Ok(Problem {
            line: None,
            column: None,
            value: None,
            message: "the store refused a chunk of rows but accepted each alone".into(),
        })
    }
}
