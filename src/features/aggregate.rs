//! The heavy, associative part of the feature stage, as polars lazy queries: events, help,
//! training and feedback reduced to small per-user (and per-user-feature) frames.

use polars::prelude::*;

use crate::error::Result;

/// The window in UTC milliseconds, [start, end), and in local day numbers (days since 1970-01-01).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    pub first_day: i32,
    pub last_day: i32,
}

impl Window {
    pub fn days(&self) -> i32 {
        self.last_day - self.first_day + 1
    }

    /// First day of the second half of the window.
    pub fn middle_day(&self) -> i32 {
        self.first_day + self.days() / 2
    }
}

fn in_window(column: &str, window: &Window) -> Expr {
    col(column)
        .dt()
        .timestamp(TimeUnit::Milliseconds)
        .gt_eq(lit(window.start_ms))
        .and(
            col(column)
                .dt()
                .timestamp(TimeUnit::Milliseconds)
                .lt(lit(window.end_ms)),
        )
}

fn local_day(column: &str, tz: &chrono_tz::Tz) -> Expr {
    col(column)
        .dt()
        .convert_time_zone(TimeZone::from_chrono(tz))
        .dt()
        .date()
        .cast(DataType::Int32)
}

/// Uses per (user, app, feature, trigger) in the window, and how many fell in its second half.
/// Sorted, so the result does not depend on input row order.
pub fn usage(events: &DataFrame, window: &Window, tz: &chrono_tz::Tz) -> Result<DataFrame> {
    let late = local_day("timestamp", tz).gt_eq(lit(window.middle_day()));
    Ok(events
        .clone()
        .lazy()
        .filter(in_window("timestamp", window))
        .with_column(col("app").fill_null(lit("")))
        .group_by([col("user_id"), col("app"), col("feature"), col("trigger")])
        .agg([
            col("count").sum().alias("uses"),
            when(late)
                .then(col("count"))
                .otherwise(lit(0i64))
                .sum()
                .alias("late_uses"),
        ])
        .sort(
            ["user_id", "app", "feature", "trigger"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?)
}

/// Uses per (user, local day) in the window, sorted.
pub fn active_days(events: &DataFrame, window: &Window, tz: &chrono_tz::Tz) -> Result<DataFrame> {
    Ok(events
        .clone()
        .lazy()
        .filter(in_window("timestamp", window))
        .with_column(local_day("timestamp", tz).alias("day"))
        .group_by([col("user_id"), col("day")])
        .agg([col("count").sum().alias("uses")])
        .sort(["user_id", "day"], SortMultipleOptions::default())
        .collect()?)
}

/// Help in the window with both people's departments: helper_id, helped_id, helper_department,
/// helped_department. Sorted.
pub fn help_in_window(
    help: &DataFrame,
    people: Option<&DataFrame>,
    window: &Window,
) -> Result<DataFrame> {
    let rows = help
        .clone()
        .lazy()
        .filter(in_window("timestamp", window))
        .select([col("helper_id"), col("helped_id")]);
    let rows = match people {
        Some(people) => {
            let departments = people
                .clone()
                .lazy()
                .select([col("user_id"), col("department")]);
            rows.join(
                departments.clone(),
                [col("helper_id")],
                [col("user_id")],
                JoinArgs::new(JoinType::Left),
            )
            .rename(["department"], ["helper_department"], true)
            .join(
                departments,
                [col("helped_id")],
                [col("user_id")],
                JoinArgs::new(JoinType::Left),
            )
            .rename(["department"], ["helped_department"], true)
        }
        None => rows.with_columns([
            lit(NULL).cast(DataType::String).alias("helper_department"),
            lit(NULL).cast(DataType::String).alias("helped_department"),
        ]),
    };
    Ok(rows
        .select([
            col("helper_id"),
            col("helped_id"),
            col("helper_department"),
            col("helped_department"),
        ])
        .sort(
            ["helper_id", "helped_id"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?)
}

/// Per user: latest score (percent), mean improvement from baseline to follow-up (or final)
/// over courses with both, and courses completed. All training up to the as-of date counts:
/// training usually precedes the usage window.
pub fn training(training: &DataFrame) -> Result<DataFrame> {
    let pct = (col("score") / col("max_score") * lit(100.0)).alias("pct");
    let phase = || col("phase");
    let per_course = training
        .clone()
        .lazy()
        .with_column(pct)
        .group_by([col("user_id"), col("course")])
        .agg([
            col("pct")
                .filter(phase().eq(lit("baseline")))
                .mean()
                .alias("baseline"),
            col("pct")
                .filter(phase().eq(lit("follow_up")))
                .mean()
                .alias("follow_up"),
            col("pct")
                .filter(phase().eq(lit("final")))
                .mean()
                .alias("final"),
            phase()
                .eq(lit("final"))
                .or(phase().eq(lit("follow_up")))
                .or(phase().is_null())
                .any(true)
                .alias("completed"),
        ])
        .with_column(
            (col("follow_up").fill_null(col("final")) - col("baseline")).alias("improvement"),
        );
    let latest = training
        .clone()
        .lazy()
        .with_column((col("score") / col("max_score") * lit(100.0)).alias("pct"))
        .sort(
            ["user_id", "taken_at", "pct"],
            SortMultipleOptions::default(),
        )
        .group_by([col("user_id")])
        .agg([col("pct").last().alias("latest_score")]);
    Ok(per_course
        .group_by([col("user_id")])
        .agg([
            col("improvement").mean().alias("improvement"),
            col("completed")
                .cast(DataType::UInt32)
                .sum()
                .alias("courses_completed"),
        ])
        .join(
            latest,
            [col("user_id")],
            [col("user_id")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["user_id"], SortMultipleOptions::default())
        .collect()?)
}

/// Per user: feedback items and ideas in the window.
pub fn feedback(feedback: &DataFrame, window: &Window) -> Result<DataFrame> {
    Ok(feedback
        .clone()
        .lazy()
        .filter(in_window("timestamp", window))
        .group_by([col("user_id")])
        .agg([
            len().cast(DataType::Float64).alias("feedback_items"),
            col("kind")
                .eq(lit("idea"))
                .cast(DataType::Float64)
                .sum()
                .alias("ideas"),
        ])
        .sort(["user_id"], SortMultipleOptions::default())
        .collect()?)
}
