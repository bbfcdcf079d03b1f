//! The configuration file: TOML in the XDG config directory (`~/.config/cxcockpit/config.toml`),
//! or the file `--config FILE` or `$CXCOCKPIT_CONFIG` names. It holds the user's defaults (the
//! store, where the cockpit opens, the theme, the mouse) and key rebindings; flags on the
//! command line win over it. Nothing in it is ignored: an unknown key, a wrong type, a key
//! binding that does not parse or a key given two actions is an error naming the file, the line
//! and the key (exit 2), so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::ui::keymap::{self, Keymap};
use crate::ui::theme::Palette;

pub const CONFIG_ENV: &str = "CXCOCKPIT_CONFIG";

/// A larger file is not a configuration file (a link to a device, a log): refused unread.
const MAX_BYTES: u64 = 1 << 20;

/// The settings, as the file writes them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    db: Option<PathBuf>,
    journey: Option<String>,
    pane: Option<String>,
    segment: Option<String>,
    theme: Option<Palette>,
    mouse: Option<bool>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
}

/// The configuration in force: the file's settings, checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if one was.
    pub path: Option<PathBuf>,
    pub db: Option<PathBuf>,
    pub journey: Option<String>,
    pub pane: Option<String>,
    pub segment: Option<String>,
    pub theme: Palette,
    pub mouse: bool,
    pub keys: Keymap,
}

/// The default configuration file in the platform's config directory (XDG on Linux).
pub fn default_path() -> Option<PathBuf> {
    ProjectDirs::from("", "", "cxcockpit").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// The file to read: `--config`, else `$CXCOCKPIT_CONFIG`, else the default; and whether the
/// user named it (a named file must exist, the default may be absent).
pub fn resolve(flag: Option<PathBuf>) -> Option<(PathBuf, bool)> {
    if let Some(path) = flag {
        return Some((path, true));
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(path), true));
    }
    default_path().map(|path| (path, false))
}

/// Reads the configuration the user asked for (see `resolve`); no file at the default place is
/// the default configuration.
pub fn load(flag: Option<PathBuf>) -> Result<Config> {
    let Some((path, named)) = resolve(flag) else {
        return Ok(Config::default());
    };
    let text = match read(&path) {
        Ok(text) => text,
        Err(error) if !named && error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Config::default());
        }
        Err(error) => {
            let origin = if named {
                ""
            } else {
                " (the default configuration file)"
            };
            return Err(Error::input(format!("{}{origin}: {error}", path.display())));
        }
    };
    parse(&path, &text)
}

fn read(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other("is a directory, not a configuration file"));
    }
    let mut text = String::new();
    file.take(MAX_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB: not a configuration file",
            MAX_BYTES / 1024
        )));
    }
    Ok(text)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// Parses and checks a configuration file's text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let at = |offset: usize, message: String| {
        Error::input(format!(
            "{}, line {}: {message}",
            path.display(),
            line_of(text, offset)
        ))
    };
    let file: File = toml::from_str(text).map_err(|error| {
        // toml's message ends with a newline and may quote the line; the first line says it.
        let message = error
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        let message = explain(&message);
        match error.span() {
            Some(span) => match setting_at(text, span.start) {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    at(span.start, format!("{key}: {message}"))
                }
                _ => at(span.start, message),
            },
            None => Error::input(format!("{}: {message}", path.display())),
        }
    })?;
    let mut keys = Keymap::default();
    let actions = keymap::named_actions();
    // Where each key was bound in the file, to name the line of a clash.
    let mut bound_at: Vec<(keymap::Key, usize, String)> = Vec::new();
    for (name, list) in &file.keys {
        let Some((_, action)) = actions.iter().find(|(n, _)| n == name.get_ref()) else {
            let names: Vec<&str> = actions.iter().map(|(n, _)| n.as_str()).collect();
            return Err(at(
                name.span().start,
                format!(
                    "keys.{}: no such action; actions: {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
        };
        let mut parsed = Vec::new();
        for entry in list.get_ref() {
            let key = keymap::parse_key(entry.get_ref()).ok_or_else(|| {
                at(
                    entry.span().start,
                    format!(
                        "keys.{}: '{}' is not a key; write a character (q, G, ?), C-x for Control-x, \
                         F1-F12, or one of Tab S-Tab Enter Esc Bksp Space Up Down Left Right PgUp PgDn Home End",
                        name.get_ref(),
                        crate::report::escape::line(entry.get_ref())
                    ),
                )
            })?;
            bound_at.push((key, entry.span().start, name.get_ref().clone()));
            parsed.push(key);
        }
        keys.rebind(*action, &parsed);
    }
    if let Some((key, first, second)) = keys.clash() {
        let names = [first, second].map(|a| keymap::action_name(a).unwrap_or_default());
        // The line of the rebinding that caused it (the other action may have its default).
        let offset = bound_at
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(list_start(&file), |(_, offset, _)| *offset);
        return Err(at(
            offset,
            format!(
                "keys: '{}' is bound to two actions, {} and {}; give one of them other keys",
                keymap::key_text(key),
                names[0],
                names[1]
            ),
        ));
    }
    Ok(Config {
        path: Some(path.to_path_buf()),
        // A relative store is beside the file, not wherever the command happens to run.
        db: file.db.map(|db| match path.parent() {
            Some(dir) if db.is_relative() => dir.join(db),
            _ => db,
        }),
        journey: file.journey,
        pane: file.pane,
        segment: file.segment,
        theme: file.theme.unwrap_or_default(),
        mouse: file.mouse.unwrap_or(false),
        keys,
    })
}

fn list_start(file: &File) -> usize {
    file.keys.keys().next().map_or(0, |k| k.span().start)
}

/// The setting written on the line of `offset` (`mouse`, `keys.quit`), to name it in an error
/// whose message does not: the text before `=`, after the last `[table]` header above.
fn setting_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset.min(text.len()))?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let bare = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !bare(key) {
        return None;
    }
    let table = before[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim());
    Some(match table {
        Some(table) if bare(table) => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

/// serde's messages, said in the file's terms: the settings a key may be, the themes.
fn explain(message: &str) -> String {
    if message.starts_with("invalid boolean") {
        // `pane = triage`: TOML reads a bare word starting with t or f as a boolean.
        return format!("{message} (text goes in quotes, e.g. pane = \"triage\")");
    }
    if let Some(rest) = message.strip_prefix("unknown field") {
        return format!(
            "unknown key{}",
            rest.replace("expected one of", "expected one of the settings")
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant") {
        return format!("unknown value{rest}");
    }
    message.replace(
        "expected a sequence",
        "expected a list of keys, e.g. [\"q\", \"C-c\"]",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config> {
        parse(Path::new("c.toml"), text)
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = parse_text("").unwrap_or_default();
        assert_eq!(config.theme, Palette::Default);
        assert!(!config.mouse);
        assert_eq!(config.keys, Keymap::default());
    }

    #[test]
    fn settings_and_rebindings_are_read() {
        let config = parse_text(
            "db = \"/tmp/x.db\"\npane = \"triage\"\ntheme = \"high-contrast\"\nmouse = true\n\
             [keys]\nquit = [\"x\", \"C-c\"]\n",
        );
        let config = config.unwrap_or_default();
        assert_eq!(config.db, Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(config.pane.as_deref(), Some("triage"));
        assert_eq!(config.theme, Palette::HighContrast);
        assert!(config.mouse);
        assert_eq!(config.keys.clash(), None);
    }

    #[test]
    fn lines_are_counted_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
