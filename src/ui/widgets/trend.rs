//! A metric's trend over every month in the store: one bar per month in block elements, a
//! dashed target line, the value scale at the left, and below the bars the month shown (`^`)
//! with the first and last months where there is room. A month without data is a `.` on the baseline, never a low bar.

use ratatui::buffer::Buffer;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};

use super::sparkline::{LEVELS, MISSING};
use crate::domain::Period;
use crate::domain::model::Metric;
use crate::domain::status::Status;
use crate::ui::text;
use crate::ui::theme::Theme;

pub struct TrendChart<'a> {
    pub metric: &'a Metric,
    /// Every month of the store, oldest first, with the metric's value where it has one.
    pub points: &'a [(Period, Option<f64>)],
    pub selected: Period,
    pub theme: Theme,
}

impl TrendChart<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.width < 12 || area.height < 3 || self.points.is_empty() {
            return;
        }
        let unit = &self.metric.unit;
        let values: Vec<f64> = self
            .points
            .iter()
            .filter_map(|(_, v)| *v)
            .filter(|v| v.is_finite())
            .collect();
        let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if let Some(t) = self.metric.target {
            lo = lo.min(t);
            hi = hi.max(t);
        }
        if !lo.is_finite() || !hi.is_finite() {
            buf.set_stringn(
                area.x,
                area.y,
                "no data in any month",
                usize::from(area.width),
                self.theme.dim(),
            );
            return;
        }
        let span = if hi - lo < 1e-9 { 1.0 } else { hi - lo };
        lo -= span * 0.1;
        hi += span * 0.1;

        let labels = [text::value(hi, unit), text::value(lo, unit)];
        let target_label = self.metric.target.map(|t| text::value(t, unit));
        let label_w = labels
            .iter()
            .chain(target_label.iter())
            .map(|l| text::width(l))
            .max()
            .unwrap_or(0)
            + 1;
        let label_w = label_w.min(usize::from(area.width) / 3) as u16;
        // The scale at the left; the bars at the right, above a line for the months.
        let [_, right] = Layout::horizontal([Length(label_w), Fill(1)]).areas(area);
        let [plot, months] = Layout::vertical([Fill(1), Length(1)]).areas(right);
        let rows = plot.height;

        // The months that fit, keeping the month shown in view.
        let fit = usize::from(plot.width);
        let sel = self.points.iter().position(|(p, _)| *p == self.selected);
        let len = self.points.len();
        let start = match len.checked_sub(fit) {
            None | Some(0) => 0,
            Some(latest) => sel.map_or(latest, |s| s.saturating_sub(fit / 2).min(latest)),
        };
        let end = (start + fit).min(len);
        let shown = &self.points[start..end];
        let slot = (plot.width / shown.len().max(1) as u16).max(1);
        let bar = if slot >= 3 { slot - 1 } else { 1 };

        let scale = |v: f64| (v - lo) / (hi - lo) * f64::from(rows);
        let target_row = self
            .metric
            .target
            .map(|t| (scale(t).floor() as u16).min(rows - 1));
        if let Some(tr) = target_row {
            let y = plot.y + rows - 1 - tr;
            for x in plot.x..plot.x + plot.width {
                buf.set_string(x, y, "-", self.theme.target_line());
            }
        }
        for (i, (_, value)) in shown.iter().enumerate() {
            let x0 = plot.x + i as u16 * slot;
            if x0 >= plot.x + plot.width {
                break;
            }
            match value.filter(|v| v.is_finite()) {
                Some(v) => {
                    let eighths = ((scale(v) * 8.0).round() as i64).clamp(1, i64::from(rows) * 8);
                    let status = Status::of(
                        Some(v),
                        self.metric.target,
                        self.metric.tolerance,
                        self.metric.direction,
                    );
                    let style = self.theme.status(status);
                    for r in 0..rows {
                        let level = eighths - i64::from(r) * 8;
                        if level <= 0 {
                            break;
                        }
                        let c = LEVELS[(level.min(8) - 1) as usize];
                        let y = plot.y + rows - 1 - r;
                        for dx in 0..bar {
                            if x0 + dx < plot.x + plot.width {
                                buf.set_string(x0 + dx, y, c.to_string(), style);
                            }
                        }
                    }
                }
                None => {
                    buf.set_string(x0, plot.y + rows - 1, MISSING.to_string(), self.theme.dim());
                }
            }
        }

        // The scale: top, bottom and target values at the left.
        let lw = usize::from(label_w.saturating_sub(1));
        buf.set_stringn(
            area.x,
            plot.y,
            text::pad(&labels[0], lw, true),
            lw,
            self.theme.dim(),
        );
        buf.set_stringn(
            area.x,
            plot.y + rows - 1,
            text::pad(&labels[1], lw, true),
            lw,
            self.theme.dim(),
        );
        if let (Some(tr), Some(label)) = (target_row, target_label) {
            let y = plot.y + rows - 1 - tr;
            buf.set_stringn(
                area.x,
                y,
                text::pad(&label, lw, true),
                lw,
                self.theme.target_line(),
            );
        }
        // The months below: the month shown under its bar (`^`), and the first and last
        // months shown where they leave room for it.
        let y = months.y;
        let x_end = plot.x + plot.width;
        let mut taken: Vec<(u16, u16)> = Vec::new();
        if let Some(i) = sel
            .and_then(|s| s.checked_sub(start))
            .filter(|i| *i < shown.len())
        {
            let mx = plot.x + i as u16 * slot;
            let label = self.selected.to_string();
            let (x, text) = if mx + 9 <= x_end {
                (mx, format!("^ {label}"))
            } else {
                (mx.saturating_sub(8).max(plot.x), format!("{label} ^"))
            };
            buf.set_stringn(
                x,
                y,
                &text,
                usize::from(x_end.saturating_sub(x)),
                self.theme.heading(),
            );
            taken.push((x, x + 9));
        }
        let free = |from: u16, to: u16, taken: &[(u16, u16)]| {
            taken.iter().all(|(a, b)| to + 1 < *a || from > *b + 1)
        };
        if let (Some((first, _)), Some((last, _))) = (shown.first(), shown.last()) {
            if plot.x + 7 <= x_end && free(plot.x, plot.x + 7, &taken) {
                buf.set_string(plot.x, y, first.to_string(), self.theme.dim());
                taken.push((plot.x, plot.x + 7));
            }
            let lx = (plot.x + (shown.len() as u16 - 1) * slot + 1)
                .saturating_sub(7)
                .max(plot.x);
            if lx + 7 <= x_end && free(lx, lx + 7, &taken) {
                buf.set_string(lx, y, last.to_string(), self.theme.dim());
            }
        }
    }
}
