use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// The system allocator, but a failed allocation (a memory limit, `ulimit -v`) ends the process
/// with exit 1 and one line on stderr instead of Rust's abort (SIGABRT, a core dump). Nothing is
/// half-written: every write to the store is a transaction, which SQLite rolls back.
struct ExitOnOutOfMemory;

// SAFETY: every method forwards to `System` with the same arguments; only a null result (an
// allocation that failed) is handled, by ending the process.
unsafe impl GlobalAlloc for ExitOnOutOfMemory {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        or_exit(unsafe { System.alloc(layout) })
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        or_exit(unsafe { System.alloc_zeroed(layout) })
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        or_exit(unsafe { System.realloc(ptr, layout, new_size) })
    }
}

#[global_allocator]
static ALLOCATOR: ExitOnOutOfMemory = ExitOnOutOfMemory;

fn or_exit(ptr: *mut u8) -> *mut u8 {
    if ptr.is_null() {
        // No allocation here: the message is a static byte string written with write(2).
        const MESSAGE: &[u8] = b"cxcockpit: out of memory (a memory limit such as ulimit -v?)\n";
        // SAFETY: writes a static buffer to stderr, then ends the process without unwinding.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(1);
        }
    }
    ptr
}

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
