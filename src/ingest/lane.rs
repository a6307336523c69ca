//! One worker's share of a table's pass: it classifies each checked batch it is handed as
//! accepted, rejected, duplicate or opted out, counts the rows, and gives the accepted ones to
//! its own sink. Only duplicate detection follows the file's order (the later copy is the
//! duplicate); everything else here adds up the same whichever worker saw which batch.

use std::collections::HashMap;
use std::sync::Mutex;

use polars::prelude::*;

use super::dedup::SeenIds;
use super::person_ids::PersonIds;
use super::sink::RowSink;
use super::stream::Turn;
use super::summary::{RowCounts, WordCounts};
use super::text::LINE_COLUMN;
use super::validate::{REASON_COLUMN, VOCAB_OTHER_COLUMN, VOCAB_WORD_COLUMN};
use crate::contract::TableKind;
use crate::error::{Error, Result};

/// Column that is true where the row's person opted out.
pub(super) const OPTED_COLUMN: &str = "__opted";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Accepted,
    Rejected,
    Duplicate,
    OptedOut,
}

/// What every worker of a table's pass reads: the settings, and the event ids seen so far.
pub(super) struct Shared {
    pub table: TableKind,
    /// The canonical columns copied out of each batch: the sink's, and the timestamp and person
    /// columns the accounting reads.
    pub kept: Vec<PlSmallStr>,
    pub timestamp: Option<&'static str>,
    /// Used only in each batch's turn (see [`Turn`]), in file order.
    pub seen: Option<Mutex<SeenIds>>,
}

/// A worker: its own counts and its own sink (the caller's, or a fork of it).
pub(super) struct Lane<'a> {
    pub tally: Tally,
    pub sink: &'a mut dyn RowSink,
}

/// What one worker counted; the workers' tallies are added up when the table is done.
pub(super) struct Tally {
    pub per_file: Vec<RowCounts>,
    /// (line, check index) of rejected rows of the piece being streamed.
    pub rejected: Vec<(u64, u32)>,
    pub unknown_as_other: u64,
    /// The values read as `other`.
    pub unknown_words: WordCounts,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub pushed: bool,
    person_ids: PersonIds,
}

impl Tally {
    pub fn new(files: usize) -> Tally {
        Tally {
            per_file: vec![RowCounts::default(); files],
            rejected: Vec::new(),
            unknown_as_other: 0,
            unknown_words: WordCounts::default(),
            first_ms: None,
            last_ms: None,
            pushed: false,
            person_ids: PersonIds::default(),
        }
    }

    /// Adds `other` in (its rejected rows must have been taken already); `ids` counts the
    /// accepted rows naming each person.
    pub fn add(&mut self, other: Tally, ids: &mut HashMap<String, u64>) {
        for (mine, theirs) in self.per_file.iter_mut().zip(&other.per_file) {
            mine.add(theirs);
        }
        self.unknown_as_other += other.unknown_as_other;
        self.unknown_words.merge(other.unknown_words);
        self.first_ms = either(self.first_ms, other.first_ms, i64::min);
        self.last_ms = either(self.last_ms, other.last_ms, i64::max);
        self.pushed |= other.pushed;
        for (id, n) in other.person_ids.into_counts() {
            *ids.entry(id).or_insert(0) += n;
        }
    }
}

/// `pick` of the two where both are known, else the one known.
fn either(a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

impl Shared {
    /// Classifies one batch of `file`, counts it in `lane`'s tally and pushes its accepted rows
    /// to `lane`'s sink.
    pub fn consume(
        &self,
        lane: &mut Lane<'_>,
        turn: &Turn<'_>,
        file: usize,
        batch: DataFrame,
    ) -> Result<()> {
        let reasons = batch.column(REASON_COLUMN)?.u32()?;
        let opted = batch.column(OPTED_COLUMN)?.bool()?;
        let mut status: Vec<Status> = reasons
            .iter()
            .zip(opted.iter())
            .map(|(reason, opted)| match (opted, reason) {
                (Some(true), _) => Status::OptedOut,
                (_, Some(_)) => Status::Rejected,
                _ => Status::Accepted,
            })
            .collect();
        self.mark_duplicates(&batch, &mut status, turn)?;
        let tally = &mut lane.tally;
        count(tally, file, &batch, &status)?;

        let accepted = status.iter().filter(|s| **s == Status::Accepted).count();
        let rows = if accepted == batch.height() {
            batch.select(self.kept.iter().cloned())?
        } else {
            let mask = BooleanChunked::from_iter_values(
                "accepted".into(),
                status.iter().map(|s| *s == Status::Accepted),
            );
            batch.select(self.kept.iter().cloned())?.filter(&mask)?
        };
        if let Some(ts) = self.timestamp {
            let physical = rows.column(ts)?.to_physical_repr();
            let values = physical.i64()?;
            tally.first_ms = either(tally.first_ms, values.min(), i64::min);
            tally.last_ms = either(tally.last_ms, values.max(), i64::max);
        }
        for column in self.table.person_columns() {
            tally.person_ids.add(rows.column(column)?.str()?);
        }
        if rows.height() > 0 {
            tally.pushed = true;
            lane.sink.push(rows)?;
        }
        Ok(())
    }

    /// Marks as duplicates the rows whose key an earlier accepted row had, in file order. Only
    /// rows that would be accepted take part: a rejected copy does not hide a good one. The ids
    /// are hashed here, beside the other workers; only the lookups wait for the batch's turn.
    fn mark_duplicates(
        &self,
        batch: &DataFrame,
        status: &mut [Status],
        turn: &Turn<'_>,
    ) -> Result<()> {
        let (Some(seen), Some(key)) = (&self.seen, self.table.unique_key()) else {
            return Ok(());
        };
        let ids = batch.column(key)?.str()?;
        let (rows, hashes): (Vec<usize>, Vec<u128>) = status
            .iter()
            .zip(ids.iter())
            .enumerate()
            .filter_map(|(row, (status, id))| match (status, id) {
                (Status::Accepted, Some(id)) => Some((row, SeenIds::hash(id))),
                _ => None,
            })
            .unzip();
        let firsts = turn.in_order(|| {
            seen.lock()
                .map_err(|_| Error::Internal("the event-id set was poisoned".into()))
                .map(|mut seen| seen.first_times(&hashes))
        })??;
        for (row, new) in rows.into_iter().zip(firsts) {
            if !new {
                status[row] = Status::Duplicate;
            }
        }
        Ok(())
    }
}

/// Counts a batch's rows by status for `file`, and notes its rejected rows for the ledger.
fn count(tally: &mut Tally, file: usize, batch: &DataFrame, status: &[Status]) -> Result<()> {
    let reasons = batch.column(REASON_COLUMN)?.u32()?;
    let lines = batch.column(LINE_COLUMN)?.u64()?;
    let counts = &mut tally.per_file[file];
    for ((status, line), reason) in status.iter().zip(lines.iter()).zip(reasons.iter()) {
        counts.read += 1;
        match status {
            Status::Accepted => counts.accepted += 1,
            Status::Duplicate => counts.duplicates += 1,
            Status::OptedOut => counts.opted_out += 1,
            Status::Rejected => {
                counts.rejected += 1;
                if let (Some(line), Some(reason)) = (line, reason) {
                    tally.rejected.push((line, reason));
                }
            }
        }
    }
    let vocab_other = batch.column(VOCAB_OTHER_COLUMN)?.bool()?;
    if !vocab_other.any() {
        return Ok(());
    }
    let words = batch.column(VOCAB_WORD_COLUMN)?.str()?;
    for (row, (status, other)) in status.iter().zip(vocab_other.iter()).enumerate() {
        if *status == Status::Accepted && other == Some(true) {
            tally.unknown_as_other += 1;
            tally.unknown_words.add(words.get(row).unwrap_or(""));
        }
    }
    Ok(())
}
