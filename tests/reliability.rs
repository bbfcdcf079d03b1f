//! Reliability and security checks of issue #16 that need the real binary and real processes:
//! a store in a read-only directory opened by another user, `kill -9` at many points of an
//! import and of its refresh, readers and writers at once, exports under `ulimit -v`, hostile
//! text through the cockpit's terminal bytes; and the random-file fuzzers, which are ignored
//! tests run by hand (see `fuzz.rs`). The README's "Reliability and security" section has the
//! figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "reliability/common.rs"]
mod common;
#[path = "reliability/concurrency.rs"]
mod concurrency;
#[path = "reliability/fuzz.rs"]
mod fuzz;
#[path = "reliability/kill.rs"]
mod kill;
#[path = "reliability/memory_limit.rs"]
mod memory_limit;
#[path = "reliability/pty_hostile.rs"]
mod pty_hostile;
#[path = "reliability/readonly_dir.rs"]
mod readonly_dir;
