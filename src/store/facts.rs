//! The raw rows summed into the rollup's cells (journey, phase, month, HVC flag, company size):
//! each raw table read once, in its own order, with the account's journey, size and monthly HVC
//! flag looked up in memory. In SQL every row paid two B-tree descents on text keys (the account,
//! its month): 50 of the refresh's 60 s at 100,000 accounts. The sums are SQLite's own
//! compensated sums (`Total`), so the figures are those `sum()` gave.
//!
//! Fills `temp.am_cell` (the subscriptions' account months), `temp.ticket_cell` and, for surveys,
//! usage and invoices, `temp.cell` directly; `rollup.rs` creates the tables and goes on in SQL
//! from the cells.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use rusqlite::types::ValueRef;
use rusqlite::{Row, Transaction, params};

use crate::error::{Result, SqlContext};

use super::account_month::Total;

/// The facts of each pass (`temp.rollup_measure` holds the ones asked for).
const SUBSCRIPTION_FACTS: &[&str] = &[
    "logo_churn",
    "grr",
    "nrr",
    "expansion_rate",
    "arpu",
    "new_accounts",
    "tickets_per_100",
    "phase_churn",
];
const SURVEY_FACTS: &[&str] = &["nps", "csat", "ces"];
const TICKET_FACTS: &[&str] = &["first_response_hours", "resolution_hours", "tickets_per_100"];

/// Small strings (journeys, sizes, industries, months) stored once and named by number.
#[derive(Default)]
struct Names {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

struct Account {
    journey: Option<u32>,
    size: u32,
    industry: u32,
}

/// What a row needs to know of its account, in memory.
struct Accounts {
    by_id: HashMap<String, u32>,
    accounts: Vec<Account>,
    names: Names,
    /// (account, month) of every HVC account month from the first month on.
    hvc: HashSet<(u32, u32)>,
}

impl Accounts {
    fn load(tx: &Transaction<'_>) -> Result<Accounts> {
        let mut names = Names::default();
        let mut by_id = HashMap::new();
        let mut accounts = Vec::new();
        let mut stmt = tx
            .prepare("SELECT account_id, journey_id, company_size, industry FROM account")
            .context("reading accounts")?;
        let mut rows = stmt.query([]).context("reading accounts")?;
        while let Some(row) = rows.next().context("reading accounts")? {
            let id = text(row, 0)?.unwrap_or_default();
            let account = Account {
                journey: text(row, 1)?.map(|j| names.id(j)),
                size: names.id(text(row, 2)?.unwrap_or_default()),
                industry: names.id(text(row, 3)?.unwrap_or_default()),
            };
            by_id.insert(id.to_string(), accounts.len() as u32);
            accounts.push(account);
        }
        Ok(Accounts {
            by_id,
            accounts,
            names,
            hvc: HashSet::new(),
        })
    }

    fn get(&self, id: &str) -> Option<(u32, &Account)> {
        let &index = self.by_id.get(id)?;
        Some((index, &self.accounts[index as usize]))
    }

    fn is_hvc(&self, account: u32, month: u32) -> bool {
        self.hvc.contains(&(account, month))
    }
}

/// A raw row's text column (None: NULL or not text).
pub(super) fn text<'r>(row: &'r Row<'_>, i: usize) -> Result<Option<&'r str>> {
    Ok(match row.get_ref(i).context("reading raw rows")? {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    })
}

/// A raw row's number column (None: NULL or not a number).
pub(super) fn real(row: &Row<'_>, i: usize) -> Result<Option<f64>> {
    Ok(match row.get_ref(i).context("reading raw rows")? {
        ValueRef::Real(x) => Some(x),
        ValueRef::Integer(n) => Some(n as f64),
        _ => None,
    })
}

/// `substr(date, 1, 7)`.
fn month_of(date: &str) -> &str {
    match date.char_indices().nth(7) {
        Some((end, _)) => &date[..end],
        None => date,
    }
}

/// A cell's key: journey, phase (None: the whole journey), month, HVC, company size.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct CellKey {
    journey: u32,
    phase: Option<i64>,
    month: u32,
    hvc: bool,
    size: u32,
}

/// The subscriptions' sums per journey (None too: churn counts every account), month, HVC,
/// size and industry, as `temp.am_cell` holds them.
#[derive(Default)]
struct MonthSums {
    n_start: i64,
    churned: i64,
    start_mrr: Total,
    kept_mrr: Total,
    end_mrr: Total,
    grew: i64,
    n_end: i64,
    new: i64,
    churned_mrr: Total,
    contraction_mrr: Total,
    expansion_mrr: Total,
}

impl MonthSums {
    fn add(&mut self, start: Option<f64>, end: Option<f64>, first_month: bool) {
        if let Some(start) = start {
            self.n_start += 1;
            self.start_mrr.add(start);
            let end_or_zero = end.unwrap_or(0.0);
            self.kept_mrr.add(end_or_zero.min(start));
            self.end_mrr.add(end_or_zero);
            match end {
                None => {
                    self.churned += 1;
                    self.churned_mrr.add(start);
                }
                Some(end) if end < start => self.contraction_mrr.add(start - end),
                Some(end) if end > start => {
                    self.grew += 1;
                    self.expansion_mrr.add(end - start);
                }
                Some(_) => {}
            }
        }
        if end.is_some() {
            self.n_end += 1;
            self.new += i64::from(first_month);
        }
    }
}

#[derive(Default)]
struct TicketSums {
    tickets: i64,
    response_days: Total,
    responded: i64,
    resolution_days: Total,
    resolved: i64,
}

#[derive(Default)]
struct SurveySums {
    n: i64,
    happy: i64,
    unhappy: i64,
    score: i64,
    score_sq: Total,
}

#[derive(Default)]
struct MeanSums {
    sum: Total,
    n: i64,
}

/// A journey's survey scale: the unhappy and the happy ranges.
struct Scale {
    unhappy: (i64, i64),
    happy: (i64, i64),
}

/// Computes the cells of the months from `first` on (YYYY-MM). `full`: every month, read in
/// each table's own order; otherwise the month index narrows the reads.
pub(super) fn fill(tx: &Transaction<'_>, first: &str, full: bool) -> Result<()> {
    let wanted: HashSet<String> = {
        let mut stmt = tx
            .prepare("SELECT measure FROM temp.rollup_measure")
            .context("reading the facts asked for")?;
        stmt.query_map([], |r| r.get(0))
            .context("reading the facts asked for")?
            .collect::<rusqlite::Result<_>>()
            .context("reading the facts asked for")?
    };
    let wants = |facts: &[&str]| facts.iter().any(|f| wanted.contains(*f));
    let any_wanted = wants(SUBSCRIPTION_FACTS)
        || wants(SURVEY_FACTS)
        || wants(TICKET_FACTS)
        || wants(&["downtime_hours", "on_time_payment"]);
    if !any_wanted {
        return Ok(());
    }
    let mut accounts = Accounts::load(tx)?;
    let first_day = format!("{first}-01");
    account_months(tx, &mut accounts, first, full, wants(SUBSCRIPTION_FACTS))?;
    if wants(SURVEY_FACTS) {
        surveys(tx, &mut accounts, &first_day, full)?;
    }
    if wants(TICKET_FACTS) {
        tickets(tx, &mut accounts, &first_day, full)?;
    }
    if wanted.contains("downtime_hours") {
        usage(tx, &mut accounts, first, full)?;
    }
    if wanted.contains("on_time_payment") {
        invoices(tx, &mut accounts, &first_day, full)?;
    }
    Ok(())
}

/// `WHERE column >= ?1` that the planner may answer from an index, or, reading every month, that
/// it must not: a scan in the table's order beats an index walk with a lookup per row.
fn from_clause(column: &str, full: bool) -> String {
    if full {
        format!("+{column} >= ?1")
    } else {
        format!("{column} >= ?1")
    }
}

/// Reads the account months from `first` on: the HVC flags for every other pass and, when the
/// subscription facts are asked for, their sums into `temp.am_cell`.
fn account_months(
    tx: &Transaction<'_>,
    accounts: &mut Accounts,
    first: &str,
    full: bool,
    sums_wanted: bool,
) -> Result<()> {
    // Each account's first month with a subscription: its "new" month.
    let mut first_month: HashMap<u32, u32> = HashMap::new();
    if sums_wanted {
        let mut stmt = tx
            .prepare("SELECT account_id, substr(min(start_date), 1, 7) FROM subscription GROUP BY account_id")
            .context("reading first subscriptions")?;
        let mut rows = stmt.query([]).context("reading first subscriptions")?;
        while let Some(row) = rows.next().context("reading first subscriptions")? {
            let (Some(id), Some(month)) = (text(row, 0)?, text(row, 1)?) else {
                continue;
            };
            if let Some((index, _)) = accounts.get(id) {
                let month = accounts.names.id(month);
                first_month.insert(index, month);
            }
        }
    }
    let sql = format!(
        "SELECT account_id, period, mrr_start, mrr_end, hvc FROM account_month WHERE {}",
        from_clause("period", full)
    );
    let mut stmt = tx.prepare(&sql).context("reading account months")?;
    let mut rows = stmt.query([first]).context("reading account months")?;
    let mut sums: HashMap<(Option<u32>, u32, bool, u32, u32), MonthSums> = HashMap::new();
    let mut current: Option<(String, Option<u32>)> = None;
    while let Some(row) = rows.next().context("reading account months")? {
        let (Some(id), Some(period)) = (text(row, 0)?, text(row, 1)?) else {
            continue;
        };
        // Rows come by account: look each account up once.
        if current.as_ref().is_none_or(|(last, _)| last != id) {
            current = Some((id.to_string(), accounts.get(id).map(|(index, _)| index)));
        }
        let Some(index) = current.as_ref().and_then(|(_, index)| *index) else {
            continue;
        };
        let month = accounts.names.id(period);
        let hvc = row.get::<_, i64>(4).context("reading account months")? != 0;
        if hvc {
            accounts.hvc.insert((index, month));
        }
        if !sums_wanted {
            continue;
        }
        let Some(&started) = first_month.get(&index) else {
            continue;
        };
        let account = &accounts.accounts[index as usize];
        sums.entry((account.journey, month, hvc, account.size, account.industry))
            .or_default()
            .add(real(row, 2)?, real(row, 3)?, month == started);
    }
    let mut insert = tx
        .prepare(
            "INSERT INTO temp.am_cell (journey_id, period, hvc, size, industry, n_start, churned, start_mrr,
                 kept_mrr, end_mrr, grew, n_end, new, churned_mrr, contraction_mrr, expansion_mrr)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .context("writing account-month cells")?;
    let names = &accounts.names;
    for ((journey, month, hvc, size, industry), s) in sorted(sums) {
        insert
            .execute(params![
                journey.map(|j| names.name(j)),
                names.name(month),
                hvc,
                names.name(size),
                names.name(industry),
                s.n_start,
                s.churned,
                s.start_mrr.value(),
                s.kept_mrr.value(),
                s.end_mrr.value(),
                s.grew,
                s.n_end,
                s.new,
                s.churned_mrr.value().unwrap_or(0.0),
                s.contraction_mrr.value().unwrap_or(0.0),
                s.expansion_mrr.value().unwrap_or(0.0),
            ])
            .context("writing account-month cells")?;
    }
    Ok(())
}

/// The survey answers per phase on the scale of the account's journey.
fn surveys(tx: &Transaction<'_>, accounts: &mut Accounts, first_day: &str, full: bool) -> Result<()> {
    let mut scales: HashMap<(u32, String), Scale> = HashMap::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT journey_id, survey, unhappy_from, unhappy_to, happy_from, happy_to
                 FROM survey_scale_in_force WHERE journey_id IS NOT NULL",
            )
            .context("reading survey scales")?;
        let mut rows = stmt.query([]).context("reading survey scales")?;
        while let Some(row) = rows.next().context("reading survey scales")? {
            let (Some(journey), Some(survey)) = (text(row, 0)?, text(row, 1)?) else {
                continue;
            };
            let bound = |i| row.get::<_, i64>(i).context("reading survey scales");
            let journey = accounts.names.id(journey);
            scales.insert(
                (journey, survey.to_string()),
                Scale {
                    unhappy: (bound(2)?, bound(3)?),
                    happy: (bound(4)?, bound(5)?),
                },
            );
        }
    }
    let sql = format!(
        "SELECT account_id, phase_id, answered_at, survey, score FROM survey_response
         WHERE phase_id IS NOT NULL AND {}",
        from_clause("answered_at", full)
    );
    let mut stmt = tx.prepare(&sql).context("reading survey answers")?;
    let mut rows = stmt.query([first_day]).context("reading survey answers")?;
    let mut sums: HashMap<(CellKey, String), SurveySums> = HashMap::new();
    while let Some(row) = rows.next().context("reading survey answers")? {
        let (Some(id), Some(answered), Some(survey)) = (text(row, 0)?, text(row, 2)?, text(row, 3)?) else {
            continue;
        };
        let phase: i64 = row.get(1).context("reading survey answers")?;
        let score: i64 = row.get(4).context("reading survey answers")?;
        let Some(key) = cell_of(accounts, id, Some(phase), month_of(answered)) else {
            continue;
        };
        let Some(scale) = scales.get(&(key.journey, survey.to_string())) else {
            continue;
        };
        let between = |(from, to): (i64, i64)| i64::from(from <= score && score <= to);
        let cell = sums.entry((key, survey.to_string())).or_default();
        cell.n += 1;
        cell.happy += between(scale.happy);
        cell.unhappy += between(scale.unhappy);
        cell.score += score;
        cell.score_sq.add(score as f64 * score as f64);
    }
    let mut insert = insert_cell(tx)?;
    for ((key, survey), s) in sorted(sums) {
        // NPS: % happy minus % unhappy; CSAT: % happy; CES: the mean. sq: each answer's
        // contribution squared, summed (its variance).
        let (num, sq) = match survey.as_str() {
            "nps" => (
                100.0 * (s.happy - s.unhappy) as f64,
                Some(10000.0 * (s.happy + s.unhappy) as f64),
            ),
            "csat" => (100.0 * s.happy as f64, Some(10000.0 * s.happy as f64)),
            _ => (s.score as f64, s.score_sq.value()),
        };
        write_cell(
            &mut insert,
            &accounts.names,
            key,
            &survey,
            Some(num),
            Some(s.n as f64),
            s.n,
            sq,
        )?;
    }
    Ok(())
}

/// Tickets per phase and month opened, into `temp.ticket_cell`.
fn tickets(tx: &Transaction<'_>, accounts: &mut Accounts, first_day: &str, full: bool) -> Result<()> {
    let sql = format!(
        "SELECT account_id, phase_id, opened_at,
                julianday(first_response_at) - julianday(opened_at), first_response_at IS NOT NULL,
                julianday(resolved_at) - julianday(opened_at), resolved_at IS NOT NULL
         FROM ticket WHERE phase_id IS NOT NULL AND {}",
        from_clause("opened_at", full)
    );
    let mut stmt = tx.prepare(&sql).context("reading tickets")?;
    let mut rows = stmt.query([first_day]).context("reading tickets")?;
    let mut sums: HashMap<CellKey, TicketSums> = HashMap::new();
    while let Some(row) = rows.next().context("reading tickets")? {
        let (Some(id), Some(opened)) = (text(row, 0)?, text(row, 2)?) else {
            continue;
        };
        let phase: i64 = row.get(1).context("reading tickets")?;
        let Some(key) = cell_of(accounts, id, Some(phase), month_of(opened)) else {
            continue;
        };
        let cell = sums.entry(key).or_default();
        cell.tickets += 1;
        if let Some(days) = real(row, 3)? {
            cell.response_days.add(days);
        }
        cell.responded += row.get::<_, i64>(4).context("reading tickets")?;
        if let Some(days) = real(row, 5)? {
            cell.resolution_days.add(days);
        }
        cell.resolved += row.get::<_, i64>(6).context("reading tickets")?;
    }
    let mut insert = tx
        .prepare(
            "INSERT INTO temp.ticket_cell (journey_id, phase_id, period, hvc, size, tickets, response_hours,
                 responded, resolution_hours, resolved) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .context("writing ticket cells")?;
    let names = &accounts.names;
    for (key, s) in sorted(sums) {
        insert
            .execute(params![
                names.name(key.journey),
                key.phase,
                names.name(key.month),
                key.hvc,
                names.name(key.size),
                s.tickets,
                s.response_days.value().map(|d| 24.0 * d),
                s.responded,
                s.resolution_days.value().map(|d| 24.0 * d),
                s.resolved,
            ])
            .context("writing ticket cells")?;
    }
    Ok(())
}

/// Mean downtime hours per account reporting usage that month.
fn usage(tx: &Transaction<'_>, accounts: &mut Accounts, first: &str, full: bool) -> Result<()> {
    let sql = format!(
        "SELECT account_id, period, downtime_hours FROM usage_month WHERE {}",
        from_clause("period", full)
    );
    journey_means(tx, accounts, &sql, first, "downtime_hours", 1.0)
}

/// Billing: % of the invoices due in the month that were paid by their due date.
fn invoices(tx: &Transaction<'_>, accounts: &mut Accounts, first_day: &str, full: bool) -> Result<()> {
    let sql = format!(
        "SELECT account_id, substr(due_on, 1, 7), coalesce(paid_on <= due_on, 0) FROM invoice WHERE {}",
        from_clause("due_on", full)
    );
    journey_means(tx, accounts, &sql, first_day, "on_time_payment", 100.0)
}

/// A whole-journey fact from rows of (account, month, value): `scale` x the sum of the values
/// over their count, per cell.
fn journey_means(
    tx: &Transaction<'_>,
    accounts: &mut Accounts,
    sql: &str,
    from: &str,
    measure: &str,
    scale: f64,
) -> Result<()> {
    let what = "reading raw rows";
    let mut stmt = tx.prepare(sql).context(what)?;
    let mut rows = stmt.query([from]).context(what)?;
    let mut sums: HashMap<CellKey, MeanSums> = HashMap::new();
    while let Some(row) = rows.next().context(what)? {
        let (Some(id), Some(month)) = (text(row, 0)?, text(row, 1)?) else {
            continue;
        };
        let Some(key) = cell_of(accounts, id, None, month) else {
            continue;
        };
        let cell = sums.entry(key).or_default();
        cell.n += 1;
        if let Some(value) = real(row, 2)? {
            cell.sum.add(value);
        }
    }
    let mut insert = insert_cell(tx)?;
    for (key, s) in sorted(sums) {
        let num = s.sum.value().map(|sum| scale * sum);
        write_cell(
            &mut insert,
            &accounts.names,
            key,
            measure,
            num,
            Some(s.n as f64),
            s.n,
            None,
        )?;
    }
    Ok(())
}

/// The cell of an account's month, in a phase or (None) the whole journey; None for an unknown
/// account or one without a journey.
fn cell_of(accounts: &mut Accounts, id: &str, phase: Option<i64>, period: &str) -> Option<CellKey> {
    let (index, account) = accounts.get(id)?;
    let (journey, size) = (account.journey?, account.size);
    let month = accounts.names.id(period);
    Some(CellKey {
        journey,
        phase,
        month,
        hvc: accounts.is_hvc(index, month),
        size,
    })
}

fn insert_cell<'t>(tx: &'t Transaction<'_>) -> Result<rusqlite::Statement<'t>> {
    tx.prepare(
        "INSERT INTO temp.cell (journey_id, phase_id, period, hvc, size, measure, num, den, n, sq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .context("writing cells")
}

#[allow(clippy::too_many_arguments)]
fn write_cell(
    insert: &mut rusqlite::Statement<'_>,
    names: &Names,
    key: CellKey,
    measure: &str,
    num: Option<f64>,
    den: Option<f64>,
    n: i64,
    sq: Option<f64>,
) -> Result<()> {
    insert
        .execute(params![
            names.name(key.journey),
            key.phase,
            names.name(key.month),
            key.hvc,
            names.name(key.size),
            measure,
            num,
            den,
            n,
            sq,
        ])
        .context("writing cells")?;
    Ok(())
}

/// The cells in key order, so the tables fill the same way every run.
fn sorted<K: Ord + Eq + Hash, V>(sums: HashMap<K, V>) -> Vec<(K, V)> {
    let mut cells: Vec<(K, V)> = sums.into_iter().collect();
    cells.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    cells
}
