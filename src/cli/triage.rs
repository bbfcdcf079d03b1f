//! `cxcockpit triage`: the HVC priority queue with each row's signal breakdown, and the shared
//! triage actions (assign, snooze, note, resolve, reopen) for scripts.

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{self, Format};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::triage::{Action, QueueRow};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TriageArgs {
    /// At most N rows.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Every active account, not only HVC accounts.
    #[arg(long)]
    pub all: bool,
    /// Also snoozed and resolved accounts.
    #[arg(long)]
    pub closed: bool,
    #[command(subcommand)]
    pub action: Option<TriageAction>,
}

#[derive(Debug, Subcommand)]
pub enum TriageAction {
    /// Assign the account (to yourself by default).
    Assign {
        account: String,
        #[arg(long)]
        to: Option<String>,
    },
    /// Take the account out of the queue until a date (it wakes earlier if its score rises).
    Snooze {
        account: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: chrono::NaiveDate,
        #[arg(long)]
        reason: String,
    },
    /// Add a note (notes are append-only).
    Note { account: String, text: String },
    /// Mark the account resolved.
    Resolve {
        account: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reopen a resolved or snoozed account.
    Reopen {
        account: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The account's triage history.
    History { account: String },
}

/// The login name that actions are recorded under (the same as the review's).
pub use crate::store::review::login_name;

fn now_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub fn run(store: &mut Store, args: &TriageArgs, format: Format, readonly: bool) -> Result<u8> {
    if let Some(action) = &args.action {
        return act(store, action, format, readonly);
    }
    let today = chrono::Local::now().date_naive().to_string();
    let mut queue = store.triage_queue(args.all, args.closed, &today)?;
    if let Some(limit) = args.limit {
        queue.truncate(limit);
    }
    match format {
        Format::Json => {
            let rows: Vec<_> = queue.iter().map(row_json).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "queue": rows })).unwrap_or_default()
            );
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = queue
                .iter()
                .map(|q| {
                    let mut row = cells(q);
                    row.push(
                        q.score
                            .signals
                            .iter()
                            .map(|s| format!("{}={}:{}", s.signal.name(), s.value, s.points))
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                    row
                })
                .collect();
            let mut header = HEADER.to_vec();
            header.push("signals");
            print!("{}", output::csv(&header, &rows));
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = queue.iter().map(cells).collect();
            println!(
                "priority queue ({}; a higher score is more urgent)",
                if args.all { "all accounts" } else { "HVC" }
            );
            print!("{}", output::table(&HEADER, &rows));
        }
    }
    Ok(0)
}

const HEADER: [&str; 11] = [
    "account",
    "name",
    "segment",
    "MRR",
    "tier",
    "score",
    "change",
    "drivers",
    "owner",
    "status",
    "oldest open",
];

fn cells(q: &QueueRow) -> Vec<String> {
    let drivers: Vec<String> = q
        .score
        .signals
        .iter()
        .take(2)
        .map(|s| format!("{} {}", s.signal.name(), s.points))
        .collect();
    vec![
        q.account_id.clone(),
        q.name.clone(),
        q.segment.to_string(),
        q.mrr.map(|m| format!("{m:.0}")).unwrap_or_default(),
        q.tier.clone().unwrap_or_else(|| "-".into()),
        format!("{:.1}", q.score.total),
        format!("{:+.1}", q.score.total - q.score_last_month),
        drivers.join(", "),
        q.assignee
            .clone()
            .or_else(|| q.owner.clone())
            .unwrap_or_else(|| "-".into()),
        q.status.clone(),
        q.oldest_open_days
            .map(|d| format!("{d:.0} d"))
            .unwrap_or_default(),
    ]
}

fn row_json(q: &QueueRow) -> serde_json::Value {
    json!({
        "account_id": q.account_id,
        "name": q.name,
        "segment": q.segment,
        "company_size": q.company_size,
        "mrr": q.mrr,
        "tier": q.tier,
        "owner": q.owner,
        "assignee": q.assignee,
        "status": q.status,
        "snooze_until": q.snooze_until,
        "oldest_open_days": q.oldest_open_days,
        "score": q.score.total,
        "score_last_month": q.score_last_month,
        "signals": q.score.signals.iter().map(|s| json!({
            "signal": s.signal.name(), "value": s.value, "points": s.points, "rule": s.signal.rule(),
        })).collect::<Vec<_>>(),
        "changes": q.changes.iter().map(|(s, d)| json!({"signal": s.name(), "points": d})).collect::<Vec<_>>(),
    })
}

fn act(store: &mut Store, action: &TriageAction, format: Format, readonly: bool) -> Result<u8> {
    if let TriageAction::History { account } = action {
        let history = store.triage_history(account)?;
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&history).unwrap_or_default()),
            _ => {
                let rows: Vec<Vec<String>> = history
                    .iter()
                    .map(|e| {
                        vec![
                            e.created_at.clone(),
                            e.author.clone(),
                            e.action.clone(),
                            e.body.clone(),
                        ]
                    })
                    .collect();
                print!("{}", output::table(&["when", "who", "action", "note"], &rows));
            }
        }
        return Ok(0);
    }
    if readonly {
        return Err(Error::input("--readonly: triage actions write to the store"));
    }
    let me = login_name();
    let until;
    let (account, action) = match action {
        TriageAction::Assign { account, to } => (
            account,
            Action::Assign {
                to: to.as_deref().unwrap_or(&me),
            },
        ),
        TriageAction::Snooze {
            account,
            until: date,
            reason,
        } => {
            until = date.to_string();
            (
                account,
                Action::Snooze {
                    until: &until,
                    reason,
                },
            )
        }
        TriageAction::Note { account, text } => (account, Action::Note { body: text }),
        TriageAction::Resolve { account, note } => (account, Action::Resolve { note }),
        TriageAction::Reopen { account, note } => (account, Action::Reopen { note }),
        TriageAction::History { .. } => return Ok(0),
    };
    store.triage_act(account, action, &me, &now_stamp())?;
    println!("{account}: recorded ({me})");
    Ok(0)
}
