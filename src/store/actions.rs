//! Owned actions with due dates: what someone is to do about an account, a phase in a month or a
//! metric, where it came from (`manual`, `alert:<rule>`, `review:<YYYY-MM>`), and an append-only
//! history of every change (`action_history`, guarded by triggers).
//!
//! Every write is one immediate transaction recording who (the login name, passed in) and when
//! (a timestamp passed in, so tests are deterministic); the action is read back after it.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::error::{Error, Result, SqlContext};

use super::Store;

/// An action's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    Open,
    Done,
    Dropped,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(ActionStatus::Open),
            "done" => Some(ActionStatus::Done),
            "dropped" => Some(ActionStatus::Dropped),
            _ => None,
        }
    }
}

/// One change in an action's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEvent {
    /// `created`, `note`, `assign`, `done`, `drop` or `alert` (an alert fired again on an open action).
    pub event: String,
    pub body: String,
    pub author: String,
    pub at: String,
}

/// An action as stored, with its history (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: i64,
    pub title: String,
    pub account_id: Option<String>,
    pub journey_id: Option<String>,
    pub phase_key: Option<String>,
    pub period: Option<String>,
    pub metric_id: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: ActionStatus,
    pub source: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// The outcome note of a done or dropped action (also in the history).
    #[serde(skip)]
    pub outcome: String,
    pub history: Vec<ActionEvent>,
}

impl Action {
    /// Open with a due date before `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == ActionStatus::Open
            && self
                .due
                .as_deref()
                .is_some_and(|d| d < today.to_string().as_str())
    }

    /// Whole days since the action was created, at `today` (0 on its first day).
    pub fn age_days(&self, today: NaiveDate) -> i64 {
        self.created_at
            .get(..10)
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map_or(0, |created| (today - created).num_days().max(0))
    }
}

/// What a new action says and is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewAction {
    pub title: String,
    pub account_id: Option<String>,
    pub journey_id: Option<String>,
    pub phase_key: Option<String>,
    pub period: Option<String>,
    pub metric_id: Option<String>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    /// `manual` when empty.
    pub source: String,
    /// What an alert's action is about (`account:ID`, `metric:ID`); empty for the others.
    pub subject: String,
}

/// A change to an existing action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Done, with an optional outcome note.
    Done {
        note: &'a str,
    },
    /// Dropped, with the reason (required).
    Drop {
        note: &'a str,
    },
    Note {
        text: &'a str,
    },
    Assign {
        to: &'a str,
    },
}

/// Which actions `actions` lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub owner: Option<String>,
    /// None: every status.
    pub status: Option<ActionStatus>,
    /// Only actions open with a due date before today.
    pub overdue: bool,
    pub account: Option<String>,
    /// Only the actions about this journey's phase (journey id, phase key).
    pub phase: Option<(String, String)>,
}

const COLUMNS: &str = "action_id, title, account_id, journey_id, phase_key, period, metric_id, owner, due,
                       status, source, created_by, created_at, updated_at, outcome";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Action> {
    let status: String = r.get(9)?;
    let status = ActionStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            9,
            rusqlite::types::Type::Text,
            format!("status '{status}'").into(),
        )
    })?;
    Ok(Action {
        id: r.get(0)?,
        title: r.get(1)?,
        account_id: r.get(2)?,
        journey_id: r.get(3)?,
        phase_key: r.get(4)?,
        period: r.get(5)?,
        metric_id: r.get(6)?,
        owner: r.get(7)?,
        due: r.get(8)?,
        status,
        source: r.get(10)?,
        created_by: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        outcome: r.get(14)?,
        history: Vec::new(),
    })
}

/// The action with its history, if there is one with this id.
pub(crate) fn action_in(conn: &Connection, id: i64) -> Result<Option<Action>> {
    let action = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM action WHERE action_id = ?1"),
            [id],
            from_row,
        )
        .optional()
        .context("reading an action")?;
    let Some(mut action) = action else {
        return Ok(None);
    };
    action.history = history_in(conn, id)?;
    Ok(Some(action))
}

fn history_in(conn: &Connection, id: i64) -> Result<Vec<ActionEvent>> {
    let mut stmt = conn
        .prepare_cached("SELECT event, body, author, at FROM action_history WHERE action_id = ?1 ORDER BY id")
        .context("reading an action's history")?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(ActionEvent {
                event: r.get(0)?,
                body: r.get(1)?,
                author: r.get(2)?,
                at: r.get(3)?,
            })
        })
        .context("reading an action's history")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading an action's history")
}

pub(crate) fn append_event(
    conn: &Connection,
    id: i64,
    event: &str,
    body: &str,
    who: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO action_history (action_id, event, body, author, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, event, body, who, now],
    )
    .context("writing an action's history")?;
    Ok(())
}

/// Checks what a new action refers to and fills the journey and phase of its metric; inserts it
/// with its `created` event, inside the caller's transaction. Returns its id.
pub(crate) fn insert_action(conn: &Connection, new: &NewAction, who: &str, now: &str) -> Result<i64> {
    let mut new = new.clone();
    if new.title.trim().is_empty() {
        return Err(Error::input(
            "actions add: --title is empty; expected what is to be done",
        ));
    }
    let exists = |sql: &str, key: &str| -> Result<bool> {
        conn.query_row(sql, [key], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .context("checking what the action is about")
    };
    if let Some(account) = &new.account_id
        && !exists("SELECT 1 FROM account WHERE account_id = ?1", account)?
    {
        return Err(Error::input(format!("--account {account}: no such account")));
    }
    if let Some(metric) = new.metric_id.clone() {
        let found: Option<(String, String)> = conn
            .query_row(
                "SELECT p.journey_id, p.phase_key FROM metric m JOIN phase p ON p.phase_id = m.phase_id
                 WHERE m.metric_id = ?1",
                [&metric],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("finding the metric")?;
        let Some((journey, phase)) = found else {
            return Err(Error::input(format!("--metric {metric}: no such metric")));
        };
        if new.journey_id.as_ref().is_some_and(|j| *j != journey)
            || new.phase_key.as_ref().is_some_and(|p| *p != phase)
        {
            return Err(Error::input(format!(
                "--metric {metric}: belongs to phase {phase} of journey {journey}, not the --journey/--phase given"
            )));
        }
        new.journey_id = Some(journey);
        new.phase_key = Some(phase);
    }
    match (&new.journey_id, &new.phase_key) {
        (Some(journey), phase) => {
            if !exists("SELECT 1 FROM journey WHERE journey_id = ?1", journey)? {
                return Err(Error::input(format!("--journey {journey}: no such journey")));
            }
            if let Some(phase) = phase {
                let found: Option<i64> = conn
                    .query_row(
                        "SELECT 1 FROM phase WHERE journey_id = ?1 AND phase_key = ?2",
                        params![journey, phase],
                        |r| r.get(0),
                    )
                    .optional()
                    .context("finding the phase")?;
                if found.is_none() {
                    return Err(Error::input(format!(
                        "--phase {phase}: no such phase in journey {journey}"
                    )));
                }
            }
        }
        (None, Some(phase)) => {
            return Err(Error::input(format!(
                "--phase {phase}: expected --journey J with it (a phase key belongs to a journey)"
            )));
        }
        (None, None) => {}
    }
    let source = if new.source.is_empty() {
        "manual"
    } else {
        new.source.as_str()
    };
    conn.execute(
        "INSERT INTO action (title, account_id, journey_id, phase_key, period, metric_id, owner, due, status,
                             source, subject, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?10, ?11, ?12, ?12)",
        params![
            new.title,
            new.account_id,
            new.journey_id,
            new.phase_key,
            new.period,
            new.metric_id,
            new.owner,
            new.due.map(|d| d.to_string()),
            source,
            new.subject,
            who,
            now
        ],
    )
    .context("writing the action")?;
    let id = conn.last_insert_rowid();
    let body = match (&new.owner, new.due) {
        (Some(owner), Some(due)) => format!("for {owner}, due {due}"),
        (Some(owner), None) => format!("for {owner}"),
        (None, Some(due)) => format!("due {due}"),
        (None, None) => String::new(),
    };
    append_event(conn, id, "created", &body, who, now)?;
    Ok(id)
}

/// The environment variable that sets the clock of the follow-through commands and documents.
pub const NOW_ENV: &str = "CXCOCKPIT_NOW";

/// Now, in UTC to the second: `CXCOCKPIT_NOW` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`) when set,
/// so tests and replays get the same overdue lists, ages and due dates; else the clock.
pub fn now() -> Result<NaiveDateTime> {
    match std::env::var(NOW_ENV) {
        Err(_) => Ok(super::review::now_utc()),
        Ok(text) => NaiveDateTime::parse_from_str(&text, super::review::TIME_FORMAT)
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(|| {
                Error::input(format!(
                    "{NOW_ENV}={text}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
                ))
            }),
    }
}

/// Today: `now`'s day.
pub fn today() -> Result<NaiveDate> {
    Ok(now()?.date())
}

/// A phase's actions as its review of `period` lists them: those of the month (about `period`,
/// or created in it when they name no month), then the ones still open from earlier months,
/// carried over. Oldest first within each.
pub(crate) fn phase_actions_in(
    conn: &Connection,
    journey_id: &str,
    phase_key: &str,
    period: &str,
) -> Result<(Vec<Action>, Vec<Action>)> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, coalesce(period, substr(created_at, 1, 7)) AS month FROM action
             WHERE journey_id = ?1 AND phase_key = ?2
               AND (coalesce(period, substr(created_at, 1, 7)) = ?3
                    OR (status = 'open' AND coalesce(period, substr(created_at, 1, 7)) < ?3))
             ORDER BY month = ?3 DESC, created_at, action_id"
        ))
        .context("reading the phase's actions")?;
    let rows = stmt
        .query_map(params![journey_id, phase_key, period], |r| {
            Ok((from_row(r)?, r.get::<_, String>(15)?))
        })
        .context("reading the phase's actions")?;
    let (mut this_month, mut carried) = (Vec::new(), Vec::new());
    for row in rows {
        let (mut action, month) = row.context("reading the phase's actions")?;
        action.history = history_in(conn, action.id)?;
        if month == period {
            this_month.push(action);
        } else {
            carried.push(action);
        }
    }
    Ok((this_month, carried))
}

impl Store {
    /// A phase's actions in its review of `period`: (this month's, carried over).
    pub fn phase_actions(
        &self,
        journey_id: &str,
        phase_key: &str,
        period: &str,
    ) -> Result<(Vec<Action>, Vec<Action>)> {
        phase_actions_in(&self.conn, journey_id, phase_key, period)
    }

    /// Adds an action in one transaction and returns it as stored.
    pub fn add_action(&mut self, new: &NewAction, who: &str, now: &str) -> Result<Action> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting to add an action")?;
        let id = insert_action(&tx, new, who, now)?;
        tx.commit().context("committing the action")?;
        self.action(id)?
            .ok_or_else(|| Error::input(format!("action {id}: not found after it was written")))
    }

    /// Changes an action in one transaction: its state and one history event. Done and drop
    /// need an open action; a drop needs a reason.
    pub fn change_action(&mut self, id: i64, change: Change<'_>, who: &str, now: &str) -> Result<Action> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting an action's change")?;
        let Some(current) = action_in(&tx, id)? else {
            return Err(Error::input(format!("action {id}: no such action")));
        };
        let closing = |verb: &str| -> Result<()> {
            if current.status != ActionStatus::Open {
                return Err(Error::input(format!(
                    "action {id}: is {} already; expected an open action to mark {verb}",
                    current.status.as_str()
                )));
            }
            Ok(())
        };
        match change {
            Change::Done { note } | Change::Drop { note } => {
                // Both close the action with an outcome; a drop must say why.
                let (status, event) = match change {
                    Change::Drop { .. } => ("dropped", "drop"),
                    _ => ("done", "done"),
                };
                if event == "drop" && note.trim().is_empty() {
                    return Err(Error::input(format!(
                        "action {id}: --note is empty; expected why the action is dropped"
                    )));
                }
                closing(status)?;
                tx.execute(
                    "UPDATE action SET status = ?4, outcome = ?2, updated_at = ?3 WHERE action_id = ?1",
                    params![id, note, now, status],
                )
                .context("closing the action")?;
                append_event(&tx, id, event, note, who, now)?;
            }
            Change::Note { text } => {
                if text.trim().is_empty() {
                    return Err(Error::input(format!(
                        "action {id}: the note is empty; expected some text"
                    )));
                }
                tx.execute(
                    "UPDATE action SET updated_at = ?2 WHERE action_id = ?1",
                    params![id, now],
                )
                .context("noting the action")?;
                append_event(&tx, id, "note", text, who, now)?;
            }
            Change::Assign { to } => {
                if to.trim().is_empty() {
                    return Err(Error::input(format!(
                        "action {id}: the user is empty; expected a login name"
                    )));
                }
                tx.execute(
                    "UPDATE action SET owner = ?2, updated_at = ?3 WHERE action_id = ?1",
                    params![id, to, now],
                )
                .context("assigning the action")?;
                append_event(&tx, id, "assign", &format!("assigned to {to}"), who, now)?;
            }
        }
        tx.commit().context("committing the action's change")?;
        self.action(id)?
            .ok_or_else(|| Error::input(format!("action {id}: no such action")))
    }

    /// One action with its history.
    pub fn action(&self, id: i64) -> Result<Option<Action>> {
        action_in(&self.conn, id)
    }

    /// The actions the filter keeps, each with its history: overdue at `today` first, then by
    /// due date (none last), then by id.
    pub fn actions(&self, filter: &Filter, today: NaiveDate) -> Result<Vec<Action>> {
        let today = today.to_string();
        let (journey, phase) = filter.phase.clone().unzip();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM action
                 WHERE (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR status = ?2)
                   AND (NOT ?3 OR (status = 'open' AND due < ?7)) AND (?4 IS NULL OR account_id = ?4)
                   AND (?5 IS NULL OR (journey_id = ?5 AND phase_key = ?6))
                 ORDER BY status = 'open' AND due < ?7 DESC, due IS NULL, due, action_id"
            ))
            .context("reading the actions")?;
        let rows = stmt
            .query_map(
                params![
                    filter.owner,
                    filter.status.map(ActionStatus::as_str),
                    filter.overdue,
                    filter.account,
                    journey,
                    phase,
                    today
                ],
                from_row,
            )
            .context("reading the actions")?;
        let mut actions: Vec<Action> = rows
            .collect::<rusqlite::Result<_>>()
            .context("reading the actions")?;
        for action in &mut actions {
            action.history = history_in(&self.conn, action.id)?;
        }
        Ok(actions)
    }
}
