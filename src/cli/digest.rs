//! `cxcockpit digest [--period YYYY-MM] [--owner U] --format md|html`: what a team mails itself
//! after the nightly `import` and `alerts` (see `report::digest`).

use clap::{Args, ValueEnum};

use super::actions;
use super::output::{Format, out};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::report::digest::DigestDoc;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestFormat {
    /// Markdown.
    Md,
    /// One self-contained HTML file (inline CSS, no script), like the review's.
    Html,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// The month of the red phases, the review's progress and the alerts raised in it (default:
    /// the store's last month, with the alerts of the last `alerts` run).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
    /// Only this owner's alerts, overdue actions and accounts.
    #[arg(long, value_name = "U")]
    pub owner: Option<String>,
    /// The digest's format (default: md).
    #[arg(id = "digest_format", long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<DigestFormat>,
    /// Receives the global `--format` (as `review` does); never given here.
    #[arg(id = "format", long = "global-format", hide = true, value_parser = not_here)]
    pub global_format: Option<Format>,
}

fn not_here(_: &str) -> std::result::Result<Format, String> {
    Err("not an option of `digest`: use --format md|html".into())
}

pub fn run(store: &Store, args: &DigestArgs, global: Format) -> Result<u8> {
    let format = match (args.format, global) {
        (Some(format), _) => format,
        (None, Format::Table) => DigestFormat::Md,
        (None, _) => {
            return Err(Error::input(
                "digest prints md or html: pass `digest --format md|html`",
            ));
        }
    };
    let today = actions::today()?;
    let period = match args.period {
        Some(period) => period,
        None => match store.period_range()? {
            Some((_, last)) => last,
            None => Period::of_date(today),
        },
    };
    let doc = DigestDoc::build(store, period, args.period.is_some(), args.owner.as_deref(), today)?;
    match format {
        DigestFormat::Md => out!("{}", doc.to_markdown()),
        DigestFormat::Html => out!("{}", doc.to_html()),
    }
    Ok(0)
}
