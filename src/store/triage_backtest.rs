//! The triage score's backtest, part of the refresh: the accounts of each month it covers
//! (`temp.triage_month` with an outcome), ranked by their score then, and the rankings summed
//! (`domain::triage::BacktestTally`). In two goes, so that most of the signals are read before
//! the tier evaluation is written (`store::lanes`): the points of the usage walk's downtime as
//! it walks, and of the signals in `temp.triage_signal` so far; then those of the signals added
//! since (the tiers' grace), and the account months. The points are a table of whole tenths (4 bytes an account-month); the
//! accounts ranked in every month are gathered only at the end, once the tier evaluation's
//! memory is free.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::domain::triage::{self, Backtest, BacktestTally, Outcome, Signal, Weights};
use crate::error::{Result, SqlContext};

const WHAT: &str = "backtesting the triage score";

pub(crate) struct Gathered {
    /// Each ranked month, numbered, with the month whose end tells whether an account stayed.
    months: HashMap<String, (u32, String)>,
    /// Every account, numbered.
    accounts: HashMap<String, u32>,
    /// The points each account earned in each ranked month, in tenths (`triage::points` are
    /// whole tenths, so their sums are exact): account by account, month by month.
    tenths: Vec<i32>,
    /// The last row of `temp.triage_signal` counted: signals are only ever appended.
    counted_up_to: i64,
    /// The queue's months: their signal rows are copied to `temp.triage_live` as they are read.
    live: Vec<String>,
}

impl Gathered {
    /// No points yet: the months and accounts the backtest ranks.
    pub(crate) fn new(conn: &Connection) -> Result<Gathered> {
        let mut months = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT period, outcome FROM temp.triage_month WHERE outcome IS NOT NULL")
                .context(WHAT)?;
            let mut rows = stmt.query([]).context(WHAT)?;
            while let Some(row) = rows.next().context(WHAT)? {
                let n = months.len() as u32;
                months.insert(row.get(0).context(WHAT)?, (n, row.get(1).context(WHAT)?));
            }
        }
        let live = {
            let mut stmt = conn
                .prepare("SELECT period FROM temp.triage_month WHERE live")
                .context(WHAT)?;
            stmt.query_map([], |r| r.get(0))
                .context(WHAT)?
                .collect::<rusqlite::Result<Vec<String>>>()
                .context(WHAT)?
        };
        let mut accounts = HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT account_id FROM account").context(WHAT)?;
            let mut rows = stmt.query([]).context(WHAT)?;
            while let Some(row) = rows.next().context(WHAT)? {
                let n = accounts.len() as u32;
                accounts.insert(row.get(0).context(WHAT)?, n);
            }
        }
        Ok(Gathered {
            tenths: vec![0; accounts.len() * months.len()],
            months,
            accounts,
            counted_up_to: 0,
            live,
        })
    }

    /// Whether `period` is one of the queue's months, whose signals `temp.triage_signal` must
    /// hold (the others' serve the backtest alone).
    pub(crate) fn is_live(&self, period: &str) -> bool {
        self.live.iter().any(|live| live == period)
    }

    /// Adds a signal's points to its account-month, if that month is ranked. For a signal
    /// counted here rather than written to `temp.triage_signal` (the usage walk's downtime of
    /// the months that are not the queue's: 2.3 million rows at 100,000 accounts).
    pub(crate) fn add_points(
        &mut self,
        period: &str,
        account: &str,
        signal: Signal,
        value: f64,
        weights: &Weights,
    ) {
        let Some(&(month, _)) = self.months.get(period) else {
            return;
        };
        let earned = triage::points(signal, value, weights);
        if earned == 0.0 {
            return;
        }
        let Some(&account) = self.accounts.get(account) else {
            return;
        };
        let cell = self.cell(account, month);
        if let Some(tenths) = self.tenths.get_mut(cell) {
            *tenths += (earned * 10.0).round() as i32;
        }
    }

    /// The points of the signals added since, then every account active at the end of a
    /// ranked month, with its score then: the tally.
    pub(crate) fn finish(mut self, conn: &Connection, weights: &Weights) -> Result<Backtest> {
        self.count_signals(conn, weights)?;
        let ranked = self.rank_active_accounts(conn)?;
        let mut tally = BacktestTally::default();
        for outcomes in &ranked {
            tally.add_month(outcomes);
        }
        Ok(tally.result())
    }

    fn cell(&self, account: u32, month: u32) -> usize {
        account as usize * self.months.len() + month as usize
    }

    /// A signal's points do not depend on the others', so each signal row adds its points to
    /// its account-month as it is read: no sort of the signals. The queue's months' rows are
    /// copied to `temp.triage_live` on the way.
    pub(crate) fn count_signals(&mut self, conn: &Connection, weights: &Weights) -> Result<()> {
        let mut stmt = conn
            .prepare(
                "SELECT rowid, period, account_id, signal, value FROM temp.triage_signal WHERE rowid > ?1",
            )
            .context(WHAT)?;
        let mut copy = conn
            .prepare("INSERT INTO temp.triage_live VALUES (?1, ?2, ?3, ?4)")
            .context(WHAT)?;
        let mut rows = stmt.query([self.counted_up_to]).context(WHAT)?;
        while let Some(row) = rows.next().context(WHAT)? {
            self.counted_up_to = self.counted_up_to.max(row.get(0).context(WHAT)?);
            let text = |i| row.get_ref(i).map(|v| v.as_str().unwrap_or_default());
            let period = text(1).context(WHAT)?;
            if self.is_live(period) {
                copy.execute(rusqlite::params![
                    period,
                    text(2).context(WHAT)?,
                    text(3).context(WHAT)?,
                    row.get::<_, f64>(4).context(WHAT)?
                ])
                .context(WHAT)?;
            }
            let Some(signal) = Signal::from_name(text(3).context(WHAT)?) else {
                continue;
            };
            let value = row.get(4).context(WHAT)?;
            self.add_points(period, text(2).context(WHAT)?, signal, value, weights);
        }
        Ok(())
    }

    /// Every account active at the end of a ranked month, with its score and MRR then, and
    /// whether it is no longer active at the end of the outcome month: account_month in key
    /// order, each account's active months in hand (a lookup per row in SQL took 5 s at 100,000
    /// accounts).
    fn rank_active_accounts(&self, conn: &Connection) -> Result<Vec<Vec<Outcome>>> {
        let mut ranked = vec![Vec::new(); self.months.len()];
        let mut stmt = conn
            .prepare("SELECT account_id, period, mrr_end FROM account_month WHERE mrr_end IS NOT NULL")
            .context(WHAT)?;
        let mut rows = stmt.query([]).context(WHAT)?;
        let mut account = String::new();
        let mut active: Vec<(String, f64)> = Vec::new();
        while let Some(row) = rows.next().context(WHAT)? {
            let id = row.get_ref(0).context(WHAT)?.as_str().unwrap_or_default();
            if id != account {
                self.rank_account(&account, &active, &mut ranked);
                account.clear();
                account.push_str(id);
                active.clear();
            }
            active.push((row.get(1).context(WHAT)?, row.get(2).context(WHAT)?));
        }
        self.rank_account(&account, &active, &mut ranked);
        Ok(ranked)
    }

    fn rank_account(&self, id: &str, active: &[(String, f64)], ranked: &mut [Vec<Outcome>]) {
        let Some(&account) = self.accounts.get(id) else {
            return;
        };
        for (period, mrr) in active {
            let Some((month, outcome)) = self.months.get(period) else {
                continue;
            };
            let tenths = self.tenths.get(self.cell(account, *month)).copied().unwrap_or(0);
            if let Some(outcomes) = ranked.get_mut(*month as usize) {
                outcomes.push(Outcome {
                    // As `triage::total` rounds a sum of points to a tenth.
                    score: f64::from(tenths) / 10.0,
                    mrr: *mrr,
                    churned: !active.iter().any(|(p, _)| p == outcome),
                });
            }
        }
    }
}
