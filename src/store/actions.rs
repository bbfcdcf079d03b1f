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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

    pub fn parse(text: &str) -> Option<Self> {
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

/// One line of the cockpit's actions list: the action without its history, with the names of
/// what it is about (read by key in the same query) and, at the day it was read, whether it is
/// overdue and how old it is, so drawing needs no clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionLine {
    pub id: i64,
    pub title: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub journey_id: Option<String>,
    pub phase_key: Option<String>,
    pub period: Option<String>,
    pub metric_id: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: ActionStatus,
    pub source: String,
    pub created_at: String,
    pub overdue: bool,
    pub age_days: i64,
}

/// Which actions the cockpit lists: one owner's (None: everyone's) in one status (None: all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub owner: Option<String>,
    pub status: Option<ActionStatus>,
}

/// A page of the cockpit's list, with the counts of every action the query keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionPage {
    pub lines: Vec<ActionLine>,
    /// Actions the query keeps (`lines` holds at most the limit asked for).
    pub matching: usize,
    pub overdue: usize,
    /// Those owned by the login name the page was read for.
    pub mine: usize,
}

// Tables by their names, not aliases, so that query plans name them (`ui::load`'s test reads
// the plans for walks of every account).
const LINE_COLUMNS: &str =
    "action.action_id, action.title, action.account_id, account.name, action.journey_id,
                            action.phase_key, action.period, action.metric_id, action.owner, action.due,
                            action.status, action.source, action.created_at";

fn line_from_row(r: &rusqlite::Row<'_>, today: NaiveDate) -> rusqlite::Result<ActionLine> {
    let status: String = r.get(10)?;
    let status = ActionStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            10,
            rusqlite::types::Type::Text,
            format!("status '{status}'").into(),
        )
    })?;
    let due: Option<String> = r.get(9)?;
    let created_at: String = r.get(12)?;
    // The same rules as `Action::is_overdue` and `Action::age_days`.
    let overdue =
        status == ActionStatus::Open && due.as_deref().is_some_and(|d| d < today.to_string().as_str());
    let age_days = created_at
        .get(..10)
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .map_or(0, |created| (today - created).num_days().max(0));
    Ok(ActionLine {
        id: r.get(0)?,
        title: r.get(1)?,
        account_id: r.get(2)?,
        account_name: r.get(3)?,
        journey_id: r.get(4)?,
        phase_key: r.get(5)?,
        period: r.get(6)?,
        metric_id: r.get(7)?,
        owner: r.get(8)?,
        due,
        status,
        source: r.get(11)?,
        created_at,
        overdue,
        age_days,
    })
}

impl Store {
    /// The cockpit's list: the actions `query` keeps, `me`'s first, then those overdue at
    /// `today`, then by due date (none last), then by id; at most `limit` lines, with the counts
    /// of all of them. Two statements: the counts, and the page (each account's name looked up
    /// by key).
    pub fn action_page(
        &self,
        query: &ListQuery,
        me: &str,
        today: NaiveDate,
        limit: usize,
    ) -> Result<ActionPage> {
        let day = today.to_string();
        let status = query.status.map(ActionStatus::as_str);
        let (matching, overdue, mine): (i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(status = 'open' AND due < ?3), 0), coalesce(sum(owner = ?4), 0)
                 FROM action WHERE (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR status = ?2)",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![query.owner, status, day, me], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
            })
            .context("counting the actions")?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {LINE_COLUMNS} FROM action LEFT JOIN account ON account.account_id = action.account_id
                 WHERE (?1 IS NULL OR action.owner = ?1) AND (?2 IS NULL OR action.status = ?2)
                 ORDER BY coalesce(action.owner = ?4, 0) DESC, (action.status = 'open' AND action.due < ?3) DESC,
                          action.due IS NULL, action.due, action.action_id
                 LIMIT ?5"
            ))
            .context("reading the actions")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lines = stmt
            .query_map(params![query.owner, status, day, me, limit], |r| {
                line_from_row(r, today)
            })
            .context("reading the actions")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("reading the actions")?;
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Ok(ActionPage {
            lines,
            matching: count(matching),
            overdue: count(overdue),
            mine: count(mine),
        })
    }

    /// An account's open actions, overdue first, then by due date (none last), then by id.
    pub fn account_open_actions(&self, account_id: &str, today: NaiveDate) -> Result<Vec<ActionLine>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {LINE_COLUMNS} FROM action LEFT JOIN account ON account.account_id = action.account_id
                 WHERE action.account_id = ?1 AND action.status = 'open'
                 ORDER BY action.due < ?2 DESC, action.due IS NULL, action.due, action.action_id"
            ))
            .context("reading the account's actions")?;
        stmt.query_map(params![account_id, today.to_string()], |r| {
            line_from_row(r, today)
        })
        .context("reading the account's actions")?
        .collect::<rusqlite::Result<Vec<_>>>()
        .context("reading the account's actions")
    }

    /// For each of these accounts with an open action: how many it has open and how many of
    /// those are overdue at `today`. One statement for the whole list (by the account index).
    pub fn open_action_counts(
        &self,
        account_ids: &[&str],
        today: NaiveDate,
    ) -> Result<std::collections::HashMap<String, (usize, usize)>> {
        if account_ids.is_empty() {
            return Ok(Default::default());
        }
        // The ids as one JSON array parameter: one prepared statement whatever their number.
        let ids = serde_json::to_string(account_ids).map_err(|e| Error::input(e.to_string()))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account_id, count(*), coalesce(sum(due < ?2), 0) FROM action
                 WHERE status = 'open' AND account_id IN (SELECT value FROM json_each(?1))
                 GROUP BY account_id",
            )
            .context("counting the accounts' actions")?;
        let rows = stmt
            .query_map(params![ids, today.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            })
            .context("counting the accounts' actions")?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, open, overdue) = row.context("counting the accounts' actions")?;
            out.insert(
                id,
                (
                    usize::try_from(open).unwrap_or(0),
                    usize::try_from(overdue).unwrap_or(0),
                ),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// A store with six actions: (title, owner, due), every one open, created 2026-11-01.
    fn store_with_actions() -> (Store, String) {
        let mut store = crate::demo::test_store();
        let account: String = store
            .conn
            .query_row("SELECT min(account_id) FROM account", [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("an account: {e}"));
        let rows: [(&str, Option<&str>, Option<&str>); 6] = [
            ("kim, overdue", Some("kim"), Some("2026-11-10")),
            ("ana, later", Some("ana"), Some("2026-12-20")),
            ("nobody, no date", None, None),
            ("kim, soon", Some("kim"), Some("2026-12-01")),
            ("ana, no date", Some("ana"), None),
            ("bo, overdue earlier", Some("bo"), Some("2026-11-02")),
        ];
        for (i, (title, owner, due)) in rows.iter().enumerate() {
            let new = NewAction {
                title: (*title).into(),
                owner: owner.map(String::from),
                due: due.map(day),
                account_id: (i == 0).then(|| account.clone()),
                ..NewAction::default()
            };
            store
                .add_action(&new, "ana", "2026-11-01T09:00:00")
                .unwrap_or_else(|e| panic!("{title}: {e}"));
        }
        (store, account)
    }

    fn titles(page: &ActionPage) -> Vec<&str> {
        page.lines.iter().map(|l| l.title.as_str()).collect()
    }

    #[test]
    fn the_cockpit_lists_mine_first_then_overdue_then_by_due_date() {
        let (store, account) = store_with_actions();
        let today = day("2026-11-30");
        let open = ListQuery {
            owner: None,
            status: Some(ActionStatus::Open),
        };
        let page = store.action_page(&open, "ana", today, 100).unwrap_or_default();
        assert_eq!(
            titles(&page),
            [
                // ana's: none overdue, by due date, the one without a date last.
                "ana, later",
                "ana, no date",
                // then the overdue, earliest due first,
                "bo, overdue earlier",
                "kim, overdue",
                // then by due date, none last.
                "kim, soon",
                "nobody, no date",
            ]
        );
        assert_eq!((page.matching, page.overdue, page.mine), (6, 2, 2));
        let first = page.lines.iter().find(|l| l.title == "kim, overdue");
        assert_eq!(first.map(|l| (l.overdue, l.age_days)), Some((true, 29)));
        assert_eq!(first.and_then(|l| l.account_id.clone()), Some(account.clone()));
        assert!(
            first.is_some_and(|l| l.account_name.is_some()),
            "the account's name is read with it"
        );
        // Another login name puts its own first.
        let page = store.action_page(&open, "kim", today, 100).unwrap_or_default();
        assert_eq!(
            &titles(&page)[..3],
            ["kim, overdue", "kim, soon", "bo, overdue earlier"]
        );
        // The limit cuts the lines, not the counts.
        let page = store.action_page(&open, "ana", today, 2).unwrap_or_default();
        assert_eq!(titles(&page), ["ana, later", "ana, no date"]);
        assert_eq!(page.matching, 6);
    }

    #[test]
    fn the_cockpit_filters_by_owner_and_status() {
        let (mut store, account) = store_with_actions();
        let today = day("2026-11-30");
        let kim = ListQuery {
            owner: Some("kim".into()),
            status: Some(ActionStatus::Open),
        };
        let page = store.action_page(&kim, "ana", today, 100).unwrap_or_default();
        assert_eq!(titles(&page), ["kim, overdue", "kim, soon"]);
        assert_eq!((page.matching, page.overdue, page.mine), (2, 1, 0));
        // Closing two: done and dropped leave the open list, and are overdue no more.
        let id =
            |page: &ActionPage, title: &str| page.lines.iter().find(|l| l.title == title).map_or(0, |l| l.id);
        let (overdue, soon) = (id(&page, "kim, overdue"), id(&page, "kim, soon"));
        store
            .change_action(overdue, Change::Done { note: "" }, "kim", "2026-11-30T10:00:00")
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .change_action(
                soon,
                Change::Drop { note: "not needed" },
                "kim",
                "2026-11-30T10:00:00",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let page = store.action_page(&kim, "ana", today, 100).unwrap_or_default();
        assert_eq!(titles(&page), Vec::<&str>::new());
        let done = ListQuery {
            owner: None,
            status: Some(ActionStatus::Done),
        };
        let page = store.action_page(&done, "ana", today, 100).unwrap_or_default();
        assert_eq!(titles(&page), ["kim, overdue"]);
        assert_eq!(
            page.lines.first().map(|l| l.overdue),
            Some(false),
            "done is never overdue"
        );
        let every = ListQuery::default();
        let page = store.action_page(&every, "ana", today, 100).unwrap_or_default();
        assert_eq!(page.matching, 6);
        assert_eq!(page.overdue, 1, "only bo's is still open and overdue");
        // The account's open actions, and the counts the triage rows show.
        assert_eq!(
            store.account_open_actions(&account, today).unwrap_or_default(),
            vec![]
        );
        let counts = store
            .open_action_counts(&[account.as_str(), "nobody"], today)
            .unwrap_or_default();
        assert!(counts.is_empty(), "{counts:?}");
        store
            .add_action(
                &NewAction {
                    title: "again".into(),
                    account_id: Some(account.clone()),
                    due: Some(day("2026-11-29")),
                    ..NewAction::default()
                },
                "ana",
                "2026-11-30T11:00:00",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let counts = store
            .open_action_counts(&[account.as_str()], today)
            .unwrap_or_default();
        assert_eq!(counts.get(&account), Some(&(1, 1)));
        let lines = store.account_open_actions(&account, today).unwrap_or_default();
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.title.as_str(), l.overdue))
                .collect::<Vec<_>>(),
            [("again", true)]
        );
    }
}
