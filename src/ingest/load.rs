//! Runs ingest for a whole input directory: finds each table's files, reads opt-outs first, then
//! streams every table through validation and classification (see `pass`), keeping the small
//! tables and handing accepted events to the caller's sink.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;

use super::discover::{SourceFile, discover};
use super::ledger::{RejectReason, empty_ledger};
use super::mapping::ColumnMapping;
use super::parquet::scan_parquet;
use super::parse::{TimestampRules, local_to_millis, parse_bool};
use super::pass::{FileSource, pass_table};
use super::sink::{CollectRows, RowSink};
use super::spelling::basic_form;
use super::summary::{IngestSummary, TableSummary};
use super::text::{LINE_COLUMN, TextChunks};
use super::validate::{ValueRules, validate_file};
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
    /// Every person id in the accepted rows of any table, events included: the ids to replace
    /// wherever they appear in free text.
    pub person_ids: HashSet<String>,
    /// The ids of the people whose `opt_out` is true (as the input writes them): runs published
    /// before they opted out are cleared of them (`runs::withdraw_opted_out`). An opt-out taken
    /// from a value that is neither true nor false keeps the person out of this run, but is no
    /// ground for changing earlier ones.
    pub opted_out: BTreeSet<String>,
    /// The person ids of the accepted events: who has usage, for `adept validate`'s check of how
    /// the other tables spell them (the run checks the people active in its window).
    pub event_person_ids: HashSet<String>,
    pub as_of: NaiveDate,
    max_reject_rate: f64,
}

impl Ingested {
    pub fn table(&self, table: TableKind) -> Option<&DataFrame> {
        self.tables.get(&table)
    }

    /// Where most of a table's rejects come from, for the reject-rate error: the commonest
    /// reason and column in the ledger, with an example value where the column holds neither
    /// a person's id nor free text (an unknown `phase` such as `quiz`, a time that does not
    /// read). Empty without rejects.
    fn commonest_reject(&self, table: &str) -> String {
        let text = |name: &str| self.rejects.column(name).ok().and_then(|c| c.str().ok());
        let (Some(tables), Some(columns), Some(reasons), Some(raws)) = (
            text("table"),
            text("column"),
            text("reason"),
            text("raw_value"),
        ) else {
            return String::new();
        };
        // (column, reason) -> (rows, first value)
        type Cause<'a> = (Option<&'a str>, &'a str);
        let mut causes: BTreeMap<Cause, (u64, Option<&str>)> = BTreeMap::new();
        for i in 0..self.rejects.height() {
            if tables.get(i) != Some(table) {
                continue;
            }
            let key = (columns.get(i), reasons.get(i).unwrap_or("unknown"));
            let entry = causes.entry(key).or_insert((0, raws.get(i)));
            entry.0 += 1;
        }
        let Some(((column, reason), (rows, example))) = causes
            .into_iter()
            .max_by_key(|(key, (rows, _))| (*rows, std::cmp::Reverse(*key)))
        else {
            return String::new();
        };
        let kind = TableKind::from_name(table);
        let private = |c: &str| {
            kind.is_none_or(|k| k.person_columns().contains(&c))
                || crate::contract::may_span_lines(c)
        };
        match column {
            Some(c) => {
                let shown = example.filter(|v| !private(c) && v.chars().count() <= 40);
                let example = shown.map(|v| format!(", e.g. `{v}`")).unwrap_or_default();
                // What the column takes, where the value was of the wrong form.
                let expected = kind
                    .and_then(|k| k.column(c))
                    .filter(|_| is_form(reason))
                    .map(|spec| format!(" (`{c}` takes {})", spec.kind.expected()))
                    .unwrap_or_default();
                format!("; most ({rows}) are {reason} in `{c}`{example}{expected}")
            }
            None => format!("; most ({rows}) are {reason}"),
        }
    }

    /// Whether a table rejected more than the configured share of its rows. One rejected row
    /// does not fail a run while another row of its table was accepted: in a table of a few
    /// rows (a feedback export of three), one typo is more than any share, and it is in the
    /// ledger and the summary; a run fails for a wrong file or a wrong mapping, not for that.
    fn over_reject_limit(&self, t: &TableSummary) -> bool {
        let c = &t.totals;
        c.reject_rate() > self.max_reject_rate && (c.rejected > 1 || c.accepted == 0)
    }

    /// The error to fail with when a table rejected more than the configured share of its rows.
    fn reject_rate_error(&self, ledger: Option<&Path>) -> Option<Error> {
        self.summary.tables.iter().find_map(|t| {
            let rate = t.totals.reject_rate();
            self.over_reject_limit(t).then(|| Error::RejectRate {
                table: t.table.clone(),
                rejected: t.totals.rejected,
                read: t.totals.read - t.totals.opted_out,
                rate: rate * 100.0,
                limit: self.max_reject_rate * 100.0,
                cause: self.commonest_reject(&t.table),
                ledger: ledger
                    .map(|p| format!(" `{}`", p.display()))
                    .unwrap_or_default(),
            })
        })
    }
}

/// Whether a reject reason says a value had the wrong form (not that it was missing, or out of
/// range).
fn is_form(reason: &str) -> bool {
    [
        RejectReason::WrongType,
        RejectReason::UnparseableTimestamp,
        RejectReason::UnparseableDate,
        RejectReason::UnknownValue,
    ]
    .iter()
    .any(|r| r.as_str() == reason)
}

/// Keeps people's ids out of the values the summary names as read as `other` (a column mapped
/// to the wrong one would otherwise put e-mail addresses in the report).
fn hide_person_ids(summary: &mut IngestSummary, person_ids: &HashSet<String>) {
    let folded: HashSet<String> = person_ids.iter().map(|id| basic_form(id)).collect();
    for table in &mut summary.tables {
        if let Some(unknown) = &mut table.unknown_values {
            unknown.hide_person_ids(&folded);
        }
    }
}

/// Opens one file: a lazy scan and its validation plan (Parquet), or a chunked reader (text).
fn open_file(
    file: &SourceFile,
    mapping: &ColumnMapping,
    rules: &ValueRules,
    batch_rows: usize,
) -> Result<FileSource> {
    match file.format {
        SourceFormat::Parquet => {
            let raw = scan_parquet(file, mapping)?;
            let (plan, labels) = validate_file(raw.clone(), &file.path, mapping, rules)?;
            Ok(FileSource::Plan {
                plan,
                raw,
                labels,
                line_rejects: Vec::new(),
            })
        }
        _ => Ok(FileSource::Text(TextChunks::open(
            file, mapping, batch_rows,
        )?)),
    }
}

/// Reads and validates a whole (small) file into memory: for `people`, whose opt-outs must be
/// known before any table streams.
fn read_whole(
    file: &SourceFile,
    mapping: &ColumnMapping,
    rules: &ValueRules,
) -> Result<(DataFrame, FileSource)> {
    let (raw, line_rejects) = match file.format {
        SourceFormat::Parquet => (scan_parquet(file, mapping)?, Vec::new()),
        _ => {
            // Every chunk: a chunk also ends at a size in bytes, however many rows it may hold.
            let mut rows = CollectRows::default();
            let mut rejects = Vec::new();
            for chunk in TextChunks::open(file, mapping, usize::MAX)? {
                let chunk = chunk?;
                rejects.extend(chunk.rejects);
                rows.push(chunk.frame)?;
            }
            let frame = rows.finish().ok_or_else(|| {
                Error::Internal(format!("`{}` gave no chunk", file.path.display()))
            })?;
            (frame.lazy(), rejects)
        }
    };
    let (plan, labels) = validate_file(raw.clone(), &file.path, mapping, rules)?;
    let frame = plan
        .collect()
        .map_err(|e| Error::unreadable(&file.path, e))?;
    let source = FileSource::Plan {
        plan: frame.clone().lazy(),
        raw,
        labels,
        line_rejects,
    };
    Ok((frame, source))
}

/// Whether the ledger handed to a [`KeepLedger`] is that of a run that goes on, or of one that
/// fails here, over the reject limit (whose caller may keep it apart from earlier outputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerOf {
    GoingRun,
    FailedRun,
}

/// What to do with the rejects ledger before the reject limit is checked: keep it somewhere
/// and say where, so that a run failing the limit still leaves its ledger to inspect.
pub type KeepLedger<'a> = &'a mut dyn FnMut(&Ingested, LedgerOf) -> Result<Option<PathBuf>>;

/// A [`KeepLedger`] that keeps nothing.
pub fn keep_nothing(_: &Ingested, _: LedgerOf) -> Result<Option<PathBuf>> {
    Ok(None)
}

/// Reads every table under `options.input`. The accepted events go to `events`, batch by batch
/// in file and line order, and are not kept; the other (small) tables are kept. Then the ledger
/// goes to `keep_ledger`, and a table that rejected more than `[ingest] max_reject_rate` of its
/// rows fails ingest (naming the ledger where it was kept). After an error, whatever `events`
/// received is incomplete and must be discarded.
pub fn ingest(
    options: &IngestOptions,
    events: &mut dyn RowSink,
    keep_ledger: KeepLedger,
) -> Result<Ingested> {
    let ingested = read_tables(options, events)?;
    let over = |t| ingested.over_reject_limit(t);
    let of = if ingested.summary.tables.iter().any(over) {
        LedgerOf::FailedRun
    } else {
        LedgerOf::GoingRun
    };
    let ledger = keep_ledger(&ingested, of)?;
    match ingested.reject_rate_error(ledger.as_deref()) {
        Some(err) => Err(err),
        None => Ok(ingested),
    }
}

/// Every table read, checked and accounted for; the reject limit is not checked yet.
fn read_tables(options: &IngestOptions, events: &mut dyn RowSink) -> Result<Ingested> {
    if !options.input.is_dir() {
        return Err(Error::Input(format!(
            "input directory `{}` does not exist or is not a directory",
            options.input.display()
        )));
    }
    let rules = options.rules()?;
    let batch_rows = options.config.ingest.batch_rows;
    let workers = options.config.ingest.workers;
    let mut tables = BTreeMap::new();
    let mut summary = IngestSummary {
        timezone: Some(options.config.ingest.timezone.clone()),
        ..IngestSummary::default()
    };
    let mut ledgers = Vec::new();
    let mut opted_out: Arc<PlHashSet<String>> = Arc::default();
    let mut explicit_opt_outs = BTreeSet::new();
    let mut event_person_ids = HashSet::new();
    let mut person_ids: HashSet<String> = HashSet::new();

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
        let open = |_: usize, file: &SourceFile| open_file(file, &mapping, &rules, batch_rows);
        let validate = |raw: LazyFrame, path: &Path| validate_file(raw, path, &mapping, &rules);
        let mut kept = CollectRows::default();
        let sink: &mut dyn RowSink = if table == TableKind::Events {
            &mut *events
        } else {
            &mut kept
        };
        let pass = if table == TableKind::People {
            // Opt-outs are read first: they apply to every table, this one included. People
            // files are small; they are read whole, then streamed like any other.
            let mut sources = Vec::new();
            let mut frames = Vec::new();
            let mut unreadable = PlHashSet::new();
            for file in &files {
                let (frame, source) = read_whole(file, &mapping, &rules)?;
                refuse_unreadable_lines(file, &source)?;
                for (line, id, value) in unreadable_opt_outs(&source, &file.path)? {
                    summary.notes.push(format!(
                        "people: `{}` line {line}: opt_out `{value}` is neither true nor \
                         false; the person is taken as opted out (adept does not guess that \
                         someone agreed to be analysed)",
                        file.path.display()
                    ));
                    unreadable.insert(id);
                }
                frames.push(frame);
                sources.push(Some(source));
            }
            let mut ids = opted_out_ids(frames.iter())?;
            explicit_opt_outs = ids.iter().cloned().collect();
            ids.extend(unreadable);
            opted_out = Arc::new(ids);
            let reopen = |i: usize, file: &SourceFile| {
                sources[i].take().ok_or_else(|| {
                    Error::Internal(format!("`{}` opened twice", file.path.display()))
                })
            };
            pass_table(
                table, &files, reopen, &validate, &opted_out, batch_rows, workers, sink,
            )?
        } else {
            pass_table(
                table, &files, open, &validate, &opted_out, batch_rows, workers, sink,
            )?
        };
        summary.tables.push(pass.summary);
        if table == TableKind::Events {
            event_person_ids = pass.person_ids.clone();
        }
        person_ids.extend(pass.person_ids);
        ledgers.push(pass.ledger);
        if let Some(frame) = kept.finish() {
            tables.insert(table, frame);
        }
    }

    refuse_near_opt_outs(&opted_out, &person_ids)?;
    hide_person_ids(&mut summary, &person_ids);
    let mut rejects = empty_ledger();
    for ledger in ledgers {
        rejects.vstack_mut(&ledger)?;
    }
    Ok(Ingested {
        tables,
        rejects,
        summary,
        person_ids,
        opted_out: explicit_opt_outs,
        event_person_ids,
        as_of: options.as_of,
        max_reject_rate: options.config.ingest.max_reject_rate,
    })
}

/// Stops where an id kept in the input differs from an opted-out id only in letter case
/// (`Ana.Lima@x.org` opted out, `ana.lima@x.org` in the events): ids are compared exactly, so
/// that person's rows would be analysed, and most systems treat such ids as one person. No id
/// is named: the message goes to logs.
fn refuse_near_opt_outs(opted_out: &PlHashSet<String>, kept: &HashSet<String>) -> Result<()> {
    if opted_out.is_empty() {
        return Ok(());
    }
    let folded: PlHashSet<String> = opted_out.iter().map(|id| id.to_lowercase()).collect();
    let near = kept
        .iter()
        .filter(|id| !opted_out.contains(*id) && folded.contains(&id.to_lowercase()))
        .count();
    if near == 0 {
        return Ok(());
    }
    Err(Error::Input(format!(
        "{near} id(s) kept in the input differ from an opted-out person's id only in letter \
         case. adept compares ids exactly, so their rows would be analysed although they are \
         most likely the same person's. Make the ids agree in case across the tables, or add \
         each spelling to `people` with opt_out = true"
    )))
}

/// Stops at a `people` line that cannot be read when the file has an `opt_out` column: the line
/// may hold someone's opt-out, and who it is cannot be told for sure.
fn refuse_unreadable_lines(file: &SourceFile, source: &FileSource) -> Result<()> {
    let FileSource::Plan {
        raw, line_rejects, ..
    } = source
    else {
        return Ok(());
    };
    let Some(first) = line_rejects.first() else {
        return Ok(());
    };
    let mut raw = raw.clone();
    let schema = raw
        .collect_schema()
        .map_err(|e| Error::unreadable(&file.path, e))?;
    if !schema.contains("opt_out") {
        return Ok(());
    }
    Err(Error::Input(format!(
        "`{}` line {}: {} ({}); {} line(s) of the people table cannot be read, and any of them \
         may hold an opt-out, which must be honoured: correct the line(s) (an unquoted comma in \
         a name, say) and run again",
        file.path.display(),
        first.line,
        first.reason,
        first.raw.chars().take(80).collect::<String>(),
        line_rejects.iter().map(|r| r.lines).sum::<u64>()
    )))
}

/// `people` rows whose `opt_out` holds something other than true or false (`1.0`, `pending`):
/// (line, user id, value). Such a person is taken as opted out.
fn unreadable_opt_outs(source: &FileSource, path: &Path) -> Result<Vec<(u64, String, String)>> {
    let FileSource::Plan { raw, .. } = source else {
        return Ok(Vec::new());
    };
    let mut raw = raw.clone();
    let schema = raw
        .collect_schema()
        .map_err(|e| Error::unreadable(path, e))?;
    if !(schema.contains("opt_out") && schema.contains("user_id")) {
        return Ok(Vec::new());
    }
    let frame = raw
        .select([
            col(LINE_COLUMN).cast(DataType::UInt64),
            col("user_id").cast(DataType::String),
            col("opt_out").cast(DataType::String),
        ])
        .collect()
        .map_err(|e| Error::unreadable(path, e))?;
    let lines = frame.column(LINE_COLUMN)?.u64()?;
    let (ids, values) = (
        frame.column("user_id")?.str()?,
        frame.column("opt_out")?.str()?,
    );
    let mut out = Vec::new();
    for ((line, id), value) in lines.iter().zip(ids.iter()).zip(values.iter()) {
        if let (Some(line), Some(id), Some(value)) = (line, id, value)
            && !id.trim().is_empty()
            && !value.trim().is_empty()
            && parse_bool(value).is_none()
        {
            out.push((line, id.trim().to_string(), value.trim().to_string()));
        }
    }
    Ok(out)
}

/// People who opted out: every row of `people` with a user id and `opt_out` true, even a row
/// rejected for another reason.
fn opted_out_ids<'a>(people: impl Iterator<Item = &'a DataFrame>) -> Result<PlHashSet<String>> {
    let mut ids = PlHashSet::new();
    for frame in people {
        let user = frame.column("user_id")?.str()?;
        let opt_out = frame.column("opt_out")?.bool()?;
        for (user, opt_out) in user.iter().zip(opt_out.iter()) {
            if let (Some(user), Some(true)) = (user, opt_out) {
                ids.insert(user.to_string());
            }
        }
    }
    Ok(ids)
}
