//! The loader: one worker thread that reads requests (`load::Request`) with a store connection
//! of its own, so no key waits for the store (WAL lets it read while the cockpit writes). The
//! event loop says, after every batch of events, exactly which requests it wants and in which
//! order (`want`): the ones no longer listed are dropped from the queue, and the one being read
//! is interrupted. Answers come back through `send` (a message on the loop's channel); an
//! answer to a request no longer asked for is stale (`take_answer` says so).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::InterruptHandle;

use super::load::{Loaded, Request};
use crate::error::Result;

/// An answer as the loop receives it: the data, or why it could not be read.
pub type Answer = std::result::Result<Loaded, String>;

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Request>,
    /// The request being read.
    current: Option<Request>,
    /// The request being read is no longer wanted: its answer is thrown away.
    cancelled: bool,
    stop: bool,
}

type Shared = Arc<(Mutex<Queue>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Queue> {
    // A panic on the worker leaves the queue as it was; keep using it.
    shared.0.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct Loader {
    shared: Shared,
    interrupt: Option<InterruptHandle>,
    /// The requests wanted and not answered yet.
    asked: HashSet<Request>,
}

impl Loader {
    /// Starts the worker. `load` reads one request (it owns the worker's connection);
    /// `interrupt` stops a read in progress on that connection; `send` hands an answer to the
    /// event loop and says whether the loop is still there.
    pub fn spawn<L, S>(mut load: L, interrupt: Option<InterruptHandle>, send: S) -> Loader
    where
        L: FnMut(&Request) -> Result<Loaded> + Send + 'static,
        S: Fn(Request, Answer) -> bool + Send + 'static,
    {
        let shared: Shared = Arc::default();
        let worker = Arc::clone(&shared);
        std::thread::spawn(move || {
            loop {
                let request = {
                    let mut queue = lock(&worker);
                    loop {
                        if queue.stop {
                            return;
                        }
                        if let Some(next) = queue.waiting.pop_front() {
                            queue.current = Some(next.clone());
                            queue.cancelled = false;
                            break next;
                        }
                        queue = worker.1.wait(queue).unwrap_or_else(PoisonError::into_inner);
                    }
                };
                let answer = load(&request).map_err(|e| e.to_string());
                let cancelled = {
                    let mut queue = lock(&worker);
                    queue.current = None;
                    std::mem::take(&mut queue.cancelled)
                };
                if !cancelled && !send(request, answer) {
                    return;
                }
            }
        });
        Loader {
            shared,
            interrupt,
            asked: HashSet::new(),
        }
    }

    /// Asks for exactly these requests, most urgent first. A request asked before and not
    /// listed is dropped; if it is being read, the read is interrupted and its answer dropped.
    pub fn want(&mut self, requests: &[Request]) {
        let mut queue = lock(&self.shared);
        let current = queue.current.clone();
        let reading = current.as_ref().filter(|_| !queue.cancelled);
        queue.waiting = requests.iter().filter(|r| Some(*r) != reading).cloned().collect();
        if let Some(current) = reading
            && !requests.contains(current)
        {
            queue.cancelled = true;
            if let Some(handle) = &self.interrupt {
                handle.interrupt();
            }
        }
        self.asked = requests.iter().cloned().collect();
        drop(queue);
        self.shared.1.notify_one();
    }

    /// Whether an answer to `request` is wanted; it is then no longer asked for.
    pub fn take_answer(&mut self, request: &Request) -> bool {
        self.asked.remove(request)
    }

    /// Whether any request is still unanswered.
    pub fn busy(&self) -> bool {
        !self.asked.is_empty()
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        let mut queue = lock(&self.shared);
        queue.stop = true;
        queue.waiting.clear();
        if queue.current.is_some() {
            queue.cancelled = true;
            if let Some(handle) = &self.interrupt {
                handle.interrupt();
            }
        }
        drop(queue);
        self.shared.1.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::ui::data::Series;

    fn series_request(segment: &str) -> Request {
        Request::Series {
            journey: "j".into(),
            segment: segment.into(),
        }
    }

    /// A loader whose reads take `delay` and answer an empty series.
    fn slow_loader(delay: Duration) -> (Loader, mpsc::Receiver<(Request, Answer)>) {
        let (tx, rx) = mpsc::channel();
        let loader = Loader::spawn(
            move |_request: &Request| {
                std::thread::sleep(delay);
                Ok(Loaded::Series(Series::default()))
            },
            None,
            move |request, answer| tx.send((request, answer)).is_ok(),
        );
        (loader, rx)
    }

    #[test]
    fn answers_what_is_asked_in_order() {
        let (mut loader, rx) = slow_loader(Duration::ZERO);
        let asked = [series_request("all"), series_request("hvc")];
        loader.want(&asked);
        let got: Vec<Request> = (0..2)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap().0)
            .collect();
        assert_eq!(got, asked);
        assert!(loader.take_answer(&asked[0]));
        assert!(loader.busy());
        assert!(loader.take_answer(&asked[1]));
        assert!(!loader.busy());
    }

    #[test]
    fn a_request_no_longer_wanted_is_stale() {
        let (mut loader, rx) = slow_loader(Duration::from_millis(200));
        let old = series_request("all");
        let new = series_request("hvc");
        loader.want(std::slice::from_ref(&old));
        // The worker has started on `old`; the user moved on.
        std::thread::sleep(Duration::from_millis(50));
        loader.want(std::slice::from_ref(&new));
        let (first, _) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        // The cancelled read's answer is thrown away by the worker: the first answer is `new`.
        assert_eq!(first, new);
        assert!(
            !loader.take_answer(&old),
            "an answer to a request not asked for is stale"
        );
        assert!(loader.take_answer(&new));
    }

    #[test]
    fn queued_requests_dropped_when_superseded() {
        let (mut loader, rx) = slow_loader(Duration::from_millis(100));
        let months: Vec<Request> = ["a", "b", "c", "d"].iter().map(|s| series_request(s)).collect();
        for m in &months {
            // A key held down: each press asks for its month only.
            loader.want(std::slice::from_ref(m));
        }
        let (got, _) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(&got, months.last().unwrap());
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "nothing else was read"
        );
    }
}
