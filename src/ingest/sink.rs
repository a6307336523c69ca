//! Where accepted rows go: ingest hands each table's accepted rows to a sink, batch by batch in
//! file and line order, so a caller can aggregate a large events table without holding it.

use polars::prelude::*;

use crate::error::{Error, Result};

/// Receives the accepted rows of one table, in canonical columns: all of them, or those
/// [`RowSink::columns`] names plus the person and time columns ingest reads itself. Every table
/// gets at least one batch (possibly empty), so a sink always learns the schema. A sink runs on
/// its own thread, beside the checking of the next batch.
pub trait RowSink: Send {
    fn push(&mut self, rows: DataFrame) -> Result<()>;

    /// The canonical columns this sink reads, when it reads only some: ingest then copies only
    /// those (and what its own accounting needs) out of each checked batch. None: all of them.
    fn columns(&self) -> Option<&'static [&'static str]> {
        None
    }
}

/// Runs `body` with a sink that hands each batch, in order, to `sink` on a second thread, so the
/// caller can check the next batch while `sink` works on this one. `sink`'s own error wins over
/// the caller's "the sink stopped".
pub fn on_own_thread<R>(
    sink: &mut dyn RowSink,
    body: impl FnOnce(&mut dyn RowSink) -> Result<R>,
) -> Result<R> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<DataFrame>(1);
    let columns = sink.columns();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<()> {
            for rows in receiver {
                sink.push(rows)?;
            }
            Ok(())
        });
        let outcome = body(&mut Forward { sender, columns });
        // `body` has dropped its sender: the worker drains what is queued and ends.
        let worker = match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        worker?;
        outcome
    })
}

/// Sends batches to the thread of [`on_own_thread`].
struct Forward {
    sender: std::sync::mpsc::SyncSender<DataFrame>,
    columns: Option<&'static [&'static str]>,
}

impl RowSink for Forward {
    fn push(&mut self, rows: DataFrame) -> Result<()> {
        self.sender
            .send(rows)
            .map_err(|_| Error::Internal("the row sink stopped".into()))
    }

    fn columns(&self) -> Option<&'static [&'static str]> {
        self.columns
    }
}

/// Keeps every accepted row: for the small tables, and for tests and notebooks on small inputs.
#[derive(Debug, Default)]
pub struct CollectRows {
    frame: Option<DataFrame>,
}

impl CollectRows {
    /// The rows pushed so far, in order; `None` if nothing was pushed.
    pub fn finish(self) -> Option<DataFrame> {
        self.frame
    }
}

impl RowSink for CollectRows {
    fn push(&mut self, rows: DataFrame) -> Result<()> {
        match self.frame.as_mut() {
            // Chunks are appended, not copied.
            Some(frame) => {
                frame.vstack_mut(&rows)?;
            }
            None => self.frame = Some(rows),
        }
        Ok(())
    }
}

/// Drops the rows: when only the accounting and the ledger are wanted (`adept validate`).
#[derive(Debug, Default)]
pub struct DiscardRows;

impl RowSink for DiscardRows {
    fn push(&mut self, _rows: DataFrame) -> Result<()> {
        Ok(())
    }

    fn columns(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FailsOnSecond(usize);

    impl RowSink for FailsOnSecond {
        fn push(&mut self, _rows: DataFrame) -> Result<()> {
            self.0 += 1;
            if self.0 == 2 {
                return Err(Error::Input("sink refused batch 2".into()));
            }
            Ok(())
        }
    }

    #[test]
    fn batches_reach_the_sink_in_order_and_its_error_wins() {
        let mut kept = CollectRows::default();
        on_own_thread(&mut kept, |sink| {
            for i in 0..5i64 {
                sink.push(df!("n" => [i]).unwrap())?;
            }
            Ok(())
        })
        .unwrap();
        let n: Vec<_> = kept
            .finish()
            .unwrap()
            .column("n")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(n, [0, 1, 2, 3, 4]);

        let mut failing = FailsOnSecond(0);
        let err = on_own_thread(&mut failing, |sink| {
            for i in 0..1000i64 {
                sink.push(df!("n" => [i]).unwrap())?;
            }
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("refused batch 2"), "{err}");
    }
}
