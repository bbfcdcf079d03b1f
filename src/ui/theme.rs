//! Colours: the terminal's own background and the 16 ANSI colours, so light and dark terminals
//! both read well; or none at all (`NO_COLOR`, `--no-color`), where bold, reverse and dim still
//! mark headers, the selection and secondary text. Status never rests on colour alone: every
//! status is drawn with its symbol and word too.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::status::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colour: bool,
}

impl Theme {
    pub const PLAIN: Theme = Theme { colour: false };

    /// Colour unless `--no-color` or a non-empty `NO_COLOR` says otherwise (no-color.org).
    pub fn from_env(no_color_flag: bool) -> Theme {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            colour: !(no_color_flag || env),
        }
    }

    fn fg(self, color: Color) -> Style {
        if self.colour {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn text(self) -> Style {
        Style::new()
    }

    pub fn dim(self) -> Style {
        if self.colour {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
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
