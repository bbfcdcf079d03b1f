//! Round trips through the import: rows written as CSV (by the `csv` crate, as any export tool
//! would) and imported into a store come back as they were. Random accounts and subscriptions
//! with awkward text (commas, quotes, line breaks, semicolons, tabs, non-ASCII) by proptest; and
//! the tables of a generated demo store, exported and imported into a fresh store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "shared/derived.rs"]
mod derived;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use cxcockpit::demo::{self, DemoParams};
use cxcockpit::domain::period::Period;
use cxcockpit::domain::triage::Signal;
use cxcockpit::import::fields::DateOrder;
use cxcockpit::import::kinds::Kind;
use cxcockpit::import::{self, Options, Report};
use cxcockpit::store::Store;
use proptest::prelude::*;
use rusqlite::types::Value;

const ACCOUNT_COLUMNS: &str =
    "account_id, name, journey_id, industry, company_size, area, contact_role, owner, created_on";
const SUBSCRIPTION_COLUMNS: &str =
    "subscription_id, account_id, product, mrr, ordered_on, start_date, end_date";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn options() -> Options {
    Options {
        map: Vec::new(),
        dry_run: false,
        dates: DateOrder::Iso,
        defer_refresh: false,
    }
}

fn import(store: &mut Store, kind: Kind, path: &Path) -> Report {
    import::import(store, kind, path, &options())
        .unwrap_or_else(|e| panic!("import of {} refused: {e}", path.display()))
}

/// An empty store with the example journeys (the accounts' journey ids refer to them).
fn store_with_journeys() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, Kind::Journeys, &fixture("journeys.toml"));
    store
}

fn rows(store: &Store, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |row| (0..n).map(|i| row.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// A value as an export writes it: NULL as the empty field, a real number in the shortest form
/// that reads back as the same number.
fn field(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(_) => panic!("no blobs in the exported tables"),
    }
}

fn write_csv(path: &Path, header: &str, rows: &[Vec<String>]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(header.split(", ")).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
}

/// Imports `rows` as CSV, checks the report, then imports the same file again: no change.
fn import_rows(store: &mut Store, kind: Kind, header: &str, rows: &[Vec<String>], dir: &Path, name: &str) {
    let path = dir.join(name);
    write_csv(&path, header, rows);
    let report = import(store, kind, &path);
    assert_eq!(report.rows, rows.len() as u64, "{name}: {report:?}");
    assert_eq!(
        report.new,
        rows.len() as u64,
        "{name}: every row is new: {report:?}"
    );
    let again = import(store, kind, &path);
    assert_eq!(
        (again.new, again.changed, again.unchanged),
        (0, 0, rows.len() as u64),
        "{name}: a second import changes nothing"
    );
}

fn text(t: &str) -> Value {
    Value::Text(t.to_string())
}

fn opt_text(t: &Option<String>) -> Value {
    t.as_deref().map_or(Value::Null, text)
}

// ---------------------------------------------------------------------------------------------
// Random accounts and subscriptions
// ---------------------------------------------------------------------------------------------

/// Text as exports carry it: separators, quotes, line breaks, non-ASCII; never with leading or
/// trailing white space, which the import trims (a CSV field's padding is not data).
fn awkward_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9 ,;\"'\t\n\r|.éüßøİ漢字カナ🙂\u{200f}-]{{0,{max}}}"
    ))
    .unwrap()
    .prop_filter("no padding", |s| s.trim() == s.as_str())
}

fn key_text() -> impl Strategy<Value = String> {
    awkward_text(10).prop_filter("not empty", |s| !s.is_empty())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..12_000).prop_map(|days| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days))
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone)]
struct Account {
    name: String,
    journey_id: Option<&'static str>,
    industry: String,
    /// As the file writes it, in any case; stored in lower case.
    company_size: String,
    area: String,
    contact_role: String,
    owner: Option<String>,
    created_on: Option<NaiveDate>,
}

fn account() -> impl Strategy<Value = Account> {
    (
        awkward_text(24),
        prop::option::of(prop::sample::select(vec!["sme-broadband", "cloud-security"])),
        awkward_text(8),
        prop::sample::select(vec!["micro", "Small", "MEDIUM", "large", "unknown"]),
        awkward_text(8),
        awkward_text(8),
        prop::option::of(key_text()),
        prop::option::of(date()),
    )
        .prop_map(
            |(name, journey_id, industry, size, area, contact_role, owner, created_on)| Account {
                name,
                journey_id,
                industry,
                company_size: size.to_string(),
                area,
                contact_role,
                owner,
                created_on,
            },
        )
}

#[derive(Debug, Clone)]
struct Subscription {
    /// Which generated account, modulo their number.
    account: usize,
    product: String,
    mrr_cents: u64,
    /// Days before the start the order was placed.
    ordered_before: Option<i64>,
    start: NaiveDate,
    /// Days after the start it ended.
    ends_after: Option<i64>,
}

fn subscription() -> impl Strategy<Value = Subscription> {
    (
        any::<usize>(),
        awkward_text(16),
        0u64..100_000_000,
        prop::option::of(0i64..90),
        date(),
        prop::option::of(1i64..2_000),
    )
        .prop_map(
            |(account, product, mrr_cents, ordered_before, start, ends_after)| Subscription {
                account,
                product,
                mrr_cents,
                ordered_before,
                start,
                ends_after,
            },
        )
}

/// MRR with cents, as a billing export writes it.
fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_accounts_and_subscriptions_come_back_as_written(
        accounts in prop::collection::btree_map(key_text(), account(), 1..12),
        subscriptions in prop::collection::btree_map(key_text(), subscription(), 0..24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_journeys();

        let account_rows: Vec<Vec<String>> = accounts
            .iter()
            .map(|(id, a)| {
                vec![
                    id.clone(),
                    a.name.clone(),
                    a.journey_id.unwrap_or_default().to_string(),
                    a.industry.clone(),
                    a.company_size.clone(),
                    a.area.clone(),
                    a.contact_role.clone(),
                    a.owner.clone().unwrap_or_default(),
                    a.created_on.map(iso).unwrap_or_default(),
                ]
            })
            .collect();
        import_rows(&mut store, Kind::Accounts, ACCOUNT_COLUMNS, &account_rows, dir.path(), "accounts.csv");

        let ids: Vec<&String> = accounts.keys().collect();
        let subscription_rows: Vec<Vec<String>> = subscriptions
            .iter()
            .map(|(id, s)| {
                vec![
                    id.clone(),
                    ids[s.account % ids.len()].clone(),
                    s.product.clone(),
                    money(s.mrr_cents),
                    s.ordered_before.map(|d| iso(s.start - Duration::days(d))).unwrap_or_default(),
                    iso(s.start),
                    s.ends_after.map(|d| iso(s.start + Duration::days(d))).unwrap_or_default(),
                ]
            })
            .collect();
        import_rows(
            &mut store,
            Kind::Subscriptions,
            SUBSCRIPTION_COLUMNS,
            &subscription_rows,
            dir.path(),
            "subscriptions.csv",
        );

        // The store, sorted by key as the generated maps are (both compare bytes).
        let expected_accounts: Vec<Vec<Value>> = accounts
            .iter()
            .map(|(id, a)| {
                vec![
                    text(id),
                    text(&a.name),
                    a.journey_id.map_or(Value::Null, text),
                    text(&a.industry),
                    text(&a.company_size.to_lowercase()),
                    text(&a.area),
                    text(&a.contact_role),
                    opt_text(&a.owner),
                    a.created_on.map_or(Value::Null, |d| text(&iso(d))),
                ]
            })
            .collect();
        prop_assert_eq!(
            rows(&store, &format!("SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY account_id")),
            expected_accounts
        );
        let expected_subscriptions: Vec<Vec<Value>> = subscription_rows
            .iter()
            .zip(subscriptions.values())
            .map(|(row, s)| {
                vec![
                    text(&row[0]),
                    text(&row[1]),
                    text(&s.product),
                    Value::Real(row[3].parse::<f64>().unwrap()),
                    if row[4].is_empty() { Value::Null } else { text(&row[4]) },
                    text(&row[5]),
                    if row[6].is_empty() { Value::Null } else { text(&row[6]) },
                ]
            })
            .collect();
        let stored = rows(&store, &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscription ORDER BY subscription_id"));
        prop_assert_eq!(stored, expected_subscriptions);
        // Cents survive: the stored MRR prints back as the file wrote it.
        for (row, s) in subscription_rows.iter().zip(subscriptions.values()) {
            let mrr: f64 = store
                .conn()
                .query_row("SELECT mrr FROM subscription WHERE subscription_id = ?1", [&row[0]], |r| r.get(0))
                .unwrap();
            prop_assert_eq!(format!("{mrr:.2}"), money(s.mrr_cents));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A demo store's tables, exported and imported into a fresh store
// ---------------------------------------------------------------------------------------------

fn demo_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let params = DemoParams {
        accounts: 100,
        months: 6,
        seed: 20_260_401,
        as_of: "2026-04".parse().unwrap(),
    };
    demo::generate(&mut store, &params).unwrap();
    store
}

/// A table exported as CSV: its rows as an export writes them.
fn export(store: &Store, columns: &str, table: &str, order: &str) -> (Vec<Vec<Value>>, Vec<Vec<String>>) {
    let values = rows(store, &format!("SELECT {columns} FROM {table} ORDER BY {order}"));
    let fields = values.iter().map(|row| row.iter().map(field).collect()).collect();
    (values, fields)
}

#[test]
fn demo_tables_exported_as_csv_import_into_a_fresh_store_as_the_same_rows() {
    let source = demo_store();
    let dir = tempfile::tempdir().unwrap();
    let mut target = store_with_journeys();

    // Each table: its columns, the kind that imports it, and its natural order.
    let tables: [(&str, &str, Kind, &str); 4] = [
        ("account", ACCOUNT_COLUMNS, Kind::Accounts, "account_id"),
        (
            "subscription",
            SUBSCRIPTION_COLUMNS,
            Kind::Subscriptions,
            "subscription_id",
        ),
        (
            "invoice",
            "invoice_id, account_id, issued_on, due_on, paid_on, amount",
            Kind::Invoices,
            "invoice_id",
        ),
        (
            "usage_month",
            "account_id, period, downtime_hours, usage_index",
            Kind::Usage,
            "account_id, period",
        ),
    ];
    let mut sizes = BTreeMap::new();
    for (table, columns, kind, order) in tables {
        let (values, fields) = export(&source, columns, table, order);
        assert!(!values.is_empty(), "the demo has {table} rows");
        sizes.insert(table, values.len());
        import_rows(
            &mut target,
            kind,
            columns,
            &fields,
            dir.path(),
            &format!("{table}.csv"),
        );
        let imported = rows(
            &target,
            &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
        );
        assert_eq!(imported.len(), values.len(), "{table}: row count");
        for (got, want) in imported.iter().zip(&values) {
            assert_eq!(got, want, "{table}: a row differs");
        }
    }
    assert_eq!(sizes["account"], 100);
    assert!(sizes["subscription"] >= 100, "{sizes:?}");
}

// ---------------------------------------------------------------------------------------------
// The refresh after an import does only what the import reached, and gives what a full one gives
// ---------------------------------------------------------------------------------------------

/// Every derived table, as text rounded to 9 significant places (sums over the same rows in the
/// same order are the same; the rounding only keeps the comparison readable).
fn derived(store: &Store) -> BTreeMap<&'static str, Vec<String>> {
    let tables = derived::DERIVED;
    tables
        .into_iter()
        .map(|(name, sql)| {
            let lines = rows(store, sql)
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| match v {
                            Value::Real(r) => format!("{r:.9e}"),
                            Value::Blob(b) => format!("{b:?}"),
                            other => field(other),
                        })
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            (name, lines)
        })
        .collect()
}

fn assert_same_as_full_refresh(store: &mut Store, what: &str) {
    assert!(
        store.pending().unwrap().is_empty(),
        "{what}: the import's refresh settled it"
    );
    let incremental = derived(store);
    store.refresh().unwrap();
    let full = derived(store);
    for (table, rows) in &full {
        let got = &incremental[table];
        let differ: Vec<_> = rows.iter().zip(got).filter(|(a, b)| a != b).take(3).collect();
        assert!(
            rows.len() == got.len() && differ.is_empty(),
            "{what}: {table} differs from a full refresh ({} rows, {} after the import): {differ:?}",
            rows.len(),
            got.len()
        );
    }
}

/// The demo store the refresh tests import into: 150 accounts, 2025-09 to 2026-06.
fn small_demo() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let params = DemoParams {
        accounts: 150,
        months: 10,
        seed: 11,
        as_of: "2026-06".parse().unwrap(),
    };
    demo::generate(&mut store, &params).unwrap();
    store
}

#[test]
fn after_each_kind_of_import_the_incremental_refresh_equals_a_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = small_demo();
    assert!(
        store.pending().unwrap().is_empty(),
        "the demo's full refresh settled its rows"
    );
    let accounts: Vec<(String, String)> = rows(
        &store,
        "SELECT a.account_id, a.journey_id FROM account a
         WHERE EXISTS (SELECT 1 FROM subscription s WHERE s.account_id = a.account_id AND s.end_date IS NULL)
         ORDER BY a.account_id LIMIT 12",
    )
    .iter()
    .map(|r| (field(&r[0]), field(&r[1])))
    .collect();
    let phase_of = |journey: &str| {
        if journey == "sme-broadband" {
            "get-support"
        } else {
            "operate-loyalty"
        }
    };
    let write = |name: &str, header: &str, lines: Vec<String>| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        path
    };
    let cases: Vec<(Kind, PathBuf)> = vec![
        (
            Kind::Surveys,
            write(
                "surveys.csv",
                "account_id,answered_at,survey,score,phase,comment",
                accounts
                    .iter()
                    .enumerate()
                    .map(|(i, (a, j))| {
                        let (survey, score) =
                            [("nps", i % 11), ("csat", 1 + i % 5), ("ces", 1 + i % 5)][i % 3];
                        format!(
                            "{a},2026-06-{:02}T10:00:00,{survey},{score},{},slow answer",
                            1 + i,
                            phase_of(j)
                        )
                    })
                    .collect(),
            ),
        ),
        (
            Kind::Tickets,
            write(
                "tickets.csv",
                "ticket_id,account_id,opened_at,first_response_at,resolved_at,severity,channel,phase",
                accounts
                    .iter()
                    .enumerate()
                    .map(|(i, (a, j))| {
                        format!(
                            "inc-t{i},{a},2026-05-{:02}T08:00:00,2026-05-{:02}T20:00:00,,critical,website,{}",
                            10 + i,
                            10 + i,
                            phase_of(j)
                        )
                    })
                    .collect(),
            ),
        ),
        (
            Kind::Invoices,
            write(
                "invoices.csv",
                "invoice_id,account_id,issued_on,due_on,paid_on,amount",
                accounts
                    .iter()
                    .map(|(a, _)| format!("inc-i-{a},{a},2026-05-01,2026-05-15,,500"))
                    .collect(),
            ),
        ),
        (
            Kind::Usage,
            write(
                "usage.csv",
                "account_id,period,downtime_hours,usage_index",
                accounts
                    .iter()
                    .map(|(a, _)| format!("{a},2026-06,30,40"))
                    .collect(),
            ),
        ),
        (
            Kind::Subscriptions,
            write(
                "subscriptions.csv",
                "subscription_id,account_id,product,mrr,start_date,end_date",
                accounts
                    .iter()
                    .enumerate()
                    .map(|(i, (a, _))| format!("inc-s{i},{a},Add-on,{},2026-04-01,", 50 + 400 * (i % 3)))
                    .collect(),
            ),
        ),
        (
            Kind::ChurnEvents,
            write(
                "churn-events.csv",
                "account_id,churned_on,root_cause,phase,reason,mrr_lost",
                accounts
                    .iter()
                    .take(3)
                    .map(|(a, j)| format!("{a},2026-06-20,price,{},Price not competitive,100", phase_of(j)))
                    .collect(),
            ),
        ),
    ];
    for (kind, path) in cases {
        let report = import(&mut store, kind, &path);
        assert!(report.new + report.changed > 0, "{kind:?}: {report:?}");
        let derived = report
            .refresh
            .and_then(|r| r.derived)
            .expect("tiers and signals refreshed");
        if kind != Kind::Subscriptions {
            // Only the touched accounts' tiers are evaluated again (a full evaluation of the
            // months from 2026-05 writes a row for most of the 150 accounts in each month).
            assert!(
                derived.tiers.rows <= (accounts.len() as u64) * derived.tiers.months,
                "{kind:?}: {} tier rows written for {} accounts over {} months",
                derived.tiers.rows,
                accounts.len(),
                derived.tiers.months
            );
        }
        assert_same_as_full_refresh(&mut store, &format!("{kind:?}"));
    }
    // A subscription that ends: an update, whose old and new rows both count.
    let ended = dir.path().join("ended.csv");
    std::fs::write(
        &ended,
        "subscription_id,account_id,product,mrr,start_date,end_date\ninc-s0,".to_string()
            + &accounts[0].0
            + ",Add-on,50,2026-04-01,2026-05-10\n",
    )
    .unwrap();
    assert_eq!(import(&mut store, Kind::Subscriptions, &ended).changed, 1);
    assert_same_as_full_refresh(&mut store, "an ended subscription");

    // A new name and owner (beyond ASCII: folded as Rust folds case): the queue searches,
    // filters and orders the account by them.
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(
        &renamed,
        format!(
            "account_id,name,owner\n{},Ærø Zebulon Ltd,Ōtani Ren\n",
            accounts[0].0
        ),
    )
    .unwrap();
    assert_eq!(import(&mut store, Kind::Accounts, &renamed).changed, 1);
    let keys = rows(
        &store,
        &format!(
            "SELECT name_key, search, owner_key FROM triage_rank WHERE account_id = '{}'",
            accounts[0].0
        ),
    );
    let lower_id = accounts[0].0.to_lowercase();
    assert_eq!(
        keys,
        [[
            Value::Text("ærø zebulon ltd".into()),
            Value::Text(format!("{lower_id}\nærø zebulon ltd")),
            Value::Text("ōtani ren".into())
        ]]
    );
    assert_same_as_full_refresh(&mut store, "a new name and owner");

    // A setting the refresh reads is pending until a refresh applies it (readers are told);
    // one it does not read, or the same value again, is not.
    let sources =
        |store: &Store| -> Vec<String> { store.pending().unwrap().into_iter().map(|p| p.source).collect() };
    store.set_setting("currency", "EUR").unwrap();
    store.set_setting("hvc_top_mrr_pct", "20").unwrap();
    assert_eq!(sources(&store), Vec::<String>::new());
    store.set_setting("hvc_top_mrr_pct", "15").unwrap();
    assert_eq!(sources(&store), ["settings"]);
    let before = derived(&store);
    // The next import's refresh applies it, whatever the import brought (here nothing new).
    assert_eq!(import(&mut store, Kind::Accounts, &renamed).changed, 0);
    assert_ne!(derived(&store), before, "a smaller HVC share changes the figures");
    assert_same_as_full_refresh(&mut store, "a setting");
    store
        .conn()
        .execute(
            "DELETE FROM setting WHERE key = 'sla_first_response_hours.low'",
            [],
        )
        .unwrap();
    assert_eq!(sources(&store), ["settings"]);
}

/// A tier lost in a month moves churn by tier of the months after it (each account counted under
/// the tier it held the month before), though the import reached one month: an overdue invoice
/// for accounts holding Gold or Platinum (which ask for none), on a ladder without grace.
#[test]
fn a_tier_lost_by_some_accounts_moves_churn_by_tier_of_the_months_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = small_demo();
    store
        .conn()
        .execute("UPDATE tier SET grace_months = 0", [])
        .unwrap();
    store.refresh().unwrap();
    let holders: Vec<String> = rows(
        &store,
        "SELECT t.account_id FROM account_tier t
         JOIN account_month m ON m.account_id = t.account_id AND m.period = '2026-05' AND m.mrr_start IS NOT NULL
         WHERE t.period = '2026-04' AND t.held_tier IN ('gold', 'platinum')
         ORDER BY t.account_id LIMIT 5",
    )
    .iter()
    .map(|r| field(&r[0]))
    .collect();
    assert!(!holders.is_empty(), "the demo has Gold and Platinum accounts");
    let churn_by_tier = |store: &Store| {
        rows(
            store,
            "SELECT * FROM churn_tier_month WHERE period = '2026-05' ORDER BY journey_id, segment, tier",
        )
    };
    let before = churn_by_tier(&store);
    let path = dir.path().join("overdue.csv");
    let lines: Vec<String> = holders
        .iter()
        .map(|a| format!("lost-{a},{a},2026-04-01,2026-04-10,,900"))
        .collect();
    std::fs::write(
        &path,
        format!(
            "invoice_id,account_id,issued_on,due_on,paid_on,amount\n{}\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    let report = import(&mut store, Kind::Invoices, &path);
    assert_eq!(report.new, holders.len() as u64);
    assert!(
        churn_by_tier(&store) != before,
        "2026-05's churn by tier counts the accounts under the tier they held after the import"
    );
    assert_same_as_full_refresh(&mut store, "a tier lost");
}

/// A day's subscriptions move the backtest's outcomes (who stayed), not the signals of the months
/// before them: those months' points are read back from `backtest_points`, not counted again.
/// Seen here by a month's stored points replaced by a marker before the import: the marker is
/// still there after it, and a full refresh counts the month again.
#[test]
fn the_backtest_reads_back_the_points_of_the_months_before_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = small_demo();
    let stored = |store: &Store| -> Vec<(String, Vec<u8>)> {
        rows(
            store,
            "SELECT period, tenths FROM backtest_points ORDER BY period",
        )
        .into_iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::Text(p), Value::Blob(b)) => (p.clone(), b.clone()),
            other => panic!("a backtest_points row: {other:?}"),
        })
        .collect()
    };
    let months: Vec<String> = stored(&store).into_iter().map(|(p, _)| p).collect();
    // Every month with 3 months after it: 2025-09 to 2026-03.
    assert_eq!(months.first().map(String::as_str), Some("2025-09"));
    assert_eq!(months.last().map(String::as_str), Some("2026-03"));
    let accounts = rows(&store, "SELECT count(*) FROM account")[0][0].clone();
    let Value::Integer(accounts) = accounts else {
        panic!("a count")
    };
    let marker: Vec<u8> = (0..accounts).flat_map(|_| 70i32.to_le_bytes()).collect();
    store
        .conn()
        .execute(
            "UPDATE backtest_points SET tenths = ?1 WHERE period = '2025-10'",
            [&marker],
        )
        .unwrap();
    let path = dir.path().join("subscriptions.csv");
    let account_ids = rows(
        &store,
        "SELECT account_id FROM account ORDER BY account_id LIMIT 4",
    );
    let lines: Vec<String> = account_ids
        .iter()
        .enumerate()
        .map(|(i, r)| format!("day-{i},{},Add-on,120,2026-04-01,", field(&r[0])))
        .collect();
    std::fs::write(
        &path,
        format!(
            "subscription_id,account_id,product,mrr,start_date,end_date\n{}\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    assert_eq!(import(&mut store, Kind::Subscriptions, &path).new, 4);
    // The refresh reached 2026-03 on (a start on a month's first day moves the month before's
    // end): the months before were read back, the marker with them.
    let after = stored(&store);
    assert_eq!(after.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(), months);
    assert!(
        after.iter().any(|(p, t)| p == "2025-10" && *t == marker),
        "2025-10's points were read back, not counted again"
    );
    store.refresh().unwrap();
    assert!(
        stored(&store).iter().any(|(p, t)| p == "2025-10" && *t != marker),
        "a full refresh counts every month again"
    );
}

/// A setting changed to another value that the store accepts: a month moved inward, a number
/// doubled (a window lengthened by one), a text replaced.
fn another_value(key: &str, value: &str) -> String {
    if let Ok(month) = value.parse::<Period>() {
        return if key == "as_of" {
            month.prev()
        } else {
            month.next()
        }
        .to_string();
    }
    if key.starts_with("triage_window_") {
        let len: u32 = value.parse().unwrap();
        return (len + 1).to_string();
    }
    match value.parse::<f64>() {
        Ok(0.0) => "1".to_string(),
        Ok(n) => (n * 2.0).to_string(),
        Err(_) => format!("{value}x"),
    }
}

/// The tie between the settings the refresh reads (in Rust) and those whose change the store
/// records as pending (the view `setting_read_by_refresh`, read by the setting triggers): each
/// setting the store holds, and each signal's window, is changed in turn; where a full refresh
/// then computes other figures, the change must have been recorded as pending, and every pattern
/// of the view must name a setting that does move figures. The weights are the one exception, as
/// their readers handle them: the queue and the backtest keep the weights they were computed with
/// and are computed again when those differ (`triage_rank.weights`, `triage_backtest.weights`).
#[test]
fn every_setting_that_moves_a_derived_figure_is_recorded_as_pending_when_changed() {
    let mut store = demo_store();
    let before = derived(&store);
    let mut settings: Vec<(String, Option<String>)> =
        rows(&store, "SELECT key, value FROM setting ORDER BY key")
            .iter()
            .map(|row| (field(&row[0]), Some(field(&row[1]))))
            // What the refresh writes, not what it reads.
            .filter(|(key, _)| !key.starts_with("triage_backtest.") && key != "triage_rank.weights")
            .collect();
    for signal in Signal::ALL {
        if let (Some(key), Some(window)) = (signal.window_key(), signal.default_window()) {
            assert!(
                settings.iter().all(|(k, _)| *k != key),
                "{key}: not set in the demo"
            );
            settings.push((key, Some(window.len.to_string())));
        }
    }
    let patterns: Vec<String> = rows(&store, "SELECT pattern FROM setting_read_by_refresh")
        .iter()
        .map(|row| field(&row[0]))
        .collect();
    let mut moving: Vec<String> = Vec::new();
    for (key, value) in &settings {
        let stored: Vec<Vec<Value>> = rows(&store, &format!("SELECT value FROM setting WHERE key = '{key}'"));
        let value = value.as_deref().unwrap();
        store.set_setting(key, &another_value(key, value)).unwrap();
        let recorded = !store.pending().unwrap().is_empty();
        store.refresh().unwrap();
        let after = derived(&store);
        let moved: Vec<&str> = before
            .iter()
            .filter(|(table, rows)| after[*table] != **rows)
            .map(|(table, _)| *table)
            .collect();
        if key.starts_with("triage_weight.") {
            assert!(
                // Each is stored with the weights' signature and computed again for others.
                moved
                    .iter()
                    .all(|t| ["triage_rank", "backtest", "backtest_points"].contains(t)),
                "{key}: a weight moved {moved:?}, which no reader computes again"
            );
        } else if !moved.is_empty() {
            assert!(
                recorded,
                "{key}: changing it moves {moved:?}, yet no pending refresh was recorded \
                 (add it to setting_read_by_refresh)"
            );
            moving.push(key.clone());
        }
        if stored.is_empty() {
            store
                .conn()
                .execute("DELETE FROM setting WHERE key = ?1", [key])
                .unwrap();
        } else {
            store.set_setting(key, value).unwrap();
        }
        store.refresh().unwrap();
        assert!(
            derived(&store) == before,
            "{key}: restored, the figures are as before"
        );
    }
    for pattern in &patterns {
        let glob = pattern.trim_end_matches('*');
        assert!(
            moving
                .iter()
                .any(|key| key == pattern || (pattern.ends_with('*') && key.starts_with(glob))),
            "setting_read_by_refresh lists {pattern}, which moves no figure here: {moving:?}"
        );
    }
}

#[test]
fn a_change_without_its_refresh_stays_pending_until_one_takes_it_up() {
    let mut store = Store::open_in_memory().unwrap();
    let params = DemoParams {
        accounts: 60,
        months: 6,
        seed: 3,
        as_of: "2026-06".parse().unwrap(),
    };
    demo::generate(&mut store, &params).unwrap();
    // As if the refresh after an import had been killed: the rows are in, the refresh is not.
    store
        .conn()
        .execute_batch(
            "INSERT INTO survey_response (response_id, account_id, answered_at, survey, score)
             SELECT 'p1', account_id, '2026-05-02', 'nps', 2 FROM account ORDER BY account_id LIMIT 1;
             INSERT INTO survey_response (response_id, account_id, answered_at, survey, score)
             SELECT 'p2', account_id, '2026-06-02', 'nps', 10 FROM account ORDER BY account_id LIMIT 1;",
        )
        .unwrap();
    let pending = store.pending().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(
        (
            pending[0].source.as_str(),
            pending[0].from_period.as_str(),
            pending[0].touched
        ),
        ("survey_response", "2026-05", 2)
    );
    let touched: Vec<Vec<Value>> = rows(&store, "SELECT touched FROM refresh_pending_account");
    assert_eq!(touched, [[Value::Integer(2)]], "one account, changed twice");
    let refreshed = store.refresh_pending().unwrap().expect("something was pending");
    assert!(
        rows(&store, "SELECT * FROM refresh_pending_account").is_empty(),
        "settled"
    );
    // Only the months from the change on are computed again.
    assert_eq!(refreshed.rollup.first, Some("2026-05".parse().unwrap()));
    assert_eq!(refreshed.rollup.last, Some("2026-06".parse().unwrap()));
    assert!(store.pending().unwrap().is_empty());
    assert!(store.refresh_pending().unwrap().is_none(), "nothing left to do");
}

// ---------------------------------------------------------------------------------------------
// The refresh on two connections (a store file) against the one on one (in memory)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_refresh_on_two_connections_writes_exactly_what_one_on_one_connection_writes() {
    // Generated in memory: its refresh ran its steps one after the other.
    let in_memory = demo_store();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    in_memory
        .conn()
        .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
        .unwrap();
    let mut file = Store::open(&path, cxcockpit::store::OpenMode::Existing).unwrap();
    // Emptied first, so that every row compared below is one this refresh wrote.
    for (table, _) in derived::DERIVED {
        let emptied = match table {
            "account.hvc" => "UPDATE account SET hvc = 0".to_string(),
            "backtest" => "DELETE FROM setting WHERE key LIKE 'triage_backtest.%'".to_string(),
            table => format!("DELETE FROM {table}"),
        };
        file.conn().execute(&emptied, []).unwrap();
    }
    let refreshed = file.refresh().unwrap();
    assert!(
        refreshed.derived.unwrap().alongside,
        "a store file in WAL mode is refreshed on two connections"
    );
    for (table, sql) in derived::DERIVED {
        let (want, got) = (rows(&in_memory, sql), rows(&file, sql));
        assert!(!want.is_empty(), "{table}: the demo has rows");
        assert!(
            want == got,
            "{table}: {} rows in memory, {} in the file, or values differ",
            want.len(),
            got.len()
        );
    }
}
