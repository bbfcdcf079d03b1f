//! Colours: four themes, chosen in the configuration file (`theme = "..."`). `default` draws
//! with the terminal's own background and the 16 ANSI colours, so most terminals read well;
//! `light` trades cyan and yellow (faint on white) for blue and magenta; `high-contrast` uses
//! the bright colours in bold and no dim text; `monochrome` (also `--color never`, `NO_COLOR`,
//! `--no-color`) draws none, where bold, reverse and dim still mark headers, the selection and
//! secondary text. Status never rests on colour alone: every status is drawn with its symbol
//! and word too.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::status::Status;

/// The themes a configuration file may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Palette {
    #[default]
    Default,
    Light,
    HighContrast,
    Monochrome,
}

/// When to draw colour (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour unless NO_COLOR is set (or --no-color given).
    #[default]
    Auto,
    /// Colour even with NO_COLOR.
    Always,
    /// No colour.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub palette: Palette,
}

impl Theme {
    pub const PLAIN: Theme = Theme {
        palette: Palette::Monochrome,
    };

    /// The theme asked for, unless colour is off: `--color never`, or `auto` with `--no-color`
    /// or a non-empty `NO_COLOR` (no-color.org). `--color always` overrides NO_COLOR (it was asked for
    /// on the command line, NO_COLOR is a default of the environment).
    pub fn choose(palette: Palette, choice: ColorChoice, no_color_flag: bool) -> Theme {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let colour = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !(no_color_flag || env),
        };
        Theme {
            palette: if colour { palette } else { Palette::Monochrome },
        }
    }

    /// A colour of the default theme as this theme draws it.
    fn tint(self, color: Color) -> Color {
        match (self.palette, color) {
            (Palette::Light, Color::Cyan) => Color::Blue,
            (Palette::Light, Color::Yellow) => Color::Magenta,
            (Palette::HighContrast, Color::Cyan) => Color::LightCyan,
            (Palette::HighContrast, Color::Yellow) => Color::LightYellow,
            (Palette::HighContrast, Color::Green) => Color::LightGreen,
            (Palette::HighContrast, Color::Red) => Color::LightRed,
            (Palette::HighContrast, Color::DarkGray) => Color::Gray,
            (_, other) => other,
        }
    }

    fn fg(self, color: Color) -> Style {
        match self.palette {
            Palette::Monochrome => Style::new(),
            // Bold throughout: thin coloured strokes are what low vision loses first.
            Palette::HighContrast => Style::new().fg(self.tint(color)).add_modifier(Modifier::BOLD),
            _ => Style::new().fg(self.tint(color)),
        }
    }

    pub fn text(self) -> Style {
        Style::new()
    }

    pub fn dim(self) -> Style {
        match self.palette {
            Palette::Monochrome => Style::new().add_modifier(Modifier::DIM),
            // No faint text: secondary text in the terminal's own colour.
            Palette::HighContrast => Style::new(),
            _ => Style::new().fg(Color::DarkGray),
        }
    }

    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn border(self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn tab(self, active: bool) -> Style {
        if active {
            self.fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new()
        }
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Something that needs attention and is not a metric's status (an unowned phase).
    pub fn alert(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn status(self, status: Status) -> Style {
        match status {
            Status::Green => self.fg(Color::Green),
            Status::Amber => self.fg(Color::Yellow),
            Status::Red => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::NoData | Status::NoTarget | Status::LowSample => self.dim(),
        }
    }

    /// A change for the better (Some(true)), the worse (Some(false)) or neither.
    pub fn change(self, better: Option<bool>) -> Style {
        match better {
            Some(true) => self.fg(Color::Green),
            Some(false) => self.fg(Color::Red),
            None => self.dim(),
        }
    }

    pub fn target_line(self) -> Style {
        self.fg(Color::Yellow)
    }
}

/// The ASCII symbol drawn before a status word: the status reads without colour.
pub fn status_symbol(status: Status) -> &'static str {
    match status {
        Status::Green => "+",
        Status::Amber => "!",
        Status::Red => "x",
        Status::NoData => "?",
        Status::NoTarget => " ",
        Status::LowSample => "~",
    }
}

/// Symbol and word, e.g. `x bad`.
pub fn status_text(status: Status) -> String {
    format!("{} {}", status_symbol(status), status.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_is_monochrome_and_always_keeps_the_theme() {
        for palette in [Palette::Default, Palette::Light, Palette::HighContrast] {
            assert_eq!(
                Theme::choose(palette, ColorChoice::Never, false).palette,
                Palette::Monochrome
            );
            assert_eq!(Theme::choose(palette, ColorChoice::Always, true).palette, palette);
            assert_eq!(
                Theme::choose(palette, ColorChoice::Auto, true).palette,
                Palette::Monochrome
            );
        }
    }

    #[test]
    fn the_themes_differ_where_they_say() {
        let light = Theme {
            palette: Palette::Light,
        };
        let contrast = Theme {
            palette: Palette::HighContrast,
        };
        assert_eq!(light.title().fg, Some(Color::Blue));
        assert_eq!(light.status(Status::Amber).fg, Some(Color::Magenta));
        assert_eq!(contrast.title().fg, Some(Color::LightCyan));
        assert!(!contrast.dim().add_modifier.contains(Modifier::DIM));
        assert_eq!(Theme::PLAIN.title().fg, None);
        assert!(Theme::PLAIN.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
