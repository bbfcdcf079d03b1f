//! The monthly journey review as a document: one plain data struct ([`ReviewDoc`]) read from the
//! store once, and three renderers over it (Markdown, self-contained HTML, JSON). The renderers
//! are pure: the same document gives the same bytes, so the outputs can be compared with golden
//! files. Every string from data is escaped by the renderer that writes it (see [`escape`]).

pub mod digest;
pub mod escape;
pub mod html;
pub mod markdown;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::model::{Direction, Metric, MetricKind, Perspective};
use crate::domain::status::Status;
use crate::domain::{Period, change};
use crate::error::Result;
use crate::store::Store;
use crate::store::actions::ActionStatus;
use crate::store::review::{ReviewHistoryEntry, ReviewStatus};

/// How many metrics the summary lists as the biggest movers.
pub const MOVERS: usize = 3;
/// How many months a trend shows, at most (fewer when the store starts later).
pub const TREND_MONTHS: i32 = 12;
/// The segment a review is about.
pub const SEGMENT: &str = "all";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewDoc {
    pub journey: JourneyRef,
    pub period: String,
    pub previous_period: String,
    pub segment: String,
    /// The months of every trend series, oldest first, ending with `period`.
    pub months: Vec<String>,
    pub progress: Progress,
    pub summary: Summary,
    pub movers: Vec<Mover>,
    pub phases: Vec<PhaseDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JourneyRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub signed_off: usize,
    pub total: usize,
}

/// How many of the journey's metrics have each status in the month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub green: usize,
    pub amber: usize,
    pub red: usize,
    pub no_data: usize,
    pub no_target: usize,
    /// Values on too small a sample to judge (`Status::LowSample`).
    pub low_sample: usize,
}

/// A metric among the largest moves from the previous month (against its tolerance).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mover {
    pub metric_id: String,
    pub metric: String,
    pub phase: String,
    pub unit: String,
    pub previous: f64,
    pub value: f64,
    pub change: f64,
    /// (value - previous) / |previous|, a fraction; None for percentages and net scores
    /// (`domain::change::relative_change`).
    pub relative_change: Option<f64>,
    /// |change| in units of the metric's tolerance (`domain::change::movement`): how movers rank.
    pub movement: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseDoc {
    pub key: String,
    pub name: String,
    pub position: i64,
    pub cx_goal: String,
    /// None: nobody owns the phase ("no owner").
    pub owner: Option<String>,
    /// The moments that decide how the customer judges the phase, one per stored line
    /// (trimmed, empty lines dropped).
    pub moments_of_truth: Vec<String>,
    /// What goes wrong for customers in the phase, one per stored line.
    pub pain_points: Vec<String>,
    pub indicators: Vec<MetricDoc>,
    pub success: Vec<MetricDoc>,
    pub review: PhaseReviewDoc,
    /// The phase's actions: the month's, then those still open from earlier months.
    pub actions: Vec<ActionDoc>,
}

/// An action as the review lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDoc {
    pub id: i64,
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: ActionStatus,
    pub source: String,
    pub account_id: Option<String>,
    pub metric_id: Option<String>,
    pub period: Option<String>,
    pub created_at: String,
    /// Whole days since it was created, on the day the document was made.
    pub age_days: i64,
    /// Open past its due date on that day.
    pub overdue: bool,
    /// Open from an earlier month.
    pub carried_over: bool,
}

impl ActionDoc {
    fn of(a: &crate::store::actions::Action, today: NaiveDate, carried_over: bool) -> ActionDoc {
        ActionDoc {
            id: a.id,
            title: a.title.clone(),
            owner: a.owner.clone(),
            due: a.due.clone(),
            status: a.status,
            source: a.source.clone(),
            account_id: a.account_id.clone(),
            metric_id: a.metric_id.clone(),
            period: a.period.clone(),
            created_at: a.created_at.clone(),
            age_days: a.age_days(today),
            overdue: a.is_overdue(today),
            carried_over,
        }
    }

    /// "#3 Call back (ana, due 2026-04-01, OVERDUE; 12 days old, from 2026-02)" for people.
    pub fn line(&self) -> String {
        let mut facts = vec![self.owner.clone().unwrap_or_else(|| "no owner".into())];
        if let Some(due) = &self.due {
            facts.push(format!("due {due}"));
        }
        facts.push(if self.overdue {
            "OVERDUE".to_string()
        } else {
            self.status.as_str().to_string()
        });
        let age = if self.age_days == 1 {
            "1 day old".to_string()
        } else {
            format!("{} days old", self.age_days)
        };
        let carried = match (&self.period, self.carried_over) {
            (Some(month), true) => format!(", carried over from {month}"),
            (None, true) => ", carried over".to_string(),
            _ => String::new(),
        };
        format!(
            "#{} {} ({}; {age}{carried})",
            self.id,
            self.title,
            facts.join(", ")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDoc {
    pub id: String,
    pub name: String,
    pub kind: MetricKind,
    pub perspective: Perspective,
    pub unit: String,
    pub direction: Direction,
    pub target: Option<f64>,
    pub tolerance: f64,
    /// None: no data this month (never zero).
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// value - previous, when both exist.
    pub change: Option<f64>,
    /// (value - previous) / |previous|, when both exist, previous is not zero and the metric is
    /// neither a percentage nor a net score.
    pub relative_change: Option<f64>,
    /// Survey metrics: whether the change is significant at 95% (a two-sample z test, see
    /// `domain::change::significant`); None where no test applies. Movers are never
    /// insignificant changes.
    pub significant: Option<bool>,
    pub status: Status,
    pub previous_status: Status,
    /// One value per month of [`ReviewDoc::months`], None where there is no data.
    pub series: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReviewDoc {
    pub status: ReviewStatus,
    pub notes: String,
    pub reviewer: Option<String>,
    pub updated_at: Option<String>,
    pub history: Vec<ReviewHistoryEntry>,
}

impl ReviewDoc {
    /// Reads the journey's review of `period` from the store: its phases, metrics, the rollups
    /// of segment `all` for the trend months, and the review state of each phase. A handful of
    /// reads, none over raw rows: the cockpit's review mode can build it when it opens a month.
    pub fn build(store: &Store, journey_id: &str, period: Period) -> Result<ReviewDoc> {
        Self::build_at(store, journey_id, period, crate::store::actions::today()?)
    }

    /// `build` on the day `today`: the actions' ages and whether they are overdue.
    pub fn build_at(store: &Store, journey_id: &str, period: Period, today: NaiveDate) -> Result<ReviewDoc> {
        let journey = store
            .journeys()?
            .into_iter()
            .find(|j| j.id == journey_id)
            .map(|j| JourneyRef {
                id: j.id,
                name: j.name,
            })
            .unwrap_or_else(|| JourneyRef {
                id: journey_id.to_string(),
                name: journey_id.to_string(),
            });
        let phases = store.phases(journey_id)?;
        let metrics = store.metrics(journey_id)?;
        let series = store.series(journey_id, SEGMENT)?;
        let min_samples = store.min_samples()?;
        let review = store.review(journey_id, period)?;
        // The trend starts with the store's first month of data for the journey (read from the
        // series in memory, not from the raw rows), at most 12 months back.
        let first = series
            .values()
            .filter_map(|months| months.keys().next())
            .min()
            .copied()
            .unwrap_or(period)
            .max(period.offset(1 - TREND_MONTHS))
            .min(period);
        let months: Vec<Period> = first.through(period).collect();
        let previous = period.prev();

        let metric_doc = |m: &Metric| -> MetricDoc {
            let values = series.get(&m.id);
            let at = |p: Period| values.and_then(|v| v.get(&p)).map(|v| v.value);
            let n_at = |p: Period| values.and_then(|v| v.get(&p)).and_then(|v| v.n);
            let min_sample = min_samples.of(&m.aggregation);
            let status_at =
                |p: Period| Status::judged(at(p), n_at(p), min_sample, m.target, m.tolerance, m.direction);
            let (value, prev) = (at(period), at(previous));
            let point = |p: Period| values.and_then(|v| v.get(&p));
            let significant = change::significance(m, point(period), point(previous));
            let change = value.zip(prev).map(|(v, p)| round6(v - p));
            let relative_change = value
                .zip(prev)
                .and_then(|(v, p)| change::relative_change(m, v, p))
                .map(round6);
            MetricDoc {
                id: m.id.clone(),
                name: m.name.clone(),
                kind: m.kind,
                perspective: m.perspective,
                unit: m.unit.clone(),
                direction: m.direction,
                target: m.target,
                tolerance: m.tolerance,
                value,
                previous: prev,
                change,
                relative_change,
                significant,
                status: status_at(period),
                previous_status: status_at(previous),
                series: months.iter().map(|p| at(*p)).collect(),
            }
        };

        let mut summary = Summary::default();
        let mut movers: Vec<(usize, Mover)> = Vec::new();
        let mut phase_docs = Vec::new();
        for phase in &phases {
            let (mut indicators, mut success) = (Vec::new(), Vec::new());
            for m in metrics.iter().filter(|m| m.phase_id == phase.id) {
                let doc = metric_doc(m);
                match doc.status {
                    Status::Green => summary.green += 1,
                    Status::Amber => summary.amber += 1,
                    Status::Red => summary.red += 1,
                    Status::NoData => summary.no_data += 1,
                    Status::NoTarget => summary.no_target += 1,
                    Status::LowSample => summary.low_sample += 1,
                }
                if let (Some(value), Some(prev), Some(delta)) = (doc.value, doc.previous, doc.change)
                    && delta != 0.0
                    && doc.significant != Some(false)
                {
                    movers.push((
                        movers.len(),
                        Mover {
                            metric_id: doc.id.clone(),
                            metric: doc.name.clone(),
                            phase: phase.name.clone(),
                            unit: doc.unit.clone(),
                            previous: prev,
                            value,
                            change: delta,
                            relative_change: doc.relative_change,
                            movement: round6(change::movement(delta, prev, m.tolerance)),
                        },
                    ));
                }
                match doc.kind {
                    MetricKind::Indicator => indicators.push(doc),
                    MetricKind::Success => success.push(doc),
                }
            }
            let state = review.phases.iter().find(|r| r.phase_id == phase.id);
            let (this_month, carried) = store.phase_actions(journey_id, &phase.key, &period.to_string())?;
            let actions = this_month
                .iter()
                .map(|a| ActionDoc::of(a, today, false))
                .chain(carried.iter().map(|a| ActionDoc::of(a, today, true)))
                .collect();
            phase_docs.push(PhaseDoc {
                key: phase.key.clone(),
                name: phase.name.clone(),
                position: phase.position,
                cx_goal: phase.cx_goal.clone(),
                owner: phase.owner.clone().filter(|o| !o.trim().is_empty()),
                moments_of_truth: lines(&phase.moments_of_truth),
                pain_points: lines(&phase.pain_points),
                indicators,
                success,
                review: PhaseReviewDoc {
                    status: state.map_or(ReviewStatus::NotStarted, |s| s.status),
                    notes: state.map(|s| s.notes.clone()).unwrap_or_default(),
                    reviewer: state.and_then(|s| s.reviewer.clone()),
                    updated_at: state.and_then(|s| s.updated_at.clone()),
                    history: state.map(|s| s.history.clone()).unwrap_or_default(),
                },
                actions,
            });
        }
        // Largest move against the tolerance first; ties keep the journey's order.
        movers.sort_by(|(ia, a), (ib, b)| b.movement.total_cmp(&a.movement).then(ia.cmp(ib)));
        Ok(ReviewDoc {
            journey,
            period: period.to_string(),
            previous_period: previous.to_string(),
            segment: SEGMENT.to_string(),
            months: months.iter().map(ToString::to_string).collect(),
            progress: Progress {
                signed_off: review.signed_off(),
                total: review.total(),
            },
            summary,
            movers: movers.into_iter().take(MOVERS).map(|(_, m)| m).collect(),
            phases: phase_docs,
        })
    }

    /// The document as pretty JSON, with a final line break.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and finite numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    pub fn to_html(&self) -> String {
        html::render(self)
    }
}

impl PhaseDoc {
    /// Indicators first, then success metrics.
    pub fn metrics(&self) -> impl Iterator<Item = &MetricDoc> {
        self.indicators.iter().chain(&self.success)
    }
}

/// A stored one-per-line list (LF, CRLF or CR): each line trimmed, empty lines dropped.
fn lines(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Rounds away floating-point noise (0.1 + 0.2 is not exactly 0.3 in binary).
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

/// A number for people: at most two decimals, no trailing zeros, never "-0".
pub fn number(value: f64) -> String {
    crate::store::review::number(value)
}

/// A change with its sign: "+2.5", "-3.88", "0".
/// A metric's change for the documents: signed, and "(noise)" when a survey change is within its
/// sampling error (not significant at 95%).
pub fn change_text(m: &MetricDoc) -> String {
    match (m.change, m.significant) {
        (None, _) => "n/a".to_string(),
        (Some(change), Some(false)) => format!("{} (noise)", signed(change)),
        (Some(change), _) => signed(change),
    }
}

pub fn signed(value: f64) -> String {
    let text = number(value);
    if value > 0.0 && text != "0" {
        format!("+{text}")
    } else {
        text
    }
}

/// A fraction as a signed percentage: 0.0549 -> "+5.5 %".
/// A relative change as the documents print it: "+12.5 %", or "-" where none applies.
pub fn relative_text(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "-".to_string(), signed_percent)
}

pub fn signed_percent(fraction: f64) -> String {
    let text = format!("{:.1}", fraction * 100.0);
    let text = if text == "-0.0" { "0.0".to_string() } else { text };
    if fraction > 0.0 && text != "0.0" {
        format!("+{text} %")
    } else {
        format!("{text} %")
    }
}

/// The status as a word, so it never rests on colour alone.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Green => "green",
        Status::Amber => "amber",
        Status::Red => "red",
        Status::NoData => "no data",
        Status::NoTarget => "no target",
        Status::LowSample => "low sample",
    }
}

/// "red", or "red (was amber)" when the status changed since the previous month.
pub fn status_text(metric: &MetricDoc) -> String {
    if metric.status == metric.previous_status {
        status_word(metric.status).to_string()
    } else {
        format!(
            "{} (was {})",
            status_word(metric.status),
            status_word(metric.previous_status)
        )
    }
}

/// The sign-off line of a phase: "signed off by ana at 2026-04-02T10:00:00".
pub fn review_line(review: &PhaseReviewDoc) -> String {
    let mut line = review.status.label().to_string();
    if review.status != ReviewStatus::NotStarted {
        if let Some(who) = &review.reviewer {
            line += &format!(" by {who}");
        }
        if let Some(at) = &review.updated_at {
            line += &format!(" at {at}");
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(91.25), "91.25");
        assert_eq!(number(86.0), "86");
        assert_eq!(number(-0.0001), "0");
        assert_eq!(signed(2.5), "+2.5");
        assert_eq!(signed(-3.87), "-3.87");
        assert_eq!(signed(0.0), "0");
        assert_eq!(signed_percent(-0.054945), "-5.5 %");
        assert_eq!(signed_percent(0.025), "+2.5 %");
        assert_eq!(round6(0.1 + 0.2), 0.3);
    }

    #[test]
    fn stored_lists_split_on_lines() {
        assert_eq!(
            lines(" Installation day \r\n\n  The first invoice\rA fault fixed\n"),
            ["Installation day", "The first invoice", "A fault fixed"]
        );
        assert!(lines(" \n ").is_empty());
    }
}
