//! What a key (or a mouse event, or a resize) asks the cockpit to do, and what doing it means
//! for the event loop. Keys become actions in `keymap.rs`; `App::update` carries them out. A
//! leaf: it names what can be asked and imports nothing of the cockpit.

/// Everything the cockpit can be asked to do. Keys map to these in one table (`keymap.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the cockpit.
    Quit,
    /// Back out of what is open (help, detail, filter, zoom, the account view), else return to
    /// the pane shown before; never leaves the cockpit (`q` and C-c do).
    Back,
    /// Show or hide the help overlay that lists every key.
    Help,
    /// The next pane (wraps around).
    NextPane,
    /// The previous pane (wraps around).
    PrevPane,
    /// Pane number n, counted from 1 (1 is the overview).
    GotoPane(usize),
    /// Move the selection one row up.
    Up,
    /// Move the selection one row down.
    Down,
    /// Move the selection a page up.
    PageUp,
    /// Move the selection a page down.
    PageDown,
    /// Select the first row.
    First,
    /// Select the last row.
    Last,
    /// Open what is selected: a phase from the overview, a metric's detail from a phase.
    Open,
    /// The previous month.
    PrevMonth,
    /// The next month.
    NextMonth,
    /// The next segment (all, HVC, regular, each company size).
    NextSegment,
    /// The previous segment.
    PrevSegment,
    /// The next journey.
    NextJourney,
    /// Start typing a filter on metric names.
    StartFilter,
    /// A character typed into the filter.
    FilterChar(char),
    /// Delete the filter's last character.
    FilterBackspace,
    /// Keep the filter and go back to moving around.
    FilterAccept,
    /// Drop the filter.
    FilterCancel,
    /// Let the body fill the whole screen, or bring the frame back.
    Zoom,
    /// Draw the whole screen again (after a resize, or when asked).
    Redraw,
    /// Show or hide the definitions overlay (churn and tiers panes): what each figure means.
    Definitions,
    /// A key of the triage pane or the account view (`ui::triage`).
    Triage(TriageKey),
    /// A character typed into the prompt line of a triage action.
    PromptChar(char),
    /// Delete the prompt's last character.
    PromptBackspace,
    /// Carry out what the prompt asks (write the action).
    PromptAccept,
    /// Drop the prompt: nothing is written.
    PromptCancel,
    /// A key of the review mode or its note editor (`ui::review`).
    Review(ReviewKey),
    /// A key of a phase pane's review views: predictive power, touchpoints, what customers say
    /// and the comments (`ui::insight`).
    Insight(InsightKey),
    /// A key of the `:` command line (`ui::command_line`).
    Command(CommandKey),
    /// A key of the follow-through actions: add one on any pane, close one in the actions
    /// pane (`ui::actions`).
    Actions(ActionsKey),
    /// Copy the selected account's id (or the metric's id) to the clipboard (OSC 52).
    CopyId,
    /// Copy the selected row, as the screen shows it, to the clipboard (OSC 52).
    CopyRow,
}

/// What the event loop does after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Draw again and wait for the next event.
    Continue,
    /// Nothing changed: no redraw needed.
    Ignored,
    /// The journey changed: load its phases, metrics and series, then draw.
    LoadJourney,
    /// The segment changed: load the journey's series for it, then draw.
    LoadSegment,
    /// Leave the cockpit.
    Quit,
}

/// A key of the triage pane (or of the account view for the actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageKey {
    /// HVC accounts only, or every active account.
    ToggleAll,
    /// The next sort order: score, MRR, age, name.
    Sort,
    /// Type the filters (owner:, status:, driver:, mrr:).
    Filter,
    /// Show or hide the selected row's signal breakdown.
    Explain,
    /// Open the selected account's view.
    Account,
    Assign,
    Note,
    Snooze,
    Resolve,
    Reopen,
}

/// A key of the follow-through actions (the other keys of the actions pane are the triage
/// pane's: `a` assign, `n` note, `t` status, `o` owner, `f` filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionsKey {
    /// Add an action about what is selected (any pane).
    Add,
    /// Mark the selected action done (a note is asked for, optional).
    Done,
    /// Drop the selected action (a reason is asked for, required).
    Drop,
}

/// A key of the review mode or of its note editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKey {
    /// Open the review of the month and journey shown; in review mode, close it.
    Toggle,
    /// Mark the phase in review (reopens a signed-off phase).
    Mark,
    /// Sign the phase off.
    SignOff,
    /// Write the phase's notes in the editor.
    Notes,
    /// Show or hide the phase's earlier sign-offs.
    History,
    /// A character typed into the editor.
    Char(char),
    /// A line break in the editor.
    Newline,
    /// Delete the editor's last character.
    Backspace,
    /// Save the editor's text.
    Save,
    /// Close the editor without saving.
    Cancel,
}

/// A key of the review views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightKey {
    Power,
    Touchpoints,
    Words,
    Comments,
}

/// A key of the `:` command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKey {
    /// Open the command line (`:`).
    Start,
    /// A character typed into it.
    Char(char),
    /// Delete its last character.
    Backspace,
    /// Run what is typed.
    Accept,
    /// Close it without running anything.
    Cancel,
    /// The previous command of the history.
    Older,
    /// The next command of the history (past the newest: what was being typed).
    Newer,
    /// Complete the word being typed (again: the next candidate).
    Complete,
}
