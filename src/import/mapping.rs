//! The column mapping an import applied, in words, for `--dry-run`: which column of the file
//! feeds which field, what is ignored, set, computed, value-mapped and skipped.

use super::adapt::{AccountBy, Adapter};
use super::derive;
use super::kinds::{Kind, Spec};
use super::reader::Layout;

pub fn describe(
    header: &[String],
    kind: Kind,
    spec: &Spec,
    layout: &Layout,
    adapter: &Adapter,
) -> Vec<String> {
    let fields: Vec<&str> = spec
        .columns
        .iter()
        .chain(derive::inputs(kind))
        .map(|c| c.name)
        .collect();
    let mut lines = Vec::new();
    if let Some(preset) = &adapter.preset {
        lines.push(format!("preset {preset}"));
    }
    for (index, column) in header.iter().enumerate() {
        let field = layout
            .index_of
            .iter()
            .position(|i| *i == Some(index))
            .map(|i| fields[i]);
        lines.push(match field {
            Some(field) => {
                let feeds = derive::computed(kind)
                    .iter()
                    .find(|(_, input)| *input == field)
                    .map(|(target, _)| {
                        format!(" -> {target} = {}", derive::recipe(target).unwrap_or_default())
                    })
                    .unwrap_or_default();
                format!("column '{column}' -> {field}{feeds}")
            }
            None if column.is_empty() => continue,
            None => format!("column '{column}': ignored"),
        });
    }
    for (field, value) in &adapter.set {
        lines.push(format!("{field} = '{value}' on every row (--set)"));
    }
    for (field, map) in &adapter.values {
        let pairs: Vec<String> = map.iter().map(|(from, to)| format!("{from} -> {to}")).collect();
        lines.push(format!("{field} values: {}", pairs.join(", ")));
    }
    if adapter.skip_rows > 0 {
        lines.push(format!("{} row(s) after the header skipped", adapter.skip_rows));
    }
    if !adapter.date_formats.is_empty() {
        lines.push(format!("dates read as {}", adapter.date_formats.join(" or ")));
    }
    if adapter.decimal_comma {
        lines.push("numbers read with a decimal comma".to_string());
    }
    if adapter.account_by != AccountBy::Id
        && kind != Kind::Accounts
        && spec.columns.iter().any(|c| c.name == "account_id")
    {
        let what = match adapter.account_by {
            AccountBy::Domain => "domain (an email address: its domain), but for case",
            AccountBy::ExternalId => "external_id, exactly",
            AccountBy::Id | AccountBy::Name => "name, but for case",
        };
        lines.push(format!(
            "account_id matched to the account's {what} (--account-by {})",
            adapter.account_by.as_str()
        ));
    }
    lines
}
