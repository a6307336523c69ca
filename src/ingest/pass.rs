//! One table's pass over its files. Each file's validated rows stream through in batches (polars'
//! streaming engine), handed out to worker threads ([`super::lane`]) that classify every row as
//! accepted, rejected, duplicate or opted out, count it for its file and give the accepted rows
//! to a [`RowSink`]; rejects are kept for the ledger. Memory follows the batch size, the workers
//! and the number of distinct event ids, not the number of rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::dedup::SeenIds;
use super::discover::SourceFile;
use super::lane::{Lane, OPTED_COLUMN, Shared, Tally};
use super::ledger::{LedgerRows, LineReject, RejectReason};
use super::parse::WordSet;
use super::person_ids::add_rows;
use super::sink::RowSink;
use super::stream::{read_ahead, stream_to_lanes};
use super::summary::{FileSummary, TableSummary, UnevenRejects};
use super::text::{LINE_COLUMN, TextChunks, estimated_rows};
use super::validate::{
    CheckLabels, REASON_COLUMN, VOCAB_OTHER_COLUMN, VOCAB_WORD_COLUMN, member_of, raw_values,
};
use crate::contract::{TableKind, ValueKind};
use crate::error::{Error, Result};

/// Workers per table when the configuration leaves it to adept (`ingest.workers = 0`): one per
/// core, at most this many. Each worker holds a batch and, for the events, its own aggregates.
const MAX_WORKERS: usize = 8;

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

/// Streams every file of `table` through classification into `sink`, `batch_rows` rows at a
/// time, in file order, so duplicates are always the later copy. `open` opens a file; text chunks
/// are read on a second thread while the previous chunk is processed. A sink that can fork gets
/// `workers` workers (0: one per core, at most [`MAX_WORKERS`]); any other sink, one.
#[allow(clippy::too_many_arguments)]
pub(super) fn pass_table(
    table: TableKind,
    files: &[SourceFile],
    mut open: impl FnMut(usize, &SourceFile) -> Result<FileSource>,
    validate: &Validate<'_>,
    opted_out: &Arc<PlHashSet<String>>,
    batch_rows: usize,
    workers: usize,
    sink: &mut dyn RowSink,
) -> Result<TablePass> {
    let mut forks = forks_of(sink, workers);
    let mut state = Classifier::new(table, opted_out.clone(), batch_rows, sink.columns());
    let mut lanes: Vec<Lane<'_>> = std::iter::once(&mut *sink)
        .chain(forks.iter_mut().map(|fork| &mut **fork))
        .map(|sink| Lane {
            tally: Tally::new(files.len()),
            sink,
        })
        .collect();
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
                state.stream_piece(index, path, plan, &raw, &labels, &mut lanes)?;
                state.count_line_rejects(&mut lanes[0].tally, index, path, line_rejects);
            }
            FileSource::Text(chunks) => {
                let mut rows = 0;
                read_ahead(chunks, |chunk| {
                    let before = rows;
                    rows += chunk.frame.height() + chunk.rejects.len();
                    state.expect_text_rows(before, rows, chunk.progress)?;
                    let raw = chunk.frame.lazy();
                    let (plan, labels) = validate(raw.clone(), path)?;
                    state.stream_piece(index, path, plan, &raw, &labels, &mut lanes)?;
                    state.count_line_rejects(&mut lanes[0].tally, index, path, chunk.rejects);
                    Ok(())
                })?
            }
        }
    }
    let tallies: Vec<Tally> = lanes.into_iter().map(|lane| lane.tally).collect();
    for fork in forks {
        sink.merge(fork)?;
    }
    state.finish(files, tallies, sink)
}

/// The forks for all workers but the first (which uses `sink` itself); none where `sink` cannot
/// fork.
fn forks_of(sink: &dyn RowSink, workers: usize) -> Vec<Box<dyn RowSink>> {
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS)),
        n => n,
    };
    (1..workers)
        .map(|_| sink.fork())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
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

/// The running state of a table's pass, beside the workers' tallies.
struct Classifier {
    /// What the workers read.
    shared: Shared,
    /// The opted-out ids in lower case, for malformed lines (see `LineReject::lines_naming`).
    opted_folded: PlHashSet<String>,
    /// The same ids, as the checking plan looks them up (made once per table).
    opted_words: Arc<WordSet>,
    /// Per reason, the lines beyond the first of records that took several (a quote run on):
    /// the ledger has one row for each such record, the counts one per line.
    extra_lines: BTreeMap<RejectReason, u64>,
    batch_rows: usize,
    /// Rejected rows, then (separately) malformed lines: the ledger lists rows first.
    value_rejects: LedgerRows,
    line_rejects: LedgerRows,
    /// Rejected rows naming each person (trimmed id, any person column), where the row could
    /// be read into columns.
    rejected_by_person: HashMap<String, u64>,
    empty: Option<DataFrame>,
}

impl Classifier {
    fn new(
        table: TableKind,
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
            shared: Shared {
                table,
                kept,
                timestamp,
                seen: table.unique_key().map(|_| Mutex::new(SeenIds::default())),
            },
            opted_words: Arc::new(WordSet::new(opted_out.iter().map(String::as_str))),
            opted_folded: opted_out.iter().map(|id| id.to_lowercase()).collect(),
            extra_lines: BTreeMap::new(),
            batch_rows,
            value_rejects: LedgerRows::default(),
            line_rejects: LedgerRows::default(),
            rejected_by_person: HashMap::new(),
            empty: None,
        }
    }

    /// The event-id set, where the table has a unique key.
    fn seen_ids(&mut self) -> Result<Option<&mut SeenIds>> {
        self.shared
            .seen
            .as_mut()
            .map(|seen| {
                seen.get_mut()
                    .map_err(|_| Error::Internal("the event-id set was poisoned".into()))
            })
            .transpose()
    }

    /// Makes room for a whole file's event ids at once: growing the set step by step would move
    /// every id several times and briefly hold the set twice. (Parquet gives the row count from
    /// its metadata; text files are not counted first, see [`Classifier::expect_text_rows`].)
    fn expect_rows(&mut self, path: &Path, raw: &LazyFrame) -> Result<()> {
        if self.shared.seen.is_none() {
            return Ok(());
        }
        let rows = raw
            .clone()
            .select([len()])
            .collect()
            .map_err(|e| Error::unreadable(path, e))?;
        let rows = rows.column("len")?.cast(&DataType::UInt64)?;
        let rows = rows.u64()?.get(0).unwrap_or(0) as usize;
        if let Some(seen) = self.seen_ids()? {
            seen.reserve(rows);
        }
        Ok(())
    }

    /// Makes room for the event ids a text file is expected to hold, from the `rows` read so far
    /// (`before` of them already in the set) and how much of the file they took: a text file is
    /// not counted first. Without it the set would double as it fills, each time moving every id
    /// and briefly holding both sizes. An estimate that falls short leaves the rest to that
    /// doubling; one too high (a file whose first rows are much shorter than the rest) reserves
    /// room in proportion.
    fn expect_text_rows(&mut self, before: usize, rows: usize, progress: (u64, u64)) -> Result<()> {
        if let (Some(total), Some(seen)) = (estimated_rows(rows, progress), self.seen_ids()?) {
            // A twentieth more: rows are seldom of one length throughout.
            seen.reserve((total + total / 20).saturating_sub(before));
        }
        Ok(())
    }

    /// Streams one piece (a file, or a text chunk) through the workers and puts its rejected
    /// rows in the ledger.
    fn stream_piece(
        &mut self,
        file: usize,
        path: &Path,
        plan: LazyFrame,
        raw: &LazyFrame,
        labels: &CheckLabels,
        lanes: &mut [Lane<'_>],
    ) -> Result<()> {
        let table = self.shared.table;
        let plan = self.read_only_needed(with_opt_outs(plan, table, &self.opted_words));
        self.note_schema(&plan)?;
        let shared = &self.shared;
        stream_to_lanes(plan, path, self.batch_rows, lanes, |lane, turn, batch| {
            shared.consume(lane, turn, file, batch)
        })?;
        // Each worker noted its batches' rejected rows; in line order they are the file's order.
        let mut rejected: Vec<(u64, u32)> = lanes
            .iter_mut()
            .flat_map(|lane| std::mem::take(&mut lane.tally.rejected))
            .collect();
        rejected.sort_unstable_by_key(|(line, _)| *line);
        self.ledger_rejected_rows(rejected, file, path, raw, labels)
    }

    /// Keeps only the columns this pass reads, so that polars neither reads nor cleans a column
    /// that no check and no sink uses (an events file's `session_id` during a run).
    fn read_only_needed(&self, plan: LazyFrame) -> LazyFrame {
        let mut wanted: Vec<PlSmallStr> = [
            LINE_COLUMN,
            REASON_COLUMN,
            VOCAB_OTHER_COLUMN,
            VOCAB_WORD_COLUMN,
            OPTED_COLUMN,
        ]
        .into_iter()
        .chain(self.shared.table.unique_key())
        .map(PlSmallStr::from)
        .collect();
        for column in &self.shared.kept {
            if !wanted.contains(column) {
                wanted.push(column.clone());
            }
        }
        plan.select(wanted.into_iter().map(col).collect::<Vec<_>>())
    }

    /// Turns the rejected rows of the piece just streamed (a file, or a text chunk) into ledger
    /// rows, with their raw values fetched from it (only these rows are read again).
    fn ledger_rejected_rows(
        &mut self,
        rejected: Vec<(u64, u32)>,
        file: usize,
        path: &Path,
        raw: &LazyFrame,
        labels: &CheckLabels,
    ) -> Result<()> {
        if rejected.is_empty() {
            return Ok(());
        }
        let table = self.shared.table;
        let lines: Vec<u64> = rejected.iter().map(|(line, _)| *line).collect();
        let values = raw_values(raw.clone(), path, table, lines)?;
        let value_lines = values.column(LINE_COLUMN)?.u64()?;
        let row_of: HashMap<u64, usize> = value_lines
            .iter()
            .enumerate()
            .filter_map(|(row, line)| line.map(|l| (l, row)))
            .collect();
        for column in table.person_columns() {
            let Ok(ids) = values.column(column).and_then(|c| Ok(c.str()?.clone())) else {
                continue;
            };
            for id in ids
                .iter()
                .flatten()
                .map(str::trim)
                .filter(|id| !id.is_empty())
            {
                add_rows(&mut self.rejected_by_person, id, 1);
            }
        }
        for (line, check) in rejected {
            let Some(&(column, reason)) = labels.get(check as usize) else {
                return Err(Error::Internal(format!(
                    "a rejected row of `{table}` (file {file}) has no check label"
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
    /// opted out and kept out of the ledger (a record whose other lines are rejected keeps its
    /// ledger row, without its text).
    fn count_line_rejects(
        &mut self,
        tally: &mut Tally,
        file: usize,
        path: &Path,
        rejects: Vec<LineReject>,
    ) {
        let counts = &mut tally.per_file[file];
        for reject in rejects {
            // A record that took several lines (a quote run on) stands for that many rows.
            counts.read += reject.lines;
            let opted_out = reject.lines_naming(&self.opted_folded);
            counts.opted_out += opted_out;
            let rejected = reject.lines - opted_out;
            if rejected == 0 {
                continue;
            }
            counts.rejected += rejected;
            if rejected > 1 {
                *self.extra_lines.entry(reject.reason).or_insert(0) += rejected - 1;
            }
            let raw = (opted_out == 0).then_some(reject.raw);
            self.line_rejects
                .push(path, reject.line, reject.column, reject.reason, raw);
        }
    }

    /// Remembers the table's typed, empty shape, for a sink that gets no rows at all.
    fn note_schema(&mut self, plan: &LazyFrame) -> Result<()> {
        if self.empty.is_none() {
            let schema = plan
                .clone()
                .select(
                    self.shared
                        .kept
                        .iter()
                        .map(|c| col(c.clone()))
                        .collect::<Vec<_>>(),
                )
                .collect_schema()?;
            self.empty = Some(DataFrame::empty_with_schema(&schema));
        }
        Ok(())
    }

    /// Adds up the workers' tallies into the table's summary, ledger and person ids.
    fn finish(
        mut self,
        files: &[SourceFile],
        tallies: Vec<Tally>,
        sink: &mut dyn RowSink,
    ) -> Result<TablePass> {
        let mut total = Tally::new(files.len());
        let mut person_rows = HashMap::new();
        for tally in tallies {
            total.add(tally, &mut person_rows);
        }
        if !total.pushed {
            let empty = self.empty.take().ok_or_else(|| {
                Error::Internal(format!("table `{}` has no files", self.shared.table))
            })?;
            sink.push(empty)?;
        }
        let file_summaries = files
            .iter()
            .zip(&total.per_file)
            .map(|(f, counts)| FileSummary {
                path: f.path.clone(),
                counts: *counts,
            })
            .collect();
        let mut summary = TableSummary::new(self.shared.table, file_summaries);
        let mut rows = self.value_rejects;
        rows.append(self.line_rejects);
        let extra = self.extra_lines.iter().map(|(reason, n)| (reason, *n));
        for (reason, n) in rows.reasons().iter().map(|r| (r, 1)).chain(extra) {
            *summary
                .rejected_by_reason
                .entry(reason.as_str().to_string())
                .or_insert(0) += n;
        }
        summary.unknown_as_other = total.unknown_as_other;
        summary.unknown_values = self
            .shared
            .table
            .open_vocabulary()
            .and_then(|column| total.unknown_words.finish(column));
        summary.first_timestamp = total
            .first_ms
            .and_then(chrono::DateTime::from_timestamp_millis);
        summary.last_timestamp = total
            .last_ms
            .and_then(chrono::DateTime::from_timestamp_millis);
        summary.uneven_rejects =
            UnevenRejects::find(&person_rows, &self.rejected_by_person, &summary.totals);
        let ledger = rows.into_frame(self.shared.table);
        Ok(TablePass {
            ledger,
            summary,
            person_ids: person_rows.into_keys().collect(),
        })
    }
}
