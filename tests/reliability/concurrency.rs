//! #16: 8 readers and 2 writers on one store at once, each on its own connection as separate
//! cockpits are: no error (no "database is locked"), no lost write, and every reader sees the
//! notes only grow. Each writer writes as fast as it can with a 2 ms pause between writes.
//! 5 s in CI; `CXCOCKPIT_STRESS_SECS=30` lengthens it (run by hand, with
//! `--nocapture`, for the figures: operations per second and the worst write latency).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cxcockpit::domain::Period;
use cxcockpit::store::triage::Action;
use cxcockpit::store::{OpenMode, Store};

use super::common::*;

const READERS: usize = 8;
const WRITERS: usize = 2;
/// Between two writes of one writer.
const PAUSE: Duration = Duration::from_millis(2);

struct WriterReport {
    written: Vec<String>,
    latencies: Vec<Duration>,
}

#[test]
fn eight_readers_and_two_writers_lose_nothing_and_never_fail() {
    let secs: u64 = std::env::var("CXCOCKPIT_STRESS_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    demo(&db);
    let accounts: Vec<String> = {
        let store = Store::open(&db, OpenMode::ReadOnly).unwrap();
        rows(
            store.conn(),
            "SELECT account_id FROM account ORDER BY account_id LIMIT 50",
        )
    };
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (db, stop, accounts) = (db.clone(), stop.clone(), accounts.clone());
            std::thread::spawn(move || -> Result<WriterReport, String> {
                let mut store = Store::open(&db, OpenMode::Existing).map_err(|e| e.to_string())?;
                let mut report = WriterReport {
                    written: Vec::new(),
                    latencies: Vec::new(),
                };
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let body = format!("stress w{w} n{i}");
                    let account = &accounts[(i * 7 + w) % accounts.len()];
                    let t = Instant::now();
                    store
                        .triage_act(
                            account,
                            Action::Note { body: &body },
                            &format!("writer{w}"),
                            "2026-11-01T09:00:00",
                        )
                        .map_err(|e| format!("writer {w}, write {i}: {e}"))?;
                    report.latencies.push(t.elapsed());
                    report.written.push(body);
                    i += 1;
                    // Writes come from people at keyboards, never back to back: a writer that
                    // takes the lock again at once starves the other one's busy handler,
                    // which polls (sleeping up to 100 ms between tries).
                    std::thread::sleep(PAUSE);
                }
                Ok(report)
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (db, stop, accounts) = (db.clone(), stop.clone(), accounts.clone());
            std::thread::spawn(move || -> Result<u64, String> {
                let store = Store::open(&db, OpenMode::ReadOnly).map_err(|e| e.to_string())?;
                let (from, to) = (Period::new(2026, 1).unwrap(), Period::new(2026, 10).unwrap());
                let mut ops = 0u64;
                let mut seen = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    let e = |what: &str, e: cxcockpit::Error| format!("reader {r}, {what}: {e}");
                    match ops % 3 {
                        0 => {
                            store.churned_accounts(from, to).map_err(|x| e("churn", x))?;
                        }
                        1 => {
                            let account = &accounts[(ops as usize + r) % accounts.len()];
                            store.triage_history(account).map_err(|x| e("history", x))?;
                        }
                        _ => {
                            let n: i64 = store
                                .conn()
                                .query_row(
                                    "SELECT count(*) FROM triage_note WHERE body LIKE 'stress %'",
                                    [],
                                    |row| row.get(0),
                                )
                                .map_err(|x| format!("reader {r}, count: {x}"))?;
                            if n < seen {
                                return Err(format!("reader {r}: saw {seen} notes, then {n}"));
                            }
                            seen = n;
                        }
                    }
                    ops += 1;
                }
                Ok(ops)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let writes: Vec<WriterReport> = writers.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
    let reads: u64 = readers.into_iter().map(|h| h.join().unwrap().unwrap()).sum();
    let elapsed = started.elapsed().as_secs_f64();

    // No lost write: every note a writer was told is written is there, once.
    let mut want: Vec<String> = writes.iter().flat_map(|w| w.written.clone()).collect();
    want.sort();
    let store = Store::open(&db, OpenMode::ReadOnly).unwrap();
    let got = rows(
        store.conn(),
        "SELECT body FROM triage_note WHERE body LIKE 'stress %' ORDER BY body",
    );
    assert!(!want.is_empty(), "the writers wrote");
    assert_eq!(got.len(), want.len(), "every write is there, once");
    assert_eq!(got, want);
    let mut latencies: Vec<Duration> = writes.iter().flat_map(|w| w.latencies.clone()).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{READERS} readers, {WRITERS} writers, {elapsed:.1} s: {:.0} reads/s, {:.0} writes/s ({} writes, none lost); write latency median {:.1} ms, p99 {:.1} ms, worst {:.1} ms",
        reads as f64 / elapsed,
        want.len() as f64 / elapsed,
        want.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
