//! `import alert-rules FILE.toml`: the rules `cxcockpit alerts` evaluates, `[[rule]]` each,
//! upserted by id in one transaction. Every problem names the file, the line, the rule and the
//! field, and says what was expected; on any problem nothing is written.

use std::path::Path;
use std::time::Instant;

use serde::Deserialize;
use toml::Spanned;

use super::Report;
use super::toml_defs::read_text;
use crate::domain::alerts::{self, OwnerRule, Rule, RuleKind};
use crate::error::{Error, Result, SqlContext};
use crate::store::Store;
use crate::store::alerts::{Written, write_rule};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(rename = "rule", default)]
    rules: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    kind: Spanned<String>,
    title: Spanned<String>,
    owner: Option<Spanned<String>>,
    due_days: Option<Spanned<i64>>,
    window_days: Option<Spanned<i64>>,
    window_months: Option<Spanned<i64>>,
    threshold: Option<Spanned<f64>>,
    baseline_months: Option<Spanned<i64>>,
    #[serde(default)]
    hvc_only: bool,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

/// The longest window a rule may have: ten years.
const MAX_WINDOW_DAYS: i64 = 3650;
const MAX_WINDOW_MONTHS: i64 = 120;

/// Reads, checks and writes the rules; a dry run rolls back. `label` names the file in messages
/// when it is not its path (`stdin`).
pub fn import(store: &mut Store, path: &Path, label: Option<&str>, dry_run: bool) -> Result<Report> {
    let started = Instant::now();
    let file = label.map_or_else(|| path.display().to_string(), str::to_string);
    let text = read_text(path)?;
    let rules = parse(&text, &file)?;
    let tx = store
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting the import")?;
    let mut report = Report {
        kind: "alert-rules",
        file: file.clone(),
        dry_run,
        ..Report::default()
    };
    for (rule, enabled) in &rules {
        report.rows += 1;
        match write_rule(&tx, rule, *enabled)? {
            Written::New => report.new += 1,
            Written::Changed => report.changed += 1,
            Written::Unchanged => report.unchanged += 1,
        }
    }
    if dry_run {
        tx.rollback().context("discarding the dry run")?;
    } else {
        tx.commit().context("committing the import")?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Writes rules given as TOML text (the demo's default set) in the caller's transaction.
pub fn write_text(conn: &rusqlite::Connection, text: &str, file: &str) -> Result<usize> {
    let rules = parse(text, file)?;
    for (rule, enabled) in &rules {
        write_rule(conn, rule, *enabled)?;
    }
    Ok(rules.len())
}

/// The rules of a file's text with whether each is enabled, or every problem found.
pub fn parse(text: &str, file: &str) -> Result<Vec<(Rule, bool)>> {
    let defs: RulesFile =
        toml::from_str(text).map_err(|e| Error::input(format!("{file}: {}", e.to_string().trim_end())))?;
    let line = |at: usize| text.get(..at).map_or(1, |t| t.matches('\n').count() + 1);
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for def in &defs.rules {
        let id = def.id.get_ref().trim().to_string();
        let mut problem = |span: std::ops::Range<usize>, field: &str, what: String| {
            problems.push(format!("line {}: rule {id}: {field}: {what}", line(span.start)));
        };
        if id.is_empty() || id.contains('\0') {
            problem(
                def.id.span(),
                "id",
                "expected a non-empty id without NUL bytes".into(),
            );
        } else if !seen.insert(id.clone()) {
            problem(
                def.id.span(),
                "id",
                "is used twice in the file; expected unique ids".into(),
            );
        }
        let Some(kind) = RuleKind::parse(def.kind.get_ref()) else {
            problem(
                def.kind.span(),
                "kind",
                format!(
                    "'{}' is not one of {}",
                    def.kind.get_ref(),
                    alerts::KINDS.map(RuleKind::as_str).join(", ")
                ),
            );
            continue;
        };
        let title = def.title.get_ref().trim();
        if title.is_empty() {
            problem(
                def.title.span(),
                "title",
                "is empty; expected what the opened action says".into(),
            );
        }
        for what in alerts::title_problems(title) {
            problem(
                def.title.span(),
                "title",
                format!(
                    "{what}; expected {}",
                    alerts::PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ),
            );
        }
        let owner = match &def.owner {
            // A metric has no account: its phase's owner.
            None if kind == RuleKind::MetricRed => OwnerRule::Phase,
            None => OwnerRule::Account,
            Some(owner) => match OwnerRule::parse(owner.get_ref()) {
                Some(o) => o,
                None => {
                    problem(
                        owner.span(),
                        "owner",
                        format!("'{}' is not account, phase or team:NAME", owner.get_ref()),
                    );
                    OwnerRule::Account
                }
            },
        };
        if let (RuleKind::MetricRed, Some(given)) = (kind, &def.owner)
            && given.get_ref() == "account"
        {
            problem(
                given.span(),
                "owner",
                "a metric has no account: expected phase or team:NAME".into(),
            );
        }
        let mut whole = |value: &Option<Spanned<i64>>, field: &str, min: i64, max: i64| -> Option<u32> {
            let v = value.as_ref()?;
            let n = *v.get_ref();
            if n < min || n > max {
                problem(
                    v.span(),
                    field,
                    format!("{n} is out of range; expected {min} to {max}"),
                );
                return None;
            }
            u32::try_from(n).ok()
        };
        let due_days = whole(&def.due_days, "due_days", 0, 3650).unwrap_or(7);
        let (used, unused, max) = if kind.window_in_days() {
            (
                &def.window_days,
                ("window_months", &def.window_months),
                MAX_WINDOW_DAYS,
            )
        } else {
            (
                &def.window_months,
                ("window_days", &def.window_days),
                MAX_WINDOW_MONTHS,
            )
        };
        let used_name = if kind.window_in_days() {
            "window_days"
        } else {
            "window_months"
        };
        let window = whole(used, used_name, 1, max);
        let baseline = whole(&def.baseline_months, "baseline_months", 1, MAX_WINDOW_MONTHS);
        if let Some(v) = unused.1 {
            problem(
                v.span(),
                unused.0,
                format!("a {kind} rule counts its window in {used_name}"),
            );
        }
        if let (Some(v), false) = (&def.baseline_months, kind == RuleKind::UsageDrop) {
            problem(
                v.span(),
                "baseline_months",
                "only a usage_drop rule has one".into(),
            );
        }
        let threshold = match (&def.threshold, kind.threshold()) {
            (Some(v), Some(_)) if v.get_ref().is_finite() && *v.get_ref() >= 0.0 && *v.get_ref() <= 1e6 => {
                Some(*v.get_ref())
            }
            (Some(v), Some(meaning)) => {
                problem(
                    v.span(),
                    "threshold",
                    format!("{} is out of range; expected {meaning}, 0 or more", v.get_ref()),
                );
                None
            }
            (None, Some(meaning)) => {
                problem(
                    def.kind.span(),
                    "threshold",
                    format!("missing; a {kind} rule needs {meaning}"),
                );
                None
            }
            (Some(v), None) => {
                problem(v.span(), "threshold", format!("a {kind} rule has none"));
                None
            }
            (None, None) => None,
        };
        // An invoice more than N days overdue was due more than N days ago: a window no longer
        // than N would never see one.
        let window = match (kind, window, threshold) {
            (RuleKind::OverdueInvoice, None, Some(days)) => days.floor() as u32 + 30,
            (RuleKind::OverdueInvoice, Some(w), Some(days)) if f64::from(w) <= days => {
                let span = def.window_days.as_ref().map_or(def.kind.span(), Spanned::span);
                problem(
                    span,
                    "window_days",
                    format!("{w} is not more than the threshold of {days} days; expected a longer window"),
                );
                w
            }
            (_, Some(w), _) => w,
            (_, None, _) => kind.default_window(),
        };
        rules.push((
            Rule {
                id,
                kind,
                title: title.to_string(),
                owner,
                due_days,
                window,
                threshold,
                baseline_months: baseline.unwrap_or(3),
                hvc_only: def.hvc_only,
            },
            def.enabled,
        ));
    }
    if !problems.is_empty() {
        return Err(Error::input(format!(
            "{file}: not imported, nothing was written: {} error{}\n  {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("\n  ")
        )));
    }
    Ok(rules)
}
