//! What the churn pane reads of a month, computed with the tier evaluation so that showing a
//! month is a read of a few hundred rows, never a scan of every account's months: the churned
//! accounts (`churned_account`), churn by loyalty tier (`churn_tier_month`) and the cohorts
//! (`cohort_size`, `cohort_month`).
//!
//! The tier evaluation walks every account's months anyway, with the MRR at both ends and the
//! tier held before each month: `ChurnTally` gathers the figures on that walk, at no extra read.
//! An evaluation of a few accounts only (a day's answers or tickets) cannot sum every account:
//! it recomputes churn by tier of its months from the rows (`CHURN_TIER_CELLS_SQL`), and its
//! changes never move the cohorts (they rest on subscriptions alone). `store::churn` reads one
//! month from here and longer windows from the raw rows; a test holds all of them equal.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use crate::domain::Period;
use crate::error::{Result, SqlContext};

use super::pending::Accounts;

/// What an account's churn figures are grouped by besides its month, HVC flag and tier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Profile {
    pub journey_id: Option<String>,
    pub company_size: String,
    pub industry: String,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n_start: i64,
    n_churned: i64,
    start_mrr: f64,
    churned_mrr: f64,
    contraction_mrr: f64,
    expansion_mrr: f64,
}

/// A cell of churn by tier: the month (index from the walk's first), the account's profile
/// (index into `ChurnTally::profiles`), its HVC flag that month and the tier held before it.
type CellKey = (u32, u32, bool, Option<usize>);

/// The churn figures gathered on the tier evaluation's walk of the months `first` on.
pub(crate) struct ChurnTally {
    first: Period,
    profiles: Vec<Profile>,
    profile_index: HashMap<Profile, u32>,
    cells: HashMap<CellKey, Sums>,
    /// (month index, account, MRR lost) of each account churned in a month.
    churned: Vec<(u32, String, f64)>,
    cohort_sizes: HashMap<Period, i64>,
    /// (cohort, month index) -> accounts of the cohort active at the end of the month.
    cohort_active: HashMap<(Period, u32), i64>,
}

impl ChurnTally {
    pub fn new(first: Period) -> ChurnTally {
        ChurnTally {
            first,
            profiles: Vec::new(),
            profile_index: HashMap::new(),
            cells: HashMap::new(),
            churned: Vec::new(),
            cohort_sizes: HashMap::new(),
            cohort_active: HashMap::new(),
        }
    }

    /// The index of an account's profile, for `month`.
    pub fn profile(&mut self, profile: Profile) -> u32 {
        if let Some(&i) = self.profile_index.get(&profile) {
            return i;
        }
        let i = self.profiles.len() as u32;
        self.profiles.push(profile.clone());
        self.profile_index.insert(profile, i);
        i
    }

    /// An account's cohort (the month its first subscription started), once per account.
    pub fn cohort(&mut self, cohort: Period) {
        *self.cohort_sizes.entry(cohort).or_default() += 1;
    }

    /// One account's month `k` (from the walk's first): its MRR at the start and end, its HVC
    /// flag then and the tier (ladder index) it held at the end of the month before.
    #[allow(clippy::too_many_arguments)]
    pub fn month(
        &mut self,
        k: usize,
        account: &str,
        profile: u32,
        hvc: bool,
        tier_before: Option<usize>,
        cohort: Option<Period>,
        mrr_start: Option<f64>,
        mrr_end: Option<f64>,
    ) {
        let k = k as u32;
        if let (Some(cohort), Some(_)) = (cohort, mrr_end)
            && cohort <= self.first.offset(k as i32)
        {
            *self.cohort_active.entry((cohort, k)).or_default() += 1;
        }
        let Some(start) = mrr_start else {
            return;
        };
        let sums = self.cells.entry((k, profile, hvc, tier_before)).or_default();
        sums.n_start += 1;
        sums.start_mrr += start;
        match mrr_end {
            None => {
                sums.n_churned += 1;
                sums.churned_mrr += start;
                self.churned.push((k, account.to_string(), start));
            }
            Some(end) if end < start => sums.contraction_mrr += start - end,
            Some(end) if end > start => sums.expansion_mrr += end - start,
            Some(_) => {}
        }
    }

    /// Writes what was gathered over the months from the walk's first on, replacing those
    /// months' rows: the churned accounts of `accounts`; churn by tier and the cohorts from the
    /// tally when it saw every account, else churn by tier from the rows.
    pub fn write(
        self,
        tx: &Transaction<'_>,
        floor: &str,
        last: Period,
        ladder_ids: &[String],
        accounts: Accounts,
    ) -> Result<()> {
        write_churned(
            tx,
            floor,
            accounts,
            self.churned
                .iter()
                .map(|(k, id, mrr)| (self.first.offset(*k as i32), id.as_str(), *mrr)),
        )?;
        match accounts {
            Accounts::All => {
                start_tier_cells(tx)?;
                let mut insert = tx
                    .prepare(
                        "INSERT INTO temp.churn_tier_cell VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )
                    .context("computing churn by tier")?;
                for ((k, profile, hvc, tier), s) in &self.cells {
                    let p = &self.profiles[*profile as usize];
                    let tier = tier
                        .and_then(|i| ladder_ids.get(i))
                        .map_or("none", String::as_str);
                    insert
                        .execute(params![
                            self.first.offset(*k as i32).to_string(),
                            p.journey_id,
                            hvc,
                            p.company_size,
                            p.industry,
                            tier,
                            s.n_start,
                            s.n_churned,
                            s.start_mrr,
                            s.churned_mrr,
                            s.contraction_mrr,
                            s.expansion_mrr
                        ])
                        .context("computing churn by tier")?;
                }
                finish_tier_cells(tx, floor)?;
                write_cohorts(tx, floor, self.first, &self.cohort_sizes, &self.cohort_active)
            }
            // A month's churn by tier rests on its account months, which only subscriptions
            // move (never a refresh of some accounts), and on the tiers held the month before:
            // the months after the walk's first are all that can change (none, after a day's
            // answers for the last month: 0.4 s of that import at 100,000 accounts).
            Accounts::Touched => match self.first.next() {
                after if after <= last => refresh_churn_by_tier(tx, &after.to_string(), after, last),
                _ => Ok(()),
            },
        }
    }
}

/// The churned accounts of the months from `floor` on, replacing those of `accounts`, each with
/// the day its last subscription ended by the next month's first day (a later return does not
/// move it), its first start and the month's churn event that explains it (the last).
fn write_churned<'a>(
    tx: &Transaction<'_>,
    floor: &str,
    accounts: Accounts,
    churned: impl Iterator<Item = (Period, &'a str, f64)>,
) -> Result<()> {
    let what = "listing churned accounts";
    accounts.clear(tx, "churned_account", floor).context(what)?;
    let mut insert = tx
        .prepare(
            "INSERT INTO churned_account (period, account_id, mrr_lost, churned_on, first_start, event_on)
             VALUES (?1, ?2, ?3,
                 (SELECT max(x.end_date) FROM subscription x WHERE x.account_id = ?2 AND x.end_date <= ?5),
                 (SELECT min(x.start_date) FROM subscription x WHERE x.account_id = ?2),
                 (SELECT max(c.churned_on) FROM churn_event c
                  WHERE c.account_id = ?2 AND c.churned_on > ?4 AND c.churned_on <= ?5))",
        )
        .context(what)?;
    for (period, account, mrr) in churned {
        insert
            .execute(params![
                period.to_string(),
                account,
                mrr,
                period.first_day().to_string(),
                period.next().first_day().to_string()
            ])
            .context(what)?;
    }
    Ok(())
}

fn write_cohorts(
    tx: &Transaction<'_>,
    floor: &str,
    first: Period,
    sizes: &HashMap<Period, i64>,
    active: &HashMap<(Period, u32), i64>,
) -> Result<()> {
    let what = "counting cohorts";
    tx.execute("DELETE FROM cohort_size WHERE cohort >= ?1", [floor])
        .and_then(|_| tx.execute("DELETE FROM cohort_month WHERE period >= ?1", [floor]))
        .context(what)?;
    let mut insert = tx
        .prepare("INSERT INTO cohort_size (cohort, accounts) VALUES (?1, ?2)")
        .context(what)?;
    for (cohort, n) in sizes {
        if *cohort >= first {
            insert.execute(params![cohort.to_string(), n]).context(what)?;
        }
    }
    let mut insert = tx
        .prepare("INSERT INTO cohort_month (cohort, period, active) VALUES (?1, ?2, ?3)")
        .context(what)?;
    for ((cohort, k), n) in active {
        insert
            .execute(params![
                cohort.to_string(),
                first.offset(*k as i32).to_string(),
                n
            ])
            .context(what)?;
    }
    Ok(())
}

/// The cells of churn by tier, before they are summed into segments (`finish_tier_cells`).
fn start_tier_cells(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.churn_tier_cell;
         CREATE TEMP TABLE churn_tier_cell (period TEXT, journey_id TEXT, hvc INTEGER, size TEXT, industry TEXT,
             tier TEXT, n_start INTEGER, n_churned INTEGER, start_mrr REAL, churned_mrr REAL,
             contraction_mrr REAL, expansion_mrr REAL);",
    )
    .context("computing churn by tier")
}

/// Churn by tier of the months from ?1 to ?2 from the rows: each account active at a month's
/// start, by the tier held at the end of the month before (`account_tier`).
const CHURN_TIER_CELLS_SQL: &str = "
INSERT INTO temp.churn_tier_cell
SELECT s.period, a.journey_id, s.hvc, a.company_size, a.industry, coalesce(t.held_tier, 'none') AS tier,
       count(*), sum(s.mrr_end IS NULL), sum(s.mrr_start),
       coalesce(sum(CASE WHEN s.mrr_end IS NULL THEN s.mrr_start END), 0),
       coalesce(sum(CASE WHEN s.mrr_end < s.mrr_start THEN s.mrr_start - s.mrr_end END), 0),
       coalesce(sum(CASE WHEN s.mrr_end > s.mrr_start THEN s.mrr_end - s.mrr_start END), 0)
FROM account_month s JOIN account a ON a.account_id = s.account_id
LEFT JOIN account_tier t
  ON t.period = strftime('%Y-%m', s.period || '-01', '-1 month') AND t.account_id = s.account_id
WHERE s.period BETWEEN ?1 AND ?2 AND s.mrr_start IS NOT NULL
GROUP BY s.period, a.journey_id, s.hvc, a.company_size, a.industry, tier";

/// The cells summed into the segments of `churn_month`, for every journey together ('') and
/// each alone, replacing the rows from ?1 on. Sums are kept to a millionth: cells summed in
/// another order (the rows' or the walk's) give the same figures.
const CHURN_TIER_SEGMENTS_SQL: &str = "
INSERT INTO churn_tier_month (period, journey_id, segment, tier, n_start, n_churned, start_mrr,
                              churned_mrr, contraction_mrr, expansion_mrr)
WITH seg AS (
    SELECT c.*, 'all' AS segment FROM temp.churn_tier_cell c
    UNION ALL SELECT c.*, CASE c.hvc WHEN 1 THEN 'hvc' ELSE 'regular' END FROM temp.churn_tier_cell c
    UNION ALL SELECT c.*, 'size:' || c.size FROM temp.churn_tier_cell c WHERE c.size <> 'unknown'
    UNION ALL SELECT c.*, 'industry:' || c.industry FROM temp.churn_tier_cell c WHERE c.industry <> ''
    UNION ALL SELECT c.*, 'journey:' || c.journey_id FROM temp.churn_tier_cell c WHERE c.journey_id IS NOT NULL
),
scoped AS (
    SELECT seg.*, '' AS scope FROM seg
    UNION ALL SELECT seg.*, seg.journey_id FROM seg WHERE seg.journey_id IS NOT NULL
)
SELECT period, scope, segment, tier, sum(n_start), sum(n_churned), round(sum(start_mrr), 6),
       round(sum(churned_mrr), 6), round(sum(contraction_mrr), 6), round(sum(expansion_mrr), 6)
FROM scoped GROUP BY period, scope, segment, tier";

fn finish_tier_cells(tx: &Transaction<'_>, floor: &str) -> Result<()> {
    tx.execute("DELETE FROM churn_tier_month WHERE period >= ?1", [floor])
        .and_then(|_| tx.execute(CHURN_TIER_SEGMENTS_SQL, []))
        .and_then(|_| tx.execute_batch("DROP TABLE temp.churn_tier_cell"))
        .context("computing churn by tier")?;
    Ok(())
}

/// Churn by tier of the months `first` to `last` from the rows, replacing those from `floor` on.
fn refresh_churn_by_tier(tx: &Transaction<'_>, floor: &str, first: Period, last: Period) -> Result<()> {
    start_tier_cells(tx)?;
    tx.execute(CHURN_TIER_CELLS_SQL, [first.to_string(), last.to_string()])
        .context("computing churn by tier")?;
    finish_tier_cells(tx, floor)
}

/// Every churn table of the months `first` to `last` from the rows, when no walk gathered them
/// (a store without a loyalty ladder).
pub(crate) fn refresh_from_rows(
    tx: &Transaction<'_>,
    floor: &str,
    first: Period,
    last: Period,
) -> Result<()> {
    let what = "listing churned accounts";
    let mut churned: Vec<(Period, String, f64)> = Vec::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT period, account_id, mrr_start FROM account_month
                 WHERE period BETWEEN ?1 AND ?2 AND mrr_start IS NOT NULL AND mrr_end IS NULL",
            )
            .context(what)?;
        let mut rows = stmt.query([first.to_string(), last.to_string()]).context(what)?;
        while let Some(r) = rows.next().context(what)? {
            let period: String = r.get(0).context(what)?;
            if let Ok(period) = period.parse::<Period>() {
                churned.push((period, r.get(1).context(what)?, r.get(2).context(what)?));
            }
        }
    }
    write_churned(
        tx,
        floor,
        Accounts::All,
        churned.iter().map(|(p, id, mrr)| (*p, id.as_str(), *mrr)),
    )?;
    refresh_churn_by_tier(tx, floor, first, last)?;
    tx.execute_batch(&format!(
        "DELETE FROM cohort_size WHERE cohort >= '{floor}';
         DELETE FROM cohort_month WHERE period >= '{floor}';
         DROP TABLE IF EXISTS temp.cohort_of;
         CREATE TEMP TABLE cohort_of (account_id TEXT PRIMARY KEY, cohort TEXT) WITHOUT ROWID;
         INSERT INTO temp.cohort_of
         SELECT account_id, substr(min(start_date), 1, 7) FROM subscription GROUP BY account_id;
         INSERT INTO cohort_size (cohort, accounts)
         SELECT cohort, count(*) FROM temp.cohort_of WHERE cohort >= '{first}' GROUP BY cohort;
         INSERT INTO cohort_month (cohort, period, active)
         SELECT f.cohort, am.period, count(*)
         FROM account_month am JOIN temp.cohort_of f ON f.account_id = am.account_id
         WHERE am.mrr_end IS NOT NULL AND am.period >= f.cohort AND am.period BETWEEN '{first}' AND '{last}'
         GROUP BY f.cohort, am.period;
         DROP TABLE temp.cohort_of;"
    ))
    .context("counting cohorts")
}

/// Whether `segment` has rows of its own in `churn_month` and `churn_tier_month` (the tier
/// segments, an unknown size and an empty industry are computed from the raw rows).
pub(crate) fn is_precomputed_segment(segment: &str) -> bool {
    match segment.split_once(':') {
        None => ["all", "hvc", "regular"].contains(&segment),
        Some(("size", size)) => size != "unknown" && !size.is_empty(),
        Some(("industry" | "journey", value)) => !value.is_empty(),
        Some(_) => false,
    }
}
