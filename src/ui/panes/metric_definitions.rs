//! The definitions overlay of the overview and the phase panes: how a metric is judged, how its
//! change is read, and the scales the journey's surveys are scored on.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::overlay::Overlay;

/// Each within 62 columns, so that the overlay fits 80 columns uncut.
const RULES: &[(&str, &str)] = &[
    (
        "status",
        "ok meets target; warn within tolerance; bad beyond; grey none",
    ),
    (
        "~ low n",
        "below the minimum sample (min_sample.*): n shown, not judged",
    ),
    (
        "change",
        "vs the month before; movers rank by |change| / tolerance",
    ),
    (
        "significance",
        "NPS, CSAT, CES: |change| / sqrt(v1/n1 + v2/n2) >= 1.96 (95%)",
    ),
    ("", "per answer: +100/0/-100 NPS, 100/0 CSAT, the score for CES"),
    ("", "noise: drawn dim, never a mover; under 2 answers is noise"),
    (
        "(journey)",
        "a journey-wide figure (all its accounts) shown in a phase",
    ),
    (
        "HVC",
        "top hvc_top_mrr_pct % (20) by MRR of accounts active at start",
    ),
];

/// The lines of the overlay: the rules, then one line per survey scale of the journey.
pub fn lines(app: &App, theme: Theme) -> Vec<(String, Style)> {
    let mut lines: Vec<(String, Style)> = RULES
        .iter()
        .map(|(k, v)| (format!("{k:<14}{v}"), theme.text()))
        .collect();
    for s in &app.data.scales {
        let (happy, unhappy) = match s.survey.as_str() {
            "nps" => ("promoters", "detractors"),
            "csat" => ("satisfied", "dissatisfied"),
            _ => ("easy", "hard"),
        };
        let scale = &s.scale;
        lines.push((
            format!(
                "{:<14}{}, {} better: {happy} {}, {unhappy} {} ({})",
                format!("{} scale", s.survey.to_uppercase()),
                scale.range_text(),
                scale.good.as_str(),
                scale.band_text(scale.happy),
                scale.band_text(scale.unhappy),
                if s.declared { "declared" } else { "standard" }
            ),
            theme.text(),
        ));
    }
    lines
}

/// The metric definitions as a widget: an overlay over the pane, drawn from `app` in `theme`.
pub struct MetricDefinitions<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for MetricDefinitions<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let MetricDefinitions { app, theme } = self;
        Overlay {
            title: "Definitions (d or Esc closes)",
            lines: &lines(app, theme),
            theme,
        }
        .render(area, buf);
    }
}
