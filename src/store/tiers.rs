//! The facts loyalty tiers are decided on, for every account at the end of a month, read with a
//! handful of set-based queries (one per kind of fact), never one query per account.
//!
//! The evaluation date `d` is the first day of the month after the period: an account is active
//! when one of its subscriptions has start <= d and (end is null or end > d); an invoice is
//! overdue when it was due before d and not paid before d; a severe ticket (high or critical) is
//! open when it was opened before d and not resolved before d; an account is a detractor when its
//! latest NPS answer before d is 0-6. Dates and timestamps are ISO 8601 text, so comparing them
//! with d as text is comparing them in time ('2026-07-01T00:00:00' is not before '2026-07-01').

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::Period;
use crate::domain::tiers::{AccountFacts, whole_months};
use crate::error::{Error, Result, SqlContext};

use super::Store;

impl Store {
    /// Every account's tier facts at the end of `period`, in account id order.
    ///
    /// `monthly_mrr` holds the MRR at the end of each month (the `account_month` table's
    /// `mrr_end`, which the rollup keeps from the longest tier window before the store's first
    /// month; a month without a row counts as 0), most recent last, as many months as the
    /// largest tier window asks for (at least one).
    pub fn tier_facts(&self, period: Period) -> Result<Vec<(String, AccountFacts)>> {
        Store::tier_facts_in(&self.conn, &self.path, period, None)
    }

    /// `tier_facts` of every account, or of one account only (its rows alone are read).
    pub fn tier_facts_of(&self, period: Period, only: Option<&str>) -> Result<Vec<(String, AccountFacts)>> {
        Store::tier_facts_in(&self.conn, &self.path, period, only)
    }

    /// `tier_facts` on a given connection (inside a transaction, say); `path` names the store in errors.
    pub(crate) fn tier_facts_in(
        conn: &rusqlite::Connection,
        path: &std::path::Path,
        period: Period,
        only: Option<&str>,
    ) -> Result<Vec<(String, AccountFacts)>> {
        // One account: each query gets `AND account_id = ?N` (N after its own parameters), so
        // SQLite uses the by-account indexes instead of scanning.
        let filter = |n: usize| only.map_or(String::new(), |_| format!(" AND account_id = ?{n}"));
        let with_only = |args: Vec<String>| -> Vec<String> {
            let mut args = args;
            if let Some(id) = only {
                args.push(id.to_string());
            }
            args
        };
        let d_date = period.next().first_day();
        let d = d_date.format("%Y-%m-%d").to_string();

        let window = longest_window(conn)?;
        let first_month = period.offset(1 - window as i32);

        let mut facts: Vec<(String, AccountFacts)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT account_id, coalesce((SELECT h.hvc FROM account_month h
                                                  WHERE h.account_id = account.account_id AND h.period = ?1), 0)
                     FROM account WHERE 1 = 1{} ORDER BY account_id",
                    filter(2)
                ))
                .context("listing accounts for tiers")?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(with_only(vec![period.to_string()])))
                .context("listing accounts for tiers")?;
            while let Some(row) = rows.next().context("listing accounts for tiers")? {
                let id: String = row.get(0).context("listing accounts for tiers")?;
                let hvc: bool = row.get(1).context("listing accounts for tiers")?;
                index.insert(id.clone(), facts.len());
                facts.push((
                    id,
                    AccountFacts {
                        active: false,
                        monthly_mrr: vec![0.0; window],
                        tenure_months: 0,
                        has_overdue_invoice: false,
                        has_open_severe_ticket: false,
                        is_detractor: false,
                        is_hvc: hvc,
                    },
                ));
            }
        }
        let slot = |id: &str| index.get(id).copied();

        // Active at d, and the first subscription's start for the tenure.
        {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT account_id, min(start_date),
                            max(start_date <= ?1 AND (end_date IS NULL OR end_date > ?1))
                     FROM subscription WHERE 1 = 1{} GROUP BY account_id",
                    filter(2)
                ))
                .context("reading subscriptions for tiers")?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(with_only(vec![d.clone()])))
                .context("reading subscriptions for tiers")?;
            while let Some(row) = rows.next().context("reading subscriptions for tiers")? {
                let id: String = row.get(0).context("reading subscriptions for tiers")?;
                let first: String = row.get(1).context("reading subscriptions for tiers")?;
                let active: bool = row.get(2).context("reading subscriptions for tiers")?;
                let Some(i) = slot(&id) else { continue };
                let start = first
                    .get(..10)
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .ok_or_else(|| Error::Store {
                        path: path.to_path_buf(),
                        message: format!(
                            "account {id}: subscription start date '{first}' is not YYYY-MM-DD \
                             (run `cxcockpit check`)"
                        ),
                    })?;
                let f = &mut facts[i].1;
                f.active = active;
                f.tenure_months = whole_months(start, d_date);
            }
        }

        // MRR at the end of each month of the window.
        {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT account_id, period, mrr_end FROM account_month
                     WHERE period BETWEEN ?1 AND ?2 AND mrr_end IS NOT NULL{}",
                    filter(3)
                ))
                .context("reading monthly MRR for tiers")?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(with_only(vec![
                    first_month.to_string(),
                    period.to_string(),
                ])))
                .context("reading monthly MRR for tiers")?;
            while let Some(row) = rows.next().context("reading monthly MRR for tiers")? {
                let id: String = row.get(0).context("reading monthly MRR for tiers")?;
                let month: String = row.get(1).context("reading monthly MRR for tiers")?;
                let mrr: f64 = row.get(2).context("reading monthly MRR for tiers")?;
                let (Some(i), Ok(month)) = (slot(&id), month.parse::<Period>()) else {
                    continue;
                };
                if let Ok(k) = usize::try_from(first_month.months_until(month))
                    && k < window
                {
                    facts[i].1.monthly_mrr[k] = mrr;
                }
            }
        }

        // The three conditions: each query lists the accounts for which the condition holds
        // (an account may come more than once; DISTINCT would keep SQLite off the partial indexes).
        let conditions: [(&str, &str); 3] = [
            (
                "reading overdue invoices for tiers",
                "SELECT account_id FROM invoice
                 WHERE due_on < ?1 AND (paid_on IS NULL OR paid_on >= ?1)
                   AND (paid_on IS NULL OR paid_on > due_on) FILTER",
            ),
            (
                "reading open severe tickets for tiers",
                "SELECT account_id FROM ticket
                 WHERE severity IN ('high', 'critical') AND opened_at < ?1
                   AND (resolved_at IS NULL OR resolved_at >= ?1) FILTER",
            ),
            (
                "reading NPS answers for tiers",
                "SELECT account_id FROM (
                     SELECT account_id, unhappy,
                            row_number() OVER (PARTITION BY account_id
                                               ORDER BY answered_at DESC, response_id DESC) AS latest
                     FROM survey_answer WHERE survey = 'nps' AND answered_at < ?1 FILTER)
                 WHERE latest = 1 AND unhappy",
            ),
        ];
        for (which, (what, sql)) in conditions.iter().enumerate() {
            let mut stmt = conn.prepare(&sql.replace("FILTER", &filter(2))).context(what)?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(with_only(vec![d.clone()])))
                .context(what)?;
            while let Some(row) = rows.next().context(what)? {
                let id: String = row.get(0).context(what)?;
                let Some(i) = slot(&id) else { continue };
                let f = &mut facts[i].1;
                match which {
                    0 => f.has_overdue_invoice = true,
                    1 => f.has_open_severe_ticket = true,
                    _ => f.is_detractor = true,
                }
            }
        }
        Ok(facts)
    }
}

/// One account's facts at the end of a month with its evaluated tier then (`row`; none when the
/// account has no row) and the tier it held at the end of the month before (`held_before`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountTierFacts {
    pub account_id: String,
    pub facts: AccountFacts,
    pub row: TierRow,
    pub held_before: Option<String>,
}

/// A query's rows in account id order, read one row ahead so that several such queries can be
/// walked side by side (a merge join on the account id): nothing is held per account.
struct ById<'s, T> {
    rows: rusqlite::Rows<'s>,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<(String, T)>,
    what: &'static str,
    head: Option<(String, T)>,
}

impl<'s, T> ById<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<(String, T)>,
        what: &'static str,
    ) -> Result<Self> {
        let mut cursor = ById {
            rows,
            read,
            what,
            head: None,
        };
        cursor.advance()?;
        Ok(cursor)
    }

    fn advance(&mut self) -> Result<()> {
        self.head = match self.rows.next().context(self.what)? {
            Some(row) => Some((self.read)(row).context(self.what)?),
            None => None,
        };
        Ok(())
    }

    /// Each row of account `id`, in order; the rows of accounts before it (not in `account`)
    /// are skipped, as `tier_facts` skips them.
    fn each_of(&mut self, id: &str, mut f: impl FnMut(T)) -> Result<()> {
        while self.head.as_ref().is_some_and(|(h, _)| h.as_str() < id) {
            self.advance()?;
        }
        while self.head.as_ref().is_some_and(|(h, _)| h == id) {
            if let Some((_, value)) = self.head.take() {
                f(value);
            }
            self.advance()?;
        }
        Ok(())
    }
}

/// The first day of a subscription start (`YYYY-MM-DD...`), or the store error naming it.
fn start_day(path: &std::path::Path, id: &str, first: &str) -> Result<NaiveDate> {
    first
        .get(..10)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .ok_or_else(|| Error::Store {
            path: path.to_path_buf(),
            message: format!(
                "account {id}: subscription start date '{first}' is not YYYY-MM-DD \
                 (run `cxcockpit check`)"
            ),
        })
}

impl Store {
    /// `tier_facts` and `tier_rows` of every account at the end of `period`, handed to `f` one
    /// account at a time in account id order, for listings that must not hold every account:
    /// the same queries as `tier_facts_in`, each sorted by account id and walked side by side.
    /// `held_before` is read from `before` (none: no month before).
    pub fn tier_facts_each(
        &self,
        period: Period,
        before: Option<Period>,
        f: &mut dyn FnMut(AccountTierFacts) -> Result<()>,
    ) -> Result<()> {
        let conn = &self.conn;
        let d_date = period.next().first_day();
        let d = d_date.format("%Y-%m-%d").to_string();
        let window = longest_window(conn)?;
        let first_month = period.offset(1 - window as i32);
        // '' matches no month: without a month before, no account held a tier then.
        let before = before.map(|p| p.to_string()).unwrap_or_default();

        let what_accounts = "listing accounts for tiers";
        let mut accounts = conn
            .prepare(
                "SELECT a.account_id,
                        coalesce((SELECT h.hvc FROM account_month h
                                  WHERE h.account_id = a.account_id AND h.period = ?1), 0),
                        t.account_id IS NOT NULL, t.held_tier, t.eligible_tier, t.status, t.grace_until,
                        b.held_tier
                 FROM account a
                 LEFT JOIN account_tier t ON t.period = ?1 AND t.account_id = a.account_id
                 LEFT JOIN account_tier b ON b.period = ?2 AND b.account_id = a.account_id
                 ORDER BY a.account_id",
            )
            .context(what_accounts)?;
        let what_subs = "reading subscriptions for tiers";
        let mut subs = conn
            .prepare(
                "SELECT account_id, min(start_date),
                        max(start_date <= ?1 AND (end_date IS NULL OR end_date > ?1))
                 FROM subscription GROUP BY account_id ORDER BY account_id",
            )
            .context(what_subs)?;
        let what_mrr = "reading monthly MRR for tiers";
        let mut mrr = conn
            .prepare(
                "SELECT account_id, period, mrr_end FROM account_month
                 WHERE period BETWEEN ?1 AND ?2 AND mrr_end IS NOT NULL ORDER BY account_id",
            )
            .context(what_mrr)?;
        let what_overdue = "reading overdue invoices for tiers";
        let mut overdue = conn
            .prepare(
                "SELECT account_id FROM invoice
                 WHERE due_on < ?1 AND (paid_on IS NULL OR paid_on >= ?1)
                   AND (paid_on IS NULL OR paid_on > due_on) ORDER BY account_id",
            )
            .context(what_overdue)?;
        let what_severe = "reading open severe tickets for tiers";
        let mut severe = conn
            .prepare(
                "SELECT account_id FROM ticket
                 WHERE severity IN ('high', 'critical') AND opened_at < ?1
                   AND (resolved_at IS NULL OR resolved_at >= ?1) ORDER BY account_id",
            )
            .context(what_severe)?;
        let what_nps = "reading NPS answers for tiers";
        let mut detractor = conn
            .prepare(
                "SELECT account_id FROM (
                     SELECT account_id, unhappy,
                            row_number() OVER (PARTITION BY account_id
                                               ORDER BY answered_at DESC, response_id DESC) AS latest
                     FROM survey_answer WHERE survey = 'nps' AND answered_at < ?1)
                 WHERE latest = 1 AND unhappy ORDER BY account_id",
            )
            .context(what_nps)?;

        type Head = (bool, Option<TierRow>, Option<String>);
        let mut accounts: ById<'_, Head> = ById::new(
            accounts
                .query(rusqlite::params![period.to_string(), before])
                .context(what_accounts)?,
            |r| {
                let row = if r.get::<_, bool>(2)? {
                    let status: String = r.get(5)?;
                    Some(TierRow {
                        held: r.get(3)?,
                        eligible: r.get(4)?,
                        status: status.parse().unwrap_or(crate::domain::tiers::TierStatus::None),
                        grace_until: r.get(6)?,
                    })
                } else {
                    None
                };
                Ok((r.get(0)?, (r.get(1)?, row, r.get(7)?)))
            },
            what_accounts,
        )?;
        let mut subs: ById<'_, (String, bool)> = ById::new(
            subs.query([&d]).context(what_subs)?,
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))),
            what_subs,
        )?;
        let mut mrr: ById<'_, (String, f64)> = ById::new(
            mrr.query([first_month.to_string(), period.to_string()])
                .context(what_mrr)?,
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))),
            what_mrr,
        )?;
        let flag = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, ()));
        let mut overdue: ById<'_, ()> =
            ById::new(overdue.query([&d]).context(what_overdue)?, flag, what_overdue)?;
        let mut severe: ById<'_, ()> =
            ById::new(severe.query([&d]).context(what_severe)?, flag, what_severe)?;
        let mut detractor: ById<'_, ()> =
            ById::new(detractor.query([&d]).context(what_nps)?, flag, what_nps)?;

        while let Some((account_id, (hvc, row, held_before))) = accounts.head.take() {
            accounts.advance()?;
            let mut facts = AccountFacts {
                active: false,
                monthly_mrr: vec![0.0; window],
                tenure_months: 0,
                has_overdue_invoice: false,
                has_open_severe_ticket: false,
                is_detractor: false,
                is_hvc: hvc,
            };
            let mut first_start = None;
            subs.each_of(&account_id, |(first, active)| {
                first_start = Some(first);
                facts.active = active;
            })?;
            if let Some(first) = first_start {
                facts.tenure_months = whole_months(start_day(&self.path, &account_id, &first)?, d_date);
            }
            mrr.each_of(&account_id, |(month, value)| {
                if let Ok(month) = month.parse::<Period>()
                    && let Ok(k) = usize::try_from(first_month.months_until(month))
                    && k < window
                {
                    facts.monthly_mrr[k] = value;
                }
            })?;
            overdue.each_of(&account_id, |()| facts.has_overdue_invoice = true)?;
            severe.each_of(&account_id, |()| facts.has_open_severe_ticket = true)?;
            detractor.each_of(&account_id, |()| facts.is_detractor = true)?;
            f(AccountTierFacts {
                account_id,
                facts,
                row: row.unwrap_or(TierRow::NONE),
                held_before,
            })?;
        }
        Ok(())
    }

    /// The accounts holding each tier at the end of `period` (tier id, members), counting only
    /// the accounts of the `account` table when `known_accounts` (as `tier_facts` lists them).
    pub fn tier_members(&self, period: Period, known_accounts: bool) -> Result<HashMap<String, i64>> {
        let sql = if known_accounts {
            "SELECT t.held_tier, count(*) FROM account_tier t JOIN account a ON a.account_id = t.account_id
             WHERE t.period = ?1 AND t.held_tier IS NOT NULL GROUP BY t.held_tier"
        } else {
            "SELECT held_tier, count(*) FROM account_tier
             WHERE period = ?1 AND held_tier IS NOT NULL GROUP BY held_tier"
        };
        let mut stmt = self.conn.prepare_cached(sql).context("counting tier members")?;
        let rows = stmt
            .query_map([period.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("counting tier members")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("counting tier members")
    }
}

/// One account's evaluated tier at the end of a month (a row of `account_tier`).
#[derive(Debug, Clone, PartialEq)]
pub struct TierRow {
    pub held: Option<String>,
    pub eligible: Option<String>,
    pub status: crate::domain::tiers::TierStatus,
    pub grace_until: Option<String>,
}

impl TierRow {
    /// An account with no row: it holds no tier and qualifies for none.
    pub const NONE: TierRow = TierRow {
        held: None,
        eligible: None,
        status: crate::domain::tiers::TierStatus::None,
        grace_until: None,
    };
}

impl Store {
    /// Every account's evaluated tier at the end of `period`; accounts without a row hold none.
    pub fn tier_rows(&self, period: Period) -> Result<HashMap<String, TierRow>> {
        self.tier_rows_of(period, None)
    }

    /// `tier_rows` of every account, or of one (`only`), which reads only its row.
    pub fn tier_rows_of(&self, period: Period, only: Option<&str>) -> Result<HashMap<String, TierRow>> {
        // Two statements: one plan cannot both walk the month and look one account up.
        let mut stmt = self
            .conn
            .prepare_cached(match only {
                None => {
                    "SELECT account_id, held_tier, eligible_tier, status, grace_until FROM account_tier
                     WHERE period = ?1 AND ?2 IS NULL"
                }
                Some(_) => {
                    "SELECT account_id, held_tier, eligible_tier, status, grace_until FROM account_tier
                     WHERE period = ?1 AND account_id = ?2"
                }
            })
            .context("reading tiers")?;
        let rows = stmt
            .query_map(rusqlite::params![period.to_string(), only], |r| {
                let status: String = r.get(3)?;
                Ok((
                    r.get::<_, String>(0)?,
                    TierRow {
                        held: r.get(1)?,
                        eligible: r.get(2)?,
                        status: status.parse().unwrap_or(crate::domain::tiers::TierStatus::None),
                        grace_until: r.get(4)?,
                    },
                ))
            })
            .context("reading tiers")?;
        rows.collect::<rusqlite::Result<_>>().context("reading tiers")
    }
}

/// The longest window of the ladder in months (at least 1): how far back the MRR facts reach.
fn longest_window(conn: &rusqlite::Connection) -> Result<usize> {
    let window: i64 = conn
        .query_row("SELECT coalesce(max(window_months), 1) FROM tier", [], |r| {
            r.get(0)
        })
        .context("reading the tier windows")?;
    Ok(window.clamp(1, 1200) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tiers::eligible;

    const SMALL: &str = include_str!("../../fixtures/small.sql");

    fn small_store() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh_rollups().unwrap();
        store
    }

    fn june() -> Period {
        "2026-06".parse().unwrap()
    }

    fn facts_of(all: &[(String, AccountFacts)], id: &str) -> AccountFacts {
        all.iter().find(|(a, _)| a == id).unwrap().1.clone()
    }

    #[test]
    fn every_account_in_id_order_with_the_largest_window() {
        let all = small_store().tier_facts(june()).unwrap();
        let ids: Vec<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12"
            ]
        );
        // Platinum averages over 6 months, the largest window of the fixture's ladder.
        assert!(all.iter().all(|(_, f)| f.monthly_mrr.len() == 6));
    }

    #[test]
    fn facts_at_the_end_of_june_match_the_hand_computed_ones() {
        let all = small_store().tier_facts(june()).unwrap();
        // (id, active, MRR at the end of Jan..Jun, tenure, overdue, open severe, detractor, hvc)
        type Expected = (&'static str, bool, [f64; 6], i64, bool, bool, bool, bool);
        #[rustfmt::skip]
        let expected: [Expected; 12] = [
            ("A01", true, [0.0, 100.0, 100.0, 100.0, 100.0, 100.0], 4, false, false, false, false),
            ("A02", false, [200.0, 0.0, 0.0, 0.0, 0.0, 0.0], 12, false, false, false, false),
            ("A03", true, [700.0, 700.0, 700.0, 600.0, 600.0, 600.0], 17, false, true, false, false),
            ("A04", true, [500.0, 500.0, 750.0, 750.0, 750.0, 750.0], 22, false, false, false, true),
            ("A05", true, [400.0, 400.0, 250.0, 250.0, 250.0, 250.0], 17, false, false, false, false),
            ("A06", false, [200.0, 200.0, 0.0, 0.0, 0.0, 0.0], 11, false, false, true, false),
            ("A07", true, [0.0, 0.0, 120.0, 120.0, 120.0, 120.0], 16, false, false, false, false),
            ("A08", false, [0.0; 6], 0, false, false, false, false),
            ("A09", true, [1700.0; 6], 29, false, false, false, true),
            ("A10", true, [300.0; 6], 14, true, false, true, false),
            ("A11", true, [100.0; 6], 9, false, true, true, false),
            ("A12", true, [0.0, 0.0, 60.0, 60.0, 60.0, 60.0], 3, false, false, true, false),
        ];
        for (id, active, mrr, tenure, overdue, severe, detractor, hvc) in expected {
            let want = AccountFacts {
                active,
                monthly_mrr: mrr.to_vec(),
                tenure_months: tenure,
                has_overdue_invoice: overdue,
                has_open_severe_ticket: severe,
                is_detractor: detractor,
                is_hvc: hvc,
            };
            assert_eq!(facts_of(&all, id), want, "facts of {id}");
        }
    }

    #[test]
    fn boundaries_move_with_the_evaluated_month() {
        // At the end of March (d = 2026-04-01): A06's subscription ends on d, so it is no longer
        // active; A12's starts on d, so it is; A11's invoice was paid before its due date.
        let all = small_store().tier_facts("2026-03".parse().unwrap()).unwrap();
        assert!(!facts_of(&all, "A06").active);
        assert!(facts_of(&all, "A12").active);
        assert_eq!(facts_of(&all, "A12").tenure_months, 0);
        assert!(!facts_of(&all, "A11").has_overdue_invoice);
        // The window reaches back before the store's first month: the rollup keeps account
        // months that far back, so A09's 1700 since 2024 counts there too (not as 0).
        assert_eq!(facts_of(&all, "A09").monthly_mrr, [1700.0; 6]);
        // A04's latest answer before April is a passive 8 (the 2 of January is older).
        assert!(!facts_of(&all, "A04").is_detractor);
        // A10's 0 was given on 2026-04-01T00:00, which is not before d.
        assert!(!facts_of(&all, "A10").is_detractor);
        // A03's critical ticket is not opened yet at the end of March.
        assert!(!facts_of(&all, "A03").has_open_severe_ticket);
    }

    #[test]
    fn tiers_at_the_end_of_june() {
        let store = small_store();
        let tiers = store.tiers().unwrap();
        let got: Vec<(String, Option<String>)> = store
            .tier_facts(june())
            .unwrap()
            .into_iter()
            .map(|(id, f)| (id, eligible(&tiers, &f).map(|t| t.id.clone())))
            .collect();
        let want = [
            ("A01", Some("bronze")),
            ("A02", None),
            ("A03", Some("silver")),
            ("A04", Some("gold")),
            ("A05", Some("silver")),
            ("A06", None),
            ("A07", Some("bronze")),
            ("A08", None),
            ("A09", Some("platinum")),
            ("A10", Some("bronze")),
            ("A11", Some("bronze")),
            ("A12", Some("bronze")),
        ];
        let want: Vec<(String, Option<String>)> = want
            .iter()
            .map(|(id, t)| (id.to_string(), t.map(str::to_string)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn an_empty_store_has_no_facts_and_no_tiers_means_a_one_month_window() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.tier_facts(june()).unwrap().is_empty());
        store
            .conn()
            .execute_batch("INSERT INTO account (account_id) VALUES ('X');")
            .unwrap();
        let all = store.tier_facts(june()).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1.monthly_mrr, [0.0]);
        assert!(!all[0].1.active);
    }
}

/// The columns `tier_and_facts` reads: an account's tier row (`t`) and its watch list facts (`w`).
const TIER_AND_FACTS: &str = "coalesce(w.account_id, t.account_id), t.held_tier, t.eligible_tier, t.status,
    t.grace_until, w.active, w.monthly_mrr, w.tenure_months, w.overdue_invoice, w.open_severe_ticket,
    w.detractor, w.hvc";

/// An account's tier row and, when the watch list holds it, its facts (`TIER_AND_FACTS`).
fn tier_and_facts(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, TierRow, Option<AccountFacts>)> {
    let facts = match r.get::<_, Option<bool>>(5)? {
        None => None,
        Some(_) => Some(watched_facts(r, 5)?),
    };
    Ok((r.get(0)?, tier_row(r, 1)?, facts))
}

/// A tier row read from `held_tier, eligible_tier, status, grace_until` at `at`; NULLs (no row)
/// hold no tier.
fn tier_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<TierRow> {
    let status: Option<String> = r.get(at + 2)?;
    Ok(TierRow {
        held: r.get(at)?,
        eligible: r.get(at + 1)?,
        status: status
            .and_then(|s| s.parse().ok())
            .unwrap_or(crate::domain::tiers::TierStatus::None),
        grace_until: r.get(at + 3)?,
    })
}

/// A watch list row's facts read from `active, monthly_mrr, tenure_months, overdue_invoice,
/// open_severe_ticket, detractor, hvc` at `at`.
fn watched_facts(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<AccountFacts> {
    // Decoded in place: a copy of the bytes would be one more allocation per watched account.
    let mrr = r.get_ref(at + 1)?.as_blob()?;
    Ok(AccountFacts {
        active: r.get(at)?,
        monthly_mrr: super::tier_eval::mrr_from_bytes(mrr),
        tenure_months: r.get(at + 2)?,
        has_overdue_invoice: r.get(at + 3)?,
        has_open_severe_ticket: r.get(at + 4)?,
        is_detractor: r.get(at + 5)?,
        is_hvc: r.get(at + 6)?,
    })
}

/// One account of a month's tier watch list, as the tier evaluation stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub account_id: String,
    pub row: TierRow,
    pub facts: AccountFacts,
}

impl Store {
    /// The month's watch list (`tier_watch`, written by the tier evaluation): the accounts that
    /// moved up a tier, risk a downgrade or nearly reach the next tier, in account id order, each
    /// with its tier row and the facts its decision was made on. An indexed read of one month.
    pub fn tier_watch(&self, period: Period) -> Result<Vec<Watched>> {
        let what = "reading the tier watch list";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TIER_AND_FACTS} FROM tier_watch w
                 LEFT JOIN account_tier t ON t.period = w.period AND t.account_id = w.account_id
                 WHERE w.period = ?1 ORDER BY w.account_id"
            ))
            .context(what)?;
        let rows = stmt
            .query_map([period.to_string()], |r| {
                Ok(Watched {
                    account_id: r.get(0)?,
                    row: tier_row(r, 1)?,
                    // `active` is NOT NULL in the watch list, which drives this read.
                    facts: watched_facts(r, 5)?,
                })
            })
            .context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    /// The accounts upgraded, in grace or downgraded at the end of `period`, handed to `f` in
    /// account id order, each with its tier row and, when the month's watch list holds it, the
    /// facts its decision was made on (None: a downgrade, say). An indexed read of one month.
    pub fn notable_tiers_each(
        &self,
        period: Period,
        f: &mut dyn FnMut(String, TierRow, Option<AccountFacts>) -> Result<()>,
    ) -> Result<()> {
        let what = "reading the month's tier changes";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TIER_AND_FACTS} FROM account_tier t
                 LEFT JOIN tier_watch w ON w.period = t.period AND w.account_id = t.account_id
                 WHERE t.period = ?1 AND t.status IN ('upgrade', 'grace', 'downgrade')
                 ORDER BY t.account_id"
            ))
            .context(what)?;
        let mut rows = stmt.query([period.to_string()]).context(what)?;
        while let Some(r) = rows.next().context(what)? {
            let (account_id, row, facts) = tier_and_facts(r).context(what)?;
            f(account_id, row, facts)?;
        }
        Ok(())
    }

    /// Members of each tier at the end of `period` and the month's HVC accounts, as the tier
    /// evaluation counted them (`tier_month`, `hvc_month`).
    pub fn tier_month_counts(&self, period: Period) -> Result<(HashMap<String, i64>, i64)> {
        let what = "reading the tier members";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tier_id, members FROM tier_month WHERE period = ?1")
            .context(what)?;
        let members = stmt
            .query_map([period.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .context(what)?
            .collect::<rusqlite::Result<_>>()
            .context(what)?;
        let hvc = self
            .conn
            .query_row(
                "SELECT coalesce((SELECT accounts FROM hvc_month WHERE period = ?1), 0)",
                [period.to_string()],
                |r| r.get(0),
            )
            .context(what)?;
        Ok((members, hvc))
    }
}
