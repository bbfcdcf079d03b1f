//! What the cockpit reads from the store, as requests named by everything the answer depends
//! on. `App::needs` says what the screen shown lacks, `load` reads one request (on the loader's
//! thread in the cockpit, inline for `snapshot` and the tests), and `App::receive` puts the
//! answer in place. A request is its own key: an answer whose request is no longer asked for is
//! stale and dropped, and a failed one is kept with its reason so the pane can say why.

use super::account::AccountView;
use super::churn::{ChurnEvents, ChurnMonths};
use super::data::{Dataset, Series};
use super::insight::{self, JourneyPower, PhaseTouchpoints, Said};
use super::tiers::{self, TierMonth};
use super::triage::{PageKey, QueueAnswer};
use crate::domain::Period;
use crate::domain::tiers::TierRule;
use crate::error::Result;
use crate::report::ReviewDoc;
use crate::store::Store;
use crate::store::actions::{ActionPage, ListQuery};

/// One read of the store. `version` fields name the state of the shared triage and review data
/// (`App::version`): after a write, or another cockpit's, the same read with a newer version is
/// a new request, and the answer of the older one is stale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// A journey's phases and metrics, with their values in a segment.
    Journey { journey: String, segment: String },
    /// The values of the journey's metrics in another segment.
    Series { journey: String, segment: String },
    /// Every segment's monthly churn and retention, and the cohorts, of a journey's accounts
    /// (None: every journey's).
    ChurnMonths { journey: Option<String> },
    /// One month's churned accounts, by phase, cause and tier, in a segment of a journey.
    ChurnEvents {
        journey: Option<String>,
        period: Period,
        segment: String,
    },
    /// The loyalty ladder.
    TierLadder,
    /// One month's tier members and watch list.
    TierMonth { period: Period },
    /// A page of the triage queue (HVC accounts, or every active account, in an order, filtered
    /// and searched): `PAGE_ROWS` rows from `offset` on.
    QueuePage {
        key: PageKey,
        offset: usize,
        version: u64,
    },
    /// One account's view.
    Account { id: String, version: u64 },
    /// The follow-through actions an owner and status keep (the actions pane).
    Actions { query: ListQuery, version: u64 },
    /// One month's review of a journey.
    Review {
        journey: String,
        period: Period,
        version: u64,
    },
    /// The predictive power of a journey's indicators.
    Power { journey: String },
    /// A phase's touchpoints in a month, and the priority service of its tickets (HVC,
    /// regular, loyalty tiers).
    /// Counting the tickets and answers of one segment's accounts (`ServiceSegment`).
    Touchpoints {
        phase_id: i64,
        period: Period,
        segment: String,
    },
    /// Accounts whose name or id starts with what `:account` has been given (lower case).
    AccountNames { prefix: String },
    /// What customers say in a phase (one touchpoint or all), over the months to `period`.
    Said {
        phase_id: i64,
        touchpoint: Option<String>,
        period: Period,
    },
}

impl Request {
    /// What the pane says while the request is read: "loading churn events for 2026-09".
    pub fn describe(&self) -> String {
        match self {
            Request::Journey { journey, .. } => format!("loading journey {journey}"),
            Request::Series { segment, .. } => format!("loading the figures of segment {segment}"),
            Request::ChurnMonths { .. } => "loading churn and retention".into(),
            Request::ChurnEvents { period, .. } => format!("loading churn events for {period}"),
            Request::TierLadder => "loading the loyalty ladder".into(),
            Request::TierMonth { period } => format!("loading loyalty tiers for {period}"),
            Request::QueuePage { key, .. } if !key.all => "loading the HVC queue".into(),
            Request::QueuePage { .. } => "loading every active account".into(),
            Request::Account { id, .. } => format!("loading account {id}"),
            Request::Actions { .. } => "loading the actions".into(),
            Request::Review { period, .. } => format!("loading the review of {period}"),
            Request::Power { .. } => "loading the predictive power of the indicators".into(),
            Request::Touchpoints { period, .. } => format!("loading touchpoints for {period}"),
            Request::Said { period, .. } => format!("loading comments to {period}"),
            Request::AccountNames { .. } => "finding accounts by name".into(),
        }
    }
}

/// The answer to a request.
#[derive(Debug)]
pub enum Loaded {
    Journey(Dataset),
    Series(Series),
    ChurnMonths(ChurnMonths),
    ChurnEvents(ChurnEvents),
    TierLadder(Vec<TierRule>),
    TierMonth(TierMonth),
    /// A page of the queue, the score's backtest, its accounts' open actions, and how many
    /// milliseconds reading it took.
    QueuePage(Box<QueueAnswer>),
    Actions(ActionPage),
    /// None: no such account.
    Account(Option<Box<AccountView>>),
    /// The review and the store's phase id of each of its phases.
    Review(Box<ReviewDoc>, Vec<i64>),
    Power(JourneyPower),
    Touchpoints(PhaseTouchpoints),
    Said(Said),
    /// (name, id) of the accounts found, by name.
    AccountNames(Vec<(String, String)>),
}

/// Reads one request. `range` is the store's first and last month (`Catalogue::range`).
pub fn load(store: &Store, range: Option<(Period, Period)>, request: &Request) -> Result<Loaded> {
    Ok(match request {
        Request::Journey { journey, segment } => Loaded::Journey(Dataset::load(store, journey, segment)?),
        Request::Series { journey, segment } => Loaded::Series(store.series(journey, segment)?),
        Request::ChurnMonths { journey } => {
            Loaded::ChurnMonths(ChurnMonths::load(store, range, journey.as_deref())?)
        }
        Request::ChurnEvents {
            journey,
            period,
            segment,
        } => Loaded::ChurnEvents(ChurnEvents::load(store, journey.as_deref(), *period, segment)?),
        Request::TierLadder => Loaded::TierLadder(tiers::ladder(store)?),
        Request::TierMonth { period } => {
            let ladder = tiers::ladder(store)?;
            let has_previous = range.is_some_and(|(first, _)| *period > first);
            Loaded::TierMonth(tiers::load_month(store, &ladder, *period, has_previous)?)
        }
        Request::QueuePage { key, offset, .. } => {
            Loaded::QueuePage(Box::new(super::triage::load_page(store, key, *offset)?))
        }
        Request::Actions { query, .. } => Loaded::Actions(super::actions::load(store, query)?),
        Request::Account { id, .. } => Loaded::Account(AccountView::load(store, id, range)?.map(Box::new)),
        Request::Review { journey, period, .. } => {
            let doc = ReviewDoc::build(store, journey, *period)?;
            let phases = store.phases(journey)?;
            let ids = doc
                .phases
                .iter()
                .map(|d| phases.iter().find(|p| p.key == d.key).map_or(-1, |p| p.id))
                .collect();
            Loaded::Review(Box::new(doc), ids)
        }
        Request::Power { journey } => Loaded::Power(insight::load_power(store, journey, range)?),
        Request::Touchpoints {
            phase_id,
            period,
            segment,
        } => Loaded::Touchpoints(insight::load_touchpoints(store, *phase_id, *period, segment)?),
        Request::AccountNames { prefix } => {
            Loaded::AccountNames(store.account_names(prefix, super::command_line::NAMES_READ)?)
        }
        Request::Said {
            phase_id,
            touchpoint,
            period,
        } => Loaded::Said(insight::load_said(
            store,
            *phase_id,
            touchpoint.as_deref(),
            *period,
        )?),
    })
}

/// Rounds of `needs` and `receive` an inline load goes through at most: an answer can reveal
/// more to read (a journey's phases, then a phase's touchpoints), never without end.
const INLINE_ROUNDS: usize = 8;

/// Reads, on this thread, everything the screen shown needs, as `snapshot` and the tests do.
/// A failure is kept in the app as the cockpit keeps it (the pane says why), and the first one
/// is returned.
pub fn load_inline(app: &mut super::App, store: &Store) -> Result<()> {
    let mut first_error = None;
    for _ in 0..INLINE_ROUNDS {
        let needs = app.needs();
        if needs.is_empty() {
            break;
        }
        for request in needs {
            match load(store, app.catalogue.range, &request) {
                Ok(answer) => app.receive(request, Ok(answer)),
                Err(error) => {
                    app.receive(request, Err(error.to_string()));
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use rusqlite::trace::{TraceEvent, TraceEventCodes};

    use super::*;
    use crate::store::actions::ActionStatus;
    use crate::ui::triage::{PageKey, SortKey};

    /// Tables with rows per account (or per account and month): a pane read may look rows of
    /// them up, never walk all of them. The triage queue's count walks `triage_rank`, one narrow
    /// row per active account, by design (its filters are typed freely).
    const PER_ACCOUNT: &[&str] = &[
        "account",
        "account_month",
        "account_signal",
        "account_tier",
        "churn_event",
        "churned_account",
        "invoice",
        "subscription",
        "survey_response",
        "ticket",
        "tier_watch",
        "triage_note",
        "usage_month",
    ];

    /// Every statement a request runs, as it was prepared (with its parameters unbound: the
    /// plan SQLite runs, not one for the values of one call).
    fn statements(store: &mut Store, range: Option<(Period, Period)>, request: &Request) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        store
            .conn_mut()
            .trace_v2(
                TraceEventCodes::SQLITE_TRACE_PROFILE,
                Some(move |event: TraceEvent<'_>| {
                    if let TraceEvent::Profile(stmt, _) = event
                        && let Ok(mut seen) = sink.lock()
                    {
                        seen.push(stmt.sql().into_owned());
                    }
                }),
            )
            .unwrap();
        load(store, range, request).unwrap();
        store
            .conn_mut()
            .trace_v2(TraceEventCodes::SQLITE_TRACE_PROFILE, None::<fn(TraceEvent<'_>)>)
            .unwrap();
        seen.lock().unwrap().clone()
    }

    /// Tables with a row per account and month: a search of one month (`period=?` without an
    /// account) reads every account's row of it.
    const PER_ACCOUNT_MONTH: &[&str] = &["account_month", "account_signal", "account_tier"];

    /// The steps of a statement's plan that walk every account's rows: a scan of a per-account
    /// table, or a search of one month of a per-account-month table.
    fn full_scans(store: &Store, sql: &str) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        // Parameters left unbound (NULL): the plan does not depend on them.
        let mut rows = stmt.raw_query();
        let mut details: Vec<String> = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            details.push(row.get(3).unwrap());
        }
        let table = |d: &str, step: &str| -> Option<String> {
            d.strip_prefix(step)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_string)
        };
        details
            .into_iter()
            .filter(|d| {
                table(d, "SCAN ").is_some_and(|t| PER_ACCOUNT.contains(&t.as_str()))
                    || table(d, "SEARCH ").is_some_and(|t| {
                        PER_ACCOUNT_MONTH.contains(&t.as_str()) && !d.contains("account_id=")
                    })
            })
            .collect()
    }

    #[test]
    fn the_plan_check_finds_a_walk_of_every_account() {
        let store = Store::open_in_memory().unwrap();
        for sql in [
            "SELECT count(*) FROM account_month WHERE period = '2026-05'",
            "SELECT sum(mrr) FROM subscription",
        ] {
            assert!(!full_scans(&store, sql).is_empty(), "{sql}");
        }
        let one = "SELECT mrr_end FROM account_month WHERE account_id = 'A1' AND period = '2026-05'";
        assert!(full_scans(&store, one).is_empty());
    }

    #[test]
    fn no_pane_read_walks_a_table_of_every_account() {
        let mut store = crate::demo::test_store();
        let range = store.period_range().unwrap();
        let (_, last) = range.unwrap();
        let account = store
            .triage_queue(false, false, "2026-07-01")
            .unwrap()
            .first()
            .map(|r| r.account_id.clone())
            .unwrap();
        let mut requests = vec![
            Request::ChurnMonths { journey: None },
            Request::ChurnMonths {
                journey: Some("cloud-security".into()),
            },
            Request::TierLadder,
            Request::TierMonth { period: last },
            Request::Journey {
                journey: "cloud-security".into(),
                segment: "all".into(),
            },
            Request::Review {
                journey: "cloud-security".into(),
                period: last,
                version: 0,
            },
            Request::Account {
                id: account,
                version: 0,
            },
        ];
        // The actions pane's list by every filter it has (the queue's pages below read their
        // accounts' open actions too).
        for status in [None, Some(ActionStatus::Open), Some(ActionStatus::Done)] {
            for owner in [None, Some("ana".to_string())] {
                requests.push(Request::Actions {
                    query: ListQuery {
                        owner: owner.clone(),
                        status,
                    },
                    version: 0,
                });
            }
        }
        for segment in ["all", "hvc", "size:large"] {
            requests.push(Request::ChurnEvents {
                journey: Some("cloud-security".into()),
                period: last.prev(),
                segment: segment.into(),
            });
        }
        for sort in [
            SortKey::Score,
            SortKey::MrrAtRisk,
            SortKey::Mrr,
            SortKey::Age,
            SortKey::Name,
        ] {
            for (all, filters, search) in [(false, "", ""), (true, "driver:sla mrr:500", "pt")] {
                requests.push(Request::QueuePage {
                    key: PageKey {
                        all,
                        sort,
                        filters: filters.into(),
                        search: search.into(),
                    },
                    offset: 50,
                    version: 0,
                });
            }
        }
        let mut checked = 0;
        for request in &requests {
            let run = statements(&mut store, range, request);
            assert!(!run.is_empty(), "{request:?} ran no statement");
            for sql in run {
                let head = sql.trim_start().to_ascii_uppercase();
                if !(head.starts_with("SELECT") || head.starts_with("WITH")) {
                    continue;
                }
                assert_eq!(
                    full_scans(&store, &sql),
                    Vec::<String>::new(),
                    "{request:?}:\n{sql}"
                );
                checked += 1;
            }
        }
        assert!(checked > 40, "{checked} statements checked");
    }
}
