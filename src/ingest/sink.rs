//! Where accepted rows go: ingest hands each table's accepted rows to a sink, batch by batch in
//! file and line order, so a caller can aggregate a large events table without holding it.

use polars::prelude::*;

use crate::error::Result;

/// Receives the accepted rows of one table, in canonical columns. Every table gets at least one
/// batch (possibly empty), so a sink always learns the schema.
pub trait RowSink {
    fn push(&mut self, rows: DataFrame) -> Result<()>;
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
}
