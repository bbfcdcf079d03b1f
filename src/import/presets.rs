//! The presets: for each tool whose export imports as it comes, a small TOML file under
//! `src/import/presets/`, embedded in the binary. They are data, read by the same machinery as
//! `--map-file` (see `adapt`).

use super::adapt::{Adapter, AdapterFile};
use crate::error::{Error, Result};

/// (name, TOML text), in the order `import presets` lists them.
pub const PRESETS: &[(&str, &str)] = &[
    ("stripe", include_str!("presets/stripe.toml")),
    ("chargebee", include_str!("presets/chargebee.toml")),
    ("hubspot", include_str!("presets/hubspot.toml")),
    ("salesforce", include_str!("presets/salesforce.toml")),
    ("zendesk", include_str!("presets/zendesk.toml")),
    ("freshdesk", include_str!("presets/freshdesk.toml")),
    ("qualtrics", include_str!("presets/qualtrics.toml")),
    ("surveymonkey", include_str!("presets/surveymonkey.toml")),
    ("delighted", include_str!("presets/delighted.toml")),
];

/// One line of `import presets`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub name: &'static str,
    pub tool: String,
    pub kind: String,
    pub export: String,
    pub source: String,
}

pub fn file(name: &str) -> Result<AdapterFile> {
    let (name, text) = PRESETS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::input(format!(
                "--preset {name}: no such preset; expected one of {} (see `cxcockpit import presets`)",
                names().join(", ")
            ))
        })?;
    AdapterFile::parse(text, &format!("preset {name}"))
}

/// The preset as an adapter, checked against the kind being imported.
pub fn adapter(name: &str, kind: &str) -> Result<Adapter> {
    let file = file(name)?;
    if let Some(for_kind) = &file.kind
        && for_kind != kind
    {
        return Err(Error::input(format!(
            "--preset {name} reads {} exports of {for_kind}, not {kind}: try `cxcockpit import {for_kind} FILE --preset {name}`",
            file.tool.as_deref().unwrap_or(name)
        )));
    }
    let mut adapter = file.into_adapter();
    adapter.preset = Some(name.to_ascii_lowercase());
    Ok(adapter)
}

pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

pub fn list() -> Result<Vec<Listed>> {
    PRESETS
        .iter()
        .map(|(name, _)| {
            let file = file(name)?;
            Ok(Listed {
                name,
                tool: file.tool.unwrap_or_default(),
                kind: file.kind.unwrap_or_default(),
                export: file.export.unwrap_or_default(),
                source: file.source.unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::derive;
    use crate::import::kinds::Kind;
    use clap::ValueEnum;

    /// Every preset parses, names a kind, and maps, sets and value-maps only that kind's fields.
    #[test]
    fn every_preset_is_valid_for_its_kind() {
        for (name, _) in PRESETS {
            let file = file(name).unwrap();
            let kind_name = file.kind.clone().unwrap();
            let kind = Kind::from_str(&kind_name, false).unwrap();
            let spec = kind.spec().unwrap();
            let fields: Vec<&str> = spec
                .columns
                .iter()
                .chain(derive::inputs(kind))
                .map(|c| c.name)
                .collect();
            let adapter = adapter(name, &kind_name).unwrap();
            for (_, to) in &adapter.columns {
                let ok = to == crate::import::adapt::IGNORED || fields.contains(&to.as_str());
                assert!(ok, "{name}: {to}");
            }
            let named = adapter
                .set
                .iter()
                .map(|(f, _)| f)
                .chain(adapter.values.iter().map(|(f, _)| f));
            for field in named {
                assert!(fields.contains(&field.as_str()), "{name}: {field}");
            }
            assert!(file.source.is_some() && file.tool.is_some(), "{name}");
        }
        assert!(adapter("zendesk", "accounts").is_err());
        assert!(file("nosuch").is_err());
    }
}
