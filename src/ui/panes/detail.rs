//! A metric's detail: its definition, source, unit, direction, target and tolerance, the phase
//! goal it serves, this month's value with its sample size, and a trend chart of every month in
//! the store.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::{pane_block, section_title};
use crate::domain::model::{Direction, Metric};
use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::{Theme, status_text};
use crate::ui::view::MetricView;
use crate::ui::widgets::trend::TrendChart;

/// What the target and tolerance mean for this metric, in words.
fn target_text(metric: &Metric) -> String {
    let unit = &metric.unit;
    let Some(target) = metric.target else {
        return "Target: none (no status is judged)".into();
    };
    let t = text::value(target, unit);
    let tol = text::number(metric.tolerance);
    let (edge, worse) = match metric.direction {
        Direction::Higher => (target - metric.tolerance, "below"),
        Direction::Lower => (target + metric.tolerance, "above"),
    };
    let edge = text::value(edge, unit);
    if metric.tolerance > 0.0 {
        format!("Target: {t}   Tolerance: {tol} (warn up to {edge}, bad {worse} it)")
    } else {
        format!("Target: {t}   Tolerance: none (any miss is bad)")
    }
}

/// A metric's detail as a widget: `metric` as `app` holds it, drawn in `theme`.
pub struct DetailPane<'a> {
    pub app: &'a App,
    pub metric: &'a Metric,
    pub theme: Theme,
}

impl Widget for DetailPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let DetailPane { app, metric, theme } = self;
        let inner = pane_block(&format!("Metric: {}", metric.name), area, buf, theme);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let w = usize::from(inner.width);
        let view = MetricView::new(&app.data, metric, app.period);
        let phase = app.data.phase_of(metric);
        let unit = &metric.unit;

        let mut lines: Vec<(String, Style)> = Vec::new();
        let now = match view.value {
            Some(v) => format!(
                "{}: {}  {}",
                app.period,
                text::value(v, unit),
                status_text(view.status)
            ),
            None => format!("{}: no data  {}", app.period, status_text(view.status)),
        };
        let n = view.n.map_or("n = unknown".into(), |n| format!("n = {n}"));
        let change = match (view.delta, view.previous) {
            (Some(d), Some(p)) => format!(
                "change {} from {} ({}){}",
                text::delta(d, unit),
                app.period.prev(),
                text::value(p, unit),
                match view.significant {
                    Some(true) => ", significant at 95%",
                    Some(false) => ", within sampling error (not significant at 95%)",
                    None => "",
                }
            ),
            _ => format!(
                "no change to show: {} or {} has no data",
                app.period.prev(),
                app.period
            ),
        };
        lines.push((
            text::fit(&format!("{now}   {n}   {change}"), w),
            theme.status(view.status),
        ));
        for (i, line) in text::wrap(&text::clean(&metric.definition), w.saturating_sub(12))
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { "Definition" } else { "" };
            lines.push((format!("{label:<12}{line}"), theme.text()));
        }
        let direction = match metric.direction {
            Direction::Higher => "higher is better",
            Direction::Lower => "lower is better",
        };
        lines.push((
            text::fit(
                &format!(
                    "{:<12}{}   Unit: {}   Direction: {direction}",
                    "Source",
                    text::clean(&metric.source),
                    text::clean(unit)
                ),
                w,
            ),
            theme.text(),
        ));
        lines.push((
            text::fit(
                &format!(
                    "{:<12}{} metric, value {}",
                    "Kind", metric.kind, metric.perspective
                ),
                w,
            ),
            theme.text(),
        ));
        lines.push((
            text::fit(&format!("{:<12}{}", "", target_text(metric)), w),
            theme.text(),
        ));
        if let Some(phase) = phase {
            let goal = format!("{}: {}", text::clean(&phase.name), text::clean(&phase.cx_goal));
            for (i, line) in text::wrap(&goal, w.saturating_sub(12)).into_iter().enumerate() {
                let label = if i == 0 { "Phase goal" } else { "" };
                lines.push((format!("{label:<12}{line}"), theme.text()));
            }
        }

        // The chart wants at least 6 lines; the text gives way from its end if the pane is short.
        let chart_min: u16 = if inner.height >= 14 { 7 } else { 0 };
        let text_h = (lines.len() as u16).min(inner.height.saturating_sub(chart_min));
        for (i, (line, style)) in lines.iter().take(usize::from(text_h)).enumerate() {
            buf.set_stringn(inner.x, inner.y + i as u16, line, w, *style);
        }
        let [_, _, chart_area] =
            Layout::vertical([Length(text_h), Length(u16::from(text_h < inner.height)), Fill(1)])
                .areas(inner);
        if chart_area.height < 4 {
            return;
        }
        let Some((first, last)) = app.catalogue.range else {
            return;
        };
        let series = app.data.series.get(&metric.id);
        let points: Vec<_> = first
            .through(last)
            .map(|p| (p, series.and_then(|s| s.get(&p)).map(|v| v.value)))
            .collect();
        let [title_area, plot_area] = Layout::vertical([Length(1), Fill(1)]).areas(chart_area);
        section_title(
            &format!(
                "Trend {first} to {last}, every month in the store (^ {})",
                app.period
            ),
            title_area,
            buf,
            theme,
        );
        TrendChart {
            metric,
            points: &points,
            selected: app.period,
            theme,
        }
        .render(plot_area, buf);
    }
}
