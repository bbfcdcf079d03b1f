//! Random-file fuzzers of the CSV reader, the TOML reader and the store opener, RUN BY HAND
//! (ignored in CI: 10 minutes each):
//!
//! ```sh
//! CXCOCKPIT_FUZZ_SECS=600 cargo test --release --test reliability fuzz_csv -- --ignored --nocapture
//! CXCOCKPIT_FUZZ_SECS=600 cargo test --release --test reliability fuzz_toml -- --ignored --nocapture
//! CXCOCKPIT_FUZZ_SECS=600 cargo test --release --test reliability fuzz_store -- --ignored --nocapture
//! ```
//!
//! Each run mutates a seed file (the import fixtures, good and broken, or a small store): bit
//! flips, random bytes, bytes that mean something to the format (quotes, separators, line
//! breaks, brackets, NUL, a BOM, invalid UTF-8, huge numbers), deleted, duplicated or spliced
//! chunks, truncation. It then runs the binary on the file (`import KIND FILE`, half of them
//! `--dry-run`; for stores: `check`, `--readonly churn`, `tiers`, `triage`, `rollup`) and
//! flags as a crash any exit code other than 0, 1 or 2, a signal, a run over 60 s, or a panic
//! message; the file is kept under `target/tmp/fuzz-crashes/`. `CXCOCKPIT_FUZZ_SEED` replays a
//! run; `CXCOCKPIT_FUZZ_BIN` runs a copy of the binary instead of cargo's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cxcockpit::demo::rng::DemoRng;

use super::common::*;

const SPECIAL: &[&[u8]] = &[
    b"\"",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"[",
    b"]",
    b"[[",
    b"=",
    b"'''",
    b"\"\"\"",
    b"#",
    b"{",
    b"}",
    b"1e309",
    b"-1e308",
    b"NaN",
    b"inf",
    b"9999999999999999999999",
    b"-0",
    b"2026-02-30",
    b"0000-00-00",
    b"2026-13-01",
    b"\\u0000",
    b"\x1b[2J",
    b"\xe2\x80\xae",
    b"=cmd()",
    b"\xf4\x90\x80\x80",
];

fn secs() -> u64 {
    std::env::var("CXCOCKPIT_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

fn mutate(rng: &mut DemoRng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    let rounds = 1 + rng.gen_range(0..8);
    for _ in 0..rounds {
        let len = data.len();
        let at = if len == 0 { 0 } else { rng.gen_range(0..=len) };
        match rng.gen_range(0..9) {
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.gen_range(0..len);
                data[i] = rng.next_u32() as u8;
            }
            2 => {
                let s = SPECIAL[rng.gen_range(0..SPECIAL.len())];
                data.splice(at..at, s.iter().copied());
            }
            3 if len > 0 => {
                let end = (at + rng.gen_range(1..64)).min(len);
                data.drain(at.min(end)..end);
            }
            4 if len > 0 => {
                let from = rng.gen_range(0..len);
                let end = (from + rng.gen_range(1..256)).min(len);
                let chunk = data[from..end].to_vec();
                let times = rng.gen_range(1..4);
                for _ in 0..times {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            5 => data.truncate(at),
            6 if !other.is_empty() => {
                let from = rng.gen_range(0..other.len());
                let end = (from + rng.gen_range(1..512)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            7 => {
                let n = rng.gen_range(1..32);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u32() as u8).collect();
                data.splice(at..at, bytes);
            }
            _ => {
                // A long run of one byte: long fields and lines.
                let b = *b"a9,\"\n ".get(rng.gen_range(0..6)).unwrap_or(&b'a');
                let n = rng.gen_range(1..20_000);
                data.splice(at..at, std::iter::repeat_n(b, n));
            }
        }
    }
    data
}

/// The binary under test: `CXCOCKPIT_FUZZ_BIN` (a copy, so that a rebuild during a long run
/// changes nothing), else the one cargo built.
fn fuzz_bin() -> PathBuf {
    std::env::var_os("CXCOCKPIT_FUZZ_BIN").map_or_else(bin, PathBuf::from)
}

/// Runs the binary with a deadline; the problem, if this run is a crash. Its stderr goes to a
/// file: an error message can be longer than a pipe holds.
fn run_checked(args: &[&std::ffi::OsStr], stderr_file: &Path) -> Option<String> {
    let stderr_out = std::fs::File::create(stderr_file).unwrap();
    let mut child = Command::new(fuzz_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr_out)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Some("ran over 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(stderr_file).unwrap_or_default()).into_owned();
    match status.code() {
        _ if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") => Some(format!(
            "panic: {}",
            stderr.lines().take(3).collect::<Vec<_>>().join(" / ")
        )),
        Some(0..=2) => None,
        other => Some(format!(
            "exit {other:?} ({status:?}): {}",
            stderr.lines().next().unwrap_or("")
        )),
    }
}

struct Campaign {
    name: &'static str,
    runs: u64,
    crashes: Vec<String>,
    rng: DemoRng,
    seed: u64,
    dir: tempfile::TempDir,
    started: Instant,
}

impl Campaign {
    fn new(name: &'static str) -> Campaign {
        let seed = std::env::var("CXCOCKPIT_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!(
            "fuzz {name}: seed {seed} (CXCOCKPIT_FUZZ_SEED replays it), {} s",
            secs()
        );
        Campaign {
            name,
            runs: 0,
            crashes: Vec::new(),
            rng: DemoRng::seed_from_u64(seed),
            seed,
            dir: tempfile::tempdir().unwrap(),
            started: Instant::now(),
        }
    }

    fn going(&self) -> bool {
        self.started.elapsed() < Duration::from_secs(secs())
    }

    /// Runs one case; keeps the input of a crash.
    fn case(&mut self, input: &Path, args: &[&std::ffi::OsStr]) {
        self.runs += 1;
        let stderr_file = self.dir.path().join("stderr.txt");
        if let Some(problem) = run_checked(args, &stderr_file) {
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
            std::fs::create_dir_all(&keep).unwrap();
            let name = format!("{}-{}-{}", self.name, self.seed, self.runs);
            let kept = keep.join(&name);
            let _ = std::fs::copy(input, &kept);
            let line = format!("{problem} [{:?}] input kept as {}", args, kept.display());
            eprintln!("CRASH {line}");
            self.crashes.push(line);
        }
    }

    fn finish(self) {
        eprintln!(
            "fuzz {}: {} runs in {:.0} s, {} crashes",
            self.name,
            self.runs,
            self.started.elapsed().as_secs_f64(),
            self.crashes.len()
        );
        assert!(
            self.crashes.is_empty(),
            "{} crashes:\n{}",
            self.crashes.len(),
            self.crashes.join("\n")
        );
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import")
}

/// The import kind a fixture's name suggests, else a random one.
fn kind_of(name: &str, rng: &mut DemoRng) -> &'static str {
    const KINDS: [(&str, &str); 10] = [
        ("accounts", "accounts"),
        ("subscriptions", "subscriptions"),
        ("tickets", "tickets"),
        ("surveys", "surveys"),
        ("invoices", "invoices"),
        ("usage", "usage"),
        ("churn", "churn-events"),
        ("metric", "metric-values"),
        ("journeys", "journeys"),
        ("tiers", "tiers"),
    ];
    KINDS
        .iter()
        .find(|(part, _)| name.contains(part))
        .filter(|_| rng.gen_range(0..10) > 0)
        .map_or_else(|| KINDS[rng.gen_range(0..KINDS.len())].1, |(_, kind)| kind)
}

/// A store with the example data, made through the binary: the base of each CSV and TOML case.
fn example_store(dir: &Path) -> PathBuf {
    let db = dir.join("base.db");
    demo(&db);
    db
}

fn fuzz_import(name: &'static str, extension: &str) {
    let mut campaign = Campaign::new(name);
    let base = example_store(campaign.dir.path());
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in [fixtures(), fixtures().join("broken")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == extension) {
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                seeds.push((file, std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(!seeds.is_empty());
    let db = campaign.dir.path().join("store.db");
    let input = campaign.dir.path().join(format!("input.{extension}"));
    while campaign.going() {
        let (file, seed) = &seeds[campaign.rng.gen_range(0..seeds.len())];
        let other = &seeds[campaign.rng.gen_range(0..seeds.len())].1;
        let data = mutate(&mut campaign.rng, seed, other);
        std::fs::write(&input, &data).unwrap();
        let kind = kind_of(file, &mut campaign.rng);
        let dry_run = campaign.rng.gen_bool(0.5);
        if !dry_run || campaign.runs.is_multiple_of(50) {
            // A fresh copy now and then, and for every import that writes.
            std::fs::copy(&base, &db).unwrap();
        }
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--db".as_ref(),
            db.as_os_str(),
            "import".as_ref(),
            kind.as_ref(),
            input.as_os_str(),
        ];
        if dry_run {
            args.push("--dry-run".as_ref());
        }
        campaign.case(&input, &args);
    }
    campaign.finish();
}

#[test]
#[ignore = "run by hand: 10 minutes (CXCOCKPIT_FUZZ_SECS=600)"]
fn fuzz_csv() {
    fuzz_import("csv", "csv");
}

#[test]
#[ignore = "run by hand: 10 minutes (CXCOCKPIT_FUZZ_SECS=600)"]
fn fuzz_toml() {
    fuzz_import("toml", "toml");
}

#[test]
#[ignore = "run by hand: 10 minutes (CXCOCKPIT_FUZZ_SECS=600)"]
fn fuzz_store() {
    let mut campaign = Campaign::new("store");
    let dir = campaign.dir.path().to_path_buf();
    // Seeds: a small store, one just created, and one with a -wal beside it.
    let small = dir.join("small.db");
    demo(&small);
    let empty = dir.join("empty.db");
    assert_eq!(cx(&empty, &["init"]).status.code(), Some(0));
    let seeds = [std::fs::read(&small).unwrap(), std::fs::read(&empty).unwrap()];
    let db = dir.join("store.db");
    const COMMANDS: [&[&str]; 7] = [
        &["check"],
        &["--readonly", "churn"],
        &["tiers", "--format", "json"],
        &["triage", "--all", "--format", "csv"],
        &["snapshot", "--pane", "triage"],
        &["rollup"],
        &["import", "accounts", "-", "--dry-run"],
    ];
    while campaign.going() {
        let which = campaign.rng.gen_range(0..seeds.len());
        let seed = &seeds[which];
        // Stores are mostly pages: fewer, page-aligned edits keep them readable enough to
        // reach the code past the header.
        let mut data = seed.clone();
        let edits = campaign.rng.gen_range(1..6);
        for _ in 0..edits {
            match campaign.rng.gen_range(0..5) {
                0 => {
                    // The 100-byte header.
                    let i = campaign.rng.gen_range(0..100.min(data.len()));
                    data[i] = campaign.rng.next_u32() as u8;
                }
                1 => {
                    let i = campaign.rng.gen_range(0..data.len());
                    data[i] ^= 1 << campaign.rng.gen_range(0..8);
                }
                2 => {
                    // A page's first bytes (its header, the cell pointers).
                    let pages = data.len() / 4096;
                    if pages > 0 {
                        let page = campaign.rng.gen_range(0..pages);
                        let i = (page * 4096 + campaign.rng.gen_range(0..16)).min(data.len() - 1);
                        data[i] = campaign.rng.next_u32() as u8;
                    }
                }
                3 => {
                    let at = campaign.rng.gen_range(0..data.len());
                    data.truncate(at.max(1));
                }
                _ => {
                    data = mutate(&mut campaign.rng, &data, &[]);
                    if data.is_empty() {
                        data.push(0);
                    }
                }
            }
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::write(&db, &data).unwrap();
        let command = COMMANDS[campaign.rng.gen_range(0..COMMANDS.len())];
        let mut args: Vec<&std::ffi::OsStr> = vec!["--db".as_ref(), db.as_os_str()];
        args.extend(command.iter().map(std::ffi::OsStr::new));
        campaign.case(&db, &args);
    }
    campaign.finish();
}
