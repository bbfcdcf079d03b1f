//! `cxcockpit tiers`: the loyalty programme at the end of a month: members per tier and the
//! change from last month, and every account's held and eligible tier with the reasons.

use std::collections::HashMap;

use clap::Args;
use serde_json::{Value, json};

use super::output::{self, Format, out, outln};
use crate::analysis::tiers::{Decision, decisions, describe_gap};
use crate::domain::Period;
use crate::domain::tiers::TierStatus;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::tiers::TierRow;

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
    let mut all = decisions(store, &ladder, period)?;
    let before: HashMap<String, TierRow> = if period > first {
        store.tier_rows(period.prev())?
    } else {
        HashMap::new()
    };
    let count = |rows: &mut dyn Iterator<Item = &Option<String>>, tier: &str| {
        rows.filter(|h| h.as_deref() == Some(tier)).count() as i64
    };
    let summary: Vec<Value> = ladder
        .iter()
        .map(|t| {
            let now = count(&mut all.iter().map(|d| &d.row.held), &t.id);
            let then = count(&mut before.values().map(|r| &r.held), &t.id);
            json!({"tier": t.id, "name": t.name, "rank": t.rank, "benefits": t.benefits, "members": now, "change": now - then})
        })
        .collect();
    if args.changes {
        all.retain(|d| {
            let was = before.get(&d.account_id).and_then(|r| r.held.clone());
            was != d.row.held
                || matches!(
                    d.row.status,
                    TierStatus::Grace | TierStatus::Upgrade | TierStatus::Downgrade
                )
        });
    }
    let account_json = |d: &Decision| {
        json!({
            "account_id": d.account_id,
            "held_tier": d.row.held,
            "eligible_tier": d.row.eligible,
            "status": d.row.status.as_str(),
            "grace_until": d.row.grace_until,
            "criteria": d.criteria,
            "next_tier": d.next_tier,
            "gap": d.gap,
            "near_miss": d.near_miss,
            "downgrade_risk": d.downgrade_risk,
        })
    };
    match format {
        Format::Json => {
            let doc = json!({
                "period": period.to_string(),
                "summary": summary,
                "accounts": all.iter().map(account_json).collect::<Vec<_>>(),
            });
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|d| {
                    vec![
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
                    ]
                })
                .collect();
            out!(
                "{}",
                output::csv(
                    &[
                        "account_id",
                        "held_tier",
                        "eligible_tier",
                        "status",
                        "grace_until",
                        "next_tier",
                        "mrr_short",
                        "tenure_months_to_go",
                        "failing"
                    ],
                    &rows
                )
            );
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
            outln!("loyalty tiers at the end of {period}");
            out!(
                "{}",
                output::table(&["tier", "members", "change", "benefits"], &rows)
            );
            let notable: Vec<Vec<String>> = all
                .iter()
                .filter(|d| {
                    args.changes || d.row.status != TierStatus::Qualified && d.row.status != TierStatus::None
                })
                .map(|d| {
                    vec![
                        d.account_id.clone(),
                        d.row.held.clone().unwrap_or_else(|| "-".into()),
                        d.row.eligible.clone().unwrap_or_else(|| "-".into()),
                        d.row.status.as_str().to_string(),
                        d.row.grace_until.clone().unwrap_or_default(),
                        d.gap.as_ref().map(describe_gap).unwrap_or_default(),
                    ]
                })
                .collect();
            outln!(
                "\n{} accounts upgraded, in grace or downgraded this month",
                notable.len()
            );
            out!(
                "{}",
                output::table(
                    &[
                        "account",
                        "held",
                        "eligible",
                        "status",
                        "grace until",
                        "to the next tier"
                    ],
                    &notable
                )
            );
        }
    }
    Ok(0)
}
