//! The heavy, associative part of the feature stage, as polars lazy queries: help, training and
//! feedback reduced to small per-user frames (events: see `usage`), and the window they share.

use polars::prelude::*;

use crate::error::Result;
use crate::wall_clock::local_day;

/// The window: local days (days since 1970-01-01 in `tz`), first and last included. Every table
/// is filtered by the local day of its timestamps, so a day is the same day everywhere.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub first_day: i32,
    pub last_day: i32,
    pub tz: chrono_tz::Tz,
    /// First day whose uses are kept per day for the weekly usage segments, which look further
    /// back than the window (at most `first_day`).
    pub history_first_day: i32,
}

impl Window {
    pub fn days(&self) -> i32 {
        self.last_day - self.first_day + 1
    }

    /// Weeks of history kept per day: complete weeks ending with the window's last day.
    pub fn history_weeks(&self) -> usize {
        self.history_days() / 7
    }

    /// Days from the history's first day to the window's last, both included.
    pub fn history_days(&self) -> usize {
        (self.last_day - self.history_first_day + 1).max(0) as usize
    }

    /// First day of the second half of the window.
    pub fn middle_day(&self) -> i32 {
        self.first_day + self.days() / 2
    }
}

fn in_window(column: &str, window: &Window) -> Expr {
    let day = local_day(column, window.tz);
    day.clone()
        .gt_eq(lit(window.first_day))
        .and(day.lt_eq(lit(window.last_day)))
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

/// Help in the window by topic: topic, requests, unresolved (`resolved` false). Rows without a
/// topic are left out; without a `topic` column, nothing.
pub fn help_topics(help: &DataFrame, window: &Window) -> Result<DataFrame> {
    if help.column("topic").is_err() {
        return Ok(DataFrame::empty());
    }
    let unresolved = if help.column("resolved").is_ok() {
        col("resolved").eq(lit(false)).cast(DataType::UInt64).sum()
    } else {
        lit(0u64)
    };
    Ok(help
        .clone()
        .lazy()
        .filter(in_window("timestamp", window).and(col("topic").is_not_null()))
        .group_by([col("topic")])
        .agg([
            len().cast(DataType::UInt64).alias("requests"),
            unresolved.alias("unresolved"),
        ])
        .sort(["topic"], SortMultipleOptions::default())
        .collect()?)
}

/// Per user: mean score over every assessment (percent), latest score, mean improvement from baseline to follow-up (or final)
/// over courses with both, and courses completed. All training up to the as-of date counts:
/// training usually precedes the usage window.
pub fn training(training: &DataFrame) -> Result<DataFrame> {
    let pct = (col("score") / col("max_score") * lit(100.0)).alias("pct");
    let phase = || col("phase");
    let per_course = training
        .clone()
        .lazy()
        .with_column(pct.clone())
        // Stable: each person's courses reach the mean below in one order, whatever the threads.
        .group_by_stable([col("user_id"), col("course")])
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
    // Sorted, then in one piece: a person's scores are summed in one order whatever the number
    // of threads (a group split across pieces is summed in parts, which can move the last bit).
    let mut sorted = training
        .clone()
        .lazy()
        .with_column(pct)
        .sort(
            ["user_id", "taken_at", "pct"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    sorted.rechunk_mut();
    let latest = sorted.lazy().group_by_stable([col("user_id")]).agg([
        col("pct").last().alias("latest_score"),
        col("pct").mean().alias("training_level"),
    ]);
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
/// Feedback items of kind `question` in the window.
pub fn feedback_questions(feedback: &DataFrame, window: &Window) -> Result<u64> {
    let n = feedback
        .clone()
        .lazy()
        .filter(in_window("timestamp", window).and(col("kind").eq(lit("question"))))
        .select([len().cast(DataType::UInt64).alias("n")])
        .collect()?;
    Ok(n.column("n")?.u64()?.get(0).unwrap_or(0))
}

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
