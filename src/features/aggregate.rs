//! The heavy, associative part of the feature stage, as polars lazy queries: events, help,
//! training and feedback reduced to small per-user (and per-user-feature) frames.

use polars::prelude::*;

use crate::error::Result;
use crate::grouped_sums::GroupedSums;
use crate::ingest::RowSink;

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

/// The events reduced to what the features need, built batch by batch as ingest streams the
/// accepted events through (it is the events table's [`RowSink`]).
///
/// People and (app, feature, trigger) triples are numbered as they are first seen, so each batch
/// is grouped on one integer key instead of four text columns (about 6x faster); the numbers
/// never leave this type, and [`UsageAggregator::finish`] sorts by the text.
pub struct UsageAggregator {
    window: Window,
    tz: chrono_tz::Tz,
    users: Codes<String>,
    triples: Codes<UsageKey>,
    /// Uses per (user, triple), and how many fell in the window's second half.
    usage: GroupedSums,
    /// Uses per (user, local day).
    days: GroupedSums,
}

/// What [`UsageAggregator`] produced: two small frames, sorted.
#[derive(Debug, Clone)]
pub struct EventUsage {
    /// user_id, app ("" when missing), feature, trigger, uses, late_uses.
    pub usage: DataFrame,
    /// user_id, day (local day number), uses.
    pub days: DataFrame,
}

/// app, feature, trigger.
type UsageKey = (String, String, Option<String>);

/// Dense numbers for distinct values, in order of first appearance.
struct Codes<V> {
    index: PlHashMap<String, u32>,
    values: Vec<V>,
    /// Scratch space for building a lookup key.
    key: String,
}

impl<V> Codes<V> {
    fn new() -> Codes<V> {
        Codes {
            index: PlHashMap::default(),
            values: Vec::new(),
            key: String::new(),
        }
    }

    /// The number of the value whose lookup key is in `self.key`; `make` builds the value the
    /// first time.
    fn code_of_key(&mut self, make: impl FnOnce() -> V) -> u32 {
        if let Some(&code) = self.index.get(self.key.as_str()) {
            return code;
        }
        let code = self.values.len() as u32;
        self.index.insert(self.key.clone(), code);
        self.values.push(make());
        code
    }
}

impl Codes<String> {
    fn code(&mut self, value: &str) -> u32 {
        self.key.clear();
        self.key.push_str(value);
        self.code_of_key(|| value.to_string())
    }
}

impl Codes<UsageKey> {
    fn code(&mut self, app: &str, feature: &str, trigger: Option<&str>) -> u32 {
        use std::fmt::Write;
        self.key.clear();
        // Lengths first, so that no two triples share a key.
        let _ = write!(self.key, "{}:{app}{}:{feature}", app.len(), feature.len());
        match trigger {
            Some(t) => {
                let _ = write!(self.key, "s{t}");
            }
            None => self.key.push('n'),
        }
        self.code_of_key(|| {
            (
                app.to_string(),
                feature.to_string(),
                trigger.map(str::to_string),
            )
        })
    }
}

fn pair(high: u32, low: u32) -> u64 {
    (u64::from(high) << 32) | u64::from(low)
}

fn unpair(value: u64) -> (u32, u32) {
    ((value >> 32) as u32, value as u32)
}

impl UsageAggregator {
    pub fn new(window: Window, tz: chrono_tz::Tz) -> UsageAggregator {
        UsageAggregator {
            window,
            tz,
            users: Codes::new(),
            triples: Codes::new(),
            usage: GroupedSums::new(&["user_triple"], &["uses", "late_uses"]),
            days: GroupedSums::new(&["user_day"], &["uses"]),
        }
    }

    pub fn finish(self) -> Result<EventUsage> {
        let users = &self.users.values;
        let mut usage = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        if let Some(sums) = self.usage.finish()? {
            let keys = sums.column("user_triple")?.u64()?;
            let uses = sums.column("uses")?.i64()?;
            let late = sums.column("late_uses")?.i64()?;
            for ((key, uses), late) in keys.into_no_null_iter().zip(uses.iter()).zip(late.iter()) {
                let (user, triple) = unpair(key);
                let (app, feature, trigger) = &self.triples.values[triple as usize];
                usage.0.push(users[user as usize].as_str());
                usage.1.push(app.as_str());
                usage.2.push(feature.as_str());
                usage.3.push(trigger.as_deref());
                usage.4.push(uses);
                usage.5.push(late);
            }
        }
        let usage = df!(
            "user_id" => usage.0,
            "app" => usage.1,
            "feature" => usage.2,
            "trigger" => usage.3,
            "uses" => usage.4,
            "late_uses" => usage.5,
        )?
        .lazy()
        .sort(
            ["user_id", "app", "feature", "trigger"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;

        let mut days = (Vec::new(), Vec::new(), Vec::new());
        if let Some(sums) = self.days.finish()? {
            let keys = sums.column("user_day")?.u64()?;
            let uses = sums.column("uses")?.i64()?;
            for (key, uses) in keys.into_no_null_iter().zip(uses.iter()) {
                let (user, day) = unpair(key);
                days.0.push(users[user as usize].as_str());
                days.1.push(day as i32);
                days.2.push(uses);
            }
        }
        let days = df!("user_id" => days.0, "day" => days.1, "uses" => days.2)?
            .lazy()
            .sort(["user_id", "day"], SortMultipleOptions::default())
            .collect()?;
        Ok(EventUsage { usage, days })
    }
}

impl RowSink for UsageAggregator {
    fn push(&mut self, events: DataFrame) -> Result<()> {
        let day = local_day("timestamp", &self.tz);
        let in_window = day
            .clone()
            .gt_eq(lit(self.window.first_day))
            .and(day.clone().lt_eq(lit(self.window.last_day)));
        let rows = events
            .lazy()
            .with_column(day.alias("day"))
            .filter(in_window)
            .select([
                col("user_id"),
                col("app"),
                col("feature"),
                col("trigger"),
                col("day"),
                col("count").alias("uses"),
                when(col("day").gt_eq(lit(self.window.middle_day())))
                    .then(col("count"))
                    .otherwise(lit(0i64))
                    .alias("late_uses"),
            ])
            .collect()?;
        let users = rows.column("user_id")?.str()?;
        let apps = rows.column("app")?.str()?;
        let features = rows.column("feature")?.str()?;
        let triggers = rows.column("trigger")?.str()?;
        let days = rows.column("day")?.i32()?;
        let mut user_triple = Vec::with_capacity(rows.height());
        let mut user_day = Vec::with_capacity(rows.height());
        for ((((user, app), feature), trigger), day) in users
            .iter()
            .zip(apps.iter())
            .zip(features.iter())
            .zip(triggers.iter())
            .zip(days.iter())
        {
            // Ingest guarantees a user, a feature and a timestamp on every accepted row.
            let user = self.users.code(user.unwrap_or_default());
            let triple = self.triples.code(
                app.unwrap_or_default(),
                feature.unwrap_or_default(),
                trigger,
            );
            user_triple.push(pair(user, triple));
            user_day.push(pair(user, day.unwrap_or_default() as u32));
        }
        let height = rows.height();
        let uses = rows.column("uses")?.clone();
        let late = rows.column("late_uses")?.clone();
        self.usage.add(
            DataFrame::new(
                height,
                vec![
                    Column::new("user_triple".into(), user_triple),
                    uses.clone(),
                    late,
                ],
            )?
            .lazy(),
        )?;
        self.days.add(
            DataFrame::new(height, vec![Column::new("user_day".into(), user_day), uses])?.lazy(),
        )
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
