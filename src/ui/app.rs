//! The cockpit's state: which journey, segment, month and pane, what is selected, and the data
//! loaded for them. `update` carries out one action on memory alone; `needs` then says what the
//! screen shown lacks (requests for the loader, `load.rs`) and `receive` puts each answer in
//! place, or keeps why it failed so the pane can say so.

use std::collections::HashMap;

use super::action::{Action, Outcome};
use super::churn::ChurnData;
use super::data::{Catalogue, Dataset};
use super::keymap::InputMode;
use super::load::{self, Loaded, Request};
use super::tiers::{TierAccount, TiersData};
use crate::domain::Period;
use crate::domain::model::{Journey, Metric, MetricKind, Phase};
use crate::error::Result;
use crate::store::Store;
use crate::store::churn::ChurnedAccount;

/// Rows moved by PageUp and PageDown.
const PAGE: usize = 10;

/// Panes remembered for Esc to return to.
const CAME_FROM: usize = 32;

/// The panes, in the order of the tabs: the overview, then one per phase of the journey, then
/// churn, loyalty tiers, triage and the follow-through actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Overview,
    /// The phase at this index of the journey's phases.
    Phase(usize),
    /// Churn and revenue retention of the month.
    Churn,
    /// Loyalty tiers at the end of the month.
    Tiers,
    /// The HVC triage queue: the accounts most at risk, with actions.
    Triage,
    /// The follow-through actions: who is to do what, by when (`ui::actions`).
    Actions,
}

/// The panes after the phases, in tab order.
const AFTER_PHASES: [Pane; 4] = [Pane::Churn, Pane::Tiers, Pane::Triage, Pane::Actions];

impl Pane {
    /// Position among the tabs of the overview and phases (0 is the overview); the panes after
    /// the phases have no position without the phase count (`usize::MAX`): see `tab`.
    pub fn index(self) -> usize {
        match self {
            Pane::Overview => 0,
            Pane::Phase(i) => i + 1,
            _ => usize::MAX,
        }
    }

    /// Position among the tabs of a journey with `phases` phases: 0 is the overview.
    pub fn tab(self, phases: usize) -> usize {
        match self {
            Pane::Overview => 0,
            Pane::Phase(i) => i + 1,
            other => phases + 1 + AFTER_PHASES.iter().position(|p| *p == other).unwrap_or(0),
        }
    }

    /// How many tabs a journey with `phases` phases has.
    pub fn count(phases: usize) -> usize {
        phases + 1 + AFTER_PHASES.len()
    }

    pub fn from_index(index: usize, phases: usize) -> Option<Pane> {
        match index {
            0 => Some(Pane::Overview),
            i if i <= phases => Some(Pane::Phase(i - 1)),
            i => AFTER_PHASES.get(i - phases - 1).copied(),
        }
    }

    pub fn next(self, phases: usize) -> Pane {
        let count = Pane::count(phases);
        Pane::from_index((self.tab(phases) + 1) % count, phases).unwrap_or(Pane::Overview)
    }

    pub fn prev(self, phases: usize) -> Pane {
        let count = Pane::count(phases);
        Pane::from_index((self.tab(phases) + count - 1) % count, phases).unwrap_or(Pane::Overview)
    }
}

#[derive(Debug, Clone)]
pub struct App {
    /// How the header names the store (its file name).
    pub store_label: String,
    pub catalogue: Catalogue,
    /// Index into `catalogue.journeys`.
    pub journey: usize,
    /// Index into `catalogue.segments`.
    pub segment: usize,
    pub period: Period,
    pub data: Dataset,
    pub pane: Pane,
    /// The selected row of each pane, by `Pane::index`.
    cursors: Vec<usize>,
    /// The selected metric's detail is open (phase panes).
    pub detail: bool,
    pub help: bool,
    /// Case-insensitive text metric names must contain.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// The body fills the screen: no header, tabs or footer.
    pub zoom: bool,
    /// The churn pane's data, loaded when the pane shows a month for the first time.
    pub churn: ChurnData,
    /// The tiers pane's data, loaded when the pane shows a month for the first time.
    pub tiers: TiersData,
    /// The definitions overlay (the formula of each figure of the pane) is open.
    pub definitions: bool,
    /// The triage pane's queue, filters, prompt and messages.
    pub triage: super::triage::TriageState,
    /// The actions pane's list and filters, and the prompt of `A` and the action keys.
    pub actions: super::actions::ActionsState,
    /// The account view, drawn over any pane while open.
    pub account: Option<super::account::AccountView>,
    /// The monthly journey review, drawn over any pane while open (`ui::review`).
    pub review: Option<super::review::ReviewState>,
    /// The phase panes' review views (predictive power, touchpoints, what customers say).
    pub insight: super::insight::InsightState,
    /// The state of the shared data (triage actions, reviews): moves on after a write here, or
    /// when another process committed (`poll`), so that what shows it is read again.
    pub version: u64,
    /// The store's `data_version` when `poll` last asked (set when the app is loaded).
    pub data_version: Option<i64>,
    /// Requests whose read failed, with the reason: the pane says so, and they are not asked
    /// again until the user asks (`Redraw`, C-l).
    pub failed: HashMap<Request, String>,
    /// Frames drawn while something loads (the spinner's step).
    pub tick: usize,
    /// The keys of the panes (the defaults with the configuration file's rebindings).
    pub keys: super::keymap::Keymap,
    /// The panes left for another, most recent last: Esc returns to them in turn.
    pub came_from: Vec<Pane>,
    /// One line for the footer until the next key: a copy's confirmation, a command's error.
    pub notice: Option<String>,
    /// The `:` command line and its history.
    pub command: super::command_line::CommandLine,
    /// Text a key asked to copy, for the event loop to send to the terminal (OSC 52).
    pub clipboard: Option<String>,
}

impl App {
    /// Reads what the store holds and opens on the first journey, segment 'all', at the
    /// store's last month, with the data of the screen shown read (inline).
    pub fn load(store: &Store, store_label: String) -> Result<App> {
        let mut app = App::open(store, store_label)?;
        load::load_inline(&mut app, store)?;
        Ok(app)
    }

    /// The same with nothing read but the catalogue (a few settings): the cockpit starts so,
    /// and its loader reads the rest.
    pub fn open(store: &Store, store_label: String) -> Result<App> {
        let mut app = App::new(store_label, Catalogue::load(store)?);
        app.data_version = store.data_version().ok();
        Ok(app)
    }

    /// A cockpit on a catalogue with no data read yet (see `needs`).
    pub fn new(store_label: String, catalogue: Catalogue) -> App {
        let period = catalogue
            .range
            .map(|(_, last)| last)
            .unwrap_or_else(|| Period::of_date(chrono::Local::now().date_naive()).prev());
        App {
            store_label,
            catalogue,
            journey: 0,
            segment: 0,
            period,
            data: Dataset::default(),
            pane: Pane::Overview,
            cursors: vec![0],
            detail: false,
            help: false,
            filter: String::new(),
            filtering: false,
            zoom: false,
            churn: ChurnData::default(),
            tiers: TiersData::default(),
            definitions: false,
            triage: Default::default(),
            actions: Default::default(),
            account: None,
            review: None,
            insight: Default::default(),
            version: 0,
            data_version: None,
            failed: HashMap::new(),
            tick: 0,
            keys: Default::default(),
            came_from: Vec::new(),
            notice: None,
            command: Default::default(),
            clipboard: None,
        }
    }

    /// What the screen shown needs and does not hold, most urgent first; a request that failed
    /// is not asked again (see `failed`).
    pub fn needs(&self) -> Vec<Request> {
        let mut out = self.wanted();
        out.retain(|r| !self.failed.contains_key(r));
        out
    }

    /// What the screen shown lacks, failed reads included.
    fn wanted(&self) -> Vec<Request> {
        let mut out = Vec::new();
        let Some(journey) = self.journey().map(|j| j.id.clone()) else {
            return out;
        };
        let segment = self.segment_id().to_string();
        if self.data.journey != journey {
            out.push(Request::Journey { journey, segment });
        } else if self.data.segment != segment {
            out.push(Request::Series { journey, segment });
        }
        super::review::needs(self, &mut out);
        super::triage::needs(self, &mut out);
        super::actions::needs(self, &mut out);
        super::insight::needs(self, &mut out);
        super::command_line::needs(self, &mut out);
        match self.pane {
            Pane::Churn => self.churn.needs(
                self.catalogue.range,
                self.journey().map(|j| j.id.as_str()),
                self.period,
                self.segment_id(),
                &mut out,
            ),
            Pane::Tiers => self.tiers.needs(self.catalogue.range, self.period, &mut out),
            _ => {}
        }
        out
    }

    /// The line to show in place of data the screen lacks, for the first lacking request that
    /// `is` picks: being read (with a spinner), or why it failed. None when nothing is lacking.
    pub fn waiting_for(&self, is: impl Fn(&Request) -> bool) -> Option<String> {
        self.wanted().iter().find(|r| is(r)).map(|r| self.waiting_line(r))
    }

    /// What is worth reading while idle: the months either side of the one shown in the
    /// churn and tiers panes, so that stepping there shows at once; then what the churn, triage
    /// and tiers panes show first, so that opening one shows at once. A key that asks for
    /// something else is not kept waiting: the loader drops what is no longer wanted.
    pub fn prefetch(&self) -> Vec<Request> {
        let mut out = Vec::new();
        let journey = self.journey().map(|j| j.id.as_str());
        for period in [self.period.prev(), self.period.next()] {
            match self.pane {
                Pane::Churn => {
                    self.churn
                        .needs(self.catalogue.range, journey, period, self.segment_id(), &mut out)
                }
                Pane::Tiers => self.tiers.needs(self.catalogue.range, period, &mut out),
                _ => {}
            }
        }
        self.churn.needs(
            self.catalogue.range,
            journey,
            self.period,
            self.segment_id(),
            &mut out,
        );
        out.extend(super::triage::queue_request(self));
        self.tiers.needs(self.catalogue.range, self.period, &mut out);
        out.retain(|r| !self.failed.contains_key(r));
        out.dedup();
        out
    }

    /// Puts an answer in place; a failure is kept with its reason for the pane to show.
    pub fn receive(&mut self, request: Request, answer: std::result::Result<Loaded, String>) {
        let loaded = match answer {
            Ok(loaded) => loaded,
            Err(reason) => {
                self.failed.insert(request, reason);
                return;
            }
        };
        self.failed.remove(&request);
        match (request, loaded) {
            (Request::Journey { .. }, Loaded::Journey(data)) => {
                self.cursors = vec![0; Pane::count(data.phases.len())];
                self.data = data;
                // Enter on an action of another journey opens its phase now.
                super::actions::journey_loaded(self);
            }
            (Request::Series { journey, segment }, Loaded::Series(series))
                if self.data.journey == journey =>
            {
                self.data.series = series;
                self.data.segment = segment;
            }
            (Request::ChurnMonths { journey }, Loaded::ChurnMonths(months)) => {
                self.churn.receive_months(journey, months)
            }
            (
                Request::ChurnEvents {
                    journey,
                    period,
                    segment,
                },
                Loaded::ChurnEvents(events),
            ) => {
                let shown = (self.period, self.segment_id().to_string());
                self.churn
                    .receive_events(journey, (period, segment), events, (shown.0, &shown.1))
            }
            (Request::TierLadder, Loaded::TierLadder(ladder)) => self.tiers.receive_ladder(ladder),
            (Request::TierMonth { period }, Loaded::TierMonth(month)) => {
                self.tiers.receive_month(period, month, self.period)
            }
            (Request::QueuePage { key, version, .. }, Loaded::QueuePage(page)) => {
                super::triage::receive_page(self, key, version, *page)
            }
            (Request::Actions { query, version }, Loaded::Actions(page)) => {
                super::actions::receive(self, query, version, page)
            }
            (Request::AccountNames { prefix }, Loaded::AccountNames(names)) => {
                self.command.names = Some((prefix, names));
            }
            (Request::Account { id, version }, Loaded::Account(view)) => {
                super::triage::receive_account(self, &id, version, view.map(|v| *v))
            }
            (
                Request::Review {
                    journey,
                    period,
                    version,
                },
                Loaded::Review(doc, ids),
            ) => super::review::receive(self, &journey, period, version, *doc, ids),
            (Request::Power { journey }, Loaded::Power(power)) => self.insight.receive_power(journey, power),
            (
                Request::Touchpoints {
                    phase_id,
                    period,
                    segment,
                },
                Loaded::Touchpoints(rows),
            ) => self
                .insight
                .receive_touchpoints((phase_id, period, segment), rows),
            (
                Request::Said {
                    phase_id,
                    touchpoint,
                    period,
                },
                Loaded::Said(said),
            ) => self.insight.receive_said((phase_id, touchpoint, period), said),
            // An answer of another kind than its request: nothing to put anywhere.
            _ => {}
        }
    }

    /// Why a request failed, if it did.
    pub fn failure(&self, request: &Request) -> Option<&str> {
        self.failed.get(request).map(String::as_str)
    }

    /// The line a pane shows in place of data it does not hold yet: what is being read, with
    /// a spinner, or why it could not be read and what to do.
    pub fn waiting_line(&self, request: &Request) -> String {
        match self.failure(request) {
            Some(reason) => format!(
                "x could not read {} ({}): C-l tries again; `cxcockpit check` looks for the cause",
                request.describe().trim_start_matches("loading "),
                super::text::clean(reason)
            ),
            None => {
                const SPINNER: [char; 4] = ['|', '/', '-', '\\'];
                format!("{} {}...", SPINNER[self.tick % SPINNER.len()], request.describe())
            }
        }
    }

    pub fn journey(&self) -> Option<&Journey> {
        self.catalogue.journeys.get(self.journey)
    }

    pub fn segment_id(&self) -> &str {
        self.catalogue
            .segments
            .get(self.segment)
            .map_or("all", String::as_str)
    }

    pub fn phase(&self) -> Option<&Phase> {
        match self.pane {
            Pane::Phase(i) => self.data.phases.get(i),
            _ => None,
        }
    }

    pub fn input_mode(&self) -> InputMode {
        if self.help {
            InputMode::Help
        } else if self.command.input.is_some() {
            InputMode::Command
        } else if self.filtering {
            InputMode::Filter
        } else if self.triage.prompt.is_some() || self.actions.prompt.is_some() {
            InputMode::Prompt
        } else if self.review.as_ref().is_some_and(|r| r.editor.is_some()) {
            InputMode::Editor
        } else {
            InputMode::Normal
        }
    }

    /// The selected row of the pane shown, kept within its rows.
    pub fn cursor(&self) -> usize {
        let rows = self.rows();
        let at = self
            .cursors
            .get(self.pane.tab(self.data.phases.len()))
            .copied()
            .unwrap_or(0);
        at.min(rows.saturating_sub(1))
    }

    /// The selected row of `pane`: as `cursor` for the pane shown; as it was left for another.
    pub fn cursor_of(&self, pane: Pane) -> usize {
        if pane == self.pane {
            return self.cursor();
        }
        self.cursors
            .get(pane.tab(self.data.phases.len()))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn set_cursor(&mut self, row: usize) {
        let i = self.pane.tab(self.data.phases.len());
        if self.cursors.len() <= i {
            self.cursors.resize(i + 1, 0);
        }
        self.cursors[i] = row.min(self.rows().saturating_sub(1));
    }

    /// The metrics a phase pane lists, in its order: indicators, then success metrics.
    pub fn phase_metrics(&self, phase: &Phase) -> Vec<&Metric> {
        let matching = |kind| {
            self.data
                .phase_metrics(phase.id)
                .filter(move |m| m.kind == kind && super::view::matches(m, &self.filter))
        };
        matching(MetricKind::Indicator)
            .chain(matching(MetricKind::Success))
            .collect()
    }

    /// How many rows the pane shown has to select from.
    pub fn rows(&self) -> usize {
        match self.pane {
            Pane::Overview => self.data.phases.len(),
            Pane::Phase(_) => self.phase().map_or(0, |p| self.phase_metrics(p).len()),
            Pane::Churn => self
                .churn
                .events(self.period, self.segment_id())
                .map_or(0, |e| e.accounts.len()),
            Pane::Tiers => self.tiers.month(self.period).map_or(0, |m| m.watch.len()),
            Pane::Triage if self.triage.loaded => self.triage.page.matching,
            Pane::Triage => 0,
            Pane::Actions => super::actions::rows(self),
        }
    }

    /// The churned account selected in the churn pane.
    pub fn selected_churned(&self) -> Option<&ChurnedAccount> {
        if self.pane != Pane::Churn {
            return None;
        }
        self.churn
            .events(self.period, self.segment_id())?
            .accounts
            .get(self.cursor())
    }

    /// The account selected in the tiers pane's watch list.
    pub fn selected_tier_account(&self) -> Option<&TierAccount> {
        if self.pane != Pane::Tiers {
            return None;
        }
        let month = self.tiers.month(self.period)?;
        let (_, i) = month.watch.get(self.cursor())?;
        month.accounts.get(*i)
    }

    /// The metric selected in a phase pane.
    pub fn selected_metric(&self) -> Option<&Metric> {
        let phase = self.phase()?;
        self.phase_metrics(phase).get(self.cursor()).copied()
    }

    /// Opens `pane` from the one shown (Enter on the overview's phase), remembering where it
    /// came from for Esc to return to.
    pub fn enter(&mut self, pane: Pane) -> Outcome {
        let from = self.pane;
        let outcome = self.goto(pane);
        if from != self.pane {
            self.came_from.push(from);
            if self.came_from.len() > CAME_FROM {
                self.came_from.remove(0);
            }
        }
        outcome
    }

    /// Shows `pane` beside the one shown (Tab, a digit, `:pane`): a move across, not into, so
    /// Esc has nothing to return to.
    pub fn go(&mut self, pane: Pane) -> Outcome {
        let outcome = self.goto(pane);
        if outcome != Outcome::Ignored {
            self.came_from.clear();
        }
        outcome
    }

    fn goto(&mut self, pane: Pane) -> Outcome {
        if pane == self.pane && !self.detail {
            return Outcome::Ignored;
        }
        self.pane = pane;
        self.detail = false;
        self.definitions = false;
        Outcome::Continue
    }

    /// Shows another journey from its overview; the panes remembered were the other's.
    pub fn switch_journey(&mut self, journey: usize) {
        self.journey = journey;
        self.pane = Pane::Overview;
        self.detail = false;
        self.came_from.clear();
    }

    /// Esc with nothing open: back to the pane this one was opened from; elsewhere it stays
    /// (Esc never quits) and the footer says how to leave.
    fn back_to_previous_pane(&mut self) -> Outcome {
        let phases = self.data.phases.len();
        while let Some(pane) = self.came_from.pop() {
            let exists = match pane {
                Pane::Phase(i) => i < phases,
                _ => true,
            };
            if exists && pane != self.pane {
                return self.goto(pane);
            }
        }
        self.notice = Some("Esc backs out; q or C-c quits".into());
        Outcome::Continue
    }

    /// Carries out one action on the state in memory.
    pub fn update(&mut self, action: Action) -> Outcome {
        // A notice lasts until the next key.
        let had_notice = self.notice.take().is_some();
        let outcome = match action {
            // The command line and copying work over any pane, view or overlay.
            Action::Command(key) if !self.help => super::command_line::key(self, key),
            Action::CopyId | Action::CopyRow if !self.help => super::clipboard::copy(self, action),
            _ => self.carry_out(action),
        };
        let outcome = match outcome {
            Outcome::Ignored if had_notice => Outcome::Continue,
            other => other,
        };
        // The phase panes' review views belong to the phase panes.
        if !matches!(self.pane, Pane::Phase(_)) {
            self.insight.view = None;
        }
        // The name search is typed here, not in the triage module: its rows follow it.
        if self.pane == Pane::Triage && self.triage.searched != self.filter {
            super::triage::query_changed(self);
        }
        outcome
    }

    fn carry_out(&mut self, action: Action) -> Outcome {
        // First: its prompt takes every key, and `A` reads the review's phase before the
        // review takes the key.
        if let Some(outcome) = super::actions::intercept(self, action) {
            return outcome;
        }
        if let Some(outcome) = super::review::intercept(self, action) {
            return outcome;
        }
        if let Some(outcome) = super::triage::intercept(self, action) {
            return outcome;
        }
        if let Some(outcome) = super::insight::intercept(self, action) {
            return outcome;
        }
        if let Some(outcome) = super::churn::intercept(self, action) {
            return outcome;
        }
        if let Some(outcome) = super::tiers::intercept(self, action) {
            return outcome;
        }
        let phases = self.data.phases.len();
        match action {
            Action::Quit => Outcome::Quit,
            Action::Back => {
                if self.help {
                    self.help = false;
                } else if self.definitions {
                    self.definitions = false;
                } else if self.filtering {
                    return self.carry_out(Action::FilterCancel);
                } else if self.detail {
                    self.detail = false;
                } else if !self.filter.is_empty() {
                    self.filter.clear();
                } else if self.zoom {
                    self.zoom = false;
                } else {
                    return self.back_to_previous_pane();
                }
                Outcome::Continue
            }
            Action::Help => {
                self.help = !self.help;
                Outcome::Continue
            }
            Action::NextPane => self.go(self.pane.next(phases)),
            Action::PrevPane => self.go(self.pane.prev(phases)),
            Action::GotoPane(n) => match Pane::from_index(n.saturating_sub(1), phases) {
                Some(pane) if n >= 1 => self.go(pane),
                _ => Outcome::Ignored,
            },
            Action::Up => self.step_cursor(-1),
            Action::Down => self.step_cursor(1),
            Action::PageUp => self.step_cursor(-(PAGE as isize)),
            Action::PageDown => self.step_cursor(PAGE as isize),
            Action::First => self.step_cursor(isize::MIN / 2),
            Action::Last => self.step_cursor(isize::MAX / 2),
            Action::Open => match self.pane {
                Pane::Overview if phases > 0 => self.enter(Pane::Phase(self.cursor())),
                Pane::Phase(_) if self.selected_metric().is_some() && !self.detail => {
                    self.detail = true;
                    Outcome::Continue
                }
                _ => Outcome::Ignored,
            },
            Action::Definitions => match self.pane {
                Pane::Churn | Pane::Tiers | Pane::Overview | Pane::Phase(_) => {
                    self.definitions = !self.definitions;
                    self.detail = false;
                    Outcome::Continue
                }
                _ => Outcome::Ignored,
            },
            Action::PrevMonth => self.step_month(-1),
            Action::NextMonth => self.step_month(1),
            Action::NextSegment | Action::PrevSegment => {
                let count = self.catalogue.segments.len();
                if count < 2 {
                    return Outcome::Ignored;
                }
                self.segment = if action == Action::NextSegment {
                    (self.segment + 1) % count
                } else {
                    (self.segment + count - 1) % count
                };
                Outcome::LoadSegment
            }
            Action::NextJourney => {
                let count = self.catalogue.journeys.len();
                if count < 2 {
                    return Outcome::Ignored;
                }
                self.switch_journey((self.journey + 1) % count);
                Outcome::LoadJourney
            }
            Action::StartFilter => {
                self.filtering = true;
                Outcome::Continue
            }
            Action::FilterChar(c) => {
                if !c.is_control() {
                    self.filter.push(c);
                }
                Outcome::Continue
            }
            Action::FilterBackspace => {
                self.filter.pop();
                Outcome::Continue
            }
            Action::FilterAccept => {
                self.filtering = false;
                Outcome::Continue
            }
            Action::FilterCancel => {
                self.filtering = false;
                self.filter.clear();
                Outcome::Continue
            }
            Action::Zoom => {
                self.zoom = !self.zoom;
                Outcome::Continue
            }
            Action::Redraw => {
                // C-l also tries again what could not be read.
                self.failed.clear();
                Outcome::Continue
            }
            // Handled by `triage::intercept` (and `v` by `churn::intercept`) where they apply.
            Action::Triage(_)
            | Action::PromptChar(_)
            | Action::PromptBackspace
            | Action::PromptAccept
            | Action::PromptCancel => Outcome::Ignored,
            // Handled by `review::intercept`.
            Action::Review(_) => Outcome::Ignored,
            // Handled by `insight::intercept`.
            Action::Insight(_) => Outcome::Ignored,
            // Handled by `actions::intercept`.
            Action::Actions(_) => Outcome::Ignored,
            // Handled in `update`, before the panes' intercepts.
            Action::Command(_) | Action::CopyId | Action::CopyRow => Outcome::Ignored,
        }
    }

    fn step_cursor(&mut self, by: isize) -> Outcome {
        let before = self.cursor();
        let after = before
            .saturating_add_signed(by)
            .min(self.rows().saturating_sub(1));
        if after == before {
            return Outcome::Ignored;
        }
        self.set_cursor(after);
        Outcome::Continue
    }

    fn step_month(&mut self, by: i32) -> Outcome {
        let next = self.period.offset(by);
        let inside = self
            .catalogue
            .range
            .is_some_and(|(first, last)| first <= next && next <= last);
        if !inside {
            return Outcome::Ignored;
        }
        self.period = next;
        Outcome::Continue
    }
}

/// Carries out an action and reads, inline, what the screen then needs (for `snapshot` and
/// the tests; the cockpit reads on its loader instead).
pub fn apply(app: &mut App, store: &Store, action: Action) -> Result<Outcome> {
    let outcome = app.update(action);
    load::load_inline(app, store)?;
    Ok(outcome)
}
