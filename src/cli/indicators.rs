//! `cxcockpit indicators`: how well each indicator predicted success (churn within 3 months,
//! and its phase's success metrics 1-3 months later); `touchpoints`: each touchpoint of a phase
//! in a month; `comments`: what unhappy customers say, against happy ones.

use clap::Args;
use serde_json::json;

use super::output::{self, Format};
use crate::analysis::indicators::powers;
use crate::domain::Period;
use crate::domain::model::{Metric, Phase};
use crate::domain::terms;
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// Only this phase (key or name).
    #[arg(long)]
    pub phase: Option<String>,
    /// The journey (id or name; default: every journey).
    #[arg(long)]
    pub journey: Option<String>,
    /// Use months up to this one (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
}

#[derive(Debug, Args)]
pub struct TouchpointsArgs {
    /// The phase (key or name).
    #[arg(long)]
    pub phase: String,
    #[arg(long)]
    pub journey: Option<String>,
    /// The month (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
}

#[derive(Debug, Args)]
pub struct CommentsArgs {
    /// The phase (key or name).
    #[arg(long)]
    pub phase: String,
    #[arg(long)]
    pub journey: Option<String>,
    /// Only this touchpoint.
    #[arg(long)]
    pub touchpoint: Option<String>,
    /// Months from (default: 12 months before --to).
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Option<Period>,
    /// Months to (default: the store's last month).
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Option<Period>,
    /// List the comments themselves instead of the terms.
    #[arg(long)]
    pub list: bool,
}

/// A journey's id with its chosen phases and all its metrics.
type JourneyPart = (String, Vec<Phase>, Vec<Metric>);

fn journeys_and_phases(
    store: &Store,
    journey: Option<&str>,
    phase: Option<&str>,
) -> Result<Vec<JourneyPart>> {
    let journeys = store.journeys()?;
    let chosen: Vec<_> = match journey {
        Some(j) => {
            let found: Vec<_> = journeys
                .iter()
                .filter(|x| x.id == j || x.name.eq_ignore_ascii_case(j))
                .collect();
            if found.is_empty() {
                let known: Vec<&str> = journeys.iter().map(|x| x.id.as_str()).collect();
                return Err(Error::input(format!(
                    "unknown journey '{j}': expected one of {}",
                    known.join(", ")
                )));
            }
            found
        }
        None => journeys.iter().collect(),
    };
    let mut out = Vec::new();
    let mut known_phases = Vec::new();
    for j in chosen {
        let phases: Vec<Phase> = store
            .phases(&j.id)?
            .into_iter()
            .inspect(|p| known_phases.push(p.key.clone()))
            .filter(|p| {
                phase.is_none_or(|want| p.key.eq_ignore_ascii_case(want) || p.name.eq_ignore_ascii_case(want))
            })
            .collect();
        if !phases.is_empty() {
            out.push((j.id.clone(), phases, store.metrics(&j.id)?));
        }
    }
    if out.is_empty() {
        return Err(Error::input(format!(
            "unknown phase '{}': expected one of {}",
            phase.unwrap_or_default(),
            known_phases.join(", ")
        )));
    }
    Ok(out)
}

fn last_period(store: &Store, wanted: Option<Period>) -> Result<Period> {
    let Some((first, last)) = store.period_range()? else {
        return Err(Error::input("the store holds no months of data yet"));
    };
    match wanted {
        Some(p) if p < first || p > last => {
            Err(Error::input(format!("{p}: the store holds {first} to {last}")))
        }
        Some(p) => Ok(p),
        None => Ok(last),
    }
}

fn fmt_rate(p: &crate::domain::stats::Proportion) -> String {
    match (p.rate, p.low, p.high) {
        (Some(r), Some(l), Some(h)) => {
            format!("{:.1}% [{:.1}-{:.1}] n={}", 100.0 * r, 100.0 * l, 100.0 * h, p.n)
        }
        _ => format!("- n={}", p.n),
    }
}

pub fn run_indicators(store: &Store, args: &IndicatorsArgs, format: Format) -> Result<u8> {
    let last = last_period(store, args.period)?;
    let mut all = Vec::new();
    let mut unpredicted = Vec::new();
    for (journey, phases, metrics) in
        journeys_and_phases(store, args.journey.as_deref(), args.phase.as_deref())?
    {
        let (p, u) = powers(store, &phases, &metrics, &journey, last)?;
        all.extend(p);
        unpredicted.extend(u);
    }
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({"period": last.to_string(), "indicators": all, "unpredicted_success_metrics": unpredicted}))
                .unwrap_or_default()
        ),
        Format::Csv | Format::Table => {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|p| {
                    let churn = p.churn.as_ref();
                    let best = p.best_correlation();
                    vec![
                        p.metric_id.clone(),
                        p.phase.clone(),
                        churn.map(|c| fmt_rate(&c.red)).unwrap_or_else(|| "no account data".into()),
                        churn.map(|c| fmt_rate(&c.green)).unwrap_or_default(),
                        churn.and_then(|c| c.lift).map(|l| format!("{l:.2}")).unwrap_or_default(),
                        churn.and_then(|c| c.p_value).map(|p| format!("{p:.4}")).unwrap_or_default(),
                        best.map(|c| {
                            format!(
                                "{} {:+.2} lag {} (n={}){}",
                                c.success_metric,
                                c.rho,
                                c.lag,
                                c.pairs,
                                if c.wrong_sign { " wrong sign" } else { "" }
                            )
                        })
                        .unwrap_or_default(),
                        p.verdict.label(),
                    ]
                })
                .collect();
            let header = [
                "indicator", "phase", "churn when red", "churn when green", "lift", "p", "best success correlation",
                "verdict",
            ];
            if format == Format::Csv {
                print!("{}", output::csv(&header, &rows));
            } else {
                println!("indicators up to {last}: churn within 3 months when red vs green (95% Wilson intervals), and rank correlation with the phase's success metrics 1-3 months later");
                print!("{}", output::table(&header, &rows));
                if !unpredicted.is_empty() {
                    println!("\nsuccess metrics no indicator predicts: {}", unpredicted.join(", "));
                }
            }
        }
    }
    Ok(0)
}

pub fn run_touchpoints(store: &Store, args: &TouchpointsArgs, format: Format) -> Result<u8> {
    let period = last_period(store, args.period)?;
    let chosen = journeys_and_phases(store, args.journey.as_deref(), Some(&args.phase))?;
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for (journey, phases, _) in &chosen {
        for phase in phases {
            let now = store.touchpoints(phase.id, period)?;
            let before = store.touchpoints(phase.id, period.prev())?;
            for t in &now {
                let prev = before.iter().find(|b| b.touchpoint == t.touchpoint);
                let delta = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) => format!("{:+.1}", a - b),
                    _ => String::new(),
                };
                let opt = |v: Option<f64>, unit: &str| {
                    v.map(|v| format!("{v:.1}{unit}")).unwrap_or_else(|| "-".into())
                };
                rows.push(vec![
                    phase.name.clone(),
                    t.touchpoint.clone(),
                    t.tickets.to_string(),
                    opt(t.response_hours, " h"),
                    delta(t.response_hours, prev.and_then(|p| p.response_hours)),
                    opt(t.resolution_hours, " h"),
                    opt(t.csat, "%"),
                    delta(t.csat, prev.and_then(|p| p.csat)),
                    opt(t.ces, ""),
                    opt(t.detractor_share.map(|d| 100.0 * d), "%"),
                    t.nps_answers.to_string(),
                ]);
                json_rows.push(
                    json!({"journey": journey, "phase": phase.name, "touchpoint": t, "last_month": prev}),
                );
            }
        }
    }
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({"period": period.to_string(), "touchpoints": json_rows}))
                .unwrap_or_default()
        ),
        _ => {
            let header = [
                "phase",
                "touchpoint",
                "tickets",
                "response",
                "change",
                "resolution",
                "CSAT",
                "change",
                "CES",
                "detractors",
                "NPS n",
            ];
            if format == Format::Csv {
                print!("{}", output::csv(&header, &rows));
            } else {
                println!("touchpoints in {period} (change against {})", period.prev());
                print!("{}", output::table(&header, &rows));
            }
        }
    }
    Ok(0)
}

pub fn run_comments(store: &Store, args: &CommentsArgs, format: Format) -> Result<u8> {
    let to = last_period(store, args.to)?;
    let from = args.from.unwrap_or(to.offset(-11));
    let chosen = journeys_and_phases(store, args.journey.as_deref(), Some(&args.phase))?;
    let mut comments = Vec::new();
    for (_, phases, _) in &chosen {
        for phase in phases {
            comments.extend(store.comments(phase.id, args.touchpoint.as_deref(), from, to)?);
        }
    }
    if args.list {
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&comments).unwrap_or_default()),
            _ => {
                let rows: Vec<Vec<String>> = comments
                    .iter()
                    .map(|c| {
                        vec![
                            c.answered_at.chars().take(10).collect(),
                            c.account_id.clone(),
                            format!("{} {}", c.survey, c.score),
                            c.touchpoint.clone(),
                            c.comment.replace(['\n', '\r'], " "),
                        ]
                    })
                    .collect();
                let header = ["date", "account", "answer", "touchpoint", "comment"];
                print!(
                    "{}",
                    if format == Format::Csv {
                        output::csv(&header, &rows)
                    } else {
                        output::table(&header, &rows)
                    }
                );
            }
        }
        return Ok(0);
    }
    let scored: Vec<(i8, &str)> = comments
        .iter()
        .map(|c| (terms::sentiment(&c.survey, c.score), c.comment.as_str()))
        .collect();
    let found = terms::over_represented(&scored, 3, 25);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"from": from.to_string(), "to": to.to_string(), "terms": found})
            )
            .unwrap_or_default()
        ),
        _ => {
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|t| {
                    vec![
                        t.term.clone(),
                        format!("{}/{}", t.unhappy, t.unhappy_total),
                        format!("{}/{}", t.happy, t.happy_total),
                        format!("{:.2}", t.score),
                    ]
                })
                .collect();
            let header = ["term", "unhappy comments", "happy comments", "log odds"];
            if format == Format::Csv {
                print!("{}", output::csv(&header, &rows));
            } else {
                println!(
                    "what unhappy customers say more than happy ones, {from} to {to} (--list for the comments)"
                );
                print!("{}", output::table(&header, &rows));
            }
        }
    }
    Ok(0)
}
