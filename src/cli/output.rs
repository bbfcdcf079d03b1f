//! Output formats shared by every subcommand that prints data: aligned tables, JSON, CSV.

use std::io::Write;

use clap::ValueEnum;
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};
use crate::report::escape;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Writes `text` to stdout: a full disk or a closed descriptor is an error (exit 1), where
/// `print!` would panic. A reader that stopped early (`| head`) is not a failure.
pub fn emit(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            context: "writing to standard output".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// `print!` through `emit`, returning its error from the calling function.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::emit(&format!($($arg)*))?
    };
}

/// `println!` through `emit`, returning its error from the calling function.
macro_rules! outln {
    () => {
        $crate::cli::output::emit("\n")?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::emit(&format!("{}\n", format_args!($($arg)*)))?
    };
}

pub(crate) use {out, outln};

/// Columns padded to their widest cell by display width (a CJK letter takes two columns);
/// numbers are expected right-aligned by the caller's text. Cells are cleaned for the terminal
/// (`escape::line`): one line, no control or bidirectional characters.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|h| escape::line(h)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| escape::line(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.width());
            }
        }
    }
    // Padded by hand: `format!("{:<width$}")` panics on a width of 65,536 or more.
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    for row in &rows {
        out += &line(row);
    }
    out
}

/// Whether a CSV cell is a number (`-3.5`, `+1.2`, `12%`, `-0.4pt`) or the `-` that stands for
/// none: those keep their sign; any other cell starting with `= + - @` is text a spreadsheet
/// would run as a formula.
fn is_number(cell: &str) -> bool {
    let n = cell
        .strip_suffix('%')
        .or_else(|| cell.strip_suffix("pt"))
        .unwrap_or(cell);
    cell == "-" || n.parse::<f64>().is_ok()
}

/// RFC 4180 CSV: fields with a comma or quote are quoted. Every field is cleaned as a table cell
/// is (one line, no control or bidirectional characters), and text that a spreadsheet would read
/// as a formula (starting with `= + - @`) is prefixed with `'`.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let field = |f: &str| {
        let mut f = escape::line(f);
        if f.starts_with(['=', '+', '-', '@']) && !is_number(&f) {
            f.insert(0, '\'');
        }
        if f.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f
        }
    };
    let mut out = header.iter().map(|h| field(h)).collect::<Vec<_>>().join(",") + "\n";
    for row in rows {
        out += &(row.iter().map(|c| field(c)).collect::<Vec<_>>().join(",") + "\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let out = csv(&["a", "b"], &[vec!["x,y".into(), "say \"hi\"".into()]]);
        assert_eq!(out, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }

    #[test]
    fn csv_cleans_cells_and_guards_formulas() {
        let out = csv(
            &["name", "change", "note"],
            &[
                vec!["=HYPERLINK(\"x\")".into(), "-3.5".into(), "@SUM(A1)".into()],
                vec!["+cmd|' /C calc'!A0".into(), "-0.4pt".into(), "-2+3".into()],
                vec!["a\u{1b}[2Jb\u{202E}c\nd".into(), "-".into(), "12%".into()],
            ],
        );
        assert_eq!(
            out,
            "name,change,note\n\"'=HYPERLINK(\"\"x\"\")\",-3.5,'@SUM(A1)\n'+cmd|' /C calc'!A0,-0.4pt,'-2+3\na[2Jbc d,-,12%\n"
        );
    }

    #[test]
    fn table_pads_by_display_width_and_survives_long_cells() {
        let out = table(
            &["a", "b"],
            &[vec!["日本".into(), "x".into()], vec!["ab".into(), "y".into()]],
        );
        assert_eq!(out, "a     b\n日本  x\nab    y\n");
        let long = "n".repeat(70_000);
        let out = table(&["name", "v"], &[vec![long.clone(), "1".into()]]);
        assert_eq!(out.lines().nth(1), Some(format!("{long}  1").as_str()));
        let out = table(&["x"], &[vec!["a\u{1b}]52;c;Zm9v\u{7}\nb".into()]]);
        assert_eq!(out, "x\na]52;c;Zm9v b\n");
    }

    #[test]
    fn table_aligns_columns() {
        let out = table(&["id", "v"], &[vec!["long-id".into(), "1".into()]]);
        assert_eq!(out, "id       v\nlong-id  1\n");
    }
}
