//! Output formats shared by every subcommand that prints data: aligned tables, JSON, CSV.

use std::cell::RefCell;
use std::io::Write;

use clap::ValueEnum;
use serde_json::Value;
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
    let mut widths = Widths::of_header(header);
    for row in rows {
        widths.fit(row);
    }
    let mut out = widths.header_line();
    for row in rows {
        out += &widths.line(row);
    }
    out
}

/// A table's column widths, fitted to its rows one at a time: a table too large to hold is
/// written in two passes over its rows, one to fit the widths, one to write the lines.
pub struct Widths {
    header: Vec<String>,
    widths: Vec<usize>,
}

impl Widths {
    pub fn of_header(header: &[&str]) -> Widths {
        let header: Vec<String> = header.iter().map(|h| escape::line(h)).collect();
        let widths = header.iter().map(|h| h.width()).collect();
        Widths { header, widths }
    }

    /// Widens the columns to fit a row's cells (as they will be written: escaped).
    pub fn fit(&mut self, row: &[String]) {
        for (w, cell) in self.widths.iter_mut().zip(row) {
            *w = (*w).max(escape::line(cell).width());
        }
    }

    pub fn header_line(&self) -> String {
        self.padded(&self.header)
    }

    /// A row's line, its cells escaped and padded to the widths.
    pub fn line(&self, row: &[String]) -> String {
        let cells: Vec<String> = row.iter().map(|c| escape::line(c)).collect();
        self.padded(&cells)
    }

    // Padded by hand: `format!("{:<width$}")` panics on a width of 65,536 or more.
    fn padded(&self, cells: &[String]) -> String {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(&self.widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
        }
        out.trim_end().to_string() + "\n"
    }
}

/// A table too large to hold, written after one pass over its rows: each row's cells go to a
/// temporary file as they come while the widths are fitted, and the lines are written from the
/// file. Cells are cleaned first (`escape::line`), so none holds a line break or the unit
/// separator that parts them in the file.
pub struct SpooledTable {
    widths: Widths,
    spool: Spool,
}

/// Where the rows wait: a temporary file, or memory where none can be made (a read-only or full
/// temporary directory), as the table would without a spool.
enum Spool {
    File(std::io::BufWriter<std::fs::File>),
    Memory(Vec<u8>),
}

const CELL_SEPARATOR: char = '\x1f';

fn spool_error(source: std::io::Error) -> Error {
    Error::Io {
        context: "spooling the table".into(),
        source,
    }
}

impl SpooledTable {
    pub fn new(header: &[&str]) -> SpooledTable {
        let spool = match tempfile::tempfile() {
            Ok(file) => Spool::File(std::io::BufWriter::new(file)),
            Err(_) => Spool::Memory(Vec::new()),
        };
        SpooledTable {
            widths: Widths::of_header(header),
            spool,
        }
    }

    pub fn push(&mut self, row: &[String]) -> Result<()> {
        let cells: Vec<String> = row.iter().map(|c| escape::line(c)).collect();
        for (w, cell) in self.widths.widths.iter_mut().zip(&cells) {
            *w = (*w).max(cell.width());
        }
        let mut line = cells.join(&CELL_SEPARATOR.to_string());
        line.push('\n');
        match &mut self.spool {
            Spool::File(file) => file.write_all(line.as_bytes()).map_err(spool_error),
            Spool::Memory(bytes) => {
                bytes.extend_from_slice(line.as_bytes());
                Ok(())
            }
        }
    }

    /// Writes the header and every row, padded, to `stream`; stops once its reader has gone.
    pub fn write_to(self, stream: &mut Stream) -> Result<()> {
        self.each_line(&mut |line| {
            stream.write_str(line)?;
            Ok(!stream.closed())
        })
    }

    /// The header's line, then each row's, to `f` while it returns true.
    fn each_line(self, f: &mut dyn FnMut(&str) -> Result<bool>) -> Result<()> {
        use std::io::{BufRead, Seek};
        let rows: Box<dyn BufRead> = match self.spool {
            Spool::File(file) => {
                let mut file = file.into_inner().map_err(|e| spool_error(e.into_error()))?;
                file.rewind().map_err(spool_error)?;
                Box::new(std::io::BufReader::new(file))
            }
            Spool::Memory(bytes) => Box::new(std::io::Cursor::new(bytes)),
        };
        if !f(&self.widths.header_line())? {
            return Ok(());
        }
        for line in rows.lines() {
            let line = line.map_err(spool_error)?;
            let cells: Vec<String> = line.split(CELL_SEPARATOR).map(str::to_string).collect();
            if !f(&self.widths.padded(&cells))? {
                break;
            }
        }
        Ok(())
    }
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

/// One CSV field, cleaned and quoted as `csv` does.
fn csv_field(f: &str) -> String {
    let mut f = escape::line(f);
    if f.starts_with(['=', '+', '-', '@']) && !is_number(&f) {
        f.insert(0, '\'');
    }
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// One CSV line of `csv`, with its newline: for writing rows as they are read.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    cells
        .iter()
        .map(|c| csv_field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
        + "\n"
}

/// RFC 4180 CSV: fields with a comma or quote are quoted. Every field is cleaned as a table cell
/// is (one line, no control or bidirectional characters), and text that a spreadsheet would read
/// as a formula (starting with `= + - @`) is prefixed with `'`.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = csv_line(header);
    for row in rows {
        out += &csv_line(row);
    }
    out
}

/// What a failed write to standard output means: a reader that stopped early (`| head`) is not
/// a failure (`None`), anything else is (exit 1), as in `emit`.
fn stdout_failure(e: std::io::Error) -> Option<Error> {
    (e.kind() != std::io::ErrorKind::BrokenPipe).then(|| Error::Io {
        context: "writing to standard output".into(),
        source: e,
    })
}

/// Standard output for a listing written as its rows are read, so that memory does not grow
/// with the number of rows: buffered, with `emit`'s rules for errors. After a reader closed the
/// pipe, writes do nothing and `closed` says so, so that callers can stop reading rows.
pub struct Stream {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

impl Stream {
    pub fn stdout() -> Stream {
        Stream {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            closed: false,
        }
    }

    /// Whether the reader has gone: nothing more needs to be produced.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn fail(&mut self, e: std::io::Error) -> Result<()> {
        match stdout_failure(e) {
            Some(e) => Err(e),
            None => {
                self.closed = true;
                Ok(())
            }
        }
    }

    pub fn write_str(&mut self, text: &str) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(e),
        }
    }

    /// Flushes what is buffered: every write's error is only known here.
    pub fn finish(mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.flush() {
            Ok(()) => Ok(()),
            Err(e) => self.fail(e),
        }
    }

    /// Writes `fields` as one JSON object, byte for byte what `serde_json::to_string_pretty`
    /// makes of the whole document, then a newline; each `JsonPart::Rows` is serialized row by
    /// row as its producer hands them over, never held as a whole.
    pub fn json_document(&mut self, fields: &mut [(&str, JsonPart<'_>)]) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match write_json(&mut self.out, fields) {
            Ok(()) => self.write_str("\n"),
            Err(JsonFailure::Rows(e)) => Err(e),
            Err(JsonFailure::Write(e)) => self.fail(e),
        }
    }
}

/// For a row callback: stop reading rows once the reader has gone (`unless_closed` then makes
/// the stop a success).
pub fn stop_when_closed(stream: &Stream) -> Result<()> {
    if stream.closed() {
        Err(Error::input("standard output closed"))
    } else {
        Ok(())
    }
}

/// The result of reading rows into `stream`, where a stop because the reader has gone is a
/// success, as `emit` has it.
pub fn unless_closed(result: Result<()>, stream: &Stream) -> Result<()> {
    match result {
        Err(_) if stream.closed() => Ok(()),
        other => other,
    }
}

/// Why `write_json` stopped: a producer failed to read its rows, or the writer failed.
#[derive(Debug)]
pub enum JsonFailure {
    Rows(Error),
    Write(std::io::Error),
}

/// `Stream::json_document` on any writer, without the final newline.
pub fn write_json<W: Write>(
    w: W,
    fields: &mut [(&str, JsonPart<'_>)],
) -> std::result::Result<(), JsonFailure> {
    let failed = RefCell::new(None);
    let doc = Doc {
        fields: RefCell::new(fields),
        failed: &failed,
    };
    let written = serde_json::to_writer_pretty(w, &doc);
    if let Some(e) = failed.into_inner() {
        return Err(JsonFailure::Rows(e));
    }
    written.map_err(|e| JsonFailure::Write(e.into()))
}

/// A producer of rows: it calls its argument with each row in order and stops at the first
/// error it returns.
pub type Producer<'a> = dyn FnMut(&mut dyn FnMut(Value) -> Result<()>) -> Result<()> + 'a;

/// One field of a document written by `Stream::json_document`.
pub enum JsonPart<'a> {
    /// A value known in full (a summary, a total).
    Value(Value),
    /// An array whose elements are produced one at a time.
    Rows(Box<Producer<'a>>),
}

struct Doc<'f, 'k, 'a, 'e> {
    fields: RefCell<&'f mut [(&'k str, JsonPart<'a>)]>,
    failed: &'e RefCell<Option<Error>>,
}

impl serde::Serialize for Doc<'_, '_, '_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut fields = self.fields.borrow_mut();
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (key, part) in fields.iter_mut() {
            match part {
                JsonPart::Value(v) => map.serialize_entry(key, v)?,
                JsonPart::Rows(produce) => map.serialize_entry(
                    key,
                    &Rows {
                        produce: RefCell::new(produce),
                        failed: self.failed,
                    },
                )?,
            }
        }
        map.end()
    }
}

/// An array serialized as its producer hands over the elements. The producer's own error (a
/// failed read) is kept in `failed`, apart from the serializer's (the writer's).
struct Rows<'p, 'a, 'e> {
    produce: RefCell<&'p mut Box<Producer<'a>>>,
    failed: &'e RefCell<Option<Error>>,
}

impl serde::Serialize for Rows<'_, '_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = s.serialize_seq(None)?;
        let mut written: Option<S::Error> = None;
        let produced = (self.produce.borrow_mut())(&mut |row: Value| {
            seq.serialize_element(&row).map_err(|e| {
                written = Some(e);
                // Stands for the writer's error, which is returned instead.
                Error::input("writing to standard output")
            })
        });
        if let Some(e) = written {
            return Err(e);
        }
        if let Err(e) = produced {
            *self.failed.borrow_mut() = Some(e);
            return Err(S::Error::custom("reading the rows"));
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spooled table is the table held whole, whatever its cells hold: wide letters, line
    /// breaks, the separator the spool uses, empty cells; and it stops when asked.
    #[test]
    fn a_spooled_table_is_the_table_held_whole() {
        let header = ["id", "name", "note"];
        let rows: Vec<Vec<String>> = vec![
            vec!["A1".into(), "東京 Ltd".into(), "".into()],
            vec!["A2".into(), "a\u{1f}b\nc".into(), "x\r\ny".into()],
            vec!["A300".into(), "".into(), "\u{202E}z".into()],
        ];
        // The rows spooled (to a temporary file, or in memory), then every line written.
        let spooled_whole = |in_memory: bool| {
            let mut spooled = SpooledTable::new(&header);
            if in_memory {
                spooled.spool = Spool::Memory(Vec::new());
            }
            for row in &rows {
                spooled.push(row).unwrap();
            }
            let mut written = String::new();
            spooled
                .each_line(&mut |line| {
                    written.push_str(line);
                    Ok(true)
                })
                .unwrap();
            written
        };
        let written = spooled_whole(false);
        assert_eq!(written, table(&header, &rows));
        // Without a temporary file, the same from memory.
        assert_eq!(spooled_whole(true), written);
        let mut spooled = SpooledTable::new(&header);
        for row in &rows {
            spooled.push(row).unwrap();
        }
        let mut lines = 0;
        spooled
            .each_line(&mut |_| {
                lines += 1;
                Ok(lines < 2)
            })
            .unwrap();
        assert_eq!(lines, 2, "the header and one row, then stopped");
    }

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

    /// A producer handing over `rows`, one at a time.
    fn rows_of(rows: Vec<Value>) -> JsonPart<'static> {
        let mut rows = Some(rows);
        JsonPart::Rows(Box::new(move |row: &mut dyn FnMut(Value) -> Result<()>| {
            rows.take().into_iter().flatten().try_for_each(&mut *row)
        }))
    }

    #[test]
    fn streamed_json_is_to_string_pretty_byte_for_byte() {
        use serde_json::json;
        let rows = [
            json!({"id": "A1", "list": [1, 2.5, null], "nested": {"empty": [], "obj": {}, "s": "a\"b\nc"}}),
            json!({"id": "A2", "list": [], "nested": {"x": [{"y": [true, false]}]}}),
            json!([]),
            json!("\u{1b}[2J 日本"),
        ];
        for n in 0..=rows.len() {
            let whole = json!({
                "period": "2026-06",
                "summary": [{"tier": "gold", "members": 3}],
                "accounts": rows[..n].to_vec(),
                "none": [],
                "total": {"grr": 0.97, "nrr": null},
            });
            let mut fields = [
                ("period", JsonPart::Value(json!("2026-06"))),
                (
                    "summary",
                    JsonPart::Value(json!([{"tier": "gold", "members": 3}])),
                ),
                ("accounts", rows_of(rows[..n].to_vec())),
                ("none", rows_of(Vec::new())),
                ("total", JsonPart::Value(json!({"grr": 0.97, "nrr": null}))),
            ];
            let mut out = Vec::new();
            write_json(&mut out, &mut fields).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&whole).unwrap(),
                "{n} rows"
            );
        }
    }

    #[test]
    fn a_failed_read_is_its_own_error_and_a_failed_write_the_writers() {
        let mut fields = [(
            "rows",
            JsonPart::Rows(Box::new(|row: &mut dyn FnMut(Value) -> Result<()>| {
                row(Value::from(1))?;
                Err(Error::input("the store went away"))
            })),
        )];
        match write_json(Vec::new(), &mut fields) {
            Err(JsonFailure::Rows(e)) => assert_eq!(e.to_string(), "the store went away"),
            other => panic!("{other:?}"),
        }
        /// A disk with room for 100 bytes.
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0 + buf.len() > 100 {
                    return Err(std::io::Error::from_raw_os_error(28));
                }
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut produced = 0;
        let mut fields = [(
            "rows",
            JsonPart::Rows(Box::new(|row: &mut dyn FnMut(Value) -> Result<()>| {
                for i in 0..1000 {
                    produced += 1;
                    row(Value::from(i))?;
                }
                Ok(())
            })),
        )];
        match write_json(Full(0), &mut fields) {
            Err(JsonFailure::Write(e)) => assert_eq!(e.raw_os_error(), Some(28)),
            other => panic!("{other:?}"),
        }
        drop(fields);
        // The producer stopped at the writer's error rather than reading every row.
        assert!((1..100).contains(&produced), "{produced}");
    }

    #[test]
    fn csv_lines_are_csv_row_by_row() {
        let rows = vec![
            vec!["=1".to_string(), "a,b".into()],
            vec!["-2".into(), String::new()],
        ];
        let whole = csv(&["h1", "h2"], &rows);
        let lines = csv_line(&["h1", "h2"]) + &csv_line(&rows[0]) + &csv_line(&rows[1]);
        assert_eq!(whole, lines);
    }

    #[test]
    fn table_aligns_columns() {
        let out = table(&["id", "v"], &[vec!["long-id".into(), "1".into()]]);
        assert_eq!(out, "id       v\nlong-id  1\n");
    }
}
