//! `adept rollup`: the first, associative aggregation of events (uses per user x day x app x
//! feature x trigger), written as ordinary events input. `sql/rollup.sql` is the same step for
//! engines an organisation already runs; both give the same scores as the raw events.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::atomic;
use crate::error::Result;
use crate::event_codes::{EVENT_COLUMNS, EventCodes, pair, unpair};
use crate::ingest::{RowSink, fork_as, local_to_millis};
use crate::wall_clock::local_day;

/// Rolls the accepted events up as ingest streams them through (it is the events table's
/// [`RowSink`]): uses per user x local day x app x feature x trigger, keyed by numbers (see
/// [`EventCodes`]).
pub struct DailyRollup {
    tz: chrono_tz::Tz,
    codes: EventCodes,
    /// ((user, triple), local day) -> uses.
    sums: PlHashMap<(u64, i32), i64>,
}

impl DailyRollup {
    pub fn new(tz: chrono_tz::Tz) -> DailyRollup {
        DailyRollup {
            tz,
            codes: EventCodes::default(),
            sums: PlHashMap::default(),
        }
    }

    /// The rollup: `user_id, timestamp (start of the day in the timezone, UTC), app, feature,
    /// trigger, count`, sorted.
    pub fn finish(self) -> Result<DataFrame> {
        let tz = self.tz;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
        let day_start = |day: i32| {
            epoch
                .checked_add_signed(chrono::Duration::days(i64::from(day)))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|n| local_to_millis(n, tz))
        };
        let n = self.sums.len();
        let mut user = Vec::with_capacity(n);
        let mut start = Vec::with_capacity(n);
        let mut app = Vec::with_capacity(n);
        let mut feature = Vec::with_capacity(n);
        let mut trigger = Vec::with_capacity(n);
        let mut count = Vec::with_capacity(n);
        let users = self.codes.users();
        for (&(key, day), &uses) in &self.sums {
            let (u, t) = unpair(key);
            let (a, f, tr) = self.codes.triple(t);
            user.push(users[u as usize].as_str());
            start.push(day_start(day));
            app.push(a.as_str());
            feature.push(f.as_str());
            trigger.push(tr.as_deref());
            count.push(uses);
        }
        Ok(df!(
            "user_id" => user,
            "timestamp" => start,
            "app" => app,
            "feature" => feature,
            "trigger" => trigger,
            "count" => count,
        )?
        .lazy()
        .with_column(col("timestamp").cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        )))
        .sort(
            ["user_id", "timestamp", "app", "feature", "trigger"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?)
    }
}

impl RowSink for DailyRollup {
    fn columns(&self) -> Option<&'static [&'static str]> {
        Some(&EVENT_COLUMNS)
    }

    fn push(&mut self, events: DataFrame) -> Result<()> {
        let day = local_day("timestamp", self.tz);
        let rows = events
            .lazy()
            .select([
                col("user_id"),
                day.alias("day"),
                col("app"),
                col("feature"),
                col("trigger"),
                col("count"),
            ])
            .collect()?;
        let sums = &mut self.sums;
        self.codes
            .code_rows(&rows, i32::MIN..=i32::MAX, |user, triple, day, count| {
                // Saturating, as the usage sums are: a sentinel count must not panic.
                let sum = sums.entry((pair(user, triple), day)).or_default();
                *sum = sum.saturating_add(count);
            })
    }

    fn fork(&self) -> Option<Box<dyn RowSink>> {
        Some(Box::new(DailyRollup::new(self.tz)))
    }

    /// Sums, and `finish` sorts: the same rollup for any split of the batches.
    fn merge(&mut self, fork: Box<dyn RowSink>) -> Result<()> {
        let fork = fork_as::<DailyRollup>(fork)?;
        let (users, triples) = self.codes.absorb(&fork.codes);
        for ((key, day), uses) in fork.sums {
            let (user, triple) = unpair(key);
            let key = pair(users[user as usize], triples[triple as usize]);
            let sum = self.sums.entry((key, day)).or_default();
            *sum = sum.saturating_add(uses);
        }
        Ok(())
    }
}

/// Writes the rollup as `events.parquet` in `out`.
pub fn write_rollup(out: &Path, rollup: &mut DataFrame) -> Result<PathBuf> {
    let path = out.join("events.parquet");
    atomic::write_parquet(rollup, &path)?;
    Ok(path)
}
