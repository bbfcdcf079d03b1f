//! What an import checks rows against: the accounts, journeys, phases, metrics and tiers already
//! in the store, loaded once per file so no row costs a query.

use std::collections::{HashMap, HashSet};

use rusqlite::Transaction;
use rusqlite::types::Value;

use super::adapt::AccountBy;
use super::kinds::Kind;
use super::{Problem, Row};
use crate::domain::survey::Scale;
use crate::error::{Result, SqlContext};

pub struct Lookups {
    /// account id -> its journey
    accounts: HashMap<String, Option<String>>,
    journeys: HashSet<String>,
    /// (journey, phase key or lower-case name) -> phase id
    phases: HashMap<(String, String), i64>,
    /// journey -> its phase keys, for error messages
    phase_keys: HashMap<String, Vec<String>>,
    /// metric id -> aggregation
    metrics: HashMap<String, String>,
    /// (journey, survey) -> the range of its declared scale; other answers use the standard one.
    scales: HashMap<(String, String), (i64, i64)>,
    /// How rows name their account.
    account_by: AccountBy,
    /// With `--account-by name|domain|external_id`: the reference as matched (see
    /// `reference_key`) -> the ids of the accounts it names, in id order.
    references: HashMap<String, Vec<String>>,
}

/// The account column an `--account-by` reference is matched against, with its loading query:
/// None for our ids.
fn reference_source(account_by: AccountBy) -> Option<(&'static str, &'static str)> {
    match account_by {
        AccountBy::Id => None,
        AccountBy::Name => Some((
            "names",
            "SELECT name, account_id FROM account WHERE name <> '' ORDER BY account_id",
        )),
        AccountBy::Domain => Some((
            "domains",
            "SELECT domain, account_id FROM account WHERE domain <> '' ORDER BY account_id",
        )),
        AccountBy::ExternalId => Some((
            "external ids",
            "SELECT external_id, account_id FROM account WHERE external_id <> '' ORDER BY account_id",
        )),
    }
}

/// What a reference is matched by: names and domains but for case (Unicode lower case, on both
/// sides), external ids exactly. A domain reference holding an email address is matched by the
/// part after its last `@`.
pub fn reference_key(account_by: AccountBy, text: &str) -> String {
    match account_by {
        AccountBy::Id | AccountBy::ExternalId => text.to_string(),
        AccountBy::Name => text.to_lowercase(),
        AccountBy::Domain => domain_of(text).to_lowercase(),
    }
}

/// The domain a reference names: an email address's part after its last `@`, else the text.
fn domain_of(text: &str) -> &str {
    text.rsplit_once('@').map_or(text, |(_, domain)| domain).trim()
}

impl Lookups {
    pub fn load(tx: &Transaction<'_>, account_by: AccountBy) -> Result<Lookups> {
        let mut lookups = Lookups {
            accounts: HashMap::new(),
            journeys: HashSet::new(),
            phases: HashMap::new(),
            phase_keys: HashMap::new(),
            metrics: HashMap::new(),
            scales: HashMap::new(),
            account_by,
            references: HashMap::new(),
        };
        if let Some((what, sql)) = reference_source(account_by) {
            let context = format!("loading account {what}");
            let mut stmt = tx.prepare(sql).context(&context)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .context(&context)?;
            for row in rows {
                let (reference, id) = row.context(&context)?;
                lookups
                    .references
                    .entry(reference_key(account_by, &reference))
                    .or_default()
                    .push(id);
            }
        }
        let mut stmt = tx
            .prepare("SELECT account_id, journey_id FROM account")
            .context("loading accounts")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("loading accounts")?;
        for row in rows {
            let (id, journey) = row.context("loading accounts")?;
            lookups.accounts.insert(id, journey);
        }
        let mut stmt = tx
            .prepare("SELECT journey_id FROM journey")
            .context("loading journeys")?;
        for row in stmt.query_map([], |r| r.get(0)).context("loading journeys")? {
            lookups.journeys.insert(row.context("loading journeys")?);
        }
        let mut stmt = tx
            .prepare("SELECT journey_id, phase_key, name, phase_id FROM phase ORDER BY journey_id, position")
            .context("loading phases")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                ))
            })
            .context("loading phases")?;
        for row in rows {
            let (journey, key, name, id) = row.context("loading phases")?;
            lookups
                .phase_keys
                .entry(journey.clone())
                .or_default()
                .push(key.clone());
            lookups.phases.insert((journey.clone(), key.to_lowercase()), id);
            lookups.phases.insert((journey, name.to_lowercase()), id);
        }
        let mut stmt = tx
            .prepare("SELECT metric_id, aggregation FROM metric")
            .context("loading metrics")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("loading metrics")?;
        for row in rows {
            let (id, aggregation) = row.context("loading metrics")?;
            lookups.metrics.insert(id, aggregation);
        }
        let mut stmt = tx
            .prepare("SELECT journey_id, survey, min_score, max_score FROM survey_scale")
            .context("loading survey scales")?;
        let rows = stmt
            .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
            .context("loading survey scales")?;
        for row in rows {
            let (key, range) = row.context("loading survey scales")?;
            lookups.scales.insert(key, range);
        }
        Ok(lookups)
    }

    /// The range of a survey's scale for the journey: declared, else standard.
    fn score_range(&self, journey: Option<&str>, survey: &str) -> Option<(i64, i64, bool)> {
        let declared = journey.and_then(|j| self.scales.get(&(j.to_string(), survey.to_string())));
        match declared {
            Some(&(min, max)) => Some((min, max, true)),
            None => Scale::standard(survey).map(|s| (s.min, s.max, false)),
        }
    }

    /// Checks that need more than one field or the store: references, date order, score
    /// ranges; fills in generated keys and resolves phases.
    pub fn refine(&self, kind: Kind, row: &mut Row, line: u64) -> Result<(), Problem> {
        let text = |row: &Row, name: &str| row.text(name).map(str::to_string);
        if kind != Kind::Accounts {
            self.resolve_account(row, line)?;
        }
        match kind {
            Kind::Accounts => {
                // A domain is matched as a whole: a URL or an address would never match one.
                if let Some(domain) = row.text("domain")
                    && domain.contains(|c: char| c == '@' || c == '/' || c == ':' || c.is_whitespace())
                {
                    return Err(Problem::at(
                        line,
                        "domain",
                        domain,
                        "expected a domain such as acme.com (no scheme, path, port or address)",
                    ));
                }
                if let Some(journey) = text(row, "journey_id")
                    && !self.journeys.contains(&journey)
                {
                    let mut known: Vec<&str> = self.journeys.iter().map(String::as_str).collect();
                    known.sort_unstable();
                    return Err(Problem::at(
                        line,
                        "journey_id",
                        &journey,
                        format!(
                            "unknown journey: expected one of {} (import journeys first)",
                            known.join(", ")
                        ),
                    ));
                }
            }
            Kind::Subscriptions => {
                if row.text("subscription_id").is_none() {
                    // Without an id, account + product + start date identify a subscription.
                    let id = format!(
                        "{}/{}/{}",
                        text(row, "account_id").unwrap_or_default(),
                        text(row, "product").unwrap_or_default(),
                        text(row, "start_date").unwrap_or_default()
                    );
                    row.set("subscription_id", Value::Text(id));
                }
                self.account(row, line, "subscription", "subscription_id")?;
                ordered(
                    row,
                    line,
                    "start_date",
                    "end_date",
                    "the end date is before the start date",
                )?;
                ordered(
                    row,
                    line,
                    "ordered_on",
                    "start_date",
                    "the order date is after the start date",
                )?;
            }
            Kind::ChurnEvents => {
                let journey = self.account(row, line, "churn event of", "churned_on")?;
                self.phase(row, line, journey)?;
            }
            Kind::Tickets => {
                let journey = self.account(row, line, "ticket", "ticket_id")?;
                ordered(
                    row,
                    line,
                    "opened_at",
                    "first_response_at",
                    "the first response is before the ticket was opened",
                )?;
                ordered(
                    row,
                    line,
                    "opened_at",
                    "resolved_at",
                    "the resolution is before the ticket was opened",
                )?;
                self.phase(row, line, journey)?;
            }
            Kind::Surveys => {
                let journey = self.account(row, line, "survey response of", "answered_at")?;
                let survey = text(row, "survey").unwrap_or_default();
                if let Some(Value::Integer(score)) = row.get("score")
                    && let Some((low, high, declared)) = self.score_range(journey, &survey)
                    && !(low..=high).contains(score)
                {
                    let whose = match (declared, journey) {
                        (true, Some(journey)) => format!("the scale journey {journey} declares"),
                        _ => "the standard scale".to_string(),
                    };
                    return Err(Problem::at(
                        line,
                        "score",
                        &score.to_string(),
                        format!("a {survey} score is from {low} to {high} ({whose})"),
                    ));
                }
                self.phase(row, line, journey)?;
                if row.text("response_id").is_none() {
                    let id = format!(
                        "{}/{}/{survey}",
                        text(row, "account_id").unwrap_or_default(),
                        text(row, "answered_at").unwrap_or_default()
                    );
                    row.set("response_id", Value::Text(id));
                }
            }
            Kind::MetricValues => {
                let metric = text(row, "metric_id").unwrap_or_default();
                match self.metrics.get(&metric) {
                    None => {
                        return Err(Problem::at(
                            line,
                            "metric_id",
                            &metric,
                            "unknown metric (import journeys first)",
                        ));
                    }
                    Some(aggregation) if aggregation != "imported" => {
                        return Err(Problem::at(
                            line,
                            "metric_id",
                            &metric,
                            format!("this metric is computed from raw rows ({aggregation}), not imported"),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Kind::Invoices => {
                self.account(row, line, "invoice", "invoice_id")?;
                ordered(
                    row,
                    line,
                    "issued_on",
                    "due_on",
                    "the due date is before the issue date",
                )?;
            }
            Kind::Usage => {
                self.account(row, line, "usage of", "period")?;
            }
            Kind::Tiers | Kind::Journeys | Kind::AlertRules => {}
        }
        Ok(())
    }

    /// With `--account-by name|domain|external_id`, the account_id field holds that reference:
    /// replaced by the id of the one account it names, else a problem naming the line.
    fn resolve_account(&self, row: &mut Row, line: u64) -> Result<(), Problem> {
        let by = self.account_by;
        if by == AccountBy::Id {
            return Ok(());
        }
        let Some(reference) = row.text("account_id").map(str::to_string) else {
            return Ok(());
        };
        let key = reference_key(by, &reference);
        // What the reference was taken as, in messages: an email address by its domain.
        let shown = match by {
            AccountBy::Domain if key.is_empty() => {
                return Err(Problem::at(
                    line,
                    "account_id",
                    &reference,
                    "expected a domain (acme.com) or an email address (ana@acme.com) (--account-by domain)",
                ));
            }
            AccountBy::Domain if reference.contains('@') => {
                format!(
                    "domain {} (of the email address {reference})",
                    domain_of(&reference)
                )
            }
            AccountBy::Domain => format!("domain {reference}"),
            AccountBy::ExternalId => format!("external id {reference}"),
            AccountBy::Id | AccountBy::Name => format!("name {reference}"),
        };
        match self.references.get(&key).map(Vec::as_slice) {
            Some([id]) => {
                row.set("account_id", Value::Text(id.clone()));
                Ok(())
            }
            Some(ids) if by == AccountBy::Name => Err(Problem::at(
                line,
                "account_id",
                &reference,
                format!(
                    "{} accounts are named {reference} ({}): expected one; give account ids instead",
                    ids.len(),
                    ids.join(", ")
                ),
            )),
            Some(ids) => Err(Problem::at(
                line,
                "account_id",
                &reference,
                format!(
                    "{} accounts have the {shown} ({}): expected one; give account ids instead",
                    ids.len(),
                    ids.join(", ")
                ),
            )),
            None if by == AccountBy::Name => Err(Problem::at(
                line,
                "account_id",
                &reference,
                format!("no account is named {reference} (--account-by name; import accounts first)"),
            )),
            None => Err(Problem::at(
                line,
                "account_id",
                &reference,
                format!(
                    "no account has the {shown} (--account-by {}; import accounts with {} column first)",
                    by.as_str(),
                    if by == AccountBy::Domain {
                        "a domain"
                    } else {
                        "an external_id"
                    }
                ),
            )),
        }
    }

    /// The row's account must exist; returns its journey. The error names the row (`what` and
    /// its identifying field) and the account.
    fn account(&self, row: &Row, line: u64, what: &str, ident: &str) -> Result<Option<&str>, Problem> {
        let id = row.text("account_id").unwrap_or_default();
        match self.accounts.get(id) {
            Some(journey) => Ok(journey.as_deref()),
            None => Err(Problem::at(
                line,
                "account_id",
                id,
                format!(
                    "{what} {} refers to unknown account {id} (import accounts first)",
                    row.text(ident).unwrap_or_default()
                ),
            )),
        }
    }

    /// A `phase` column holds a phase key or name of the account's journey; stored as phase_id.
    fn phase(&self, row: &mut Row, line: u64, journey: Option<&str>) -> Result<(), Problem> {
        let Some(name) = row.text("phase").map(str::to_string) else {
            if row.get("phase").is_some() {
                row.set("phase_id", Value::Null);
            }
            return Ok(());
        };
        let Some(journey) = journey else {
            return Err(Problem::at(
                line,
                "phase",
                &name,
                "the account belongs to no journey, so it has no phases",
            ));
        };
        match self.phases.get(&(journey.to_string(), name.to_lowercase())) {
            Some(&id) => {
                row.set("phase_id", Value::Integer(id));
                Ok(())
            }
            None => {
                let known = self.phase_keys.get(journey).cloned().unwrap_or_default();
                Err(Problem::at(
                    line,
                    "phase",
                    &name,
                    format!(
                        "not a phase of journey {journey}: expected one of {}",
                        known.join(", ")
                    ),
                ))
            }
        }
    }
}

/// `earlier` must not come after `later` when both are given (ISO text compares as time).
fn ordered(row: &Row, line: u64, earlier: &str, later: &str, message: &str) -> Result<(), Problem> {
    if let (Some(a), Some(b)) = (row.text(earlier), row.text(later))
        && b < a
    {
        return Err(Problem::at(line, later, b, format!("{message} ({earlier} {a})")));
    }
    Ok(())
}
