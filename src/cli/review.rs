//! `cxcockpit review --period YYYY-MM [--journey J] [--format md|html|json] [--out FILE]`: the
//! month's journey review as a document (see `crate::report`), to stdout or written atomically.
//!
//! `--format` here names the document's format, not the global table|json|csv. clap hands the
//! value of a global argument to every subcommand that has an argument of the same id, and
//! refuses two arguments with the same long name in one subcommand; so `ReviewArgs` holds the
//! global's id in a hidden argument of the global's type (which keeps the global out of this
//! subcommand) and takes `--format` under its own id. `cxcockpit --format json review ...`
//! (the global, before the subcommand) still gives JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::output::Format;
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::report::ReviewDoc;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    /// Markdown: a summary, then a table per phase, the notes and the sign-off.
    Md,
    /// One self-contained HTML file with a trend chart per metric; prints well.
    Html,
    /// The same data as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The month reviewed.
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Period,
    /// The journey (default: the first journey by id).
    #[arg(long, value_name = "J")]
    pub journey: Option<String>,
    /// The document's format (default: md).
    #[arg(id = "doc_format", long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<DocFormat>,
    /// Write the document to FILE (a temporary file renamed into place) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Receives the global `--format` (see the module's comment); never given here.
    #[arg(id = "format", long = "global-format", hide = true, value_parser = not_here)]
    pub global_format: Option<Format>,
}

fn not_here(_: &str) -> std::result::Result<Format, String> {
    Err("not an option of `review`: use --format md|html|json".into())
}

pub fn run(store: &Store, args: &ReviewArgs, global: Format) -> Result<u8> {
    let format = match (args.format, global) {
        (Some(format), _) => format,
        (None, Format::Table) => DocFormat::Md,
        (None, Format::Json) => DocFormat::Json,
        (None, Format::Csv) => {
            return Err(Error::input(
                "review prints md, html or json: pass `review --format md|html|json`",
            ));
        }
    };
    let journeys = store.journeys()?;
    let Some(first) = journeys.first() else {
        return Err(Error::input(
            "the store holds no journey: import one with `cxcockpit import journeys FILE`",
        ));
    };
    let journey = match &args.journey {
        None => first.id.clone(),
        Some(j) if journeys.iter().any(|k| k.id == *j) => j.clone(),
        Some(j) => {
            let ids: Vec<&str> = journeys.iter().map(|k| k.id.as_str()).collect();
            return Err(Error::input(format!(
                "unknown journey '{j}': expected one of {}",
                ids.join(", ")
            )));
        }
    };
    let Some((first_month, last_month)) = store.period_range()? else {
        return Err(Error::input(
            "the store holds no months of data yet: import subscriptions or metric values first",
        ));
    };
    if args.period < first_month || args.period > last_month {
        return Err(Error::input(format!(
            "--period {}: the store holds {first_month} to {last_month}",
            args.period
        )));
    }
    let doc = ReviewDoc::build(store, &journey, args.period)?;
    let text = match format {
        DocFormat::Md => doc.to_markdown(),
        DocFormat::Html => doc.to_html(),
        DocFormat::Json => doc.to_json(),
    };
    match &args.out {
        Some(path) => {
            write_atomically(path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                // A reader that stopped early (`| head`) is not a failure.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(Error::Io {
                        context: "writing to stdout".into(),
                        source: e,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(0)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place: a reader sees the
/// old file or the new one, never half of one. An existing target must be a regular file (see
/// `existing_file`). A new file gets mode 0600 (a review holds customer data); a replaced one
/// keeps its mode, narrowed by the umask, never widened.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |what: &str, source: std::io::Error| Error::Io {
        context: format!("{what} {}", path.display()),
        source,
    };
    let existing = existing_file("--out", path)?;
    let dir = directory_of("--out", path)?;
    // tempfile creates the file 0600 (O_EXCL), so nobody else can open it meanwhile.
    let mut tmp = tempfile::Builder::new()
        .prefix(".cxcockpit-review")
        .tempfile_in(&dir)
        .map_err(|e| io("creating a temporary file for", e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io("writing", e))?;
    #[cfg(unix)]
    if let Some(meta) = existing {
        use std::os::unix::fs::PermissionsExt;
        // Permission bits only: set-id and sticky bits are not carried onto a document.
        let mode = meta.permissions().mode() & 0o777 & !umask();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| io("setting the mode of", e))?;
    }
    #[cfg(not(unix))]
    let _ = existing;
    tmp.persist(path).map_err(|e| io("renaming into", e.error))?;
    Ok(())
}

/// The metadata of an existing target of `flag` (`--out`), None when there is none. Anything
/// but a regular file (followed through symlinks) is refused, exit 2: renaming over a device
/// node, a FIFO or a socket would destroy it (`--out /dev/null` as root), and its mode would be
/// copied onto the file.
pub fn existing_file(flag: &str, path: &Path) -> Result<Option<std::fs::Metadata>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta)),
        Ok(meta) => Err(Error::input(format!(
            "{flag} {}: is {}, not a regular file; name a file to write",
            path.display(),
            file_kind(&meta)
        ))),
        // Missing (or a symlink to nothing): a new file is written.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            context: format!("{flag} {}", path.display()),
            source,
        }),
    }
}

/// The directory a target of `flag` goes in (for its temporary file); it must exist.
pub fn directory_of(flag: &str, path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "{flag} {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(dir)
}

/// What a file that is not a regular file is, for the message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The process's umask, read from /proc (setting it to read it would race other threads);
/// where it cannot be read, 077, so a mode is never widened.
#[cfg(unix)]
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
        })
        .unwrap_or(0o077)
}
