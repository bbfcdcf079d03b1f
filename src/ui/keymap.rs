//! The keymap: one table from keys to actions, read both to handle a key and to draw the help
//! overlay, so the help always lists exactly the keys that work.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, InsightKey, ReviewKey, TriageKey};

/// A key with the modifiers that matter (Control and Alt; Shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// One line of the help: the keys as shown, what they do, and each key's action.
#[derive(Debug)]
pub struct Binding {
    pub keys: &'static str,
    pub help: &'static str,
    pub map: &'static [(Key, Action)],
}

/// Keys while moving around the panes.
pub const NORMAL: &[Binding] = &[
    Binding {
        keys: "Tab l Right",
        help: "next pane",
        map: &[
            (key(KeyCode::Tab), Action::NextPane),
            (ch('l'), Action::NextPane),
            (key(KeyCode::Right), Action::NextPane),
        ],
    },
    Binding {
        keys: "S-Tab h Left",
        help: "previous pane",
        map: &[
            (key(KeyCode::BackTab), Action::PrevPane),
            (ch('h'), Action::PrevPane),
            (key(KeyCode::Left), Action::PrevPane),
        ],
    },
    Binding {
        keys: "1-9",
        help: "pane n (1 overview)",
        map: &[
            (ch('1'), Action::GotoPane(1)),
            (ch('2'), Action::GotoPane(2)),
            (ch('3'), Action::GotoPane(3)),
            (ch('4'), Action::GotoPane(4)),
            (ch('5'), Action::GotoPane(5)),
            (ch('6'), Action::GotoPane(6)),
            (ch('7'), Action::GotoPane(7)),
            (ch('8'), Action::GotoPane(8)),
            (ch('9'), Action::GotoPane(9)),
        ],
    },
    Binding {
        keys: "j Down",
        help: "next row",
        map: &[(ch('j'), Action::Down), (key(KeyCode::Down), Action::Down)],
    },
    Binding {
        keys: "k Up",
        help: "previous row",
        map: &[(ch('k'), Action::Up), (key(KeyCode::Up), Action::Up)],
    },
    Binding {
        keys: "PgDn C-d",
        help: "a page down",
        map: &[
            (key(KeyCode::PageDown), Action::PageDown),
            (ctrl('d'), Action::PageDown),
        ],
    },
    Binding {
        keys: "PgUp C-u",
        help: "a page up",
        map: &[
            (key(KeyCode::PageUp), Action::PageUp),
            (ctrl('u'), Action::PageUp),
        ],
    },
    Binding {
        keys: "g Home",
        help: "first row",
        map: &[(ch('g'), Action::First), (key(KeyCode::Home), Action::First)],
    },
    Binding {
        keys: "G End",
        help: "last row",
        map: &[(ch('G'), Action::Last), (key(KeyCode::End), Action::Last)],
    },
    Binding {
        keys: "Enter",
        help: "open the selected row",
        map: &[(key(KeyCode::Enter), Action::Open)],
    },
    Binding {
        keys: "[ <",
        help: "previous month",
        map: &[(ch('['), Action::PrevMonth), (ch('<'), Action::PrevMonth)],
    },
    Binding {
        keys: "] >",
        help: "next month",
        map: &[(ch(']'), Action::NextMonth), (ch('>'), Action::NextMonth)],
    },
    Binding {
        keys: "s S",
        help: "next / previous segment",
        map: &[(ch('s'), Action::NextSegment), (ch('S'), Action::PrevSegment)],
    },
    Binding {
        keys: "J",
        help: "next journey",
        map: &[(ch('J'), Action::NextJourney)],
    },
    Binding {
        keys: "/",
        help: "filter metrics by name",
        map: &[(ch('/'), Action::StartFilter)],
    },
    Binding {
        keys: "d",
        help: "definitions: formulas, tests, survey scales",
        map: &[(ch('d'), Action::Definitions)],
    },
    Binding {
        keys: "t o f",
        help: "triage: HVC/all, sort, filter",
        map: &[
            (ch('t'), Action::Triage(TriageKey::ToggleAll)),
            (ch('o'), Action::Triage(TriageKey::Sort)),
            (ch('f'), Action::Triage(TriageKey::Filter)),
        ],
    },
    Binding {
        keys: "e v",
        help: "explain score / account",
        map: &[
            (ch('e'), Action::Triage(TriageKey::Explain)),
            (ch('v'), Action::Triage(TriageKey::Account)),
        ],
    },
    Binding {
        keys: "a n",
        help: "assign / add a note",
        map: &[
            (ch('a'), Action::Triage(TriageKey::Assign)),
            (ch('n'), Action::Triage(TriageKey::Note)),
        ],
    },
    Binding {
        keys: "p r R",
        help: "snooze / resolve / reopen",
        map: &[
            (ch('p'), Action::Triage(TriageKey::Snooze)),
            (ch('r'), Action::Triage(TriageKey::Resolve)),
            (ch('R'), Action::Triage(TriageKey::Reopen)),
        ],
    },
    Binding {
        keys: "V",
        help: "review: open / close",
        map: &[(ch('V'), Action::Review(ReviewKey::Toggle))],
    },
    Binding {
        keys: "m O",
        help: "review: mark / sign off",
        map: &[
            (ch('m'), Action::Review(ReviewKey::Mark)),
            (ch('O'), Action::Review(ReviewKey::SignOff)),
        ],
    },
    Binding {
        keys: "w H",
        help: "review: notes / history",
        map: &[
            (ch('w'), Action::Review(ReviewKey::Notes)),
            (ch('H'), Action::Review(ReviewKey::History)),
        ],
    },
    Binding {
        keys: "i T c C",
        help: "power/touchpts/says/list",
        map: &[
            (ch('i'), Action::Insight(InsightKey::Power)),
            (ch('T'), Action::Insight(InsightKey::Touchpoints)),
            (ch('c'), Action::Insight(InsightKey::Words)),
            (ch('C'), Action::Insight(InsightKey::Comments)),
        ],
    },
    Binding {
        keys: "z",
        help: "zoom: pane fills screen",
        map: &[(ch('z'), Action::Zoom)],
    },
    Binding {
        keys: "C-l",
        help: "redraw the screen",
        map: &[(ctrl('l'), Action::Redraw)],
    },
    Binding {
        keys: "?",
        help: "this help",
        map: &[(ch('?'), Action::Help)],
    },
    Binding {
        keys: "Esc",
        help: "close; at the top, quit",
        map: &[(key(KeyCode::Esc), Action::Back)],
    },
    Binding {
        keys: "q C-c",
        help: "quit",
        map: &[(ch('q'), Action::Quit), (ctrl('c'), Action::Quit)],
    },
];

/// Keys while typing a filter (any other character is added to it).
pub const FILTER: &[Binding] = &[
    Binding {
        keys: "Enter",
        help: "keeps it",
        map: &[(key(KeyCode::Enter), Action::FilterAccept)],
    },
    Binding {
        keys: "Esc",
        help: "drops it",
        map: &[(key(KeyCode::Esc), Action::FilterCancel)],
    },
    Binding {
        keys: "Bksp",
        help: "deletes",
        map: &[(key(KeyCode::Backspace), Action::FilterBackspace)],
    },
    Binding {
        keys: "Down Up",
        help: "move",
        map: &[(key(KeyCode::Down), Action::Down), (key(KeyCode::Up), Action::Up)],
    },
    Binding {
        keys: "C-c",
        help: "quit",
        map: &[(ctrl('c'), Action::Quit)],
    },
];

/// Keys while typing into a triage action's prompt line (any other character is added to it).
pub const PROMPT: &[Binding] = &[
    Binding {
        keys: "Enter",
        help: "writes it",
        map: &[(key(KeyCode::Enter), Action::PromptAccept)],
    },
    Binding {
        keys: "Esc",
        help: "cancels",
        map: &[(key(KeyCode::Esc), Action::PromptCancel)],
    },
    Binding {
        keys: "Bksp",
        help: "deletes",
        map: &[(key(KeyCode::Backspace), Action::PromptBackspace)],
    },
    Binding {
        keys: "C-c",
        help: "quit",
        map: &[(ctrl('c'), Action::Quit)],
    },
];

/// Keys while writing a review note (any other character is added to it).
pub const EDITOR: &[Binding] = &[
    Binding {
        keys: "C-s",
        help: "saves",
        map: &[(ctrl('s'), Action::Review(ReviewKey::Save))],
    },
    Binding {
        keys: "Enter",
        help: "new line",
        map: &[(key(KeyCode::Enter), Action::Review(ReviewKey::Newline))],
    },
    Binding {
        keys: "Esc",
        help: "cancels",
        map: &[(key(KeyCode::Esc), Action::Review(ReviewKey::Cancel))],
    },
    Binding {
        keys: "Bksp",
        help: "deletes",
        map: &[(key(KeyCode::Backspace), Action::Review(ReviewKey::Backspace))],
    },
    Binding {
        keys: "C-c",
        help: "quit",
        map: &[(ctrl('c'), Action::Quit)],
    },
];

/// What the keyboard is doing now: the same key means different things in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    Normal,
    Filter,
    Help,
    /// Typing into a triage action's prompt line.
    Prompt,
    /// Writing a review note (multi-line).
    Editor,
}

/// The action a key asks for in a mode, if any.
pub fn action_for(event: KeyEvent, mode: InputMode) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let pressed = Key {
        code: event.code,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
    };
    let lookup = |table: &[Binding]| {
        table
            .iter()
            .flat_map(|b| b.map.iter())
            .find(|(k, _)| *k == pressed)
            .map(|(_, a)| *a)
    };
    match mode {
        InputMode::Normal => lookup(NORMAL),
        InputMode::Filter => lookup(FILTER).or(match pressed {
            Key {
                code: KeyCode::Char(c),
                ctrl: false,
            } if !c.is_control() => Some(Action::FilterChar(c)),
            _ => None,
        }),
        InputMode::Prompt => lookup(PROMPT).or(match pressed {
            Key {
                code: KeyCode::Char(c),
                ctrl: false,
            } if !c.is_control() => Some(Action::PromptChar(c)),
            _ => None,
        }),
        InputMode::Editor => lookup(EDITOR).or(match pressed {
            Key {
                code: KeyCode::Char(c),
                ctrl: false,
            } if !c.is_control() => Some(Action::Review(ReviewKey::Char(c))),
            _ => None,
        }),
        // Any key closes the help; Control-C still quits.
        InputMode::Help => match pressed {
            Key {
                code: KeyCode::Char('c'),
                ctrl: true,
            } => Some(Action::Quit),
            _ => Some(Action::Help),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn vim_keys_and_arrows_do_the_same() {
        let n = InputMode::Normal;
        assert_eq!(
            action_for(press(KeyCode::Char('j'), KeyModifiers::NONE), n),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(press(KeyCode::Down, KeyModifiers::NONE), n),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(press(KeyCode::Char('l'), KeyModifiers::NONE), n),
            Some(Action::NextPane)
        );
        assert_eq!(
            action_for(press(KeyCode::Right, KeyModifiers::NONE), n),
            Some(Action::NextPane)
        );
        // Shift comes with upper-case letters and with Back-Tab; it is part of the key.
        assert_eq!(
            action_for(press(KeyCode::Char('J'), KeyModifiers::SHIFT), n),
            Some(Action::NextJourney)
        );
        assert_eq!(
            action_for(press(KeyCode::BackTab, KeyModifiers::SHIFT), n),
            Some(Action::PrevPane)
        );
        assert_eq!(
            action_for(press(KeyCode::Char('c'), KeyModifiers::CONTROL), n),
            Some(Action::Quit)
        );
        assert_eq!(action_for(press(KeyCode::Char('x'), KeyModifiers::NONE), n), None);
    }

    #[test]
    fn filter_mode_takes_letters_as_text() {
        let f = InputMode::Filter;
        assert_eq!(
            action_for(press(KeyCode::Char('q'), KeyModifiers::NONE), f),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            action_for(press(KeyCode::Esc, KeyModifiers::NONE), f),
            Some(Action::FilterCancel)
        );
        assert_eq!(
            action_for(press(KeyCode::Char('c'), KeyModifiers::CONTROL), f),
            Some(Action::Quit)
        );
    }

    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = NORMAL
            .iter()
            .flat_map(|b| b.map.iter().map(|(k, _)| *k))
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }
}
