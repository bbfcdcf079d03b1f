//! Journeys with their phases and metric definitions from CSV: one row per metric, each row
//! repeating its journey's and its phase's columns (a phase with no metric is a row whose metric
//! columns are empty). Journeys take the order they first appear in, and phases the order they
//! first appear in within their journey. The file is read by the same reader as every other CSV
//! kind (BOM, delimiter, quoted line breaks), checked here with the line and column of every
//! problem, then validated and written by `toml_defs::write_journeys`, as a TOML file is.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Transaction;

use rusqlite::types::Value;

use super::fields::{self, DateOrder, FieldType};
use super::reader::{self, Record};
use super::toml_defs::{
    self, Aggregation, Direction, JourneyDef, JourneysFile, Kind, MetricDef, Perspective, PhaseDef,
};
use super::{Options, Problem, Problems, Report};
use crate::error::{Error, Result};

/// The columns of the layout, in the README's order; `NAMES` holds their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    JourneyId,
    JourneyName,
    JourneyDescription,
    PhaseKey,
    PhaseName,
    CxGoal,
    BusinessGoal,
    Owner,
    Touchpoints,
    MomentsOfTruth,
    PainPoints,
    MetricId,
    MetricName,
    Kind,
    Perspective,
    Unit,
    Direction,
    Target,
    Tolerance,
    Aggregation,
    Source,
    Definition,
    Scale,
    Happy,
    Unhappy,
}

const COUNT: usize = 25;

const NAMES: [&str; COUNT] = [
    "journey_id",
    "journey_name",
    "journey_description",
    "phase_key",
    "phase_name",
    "cx_goal",
    "business_goal",
    "owner",
    "touchpoints",
    "moments_of_truth",
    "pain_points",
    "metric_id",
    "metric_name",
    "kind",
    "perspective",
    "unit",
    "direction",
    "target",
    "tolerance",
    "aggregation",
    "source",
    "definition",
    "scale",
    "happy",
    "unhappy",
];

/// Required on every row.
const REQUIRED: [Col; 4] = [Col::JourneyId, Col::JourneyName, Col::PhaseKey, Col::PhaseName];

/// Required on a row that names a metric (and in the header when it has a metric_id column).
const METRIC_REQUIRED: [Col; 5] = [
    Col::MetricName,
    Col::Kind,
    Col::Perspective,
    Col::Direction,
    Col::Aggregation,
];

/// The columns after metric_id: they describe the row's metric (a survey metric also declares
/// its survey's scale: scale "1-5", happy and unhappy answers "1-2", "4-5").
const METRIC_DETAILS: [Col; 13] = [
    Col::MetricName,
    Col::Kind,
    Col::Perspective,
    Col::Unit,
    Col::Direction,
    Col::Target,
    Col::Tolerance,
    Col::Aggregation,
    Col::Source,
    Col::Definition,
    Col::Scale,
    Col::Happy,
    Col::Unhappy,
];

/// Separates the items of the list columns (touchpoints, moments_of_truth, pain_points).
const LIST_SEPARATOR: char = '|';

impl Col {
    fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    fn required(self) -> bool {
        REQUIRED.contains(&self)
    }
}

/// The column names for messages, required ones starred.
fn column_names() -> String {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if REQUIRED.iter().any(|c| *c as usize == i) {
                format!("{name}*")
            } else {
                (*name).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which column of the file feeds which field, after `--map`, matched as for the other kinds.
struct Layout {
    index_of: Vec<Option<usize>>,
    ignored: Vec<String>,
}

impl Layout {
    fn new(header: &[String], map: &[(String, String)]) -> Result<Layout, Vec<Problem>> {
        let (matched, mut problems) = reader::Layout::match_header(
            header,
            &NAMES,
            |i| REQUIRED.iter().any(|c| *c as usize == i),
            "journeys",
            map,
        );
        let layout = Layout {
            index_of: matched.index_of,
            ignored: matched.ignored,
        };
        if layout.has(Col::MetricId) {
            for column in METRIC_REQUIRED {
                if !layout.has(column) {
                    problems.push(Problem::line(
                        1,
                        format!(
                            "column {name} is missing: it is required with metric_id (the header has: {header}; rename a column with --map COL={name})",
                            name = column.name(),
                            header = header.join(", "),
                        ),
                    ));
                }
            }
        } else {
            let details: Vec<&str> = METRIC_DETAILS
                .iter()
                .filter(|c| layout.has(**c))
                .map(|c| c.name())
                .collect();
            if !details.is_empty() {
                problems.push(Problem::line(
                    1,
                    format!(
                        "metric columns ({}) without a metric_id column: expected metric_id to name each row's metric",
                        details.join(", ")
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(layout)
        } else {
            Err(problems)
        }
    }

    fn has(&self, column: Col) -> bool {
        self.index_of[column as usize].is_some()
    }
}

/// One record's cells, trimmed; empty for a column the file does not have.
struct Cells<'r> {
    line: u64,
    text: [&'r str; COUNT],
}

impl<'r> Cells<'r> {
    /// None, with the problems pushed, when a cell is not UTF-8.
    fn read(record: &'r Record, layout: &Layout, problems: &mut Problems) -> Option<Cells<'r>> {
        let mut text = [""; COUNT];
        let mut ok = true;
        for (i, index) in layout.index_of.iter().enumerate() {
            let Some(index) = index else { continue };
            let raw = record.fields.get(*index).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(cell) if cell.contains('\0') => {
                    problems.push(Problem::at(record.line, NAMES[i], cell, fields::NUL_TEXT));
                    ok = false;
                }
                Ok(cell) => text[i] = cell.trim(),
                Err(_) => {
                    problems.push(Problem::at(
                        record.line,
                        NAMES[i],
                        &String::from_utf8_lossy(raw),
                        "not valid UTF-8: expected UTF-8 text (re-export the file as UTF-8)",
                    ));
                    ok = false;
                }
            }
        }
        ok.then_some(Cells {
            line: record.line,
            text,
        })
    }

    fn get(&self, column: Col) -> &'r str {
        self.text[column as usize]
    }

    /// The cell of a required column; None, with a problem, when it is empty.
    fn required(&self, column: Col, problems: &mut Problems) -> Option<String> {
        let text = self.get(column);
        if text.is_empty() {
            let message = if column.required() {
                "a value is required".to_string()
            } else {
                "a value is required when the row names a metric (metric_id)".to_string()
            };
            problems.push(Problem::at(self.line, column.name(), "", message));
            None
        } else {
            Some(text.to_string())
        }
    }

    /// The cell's text, None when empty.
    fn optional(&self, column: Col) -> Option<String> {
        Some(self.get(column))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    }

    fn list(&self, column: Col) -> Vec<String> {
        split_list(self.get(column))
    }

    /// A number, or None for an empty cell; Err(()) once the problem is pushed. Read as every
    /// kind's numbers are (`FieldType::Number`).
    fn number(&self, column: Col, min: Option<f64>, problems: &mut Problems) -> Result<Option<f64>, ()> {
        let text = self.get(column);
        if text.is_empty() {
            return Ok(None);
        }
        let parsed = FieldType::Number { min }.parse(text, DateOrder::Iso);
        match parsed {
            Ok(Value::Real(number)) => Ok(Some(number)),
            Ok(_) => Err(()),
            Err(expected) => {
                problems.push(Problem::at(self.line, column.name(), text, expected));
                Err(())
            }
        }
    }

    /// A word of a closed list; None, with the list of words, when it is not one.
    fn word<T>(
        &self,
        column: Col,
        parse: fn(&str) -> Option<T>,
        words: fn() -> String,
        problems: &mut Problems,
    ) -> Option<T> {
        let text = self.required(column, problems)?;
        let word = parse(&text);
        if word.is_none() {
            problems.push(Problem::at(
                self.line,
                column.name(),
                &text,
                format!("expected one of {}", words()),
            ));
        }
        word
    }
}

/// `a | b|c` -> [a, b, c]; empty items are dropped.
fn split_list(text: &str) -> Vec<String> {
    text.split(LIST_SEPARATOR)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn join_list(items: &[String]) -> String {
    items.join(&LIST_SEPARATOR.to_string())
}

/// Where a journey or a phase was first met, so later rows can be held to its values.
struct First {
    index: usize,
    line: u64,
}

/// Pushes a problem when a repeated column of a later row differs from the value the row that
/// first named the journey or phase gave it (compared as read: trimmed, lists item by item).
fn agree(
    cells: &Cells<'_>,
    column: Col,
    value: &str,
    first: &str,
    what: &str,
    first_line: u64,
    problems: &mut Problems,
) {
    if value != first {
        problems.push(Problem::at(
            cells.line,
            column.name(),
            cells.get(column),
            format!(
                "{what} has {column} '{first}' on line {first_line}, where it first appears: expected the same value on every row of it",
                column = column.name(),
            ),
        ));
    }
}

/// The journeys of a CSV file, with every problem located.
fn read(path: &Path, options: &Options, report: &mut Report) -> Result<JourneysFile> {
    let file = path.display().to_string();
    let mut source = reader::open(path)?;
    let Some(header) = source.header()? else {
        return Err(Error::input(format!(
            "{file}: the file is empty; expected a header line naming the columns ({})",
            column_names()
        )));
    };
    let layout = Layout::new(&header, &options.map).map_err(|listed| {
        let mut problems = Problems::default();
        listed.into_iter().for_each(|p| problems.push(p));
        problems.into_error(&file)
    })?;
    report.ignored_columns = layout.ignored.clone();

    let mut problems = Problems::default();
    let mut defs = JourneysFile { journeys: Vec::new() };
    let mut journeys: HashMap<String, First> = HashMap::new();
    // (journey index, phase key in lower case): keys differing only in case are one phase.
    let mut phases: HashMap<(usize, String), First> = HashMap::new();
    let mut metrics: HashMap<String, u64> = HashMap::new();
    while let Some(record) = source.next_record()? {
        if record.fields.len() != header.len() {
            problems.push(Problem::line(
                record.line,
                format!(
                    "{} fields, expected {} as in the header (a truncated line, or a delimiter inside an unquoted field?)",
                    record.fields.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let Some(cells) = Cells::read(record, &layout, &mut problems) else {
            continue;
        };
        let journey = journey_of(&cells, &mut problems);
        let phase = phase_of(&cells, &mut problems);
        let mut metric = metric_of(&cells, &mut problems);
        // Checked on the id alone, so a repeat of a row with other problems is named too.
        let metric_id = cells.get(Col::MetricId);
        if !metric_id.is_empty() {
            if let Some(first_line) = metrics.get(metric_id) {
                problems.push(Problem::at(
                    cells.line,
                    Col::MetricId.name(),
                    metric_id,
                    format!("metric {metric_id} appears earlier, on line {first_line}: expected each metric on one row"),
                ));
                metric = None;
            } else {
                metrics.insert(metric_id.to_string(), cells.line);
            }
        }
        let Some(journey) = journey else { continue };

        let journey_index = match journeys.get(&journey.id) {
            Some(first) => {
                let known = &defs.journeys[first.index];
                let what = format!("journey {}", known.id);
                agree(
                    &cells,
                    Col::JourneyName,
                    &journey.name,
                    &known.name,
                    &what,
                    first.line,
                    &mut problems,
                );
                agree(
                    &cells,
                    Col::JourneyDescription,
                    &journey.description,
                    &known.description,
                    &what,
                    first.line,
                    &mut problems,
                );
                first.index
            }
            None => {
                let index = defs.journeys.len();
                journeys.insert(
                    journey.id.clone(),
                    First {
                        index,
                        line: cells.line,
                    },
                );
                defs.journeys.push(journey);
                index
            }
        };
        let Some(phase) = phase else { continue };
        let journey = &mut defs.journeys[journey_index];
        let phase_index = match phases.get(&(journey_index, phase.key.to_lowercase())) {
            Some(first) => {
                let known = &journey.phases[first.index];
                let what = format!("phase {} of journey {}", known.key, journey.id);
                let owner = |p: &PhaseDef| p.owner.clone().unwrap_or_default();
                let pairs = [
                    (Col::PhaseKey, phase.key.clone(), known.key.clone()),
                    (Col::PhaseName, phase.name.clone(), known.name.clone()),
                    (Col::CxGoal, phase.cx_goal.clone(), known.cx_goal.clone()),
                    (
                        Col::BusinessGoal,
                        phase.business_goal.clone(),
                        known.business_goal.clone(),
                    ),
                    (Col::Owner, owner(&phase), owner(known)),
                    (
                        Col::Touchpoints,
                        join_list(&phase.touchpoints),
                        join_list(&known.touchpoints),
                    ),
                    (
                        Col::MomentsOfTruth,
                        join_list(&phase.moments_of_truth),
                        join_list(&known.moments_of_truth),
                    ),
                    (
                        Col::PainPoints,
                        join_list(&phase.pain_points),
                        join_list(&known.pain_points),
                    ),
                ];
                for (column, value, first_value) in pairs {
                    agree(
                        &cells,
                        column,
                        &value,
                        &first_value,
                        &what,
                        first.line,
                        &mut problems,
                    );
                }
                first.index
            }
            None => {
                let index = journey.phases.len();
                phases.insert(
                    (journey_index, phase.key.to_lowercase()),
                    First {
                        index,
                        line: cells.line,
                    },
                );
                journey.phases.push(phase);
                index
            }
        };
        if let Some(metric) = metric {
            journey.phases[phase_index].metrics.push(metric);
        }
    }
    if problems.total > 0 {
        return Err(problems.into_error(&file));
    }
    Ok(defs)
}

/// The row's journey (without phases); None once its problems are pushed.
fn journey_of(cells: &Cells<'_>, problems: &mut Problems) -> Option<JourneyDef> {
    let id = cells.required(Col::JourneyId, problems);
    let name = cells.required(Col::JourneyName, problems);
    Some(JourneyDef {
        id: id?,
        name: name?,
        description: cells.get(Col::JourneyDescription).to_string(),
        phases: Vec::new(),
    })
}

/// The row's phase (without metrics); None once its problems are pushed.
fn phase_of(cells: &Cells<'_>, problems: &mut Problems) -> Option<PhaseDef> {
    let key = cells.required(Col::PhaseKey, problems);
    let name = cells.required(Col::PhaseName, problems);
    let owner = cells.get(Col::Owner);
    Some(PhaseDef {
        key: key?,
        name: name?,
        cx_goal: cells.get(Col::CxGoal).to_string(),
        business_goal: cells.get(Col::BusinessGoal).to_string(),
        owner: (!owner.is_empty()).then(|| owner.to_string()),
        touchpoints: cells.list(Col::Touchpoints),
        moments_of_truth: cells.list(Col::MomentsOfTruth),
        pain_points: cells.list(Col::PainPoints),
        metrics: Vec::new(),
    })
}

/// The row's metric: None for a row with no metric_id (a phase with no metric, when the
/// other metric columns are empty too) and once its problems are pushed.
fn metric_of(cells: &Cells<'_>, problems: &mut Problems) -> Option<MetricDef> {
    let id = cells.get(Col::MetricId);
    if id.is_empty() {
        let filled: Vec<&str> = METRIC_DETAILS
            .iter()
            .filter(|c| !cells.get(**c).is_empty())
            .map(|c| c.name())
            .collect();
        if !filled.is_empty() {
            problems.push(Problem::at(
                cells.line,
                Col::MetricId.name(),
                "",
                format!(
                    "a value is required: the row has metric values ({}); leave every metric column empty for a phase with no metric",
                    filled.join(", ")
                ),
            ));
        }
        return None;
    }
    let name = cells.required(Col::MetricName, problems);
    let kind = cells.word(Col::Kind, Kind::from_word, Kind::words, problems);
    let perspective = cells.word(
        Col::Perspective,
        Perspective::from_word,
        Perspective::words,
        problems,
    );
    let direction = cells.word(Col::Direction, Direction::from_word, Direction::words, problems);
    let aggregation = cells.word(
        Col::Aggregation,
        Aggregation::from_word,
        Aggregation::words,
        problems,
    );
    let target = cells.number(Col::Target, None, problems);
    let tolerance = cells.number(Col::Tolerance, Some(0.0), problems);
    Some(MetricDef {
        id: id.to_string(),
        name: name?,
        kind: kind?,
        perspective: perspective?,
        unit: cells.get(Col::Unit).to_string(),
        direction: direction?,
        target: target.ok()?,
        tolerance: tolerance.ok()?.unwrap_or(0.0),
        aggregation: aggregation?,
        source: cells.get(Col::Source).to_string(),
        definition: cells.get(Col::Definition).to_string(),
        scale: cells.optional(Col::Scale),
        happy: cells.optional(Col::Happy),
        unhappy: cells.optional(Col::Unhappy),
    })
}

/// Journeys from CSV: every problem of the file is located and listed before anything is
/// written; then the journeys are validated and written as from TOML.
pub fn import_journeys(
    tx: &Transaction<'_>,
    path: &Path,
    options: &Options,
    report: &mut Report,
) -> Result<()> {
    let defs = read(path, options, report)?;
    toml_defs::write_journeys(tx, &path.display().to_string(), &defs, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_columns() {
        assert_eq!(Col::JourneyId.name(), "journey_id");
        assert_eq!(Col::PainPoints.name(), "pain_points");
        assert_eq!(Col::MetricId.name(), "metric_id");
        assert_eq!(Col::Definition.name(), "definition");
        assert_eq!(Col::Unhappy.name(), "unhappy");
        assert_eq!(Col::Unhappy as usize, COUNT - 1);
    }

    #[test]
    fn lists_split_on_bars() {
        assert_eq!(
            split_list(" website | sales agent|| call center "),
            ["website", "sales agent", "call center"]
        );
        assert!(split_list("").is_empty());
    }

    #[test]
    fn layout_maps_ignores_and_requires() {
        let header: Vec<String> = ["Journey", "journey name", "phase-key", "PHASE_NAME", "colour"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = vec![("journey".to_string(), "journey_id".to_string())];
        let layout = Layout::new(&header, &map).unwrap();
        assert_eq!(layout.index_of[Col::JourneyId as usize], Some(0));
        assert_eq!(layout.index_of[Col::PhaseName as usize], Some(3));
        assert_eq!(layout.ignored, ["colour"]);
        let Err(problems) = Layout::new(&header[1..], &[]) else {
            panic!("journey_id is missing");
        };
        assert!(
            problems[0]
                .message
                .contains("required column journey_id is missing")
        );
    }
}
