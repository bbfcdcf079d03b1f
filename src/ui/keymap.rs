//! The keymap: one table from keys to actions, read both to handle a key and to draw the help
//! overlay, so the help always lists exactly the keys that work.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, ActionsKey, CommandKey, InsightKey, ReviewKey, TriageKey};

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

/// Keys while moving around the panes. Each line is one line of the help overlay, which
/// lists them in two columns: 26 lines keep it within 80x24 with the legend below.
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
        keys: ":",
        help: "command (:pane triage)",
        map: &[(ch(':'), Action::Command(CommandKey::Start))],
    },
    Binding {
        keys: "j k Down Up",
        help: "next / previous row",
        map: &[
            (ch('j'), Action::Down),
            (key(KeyCode::Down), Action::Down),
            (ch('k'), Action::Up),
            (key(KeyCode::Up), Action::Up),
        ],
    },
    Binding {
        keys: "PgDn/Up C-d/u",
        help: "a page down / up",
        map: &[
            (key(KeyCode::PageDown), Action::PageDown),
            (ctrl('d'), Action::PageDown),
            (key(KeyCode::PageUp), Action::PageUp),
            (ctrl('u'), Action::PageUp),
        ],
    },
    Binding {
        keys: "g G Home End",
        help: "first / last row",
        map: &[
            (ch('g'), Action::First),
            (key(KeyCode::Home), Action::First),
            (ch('G'), Action::Last),
            (key(KeyCode::End), Action::Last),
        ],
    },
    Binding {
        keys: "Enter",
        help: "open the selected row",
        map: &[(key(KeyCode::Enter), Action::Open)],
    },
    Binding {
        keys: "[ ] < >",
        help: "previous / next month",
        map: &[
            (ch('['), Action::PrevMonth),
            (ch('<'), Action::PrevMonth),
            (ch(']'), Action::NextMonth),
            (ch('>'), Action::NextMonth),
        ],
    },
    Binding {
        keys: "s S J",
        help: "segment +/-, journey",
        map: &[
            (ch('s'), Action::NextSegment),
            (ch('S'), Action::PrevSegment),
            (ch('J'), Action::NextJourney),
        ],
    },
    Binding {
        keys: "/",
        help: "filter metrics by name",
        map: &[(ch('/'), Action::StartFilter)],
    },
    Binding {
        keys: "d",
        help: "definitions, formulas",
        map: &[(ch('d'), Action::Definitions)],
    },
    // Triage: HVC or all, the order, filters; the actions pane: the status, the owner, filters.
    Binding {
        keys: "t o f",
        help: "list, sort/owner, filter",
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
        help: "snooze/resolve/reopen",
        map: &[
            (ch('p'), Action::Triage(TriageKey::Snooze)),
            (ch('r'), Action::Triage(TriageKey::Resolve)),
            (ch('R'), Action::Triage(TriageKey::Reopen)),
        ],
    },
    // `A` on any pane; `D` and `X` on the actions pane (capitals: they close an action).
    Binding {
        keys: "A D X",
        help: "action: add/done/drop",
        map: &[
            (ch('A'), Action::Actions(ActionsKey::Add)),
            (ch('D'), Action::Actions(ActionsKey::Done)),
            (ch('X'), Action::Actions(ActionsKey::Drop)),
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
        keys: "y Y",
        help: "copy id / row (OSC 52)",
        map: &[(ch('y'), Action::CopyId), (ch('Y'), Action::CopyRow)],
    },
    // One line for both, so that the help keeps its 26 lines with the actions' keys.
    Binding {
        keys: "z C-l",
        help: "zoom / redraw screen",
        map: &[(ch('z'), Action::Zoom), (ctrl('l'), Action::Redraw)],
    },
    Binding {
        keys: "?",
        help: "this help",
        map: &[(ch('?'), Action::Help)],
    },
    Binding {
        keys: "Esc",
        help: "back (never quits)",
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
        help: "keeps",
        map: &[(key(KeyCode::Enter), Action::FilterAccept)],
    },
    Binding {
        keys: "Esc",
        help: "drops",
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

/// Keys while typing a `:` command (any other character is added to it).
pub const COMMAND: &[Binding] = &[
    Binding {
        keys: "Enter",
        help: "runs it",
        map: &[(key(KeyCode::Enter), Action::Command(CommandKey::Accept))],
    },
    Binding {
        keys: "Tab",
        help: "completes",
        map: &[(key(KeyCode::Tab), Action::Command(CommandKey::Complete))],
    },
    Binding {
        keys: "Up Down",
        help: "history",
        map: &[
            (key(KeyCode::Up), Action::Command(CommandKey::Older)),
            (key(KeyCode::Down), Action::Command(CommandKey::Newer)),
        ],
    },
    Binding {
        keys: "Esc",
        help: "closes",
        map: &[(key(KeyCode::Esc), Action::Command(CommandKey::Cancel))],
    },
    Binding {
        keys: "Bksp",
        help: "deletes",
        map: &[(key(KeyCode::Backspace), Action::Command(CommandKey::Backspace))],
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
    /// Typing a `:` command.
    Command,
}

/// The action a key asks for in a mode, if any, with the default keys.
pub fn action_for(event: KeyEvent, mode: InputMode) -> Option<Action> {
    Keymap::default().action_for(event, mode)
}

/// The keys of the panes as this user has them: the `NORMAL` table with the rebindings of the
/// configuration file (`config.rs`) applied. The other modes type text and keep their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    normal: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            normal: NORMAL.iter().flat_map(|b| b.map.iter().copied()).collect(),
        }
    }
}

impl Keymap {
    /// Gives `action` these keys instead of its default ones.
    pub fn rebind(&mut self, action: Action, keys: &[Key]) {
        self.normal.retain(|(_, a)| *a != action);
        self.normal.extend(keys.iter().map(|k| (*k, action)));
    }

    /// A key bound to two different actions, if any: the key and both actions.
    pub fn clash(&self) -> Option<(Key, Action, Action)> {
        self.normal.iter().enumerate().find_map(|(i, (k, a))| {
            self.normal[i + 1..]
                .iter()
                .find(|(k2, a2)| k2 == k && a2 != a)
                .map(|(_, a2)| (*k, *a, *a2))
        })
    }

    /// The keys of a help line as this keymap has them: the table's text when unchanged.
    pub fn keys_text(&self, binding: &Binding) -> String {
        let now: Vec<Key> = self
            .normal
            .iter()
            .filter(|(_, a)| binding.map.iter().any(|(_, b)| b == a))
            .map(|(k, _)| *k)
            .collect();
        let default: Vec<Key> = binding.map.iter().map(|(k, _)| *k).collect();
        if now.len() == default.len() && now.iter().all(|k| default.contains(k)) {
            binding.keys.to_string()
        } else if now.is_empty() {
            "(none)".to_string()
        } else {
            now.iter().map(|k| key_text(*k)).collect::<Vec<_>>().join(" ")
        }
    }

    /// The action a key asks for in a mode, if any.
    pub fn action_for(&self, event: KeyEvent, mode: InputMode) -> Option<Action> {
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
        // A printable character without Control: text typed into a line.
        let typed = match pressed {
            Key {
                code: KeyCode::Char(c),
                ctrl: false,
            } if !c.is_control() => Some(c),
            _ => None,
        };
        match mode {
            InputMode::Normal => self.normal.iter().find(|(k, _)| *k == pressed).map(|(_, a)| *a),
            InputMode::Filter => lookup(FILTER).or(typed.map(Action::FilterChar)),
            InputMode::Prompt => lookup(PROMPT).or(typed.map(Action::PromptChar)),
            InputMode::Editor => lookup(EDITOR).or(typed.map(|c| Action::Review(ReviewKey::Char(c)))),
            InputMode::Command => lookup(COMMAND).or(typed.map(|c| Action::Command(CommandKey::Char(c)))),
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
}

/// The named keys a configuration file may use, beside single characters and `C-x`.
const NAMED: &[(&str, KeyCode)] = &[
    ("Tab", KeyCode::Tab),
    ("S-Tab", KeyCode::BackTab),
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Bksp", KeyCode::Backspace),
    ("Space", KeyCode::Char(' ')),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("PgUp", KeyCode::PageUp),
    ("PgDn", KeyCode::PageDown),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
];

/// A key as the help and the configuration file write it: `q`, `G`, `C-d`, `Tab`, `PgDn`, `F5`.
pub fn parse_key(text: &str) -> Option<Key> {
    if let Some((_, code)) = NAMED.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)) {
        return Some(key(*code));
    }
    let mut chars = text.chars();
    match (chars.next(), chars.next(), chars.next(), chars.next()) {
        (Some(c), None, ..) if !c.is_control() && c != ' ' => Some(ch(c)),
        (Some('C'), Some('-'), Some(c), None) if c.is_ascii_alphabetic() => {
            Some(ctrl(c.to_ascii_lowercase()))
        }
        (Some('F' | 'f'), ..) => match text[1..].parse::<u8>() {
            Ok(n @ 1..=12) => Some(key(KeyCode::F(n))),
            _ => None,
        },
        _ => None,
    }
}

/// The text of a key, as `parse_key` reads it.
pub fn key_text(k: Key) -> String {
    if let Some((name, _)) = NAMED.iter().find(|(_, code)| *code == k.code) {
        return (*name).to_string();
    }
    match (k.code, k.ctrl) {
        (KeyCode::Char(c), true) => format!("C-{c}"),
        (KeyCode::Char(c), false) => c.to_string(),
        (KeyCode::F(n), _) => format!("F{n}"),
        (other, _) => format!("{other:?}"),
    }
}

/// The name of a pane key's action in the configuration file's `[keys]` table.
pub fn action_name(action: Action) -> Option<String> {
    use Action as A;
    let name = match action {
        A::Quit => "quit",
        A::Back => "back",
        A::Help => "help",
        A::NextPane => "next_pane",
        A::PrevPane => "prev_pane",
        A::GotoPane(n) => return Some(format!("pane_{n}")),
        A::Up => "up",
        A::Down => "down",
        A::PageUp => "page_up",
        A::PageDown => "page_down",
        A::First => "first",
        A::Last => "last",
        A::Open => "open",
        A::PrevMonth => "prev_month",
        A::NextMonth => "next_month",
        A::NextSegment => "next_segment",
        A::PrevSegment => "prev_segment",
        A::NextJourney => "next_journey",
        A::StartFilter => "filter",
        A::Definitions => "definitions",
        A::Zoom => "zoom",
        A::Redraw => "redraw",
        A::CopyId => "copy_id",
        A::CopyRow => "copy_row",
        A::Command(CommandKey::Start) => "command",
        A::Triage(t) => match t {
            TriageKey::ToggleAll => "triage_all",
            TriageKey::Sort => "triage_sort",
            TriageKey::Filter => "triage_filter",
            TriageKey::Explain => "explain",
            TriageKey::Account => "account",
            TriageKey::Assign => "assign",
            TriageKey::Note => "note",
            TriageKey::Snooze => "snooze",
            TriageKey::Resolve => "resolve",
            TriageKey::Reopen => "reopen",
        },
        A::Actions(ActionsKey::Add) => "add_action",
        A::Actions(ActionsKey::Done) => "action_done",
        A::Actions(ActionsKey::Drop) => "action_drop",
        A::Review(ReviewKey::Toggle) => "review",
        A::Review(ReviewKey::Mark) => "review_mark",
        A::Review(ReviewKey::SignOff) => "sign_off",
        A::Review(ReviewKey::Notes) => "review_notes",
        A::Review(ReviewKey::History) => "review_history",
        A::Insight(i) => match i {
            InsightKey::Power => "power",
            InsightKey::Touchpoints => "touchpoints",
            InsightKey::Words => "says",
            InsightKey::Comments => "comments",
        },
        _ => return None,
    };
    Some(name.to_string())
}

/// Every action a pane key can be bound to, with its name, in the help's order.
pub fn named_actions() -> Vec<(String, Action)> {
    let mut out: Vec<(String, Action)> = Vec::new();
    for (_, action) in NORMAL.iter().flat_map(|b| b.map.iter()) {
        if let Some(name) = action_name(*action)
            && !out.iter().any(|(n, _)| *n == name)
        {
            out.push((name, *action));
        }
    }
    out
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
    fn esc_backs_out_and_never_quits() {
        assert_eq!(
            action_for(press(KeyCode::Esc, KeyModifiers::NONE), InputMode::Normal),
            Some(Action::Back)
        );
        assert!(
            !NORMAL
                .iter()
                .flat_map(|b| b.map.iter())
                .any(|(k, a)| k.code == KeyCode::Esc && *a == Action::Quit)
        );
    }

    #[test]
    fn keys_read_back_as_written() {
        for text in ["q", "G", "C-d", "Tab", "S-Tab", "PgDn", "Esc", ":", "F5", "Space"] {
            let k = parse_key(text).unwrap_or_else(|| panic!("{text} does not parse"));
            assert_eq!(key_text(k), text);
        }
        for bad in ["", "ctrl-x", "C-", "C-1", "F13", "qq", "Tabx"] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_pane_key_has_a_name_and_names_are_unique() {
        let names = named_actions();
        for (_, action) in NORMAL.iter().flat_map(|b| b.map.iter()) {
            assert!(action_name(*action).is_some(), "{action:?} has no name");
        }
        for (i, (n, _)) in names.iter().enumerate() {
            assert!(!names[i + 1..].iter().any(|(m, _)| m == n), "{n} twice");
        }
    }

    #[test]
    fn a_rebinding_replaces_the_defaults_and_clashes_are_found() {
        let mut keymap = Keymap::default();
        keymap.rebind(Action::Quit, &[ch('x')]);
        let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(keymap.action_for(x, InputMode::Normal), Some(Action::Quit));
        assert_eq!(keymap.action_for(q, InputMode::Normal), None);
        assert_eq!(keymap.clash(), None);
        keymap.rebind(Action::Zoom, &[ch('x')]);
        assert_eq!(keymap.clash(), Some((ch('x'), Action::Quit, Action::Zoom)));
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
