//! HVC triage in the store: the signals precomputed per account for the last two months (by
//! the refresh: `store::triage_signals`), the queue read back with scores from the current weights, the backtest of the
//! score against what happened (computed by the same refresh), and the shared, append-only
//! triage actions (assign, snooze, note, resolve, reopen).

use std::cmp::Ordering;
use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::domain::triage::{self, Backtest, Score, Signal, Weights, Windows};
use crate::error::{Error, Result, SqlContext};

use super::Store;

#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub account_id: String,
    pub name: String,
    pub segment: &'static str,
    pub company_size: String,
    pub mrr: Option<f64>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub status: String,
    pub assignee: Option<String>,
    pub snooze_until: Option<String>,
    pub oldest_open_days: Option<f64>,
    pub score: Score,
    /// Points moved per signal since last month, largest first.
    pub changes: Vec<(Signal, f64)>,
    pub score_last_month: f64,
}

impl QueueRow {
    /// Score x MRR: the revenue the account's risk weighs, for value-weighted triage.
    pub fn mrr_at_risk(&self) -> f64 {
        self.score.total * self.mrr.unwrap_or(0.0)
    }
}

/// The MRR-at-risk order, highest first: with a stable sort of a queue in score order, equal
/// MRR at risk keeps the score order.
pub fn by_mrr_at_risk(a: &QueueRow, b: &QueueRow) -> Ordering {
    b.mrr_at_risk().total_cmp(&a.mrr_at_risk())
}

/// The backtest the last refresh stored: the months it ranked (`from` to `to`), its figures, and
/// whether the weights changed since (the figures are the refresh's weights' until the next one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestSummary {
    pub from: Option<String>,
    pub to: Option<String>,
    pub figures: Backtest,
    pub weights_changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageEvent {
    pub action: String,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    Assign { to: &'a str },
    Snooze { until: &'a str, reason: &'a str },
    Note { body: &'a str },
    Resolve { note: &'a str },
    Reopen { note: &'a str },
}

/// The triage state an action sets: status, assignee (None keeps the current one), snooze date.
type StateChange<'a> = (&'a str, Option<String>, Option<String>);

impl Store {
    /// The signals' windows: the defaults with the settings `triage_window_days.<signal>` and
    /// `triage_window_months.<signal>`. They apply at the next refresh.
    pub fn triage_windows(&self) -> Result<Windows> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_window_%'")
            .context("reading triage windows")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("reading triage windows")?
            .collect::<rusqlite::Result<_>>()
            .context("reading triage windows")?;
        Windows::with_settings(rows.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|message| {
            Error::Store {
                path: self.path.clone(),
                message,
            }
        })
    }

    /// The weights (`triage_weight.<signal>`), with the windows the rule texts name.
    pub fn triage_weights(&self) -> Result<Weights> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_weight.%'")
            .context("reading triage weights")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .context("reading triage weights")?;
        let mut weights = Weights::new();
        weights.windows = self.triage_windows()?;
        for row in rows {
            let (key, value) = row.context("reading triage weights")?;
            let name = key.trim_start_matches("triage_weight.");
            let signal = Signal::from_name(name);
            let weight = value.trim().parse::<f64>().ok().filter(|w| w.is_finite());
            match (signal, weight) {
                (Some(signal), Some(weight)) => {
                    weights.insert(signal, weight);
                }
                _ => {
                    return Err(Error::Store {
                        path: self.path.clone(),
                        message: format!("setting {key} = '{value}': expected a known signal and a number"),
                    });
                }
            }
        }
        Ok(weights)
    }

    /// The backtest the last refresh stored, if it ran one.
    pub fn triage_backtest(&self) -> Result<Option<BacktestSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'triage_backtest.%'")
            .context("reading the triage backtest")?;
        let rows: HashMap<String, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("reading the triage backtest")?
            .collect::<rusqlite::Result<_>>()
            .context("reading the triage backtest")?;
        let get = |key: &str| rows.get(&format!("triage_backtest.{key}"));
        let number = |key: &str| {
            get(key)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let Some(months) = number("months") else {
            return Ok(None);
        };
        // Another weight than the refresh's (or a malformed one) ranks the queue differently.
        let current = self.triage_weights().ok().map(|w| w.signature());
        Ok(Some(BacktestSummary {
            from: get("from").cloned(),
            to: get("to").cloned(),
            figures: triage::Backtest {
                months: months as u32,
                accounts: number("accounts").unwrap_or(0.0) as u64,
                churned: number("churned").unwrap_or(0.0) as u64,
                auc: number("auc"),
                top_decile_churned_mrr_share: number("top_decile_churned_mrr_share"),
            },
            weights_changed: current.as_ref() != get("weights"),
        }))
    }

    /// The score rise that brings a snoozed or resolved account back before its date (setting
    /// `triage_snooze_wake_points`, default 15).
    pub(crate) fn snooze_wake_points(&self) -> Result<f64> {
        match self.setting("triage_snooze_wake_points")? {
            None => Ok(15.0),
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite())
                .ok_or_else(|| Error::Store {
                    path: self.path.clone(),
                    message: format!("setting triage_snooze_wake_points = '{text}': expected a number"),
                }),
        }
    }

    /// Every account's queue row at the end of the store's last month, highest score first
    /// (ties by MRR, then id). `all`: every active account, else HVC only. Snoozed accounts stay
    /// out until their date, unless their score rose by the wake-up margin; resolved ones too,
    /// unless `include_closed`.
    pub fn triage_queue(&self, all: bool, include_closed: bool, today: &str) -> Result<Vec<QueueRow>> {
        let Some((_, last)) = self.period_range()? else {
            return Ok(Vec::new());
        };
        let weights = self.triage_weights()?;
        let wake = self.snooze_wake_points()?;
        let mut values: HashMap<(String, String), Vec<(Signal, f64)>> = HashMap::new();
        let mut oldest: HashMap<String, f64> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT period, account_id, signal, value FROM account_signal WHERE period IN (?1, ?2)",
                )
                .context("reading triage signals")?;
            let mut rows = stmt
                .query(params![last.to_string(), last.prev().to_string()])
                .context("reading triage signals")?;
            while let Some(row) = rows.next().context("reading triage signals")? {
                let period: String = row.get(0).context("reading triage signals")?;
                let account: String = row.get(1).context("reading triage signals")?;
                let name: String = row.get(2).context("reading triage signals")?;
                let value: f64 = row.get(3).context("reading triage signals")?;
                if name == "oldest_open_days" {
                    if period == last.to_string() {
                        oldest.insert(account, value);
                    }
                } else if let Some(signal) = Signal::from_name(&name) {
                    values.entry((period, account)).or_default().push((signal, value));
                }
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.account_id, a.name, a.hvc, a.company_size, a.owner, am.mrr_end, t.held_tier,
                        coalesce(s.status, 'open'), s.assignee, s.snooze_until, s.snooze_score
                 FROM account a
                 JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                 LEFT JOIN account_tier t ON t.period = ?1 AND t.account_id = a.account_id
                 LEFT JOIN triage_state s ON s.account_id = a.account_id
                 WHERE ?2 OR a.hvc = 1",
            )
            .context("reading the triage queue")?;
        let now = last.to_string();
        let before = last.prev().to_string();
        let mut rows = stmt
            .query(params![now, all])
            .context("reading the triage queue")?;
        let mut queue = Vec::new();
        while let Some(r) = rows.next().context("reading the triage queue")? {
            let account_id: String = r.get(0).context("reading the triage queue")?;
            let empty = Vec::new();
            let score = triage::score(
                values.get(&(now.clone(), account_id.clone())).unwrap_or(&empty),
                &weights,
            );
            let previous = triage::score(
                values
                    .get(&(before.clone(), account_id.clone()))
                    .unwrap_or(&empty),
                &weights,
            );
            let status: String = r.get(7).context("reading the triage queue")?;
            let snooze_until: Option<String> = r.get(9).context("reading the triage queue")?;
            let snooze_score: Option<f64> = r.get(10).context("reading the triage queue")?;
            let asleep = status == "snoozed"
                && snooze_until.as_deref().is_some_and(|u| u > today)
                && score.total < snooze_score.unwrap_or(0.0) + wake;
            if !include_closed && (asleep || status == "resolved") {
                continue;
            }
            queue.push(QueueRow {
                name: r.get(1).context("reading the triage queue")?,
                segment: if r.get::<_, bool>(2).context("reading the triage queue")? {
                    "hvc"
                } else {
                    "regular"
                },
                company_size: r.get(3).context("reading the triage queue")?,
                owner: r.get(4).context("reading the triage queue")?,
                mrr: r.get(5).context("reading the triage queue")?,
                tier: r.get(6).context("reading the triage queue")?,
                status,
                assignee: r.get(8).context("reading the triage queue")?,
                snooze_until,
                oldest_open_days: oldest.get(&account_id).copied(),
                changes: triage::changes(&previous, &score),
                score_last_month: previous.total,
                score,
                account_id,
            });
        }
        queue.sort_by(|a, b| {
            b.score
                .total
                .total_cmp(&a.score.total)
                .then_with(|| b.mrr.unwrap_or(0.0).total_cmp(&a.mrr.unwrap_or(0.0)))
                .then_with(|| a.account_id.cmp(&b.account_id))
        });
        Ok(queue)
    }

    /// `triage_queue`, ordered (`by_mrr_at_risk`: as `by_mrr_at_risk` sorts it) and cut to
    /// `limit`, handed to `f` one row at a time: for listings of every active account that must
    /// not hold every row. Only each row's place in the order (id, score, MRR) is held for every
    /// account; the rows themselves are read a page of accounts at a time, in one read
    /// transaction, so both reads see the same store.
    pub fn triage_queue_each(
        &self,
        all: bool,
        include_closed: bool,
        today: &str,
        by_mrr_at_risk: bool,
        limit: Option<usize>,
        f: &mut dyn FnMut(QueueRow) -> Result<()>,
    ) -> Result<()> {
        self.conn
            .execute_batch("SAVEPOINT triage_queue_each")
            .context("reading the triage queue")?;
        let read = self.triage_queue_pages(all, include_closed, today, by_mrr_at_risk, limit, f);
        // Nothing was written: the savepoint only held the snapshot.
        let ended = self
            .conn
            .execute_batch("ROLLBACK TO triage_queue_each; RELEASE triage_queue_each")
            .context("reading the triage queue");
        read.and(ended)
    }

    fn triage_queue_pages(
        &self,
        all: bool,
        include_closed: bool,
        today: &str,
        by_mrr_at_risk: bool,
        limit: Option<usize>,
        f: &mut dyn FnMut(QueueRow) -> Result<()>,
    ) -> Result<()> {
        const PAGE: usize = 512;
        let what = "reading the triage queue";
        let Some((_, last)) = self.period_range()? else {
            return Ok(());
        };
        let weights = self.triage_weights()?;
        let wake = self.snooze_wake_points()?;
        let now = last.to_string();
        let before = last.prev().to_string();

        // Each account's place: its score this month (its signals in key order, as
        // `triage_queue` reads them) and MRR, walked side by side in account id order.
        let mut keys: Vec<(String, f64, Option<f64>)> = Vec::new();
        {
            let mut accounts = self
                .conn
                .prepare(
                    "SELECT a.account_id, am.mrr_end, coalesce(s.status, 'open'), s.snooze_until, s.snooze_score
                     FROM account a
                     JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                     LEFT JOIN triage_state s ON s.account_id = a.account_id
                     WHERE ?2 OR a.hvc = 1
                     ORDER BY a.account_id",
                )
                .context(what)?;
            let mut signals = self
                .conn
                .prepare(
                    "SELECT account_id, signal, value FROM account_signal WHERE period = ?1
                     ORDER BY account_id, signal",
                )
                .context("reading triage signals")?;
            let mut signal_rows = signals.query([&now]).context("reading triage signals")?;
            let mut head: Option<(String, String, f64)> = None;
            let mut next_signal = |head: &mut Option<(String, String, f64)>| -> Result<()> {
                *head = match signal_rows.next().context("reading triage signals")? {
                    Some(r) => Some((
                        r.get(0).context("reading triage signals")?,
                        r.get(1).context("reading triage signals")?,
                        r.get(2).context("reading triage signals")?,
                    )),
                    None => None,
                };
                Ok(())
            };
            next_signal(&mut head)?;
            let mut rows = accounts.query(params![now, all]).context(what)?;
            while let Some(r) = rows.next().context(what)? {
                let account_id: String = r.get(0).context(what)?;
                let mut values: Vec<(Signal, f64)> = Vec::new();
                while head.as_ref().is_some_and(|(a, _, _)| *a < account_id) {
                    next_signal(&mut head)?;
                }
                while head.as_ref().is_some_and(|(a, _, _)| *a == account_id) {
                    if let Some((_, name, value)) = head.take()
                        && name != "oldest_open_days"
                        && let Some(signal) = Signal::from_name(&name)
                    {
                        values.push((signal, value));
                    }
                    next_signal(&mut head)?;
                }
                let score = triage::score(&values, &weights).total;
                let status: String = r.get(2).context(what)?;
                let snooze_until: Option<String> = r.get(3).context(what)?;
                let snooze_score: Option<f64> = r.get(4).context(what)?;
                let asleep = status == "snoozed"
                    && snooze_until.as_deref().is_some_and(|u| u > today)
                    && score < snooze_score.unwrap_or(0.0) + wake;
                if !include_closed && (asleep || status == "resolved") {
                    continue;
                }
                keys.push((account_id, score, r.get(1).context(what)?));
            }
        }
        keys.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| b.2.unwrap_or(0.0).total_cmp(&a.2.unwrap_or(0.0)))
                .then_with(|| a.0.cmp(&b.0))
        });
        if by_mrr_at_risk {
            let at_risk = |k: &(String, f64, Option<f64>)| k.1 * k.2.unwrap_or(0.0);
            keys.sort_by(|a, b| at_risk(b).total_cmp(&at_risk(a)));
        }
        if let Some(limit) = limit {
            keys.truncate(limit);
        }

        for page in keys.chunks(PAGE) {
            let ids: Vec<&str> = page.iter().map(|k| k.0.as_str()).collect();
            let mut found = self.queue_rows_of(&ids, &now, &before, &weights)?;
            for key in page {
                if let Some(row) = found.remove(&key.0) {
                    f(row)?;
                }
            }
        }
        Ok(())
    }

    /// The queue rows of the accounts `ids` (those active at the end of `now`), by account: the
    /// score of `now` and of `before` from their signals with `weights`, in one read of each.
    pub(crate) fn queue_rows_of(
        &self,
        ids: &[&str],
        now: &str,
        before: &str,
        weights: &Weights,
    ) -> Result<HashMap<String, QueueRow>> {
        let what = "reading the triage queue";
        let mut rows_stmt = self
            .conn
            .prepare_cached(
                "SELECT a.account_id, a.name, a.hvc, a.company_size, a.owner, am.mrr_end, t.held_tier,
                        coalesce(s.status, 'open'), s.assignee, s.snooze_until
                 FROM account a
                 JOIN account_month am ON am.account_id = a.account_id AND am.period = ?1 AND am.mrr_end IS NOT NULL
                 LEFT JOIN account_tier t ON t.period = ?1 AND t.account_id = a.account_id
                 LEFT JOIN triage_state s ON s.account_id = a.account_id
                 WHERE a.account_id IN (SELECT value FROM json_each(?2))",
            )
            .context(what)?;
        let mut signals_stmt = self
            .conn
            .prepare_cached(
                "SELECT period, account_id, signal, value FROM account_signal
                 WHERE period IN (?1, ?2) AND account_id IN (SELECT value FROM json_each(?3))
                 ORDER BY period, account_id, signal",
            )
            .context("reading triage signals")?;
        let ids = serde_json::to_string(&ids).map_err(|e| Error::Store {
            path: self.path.clone(),
            message: format!("listing the triage queue: {e}"),
        })?;
        let mut values: HashMap<(bool, String), Vec<(Signal, f64)>> = HashMap::new();
        let mut oldest: HashMap<String, f64> = HashMap::new();
        let mut rows = signals_stmt
            .query(params![now, before, ids])
            .context("reading triage signals")?;
        while let Some(row) = rows.next().context("reading triage signals")? {
            let period: String = row.get(0).context("reading triage signals")?;
            let account: String = row.get(1).context("reading triage signals")?;
            let name: String = row.get(2).context("reading triage signals")?;
            let value: f64 = row.get(3).context("reading triage signals")?;
            if name == "oldest_open_days" {
                if period == now {
                    oldest.insert(account, value);
                }
            } else if let Some(signal) = Signal::from_name(&name) {
                values
                    .entry((period == now, account))
                    .or_default()
                    .push((signal, value));
            }
        }
        let mut found: HashMap<String, QueueRow> = HashMap::new();
        let mut rows = rows_stmt.query(params![now, ids]).context(what)?;
        while let Some(r) = rows.next().context(what)? {
            let account_id: String = r.get(0).context(what)?;
            let empty = Vec::new();
            let score = triage::score(values.get(&(true, account_id.clone())).unwrap_or(&empty), weights);
            let previous = triage::score(
                values.get(&(false, account_id.clone())).unwrap_or(&empty),
                weights,
            );
            let row = QueueRow {
                name: r.get(1).context(what)?,
                segment: if r.get::<_, bool>(2).context(what)? {
                    "hvc"
                } else {
                    "regular"
                },
                company_size: r.get(3).context(what)?,
                owner: r.get(4).context(what)?,
                mrr: r.get(5).context(what)?,
                tier: r.get(6).context(what)?,
                status: r.get(7).context(what)?,
                assignee: r.get(8).context(what)?,
                snooze_until: r.get(9).context(what)?,
                oldest_open_days: oldest.get(&account_id).copied(),
                changes: triage::changes(&previous, &score),
                score_last_month: previous.total,
                score,
                account_id: account_id.clone(),
            };
            found.insert(account_id, row);
        }
        Ok(found)
    }

    /// Writes one triage action in one transaction: the state (the later write wins) and an
    /// append-only event with who and when, so no note is ever lost.
    pub fn triage_act(&mut self, account_id: &str, action: Action<'_>, who: &str, now: &str) -> Result<()> {
        // The score at snooze time, to wake the account early if it rises by the margin.
        let current_score = match action {
            Action::Snooze { .. } => Some(self.triage_score_of(account_id)?),
            _ => None,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("starting a triage action")?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM account WHERE account_id = ?1", [account_id], |r| {
                r.get(0)
            })
            .optional()
            .context("finding the account")?;
        if exists.is_none() {
            return Err(Error::input(format!("unknown account '{account_id}'")));
        }
        let (kind, body, state): (&str, String, Option<StateChange>) = match action {
            Action::Assign { to } => (
                "assign",
                format!("assigned to {to}"),
                Some(("assigned", Some(to.to_string()), None)),
            ),
            Action::Snooze { until, reason } => (
                "snooze",
                format!("snoozed until {until}: {reason}"),
                Some(("snoozed", None, Some(until.to_string()))),
            ),
            Action::Note { body } => ("note", body.to_string(), None),
            Action::Resolve { note } => ("resolve", note.to_string(), Some(("resolved", None, None))),
            Action::Reopen { note } => ("reopen", note.to_string(), Some(("open", None, None))),
        };
        tx.execute(
            "INSERT INTO triage_note (account_id, action, body, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account_id, kind, body, who, now],
        )
        .context("writing a triage note")?;
        if let Some((status, assignee, snooze_until)) = state {
            // An assignment survives snoozing and reopening; resolving keeps who had it.
            tx.execute(
                "INSERT INTO triage_state (account_id, status, assignee, snooze_until, snooze_score, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (account_id) DO UPDATE SET status = excluded.status,
                     assignee = coalesce(excluded.assignee, triage_state.assignee),
                     snooze_until = excluded.snooze_until, snooze_score = excluded.snooze_score,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![account_id, status, assignee, snooze_until, current_score, who, now],
            )
            .context("writing the triage state")?;
        }
        tx.commit().context("committing a triage action")
    }

    fn triage_score_of(&self, account_id: &str) -> Result<f64> {
        let Some((_, last)) = self.period_range()? else {
            return Ok(0.0);
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT signal, value FROM account_signal WHERE period = ?1 AND account_id = ?2")
            .context("reading triage signals")?;
        let rows = stmt
            .query_map(params![last.to_string(), account_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })
            .context("reading triage signals")?;
        let mut values = Vec::new();
        for row in rows {
            let (name, value) = row.context("reading triage signals")?;
            if let Some(signal) = Signal::from_name(&name) {
                values.push((signal, value));
            }
        }
        Ok(triage::score(&values, &self.triage_weights()?).total)
    }

    /// The account's triage history, oldest first.
    pub fn triage_history(&self, account_id: &str) -> Result<Vec<TriageEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT action, body, author, created_at FROM triage_note WHERE account_id = ?1 ORDER BY created_at, id",
            )
            .context("reading the triage history")?;
        let rows = stmt
            .query_map([account_id], |r| {
                Ok(TriageEvent {
                    action: r.get(0)?,
                    body: r.get(1)?,
                    author: r.get(2)?,
                    created_at: r.get(3)?,
                })
            })
            .context("reading the triage history")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the triage history")
    }

    /// SQLite's data version: it changes when another connection commits, so a cockpit can
    /// poll it cheaply and reload shared state.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .context("reading the data version")
    }
}
