//! The triage pane's state: the HVC (or all-accounts) priority queue read from the store, its
//! sort and filters, the score breakdown, the one-line prompt of the actions (assign, snooze,
//! note, resolve, reopen) and the writes they ask for. `needs` asks for the queue and the open
//! account's view (again after a write here or in another cockpit: `App::version`);
//! `write_pending` writes, from `dispatch`, the one place the cockpit writes to the store.

use chrono::NaiveDate;

use super::account_data::AccountView;
use super::action::{Action, Outcome, TriageKey};
use super::app::{App, Pane};
use super::load::Request;
use crate::store::Store;
use crate::store::triage::{self, BacktestSummary, QueueRow};

/// The queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Highest score first (ties: higher MRR, then id).
    #[default]
    Score,
    /// Highest MRR at risk (score x MRR) first: value-weighted triage (ties: the score order).
    MrrAtRisk,
    /// Highest MRR first.
    Mrr,
    /// The oldest open item first.
    Age,
    /// By name.
    Name,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Score => SortKey::MrrAtRisk,
            SortKey::MrrAtRisk => SortKey::Mrr,
            SortKey::Mrr => SortKey::Age,
            SortKey::Age => SortKey::Name,
            SortKey::Name => SortKey::Score,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Score => "score",
            SortKey::MrrAtRisk => "MRR at risk",
            SortKey::Mrr => "MRR",
            SortKey::Age => "age",
            SortKey::Name => "name",
        }
    }
}

/// The queue's filters, typed as `owner:ana status:open driver:sla mrr:5000`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Owner or assignee contains this (any case).
    pub owner: Option<String>,
    /// Triage status is this (open, assigned, snoozed, resolved).
    pub status: Option<String>,
    /// A signal that scores for the account contains this.
    pub driver: Option<String>,
    /// MRR at least this.
    pub min_mrr: Option<f64>,
}

impl Filters {
    pub fn parse(text: &str) -> std::result::Result<Filters, String> {
        let mut f = Filters::default();
        for word in text.split_whitespace() {
            let (key, value) = word
                .split_once(':')
                .or_else(|| word.split_once('='))
                .ok_or_else(|| format!("'{word}': expected owner:, status:, driver: or mrr:"))?;
            let value = value.trim().to_lowercase();
            if value.is_empty() {
                continue;
            }
            match key.to_lowercase().as_str() {
                "owner" => f.owner = Some(value),
                "status" => {
                    if !["open", "assigned", "snoozed", "resolved"].contains(&value.as_str()) {
                        return Err(format!(
                            "status '{value}': expected open, assigned, snoozed or resolved"
                        ));
                    }
                    f.status = Some(value)
                }
                "driver" => f.driver = Some(value),
                "mrr" => {
                    let n = value
                        .trim_start_matches(">=")
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| format!("mrr '{value}': expected a number"))?;
                    f.min_mrr = Some(n)
                }
                other => return Err(format!("'{other}': expected owner:, status:, driver: or mrr:")),
            }
        }
        Ok(f)
    }

    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.owner {
            parts.push(format!("owner:{o}"));
        }
        if let Some(s) = &self.status {
            parts.push(format!("status:{s}"));
        }
        if let Some(d) = &self.driver {
            parts.push(format!("driver:{d}"));
        }
        if let Some(m) = self.min_mrr {
            parts.push(format!("mrr:{m}"));
        }
        parts.join(" ")
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    fn keeps(&self, row: &QueueRow) -> bool {
        let contains = |text: Option<&str>, part: &str| text.is_some_and(|t| t.to_lowercase().contains(part));
        self.owner
            .as_deref()
            .is_none_or(|o| contains(row.owner.as_deref(), o) || contains(row.assignee.as_deref(), o))
            && self.status.as_deref().is_none_or(|s| row.status == s)
            && self
                .driver
                .as_deref()
                .is_none_or(|d| row.score.signals.iter().any(|s| s.signal.name().contains(d)))
            && self.min_mrr.is_none_or(|m| row.mrr.unwrap_or(0.0) >= m)
    }
}

/// The queue's rows in each order but the score's (the queue's own), as indices into it;
/// sorted where the queue is read, off the cockpit's thread. With them, the score's backtest
/// (`Store::triage_backtest`) for the pane's header.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    by_mrr_at_risk: Vec<u32>,
    by_mrr: Vec<u32>,
    by_age: Vec<u32>,
    by_name: Vec<u32>,
    pub backtest: Option<BacktestSummary>,
}

impl Orders {
    pub fn of_queue(queue: &[QueueRow]) -> Orders {
        let all = || (0..queue.len() as u32).collect::<Vec<u32>>();
        let row = |i: &u32| &queue[*i as usize];
        // Stable on the score order: equal MRR at risk keeps it.
        let mut by_mrr_at_risk = all();
        by_mrr_at_risk.sort_by(|a, b| triage::by_mrr_at_risk(row(a), row(b)));
        let mut by_mrr = all();
        by_mrr.sort_by(|a, b| row(b).mrr.unwrap_or(0.0).total_cmp(&row(a).mrr.unwrap_or(0.0)));
        let mut by_age = all();
        by_age.sort_by(|a, b| {
            row(b)
                .oldest_open_days
                .unwrap_or(-1.0)
                .total_cmp(&row(a).oldest_open_days.unwrap_or(-1.0))
        });
        let names: Vec<String> = queue.iter().map(|r| r.name.to_lowercase()).collect();
        let mut by_name = all();
        by_name.sort_by(|a, b| {
            names[*a as usize]
                .cmp(&names[*b as usize])
                .then_with(|| row(a).account_id.cmp(&row(b).account_id))
        });
        Orders {
            by_mrr_at_risk,
            by_mrr,
            by_age,
            by_name,
            backtest: None,
        }
    }

    /// With the backtest read beside the queue.
    pub fn with_backtest(mut self, backtest: Option<BacktestSummary>) -> Orders {
        self.backtest = backtest;
        self
    }

    fn of(&self, sort: SortKey) -> &[u32] {
        match sort {
            SortKey::Score => &[],
            SortKey::MrrAtRisk => &self.by_mrr_at_risk,
            SortKey::Mrr => &self.by_mrr,
            SortKey::Age => &self.by_age,
            SortKey::Name => &self.by_name,
        }
    }
}

/// Drops a large queue on a thread of its own: freeing 100,000 rows takes the cockpit's thread
/// longer than a frame.
fn drop_apart(queue: Vec<QueueRow>) {
    if queue.len() > 10_000 {
        std::thread::spawn(move || drop(queue));
    }
}

/// What the prompt line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Assign,
    Note,
    SnoozeUntil,
    SnoozeReason { until: String },
    Resolve,
    Reopen,
    Filter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    /// The account acted on (empty for the filter).
    pub account: String,
    pub input: String,
}

impl Prompt {
    /// The words before the text typed.
    pub fn label(&self) -> String {
        match &self.kind {
            PromptKind::Assign => format!("assign {} to", self.account),
            PromptKind::Note => format!("note on {}", self.account),
            PromptKind::SnoozeUntil => format!("snooze {} until (YYYY-MM-DD)", self.account),
            PromptKind::SnoozeReason { until } => format!("snooze {} until {until}, reason", self.account),
            PromptKind::Resolve => format!("resolve {}, note (optional)", self.account),
            PromptKind::Reopen => format!("reopen {}, note (optional)", self.account),
            PromptKind::Filter => "filter (owner: status: driver: mrr:)".into(),
        }
    }
}

/// A write the prompt asked for, carried out by `apply` (which holds the store mutably).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Assign(String),
    Note(String),
    Snooze { until: String, reason: String },
    Resolve(String),
    Reopen(String),
}

#[derive(Debug, Clone, Default)]
pub struct TriageState {
    /// Every active account, not only HVC accounts.
    pub all: bool,
    pub sort: SortKey,
    pub filters: Filters,
    /// The queue as the store gives it (score order), for `all`.
    pub queue: Vec<QueueRow>,
    /// The queue's other orders.
    pub orders: Orders,
    /// `queue` holds the list asked for (`all`).
    pub loaded: bool,
    /// `App::version` when `queue` was read.
    pub queue_version: u64,
    /// Indices into `queue` of the rows shown, in the order shown.
    pub visible: Vec<usize>,
    /// The name search `visible` was computed for (`App::filter`).
    pub searched: String,
    /// The selected row's breakdown is shown.
    pub explain: bool,
    pub prompt: Option<Prompt>,
    pub pending: Option<(String, Write)>,
    /// One line for the footer: what the last action did, or why it could not.
    pub message: Option<String>,
    /// Why actions are unavailable (a store that cannot be written), if they are.
    pub readonly: Option<String>,
    /// The account whose view is open (`open_account`): shown once read.
    pub account_request: Option<String>,
    /// `App::version` when the account view was read.
    pub account_version: u64,
    /// Milliseconds the last queue read took.
    pub load_ms: f64,
}

/// The login name actions are recorded under.
pub fn me() -> String {
    crate::store::review::login_name()
}

fn now_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

/// The rows shown, in order.
pub fn visible(app: &App) -> impl Iterator<Item = &QueueRow> {
    app.triage.visible.iter().filter_map(|&i| app.triage.queue.get(i))
}

/// The queue row selected in the triage pane.
pub fn selected(app: &App) -> Option<&QueueRow> {
    if app.pane != Pane::Triage {
        return None;
    }
    let i = *app.triage.visible.get(app.cursor())?;
    app.triage.queue.get(i)
}

/// Opens an account's view (any pane with a selected account can call this from
/// `App::update`); the view is read by the loader and shown when it arrives.
pub fn open_account(app: &mut App, account_id: &str) {
    if app
        .account
        .as_ref()
        .is_some_and(|v| v.profile.account_id != account_id)
    {
        app.account = None;
    }
    app.triage.account_request = Some(account_id.to_string());
}

/// Closes the account view, or drops the request for one not read yet.
pub fn close_account(app: &mut App) {
    app.account = None;
    app.triage.account_request = None;
}

/// Whether the account view is open (shown, or being read).
pub fn account_open(app: &App) -> bool {
    app.triage.account_request.is_some()
}

/// What the triage pane and the account view need: the queue when the pane shows and the one
/// held is another list or older than the shared data, the open account's view likewise.
pub fn needs(app: &App, out: &mut Vec<Request>) {
    let state = &app.triage;
    if let Some(id) = &state.account_request {
        let held = app
            .account
            .as_ref()
            .is_some_and(|v| &v.profile.account_id == id && state.account_version == app.version);
        if !held {
            out.push(Request::Account {
                id: id.clone(),
                version: app.version,
            });
        }
    }
    if app.pane == Pane::Triage && (!state.loaded || state.queue_version != app.version) {
        out.push(Request::Queue {
            all: state.all,
            version: app.version,
        });
    }
}

/// Puts a queue read in place, if it is the list asked for (HVC or all).
pub fn receive_queue(
    app: &mut App,
    all: bool,
    version: u64,
    queue: Vec<QueueRow>,
    orders: Orders,
    load_ms: f64,
) {
    if app.triage.all != all {
        drop_apart(queue);
        return;
    }
    drop_apart(std::mem::replace(&mut app.triage.queue, queue));
    app.triage.orders = orders;
    app.triage.loaded = true;
    app.triage.queue_version = version;
    app.triage.load_ms = load_ms;
    app.triage.visible.clear();
    refresh_visible(app);
}

/// Puts an account's view in place, if it is still the one open (keeping its scroll).
pub fn receive_account(app: &mut App, id: &str, version: u64, view: Option<AccountView>) {
    if app.triage.account_request.as_deref() != Some(id) {
        return;
    }
    match view {
        Some(mut view) => {
            if let Some(old) = app.account.as_ref().filter(|old| old.profile.account_id == id) {
                view.scroll = old.scroll;
            }
            app.account = Some(view);
            app.triage.account_version = version;
        }
        None => {
            close_account(app);
            app.triage.message = Some(format!("no account '{}'", super::text::clean(id)));
        }
    }
}

/// Recomputes the rows shown (filters, name search, order), keeping the selected account
/// selected when it is still there.
pub fn refresh_visible(app: &mut App) {
    let was = (app.pane == Pane::Triage)
        .then(|| selected(app).map(|r| r.account_id.clone()))
        .flatten();
    app.triage.searched = app.filter.clone();
    let name = app.filter.to_lowercase();
    let state = &app.triage;
    let keeps = |i: usize| {
        state.queue.get(i).is_some_and(|r| {
            (name.is_empty()
                || r.name.to_lowercase().contains(&name)
                || r.account_id.to_lowercase().contains(&name))
                && state.filters.keeps(r)
        })
    };
    // The orders were sorted by the loader: a key only walks one of them.
    let rows: Vec<usize> = match state.sort {
        SortKey::Score => (0..state.queue.len()).filter(|&i| keeps(i)).collect(),
        sort => state
            .orders
            .of(sort)
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| keeps(i))
            .collect(),
    };
    app.triage.visible = rows;
    if let Some(id) = was {
        let found = visible(app).position(|r| r.account_id == id);
        if let Some(pos) = found {
            app.set_cursor(pos);
        }
    }
}

/// The account an action applies to: the open account view's, else the triage pane's selection.
fn target(app: &App) -> Option<String> {
    match &app.account {
        Some(view) => Some(view.profile.account_id.clone()),
        None => selected(app).map(|r| r.account_id.clone()),
    }
}

fn start_prompt(app: &mut App, kind: PromptKind) -> Outcome {
    let filter = kind == PromptKind::Filter;
    if !filter {
        if let Some(why) = &app.triage.readonly {
            app.triage.message = Some(format!("actions unavailable: {why}"));
            return Outcome::Continue;
        }
    }
    let account = if filter {
        String::new()
    } else {
        match target(app) {
            Some(id) => id,
            None => return Outcome::Ignored,
        }
    };
    let input = match kind {
        PromptKind::Assign => me(),
        PromptKind::Filter => app.triage.filters.to_text(),
        _ => String::new(),
    };
    app.triage.message = None;
    app.triage.prompt = Some(Prompt { kind, account, input });
    Outcome::Continue
}

/// Handles the keys of the triage pane, the account view and the prompt before `App::update`
/// does; None leaves the action to it.
pub fn intercept(app: &mut App, action: Action) -> Option<Outcome> {
    if app.help || matches!(action, Action::Help | Action::Quit | Action::Redraw) {
        return None;
    }
    if app.triage.prompt.is_some() {
        return Some(prompt_key(app, action));
    }
    if app.filtering {
        return None;
    }
    if app.account.is_none() && account_open(app) {
        // The view is being read: Esc (or v) gives up on it; a pane key goes on to the pane.
        return match action {
            Action::Back | Action::Triage(TriageKey::Account) => {
                close_account(app);
                Some(Outcome::Continue)
            }
            Action::NextPane | Action::PrevPane | Action::GotoPane(_) | Action::NextJourney => {
                close_account(app);
                None
            }
            _ => Some(Outcome::Ignored),
        };
    }
    if let Some(view) = app.account.as_mut() {
        let lines = view.lines_hint.max(1);
        let step = |view: &mut AccountView, by: isize| {
            let before = view.scroll;
            view.scroll = view.scroll.saturating_add_signed(by).min(lines - 1);
            if view.scroll == before {
                Outcome::Ignored
            } else {
                Outcome::Continue
            }
        };
        return match action {
            Action::Down => Some(step(view, 1)),
            Action::Up => Some(step(view, -1)),
            Action::PageDown => Some(step(view, 10)),
            Action::PageUp => Some(step(view, -10)),
            Action::First => Some(step(view, isize::MIN / 2)),
            Action::Last => Some(step(view, isize::MAX / 2)),
            Action::Back | Action::Triage(TriageKey::Account) => {
                close_account(app);
                Some(Outcome::Continue)
            }
            Action::Triage(key) => Some(act_key(app, key)),
            Action::NextPane | Action::PrevPane | Action::GotoPane(_) | Action::NextJourney => {
                close_account(app);
                None
            }
            _ => None,
        };
    }
    match action {
        Action::Triage(key) if app.pane == Pane::Triage => Some(match key {
            TriageKey::ToggleAll => {
                app.triage.all = !app.triage.all;
                app.triage.loaded = false;
                drop_apart(std::mem::take(&mut app.triage.queue));
                app.triage.orders = Orders::default();
                app.triage.visible.clear();
                app.triage.message = None;
                Outcome::Continue
            }
            TriageKey::Sort => {
                app.triage.sort = app.triage.sort.next();
                refresh_visible(app);
                Outcome::Continue
            }
            TriageKey::Filter => start_prompt(app, PromptKind::Filter),
            TriageKey::Explain => toggle_explain(app),
            TriageKey::Account => match selected(app).map(|r| r.account_id.clone()) {
                Some(id) => {
                    open_account(app, &id);
                    Outcome::Continue
                }
                None => Outcome::Ignored,
            },
            other => act_key(app, other),
        }),
        // From the churn pane: `v` opens the selected churned account's full view.
        Action::Triage(TriageKey::Account) if app.pane == Pane::Churn => {
            match app.selected_churned().map(|a| a.account_id.clone()) {
                Some(id) => {
                    app.detail = false;
                    open_account(app, &id);
                    Some(Outcome::Continue)
                }
                None => Some(Outcome::Ignored),
            }
        }
        Action::Triage(_) => Some(Outcome::Ignored),
        Action::Open if app.pane == Pane::Triage => Some(toggle_explain(app)),
        Action::Back if app.pane == Pane::Triage && app.triage.explain => {
            app.triage.explain = false;
            Some(Outcome::Continue)
        }
        Action::Back
            if app.pane == Pane::Triage && !app.triage.filters.is_empty() && app.filter.is_empty() =>
        {
            app.triage.filters = Filters::default();
            refresh_visible(app);
            Some(Outcome::Continue)
        }
        Action::FilterChar(_) | Action::FilterBackspace | Action::FilterCancel
            if app.pane == Pane::Triage =>
        {
            None
        }
        _ => None,
    }
}

fn toggle_explain(app: &mut App) -> Outcome {
    if selected(app).is_none() && !app.triage.explain {
        return Outcome::Ignored;
    }
    app.triage.explain = !app.triage.explain;
    Outcome::Continue
}

fn act_key(app: &mut App, key: TriageKey) -> Outcome {
    let kind = match key {
        TriageKey::Assign => PromptKind::Assign,
        TriageKey::Note => PromptKind::Note,
        TriageKey::Snooze => PromptKind::SnoozeUntil,
        TriageKey::Resolve => PromptKind::Resolve,
        TriageKey::Reopen => PromptKind::Reopen,
        _ => return Outcome::Ignored,
    };
    start_prompt(app, kind)
}

fn prompt_key(app: &mut App, action: Action) -> Outcome {
    let Some(prompt) = app.triage.prompt.as_mut() else {
        return Outcome::Ignored;
    };
    match action {
        Action::PromptChar(c) => {
            if !c.is_control() && prompt.input.chars().count() < 500 {
                prompt.input.push(c);
            }
            Outcome::Continue
        }
        Action::PromptBackspace => {
            prompt.input.pop();
            Outcome::Continue
        }
        Action::PromptCancel | Action::Back => {
            app.triage.prompt = None;
            app.triage.message = Some("cancelled: nothing written".into());
            Outcome::Continue
        }
        Action::PromptAccept => {
            let prompt = prompt.clone();
            accept(app, prompt);
            Outcome::Continue
        }
        _ => Outcome::Ignored,
    }
}

fn accept(app: &mut App, prompt: Prompt) {
    let input = super::text::clean(&prompt.input);
    let account = prompt.account.clone();
    let mut keep_open = false;
    let write = match prompt.kind {
        PromptKind::Filter => {
            match Filters::parse(&input) {
                Ok(f) => {
                    app.triage.filters = f;
                    app.triage.message = None;
                    refresh_visible(app);
                }
                Err(e) => {
                    app.triage.message = Some(e);
                    keep_open = true;
                }
            }
            None
        }
        PromptKind::Assign => Some(Write::Assign(if input.is_empty() { me() } else { input })),
        PromptKind::Note if input.is_empty() => {
            app.triage.message = Some("an empty note: type the note, or Esc".into());
            keep_open = true;
            None
        }
        PromptKind::Note => Some(Write::Note(input)),
        PromptKind::SnoozeUntil => {
            match NaiveDate::parse_from_str(&input, "%Y-%m-%d") {
                Ok(date) if date.to_string() > today() => {
                    app.triage.message = None;
                    app.triage.prompt = Some(Prompt {
                        kind: PromptKind::SnoozeReason {
                            until: date.to_string(),
                        },
                        account,
                        input: String::new(),
                    });
                    return;
                }
                Ok(_) => app.triage.message = Some(format!("'{input}': a snooze date must be after today")),
                Err(_) => app.triage.message = Some(format!("'{input}': expected a date YYYY-MM-DD")),
            }
            keep_open = true;
            None
        }
        PromptKind::SnoozeReason { .. } if input.is_empty() => {
            app.triage.message = Some("a snooze needs a reason".into());
            keep_open = true;
            None
        }
        PromptKind::SnoozeReason { until } => Some(Write::Snooze { until, reason: input }),
        PromptKind::Resolve => Some(Write::Resolve(input)),
        PromptKind::Reopen => Some(Write::Reopen(input)),
    };
    if !keep_open {
        app.triage.prompt = None;
    }
    if let Some(write) = write {
        app.triage.pending = Some((account, write));
    }
}

/// Writes what a prompt asked for, if anything, in one transaction with who (the login name)
/// and when (local time); says whether it wrote (the shared data then changed: `App::version`).
pub fn write_pending(app: &mut App, store: &mut Store) -> bool {
    let Some((account, write)) = app.triage.pending.take() else {
        return false;
    };
    write_now(app, store, &account, &write);
    app.version += 1;
    true
}

fn write_now(app: &mut App, store: &mut Store, account: &str, write: &Write) {
    let who = me();
    let action = match write {
        Write::Assign(to) => triage::Action::Assign { to },
        Write::Note(body) => triage::Action::Note { body },
        Write::Snooze { until, reason } => triage::Action::Snooze { until, reason },
        Write::Resolve(note) => triage::Action::Resolve { note },
        Write::Reopen(note) => triage::Action::Reopen { note },
    };
    let done = match write {
        Write::Assign(to) => format!("{account} assigned to {to}"),
        Write::Note(_) => format!("note added to {account}"),
        Write::Snooze { until, .. } => format!("{account} snoozed until {until}"),
        Write::Resolve(_) => format!("{account} resolved"),
        Write::Reopen(_) => format!("{account} reopened"),
    };
    app.triage.message = Some(match store.triage_act(account, action, &who, &now_stamp()) {
        Ok(()) => format!("{} (by {who})", super::text::clean(&done)),
        Err(e) => format!("not written: {e}"),
    });
}
