//! What to generate (users, days, seed, format, end date) and what was generated.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// Most users one run may ask for (user ids are zero-padded to at least six digits).
pub const MAX_USERS: usize = 10_000_000;
/// Longest window one run may ask for, in days.
pub const MAX_DAYS: u32 = 3_660;

/// File format of the six generated tables (`truth.csv` is always CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Parquet,
    Csv,
    Jsonl,
}

impl OutputFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Jsonl => "jsonl",
        }
    }
}

/// The knobs of one generator run. The same params always give byte-identical files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateParams {
    /// People in the organisation.
    pub users: usize,
    /// Length of the event window in days, ending on `end_date` (inclusive).
    pub days: u32,
    pub seed: u64,
    pub format: OutputFormat,
    /// Last day of the window.
    pub end_date: NaiveDate,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            users: 500,
            days: 90,
            seed: 42,
            format: OutputFormat::Parquet,
            end_date: NaiveDate::from_ymd_opt(2026, 10, 31).expect("valid date"),
        }
    }
}

impl GenerateParams {
    /// Rejects params the generator cannot honour, with a sentence saying why.
    pub fn check(&self) -> Result<()> {
        if self.users == 0 {
            return Err(Error::Config(
                "The generator needs at least 1 user; pass `--users 1` or more".into(),
            ));
        }
        if self.users > MAX_USERS {
            return Err(Error::Config(format!(
                "The generator supports at most {MAX_USERS} users, not `{}`",
                self.users
            )));
        }
        if self.days == 0 {
            return Err(Error::Config(
                "The generator needs a window of at least 1 day; pass `--days 1` or more".into(),
            ));
        }
        if self.days > MAX_DAYS {
            return Err(Error::Config(format!(
                "The generator supports a window of at most {MAX_DAYS} days, not `{}`",
                self.days
            )));
        }
        let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid date");
        let latest = NaiveDate::from_ymd_opt(9000, 1, 1).expect("valid date");
        if self.end_date > latest || self.start_date() < earliest {
            return Err(Error::Config(format!(
                "The generator's window must lie between {earliest} and {latest}; end date `{}` with {} days does not",
                self.end_date, self.days
            )));
        }
        Ok(())
    }

    /// First day of the window (inclusive).
    pub fn start_date(&self) -> NaiveDate {
        self.end_date
            .checked_sub_days(chrono::Days::new(u64::from(self.days.saturating_sub(1))))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSummary {
    /// Rows written to the events table.
    pub events: u64,
    /// People in the organisation (including opt-outs).
    pub users: usize,
    /// People labelled power users in `truth.csv`.
    pub power_users: usize,
    /// Rows per table, in [`crate::contract::TableKind::ALL`] order.
    pub rows: Vec<(crate::contract::TableKind, u64)>,
    /// Every file written, tables in [`crate::contract::TableKind::ALL`] order, then `truth.csv`.
    pub files: Vec<PathBuf>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}
