//! `adept rollup`: the first, associative aggregation of events (uses per user x day x app x
//! feature x trigger), written as ordinary events input. `sql/rollup.sql` is the same step for
//! engines an organisation already runs; both give the same scores as the raw events.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::atomic;
use crate::error::{Error, Result};
use crate::grouped_sums::GroupedSums;
use crate::ingest::{RowSink, local_to_millis};

/// Rolls the accepted events up as ingest streams them through (it is the events table's
/// [`RowSink`]): uses per user x local day x app x feature x trigger.
pub struct DailyRollup {
    tz: chrono_tz::Tz,
    sums: GroupedSums,
}

impl DailyRollup {
    pub fn new(tz: chrono_tz::Tz) -> DailyRollup {
        DailyRollup {
            tz,
            sums: GroupedSums::new(&["user_id", "day", "app", "feature", "trigger"], &["count"]),
        }
    }

    /// The rollup: `user_id, timestamp (start of the day in the timezone, UTC), app, feature,
    /// trigger, count`, sorted.
    pub fn finish(self) -> Result<DataFrame> {
        let tz = self.tz;
        let Some(sums) = self.sums.finish()? else {
            return Err(Error::Internal(
                "the rollup received no events batch".into(),
            ));
        };
        let day_start = move |c: Column| -> PolarsResult<Column> {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
            let out: Int64Chunked = c
                .i32()?
                .iter()
                .map(|d| {
                    d.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(i64::from(d))))
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .and_then(|n| local_to_millis(n, tz))
                })
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        };
        Ok(sums
            .lazy()
            .with_column(
                col("day")
                    .map(day_start, |_, f| {
                        Ok(Field::new(f.name().clone(), DataType::Int64))
                    })
                    .cast(DataType::Datetime(
                        TimeUnit::Milliseconds,
                        Some(TimeZone::UTC),
                    ))
                    .alias("timestamp"),
            )
            .select([
                col("user_id"),
                col("timestamp"),
                col("app"),
                col("feature"),
                col("trigger"),
                col("count"),
            ])
            .collect()?)
    }
}

impl RowSink for DailyRollup {
    fn push(&mut self, events: DataFrame) -> Result<()> {
        let day = col("timestamp")
            .dt()
            .convert_time_zone(TimeZone::from_chrono(&self.tz))
            .dt()
            .date()
            .cast(DataType::Int32);
        self.sums.add(events.lazy().select([
            col("user_id"),
            day.alias("day"),
            col("app").fill_null(lit("")),
            col("feature"),
            col("trigger"),
            col("count"),
        ]))
    }
}

/// Writes the rollup as `events.parquet` in `out`.
pub fn write_rollup(out: &Path, rollup: &mut DataFrame) -> Result<PathBuf> {
    let path = out.join("events.parquet");
    atomic::write_parquet(rollup, &path)?;
    Ok(path)
}
