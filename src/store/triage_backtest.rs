//! The triage score's backtest, part of the refresh: the accounts of each month it covers
//! (every month with `BACKTEST_HORIZON` months after it), ranked by their score then, and the
//! rankings summed (`domain::triage::BacktestTally`). In two goes, so that most of the signals
//! are read before the tier evaluation is written (`store::lanes`): the points of the usage
//! walk's downtime as it walks, and of the signals in `temp.triage_signal` so far; then those of
//! the signals added since (the tiers' grace), and the account months. The points are a table of
//! whole tenths (4 bytes an account-month), kept in `backtest_points`: a refresh of later months
//! reads the earlier months' points back instead of computing their signals again (their
//! outcomes, whether an account stayed, may still have changed). The accounts ranked in every
//! month are gathered only at the end, once the tier evaluation's memory is free.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::domain::Period;
use crate::domain::triage::{self, Backtest, BacktestTally, Outcome, Signal, Weights};
use crate::error::{Result, SqlContext};

const WHAT: &str = "backtesting the triage score";

pub(crate) struct Gathered {
    /// Each ranked month, numbered in month order, with the month whose end tells whether an
    /// account stayed.
    months: HashMap<String, (u32, String)>,
    /// By month number: its points were read from `backtest_points`, not counted again.
    stored: Vec<bool>,
    /// Every account, numbered in id order (the order of `backtest_points.tenths`).
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
    /// No points yet but those stored: the months the backtest ranks (each with its outcome
    /// month), the queue's months, and every account. The points of the ranked months before
    /// `stored_before` are read from `backtest_points` when it holds all of them, counted with
    /// the weights of `signature` for these same accounts; otherwise every month is counted.
    pub(crate) fn new(
        conn: &Connection,
        ranked: &[(Period, Period)],
        live: &[Period],
        stored_before: Option<Period>,
        signature: &str,
    ) -> Result<Gathered> {
        let months: HashMap<String, (u32, String)> = ranked
            .iter()
            .enumerate()
            .map(|(n, (month, outcome))| (month.to_string(), (n as u32, outcome.to_string())))
            .collect();
        let mut accounts = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT account_id FROM account ORDER BY account_id")
                .context(WHAT)?;
            let mut rows = stmt.query([]).context(WHAT)?;
            while let Some(row) = rows.next().context(WHAT)? {
                let n = accounts.len() as u32;
                accounts.insert(row.get(0).context(WHAT)?, n);
            }
        }
        let mut gathered = Gathered {
            tenths: vec![0; accounts.len() * months.len()],
            stored: vec![false; months.len()],
            months,
            accounts,
            counted_up_to: 0,
            live: live.iter().map(Period::to_string).collect(),
        };
        if let Some(before) = stored_before {
            gathered.read_stored(conn, ranked, before, signature)?;
        }
        Ok(gathered)
    }

    /// The stored points of the ranked months before `before`, if every one of them is stored
    /// for these accounts and weights; none otherwise.
    fn read_stored(
        &mut self,
        conn: &Connection,
        ranked: &[(Period, Period)],
        before: Period,
        signature: &str,
    ) -> Result<()> {
        let wanted = ranked.iter().filter(|(month, _)| *month < before).count();
        let mut stmt = conn
            .prepare("SELECT period, tenths FROM backtest_points WHERE period < ?1 AND weights = ?2")
            .context(WHAT)?;
        let mut rows = stmt
            .query(rusqlite::params![before.to_string(), signature])
            .context(WHAT)?;
        let mut read = 0;
        while let Some(row) = rows.next().context(WHAT)? {
            let period = row.get_ref(0).context(WHAT)?.as_str().unwrap_or_default();
            let Some(&(month, _)) = self.months.get(period) else {
                continue;
            };
            let tenths = row.get_ref(1).context(WHAT)?.as_blob().unwrap_or_default();
            if tenths.len() != 4 * self.accounts.len() {
                break;
            }
            for (account, value) in tenths.chunks_exact(4).enumerate() {
                let cell = self.cell(account as u32, month);
                self.tenths[cell] = i32::from_le_bytes([value[0], value[1], value[2], value[3]]);
            }
            self.stored[month as usize] = true;
            read += 1;
        }
        if read != wanted {
            self.tenths.fill(0);
            self.stored.fill(false);
        }
        Ok(())
    }

    /// Whether `period`'s points were read from the store: its signals need not be counted.
    pub(crate) fn is_stored(&self, period: &str) -> bool {
        self.months
            .get(period)
            .is_some_and(|(month, _)| self.stored[*month as usize])
    }

    /// Keeps every ranked month's points (`backtest_points`), replacing those stored.
    fn store_points(&self, conn: &Connection, signature: &str) -> Result<()> {
        conn.execute("DELETE FROM backtest_points", []).context(WHAT)?;
        let mut insert = conn
            .prepare("INSERT INTO backtest_points (period, weights, tenths) VALUES (?1, ?2, ?3)")
            .context(WHAT)?;
        let mut months: Vec<(&String, u32)> = self.months.iter().map(|(p, (n, _))| (p, *n)).collect();
        months.sort_unstable();
        let mut tenths = Vec::with_capacity(4 * self.accounts.len());
        for (period, month) in months {
            tenths.clear();
            for account in 0..self.accounts.len() as u32 {
                tenths.extend_from_slice(&self.tenths[self.cell(account, month)].to_le_bytes());
            }
            insert
                .execute(rusqlite::params![period, signature, tenths])
                .context(WHAT)?;
        }
        Ok(())
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
        if self.stored[month as usize] {
            return;
        }
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
        self.store_points(conn, &weights.signature())?;
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
    /// accounts). Months are read as numbers and the ranked ones found by position: comparing
    /// and hashing their text was most of the walk's 1.6 s, which the refresh's last step
    /// spends alone.
    fn rank_active_accounts(&self, conn: &Connection) -> Result<Vec<Vec<Outcome>>> {
        let mut ranked = vec![Vec::new(); self.months.len()];
        let ranked_months = RankedMonths::new(&self.months);
        let mut stmt = conn
            .prepare("SELECT account_id, period, mrr_end FROM account_month WHERE mrr_end IS NOT NULL")
            .context(WHAT)?;
        let mut rows = stmt.query([]).context(WHAT)?;
        let mut account = String::new();
        // The account's active months, in period order (the table's key order).
        let mut active: Vec<(Period, f64)> = Vec::new();
        while let Some(row) = rows.next().context(WHAT)? {
            let id = row.get_ref(0).context(WHAT)?.as_str().unwrap_or_default();
            if id != account {
                self.rank_account(&account, &active, &ranked_months, &mut ranked);
                account.clear();
                account.push_str(id);
                active.clear();
            }
            let period = row.get_ref(1).context(WHAT)?.as_str().unwrap_or_default();
            let Ok(period) = period.parse::<Period>() else {
                continue; // written by the refresh as YYYY-MM
            };
            active.push((period, row.get(2).context(WHAT)?));
        }
        self.rank_account(&account, &active, &ranked_months, &mut ranked);
        Ok(ranked)
    }

    fn rank_account(
        &self,
        id: &str,
        active: &[(Period, f64)],
        ranked_months: &RankedMonths,
        ranked: &mut [Vec<Outcome>],
    ) {
        let Some(&account) = self.accounts.get(id) else {
            return;
        };
        for &(period, mrr) in active {
            let Some((month, outcome)) = ranked_months.get(period) else {
                continue;
            };
            let tenths = self.tenths.get(self.cell(account, month)).copied().unwrap_or(0);
            if let Some(outcomes) = ranked.get_mut(month as usize) {
                outcomes.push(Outcome {
                    // As `triage::total` rounds a sum of points to a tenth.
                    score: f64::from(tenths) / 10.0,
                    mrr,
                    churned: active.binary_search_by(|(p, _)| p.cmp(&outcome)).is_err(),
                });
            }
        }
    }
}

/// The ranked months by position from the first: each one's number and outcome month.
struct RankedMonths {
    first: Option<Period>,
    by_offset: Vec<Option<(u32, Period)>>,
}

impl RankedMonths {
    fn new(months: &HashMap<String, (u32, String)>) -> RankedMonths {
        let parsed: Vec<(Period, u32, Period)> = months
            .iter()
            .filter_map(|(period, (month, outcome))| {
                Some((period.parse().ok()?, *month, outcome.parse().ok()?))
            })
            .collect();
        let first = parsed.iter().map(|(p, _, _)| *p).min();
        let mut by_offset = Vec::new();
        if let Some(first) = first {
            for (period, month, outcome) in parsed {
                let at = first.months_until(period) as usize;
                if by_offset.len() <= at {
                    by_offset.resize(at + 1, None);
                }
                by_offset[at] = Some((month, outcome));
            }
        }
        RankedMonths { first, by_offset }
    }

    fn get(&self, period: Period) -> Option<(u32, Period)> {
        let at = usize::try_from(self.first?.months_until(period)).ok()?;
        self.by_offset.get(at).copied().flatten()
    }
}
