//! `cxcockpit import KIND FILE`: runs an import and reports what changed.

use std::path::PathBuf;

use clap::Args;

use super::output::{self, Format, out, outln};
use crate::error::{Error, Result};
use crate::import::fields::DateOrder;
use crate::import::kinds::Kind;
use crate::import::{self, Options};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The CSV file (comma, semicolon or tab; UTF-8 with or without BOM), or a .toml file for journeys and tiers.
    pub file: PathBuf,
    /// Rename the file's columns to our fields: COL=FIELD,... (e.g. id=account_id,MonthlyCharges=mrr).
    #[arg(long, value_name = "COL=FIELD,...", value_delimiter = ',', value_parser = parse_mapping)]
    pub map: Vec<(String, String)>,
    /// Validate and report what would change, without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also accept dates written DD/MM/YYYY.
    #[arg(long)]
    pub day_first: bool,
}

fn parse_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_string(), to.trim().to_string()))
        }
        _ => Err(format!("'{text}': expected COL=FIELD")),
    }
}

pub fn run(store: &mut Store, args: &ImportArgs, format: Format) -> Result<u8> {
    if store.conn().is_readonly(rusqlite::MAIN_DB).unwrap_or(false) && !args.dry_run {
        // `--readonly import` without --dry-run is refused before the store opens: here the
        // file or its directory is what cannot be written.
        return Err(Error::input(format!(
            "{}: the store cannot be written by you (check the permissions of the file and its directory); use --dry-run to validate the file without writing",
            store.path().display()
        )));
    }
    let options = Options {
        map: args.map.clone(),
        dry_run: args.dry_run,
        dates: if args.day_first {
            DateOrder::DayFirst
        } else {
            DateOrder::Iso
        },
    };
    let report = import::import(store, args.kind, &args.file, &options)?;
    if !report.ignored_columns.is_empty() {
        // Column names come from the file: cleaned like every other text from data.
        eprintln!(
            "notice: {}: ignored columns not used by {}: {}",
            crate::report::escape::line(&report.file),
            report.kind,
            crate::report::escape::line(&report.ignored_columns.join(", "))
        );
    }
    if report.rows == 0 {
        eprintln!("notice: {}: a header and no rows", report.file);
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
