use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = cxcockpit::cli::Cli::parse();
    match cxcockpit::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // Messages quote names and values from files: cleaned like every other output
            // (line breaks kept), and not `eprintln!`, which panics when stderr cannot be written.
            let message = cxcockpit::report::escape::clean(&error.to_string());
            let _ = writeln!(std::io::stderr(), "cxcockpit: {message}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

/// Rust ignores SIGPIPE, so `println!` into a closed pipe (`cxcockpit churn | head`) would
/// panic; a command-line tool should just stop, as other Unix tools do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
