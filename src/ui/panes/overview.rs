//! The overview: the journey's phases in order, each with its CX goal and its indicators and
//! success metrics counted by status, an unowned phase flagged; and the metrics that moved
//! most since the previous month.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::{pane_block, section_title};
use crate::domain::status::Status;
use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::Theme;
use crate::ui::view::{self, Counts, MetricView, PhaseSummary};
use crate::ui::widgets::table::{Column, Row, Table};

/// Body width from which the movers sit beside the phases rather than below them.
const SIDE_BY_SIDE: u16 = 148;
/// Width the movers take beside the phases, at least and at most.
const MOVERS_W: (u16, u16) = (68, 90);
/// How many movers the overview lists at most.
const MOVERS_MAX: usize = 10;

struct PhaseRow<'a> {
    number: usize,
    summary: PhaseSummary<'a>,
}

fn count_cells(counts: &Counts, column: usize, theme: Theme) -> (String, Style) {
    let (n, status) = match column {
        0 => (counts.green, Status::Green),
        1 => (counts.amber, Status::Amber),
        2 => (counts.red, Status::Red),
        3 => (counts.no_data, Status::NoData),
        _ => (counts.low_sample, Status::LowSample),
    };
    let style = if n == 0 { theme.dim() } else { theme.status(status) };
    (n.to_string(), style)
}

/// Counts as one cell, `ok/warn/bad/n/a`, for narrow windows.
fn compact(counts: &Counts) -> String {
    format!(
        "{}/{}/{}/{}",
        counts.green, counts.amber, counts.red, counts.no_data
    )
}

/// Column ids of the phase table (the row reads them; a narrow table leaves some out).
const NUMBER: usize = 0;
const NAME: usize = 1;
const IND_COUNTS: usize = 2; // 2..=6
const SUC_COUNTS: usize = 7; // 7..=11
const OWNER: usize = 12;
const IND_COMPACT: usize = 13;
const SUC_COMPACT: usize = 14;
/// Below this width the counts of each kind share one cell.
const COMPACT_BELOW: u16 = 64;

impl Row for PhaseRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let phase = self.summary.phase;
        let worst = |c: &Counts| {
            if c.red > 0 {
                theme.status(Status::Red)
            } else if c.amber > 0 {
                theme.status(Status::Amber)
            } else {
                theme.text()
            }
        };
        match column {
            NUMBER => (self.number.to_string(), theme.dim()),
            NAME => (phase.name.clone(), theme.heading()),
            IND_COMPACT => (compact(&self.summary.indicators), worst(&self.summary.indicators)),
            SUC_COMPACT => (compact(&self.summary.success), worst(&self.summary.success)),
            OWNER => match &phase.owner {
                Some(owner) if !text::clean(owner).is_empty() => (owner.clone(), theme.text()),
                _ => ("! NO OWNER".into(), theme.alert()),
            },
            c if c >= SUC_COUNTS => count_cells(&self.summary.success, c - SUC_COUNTS, theme),
            c => count_cells(&self.summary.indicators, c.saturating_sub(IND_COUNTS), theme),
        }
    }

    fn subline(&self, theme: Theme) -> Option<(String, Style)> {
        Some((format!("CX goal: {}", self.summary.phase.cx_goal), theme.dim()))
    }
}

/// The phase table's columns. Wide: four counts per kind under a group title; narrow: one cell
/// per kind.
fn phase_columns(name_w: u16, width: u16) -> Vec<Column> {
    let mut columns = vec![
        Column::new("#", 2).right().id(NUMBER),
        Column::new("Phase", name_w).id(NAME),
    ];
    if width >= COMPACT_BELOW {
        for (first, group) in [(IND_COUNTS, "Indicators"), (SUC_COUNTS, "Success")] {
            columns.push(Column::new("ok", 3).right().group(group).id(first));
            columns.push(Column::new("warn", 4).right().id(first + 1));
            columns.push(Column::new("bad", 3).right().id(first + 2));
            columns.push(Column::new("n/a", 3).right().id(first + 3));
            // Too few answers to judge: neither ok nor bad; left out first when space is short.
            columns.push(Column::new("low", 3).right().priority(2).id(first + 4));
        }
    } else {
        columns.push(
            Column::new("ind", 7)
                .right()
                .group("ok/warn/bad/n/a")
                .id(IND_COMPACT),
        );
        columns.push(Column::new("success", 7).right().id(SUC_COMPACT));
    }
    columns.push(Column::new("Owner", 10).flex().id(OWNER));
    columns
}

struct MoverRow<'a> {
    view: MetricView<'a>,
    phase: String,
}

impl Row for MoverRow<'_> {
    fn cell(&self, column: usize, theme: Theme) -> (String, Style) {
        let unit = &self.view.metric.unit;
        let better = self
            .view
            .delta
            .and_then(|d| text::better(d, self.view.metric.direction));
        match column {
            0 => (self.view.name.to_string(), theme.text()),
            1 => (self.phase.clone(), theme.dim()),
            2 => (
                self.view.previous.map_or("-".into(), |v| text::value(v, unit)),
                theme.dim(),
            ),
            3 => (
                self.view.value.map_or("-".into(), |v| text::value(v, unit)),
                theme.text(),
            ),
            4 => (
                self.view.delta.map_or("-".into(), |d| text::delta(d, unit)),
                theme.change(better),
            ),
            _ => (
                match better {
                    Some(true) => "better",
                    Some(false) => "worse",
                    None => "",
                }
                .into(),
                theme.change(better),
            ),
        }
    }
}

fn mover_columns(app: &App) -> Vec<Column> {
    vec![
        Column::new("Metric", 14).flex(),
        Column::new("Phase", 12).priority(2),
        Column::new(app.period.prev().to_string(), 9).right().priority(3),
        Column::new(app.period.to_string(), 9).right(),
        Column::new("change", 9).right(),
        Column::new("", 6),
    ]
}

/// The overview pane as a widget: the phases and the movers of the month held by `app`, drawn in
/// `theme`.
pub struct OverviewPane<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for OverviewPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let OverviewPane { app, theme } = self;
        let title = match app.journey() {
            Some(j) => format!("Overview: {}", text::clean(&j.name)),
            None => "Overview".into(),
        };
        let inner = pane_block(&title, area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if app.data.phases.is_empty() {
            let message = if app.catalogue.journeys.is_empty() {
                "The store holds no journeys yet: import some (`cxcockpit import journeys FILE`) or try `cxcockpit --demo`."
            } else {
                "This journey has no phases."
            };
            for (i, line) in text::wrap(message, usize::from(inner.width)).iter().enumerate() {
                if i < usize::from(inner.height) {
                    buf.set_string(inner.x, inner.y + i as u16, line, theme.dim());
                }
            }
            return;
        }

        let summaries = view::phase_summaries(&app.data, app.period);
        let name_w = summaries
            .iter()
            .map(|s| text::width(&text::clean(&s.phase.name)))
            .max()
            .unwrap_or(5)
            .clamp(5, 20)
            .min(usize::from(inner.width.saturating_sub(38)).max(5)) as u16;
        let rows: Vec<PhaseRow> = summaries
            .into_iter()
            .enumerate()
            .map(|(i, summary)| PhaseRow {
                number: i + 1,
                summary,
            })
            .collect();
        let columns = phase_columns(name_w, inner.width);
        let phases = Table {
            columns: &columns,
            rows: &rows,
            selected: Some(app.cursor()),
            theme,
            empty: "",
        };

        let [phase_area, _, movers_area] = if inner.width >= SIDE_BY_SIDE {
            let movers_w = inner.width.saturating_sub(90).clamp(MOVERS_W.0, MOVERS_W.1);
            Layout::horizontal([Fill(1), Length(1), Length(movers_w)]).areas(inner)
        } else {
            let full = phases.height_wanted(true);
            let compact = phases.height_wanted(false);
            // The movers want a blank line, a title, a header and a row or more.
            let h = if inner.height >= full + 5 {
                full
            } else if inner.height >= compact + 4 {
                compact
            } else {
                inner.height
            };
            Layout::vertical([Length(h), Length(u16::from(h < inner.height)), Fill(1)]).areas(inner)
        };
        let sublines = phase_area.height >= phases.height_wanted(true);
        phases.render(phase_area, buf, sublines);

        if movers_area.height < 3 {
            return;
        }
        let title = if app.filter.is_empty() {
            format!("Moved most since {}", app.period.prev())
        } else {
            format!(
                "Moved most since {} (names with \"{}\")",
                app.period.prev(),
                app.filter
            )
        };
        let [title_area, table_area] = Layout::vertical([Length(1), Fill(1)]).areas(movers_area);
        section_title(&title, title_area, buf, theme);
        let movers: Vec<MoverRow> = view::movers(&app.data, app.period, &app.filter, MOVERS_MAX)
            .into_iter()
            .map(|v| MoverRow {
                phase: app
                    .data
                    .phase_of(v.metric)
                    .map_or(String::new(), |p| p.name.clone()),
                view: v,
            })
            .collect();
        let columns = mover_columns(app);
        Table {
            columns: &columns,
            rows: &movers,
            selected: None,
            theme,
            empty: "no metric has values in both months",
        }
        .render(table_area, buf, false);
    }
}
