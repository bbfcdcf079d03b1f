//! `cxcockpit check`: prints the findings; exit 1 when there is a problem.

use super::output::{self, Format, out, outln};
use crate::error::Result;
use std::path::Path;

use crate::store::Store;
use crate::store::check::{CheckReport, Finding};

pub fn run(store: &Store, format: Format) -> Result<u8> {
    let report = store.check()?;
    print(store.path(), &report, format)
}

/// A store SQLite cannot even open because it is corrupt or truncated: that is what `check`
/// is for, so it is reported as its one problem (exit 1), not refused as bad input.
pub fn run_unreadable(path: &Path, detail: &str, format: Format) -> Result<u8> {
    let report = CheckReport {
        problems: vec![Finding {
            rule: "integrity",
            detail: detail.to_string(),
        }],
        notes: Vec::new(),
    };
    print(path, &report, format)
}

fn print(path: &Path, report: &CheckReport, format: Format) -> Result<u8> {
    let code = if report.problems.is_empty() { 0 } else { 1 };
    let rows: Vec<Vec<String>> = report
        .problems
        .iter()
        .map(|f| ("problem", f))
        .chain(report.notes.iter().map(|f| ("note", f)))
        .map(|(level, f)| vec![level.to_string(), f.rule.to_string(), f.detail.clone()])
        .collect();
    match format {
        Format::Json => {
            let json =
                serde_json::json!({ "ok": code == 0, "problems": report.problems, "notes": report.notes });
            outln!("{json:#}");
        }
        Format::Csv => out!("{}", output::csv(&["level", "rule", "detail"], &rows)),
        Format::Table => {
            if !rows.is_empty() {
                out!("{}", output::table(&["level", "rule", "detail"], &rows));
            }
            if code == 0 {
                outln!("{}: ok ({} notes)", path.display(), report.notes.len());
            } else {
                outln!("{}: {} problems", path.display(), report.problems.len());
            }
        }
    }
    Ok(code)
}
