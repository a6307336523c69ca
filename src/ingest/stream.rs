//! Moves data between threads in order: a polars plan run on the streaming engine, handed out
//! batch by batch; and an iterator read one item ahead on a second thread. The consumer runs on
//! the calling thread; when it fails, the producer is stopped, never left blocked.

use std::num::NonZeroUsize;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// Runs `plan` on polars' streaming engine and hands its batches, in order, to `each`.
pub fn stream_batches(
    plan: LazyFrame,
    path: &Path,
    batch_rows: usize,
    mut each: impl FnMut(DataFrame) -> Result<()>,
) -> Result<()> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<DataFrame>(2);
    // The callback returns true to stop: when the receiving side has given up.
    let callback = PlanCallback::new(move |batch: DataFrame| Ok(sender.send(batch).is_err()));
    let plan = plan
        .sink_batches(callback, true, NonZeroUsize::new(batch_rows))
        .map_err(|e| Error::unreadable(path, e))?;
    std::thread::scope(|scope| {
        let engine = scope.spawn(move || plan.collect_with_engine(Engine::Streaming).map(|_| ()));
        let mut outcome = Ok(());
        for batch in receiver.iter() {
            if let Err(e) = each(batch) {
                outcome = Err(e);
                break;
            }
        }
        drop(receiver);
        let engine = engine
            .join()
            .map_err(|_| Error::Internal(format!("reading `{}` panicked", path.display())))?;
        outcome?;
        engine.map_err(|e| Error::unreadable(path, e))
    })
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
