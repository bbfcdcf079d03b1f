//! The refresh on both cores. A full refresh writes rollups and account months, then tiers, on
//! the store's connection; meanwhile a second connection on its own thread computes the triage
//! signals that rest on the raw rows alone, into its own temporary tables; once the account
//! months are written, the indicator outcomes, the signals that rest on MRR and most of the
//! backtest; once the tiers are written, the rest, and it writes its tables. SQLite lets one
//! connection write while others read only in WAL mode, so the lanes run only on a WAL store
//! file; elsewhere the refresh runs the same steps one after the other, with the same results.

use std::cell::Cell;
use std::sync::{Condvar, Mutex, mpsc};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result, SqlContext};

use super::Store;

/// How far the main lane has written (and committed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Milestone {
    /// Account months, HVC flags and rollups.
    AccountMonths,
    /// Tier evaluations; the main lane writes nothing more until the side lane is done.
    Tiers,
}

/// The side lane's view of the main lane's milestones.
pub(crate) struct Waiter {
    told: mpsc::Receiver<Milestone>,
    reached: Cell<Option<Milestone>>,
}

impl Waiter {
    /// For the steps run one after the other: every milestone is reached already.
    pub(crate) fn ready() -> Waiter {
        Waiter {
            told: mpsc::channel().1,
            reached: Cell::new(Some(Milestone::Tiers)),
        }
    }

    /// Returns once the main lane has reached `milestone`; an error when it stopped before.
    pub(crate) fn until(&self, milestone: Milestone) -> Result<()> {
        while self.reached.get().is_none_or(|reached| reached < milestone) {
            let reached = self.told.recv().map_err(|_| Error::Io {
                context: "refreshing".to_string(),
                source: std::io::Error::other("the refresh's main lane stopped"),
            })?;
            self.reached.set(Some(reached));
        }
        Ok(())
    }
}

/// A second connection to the store's file for the side lane, set up as the store's own; None
/// for an in-memory store, a snapshot or a journal other than WAL.
pub(crate) fn second_connection(store: &Store) -> Result<Option<Connection>> {
    if store.immutable || store.journal_mode()? != "wal" || !store.path.is_file() {
        return Ok(None);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(&store.path, flags).context("opening the refresh's second lane")?;
    conn.busy_timeout(super::BUSY_TIMEOUT)
        .and_then(|()| conn.pragma_update(None, "foreign_keys", true))
        .and_then(|()| conn.execute_batch("PRAGMA temp_store = FILE;"))
        .context("opening the refresh's second lane")?;
    super::trace_slow_statements(&mut conn)?;
    super::parallel_sorts(&conn, true)?;
    super::share_sort_workers(&conn, 2)?;
    super::test_hooks::install(&conn);
    Ok(Some(conn))
}

/// Runs `step` in one deferred transaction on `conn`: for steps that write temporary tables
/// alone, one snapshot of what they read and one commit.
pub(crate) fn in_transaction<T>(conn: &Connection, step: impl FnOnce() -> Result<T>) -> Result<T> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)
        .context("starting a refresh step")?;
    let done = step()?;
    tx.commit().context("ending a refresh step")?;
    Ok(done)
}

/// A piece of the main lane's work that the side lane does when it has the time: if the side
/// lane starts it before the main lane needs it, the main lane waits for its result; if the main
/// lane needs it first, it does the work itself and the side lane skips it. So the lanes balance
/// themselves whichever one is ahead (it depends on the store and on what else the host runs).
pub(crate) struct Either<T> {
    slot: Mutex<Slot<T>>,
    done: Condvar,
}

enum Slot<T> {
    Open,
    /// The side lane is at it.
    Side,
    /// The side lane's result, for the main lane.
    Done(T),
    /// The main lane does it (or the side lane failed at it).
    Main,
}

impl<T> Either<T> {
    pub(crate) fn new() -> Either<T> {
        Either {
            slot: Mutex::new(Slot::Open),
            done: Condvar::new(),
        }
    }

    fn set(&self, slot: Slot<T>) {
        *self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = slot;
        self.done.notify_all();
    }

    /// Side lane: does `work` unless the main lane has taken it on.
    pub(crate) fn offer(&self, work: impl FnOnce() -> Result<T>) -> Result<()> {
        {
            let mut slot = self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !matches!(*slot, Slot::Open) {
                return Ok(());
            }
            *slot = Slot::Side;
        }
        // Whatever happens to `work` (an error, a panic), the main lane stops waiting.
        struct Release<'a, T>(&'a Either<T>, bool);
        impl<T> Drop for Release<'_, T> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.set(Slot::Main);
                }
            }
        }
        let mut release = Release(self, false);
        let done = work()?;
        release.1 = true;
        self.set(Slot::Done(done));
        Ok(())
    }

    /// Main lane: the side lane's result (waiting while it is at it); None when the main lane
    /// is to do the work itself.
    pub(crate) fn take(&self) -> Option<T> {
        let mut slot = self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            match std::mem::replace(&mut *slot, Slot::Main) {
                Slot::Done(done) => return Some(done),
                Slot::Side => {
                    *slot = Slot::Side;
                    slot = self
                        .done
                        .wait(slot)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                Slot::Open | Slot::Main => return None,
            }
        }
    }
}

/// Runs `main` on this thread and `side` on `second` in another, telling `side` each milestone
/// `main` reaches. `main`'s error comes first; when `main` fails, `side` is interrupted.
pub(crate) fn alongside<M, S>(
    second: Connection,
    main: impl FnOnce(&dyn Fn(Milestone)) -> Result<M>,
    side: impl FnOnce(&Connection, &Waiter) -> Result<S> + Send,
) -> Result<(M, S)>
where
    S: Send,
{
    let interrupt = second.get_interrupt_handle();
    let (tell, told) = mpsc::channel();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let waiter = Waiter {
                told,
                reached: Cell::new(None),
            };
            side(&second, &waiter)
        });
        let main_result = main(&|milestone| {
            // A side lane that has stopped (its error comes out of join) no longer listens.
            let _ = tell.send(milestone);
        });
        if main_result.is_err() {
            interrupt.interrupt();
        }
        drop(tell);
        let side_result = worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok((main_result?, side_result?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn either_lane_does_the_shared_work_once() {
        // The side lane first: the main lane takes its result.
        let either = Either::new();
        either.offer(|| Ok(7)).unwrap();
        assert_eq!(either.take(), Some(7));
        // The main lane first: it does the work itself, and the side lane skips it.
        let either: Either<i32> = Either::new();
        assert_eq!(either.take(), None);
        either.offer(|| panic!("the main lane took it")).unwrap();
        // The side lane fails at it: the main lane does it itself.
        let either: Either<i32> = Either::new();
        assert!(either.offer(|| Err(Error::input("no"))).is_err());
        assert_eq!(either.take(), None);
        // The main lane waits while the side lane is at it.
        let either = Either::new();
        std::thread::scope(|scope| {
            let either = &either;
            let (started, start) = mpsc::channel();
            scope.spawn(move || {
                either
                    .offer(|| {
                        started.send(()).unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        Ok("side")
                    })
                    .unwrap()
            });
            start.recv().unwrap();
            assert_eq!(either.take(), Some("side"));
        });
    }

    #[test]
    fn the_side_lane_waits_for_each_milestone_it_needs() {
        let order = std::sync::Mutex::new(Vec::new());
        let ((), ()) = alongside(
            second(),
            |reached| {
                order.lock().unwrap().push("main: account months");
                reached(Milestone::AccountMonths);
                std::thread::sleep(std::time::Duration::from_millis(20));
                order.lock().unwrap().push("main: tiers");
                reached(Milestone::Tiers);
                Ok(())
            },
            |_, waiter| {
                waiter.until(Milestone::Tiers)?;
                order.lock().unwrap().push("side: after tiers");
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            order.into_inner().unwrap(),
            ["main: account months", "main: tiers", "side: after tiers"]
        );
    }

    #[test]
    fn a_failing_main_lane_releases_a_waiting_side_lane_and_its_error_comes_first() {
        let result: Result<((), ())> = alongside(
            second(),
            |reached| {
                reached(Milestone::AccountMonths);
                Err(Error::input("main failed"))
            },
            |_, waiter| {
                waiter.until(Milestone::AccountMonths)?;
                waiter.until(Milestone::Tiers)?;
                Ok(())
            },
        );
        assert_eq!(result.unwrap_err().to_string(), "main failed");
    }

    #[test]
    fn a_failing_side_lane_fails_the_refresh_after_the_main_lane() {
        let result: Result<(u8, ())> = alongside(
            second(),
            |reached| {
                reached(Milestone::Tiers);
                Ok(1)
            },
            |_, _| Err(Error::input("side failed")),
        );
        assert_eq!(result.unwrap_err().to_string(), "side failed");
    }
}
