//! The triage pane's state: the HVC (or all-accounts) priority queue read from the store, its
//! sort and filters, the score breakdown, the prompt line of the actions and the writes queued
//! for `input::write_pending`. `needs` asks for the queue and the open account's view (again
//! after a write here or in another cockpit: `App::version`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::store::Store;
use crate::store::triage::{BacktestSummary, QueueRow};
use crate::store::triage_rank::{QueueOrder, QueuePage, QueueQuery};
use crate::ui::account::AccountView;
use crate::ui::app::{App, Pane};
use crate::ui::load::Request;

/// Rows of the queue read at a time: the pane holds one page around the selected row. Each row
/// is a lookup of its account, month, tier and signals: on a store not in the page cache, 400
/// rows took 130-150 ms to read, 200 take 90-115.
pub const PAGE_ROWS: usize = 200;

/// Characters the prompt takes at most (a note, a name, a date).
pub(super) const MAX_INPUT: usize = 500;
/// Rows the page keeps around the selected row before the next page is read: more than a
/// screen's list (a terminal of up to about 75 lines), so that stepping through the queue never
/// shows a row missing.
const PAGE_MARGIN: usize = 70;

/// The queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

    /// The store's order of the queue.
    pub fn order(self) -> QueueOrder {
        match self {
            SortKey::Score => QueueOrder::Score,
            SortKey::MrrAtRisk => QueueOrder::MrrAtRisk,
            SortKey::Mrr => QueueOrder::Mrr,
            SortKey::Age => QueueOrder::Age,
            SortKey::Name => QueueOrder::Name,
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
}

/// What a page of the queue is of: the list, its order, its filters (as typed) and the name
/// search (lower case). A page is read again when any of them changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub all: bool,
    pub sort: SortKey,
    pub filters: String,
    pub search: String,
}

impl PageKey {
    /// The store's query of the page.
    pub fn query(&self) -> std::result::Result<QueueQuery, String> {
        let filters = Filters::parse(&self.filters)?;
        Ok(QueueQuery {
            all: self.all,
            order: self.sort.order(),
            owner: filters.owner,
            status: filters.status,
            driver: filters.driver,
            min_mrr: filters.min_mrr,
            search: self.search.clone(),
        })
    }
}

/// A page of the queue as the loader reads it: the rows, the score's backtest, the open actions
/// of the page's accounts, and how long the read took.
#[derive(Debug, Clone, Default)]
pub struct QueueAnswer {
    pub page: QueuePage,
    pub backtest: Option<BacktestSummary>,
    /// Per account of the page with open actions: (open, of which overdue).
    pub action_counts: HashMap<String, (usize, usize)>,
    pub load_ms: f64,
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
    /// The page of the queue held: rows from its offset on, and the counts.
    pub page: QueuePage,
    /// What `page` is a page of.
    pub page_key: Option<PageKey>,
    /// `page` is of the list, order, filters and search shown.
    pub loaded: bool,
    /// `App::version` when `page` was read.
    pub queue_version: u64,
    /// The score's backtest, read with the page (`Store::triage_backtest`).
    pub backtest: Option<BacktestSummary>,
    /// The open actions of the page's accounts (open, of which overdue), read with the page.
    pub action_counts: HashMap<String, (usize, usize)>,
    /// The name search the page was asked for (`App::filter`).
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
    /// Milliseconds the last page read took.
    pub load_ms: f64,
}

/// The login name actions are recorded under.
pub fn me() -> String {
    crate::store::review::login_name()
}

pub(super) fn now_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub(super) fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

/// The rows of the page held, in order (the first is the queue's row `page.offset`).
pub fn visible(app: &App) -> impl Iterator<Item = &QueueRow> {
    app.triage.page.rows.iter()
}

/// The queue row selected in the triage pane, when its page is held.
pub fn selected(app: &App) -> Option<&QueueRow> {
    if app.pane != Pane::Triage || !app.triage.loaded {
        return None;
    }
    let at = app.cursor().checked_sub(app.triage.page.offset)?;
    app.triage.page.rows.get(at)
}

/// The page the pane shows (the search typed so far included).
pub fn page_key(app: &App) -> PageKey {
    PageKey {
        all: app.triage.all,
        sort: app.triage.sort,
        filters: app.triage.filters.to_text(),
        search: app.filter.to_lowercase(),
    }
}

/// The first row of the page to read for the selected row: it in the middle, on a round row.
fn page_offset(cursor: usize) -> usize {
    cursor.saturating_sub(PAGE_ROWS / 2) / PAGE_MARGIN * PAGE_MARGIN
}

/// Whether the page held shows the selected row with a margin on both sides (or up to the
/// queue's ends).
fn page_covers(page: &QueuePage, cursor: usize) -> bool {
    let end = page.offset + page.rows.len();
    (page.offset == 0 || page.offset + PAGE_MARGIN <= cursor)
        && (end >= page.matching || cursor + PAGE_MARGIN < end)
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
    if app.pane == Pane::Triage {
        out.extend(queue_request(app));
    }
}

/// The page of the queue the triage pane shows at its selected row, unless it is held.
pub fn queue_request(app: &App) -> Option<Request> {
    let state = &app.triage;
    let key = page_key(app);
    let cursor = app.cursor_of(Pane::Triage);
    let held = state.loaded
        && state.page_key.as_ref() == Some(&key)
        && state.queue_version == app.version
        && page_covers(&state.page, cursor);
    (!held).then(|| Request::QueuePage {
        key,
        offset: page_offset(cursor),
        version: app.version,
    })
}

/// Puts a page of the queue in place, if it is a page of the queue shown.
pub fn receive_page(app: &mut App, key: PageKey, version: u64, answer: QueueAnswer) {
    if key != page_key(app) {
        return;
    }
    let state = &mut app.triage;
    state.page = answer.page;
    state.page_key = Some(key);
    state.backtest = answer.backtest;
    state.action_counts = answer.action_counts;
    state.loaded = true;
    state.queue_version = version;
    state.load_ms = answer.load_ms;
}

/// Today for the follow-through marks of the queue and the account view: `CXCOCKPIT_NOW` when
/// set, else the local date. A malformed `CXCOCKPIT_NOW` falls back to the local date here, so
/// that the queue still reads; the actions pane says what is wrong with it.
pub fn follow_through_today() -> NaiveDate {
    crate::store::actions::today().unwrap_or_else(|_| chrono::Local::now().date_naive())
}

/// Reads a page of the queue with the score's backtest and the page's accounts' open actions
/// (one statement for the whole page: `Store::open_action_counts`).
pub fn load_page(store: &Store, key: &PageKey, offset: usize) -> crate::error::Result<QueueAnswer> {
    let started = std::time::Instant::now();
    let today = chrono::Local::now().date_naive().to_string();
    let query = key.query().map_err(crate::error::Error::input)?;
    let page = store.triage_page(&query, &today, offset, PAGE_ROWS)?;
    let backtest = store.triage_backtest()?;
    let ids: Vec<&str> = page.rows.iter().map(|r| r.account_id.as_str()).collect();
    let action_counts = store.open_action_counts(&ids, follow_through_today())?;
    Ok(QueueAnswer {
        page,
        backtest,
        action_counts,
        load_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
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
            app.triage.message = Some(format!("no account '{}'", crate::ui::text::clean(id)));
        }
    }
}

/// The queue shown changed (its list, order, filters or name search): its first page is read,
/// and the first row selected.
pub fn query_changed(app: &mut App) {
    app.triage.searched = app.filter.clone();
    app.triage.loaded = false;
    if app.pane == Pane::Triage {
        app.set_cursor(0);
    }
}
