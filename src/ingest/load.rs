//! Runs ingest for a whole input directory: finds each table's files, reads and validates them in
//! parallel, removes opted-out people, drops duplicate events, and accounts for every row.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;
use rayon::prelude::*;

use super::discover::{SourceFile, discover};
use super::ledger::{LineReject, RejectReason, empty_ledger, ledger_from_parts};
use super::mapping::ColumnMapping;
use super::parquet::scan_parquet;
use super::parse::{TimestampRules, local_to_millis};
use super::summary::{FileSummary, IngestSummary, RowCounts, TableSummary};
use super::text::{LINE_COLUMN, read_text};
use super::validate::{
    CheckLabels, FILE_COLUMN, REASON_COLUMN, VOCAB_OTHER_COLUMN, ValueRules, raw_values,
    validate_file,
};
use crate::config::{Config, SourceFormat};
use crate::contract::TableKind;
use crate::error::{Error, Result};

/// Everything ingest needs: where the input is, the as-of date and the configuration.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub input: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
}

impl IngestOptions {
    pub fn new(input: impl Into<PathBuf>, as_of: NaiveDate, config: Config) -> IngestOptions {
        IngestOptions {
            input: input.into(),
            as_of,
            config,
        }
    }

    fn rules(&self) -> Result<ValueRules> {
        let timezone = self.config.ingest.timezone_parsed()?;
        let end = self
            .as_of
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|n| local_to_millis(n, timezone))
            .ok_or_else(|| Error::Config(format!("as-of date `{}` is out of range", self.as_of)))?;
        Ok(ValueRules {
            timestamps: TimestampRules {
                timezone,
                epoch_unit: self.config.ingest.epoch_unit,
            },
            as_of_end_millis: end,
        })
    }
}

/// The accepted rows of every table present, in canonical form, plus the rejects ledger and the
/// accounting.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub tables: BTreeMap<TableKind, DataFrame>,
    /// The rejects ledger (see `ledger::LEDGER_COLUMNS`).
    pub rejects: DataFrame,
    pub summary: IngestSummary,
    pub as_of: NaiveDate,
    max_reject_rate: f64,
}

impl Ingested {
    pub fn table(&self, table: TableKind) -> Option<&DataFrame> {
        self.tables.get(&table)
    }

    /// The error to fail with when a table rejected more than the configured share of its rows.
    pub fn reject_rate_error(&self, ledger: Option<&Path>) -> Option<Error> {
        self.summary.tables.iter().find_map(|t| {
            let rate = t.totals.reject_rate();
            (rate > self.max_reject_rate).then(|| Error::RejectRate {
                table: t.table.clone(),
                rejected: t.totals.rejected,
                read: t.totals.read - t.totals.opted_out,
                rate: rate * 100.0,
                limit: self.max_reject_rate * 100.0,
                ledger: ledger
                    .map(|p| format!(" `{}`", p.display()))
                    .unwrap_or_default(),
            })
        })
    }
}

/// One file after reading and validation, before opt-outs and duplicates.
struct CheckedFile {
    frame: DataFrame,
    /// The file as read, to fetch raw values of rejected rows from.
    raw: LazyFrame,
    /// What each check index in `__reason` means.
    labels: CheckLabels,
    line_rejects: Vec<LineReject>,
}

fn check_file(
    file: &SourceFile,
    index: u32,
    table: TableKind,
    mapping: &ColumnMapping,
    rules: &ValueRules,
) -> Result<CheckedFile> {
    let (raw, line_rejects) = match file.format {
        SourceFormat::Parquet => (scan_parquet(file, mapping)?, Vec::new()),
        _ => {
            let read = read_text(file, mapping)?;
            (read.frame.lazy(), read.rejects)
        }
    };
    let (plan, labels) = validate_file(raw.clone(), &file.path, index, table, rules)?;
    let frame = plan
        .collect()
        .map_err(|e| classify_collect_error(&file.path, e))?;
    Ok(CheckedFile {
        frame,
        raw,
        labels,
        line_rejects,
    })
}

/// A failure while executing a plan over a file is about that file's content.
fn classify_collect_error(path: &Path, err: PolarsError) -> Error {
    Error::unreadable(path, err)
}

/// Reads every table under `options.input`.
pub fn ingest(options: &IngestOptions) -> Result<Ingested> {
    if !options.input.is_dir() {
        return Err(Error::Input(format!(
            "input directory `{}` does not exist or is not a directory",
            options.input.display()
        )));
    }
    let rules = options.rules()?;
    let mut tables = BTreeMap::new();
    let mut summary = IngestSummary::default();
    let mut ledgers = Vec::new();
    let mut opted_out: HashSet<String> = HashSet::new();

    for table in TableKind::ALL {
        let settings = options.config.table(table);
        let Some(files) = discover(&options.input, table, &settings)? else {
            if table.is_required() {
                return Err(Error::Input(format!(
                    "no `{table}` table in `{}`: expected `{table}.csv`, `{table}.jsonl`, `{table}.parquet` (optionally .gz/.zst) or a `{table}/` directory, or set [tables.{table}] source in the config",
                    options.input.display()
                )));
            }
            summary.absent.push(table.name().to_string());
            continue;
        };
        let mapping = ColumnMapping::new(table, &settings);
        let checked: Vec<CheckedFile> = files
            .par_iter()
            .enumerate()
            .map(|(i, file)| check_file(file, i as u32, table, &mapping, &rules))
            .collect::<Result<_>>()?;
        if table == TableKind::People {
            opted_out = opted_out_ids(&checked)?;
        }
        let assembled = assemble(table, &files, &checked, &opted_out)?;
        summary.tables.push(assembled.summary);
        ledgers.push(assembled.ledger);
        tables.insert(table, assembled.accepted);
    }

    let mut rejects = empty_ledger();
    for ledger in ledgers {
        rejects.vstack_mut(&ledger)?;
    }
    Ok(Ingested {
        tables,
        rejects,
        summary,
        as_of: options.as_of,
        max_reject_rate: options.config.ingest.max_reject_rate,
    })
}

/// People who opted out: every row of `people` with a user id and `opt_out` true, even a row
/// rejected for another reason.
fn opted_out_ids(people: &[CheckedFile]) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for file in people {
        let user = file.frame.column("user_id")?.str()?;
        let opt_out = file.frame.column("opt_out")?.bool()?;
        for (user, opt_out) in user.iter().zip(opt_out.iter()) {
            if let (Some(user), Some(true)) = (user, opt_out) {
                ids.insert(user.to_string());
            }
        }
    }
    Ok(ids)
}

struct Assembled {
    accepted: DataFrame,
    ledger: DataFrame,
    summary: TableSummary,
}

const STATUS: &str = "__status";
const ACCEPTED: u32 = 0;
const REJECTED: u32 = 1;
const DUPLICATE: u32 = 2;
const OPTED_OUT: u32 = 3;

fn assemble(
    table: TableKind,
    files: &[SourceFile],
    checked: &[CheckedFile],
    opted_out: &HashSet<String>,
) -> Result<Assembled> {
    // Chunks are appended, not copied.
    let mut frame: Option<DataFrame> = None;
    for file in checked {
        match frame.as_mut() {
            None => frame = Some(file.frame.clone()),
            Some(f) => {
                f.vstack_mut(&file.frame)?;
            }
        }
    }
    let frame = frame.ok_or_else(|| Error::Internal(format!("table `{table}` has no files")))?;

    let opted: Series = Series::new(
        "opted".into(),
        opted_out.iter().cloned().collect::<Vec<_>>(),
    );
    let opted_list = || lit(opted.clone()).implode(true);
    let mut lazy = frame.clone().lazy();
    let persons = table.person_columns();
    let is_opted_out = match persons.first() {
        Some(primary) => col(*primary).is_in(opted_list(), false).fill_null(false),
        None => lit(false),
    };
    // A secondary person (a manager, the person helped) who opted out is blanked, not dropped:
    // the row is about someone else.
    for secondary in persons.iter().skip(1) {
        lazy = lazy.with_column(
            when(col(*secondary).is_in(opted_list(), false).fill_null(false))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col(*secondary))
                .alias(*secondary),
        );
    }
    let candidate = col(REASON_COLUMN).is_null().and(is_opted_out.clone().not());
    let duplicate = if table.column("event_id").is_some() {
        let key = when(candidate.clone())
            .then(col("event_id"))
            .otherwise(lit(NULL).cast(DataType::String));
        key.clone().is_not_null().and(key.is_first_distinct().not())
    } else {
        lit(false)
    };
    let status = when(is_opted_out)
        .then(lit(OPTED_OUT))
        .when(col(REASON_COLUMN).is_not_null())
        .then(lit(REJECTED))
        .when(duplicate)
        .then(lit(DUPLICATE))
        .otherwise(lit(ACCEPTED))
        .alias(STATUS);
    let classified = lazy.with_column(status).collect()?;

    let line_rejects: Vec<(u32, &LineReject)> = checked
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.line_rejects.iter().map(move |r| (i as u32, r)))
        .collect();
    let line_reject_opted = |r: &LineReject| r.fields.iter().any(|f| opted_out.contains(f.trim()));

    // Per-file accounting.
    let counts = classified
        .clone()
        .lazy()
        .group_by([col(FILE_COLUMN), col(STATUS)])
        .agg([len().alias("n")])
        .collect()?;
    let mut per_file = vec![RowCounts::default(); files.len()];
    let file_ids = counts.column(FILE_COLUMN)?.u32()?;
    let statuses = counts.column(STATUS)?.cast(&DataType::UInt32)?;
    let statuses = statuses.u32()?;
    let ns = counts.column("n")?.cast(&DataType::UInt64)?;
    let ns = ns.u64()?;
    for ((file, status), n) in file_ids.iter().zip(statuses.iter()).zip(ns.iter()) {
        let (Some(file), Some(status), Some(n)) = (file, status, n) else {
            continue;
        };
        let c = &mut per_file[file as usize];
        c.read += n;
        match status {
            ACCEPTED => c.accepted += n,
            REJECTED => c.rejected += n,
            DUPLICATE => c.duplicates += n,
            _ => c.opted_out += n,
        }
    }
    for (file, reject) in &line_rejects {
        let c = &mut per_file[*file as usize];
        c.read += 1;
        if line_reject_opted(reject) {
            c.opted_out += 1;
        } else {
            c.rejected += 1;
        }
    }
    let file_summaries = files
        .iter()
        .zip(per_file)
        .map(|(f, counts)| FileSummary {
            path: f.path.clone(),
            counts,
        })
        .collect();
    let mut summary = TableSummary::new(table, file_summaries);

    // The ledger: rejected rows, then malformed lines, in file and line order.
    let rejected = classified
        .clone()
        .lazy()
        .filter(col(STATUS).eq(lit(REJECTED)))
        .select([col(FILE_COLUMN), col(LINE_COLUMN), col(REASON_COLUMN)])
        .collect()?;
    let mut ledger_table = Vec::new();
    let mut ledger_file = Vec::new();
    let mut ledger_line = Vec::new();
    let mut ledger_column = Vec::new();
    let mut ledger_reason = Vec::new();
    let mut ledger_raw = Vec::new();
    let file_name = |i: u32| files[i as usize].path.display().to_string();
    {
        let f = rejected.column(FILE_COLUMN)?.u32()?;
        let l = rejected.column(LINE_COLUMN)?.u64()?;
        let codes = rejected.column(REASON_COLUMN)?.u32()?;
        let label = |i: usize| -> Option<(&'static str, RejectReason)> {
            let file = f.get(i)? as usize;
            checked
                .get(file)?
                .labels
                .get(codes.get(i)? as usize)
                .copied()
        };
        // Raw values, fetched for the rejected lines only.
        let mut lines_by_file: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
        for i in 0..rejected.height() {
            if let (Some(file), Some(line)) = (f.get(i), l.get(i)) {
                lines_by_file.entry(file).or_default().push(line);
            }
        }
        let mut raw_by_line: BTreeMap<(u32, u64), DataFrame> = BTreeMap::new();
        for (file, lines) in lines_by_file {
            let checked_file = &checked[file as usize];
            let values = raw_values(
                checked_file.raw.clone(),
                &files[file as usize].path,
                table,
                lines,
            )?;
            let value_lines = values.column(LINE_COLUMN)?.u64()?.clone();
            for (row, line) in value_lines.iter().enumerate() {
                if let Some(line) = line {
                    raw_by_line.insert((file, line), values.slice(row as i64, 1));
                }
            }
        }
        for i in 0..rejected.height() {
            let file = f.get(i).unwrap_or_default();
            let line = l.get(i).unwrap_or_default();
            let Some((column, reason)) = label(i) else {
                return Err(Error::Internal(format!(
                    "a rejected row of `{table}` has no check label"
                )));
            };
            let column = Some(column.to_string());
            let raw = match (&column, raw_by_line.get(&(file, line))) {
                (Some(name), Some(row)) => row.column(name).ok().and_then(|c| {
                    c.str()
                        .ok()
                        .and_then(|s| s.get(0).map(super::ledger::clip_raw))
                }),
                _ => None,
            };
            ledger_table.push(table.name().to_string());
            ledger_file.push(file_name(file));
            ledger_line.push(line);
            ledger_column.push(column);
            ledger_reason.push(reason.as_str().to_string());
            ledger_raw.push(raw);
        }
    }
    for (file, reject) in line_rejects.iter().filter(|(_, r)| !line_reject_opted(r)) {
        ledger_table.push(table.name().to_string());
        ledger_file.push(file_name(*file));
        ledger_line.push(reject.line);
        ledger_column.push(reject.column.clone());
        ledger_reason.push(reject.reason.as_str().to_string());
        ledger_raw.push(Some(reject.raw.clone()));
    }
    for reason in &ledger_reason {
        *summary
            .rejected_by_reason
            .entry(reason.clone())
            .or_insert(0) += 1;
    }
    debug_assert!(
        ledger_reason
            .iter()
            .all(|r| RejectReason::from_name(r).is_some())
    );
    let ledger = ledger_from_parts(
        ledger_table,
        ledger_file,
        ledger_line,
        ledger_column,
        ledger_reason,
        ledger_raw,
    );

    let canonical: Vec<Expr> = table.columns().iter().map(|c| col(c.name)).collect();
    let accepted_rows = classified
        .clone()
        .lazy()
        .filter(col(STATUS).eq(lit(ACCEPTED)));
    summary.unknown_as_other = accepted_rows
        .clone()
        .select([col(VOCAB_OTHER_COLUMN).cast(DataType::UInt64).sum()])
        .collect()?
        .column(VOCAB_OTHER_COLUMN)?
        .u64()?
        .get(0)
        .unwrap_or(0);
    // Filtering copies every column: skip it when every row is accepted (the usual case).
    let all_accepted = per_file_total_accepted(&summary) == classified.height() as u64;
    let accepted = if all_accepted {
        classified.clone().lazy().select(canonical).collect()?
    } else {
        accepted_rows.select(canonical).collect()?
    };
    if let Some(ts) = table
        .columns()
        .iter()
        .find(|c| c.kind == crate::contract::ValueKind::Timestamp)
    {
        let (first, last) = time_range(&accepted, ts.name)?;
        summary.first_timestamp = first;
        summary.last_timestamp = last;
    }

    Ok(Assembled {
        accepted,
        ledger,
        summary,
    })
}

/// The first and last timestamp of a column.
type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn time_range(frame: &DataFrame, column: &str) -> Result<TimeRange> {
    let range = frame
        .clone()
        .lazy()
        .select([
            col(column).min().alias("first"),
            col(column).max().alias("last"),
        ])
        .collect()?;
    let get = |name: &str| -> Result<Option<DateTime<Utc>>> {
        let physical = range.column(name)?.to_physical_repr();
        Ok(physical
            .i64()?
            .get(0)
            .and_then(DateTime::from_timestamp_millis))
    };
    Ok((get("first")?, get("last")?))
}

fn per_file_total_accepted(summary: &TableSummary) -> u64 {
    summary.files.iter().map(|f| f.counts.accepted).sum()
}
