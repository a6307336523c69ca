//! Where accepted rows go: ingest hands each table's accepted rows to a sink, batch by batch in
//! file and line order, so a caller can aggregate a large events table without holding it.

use std::any::Any;

use polars::prelude::*;

use crate::error::{Error, Result};

/// Receives the accepted rows of one table, in canonical columns: all of them, or those
/// [`RowSink::columns`] names plus the person and time columns ingest reads itself. Every table
/// gives the sink, or one of its forks, at least one batch (possibly empty), so a sink that
/// cannot fork always learns the schema.
///
/// A sink whose result does not depend on the order its rows arrive in (sums, sets) can
/// [`fork`](RowSink::fork): ingest then hands the batches out to several threads, each with its
/// own fork, and [`merge`](RowSink::merge)s the forks into this sink at the end. Any other sink
/// gets every batch in file and line order, on one thread.
pub trait RowSink: Send + Any {
    fn push(&mut self, rows: DataFrame) -> Result<()>;

    /// The canonical columns this sink reads, when it reads only some: ingest then copies only
    /// those (and what its own accounting needs) out of each checked batch. None: all of them.
    fn columns(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// A new, empty sink of the same kind and settings, for a share of the batches; None (the
    /// default) where the order of the rows matters.
    fn fork(&self) -> Option<Box<dyn RowSink>> {
        None
    }

    /// Adds in what a sink made by [`fork`](RowSink::fork) received.
    fn merge(&mut self, fork: Box<dyn RowSink>) -> Result<()> {
        let _ = fork;
        Err(Error::Internal("this row sink makes no forks".into()))
    }
}

/// A fork back as the type it was made as (see [`RowSink::fork`]).
pub fn fork_as<T: RowSink>(fork: Box<dyn RowSink>) -> Result<Box<T>> {
    let fork: Box<dyn Any> = fork;
    fork.downcast::<T>()
        .map_err(|_| Error::Internal("a row sink was handed a fork of another kind".into()))
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

    fn fork(&self) -> Option<Box<dyn RowSink>> {
        Some(Box::new(DiscardRows))
    }

    fn merge(&mut self, fork: Box<dyn RowSink>) -> Result<()> {
        fork_as::<DiscardRows>(fork).map(|_| ())
    }
}
