//! `cxcockpit import KIND FILE`: CSV exports from CRM, billing, support and survey tools into the
//! store. Streamed record by record; validated and written in one transaction, all or nothing;
//! upsert by natural key, so importing the same file twice changes nothing.

pub mod adapt;
pub mod alert_rules;
mod dates;
mod dedupe;
mod derive;
mod encoding;
pub mod fields;
mod journeys_csv;
pub mod kinds;
mod ladder;
mod lookups;
mod mapping;
mod numbers;
pub mod presets;
mod reader;
mod toml_defs;
mod writer;

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use serde::Serialize;

use crate::error::{Error, Result, SqlContext};
use crate::store::Store;
use crate::store::rollup::Refresh;
use adapt::Adapter;
use fields::{DateOrder, FieldType};
use kinds::{Column, EmptyAs, Kind, Spec};
use lookups::Lookups;

/// How many errors are listed before the rest are only counted.
const MAX_LISTED_ERRORS: usize = 20;

#[derive(Debug, Clone)]
pub struct Options {
    /// File column -> our field, from `--map COL=FIELD,...`.
    pub map: Vec<(String, String)>,
    pub dry_run: bool,
    pub dates: DateOrder,
    /// Leave the refresh to the caller (`Store::refresh_pending_reporting`, which names its
    /// steps for a progress display): the import only records what it changed, as always.
    pub defer_refresh: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub kind: &'static str,
    pub file: String,
    pub rows: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub ignored_columns: Vec<String>,
    pub dry_run: bool,
    /// The preset applied, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// How the file's columns became our fields (a dry run with adapters says it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mapping: Vec<String>,
    /// Reading, validating and writing, without the rollup refresh that follows.
    #[serde(skip)]
    pub elapsed: Duration,
    #[serde(skip)]
    pub refresh: Option<Refresh>,
}

/// One problem in the file, located as precisely as it can be.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl Problem {
    fn at(line: u64, column: &str, value: &str, message: impl Into<String>) -> Self {
        Problem {
            line: Some(line),
            column: Some(column.to_string()),
            value: Some(value.to_string()),
            message: message.into(),
        }
    }

    fn line(line: u64, message: impl Into<String>) -> Self {
        Problem {
            line: Some(line),
            column: None,
            value: None,
            message: message.into(),
        }
    }

    /// The problem on one line, with the file's text cleaned for the terminal (`escape::line`):
    /// a value or a column name from the file can hold escape sequences and line breaks.
    fn render(&self, file: &str) -> String {
        use crate::report::escape::line as clean;
        let mut out = clean(file);
        if let Some(line) = self.line {
            out += &format!(":{line}");
        }
        out += ": ";
        if let Some(column) = &self.column {
            out += &format!("column {}", clean(column));
            if let Some(value) = &self.value {
                let value: String = value.chars().take(60).collect();
                out += &format!(", value '{}'", clean(&value));
            }
            out += ": ";
        }
        out + &clean(&self.message)
    }
}

/// Collects problems; lists the first ones and counts the rest.
#[derive(Default)]
struct Problems {
    listed: Vec<Problem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, problem: Problem) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(problem);
        }
    }

    /// Takes in another list, keeping the listed ones in line order.
    fn absorb(&mut self, other: &mut Problems) {
        self.total += other.total;
        self.listed.append(&mut other.listed);
        self.listed.sort_by_key(|p| p.line);
        self.listed.truncate(MAX_LISTED_ERRORS);
    }

    fn into_error(self, file: &str) -> Error {
        let mut message = format!(
            "{file}: not imported, nothing was written: {} error{}",
            self.total,
            if self.total == 1 { "" } else { "s" }
        );
        for problem in &self.listed {
            message += "\n  ";
            message += &problem.render(file);
        }
        if self.total > self.listed.len() {
            message += &format!("\n  ... and {} more", self.total - self.listed.len());
        }
        Error::Input(message)
    }
}

pub fn import(store: &mut Store, kind: Kind, path: &Path, options: &Options) -> Result<Report> {
    import_with(store, kind, path, options, &Adapter::default())
}

/// An import through adapters: a preset, a map file, the command line's `--set`, `--values`...
pub fn import_with(
    store: &mut Store,
    kind: Kind,
    path: &Path,
    options: &Options,
    adapter: &Adapter,
) -> Result<Report> {
    // `--map` on the command line wins over a preset's or a map file's rename of the same field.
    let adapter = adapter.clone().overlay(Adapter {
        columns: options.map.clone(),
        ..Adapter::default()
    });
    match kind.spec() {
        Some(spec) if !(is_toml(path) && kind == Kind::Tiers) => {
            import_csv(store, kind, spec, path, options, &adapter)
        }
        _ if adapter.set.len() + adapter.values.len() + adapter.date_formats.len() > 0
            || adapter.skip_rows > 0
            || adapter.decimal_comma
            || adapter.account_by != adapt::AccountBy::Id =>
        {
            Err(Error::input(format!(
                "{}: --set, --values, --skip-rows, --date-format, --decimal-comma, --account-by and presets are for CSV files of accounts, subscriptions, tickets, surveys and the other row kinds, not {}",
                path.display(),
                kind.name()
            )))
        }
        _ if kind == Kind::AlertRules => {
            alert_rules::import(store, path, adapter.label.as_deref(), options.dry_run)
        }
        _ if kind == Kind::Journeys || is_toml(path) => import_definitions(store, kind, path, options),
        _ => Err(Error::input(format!(
            "{}: {} are imported from TOML (a .toml file)",
            path.display(),
            kind.name()
        ))),
    }
}

/// Journeys (TOML or CSV) or tiers (TOML): one transaction; row counts cover every entry of the file.
fn import_definitions(store: &mut Store, kind: Kind, path: &Path, options: &Options) -> Result<Report> {
    let started = Instant::now();
    let tables: &[&str] = if kind == Kind::Journeys {
        &["journey", "phase", "metric"]
    } else {
        &["tier"]
    };
    let count_sql = tables
        .iter()
        .map(|t| format!("(SELECT count(*) FROM {t})"))
        .collect::<Vec<_>>()
        .join(" + ");
    let count_sql = format!("SELECT {count_sql}");
    let mut report = Report {
        kind: kind.name(),
        file: path.display().to_string(),
        dry_run: options.dry_run,
        ..Report::default()
    };
    let tx = store
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting the import")?;
    let before: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .context("counting rows")?;
    if kind == Kind::Journeys && !is_toml(path) {
        journeys_csv::import_journeys(&tx, path, options, &mut report)?;
    } else if kind == Kind::Journeys {
        toml_defs::import_journeys(&tx, path, &mut report)?;
    } else {
        toml_defs::import_tiers(&tx, path, &mut report)?;
    }
    if kind == Kind::Journeys
        && let Some(why) = crate::store::too_many_indicators(&tx)?
    {
        // Dropping the transaction rolls it back.
        return Err(Error::input(format!(
            "{}: {why}; nothing was written",
            path.display()
        )));
    }
    let after: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .context("counting rows")?;
    report.new = (after - before).max(0) as u64;
    report.changed = report.changed.saturating_sub(report.new);
    finish(
        store_finish(tx, kind, options.dry_run)?,
        options.defer_refresh,
        store,
        &mut report,
        started,
    )?;
    Ok(report)
}

fn is_toml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Commits (or, for a dry run, rolls back); true when committed. Changed definitions (journeys,
/// metrics, tiers) reach every month: recorded as a pending full refresh in the import's own
/// transaction (raw rows record theirs by triggers), so a refresh cut short is taken up later.
fn store_finish(tx: rusqlite::Transaction<'_>, kind: Kind, dry_run: bool) -> Result<bool> {
    if matches!(kind, Kind::Journeys | Kind::Tiers) {
        tx.execute("INSERT INTO refresh_touch VALUES ('definitions', '0000-00')", [])
            .context("recording the pending refresh")?;
    }
    if dry_run {
        tx.rollback().context("discarding the dry run")?;
        Ok(false)
    } else {
        tx.commit().context("committing the import")?;
        Ok(true)
    }
}

fn finish(
    committed: bool,
    defer_refresh: bool,
    store: &mut Store,
    report: &mut Report,
    started: Instant,
) -> Result<()> {
    report.elapsed = started.elapsed();
    if committed && !defer_refresh {
        // What the import changed (and anything an earlier refresh left undone).
        report.refresh = store.refresh_pending()?;
    }
    Ok(())
}

fn import_csv(
    store: &mut Store,
    kind: Kind,
    spec: Spec,
    path: &Path,
    options: &Options,
    adapter: &Adapter,
) -> Result<Report> {
    let started = Instant::now();
    // References are checked against the store by the import itself (`Lookups`), before a row
    // is written; the store's own check of each row would only repeat it. The setting cannot
    // change inside a transaction, so it brackets it.
    set_foreign_keys(store, false)?;
    let loaded = load_csv(store, kind, spec, path, options, adapter);
    set_foreign_keys(store, true)?;
    let (mut report, committed) = loaded?;
    finish(committed, options.defer_refresh, store, &mut report, started)?;
    Ok(report)
}

fn set_foreign_keys(store: &Store, on: bool) -> Result<()> {
    store
        .conn()
        .pragma_update(None, "foreign_keys", on)
        .context("setting foreign key checks")
}

/// Reads, checks and writes the file in one transaction; true when it was committed.
fn load_csv(
    store: &mut Store,
    kind: Kind,
    spec: Spec,
    path: &Path,
    options: &Options,
    adapter: &Adapter,
) -> Result<(Report, bool)> {
    let file = adapter
        .label
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let mut source = reader::open_as(path, &file)?;
    let Some(header) = source.header()? else {
        return Err(Error::input(format!(
            "{file}: the file is empty; expected a header line naming the columns ({})",
            column_names(&spec)
        )));
    };
    let layout = reader::Layout::new(&header, &spec, kind, adapter, &adapter.columns).map_err(|p| {
        let mut problems = Problems::default();
        p.into_iter().for_each(|p| problems.push(p));
        problems.into_error(&file)
    })?;
    // Header rows after the header (survey tools' question texts and import ids) are no data.
    for _ in 0..adapter.skip_rows {
        if source.next_record()?.is_none() {
            break;
        }
    }
    let tx = store
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting the import")?;
    let lookups = Lookups::load(&tx, adapter.account_by)?;
    let sql_columns = layout.sql_columns(&spec);
    let count_sql = format!("SELECT count(*) FROM {}", spec.table);
    let before: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .context("counting rows")?;
    // A ladder may reorder its ranks: park the old ones, and count changes by comparison.
    let ladder_before = if kind == Kind::Tiers {
        let before = ladder::snapshot(&tx)?;
        ladder::park(&tx)?;
        Some(before)
    } else {
        None
    };

    // Two threads: one reads and checks the file, this one writes what it passes; the store's
    // B-tree work and the parsing overlap.
    let parser = Parser {
        path,
        file: &file,
        kind,
        spec: &spec,
        layout: &layout,
        width: header.len(),
        lookups: &lookups,
        dates: options.dates,
        adapter,
        sql_columns: &sql_columns,
    };
    let total_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let (parsed, mut store_problems, written) = std::thread::scope(|scope| -> Result<_> {
        let (batches, received) = std::sync::mpsc::sync_channel::<Batch>(8);
        let progress = Progress::new(total_bytes);
        let parsing = scope.spawn(move || parser.run(source, batches, progress));
        let mut writer = writer::Writer::new(&tx, &spec, &sql_columns)?;
        let mut store_problems = Problems::default();
        let mut set_aside = None;
        for batch in received {
            if set_aside.is_none() {
                // The first batch tells the file's bytes per row, hence about how many rows it has.
                let expected = (total_bytes * batch.rows_read)
                    .checked_div(batch.end_byte)
                    .unwrap_or(0);
                let aside = writer::SetAside::if_large(&tx, &spec, &sql_columns, expected, before as u64)?;
                if aside.sets_aside_inserts() {
                    writer.record_inserts(&tx, &spec, &sql_columns)?;
                }
                set_aside = Some(aside);
            }
            if store_problems.total > 0 {
                continue; // nothing will be written: let the parser validate the rest
            }
            for (index, line) in batch.lines.iter().enumerate() {
                if let Some(problem) = writer.write(*line, batch.row(index, sql_columns.len()))? {
                    store_problems.push(problem);
                    break;
                }
            }
        }
        let parsed = parsing
            .join()
            .map_err(|_| Error::input(format!("{file}: the import stopped unexpectedly")))??;
        let written = writer.written;
        if parsed.problems.total + store_problems.total == 0 {
            writer.finish(&tx)?;
            if let Some(set_aside) = set_aside {
                set_aside.restore(&tx)?;
            }
        }
        Ok((parsed, store_problems, written))
    })?;
    let Parsed {
        mut problems,
        rows,
        tier_lines,
    } = parsed;
    problems.absorb(&mut store_problems);
    let mut report = Report {
        kind: kind.name(),
        file: file.clone(),
        rows,
        ignored_columns: layout.ignored.clone(),
        dry_run: options.dry_run,
        preset: adapter.preset.clone(),
        mapping: if options.dry_run {
            mapping::describe(&header, kind, &spec, &layout, adapter)
        } else {
            Vec::new()
        },
        ..Report::default()
    };
    if kind == Kind::Tiers && problems.total == 0 {
        ladder::unpark(&tx)?;
        for (tier, _, mut problem) in ladder::problems(&tx)? {
            problem.line = tier_lines.get(&tier).copied();
            problems.push(problem);
        }
    }
    if problems.total > 0 {
        return Err(problems.into_error(&file)); // dropping the transaction rolls it back
    }
    let after: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .context("counting rows")?;
    report.new = (after - before).max(0) as u64;
    report.changed = written.saturating_sub(report.new);
    if let Some(before) = &ladder_before {
        (report.new, report.changed) =
            ladder::count_changes(before, &ladder::snapshot(&tx)?, |id| tier_lines.contains_key(id));
    }
    report.unchanged = report.rows.saturating_sub(report.new + report.changed);
    let committed = store_finish(tx, kind, options.dry_run)?;
    Ok((report, committed))
}

/// Rows that passed every check, on their way to the store: values flat, row after row, their
/// texts in one buffer, so the writing thread neither allocates nor frees per value.
struct Batch {
    lines: Vec<u64>,
    cells: Vec<Cell>,
    text: String,
    /// Rows read and bytes consumed so far, to estimate the size of the file.
    rows_read: u64,
    end_byte: u64,
}

const BATCH_ROWS: usize = 2048;

/// What the parsing thread found.
struct Parsed {
    problems: Problems,
    rows: u64,
    /// Tier id -> its line, to locate ladder problems found after writing.
    tier_lines: HashMap<String, u64>,
}

/// Reads, parses and checks every record of the file, passing good rows on in batches until the
/// first problem (then only validating, so every problem is reported).
struct Parser<'a> {
    path: &'a Path,
    /// The file as messages name it.
    file: &'a str,
    kind: Kind,
    spec: &'a Spec,
    layout: &'a reader::Layout,
    width: usize,
    lookups: &'a Lookups,
    dates: DateOrder,
    adapter: &'a Adapter,
    sql_columns: &'a [&'static str],
}

impl Parser<'_> {
    fn run(
        self,
        mut source: reader::Source,
        batches: SyncSender<Batch>,
        progress: Progress,
    ) -> Result<Parsed> {
        let mut problems = Problems::default();
        let mut keys = dedupe::KeyLedger::new();
        let mut tier_lines = HashMap::new();
        let mut rows = 0u64;
        let template = Row::template(self.spec, self.kind);
        let mut batch = Batch::new(self.sql_columns.len());
        let mut sending = true;
        while let Some(record) = source.next_record()? {
            rows += 1;
            let line = record.line;
            progress.tick(rows, record.byte);
            let Some(mut row) = self.row_of(record, &template, &mut problems) else {
                continue;
            };
            keys.add(self.key_hash(&row), line)?;
            if let (Kind::Tiers, Some(id)) = (self.kind, row.text("tier_id")) {
                tier_lines.insert(id.to_string(), line);
            }
            if problems.total > 0 || !sending {
                continue; // nothing will be written: only validate the rest
            }
            batch.lines.push(line);
            for column in self.sql_columns {
                batch.push(row.take(column));
            }
            if batch.lines.len() >= BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Batch::new(self.sql_columns.len()));
                sending = send(&batches, full, rows, record.byte);
            }
        }
        if problems.total == 0 && sending && !batch.lines.is_empty() {
            send(&batches, batch, rows, progress.total_bytes);
        }
        progress.finish(rows);
        drop(batches); // the writer finishes while repeated keys are looked for
        let repeats = keys.repeats()?;
        if !repeats.is_empty() {
            for problem in self.confirm_repeats(&repeats, &template)? {
                problems.push(problem);
            }
        }
        Ok(Parsed {
            problems,
            rows,
            tier_lines,
        })
    }
}

impl Parser<'_> {
    /// A record parsed and checked into a row, or its problems noted.
    fn row_of(&self, record: &reader::Record, template: &Row, problems: &mut Problems) -> Option<Row> {
        if record.fields.len() != self.width {
            problems.push(Problem::line(
                record.line,
                format!(
                    "{} fields, expected {} as in the header (a truncated line, or a delimiter inside an unquoted field?)",
                    record.fields.len(),
                    self.width
                ),
            ));
            return None;
        }
        let mut row = parse_row(self, record, template, problems)?;
        if let Err(problem) = derive::apply(self.kind, &mut row, record.line) {
            problems.push(problem);
            return None;
        }
        if let Err(problem) = self.lookups.refine(self.kind, &mut row, record.line) {
            problems.push(problem);
            return None;
        }
        Some(row)
    }

    fn key_hash(&self, row: &Row) -> u64 {
        let mut hasher = DefaultHasher::new();
        for key in self.spec.key {
            hash_value(row.get(key), &mut hasher);
        }
        hasher.finish()
    }

    fn key_text(&self, row: &Row) -> String {
        self.spec
            .key
            .iter()
            .map(|k| display(row.get(k)))
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Reads the file again for the lines whose key hashes repeat, and names those whose keys
    /// really do (a rare hash collision is not a repeat).
    fn confirm_repeats(&self, repeats: &[dedupe::Repeat], template: &Row) -> Result<Vec<Problem>> {
        let wanted: HashSet<u64> = repeats.iter().flat_map(|r| [r.line, r.earlier]).collect();
        let mut keys: HashMap<u64, String> = HashMap::new();
        let mut source = reader::open_as(self.path, self.file)?;
        source.header()?;
        let mut scratch = Problems::default();
        while let Some(record) = source.next_record()? {
            if wanted.contains(&record.line)
                && let Some(row) = self.row_of(record, template, &mut scratch)
            {
                keys.insert(record.line, self.key_text(&row));
            }
        }
        Ok(repeats
            .iter()
            .filter(|r| keys.get(&r.line).is_some_and(|k| keys.get(&r.earlier) == Some(k)))
            .map(|r| {
                Problem::line(
                    r.line,
                    format!(
                        "duplicate key {} = {} (it appears earlier in the file, on line {})",
                        self.spec.key.join("+"),
                        keys.get(&r.line).map_or("", String::as_str),
                        r.earlier
                    ),
                )
            })
            .collect())
    }
}

/// False when the writer has stopped listening (it failed; its error is reported).
fn send(batches: &SyncSender<Batch>, mut batch: Batch, rows_read: u64, end_byte: u64) -> bool {
    batch.rows_read = rows_read;
    batch.end_byte = end_byte;
    batches.send(batch).is_ok()
}

enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    /// A range of the batch's text.
    Text(usize, usize),
}

impl Batch {
    fn new(width: usize) -> Batch {
        Batch {
            lines: Vec::with_capacity(BATCH_ROWS),
            cells: Vec::with_capacity(BATCH_ROWS * width),
            text: String::with_capacity(BATCH_ROWS * width * 12),
            rows_read: 0,
            end_byte: 0,
        }
    }

    fn push(&mut self, value: Value) {
        let cell = match value {
            Value::Null | Value::Blob(_) => Cell::Null,
            Value::Integer(i) => Cell::Integer(i),
            Value::Real(r) => Cell::Real(r),
            Value::Text(t) => {
                let start = self.text.len();
                self.text.push_str(&t);
                Cell::Text(start, self.text.len())
            }
        };
        self.cells.push(cell);
    }

    /// One row's values as the store binds them.
    fn row(&self, index: usize, width: usize) -> impl Iterator<Item = ToSqlOutput<'_>> + Clone {
        self.cells[index * width..(index + 1) * width].iter().map(|cell| {
            ToSqlOutput::Borrowed(match *cell {
                Cell::Null => ValueRef::Null,
                Cell::Integer(i) => ValueRef::Integer(i),
                Cell::Real(r) => ValueRef::Real(r),
                Cell::Text(start, end) => ValueRef::Text(&self.text.as_bytes()[start..end]),
            })
        })
    }
}

/// One record's values by field name; `None` for a column absent from the file.
pub struct Row {
    names: Vec<&'static str>,
    values: Vec<Option<Value>>,
}

impl Row {
    /// An empty row of the kind's fields and inputs, cloned for each record.
    fn template(spec: &Spec, kind: Kind) -> Row {
        let names: Vec<&'static str> = spec
            .columns
            .iter()
            .chain(derive::inputs(kind))
            .map(|c| c.name)
            .chain(["phase_id"])
            .collect();
        Row {
            values: vec![None; names.len()],
            names,
        }
    }

    /// Moves a field's value out, for the store; NULL when absent.
    fn take(&mut self, name: &str) -> Value {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.values[i].take())
            .unwrap_or(Value::Null)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values[i].as_ref()
    }

    /// The text of a field that holds text, if present and not empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn set(&mut self, name: &'static str, value: Value) {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => self.values[i] = Some(value),
            None => {
                self.names.push(name);
                self.values.push(Some(value));
            }
        }
    }
}

fn parse_row(
    parser: &Parser<'_>,
    record: &reader::Record,
    template: &Row,
    problems: &mut Problems,
) -> Option<Row> {
    let (spec, layout) = (parser.spec, parser.layout);
    let mut row = Row {
        names: template.names.clone(),
        values: template.values.clone(),
    };
    let mut ok = true;
    let fields = spec.columns.iter().chain(derive::inputs(parser.kind));
    for (i, column) in fields.enumerate() {
        let raw: &[u8] = match (layout.index_of[i], &layout.constants[i]) {
            (Some(index), _) => record.fields.get(index).unwrap_or_default(),
            (None, Some(constant)) => constant.as_bytes(),
            (None, None) => {
                // A key field the file lacks takes its default (a metric value's segment is
                // `all`); other absent fields are not written, so existing rows keep theirs.
                if spec.key.contains(&column.name) {
                    row.values[i] = Some(empty_value(column));
                }
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            problems.push(Problem::at(
                record.line,
                column.name,
                &String::from_utf8_lossy(raw),
                encoding::not_utf8(raw),
            ));
            ok = false;
            continue;
        };
        let text = text.trim();
        let text = parser.adapter.mapped_value(column.name, text).unwrap_or(text);
        if text.is_empty() {
            if column.required && !layout.derivable[i] {
                problems.push(Problem::at(record.line, column.name, "", "a value is required"));
                ok = false;
            } else {
                row.values[i] = Some(empty_value(column));
            }
            continue;
        }
        if let Some(problem) = fields::too_long(text, fields::max_chars(column.name)) {
            // Only the start is shown (see `Problem::render`): no need to copy the whole field.
            let start: String = text.chars().take(60).collect();
            problems.push(Problem::at(record.line, column.name, &start, problem));
            ok = false;
            continue;
        }
        let parsed = adapted(parser, column.ty, text).and_then(|t| column.ty.parse(&t, parser.dates));
        match parsed {
            Ok(value) => row.values[i] = Some(value),
            Err(expected) => {
                problems.push(Problem::at(record.line, column.name, text, expected));
                ok = false;
            }
        }
    }
    ok.then_some(row)
}

/// A field's text as the column's parser reads it: numbers without grouping, dates in ISO.
fn adapted<'t>(
    parser: &Parser<'_>,
    ty: FieldType,
    text: &'t str,
) -> Result<std::borrow::Cow<'t, str>, String> {
    match ty {
        FieldType::Number { .. } | FieldType::Integer { .. } => {
            numbers::normalise(text, parser.adapter.decimal_comma)
        }
        FieldType::Date | FieldType::Timestamp => {
            dates::normalise(text, ty, &parser.adapter.date_formats, parser.dates)
        }
        _ => Ok(std::borrow::Cow::Borrowed(text)),
    }
}

fn empty_value(column: &Column) -> Value {
    match column.empty {
        EmptyAs::Null => Value::Null,
        EmptyAs::Blank => Value::Text(String::new()),
        EmptyAs::Zero => Value::Integer(0),
        EmptyAs::Text(text) => match column.ty {
            fields::FieldType::Integer { .. } => text.parse().map(Value::Integer).unwrap_or(Value::Null),
            _ => Value::Text(text.to_string()),
        },
    }
}

pub fn column_names(spec: &Spec) -> String {
    spec.columns
        .iter()
        .map(|c| {
            if c.required {
                format!("{}*", c.name)
            } else {
                c.name.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn hash_value(value: Option<&Value>, hasher: &mut DefaultHasher) {
    match value {
        Some(Value::Text(t)) => t.hash(hasher),
        Some(Value::Integer(i)) => i.hash(hasher),
        Some(Value::Real(r)) => r.to_bits().hash(hasher),
        Some(Value::Blob(b)) => b.hash(hasher),
        Some(Value::Null) | None => 0u8.hash(hasher),
    }
}

fn display(value: Option<&Value>) -> String {
    match value {
        Some(Value::Text(t)) => t.clone(),
        Some(Value::Integer(i)) => i.to_string(),
        Some(Value::Real(r)) => r.to_string(),
        _ => String::new(),
    }
}

/// A one-line progress report on stderr for imports that take more than a second, only when
/// stderr is a terminal.
struct Progress {
    started: Instant,
    total_bytes: u64,
    enabled: bool,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    fn new(total_bytes: u64) -> Self {
        Progress {
            started: Instant::now(),
            total_bytes,
            enabled: std::io::stderr().is_terminal(),
            shown: std::cell::Cell::new(false),
        }
    }

    fn tick(&self, rows: u64, byte: u64) {
        if !self.enabled || !rows.is_multiple_of(50_000) || self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let pct = (100 * byte).checked_div(self.total_bytes).unwrap_or(0);
        self.show(pct, &format!("{rows} rows"));
    }

    fn show(&self, pct: u64, what: &str) {
        let filled = (pct / 5).min(20) as usize;
        eprint!(
            "\r[{}{}] {pct:>3}%  {what}",
            "#".repeat(filled),
            ".".repeat(20 - filled)
        );
        self.shown.set(true);
    }

    /// The file is read: the bar completes; what remains (the last rows, an index rebuild, the
    /// commit) is said on the same line.
    fn finish(&self, rows: u64) {
        if self.shown.get() {
            self.show(100, &format!("{rows} rows read; writing"));
            eprintln!();
        }
    }
}
