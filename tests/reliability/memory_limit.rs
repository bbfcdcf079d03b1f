//! #16 item 6: the exports under `ulimit -v` either succeed (complete output) or fail cleanly:
//! exit 1 and one `cxcockpit: ...` line, never a signal, a panic or an abort. The limits start
//! at what the binary needs to start at all (the dynamic loader's and Rust runtime's own floor,
//! measured here, below which the process never reaches `main`), in 128 KiB steps through the
//! next 2 MiB where allocations start to fail, and go up to 1 GiB.

use std::path::Path;
use std::process::{Command, Output};

use super::common::*;

fn under_limit(kib: u64, db: &Path, args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" --db \"$1\" {args}"))
        .arg(bin())
        .arg(db)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn exports_under_a_memory_limit_succeed_or_fail_with_exit_1_and_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    demo(&db);
    // The smallest limit (in 64 KiB steps) at which the binary starts and answers --version.
    let floor = (64..16384u64)
        .map(|i| i * 64)
        .find(|&kib| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" --version"))
                .arg(bin())
                .output()
                .unwrap();
            out.status.code() == Some(0)
        })
        .expect("the binary starts under 1 GiB");
    let exports = [
        ("tiers --format json", true),
        ("triage --all --format json", true),
        ("churn --by accounts --format json", true),
        ("tiers --format csv", false),
        ("triage --all", false),
        ("churn --by accounts", false),
    ];
    let mut limits: Vec<u64> = (0..16).map(|i| floor + i * 128).collect();
    limits.extend([floor * 2, floor * 3, 64 * 1024, 128 * 1024, 1024 * 1024]);
    limits.sort();
    limits.dedup();
    let mut failed_cleanly = 0;
    for kib in limits {
        for (args, json) in exports {
            let out = under_limit(kib, &db, args);
            let stderr = text(&out.stderr);
            let what = format!("ulimit -v {kib}: {args}");
            assert!(
                !stderr.contains("panicked") && !stderr.contains("memory allocation of"),
                "{what}: {stderr}"
            );
            match out.status.code() {
                Some(0) => {
                    if json {
                        serde_json::from_slice::<serde_json::Value>(&out.stdout)
                            .unwrap_or_else(|e| panic!("{what}: incomplete JSON: {e}"));
                    } else {
                        assert!(!out.stdout.is_empty(), "{what}");
                    }
                }
                Some(1) => {
                    failed_cleanly += 1;
                    let lines: Vec<&str> = stderr.lines().collect();
                    assert!(
                        lines.len() == 1 && lines[0].starts_with("cxcockpit: "),
                        "{what}: one line expected: {stderr}"
                    );
                }
                other => panic!("{what}: exit {other:?} ({:?}): {stderr}", out.status),
            }
        }
    }
    eprintln!("exports under ulimit -v from {floor} KiB: {failed_cleanly} clean failures, the rest complete");
}
