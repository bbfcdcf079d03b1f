//! The terminal: a guard that enters raw mode and the alternate screen and always leaves them
//! (on return, on error, on panic through a hook, on SIGTERM, SIGHUP, SIGINT and SIGQUIT through a
//! signal thread), and the event loop, which blocks until something happens and draws only
//! after an event that changed something: idle uses no CPU and sends nothing down the line.
//! Keys, signals and the loader's answers arrive on one channel; the loop never waits for the
//! store: it hands what the screen lacks to the loader and draws what it has meanwhile.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

use super::action::{Action, Outcome};
use super::app::App;
use super::load::{self, Request};
use super::loader::{Answer, Loader};
use super::theme::Theme;
use super::{clipboard, dispatch, frame};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::store::{COCKPIT_CACHE_KIB, OpenMode, Store};

/// The terminal is in raw mode on the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Mouse reporting is on.
static MOUSE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// How long a signal waits for the event loop to close in order before the signal thread
/// restores the terminal and exits itself.
const SIGNAL_GRACE: Duration = Duration::from_secs(2);

/// How often the loop asks the store whether another cockpit committed (one cheap pragma; it
/// redraws only when something changed), so shared triage state shows within two seconds.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// How long a frame waits for the answers a key asked for before it is drawn with a loading
/// line instead: reads that fast show their data in the key's first frame, without a flash.
const HOLD_FRAME: Duration = Duration::from_millis(10);

/// How often the spinner of a loading line turns.
const SPIN_EVERY: Duration = Duration::from_millis(120);

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub mouse: bool,
    pub theme: Theme,
}

/// Leaves raw mode, the alternate screen and mouse reporting, and shows the cursor. Safe to
/// call more than once and from any thread; errors are ignored (the terminal may be gone).
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal when dropped, whatever the way out.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn io_error(context: &str) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        context: context.to_string(),
        source,
    }
}

fn enter(mouse: bool) -> Result<Guard> {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
    // The guard exists before the first change, so a failure half-way still restores.
    let guard = Guard;
    ACTIVE.store(true, Ordering::SeqCst);
    enable_raw_mode().map_err(io_error("switching the terminal to raw mode"))?;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)
        .map_err(io_error("entering the alternate screen"))?;
    if mouse {
        MOUSE.store(true, Ordering::SeqCst);
        execute!(io::stdout(), EnableMouseCapture).map_err(io_error("turning the mouse on"))?;
    }
    Ok(guard)
}

enum Message {
    Input(Event),
    InputFailed(io::Error),
    Signal(i32),
    /// The loader's answer to a request (boxed: answers are large, keys small).
    Loaded(Box<(Request, Answer)>),
}

/// Reads terminal events on a thread of its own, so the loop can also hear signals.
fn spawn_input(tx: Sender<Message>) {
    std::thread::spawn(move || {
        loop {
            let message = match event::read() {
                Ok(event) => Message::Input(event),
                Err(error) => Message::InputFailed(error),
            };
            let failed = matches!(message, Message::InputFailed(_));
            if tx.send(message).is_err() || failed {
                return;
            }
        }
    });
}

/// Turns SIGTERM, SIGHUP, SIGINT and SIGQUIT into messages (SIGQUIT's default would dump core
/// and leave the terminal raw); if the loop has not closed in order within `SIGNAL_GRACE`,
/// restores the terminal and exits from this thread.
fn spawn_signals(tx: Sender<Message>) -> Result<()> {
    let mut signals =
        Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT]).map_err(io_error("listening for signals"))?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = tx.send(Message::Signal(signal));
            std::thread::sleep(SIGNAL_GRACE);
            restore();
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// What a mouse event asks for: the wheel moves the selection, a click on a tab opens it.
fn mouse_action(app: &App, area: Rect, event: event::MouseEvent) -> Option<Action> {
    match event.kind {
        MouseEventKind::ScrollDown => Some(Action::Down),
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::Down(MouseButton::Left) => frame::tab_at(app, area, event.column, event.row)
            .map(|pane| Action::GotoPane(pane.tab(app.data.phases.len()) + 1)),
        _ => None,
    }
}

/// Runs the cockpit until the user leaves; the returned number is the exit code.
pub fn run(app: &mut App, store: &mut Store, options: Options) -> Result<u8> {
    let guard = enter(options.mouse)?;
    let result = event_loop(app, store, options);
    drop(guard);
    result
}

/// Starts the loader on a read-only connection of its own; None when the store cannot be
/// opened a second time (the cockpit then reads on its own thread, as before).
fn spawn_loader(store: &Store, range: Option<(Period, Period)>, tx: Sender<Message>) -> Option<Loader> {
    let reader = Store::open(store.path(), OpenMode::ReadOnly).ok()?;
    reader.set_cache_kib(COCKPIT_CACHE_KIB).ok()?;
    let interrupt = reader.conn().get_interrupt_handle();
    let delay = debug_load_delay();
    Some(Loader::spawn(
        move |request: &Request| {
            if let Some(delay) = delay {
                std::thread::sleep(delay);
            }
            load::load(&reader, range, request)
        },
        Some(interrupt),
        move |request, answer| tx.send(Message::Loaded(Box::new((request, answer)))).is_ok(),
    ))
}

fn event_loop(app: &mut App, store: &mut Store, options: Options) -> Result<u8> {
    let backend = CrosstermBackend::new(io::stdout());
    let mut terminal: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(backend).map_err(io_error("opening the terminal"))?;
    let (tx, rx): (Sender<Message>, Receiver<Message>) = mpsc::channel();
    spawn_signals(tx.clone())?;
    spawn_input(tx.clone());
    let mut loader = spawn_loader(store, app.catalogue.range, tx);

    let mut dirty = true;
    let mut clear = false;
    let mut last_poll = Instant::now();
    // The requests last handed to the loader, and until when a frame waits for their answers.
    let mut asked: Vec<Request> = Vec::new();
    let mut hold_until: Option<Instant> = None;
    loop {
        let needs = app.needs();
        match loader.as_mut() {
            Some(loader) => {
                let mut wanted = needs.clone();
                if wanted.is_empty() {
                    wanted = app.prefetch();
                }
                if wanted != asked {
                    loader.want(&wanted);
                    asked = wanted;
                }
                if needs.is_empty() {
                    hold_until = None;
                } else if hold_until.is_none() {
                    hold_until = Some(Instant::now() + HOLD_FRAME);
                }
            }
            None if !needs.is_empty() => {
                // No second connection: read here (a failure shows in its pane).
                let _ = load::load_inline(app, store);
                dirty = true;
            }
            None => {}
        }
        let holding = hold_until.is_some_and(|until| Instant::now() < until);
        if dirty && !holding {
            if clear {
                // Not `Terminal::clear`: it asks the terminal where the cursor is, and the
                // answer would go to the input thread. A resize to the current size clears.
                let size = terminal.size().map_err(io_error("reading the window size"))?;
                terminal
                    .resize(Rect::from(size))
                    .map_err(io_error("clearing the screen"))?;
                clear = false;
            }
            terminal
                .draw(|f| {
                    let screen = frame::Screen {
                        app,
                        theme: options.theme,
                    };
                    f.render_widget(screen, f.area());
                })
                .map_err(io_error("drawing the cockpit"))?;
            dirty = false;
            debug_panic();
        }
        // Block until something happens, then take whatever else is already waiting, so a
        // burst of keys (a held key, a paste, a slow link) costs one redraw. Wake up at least
        // once a second to see whether another cockpit changed the store; while something
        // loads, also to end the wait for its answer and to turn the spinner.
        let mut wait = POLL_EVERY.saturating_sub(last_poll.elapsed());
        if let Some(until) = hold_until.filter(|_| holding) {
            wait = wait.min(until.saturating_duration_since(Instant::now()));
        } else if !needs.is_empty() {
            wait = wait.min(SPIN_EVERY);
        }
        let first = match rx.recv_timeout(wait) {
            Ok(message) => Some(message),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(0),
        };
        if last_poll.elapsed() >= POLL_EVERY {
            last_poll = Instant::now();
            if dispatch::poll(app, store) {
                dirty = true;
            }
        }
        let Some(first) = first else {
            if !needs.is_empty() && !holding {
                app.tick = app.tick.wrapping_add(1);
                dirty = true;
            }
            continue;
        };
        let mut pending = vec![first];
        pending.extend(rx.try_iter());
        for message in pending {
            let action = match message {
                Message::Signal(signal) => return Ok((128 + signal).clamp(0, 255) as u8),
                Message::InputFailed(error) => return Err(io_error("reading the keyboard")(error)),
                Message::Loaded(loaded) => {
                    let (request, answer) = *loaded;
                    tracing::debug!(?request, ok = answer.is_ok(), "loader answered");
                    if loader.as_mut().is_some_and(|l| l.take_answer(&request)) {
                        // What was read ahead is not on screen: no frame for it (a frame
                        // unchanged still writes its reset codes).
                        dirty |= needs.contains(&request);
                        app.receive(request, answer);
                    }
                    None
                }
                Message::Input(Event::Key(key)) => app.keys.action_for(key, app.input_mode()),
                Message::Input(Event::Resize(..)) => Some(Action::Redraw),
                Message::Input(Event::Mouse(mouse)) if options.mouse => {
                    let size = terminal.size().map_err(io_error("reading the window size"))?;
                    mouse_action(app, Rect::from(size), mouse)
                }
                Message::Input(_) => None,
            };
            let Some(action) = action else { continue };
            // A key starts a new wait for the answers it asks for.
            hold_until = None;
            match dispatch::update(app, store, action) {
                Outcome::Quit => return Ok(0),
                Outcome::Ignored => {}
                _ => dirty = true,
            }
            if let Some(value) = app.clipboard.take() {
                copy_to_terminal(&value);
            }
            if action == Action::Redraw {
                clear = true;
                // C-l tries again what failed: ask the loader afresh.
                asked.clear();
            }
        }
    }
}

/// Sends the clipboard sequence (OSC 52) straight to the terminal, between frames; a terminal
/// that does not know it ignores it.
fn copy_to_terminal(value: &str) {
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let mut out = io::stdout().lock();
    let _ = out
        .write_all(clipboard::sequence(value, in_tmux).as_bytes())
        .and_then(|()| out.flush());
    tracing::debug!(bytes = value.len(), in_tmux, "copied to the clipboard (OSC 52)");
}

/// Debug builds only: `CXCOCKPIT_DEBUG_LOAD_DELAY_MS` makes every read of the loader that
/// much slower, so the tests can press keys while a pane loads.
fn debug_load_delay() -> Option<Duration> {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("CXCOCKPIT_DEBUG_LOAD_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        return Some(Duration::from_millis(ms));
    }
    None
}

/// Debug builds only: `CXCOCKPIT_DEBUG_PANIC` makes the cockpit panic after its first frame,
/// so the tests can check that a panic restores the terminal.
fn debug_panic() {
    #[cfg(debug_assertions)]
    if std::env::var_os("CXCOCKPIT_DEBUG_PANIC").is_some() {
        panic!("CXCOCKPIT_DEBUG_PANIC is set: panicking after the first frame");
    }
}
