use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cxcockpit::cli::Cli::parse();
    match cxcockpit::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("cxcockpit: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
