//! One table's pass over its files. Each file's validated rows stream through in batches (polars'
//! streaming engine); every row is classified as accepted, rejected, duplicate or opted out and
//! counted for its file; rejects are kept for the ledger; accepted rows go to a [`RowSink`].
//! Memory follows the batch size and the number of distinct event ids, not the number of rows.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::dedup::SeenIds;
use super::discover::SourceFile;
use super::ledger::{LedgerRows, LineReject};
use super::parse::WordSet;
use super::person_ids::PersonIds;
use super::sink::{RowSink, on_own_thread};
use super::stream::{read_ahead, stream_batches};
use super::summary::{FileSummary, RowCounts, TableSummary};
use super::text::{LINE_COLUMN, TextChunks};
use super::validate::{CheckLabels, REASON_COLUMN, VOCAB_OTHER_COLUMN, member_of, raw_values};
use crate::contract::{TableKind, ValueKind};
use crate::error::{Error, Result};

/// Column that is true where the row's person opted out.
const OPTED_COLUMN: &str = "__opted";

/// One source file, ready to stream.
// One value exists per file at a time, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub(super) enum FileSource {
    /// A file as one plan (Parquet, or rows already in memory).
    Plan {
        /// The validation plan (see `validate::validate_file`).
        plan: LazyFrame,
        /// The file as read, to fetch raw values of rejected rows from.
        raw: LazyFrame,
        /// What each check index in `__reason` means.
        labels: CheckLabels,
        /// Lines of a text file that never became rows.
        line_rejects: Vec<LineReject>,
    },
    /// A text file, read a chunk at a time; each chunk is validated on its own.
    Text(TextChunks),
}

/// Builds the validation plan for a frame of raw rows (a text chunk).
pub(super) type Validate<'a> = dyn Fn(LazyFrame, &Path) -> Result<(LazyFrame, CheckLabels)> + 'a;

/// What a table's pass produced besides the rows given to the sink.
pub(super) struct TablePass {
    pub ledger: DataFrame,
    pub summary: TableSummary,
    /// Every person id in the accepted rows (any person column).
    pub person_ids: HashSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Accepted,
    Rejected,
    Duplicate,
    OptedOut,
}

/// Streams every file of `table` through classification into `sink`, `batch_rows` rows at a
/// time, in file order, so duplicates are always the later copy. `open` opens a file; text chunks
/// are read on a second thread while the previous chunk is processed.
pub(super) fn pass_table(
    table: TableKind,
    files: &[SourceFile],
    open: impl FnMut(usize, &SourceFile) -> Result<FileSource>,
    validate: &Validate<'_>,
    opted_out: &Arc<PlHashSet<String>>,
    batch_rows: usize,
    sink: &mut dyn RowSink,
) -> Result<TablePass> {
    on_own_thread(sink, |sink| {
        pass_files(table, files, open, validate, opted_out, batch_rows, sink)
    })
}

fn pass_files(
    table: TableKind,
    files: &[SourceFile],
    mut open: impl FnMut(usize, &SourceFile) -> Result<FileSource>,
    validate: &Validate<'_>,
    opted_out: &Arc<PlHashSet<String>>,
    batch_rows: usize,
    sink: &mut dyn RowSink,
) -> Result<TablePass> {
    let mut state = Classifier::new(
        table,
        files.len(),
        opted_out.clone(),
        batch_rows,
        sink.columns(),
    );
    for (index, file) in files.iter().enumerate() {
        let path = &file.path;
        match open(index, file)? {
            FileSource::Plan {
                plan,
                raw,
                labels,
                line_rejects,
            } => {
                state.expect_rows(path, &raw)?;
                state.stream_piece(index, path, plan, &raw, &labels, sink)?;
                state.count_line_rejects(index, path, line_rejects);
            }
            FileSource::Text(chunks) => read_ahead(chunks, |chunk| {
                let raw = chunk.frame.lazy();
                let (plan, labels) = validate(raw.clone(), path)?;
                state.stream_piece(index, path, plan, &raw, &labels, sink)?;
                state.count_line_rejects(index, path, chunk.rejects);
                Ok(())
            })?,
        }
    }
    state.finish(files, sink)
}

/// Adds the opted-out flag, and blanks a secondary person (a manager, the person helped) who
/// opted out: the row is about someone else, so it stays.
fn with_opt_outs(plan: LazyFrame, table: TableKind, opted: &Arc<WordSet>) -> LazyFrame {
    let listed = |column: &str| member_of(col(column), opted);
    let persons = table.person_columns();
    let mut plan = plan;
    for secondary in persons.iter().skip(1) {
        plan = plan.with_column(
            when(listed(secondary))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col(*secondary))
                .alias(*secondary),
        );
    }
    let flag = match persons.first() {
        Some(primary) => listed(primary),
        None => lit(false),
    };
    plan.with_column(flag.alias(OPTED_COLUMN))
}

/// The running state of a table's pass.
struct Classifier {
    table: TableKind,
    opted_out: Arc<PlHashSet<String>>,
    /// The same ids, as the checking plan looks them up (made once per table).
    opted_words: Arc<WordSet>,
    batch_rows: usize,
    /// The canonical columns copied out of each batch: the sink's, and the timestamp and person
    /// columns the accounting reads.
    kept: Vec<PlSmallStr>,
    timestamp: Option<&'static str>,
    seen: Option<SeenIds>,
    per_file: Vec<RowCounts>,
    /// (line, check index) of the current file's rejected rows.
    rejected: Vec<(u64, u32)>,
    /// Rejected rows, then (separately) malformed lines: the ledger lists rows first.
    value_rejects: LedgerRows,
    line_rejects: LedgerRows,
    unknown_as_other: u64,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    pushed: bool,
    empty: Option<DataFrame>,
    person_ids: PersonIds,
}

impl Classifier {
    fn new(
        table: TableKind,
        files: usize,
        opted_out: Arc<PlHashSet<String>>,
        batch_rows: usize,
        sink_columns: Option<&[&str]>,
    ) -> Classifier {
        let timestamp = table
            .columns()
            .iter()
            .find(|c| c.kind == ValueKind::Timestamp)
            .map(|c| c.name);
        let kept = table
            .columns()
            .iter()
            .map(|c| c.name)
            .filter(|name| {
                sink_columns.is_none_or(|wanted| wanted.contains(name))
                    || Some(*name) == timestamp
                    || table.person_columns().contains(name)
            })
            .map(PlSmallStr::from)
            .collect();
        Classifier {
            table,
            opted_words: Arc::new(WordSet::new(opted_out.iter().map(String::as_str))),
            opted_out,
            batch_rows,
            kept,
            timestamp,
            seen: table.unique_key().map(|_| SeenIds::default()),
            per_file: vec![RowCounts::default(); files],
            rejected: Vec::new(),
            value_rejects: LedgerRows::default(),
            line_rejects: LedgerRows::default(),
            unknown_as_other: 0,
            first_ms: None,
            last_ms: None,
            pushed: false,
            empty: None,
            person_ids: PersonIds::default(),
        }
    }

    /// Makes room for a whole file's event ids at once: growing the set step by step would move
    /// every id several times and briefly hold the set twice. (Parquet gives the row count from
    /// its metadata; text files are not counted first and grow the set as they go.)
    fn expect_rows(&mut self, path: &Path, raw: &LazyFrame) -> Result<()> {
        let Some(seen) = self.seen.as_mut() else {
            return Ok(());
        };
        let rows = raw
            .clone()
            .select([len()])
            .collect()
            .map_err(|e| Error::unreadable(path, e))?;
        let rows = rows.column("len")?.cast(&DataType::UInt64)?;
        seen.reserve(rows.u64()?.get(0).unwrap_or(0) as usize);
        Ok(())
    }

    /// Streams one piece (a file, or a text chunk) and puts its rejected rows in the ledger.
    fn stream_piece(
        &mut self,
        file: usize,
        path: &Path,
        plan: LazyFrame,
        raw: &LazyFrame,
        labels: &CheckLabels,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        let plan = self.read_only_needed(with_opt_outs(plan, self.table, &self.opted_words));
        self.note_schema(&plan)?;
        stream_batches(plan, path, self.batch_rows, |batch| {
            self.consume(file, batch, sink)
        })?;
        self.ledger_rejected_rows(file, path, raw, labels)
    }

    /// Keeps only the columns this pass reads, so that polars neither reads nor cleans a column
    /// that no check and no sink uses (an events file's `session_id` during a run).
    fn read_only_needed(&self, plan: LazyFrame) -> LazyFrame {
        let mut wanted: Vec<PlSmallStr> =
            [LINE_COLUMN, REASON_COLUMN, VOCAB_OTHER_COLUMN, OPTED_COLUMN]
                .into_iter()
                .chain(self.table.unique_key())
                .map(PlSmallStr::from)
                .collect();
        for column in &self.kept {
            if !wanted.contains(column) {
                wanted.push(column.clone());
            }
        }
        plan.select(wanted.into_iter().map(col).collect::<Vec<_>>())
    }

    fn consume(&mut self, file: usize, batch: DataFrame, sink: &mut dyn RowSink) -> Result<()> {
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
        if let Some(seen) = self.seen.as_mut() {
            // Only rows that would be accepted take part: a rejected copy does not hide a good one.
            let key = self.table.unique_key().unwrap_or("event_id");
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
            for (row, new) in rows.into_iter().zip(seen.first_times(&hashes)) {
                if !new {
                    status[row] = Status::Duplicate;
                }
            }
        }

        let counts = &mut self.per_file[file];
        let lines = batch.column(LINE_COLUMN)?.u64()?;
        for ((status, line), reason) in status.iter().zip(lines.iter()).zip(reasons.iter()) {
            counts.read += 1;
            match status {
                Status::Accepted => counts.accepted += 1,
                Status::Duplicate => counts.duplicates += 1,
                Status::OptedOut => counts.opted_out += 1,
                Status::Rejected => {
                    counts.rejected += 1;
                    if let (Some(line), Some(reason)) = (line, reason) {
                        self.rejected.push((line, reason));
                    }
                }
            }
        }

        let vocab_other = batch.column(VOCAB_OTHER_COLUMN)?.bool()?;
        self.unknown_as_other += status
            .iter()
            .zip(vocab_other.iter())
            .filter(|(s, other)| **s == Status::Accepted && *other == Some(true))
            .count() as u64;

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
            if let Some(min) = values.min() {
                self.first_ms = Some(self.first_ms.map_or(min, |m| m.min(min)));
            }
            if let Some(max) = values.max() {
                self.last_ms = Some(self.last_ms.map_or(max, |m| m.max(max)));
            }
        }
        for column in self.table.person_columns() {
            self.person_ids.add(rows.column(column)?.str()?);
        }
        if rows.height() > 0 {
            self.pushed = true;
            sink.push(rows)?;
        }
        Ok(())
    }

    /// Turns the rejected rows of the piece just streamed (a file, or a text chunk) into ledger
    /// rows, with their raw values fetched from it (only these rows are read again).
    fn ledger_rejected_rows(
        &mut self,
        file: usize,
        path: &Path,
        raw: &LazyFrame,
        labels: &CheckLabels,
    ) -> Result<()> {
        let rejected = std::mem::take(&mut self.rejected);
        if rejected.is_empty() {
            return Ok(());
        }
        let lines: Vec<u64> = rejected.iter().map(|(line, _)| *line).collect();
        let values = raw_values(raw.clone(), path, self.table, lines)?;
        let value_lines = values.column(LINE_COLUMN)?.u64()?;
        let row_of: HashMap<u64, usize> = value_lines
            .iter()
            .enumerate()
            .filter_map(|(row, line)| line.map(|l| (l, row)))
            .collect();
        for (line, check) in rejected {
            let Some(&(column, reason)) = labels.get(check as usize) else {
                return Err(Error::Internal(format!(
                    "a rejected row of `{}` (file {file}) has no check label",
                    self.table
                )));
            };
            let raw = row_of.get(&line).and_then(|&row| {
                values
                    .column(column)
                    .ok()
                    .and_then(|c| c.str().ok().and_then(|s| s.get(row)))
                    .map(super::ledger::clip_raw)
            });
            self.value_rejects
                .push(path, line, Some(column.to_string()), reason, raw);
        }
        Ok(())
    }

    /// Counts a text file's malformed lines; a line that names an opted-out person is counted as
    /// opted out and kept out of the ledger.
    fn count_line_rejects(&mut self, file: usize, path: &Path, rejects: Vec<LineReject>) {
        let counts = &mut self.per_file[file];
        for reject in rejects {
            counts.read += 1;
            if reject.mentions_any(&self.opted_out) {
                counts.opted_out += 1;
            } else {
                counts.rejected += 1;
                self.line_rejects.push(
                    path,
                    reject.line,
                    reject.column,
                    reject.reason,
                    Some(reject.raw),
                );
            }
        }
    }

    /// Remembers the table's typed, empty shape, for a sink that gets no rows at all.
    fn note_schema(&mut self, plan: &LazyFrame) -> Result<()> {
        if self.empty.is_none() {
            let schema = plan
                .clone()
                .select(self.kept.iter().map(|c| col(c.clone())).collect::<Vec<_>>())
                .collect_schema()?;
            self.empty = Some(DataFrame::empty_with_schema(&schema));
        }
        Ok(())
    }

    fn finish(mut self, files: &[SourceFile], sink: &mut dyn RowSink) -> Result<TablePass> {
        if !self.pushed {
            let empty = self
                .empty
                .take()
                .ok_or_else(|| Error::Internal(format!("table `{}` has no files", self.table)))?;
            sink.push(empty)?;
        }
        let file_summaries = files
            .iter()
            .zip(&self.per_file)
            .map(|(f, counts)| FileSummary {
                path: f.path.clone(),
                counts: *counts,
            })
            .collect();
        let mut summary = TableSummary::new(self.table, file_summaries);
        let mut rows = self.value_rejects;
        rows.append(self.line_rejects);
        for reason in rows.reasons() {
            *summary
                .rejected_by_reason
                .entry(reason.as_str().to_string())
                .or_insert(0) += 1;
        }
        summary.unknown_as_other = self.unknown_as_other;
        summary.first_timestamp = self
            .first_ms
            .and_then(chrono::DateTime::from_timestamp_millis);
        summary.last_timestamp = self
            .last_ms
            .and_then(chrono::DateTime::from_timestamp_millis);
        let ledger = rows.into_frame(self.table);
        Ok(TablePass {
            ledger,
            summary,
            person_ids: self.person_ids.into_set(),
        })
    }
}
