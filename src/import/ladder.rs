//! Writing a tier ladder, from CSV or TOML alike: ranks may be reordered by the file (the old
//! ranks are parked out of the way of the unique constraint first), tiers the file does not list
//! keep their order after the listed ones, what changed is found by comparing the ladder before
//! and after (so re-importing the same file changes nothing), and thresholds must rise with rank.

use std::collections::HashMap;

use rusqlite::Transaction;
use rusqlite::types::Value;

use super::Problem;
use crate::error::{Result, SqlContext};

/// Parked ranks sit above this.
const PARKED: i64 = 1_000_000;

/// Every tier's full row, by id: compared before and after to count new and changed tiers.
pub fn snapshot(tx: &Transaction<'_>) -> Result<HashMap<String, Vec<Value>>> {
    let mut stmt = tx
        .prepare("SELECT * FROM tier")
        .context("reading the tier ladder")?;
    let columns = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            let values = (0..columns)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((r.get::<_, String>(0)?, values))
        })
        .context("reading the tier ladder")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading the tier ladder")
}

pub fn park(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("UPDATE tier SET rank = rank + ?1 WHERE rank < ?1", [PARKED])
        .context("ordering tiers")?;
    Ok(())
}

/// Tiers still parked (not in the file) go after the listed ones, in their old order.
pub fn unpark(tx: &Transaction<'_>) -> Result<()> {
    let top: i64 = tx
        .query_row(
            "SELECT coalesce(max(rank), 0) FROM tier WHERE rank < ?1",
            [PARKED],
            |r| r.get(0),
        )
        .context("ordering tiers")?;
    let parked: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT tier_id FROM tier WHERE rank >= ?1 ORDER BY rank")
            .context("ordering tiers")?;
        stmt.query_map([PARKED], |r| r.get(0))
            .context("ordering tiers")?
            .collect::<rusqlite::Result<_>>()
            .context("ordering tiers")?
    };
    for (i, id) in parked.iter().enumerate() {
        tx.execute(
            "UPDATE tier SET rank = ?1 WHERE tier_id = ?2",
            rusqlite::params![top + 1 + i as i64, id],
        )
        .context("ordering tiers")?;
    }
    Ok(())
}

/// (new, changed) tiers of the file between two snapshots. A tier the file does not list may
/// move down to make room, but it is not a row of the file: the counts add up to the file's rows.
pub fn count_changes(
    before: &HashMap<String, Vec<Value>>,
    after: &HashMap<String, Vec<Value>>,
    listed: impl Fn(&str) -> bool,
) -> (u64, u64) {
    let of_file = || after.iter().filter(|(id, _)| listed(id));
    let new = of_file().filter(|(id, _)| !before.contains_key(*id)).count() as u64;
    let changed = of_file()
        .filter(|(id, row)| before.get(*id).is_some_and(|old| old != *row))
        .count() as u64;
    (new, changed)
}

/// Tiers asking less than a lower-ranked tier: the higher tier's id, the column, the problem.
pub fn problems(tx: &Transaction<'_>) -> Result<Vec<(String, &'static str, Problem)>> {
    let mut stmt = tx
        .prepare(
            "SELECT hi.tier_id, hi.rank, lo.tier_id, lo.rank, hi.min_mrr < lo.min_mrr, hi.min_mrr, hi.min_tenure_months
             FROM tier hi JOIN tier lo ON lo.rank < hi.rank
             WHERE hi.min_mrr < lo.min_mrr OR hi.min_tenure_months < lo.min_tenure_months
             ORDER BY hi.rank, lo.rank",
        )
        .context("checking the tier ladder")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .context("checking the tier ladder")?;
    let mut found = Vec::new();
    for row in rows {
        let (hi, hi_rank, lo, lo_rank, mrr_falls, min_mrr, tenure) =
            row.context("checking the tier ladder")?;
        let (column, value, what) = if mrr_falls {
            ("min_mrr", min_mrr.to_string(), "MRR")
        } else {
            ("min_tenure_months", tenure.to_string(), "tenure")
        };
        found.push((
            hi.clone(),
            column,
            Problem {
                line: None,
                column: Some(column.to_string()),
                value: Some(value),
                message: format!(
                    "tier {hi} (rank {hi_rank}) asks less {what} than tier {lo} (rank {lo_rank}): expected thresholds rising with rank"
                ),
            },
        ));
    }
    Ok(found)
}
