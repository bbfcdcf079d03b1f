//! The changes to raw rows that the derived tables do not reflect yet, as the triggers record
//! them (`refresh_pending` by source table, `refresh_pending_account` by account), and which
//! accounts a refresh recomputes.
//!
//! A refresh takes a snapshot of both at its start and, once done, settles what it saw: a row
//! whose count moved on meanwhile (another writer changed more) stays pending.

use crate::error::{Result, SqlContext};

use super::Store;

/// The accounts a refresh saw as changed, for as long as the refresh runs (a temp table: this
/// connection's own).
const SEEN_ACCOUNTS: &str = "temp.refresh_seen_account";

/// A change the derived tables do not reflect yet (a row of `refresh_pending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub source: String,
    /// The earliest month the changes reach ('0000-00': every month).
    pub from_period: String,
    pub touched: i64,
}

/// What a refresh saw pending when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub sources: Vec<Pending>,
    /// How many accounts the changes reached (their ids are in the snapshot's temp table).
    pub accounts: i64,
}

/// Whose tiers and triage signals a refresh recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accounts {
    All,
    /// Only the accounts the pending changes reached: the changes were to their own rows
    /// (tickets, answers, invoices, usage, churn events), which no other account's tiers or
    /// signals rest on.
    Touched,
}

impl Accounts {
    /// Deletes these accounts' rows of a derived table, those of the months from `floor` on
    /// (its `period`; '': every month). Every row of every account is a plain `DELETE FROM`,
    /// which SQLite does by freeing the table's pages rather than row by row.
    pub fn clear(self, conn: &rusqlite::Connection, table: &str, floor: &str) -> rusqlite::Result<usize> {
        match (self, floor.is_empty()) {
            (Accounts::All, true) => conn.execute(&format!("DELETE FROM {table}"), []),
            (_, true) => conn.execute(
                &self.bind(&format!("DELETE FROM {table} WHERE {{accounts:}}")),
                [],
            ),
            (_, false) => conn.execute(
                &self.bind(&format!(
                    "DELETE FROM {table} WHERE period >= ?1 AND {{accounts:}}"
                )),
                [floor],
            ),
        }
    }

    /// `sql` with each `{accounts:ALIAS}` replaced by the condition that keeps only these
    /// accounts' rows of the table ALIAS names (`{accounts:}`: the statement's only table);
    /// `1` for all accounts.
    pub fn bind(self, sql: &str) -> String {
        let mut bound = String::with_capacity(sql.len() + 64);
        let mut rest = sql;
        while let Some(at) = rest.find("{accounts:") {
            bound.push_str(&rest[..at]);
            let after = &rest[at + "{accounts:".len()..];
            let Some(end) = after.find('}') else {
                // Not a marker: keep the text as it is.
                bound.push_str(&rest[at..]);
                return bound;
            };
            let alias = &after[..end];
            match self {
                Accounts::All => bound.push('1'),
                Accounts::Touched => {
                    if !alias.is_empty() {
                        bound.push_str(alias);
                        bound.push('.');
                    }
                    bound.push_str("account_id IN (SELECT account_id FROM ");
                    bound.push_str(SEEN_ACCOUNTS);
                    bound.push(')');
                }
            }
            rest = &after[end + 1..];
        }
        bound.push_str(rest);
        bound
    }
}

/// Records `changes` changes to `source` reaching months from `from_period` on, and how many of
/// them reached each account: what the triggers record one change at a time (through
/// `refresh_touch` and `refresh_touch_account`), for a load that set its insert trigger aside.
pub(crate) fn record_changes(
    conn: &rusqlite::Connection,
    source: &str,
    from_period: &str,
    changes: u64,
    accounts: &[(String, u64)],
) -> Result<()> {
    let what = "recording the pending refresh";
    conn.execute(
        "INSERT INTO refresh_pending (source, from_period, touched) VALUES (?1, ?2, ?3)
         ON CONFLICT (source) DO UPDATE SET from_period = min(from_period, excluded.from_period),
                                            touched = touched + excluded.touched",
        rusqlite::params![source, from_period, changes as i64],
    )
    .context(what)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO refresh_pending_account (account_id, touched) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET touched = touched + excluded.touched",
        )
        .context(what)?;
    for (account, changes) in accounts {
        stmt.execute(rusqlite::params![account, *changes as i64])
            .context(what)?;
    }
    Ok(())
}

impl Store {
    /// The changes to raw rows the derived tables do not reflect yet (`refresh_pending`, written
    /// by triggers with each change): source table, earliest month reached, count.
    pub fn pending(&self) -> Result<Vec<Pending>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source, from_period, touched FROM refresh_pending ORDER BY source")
            .context("reading the pending refresh")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Pending {
                    source: r.get(0)?,
                    from_period: r.get(1)?,
                    touched: r.get(2)?,
                })
            })
            .context("reading the pending refresh")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the pending refresh")
    }

    /// What is pending now, sources and accounts read together (one read transaction), the
    /// accounts kept in a temp table for `Accounts::Touched` and for `settle`.
    pub(crate) fn snapshot_pending(&self) -> Result<Snapshot> {
        let what = "reading the pending refresh";
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Deferred)
            .context(what)?;
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS {SEEN_ACCOUNTS};
             CREATE TABLE {SEEN_ACCOUNTS} (account_id TEXT PRIMARY KEY, touched INTEGER NOT NULL) WITHOUT ROWID;
             INSERT INTO {SEEN_ACCOUNTS} SELECT account_id, touched FROM refresh_pending_account;"
        ))
        .context(what)?;
        let accounts = tx
            .query_row(&format!("SELECT count(*) FROM {SEEN_ACCOUNTS}"), [], |r| r.get(0))
            .context(what)?;
        let sources = self.pending()?;
        tx.commit().context(what)?;
        Ok(Snapshot { sources, accounts })
    }

    /// Marks the changes a refresh took into account as done; a change that arrived meanwhile
    /// (its count moved on) stays pending for the next refresh.
    pub(crate) fn settle(&self, seen: &Snapshot) -> Result<()> {
        let what = "settling the pending refresh";
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM refresh_pending WHERE source = ?1 AND touched = ?2")
            .context(what)?;
        for p in &seen.sources {
            stmt.execute(rusqlite::params![p.source, p.touched])
                .context(what)?;
        }
        self.conn
            .execute_batch(&format!(
                "DELETE FROM refresh_pending_account
                 WHERE (account_id, touched) IN (SELECT account_id, touched FROM {SEEN_ACCOUNTS});
                 DROP TABLE IF EXISTS {SEEN_ACCOUNTS};"
            ))
            .context(what)
    }
}

#[cfg(test)]
mod tests {
    use super::Accounts;

    #[test]
    fn binding_all_accounts_leaves_statements_unfiltered() {
        assert_eq!(
            Accounts::All.bind("SELECT * FROM ticket t WHERE {accounts:t} AND t.x = 1"),
            "SELECT * FROM ticket t WHERE 1 AND t.x = 1"
        );
    }

    #[test]
    fn binding_touched_accounts_filters_each_marked_table() {
        assert_eq!(
            Accounts::Touched
                .bind("DELETE FROM account_signal WHERE {accounts:}; SELECT {accounts:r} {accounts:s}"),
            "DELETE FROM account_signal WHERE account_id IN (SELECT account_id FROM temp.refresh_seen_account); \
             SELECT r.account_id IN (SELECT account_id FROM temp.refresh_seen_account) \
             s.account_id IN (SELECT account_id FROM temp.refresh_seen_account)"
        );
        assert_eq!(
            Accounts::Touched.bind("no marker {accounts"),
            "no marker {accounts"
        );
    }
}
