//! Progress of long work on a terminal: a spinner on stderr naming the step under way and the
//! time it has run, cleared when the work ends. Hidden when stderr is not a terminal (scripts,
//! CI, pipes see nothing of it).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Steps {
    bar: ProgressBar,
}

impl Steps {
    /// A spinner for `what` ("demo", "rollup"), shown only on a terminal and without `--quiet`.
    pub fn start(what: &str) -> Steps {
        let target = if super::logs::quiet() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        // The template is fixed and valid; a failure would only lose the styling.
        if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Steps { bar }
    }

    /// The step now under way (also a line of the log, with the time the last one took).
    pub fn step(&self, name: &'static str) {
        tracing::debug!(
            step = name,
            elapsed_ms = self.bar.elapsed().as_millis() as u64,
            "progress"
        );
        self.bar.set_message(name);
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
