//! The rejects ledger: one row per rejected input row, saying where it was, which column was
//! wrong, why, and the raw value, so nothing is dropped silently.

use std::fmt;

use std::path::Path;

use polars::prelude::*;

use crate::contract::TableKind;

/// Why a row was rejected. The snake_case name is what the ledger and summaries show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// A line that cannot be split into the header's fields, or a JSON line that does not parse.
    MalformedLine,
    /// A JSON line that is valid JSON but not an object.
    NotAnObject,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// A required value is empty or missing.
    MissingValue,
    /// A timestamp that matches none of the accepted forms (or a local time that does not exist).
    UnparseableTimestamp,
    /// A date that does not parse.
    UnparseableDate,
    /// A timestamp after the end of the as-of date.
    AfterAsOf,
    /// A value of the wrong type: text where a number or true/false was expected, a nested value.
    WrongType,
    /// `count` below zero.
    NegativeCount,
    /// `duration_ms` below zero.
    NegativeDuration,
    /// `score` outside 0..=max_score.
    ScoreOutOfRange,
    /// `max_score` not above zero.
    InvalidMaxScore,
    /// `fte` outside (0, 1].
    FteOutOfRange,
    /// A value outside a closed vocabulary (phase, level).
    UnknownValue,
}

impl RejectReason {
    pub const ALL: [RejectReason; 14] = [
        RejectReason::MalformedLine,
        RejectReason::NotAnObject,
        RejectReason::InvalidUtf8,
        RejectReason::MissingValue,
        RejectReason::UnparseableTimestamp,
        RejectReason::UnparseableDate,
        RejectReason::AfterAsOf,
        RejectReason::WrongType,
        RejectReason::NegativeCount,
        RejectReason::NegativeDuration,
        RejectReason::ScoreOutOfRange,
        RejectReason::InvalidMaxScore,
        RejectReason::FteOutOfRange,
        RejectReason::UnknownValue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::MalformedLine => "malformed_line",
            RejectReason::NotAnObject => "not_an_object",
            RejectReason::InvalidUtf8 => "invalid_utf8",
            RejectReason::MissingValue => "missing_value",
            RejectReason::UnparseableTimestamp => "unparseable_timestamp",
            RejectReason::UnparseableDate => "unparseable_date",
            RejectReason::AfterAsOf => "after_as_of",
            RejectReason::WrongType => "wrong_type",
            RejectReason::NegativeCount => "negative_count",
            RejectReason::NegativeDuration => "negative_duration",
            RejectReason::ScoreOutOfRange => "score_out_of_range",
            RejectReason::InvalidMaxScore => "invalid_max_score",
            RejectReason::FteOutOfRange => "fte_out_of_range",
            RejectReason::UnknownValue => "unknown_value",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row rejected before it became part of a frame (a malformed line of a text file).
#[derive(Debug, Clone, PartialEq)]
pub struct LineReject {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    pub column: Option<String>,
    pub reason: RejectReason,
    /// The raw line or value, lossily decoded and cut to [`RAW_VALUE_LIMIT`] characters.
    pub raw: String,
    /// The fields of the line as far as they could be split: used to honour opt-outs.
    pub fields: Vec<String>,
    /// The lines of the file the record took: more than one where a quote that was never meant
    /// ran over line ends, each of them a row that was lost.
    pub lines: u64,
}

impl LineReject {
    /// How many of the record's lines name one of `folded` (ids in lower case), as a whole
    /// field or as a word inside one, whatever the letter case: a malformed line cannot be
    /// told apart from an opted-out person's by its case alone, so it counts as theirs. A record
    /// that took several lines (a quote run on) is split back into its lines, so that each
    /// swallowed line is counted by what it holds.
    pub fn lines_naming(&self, folded: &PlHashSet<String>) -> u64 {
        if folded.is_empty() {
            return 0;
        }
        let is_id_char = crate::privacy::is_id_char;
        // Ids with other characters (`ana+tag@x.org`, a space) are not one word: looked for
        // as text between non-id characters.
        let odd: Vec<&String> = folded
            .iter()
            .filter(|id| !id.chars().all(is_id_char))
            .collect();
        let names = |text: &str| {
            let text = text.to_lowercase();
            folded.contains(text.trim())
                || text
                    .split(|c: char| !is_id_char(c))
                    .any(|word| !word.is_empty() && folded.contains(word))
                || odd.iter().any(|id| occurs_alone(&text, id))
        };
        if self.lines <= 1 {
            return u64::from(self.fields.iter().any(|f| names(f)));
        }
        // Each line's fields as one text: a line end inside a field starts the next line.
        let joined = self.fields.join("\u{1f}");
        let naming = joined
            .split(['\n', '\r'])
            .filter(|line| line.split('\u{1f}').any(names))
            .count() as u64;
        naming.min(self.lines)
    }
}

/// Whether `id` occurs in `text` with no id character right before or after it.
fn occurs_alone(text: &str, id: &str) -> bool {
    let is_id_char = crate::privacy::is_id_char;
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

/// Raw values longer than this are cut in the ledger.
pub const RAW_VALUE_LIMIT: usize = 500;

pub fn clip_raw(raw: &str) -> String {
    match raw.char_indices().nth(RAW_VALUE_LIMIT) {
        Some((cut, _)) => format!("{}…", &raw[..cut]),
        None => raw.to_string(),
    }
}

/// The ledger's columns, in order.
pub const LEDGER_COLUMNS: [&str; 6] = [
    "table",
    "source_file",
    "line",
    "column",
    "reason",
    "raw_value",
];

/// An empty ledger with the right schema.
pub fn empty_ledger() -> DataFrame {
    ledger_from_parts(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    )
}

pub fn ledger_from_parts(
    table: Vec<String>,
    source_file: Vec<String>,
    line: Vec<u64>,
    column: Vec<Option<String>>,
    reason: Vec<String>,
    raw_value: Vec<Option<String>>,
) -> DataFrame {
    let height = line.len();
    DataFrame::new(
        height,
        vec![
            Column::new("table".into(), table),
            Column::new("source_file".into(), source_file),
            Column::new("line".into(), line),
            Column::new("column".into(), column),
            Column::new("reason".into(), reason),
            Column::new("raw_value".into(), raw_value),
        ],
    )
    .expect("ledger columns have equal length")
}

/// The ledger's rows, built up column by column.
#[derive(Default)]
pub struct LedgerRows {
    file: Vec<String>,
    line: Vec<u64>,
    column: Vec<Option<String>>,
    reason: Vec<RejectReason>,
    raw: Vec<Option<String>>,
}

impl LedgerRows {
    pub fn push(
        &mut self,
        file: &Path,
        line: u64,
        column: Option<String>,
        reason: RejectReason,
        raw: Option<String>,
    ) {
        self.file.push(file.display().to_string());
        self.line.push(line);
        self.column.push(column);
        self.reason.push(reason);
        self.raw.push(raw);
    }

    pub fn reasons(&self) -> &[RejectReason] {
        &self.reason
    }

    /// The rows as a ledger frame (see [`LEDGER_COLUMNS`]).
    pub fn into_frame(self, table: TableKind) -> DataFrame {
        ledger_from_parts(
            vec![table.name().to_string(); self.line.len()],
            self.file,
            self.line,
            self.column,
            self.reason.iter().map(|r| r.as_str().to_string()).collect(),
            self.raw,
        )
    }

    pub fn append(&mut self, other: LedgerRows) {
        self.file.extend(other.file);
        self.line.extend(other.line);
        self.column.extend(other.column);
        self.reason.extend(other.reason);
        self.raw.extend(other.raw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_are_distinct_and_raw_values_are_clipped() {
        let names: std::collections::BTreeSet<_> =
            RejectReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), RejectReason::ALL.len());
        let long = "é".repeat(RAW_VALUE_LIMIT + 10);
        assert_eq!(clip_raw(&long).chars().count(), RAW_VALUE_LIMIT + 1);
        assert_eq!(clip_raw("short"), "short");
    }

    #[test]
    fn a_malformed_record_names_an_opted_out_id_in_any_case_and_line_by_line() {
        let folded: PlHashSet<String> = ["ana@x.org", "bo+tag@x.org"]
            .into_iter()
            .map(String::from)
            .collect();
        let reject = |fields: &[&str], lines: u64| LineReject {
            line: 2,
            column: None,
            reason: RejectReason::MalformedLine,
            raw: String::new(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            lines,
        };
        assert_eq!(reject(&["Ana@X.org", "t"], 1).lines_naming(&folded), 1);
        assert_eq!(
            reject(&["{\"user_id\":\"ANA@x.org\",\"f"], 1).lines_naming(&folded),
            1
        );
        assert_eq!(reject(&["banana@x.org"], 1).lines_naming(&folded), 0);
        // An id with a `+` is found too, but not inside a longer id.
        assert_eq!(reject(&["x,bo+tag@x.org,t"], 1).lines_naming(&folded), 1);
        assert_eq!(reject(&["x,abo+tag@x.org,t"], 1).lines_naming(&folded), 0);
        // A record over three lines, one of them an opted-out person's.
        let run_on = reject(&["u1", "t", "open\nana@x.org,t,f\nu3,t,f"], 3);
        assert_eq!(run_on.lines_naming(&folded), 1);
    }
}
