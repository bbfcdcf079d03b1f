//! `cxcockpit triage`: the HVC priority queue with each row's signal breakdown, and the shared
//! triage actions (assign, snooze, note, resolve, reopen) for scripts.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{self, Format, JsonPart, Stream, out, outln, stop_when_closed};
use crate::error::{Error, Result};
use crate::import::fields::{MAX_LONG_TEXT, MAX_SHORT_TEXT, too_long};
use crate::store::Store;
use crate::store::triage::{Action, BacktestSummary, QueueRow};
use crate::ui::text::grouped;

/// The queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Order {
    /// Highest score first (ties: higher MRR, then id).
    #[default]
    Score,
    /// Highest score x MRR first: value-weighted triage (ties: the score order).
    MrrAtRisk,
}

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
    /// The order: score, or mrr-at-risk (score x MRR, highest first).
    #[arg(long, value_enum, default_value_t = Order::Score)]
    pub order: Order,
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
    let backtest = store.triage_backtest()?;
    // Rows are written as they are read (`triage_queue_each`), so that memory does not grow with
    // the number of accounts.
    let mrr_at_risk = args.order == Order::MrrAtRisk;
    let each = |f: &mut dyn FnMut(QueueRow) -> Result<()>| {
        store.triage_queue_each(args.all, args.closed, &today, mrr_at_risk, args.limit, f)
    };
    // Every account's rows are read once: a page cache the size of the store's usual one would
    // be most of this command's memory, for pages the operating system caches anyway.
    store.set_cache_kib(crate::store::COCKPIT_CACHE_KIB)?;
    let mut stream = Stream::stdout();
    match format {
        Format::Json => {
            let mut rows =
                |row: &mut dyn FnMut(serde_json::Value) -> Result<()>| each(&mut |q| row(row_json(&q)));
            stream.json_document(&mut [
                (
                    "backtest",
                    JsonPart::Value(json!(backtest.as_ref().map(backtest_json))),
                ),
                ("queue", JsonPart::Rows(Box::new(&mut rows))),
            ])?;
        }
        Format::Csv => {
            let mut header = HEADER.to_vec();
            header.push("signals");
            stream.write_str(&output::csv_line(&header))?;
            let written = each(&mut |q| {
                let mut row = cells(&q);
                row.push(
                    q.score
                        .signals
                        .iter()
                        .map(|s| format!("{}={}:{}", s.signal.name(), s.value, s.points))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                stream.write_str(&output::csv_line(&row))?;
                stop_when_closed(&stream)
            });
            output::unless_closed(written, &stream)?;
        }
        Format::Table => {
            // The table's widths depend on every row: the rows are spooled to a file as they are
            // read (one pass over the queue, no row held), then written padded.
            let mut table = output::SpooledTable::new(&HEADER);
            each(&mut |q| table.push(&cells(&q)))?;
            stream.write_str(&format!("{}\n", backtest_line(backtest.as_ref())))?;
            stream.write_str(&format!(
                "priority queue ({}; {})\n",
                if args.all { "all accounts" } else { "HVC" },
                match args.order {
                    Order::Score => "a higher score is more urgent",
                    Order::MrrAtRisk => "by MRR at risk: score x MRR, highest first",
                }
            ))?;
            table.write_to(&mut stream)?;
        }
    }
    stream.finish()?;
    Ok(0)
}

/// The backtest in one line: "backtest over 24 months, 18,000 account-months: AUC 0.71; the top
/// 10% held 38% of the churned MRR".
pub fn backtest_line(backtest: Option<&BacktestSummary>) -> String {
    let Some(b) = backtest else {
        return "backtest: none yet (the next refresh runs it: `cxcockpit rollup`)".into();
    };
    let f = &b.figures;
    if f.months == 0 {
        return "backtest: none (no month with 3 months after it)".into();
    }
    let months = if f.months == 1 {
        "1 month".to_string()
    } else {
        format!("{} months", f.months)
    };
    let auc = f.auc.map_or_else(
        || "AUC n/a (no churn or no stayer)".into(),
        |a| format!("AUC {a:.2}"),
    );
    let top = f.top_decile_churned_mrr_share.map_or_else(
        || "no churned MRR".into(),
        |s| format!("the top 10% held {:.0}% of the churned MRR", 100.0 * s),
    );
    let mut line = format!(
        "backtest over {months}, {} account-months ({} churned): {auc}; {top}",
        grouped(f.accounts),
        grouped(f.churned)
    );
    if b.weights_changed {
        line += " (weights of the last refresh; `cxcockpit rollup` re-tests the current ones)";
    }
    line
}

fn backtest_json(b: &BacktestSummary) -> serde_json::Value {
    json!({
        "months": b.figures.months,
        "accounts": b.figures.accounts,
        "churned": b.figures.churned,
        "auc": b.figures.auc,
        "top_decile_churned_mrr_share": b.figures.top_decile_churned_mrr_share,
        "from": b.from,
        "to": b.to,
        "weights_changed": b.weights_changed,
    })
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
        "mrr_at_risk": q.mrr_at_risk(),
        "signals": q.score.signals.iter().map(|s| json!({
            "signal": s.signal.name(), "value": s.value, "points": s.points, "rule": s.rule(),
        })).collect::<Vec<_>>(),
        "changes": q.changes.iter().map(|(s, d)| json!({"signal": s.name(), "points": d})).collect::<Vec<_>>(),
    })
}

fn act(store: &mut Store, action: &TriageAction, format: Format, readonly: bool) -> Result<u8> {
    if let TriageAction::History { account } = action {
        let history = store.triage_history(account)?;
        match format {
            Format::Json => outln!("{}", serde_json::to_string_pretty(&history).unwrap_or_default()),
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
                let header = ["when", "who", "action", "note"];
                if format == Format::Csv {
                    out!("{}", output::csv(&header, &rows));
                } else {
                    out!("{}", output::table(&header, &rows));
                }
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
            // A past date would snooze nothing: the account would be back at once.
            let today = chrono::Local::now().date_naive();
            if *date < today {
                return Err(Error::input(format!(
                    "triage snooze {account}: --until {date} is in the past (today is {today}); expected today or later"
                )));
            }
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
    // The same bounds as an import's, so one note cannot become a cell every reader has to print.
    let (text, field, max) = match &action {
        Action::Assign { to } => (*to, "--to", MAX_SHORT_TEXT),
        Action::Snooze { reason, .. } => (*reason, "--reason", MAX_LONG_TEXT),
        Action::Note { body } => (*body, "the note", MAX_LONG_TEXT),
        Action::Resolve { note } | Action::Reopen { note } => (*note, "--note", MAX_LONG_TEXT),
    };
    if let Some(problem) = too_long(text, max) {
        return Err(Error::input(format!("triage {account}: {field} has {problem}")));
    }
    store.triage_act(account, action, &me, &now_stamp())?;
    outln!("{account}: recorded ({me})");
    Ok(0)
}
