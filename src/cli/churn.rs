//! `cxcockpit churn`: churn and revenue retention per month and for the whole window, with a
//! breakdown, by the standard definitions (see README). Rates are fractions in JSON and CSV.

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::output::{self, Format, JsonPart, Stream, stop_when_closed};
use crate::domain::Period;
use crate::domain::retention::Retention;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::churn::{AsideTally, ChurnBy};

#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// First month of the window (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Option<Period>,
    /// Last month of the window, included (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Option<Period>,
    /// Break the window's churn down.
    #[arg(long, value_enum)]
    pub by: Option<Breakdown>,
    /// The accounts counted: all, hvc, regular, size:S, industry:I, journey:J.
    #[arg(long, default_value = "all")]
    pub segment: String,
    /// Only this journey's accounts (its id or name); without it, every journey's.
    #[arg(long, value_name = "J")]
    pub journey: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Breakdown {
    /// The journey phase in which churned accounts left.
    Phase,
    /// Root-cause category, with the most frequent reasons.
    Reason,
    /// Window churn and retention per segment (HVC, regular, company size, industry, journey).
    Segment,
    /// Window churn and retention per loyalty tier held when the window began.
    Tier,
    /// Accounts by start month, and the share still active after each month.
    Cohort,
    /// The churned accounts themselves.
    Accounts,
}

pub fn run(store: &Store, args: &ChurnArgs, format: Format) -> Result<u8> {
    let Some((first, last)) = store.period_range()? else {
        return Err(Error::input(
            "the store holds no months of data yet: import subscriptions first",
        ));
    };
    let to = args.to.unwrap_or(last);
    let from = args.from.unwrap_or(to);
    if from > to {
        return Err(Error::input(format!("--from {from} is after --to {to}")));
    }
    for (flag, p) in [("--from", from), ("--to", to)] {
        if p < first || p > last {
            return Err(Error::input(format!(
                "{flag} {p}: the store holds {first} to {last}"
            )));
        }
    }
    let journey = match &args.journey {
        Some(wanted) => {
            let journeys = store.journeys()?;
            let found = journeys
                .iter()
                .find(|j| j.id == *wanted || j.name.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| {
                    let known: Vec<&str> = journeys.iter().map(|j| j.id.as_str()).collect();
                    Error::input(format!(
                        "unknown journey '{wanted}': expected one of {}",
                        known.join(", ")
                    ))
                })?;
            Some(found.id.clone())
        }
        None => None,
    };
    // The window's rows are read once: a page cache the size of the store's usual one would
    // be most of this command's memory, for pages the operating system caches anyway.
    store.set_cache_kib(crate::store::COCKPIT_CACHE_KIB)?;
    let journey = journey.as_deref();
    let months = store.churn_months(journey, &args.segment, from, to)?;
    let by_segment = store.churn_window_by_segment(journey, from, to)?;
    let total = by_segment
        .iter()
        .find(|(s, _)| *s == args.segment)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| Retention::from_sums(Default::default()));
    // Tier groups come from the window's start, not from the monthly table: not a --segment.
    let segments = || {
        by_segment
            .iter()
            .map(|(s, _)| s.as_str())
            .filter(|s| !s.starts_with("tier:"))
    };
    if !segments().any(|s| s == args.segment) && args.segment != "all" {
        let known: Vec<&str> = segments().collect();
        return Err(Error::input(format!(
            "unknown segment '{}': expected one of {}",
            args.segment,
            known.join(", ")
        )));
    }
    let breakdown = match args.by {
        None => Vec::new(),
        Some(Breakdown::Phase) => groups_json(
            &store.churn_groups_in(journey, &args.segment, from, to, ChurnBy::Phase)?,
            total.n_churned,
        ),
        Some(Breakdown::Reason) => groups_json(
            &store.churn_groups_in(journey, &args.segment, from, to, ChurnBy::Cause)?,
            total.n_churned,
        ),
        Some(Breakdown::Segment) => segment_rows(by_segment.iter().filter(|(s, _)| !s.starts_with("tier:"))),
        Some(Breakdown::Tier) => segment_rows(
            store
                .churn_window_by_tier(journey, &args.segment, from, to)?
                .iter(),
        ),
        Some(Breakdown::Cohort) => store
            .cohorts(from, last)?
            .into_iter()
            .map(|c| json!({"cohort": c.cohort, "size": c.size, "retained": c.retained}))
            .collect(),
        // Written as they are read, below (table: held for the widths).
        Some(Breakdown::Accounts) => Vec::new(),
    };
    let listed = args.by == Some(Breakdown::Accounts);
    let accounts_each = |f: &mut dyn FnMut(Value) -> Result<()>| {
        store.churned_accounts_each(journey, &args.segment, from, to, &mut |a| {
            f(serde_json::to_value(a).unwrap_or(Value::Null))
        })
    };
    let aside_listed = matches!(
        args.by,
        Some(Breakdown::Phase | Breakdown::Reason | Breakdown::Accounts)
    );
    let windows: Vec<Value> = months
        .iter()
        .map(|(period, r)| {
            let mut v = retention_json(r);
            v["period"] = json!(period.to_string());
            v["start"] = json!(period.first_day().to_string());
            v["end"] = json!(period.next().first_day().to_string());
            v
        })
        .collect();
    let mut total_json = retention_json(&total);
    total_json["start"] = json!(from.first_day().to_string());
    total_json["end"] = json!(to.next().first_day().to_string());
    let mut stream = Stream::stdout();
    match format {
        Format::Json => {
            let mut breakdown_rows = |row: &mut dyn FnMut(Value) -> Result<()>| {
                if listed {
                    accounts_each(row)
                } else {
                    breakdown.iter().try_for_each(|v| row(v.clone()))
                }
            };
            // Churn events whose account the figures do not count, listed apart with why.
            let mut aside_rows = |row: &mut dyn FnMut(Value) -> Result<()>| {
                if !aside_listed {
                    return Ok(());
                }
                store.churn_events_aside_each(journey, &args.segment, from, to, &mut |a| {
                    let mut v = serde_json::to_value(&a).unwrap_or(Value::Null);
                    v["why_text"] = json!(a.why_text());
                    row(v)
                })
            };
            stream.json_document(&mut [
                ("journey", JsonPart::Value(json!(journey))),
                ("segment", JsonPart::Value(json!(args.segment))),
                ("windows", JsonPart::Value(Value::Array(windows))),
                ("total", JsonPart::Value(total_json)),
                ("breakdown", JsonPart::Rows(Box::new(&mut breakdown_rows))),
                ("events_aside", JsonPart::Rows(Box::new(&mut aside_rows))),
            ])?;
        }
        Format::Csv if listed => {
            // The header is the rows' keys: written with the first row (none without rows).
            let mut first = true;
            let written = accounts_each(&mut |v| {
                if first {
                    first = false;
                    stream.write_str(&output::csv_line(&keys(&v)))?;
                }
                let cells: Vec<String> = flat(&v).iter().map(cell).collect();
                stream.write_str(&output::csv_line(&cells))?;
                stop_when_closed(&stream)
            });
            output::unless_closed(written, &stream)?;
            if first {
                stream.write_str("\n")?;
            }
        }
        Format::Csv => {
            let rows: Vec<Vec<Value>> = if args.by.is_some() {
                breakdown.iter().map(flat).collect()
            } else {
                windows.iter().map(flat).collect()
            };
            let header: Vec<String> = match (args.by.is_some(), breakdown.first(), windows.first()) {
                (true, Some(v), _) | (false, _, Some(v)) => keys(v),
                _ => Vec::new(),
            };
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
            stream.write_str(&output::csv(&header_refs, &cells))?;
        }
        Format::Table => {
            // The table's widths depend on every row: the churned accounts' cells are held.
            let mut account_rows: Vec<Vec<String>> = Vec::new();
            if listed {
                accounts_each(&mut |a| {
                    account_rows.push(account_cells(&a));
                    Ok(())
                })?;
            }
            stream.write_str(&table(args, from, to, &months, &total, &breakdown, &account_rows))?;
            if aside_listed {
                let mut aside = AsideTally::default();
                store.churn_events_aside_each(journey, &args.segment, from, to, &mut |a| {
                    aside.add(&a);
                    Ok(())
                })?;
                if !aside.is_empty() {
                    stream.write_str(&format!("\n{}\n", aside.describe()))?;
                }
            }
        }
    }
    stream.finish()?;
    Ok(0)
}

fn retention_json(r: &Retention) -> Value {
    json!({
        "n_start": r.n_start,
        "n_churned": r.n_churned,
        "churn_rate": r.churn_rate,
        "start_mrr": r.start_mrr,
        "churned_mrr": r.churned_mrr,
        "contraction_mrr": r.contraction_mrr,
        "expansion_mrr": r.expansion_mrr,
        "grr": r.grr,
        "nrr": r.nrr,
    })
}

fn groups_json(groups: &[crate::store::churn::ChurnGroup], churned: u64) -> Vec<Value> {
    groups
        .iter()
        .map(|g| {
            json!({
                "key": g.key,
                "accounts": g.accounts,
                "share": (churned > 0).then(|| g.accounts as f64 / churned as f64),
                "mrr_lost": g.mrr_lost,
                "top_reasons": g.top_reasons.iter().map(|(r, n)| json!({"reason": r, "accounts": n})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Window figures per segment (or tier) as the breakdown's rows.
fn segment_rows<'a>(groups: impl Iterator<Item = &'a (String, Retention)>) -> Vec<Value> {
    groups
        .map(|(segment, r)| {
            let mut v = retention_json(r);
            v["segment"] = json!(segment);
            v
        })
        .collect()
}

fn flat(v: &Value) -> Vec<Value> {
    v.as_object()
        .map(|o| o.values().cloned().collect())
        .unwrap_or_default()
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("; "),
        Value::Object(o) => o.values().map(cell).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// One churned account (`ChurnedAccount` as JSON) as a row of the table.
fn account_cells(a: &Value) -> Vec<String> {
    vec![
        cell(&a["account_id"]),
        cell(&a["name"]),
        cell(&a["churned_on"]),
        money(a["mrr_lost"].as_f64().unwrap_or(0.0)),
        cell(&a["phase"]),
        cell(&a["root_cause"]),
        cell(&a["tenure_months"]),
        cell(&a["reason"]),
    ]
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or("-".to_string(), |r| format!("{:.2}%", 100.0 * r))
}

fn money(value: f64) -> String {
    format!("{value:.0}")
}

fn table(
    args: &ChurnArgs,
    from: Period,
    to: Period,
    months: &[(Period, Retention)],
    total: &Retention,
    breakdown: &[Value],
    account_rows: &[Vec<String>],
) -> String {
    let header = [
        "period",
        "active",
        "churned",
        "churn",
        "start MRR",
        "churned MRR",
        "contraction",
        "expansion",
        "GRR",
        "NRR",
    ];
    let row = |label: String, r: &Retention| {
        vec![
            label,
            r.n_start.to_string(),
            r.n_churned.to_string(),
            pct(r.churn_rate),
            money(r.start_mrr),
            money(r.churned_mrr),
            money(r.contraction_mrr),
            money(r.expansion_mrr),
            pct(r.grr),
            pct(r.nrr),
        ]
    };
    let mut rows: Vec<Vec<String>> = months.iter().map(|(p, r)| row(p.to_string(), r)).collect();
    if months.len() > 1 {
        rows.push(row(format!("{from}..{to}"), total));
    }
    let mut out = format!("churn and revenue retention, segment {}\n", args.segment);
    out += &output::table(&header, &rows);
    if let Some(by) = args.by {
        out += "\n";
        out += &match by {
            Breakdown::Phase | Breakdown::Reason => {
                let rows: Vec<Vec<String>> = breakdown
                    .iter()
                    .map(|g| {
                        vec![
                            cell(&g["key"]),
                            cell(&g["accounts"]),
                            pct(g["share"].as_f64()),
                            money(g["mrr_lost"].as_f64().unwrap_or(0.0)),
                            g["top_reasons"]
                                .as_array()
                                .map(|r| {
                                    r.iter()
                                        .map(|x| format!("{} ({})", cell(&x["reason"]), cell(&x["accounts"])))
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                })
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                let first = if by == Breakdown::Phase {
                    "phase left"
                } else {
                    "root cause"
                };
                output::table(&[first, "accounts", "share", "MRR lost", "top reasons"], &rows)
            }
            Breakdown::Segment | Breakdown::Tier => {
                let rows: Vec<Vec<String>> = breakdown
                    .iter()
                    .map(|v| {
                        vec![
                            cell(&v["segment"]),
                            cell(&v["n_start"]),
                            cell(&v["n_churned"]),
                            pct(v["churn_rate"].as_f64()),
                            pct(v["grr"].as_f64()),
                            pct(v["nrr"].as_f64()),
                        ]
                    })
                    .collect();
                output::table(&["segment", "active", "churned", "churn", "GRR", "NRR"], &rows)
            }
            Breakdown::Cohort => {
                let width = breakdown
                    .iter()
                    .filter_map(|c| c["retained"].as_array().map(Vec::len))
                    .max()
                    .unwrap_or(0);
                let mut header = vec!["cohort".to_string(), "size".to_string()];
                header.extend((0..width).map(|m| format!("m{m}")));
                let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
                let rows: Vec<Vec<String>> = breakdown
                    .iter()
                    .map(|c| {
                        let mut row = vec![cell(&c["cohort"]), cell(&c["size"])];
                        if let Some(r) = c["retained"].as_array() {
                            row.extend(
                                r.iter()
                                    .map(|x| format!("{:.0}%", 100.0 * x.as_f64().unwrap_or(0.0))),
                            );
                        }
                        row
                    })
                    .collect();
                output::table(&header_refs, &rows)
            }
            Breakdown::Accounts => output::table(
                &[
                    "account",
                    "name",
                    "churned on",
                    "MRR lost",
                    "phase",
                    "cause",
                    "tenure",
                    "reason",
                ],
                account_rows,
            ),
        };
    }
    out
}
