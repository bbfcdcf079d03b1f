//! `cxcockpit tiers`: the loyalty programme at the end of a month: members per tier and the
//! change from last month, and every account's held and eligible tier with the reasons.

use std::collections::HashMap;

use clap::Args;
use serde_json::{Value, json};

use super::output::{self, Format, JsonPart, Stream, stop_when_closed};
use crate::analysis::tiers::{Decision, decisions_each, describe_gap, notable_decisions_each};
use crate::domain::Period;
use crate::domain::tiers::TierStatus;
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct TiersArgs {
    /// The month (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
    /// Only the accounts whose tier or status changed this month (upgrades, grace, downgrades).
    #[arg(long)]
    pub changes: bool,
}

pub fn run(store: &Store, args: &TiersArgs, format: Format) -> Result<u8> {
    let Some((first, last)) = store.period_range()? else {
        return Err(Error::input(
            "the store holds no months of data yet: import subscriptions first",
        ));
    };
    let period = args.period.unwrap_or(last);
    if period < first || period > last {
        return Err(Error::input(format!(
            "--period {period}: the store holds {first} to {last}"
        )));
    }
    let ladder = store.tiers()?;
    if ladder.is_empty() {
        return Err(Error::input(
            "the store has no loyalty tiers: import some with `cxcockpit import tiers FILE`",
        ));
    }
    // Rows are written as they are read (`decisions_each`), so that memory does not grow with
    // the number of accounts; the members per tier are counted by the store.
    let before = (period > first).then(|| period.prev());
    let now = store.tier_members(period, true)?;
    let then = match before {
        Some(p) => store.tier_members(p, false)?,
        None => HashMap::new(),
    };
    let summary: Vec<Value> = ladder
        .iter()
        .map(|t| {
            let now = now.get(&t.id).copied().unwrap_or(0);
            let then = then.get(&t.id).copied().unwrap_or(0);
            json!({"tier": t.id, "name": t.name, "rank": t.rank, "benefits": t.benefits, "members": now, "change": now - then})
        })
        .collect();
    let keep = |d: &Decision, held_before: &Option<String>| {
        !args.changes
            || *held_before != d.row.held
            || matches!(
                d.row.status,
                TierStatus::Grace | TierStatus::Upgrade | TierStatus::Downgrade
            )
    };
    let account_json = |d: &Decision| {
        let mut fields = serde_json::Map::new();
        fields.insert("account_id".into(), json!(d.account_id));
        d.extend_json(&mut fields);
        fields.insert("near_miss".into(), json!(d.near_miss));
        fields.insert("downgrade_risk".into(), json!(d.downgrade_risk));
        Value::Object(fields)
    };
    // Every account's rows are read once: a page cache the size of the store's usual one would
    // be most of this command's memory, for pages the operating system caches anyway.
    store.set_cache_kib(crate::store::COCKPIT_CACHE_KIB)?;
    let mut stream = Stream::stdout();
    match format {
        Format::Json => {
            let mut accounts = |row: &mut dyn FnMut(Value) -> Result<()>| {
                decisions_each(store, &ladder, period, before, &mut |d, held_before| {
                    if keep(&d, &held_before) {
                        row(account_json(&d))
                    } else {
                        Ok(())
                    }
                })
            };
            stream.json_document(&mut [
                ("period", JsonPart::Value(json!(period.to_string()))),
                ("summary", JsonPart::Value(Value::Array(summary))),
                ("accounts", JsonPart::Rows(Box::new(&mut accounts))),
            ])?;
        }
        Format::Csv => {
            stream.write_str(&output::csv_line(&[
                "account_id",
                "held_tier",
                "eligible_tier",
                "status",
                "grace_until",
                "next_tier",
                "mrr_short",
                "tenure_months_to_go",
                "failing",
            ]))?;
            let written = decisions_each(store, &ladder, period, before, &mut |d, held_before| {
                if !keep(&d, &held_before) {
                    return Ok(());
                }
                stream.write_str(&output::csv_line(&[
                    d.account_id.clone(),
                    d.row.held.clone().unwrap_or_default(),
                    d.row.eligible.clone().unwrap_or_default(),
                    d.row.status.as_str().to_string(),
                    d.row.grace_until.clone().unwrap_or_default(),
                    d.next_tier.clone().unwrap_or_default(),
                    d.gap
                        .as_ref()
                        .map(|g| format!("{:.2}", g.mrr_short))
                        .unwrap_or_default(),
                    d.gap
                        .as_ref()
                        .map(|g| g.tenure_months_to_go.to_string())
                        .unwrap_or_default(),
                    d.gap.as_ref().map(|g| g.failing.join("; ")).unwrap_or_default(),
                ]))?;
                stop_when_closed(&stream)
            });
            output::unless_closed(written, &stream)?;
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = summary
                .iter()
                .map(|s| {
                    vec![
                        s["name"].as_str().unwrap_or_default().to_string(),
                        s["members"].to_string(),
                        format!("{:+}", s["change"].as_i64().unwrap_or(0)),
                        s["benefits"].as_str().unwrap_or_default().to_string(),
                    ]
                })
                .collect();
            stream.write_str(&format!("loyalty tiers at the end of {period}\n"))?;
            stream.write_str(&output::table(&["tier", "members", "change", "benefits"], &rows))?;
            // The table's widths depend on every row: only the notable accounts (upgraded, in
            // grace, downgraded: a few percent) are held, never the decisions of every account.
            let line = |d: &Decision| {
                vec![
                    d.account_id.clone(),
                    d.row.held.clone().unwrap_or_else(|| "-".into()),
                    d.row.eligible.clone().unwrap_or_else(|| "-".into()),
                    d.row.status.as_str().to_string(),
                    d.row.grace_until.clone().unwrap_or_default(),
                    d.gap.as_ref().map(describe_gap).unwrap_or_default(),
                ]
            };
            let mut notable: Vec<Vec<String>> = Vec::new();
            if args.changes {
                // A tier held last month and not this one needs both months of every account.
                decisions_each(store, &ladder, period, before, &mut |d, held_before| {
                    if keep(&d, &held_before) {
                        notable.push(line(&d));
                    }
                    Ok(())
                })?;
            } else {
                // The month's statuses and watch list, as the refresh stored them.
                notable_decisions_each(store, &ladder, period, &mut |d| {
                    notable.push(line(&d));
                    Ok(())
                })?;
            }
            stream.write_str(&format!(
                "\n{} accounts upgraded, in grace or downgraded this month\n",
                notable.len()
            ))?;
            stream.write_str(&output::table(
                &[
                    "account",
                    "held",
                    "eligible",
                    "status",
                    "grace until",
                    "to the next tier",
                ],
                &notable,
            ))?;
        }
    }
    stream.finish()?;
    Ok(0)
}
