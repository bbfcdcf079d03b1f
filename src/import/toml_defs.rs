//! Journeys (with their phases and metric definitions) and tier ladders from TOML, so a
//! programme's rules can sit in version control and be reviewed like code. Unknown keys and
//! values outside the vocabularies are refused with the line they are on. Journeys read from
//! CSV (`journeys_csv`) are checked and written by the same [`write_journeys`].

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;

use super::Report;
use super::fields;
use super::ladder;
use crate::domain::survey::{SURVEYS, Scale};
use crate::error::{Error, Result, SqlContext};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneysFile {
    #[serde(rename = "journey", default)]
    pub journeys: Vec<JourneyDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "phase", default)]
    pub phases: Vec<PhaseDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseDef {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub cx_goal: String,
    #[serde(default)]
    pub business_goal: String,
    /// Absent: nobody owns the phase, and the cockpit shows that.
    pub owner: Option<String>,
    #[serde(default)]
    pub touchpoints: Vec<String>,
    #[serde(default)]
    pub moments_of_truth: Vec<String>,
    #[serde(default)]
    pub pain_points: Vec<String>,
    #[serde(rename = "metric", default)]
    pub metrics: Vec<MetricDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub perspective: Perspective,
    #[serde(default)]
    pub unit: String,
    pub direction: Direction,
    pub target: Option<f64>,
    #[serde(default)]
    pub tolerance: f64,
    pub aggregation: Aggregation,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub definition: String,
    /// A survey metric (nps, csat, ces) declares its survey's scale for the journey: "1-5"; its
    /// direction says which end is good. None: the standard scale.
    pub scale: Option<String>,
    /// The answers that count as happy and unhappy ("1-2", "4-5"); by default the halves of the
    /// scale beyond its midpoint.
    pub happy: Option<String>,
    pub unhappy: Option<String>,
}

/// The schema's vocabularies, as the domain declares them (serde reads their words).
pub use crate::domain::model::{Aggregation, Direction, MetricKind as Kind, Perspective};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiersFile {
    #[serde(rename = "tier", default)]
    pub tiers: Vec<TierDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    pub id: String,
    pub name: String,
    pub rank: u32,
    #[serde(default)]
    pub benefits: String,
    #[serde(default)]
    pub min_mrr: f64,
    #[serde(default = "three")]
    pub window_months: u32,
    #[serde(default)]
    pub min_tenure_months: u32,
    #[serde(default)]
    pub grace_months: u32,
    #[serde(default)]
    pub no_overdue_invoice: bool,
    #[serde(default)]
    pub no_open_severe_ticket: bool,
    #[serde(default)]
    pub not_detractor: bool,
    #[serde(default)]
    pub hvc_only: bool,
    /// "all" (the default) or "any": the MRR and tenure minimums both, or either.
    #[serde(default)]
    pub qualify: QualifyWord,
}

/// `qualify` as the TOML file writes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QualifyWord {
    #[default]
    All,
    Any,
}

impl QualifyWord {
    fn as_str(self) -> &'static str {
        match self {
            QualifyWord::All => "all",
            QualifyWord::Any => "any",
        }
    }
}

fn three() -> u32 {
    3
}

/// The largest TOML file an import reads, in bytes: definitions are read whole, and real ones
/// are a few kilobytes; `/dev/zero` or a stray export is refused at this size, not read to the
/// end of memory.
pub const MAX_TOML_BYTES: u64 = 16 << 20;

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    toml::from_str(&text).map_err(|e| Error::input(format!("{file}: {}", e.to_string().trim_end())))
}

/// A TOML file's text, refused as `read` refuses it (missing, a directory, too large, UTF-16,
/// not UTF-8), without its BOM.
pub(super) fn read_text(path: &Path) -> Result<String> {
    use std::io::Read;
    let file = path.display().to_string();
    let io_error = |source| Error::Io {
        context: format!("reading {file}"),
        source,
    };
    let handle = std::fs::File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::input(format!("{file}: no such file")),
        _ => io_error(source),
    })?;
    if handle.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::input(format!(
            "{file}: is a directory, expected a TOML file"
        )));
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_TOML_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_TOML_BYTES {
        return Err(Error::input(format!(
            "{file}: larger than the limit of {} MiB for a TOML file",
            MAX_TOML_BYTES >> 20
        )));
    }
    if super::reader::is_utf16(&bytes) {
        return Err(Error::input(format!(
            "{file}: this file is UTF-16; save it as UTF-8"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::input(format!(
            "{file}: not valid UTF-8 at byte {}: expected UTF-8 text",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map_or_else(|| text.clone(), str::to_string))
}

/// An id or name holding a NUL byte (a TOML `\u0000`), refused as the CSV imports refuse it.
fn nul_in(what: &str, texts: &[&str], problems: &mut Vec<String>) {
    if texts.iter().any(|t| t.contains('\0')) {
        problems.push(format!("{what}: id or name {}", fields::NUL_TEXT));
    }
}

fn invalid(file: &str, problems: Vec<String>) -> Error {
    Error::input(format!(
        "{file}: not imported, nothing was written: {} error{}\n  {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        problems.join("\n  ")
    ))
}

/// Journeys from TOML: read the file, then validate and write it as [`write_journeys`] does.
pub fn import_journeys(tx: &Transaction<'_>, path: &Path, report: &mut Report) -> Result<()> {
    let file = path.display().to_string();
    let defs: JourneysFile = read(path)?;
    write_journeys(tx, &file, &defs, report)
}

/// Validates journeys however they were read (TOML or CSV), then upserts them, their phases
/// (position = order in `defs`), touchpoints and metrics. Nothing is written when a check fails;
/// on a later error the caller's transaction is rolled back.
pub fn write_journeys(
    tx: &Transaction<'_>,
    file: &str,
    defs: &JourneysFile,
    report: &mut Report,
) -> Result<()> {
    let mut problems = Vec::new();
    let mut metric_ids = HashSet::new();
    for journey in &defs.journeys {
        if journey.id.trim().is_empty() {
            problems.push(format!("journey '{}': id is empty", journey.name));
        }
        nul_in(
            &format!("journey {}", journey.id),
            &[&journey.id, &journey.name],
            &mut problems,
        );
        for phase in &journey.phases {
            nul_in(
                &format!("journey {} phase {}", journey.id, phase.key),
                &[&phase.key, &phase.name],
                &mut problems,
            );
            for metric in &phase.metrics {
                nul_in(
                    &format!("metric {}", metric.id),
                    &[&metric.id, &metric.name],
                    &mut problems,
                );
            }
        }
        let mut keys = HashSet::new();
        for phase in &journey.phases {
            if !keys.insert(phase.key.to_lowercase()) {
                problems.push(format!(
                    "journey {}: phase key {} appears twice",
                    journey.id, phase.key
                ));
            }
            for metric in &phase.metrics {
                if !metric_ids.insert(metric.id.clone()) {
                    problems.push(format!("metric {} appears twice", metric.id));
                }
                // NaN is refused too.
                if metric.tolerance.is_nan() || metric.tolerance < 0.0 {
                    problems.push(format!(
                        "metric {}: tolerance {} is negative",
                        metric.id, metric.tolerance
                    ));
                }
                for (name, value) in [("target", metric.target), ("tolerance", Some(metric.tolerance))] {
                    if let Some(v) = value.filter(|v| !v.is_finite() || v.abs() > fields::MAX_FIGURE) {
                        problems.push(format!(
                            "metric {}: {name} {v} is beyond the limit of 1e12 in magnitude",
                            metric.id
                        ));
                    }
                }
            }
        }
    }
    let scales: Vec<Vec<(&str, Scale)>> = defs
        .journeys
        .iter()
        .map(|journey| survey_scales(journey, &mut problems))
        .collect();
    if !problems.is_empty() {
        return Err(invalid(file, problems));
    }
    let mut written = 0u64;
    for (journey, scales) in defs.journeys.iter().zip(&scales) {
        report.rows += 1;
        written += tx
            .execute(
                "INSERT INTO journey (journey_id, name, description) VALUES (?1, ?2, ?3)
                 ON CONFLICT (journey_id) DO UPDATE SET name = excluded.name, description = excluded.description
                 WHERE journey.name IS NOT excluded.name OR journey.description IS NOT excluded.description",
                params![journey.id, journey.name, journey.description],
            )
            .context("writing a journey")? as u64;
        park_phases_if_reordered(tx, journey)?;
        for (index, phase) in journey.phases.iter().enumerate() {
            report.rows += 1;
            written += tx
                .execute(
                    "INSERT INTO phase (journey_id, phase_key, name, position, cx_goal, business_goal, owner,
                                        moments_of_truth, pain_points)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (journey_id, phase_key) DO UPDATE SET name = excluded.name,
                        position = excluded.position, cx_goal = excluded.cx_goal,
                        business_goal = excluded.business_goal, owner = excluded.owner,
                        moments_of_truth = excluded.moments_of_truth, pain_points = excluded.pain_points
                     WHERE phase.name IS NOT excluded.name OR phase.position IS NOT excluded.position
                        OR phase.cx_goal IS NOT excluded.cx_goal OR phase.business_goal IS NOT excluded.business_goal
                        OR phase.owner IS NOT excluded.owner OR phase.moments_of_truth IS NOT excluded.moments_of_truth
                        OR phase.pain_points IS NOT excluded.pain_points",
                    params![
                        journey.id,
                        phase.key,
                        phase.name,
                        index as i64 + 1,
                        phase.cx_goal,
                        phase.business_goal,
                        phase.owner,
                        phase.moments_of_truth.join("\n"),
                        phase.pain_points.join("\n")
                    ],
                )
                .context("writing a phase")? as u64;
            let phase_id: i64 = tx
                .query_row(
                    "SELECT phase_id FROM phase WHERE journey_id = ?1 AND phase_key = ?2",
                    params![journey.id, phase.key],
                    |r| r.get(0),
                )
                .context("writing a phase")?;
            tx.execute("DELETE FROM phase_touchpoint WHERE phase_id = ?1", [phase_id])
                .context("writing touchpoints")?;
            for touchpoint in &phase.touchpoints {
                tx.execute(
                    "INSERT OR IGNORE INTO phase_touchpoint (phase_id, touchpoint) VALUES (?1, ?2)",
                    params![phase_id, touchpoint],
                )
                .context("writing touchpoints")?;
            }
            for metric in &phase.metrics {
                report.rows += 1;
                written += tx
                    .execute(
                        "INSERT INTO metric (metric_id, phase_id, name, kind, perspective, unit, direction, target,
                                             tolerance, aggregation, source, definition)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                         ON CONFLICT (metric_id) DO UPDATE SET phase_id = excluded.phase_id, name = excluded.name,
                            kind = excluded.kind, perspective = excluded.perspective, unit = excluded.unit,
                            direction = excluded.direction, target = excluded.target, tolerance = excluded.tolerance,
                            aggregation = excluded.aggregation, source = excluded.source, definition = excluded.definition
                         WHERE metric.phase_id IS NOT excluded.phase_id OR metric.name IS NOT excluded.name
                            OR metric.kind IS NOT excluded.kind OR metric.perspective IS NOT excluded.perspective
                            OR metric.unit IS NOT excluded.unit OR metric.direction IS NOT excluded.direction
                            OR metric.target IS NOT excluded.target OR metric.tolerance IS NOT excluded.tolerance
                            OR metric.aggregation IS NOT excluded.aggregation OR metric.source IS NOT excluded.source
                            OR metric.definition IS NOT excluded.definition",
                        params![
                            metric.id,
                            phase_id,
                            metric.name,
                            metric.kind.as_str(),
                            metric.perspective.as_str(),
                            metric.unit,
                            metric.direction.as_str(),
                            metric.target,
                            metric.tolerance,
                            metric.aggregation.as_str(),
                            metric.source,
                            metric.definition
                        ],
                    )
                    .context("writing a metric")? as u64;
            }
        }
        written += write_scales(tx, file, &journey.id, scales)?;
        // Phases dropped from the file keep their old order after the listed ones.
        let parked: Vec<i64> = {
            let mut stmt = tx
                .prepare("SELECT phase_id FROM phase WHERE journey_id = ?1 AND position >= 100000 ORDER BY position")
                .context("ordering phases")?;
            stmt.query_map([&journey.id], |r| r.get(0))
                .context("ordering phases")?
                .collect::<rusqlite::Result<_>>()
                .context("ordering phases")?
        };
        for (i, phase_id) in parked.iter().enumerate() {
            tx.execute(
                "UPDATE phase SET position = ?1 WHERE phase_id = ?2",
                params![(journey.phases.len() + 1 + i) as i64, phase_id],
            )
            .context("ordering phases")?;
        }
    }
    report.changed = written;
    report.unchanged = report.rows.saturating_sub(written);
    Ok(())
}

/// The survey scales a journey's metrics declare (`scale`, `happy`, `unhappy`; the metric's
/// direction is the good end), one per survey. Two metrics of one survey must agree, and a mean
/// (CES) metric's direction must be its scale's good end, declared or standard.
fn survey_scales<'d>(journey: &'d JourneyDef, problems: &mut Vec<String>) -> Vec<(&'d str, Scale)> {
    let mut declared: Vec<(&str, &str, Scale)> = Vec::new();
    let metrics = journey.phases.iter().flat_map(|p| &p.metrics);
    for metric in metrics.clone() {
        let survey = metric.aggregation.as_str();
        let is_survey = SURVEYS.contains(&survey);
        let Some(range) = metric.scale.as_deref() else {
            if metric.happy.is_some() || metric.unhappy.is_some() {
                problems.push(format!(
                    "metric {}: happy and unhappy answers need a scale (e.g. scale = \"1-5\")",
                    metric.id
                ));
            }
            continue;
        };
        if !is_survey {
            problems.push(format!(
                "metric {}: a scale belongs to a survey metric (aggregation {}), not to {survey}",
                metric.id,
                SURVEYS.join(", ")
            ));
            continue;
        }
        match Scale::declared(range, metric.direction, metric.unhappy.as_deref(), metric.happy.as_deref()) {
            Err(message) => problems.push(format!("metric {}: {message}", metric.id)),
            Ok(scale) => match declared.iter().find(|(s, _, _)| *s == survey) {
                Some((_, other, earlier)) if *earlier != scale => problems.push(format!(
                    "metric {}: declares the {survey} scale {} (happy {}, unhappy {}, {} is good) where metric {other} declares {} (happy {}, unhappy {}, {} is good): expected one scale per survey and journey",
                    metric.id,
                    scale.range_text(),
                    scale.band_text(scale.happy),
                    scale.band_text(scale.unhappy),
                    scale.good.as_str(),
                    earlier.range_text(),
                    earlier.band_text(earlier.happy),
                    earlier.band_text(earlier.unhappy),
                    earlier.good.as_str(),
                )),
                Some(_) => {}
                None => declared.push((survey, &metric.id, scale)),
            },
        }
    }
    for metric in metrics {
        if metric.aggregation.as_str() != "ces" {
            continue;
        }
        let scale = declared
            .iter()
            .find(|(s, _, _)| *s == "ces")
            .map(|(_, _, scale)| *scale)
            .or_else(|| Scale::standard("ces"));
        if let Some(scale) = scale
            && scale.good != metric.direction
        {
            problems.push(format!(
                "metric {}: direction {} but the journey's CES scale {} has its good end {}: expected direction {}, or a scale declared with the metric (e.g. scale = \"1-5\" for the 1-5 effort scale, 1 = very low effort)",
                metric.id,
                metric.direction.as_str(),
                scale.range_text(),
                scale.good.as_str(),
                scale.good.as_str()
            ));
        }
    }
    declared
        .into_iter()
        .map(|(survey, _, scale)| (survey, scale))
        .collect()
}

/// Replaces the journey's declared survey scales; refused when answers already stored for the
/// journey fall outside the new range. Returns how many scales changed.
fn write_scales(tx: &Transaction<'_>, file: &str, journey_id: &str, scales: &[(&str, Scale)]) -> Result<u64> {
    // The scales as one text, to tell whether the file changed them.
    let fingerprint = || {
        tx.query_row(
            "SELECT group_concat(survey || min_score || max_score || good || unhappy_from || unhappy_to
                                || happy_from || happy_to, ';') FROM survey_scale WHERE journey_id = ?1",
            [journey_id],
            |r| r.get::<_, Option<String>>(0),
        )
        .context("reading survey scales")
    };
    let before = fingerprint()?;
    tx.execute("DELETE FROM survey_scale WHERE journey_id = ?1", [journey_id])
        .context("writing survey scales")?;
    for (survey, scale) in scales {
        tx.execute(
            "INSERT INTO survey_scale (journey_id, survey, min_score, max_score, good, unhappy_from, unhappy_to,
                                       happy_from, happy_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                journey_id,
                survey,
                scale.min,
                scale.max,
                scale.good.as_str(),
                scale.unhappy.0,
                scale.unhappy.1,
                scale.happy.0,
                scale.happy.1
            ],
        )
        .context("writing survey scales")?;
    }
    let outside: Option<(String, i64, i64, i64, i64)> = tx
        .query_row(
            "SELECT r.survey, count(*), min(r.score), sc.min_score, sc.max_score
             FROM survey_response r JOIN account a ON a.account_id = r.account_id
             JOIN survey_scale_in_force sc ON sc.journey_id = a.journey_id AND sc.survey = r.survey
             WHERE a.journey_id = ?1 AND r.score NOT BETWEEN sc.min_score AND sc.max_score
             GROUP BY r.survey LIMIT 1",
            [journey_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .context("checking stored answers against the scales")?;
    if let Some((survey, count, example, min, max)) = outside {
        return Err(invalid(
            file,
            vec![format!(
                "journey {journey_id}: {count} stored {survey} answers lie outside the scale {min}-{max} (e.g. {example}): expected a scale that holds the answers already imported"
            )],
        ));
    }
    let after = fingerprint()?;
    Ok(u64::from(before != after))
}

/// Phases take the file's order. When the store has them in another order, every phase of the
/// journey is parked out of the way of the unique (journey, position) first; phases the file
/// no longer lists end up after the listed ones, in their old order.
fn park_phases_if_reordered(tx: &Transaction<'_>, journey: &JourneyDef) -> Result<()> {
    let mut stmt = tx
        .prepare("SELECT phase_key FROM phase WHERE journey_id = ?1 ORDER BY position")
        .context("ordering phases")?;
    let existing: Vec<String> = stmt
        .query_map([&journey.id], |r| r.get(0))
        .context("ordering phases")?
        .collect::<rusqlite::Result<_>>()
        .context("ordering phases")?;
    let listed: Vec<&str> = journey.phases.iter().map(|p| p.key.as_str()).collect();
    // In order when the store's phases start with the file's, in the file's order; phases the
    // file does not list may follow.
    let in_order = existing.iter().zip(&listed).all(|(a, b)| a == b);
    if !in_order {
        tx.execute(
            "UPDATE phase SET position = position + 100000 WHERE journey_id = ?1",
            [&journey.id],
        )
        .context("ordering phases")?;
    }
    Ok(())
}

pub fn import_tiers(tx: &Transaction<'_>, path: &Path, report: &mut Report) -> Result<()> {
    let file = path.display().to_string();
    let defs: TiersFile = read(path)?;
    let mut ranks = HashSet::new();
    let mut problems = Vec::new();
    for tier in &defs.tiers {
        if !ranks.insert(tier.rank) {
            problems.push(format!(
                "tier {}: rank {} is used twice: expected unique ranks",
                tier.id, tier.rank
            ));
        }
        nul_in(
            &format!("tier {}", tier.id),
            &[&tier.id, &tier.name],
            &mut problems,
        );
        if !tier.min_mrr.is_finite() || tier.min_mrr.abs() > fields::MAX_FIGURE {
            problems.push(format!(
                "tier {}: min_mrr {} is beyond the limit of 1e12",
                tier.id, tier.min_mrr
            ));
        }
        if tier.rank == 0 || tier.window_months == 0 {
            problems.push(format!("tier {}: rank and window_months start at 1", tier.id));
        }
    }
    if !problems.is_empty() {
        return Err(invalid(&file, problems));
    }
    let before = ladder::snapshot(tx)?;
    ladder::park(tx)?;
    for tier in &defs.tiers {
        report.rows += 1;
        tx
            .execute(
                "INSERT INTO tier (tier_id, name, rank, benefits, min_mrr, window_months, min_tenure_months,
                                   grace_months, req_no_overdue, req_no_open_severe, req_not_detractor, req_hvc, qualify)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (tier_id) DO UPDATE SET name = excluded.name, rank = excluded.rank,
                    benefits = excluded.benefits, min_mrr = excluded.min_mrr, window_months = excluded.window_months,
                    min_tenure_months = excluded.min_tenure_months, grace_months = excluded.grace_months,
                    req_no_overdue = excluded.req_no_overdue, req_no_open_severe = excluded.req_no_open_severe,
                    req_not_detractor = excluded.req_not_detractor, req_hvc = excluded.req_hvc,
                    qualify = excluded.qualify",
                params![
                    tier.id,
                    tier.name,
                    tier.rank,
                    tier.benefits,
                    tier.min_mrr,
                    tier.window_months,
                    tier.min_tenure_months,
                    tier.grace_months,
                    tier.no_overdue_invoice,
                    tier.no_open_severe_ticket,
                    tier.not_detractor,
                    tier.hvc_only,
                    tier.qualify.as_str()
                ],
            )
            .context("writing a tier")?;
    }
    ladder::unpark(tx)?;
    let falling: Vec<String> = ladder::problems(tx)?
        .into_iter()
        .map(|(_, _, p)| p.render(&file))
        .collect();
    if !falling.is_empty() {
        return Err(invalid(&file, falling));
    }
    let (new, changed) = ladder::count_changes(&before, &ladder::snapshot(tx)?, |id| {
        defs.tiers.iter().any(|t| t.id == id)
    });
    report.changed = changed + new; // the caller splits new from changed by counting rows
    report.unchanged = report.rows.saturating_sub(new + changed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quoted words of a CHECK (column IN (...)) in schema.sql.
    fn schema_words(column: &str) -> Vec<String> {
        let schema = include_str!("../../schema.sql");
        let start = schema
            .find(&format!("CHECK ({column} IN ("))
            .unwrap_or_else(|| panic!("no CHECK on {column}"));
        let list = &schema[start..];
        let list = &list[..list.find("))").unwrap()];
        list.split('\'').skip(1).step_by(2).map(str::to_string).collect()
    }

    #[test]
    fn vocabularies_spell_their_words_as_the_schema_does() {
        let words = |all: Vec<&str>| all.into_iter().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            words(Kind::ALL.iter().map(|v| v.as_str()).collect()),
            schema_words("kind")
        );
        assert_eq!(
            words(Perspective::ALL.iter().map(|v| v.as_str()).collect()),
            schema_words("perspective")
        );
        assert_eq!(
            words(Direction::ALL.iter().map(|v| v.as_str()).collect()),
            schema_words("direction")
        );
        assert_eq!(
            words(Aggregation::ALL.iter().map(|v| v.as_str()).collect()),
            schema_words("aggregation")
        );
        assert_eq!(
            Aggregation::from_word("Tickets_Per_100"),
            Some(Aggregation::TicketsPer100)
        );
        assert_eq!(Kind::from_word("kpi"), None);
        assert_eq!(Direction::words(), "higher, lower");
    }

    #[test]
    fn serde_reads_the_same_words() {
        #[derive(Deserialize)]
        struct One {
            aggregation: Aggregation,
        }
        for word in Aggregation::ALL {
            let one: One = toml::from_str(&format!("aggregation = \"{}\"", word.as_str())).unwrap();
            assert_eq!(one.aggregation, *word);
        }
    }
}
