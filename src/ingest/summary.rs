//! Row accounting for ingest: per file and per table, rows read = accepted + rejected +
//! duplicates + opted out, with rejects broken down by reason and the dates covered.

use std::collections::{BTreeMap, HashMap};
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
/// (rows, share of the accepted rows of a table): values read as `other` at least this many, and
/// this share, are warned of.
const UNKNOWN_WORTH_A_LOOK: (u64, f64) = (20, 0.01);
/// How the unknown-values warning shows a spelling mapped in the config.
const SPELLING_EXAMPLE: &str = "{ kbd = \"shortcut\" }";
/// (rows, share of a person's rows, times the table's share): a person who lost at least this
/// many rows to rejects, this share of their rows, and this many times the share the table lost
/// as a whole, is counted in [`UnevenRejects`].
const LOSS_WORTH_A_LOOK: (u64, f64, f64) = (10, 0.1, 3.0);

/// People who lost far more of their rows to rejects than the table did ([`LOSS_WORTH_A_LOOK`]):
/// a table can pass the reject limit while one person's rows, all with counts written `1,250`
/// say, vanish, and that person's figures then rest on what remains. Counts only: no id.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnevenRejects {
    pub people: u64,
    /// Their rejected rows, in all.
    pub rows: u64,
}

impl UnevenRejects {
    /// From the accepted and rejected rows naming each person; None where nobody qualifies.
    pub fn find(
        accepted: &HashMap<String, u64>,
        rejected: &HashMap<String, u64>,
        totals: &RowCounts,
    ) -> Option<UnevenRejects> {
        let (min_rows, min_share, times) = LOSS_WORTH_A_LOOK;
        let table_share = totals.reject_rate();
        let lost = rejected.iter().filter(|&(id, &n)| {
            let all = n + accepted.get(id).copied().unwrap_or(0);
            let share = n as f64 / all as f64;
            n >= min_rows && share >= min_share && share >= times * table_share
        });
        let (people, rows) = lost.fold((0, 0), |(p, r), (_, &n)| (p + 1, r + n));
        (people > 0).then_some(UnevenRejects { people, rows })
    }
}

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
    /// Which values those were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_values: Option<UnknownValues>,
    /// People who lost far more of their rows to rejects than the table as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uneven_rejects: Option<UnevenRejects>,
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
            unknown_values: None,
            uneven_rejects: None,
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

    /// What the reader should look at in this table: many duplicates
    /// ([`TableSummary::duplicate_warning`]), or many values read as `other`.
    pub fn warnings(&self) -> Vec<String> {
        [
            self.duplicate_warning(),
            self.unknown_values_warning(),
            self.uneven_rejects_warning(),
            self.people_rejects_warning(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A warning where at least [`UNKNOWN_WORTH_A_LOOK`] of the accepted rows have a value of
    /// the open vocabulary that adept does not know: a trigger spelt `kbd` loses the shortcut
    /// evidence without a word, unless the config says what it means.
    pub fn unknown_values_warning(&self) -> Option<String> {
        let unknown = self.unknown_values.as_ref()?;
        let accepted = self.totals.accepted;
        let (rows, share) = UNKNOWN_WORTH_A_LOOK;
        let n = self.unknown_as_other;
        if n < rows || (n as f64) < share * accepted as f64 {
            return None;
        }
        let (table, column) = (&self.table, &unknown.column);
        let words = TableKind::from_name(table)
            .and_then(|t| t.column(column))
            .map(|spec| spec.kind.expected())
            .unwrap_or_default();
        let what = format!(
            "{n} of {accepted} accepted rows of `{table}` ({:.1}%) have a `{column}` adept does \
             not know, read as `other`",
            100.0 * n as f64 / accepted.max(1) as f64
        );
        Some(match unknown.distinct {
            Some(_) => format!(
                "{what}: {}. If one of them means {words}, say so under \
                 [tables.{table}.values], as in `{column} = {SPELLING_EXAMPLE}`",
                unknown.listed()
            ),
            None => format!(
                "{what}, in more than {} distinct values: check that `{column}` is mapped \
                 to the right column under [tables.{table}.columns]",
                WordCounts::KEPT
            ),
        })
    }

    /// A warning where some people lost far more of their rows to rejects than the table did.
    pub fn uneven_rejects_warning(&self) -> Option<String> {
        let UnevenRejects { people, rows } = self.uneven_rejects?;
        let (min_rows, min_share, _) = LOSS_WORTH_A_LOOK;
        Some(format!(
            "{people} {} lost {:.0}% or more of their rows of `{}` to rejects ({rows} rows in \
             all, at least {min_rows} each), against {:.1}% of the table's rows: {} figures rest \
             on the rows that remain. The rejects ledger lists the rows, by line",
            if people == 1 { "person" } else { "people" },
            100.0 * min_share,
            self.table,
            100.0 * self.totals.reject_rate(),
            if people == 1 {
                "that person's"
            } else {
                "their"
            },
        ))
    }

    /// A warning where rows of `people` were rejected: the person on such a row is still
    /// analysed (an opt-out on it is honoured), but without its department, fte or hire date,
    /// so a part-timer there is judged as full-time, a new hire against the whole window.
    pub fn people_rejects_warning(&self) -> Option<String> {
        let n = self.totals.rejected;
        if self.table != TableKind::People.name() || n == 0 {
            return None;
        }
        let reasons: Vec<String> = self
            .rejected_by_reason
            .iter()
            .map(|(reason, rows)| format!("{reason}: {rows}"))
            .collect();
        let (rows, whose) = if n == 1 {
            (
                "row of `people` was",
                "the person on it is analysed without what it says",
            )
        } else {
            (
                "rows of `people` were",
                "the people on them are analysed without what they say",
            )
        };
        Some(format!(
            "{n} {rows} rejected ({}): {whose} (department, role, fte, hire date), so a \
             part-timer there counts as full-time. Correct what rejects.parquet names",
            reasons.join(", "),
        ))
    }

    pub fn rejected_for(&self, reason: RejectReason) -> u64 {
        self.rejected_by_reason
            .get(reason.as_str())
            .copied()
            .unwrap_or(0)
    }
}

/// The values of a table's open vocabulary (see [`TableKind::open_vocabulary`]) that were read as
/// `other`, as normalised: lower case, `-` and spaces as `_`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownValues {
    pub column: String,
    /// How many distinct values, less those taken out as people's ids; None where there were
    /// more than [`WordCounts::KEPT`].
    pub distinct: Option<u64>,
    /// The commonest values and their rows, at most five, commonest first; none where there
    /// were too many to count. A value that is a person's id is not among them.
    pub commonest: Vec<(String, u64)>,
    /// Rows whose value is a person's id (a column mapped to the wrong one): counted, never
    /// shown, since the summary goes to the report and the manifest.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub person_ids: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl UnknownValues {
    /// "`kbd` (6019 rows), `button` (11 rows) and 3 more", or "more than 1000 distinct values".
    pub fn listed(&self) -> String {
        let Some(distinct) = self.distinct else {
            return format!("more than {} distinct values", WordCounts::KEPT);
        };
        let mut shown: Vec<String> = self
            .commonest
            .iter()
            .map(|(word, n)| format!("`{word}` ({n} rows)"))
            .collect();
        if self.person_ids > 0 {
            shown.push(format!("a person's id ({} rows)", self.person_ids));
        }
        let more = distinct.saturating_sub(self.commonest.len() as u64);
        match more {
            0 => shown.join(", "),
            _ => format!("{} and {more} more", shown.join(", ")),
        }
    }

    /// Takes out of the commonest values those that are a person's id (`folded`: every id in
    /// basic form, as the values are: `spelling::basic_form`), counting their rows.
    pub fn hide_person_ids(&mut self, folded: &std::collections::HashSet<String>) {
        let (ids, words): (Vec<_>, Vec<_>) = std::mem::take(&mut self.commonest)
            .into_iter()
            .partition(|(word, _)| folded.contains(word));
        self.person_ids += ids.iter().map(|(_, n)| n).sum::<u64>();
        if let Some(distinct) = &mut self.distinct {
            *distinct -= ids.len() as u64;
        }
        self.commonest = words;
    }
}

/// Rows per word, for up to [`WordCounts::KEPT`] distinct words: beyond that only the fact that
/// there were more is kept, whichever rows a worker saw, so the result does not depend on how the
/// rows were shared out.
#[derive(Debug, Default)]
pub struct WordCounts {
    rows: BTreeMap<String, u64>,
    too_many: bool,
}

impl WordCounts {
    pub const KEPT: usize = 1000;

    pub fn add(&mut self, word: &str) {
        if self.too_many {
            return;
        }
        match self.rows.get_mut(word) {
            Some(n) => *n += 1,
            None => {
                self.rows.insert(word.to_string(), 1);
                self.too_many = self.rows.len() > Self::KEPT;
            }
        }
    }

    pub fn merge(&mut self, other: WordCounts) {
        self.too_many |= other.too_many;
        for (word, n) in other.rows {
            if self.too_many {
                break;
            }
            *self.rows.entry(word).or_insert(0) += n;
            self.too_many = self.rows.len() > Self::KEPT;
        }
    }

    /// None where no word was counted.
    pub fn finish(self, column: &str) -> Option<UnknownValues> {
        if self.rows.is_empty() {
            return None;
        }
        if self.too_many {
            return Some(UnknownValues {
                column: column.to_string(),
                distinct: None,
                commonest: Vec::new(),
                person_ids: 0,
            });
        }
        let distinct = Some(self.rows.len() as u64);
        let mut commonest: Vec<(String, u64)> = self.rows.into_iter().collect();
        // Commonest first; equal counts in word order (the map's order, kept by a stable sort).
        commonest.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        commonest.truncate(5);
        Some(UnknownValues {
            column: column.to_string(),
            distinct,
            commonest,
            person_ids: 0,
        })
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
                let which = t
                    .unknown_values
                    .as_ref()
                    .map(|u| format!(" ({}: {})", u.column, u.listed()))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "{:<10}   unknown values read as `other`: {}{which}",
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
