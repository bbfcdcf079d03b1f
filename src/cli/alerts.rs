//! `cxcockpit alerts [--dry-run] [--as-of YYYY-MM-DD]`: evaluates the alert rules over what
//! arrived since the last run and opens one action per rule and subject (see `store::alerts`).
//! What a team puts in cron after the nightly import.

use chrono::NaiveDate;
use clap::Args;
use serde_json::json;

use super::actions;
use super::output::{self, Format, out, outln};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::review::{TIME_FORMAT, login_name};

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Say what would be raised and opened, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Evaluate as of the end of this day (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
}

pub fn run(store: &mut Store, args: &AlertsArgs, format: Format, readonly: bool) -> Result<u8> {
    if readonly && !args.dry_run {
        return Err(Error::input(
            "--readonly: `alerts` records what it raised and opens actions; use `alerts --dry-run`",
        ));
    }
    let now = actions::now()?;
    let as_of = args.as_of.unwrap_or(now.date());
    if store.alert_rules()?.is_empty() {
        super::logs::notice(
            "no alert rules in the store: import some with `cxcockpit import alert-rules FILE.toml`",
        );
    }
    // Each rule reads its evidence once: a page cache the size of the store's usual one would be
    // most of this command's memory, for pages the operating system caches anyway.
    store.set_cache_kib(crate::store::COCKPIT_CACHE_KIB)?;
    let run = store.run_alerts(
        as_of,
        args.dry_run,
        &login_name(),
        &now.format(TIME_FORMAT).to_string(),
    )?;
    match format {
        Format::Json => {
            let alerts: Vec<serde_json::Value> = run
                .alerts
                .iter()
                .map(|a| {
                    json!({
                        "rule": a.rule,
                        "account_id": a.account_id,
                        "metric_id": a.metric_id,
                        "period": a.period,
                        "detail": a.detail,
                        "action_id": a.action_id,
                    })
                })
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({ "alerts": alerts })).unwrap_or_default()
            );
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = run.alerts.iter().map(cells).collect();
            out!("{}", output::csv(&HEADER, &rows));
        }
        Format::Table => {
            let since = match &run.previous {
                Some((as_of, ran_at)) => format!("since the run of {ran_at} (as of {as_of})"),
                None => "first run".to_string(),
            };
            let opened = run.alerts.iter().filter(|a| a.opened).count();
            outln!(
                "{} {} alert{} as of {} ({since}; {} rule{}): {} action{} {}{}",
                if args.dry_run { "would raise" } else { "raised" },
                run.alerts.len(),
                if run.alerts.len() == 1 { "" } else { "s" },
                run.as_of,
                run.rules,
                if run.rules == 1 { "" } else { "s" },
                opened,
                if opened == 1 { "" } else { "s" },
                if args.dry_run { "to open" } else { "opened" },
                if args.dry_run {
                    "; nothing written (dry run)"
                } else {
                    ""
                }
            );
            if !run.alerts.is_empty() {
                let rows: Vec<Vec<String>> = run.alerts.iter().map(cells).collect();
                out!("{}", output::table(&HEADER, &rows));
            }
        }
    }
    Ok(0)
}

const HEADER: [&str; 6] = ["rule", "account", "metric", "period", "action", "detail"];

fn cells(a: &crate::store::alerts::Alert) -> Vec<String> {
    let action = match (a.action_id, a.opened) {
        (Some(id), true) => format!("#{id} opened"),
        (Some(id), false) => format!("#{id} (open already)"),
        (None, _) => "(would open)".to_string(),
    };
    vec![
        a.rule.clone(),
        a.account_id.clone().unwrap_or_default(),
        a.metric_id.clone().unwrap_or_default(),
        a.period.clone().unwrap_or_default(),
        action,
        a.detail.clone(),
    ]
}
