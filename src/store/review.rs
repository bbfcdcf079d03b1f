//! The monthly journey review, per month and phase: status (not started, in review, signed off),
//! notes, reviewer and time, and an append-only history of what reopened sign-offs said.
//!
//! Rules, kept here so the cockpit and the command line cannot differ:
//! - every write is one (immediate) transaction and records who (the login name, passed in) and
//!   when (a timestamp passed in, so tests are deterministic);
//! - signing off a phase with a red metric (status of the month's rollup for segment `all`) or
//!   an overdue action (one the review lists, open past its due date on the day of the write)
//!   needs non-empty notes, else [`ReviewError::NoteRequired`] names them;
//! - editing the notes of, or marking again, a signed-off phase reopens it (in review) and
//!   first copies the signed-off state into `review_history`, which is only ever appended to;
//! - a write touches its own month's row and nothing else, so earlier months stay as they were.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::domain::Period;
use crate::domain::model::Direction;
use crate::domain::status::Status;
use crate::error::{Error, Result, SqlContext};

use super::Store;

/// The form of every review timestamp in the store: ISO 8601 without zone, UTC.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Who is at the keyboard: `$USER`, else `$LOGNAME`, else the account name of the effective user
/// (services and containers often set neither variable; an append-only history should still say
/// who), else "unknown". Pass it to the writes.
pub fn login_name() -> String {
    pick_login(
        std::env::var("USER").ok(),
        std::env::var("LOGNAME").ok(),
        effective_user_name,
    )
}

fn pick_login(
    user: Option<String>,
    logname: Option<String>,
    system: impl FnOnce() -> Option<String>,
) -> String {
    [user, logname]
        .into_iter()
        .flatten()
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .or_else(|| system().filter(|name| !name.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The passwd entry's name of the effective user id, if there is one.
fn effective_user_name() -> Option<String> {
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let mut scratch = vec![0 as libc::c_char; 4096];
    // SAFETY: getpwuid_r writes only into `entry` and `scratch` (whose length it is given) and
    // sets `found` to `&entry` or null; the name is copied out before either goes away.
    let status = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut entry,
            scratch.as_mut_ptr(),
            scratch.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside `scratch`.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// Now, in UTC, to the second: the timestamp the cockpit passes to the writes.
pub fn now_utc() -> NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    // Reformatting drops the sub-second part; the parse cannot fail on our own output.
    NaiveDateTime::parse_from_str(&now.format(TIME_FORMAT).to_string(), TIME_FORMAT).unwrap_or(now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    NotStarted,
    InReview,
    SignedOff,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::NotStarted => "not_started",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::SignedOff => "signed_off",
        }
    }

    /// Words for people: "not started", "in review", "signed off".
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::NotStarted => "not started",
            ReviewStatus::InReview => "in review",
            ReviewStatus::SignedOff => "signed off",
        }
    }
}

impl FromStr for ReviewStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "not_started" => Ok(ReviewStatus::NotStarted),
            "in_review" => Ok(ReviewStatus::InReview),
            "signed_off" => Ok(ReviewStatus::SignedOff),
            _ => Err(format!(
                "'{text}' is not one of not_started, in_review, signed_off"
            )),
        }
    }
}

impl fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An earlier state of a phase's review, kept when a sign-off was reopened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewHistoryEntry {
    pub status: ReviewStatus,
    pub notes: String,
    pub reviewer: Option<String>,
    /// When that state was recorded (the sign-off's time).
    pub changed_at: String,
}

/// One phase's review in one month. A phase nobody touched yet is `NotStarted` with no notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReview {
    pub phase_id: i64,
    pub phase_key: String,
    pub phase_name: String,
    pub position: i64,
    pub status: ReviewStatus,
    pub notes: String,
    pub reviewer: Option<String>,
    pub updated_at: Option<String>,
    /// Oldest first.
    pub history: Vec<ReviewHistoryEntry>,
}

/// A journey's review in one month: every phase, in the journey's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthReview {
    pub journey_id: String,
    pub period: String,
    pub phases: Vec<PhaseReview>,
}

impl MonthReview {
    pub fn signed_off(&self) -> usize {
        self.phases
            .iter()
            .filter(|p| p.status == ReviewStatus::SignedOff)
            .count()
    }

    pub fn total(&self) -> usize {
        self.phases.len()
    }

    /// "2 of 5 phases signed off".
    pub fn progress_line(&self) -> String {
        format!("{} of {} phases signed off", self.signed_off(), self.total())
    }
}

/// A metric of a phase that is red in the month (segment `all`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedMetric {
    pub metric_id: String,
    pub name: String,
    pub value: f64,
    pub target: Option<f64>,
    pub unit: String,
}

impl fmt::Display for RedMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, number(self.value))?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        if let Some(target) = self.target {
            write!(f, " (target {})", number(target))?;
        }
        Ok(())
    }
}

/// A number for people: at most two decimals, no trailing zeros, never "-0".
pub(crate) fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// An action of the phase's review that is open past its due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueAction {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub owner: Option<String>,
}

impl fmt::Display for OverdueAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} (due {}, {})",
            self.id,
            self.title,
            self.due,
            self.owner.as_deref().unwrap_or("no owner")
        )
    }
}

/// What a sign-off without a note is refused for: "red metrics (...); overdue actions (...)".
pub fn note_reasons(red: &[RedMetric], overdue: &[OverdueAction]) -> String {
    let list = |items: Vec<String>| items.join(", ");
    let mut reasons = Vec::new();
    if !red.is_empty() {
        reasons.push(format!(
            "red metrics ({})",
            list(red.iter().map(ToString::to_string).collect())
        ));
    }
    if !overdue.is_empty() {
        reasons.push(format!(
            "overdue actions ({})",
            list(overdue.iter().map(ToString::to_string).collect())
        ));
    }
    reasons.join("; ")
}

/// Why a review write was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The phase has red metrics or overdue actions this month and the notes are empty.
    #[error(
        "{phase} {period}: {}; write a note saying why before signing off",
        note_reasons(red, overdue)
    )]
    NoteRequired {
        phase: String,
        period: String,
        red: Vec<RedMetric>,
        overdue: Vec<OverdueAction>,
    },
    #[error("no phase with id {0}")]
    UnknownPhase(i64),
    #[error(transparent)]
    Store(#[from] Error),
}

impl From<ReviewError> for Error {
    fn from(error: ReviewError) -> Error {
        match error {
            ReviewError::Store(error) => error,
            other => Error::input(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for ReviewError {
    fn from(source: rusqlite::Error) -> Self {
        ReviewError::Store(Error::Sql {
            context: "writing the review".into(),
            source,
        })
    }
}

/// The current row of a phase's review, as stored.
struct Current {
    status: ReviewStatus,
    notes: String,
    reviewer: Option<String>,
    updated_at: Option<String>,
}

enum Write<'a> {
    MarkInReview,
    SignOff { notes: Option<&'a str> },
    Notes(&'a str),
}

impl Store {
    /// The journey's review in `period`: each phase in order with its state and history.
    /// An unknown journey has no phases.
    pub fn review(&self, journey_id: &str, period: Period) -> Result<MonthReview> {
        let period_text = period.to_string();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.phase_id, p.phase_key, p.name, p.position,
                        coalesce(r.status, 'not_started'), coalesce(r.notes, ''), r.reviewer, r.updated_at
                 FROM phase p LEFT JOIN review r ON r.phase_id = p.phase_id AND r.period = ?2
                 WHERE p.journey_id = ?1 ORDER BY p.position",
            )
            .context("reading the review")?;
        let rows = stmt
            .query_map(params![journey_id, period_text], |r| {
                Ok(PhaseReview {
                    phase_id: r.get(0)?,
                    phase_key: r.get(1)?,
                    phase_name: r.get(2)?,
                    position: r.get(3)?,
                    status: status_from(4, r.get(4)?)?,
                    notes: r.get(5)?,
                    reviewer: r.get(6)?,
                    updated_at: r.get(7)?,
                    history: Vec::new(),
                })
            })
            .context("reading the review")?;
        let mut phases: Vec<PhaseReview> = rows
            .collect::<rusqlite::Result<_>>()
            .context("reading the review")?;
        for phase in &mut phases {
            phase.history = self.review_history(period, phase.phase_id)?;
        }
        Ok(MonthReview {
            journey_id: journey_id.to_string(),
            period: period_text,
            phases,
        })
    }

    /// The earlier states of one phase's review in `period`, oldest first.
    pub fn review_history(&self, period: Period, phase_id: i64) -> Result<Vec<ReviewHistoryEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT status, notes, reviewer, changed_at FROM review_history
                 WHERE period = ?1 AND phase_id = ?2 ORDER BY id",
            )
            .context("reading the review history")?;
        let rows = stmt
            .query_map(params![period.to_string(), phase_id], |r| {
                Ok(ReviewHistoryEntry {
                    status: status_from(0, r.get(0)?)?,
                    notes: r.get(1)?,
                    reviewer: r.get(2)?,
                    changed_at: r.get(3)?,
                })
            })
            .context("reading the review history")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the review history")
    }

    /// The phase's metrics that are red in `period` (segment `all`), in the phase's metric order.
    pub fn red_metrics(&self, period: Period, phase_id: i64) -> Result<Vec<RedMetric>> {
        red_metrics_in(&self.conn, period, phase_id)
    }

    /// Marks the phase in review. A signed-off phase is reopened (its sign-off goes to the
    /// history); a phase already in review is left as it is.
    pub fn mark_in_review(
        &mut self,
        period: Period,
        phase_id: i64,
        who: &str,
        at: NaiveDateTime,
    ) -> Result<PhaseReview, ReviewError> {
        self.write_review(period, phase_id, Write::MarkInReview, who, at)
    }

    /// Signs the phase off, with `notes` replacing the current notes when given. Refused with
    /// [`ReviewError::NoteRequired`] when a metric is red and the notes are blank. Signing off a
    /// phase that is already signed off changes nothing, unless `notes` differ: then the earlier
    /// sign-off goes to the history and the new one replaces it.
    pub fn sign_off(
        &mut self,
        period: Period,
        phase_id: i64,
        notes: Option<&str>,
        who: &str,
        at: NaiveDateTime,
    ) -> Result<PhaseReview, ReviewError> {
        self.write_review(period, phase_id, Write::SignOff { notes }, who, at)
    }

    /// Replaces the phase's notes. A phase not started goes in review; a signed-off phase is
    /// reopened (its sign-off goes to the history). Notes equal to the current ones change nothing.
    pub fn set_review_notes(
        &mut self,
        period: Period,
        phase_id: i64,
        notes: &str,
        who: &str,
        at: NaiveDateTime,
    ) -> Result<PhaseReview, ReviewError> {
        self.write_review(period, phase_id, Write::Notes(notes), who, at)
    }

    fn write_review(
        &mut self,
        period: Period,
        phase_id: i64,
        write: Write<'_>,
        who: &str,
        at: NaiveDateTime,
    ) -> Result<PhaseReview, ReviewError> {
        let at = at.format(TIME_FORMAT).to_string();
        let period_text = period.to_string();
        // Immediate: the read of the current state and the write that depends on it cannot
        // interleave with another cockpit's write.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (phase_name, journey_id, phase_key): (String, String, String) = tx
            .query_row(
                "SELECT name, journey_id, phase_key FROM phase WHERE phase_id = ?1",
                [phase_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(ReviewError::UnknownPhase(phase_id))?;
        let current = tx
            .query_row(
                "SELECT status, notes, reviewer, updated_at FROM review WHERE period = ?1 AND phase_id = ?2",
                params![period_text, phase_id],
                |r| {
                    Ok(Current {
                        status: status_from(0, r.get(0)?)?,
                        notes: r.get(1)?,
                        reviewer: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                },
            )
            .optional()?
            .unwrap_or(Current {
                status: ReviewStatus::NotStarted,
                notes: String::new(),
                reviewer: None,
                updated_at: None,
            });
        let signed_off = current.status == ReviewStatus::SignedOff;
        // The new (status, notes), or None when the write changes nothing.
        let next: Option<(ReviewStatus, String)> = match write {
            Write::MarkInReview => (current.status != ReviewStatus::InReview)
                .then(|| (ReviewStatus::InReview, current.notes.clone())),
            Write::SignOff { notes } => {
                let notes = notes.map_or_else(|| current.notes.clone(), str::to_string);
                if signed_off && notes == current.notes {
                    None
                } else {
                    if notes.trim().is_empty() {
                        let red = red_metrics_in(&tx, period, phase_id)?;
                        let overdue = overdue_actions_in(&tx, &journey_id, &phase_key, &period_text, &at)?;
                        if !red.is_empty() || !overdue.is_empty() {
                            return Err(ReviewError::NoteRequired {
                                phase: phase_name,
                                period: period_text,
                                red,
                                overdue,
                            });
                        }
                    }
                    Some((ReviewStatus::SignedOff, notes))
                }
            }
            // Notes put a phase not started in review, and reopen a signed-off one.
            Write::Notes(notes) => {
                (notes != current.notes).then(|| (ReviewStatus::InReview, notes.to_string()))
            }
        };
        if let Some((status, notes)) = next {
            if signed_off {
                // Reopening: what the sign-off said is kept before it is changed.
                tx.execute(
                    "INSERT INTO review_history (period, phase_id, status, notes, reviewer, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        period_text,
                        phase_id,
                        current.status.as_str(),
                        current.notes,
                        current.reviewer,
                        current.updated_at.as_deref().unwrap_or(&at),
                    ],
                )?;
            }
            tx.execute(
                "INSERT INTO review (period, phase_id, status, notes, reviewer, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (period, phase_id) DO UPDATE SET status = excluded.status,
                     notes = excluded.notes, reviewer = excluded.reviewer, updated_at = excluded.updated_at",
                params![period_text, phase_id, status.as_str(), notes, who, at],
            )?;
        }
        tx.commit()?;
        let review = self.review(&journey_id, period)?;
        review
            .phases
            .into_iter()
            .find(|p| p.phase_id == phase_id)
            .ok_or(ReviewError::UnknownPhase(phase_id))
    }
}

fn status_from(column: usize, text: String) -> rusqlite::Result<ReviewStatus> {
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
    })
}

/// The actions the phase's review of `period` lists that are open past their due date on the
/// day of `at` (a timestamp).
fn overdue_actions_in(
    conn: &rusqlite::Connection,
    journey_id: &str,
    phase_key: &str,
    period: &str,
    at: &str,
) -> Result<Vec<OverdueAction>> {
    let today = at.get(..10).unwrap_or(at);
    let (this_month, carried) = super::actions::phase_actions_in(conn, journey_id, phase_key, period)?;
    Ok(this_month
        .into_iter()
        .chain(carried)
        .filter(|a| {
            a.status == super::actions::ActionStatus::Open && a.due.as_deref().is_some_and(|d| d < today)
        })
        .map(|a| OverdueAction {
            id: a.id,
            title: a.title,
            due: a.due.unwrap_or_default(),
            owner: a.owner,
        })
        .collect())
}

pub(crate) fn min_samples_in(conn: &rusqlite::Connection) -> Result<crate::domain::status::MinSamples> {
    let mut stmt = conn
        .prepare_cached("SELECT key, value FROM setting WHERE key LIKE 'min_sample.%'")
        .context("reading the minimum samples")?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .context("reading the minimum samples")?
        .collect::<rusqlite::Result<_>>()
        .context("reading the minimum samples")?;
    Ok(crate::domain::status::MinSamples::with_settings(
        rows.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

fn red_metrics_in(conn: &rusqlite::Connection, period: Period, phase_id: i64) -> Result<Vec<RedMetric>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT m.metric_id, m.name, m.unit, m.direction, m.target, m.tolerance, r.value, r.n, m.aggregation
             FROM metric m JOIN rollup r ON r.metric_id = m.metric_id AND r.segment = 'all' AND r.period = ?2
             WHERE m.phase_id = ?1 ORDER BY m.kind, m.name",
        )
        .context("reading the phase's metrics")?;
    let rows = stmt
        .query_map(params![phase_id, period.to_string()], |r| {
            let direction: String = r.get(3)?;
            let direction = direction.parse::<Direction>().map_err(|e: String| {
                rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
            })?;
            Ok((
                RedMetric {
                    metric_id: r.get(0)?,
                    name: r.get(1)?,
                    unit: r.get(2)?,
                    target: r.get(4)?,
                    value: r.get(6)?,
                },
                r.get::<_, f64>(5)?,
                direction,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, String>(8)?,
            ))
        })
        .context("reading the phase's metrics")?;
    let rows: Vec<_> = rows
        .collect::<rusqlite::Result<_>>()
        .context("reading the phase's metrics")?;
    // A value on too small a sample is no verdict: it needs no note to sign off.
    let min_samples = min_samples_in(conn)?;
    let mut red = Vec::new();
    for (metric, tolerance, direction, n, aggregation) in rows {
        let status = Status::judged(
            Some(metric.value),
            n,
            min_samples.of(&aggregation),
            metric.target,
            tolerance,
            direction,
        );
        if status == Status::Red {
            red.push(metric);
        }
    }
    Ok(red)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const SMALL: &str = include_str!("../../fixtures/small.sql");
    // Phase ids of the fixture: 1 Onboard, 2 Use, 3 Renew.
    const ONBOARD: i64 = 1;
    const RENEW: i64 = 3;

    fn small_store() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store.conn().execute_batch(SMALL).unwrap();
        store.refresh_rollups().unwrap();
        store
    }

    fn month(text: &str) -> Period {
        text.parse().unwrap()
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, TIME_FORMAT).unwrap()
    }

    fn phase(store: &Store, period: &str, phase_id: i64) -> PhaseReview {
        store
            .review("small", month(period))
            .unwrap()
            .phases
            .into_iter()
            .find(|p| p.phase_id == phase_id)
            .unwrap()
    }

    fn table_rows(store: &Store, table: &str) -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_untouched_month_lists_every_phase_not_started() {
        let store = small_store();
        let review = store.review("small", month("2026-03")).unwrap();
        let names: Vec<&str> = review.phases.iter().map(|p| p.phase_name.as_str()).collect();
        assert_eq!(names, ["Onboard", "Use", "Renew"]);
        assert!(review.phases.iter().all(|p| p.status == ReviewStatus::NotStarted
            && p.notes.is_empty()
            && p.reviewer.is_none()
            && p.history.is_empty()));
        assert_eq!(review.progress_line(), "0 of 3 phases signed off");
        assert!(store.review("nope", month("2026-03")).unwrap().phases.is_empty());
    }

    #[test]
    fn red_metrics_of_march_renew_are_churn_and_grr() {
        // small.md: logo churn 12.5 vs 5 (tolerance 5) is red; GRR 91.25 vs 95 (tolerance 2) is
        // red; NRR 97.5 vs 97 is green.
        let store = small_store();
        let red = store.red_metrics(month("2026-03"), RENEW).unwrap();
        let ids: Vec<&str> = red.iter().map(|m| m.metric_id.as_str()).collect();
        assert_eq!(ids, ["small.renew.churn", "small.renew.grr"]);
        // Onboard is amber (first response 4.5 vs 4, activation 86 vs 90): nothing red.
        assert!(store.red_metrics(month("2026-03"), ONBOARD).unwrap().is_empty());
    }

    #[test]
    fn a_red_value_on_too_small_a_sample_needs_no_note() {
        // March in Renew: logo churn 12.5 % and GRR 91.25 % are red, each on the 8 accounts active
        // on 03-01. With a minimum of 10 accounts for both, neither is a verdict: no note needed.
        let mut store = small_store();
        store.set_setting("min_sample.logo_churn", "10").unwrap();
        let still_red = store
            .sign_off(month("2026-03"), RENEW, None, "ana", at("2026-04-02T10:00:00"))
            .unwrap_err();
        assert!(
            matches!(&still_red, ReviewError::NoteRequired { red, .. } if red.len() == 1),
            "GRR is still judged: {still_red}"
        );
        store.set_setting("min_sample.grr", "10").unwrap();
        let done = store
            .sign_off(month("2026-03"), RENEW, None, "ana", at("2026-04-02T10:00:00"))
            .unwrap();
        assert_eq!(done.status, ReviewStatus::SignedOff);
    }

    #[test]
    fn sign_off_on_red_without_a_note_is_refused_and_writes_nothing() {
        let mut store = small_store();
        let err = store
            .sign_off(month("2026-03"), RENEW, None, "ana", at("2026-04-02T10:00:00"))
            .unwrap_err();
        match &err {
            ReviewError::NoteRequired {
                phase,
                period,
                red,
                overdue,
            } => {
                assert_eq!(phase, "Renew");
                assert_eq!(period, "2026-03");
                assert_eq!(red.len(), 2);
                assert!(overdue.is_empty());
            }
            other => panic!("expected NoteRequired, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("Logo churn rate 12.5 % (target 5)"), "{message}");
        assert!(
            message.contains("Gross revenue retention 91.25 % (target 95)"),
            "{message}"
        );
        // Blank notes are no notes.
        assert!(matches!(
            store.sign_off(
                month("2026-03"),
                RENEW,
                Some("  \n "),
                "ana",
                at("2026-04-02T10:00:00")
            ),
            Err(ReviewError::NoteRequired { .. })
        ));
        assert_eq!(table_rows(&store, "review"), 0);
        assert_eq!(phase(&store, "2026-03", RENEW).status, ReviewStatus::NotStarted);
        // The refusal maps to bad input (exit code 2) on the command line.
        assert_eq!(Error::from(err).exit_code(), 2);
    }

    #[test]
    fn sign_off_on_red_with_a_note_is_recorded_with_who_and_when() {
        let mut store = small_store();
        store
            .set_review_notes(
                month("2026-03"),
                RENEW,
                "A06 left on price.",
                "kim",
                at("2026-04-01T09:00:00"),
            )
            .unwrap();
        let done = store
            .sign_off(month("2026-03"), RENEW, None, "ana", at("2026-04-02T10:00:00"))
            .unwrap();
        assert_eq!(done.status, ReviewStatus::SignedOff);
        assert_eq!(done.notes, "A06 left on price.");
        assert_eq!(done.reviewer.as_deref(), Some("ana"));
        assert_eq!(done.updated_at.as_deref(), Some("2026-04-02T10:00:00"));
        assert!(done.history.is_empty());
        assert_eq!(store.review("small", month("2026-03")).unwrap().signed_off(), 1);
    }

    #[test]
    fn sign_off_can_bring_its_note_in_the_same_write() {
        let mut store = small_store();
        let done = store
            .sign_off(
                month("2026-03"),
                RENEW,
                Some("Known: one churn."),
                "ana",
                at("2026-04-02T10:00:00"),
            )
            .unwrap();
        assert_eq!(done.status, ReviewStatus::SignedOff);
        assert_eq!(done.notes, "Known: one churn.");
    }

    #[test]
    fn a_phase_without_red_signs_off_without_a_note() {
        let mut store = small_store();
        let done = store
            .sign_off(month("2026-03"), ONBOARD, None, "ana", at("2026-04-02T10:00:00"))
            .unwrap();
        assert_eq!(done.status, ReviewStatus::SignedOff);
        assert_eq!(done.notes, "");
    }

    #[test]
    fn editing_a_signed_off_phase_reopens_it_and_keeps_the_sign_off() {
        let mut store = small_store();
        let march = month("2026-03");
        store
            .sign_off(
                march,
                RENEW,
                Some("First reading."),
                "ana",
                at("2026-04-02T10:00:00"),
            )
            .unwrap();
        let reopened = store
            .set_review_notes(march, RENEW, "Second reading.", "kim", at("2026-04-03T09:00:00"))
            .unwrap();
        assert_eq!(reopened.status, ReviewStatus::InReview);
        assert_eq!(reopened.notes, "Second reading.");
        assert_eq!(reopened.reviewer.as_deref(), Some("kim"));
        assert_eq!(reopened.updated_at.as_deref(), Some("2026-04-03T09:00:00"));
        assert_eq!(
            reopened.history,
            [ReviewHistoryEntry {
                status: ReviewStatus::SignedOff,
                notes: "First reading.".into(),
                reviewer: Some("ana".into()),
                changed_at: "2026-04-02T10:00:00".into(),
            }]
        );
        // Sign off again, then reopen by marking: the history grows, the first entry stays.
        store
            .sign_off(march, RENEW, None, "kim", at("2026-04-03T12:00:00"))
            .unwrap();
        let again = store
            .mark_in_review(march, RENEW, "lee", at("2026-04-04T09:00:00"))
            .unwrap();
        assert_eq!(again.status, ReviewStatus::InReview);
        assert_eq!(again.notes, "Second reading.", "marking keeps the notes");
        assert_eq!(again.history.len(), 2);
        assert_eq!(again.history[0].notes, "First reading.");
        assert_eq!(again.history[1].notes, "Second reading.");
        assert_eq!(again.history[1].reviewer.as_deref(), Some("kim"));
        assert_eq!(again.history[1].changed_at, "2026-04-03T12:00:00");
    }

    #[test]
    fn writes_that_change_nothing_leave_no_trace() {
        let mut store = small_store();
        let march = month("2026-03");
        store
            .sign_off(march, ONBOARD, Some("Fine."), "ana", at("2026-04-02T10:00:00"))
            .unwrap();
        // The same notes, or signing off again, neither reopens nor adds history.
        let same = store
            .set_review_notes(march, ONBOARD, "Fine.", "kim", at("2026-04-03T09:00:00"))
            .unwrap();
        let again = store
            .sign_off(march, ONBOARD, None, "kim", at("2026-04-03T09:00:00"))
            .unwrap();
        for p in [same, again] {
            assert_eq!(p.status, ReviewStatus::SignedOff);
            assert_eq!(p.reviewer.as_deref(), Some("ana"));
            assert_eq!(p.updated_at.as_deref(), Some("2026-04-02T10:00:00"));
        }
        assert_eq!(table_rows(&store, "review_history"), 0);
    }

    #[test]
    fn signing_off_again_with_other_notes_keeps_the_first_sign_off() {
        let mut store = small_store();
        let march = month("2026-03");
        store
            .sign_off(march, RENEW, Some("First."), "ana", at("2026-04-02T10:00:00"))
            .unwrap();
        let again = store
            .sign_off(march, RENEW, Some("Second."), "kim", at("2026-04-03T10:00:00"))
            .unwrap();
        assert_eq!(again.status, ReviewStatus::SignedOff);
        assert_eq!(again.notes, "Second.");
        assert_eq!(again.reviewer.as_deref(), Some("kim"));
        assert_eq!(again.history.len(), 1);
        assert_eq!(again.history[0].notes, "First.");
        assert_eq!(again.history[0].reviewer.as_deref(), Some("ana"));
        // Blank notes on red are refused here too, and the sign-off stays as it was.
        assert!(matches!(
            store.sign_off(march, RENEW, Some(""), "lee", at("2026-04-04T10:00:00")),
            Err(ReviewError::NoteRequired { .. })
        ));
        assert_eq!(phase(&store, "2026-03", RENEW).notes, "Second.");
        assert_eq!(phase(&store, "2026-03", RENEW).history.len(), 1);
    }

    #[test]
    fn notes_on_a_phase_not_started_put_it_in_review() {
        let mut store = small_store();
        let p = store
            .set_review_notes(
                month("2026-03"),
                ONBOARD,
                "Looking.",
                "kim",
                at("2026-04-01T09:00:00"),
            )
            .unwrap();
        assert_eq!(p.status, ReviewStatus::InReview);
        assert!(p.history.is_empty(), "only sign-offs go to the history");
        let marked = store
            .mark_in_review(month("2026-03"), RENEW, "kim", at("2026-04-01T09:00:00"))
            .unwrap();
        assert_eq!(marked.status, ReviewStatus::InReview);
    }

    #[test]
    fn another_month_is_untouched() {
        let mut store = small_store();
        let (feb, march) = (month("2026-02"), month("2026-03"));
        store
            .sign_off(
                feb,
                RENEW,
                Some("February: fine."),
                "ana",
                at("2026-03-02T10:00:00"),
            )
            .unwrap();
        let before = store.review("small", feb).unwrap();
        store
            .sign_off(march, RENEW, Some("March."), "kim", at("2026-04-02T10:00:00"))
            .unwrap();
        store
            .set_review_notes(march, RENEW, "March, reopened.", "kim", at("2026-04-03T10:00:00"))
            .unwrap();
        store
            .mark_in_review(march, ONBOARD, "kim", at("2026-04-03T11:00:00"))
            .unwrap();
        assert_eq!(store.review("small", feb).unwrap(), before);
        let feb_renew = phase(&store, "2026-02", RENEW);
        assert_eq!(feb_renew.status, ReviewStatus::SignedOff);
        assert_eq!(feb_renew.notes, "February: fine.");
        assert!(feb_renew.history.is_empty());
        assert_eq!(phase(&store, "2026-03", RENEW).history.len(), 1);
    }

    #[test]
    fn an_unknown_phase_is_refused() {
        let mut store = small_store();
        assert!(matches!(
            store.mark_in_review(month("2026-03"), 99, "kim", at("2026-04-01T09:00:00")),
            Err(ReviewError::UnknownPhase(99))
        ));
        assert_eq!(table_rows(&store, "review"), 0);
    }

    #[test]
    fn login_name_falls_back_in_order() {
        let system = || Some("svc".to_string());
        assert_eq!(pick_login(Some("ana".into()), Some("kim".into()), system), "ana");
        assert_eq!(pick_login(Some(" ".into()), Some("kim".into()), system), "kim");
        assert_eq!(pick_login(None, None, system), "svc");
        assert_eq!(pick_login(None, Some("".into()), || None), "unknown");
        assert_eq!(pick_login(None, None, || Some(" ".into())), "unknown");
        assert!(!login_name().is_empty());
        // The tests run as a user with a passwd entry (root in CI): it has a name.
        assert!(effective_user_name().is_some_and(|name| !name.is_empty()));
    }
}
