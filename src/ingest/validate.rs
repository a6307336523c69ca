//! Turns one source file's raw columns into the table's canonical, typed columns, and marks each
//! row that breaks the contract with the first reason it fails, the column and the raw value.
//!
//! Everything here is a polars lazy plan over the file's frame; parsing that polars' casts do not
//! cover is delegated to the column functions in `parse.rs`.

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::ledger::RejectReason;
use super::mapping::ColumnMapping;
use super::parse::{self, TimestampRules, WordSet};
use super::spelling::Spellings;
use super::text::LINE_COLUMN;
use crate::contract::{ColumnSpec, TableKind, ValueKind, Vocabulary};
use crate::error::{Error, Result};

/// Column with the index of the first check a row failed, into the file's [`CheckLabels`]
/// (null for a valid row). A number per row is far cheaper than two strings.
pub const REASON_COLUMN: &str = "__reason";

/// (column, reason) of each check of a file, in the order the checks are tried.
pub type CheckLabels = Vec<(&'static str, RejectReason)>;
/// Column that is true where an open vocabulary turned an unknown value into `other`.
pub const VOCAB_OTHER_COLUMN: &str = "__vocab_other";
/// Column with the word of the table's open vocabulary as read (normalised), before an unknown
/// one became `other`: the accounting names the commonest unknown words.
pub const VOCAB_WORD_COLUMN: &str = "__vocab_word";

/// A `duration_ms` of -1, which exports write for a duration not measured: read as missing.
const NOT_MEASURED: i64 = -1;

/// What a valid row must satisfy beyond its column types.
#[derive(Debug, Clone, Copy)]
pub struct ValueRules {
    pub timestamps: TimestampRules,
    /// Timestamps at or after this instant (UTC ms: the end of the as-of date) are rejected.
    pub as_of_end_millis: i64,
}

fn value_name(column: &str) -> String {
    format!("__v_{column}")
}

fn normalised_name(column: &str) -> String {
    format!("__n_{column}")
}

/// The typed value of a raw column, null where missing or unparseable.
fn typed_value(
    spec: &ColumnSpec,
    raw: Expr,
    dtype: &DataType,
    rules: &ValueRules,
    spellings: &Arc<Spellings>,
) -> Expr {
    let text = trimmed_text(spec.name, raw.clone(), dtype);
    match spec.kind {
        ValueKind::Text => text,
        ValueKind::Timestamp => {
            let ts = rules.timestamps;
            raw.map(
                move |c| parse::timestamps_to_millis(&c, ts),
                |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
            )
        }
        ValueKind::Date => raw.map(
            |c| parse::dates_to_days(&c),
            |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
        ),
        ValueKind::Integer if dtype.is_float() => {
            // 3.0 is a whole number; 3.5 is not.
            let value = raw.cast(DataType::Float64);
            when(
                value
                    .clone()
                    .eq(value.clone().cast(DataType::Int64).cast(DataType::Float64)),
            )
            .then(value.cast(DataType::Int64))
            .otherwise(lit(NULL).cast(DataType::Int64))
        }
        ValueKind::Integer if dtype.is_string() => trimmed_text(spec.name, raw, dtype).map(
            |c| parse::whole_numbers(&c),
            |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
        ),
        ValueKind::Integer => raw.cast(DataType::Int64),
        ValueKind::Number if dtype.is_string() => trimmed_text(spec.name, raw, dtype).map(
            |c| parse::numbers(&c),
            |_, f| Ok(Field::new(f.name().clone(), DataType::Float64)),
        ),
        ValueKind::Number => raw.cast(DataType::Float64),
        ValueKind::Resolution => {
            // The config's statuses (`[tables.help.values]`) first, then the known ones.
            let spellings = spellings.clone();
            raw.map(
                move |c| {
                    parse::to_booleans_with(&c, |text| {
                        spellings
                            .configured_truth(text)
                            .or_else(|| parse::parse_resolution(text))
                    })
                },
                |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
            )
        }
        ValueKind::Boolean => raw.map(
            |c| parse::to_booleans(&c),
            |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
        ),
        ValueKind::Vocabulary(vocabulary) => map_multiple(
            move |columns| parse::vocabulary_words(&columns[0], &columns[1], vocabulary),
            [col(normalised_name(spec.name)), col(known_name(spec.name))],
            |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::String)),
        ),
    }
}

/// Text with surrounding space removed; empty text is null.
fn trimmed_text(name: &str, raw: Expr, dtype: &DataType) -> Expr {
    if dtype.is_string() {
        // The cleaned copy computed once per file (see `validate_file`).
        col(cleaned_name(name))
    } else {
        let text = raw.cast(DataType::String);
        when(text.clone().eq(lit("")))
            .then(lit(NULL).cast(DataType::String))
            .otherwise(text)
    }
}

/// Whether the normalised word is in the vocabulary, computed once per file (see
/// `validate_file`).
fn known_name(column: &str) -> String {
    format!("__k_{column}")
}

fn cleaned_name(column: &str) -> String {
    format!("__t_{column}")
}

/// The word each value means (see `parse::normalise_words`).
fn normalised_word(text: Expr, spellings: Arc<Spellings>) -> Expr {
    text.map(
        move |c| parse::normalise_words(&c, &spellings),
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

fn in_vocabulary(word: Expr, vocabulary: Vocabulary) -> Expr {
    member_of(
        word,
        &Arc::new(WordSet::new(vocabulary.words.iter().copied())),
    )
}

/// True where the text is one of `words` (false where missing); streams without buffering.
pub fn member_of(text: Expr, words: &Arc<WordSet>) -> Expr {
    let words = words.clone();
    text.map(
        move |c| parse::is_member(&c, &words),
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// Whether a raw value is there at all (not null, not blank text).
fn present(name: &str, raw: Expr, dtype: &DataType) -> Expr {
    if dtype.is_string() {
        trimmed_text(name, raw, dtype).is_not_null()
    } else {
        raw.is_not_null()
    }
}

/// The reason a present value of this kind fails to parse.
fn parse_failure(kind: ValueKind) -> Option<RejectReason> {
    match kind {
        ValueKind::Text => None,
        ValueKind::Timestamp => Some(RejectReason::UnparseableTimestamp),
        ValueKind::Date => Some(RejectReason::UnparseableDate),
        ValueKind::Integer | ValueKind::Number | ValueKind::Boolean | ValueKind::Resolution => {
            Some(RejectReason::WrongType)
        }
        ValueKind::Vocabulary(v) if v.unknown_becomes.is_none() => Some(RejectReason::UnknownValue),
        ValueKind::Vocabulary(_) => None,
    }
}

/// Whether a source column of this type can be read as the spec's kind at all: if not, the whole
/// file is unusable and the error says so.
fn check_column_type(path: &Path, spec: &ColumnSpec, dtype: &DataType) -> Result<()> {
    let fits = match spec.kind {
        _ if dtype.is_nested() || matches!(dtype, DataType::Binary | DataType::BinaryOffset) => {
            false
        }
        ValueKind::Timestamp => parse::can_hold_timestamps(dtype),
        ValueKind::Date => parse::can_hold_dates(dtype),
        ValueKind::Boolean | ValueKind::Resolution => {
            dtype.is_string() || dtype.is_integer() || dtype.is_bool() || dtype.is_null()
        }
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err(Error::ColumnType {
            path: path.to_path_buf(),
            column: spec.name.to_string(),
            message: format!(
                "expected {}, found a column of type `{dtype}`",
                expected_description(spec.kind)
            ),
        })
    }
}

fn expected_description(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text => "text",
        ValueKind::Timestamp => "timestamps (text, epoch numbers, dates or datetimes)",
        ValueKind::Date => "dates (text or date)",
        ValueKind::Integer => "whole numbers",
        ValueKind::Number => "numbers",
        ValueKind::Boolean => "true/false values",
        ValueKind::Resolution => "true/false values or ticket statuses",
        ValueKind::Vocabulary(_) => "text",
    }
}

/// True for not a number and for infinities; null stays null (a missing value has its own check).
fn not_finite(value: Expr) -> Expr {
    value.is_finite().not()
}

/// Checks beyond parsing, in the order they are reported.
fn range_checks(table: TableKind, rules: &ValueRules) -> Vec<(Expr, &'static str, RejectReason)> {
    let v = |c: &str| col(value_name(c));
    let mut checks = Vec::new();
    for spec in table.columns() {
        if spec.kind == ValueKind::Timestamp {
            checks.push((
                v(spec.name).gt_eq(lit(rules.as_of_end_millis)),
                spec.name,
                RejectReason::AfterAsOf,
            ));
        }
    }
    match table {
        TableKind::Events => {
            checks.push((
                v("count").lt(lit(0i64)),
                "count",
                RejectReason::NegativeCount,
            ));
            // -1 is the usual "not measured" placeholder: a missing value (see `final_value`).
            checks.push((
                v("duration_ms").lt(lit(NOT_MEASURED)),
                "duration_ms",
                RejectReason::NegativeDuration,
            ));
        }
        TableKind::Training => {
            // Not a number and infinity are out of every range (a comparison alone lets them by).
            checks.push((
                v("max_score")
                    .lt_eq(lit(0.0))
                    .or(not_finite(v("max_score"))),
                "max_score",
                RejectReason::InvalidMaxScore,
            ));
            let max = v("max_score").fill_null(lit(100.0));
            checks.push((
                v("score")
                    .lt(lit(0.0))
                    .or(v("score").gt(max))
                    .or(not_finite(v("score"))),
                "score",
                RejectReason::ScoreOutOfRange,
            ));
        }
        TableKind::People => {
            checks.push((
                v("fte")
                    .lt_eq(lit(0.0))
                    .or(v("fte").gt(lit(1.0)))
                    .or(not_finite(v("fte"))),
                "fte",
                RejectReason::FteOutOfRange,
            ));
        }
        TableKind::Help | TableKind::Feedback | TableKind::Catalog => {}
    }
    checks
}

/// The final value of a canonical column: typed, with the contract's defaults.
fn final_value(spec: &ColumnSpec, table: TableKind) -> Expr {
    let v = col(value_name(spec.name));
    let typed = match spec.kind {
        ValueKind::Timestamp => v.cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        )),
        ValueKind::Date => v.cast(DataType::Date),
        _ => v,
    };
    let defaulted = match (table, spec.name) {
        (TableKind::Events, "count") => typed.fill_null(lit(1i64)),
        (TableKind::Training, "max_score") => typed.fill_null(lit(100.0)),
        (TableKind::People, "opt_out") => typed.fill_null(lit(false)),
        (TableKind::Events, "duration_ms") => when(typed.clone().eq(lit(NOT_MEASURED)))
            .then(lit(NULL).cast(DataType::Int64))
            .otherwise(typed),
        _ => typed,
    };
    defaulted.alias(spec.name)
}

/// Builds the validation plan for one file. `frame` holds `__line` and the canonical columns the
/// file has (any types); the result holds `__line`, every canonical column (typed) and
/// the index of the first failed check, with the labels of the checks.
pub fn validate_file(
    frame: LazyFrame,
    path: &Path,
    mapping: &ColumnMapping,
    rules: &ValueRules,
) -> Result<(LazyFrame, CheckLabels)> {
    let table = mapping.table();
    let mut frame = frame;
    let schema = frame
        .collect_schema()
        .map_err(|e| Error::unreadable(path, e))?;

    let mut values = Vec::new();
    let mut parse_checks: Vec<(Expr, &'static str, RejectReason)> = Vec::new();
    let mut vocab_other = lit(false);
    let mut normalised = Vec::new();
    let mut known = Vec::new();
    let mut cleaned = Vec::new();
    for spec in table.columns() {
        let dtype = schema.get(spec.name).cloned().unwrap_or(DataType::Null);
        check_column_type(path, spec, &dtype)?;
        let raw = if schema.contains(spec.name) {
            col(spec.name)
        } else {
            lit(NULL).cast(DataType::String).alias(spec.name)
        };
        if dtype.is_string() {
            // Only a typed column reads `NA` and its kin as missing (see `MISSING_MARKERS`).
            let clean = if spec.kind == ValueKind::Text {
                parse::clean_text
            } else {
                parse::clean_value_text
            };
            cleaned.push(
                col(spec.name)
                    .map(
                        move |c| clean(&c),
                        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
                    )
                    .alias(cleaned_name(spec.name)),
            );
        }
        let spellings = mapping.spellings(spec.name)?;
        if let ValueKind::Vocabulary(vocabulary) = spec.kind {
            normalised.push(
                normalised_word(
                    trimmed_text(spec.name, raw.clone(), &dtype),
                    spellings.clone(),
                )
                .alias(normalised_name(spec.name)),
            );
            known.push(
                in_vocabulary(col(normalised_name(spec.name)), vocabulary)
                    .alias(known_name(spec.name)),
            );
        }
        values.push(
            typed_value(spec, raw.clone(), &dtype, rules, &spellings).alias(value_name(spec.name)),
        );
        let is_present = present(spec.name, raw.clone(), &dtype);
        if spec.required {
            parse_checks.push((
                is_present.clone().not(),
                spec.name,
                RejectReason::MissingValue,
            ));
        }
        if let Some(reason) = parse_failure(spec.kind) {
            parse_checks.push((
                is_present.clone().and(col(value_name(spec.name)).is_null()),
                spec.name,
                reason,
            ));
        }
        if spec.kind.is_open_vocabulary() {
            vocab_other = vocab_other.or(is_present.and(col(known_name(spec.name)).not()));
        }
    }
    let checks: Vec<_> = parse_checks
        .into_iter()
        .chain(range_checks(table, rules))
        .collect();

    let reason = first_failed(&checks);
    let labels: CheckLabels = checks.iter().map(|(_, c, r)| (*c, *r)).collect();

    let mut outputs = vec![col(LINE_COLUMN).cast(DataType::UInt64)];
    outputs.extend(table.columns().iter().map(|spec| final_value(spec, table)));
    let vocab_word = match table.open_vocabulary() {
        Some(name) => col(normalised_name(name)),
        None => lit(NULL).cast(DataType::String),
    };
    outputs.extend([
        reason.alias(REASON_COLUMN),
        vocab_other.alias(VOCAB_OTHER_COLUMN),
        vocab_word.alias(VOCAB_WORD_COLUMN),
    ]);
    let plan = frame
        .with_columns(cleaned)
        .with_columns(normalised)
        .with_columns(known)
        .with_columns(values)
        .select(outputs);
    Ok((plan, labels))
}

/// The raw values, as text, of the given lines of a source: for the rejects ledger, which needs
/// them only for the few rows it holds.
pub fn raw_values(
    raw: LazyFrame,
    path: &Path,
    table: TableKind,
    lines: Vec<u64>,
) -> Result<DataFrame> {
    let mut raw = raw;
    let schema = raw
        .collect_schema()
        .map_err(|e| Error::unreadable(path, e))?;
    let mut columns = vec![col(LINE_COLUMN).cast(DataType::UInt64)];
    columns.extend(
        table
            .columns()
            .iter()
            .filter(|spec| schema.contains(spec.name))
            .map(|spec| col(spec.name).cast(DataType::String)),
    );
    let wanted = Series::new("lines".into(), lines);
    raw.filter(
        col(LINE_COLUMN)
            .cast(DataType::UInt64)
            .is_in(lit(wanted).implode(true), false),
    )
    .select(columns)
    .collect()
    .map_err(|e| Error::unreadable(path, e))
}

/// `when(check0) then 0 when(check1) then 1 ... otherwise null`: the first failed check.
fn first_failed(checks: &[(Expr, &'static str, RejectReason)]) -> Expr {
    let null = lit(NULL).cast(DataType::UInt32);
    if checks.is_empty() {
        return null;
    }
    let mut chained = when(lit(false))
        .then(null.clone())
        .when(checks[0].0.clone().fill_null(false))
        .then(lit(0u32));
    for (i, check) in checks.iter().enumerate().skip(1) {
        chained = chained
            .when(check.0.clone().fill_null(false))
            .then(lit(i as u32));
    }
    chained.otherwise(null)
}
