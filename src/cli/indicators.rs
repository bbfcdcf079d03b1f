//! `cxcockpit indicators`: how well each indicator predicted success (churn within 3 months,
//! and its phase's success metrics 1-3 months later); `touchpoints`: each touchpoint of a phase
//! in a month (for one segment's accounts with `--segment`), and with `--by segment` the
//! priority service of its tickets (HVC against regular, then by loyalty tier); `comments`:
//! what unhappy customers say, against happy ones.

use clap::{Args, ValueEnum};
use serde_json::json;

use super::output::{self, Format, out, outln};
use crate::analysis::indicators::powers;
use crate::domain::Period;
use crate::domain::model::{Metric, Phase};
use crate::domain::terms;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::indicators::{ServiceGroup, ServiceSegment};

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
    /// Only the tickets and answers of these accounts: all, hvc or regular (HVC as decided
    /// that month), tier:ID or tier:none (the tier held at the end of the month before), size:S.
    #[arg(long, default_value = "all")]
    pub segment: String,
    /// Add a breakdown of the phase's tickets.
    #[arg(long, value_enum)]
    pub by: Option<TouchpointsBreakdown>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TouchpointsBreakdown {
    /// The priority service: tickets, first response and resolution hours and SLA met, for
    /// HVC against regular accounts, then by loyalty tier (every account's tickets).
    Segment,
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
        Format::Json => outln!(
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
                out!("{}", output::csv(&header, &rows));
            } else {
                outln!("indicators up to {last}: churn within 3 months when red vs green (95% Wilson intervals), and rank correlation with the phase's success metrics 1-3 months later");
                out!("{}", output::table(&header, &rows));
                if !unpredicted.is_empty() {
                    outln!("\nsuccess metrics no indicator predicts: {}", unpredicted.join(", "));
                }
            }
        }
    }
    Ok(0)
}

/// The `--segment` of `touchpoints`, checked against the store's tiers.
fn service_segment(store: &Store, text: &str) -> Result<ServiceSegment> {
    let tiers = store.tiers()?;
    let sizes = ["micro", "small", "medium", "large", "unknown"];
    ServiceSegment::parse(text)
        .filter(|segment| match segment {
            ServiceSegment::Tier(t) => t == "none" || tiers.iter().any(|r| &r.id == t),
            ServiceSegment::Size(s) => sizes.contains(&s.as_str()),
            _ => true,
        })
        .ok_or_else(|| {
            let mut expected: Vec<String> = ["all", "hvc", "regular", "tier:none"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            expected.extend(tiers.iter().map(|t| format!("tier:{}", t.id)));
            expected.extend(sizes.iter().map(|s| format!("size:{s}")));
            Error::input(format!(
                "unknown segment '{text}': expected one of {}",
                expected.join(", ")
            ))
        })
}

/// Hours for people: "3.5 h", or "-" without data.
/// One row per phase and group of the priority service: the phase, the group, then `cells`.
fn service_rows(
    service: &[(String, String, Vec<ServiceGroup>)],
    cells: impl Fn(&ServiceGroup) -> Vec<String>,
) -> Vec<Vec<String>> {
    service
        .iter()
        .flat_map(|(_, phase, groups)| {
            groups.iter().map(|g| {
                let mut row = vec![phase.clone(), g.segment.clone()];
                row.extend(cells(g));
                row
            })
        })
        .collect()
}

fn hours(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1} h"))
}

pub fn run_touchpoints(store: &Store, args: &TouchpointsArgs, format: Format) -> Result<u8> {
    let period = last_period(store, args.period)?;
    let chosen = journeys_and_phases(store, args.journey.as_deref(), Some(&args.phase))?;
    let segment = service_segment(store, &args.segment)?;
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    // (journey, phase name, groups) of each phase, with --by segment.
    let mut service: Vec<(String, String, Vec<ServiceGroup>)> = Vec::new();
    for (journey, phases, _) in &chosen {
        for phase in phases {
            let now = store.touchpoints_in(phase.id, period, &segment)?;
            let before = store.touchpoints_in(phase.id, period.prev(), &segment)?;
            if args.by == Some(TouchpointsBreakdown::Segment) {
                service.push((
                    journey.clone(),
                    phase.name.clone(),
                    store.priority_service(phase.id, period)?,
                ));
            }
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
        Format::Json => {
            let service_json: Vec<_> = service
                .iter()
                .map(|(journey, phase, groups)| json!({"journey": journey, "phase": phase, "groups": groups}))
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "period": period.to_string(),
                    "segment": segment.to_string(),
                    "touchpoints": json_rows,
                    "priority_service": service_json,
                }))
                .unwrap_or_default()
            )
        }
        Format::Csv if args.by.is_some() => {
            let header = [
                "phase",
                "segment",
                "tickets",
                "first_response_hours",
                "responded",
                "resolution_hours",
                "resolved",
                "sla_met",
                "sla_breached",
                "sla_pending",
                "sla_attainment",
            ];
            let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            let rows = service_rows(&service, |g| {
                vec![
                    g.tickets.to_string(),
                    num(g.first_response_hours),
                    g.responded.to_string(),
                    num(g.resolution_hours),
                    g.resolved.to_string(),
                    g.sla_met.to_string(),
                    g.sla_breached.to_string(),
                    g.sla_pending.to_string(),
                    num(g.sla_attainment),
                ]
            });
            out!("{}", output::csv(&header, &rows));
        }
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
                out!("{}", output::csv(&header, &rows));
            } else {
                let of_segment = match segment {
                    ServiceSegment::All => String::new(),
                    ref s => format!(", accounts of segment {s}"),
                };
                outln!(
                    "touchpoints in {period} (change against {}){of_segment}",
                    period.prev()
                );
                out!("{}", output::table(&header, &rows));
                if !service.is_empty() {
                    outln!(
                        "\npriority service in {period}: tickets opened in the month, mean hours to the first response and to resolution, and SLA met (share of the judged tickets answered within sla_first_response_hours.<severity>); HVC as decided in {period}, tiers held at the end of {}",
                        period.prev()
                    );
                    let rows = service_rows(&service, |g| {
                        vec![
                            g.tickets.to_string(),
                            hours(g.first_response_hours),
                            hours(g.resolution_hours),
                            g.sla_attainment
                                .map_or_else(|| "-".into(), |a| format!("{:.1}%", 100.0 * a)),
                            (g.sla_met + g.sla_breached).to_string(),
                        ]
                    });
                    let header = [
                        "phase",
                        "group",
                        "tickets",
                        "first response",
                        "resolution",
                        "SLA met",
                        "judged",
                    ];
                    out!("{}", output::table(&header, &rows));
                }
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
            Format::Json => outln!("{}", serde_json::to_string_pretty(&comments).unwrap_or_default()),
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
                out!(
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
        .map(|c| (c.sentiment, c.comment.as_str()))
        .collect();
    let found = terms::over_represented(&scored, 3, 25);
    match format {
        Format::Json => outln!(
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
                out!("{}", output::csv(&header, &rows));
            } else {
                outln!(
                    "what unhappy customers say more than happy ones, {from} to {to} (--list for the comments)"
                );
                out!("{}", output::table(&header, &rows));
            }
        }
    }
    Ok(0)
}
