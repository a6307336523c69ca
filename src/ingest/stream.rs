//! Moves data between threads: a polars plan run on the streaming engine, its batches handed out
//! to worker threads that keep the plan's order where it matters; and an iterator read one item
//! ahead on a second thread. When a consumer fails, the producer is stopped, never left blocked.

use std::cell::Cell;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::{Condvar, Mutex};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Runs `plan` on polars' streaming engine and hands its batches, in order, to `each`.
#[cfg(test)]
pub fn stream_batches(
    plan: LazyFrame,
    path: &Path,
    batch_rows: usize,
    each: impl FnMut(DataFrame) -> Result<()> + Send,
) -> Result<()> {
    let mut lanes = [each];
    stream_to_lanes(plan, path, batch_rows, &mut lanes, |each, _, batch| {
        each(batch)
    })
}

/// Runs `plan` on polars' streaming engine and hands its batches out to `lanes`, one thread
/// each: a batch goes to the first lane that is free, with its [`Turn`] (its place in the plan's
/// order). `each` may run anything that must follow the plan's order through
/// [`Turn::in_order`]. When a batch fails, no later batch is handed out or takes its turn, the
/// earlier ones finish, the engine is stopped, and the error of the earliest batch that failed
/// is returned: the same error whatever the number of lanes.
pub fn stream_to_lanes<L: Send>(
    plan: LazyFrame,
    path: &Path,
    batch_rows: usize,
    lanes: &mut [L],
    each: impl Fn(&mut L, &Turn<'_>, DataFrame) -> Result<()> + Sync,
) -> Result<()> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<DataFrame>(2);
    // The callback returns true to stop: when the receiving side has given up.
    let callback = PlanCallback::new(move |batch: DataFrame| Ok(sender.send(batch).is_err()));
    let plan = plan
        .sink_batches(callback, true, NonZeroUsize::new(batch_rows))
        .map_err(|e| Error::unreadable(path, e))?;
    let order = Order::default();
    let source = Mutex::new(Some((receiver, 0u64)));
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        let engine = scope.spawn(move || plan.collect_with_engine(Engine::Streaming).map(|_| ()));
        let workers: Vec<_> = lanes
            .iter_mut()
            .map(|lane| {
                let (order, source, errors, each) = (&order, &source, &errors, &each);
                scope.spawn(move || run_lane(lane, source, order, errors, each))
            })
            .collect();
        let panics: Vec<_> = workers.into_iter().filter_map(|w| w.join().err()).collect();
        // Dropping the receiver stops an engine still sending (before a panic is re-raised:
        // the scope waits for the engine).
        lock(&source).take();
        if let Some(panic) = panics.into_iter().next() {
            std::panic::resume_unwind(panic);
        }
        let engine = engine
            .join()
            .map_err(|_| Error::Internal(format!("reading `{}` panicked", path.display())))?;
        let earliest = lock(&errors).drain(..).min_by_key(|(index, _)| *index);
        if let Some((_, e)) = earliest {
            return Err(e);
        }
        engine.map_err(|e| Error::unreadable(path, e))
    })
}

/// One lane: takes batches until there are none or one has failed.
fn run_lane<L>(
    lane: &mut L,
    source: &Mutex<Option<(Receiver<DataFrame>, u64)>>,
    order: &Order,
    errors: &Mutex<Vec<(u64, Error)>>,
    each: &impl Fn(&mut L, &Turn<'_>, DataFrame) -> Result<()>,
) {
    // A lane that panics must not leave the others waiting for its turn.
    let _unblock = FailOnPanic(order);
    while let Some((index, batch)) = next_batch(source, order) {
        let turn = Turn {
            index,
            order,
            taken: Cell::new(false),
        };
        if let Err(e) = each(lane, &turn, batch).and_then(|()| turn.pass()) {
            // A batch stopped because an earlier one failed has no error of its own.
            if !order.stops(index) {
                lock(errors).push((index, e));
                order.fail(index);
            }
        }
    }
}

/// The next batch and its place in the plan's order; None when the plan has no more batches or
/// a batch failed.
fn next_batch(
    source: &Mutex<Option<(Receiver<DataFrame>, u64)>>,
    order: &Order,
) -> Option<(u64, DataFrame)> {
    if order.failed() {
        return None;
    }
    let mut source = lock(source);
    let (receiver, next) = source.as_mut()?;
    let batch = receiver.recv().ok()?;
    *next += 1;
    Some((*next - 1, batch))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A lane that panicked is re-raised by `stream_to_lanes`; the data is still usable here.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whose turn it is to run its ordered part, and the earliest batch that failed.
#[derive(Default)]
struct Order {
    state: Mutex<OrderState>,
    changed: Condvar,
}

#[derive(Default)]
struct OrderState {
    next: u64,
    failed_at: Option<u64>,
}

impl Order {
    fn failed(&self) -> bool {
        lock(&self.state).failed_at.is_some()
    }

    /// Whether batch `index` comes after one that failed.
    fn stops(&self, index: u64) -> bool {
        lock(&self.state).failed_at.is_some_and(|at| at < index)
    }

    fn fail(&self, index: u64) {
        let mut state = lock(&self.state);
        state.failed_at = Some(state.failed_at.map_or(index, |at| at.min(index)));
        drop(state);
        self.changed.notify_all();
    }
}

/// Stops every other lane when the lane holding it unwinds from a panic.
struct FailOnPanic<'a>(&'a Order);

impl Drop for FailOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.fail(0);
        }
    }
}

/// A batch's place in the plan's order (see [`stream_to_lanes`]).
pub struct Turn<'a> {
    index: u64,
    order: &'a Order,
    taken: Cell<bool>,
}

impl Turn<'_> {
    /// Runs `ordered` once every earlier batch has run its ordered part, and before any later
    /// batch runs its own. At most once per batch; a batch that does not call it is passed over
    /// when its lane is done with it.
    pub fn in_order<R>(&self, ordered: impl FnOnce() -> R) -> Result<R> {
        if self.taken.replace(true) {
            return Err(Error::Internal("a batch took its turn twice".into()));
        }
        let mut state = lock(&self.order.state);
        loop {
            if state.failed_at.is_some_and(|at| at < self.index) {
                return Err(Error::Internal("stopped: an earlier batch failed".into()));
            }
            if state.next == self.index {
                break;
            }
            state = self
                .order
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        // No other batch can have this turn: the lock is not needed while `ordered` runs.
        drop(state);
        let out = ordered();
        lock(&self.order.state).next += 1;
        self.order.changed.notify_all();
        Ok(out)
    }

    /// Lets the next batch have its turn, if this one has not taken its own.
    fn pass(&self) -> Result<()> {
        if self.taken.get() {
            return Ok(());
        }
        self.in_order(|| ())
    }
}

/// Hands each item of `chunks` to `each` while a second thread produces the next one (one
/// ahead, no more: memory stays at two chunks).
pub fn read_ahead<T: Send>(
    chunks: impl Iterator<Item = Result<T>> + Send,
    mut each: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<T>>(0);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for chunk in chunks {
                if sender.send(chunk).is_err() {
                    break;
                }
            }
        });
        // Returning early drops the receiver, which stops the reader.
        for chunk in receiver {
            each(chunk?)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: i64) -> LazyFrame {
        df!("n" => (0..n).collect::<Vec<_>>()).unwrap().lazy()
    }

    /// `n` numbers in batches of 10, on `lanes` lanes that keep nothing.
    fn on_lanes(
        n: i64,
        lanes: usize,
        each: impl Fn(&Turn<'_>, DataFrame) -> Result<()> + Sync,
    ) -> Result<()> {
        stream_to_lanes(
            numbers(n),
            Path::new("x"),
            10,
            &mut vec![(); lanes],
            |_, turn, batch| each(turn, batch),
        )
    }

    #[test]
    fn batches_arrive_in_order_and_whole() {
        let mut seen = Vec::new();
        stream_batches(numbers(1000), Path::new("x"), 7, |batch| {
            assert!(batch.height() <= 7);
            seen.extend(batch.column("n")?.i64()?.into_no_null_iter());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_failing_consumer_stops_the_engine_and_its_error_comes_back() {
        let mut calls = 0;
        let err = stream_batches(numbers(100_000), Path::new("x"), 10, |_| {
            calls += 1;
            Err(Error::Internal("consumer gave up".into()))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(err.to_string().contains("consumer gave up"), "{err}");
    }

    #[test]
    fn an_engine_error_names_the_file() {
        // "x" is not a number: the plan fails while it runs.
        let plan = df!("n" => ["1", "x"])
            .unwrap()
            .lazy()
            .select([col("n").strict_cast(DataType::Int64)]);
        let err = stream_batches(plan, Path::new("events.parquet"), 10, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("events.parquet"), "{err}");
    }

    #[test]
    fn lanes_share_the_batches_and_ordered_parts_run_in_the_plan_order() {
        let ordered = Mutex::new(Vec::new());
        let mut lanes = vec![Vec::new(); 3];
        stream_to_lanes(
            numbers(5_000),
            Path::new("x"),
            10,
            &mut lanes,
            |seen, turn, batch| {
                let first = batch.column("n")?.i64()?.get(0);
                seen.push(batch.height());
                // Every other batch takes its turn; the others are passed over.
                if first.is_some_and(|n| n % 20 == 0) {
                    turn.in_order(|| lock(&ordered).push(first))?;
                }
                Ok(())
            },
        )
        .unwrap();
        let rows: usize = lanes.iter().flatten().sum();
        assert_eq!(rows, 5_000);
        let expected: Vec<_> = (0..5_000).step_by(20).map(Some).collect();
        assert_eq!(ordered.into_inner().unwrap(), expected);
    }

    #[test]
    fn the_earliest_failing_batch_gives_the_error_whatever_the_lanes() {
        for lanes in [1, 2, 4] {
            let err = on_lanes(1_000, lanes, |turn, _| match turn.index {
                // Batch 1 fails late, batch 2 at once: batch 1's error is the one reported.
                1 => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    Err(Error::Internal("batch 1 failed".into()))
                }
                2 => Err(Error::Internal("batch 2 failed".into())),
                _ => turn.in_order(|| ()),
            })
            .unwrap_err();
            assert!(err.to_string().contains("batch 1 failed"), "{err}");
        }
    }

    #[test]
    fn a_panicking_lane_is_raised_not_left_waiting() {
        let (done, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| {
                on_lanes(100_000, 2, |turn, _| {
                    if turn.index == 3 {
                        panic!("lane broke");
                    }
                    turn.in_order(|| ())
                })
            });
            let _ = done.send(result.is_err());
        });
        let panicked = outcome
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("stream_to_lanes hung after a lane panicked");
        assert!(panicked);
    }

    #[test]
    fn a_failing_lane_stops_the_others_and_its_error_comes_back() {
        let calls = Mutex::new(0);
        let err = on_lanes(100_000, 4, |turn, _| {
            *lock(&calls) += 1;
            // Batch 3 fails before its turn: later batches must not wait for it for ever.
            if turn.index == 3 {
                return Err(Error::Internal("lane gave up".into()));
            }
            turn.in_order(|| ())
        })
        .unwrap_err();
        assert!(err.to_string().contains("lane gave up"), "{err}");
        assert!(*lock(&calls) < 100, "the lanes went on: {}", *lock(&calls));
    }

    #[test]
    fn read_ahead_keeps_order_and_stops_on_either_side_failing() {
        let mut seen = Vec::new();
        read_ahead((0..50).map(Ok), |i| {
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());

        // The producer fails: its error comes back.
        let items = (0..50).map(|i| {
            if i == 3 {
                Err(Error::Internal("reader broke".into()))
            } else {
                Ok(i)
            }
        });
        let err = read_ahead(items, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("reader broke"), "{err}");

        // The consumer fails: the (endless) producer is stopped.
        let err = read_ahead((0..).map(Ok), |i: u64| {
            if i == 5 {
                Err(Error::Internal("consumer gave up".into()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(err.to_string().contains("consumer gave up"), "{err}");
    }
}
