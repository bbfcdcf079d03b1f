//! `cxcockpit actions`: owned actions with due dates (list, add, done, drop, note, assign,
//! history). Every write is one transaction with the login name, as triage's actions are.
//!
//! The clock: `CXCOCKPIT_NOW` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, UTC) stands in for now,
//! so tests and replays get the same overdue lists, ages and due dates (`store::actions::now`).

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{self, Format, out, outln};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::import::fields::{MAX_LONG_TEXT, MAX_SHORT_TEXT, too_long};
use crate::store::Store;
use crate::store::actions::{Action, ActionStatus, Change, Filter, NewAction};
use crate::store::review::{TIME_FORMAT, login_name};

pub use crate::store::actions::{now, today};

fn stamp(at: NaiveDateTime) -> String {
    at.format(TIME_FORMAT).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum StatusFilter {
    #[default]
    Open,
    Done,
    Dropped,
    All,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ActionsArgs {
    /// Only the actions of this owner.
    #[arg(long, value_name = "U")]
    pub owner: Option<String>,
    /// Which status (default: open).
    #[arg(long, value_enum, default_value_t = StatusFilter::Open)]
    pub status: StatusFilter,
    /// Only open actions past their due date.
    #[arg(long)]
    pub overdue: bool,
    /// Only the actions about this account.
    #[arg(long, value_name = "A")]
    pub account: Option<String>,
    #[command(subcommand)]
    pub command: Option<ActionsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Add an action; prints it (with --format json, its object with its id).
    Add {
        /// What is to be done.
        #[arg(long, value_name = "T")]
        title: String,
        #[arg(long, value_name = "A")]
        account: Option<String>,
        #[arg(long, value_name = "J")]
        journey: Option<String>,
        /// A phase key of --journey.
        #[arg(long, value_name = "P")]
        phase: Option<String>,
        #[arg(long, value_name = "YYYY-MM")]
        period: Option<Period>,
        /// A metric id (its journey and phase come with it).
        #[arg(long, value_name = "M")]
        metric: Option<String>,
        /// Who is to do it (default: nobody yet).
        #[arg(long, value_name = "U")]
        owner: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<NaiveDate>,
        /// The action comes from the monthly review of --period (source `review:YYYY-MM`).
        #[arg(long, requires = "period")]
        from_review: bool,
    },
    /// Mark an open action done, with an optional outcome note.
    Done {
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Drop an open action, saying why.
    Drop {
        id: i64,
        #[arg(long)]
        note: String,
    },
    /// Add a note to an action's history.
    Note { id: i64, text: String },
    /// Give an action to someone.
    Assign { id: i64, user: String },
    /// An action's history, oldest first.
    History { id: i64 },
}

impl ActionsArgs {
    /// Whether the command writes to the store.
    pub fn writes(&self) -> bool {
        !matches!(self.command, None | Some(ActionsCommand::History { .. }))
    }
}

pub fn run(store: &mut Store, args: &ActionsArgs, format: Format, readonly: bool) -> Result<u8> {
    let today = today()?;
    let Some(command) = &args.command else {
        let filter = Filter {
            owner: args.owner.clone(),
            status: match args.status {
                StatusFilter::Open => Some(ActionStatus::Open),
                StatusFilter::Done => Some(ActionStatus::Done),
                StatusFilter::Dropped => Some(ActionStatus::Dropped),
                StatusFilter::All => None,
            },
            overdue: args.overdue,
            account: args.account.clone(),
            phase: None,
        };
        let actions = store.actions(&filter, today)?;
        return print_list(&actions, format, today);
    };
    if let ActionsCommand::History { id } = command {
        let Some(action) = store.action(*id)? else {
            return Err(Error::input(format!("action {id}: no such action")));
        };
        match format {
            Format::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&action.history).unwrap_or_default()
            ),
            _ => {
                let rows: Vec<Vec<String>> = action
                    .history
                    .iter()
                    .map(|e| vec![e.at.clone(), e.author.clone(), e.event.clone(), e.body.clone()])
                    .collect();
                let header = ["when", "who", "event", "note"];
                if format == Format::Csv {
                    out!("{}", output::csv(&header, &rows));
                } else {
                    outln!(
                        "action {}: {}",
                        action.id,
                        crate::report::escape::line(&action.title)
                    );
                    out!("{}", output::table(&header, &rows));
                }
            }
        }
        return Ok(0);
    }
    if readonly {
        return Err(Error::input(
            "--readonly: actions add|done|drop|note|assign write to the store",
        ));
    }
    let me = login_name();
    let now = stamp(now()?);
    let action = match command {
        ActionsCommand::Add {
            title,
            account,
            journey,
            phase,
            period,
            metric,
            owner,
            due,
            from_review,
        } => {
            bounded("--title", title, MAX_SHORT_TEXT)?;
            if let Some(owner) = owner {
                bounded("--owner", owner, MAX_SHORT_TEXT)?;
            }
            let new = NewAction {
                title: title.trim().to_string(),
                account_id: account.clone(),
                journey_id: journey.clone(),
                phase_key: phase.clone(),
                period: period.map(|p| p.to_string()),
                metric_id: metric.clone(),
                owner: owner.clone().filter(|o| !o.trim().is_empty()),
                due: *due,
                source: match (from_review, period) {
                    (true, Some(period)) => format!("review:{period}"),
                    _ => String::new(),
                },
                subject: String::new(),
            };
            store.add_action(&new, &me, &now)?
        }
        ActionsCommand::Done { id, note } => {
            bounded("--note", note, MAX_LONG_TEXT)?;
            store.change_action(*id, Change::Done { note }, &me, &now)?
        }
        ActionsCommand::Drop { id, note } => {
            bounded("--note", note, MAX_LONG_TEXT)?;
            store.change_action(*id, Change::Drop { note }, &me, &now)?
        }
        ActionsCommand::Note { id, text } => {
            bounded("the note", text, MAX_LONG_TEXT)?;
            store.change_action(*id, Change::Note { text }, &me, &now)?
        }
        ActionsCommand::Assign { id, user } => {
            bounded("the user", user, MAX_SHORT_TEXT)?;
            store.change_action(*id, Change::Assign { to: user }, &me, &now)?
        }
        ActionsCommand::History { .. } => return Ok(0),
    };
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&action_json(&action)).unwrap_or_default()
        ),
        Format::Csv => out!("{}", output::csv(&HEADER, &[cells(&action, today)])),
        Format::Table => outln!(
            "action {}: {} ({}; {})",
            action.id,
            crate::report::escape::line(&action.title),
            action.status.as_str(),
            crate::report::escape::line(&who_and_when(&action))
        ),
    }
    Ok(0)
}

/// The same bounds as an import's, so one note cannot become a cell every reader has to print.
fn bounded(field: &str, text: &str, max: usize) -> Result<()> {
    match too_long(text, max) {
        Some(problem) => Err(Error::input(format!("actions: {field} has {problem}"))),
        None => Ok(()),
    }
}

fn who_and_when(action: &Action) -> String {
    let owner = action.owner.as_deref().unwrap_or("no owner");
    match &action.due {
        Some(due) => format!("{owner}, due {due}"),
        None => format!("{owner}, no due date"),
    }
}

/// An action as the JSON of `actions`: exactly the fields the contract names.
pub fn action_json(a: &Action) -> serde_json::Value {
    json!({
        "id": a.id,
        "title": a.title,
        "account_id": a.account_id,
        "journey_id": a.journey_id,
        "phase_key": a.phase_key,
        "period": a.period,
        "metric_id": a.metric_id,
        "owner": a.owner,
        "due": a.due,
        "status": a.status.as_str(),
        "source": a.source,
        "created_by": a.created_by,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "history": a.history,
    })
}

const HEADER: [&str; 8] = ["id", "due", "owner", "status", "about", "title", "source", "age"];

fn about(a: &Action) -> String {
    let mut parts = Vec::new();
    if let Some(account) = &a.account_id {
        parts.push(account.clone());
    }
    match (&a.journey_id, &a.phase_key) {
        (Some(j), Some(p)) => parts.push(format!("{j}/{p}")),
        (Some(j), None) => parts.push(j.clone()),
        _ => {}
    }
    if let Some(period) = &a.period {
        parts.push(period.clone());
    }
    if let Some(metric) = &a.metric_id {
        parts.push(metric.clone());
    }
    parts.join(" ")
}

fn cells(a: &Action, today: NaiveDate) -> Vec<String> {
    let status = if a.is_overdue(today) {
        "! overdue".to_string()
    } else {
        a.status.as_str().to_string()
    };
    vec![
        a.id.to_string(),
        a.due.clone().unwrap_or_else(|| "-".into()),
        a.owner.clone().unwrap_or_else(|| "-".into()),
        status,
        about(a),
        a.title.clone(),
        a.source.clone(),
        format!("{} d", a.age_days(today)),
    ]
}

fn print_list(actions: &[Action], format: Format, today: NaiveDate) -> Result<u8> {
    match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = actions.iter().map(action_json).collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({ "actions": list })).unwrap_or_default()
            );
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = actions.iter().map(|a| cells(a, today)).collect();
            out!("{}", output::csv(&HEADER, &rows));
        }
        Format::Table => {
            if actions.is_empty() {
                outln!("no actions");
            } else {
                let rows: Vec<Vec<String>> = actions.iter().map(|a| cells(a, today)).collect();
                out!("{}", output::table(&HEADER, &rows));
            }
        }
    }
    Ok(0)
}
