//! The cockpit in a real terminal (tmux, as tests/ui_tmux.rs), its output bytes captured with
//! `pipe-pane`:
//! - #16 item 4: a store whose account names, triage notes, survey comments and review notes
//!   hold terminal controls (OSC 52 to the clipboard, clear screen, a window resize, BEL,
//!   U+202E, line breaks) sends none of them to the terminal, whatever pane shows them;
//! - #16 item 3: another user's cockpit on a store in a directory they cannot write runs
//!   read-only, says so in the footer, and a writing key says why instead of writing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::common::*;

static SERVERS: AtomicUsize = AtomicUsize::new(0);
const WAIT: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
}

impl Tmux {
    /// A tmux server of its own; the window runs `command` after a short pause, so that the
    /// capture is in place before the first byte.
    fn start(command: &str, capture: &Path) -> Tmux {
        let socket = format!(
            "cxcockpit-reliab-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Tmux { socket };
        let shell = format!("sleep 1; {command}; sleep 30");
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            "140",
            "-y",
            "40",
            "-e",
            "TERM=xterm-256color",
            &shell,
        ]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        let pipe = format!("cat >> '{}'", capture.display());
        assert!(tmux.run(&["pipe-pane", "-o", "-t", "0", &pipe]).status.success());
        tmux
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux is needed (.ci/run installs it)")
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            assert!(self.run(&["send-keys", "-t", "0", key]).status.success());
            // One key at a time, each drawn before the next (Escape then a key would be Alt).
            sleep(Duration::from_millis(250));
        }
    }

    fn screen(&self) -> String {
        text(&self.run(&["capture-pane", "-p", "-t", "0"]).stdout)
    }

    fn wait_for(&self, wanted: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(wanted) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "waited for {wanted:?}; the screen:\n{screen}"
            );
            sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Text that a terminal would act on, each with a marker around it.
const HOSTILE: [&str; 7] = [
    "Clip\x1b]52;c;SGFja2Vk\x07board",
    "Wipe\x1b[2Jzz screen",
    "Resize\x1b[8;1;1tyy window",
    "\u{202e}desrever Ltd",
    "two\nlines\rreturn",
    "bell\x07\x07 tab\tvt\x0b ff\x0c esc\x1b del\x7f c1\u{9b}31m",
    "Title\x1b]0;pwned\x1b\\ Ltd",
];

fn hostile_store(dir: &Path) -> PathBuf {
    let db = dir.join("hostile.db");
    demo(&db);
    let conn = Connection::open(&db).unwrap();
    let ids = rows(&conn, "SELECT account_id FROM account ORDER BY account_id");
    for (i, id) in ids.iter().enumerate() {
        let bad = HOSTILE[i % HOSTILE.len()];
        conn.execute(
            "UPDATE account SET name = ?1 || ' ' || ?2 WHERE account_id = ?2",
            [bad, id],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO triage_note (account_id, action, body, author, created_at)
             VALUES (?1, 'note', ?2, ?3, '2026-10-20T10:00:00')",
            [
                id.as_str(),
                HOSTILE[(i + 1) % HOSTILE.len()],
                HOSTILE[(i + 2) % HOSTILE.len()],
            ],
        )
        .unwrap();
    }
    let n = conn
        .execute(
            "UPDATE survey_response SET comment = (CASE abs(random()) % 7 WHEN 0 THEN ?1 WHEN 1 THEN ?2
             WHEN 2 THEN ?3 WHEN 3 THEN ?4 WHEN 4 THEN ?5 WHEN 5 THEN ?6 ELSE ?7 END) || ' slow'",
            HOSTILE,
        )
        .unwrap();
    assert!(n > 0);
    conn.execute("UPDATE phase SET owner = ?1 WHERE rowid % 2 = 0", [HOSTILE[0]])
        .unwrap();
    db
}

#[test]
fn hostile_text_in_the_store_never_reaches_the_terminal_as_controls() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path());
    let capture = dir.path().join("pty.bytes");
    let tmux = Tmux::start(&format!("'{}' --db '{}'", s(&bin()), s(&db)), &capture);
    tmux.wait_for("q quit");
    // Every pane that shows names, notes or comments: the overview (phase owners), the triage
    // queue (all of it, explained), an account's view with its notes, tiers, churn, and what
    // a phase's customers say.
    // The triage pane is the one before the last (the actions pane, issue #19).
    tmux.keys(&["BTab", "BTab", "t", "e", "Escape", "j", "j", "v"]);
    tmux.wait_for("Esc back");
    tmux.keys(&[
        "Escape", "BTab", "BTab", "BTab", "c", "Escape", "C", "Escape", "q",
    ]);
    let start = Instant::now();
    while !tmux.screen().trim().is_empty() && start.elapsed() < WAIT {
        sleep(Duration::from_millis(50));
    }
    let bytes = std::fs::read(&capture).unwrap();
    assert!(
        bytes.len() > 10_000,
        "the capture holds the frames ({} bytes)",
        bytes.len()
    );
    let find = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle);
    let context = |at: usize| text(&bytes[at.saturating_sub(60)..(at + 60).min(bytes.len())]);
    for (needle, what) in [
        (&b"\x1b]"[..], "an OSC sequence (clipboard, title)"),
        (b"\x07", "a BEL"),
        (b"\x1b[2Jzz", "the data's clear-screen"),
        (b"\x1b[8;1;1t", "the data's window resize"),
        ("\u{202e}".as_bytes(), "U+202E"),
        ("\u{9b}".as_bytes(), "a C1 CSI"),
        (b"two\n", "the data's line break"),
        (b"lines\r", "the data's carriage return"),
        (b"\x0b", "a vertical tab"),
        (b"\x0c", "a form feed"),
        (b"\x7f", "a DEL"),
    ] {
        if let Some(at) = find(needle) {
            panic!("{what} reached the terminal at byte {at}: {:?}", context(at));
        }
    }
    // The names were drawn, neutralised.
    assert!(
        find(b"desrever").is_some() && find(b"Clip").is_some(),
        "the hostile names were shown"
    );
}

#[test]
fn another_users_cockpit_on_a_read_only_directory_says_why_and_refuses_writing_keys() {
    if !can_switch_user() {
        eprintln!("skipped: needs root and setpriv to run the binary as nobody (CI has both)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let team = tmp.path().join("team");
    std::fs::create_dir(&team).unwrap();
    let db = team.join("store.db");
    demo(&db);
    let bin_copy = tmp.path().join("cxcockpit");
    std::fs::copy(bin(), &bin_copy).unwrap();
    chmod(&bin_copy, 0o755);
    chmod(&db, 0o644);
    chmod(&team, 0o755);
    chmod(tmp.path(), 0o755);
    let before = std::fs::read(&db).unwrap();
    let capture = tmp.path().join("pty.bytes");
    let tmux = Tmux::start(
        &format!(
            "setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent '{}' --db '{}'",
            s(&bin_copy),
            s(&db)
        ),
        &capture,
    );
    let screen = tmux.wait_for("read-only:");
    assert!(screen.contains("not writable by you"), "{screen}");
    // The triage pane (before the actions pane, the last): a note is refused with the reason.
    tmux.keys(&["BTab", "BTab", "n"]);
    let screen = tmux.wait_for("actions unavailable");
    assert!(screen.contains("not writable by you"), "{screen}");
    tmux.keys(&["Escape", "q"]);
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
    let names: Vec<String> = std::fs::read_dir(&team)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["store.db"], "no -wal or -shm left in the directory");
}
