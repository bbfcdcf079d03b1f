//! The review as one self-contained HTML file: inline CSS, no script, no network; a trend chart
//! per metric drawn as inline SVG (the months of the trend as a polyline, the target dashed);
//! readable printed (`@media print`). Every string from data goes through [`escape::html`].

use std::fmt::Write;

use super::escape::html as esc;
use super::{
    MetricDoc, PhaseDoc, ReviewDoc, change_text, number, relative_text, review_line, signed, status_text,
};
use crate::domain::status::Status;

/// The documents' stylesheet (the digest uses it too).
pub(crate) const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2rem auto;
       max-width: 64rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.3rem; }
.lede { color: #555; margin-top: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.5rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
dd ul.items { margin: 0; padding-left: 1.1rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.4rem; text-align: left; vertical-align: middle; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status { font-weight: 600; white-space: nowrap; border-radius: 0.2rem; padding: 0.05rem 0.3rem; }
.st-green { background: #d8f0d8; color: #14532d; }
.st-amber { background: #fdebc8; color: #713f12; }
.st-red { background: #f9d2d2; color: #7f1d1d; }
.st-no_data, .st-no_target { background: #eee; color: #444; }
.notes { white-space: pre-wrap; border-left: 3px solid #ccc; padding-left: 0.6rem; margin: 0.3rem 0; }
.empty { color: #666; font-style: italic; }
svg.trend { width: 10rem; height: 2.5rem; display: block; }
svg.trend .line { fill: none; stroke: #1f4e8c; stroke-width: 1.5; }
svg.trend .dot { fill: #1f4e8c; }
svg.trend .now { fill: #1f4e8c; stroke: #fff; stroke-width: 0.8; }
svg.trend .target { stroke: #b91c1c; stroke-width: 1; stroke-dasharray: 3 2; }
ul.history li { margin-bottom: 0.4rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; color: #000; }
  h2 { break-after: avoid; }
  section.phase { break-inside: avoid-page; }
  tr, svg { break-inside: avoid; }
  .status, svg.trend { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { background: none; }
}
";

/// Chart geometry, in SVG user units (the CSS scales it).
const W: f64 = 160.0;
const H: f64 = 40.0;
const PAD: f64 = 4.0;

pub fn render(doc: &ReviewDoc) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_doc(&mut out, doc);
    out
}

fn write_doc(out: &mut String, doc: &ReviewDoc) -> std::fmt::Result {
    let title = format!("Journey review: {}, {}", esc(&doc.journey.name), doc.period);
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>{title}</title>")?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>{title}</h1>")?;
    writeln!(
        out,
        "<p class=\"lede\">Journey {} ({}), month {}, compared with {}; segment {}. Trends: {} to {}.</p>",
        esc(&doc.journey.name),
        esc(&doc.journey.id),
        doc.period,
        doc.previous_period,
        esc(&doc.segment),
        doc.months.first().map_or("", String::as_str),
        doc.months.last().map_or("", String::as_str),
    )?;
    writeln!(out, "</header>")?;

    writeln!(out, "<section class=\"summary\">")?;
    writeln!(out, "<h2>Summary</h2>")?;
    writeln!(out, "<ul>")?;
    writeln!(
        out,
        "<li>Progress: <strong>{} of {}</strong> phases signed off</li>",
        doc.progress.signed_off, doc.progress.total
    )?;
    let s = &doc.summary;
    writeln!(
        out,
        "<li>Metrics: {} green, {} amber, {} red, {} no data, {} no target, {} too few answers to judge</li>",
        s.green, s.amber, s.red, s.no_data, s.no_target, s.low_sample
    )?;
    writeln!(out, "</ul>")?;
    writeln!(out, "<h3>Biggest movers since {}</h3>", doc.previous_period)?;
    if doc.movers.is_empty() {
        writeln!(out, "<p class=\"empty\">None.</p>")?;
    } else {
        writeln!(out, "<table class=\"movers\">")?;
        writeln!(
            out,
            "<thead><tr><th>metric</th><th>phase</th><th>unit</th><th>{}</th><th>{}</th><th>change</th><th>relative</th></tr></thead>",
            doc.previous_period, doc.period
        )?;
        writeln!(out, "<tbody>")?;
        for m in &doc.movers {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&m.metric),
                esc(&m.phase),
                esc(&m.unit),
                number(m.previous),
                number(m.value),
                signed(m.change),
                relative_text(m.relative_change)
            )?;
        }
        writeln!(out, "</tbody>")?;
        writeln!(out, "</table>")?;
    }
    writeln!(out, "</section>")?;

    for phase in &doc.phases {
        write_phase(out, doc, phase)?;
    }
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_phase(out: &mut String, doc: &ReviewDoc, phase: &PhaseDoc) -> std::fmt::Result {
    writeln!(out, "<section class=\"phase\">")?;
    writeln!(out, "<h2>{}. {}</h2>", phase.position, esc(&phase.name))?;
    writeln!(out, "<dl>")?;
    let goal = if phase.cx_goal.trim().is_empty() {
        "<span class=\"empty\">none stated</span>".to_string()
    } else {
        esc(&phase.cx_goal)
    };
    writeln!(out, "<dt>CX goal</dt><dd>{goal}</dd>")?;
    let owner = phase
        .owner
        .as_deref()
        .map_or("<span class=\"empty\">no owner</span>".to_string(), esc);
    writeln!(out, "<dt>Owner</dt><dd>{owner}</dd>")?;
    for (label, items) in [
        ("Moments of truth", &phase.moments_of_truth),
        ("Pain points", &phase.pain_points),
    ] {
        if !items.is_empty() {
            let list: String = items.iter().map(|i| format!("<li>{}</li>", esc(i))).collect();
            writeln!(out, "<dt>{label}</dt><dd><ul class=\"items\">{list}</ul></dd>")?;
        }
    }
    writeln!(
        out,
        "<dt>Review</dt><dd class=\"review review-{}\">{}</dd>",
        phase.review.status.as_str(),
        esc(&review_line(&phase.review))
    )?;
    writeln!(out, "</dl>")?;
    if phase.metrics().next().is_none() {
        writeln!(out, "<p class=\"empty\">No metrics in this phase.</p>")?;
    } else {
        writeln!(out, "<table class=\"metrics\">")?;
        writeln!(
            out,
            "<thead><tr><th>kind</th><th>metric</th><th>perspective</th><th>unit</th><th>value</th><th>target</th><th>status</th><th>change</th><th>trend</th></tr></thead>"
        )?;
        writeln!(out, "<tbody>")?;
        for m in phase.metrics() {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><span class=\"status st-{}\">{}</span></td><td class=\"num\">{}</td><td>{}</td></tr>",
                m.kind,
                esc(&m.name),
                m.perspective,
                esc(&m.unit),
                m.value.map_or("no data".to_string(), number),
                m.target.map_or("none".to_string(), number),
                status_class(m.status),
                esc(&status_text(m)),
                change_text(m),
                chart(doc, m)
            )?;
        }
        writeln!(out, "</tbody>")?;
        writeln!(out, "</table>")?;
    }
    writeln!(out, "<h3>Notes</h3>")?;
    if phase.review.notes.trim().is_empty() {
        writeln!(out, "<p class=\"empty\">No notes.</p>")?;
    } else {
        writeln!(out, "<p class=\"notes\">{}</p>", esc(phase.review.notes.trim()))?;
    }
    if !phase.actions.is_empty() {
        // Left out when the phase has none, as the moments of truth are.
        writeln!(out, "<h3>Actions</h3>")?;
        writeln!(out, "<ul class=\"actions\">")?;
        for action in &phase.actions {
            writeln!(out, "<li>{}</li>", esc(&action.line()))?;
        }
        writeln!(out, "</ul>")?;
    }
    if !phase.review.history.is_empty() {
        writeln!(out, "<h3>History</h3>")?;
        writeln!(out, "<ul class=\"history\">")?;
        for h in &phase.review.history {
            let notes = if h.notes.trim().is_empty() {
                "<span class=\"empty\">no notes</span>".to_string()
            } else {
                format!("<span class=\"notes\">{}</span>", esc(h.notes.trim()))
            };
            writeln!(
                out,
                "<li>{}, {} by {}: {}</li>",
                esc(&h.changed_at),
                h.status.label(),
                esc(h.reviewer.as_deref().unwrap_or("unknown")),
                notes
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Green => "green",
        Status::Amber => "amber",
        Status::Red => "red",
        Status::NoData => "no_data",
        Status::NoTarget => "no_target",
        Status::LowSample => "low_sample",
    }
}

/// One metric's trend as inline SVG: each run of months with data as a polyline (a lone month
/// as a dot), the reviewed month as a larger dot, the target as a dashed line.
fn chart(doc: &ReviewDoc, m: &MetricDoc) -> String {
    let n = m.series.len();
    let (mut lo, mut hi) = m
        .series
        .iter()
        .flatten()
        .copied()
        .chain(m.target)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let x = |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            PAD + i as f64 * (W - 2.0 * PAD) / (n - 1) as f64
        }
    };
    let y = |v: f64| PAD + (hi - v) / (hi - lo) * (H - 2.0 * PAD);
    let label = format!(
        "Trend of {} ({}), {} to {}{}",
        m.name,
        m.unit,
        doc.months.first().map_or("", String::as_str),
        doc.months.last().map_or("", String::as_str),
        m.target
            .map_or(String::new(), |t| format!("; dashed line: target {}", number(t)))
    );
    let mut svg = format!(
        "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(&label),
        esc(&label)
    );
    if let Some(t) = m.target {
        let ty = y(t);
        svg += &format!(
            "<line class=\"target\" x1=\"{}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\"/>",
            PAD,
            W - PAD
        );
    }
    // Runs of consecutive months with data.
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current: Vec<(usize, f64)> = Vec::new();
    for (i, v) in m.series.iter().enumerate() {
        match v {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in &runs {
        if let [(i, v)] = run.as_slice() {
            svg += &format!(
                "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.5\"/>",
                x(*i),
                y(*v)
            );
        } else {
            let points: Vec<String> = run
                .iter()
                .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
                .collect();
            svg += &format!("<polyline class=\"line\" points=\"{}\"/>", points.join(" "));
        }
    }
    if let Some(Some(v)) = m.series.last() {
        svg += &format!(
            "<circle class=\"now\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"/>",
            x(n - 1),
            y(*v)
        );
    }
    svg += "</svg>";
    svg
}
