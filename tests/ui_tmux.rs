//! End to end: the real binary in a real terminal (tmux, which `.ci/run` installs), keys sent
//! as a user types them, the screen read back. Each test runs its own tmux server, and checks
//! after the cockpit is gone that the terminal is back as it was: main screen, cursor shown,
//! line editing and echo on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

static SERVERS: AtomicUsize = AtomicUsize::new(0);
const WAIT: Duration = Duration::from_secs(20);

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cxcockpit")
}

/// A tmux server of its own with one window running a shell command.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, env: &[(&str, &str)], command: &str) -> Tmux {
        let socket = format!(
            "cxcockpit-test-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Tmux { socket };
        let mut args: Vec<String> = [
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.push(command.into());
        let out = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            out.status.success(),
            "tmux did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux is needed for the end-to-end tests (.ci/run installs it)")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// The screen with its colours and attributes as escape codes.
    fn screen_with_codes(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-e", "-t", "0"]).stdout).into_owned()
    }

    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "0", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until the screen holds `text`, and returns it.
    fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits until `text` is no longer on the screen.
    fn wait_until_gone(&self, text: &str) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "waited for {text:?} to go; the screen:\n{screen}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every text is on the screen at once: a frame may be caught half painted.
    fn wait_for_all(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|text| screen.contains(text)) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "waited for {texts:?}; the screen:\n{screen}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// After the cockpit exited: its exit code and the terminal's state printed by the shell.
    fn assert_restored(&self, exit: i32) {
        let screen = self.wait_for("STTY=");
        assert!(screen.contains(&format!("EXIT={exit}")), "{screen}");
        let stty = screen
            .lines()
            .find(|l| l.starts_with("STTY="))
            .unwrap_or_default();
        let modes: Vec<&str> = stty.split_whitespace().collect();
        assert!(
            modes.contains(&"icanon") && modes.contains(&"echo"),
            "raw mode left on: {stty}"
        );
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "cursor left hidden");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A small demo store made by the binary.
fn store(dir: &Path) -> PathBuf {
    let path = dir.join("e2e.db");
    let out = Command::new(bin())
        .args([
            "demo",
            "--accounts",
            "200",
            "--months",
            "12",
            "--seed",
            "5",
            "--as-of",
            "2026-06",
            "--out",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// The shell command that runs the cockpit then prints its exit code and the terminal modes.
fn cockpit(db: &Path, pid_file: &Path, extra: &str) -> String {
    format!(
        "sh -c 'echo $$ > {pid}; exec {bin} --db {db} {extra}'; echo EXIT=$?; \
         echo \"STTY= $(stty -a | grep -oE -- \"-?(icanon|echo)\\b\" | tr \"\\n\" \" \")\"; sleep 600",
        pid = pid_file.display(),
        bin = bin().display(),
        db = db.display(),
    )
}

#[test]
fn frame_month_help_quit() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let tmux = Tmux::start(80, 24, &[], &cockpit(&db, &dir.path().join("pid"), ""));
    tmux.wait_for_all(&[
        "period 2026-06",
        "store e2e.db",
        "journey Cloud security",
        "segment all",
        "1 Overview",
        "? help",
    ]);
    assert_eq!(tmux.format("#{alternate_on}"), "1");
    tmux.keys(&["["]);
    tmux.wait_for("period 2026-05");
    tmux.keys(&["]"]);
    tmux.wait_for("period 2026-06");
    tmux.keys(&["?"]);
    tmux.wait_for_all(&["any key closes", "next pane", "previous month"]);
    tmux.keys(&["Escape"]);
    // ESC and the next key read together are one Alt key: the next only once the help is gone.
    tmux.wait_until_gone("any key closes");
    tmux.keys(&["Tab"]);
    tmux.wait_for("(phase 1 of 6)");
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
}

#[test]
fn resize_small_tiny_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let tmux = Tmux::start(80, 24, &[], &cockpit(&db, &dir.path().join("pid"), ""));
    tmux.wait_for("period 2026-06");
    tmux.run(&["resize-window", "-t", "0", "-x", "12", "-y", "3"]);
    tmux.wait_for("window too");
    tmux.run(&["resize-window", "-t", "0", "-x", "200", "-y", "50"]);
    tmux.wait_for_all(&["Moved most since 2026-05", "period 2026-06"]);
    tmux.run(&["resize-window", "-t", "0", "-x", "80", "-y", "24"]);
    tmux.wait_for("segment all");
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
}

#[test]
fn signals_and_panics_restore_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    for (signal, exit) in [("TERM", 143), ("HUP", 129), ("QUIT", 131)] {
        let pid_file = dir.path().join(format!("pid-{signal}"));
        let tmux = Tmux::start(80, 24, &[], &cockpit(&db, &pid_file, ""));
        tmux.wait_for("period 2026-06");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .unwrap();
        assert!(killed.success());
        tmux.assert_restored(exit);
    }
    let command = format!(
        "CXCOCKPIT_DEBUG_PANIC=1 RUST_BACKTRACE=0 {}",
        cockpit(&db, &dir.path().join("pid"), "")
    );
    let tmux = Tmux::start(80, 24, &[], &command);
    let screen = tmux.wait_for("STTY=");
    assert!(
        screen.contains("panicking after the first frame"),
        "the panic message is readable:\n{screen}"
    );
    tmux.assert_restored(101);
}

/// The parameters of every SGR escape code on a captured screen.
fn sgr_params(screen: &str) -> Vec<u32> {
    screen
        .split("\x1b[")
        .skip(1)
        .filter_map(|s| s.split_once('m').map(|(p, _)| p))
        .flat_map(|p| p.split(';').filter_map(|n| n.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

/// SGR parameters split into foreground colour indexes (0-15, from `30-37`, `90-97` or
/// `38;5;N`) and the other attributes (bold 1, dim 2, reverse 7, resets).
fn split_sgr(codes: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let (mut colours, mut attributes) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < codes.len() {
        match codes[i] {
            38 | 48 if codes.get(i + 1) == Some(&5) => {
                if codes[i] == 38
                    && let Some(n) = codes.get(i + 2)
                {
                    colours.push(*n);
                }
                i += 3;
                continue;
            }
            c @ 30..=37 => colours.push(c - 30),
            c @ 90..=97 => colours.push(c - 90 + 8),
            c => attributes.push(c),
        }
        i += 1;
    }
    (colours, attributes)
}

fn is_colour(code: u32) -> bool {
    matches!(code, 30..=38 | 40..=48 | 90..=97 | 100..=107)
}

#[test]
fn no_color_draws_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let coloured = Tmux::start(80, 24, &[], &cockpit(&db, &dir.path().join("pid1"), ""));
    coloured.wait_for("period 2026-06");
    assert!(
        sgr_params(&coloured.screen_with_codes())
            .into_iter()
            .any(is_colour),
        "colour by default"
    );
    for (env, flag) in [(&[("NO_COLOR", "1")][..], ""), (&[][..], "--no-color")] {
        let tmux = Tmux::start(80, 24, env, &cockpit(&db, &dir.path().join("pid2"), flag));
        tmux.wait_for("period 2026-06");
        tmux.keys(&["5"]);
        tmux.wait_for("Indicators (predict success)");
        let codes = sgr_params(&tmux.screen_with_codes());
        assert!(
            !codes.iter().copied().any(is_colour),
            "colour drawn with {env:?} {flag}: {codes:?}"
        );
        assert!(
            codes.contains(&7),
            "the selection is still shown, reversed: {codes:?}"
        );
        tmux.keys(&["q"]);
        tmux.assert_restored(0);
    }
}

#[test]
fn dumb_terminal_says_to_use_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    // tmux sets TERM in its panes itself: set it in the command.
    let command = format!("TERM=dumb {}", cockpit(&db, &dir.path().join("pid"), ""));
    let tmux = Tmux::start(80, 24, &[], &command);
    let screen = tmux.wait_for("EXIT=");
    assert!(
        screen.contains("TERM=dumb") && screen.contains("cxcockpit snapshot"),
        "{screen}"
    );
    assert!(screen.contains("EXIT=2"), "{screen}");
}

#[test]
fn keys_move_during_a_slow_load_and_q_quits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    // Every read of the loader takes 10 s (a debug-build hook): the cockpit must not wait.
    let tmux = Tmux::start(
        100,
        30,
        &[("CXCOCKPIT_DEBUG_LOAD_DELAY_MS", "10000")],
        &cockpit(&db, &dir.path().join("pid"), ""),
    );
    let started = Instant::now();
    tmux.wait_for_all(&["period 2026-06", "loading journey cloud-security..."]);
    tmux.keys(&["["]);
    tmux.wait_for_all(&["period 2026-05", "loading journey"]);
    tmux.keys(&["?"]);
    tmux.wait_for("any key closes");
    tmux.keys(&["Escape"]);
    // ESC and q read together are Alt-q, not two keys: q only once the help has gone.
    tmux.wait_until_gone("any key closes");
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the cockpit waited for a read to end before quitting"
    );
}

/// Issue #18: the start options open the cockpit where asked; Esc then backs out to the
/// overview and never quits, however often it is pressed; `q` quits.
#[test]
fn start_options_open_where_asked_and_esc_never_quits() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let state = dir.path().join("state");
    let tmux = Tmux::start(
        80,
        24,
        &[
            ("CXCOCKPIT_CONFIG", "/dev/null"),
            ("XDG_STATE_HOME", state.to_str().unwrap()),
        ],
        &cockpit(
            &db,
            &dir.path().join("pid"),
            "--verbose --pane triage --segment hvc --period 2026-05",
        ),
    );
    tmux.wait_for_all(&["Triage: HVC queue", "period 2026-05", "segment HVC"]);
    for _ in 0..4 {
        // One at a time: ESC and a key read together are one Alt key.
        sleep(Duration::from_millis(300));
        tmux.keys(&["Escape"]);
    }
    let screen = tmux.wait_for("Esc backs out; q or C-c quits");
    assert!(!screen.contains("EXIT="), "Esc quit the cockpit:\n{screen}");
    assert!(screen.contains("Triage: HVC queue"), "{screen}");
    // A phase opened from the overview: Esc returns to the overview.
    tmux.keys(&["1"]);
    tmux.wait_for("Overview: Cloud security");
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("(phase 2 of 6)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Overview: Cloud security");
    sleep(Duration::from_millis(300));
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("Esc backs out; q or C-c quits");
    assert!(!screen.contains("EXIT="), "Esc quit the cockpit:\n{screen}");
    assert_eq!(tmux.format("#{alternate_on}"), "1");
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
    // --verbose logged to the file, not onto the screen.
    let log = std::fs::read_to_string(state.join("cxcockpit/cxcockpit.log")).unwrap();
    assert!(log.contains("cockpit opening"), "{log}");
    assert!(!tmux.screen().contains("cockpit opening"));
}

/// Issue #18: the `:` command line, typed as a user types it.
#[test]
fn the_command_line_moves_the_cockpit_and_q_quits() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let tmux = Tmux::start(
        80,
        24,
        &[("CXCOCKPIT_CONFIG", "/dev/null")],
        &cockpit(&db, &dir.path().join("pid"), "--pane phase:consideration"),
    );
    tmux.wait_for_all(&["period 2026-06", "(phase 2 of 6)"]);
    tmux.keys(&[":", "pane tri"]);
    tmux.wait_for(":pane tri_");
    tmux.keys(&["Tab"]);
    tmux.wait_for(":pane triage_");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Triage: HVC queue");
    tmux.keys(&[":", "month 2026-03", "Enter"]);
    tmux.wait_for("period 2026-03");
    tmux.keys(&[":", "segment regular", "Enter"]);
    tmux.wait_for("segment regular");
    tmux.keys(&[":", "journey sme-broadband", "Enter"]);
    tmux.wait_for("journey SME broadband");
    tmux.keys(&[":", "month 1999-01", "Enter"]);
    tmux.wait_for("no data for 1999-01");
    // Up brings the last command back.
    tmux.keys(&[":", "Up"]);
    tmux.wait_for(":month 1999-01_");
    tmux.keys(&["Escape"]);
    tmux.wait_until_gone(":month 1999-01_");
    tmux.keys(&[":", "q", "Enter"]);
    tmux.assert_restored(0);
}

/// Issue #18: `y` sends the selected account's id to the terminal's clipboard as OSC 52, in
/// the bytes the cockpit writes to its pty (read with tmux pipe-pane), plain and wrapped for
/// tmux's passthrough.
#[test]
fn y_sends_the_account_id_as_osc_52() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let bytes = dir.path().join("pty.bytes");
    let tmux = Tmux::start(
        80,
        24,
        &[("CXCOCKPIT_CONFIG", "/dev/null")],
        &cockpit(&db, &dir.path().join("pid"), "--pane triage"),
    );
    tmux.wait_for("Triage: HVC queue");
    let out = tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "0",
        &format!("cat >> {}", bytes.display()),
    ]);
    assert!(out.status.success());
    tmux.keys(&["j", "y"]);
    let screen = tmux.wait_for("copied account id ");
    let id = screen
        .split("copied account id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let plain = cxcockpit::ui::clipboard::sequence(&id, false);
    let both = cxcockpit::ui::clipboard::sequence(&id, true);
    let start = Instant::now();
    loop {
        let written = std::fs::read(&bytes).unwrap_or_default();
        let written = String::from_utf8_lossy(&written);
        if written.contains(&both) {
            assert!(written.contains(&plain));
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "no OSC 52 for {id} in the pty's bytes: {written:?}"
        );
        sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
}

/// Issue #18: `--color always` draws colour despite NO_COLOR, `--color never` none; the
/// configuration file's theme: `light` draws the title blue instead of cyan, `monochrome` no
/// colour at all.
#[test]
fn color_flag_and_themes_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let config = |name: &str, theme: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, format!("theme = \"{theme}\"\n")).unwrap();
        path.display().to_string()
    };
    // A case: its name, the environment, the flags.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: [Case; 5] = [
        ("always", vec![("NO_COLOR", "1".into())], "--color always"),
        ("never", vec![], "--color never"),
        ("light", vec![("CXCOCKPIT_CONFIG", config("light", "light"))], ""),
        (
            "mono",
            vec![("CXCOCKPIT_CONFIG", config("mono", "monochrome"))],
            "",
        ),
        (
            "contrast",
            vec![("CXCOCKPIT_CONFIG", config("contrast", "high-contrast"))],
            "",
        ),
    ];
    for (name, env, flag) in cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let tmux = Tmux::start(
            80,
            24,
            &env,
            &cockpit(&db, &dir.path().join(format!("pid-{name}")), flag),
        );
        tmux.wait_for("period 2026-06");
        let codes = sgr_params(&tmux.screen_with_codes());
        let (colours, attributes) = split_sgr(&codes);
        match name {
            "always" => assert!(!colours.is_empty(), "{name}: {codes:?}"),
            "never" | "mono" => {
                assert!(colours.is_empty(), "{name}: {codes:?}");
                assert!(
                    attributes.contains(&7),
                    "{name}: the selection is reversed: {codes:?}"
                );
            }
            "light" => {
                assert!(colours.contains(&4), "light: blue title: {colours:?}");
                assert!(!colours.contains(&6), "light: no cyan: {colours:?}");
            }
            _ => {
                assert!(colours.contains(&14), "high-contrast: bright cyan: {colours:?}");
                assert!(!colours.contains(&8), "high-contrast: no dark grey: {colours:?}");
                assert!(
                    !attributes.contains(&2),
                    "high-contrast: no dim text: {attributes:?}"
                );
            }
        }
        tmux.keys(&["q"]);
        tmux.assert_restored(0);
    }
}

/// Issue #19: the actions pane and `A`, typed as a user types them. The pane opens with
/// `--pane actions` on a store with actions (the login name's first), Enter on an account's
/// action opens the account view, and `A` in triage adds an action about the selected account
/// that the actions pane then lists.
#[test]
fn the_actions_pane_and_a_add_an_action() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let env = [
        ("CXCOCKPIT_CONFIG", "/dev/null"),
        ("USER", "ana"),
        ("CXCOCKPIT_NOW", "2026-11-30"),
    ];
    let cx = |args: &[&str]| {
        let mut command = Command::new(bin());
        for (k, v) in env {
            command.env(k, v);
        }
        let out = command.arg("--db").arg(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let queue: serde_json::Value = serde_json::from_str(&cx(&["triage", "--format", "json"])).unwrap();
    let account = queue["queue"][0]["account_id"].as_str().unwrap().to_string();
    cx(&[
        "actions",
        "add",
        "--title",
        "Call back about the outage",
        "--account",
        &account,
        "--owner",
        "ana",
        "--due",
        "2026-11-20",
    ]);
    cx(&[
        "actions",
        "add",
        "--title",
        "Write summary",
        "--owner",
        "kim",
        "--due",
        "2026-12-20",
    ]);
    let tmux = Tmux::start(
        80,
        24,
        &env,
        &cockpit(&db, &dir.path().join("pid"), "--pane actions"),
    );
    let screen = tmux.wait_for_all(&["Actions: 2 open, 1 overdue, 1 yours", "Write summary"]);
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("│   ")).collect();
    assert!(
        rows.first()
            .is_some_and(|r| r.contains("Call back about") && r.contains("! 2026-11-20")),
        "yours first, overdue marked:\n{screen}"
    );
    assert!(screen.contains("11 Ac"), "the tab:\n{screen}");
    // Enter on the account's action: its view, with the action listed.
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(&[&format!("Account {account}"), "Open actions", "OVERDUE"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("Actions: 2 open");
    // A in triage, on the selected account.
    tmux.keys(&["BTab"]);
    tmux.wait_for("Triage: HVC queue");
    tmux.keys(&["A"]);
    tmux.wait_for("new action (title");
    tmux.keys(&["Renew in March @kim"]);
    tmux.wait_for("Renew in March @kim_");
    tmux.keys(&["Enter"]);
    tmux.wait_for("action 3 added: Renew in March");
    tmux.keys(&["Tab"]);
    let screen = tmux.wait_for_all(&["Actions: 3 open", "Renew in March"]);
    assert!(screen.contains("kim"), "{screen}");
    let added = cx(&["actions", "--format", "json"]);
    let added: serde_json::Value = serde_json::from_str(&added).unwrap();
    let third = added["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == 3)
        .unwrap();
    assert_eq!(third["account_id"], account.as_str());
    assert_eq!(third["created_by"], "ana");
    tmux.keys(&["q"]);
    tmux.assert_restored(0);
}
