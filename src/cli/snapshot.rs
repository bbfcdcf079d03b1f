//! `cxcockpit snapshot`: one pane as the cockpit draws it, as plain text (the same drawing code,
//! into a buffer instead of a terminal), or with `--format json` the pane's data.

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::Format;
use super::output::{JsonPart, Stream};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::ui::load;
use crate::ui::view::{self, MetricView};
use crate::ui::{App, Pane, render_text, text};

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The pane: `overview`, `phase:NAME` with a phase's key or name (any case), `churn`, `tiers`,
    /// `triage`, `actions`, `account:ID`, or `review` (the month's journey review).
    #[arg(long, default_value = "overview", value_name = "PANE")]
    pub pane: String,
    /// The month (default: the store's last).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
    /// The segment: all, hvc, regular, or size:SIZE (default: all).
    #[arg(long, value_name = "SEGMENT")]
    pub segment: Option<String>,
    /// The journey, by id or name (default: the first).
    #[arg(long, value_name = "JOURNEY")]
    pub journey: Option<String>,
    /// Columns of the screen drawn.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub width: u16,
    /// Lines of the screen drawn.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub height: u16,
}

fn unknown(what: &str, given: &str, valid: &[String]) -> Error {
    Error::input(format!("no {what} '{given}'; valid: {}", valid.join(", ")))
}

/// The pane names `--pane` takes for the journey loaded in `app`.
pub fn pane_names(app: &App) -> Vec<String> {
    let mut names = vec!["overview".to_string()];
    names.extend(
        app.data
            .phases
            .iter()
            .map(|p| format!("phase:{}", text::clean(&p.key))),
    );
    names.push("churn".into());
    names.push("tiers".into());
    names.push("triage".into());
    names.push("actions".into());
    names.push("account:ID".into());
    names.push("review".into());
    for view in ["indicators", "touchpoints", "says", "comments"] {
        names.push(format!("{view}[:PHASE]"));
    }
    names
}

/// Sets up `app` as the arguments ask, loading from the store what they need.
pub fn prepare(app: &mut App, store: &Store, args: &SnapshotArgs) -> Result<()> {
    if let Some(journey) = &args.journey {
        let wanted = journey.to_lowercase();
        let index = app
            .catalogue
            .journeys
            .iter()
            .position(|j| j.id.to_lowercase() == wanted || j.name.to_lowercase() == wanted)
            .ok_or_else(|| {
                let valid: Vec<String> = app.catalogue.journeys.iter().map(|j| j.id.clone()).collect();
                unknown("journey", journey, &valid)
            })?;
        if index != app.journey {
            app.journey = index;
            load::load_inline(app, store)?;
        }
    }
    if let Some(segment) = &args.segment {
        let wanted = segment.to_lowercase();
        let index = app
            .catalogue
            .segments
            .iter()
            .position(|s| {
                s.to_lowercase() == wanted
                    || text::segment_label(s).to_lowercase() == wanted
                    || s.strip_prefix("size:").is_some_and(|size| size == wanted)
            })
            .ok_or_else(|| unknown("segment", segment, &app.catalogue.segments))?;
        if index != app.segment {
            app.segment = index;
            load::load_inline(app, store)?;
        }
    }
    if let Some(period) = args.period {
        match app.catalogue.range {
            Some((first, last)) if first <= period && period <= last => app.period = period,
            Some((first, last)) => {
                return Err(Error::input(format!(
                    "no data for {period}: the store holds {first} to {last}"
                )));
            }
            None => {
                return Err(Error::input(format!(
                    "no data for {period}: the store holds no months"
                )));
            }
        }
    }
    let pane = args.pane.to_lowercase();
    app.pane = if pane == "overview" {
        Pane::Overview
    } else if pane == "churn" {
        Pane::Churn
    } else if pane == "tiers" {
        Pane::Tiers
    } else if pane == "triage" {
        Pane::Triage
    } else if pane == "actions" {
        Pane::Actions
    } else if pane == "review" {
        // The review mode over the overview, on the month and journey asked for.
        Pane::Overview
    } else if pane.starts_with("account:") {
        // The account view over the triage pane; the id as given (ids are case-sensitive).
        let id = args.pane["account:".len()..].trim();
        crate::ui::triage::open_account(app, id);
        Pane::Triage
    } else if let Some((view, name)) = crate::ui::insight::parse_pane(&pane) {
        // A phase pane's review view: the phase named, or the first.
        app.insight.view = Some(view);
        let index = match name {
            Some(name) => app
                .data
                .phases
                .iter()
                .position(|p| p.key.to_lowercase() == name || p.name.to_lowercase() == name),
            None => (!app.data.phases.is_empty()).then_some(0),
        };
        index
            .map(Pane::Phase)
            .ok_or_else(|| unknown("pane", &args.pane, &pane_names(app)))?
    } else if let Some(name) = pane.strip_prefix("phase:") {
        app.data
            .phases
            .iter()
            .position(|p| p.key.to_lowercase() == name || p.name.to_lowercase() == name)
            .map(Pane::Phase)
            .ok_or_else(|| unknown("pane", &args.pane, &pane_names(app)))?
    } else {
        return Err(unknown("pane", &args.pane, &pane_names(app)));
    };
    load::load_inline(app, store)?;
    if pane == "review" {
        crate::ui::review::open(app);
        load::load_inline(app, store)?;
    }
    if pane.starts_with("account:") && app.account.is_none() {
        return Err(Error::input(format!(
            "no account '{}'; see `cxcockpit triage --all` for account ids",
            text::clean(&args.pane["account:".len()..])
        )));
    }
    Ok(())
}

pub fn run(store: &Store, args: &SnapshotArgs, format: Format) -> Result<u8> {
    let label = store.path().file_name().map_or_else(
        || store.path().display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut app = App::load(store, label)?;
    prepare(&mut app, store, args)?;
    match format {
        Format::Table => emit(&render_text(&app, args.width, args.height))?,
        Format::Json if app.pane == Pane::Tiers && app.review.is_none() => {
            let mut stream = Stream::stdout();
            with_tiers_fields(&app, |fields| stream.json_document(fields))?;
            stream.finish()?;
        }
        Format::Json => {
            let data = pane_json(&app);
            let text = serde_json::to_string_pretty(&data).map_err(|e| Error::input(e.to_string()))?;
            emit(&(text + "\n"))?;
        }
        Format::Csv => {
            return Err(Error::input(
                "snapshot prints --format table (the screen as text) or --format json (its data)",
            ));
        }
    }
    Ok(0)
}

/// The tiers pane's document (`pane_json`) handed to `write` as fields, its watch list as rows
/// made as they are written: the list grows with the accounts (14,075 at 100,000), and held
/// whole as JSON it took 270 MB.
fn with_tiers_fields<R>(app: &App, write: impl FnOnce(&mut [(&str, JsonPart<'_>)]) -> R) -> R {
    let head = crate::ui::tiers::view::pane_json_head(app);
    let mut watch =
        |row: &mut dyn FnMut(Value) -> Result<()>| crate::ui::tiers::view::watch_json_each(app, row);
    let mut fields: Vec<(&str, JsonPart<'_>)> = head
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), JsonPart::Value(v.clone())))
        .collect();
    fields.push(("watch", JsonPart::Rows(Box::new(&mut watch))));
    write(&mut fields)
}

/// Writes to stdout; a reader that stops early (`| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            context: "writing the snapshot".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

fn metric_json(view: &MetricView<'_>, period: Period) -> Value {
    let first = period.offset(1 - view::TREND_MONTHS);
    let trend: Vec<Value> = first
        .through(period)
        .zip(&view.trend)
        .map(|(p, v)| json!({ "period": p.to_string(), "value": v }))
        .collect();
    let m = view.metric;
    json!({
        "id": m.id,
        "name": m.name,
        "kind": m.kind,
        "perspective": m.perspective,
        "unit": m.unit,
        "direction": m.direction,
        "value": view.value,
        "n": view.n,
        "target": m.target,
        "tolerance": m.tolerance,
        "status": view.status,
        "previous": view.previous,
        "delta": view.delta,
        "trend": trend,
    })
}

/// The data behind a pane: its phases with their counts and metrics; the movers on the overview;
/// the churn and tiers panes' own figures.
pub fn pane_json(app: &App) -> Value {
    if app.review.is_some() {
        return crate::ui::review::view::pane_json(app);
    }
    if let (Some(view), Pane::Phase(_)) = (app.insight.view, app.pane) {
        return crate::ui::insight::view::pane_json(app, view);
    }
    match app.pane {
        Pane::Churn => return crate::ui::churn::view::pane_json(app),
        Pane::Tiers => return crate::ui::tiers::view::pane_json(app),
        Pane::Triage => return crate::ui::triage::view::pane_json(app),
        Pane::Actions => return crate::ui::actions::view::pane_json(app),
        _ => {}
    }
    let summaries = view::phase_summaries(&app.data, app.period);
    let phases: Vec<Value> = summaries
        .iter()
        .enumerate()
        .filter(|(i, _)| app.pane == Pane::Overview || app.pane == Pane::Phase(*i))
        .map(|(_, s)| {
            let (ind, suc) = view::phase_rows(&app.data, s.phase, app.period, &app.filter);
            let metrics: Vec<Value> = ind
                .iter()
                .chain(&suc)
                .map(|v| metric_json(v, app.period))
                .collect();
            json!({
                "key": s.phase.key,
                "name": s.phase.name,
                "position": s.phase.position,
                "cx_goal": s.phase.cx_goal,
                "business_goal": s.phase.business_goal,
                "owner": s.phase.owner,
                "indicators": s.indicators,
                "success": s.success,
                "metrics": metrics,
            })
        })
        .collect();
    let pane = match (app.pane, app.phase()) {
        (Pane::Phase(_), Some(p)) => format!("phase:{}", p.key),
        _ => "overview".into(),
    };
    let mut out = json!({
        "pane": pane,
        "journey": app.journey().map(|j| json!({ "id": j.id, "name": j.name })),
        "period": app.period.to_string(),
        "segment": app.segment_id(),
        "phases": phases,
    });
    if app.pane == Pane::Overview {
        let movers: Vec<Value> = view::movers(&app.data, app.period, &app.filter, 10)
            .iter()
            .map(|v| {
                let mut m = metric_json(v, app.period);
                m["phase"] = json!(app.data.phase_of(v.metric).map(|p| p.key.clone()));
                m
            })
            .collect();
        out["movers"] = json!(movers);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiers pane written row by row is, byte for byte, the whole document pretty-printed.
    #[test]
    fn the_tiers_pane_written_row_by_row_is_the_whole_document() {
        let store = crate::demo::test_store();
        let mut app = App::load(&store, "demo".into()).unwrap();
        let args = SnapshotArgs {
            pane: "tiers".into(),
            period: None,
            segment: None,
            journey: None,
            width: 120,
            height: 40,
        };
        prepare(&mut app, &store, &args).unwrap();
        let whole = serde_json::to_string_pretty(&pane_json(&app)).unwrap();
        let mut written = Vec::new();
        with_tiers_fields(&app, |fields| {
            super::super::output::write_json(&mut written, fields)
        })
        .unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), whole);
        let watched = pane_json(&app)["watch"].as_array().map_or(0, Vec::len);
        assert!(watched > 10, "the demo's month has accounts to watch: {watched}");
    }
}
