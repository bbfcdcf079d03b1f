//! The adapters between a tool's export and our fields, one machinery for presets, map files and
//! the command line: column renames, constants (`--set`), value maps (`--values`), extra header
//! rows to skip, date formats and decimal commas. A preset or a `--map-file` is this, written as
//! TOML; the command line adds to it and wins where both say something of the same field.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

/// How rows find their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountBy {
    /// Our account id (the default).
    #[default]
    Id,
    /// The account's name, matched exactly but for case.
    Name,
    /// The account's domain (imported with accounts), matched but for case; an email address
    /// is matched by its domain (ana@acme.com: acme.com).
    Domain,
    /// The account's id in another tool (external_id, imported with accounts), matched exactly.
    #[value(name = "external_id", alias = "external-id")]
    ExternalId,
}

impl AccountBy {
    /// The option's value as written on the command line and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountBy::Id => "id",
            AccountBy::Name => "name",
            AccountBy::Domain => "domain",
            AccountBy::ExternalId => "external_id",
        }
    }
}

/// The field a column maps to when it is to be ignored (`--map Col=-`, a preset's `ignore`).
pub const IGNORED: &str = "-";

#[derive(Debug, Clone, Default)]
pub struct Adapter {
    /// The preset applied, if any, for the report.
    pub preset: Option<String>,
    /// The kind a preset or map file is written for.
    pub kind: Option<String>,
    /// File column -> our field; the first entry naming a column wins.
    pub columns: Vec<(String, String)>,
    /// Our field -> a constant for every row.
    pub set: Vec<(String, String)>,
    /// Our field -> (file value -> our value).
    pub values: Vec<(String, Vec<(String, String)>)>,
    /// Rows after the header that are not data (survey tools' question and import-id rows).
    pub skip_rows: u64,
    /// strftime-style formats tried in turn for every date column; `%s` is epoch seconds.
    pub date_formats: Vec<String>,
    pub decimal_comma: bool,
    pub account_by: AccountBy,
    /// How the file is named in messages, when not by its path (stdin).
    pub label: Option<String>,
}

/// A preset or a `--map-file`: the same keys as the adapters on the command line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterFile {
    /// The tool, as its users name it.
    pub tool: Option<String>,
    /// The kind the file is for: a preset applied to another kind is refused.
    pub kind: Option<String>,
    /// Where in the tool the export is made.
    pub export: Option<String>,
    /// The documentation page describing the export's columns.
    pub source: Option<String>,
    #[serde(default)]
    pub skip_rows: u64,
    #[serde(default)]
    pub date_formats: Vec<String>,
    #[serde(default)]
    pub decimal_comma: bool,
    pub account_by: Option<AccountBy>,
    /// Columns of the export left out on purpose (said in the dry run's mapping).
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

impl AdapterFile {
    pub fn parse(text: &str, name: &str) -> Result<AdapterFile> {
        toml::from_str(text).map_err(|e| Error::input(format!("{name}: {}", e.to_string().trim_end())))
    }

    pub fn into_adapter(self) -> Adapter {
        Adapter {
            kind: self.kind,
            // Columns left out on purpose map to `-`: ignored without a guess at their name.
            columns: self
                .columns
                .into_iter()
                .chain(self.ignore.into_iter().map(|c| (c, IGNORED.to_string())))
                .collect(),
            set: self.set.into_iter().collect(),
            values: self
                .values
                .into_iter()
                .map(|(field, map)| (field, map.into_iter().collect()))
                .collect(),
            skip_rows: self.skip_rows,
            date_formats: self.date_formats,
            decimal_comma: self.decimal_comma,
            account_by: self.account_by.unwrap_or_default(),
            ..Adapter::default()
        }
    }
}

impl Adapter {
    /// This adapter with `over` laid on top: `over`'s renames, constants and value maps replace
    /// those of the same field; its settings replace these when it has them.
    pub fn overlay(mut self, over: Adapter) -> Adapter {
        let fields: Vec<&str> = over.columns.iter().map(|(_, to)| to.as_str()).collect();
        self.columns.retain(|(_, to)| !fields.contains(&to.as_str()));
        self.columns.splice(0..0, over.columns);
        self.set.retain(|(f, _)| !over.set.iter().any(|(g, _)| g == f));
        self.set.extend(over.set);
        self.values
            .retain(|(f, _)| !over.values.iter().any(|(g, _)| g == f));
        self.values.extend(over.values);
        if over.skip_rows > 0 {
            self.skip_rows = over.skip_rows;
        }
        if !over.date_formats.is_empty() {
            self.date_formats = over.date_formats;
        }
        self.decimal_comma |= over.decimal_comma;
        if over.account_by != AccountBy::Id {
            self.account_by = over.account_by;
        }
        self.preset = over.preset.or(self.preset);
        self.kind = over.kind.or(self.kind);
        self.label = over.label.or(self.label);
        self
    }

    /// The value a field's text maps to, if a value map names it (exactly, else but for case).
    pub fn mapped_value<'a>(&'a self, field: &str, text: &str) -> Option<&'a str> {
        let (_, map) = self.values.iter().find(|(f, _)| f == field)?;
        map.iter()
            .find(|(from, _)| from == text)
            .or_else(|| map.iter().find(|(from, _)| from.eq_ignore_ascii_case(text)))
            .map(|(_, to)| to.as_str())
    }

    pub fn constant(&self, field: &str) -> Option<&str> {
        self.set.iter().find(|(f, _)| f == field).map(|(_, v)| v.as_str())
    }
}

/// `A=B,C=D` as pairs; a part may be quoted (`"Amount (USD)"=amount`, `""` for a quote inside),
/// so names with commas or equals signs work.
pub fn pairs(text: &str, what: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut key: Option<String> = None;
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut finish = |key: &mut Option<String>, current: &mut String| -> Result<(), String> {
        let value = std::mem::take(current).trim().to_string();
        match key.take() {
            Some(k) if !k.is_empty() && !value.is_empty() => {
                pairs.push((k, value));
                Ok(())
            }
            _ => Err(format!("'{text}': expected {what}")),
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '=' if !quoted && key.is_none() => key = Some(std::mem::take(&mut current).trim().to_string()),
            ',' if !quoted => finish(&mut key, &mut current)?,
            c => current.push(c),
        }
    }
    if quoted {
        return Err(format!("'{text}': a quote is not closed"));
    }
    finish(&mut key, &mut current)?;
    Ok(pairs)
}

/// `FIELD:FROM=TO,...` as the field and its value map.
pub fn value_map(text: &str) -> Result<(String, Vec<(String, String)>), String> {
    let expected = "FIELD:FROM=TO,... (e.g. severity:urgent=critical,normal=medium)";
    match text.split_once(':') {
        Some((field, map)) if !field.trim().is_empty() => {
            Ok((field.trim().to_string(), pairs(map, expected)?))
        }
        _ => Err(format!("'{text}': expected {expected}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_with_quotes() {
        let p = |t| pairs(t, "COL=FIELD");
        assert_eq!(
            p(r#""Amount, USD"=amount,Plan=product"#).unwrap(),
            [
                ("Amount, USD".into(), "amount".into()),
                ("Plan".into(), "product".into())
            ]
        );
        assert_eq!(
            p(r#""a ""b"" = c"=x"#).unwrap(),
            [(r#"a "b" = c"#.into(), "x".into())]
        );
        assert!(p("CustomerID").unwrap_err().contains("COL=FIELD"));
        assert!(p(r#""open=x"#).is_err());
        assert!(p("a=").is_err());
        let (field, map) = value_map("severity:urgent=critical,normal=medium").unwrap();
        assert_eq!(field, "severity");
        assert_eq!(map.len(), 2);
        assert!(value_map("severity").is_err());
    }

    #[test]
    fn the_command_line_wins() {
        let preset = Adapter {
            columns: vec![
                ("Organization".into(), "account_id".into()),
                ("Id".into(), "ticket_id".into()),
            ],
            set: vec![("survey".into(), "nps".into())],
            skip_rows: 2,
            ..Adapter::default()
        };
        let cli = Adapter {
            columns: vec![("Requester domain".into(), "account_id".into())],
            set: vec![("survey".into(), "csat".into())],
            ..Adapter::default()
        };
        let both = preset.overlay(cli);
        assert_eq!(
            both.columns,
            [
                ("Requester domain".into(), "account_id".into()),
                ("Id".into(), "ticket_id".into())
            ]
        );
        assert_eq!(both.constant("survey"), Some("csat"));
        assert_eq!(both.skip_rows, 2);
    }
}
