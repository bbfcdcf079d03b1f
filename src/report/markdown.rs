//! The review as Markdown (CommonMark with GitHub tables): a summary, then per phase its goal,
//! owner, moments of truth and pain points, a table of its indicators and success metrics, the
//! notes and the sign-off.

use std::fmt::Write;

use super::escape::{md_cell, md_inline, md_paragraphs};
use super::{MetricDoc, ReviewDoc, change_text, number, review_line, signed, signed_percent, status_text};

pub fn render(doc: &ReviewDoc) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_doc(&mut out, doc);
    out
}

fn write_doc(out: &mut String, doc: &ReviewDoc) -> std::fmt::Result {
    writeln!(
        out,
        "# Journey review: {}, {}\n",
        md_inline(&doc.journey.name),
        doc.period
    )?;
    writeln!(
        out,
        "Journey {} ({}), month {}, compared with {}; segment {}.\n",
        md_inline(&doc.journey.name),
        md_inline(&doc.journey.id),
        doc.period,
        doc.previous_period,
        md_inline(&doc.segment)
    )?;
    writeln!(out, "## Summary\n")?;
    writeln!(
        out,
        "- Progress: {} of {} phases signed off",
        doc.progress.signed_off, doc.progress.total
    )?;
    let s = &doc.summary;
    writeln!(
        out,
        "- Metrics: {} green, {} amber, {} red, {} no data, {} no target, {} too few answers to judge",
        s.green, s.amber, s.red, s.no_data, s.no_target, s.low_sample
    )?;
    if doc.movers.is_empty() {
        writeln!(
            out,
            "- Biggest movers since {} (survey changes only when significant at 95%): none",
            doc.previous_period
        )?;
    } else {
        writeln!(
            out,
            "- Biggest movers since {} (survey changes only when significant at 95%):",
            doc.previous_period
        )?;
        for m in &doc.movers {
            writeln!(
                out,
                "  - {} ({}): {} to {}{} ({}{})",
                md_inline(&m.metric),
                md_inline(&m.phase),
                number(m.previous),
                number(m.value),
                unit_suffix(&m.unit),
                signed(m.change),
                m.relative_change
                    .map_or_else(String::new, |r| format!(", {}", signed_percent(r)))
            )?;
        }
    }
    for phase in &doc.phases {
        writeln!(out, "\n## {}. {}\n", phase.position, md_inline(&phase.name))?;
        let goal = if phase.cx_goal.trim().is_empty() {
            "none stated".to_string()
        } else {
            md_inline(&phase.cx_goal)
        };
        writeln!(out, "- CX goal: {goal}")?;
        writeln!(
            out,
            "- Owner: {}",
            phase.owner.as_deref().map_or("no owner".to_string(), md_inline)
        )?;
        for (label, items) in [
            ("Moments of truth", &phase.moments_of_truth),
            ("Pain points", &phase.pain_points),
        ] {
            if !items.is_empty() {
                writeln!(out, "- {label}:")?;
                for item in items {
                    writeln!(out, "  - {}", md_inline(item))?;
                }
            }
        }
        writeln!(out, "- Review: {}\n", md_inline(&review_line(&phase.review)))?;
        if phase.metrics().next().is_none() {
            writeln!(out, "No metrics in this phase.")?;
        } else {
            writeln!(
                out,
                "| kind | metric | perspective | unit | value | target | status | change |"
            )?;
            writeln!(out, "|---|---|---|---|---:|---:|---|---:|")?;
            for m in phase.metrics() {
                write_row(out, m)?;
            }
        }
        writeln!(out, "\n### Notes\n")?;
        let notes = md_paragraphs(&phase.review.notes, "");
        if notes.is_empty() {
            writeln!(out, "No notes.")?;
        } else {
            writeln!(out, "{notes}")?;
        }
        if !phase.actions.is_empty() {
            // Left out when the phase has none, as the moments of truth are.
            writeln!(out, "\n### Actions\n")?;
            for action in &phase.actions {
                writeln!(out, "- {}", md_inline(&action.line()))?;
            }
        }
        if !phase.review.history.is_empty() {
            writeln!(out, "\n### History\n")?;
            for h in &phase.review.history {
                let who = h.reviewer.as_deref().unwrap_or("unknown");
                let notes = md_paragraphs(&h.notes, "  ");
                writeln!(
                    out,
                    "- {}, {} by {}: {}",
                    md_inline(&h.changed_at),
                    h.status.label(),
                    md_inline(who),
                    if notes.is_empty() {
                        "no notes".to_string()
                    } else {
                        notes
                    }
                )?;
            }
        }
    }
    Ok(())
}

fn write_row(out: &mut String, m: &MetricDoc) -> std::fmt::Result {
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        m.kind,
        md_cell(&m.name),
        m.perspective,
        md_cell(&m.unit),
        m.value.map_or("no data".to_string(), number),
        m.target.map_or("none".to_string(), number),
        status_text(m),
        change_text(m)
    )
}

fn unit_suffix(unit: &str) -> String {
    if unit.trim().is_empty() {
        String::new()
    } else {
        format!(" {}", md_inline(unit))
    }
}
