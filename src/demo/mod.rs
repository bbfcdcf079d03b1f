//! The demo store: both journeys of DOMAIN.md with a metric catalogue, and accounts whose data has
//! causal structure, so the cockpit has something true to show: accounts with downtime, slow
//! support or a bad experience score worse and churn more, in the phase the documents name.
//! Deterministic: the same parameters (seed and as-of month included) give the same store.

pub mod rng;
mod simulate;
mod text;

use rng::DemoRng;

use crate::domain::Period;
use crate::error::{Result, SqlContext};
use crate::store::Store;
use crate::store::rollup::Refresh;

const CATALOGUE_SQL: &str = include_str!("catalogue.sql");
/// The default alert rules: the demo ships them, and any store can import the file.
pub const ALERT_RULES_TOML: &str = include_str!("alert-rules.toml");

/// The demo's own steps, before the refresh's (`store::rollup::STAGE_*`).
pub const STAGE_GENERATE: &str = "generating accounts";
pub const STAGE_INDEXES: &str = "building indexes";

#[derive(Debug, Clone, PartialEq)]
pub struct DemoParams {
    pub accounts: usize,
    pub months: u32,
    pub seed: u64,
    /// The last month with data.
    pub as_of: Period,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemoSummary {
    pub accounts: u64,
    pub subscriptions: u64,
    pub tickets: u64,
    pub surveys: u64,
    pub invoices: u64,
    pub churn_events: u64,
    pub refresh: Option<Refresh>,
}

/// Fills an empty store with the catalogue and generated accounts, then computes the rollups.
pub fn generate(store: &mut Store, params: &DemoParams) -> Result<DemoSummary> {
    generate_reporting(store, params, &mut |_| {})
}

/// `generate`, telling `stage` the name of each step as it starts (for progress on a terminal).
pub fn generate_reporting(
    store: &mut Store,
    params: &DemoParams,
    stage: &mut dyn FnMut(&'static str),
) -> Result<DemoSummary> {
    stage(STAGE_GENERATE);
    let first = params.as_of.offset(1 - params.months.max(1) as i32);
    let mut rng = DemoRng::seed_from_u64(params.seed);
    let tx = store
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting the demo")?;
    // Secondary indexes are built once after the bulk insert: faster than keeping them up to
    // date row by row. They come back from their own SQL, as schema.sql wrote them.
    let indexes: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
            .context("listing indexes")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("listing indexes")?
            .collect::<rusqlite::Result<_>>()
            .context("listing indexes")?
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .context("dropping an index for the bulk insert")?;
    }
    tx.execute_batch(CATALOGUE_SQL)
        .context("writing the demo catalogue")?;
    crate::import::alert_rules::write_text(&tx, ALERT_RULES_TOML, "src/demo/alert-rules.toml")?;
    tx.execute(
        "INSERT INTO setting (key, value) VALUES ('first_period', ?1), ('as_of', ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [first.to_string(), params.as_of.to_string()],
    )
    .context("recording the demo's months")?;
    let mut summary = simulate::accounts(&tx, &mut rng, params.accounts, first, params.as_of)?;
    simulate::imported_aggregates(&tx, &mut rng, first, params.as_of)?;
    stage(STAGE_INDEXES);
    for (_, sql) in &indexes {
        tx.execute_batch(sql).context("rebuilding an index")?;
    }
    tx.commit().context("committing the demo")?;
    // A file filled without a journal (`cli::demo`) is refreshed in WAL mode, on two connections
    // (`store::lanes`); the bulk insert before stayed free of the WAL's second write.
    if store.journal_mode()? == "off" {
        store
            .conn()
            .execute_batch("PRAGMA journal_mode = WAL;")
            .context("switching the demo store to WAL")?;
    }
    summary.refresh = Some(store.refresh_reporting(stage)?);
    Ok(summary)
}

/// The unit tests' demo store: 400 accounts over 14 months to June 2026, in memory. Small enough
/// for a test, large enough that every pane has rows (churned accounts, tiers, a queue).
#[cfg(test)]
pub(crate) fn test_store() -> Store {
    let mut store = Store::open_in_memory().unwrap_or_else(|e| panic!("an in-memory store: {e}"));
    let params = DemoParams {
        accounts: 400,
        months: 14,
        seed: 5,
        as_of: Period::new(2026, 6).unwrap_or_else(|| panic!("June 2026 is a month")),
    };
    generate(&mut store, &params).unwrap_or_else(|e| panic!("the demo: {e}"));
    store
}
