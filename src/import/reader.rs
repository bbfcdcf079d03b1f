//! Reading a CSV export as it comes: UTF-8 with or without BOM, comma, semicolon or tab
//! (detected from the header), quoted fields with embedded line breaks. Streamed one record at
//! a time; fields stay bytes until the column's parser reads them, so bad UTF-8 is located.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::Problem;
use super::adapt::{Adapter, IGNORED};
use super::derive;
use super::kinds::{Column, Kind, Spec};
use crate::error::{Error, Result};

/// The longest record (a line, or the lines of a quoted field) a CSV import reads, in bytes:
/// far beyond any real row (a comment is at most 100,000 characters), and small enough that a
/// file without line ends (`/dev/zero`) is refused in bounded memory.
pub const MAX_RECORD_BYTES: u64 = 4 << 20;

pub struct Source {
    csv: csv::Reader<Bounded<BufReader<File>>>,
    file: String,
    record: Record,
}

pub struct Record {
    /// The line the record starts on (the header is line 1).
    pub line: u64,
    /// Where the record starts in the file, for progress.
    pub byte: u64,
    pub fields: csv::ByteRecord,
}

pub fn open(path: &Path) -> Result<Source> {
    open_as(path, &path.display().to_string())
}

/// Opens `path`, naming it `file` in messages (stdin is read from a spooled copy).
pub fn open_as(path: &Path, file: &str) -> Result<Source> {
    let file = file.to_string();
    let io_error = |source| Error::Io {
        context: format!("reading {file}"),
        source,
    };
    let handle = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::input(format!("{file}: no such file")),
        _ => io_error(source),
    })?;
    // A directory opens as a file on Unix and fails only when read: bad input, as a missing file.
    if handle.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::input(format!(
            "{file}: is a directory, expected a CSV file"
        )));
    }
    let mut reader = BufReader::with_capacity(1 << 16, handle);
    let head = reader.fill_buf().map_err(io_error)?;
    if is_utf16(head) {
        return Err(Error::input(format!(
            "{file}: this file is UTF-16; save it as UTF-8"
        )));
    }
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let delimiter = sniff_delimiter(&head[if bom { 3 } else { 0 }..]);
    let bare_cr = bare_cr_endings(head);
    if bom {
        reader.consume(3);
    }
    // Lines end at LF, so a CRLF file's lines are counted as they end (the csv crate's CRLF
    // mode counts each LF at the start of the next record: every line number one short). The
    // CR left at a line's end is trimmed with the field. Files with bare CR endings (old Mac
    // exports) keep the crate's CR-or-LF mode.
    let terminator = if bare_cr {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .has_headers(false)
        .flexible(true)
        .from_reader(Bounded::new(reader, delimiter, bare_cr));
    Ok(Source {
        csv,
        file,
        record: Record {
            line: 0,
            byte: 0,
            fields: csv::ByteRecord::new(),
        },
    })
}

/// True for UTF-16 text: its byte order mark, or an ASCII first character with its zero byte.
pub fn is_utf16(head: &[u8]) -> bool {
    match head {
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => true,
        [a, 0, ..] | [0, a, ..] => a.is_ascii_graphic(),
        _ => false,
    }
}

/// A record longer than `MAX_RECORD_BYTES`, starting on `line`.
#[derive(Debug)]
struct TooLong {
    line: u64,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a line or field longer than the limit of {} MiB; nothing was written",
            MAX_RECORD_BYTES >> 20
        )
    }
}

impl std::error::Error for TooLong {}

/// Where the reader is in the CSV grammar, as the csv crate reads it: a quote opens a quoted
/// field only at the field's start, and a quoted field's line ends do not end the record.
#[derive(Clone, Copy, PartialEq)]
enum Lexeme {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: a second one is an escaped quote, anything else closes.
    QuoteInQuoted,
}

/// Counts the bytes of the current record as they are read and fails once they pass
/// `MAX_RECORD_BYTES`, before the csv crate buffers more: memory stays bounded whatever the
/// file holds.
struct Bounded<R> {
    inner: R,
    delimiter: u8,
    /// Bare CR line ends (old Mac exports) end records too.
    bare_cr: bool,
    state: Lexeme,
    record_bytes: u64,
    line: u64,
    record_line: u64,
}

impl<R> Bounded<R> {
    fn new(inner: R, delimiter: u8, bare_cr: bool) -> Self {
        Bounded {
            inner,
            delimiter,
            bare_cr,
            state: Lexeme::FieldStart,
            record_bytes: 0,
            line: 1,
            record_line: 1,
        }
    }

    fn scan(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        for &b in bytes {
            let line_end = b == b'\n' || (self.bare_cr && b == b'\r');
            if line_end {
                self.line += 1;
            }
            self.record_bytes += 1;
            self.state = match (self.state, b) {
                (Lexeme::Quoted, b'"') => Lexeme::QuoteInQuoted,
                (Lexeme::Quoted, _) => Lexeme::Quoted,
                (Lexeme::QuoteInQuoted, b'"') => Lexeme::Quoted,
                (Lexeme::FieldStart, b'"') => Lexeme::Quoted,
                (_, b) if b == self.delimiter => Lexeme::FieldStart,
                (_, b'\n' | b'\r') => {
                    if line_end {
                        self.record_bytes = 0;
                        self.record_line = self.line;
                    }
                    Lexeme::FieldStart
                }
                _ => Lexeme::Unquoted,
            };
            if self.record_bytes > MAX_RECORD_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    TooLong {
                        line: self.record_line,
                    },
                ));
            }
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n])?;
        Ok(n)
    }
}

/// True when the first line ends with a CR not followed by LF.
fn bare_cr_endings(head: &[u8]) -> bool {
    head.iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .is_some_and(|i| head[i] == b'\r' && head.get(i + 1) != Some(&b'\n'))
}

/// The delimiter that occurs most in the first line, outside quotes; comma when none does.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in head {
        if byte == b'\n' && !quoted {
            break;
        }
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(entry) = counts.iter_mut().find(|(d, _)| *d == byte) {
            entry.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

impl Source {
    /// The header's column names; None for an empty file.
    pub fn header(&mut self) -> Result<Option<Vec<String>>> {
        match self.next_record()? {
            None => Ok(None),
            Some(record) => Ok(Some(
                record
                    .fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_string())
                    .collect(),
            )),
        }
    }

    /// The next record, read into a buffer the source reuses (no allocation per record).
    pub fn next_record(&mut self) -> Result<Option<&Record>> {
        match self.csv.read_byte_record(&mut self.record.fields) {
            Ok(false) => Ok(None),
            Ok(true) => {
                (self.record.line, self.record.byte) = self
                    .record
                    .fields
                    .position()
                    .map_or((0, 0), |p| (p.line(), p.byte()));
                Ok(Some(&self.record))
            }
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind()
                    && let Some(too_long) = io.get_ref().and_then(|r| r.downcast_ref::<TooLong>())
                {
                    return Err(Error::input(format!(
                        "{}:{}: {too_long}",
                        self.file, too_long.line
                    )));
                }
                let line = e.position().map(|p| format!(":{}", p.line())).unwrap_or_default();
                Err(Error::input(format!(
                    "{}{line}: cannot read the file as CSV: {e}",
                    self.file
                )))
            }
        }
    }
}

/// Which column of the file feeds which field of the kind.
pub struct Layout {
    /// For each field of the spec, then each input of the kind (`derive::inputs`), its index in
    /// the file, if the file has it.
    pub index_of: Vec<Option<usize>>,
    pub ignored: Vec<String>,
    /// For each field, the constant `--set` gives it.
    pub constants: Vec<Option<String>>,
    /// For each field, true when it is computed from an input the file has.
    pub derivable: Vec<bool>,
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// The field a header column feeds: its mapping (the first naming it, exactly or but for
/// case), else its own name normalised.
pub fn field_of(raw: &str, map: &[(String, String)]) -> String {
    map.iter()
        .find(|(from, _)| from == raw)
        .or_else(|| map.iter().find(|(from, _)| from.eq_ignore_ascii_case(raw)))
        .map_or_else(
            || normalise(raw),
            |(_, to)| if to == IGNORED { to.clone() } else { normalise(to) },
        )
}

impl Layout {
    pub fn new(
        header: &[String],
        spec: &Spec,
        kind: Kind,
        adapter: &Adapter,
        map: &[(String, String)],
    ) -> Result<Layout, Vec<Problem>> {
        let fields: Vec<&Column> = spec.columns.iter().chain(derive::inputs(kind)).collect();
        let names: Vec<&str> = fields.iter().map(|c| c.name).collect();
        let present: Vec<String> = header.iter().map(|h| field_of(h, map)).collect();
        let constants: Vec<Option<String>> = names
            .iter()
            .map(|n| adapter.constant(n).map(str::to_string))
            .collect();
        let derivable: Vec<bool> = names
            .iter()
            .map(|n| {
                derive::computed(kind)
                    .iter()
                    .any(|(field, input)| field == n && present.iter().any(|p| p == input))
            })
            .collect();
        let (mut layout, mut problems) = Layout::match_header(
            header,
            &names,
            |i| fields[i].required && constants[i].is_none() && !derivable[i],
            kind.name(),
            map,
        );
        let expected = || format!("expected one of {}", names.join(", "));
        for (field, value) in &adapter.set {
            match names.iter().position(|n| n == field) {
                None => problems.push(Problem::line(
                    1,
                    format!("--set {field}={value}: {field} is not a field of {} ({})", kind.name(), expected()),
                )),
                Some(i) if layout.index_of[i].is_some() => problems.push(Problem::line(
                    1,
                    format!("--set {field}={value}: the file has a column for {field} too; expected one or the other"),
                )),
                Some(_) => {}
            }
        }
        for (field, _) in &adapter.values {
            if !names.contains(&field.as_str()) {
                problems.push(Problem::line(
                    1,
                    format!(
                        "--values {field}:...: {field} is not a field of {} ({})",
                        kind.name(),
                        expected()
                    ),
                ));
            }
        }
        layout.constants = constants;
        layout.derivable = derivable;
        if problems.is_empty() {
            Ok(layout)
        } else {
            Err(problems)
        }
    }

    /// The file's columns matched to a kind's fields (`names`, after `--map`), with the
    /// header's problems: a field given twice, a required one missing, a `--map` to no field.
    pub fn match_header(
        header: &[String],
        names: &[&str],
        required: impl Fn(usize) -> bool,
        kind: &str,
        map: &[(String, String)],
    ) -> (Layout, Vec<Problem>) {
        let mut index_of = vec![None; names.len()];
        let mut ignored = Vec::new();
        let mut problems = Vec::new();
        for (index, raw) in header.iter().enumerate() {
            let mapped = field_of(raw, map);
            if mapped == IGNORED {
                ignored.push(raw.clone());
                continue;
            }
            match names.iter().position(|n| *n == mapped) {
                Some(i) if index_of[i].is_some() => problems.push(Problem::at(
                    1,
                    raw,
                    raw,
                    format!("a second column for field {mapped}: expected each field once"),
                )),
                Some(i) => index_of[i] = Some(index),
                None if raw.is_empty() => {}
                None => ignored.push(raw.clone()),
            }
        }
        for (i, name) in names.iter().enumerate() {
            if required(i) && index_of[i].is_none() {
                problems.push(Problem::line(
                    1,
                    format!(
                        "required column {name} is missing (the header has: {}; rename a column with --map COL={name})",
                        header.join(", "),
                    ),
                ));
            }
        }
        for (from, to) in map {
            if to != IGNORED && !names.contains(&normalise(to).as_str()) {
                problems.push(Problem::line(
                    1,
                    format!(
                        "--map {from}={to}: {to} is not a field of {kind} (expected one of {})",
                        names.join(", ")
                    ),
                ));
            }
        }
        let fields = names.len();
        let layout = Layout {
            index_of,
            ignored,
            constants: vec![None; fields],
            derivable: vec![false; fields],
        };
        (layout, problems)
    }

    /// The table columns written: those the file has, is given or computes (a phase becomes
    /// phase_id) and the key.
    pub fn sql_columns(&self, spec: &Spec) -> Vec<&'static str> {
        let mut columns: Vec<&'static str> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                self.index_of[*i].is_some() || self.constants[*i].is_some() || self.derivable[*i]
            })
            .map(|(_, c)| if c.name == "phase" { "phase_id" } else { c.name })
            .collect();
        for key in spec.key {
            if !columns.contains(key) {
                columns.push(key);
            }
        }
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_from_the_header() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }

    #[test]
    fn records_past_the_limit_are_refused_with_their_first_line() {
        use std::io::Read;
        let mut text = b"a,b\n\"x\n".to_vec();
        text.resize(text.len() + MAX_RECORD_BYTES as usize, b'y');
        let mut bounded = Bounded::new(&text[..], b',', false);
        let error = bounded.read_to_end(&mut Vec::new()).unwrap_err();
        let too_long = error.get_ref().and_then(|e| e.downcast_ref::<TooLong>());
        assert_eq!(too_long.map(|t| t.line), Some(2));
        // Many short records, a quote inside an unquoted field, escaped quotes: no error.
        let row = b"1,5\" screen,\"say \"\"hi\"\"\nthere\"\r\n";
        let many: Vec<u8> = row.repeat(MAX_RECORD_BYTES as usize / row.len() * 3);
        let mut bounded = Bounded::new(&many[..], b',', false);
        assert!(bounded.read_to_end(&mut Vec::new()).is_ok());
    }

    #[test]
    fn utf16_is_recognised() {
        assert!(is_utf16(b"\xFF\xFEa\0"));
        assert!(is_utf16(b"a\0c\0"));
        assert!(is_utf16(b"\0a\0c"));
        assert!(!is_utf16(b"\xEF\xBB\xBFa,b"));
        assert!(!is_utf16(b"a,b"));
        assert!(!is_utf16(b""));
    }

    #[test]
    fn line_endings() {
        assert!(bare_cr_endings(b"a,b\r1,2\r"));
        assert!(!bare_cr_endings(b"a,b\r\n1,2\r\n"));
        assert!(!bare_cr_endings(b"a,b\n1,2\r\n"));
        assert!(!bare_cr_endings(b"a,b"));
    }
}
