//! `cxcockpit import KIND FILE`: runs an import and reports what changed.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::output::{self, Format, out, outln};
use crate::error::{Error, Result};
use crate::import::adapt::{self, AccountBy, Adapter, AdapterFile};
use crate::import::fields::DateOrder;
use crate::import::kinds::Kind;
use crate::import::{self, Options, presets};
use crate::store::Store;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub list: Option<ImportList>,
    /// What the file holds.
    #[arg(value_enum, required = true)]
    pub kind: Option<Kind>,
    /// The CSV file (comma, semicolon or tab; UTF-8 with or without BOM), a .toml file for journeys and tiers, or - for stdin.
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Read the export of a tool as it comes (see `import presets`): stripe, chargebee, hubspot, salesforce, zendesk, freshdesk, qualtrics, surveymonkey, delighted.
    #[arg(long, value_name = "TOOL")]
    pub preset: Option<String>,
    /// Rename the file's columns to our fields: COL=FIELD,... (e.g. id=account_id,MonthlyCharges=mrr); quote names with commas: '"Amount, USD"=amount'; COL=- ignores a column.
    #[arg(long, value_name = "COL=FIELD,...")]
    pub map: Vec<String>,
    /// A mapping kept in a TOML file: [columns], [set], [values.FIELD], skip_rows, date_formats, decimal_comma (as the presets are written).
    #[arg(long, value_name = "FILE.toml")]
    pub map_file: Option<PathBuf>,
    /// Give a field the same value on every row (e.g. --set survey=nps).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Map a field's values to ours: FIELD:FROM=TO,... (e.g. severity:urgent=critical,normal=medium).
    #[arg(long, value_name = "FIELD:FROM=TO,...")]
    pub values: Vec<String>,
    /// Skip N rows after the header (the extra header rows of survey exports).
    #[arg(long, value_name = "N")]
    pub skip_rows: Option<u64>,
    /// Read dates in this strftime-style format (e.g. %m/%d/%Y %I:%M %p; %s for epoch seconds); repeat for several.
    #[arg(long, value_name = "FMT", conflicts_with = "day_first")]
    pub date_format: Vec<String>,
    /// Numbers are written with a decimal comma (1.200,50).
    #[arg(long)]
    pub decimal_comma: bool,
    /// How rows name their account: our id (default), the account's name (but for case), its domain (but for case; an email address by its domain) or its id in another tool (external_id, exactly); accounts get a domain and an external_id from their import. An unknown or ambiguous reference is an error naming the line.
    #[arg(long, value_enum, value_name = "HOW")]
    pub account_by: Option<AccountBy>,
    /// Validate and report what would change, without writing (with the column mapping applied).
    #[arg(long)]
    pub dry_run: bool,
    /// Also accept dates written DD/MM/YYYY.
    #[arg(long)]
    pub day_first: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportList {
    /// The tools whose exports import as they come (--preset NAME).
    Presets,
}

/// `import presets`: the presets, their kinds and where each tool makes the export.
pub fn list(format: Format) -> Result<u8> {
    let listed = presets::list()?;
    let header = ["preset", "tool", "kind", "export", "documentation"];
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.tool.clone(),
                p.kind.clone(),
                p.export.clone(),
                p.source.clone(),
            ]
        })
        .collect();
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&listed).unwrap_or_default()),
        Format::Csv => out!("{}", output::csv(&header, &rows)),
        Format::Table => out!(
            "{}",
            output::table(
                &header[..4],
                &rows.iter().map(|r| r[..4].to_vec()).collect::<Vec<_>>()
            )
        ),
    }
    Ok(0)
}

/// The adapters of the command line: a preset, then a map file, then the flags, each laid over
/// the one before.
fn adapter(args: &ImportArgs, kind: Kind) -> Result<Adapter> {
    let usage = |flag: &str, e: String| Error::input(format!("{flag} {e}"));
    let mut adapter = match &args.preset {
        Some(name) => presets::adapter(name, kind.name())?,
        None => Adapter::default(),
    };
    if let Some(path) = &args.map_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(format!("--map-file {}: cannot read it: {e}", path.display())))?;
        let file = AdapterFile::parse(&text, &path.display().to_string())?;
        if let Some(for_kind) = &file.kind
            && for_kind != kind.name()
        {
            return Err(Error::input(format!(
                "--map-file {}: written for {for_kind}, not {}",
                path.display(),
                kind.name()
            )));
        }
        adapter = adapter.overlay(file.into_adapter());
    }
    let mut flags = Adapter {
        skip_rows: args.skip_rows.unwrap_or(0),
        date_formats: args.date_format.clone(),
        decimal_comma: args.decimal_comma,
        account_by: args.account_by.unwrap_or_default(),
        ..Adapter::default()
    };
    for set in &args.set {
        let pair = adapt::pairs(set, "FIELD=VALUE").map_err(|e| usage("--set", e))?;
        match pair.as_slice() {
            [(field, value)] => flags.set.push((field.clone(), value.clone())),
            _ => {
                return Err(usage(
                    "--set",
                    format!("'{set}': expected one FIELD=VALUE (quote a value with commas)"),
                ));
            }
        }
    }
    for values in &args.values {
        flags
            .values
            .push(adapt::value_map(values).map_err(|e| usage("--values", e))?);
    }
    let mut adapter = adapter.overlay(flags);
    if let Some(by) = args.account_by {
        adapter.account_by = by; // also `id`, which undoes a preset's `name`
    }
    if args.skip_rows == Some(0) {
        adapter.skip_rows = 0; // an explicit 0 undoes a preset's skipped rows
    }
    Ok(adapter)
}

/// Standard input spooled to a temporary file: an import reads its file twice when it names
/// repeated keys.
fn spool_stdin() -> Result<tempfile::NamedTempFile> {
    let io = |source| Error::Io {
        context: "reading standard input".into(),
        source,
    };
    let mut file = tempfile::NamedTempFile::new().map_err(io)?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(file)
}

pub fn run(store: &mut Store, args: &ImportArgs, format: Format) -> Result<u8> {
    let (Some(kind), Some(file)) = (args.kind, args.file.as_deref()) else {
        return Err(Error::input(
            "import KIND FILE: expected a kind and a file (or `import presets`)",
        ));
    };
    if store.conn().is_readonly(rusqlite::MAIN_DB).unwrap_or(false) && !args.dry_run {
        // `--readonly import` without --dry-run is refused before the store opens: here the
        // file or its directory is what cannot be written.
        return Err(Error::input(format!(
            "{}: the store cannot be written by you (check the permissions of the file and its directory); use --dry-run to validate the file without writing",
            store.path().display()
        )));
    }
    let mut map = Vec::new();
    for text in &args.map {
        map.extend(adapt::pairs(text, "COL=FIELD").map_err(|e| Error::input(format!("--map {e}")))?);
    }
    let options = Options {
        map,
        dry_run: args.dry_run,
        dates: if args.day_first {
            DateOrder::DayFirst
        } else {
            DateOrder::Iso
        },
        // Refreshed below, naming its steps on the spinner.
        defer_refresh: true,
    };
    let mut adapter = adapter(args, kind)?;
    let spooled;
    let path: &Path = if file == Path::new("-") {
        spooled = spool_stdin()?;
        adapter.label = Some("stdin".to_string());
        spooled.path()
    } else {
        file
    };
    let report = {
        let steps = super::progress::Steps::start(&format!("import {}", kind.name()));
        steps.step("reading, checking and writing the rows");
        let mut report = import::import_with(store, kind, path, &options, &adapter)?;
        if !report.dry_run {
            report.refresh = store.refresh_pending_reporting(&mut |name| steps.step(name))?;
        }
        report
    };
    if report.dry_run && !report.mapping.is_empty() && matches!(format, Format::Table) {
        outln!("mapping applied:");
        for line in &report.mapping {
            // Column names come from the file: cleaned like every other text from data.
            outln!("  {}", crate::report::escape::line(line));
        }
    }
    if !report.ignored_columns.is_empty() {
        // Column names come from the file: cleaned like every other text from data.
        super::logs::notice(&format!(
            "{}: ignored columns not used by {}: {}",
            crate::report::escape::line(&report.file),
            report.kind,
            crate::report::escape::line(&report.ignored_columns.join(", "))
        ));
    }
    if report.rows == 0 {
        super::logs::notice(&format!(
            "{}: a header and no rows",
            crate::report::escape::line(&report.file)
        ));
    }
    let rows_per_second = report.rows as f64 / report.elapsed.as_secs_f64().max(1e-9);
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        Format::Csv => out!(
            "{}",
            output::csv(
                &["kind", "file", "rows", "new", "changed", "unchanged", "dry_run"],
                &[vec![
                    report.kind.to_string(),
                    report.file.clone(),
                    report.rows.to_string(),
                    report.new.to_string(),
                    report.changed.to_string(),
                    report.unchanged.to_string(),
                    report.dry_run.to_string(),
                ]]
            )
        ),
        Format::Table => {
            let verb = if report.dry_run {
                "would import"
            } else {
                "imported"
            };
            outln!(
                "{verb} {} from {}: {} rows: {} new, {} changed, {} unchanged ({:.2} s, {:.0} rows/s){}",
                report.kind,
                report.file,
                report.rows,
                report.new,
                report.changed,
                report.unchanged,
                report.elapsed.as_secs_f64(),
                rows_per_second,
                if report.dry_run {
                    "; nothing written (dry run)"
                } else {
                    ""
                }
            );
            if let Some(refresh) = report.refresh {
                outln!("{}", super::describe_refresh(&refresh));
            }
        }
    }
    Ok(0)
}
