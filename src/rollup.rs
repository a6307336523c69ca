//! `adept rollup`: the first, associative aggregation of events (uses per user x day x app x
//! feature x trigger), written as ordinary events input. `sql/rollup.sql` is the same step for
//! engines an organisation already runs; both give the same scores as the raw events.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::atomic;
use crate::contract::TableKind;
use crate::error::{Error, Result};
use crate::ingest::{Ingested, local_to_millis};

/// The rollup of the accepted events: `user_id, timestamp (start of the day in `tz`, UTC), app,
/// feature, trigger, count`, sorted.
pub fn rollup(ingested: &Ingested, tz: chrono_tz::Tz) -> Result<DataFrame> {
    let events = ingested
        .table(TableKind::Events)
        .ok_or_else(|| Error::Internal("ingest returned no events table".into()))?;
    let day = col("timestamp")
        .dt()
        .convert_time_zone(TimeZone::from_chrono(&tz))
        .dt()
        .date()
        .cast(DataType::Int32);
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
    Ok(events
        .clone()
        .lazy()
        .with_column(col("app").fill_null(lit("")))
        .group_by([
            col("user_id"),
            day.alias("day"),
            col("app"),
            col("feature"),
            col("trigger"),
        ])
        .agg([col("count").sum()])
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
        .sort(
            ["user_id", "timestamp", "app", "feature", "trigger"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?)
}

/// Writes the rollup as `events.parquet` in `out`.
pub fn write_rollup(out: &Path, rollup: &mut DataFrame) -> Result<PathBuf> {
    let path = out.join("events.parquet");
    atomic::write_parquet(rollup, &path)?;
    Ok(path)
}
