//! Living in the user's shell: `completions SHELL` prints a completion script (clap_complete)
//! and `man` the manual page (clap_mangen), both made from the same clap definitions as the
//! parser, so they never list a flag that does not exist.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cxcockpit completions bash > ~/.local/share/bash-completion/completions/cxcockpit\n  \
    cxcockpit completions zsh > ~/.zfunc/_cxcockpit        # with fpath+=(~/.zfunc) in .zshrc\n  \
    cxcockpit completions fish > ~/.config/fish/completions/cxcockpit.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cxcockpit man | man -l -                  # read it now\n  \
    cxcockpit man --out ~/.local/share/man/man1   # install it: then `man cxcockpit`")]
pub struct ManArgs {
    /// Write a page for the command and one for each subcommand (cxcockpit.1,
    /// cxcockpit-churn.1, ...) into this directory instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        context: "writing to standard output".into(),
        source,
    }
}

pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cxcockpit", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)?;
    Ok(0)
}

pub fn man(args: &ManArgs) -> Result<u8> {
    let command = Cli::command();
    match &args.out {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Error::input(format!(
                    "--out {}: not a directory (create it first)",
                    dir.display()
                )));
            }
            clap_mangen::generate_to(command, dir).map_err(|source| Error::Io {
                context: format!("writing the manual pages into {}", dir.display()),
                source,
            })?;
            let _ = writeln!(std::io::stderr(), "manual pages written to {}", dir.display());
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(stdout_error)?;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&out)
                .and_then(|()| stdout.flush())
                .map_err(stdout_error)?;
        }
    }
    Ok(0)
}
