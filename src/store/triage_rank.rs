//! The triage queue a page at a time. The refresh stores each active account's place in every
//! order the pane offers (`triage_rank`: its score with the weights of the refresh, MRR at risk,
//! MRR, age of its oldest open ticket, name), so a page is an indexed read of a few hundred rows
//! and the pane never holds every account. The filters and the name search are conditions on
//! the same rows; triage states (snoozed, resolved, assigned) are joined as they are now, so a
//! write shows at once. When the weights changed since the refresh, the places are computed
//! again on the reading connection, into a temporary table, with the weights of now.

use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};

use crate::domain::triage::{self, Signal, Weights};
use crate::error::{Result, SqlContext};

use super::Store;
use super::pending::Accounts;
use super::rewrite::{Rewrite, Scope, Stored};
use super::triage::QueueRow;

/// The orders of the queue; ties go to the score order (higher score, higher MRR, then id),
/// as `Store::triage_queue` sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueueOrder {
    #[default]
    Score,
    MrrAtRisk,
    Mrr,
    /// The oldest open ticket first.
    Age,
    Name,
}

impl QueueOrder {
    fn sql(self) -> &'static str {
        match self {
            QueueOrder::Score => "r.score DESC, r.mrr DESC, r.account_id",
            QueueOrder::MrrAtRisk => "r.at_risk DESC, r.score DESC, r.mrr DESC, r.account_id",
            QueueOrder::Mrr => "r.mrr DESC, r.score DESC, r.account_id",
            QueueOrder::Age => "r.age DESC, r.score DESC, r.mrr DESC, r.account_id",
            QueueOrder::Name => "r.name_key, r.account_id",
        }
    }
}

/// What a page of the queue is of: the list (HVC or every active account), its order, and the
/// conditions that narrow it (each in lower case; None or empty keeps every row).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueQuery {
    pub all: bool,
    pub order: QueueOrder,
    /// The owner or the assignee contains this.
    pub owner: Option<String>,
    /// The triage status is this.
    pub status: Option<String>,
    /// A signal that scores contains this.
    pub driver: Option<String>,
    pub min_mrr: Option<f64>,
    /// The id or the name contains this.
    pub search: String,
}

/// A page of the queue: its rows from `offset` on, how many rows match the query, and how
/// many the list holds before its filters and search.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub offset: usize,
    pub matching: usize,
    pub listed: usize,
    pub rows: Vec<QueueRow>,
}

const RANK_COLUMNS: &str = "account_id TEXT PRIMARY KEY, hvc INTEGER NOT NULL, score REAL NOT NULL,
    mrr REAL NOT NULL, at_risk REAL NOT NULL, age REAL NOT NULL, name_key TEXT NOT NULL,
    search TEXT NOT NULL, owner_key TEXT NOT NULL, drivers TEXT NOT NULL";

/// The temporary table of places computed with the weights of now, and the signature
/// (`Weights::signature` and month) it was computed for.
const RANK_NOW: &str = "temp.triage_rank_now";

impl Store {
    /// A page of the queue at the end of the store's last month: `limit` rows from `offset` on,
    /// in the query's order, with the counts. Snoozed accounts stay out until their date unless
    /// their score rose by the wake-up margin, resolved ones too (as `triage_queue`).
    pub fn triage_page(
        &self,
        query: &QueueQuery,
        today: &str,
        offset: usize,
        limit: usize,
    ) -> Result<QueuePage> {
        let what = "reading the triage queue";
        let Some((_, last)) = self.period_range()? else {
            return Ok(QueuePage::default());
        };
        let weights = self.triage_weights()?;
        let wake = self.snooze_wake_points()?;
        let table = self.rank_table(&weights, &last.to_string())?;
        let mut conditions: Vec<&str> = Vec::new();
        let mut args: Vec<(&str, &dyn ToSql)> =
            vec![(":all", &query.all), (":today", &today), (":wake", &wake)];
        if let Some(owner) = query.owner.as_ref().filter(|o| !o.is_empty()) {
            conditions.push(
                "(instr(r.owner_key, :owner) > 0 OR instr(lower(coalesce(s.assignee, '')), :owner) > 0)",
            );
            args.push((":owner", owner));
        }
        if let Some(status) = query.status.as_ref().filter(|s| !s.is_empty()) {
            conditions.push("coalesce(s.status, 'open') = :status");
            args.push((":status", status));
        }
        if let Some(driver) = query.driver.as_ref().filter(|d| !d.is_empty()) {
            conditions.push("instr(r.drivers, :driver) > 0");
            args.push((":driver", driver));
        }
        if let Some(min) = query.min_mrr.as_ref() {
            conditions.push("r.mrr >= :min_mrr");
            args.push((":min_mrr", min));
        }
        if !query.search.is_empty() {
            conditions.push("instr(r.search, :search) > 0");
            args.push((":search", &query.search));
        }
        let narrowed = if conditions.is_empty() {
            "1".to_string()
        } else {
            conditions.join(" AND ")
        };
        // The list: HVC or every active account, without the accounts asleep or resolved.
        let listed = format!(
            "FROM {table} r LEFT JOIN triage_state s ON s.account_id = r.account_id
             WHERE (:all OR r.hvc = 1)
               AND NOT (coalesce(s.status, 'open') = 'resolved'
                        OR (coalesce(s.status, 'open') = 'snoozed' AND coalesce(s.snooze_until, '') > :today
                            AND r.score < coalesce(s.snooze_score, 0) + :wake))"
        );
        let (matching, listed_count): (i64, i64) = {
            let sql = format!("SELECT coalesce(sum({narrowed}), 0), count(*) {listed}");
            let mut stmt = self.conn.prepare_cached(&sql).context(what)?;
            let used = bound(&stmt, &args);
            stmt.query_row(used.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))
                .context(what)?
        };
        let mut ids: Vec<String> = Vec::new();
        {
            let limit = limit as i64;
            let offset = offset as i64;
            let sql = format!(
                "SELECT r.account_id {listed} AND {narrowed} ORDER BY {} LIMIT :limit OFFSET :offset",
                query.order.sql()
            );
            let mut stmt = self.conn.prepare_cached(&sql).context(what)?;
            let mut page_args = args.clone();
            page_args.push((":limit", &limit));
            page_args.push((":offset", &offset));
            let used = bound(&stmt, &page_args);
            let rows = stmt
                .query_map(used.as_slice(), |r| r.get::<_, String>(0))
                .context(what)?;
            for id in rows {
                ids.push(id.context(what)?);
            }
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut found = self.queue_rows_of(&refs, &last.to_string(), &last.prev().to_string(), &weights)?;
        Ok(QueuePage {
            offset,
            matching: matching as usize,
            listed: listed_count as usize,
            rows: ids.iter().filter_map(|id| found.remove(id)).collect(),
        })
    }

    /// The table of places to read: the stored one when it was computed with these weights for
    /// this month, else the temporary one, computed now when it is not (the weights changed
    /// since the refresh: the settings are only ever changed with SQL).
    fn rank_table(&self, weights: &Weights, last: &str) -> Result<&'static str> {
        let signature = format!("{last} {}", weights.signature());
        if self.setting("triage_rank.weights")?.as_deref() == Some(signature.as_str()) {
            return Ok("main.triage_rank");
        }
        let what = "ordering the triage queue with the weights of now";
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {RANK_NOW} ({RANK_COLUMNS}) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS temp.triage_rank_now_of (signature TEXT);"
            ))
            .context(what)?;
        let held: Option<String> = self
            .conn
            .query_row("SELECT signature FROM temp.triage_rank_now_of", [], |r| r.get(0))
            .ok();
        if held.as_deref() != Some(signature.as_str()) {
            write_rank(&self.conn, Rank::Now, last, Accounts::All, Some(weights))?;
            self.conn
                .execute_batch("DELETE FROM temp.triage_rank_now_of")
                .and_then(|_| {
                    self.conn
                        .execute("INSERT INTO temp.triage_rank_now_of VALUES (?1)", [&signature])
                })
                .context(what)?;
        }
        Ok(RANK_NOW)
    }
}

/// The named arguments the statement uses, of those given.
fn bound<'a>(
    stmt: &rusqlite::CachedStatement<'_>,
    args: &[(&'a str, &'a dyn ToSql)],
) -> Vec<(&'a str, &'a dyn ToSql)> {
    args.iter()
        .filter(|(name, _)| stmt.parameter_index(name).ok().flatten().is_some())
        .copied()
        .collect()
}

/// Where places are written: the store's table (by the refresh) or the reading connection's
/// temporary one (`Store::rank_table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rank {
    Stored,
    Now,
}

/// Writes the places of `accounts` active at the end of the month `last`, scored with `weights`
/// (none: the weights are malformed, and the queue says so when read); the stored table records
/// what they were computed with (`triage_rank.weights`).
pub(crate) fn write_rank(
    conn: &Connection,
    rank: Rank,
    last: &str,
    accounts: Accounts,
    weights: Option<&Weights>,
) -> Result<()> {
    let what = "ordering the triage queue";
    let signature = weights.map(|w| format!("{last} {}", w.signature()));
    let accounts = match (rank, accounts) {
        // Places of other weights or another month are all computed again.
        (Rank::Stored, Accounts::Touched) => {
            let held: Option<String> = conn
                .query_row(
                    "SELECT value FROM setting WHERE key = 'triage_rank.weights'",
                    [],
                    |r| r.get(0),
                )
                .ok();
            if held.is_some() && held == signature {
                Accounts::Touched
            } else {
                Accounts::All
            }
        }
        (_, accounts) => accounts,
    };
    let table = match rank {
        Rank::Stored => "main.triage_rank",
        Rank::Now => RANK_NOW,
    };
    let stored = rank == Rank::Stored;
    if stored {
        conn.execute("DELETE FROM setting WHERE key = 'triage_rank.weights'", [])
            .context(what)?;
    }
    let Some(weights) = weights else {
        accounts.clear(conn, table, "").context(what)?;
        return Ok(());
    };
    // The places held, replaced by those computed here where they changed (`rewrite`).
    let mut rewrite = Rewrite::new(
        conn,
        table,
        &["account_id"],
        &[
            "hvc",
            "score",
            "mrr",
            "at_risk",
            "age",
            "name_key",
            "search",
            "owner_key",
            "drivers",
        ],
        match accounts {
            Accounts::All => Scope::all(),
            Accounts::Touched => Scope::new(accounts.bind("{accounts:}"), Vec::new()),
        },
        what,
    )?;
    let mut held_stmt = rewrite.prepare_stored(conn)?;
    let mut held = Stored::read(&mut held_stmt, &rewrite)?;
    let mut accounts_stmt = conn
        .prepare(&accounts.bind(
            "SELECT a.account_id, a.name, a.hvc, am.mrr_end, coalesce(a.owner, '')
             FROM account a
             JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
             WHERE {accounts:a}
             ORDER BY a.account_id",
        ))
        .context(what)?;
    let mut signals_stmt = conn
        .prepare(&accounts.bind(
            "SELECT account_id, signal, value FROM account_signal WHERE period = ?1 AND {accounts:}
             ORDER BY account_id, signal",
        ))
        .context(what)?;
    // Signals walked beside the accounts, both in account id order.
    let mut signal_rows = signals_stmt.query([&last]).context(what)?;
    let mut head: Option<(String, String, f64)> = None;
    let mut next_signal = |head: &mut Option<(String, String, f64)>| -> Result<()> {
        *head = match signal_rows.next().context(what)? {
            Some(r) => Some((
                r.get(0).context(what)?,
                r.get(1).context(what)?,
                r.get(2).context(what)?,
            )),
            None => None,
        };
        Ok(())
    };
    next_signal(&mut head)?;
    let mut rows = accounts_stmt.query([&last]).context(what)?;
    let mut values: Vec<(Signal, f64)> = Vec::new();
    while let Some(r) = rows.next().context(what)? {
        let account_id: String = r.get(0).context(what)?;
        values.clear();
        let mut oldest: Option<f64> = None;
        while head.as_ref().is_some_and(|(a, _, _)| *a < account_id) {
            next_signal(&mut head)?;
        }
        while head.as_ref().is_some_and(|(a, _, _)| *a == account_id) {
            if let Some((_, name, value)) = head.take() {
                if name == "oldest_open_days" {
                    oldest = Some(value);
                } else if let Some(signal) = Signal::from_name(&name) {
                    values.push((signal, value));
                }
            }
            next_signal(&mut head)?;
        }
        let score = triage::score(&values, weights);
        let name: String = r.get(1).context(what)?;
        let mrr: f64 = r.get(3).context(what)?;
        let owner: String = r.get(4).context(what)?;
        // -0.0 sorts below 0.0 in Rust and equal in SQLite: keep one zero.
        let total = score.total + 0.0;
        let drivers: Vec<&str> = score.signals.iter().map(|s| s.signal.name()).collect();
        let search = format!("{}\n{}", account_id.to_lowercase(), name.to_lowercase());
        let row = [
            Value::Text(account_id),
            Value::Integer(i64::from(r.get::<_, bool>(2).context(what)?)),
            Value::Real(total),
            Value::Real(mrr),
            Value::Real(total * mrr),
            Value::Real(oldest.unwrap_or(-1.0)),
            Value::Text(name.to_lowercase()),
            Value::Text(search),
            Value::Text(owner.to_lowercase()),
            Value::Text(drivers.join(" ")),
        ];
        rewrite.put(&mut held, &row)?;
    }
    rewrite.finish(&mut held)?;
    if let (true, Some(signature)) = (stored, signature) {
        conn.execute(
            "INSERT INTO setting (key, value) VALUES ('triage_rank.weights', ?1)",
            [signature],
        )
        .context(what)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::triage::Action;

    fn demo() -> Store {
        crate::demo::test_store()
    }

    /// The queue as the pane showed it when it held every row: `triage_queue` (score order),
    /// filtered, then stably sorted by the order's key.
    fn reference(store: &Store, query: &QueueQuery, today: &str) -> Vec<QueueRow> {
        let contains = |text: Option<&str>, part: &str| text.is_some_and(|t| t.to_lowercase().contains(part));
        let mut rows: Vec<QueueRow> = store
            .triage_queue(query.all, false, today)
            .unwrap()
            .into_iter()
            .filter(|r| {
                query
                    .owner
                    .as_deref()
                    .is_none_or(|o| contains(r.owner.as_deref(), o) || contains(r.assignee.as_deref(), o))
                    && query.status.as_deref().is_none_or(|s| r.status == s)
                    && query
                        .driver
                        .as_deref()
                        .is_none_or(|d| r.score.signals.iter().any(|s| s.signal.name().contains(d)))
                    && query.min_mrr.is_none_or(|m| r.mrr.unwrap_or(0.0) >= m)
                    && (query.search.is_empty()
                        || r.name.to_lowercase().contains(&query.search)
                        || r.account_id.to_lowercase().contains(&query.search))
            })
            .collect();
        let mrr = |r: &QueueRow| r.mrr.unwrap_or(0.0);
        match query.order {
            QueueOrder::Score => {}
            QueueOrder::MrrAtRisk => rows.sort_by(|a, b| b.mrr_at_risk().total_cmp(&a.mrr_at_risk())),
            QueueOrder::Mrr => rows.sort_by(|a, b| mrr(b).total_cmp(&mrr(a))),
            QueueOrder::Age => rows.sort_by(|a, b| {
                b.oldest_open_days
                    .unwrap_or(-1.0)
                    .total_cmp(&a.oldest_open_days.unwrap_or(-1.0))
            }),
            QueueOrder::Name => rows.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then_with(|| a.account_id.cmp(&b.account_id))
            }),
        }
        rows
    }

    /// Every row of the query, read a page of `limit` at a time.
    fn paged(store: &Store, query: &QueueQuery, today: &str, limit: usize) -> (Vec<QueueRow>, QueuePage) {
        let mut rows = Vec::new();
        loop {
            let page = store.triage_page(query, today, rows.len(), limit).unwrap();
            let done = page.rows.len() < limit;
            rows.extend(page.rows.iter().cloned());
            if done {
                return (
                    rows,
                    QueuePage {
                        rows: Vec::new(),
                        ..page
                    },
                );
            }
        }
    }

    fn summary(rows: &[QueueRow]) -> Vec<(String, f64, Option<f64>, String, f64, usize)> {
        rows.iter()
            .map(|r| {
                (
                    r.account_id.clone(),
                    r.score.total,
                    r.mrr,
                    r.status.clone(),
                    r.score_last_month,
                    r.changes.len(),
                )
            })
            .collect()
    }

    fn queries(store: &Store) -> Vec<QueueQuery> {
        let name = store.triage_queue(false, false, "2026-07-01").unwrap()[3]
            .name
            .to_lowercase();
        let word = name.split_whitespace().nth(1).unwrap_or("a").to_string();
        let mut all = Vec::new();
        for listed in [false, true] {
            for order in [
                QueueOrder::Score,
                QueueOrder::MrrAtRisk,
                QueueOrder::Mrr,
                QueueOrder::Age,
                QueueOrder::Name,
            ] {
                let base = QueueQuery {
                    all: listed,
                    order,
                    ..QueueQuery::default()
                };
                all.push(base.clone());
                all.push(QueueQuery {
                    driver: Some("detractor".into()),
                    min_mrr: Some(1000.0),
                    ..base.clone()
                });
                all.push(QueueQuery {
                    search: word.clone(),
                    ..base.clone()
                });
                all.push(QueueQuery {
                    status: Some("assigned".into()),
                    owner: Some("ana".into()),
                    ..base.clone()
                });
            }
        }
        all
    }

    fn assert_pages_are_the_queue(store: &Store, today: &str) -> usize {
        let mut seen = 0;
        for query in queries(store) {
            let want = reference(store, &query, today);
            let (got, page) = paged(store, &query, today, 7);
            assert_eq!(summary(&got), summary(&want), "{query:?}");
            assert_eq!(page.matching, want.len(), "{query:?}");
            let listed = reference(
                store,
                &QueueQuery {
                    all: query.all,
                    ..QueueQuery::default()
                },
                today,
            );
            assert_eq!(page.listed, listed.len(), "{query:?}");
            seen += got.len();
        }
        seen
    }

    #[test]
    fn pages_of_the_stored_orders_are_the_queue_in_every_order_and_filter() {
        let mut store = demo();
        let today = "2026-07-01";
        // Triage states narrow the list as the queue does: one resolved, one snoozed, one
        // assigned to ana.
        let hvc = store.triage_queue(false, false, today).unwrap();
        let ids: Vec<String> = hvc.iter().take(3).map(|r| r.account_id.clone()).collect();
        store
            .triage_act(
                &ids[0],
                Action::Resolve { note: "done" },
                "ana",
                "2026-07-01T09:00:00",
            )
            .unwrap();
        store
            .triage_act(
                &ids[1],
                Action::Snooze {
                    until: "2026-08-01",
                    reason: "waiting",
                },
                "ana",
                "2026-07-01T09:00:00",
            )
            .unwrap();
        store
            .triage_act(&ids[2], Action::Assign { to: "Ana" }, "bo", "2026-07-01T09:00:00")
            .unwrap();
        let seen = assert_pages_are_the_queue(&store, today);
        assert!(seen > 1000, "the demo's queues have rows: {seen}");
        let assigned = QueueQuery {
            status: Some("assigned".into()),
            owner: Some("ana".into()),
            ..QueueQuery::default()
        };
        assert_eq!(store.triage_page(&assigned, today, 0, 10).unwrap().rows.len(), 1);
        assert!(
            store
                .triage_page(&QueueQuery::default(), today, 0, 1000)
                .unwrap()
                .rows
                .iter()
                .all(|r| r.account_id != ids[0] && r.account_id != ids[1]),
            "resolved and snoozed accounts are out of the queue"
        );

        // Weights changed with SQL since the refresh: the places are computed with today's.
        store
            .conn
            .execute(
                "INSERT INTO setting (key, value) VALUES ('triage_weight.detractor', '55')
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [],
            )
            .unwrap();
        assert_pages_are_the_queue(&store, today);
        let stored: f64 = store
            .conn
            .query_row("SELECT max(score) FROM main.triage_rank", [], |r| r.get(0))
            .unwrap();
        let now = store
            .triage_page(&QueueQuery::default(), today, 0, 1)
            .unwrap()
            .rows[0]
            .score
            .total;
        assert_ne!(stored, now, "the stored places are the refresh's");
    }
}
