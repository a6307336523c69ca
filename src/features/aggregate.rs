//! The heavy, associative part of the feature stage, as polars lazy queries: events, help,
//! training and feedback reduced to small per-user (and per-user-feature) frames.

use polars::prelude::*;

use crate::error::Result;
use crate::event_codes::{EventCodes, pair, unpair};
use crate::ingest::RowSink;

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
        ((self.last_day - self.history_first_day + 1) / 7).max(0) as usize
    }

    /// First day of the second half of the window.
    pub fn middle_day(&self) -> i32 {
        self.first_day + self.days() / 2
    }
}

fn in_window(column: &str, window: &Window) -> Expr {
    let day = local_day(column, &window.tz);
    day.clone()
        .gt_eq(lit(window.first_day))
        .and(day.lt_eq(lit(window.last_day)))
}

fn local_day(column: &str, tz: &chrono_tz::Tz) -> Expr {
    col(column)
        .dt()
        .convert_time_zone(TimeZone::from_chrono(tz))
        .dt()
        .date()
        .cast(DataType::Int32)
}

/// The events reduced to what the features need, built batch by batch as ingest streams the
/// accepted events through (it is the events table's [`RowSink`]).
///
/// People and (app, feature, trigger) triples are numbered as they are first seen, and each row
/// is added to two maps keyed by numbers, so no text is compared or copied per row. The numbers
/// never leave this type: [`UsageAggregator::finish`] turns them back into text and sorts by it.
pub struct UsageAggregator {
    window: Window,
    codes: EventCodes,
    /// (user, triple) -> (uses, uses in the window's second half).
    usage: PlHashMap<u64, (i64, i64)>,
    /// (user, local day) -> uses, from the history's first day on.
    days: PlHashMap<u64, i64>,
}

/// What [`UsageAggregator`] produced: two small frames, sorted.
#[derive(Debug, Clone)]
pub struct EventUsage {
    /// user_id, app ("" when missing), feature, trigger, uses, late_uses.
    pub usage: DataFrame,
    /// user_id, day (local day number), uses: from `Window::history_first_day` on, so it
    /// reaches back before the window (the features take the window's days from it).
    pub days: DataFrame,
}

impl UsageAggregator {
    pub fn new(window: Window) -> UsageAggregator {
        UsageAggregator {
            window,
            codes: EventCodes::default(),
            usage: PlHashMap::default(),
            days: PlHashMap::default(),
        }
    }

    pub fn finish(self) -> Result<EventUsage> {
        let users = self.codes.users();
        let n = self.usage.len();
        let (mut user, mut app, mut feature, mut trigger) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut uses, mut late) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (&key, &(all, second_half)) in &self.usage {
            let (u, t) = unpair(key);
            let (a, f, tr) = self.codes.triple(t);
            user.push(users[u as usize].as_str());
            app.push(a.as_str());
            feature.push(f.as_str());
            trigger.push(tr.as_deref());
            uses.push(all);
            late.push(second_half);
        }
        let usage = df!(
            "user_id" => user,
            "app" => app,
            "feature" => feature,
            "trigger" => trigger,
            "uses" => uses,
            "late_uses" => late,
        )?
        .lazy()
        .sort(
            ["user_id", "app", "feature", "trigger"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;

        let n = self.days.len();
        let (mut user, mut day, mut uses) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (&key, &all) in &self.days {
            let (u, d) = unpair(key);
            user.push(users[u as usize].as_str());
            day.push(d as i32);
            uses.push(all);
        }
        let days = df!("user_id" => user, "day" => day, "uses" => uses)?
            .lazy()
            .sort(["user_id", "day"], SortMultipleOptions::default())
            .collect()?;
        Ok(EventUsage { usage, days })
    }
}

impl RowSink for UsageAggregator {
    fn push(&mut self, events: DataFrame) -> Result<()> {
        let day = local_day("timestamp", &self.window.tz);
        let rows = events
            .lazy()
            .filter(
                day.clone()
                    .gt_eq(lit(self.window.history_first_day))
                    .and(day.lt_eq(lit(self.window.last_day))),
            )
            .with_column(local_day("timestamp", &self.window.tz).alias("day"))
            .select([
                col("user_id"),
                col("app"),
                col("feature"),
                col("trigger"),
                col("day"),
                col("count"),
            ])
            .collect()?;
        let (first, middle) = (self.window.first_day, self.window.middle_day());
        let (usage, days) = (&mut self.usage, &mut self.days);
        self.codes.code_rows(&rows, |user, triple, day, count| {
            if day >= first {
                let entry = usage.entry(pair(user, triple)).or_default();
                entry.0 += count;
                if day >= middle {
                    entry.1 += count;
                }
            }
            *days.entry(pair(user, day as u32)).or_default() += count;
        })
    }
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
        .agg([
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
