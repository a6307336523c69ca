//! Row accounting for ingest: per file and per table, rows read = accepted + rejected +
//! duplicates + opted out, with rejects broken down by reason and the dates covered.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::ledger::RejectReason;
use crate::contract::TableKind;

/// (rows, share of the valid rows of a table's first file): duplicates at least this many, and
/// this share, are warned of.
const DUPLICATES_WORTH_A_LOOK: (u64, f64) = (20, 0.2);

/// How the rows of a file or table were accounted for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Dropped because an earlier row had the same key (`event_id` of an event, `user_id` of a
    /// person): the first row counts.
    pub duplicates: u64,
    /// Removed because the person opted out; these rows appear nowhere, not even as rejects.
    pub opted_out: u64,
}

impl RowCounts {
    /// rows read = accepted + rejected + duplicates + opted out.
    pub fn balances(&self) -> bool {
        self.read == self.accepted + self.rejected + self.duplicates + self.opted_out
    }

    pub fn add(&mut self, other: &RowCounts) {
        self.read += other.read;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.duplicates += other.duplicates;
        self.opted_out += other.opted_out;
    }

    /// Rejected rows as a share of the rows that were not opted out.
    pub fn reject_rate(&self) -> f64 {
        let considered = self.read - self.opted_out;
        if considered == 0 {
            0.0
        } else {
            self.rejected as f64 / considered as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub path: PathBuf,
    pub counts: RowCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    pub table: String,
    pub files: Vec<FileSummary>,
    pub totals: RowCounts,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Values outside an open vocabulary (trigger, feedback kind) that were read as `other`.
    pub unknown_as_other: u64,
    pub first_timestamp: Option<DateTime<Utc>>,
    pub last_timestamp: Option<DateTime<Utc>>,
}

impl TableSummary {
    pub fn new(table: TableKind, files: Vec<FileSummary>) -> TableSummary {
        let mut totals = RowCounts::default();
        for file in &files {
            totals.add(&file.counts);
        }
        TableSummary {
            table: table.name().to_string(),
            files,
            totals,
            rejected_by_reason: BTreeMap::new(),
            unknown_as_other: 0,
            first_timestamp: None,
            last_timestamp: None,
        }
    }

    /// A warning where so many rows of the table's first file repeat an earlier row's key
    /// (`event_id`, a person's `user_id`) that the key is likely not unique in this export: a
    /// counter per session or per day mapped as `event_id` would drop most events as
    /// duplicates, quietly, in an otherwise successful run. Only the first file is judged: every
    /// duplicate there repeats a row of the same file, while later files may overlap earlier
    /// ones by design (a daily export of the last seven days).
    pub fn duplicate_warning(&self) -> Option<String> {
        let kind = TableKind::from_name(&self.table)?;
        let key = kind.unique_key()?;
        let first = self.files.first()?;
        let c = &first.counts;
        let considered = c.read - c.opted_out - c.rejected;
        let many = c.duplicates >= DUPLICATES_WORTH_A_LOOK.0
            && c.duplicates as f64 >= DUPLICATES_WORTH_A_LOOK.1 * considered as f64;
        if !many {
            return None;
        }
        let what = format!(
            "{} of {} valid rows of `{}` ({:.0}%) repeat the `{key}` of an earlier row of \
             the same file and were dropped as duplicates",
            c.duplicates,
            considered,
            first.path.display(),
            100.0 * c.duplicates as f64 / considered.max(1) as f64,
        );
        let advice = match kind {
            TableKind::People => {
                "Only the first row of each person is read: if the export has a row per \
                 assignment or per change, keep one row per person (the current one)"
                    .to_string()
            }
            _ => format!(
                "If `{key}` is not unique in this export (a counter per session or per day, \
                 say), map `{key}` to a column that is, under [tables.{}.columns]",
                self.table
            ),
        };
        Some(format!("{what}. {advice}"))
    }

    pub fn rejected_for(&self, reason: RejectReason) -> u64 {
        self.rejected_by_reason
            .get(reason.as_str())
            .copied()
            .unwrap_or(0)
    }
}

/// What ingest saw, table by table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestSummary {
    pub tables: Vec<TableSummary>,
    /// Optional tables the input does not have.
    pub absent: Vec<String>,
    /// What ingest decided for the reader to know (no ids: lines and values only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The zone dates were read in (`[ingest] timezone`), and are shown in; UTC where unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl IngestSummary {
    /// A table's first and last dates, in the zone the input was read in (the UTC date of a
    /// local midnight would be the day before, east of Greenwich).
    pub fn dates(&self, t: &TableSummary) -> Option<(NaiveDate, NaiveDate)> {
        let zone: Tz = self
            .timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC);
        let date = |t: DateTime<Utc>| t.with_timezone(&zone).date_naive();
        Some((date(t.first_timestamp?), date(t.last_timestamp?)))
    }

    pub fn table(&self, table: TableKind) -> Option<&TableSummary> {
        self.tables.iter().find(|t| t.table == table.name())
    }

    pub fn totals(&self) -> RowCounts {
        let mut totals = RowCounts::default();
        for table in &self.tables {
            totals.add(&table.totals);
        }
        totals
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<10} {:>12} {:>12} {:>10} {:>10} {:>10}  date range",
            "table", "read", "accepted", "rejected", "duplicate", "opted out"
        )?;
        for t in &self.tables {
            let c = &t.totals;
            let range = self
                .dates(t)
                .map_or("-".to_string(), |(a, b)| format!("{a} .. {b}"));
            writeln!(
                f,
                "{:<10} {:>12} {:>12} {:>10} {:>10} {:>10}  {range}",
                t.table, c.read, c.accepted, c.rejected, c.duplicates, c.opted_out
            )?;
            for (reason, n) in &t.rejected_by_reason {
                writeln!(f, "{:<10}   rejected, {reason}: {n}", "")?;
            }
            if t.unknown_as_other > 0 {
                writeln!(
                    f,
                    "{:<10}   unknown values read as `other`: {}",
                    "", t.unknown_as_other
                )?;
            }
        }
        if !self.absent.is_empty() {
            writeln!(f, "absent (optional): {}", self.absent.join(", "))?;
        }
        for note in &self.notes {
            writeln!(f, "{note}")?;
        }
        Ok(())
    }
}
