//! #16: `kill -9` at 20+ points of an import and of the refresh that follows it. The points
//! are chosen deterministically through the binary's test hook (`CXCOCKPIT_TEST_ABORT_AT`, see
//! `store::test_hooks`): a first run counts SQLite's progress callbacks (one per 100
//! virtual-machine instructions) and the commits; then each point is a run killed by SIGKILL
//! at a progress count spread over the import, over the refresh, or just before a commit.
//! After each: `PRAGMA integrity_check` and `foreign_key_check`; the raw rows are all the
//! import's or none of them; after a committed import, either a refresh is recorded as pending
//! (and `check` says so, exit 1) or every derived table is already complete: never stale and
//! unmarked. Then the import is run again, as a user would (its refresh takes up what is
//! pending), and every derived table equals both an uninterrupted run's and a full
//! `cxcockpit rollup`'s.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::Connection;

use super::common::*;

/// 80 new subscriptions, starting from 2025-11 on, for accounts without a churn event (so
/// `check` stays clean), some ending in the last month.
fn subscriptions_csv(db: &Path, out: &Path) {
    let conn = Connection::open(db).unwrap();
    let accounts = rows(
        &conn,
        "SELECT account_id FROM account WHERE account_id NOT IN (SELECT account_id FROM churn_event)
         ORDER BY account_id",
    );
    let mut csv = String::from("subscription_id,account_id,product,mrr,start_date,end_date\n");
    for i in 0..80usize {
        let account = &accounts[(i * 37) % accounts.len()];
        let start = if i % 2 == 0 {
            format!("2025-{}-15", 11 + i % 2)
        } else {
            format!("2026-{:02}-15", 1 + i % 9)
        };
        let end = if i % 3 == 0 { "2026-10-20" } else { "" };
        csv += &format!(
            "KILL{i:04},{account},Cloud Firewall,{}.0,{start},{end}\n",
            50 + (i * 53) % 850
        );
    }
    std::fs::write(out, csv).unwrap();
}

fn import(db: &Path, csv: &Path, abort_at: Option<&str>) -> std::process::Output {
    let mut command = Command::new(bin());
    command
        .arg("--db")
        .arg(db)
        .args(["import", "subscriptions"])
        .arg(csv)
        .env_remove("CXCOCKPIT_TEST_ABORT_AT");
    if let Some(at) = abort_at {
        command.env("CXCOCKPIT_TEST_ABORT_AT", at);
    }
    command.output().unwrap()
}

/// The progress count at each commit and the total, from a `count` run.
fn measure(db: &Path, csv: &Path) -> (Vec<u64>, u64) {
    let out = import(db, csv, Some("count"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let mut commits = Vec::new();
    let mut total = None;
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix("cxcockpit-test: commit ") {
            let at = rest.rsplit(' ').next().unwrap();
            commits.push(at.parse().unwrap());
        } else if let Some(rest) = line.strip_prefix("cxcockpit-test: total progress ") {
            total = Some(rest.split(' ').next().unwrap().parse().unwrap());
        }
    }
    (commits, total.expect("the count run reports its total"))
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
}

#[test]
fn kill_9_at_every_stage_of_an_import_and_its_refresh_loses_nothing_and_the_next_import_settles_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.db");
    demo(&base);
    let csv = dir.path().join("subscriptions.csv");
    subscriptions_csv(&base, &csv);

    // The uninterrupted run: the reference, and the map of where things happen.
    let reference = dir.path().join("reference.db");
    copy(&base, &reference);
    let probe = dir.path().join("probe.db");
    copy(&base, &probe);
    let (commits, total) = measure(&probe, &csv);
    import(&reference, &csv, None);
    let want_derived = digest(&reference, &DERIVED);
    let want_raw = digest(&reference, &RAW);
    let base_raw = digest(&base, &RAW);
    assert!(
        commits.len() >= 3,
        "the import commits, then the refresh: {commits:?}"
    );
    let import_commit = commits[0];
    assert!(
        import_commit >= 10 && total > import_commit + 12,
        "{commits:?} of {total}"
    );

    // 10 points within the import's transaction, 12 over the refresh, and each commit.
    let mut points: Vec<String> = Vec::new();
    points.extend((1..=10).map(|i| format!("progress:{}", (import_commit * i / 10).max(1))));
    points.extend((1..=12).map(|i| format!("progress:{}", import_commit + (total - import_commit) * i / 12)));
    points.extend((1..=commits.len()).map(|n| format!("commit:{n}")));
    points.dedup();
    assert!(points.len() >= 20, "{points:?}");

    for point in &points {
        let db: PathBuf = dir.path().join("killed.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        copy(&base, &db);
        let out = import(&db, &csv, Some(point));
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGKILL),
            "{point}: the run was killed there ({:?}; {})",
            out.status,
            text(&out.stderr)
        );
        // Did the import's commit happen before the kill? (A commit counted at progress P is
        // written before progress P + 1.)
        let committed = match point.split_once(':') {
            Some(("commit", n)) => n.parse::<usize>().unwrap() > 1,
            Some((_, n)) => n.parse::<u64>().unwrap() > import_commit,
            None => unreachable!(),
        };
        {
            let conn = Connection::open(&db).unwrap();
            assert_eq!(
                rows(&conn, "PRAGMA integrity_check"),
                ["ok"],
                "{point}: integrity"
            );
            assert!(
                rows(&conn, "PRAGMA foreign_key_check").is_empty(),
                "{point}: foreign keys"
            );
        }
        let raw = digest(&db, &RAW[..2]);
        let pending = digest(&db, &RAW[2..]);
        if committed {
            assert_same(
                &raw,
                &digest(&reference, &RAW[..2]),
                &format!("{point}: all of the import"),
            );
            if pending["refresh_pending"].is_empty() {
                // Nothing recorded as pending: then nothing may be stale.
                assert_same(
                    &digest(&db, &DERIVED),
                    &want_derived,
                    &format!("{point}: no pending refresh recorded, so the derived tables are complete"),
                );
            } else {
                let check = cx(&db, &["--readonly", "check"]);
                assert_eq!(
                    check.status.code(),
                    Some(1),
                    "{point}: check reports the pending refresh"
                );
            }
        } else {
            assert_same(
                &raw,
                &digest(&base, &RAW[..2]),
                &format!("{point}: none of the import"),
            );
            assert_eq!(pending["refresh_pending"], base_raw["refresh_pending"], "{point}");
        }
        // What a user does next: the same import again; its refresh takes up what is pending.
        let again = import(&db, &csv, None);
        assert_eq!(again.status.code(), Some(0), "{point}: {}", text(&again.stderr));
        assert_same(
            &digest(&db, &RAW),
            &want_raw,
            &format!("{point}: raw rows after the import again"),
        );
        let check = cx(&db, &["check"]);
        assert_eq!(check.status.code(), Some(0), "{point}: {}", text(&check.stdout));
        let incremental = digest(&db, &DERIVED);
        assert_same(
            &incremental,
            &want_derived,
            &format!("{point}: as the uninterrupted run"),
        );
        let full = cx(&db, &["rollup"]);
        assert_eq!(full.status.code(), Some(0), "{point}: {}", text(&full.stderr));
        assert_same(
            &incremental,
            &digest(&db, &DERIVED),
            &format!("{point}: as a full rollup"),
        );
    }
    eprintln!(
        "kill -9 at {} points of {total} progress steps and {} commits: all consistent",
        points.len(),
        commits.len()
    );
}
