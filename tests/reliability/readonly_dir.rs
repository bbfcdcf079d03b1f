//! #16 item 3: a store in a directory another user cannot write (0755, the store 0644), opened
//! by that user (`nobody`, through setpriv: CI runs as root). Reading commands work, with or
//! without --readonly (read-only by SQLite's WAL rules: `mode=ro`, or `immutable=1` when the
//! store was closed cleanly and no -wal/-shm exists); `import --dry-run` validates against a
//! private copy; commands that write exit 2 with one line saying why; nothing is written, not
//! even a -wal or -shm; a -wal left by a writer the user cannot read gives a clear error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::common::*;

/// A directory only root can write, holding a copy of the binary (the build directory may not
/// be reachable by nobody), a demo store 0644 and an accounts CSV 0644.
struct Shared {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    bin: PathBuf,
    db: PathBuf,
    csv: PathBuf,
}

fn shared() -> Shared {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("team");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("store.db");
    demo(&db);
    let bin_copy = tmp.path().join("cxcockpit");
    std::fs::copy(bin(), &bin_copy).unwrap();
    let csv = dir.join("accounts.csv");
    std::fs::write(&csv, "account_id,name\nA00001,Renamed Ltd\nNEW001,New Ltd\n").unwrap();
    chmod(&bin_copy, 0o755);
    chmod(&csv, 0o644);
    // Stores are created 0600: a team shares one by opening it up for reading.
    chmod(&db, 0o644);
    chmod(&dir, 0o755);
    chmod(tmp.path(), 0o755);
    Shared {
        dir,
        bin: bin_copy,
        db,
        csv,
        _dir: tmp,
    }
}

impl Shared {
    fn run<A: AsRef<std::ffi::OsStr>>(&self, args: &[A]) -> Output {
        as_nobody(&self.bin)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    /// Every file of the directory with its bytes.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                (path, bytes)
            })
            .collect()
    }
}

fn ok(out: &Output, what: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    text(&out.stdout)
}

fn one_line_failure(out: &Output, what: &str, mentions: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: one line expected: {stderr}");
    for m in mentions {
        assert!(stderr.contains(m), "{what}: should mention {m:?}: {stderr}");
    }
}

#[test]
fn another_user_reads_a_store_in_a_directory_they_cannot_write() {
    if !can_switch_user() {
        eprintln!("skipped: needs root and setpriv to run the binary as nobody (CI has both)");
        return;
    }
    let shared = shared();
    // Reading commands, with and without --readonly: the same figures as the owner sees.
    let owner_churn = text(&cx(&shared.db, &["churn", "--format", "json"]).stdout);
    let before = shared.files();
    let csv = s(&shared.csv).to_string();
    for flags in [&["--readonly"][..], &[][..]] {
        let with =
            |args: &[&str]| -> Vec<String> { flags.iter().chain(args).map(|a| a.to_string()).collect() };
        let churn = ok(&shared.run(&with(&["churn", "--format", "json"])), "churn");
        assert_eq!(churn, owner_churn, "{flags:?}: nobody reads the owner's figures");
        ok(&shared.run(&with(&["tiers"])), "tiers");
        let queue = ok(&shared.run(&with(&["triage", "--limit", "3"])), "triage");
        assert!(queue.contains("priority queue"), "{queue}");
        let check = ok(&shared.run(&with(&["check"])), "check");
        assert!(check.contains(": ok"), "{check}");
        let snapshot = ok(
            &shared.run(&with(&["snapshot", "--pane", "overview"])),
            "snapshot",
        );
        assert!(!snapshot.is_empty());
        // A dry run validates against a private copy: the store cannot take even a
        // transaction that is rolled back.
        let dry = ok(
            &shared.run(&with(&["import", "accounts", &csv, "--dry-run"])),
            "import --dry-run",
        );
        assert!(
            dry.contains("would import") && dry.contains("1 new, 1 changed"),
            "{dry}"
        );
        // The alerts' dry run reads the store and keeps what it would write in memory.
        let alerts = ok(&shared.run(&with(&["alerts", "--dry-run"])), "alerts --dry-run");
        assert!(
            alerts.contains("would raise") && alerts.contains("nothing written"),
            "{alerts}"
        );
    }
    // Commands that write: one line, exit 2, the reason and the way out.
    for args in [
        &["import", "accounts", s(&shared.csv)][..],
        &["rollup"][..],
        &["init"][..],
        &["triage", "note", "A00001", "hello"][..],
        &["triage", "resolve", "A00001"][..],
    ] {
        let out = shared.run(args);
        one_line_failure(
            &out,
            &format!("{args:?}"),
            &["writes to the store", "not writable by you"],
        );
        assert!(
            !text(&out.stderr).contains("--readonly"),
            "no --readonly was given: {}",
            text(&out.stderr)
        );
    }
    // With --readonly, the usage error names --readonly.
    let out = shared.run(&["--readonly", "rollup"]);
    one_line_failure(&out, "--readonly rollup", &["--readonly"]);
    let out = shared.run(&["--readonly", "triage", "note", "A00001", "hello"]);
    one_line_failure(&out, "--readonly triage note", &["--readonly"]);
    // Nothing was written, not even a -wal or -shm.
    let after = shared.files();
    let changed: Vec<_> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(bytes))
        .map(|(path, bytes)| (path, bytes.len()))
        .collect();
    assert!(
        changed.is_empty() && after.len() == before.len(),
        "the directory changed: {changed:?}"
    );
}

/// A writer stopped without closing (or still writing) left a -wal and -shm the other user
/// cannot read: the file alone is not the store, so `immutable` would be wrong; a clear error.
#[test]
fn a_wal_the_reader_cannot_open_is_a_clear_error_not_a_wrong_answer() {
    if !can_switch_user() {
        eprintln!("skipped: needs root and setpriv to run the binary as nobody (CI has both)");
        return;
    }
    let shared = shared();
    // The owner writes through the WAL and is killed before it checkpoints.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec python3 -c \"import sqlite3,os; c=sqlite3.connect('{}'); c.execute(\\\"INSERT OR REPLACE INTO setting VALUES ('probe','1')\\\"); c.commit(); os.kill(os.getpid(), 9)\"",
            s(&shared.db)
        ))
        .spawn()
        .unwrap();
    let _ = child.wait().unwrap();
    let wal = wal_of(&shared.db);
    if !wal.exists() {
        eprintln!("skipped: python3's sqlite3 left no -wal");
        return;
    }
    chmod(&wal, 0o600);
    chmod(&wal_of_suffix(&shared.db, "-shm"), 0o600);
    for flags in [&["--readonly"][..], &[][..]] {
        let out = shared.run(&[flags, &["churn"][..]].concat());
        one_line_failure(
            &out,
            "churn with an unreadable -wal",
            &["-wal", "not writable by you", "backup"],
        );
    }
    // The owner's next command folds the -wal in; then nobody reads again.
    ok(&cx(&shared.db, &["check"]), "owner's check");
    assert!(!wal.exists(), "the owner's last close removed the -wal");
    ok(&shared.run(&["churn"]), "churn after the owner closed it");
}

fn wal_of(db: &Path) -> PathBuf {
    wal_of_suffix(db, "-wal")
}

fn wal_of_suffix(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `--readonly import --dry-run` (which failed before: even a rolled-back transaction writes)
/// validates against a private copy and reports what would change; the store's rows are as they
/// were. Runs as any user.
#[test]
fn readonly_import_dry_run_reports_what_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    demo(&db);
    let csv = dir.path().join("accounts.csv");
    std::fs::write(&csv, "account_id,name\nA00001,Renamed Ltd\nNEW001,New Ltd\n").unwrap();
    let tables = [
        ("account", "SELECT * FROM account ORDER BY account_id"),
        ("refresh_pending", "SELECT * FROM refresh_pending ORDER BY source"),
    ];
    let before = digest(&db, &tables);
    for flags in [&["--readonly"][..], &[][..]] {
        let args: Vec<&str> = flags
            .iter()
            .copied()
            .chain(["import", "accounts", s(&csv), "--dry-run"])
            .collect();
        let out = cx(&db, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("would import") && stdout.contains("1 new, 1 changed"),
            "{args:?}: {stdout}"
        );
        assert_same(&digest(&db, &tables), &before, &format!("{args:?}"));
    }
    // Without --dry-run, --readonly is a usage error that names it.
    let out = cx(&db, &["--readonly", "import", "accounts", s(&csv)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--readonly"), "{}", text(&out.stderr));
}

/// The store file is writable by the user (0666) but its directory is not: SQLite could not
/// create the -wal and -shm, so the store still cannot be written; reading works and a write
/// names the directory.
#[test]
fn a_writable_store_in_a_directory_the_user_cannot_write_reads_and_names_the_directory() {
    if !can_switch_user() {
        eprintln!("skipped: needs root and setpriv to run the binary as nobody (CI has both)");
        return;
    }
    let shared = shared();
    chmod(&shared.db, 0o666);
    let before = shared.files();
    ok(&shared.run(&["churn"]), "churn");
    ok(&shared.run(&["check"]), "check");
    let out = shared.run(&["rollup"]);
    let dir = s(&shared.dir).to_string();
    one_line_failure(
        &out,
        "rollup",
        &[&format!("{dir} (the store's directory) is not writable by you")],
    );
    assert_eq!(shared.files().len(), before.len(), "no -wal or -shm left");
    assert!(shared.files() == before, "the store is as it was");
}
