//! A metric as a table row: name, perspective, value with its unit, target, status (symbol and
//! word), change against the previous month, and a 12-month sparkline.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::sparkline::sparkline;
use super::table::{Column, Row, Table};
use crate::domain::status::Status;
use crate::ui::panes::section_title;
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

/// A phase's indicators beside its success metrics, each a titled table (the phase pane and the
/// review step). Below `SIDE_BY_SIDE` columns they are stacked and share the height by the rows
/// each wants (at least 3 each where the height allows).
pub struct MetricTables<'a> {
    pub indicators: &'a [MetricView<'a>],
    pub success: &'a [MetricView<'a>],
    /// The selected row of the indicators or of the success metrics.
    pub selected: (Option<usize>, Option<usize>),
    /// Drawn in a table without rows.
    pub empty: &'a str,
    /// A blank row between the stacked tables when both fit whole.
    pub gap: bool,
    pub theme: Theme,
}

/// From this width the two tables stand side by side.
pub const SIDE_BY_SIDE: u16 = 140;

impl Widget for MetricTables<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        const INDICATORS: &str = "Indicators (predict success)";
        const SUCCESS: &str = "Success metrics";
        let (ind, suc) = (self.indicators, self.success);
        let [ind_area, between, suc_area] = if area.width >= SIDE_BY_SIDE {
            Layout::horizontal([Length((area.width - 1) / 2), Length(1), Fill(1)]).areas(area)
        } else {
            // Each wants a title, a header and its rows (one at least).
            let want = |n: usize| 2 + n.clamp(1, 200) as u16;
            let (wi, ws) = (want(ind.len()), want(suc.len()));
            let h = area.height;
            let (hi, gap) = if h >= wi + ws {
                (wi, u16::from(self.gap && h > wi + ws))
            } else {
                let share = (u32::from(h) * u32::from(wi) / u32::from(wi + ws)) as u16;
                let least = 3.min(h / 2);
                (share.max(least).min(h - least), 0)
            };
            Layout::vertical([Length(hi), Length(gap), Fill(1)]).areas(area)
        };
        if area.width >= SIDE_BY_SIDE {
            for row in between.rows() {
                buf.set_string(row.x, row.y, "\u{2502}", self.theme.border());
            }
        }
        self.table(INDICATORS, ind, self.selected.0, ind_area, buf);
        self.table(SUCCESS, suc, self.selected.1, suc_area, buf);
    }
}

impl MetricTables<'_> {
    fn table(
        &self,
        title: &str,
        rows: &[MetricView<'_>],
        selected: Option<usize>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        if area.height == 0 {
            return;
        }
        let [title_area, table_area] = Layout::vertical([Length(1), Fill(1)]).areas(area);
        section_title(title, title_area, buf, self.theme);
        Table {
            columns: &columns(),
            rows,
            selected,
            theme: self.theme,
            empty: self.empty,
        }
        .render(table_area, buf, false);
    }
}
