//! Each account's ticket times and survey scores by phase and month, read once from each table,
//! summed in memory as SQLite's avg() sums them and classified against every indicator with a
//! target: for the triage's red indicators (over the trailing window of months that ends at each
//! month it evaluates, into `temp.triage_red`) and for the indicator outcomes (month by month, as
//! observations `indicators::count_outcomes` counts once the account months are written). In
//! SQL these were four GROUP BYs over the same rows: 13 s of the refresh at 100,000 accounts.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::domain::Period;
use crate::error::{Error, Result, SqlContext};

use super::account_month::Total;
use super::facts::{real, text};
use super::pending::Accounts;

/// What an indicator aggregates per account, month and phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregation {
    FirstResponseHours,
    ResolutionHours,
    Survey(Survey),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Survey {
    Nps,
    Csat,
    Ces,
}

impl Survey {
    fn parse(text: &str) -> Option<Survey> {
        match text {
            "nps" => Some(Survey::Nps),
            "csat" => Some(Survey::Csat),
            "ces" => Some(Survey::Ces),
            _ => None,
        }
    }
}

/// An indicator metric with a target that tickets or survey answers measure.
#[derive(Debug, Clone)]
struct Indicator {
    metric_id: String,
    phase_id: i64,
    journey_id: String,
    aggregation: Aggregation,
    higher: bool,
    target: f64,
    tolerance: f64,
}

/// An indicator's status for a value, as the outcome counts take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Green,
    Amber,
    Red,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
        }
    }
}

impl Indicator {
    /// How far the value misses the target (0 or less: met), direction-aware.
    fn gap(&self, value: f64) -> f64 {
        gap(self.higher, self.target, value)
    }

    /// The triage's red: missed by more than the tolerance.
    fn is_red(&self, value: f64) -> bool {
        self.gap(value) > self.tolerance
    }

    fn status(&self, value: f64) -> Status {
        let gap = self.gap(value);
        if gap <= 0.0 {
            Status::Green
        } else if gap <= self.tolerance {
            Status::Amber
        } else {
            Status::Red
        }
    }
}

/// How far `value` misses `target` (0 or less: met), for an indicator whose higher values are
/// better or worse: the one rule every red and every status rests on (as SQL's `STATUS`).
pub(super) fn gap(higher_is_better: bool, target: f64, value: f64) -> f64 {
    if higher_is_better {
        target - value
    } else {
        value - target
    }
}

fn indicators(conn: &Connection) -> Result<Vec<Indicator>> {
    let what = "reading the indicators";
    let mut stmt = conn
        .prepare(
            "SELECT m.metric_id, m.phase_id, p.journey_id, m.aggregation, m.direction, m.target, m.tolerance
             FROM metric m JOIN phase p ON p.phase_id = m.phase_id
             WHERE m.kind = 'indicator' AND m.target IS NOT NULL
               AND m.aggregation IN ('first_response_hours', 'resolution_hours', 'nps', 'csat', 'ces')
             ORDER BY m.metric_id",
        )
        .context(what)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, f64>(6)?,
            ))
        })
        .context(what)?;
    let mut indicators = Vec::new();
    for row in rows {
        let (metric_id, phase_id, journey_id, aggregation, direction, target, tolerance) =
            row.context(what)?;
        let aggregation = match aggregation.as_str() {
            "first_response_hours" => Aggregation::FirstResponseHours,
            "resolution_hours" => Aggregation::ResolutionHours,
            survey => match Survey::parse(survey) {
                Some(survey) => Aggregation::Survey(survey),
                None => continue,
            },
        };
        indicators.push(Indicator {
            metric_id,
            phase_id,
            journey_id,
            aggregation,
            higher: direction == "higher",
            target,
            tolerance,
        });
    }
    Ok(indicators)
}

/// A month as a number (`YYYY-MM` of a date or timestamp), so windows are arithmetic.
fn month_number(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() < 7 || b[4] != b'-' {
        return None;
    }
    let digits = |s: &[u8]| {
        s.iter().try_fold(0i32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i32::from(d - b'0'))
        })
    };
    let (year, month) = (digits(&b[0..4])?, digits(&b[5..7])?);
    (1..=12).contains(&month).then(|| year * 12 + month - 1)
}

fn period_number(period: Period) -> i32 {
    period.year() * 12 + period.month() as i32 - 1
}

/// The indicator observations of the outcome counts: (indicator, account, month, status), each
/// packed in one number (at 100,000 accounts there are millions).
#[derive(Default)]
pub(crate) struct Observations {
    metrics: Vec<String>,
    accounts: Vec<String>,
    rows: Vec<u64>,
}

impl Observations {
    fn push(&mut self, metric: usize, account: u32, month: i32, status: Status) {
        let status = match status {
            Status::Green => 0,
            Status::Amber => 1,
            Status::Red => 2,
        };
        self.rows.push(
            u64::from(account) << 32
                | (month as u64 & MONTH_MASK) << 14
                | (metric as u64 & 0xFFF) << 2
                | status,
        );
    }

    /// Each observation: its metric, account, month and status.
    pub(crate) fn each(&self) -> impl Iterator<Item = (&str, &str, Period, Status)> {
        self.rows.iter().filter_map(|&row| {
            let month = ((row >> 14) & MONTH_MASK) as i32;
            let month = Period::new(month.div_euclid(12), month.rem_euclid(12) as u32 + 1)?;
            let status = match row & 3 {
                0 => Status::Green,
                1 => Status::Amber,
                _ => Status::Red,
            };
            Some((
                self.metrics.get(((row >> 2) & 0xFFF) as usize)?.as_str(),
                self.accounts.get((row >> 32) as usize)?.as_str(),
                month,
                status,
            ))
        })
    }
}

/// Indicators (and so their phases) an outcome count numbers: 12 bits, slot 0 for no phase.
const MAX_INDICATORS: usize = 0xFFF;

/// Why `n` indicators are more than the outcome counts number, if they are: more would count
/// one indicator's rows as another's.
fn too_many(n: usize) -> Option<String> {
    (n > MAX_INDICATORS).then(|| {
        format!(
            "the store defines {n} indicator metrics with a target, measured from tickets or answers; \
             at most {MAX_INDICATORS} are supported"
        )
    })
}

/// Why the store's indicators are more than the refresh can count, if they are: the journeys
/// import refuses such definitions before they are written.
pub(crate) fn too_many_indicators(conn: &Connection) -> Result<Option<String>> {
    Ok(too_many(indicators(conn)?.len()))
}

/// `month_number`s take 18 bits (years up to 9999).
const MONTH_MASK: u64 = (1 << 18) - 1;

/// What to classify: the triage months whose red indicators are wanted and their window in
/// months, for whose tickets and answers; and the months of the outcome observations (None:
/// none are wanted; they need every account's rows).
pub(crate) struct Wanted {
    pub red_months: Vec<Period>,
    pub red_window: u32,
    pub accounts: Accounts,
    pub observed: Option<(Period, Period)>,
}

/// Per-month sums of a group's rows, combined over a window of months.
trait Sums: Default + Copy {
    fn add(&mut self, other: &Self);
}

/// Sums of one account's tickets of one phase (or none) in one month, in days.
#[derive(Default, Clone, Copy)]
struct TicketSums {
    first_response: Total,
    responded: i64,
    resolution: Total,
    resolved: i64,
}

impl Sums for TicketSums {
    fn add(&mut self, other: &TicketSums) {
        self.first_response.merge(&other.first_response);
        self.responded += other.responded;
        self.resolution.merge(&other.resolution);
        self.resolved += other.resolved;
    }
}

impl TicketSums {
    /// `24 * avg(...)` of the indicator's time; None over no ticket with it, or for an
    /// indicator that tickets do not measure.
    fn hours(&self, aggregation: Aggregation) -> Option<f64> {
        let (total, n) = match aggregation {
            Aggregation::FirstResponseHours => (self.first_response, self.responded),
            Aggregation::ResolutionHours => (self.resolution, self.resolved),
            Aggregation::Survey(_) => return None,
        };
        let sum = total.value()?;
        (n > 0).then(|| 24.0 * (sum / n as f64))
    }
}

/// Sums of one account's answers of one survey and phase (or none) in one month.
#[derive(Default, Clone, Copy)]
struct AnswerSums {
    answers: i64,
    score: i64,
    happy: i64,
    unhappy: i64,
}

impl Sums for AnswerSums {
    fn add(&mut self, other: &AnswerSums) {
        self.answers += other.answers;
        self.score += other.score;
        self.happy += other.happy;
        self.unhappy += other.unhappy;
    }
}

impl AnswerSums {
    /// The survey's figure, as SQL computes it from integers: mean CES, CSAT and NPS in percent.
    fn value(&self, survey: Survey) -> Option<f64> {
        let n = self.answers as f64;
        (self.answers > 0).then(|| match survey {
            Survey::Ces => self.score as f64 / n,
            Survey::Csat => 100.0 * (self.happy as f64 / n),
            Survey::Nps => 100.0 * (self.happy - self.unhappy) as f64 / n,
        })
    }
}

/// One group of rows: an account, a phase (None: none) and, for answers, a survey.
#[derive(Clone, Copy, PartialEq, Eq)]
struct GroupKey {
    account: u32,
    phase: Option<i64>,
    survey: Option<Survey>,
}

/// A row's group and month packed in one number, so that sorting the rows groups them, months
/// ascending: the account (32 bits), the phase's slot (12 bits; 0: no phase), the survey (2
/// bits; 0 for tickets) and the month (18 bits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey(u64);

/// The phases indicators measure, numbered from 1 (0: no phase).
struct PhaseSlots(Vec<i64>);

impl PhaseSlots {
    fn slot(&self, phase: Option<i64>) -> Option<u64> {
        match phase {
            None => Some(0),
            Some(p) => self.0.iter().position(|&q| q == p).map(|i| i as u64 + 1),
        }
    }

    fn key(&self, account: u32, phase: u64, survey: Option<Survey>, month: i32) -> RowKey {
        let survey = survey.map_or(0, |s| s as u64 + 1);
        RowKey(u64::from(account) << 32 | phase << 20 | survey << 18 | (month as u64 & MONTH_MASK))
    }

    fn group(&self, key: RowKey) -> GroupKey {
        let slot = ((key.0 >> 20) & 0xFFF) as usize;
        GroupKey {
            account: (key.0 >> 32) as u32,
            phase: slot.checked_sub(1).and_then(|i| self.0.get(i)).copied(),
            survey: match (key.0 >> 18) & 3 {
                1 => Some(Survey::Nps),
                2 => Some(Survey::Csat),
                3 => Some(Survey::Ces),
                _ => None,
            },
        }
    }
}

impl RowKey {
    fn group_bits(self) -> u64 {
        self.0 >> 18
    }

    fn month(self) -> i32 {
        (self.0 & MONTH_MASK) as i32
    }
}

/// The accounts classified (every account, or those a refresh of some accounts reached): id and
/// journey, by position.
struct AccountIndex {
    ids: Vec<String>,
    journeys: Vec<Option<String>>,
    by_id: HashMap<String, u32>,
}

impl AccountIndex {
    fn load(conn: &Connection, accounts: Accounts) -> Result<AccountIndex> {
        let what = "reading accounts";
        let mut index = AccountIndex {
            ids: Vec::new(),
            journeys: Vec::new(),
            by_id: HashMap::new(),
        };
        let mut stmt = conn
            .prepare(&accounts.bind("SELECT account_id, journey_id FROM account WHERE {accounts:}"))
            .context(what)?;
        let mut rows = stmt.query([]).context(what)?;
        while let Some(row) = rows.next().context(what)? {
            let id: String = row.get(0).context(what)?;
            index.by_id.insert(id.clone(), index.ids.len() as u32);
            index.ids.push(id);
            index.journeys.push(row.get(1).context(what)?);
        }
        Ok(index)
    }
}

/// A ticket's or answer's account (by position), phase slot and month, from its account id
/// (column 0), phase and date (column 2); None when it names no account, month or phase known.
fn place(
    row: &rusqlite::Row<'_>,
    index: &AccountIndex,
    slots: &PhaseSlots,
    phase: Option<i64>,
) -> Result<Option<(u32, u64, i32)>> {
    Ok(
        match (
            text(row, 0)?.and_then(|id| index.by_id.get(id)),
            slots.slot(phase),
            text(row, 2)?.and_then(month_number),
        ) {
            (Some(&account), Some(slot), Some(month)) => Some((account, slot, month)),
            _ => None,
        },
    )
}

/// Sorts the rows by group and month, sums each group's rows month by month (`sums` of one row)
/// and hands each group with its months, ascending, to `each`.
fn by_group<R, S: Sums>(
    mut rows: Vec<(RowKey, R)>,
    slots: &PhaseSlots,
    sums: impl Fn(&R) -> S,
    mut each: impl FnMut(GroupKey, &[(i32, S)]) -> Result<()>,
) -> Result<()> {
    rows.sort_unstable_by_key(|(key, _)| *key);
    let mut months: Vec<(i32, S)> = Vec::new();
    let mut group: Option<RowKey> = None;
    for (key, row) in &rows {
        if group.is_some_and(|g| g.group_bits() != key.group_bits()) {
            if let Some(g) = group {
                each(slots.group(g), &months)?;
            }
            months.clear();
        }
        group = Some(*key);
        let one = sums(row);
        match months.last_mut() {
            Some((month, total)) if *month == key.month() => total.add(&one),
            _ => months.push((key.month(), one)),
        }
    }
    if let Some(g) = group {
        each(slots.group(g), &months)?;
    }
    Ok(())
}

/// Each ticket of the phases an indicator measures by ticket times (and of none), as (key,
/// days to the first response, days to resolution), NaN for none.
fn ticket_rows(
    conn: &Connection,
    accounts: Accounts,
    index: &AccountIndex,
    slots: &PhaseSlots,
    phases: &[i64],
) -> Result<Vec<(RowKey, (f64, f64))>> {
    let what = "reading tickets";
    let mut stmt = conn
        .prepare(&accounts.bind(
            "SELECT account_id, phase_id, opened_at,
                    julianday(first_response_at) - julianday(opened_at),
                    julianday(resolved_at) - julianday(opened_at)
             FROM ticket WHERE {accounts:}",
        ))
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut read = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let phase = row.get::<_, Option<i64>>(1).context(what)?;
        if phase.is_some_and(|p| !phases.contains(&p)) {
            continue;
        }
        let Some((account, slot, month)) = place(row, index, slots, phase)? else {
            continue;
        };
        let days = (
            real(row, 3)?.unwrap_or(f64::NAN),
            real(row, 4)?.unwrap_or(f64::NAN),
        );
        read.push((slots.key(account, slot, None, month), days));
    }
    Ok(read)
}

fn ticket_sums(&(response, resolution): &(f64, f64)) -> TicketSums {
    let mut sums = TicketSums::default();
    if !response.is_nan() {
        sums.first_response.add(response);
        sums.responded = 1;
    }
    if !resolution.is_nan() {
        sums.resolution.add(resolution);
        sums.resolved = 1;
    }
    sums
}

/// One answer: its score, happy, unhappy.
type Answer = (i32, bool, bool);

/// Each answer of the phases an indicator measures by its survey (and of none), as (key,
/// score, happy, unhappy).
fn answer_rows(
    conn: &Connection,
    accounts: Accounts,
    index: &AccountIndex,
    slots: &PhaseSlots,
    phases: &[(i64, Survey)],
) -> Result<Vec<(RowKey, Answer)>> {
    let what = "reading survey answers";
    let mut stmt = conn
        .prepare(&accounts.bind(
            "SELECT account_id, phase_id, answered_at, survey, score, happy, unhappy
             FROM survey_answer WHERE {accounts:}",
        ))
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut read = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let Some(survey) = text(row, 3)?.and_then(Survey::parse) else {
            continue;
        };
        let phase = row.get::<_, Option<i64>>(1).context(what)?;
        if phase.is_some_and(|p| !phases.contains(&(p, survey))) {
            continue;
        }
        let Some((account, slot, month)) = place(row, index, slots, phase)? else {
            continue;
        };
        let flag = |i| -> Result<bool> { Ok(row.get::<_, Option<i64>>(i).context(what)? == Some(1)) };
        let score = row.get::<_, i64>(4).context(what)?;
        let answer = (i32::try_from(score).unwrap_or(i32::MAX), flag(5)?, flag(6)?);
        read.push((slots.key(account, slot, Some(survey), month), answer));
    }
    Ok(read)
}

fn answer_sums(&(score, happy, unhappy): &Answer) -> AnswerSums {
    AnswerSums {
        answers: 1,
        score: i64::from(score),
        happy: i64::from(happy),
        unhappy: i64::from(unhappy),
    }
}

/// The red indicators of the wanted months, as rows of `temp.triage_red`.
struct RedRows<'c> {
    insert: rusqlite::Statement<'c>,
    /// The wanted months, ascending, with their text.
    months: Vec<(i32, String)>,
    window: i32,
}

impl<'c> RedRows<'c> {
    fn new(conn: &'c Connection, wanted: &Wanted) -> Result<Self> {
        let mut months: Vec<(i32, String)> = wanted
            .red_months
            .iter()
            .map(|p| (period_number(*p), p.to_string()))
            .collect();
        months.sort();
        months.dedup();
        Ok(RedRows {
            insert: conn
                .prepare("INSERT INTO temp.triage_red (period, account_id) VALUES (?1, ?2)")
                .context("adding red indicators")?,
            months,
            window: wanted.red_window.max(1) as i32,
        })
    }

    /// For each wanted month that a month of `sums` falls in the window of (a month and the
    /// `window - 1` before it): a row per indicator of the account's journey whose value over
    /// the window (the group's phase's, or no phase's rows against every indicator) is red.
    fn add<S: Sums>(
        &mut self,
        indicators: &[&Indicator],
        key: GroupKey,
        account: &str,
        sums: &[(i32, S)],
        value: impl Fn(&S, &Indicator) -> Option<f64>,
    ) -> Result<()> {
        if indicators.is_empty() || self.months.is_empty() {
            return Ok(());
        }
        let mut candidates: Vec<i32> = sums
            .iter()
            .flat_map(|(month, _)| *month..*month + self.window)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for evaluated in candidates {
            let Ok(at) = self.months.binary_search_by_key(&evaluated, |(m, _)| *m) else {
                continue;
            };
            let mut window = S::default();
            for (month, s) in sums {
                if *month > evaluated - self.window && *month <= evaluated {
                    window.add(s);
                }
            }
            for indicator in indicators {
                if key.phase.is_some_and(|p| p != indicator.phase_id) {
                    continue;
                }
                if value(&window, indicator).is_some_and(|v| indicator.is_red(v)) {
                    self.insert
                        .execute([self.months[at].1.as_str(), account])
                        .context("adding red indicators")?;
                }
            }
        }
        Ok(())
    }
}

/// What one group of rows (an account's tickets or answers of one phase, month by month) adds:
/// the outcome observations of its phase's indicators, and the red indicators of its journey.
struct Group<'a, 'c> {
    observed: Option<&'a std::ops::RangeInclusive<i32>>,
    observations: &'a mut Observations,
    red: &'a mut RedRows<'c>,
    index: &'a AccountIndex,
}

impl Group<'_, '_> {
    fn classify<S: Sums>(
        &mut self,
        key: GroupKey,
        months: &[(i32, S)],
        indicators: &[(usize, &Indicator)],
        value: impl Fn(&S, &Indicator) -> Option<f64>,
    ) -> Result<()> {
        if let Some(observed) = self.observed {
            for &(i, indicator) in indicators {
                // The outcomes: the indicator's own phase, whichever the account's journey.
                if key.phase != Some(indicator.phase_id) {
                    continue;
                }
                for (month, sums) in months.iter().filter(|(m, _)| observed.contains(m)) {
                    if let Some(v) = value(sums, indicator) {
                        self.observations
                            .push(i, key.account, *month, indicator.status(v));
                    }
                }
            }
        }
        // The red indicators: the account's journey's, of the group's phase or of no phase.
        let journey = self.index.journeys[key.account as usize].as_deref();
        let of_journey: Vec<&Indicator> = indicators
            .iter()
            .map(|(_, i)| *i)
            .filter(|i| Some(i.journey_id.as_str()) == journey)
            .collect();
        self.red.add(
            &of_journey,
            key,
            &self.index.ids[key.account as usize],
            months,
            value,
        )
    }
}

/// Reads the tickets and answers (of `wanted.accounts`; of every account when observations are
/// wanted), adds each red indicator of each wanted month to `temp.triage_red` (a row per
/// indicator, for the `red_indicator` signal), and returns the outcome observations.
pub(crate) fn classify(conn: &Connection, wanted: &Wanted) -> Result<Observations> {
    let indicators = indicators(conn)?;
    if let Some(why) = too_many(indicators.len()) {
        return Err(Error::input(why));
    }
    // Observations count every account (below, a classification of some accounts that wants
    // them classifies everyone first); red rows only the accounts asked for.
    let index = AccountIndex::load(
        conn,
        match wanted.observed {
            Some(_) => Accounts::All,
            None => wanted.accounts,
        },
    )?;
    let mut observations = Observations {
        metrics: indicators.iter().map(|i| i.metric_id.clone()).collect(),
        ..Observations::default()
    };
    if indicators.is_empty() {
        observations.accounts = index.ids;
        return Ok(observations);
    }
    // Observations count every account; the red rows only those asked for.
    if wanted.observed.is_some() && wanted.accounts != Accounts::All {
        let everyone = Wanted {
            red_months: Vec::new(),
            red_window: wanted.red_window,
            accounts: Accounts::All,
            observed: wanted.observed,
        };
        let observations = classify(conn, &everyone)?;
        let only_red = Wanted {
            red_months: wanted.red_months.clone(),
            red_window: wanted.red_window,
            accounts: wanted.accounts,
            observed: None,
        };
        classify(conn, &only_red)?;
        return Ok(observations);
    }
    let observed = wanted
        .observed
        .map(|(first, last)| period_number(first)..=period_number(last));
    let mut red = RedRows::new(conn, wanted)?;
    let mut phases: Vec<i64> = indicators.iter().map(|i| i.phase_id).collect();
    phases.sort_unstable();
    phases.dedup();
    let slots = PhaseSlots(phases);

    let measured = |by_tickets: bool| -> Vec<(usize, &Indicator)> {
        indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| by_tickets != matches!(i.aggregation, Aggregation::Survey(_)))
            .collect()
    };
    let by_tickets = measured(true);
    if !by_tickets.is_empty() {
        let phases: Vec<i64> = by_tickets.iter().map(|(_, i)| i.phase_id).collect();
        let rows = ticket_rows(conn, wanted.accounts, &index, &slots, &phases)?;
        let mut group = Group {
            observed: observed.as_ref(),
            observations: &mut observations,
            red: &mut red,
            index: &index,
        };
        by_group(rows, &slots, ticket_sums, |key, months| {
            group.classify(key, months, &by_tickets, |s, i| s.hours(i.aggregation))
        })?;
    }
    let by_answers = measured(false);
    if !by_answers.is_empty() {
        let phases: Vec<(i64, Survey)> = by_answers
            .iter()
            .filter_map(|(_, i)| match i.aggregation {
                Aggregation::Survey(survey) => Some((i.phase_id, survey)),
                _ => None,
            })
            .collect();
        let rows = answer_rows(conn, wanted.accounts, &index, &slots, &phases)?;
        let mut group = Group {
            observed: observed.as_ref(),
            observations: &mut observations,
            red: &mut red,
            index: &index,
        };
        by_group(rows, &slots, answer_sums, |key, months| {
            // An answer group is one survey's: the indicators of that survey.
            let of_survey: Vec<(usize, &Indicator)> = by_answers
                .iter()
                .filter(|(_, i)| {
                    key.survey
                        .is_some_and(|s| i.aggregation == Aggregation::Survey(s))
                })
                .copied()
                .collect();
            group.classify(key, months, &of_survey, |s, i| match i.aggregation {
                Aggregation::Survey(survey) => s.value(survey),
                _ => None,
            })
        })?;
    }
    drop(red);
    observations.accounts = index.ids;
    Ok(observations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_indicators_than_the_counts_number_are_refused_not_mixed_up() {
        let store = crate::demo::test_store();
        let conn = store.conn();
        // Where the signals' refresh has the red rows written.
        conn.execute_batch("CREATE TEMP TABLE triage_red (period TEXT, account_id TEXT)")
            .unwrap();
        let wanted = Wanted {
            red_months: Vec::new(),
            red_window: 1,
            accounts: Accounts::All,
            observed: None,
        };
        let held = indicators(conn).unwrap().len();
        assert!(held > 0);
        if let Err(e) = classify(conn, &wanted) {
            panic!("{e}");
        }
        // Up to the limit, then one more.
        for extra in [MAX_INDICATORS - held, MAX_INDICATORS - held + 1] {
            conn.execute_batch(&format!(
                "DELETE FROM metric WHERE metric_id GLOB 'extra-*';
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {extra})
                 INSERT INTO metric (metric_id, phase_id, name, kind, perspective, unit, direction, target, aggregation)
                 SELECT 'extra-' || i, (SELECT min(phase_id) FROM phase), 'Extra ' || i, 'indicator',
                        'delivery', 'h', 'lower', 8, 'first_response_hours' FROM n;"
            ))
            .unwrap();
            let classified = classify(conn, &wanted);
            if held + extra <= MAX_INDICATORS {
                assert!(classified.is_ok());
            } else {
                let Err(e) = classified else {
                    panic!("4,096 indicators were counted");
                };
                assert!(e.to_string().contains("at most 4095 are supported"), "{e}");
            }
        }
    }

    #[test]
    fn months_are_numbers_of_dates_and_timestamps() {
        assert_eq!(month_number("2026-03-04T10:00:00Z"), Some(2026 * 12 + 2));
        assert_eq!(month_number("2026-12"), Some(2026 * 12 + 11));
        assert_eq!(month_number("2026-13-01"), None);
        assert_eq!(month_number("26-03-01"), None);
        let p = Period::new(2026, 3).unwrap();
        assert_eq!(period_number(p), month_number("2026-03-31").unwrap());
    }

    fn indicator(higher: bool, target: f64, tolerance: f64) -> Indicator {
        Indicator {
            metric_id: "m".into(),
            phase_id: 1,
            journey_id: "j".into(),
            aggregation: Aggregation::Survey(Survey::Nps),
            higher,
            target,
            tolerance,
        }
    }

    #[test]
    fn status_and_red_follow_the_direction_and_the_tolerance() {
        // NPS 30, higher is better, tolerance 5: 30 and above green, 25 to 30 amber, below red.
        let nps = indicator(true, 30.0, 5.0);
        assert_eq!(nps.status(30.0), Status::Green);
        assert_eq!(nps.status(25.0), Status::Amber);
        assert_eq!(nps.status(24.9), Status::Red);
        assert!(!nps.is_red(25.0) && nps.is_red(24.9));
        // Hours, lower is better, tolerance 0: above the target is red at once.
        let hours = indicator(false, 8.0, 0.0);
        assert_eq!(hours.status(8.0), Status::Green);
        assert_eq!(hours.status(8.5), Status::Red);
        assert!(hours.is_red(8.5) && !hours.is_red(8.0));
    }

    #[test]
    fn survey_figures_are_those_of_the_rollup() {
        // 4 answers: 2 promoters, 1 detractor; scores 10, 9, 7, 3.
        let sums = AnswerSums {
            answers: 4,
            score: 29,
            happy: 2,
            unhappy: 1,
        };
        assert_eq!(sums.value(Survey::Nps), Some(25.0));
        assert_eq!(sums.value(Survey::Csat), Some(50.0));
        assert_eq!(sums.value(Survey::Ces), Some(7.25));
        assert_eq!(AnswerSums::default().value(Survey::Nps), None);
    }

    #[test]
    fn ticket_hours_are_the_mean_of_the_answered_ones() {
        let mut sums = TicketSums::default();
        for (response, resolution) in [(Some(0.25), Some(1.0)), (None, Some(2.0)), (Some(0.5), None)] {
            let mut one = TicketSums::default();
            if let Some(d) = response {
                one.first_response.add(d);
                one.responded = 1;
            }
            if let Some(d) = resolution {
                one.resolution.add(d);
                one.resolved = 1;
            }
            sums.add(&one);
        }
        // (0.25 + 0.5) / 2 days = 9 h; (1 + 2) / 2 days = 36 h.
        assert_eq!(sums.hours(Aggregation::FirstResponseHours), Some(9.0));
        assert_eq!(sums.hours(Aggregation::ResolutionHours), Some(36.0));
        assert_eq!(TicketSums::default().hours(Aggregation::ResolutionHours), None);
    }
}
