//! A metric as a table row: name, perspective, value with its unit, target, status (symbol and
//! word), change against the previous month, and a 12-month sparkline.

use ratatui::style::Style;

use super::sparkline::sparkline;
use super::table::{Column, Row};
use crate::domain::status::Status;
use crate::ui::text;
use crate::ui::theme::{Theme, status_text};
use crate::ui::view::MetricView;

const NAME: usize = 0;
const PERSPECTIVE: usize = 1;
const VALUE: usize = 2;
const TARGET: usize = 3;
const STATUS: usize = 4;
const CHANGE: usize = 5;
const TREND: usize = 6;

/// The columns of a metric table; the least important go first when the width runs out.
pub fn columns() -> Vec<Column> {
    vec![
        Column::new("Metric", 14).flex(),
        Column::new("persp", 6).priority(6),
        Column::new("value", 9).right(),
        Column::new("target", 8).right().priority(4),
        Column::new("status", 7),
        Column::new("change", 8).right().priority(3),
        Column::new("12 months", 12).priority(5),
    ]
}

impl Row for MetricView<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let unit = &self.metric.unit;
        match column {
            // A figure of the whole journey shown in a phase says so.
            NAME if self.journey_wide => (format!("{} (journey)", self.name), theme.text()),
            NAME => (self.name.to_string(), theme.text()),
            PERSPECTIVE => (
                text::perspective_short(self.metric.perspective).into(),
                theme.dim(),
            ),
            VALUE => match (self.value, self.status) {
                // Too few answers to judge: the sample shows beside the value.
                (Some(v), Status::LowSample) => (
                    format!("{} n={}", text::value(v, unit), self.n.unwrap_or(0)),
                    theme.dim(),
                ),
                (Some(v), _) => (text::value(v, unit), theme.text()),
                (None, _) => ("no data".into(), theme.dim()),
            },
            TARGET => match self.target {
                Some(t) => (text::value(t, unit), theme.dim()),
                None => ("none".into(), theme.dim()),
            },
            STATUS => (status_text(self.status), theme.status(self.status)),
            CHANGE => match self.delta {
                // Within the sampling error: drawn as no change of note.
                Some(d) if self.significant == Some(false) => (text::delta(d, unit), theme.dim()),
                Some(d) => (
                    text::delta(d, unit),
                    theme.change(text::better(d, self.metric.direction)),
                ),
                None => ("-".into(), theme.dim()),
            },
            TREND => (sparkline(&self.trend), theme.text()),
            _ => (String::new(), theme.text()),
        }
    }
}
