//! Value parsing that polars' casts do not cover: timestamps in every accepted form (RFC 3339
//! with offsets, naive local times, epoch seconds or milliseconds), dates, and the words that
//! mean true or false. Each function maps a column to a typed column with null where a value does
//! not parse; `validate` turns those nulls into rejects.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone as _};
use chrono_tz::Tz;
use polars::prelude::*;

use super::spelling::Spellings;
use crate::config::EpochUnit;
use crate::contract::Vocabulary;
use crate::frames::{has_missing, holds_value};
use crate::wall_clock::WallClock;

/// How timestamps without an offset, and integer timestamps, are read.
#[derive(Debug, Clone, Copy)]
pub struct TimestampRules {
    pub timezone: Tz,
    pub epoch_unit: EpochUnit,
}

impl TimestampRules {
    /// The defaults (UTC, epoch unit by size): enough to tell whether text reads as a time.
    pub const UTC_AUTO: TimestampRules = TimestampRules {
        timezone: Tz::UTC,
        epoch_unit: EpochUnit::Auto,
    };
}

/// Whether a column of this type can hold timestamps.
pub fn can_hold_timestamps(dtype: &DataType) -> bool {
    dtype.is_string()
        || dtype.is_integer()
        || dtype.is_float()
        || matches!(
            dtype,
            DataType::Datetime(..) | DataType::Date | DataType::Null
        )
}

/// Whether a column of this type can hold dates.
pub fn can_hold_dates(dtype: &DataType) -> bool {
    dtype.is_string()
        || matches!(
            dtype,
            DataType::Datetime(..) | DataType::Date | DataType::Null
        )
}

/// Day, month and year with points (`15.03.2024 14:05`) are as much of Europe writes them; no
/// country writes the month first with points.
const NAIVE_FORMATS: [&str; 6] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M",
];

/// Dates on their own: ISO 8601, and with points as above.
const DATE_FORMATS: [&str; 2] = ["%Y-%m-%d", "%d.%m.%Y"];

/// A date written in one of [`DATE_FORMATS`].
fn written_date(text: &str) -> Option<NaiveDate> {
    if !full_year(text) {
        return None;
    }
    DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

/// Whether a date written day first with points has its year in four digits (`15.03.24` could
/// be 1924 or 2024); text in other forms passes.
fn full_year(text: &str) -> bool {
    let b = text.as_bytes();
    if b.get(2) != Some(&b'.') || b.get(5) != Some(&b'.') {
        return true;
    }
    b.len() >= 10
        && b[6..10].iter().all(u8::is_ascii_digit)
        && b.get(10).is_none_or(|c| !c.is_ascii_digit())
}

const OFFSET_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];

/// Milliseconds since the Unix epoch (UTC) for one text timestamp, or None.
pub fn parse_timestamp(text: &str, rules: TimestampRules) -> Option<i64> {
    match parse_instant(text, rules)? {
        Instant::Utc(millis) => Some(millis),
        Instant::WallClock(naive) => local_to_millis(naive, rules.timezone),
    }
}

/// [`parse_timestamp`] for many timestamps: `clock` remembers the zone's offsets.
fn parse_timestamp_on(text: &str, rules: TimestampRules, clock: &mut WallClock) -> Option<i64> {
    match parse_instant(text, rules)? {
        Instant::Utc(millis) => Some(millis),
        Instant::WallClock(naive) => clock.utc_millis_of(naive),
    }
}

/// A text timestamp read: an instant, or a time on the configured zone's clock.
enum Instant {
    Utc(i64),
    WallClock(NaiveDateTime),
}

fn parse_instant(text: &str, rules: TimestampRules) -> Option<Instant> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() && !text.contains(['-', ':'])
        || first == b'-' && text[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        // A number, or a date with points (`15.03.2024`).
        return match text.parse::<f64>() {
            Ok(value) => number_to_instant(value, rules.epoch_unit),
            Err(_) => written_date(text)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(Instant::WallClock),
        };
    }
    if let Some(millis) = with_offset(text) {
        return Some(Instant::Utc(millis));
    }
    if let Some(millis) = with_seconds(text).as_deref().and_then(with_offset) {
        return Some(Instant::Utc(millis));
    }
    if !full_year(text) {
        return None;
    }
    NAIVE_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| written_date(text).and_then(|d| d.and_hms_opt(0, 0, 0)))
        .map(Instant::WallClock)
}

/// UTC milliseconds of a timestamp with an offset (`Z`, `+02:00`, `+0200`), or None.
fn with_offset(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    OFFSET_FORMATS
        .iter()
        .find_map(|f| DateTime::parse_from_str(text, f).ok())
        .map(|t| t.timestamp_millis())
}

/// A timestamp with an offset but no seconds (`2026-10-15T08:15Z`, `2026-10-15 08:15+02:00`)
/// with `:00` seconds put in, so that the offset forms read it; None for any other text.
fn with_seconds(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let offset_follows = matches!(bytes.get(16), Some(b'Z' | b'z' | b'+' | b'-'));
    (bytes.len() > 16 && bytes[13] == b':' && offset_follows)
        .then(|| format!("{}:00{}", &text[..16], &text[16..]))
}

/// A number read as a timestamp: epoch seconds or milliseconds by `unit`, except that with
/// `auto` an eight-digit number that is a date (`20261031`) is that date's midnight on the
/// zone's clock: epoch seconds of that size would fall in 1970.
fn number_to_instant(value: f64, unit: EpochUnit) -> Option<Instant> {
    if matches!(unit, EpochUnit::Auto)
        && let Some(date) = compact_date(value)
    {
        return date.and_hms_opt(0, 0, 0).map(Instant::WallClock);
    }
    epoch_to_millis(value, unit).map(Instant::Utc)
}

/// The date an eight-digit whole number `YYYYMMDD` names (years 1900 to 2999), or None.
fn compact_date(value: f64) -> Option<NaiveDate> {
    if value.fract() != 0.0 || !(19_000_101.0..=29_991_231.0).contains(&value) {
        return None;
    }
    let n = value as u32;
    NaiveDate::from_ymd_opt((n / 10_000) as i32, n / 100 % 100, n % 100)
}

/// A wall-clock time in `tz` as UTC milliseconds; None for a time skipped by a DST change.
/// An ambiguous time (clocks going back) takes the earlier instant.
pub fn local_to_millis(naive: NaiveDateTime, tz: Tz) -> Option<i64> {
    if tz == Tz::UTC {
        return Some(naive.and_utc().timestamp_millis());
    }
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// 1990-01-01T00:00:00Z in milliseconds: with `auto`, an epoch number before it is no usage
/// timestamp but something else read as one (an Excel serial date such as `46298.35`, a
/// compact date-time, a `0` or `-1` placeholder).
const AUTO_EARLIEST_MS: f64 = 631_152_000_000.0;

fn epoch_to_millis(value: f64, unit: EpochUnit) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let millis = match unit {
        EpochUnit::Seconds => value * 1000.0,
        EpochUnit::Milliseconds => value,
        EpochUnit::Auto if value.abs() >= 1e11 => value,
        EpochUnit::Auto => value * 1000.0,
    };
    let plausible = !matches!(unit, EpochUnit::Auto) || millis >= AUTO_EARLIEST_MS;
    (plausible && millis.abs() < 1e15).then(|| millis.round() as i64)
}

/// Any timestamp-capable column -> Int64 UTC milliseconds (null where a value does not parse).
pub fn timestamps_to_millis(column: &Column, rules: TimestampRules) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: Int64Chunked = match column.dtype() {
        DataType::String => {
            let mut clock = WallClock::new(rules.timezone);
            column
                .str()?
                .iter()
                .map(|v| v.and_then(|t| parse_timestamp_on(t, rules, &mut clock)))
                .collect()
        }
        DataType::Datetime(_, tz) => {
            let naive_local = tz.is_none();
            let ms = column.cast(&DataType::Datetime(TimeUnit::Milliseconds, tz.clone()))?;
            let physical = ms.to_physical_repr();
            let values = physical.i64()?;
            if naive_local && rules.timezone != Tz::UTC {
                let mut clock = WallClock::new(rules.timezone);
                values
                    .iter()
                    .map(|v| v.and_then(|local| clock.utc_millis(local)))
                    .collect()
            } else {
                values.clone()
            }
        }
        DataType::Date => column
            .date()?
            .physical()
            .iter()
            .map(|d| {
                d.and_then(|days| NaiveDate::from_num_days_from_ce_opt(days + 719_163))
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|n| local_to_millis(n, rules.timezone))
            })
            .collect(),
        DataType::Null => Int64Chunked::full_null(name.clone(), column.len()),
        dtype if dtype.is_integer() || dtype.is_float() => {
            let mut clock = WallClock::new(rules.timezone);
            column
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| match number_to_instant(v?, rules.epoch_unit)? {
                    Instant::Utc(millis) => Some(millis),
                    Instant::WallClock(naive) => clock.utc_millis_of(naive),
                })
                .collect()
        }
        other => {
            polars_bail!(InvalidOperation: "cannot read timestamps from a column of type {other}")
        }
    };
    Ok(out.with_name(name).into_column())
}

/// Any date-capable column -> Int32 days since 1970-01-01 (null where a value does not parse).
/// Text may be a date (`2024-03-01`) or a timestamp, whose date part is taken.
pub fn dates_to_days(column: &Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let out: Int32Chunked = match column.dtype() {
        DataType::String => column
            .str()?
            .iter()
            .map(|v| {
                let date = text_to_date(v?.trim())?;
                Some((date - epoch).num_days() as i32)
            })
            .collect(),
        DataType::Date => column.date()?.physical().clone(),
        DataType::Datetime(..) => column.cast(&DataType::Date)?.date()?.physical().clone(),
        DataType::Null => Int32Chunked::full_null(name.clone(), column.len()),
        other => polars_bail!(InvalidOperation: "cannot read dates from a column of type {other}"),
    };
    Ok(out.with_name(name).into_column())
}

/// A date in text: `2024-03-01`, `20240301`, or a timestamp in one of the accepted text forms
/// whose date part (as written, before any offset is applied) is taken. Anything after the date
/// must be a time: `2024-03-01garbage` is no date.
fn text_to_date(text: &str) -> Option<NaiveDate> {
    if let Some(date) = written_date(text) {
        return Some(date);
    }
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return compact_date(text.parse().ok()?);
    }
    let date = written_date(text.get(..10)?)?;
    parse_instant(text, TimestampRules::UTC_AUTO).map(|_| date)
}

/// Text that means true or false, case-insensitive.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// A help row's `resolved`: a ticket tool's status words (`Resolved`, `Closed`, `Open`, `In
/// progress`, ...) as well as true/false.
pub fn parse_resolution(text: &str) -> Option<bool> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    match words.join(" ").as_str() {
        // A Q&A site's answers: `accepted` is the asker's "this solved it".
        "resolved" | "closed" | "solved" | "done" | "fixed" | "completed" | "complete"
        | "accepted" => Some(true),
        // A request closed without a solution (`Won't fix`, `Rejected`) stays a pain point.
        "open" | "unresolved" | "pending" | "new" | "in progress" | "reopened" | "waiting"
        | "on hold" | "not accepted" | "unaccepted" | "won't fix" | "won\u{2019}t fix"
        | "wont fix" | "wontfix" | "will not fix" | "rejected" | "declined" => Some(false),
        _ => parse_bool(text),
    }
}

/// Any column -> Boolean (null where a value is not a recognised truth value).
pub fn to_booleans(column: &Column) -> PolarsResult<Column> {
    to_booleans_with(column, parse_bool)
}

/// Any column -> Boolean, text read by `parse` (null where it says nothing).
pub fn to_booleans_with(
    column: &Column,
    parse: impl Fn(&str) -> Option<bool>,
) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: BooleanChunked = match column.dtype() {
        DataType::Boolean => column.bool()?.clone(),
        DataType::String => column.str()?.iter().map(|v| v.and_then(&parse)).collect(),
        DataType::Null => BooleanChunked::full_null(name.clone(), column.len()),
        dtype if dtype.is_integer() => column
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| match v {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            })
            .collect(),
        other => {
            polars_bail!(InvalidOperation: "cannot read true/false from a column of type {other}")
        }
    };
    Ok(out.with_name(name).into_column())
}

/// Text -> Float64 numbers: what the cast reads, and a decimal comma (`0,5`, `85,25`) where it
/// cannot be a thousands separator; null for other text and missing values.
pub fn numbers(column: &Column) -> PolarsResult<Column> {
    cast_or_read::<Float64Type>(column, decimal_comma)
}

/// The cast of a column to `T`, with the text the cast could not read given to `read`: the
/// usual case is the cast alone.
fn cast_or_read<T>(column: &Column, read: fn(&str) -> Option<T::Native>) -> PolarsResult<Column>
where
    T: PolarsNumericType,
    ChunkedArray<T>: IntoColumn,
{
    let cast = column.cast(&T::get_static_dtype())?;
    if cast.null_count() == column.null_count() || !column.dtype().is_string() {
        return Ok(cast);
    }
    let text = column.str()?;
    let out: ChunkedArray<T> = cast
        .as_materialized_series()
        .unpack::<T>()?
        .iter()
        .zip(text.iter())
        .map(|(value, text)| value.or_else(|| read(text?)))
        .collect();
    Ok(out.with_name(column.name().clone()).into_column())
}

/// `0,5` as 0.5: digits, one comma, digits. Three digits after a comma of a number from 1 to
/// 999 (`1,250`) are refused: there the comma may group thousands (see [`reads_as_thousands`]).
fn decimal_comma(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once(',')?;
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(digits) || !all_digits(fraction) {
        return None;
    }
    let groups_thousands = fraction.len() == 3 && digits.len() <= 3 && !digits.starts_with('0');
    if groups_thousands {
        return None;
    }
    format!("{whole}.{fraction}").parse().ok()
}

/// Text -> Int64 whole numbers: `12`, and `12.0` or `1.2e1` (a whole number written as a
/// decimal, as JSON writers and pandas do); null for `12.5`, text and missing values. The cast
/// reads the usual case; only values it could not read are tried as decimals.
pub fn whole_numbers(column: &Column) -> PolarsResult<Column> {
    cast_or_read::<Int64Type>(column, whole_decimal)
}

fn whole_decimal(text: &str) -> Option<i64> {
    let text = text.trim();
    if reads_as_thousands(text) {
        return None;
    }
    as_whole(text.parse().ok()?)
}

/// `1.000` or `12.000`: one thousand where a point groups thousands (German, Dutch, ...
/// exports), one where it is a decimal point. Neither reading is safe, so such a value is not
/// read as a number. `0.000` and `1234.000` cannot group thousands and are read.
fn reads_as_thousands(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    text.trim_start_matches(['-', '+'])
        .split_once('.')
        .is_some_and(|(whole, fraction)| {
            (1..=3).contains(&whole.len())
                && !whole.starts_with('0')
                && digits(whole)
                && fraction.len() == 3
                && digits(fraction)
        })
}

/// A number without a fraction, as an integer, where it is one exactly (below 9e15 in size).
pub fn as_whole(value: f64) -> Option<i64> {
    let whole = value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e15;
    whole.then_some(value as i64)
}

/// Text with surrounding white space removed and empty text as null. Returns the column itself,
/// without a copy, when nothing needs changing (the usual case for machine-written exports).
pub fn clean_text(column: &Column) -> PolarsResult<Column> {
    let ca = column.str()?;
    let needs_change = ca.downcast_iter().any(|array| {
        let nulls = has_missing(array);
        let buffers = array.data_buffers();
        array.views().iter().enumerate().any(|(row, view)| {
            if nulls && !holds_value(array, row) {
                return false;
            }
            // The last byte: in the view for short text, else in its buffer.
            let len = view.length as usize;
            let last = match len {
                0 => return true,
                1..=INLINE => Some((view.as_u128() >> (8 * (3 + len))) as u8),
                _ => buffers
                    .get(view.buffer_idx as usize)
                    .and_then(|b| b.get(view.offset as usize + len - 1))
                    .copied(),
            };
            let settled_ends = last.is_some_and(|last| settled(view.prefix as u8) && settled(last));
            !settled_ends && needs_cleaning(array.value(row))
        })
    });
    if !needs_change {
        return Ok(column.clone());
    }
    let out: StringChunked = ca
        .iter()
        .map(|v| v.map(str::trim).filter(|s| !s.is_empty()))
        .collect();
    Ok(out.with_name(column.name().clone()).into_column())
}

/// How exports spell a missing value in a column of numbers, times, dates, true/false or
/// vocabulary words (compared in any case): R's and spreadsheets' `NA` and `#N/A`, SQL's `NULL`,
/// Python's `None`, `NaN` and `NaT`, ARFF's `?`. Read there as missing, like empty text. `-` is
/// not among them: in a count it may mean zero.
const MISSING_MARKERS: [&str; 8] = ["na", "n/a", "#n/a", "null", "none", "nan", "nat", "?"];

/// The longest of [`MISSING_MARKERS`], in bytes.
const LONGEST_MARKER: usize = 4;

/// Whether text is one of [`MISSING_MARKERS`], in any case.
fn is_missing_marker(text: &str) -> bool {
    text.len() <= LONGEST_MARKER && MISSING_MARKERS.iter().any(|m| text.eq_ignore_ascii_case(m))
}

/// Whether text starting with this byte may be one of [`MISSING_MARKERS`]: `n`, `N`, `#` or `?`
/// (`menu`, as long as a marker, is told apart by this alone).
fn may_be_marker(first: u8) -> bool {
    matches!(first | 0x20, b'n' | b'#' | b'?')
}

/// [`clean_text`], and the usual spellings of a missing value ([`MISSING_MARKERS`]) as null: for
/// the raw text of a typed column, where `NA` cannot be a value. Text columns keep it (`NA` may
/// be a region). Returns the cleaned column itself when it holds no such spelling.
pub fn clean_value_text(column: &Column) -> PolarsResult<Column> {
    let cleaned = clean_text(column)?;
    let ca = cleaned.str()?;
    let has_marker = ca.downcast_iter().any(|array| {
        array.views().iter().enumerate().any(|(row, view)| {
            view.length as usize <= LONGEST_MARKER
                && may_be_marker(view.prefix as u8)
                && holds_value(array, row)
                && is_missing_marker(array.value(row))
        })
    });
    if !has_marker {
        return Ok(cleaned);
    }
    let out: StringChunked = ca
        .iter()
        .map(|v| v.filter(|s| !is_missing_marker(s)))
        .collect();
    Ok(out.with_name(column.name().clone()).into_column())
}

/// An ASCII byte that is not white space: text that starts and ends with one is trimmed already.
fn settled(byte: u8) -> bool {
    byte.is_ascii() && !(byte == b' ' || (b'\t'..=b'\r').contains(&byte))
}

/// Whether text is empty or starts or ends with white space. Looks at the two end bytes first:
/// an ASCII letter, digit or sign there settles it without decoding (the usual case).
fn needs_cleaning(text: &str) -> bool {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&first), Some(&last)) if settled(first) && settled(last) => false,
        (None, _) | (_, None) => true,
        _ => text.trim().len() != text.len(),
    }
}

/// A set of words to test column values against, kept the way [`is_member`] looks them up.
///
/// Text of at most 12 bytes is held whole in polars' 16-byte view of it (its length, then its
/// bytes), so short words are kept as such views and compared as whole numbers; longer words are
/// kept as text. In front of both sits a filter: one bit per slot, set for each word's slot, so
/// that most values, which are not in the set, are told so by one bit, whatever the number of
/// words (a vocabulary has a handful; an opt-out list a person id each).
pub struct WordSet {
    short: ShortWords,
    long: PlHashSet<String>,
    filter: Vec<u64>,
    /// `filter`'s length in bits is 2^bits.
    bits: u32,
}

/// Views of short words: a handful are compared one by one, more are hashed.
enum ShortWords {
    Few(Vec<u128>),
    Many(PlHashSet<u128>),
}

/// Up to this many short words are compared one by one.
const FEW: usize = 16;

impl ShortWords {
    fn new(mut views: Vec<u128>) -> ShortWords {
        views.sort_unstable();
        views.dedup();
        if views.len() <= FEW {
            ShortWords::Few(views)
        } else {
            ShortWords::Many(views.into_iter().collect())
        }
    }

    fn views(&self) -> Vec<u128> {
        match self {
            ShortWords::Few(views) => views.clone(),
            ShortWords::Many(views) => views.iter().copied().collect(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            ShortWords::Few(views) => views.is_empty(),
            ShortWords::Many(views) => views.is_empty(),
        }
    }

    fn contains(&self, view: u128) -> bool {
        match self {
            ShortWords::Few(views) => views.contains(&view),
            ShortWords::Many(views) => views.contains(&view),
        }
    }
}

impl WordSet {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> WordSet {
        let (short, long): (Vec<&str>, Vec<&str>) =
            words.into_iter().partition(|w| w.len() <= INLINE);
        // About 64 slots a word: one value in 64 not in the set passes the filter.
        let bits = ((short.len() + long.len()) * 64)
            .next_power_of_two()
            .max(4096);
        let mut set = WordSet {
            short: ShortWords::new(short.iter().map(|w| inline_view(w.as_bytes())).collect()),
            long: long.into_iter().map(String::from).collect(),
            filter: vec![0; bits / 64],
            bits: bits.trailing_zeros(),
        };
        let keys: Vec<u64> = (set.short.views().into_iter().map(filter_key))
            .chain(set.long.iter().map(|w| long_filter_key(w.as_bytes())))
            .collect();
        for key in keys {
            let slot = set.slot(key);
            set.filter[slot / 64] |= 1 << (slot % 64);
        }
        set
    }

    fn is_empty(&self) -> bool {
        self.short.is_empty() && self.long.is_empty()
    }

    fn slot(&self, key: u64) -> usize {
        spread(key, self.bits)
    }

    /// False where the filter rules the key out; true where the value may be in the set.
    fn may_hold(&self, key: u64) -> bool {
        let slot = self.slot(key);
        self.filter[slot / 64] & (1 << (slot % 64)) != 0
    }
}

/// A slot among 2^`bits` for `key`: the top bits of the key times a large odd number, which
/// spreads nearby keys evenly.
fn spread(key: u64, bits: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// The filter key of a short value's view (length and bytes, the rest masked off).
fn filter_key(view: u128) -> u64 {
    (view as u64) ^ ((view >> 64) as u64)
}

/// The filter key of longer text (more than 12 bytes): its length and first four bytes, as its
/// view begins.
fn long_filter_key(text: &[u8]) -> u64 {
    let mut prefix = [0u8; 4];
    prefix.copy_from_slice(&text[..4]);
    u64::from(text.len() as u32) | (u64::from(u32::from_le_bytes(prefix)) << 32)
}

/// Whether each text value is one of `words`; missing values are not. An elementwise function
/// rather than polars' `is_in`, which the streaming engine runs as a join that buffers its input.
pub fn is_member(column: &Column, words: &WordSet) -> PolarsResult<Column> {
    if words.is_empty() {
        return Ok(BooleanChunked::full(column.name().clone(), false, column.len()).into_column());
    }
    let text = column.str()?;
    // Per array: a flattened iterator costs more per row than the test itself.
    let mut flags = Vec::with_capacity(text.len());
    for array in text.downcast_iter() {
        let nulls = has_missing(array);
        flags.extend(array.views().iter().enumerate().map(|(row, view)| {
            let len = view.length as usize;
            if nulls && !holds_value(array, row) {
                false
            } else if len <= INLINE {
                let short = view.as_u128() & inline_mask(len);
                words.may_hold(filter_key(short)) && words.short.contains(short)
            } else {
                words.may_hold(view.as_u128() as u64) && words.long.contains(array.value(row))
            }
        }));
    }
    let out = BooleanChunked::from_slice(column.name().clone(), &flags);
    Ok(out.into_column())
}

/// The longest text held whole in a string's view.
const INLINE: usize = 12;

/// The view of text of at most [`INLINE`] bytes, as a number: the length in the low four bytes,
/// then the text, then zeros.
fn inline_view(text: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    bytes[4..4 + text.len()].copy_from_slice(text);
    u128::from_le_bytes(bytes)
}

/// Keeps the length and the text of a short view, whatever fills the rest.
fn inline_mask(len: usize) -> u128 {
    match 4 + len {
        16 => u128::MAX,
        used => (1u128 << (8 * used)) - 1,
    }
}

/// Each word where it is in the vocabulary (`known`), else what the vocabulary makes of an
/// unknown word (`other`, or null to reject it); null stays null. Where every word is known, as
/// in a machine-written export, the column itself comes back, without a copy.
pub fn vocabulary_words(
    words: &Column,
    known: &Column,
    vocabulary: Vocabulary,
) -> PolarsResult<Column> {
    let (text, known) = (words.str()?, known.bool()?);
    if known.sum().unwrap_or(0) as usize == text.len() - text.null_count() {
        return Ok(words.clone());
    }
    let out: StringChunked = text
        .iter()
        .zip(known.iter())
        .map(|(word, known)| match (word, known) {
            (Some(word), Some(true)) => Some(word),
            (Some(_), _) => vocabulary.unknown_becomes,
            (None, _) => None,
        })
        .collect();
    Ok(out.with_name(words.name().clone()).into_column())
}

/// Every value as the word it means ([`Spellings::normalise`]). Machine-written exports hold
/// their words in normal form already: then each value is only tested (a view met just before is
/// not tested again) and the column itself comes back, without a copy. Otherwise each distinct
/// word is normalised once.
pub fn normalise_words(column: &Column, spellings: &Spellings) -> PolarsResult<Column> {
    let ca = column.str()?;
    let mut normal = RecentViews::new();
    let all_normal = ca.downcast_iter().all(|array| {
        normal.forget();
        array.views().iter().enumerate().all(|(row, view)| {
            !holds_value(array, row)
                || normal.holds(view.as_u128())
                || (spellings.is_normal(array.value(row)) && normal.remember(view.as_u128()))
        })
    });
    if all_normal {
        return Ok(column.clone());
    }
    let mut seen: PlHashMap<&str, String> = PlHashMap::new();
    for word in ca.iter().flatten() {
        seen.entry(word)
            .or_insert_with(|| spellings.normalise(word));
    }
    let out: StringChunked = ca.iter().map(|v| v.map(|w| seen[w].as_str())).collect();
    Ok(out.with_name(column.name().clone()).into_column())
}

/// A few views of one array, remembered in slots chosen by their bits (a view can push out
/// another). Within one array equal views are equal text, so a view remembered is a value
/// already dealt with.
struct RecentViews([u128; 64]);

impl RecentViews {
    /// No real view is all ones (its length would be 2^32 - 1 bytes).
    const NONE: u128 = u128::MAX;

    fn new() -> RecentViews {
        RecentViews([Self::NONE; 64])
    }

    /// Views of another array mean other text.
    fn forget(&mut self) {
        self.0 = [Self::NONE; 64];
    }

    fn slot(view: u128) -> usize {
        spread(filter_key(view), 6)
    }

    fn holds(&self, view: u128) -> bool {
        self.0[Self::slot(view)] == view
    }

    /// Remembers `view`; true, to chain after a test.
    fn remember(&mut self, view: u128) -> bool {
        self.0[Self::slot(view)] = view;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_exact_for_short_and_long_text_across_chunks() {
        let listed = ["menu", "context_menu", "keyboard_shortcut", ""];
        let first = StringChunked::new(
            "t".into(),
            [Some("menu"), Some("men"), Some("menus"), None, Some("")],
        );
        // 12 bytes (held whole in the view), 17 bytes (looked up), and near misses of each.
        let second = StringChunked::new(
            "t".into(),
            [
                Some("context_menu"),
                Some("context_menx"),
                Some("keyboard_shortcut"),
                Some("keyboard_shortcuT"),
                Some("Menu"),
            ],
        );
        let mut column = first;
        column.append(&second).unwrap();
        assert_eq!(column.chunks().len(), 2);
        let column = column.into_column();
        let expected = [
            true, false, false, false, true, true, false, true, false, false,
        ]
        .map(Some);
        // A short list (scanned), and the same words among many others (hashed), as with a long
        // opt-out list.
        let others: Vec<String> = (0..500).map(|i| format!("u{i:06}")).collect();
        for words in [
            WordSet::new(listed),
            WordSet::new(listed.into_iter().chain(others.iter().map(String::as_str))),
        ] {
            let got = is_member(&column, &words).unwrap();
            let got: Vec<Option<bool>> = got.bool().unwrap().iter().collect();
            assert_eq!(got, expected);
        }
        let many = WordSet::new(others.iter().map(String::as_str));
        let ids = StringChunked::new("t".into(), ["u000499", "u000500", "u00049"]).into_column();
        let got: Vec<Option<bool>> = is_member(&ids, &many)
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(got, [true, false, false].map(Some));
    }

    fn utc() -> TimestampRules {
        TimestampRules::UTC_AUTO
    }

    #[test]
    fn every_accepted_timestamp_form_gives_the_same_instant() {
        let expected = Some(1_761_898_500_000); // 2025-10-31T08:15:00Z
        for text in [
            "2025-10-31T08:15:00Z",
            "2025-10-31T10:15:00+02:00",
            "2025-10-31 10:15:00+0200",
            "2025-10-31T08:15:00.000Z",
            "2025-10-31T08:15:00",
            "2025-10-31 08:15",
            "1761898500",
            "1761898500000",
            " 1761898500.0 ",
            "2025-10-31T08:15Z",
            "2025-10-31 10:15+02:00",
            "31.10.2025 08:15",
            "31.10.2025 08:15:00",
        ] {
            assert_eq!(parse_timestamp(text, utc()), expected, "{text}");
        }
        for midnight in ["2025-10-31", "31.10.2025"] {
            assert_eq!(parse_timestamp(midnight, utc()), Some(1_761_868_800_000));
        }
        // Points put the day first; a date that does not exist that way is not read, nor one
        // whose year has two digits.
        for other in ["10.31.2025", "31.10.25", "31.10.25 08:15", "31.10.202"] {
            assert_eq!(parse_timestamp(other, utc()), None, "{other}");
        }
        // A compact date is that date, not epoch seconds in 1970; unless seconds are asked for.
        assert_eq!(parse_timestamp("20251031", utc()), Some(1_761_868_800_000));
        let seconds = TimestampRules {
            timezone: Tz::UTC,
            epoch_unit: EpochUnit::Seconds,
        };
        assert_eq!(parse_timestamp("20251031", seconds), Some(20_251_031_000));
        let numbers = Column::new("t".into(), [20_251_031i64, 1_761_898_500]);
        let read = timestamps_to_millis(&numbers, utc()).unwrap();
        let read: Vec<_> = read.i64().unwrap().iter().collect();
        assert_eq!(read, [Some(1_761_868_800_000), expected]);
        // With `auto`, numbers that would fall before 1990 are something else: an Excel serial
        // date, a date that does not exist, a compact date-time, a placeholder.
        for other in ["46298.355417", "20251331", "202510150815", "0", "-1"] {
            assert_eq!(parse_timestamp(other, utc()), None, "{other}");
        }
        assert_eq!(parse_timestamp("0", seconds), Some(0));
    }

    #[test]
    fn whole_numbers_may_be_written_as_decimals_but_fractions_are_not_whole() {
        let texts = Column::new(
            "n".into(),
            [
                Some("3"),
                Some("3.0"),
                Some("1.2e1"),
                Some("2.5"),
                Some("x"),
                None,
                // One or one thousand? Not read either way.
                Some("1.000"),
                Some("12.00"),
                // Not a grouping of thousands.
                Some("1523.000"),
                Some("0.000"),
            ],
        );
        let read = whole_numbers(&texts).unwrap();
        let read: Vec<_> = read.i64().unwrap().iter().collect();
        assert_eq!(
            read,
            [
                Some(3),
                Some(3),
                Some(12),
                None,
                None,
                None,
                None,
                Some(12),
                Some(1523),
                Some(0)
            ]
        );
    }

    #[test]
    fn a_date_is_a_date_or_a_timestamp_and_nothing_else() {
        let texts = Column::new(
            "d".into(),
            [
                "2024-03-01",
                "20240301",
                "2024-03-01T23:30:00-05:00",
                "2024-03-01 08:15",
                "01.03.2024",
                "01.03.2024 08:15",
                "2024-03-01garbage",
                "20241301",
                "01/03/2024",
                "03.13.2024",
            ],
        );
        let days = dates_to_days(&texts).unwrap();
        let days: Vec<_> = days.i32().unwrap().iter().collect();
        let march_first = Some(19_783);
        let read = [march_first; 6];
        assert_eq!(days, [&read[..], &[None, None, None, None]].concat());
    }

    #[test]
    fn naive_times_use_the_configured_zone_and_bad_text_is_none() {
        let berlin = TimestampRules {
            timezone: "Europe/Berlin".parse().unwrap(),
            epoch_unit: EpochUnit::Auto,
        };
        // 10:15 in Berlin on 2025-07-01 is 08:15 UTC (summer time).
        assert_eq!(
            parse_timestamp("2025-07-01T10:15:00", berlin),
            parse_timestamp("2025-07-01T08:15:00Z", utc())
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            parse_timestamp("2025-07-01T08:15:00Z", berlin),
            parse_timestamp("2025-07-01T08:15:00Z", utc())
        );
        // 02:30 on the spring-forward night does not exist in Berlin.
        assert_eq!(parse_timestamp("2025-03-30T02:30:00", berlin), None);
        for bad in [
            "yesterday",
            "2025-13-01T00:00:00Z",
            "31/10/2025",
            "12:00",
            "-",
        ] {
            assert_eq!(parse_timestamp(bad, utc()), None, "{bad}");
        }
        let ms = TimestampRules {
            timezone: Tz::UTC,
            epoch_unit: EpochUnit::Milliseconds,
        };
        assert_eq!(parse_timestamp("1761898500", ms), Some(1_761_898_500));
    }

    #[test]
    fn cleaning_trims_short_and_long_text_and_blanks_empty_text() {
        let long = "a value longer than twelve bytes";
        let padded_long = format!("  {long}\t");
        type Texts<'a> = Vec<Option<&'a str>>;
        let cases: [(Texts, Texts); 4] = [
            // Nothing to change, short and long.
            (
                vec![Some("a"), None, Some(long)],
                vec![Some("a"), None, Some(long)],
            ),
            // A short value to trim, at either end, and empty text.
            (vec![Some("a "), Some(long)], vec![Some("a"), Some(long)]),
            (vec![Some(long), Some("")], vec![Some(long), None]),
            // A long value to trim (its last byte is outside the view).
            (
                vec![Some("b"), Some(padded_long.as_str())],
                vec![Some("b"), Some(long)],
            ),
        ];
        for (input, expected) in cases {
            let column = StringChunked::new("t".into(), input).into_column();
            let got = clean_text(&column).unwrap();
            let got: Vec<Option<&str>> = got.str().unwrap().iter().collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn text_needs_cleaning_exactly_where_trimming_changes_it() {
        for text in [
            "",
            " a",
            "a ",
            "\ta",
            "a\n",
            "a\r",
            "\u{0B}a",
            "a\u{0C}",
            "\u{A0}a",
            "a\u{3000}",
            " ",
            "\u{2003}",
        ] {
            assert!(needs_cleaning(text), "{text:?}");
        }
        for text in [
            "a", "a b", "é", "aé", "éa", "日本", "a\u{A0}b", "-1", "x\u{0}",
        ] {
            assert!(!needs_cleaning(text), "{text:?}");
        }
    }

    #[test]
    fn words_are_normalised_wherever_they_stand_in_a_column() {
        let spellings = Spellings::default();
        let normalise_word = |text: &str| spellings.normalise(text);
        let is_normal_word = |text: &str| spellings.is_normal(text);
        let long = "keyboard_shortcut_long";
        let normal = StringChunked::new("t".into(), [Some("menu"), None, Some(long), Some("menu")]);
        let column = normal.clone().into_column();
        let got = normalise_words(&column, &spellings).unwrap();
        let got: Vec<Option<&str>> = got.str().unwrap().iter().collect();
        assert_eq!(got, [Some("menu"), None, Some(long), Some("menu")]);
        // A word to change after many normal ones, short or long, in a later chunk.
        for odd in ["Menu", "context-menu", " menu", "Keyboard_Shortcut_Long"] {
            let mut words = normal.clone();
            words
                .append(&StringChunked::new("t".into(), [long, odd]))
                .unwrap();
            let got = normalise_words(&words.into_column(), &spellings).unwrap();
            let got: Vec<Option<&str>> = got.str().unwrap().iter().collect();
            let fixed = normalise_word(odd);
            assert_eq!(got[5], Some(fixed.as_str()), "{odd}");
            assert_eq!(
                &got[..5],
                [Some("menu"), None, Some(long), Some("menu"), Some(long)]
            );
        }
        for word in ["menu", "context_menu", "x1", "é", "日本"] {
            assert!(is_normal_word(word), "{word}");
        }
        for word in ["Menu", "a-b", "a b", " a", "a\t", "\u{A0}a", "hotkey"] {
            assert!(!is_normal_word(word), "{word}");
        }
        // Other spellings of a vocabulary word become the word.
        for (spelt, meant) in [
            ("Keyboard Shortcut", "shortcut"),
            ("hotkey", "shortcut"),
            ("Right-Click", "context_menu"),
            ("KBD", "shortcut"),
        ] {
            assert_eq!(normalise_word(spelt), meant);
        }
    }

    #[test]
    fn a_word_outside_the_vocabulary_becomes_its_unknown_word_and_known_words_stay() {
        let words = StringChunked::new("w".into(), [Some("menu"), None, Some("kbd")]).into_column();
        let known = BooleanChunked::new("k".into(), [true, false, false]).into_column();
        let open = crate::contract::TRIGGERS;
        let got = vocabulary_words(&words, &known, open).unwrap();
        let got: Vec<Option<&str>> = got.str().unwrap().iter().collect();
        assert_eq!(got, [Some("menu"), None, Some("other")]);
        let closed = crate::contract::PHASES;
        let got = vocabulary_words(&words, &known, closed).unwrap();
        assert_eq!(
            got.str().unwrap().iter().collect::<Vec<_>>(),
            [Some("menu"), None, None]
        );
        // Every present word known: the same column, without a copy.
        let known = BooleanChunked::new("k".into(), [true, false, true]).into_column();
        let got = vocabulary_words(&words, &known, open).unwrap();
        assert_eq!(
            got.str().unwrap().iter().collect::<Vec<_>>(),
            [Some("menu"), None, Some("kbd")]
        );
    }

    #[test]
    fn typed_text_reads_the_spellings_of_missing_as_missing_in_any_case() {
        let input = [
            Some(" NA "),
            Some("n/A"),
            Some("#N/A"),
            Some("Null"),
            Some("none"),
            Some("NaN"),
            Some("NaT"),
            Some("?"),
            Some("-"),
            Some("nan5"),
            Some("a value longer than twelve bytes"),
            None,
        ];
        let column = StringChunked::new("t".into(), input).into_column();
        let got = clean_value_text(&column).unwrap();
        let got: Vec<Option<&str>> = got.str().unwrap().iter().collect();
        let mut expected = vec![None; 8];
        expected.extend([
            Some("-"),
            Some("nan5"),
            Some("a value longer than twelve bytes"),
            None,
        ]);
        assert_eq!(got, expected);
        assert!(
            MISSING_MARKERS
                .iter()
                .all(|m| m.len() <= LONGEST_MARKER && may_be_marker(m.as_bytes()[0]))
        );
        assert!(!may_be_marker(b'm') && !may_be_marker(b'.') && !may_be_marker(b'\x0e'));
        // Plain text, as `clean_text` reads it.
        let text = clean_text(&column).unwrap();
        assert_eq!(text.str().unwrap().get(0), Some("NA"));
    }

    #[test]
    fn a_decimal_comma_is_read_where_it_cannot_group_thousands() {
        let input = [
            Some("0,5"),
            Some("85,25"),
            Some("0,500"),
            Some("-1,5"),
            Some("1250,5"),
            Some("0.75"),
            Some("1,250"),
            Some("1.250,5"),
            Some("1,2,3"),
            Some(",5"),
            Some("abc"),
            None,
        ];
        let column = StringChunked::new("n".into(), input).into_column();
        let got: Vec<Option<f64>> = numbers(&column).unwrap().f64().unwrap().iter().collect();
        assert_eq!(
            got,
            [
                Some(0.5),
                Some(85.25),
                Some(0.5),
                Some(-1.5),
                Some(1250.5),
                Some(0.75),
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn booleans_and_words() {
        assert_eq!(parse_bool(" Yes"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_resolution("Closed"), Some(true));
        assert_eq!(parse_resolution(" In_Progress"), Some(false));
        assert_eq!(parse_resolution("yes"), Some(true));
        assert_eq!(parse_resolution("maybe"), None);
        assert_eq!(parse_resolution("Accepted"), Some(true));
        assert_eq!(parse_resolution("not accepted"), Some(false));
        // Only `resolved` reads status words: an opt-out of "closed" means nothing.
        assert_eq!(parse_bool("closed"), None);
        let spellings = Spellings::default();
        assert_eq!(spellings.normalise(" Context-Menu "), "context_menu");
        assert_eq!(spellings.normalise("follow up"), "follow_up");
    }
}
