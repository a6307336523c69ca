//! The events reduced to what the features need, built batch by batch as ingest streams the
//! accepted events through: uses per person and (app, feature, trigger), and uses per person and
//! local day.

use polars::prelude::*;
use rayon::prelude::*;

use super::aggregate::{Window, local_day};
use crate::error::Result;
use crate::event_codes::{EVENT_COLUMNS, EventCodes};
use crate::ingest::{RowSink, fork_as};

/// The events table's [`RowSink`] during a run.
///
/// People and (app, feature, trigger) triples are numbered as they are first seen, so no text is
/// compared or copied per row. Each batch's rows are put in one bucket per person before they are
/// added up: a person's counts sit together in memory, so adding a row rarely waits for main
/// memory (in event order, nearly every row did). The numbers never leave this type:
/// [`UsageAggregator::finish`] turns them back into text and sorts by it.
pub struct UsageAggregator {
    window: Window,
    codes: EventCodes,
    /// Per person number: triple -> (uses, uses in the window's second half).
    usage: Vec<PlHashMap<u32, (i64, i64)>>,
    /// Uses per person and local day from the history's first day on: a row of
    /// [`Window::history_days`] days per person number, [`NO_USE`] where no event fell.
    days: Vec<i64>,
    /// The current batch's rows, numbered, by person number, in batch order (emptied after each
    /// batch; their room is kept for the next).
    buckets: Vec<Vec<Coded>>,
}

/// People per run that [`UsageAggregator::finish`] turns into rows at once: enough that a run's
/// rows outweigh starting it, few enough that the runs spread over the cores.
const PEOPLE_PER_RUN: usize = 256;

/// The frames of consecutive runs, stacked in order (the first run's frame gives the columns).
fn stitch(frames: impl IndexedParallelIterator<Item = Result<DataFrame>>) -> Result<DataFrame> {
    let frames: Vec<DataFrame> = frames.collect::<Result<_>>()?;
    let mut parts = frames.into_iter();
    let mut all = parts
        .next()
        .ok_or_else(|| crate::error::Error::Internal("no rows to stitch".into()))?;
    for part in parts {
        all.vstack_mut_owned(part)?;
    }
    Ok(all)
}

/// A day without events (a day whose events all have count 0 has 0 uses).
const NO_USE: i64 = -1;

/// Adds `uses` to a day's uses ([`NO_USE`] until then).
fn add_uses(day: &mut i64, uses: i64) {
    *day = (*day).max(0) + uses;
}

/// One event row of a person, numbered.
#[derive(Debug, Clone, Copy)]
struct Coded {
    triple: u32,
    day: i32,
    count: i64,
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
            usage: Vec::new(),
            days: Vec::new(),
            buckets: Vec::new(),
        }
    }

    /// Adds the current batch's rows, one person at a time, and empties the buckets.
    fn add_buckets(&mut self) {
        let window = self.window;
        let (first, middle) = (window.first_day, window.middle_day());
        let span = window.history_days();
        let people = self.codes.users().len();
        self.usage.resize_with(people, PlHashMap::default);
        self.days.resize(people * span, NO_USE);
        for (user, rows) in self.buckets.iter_mut().enumerate() {
            let usage = &mut self.usage[user];
            let days = &mut self.days[user * span..(user + 1) * span];
            for row in rows.drain(..) {
                if row.day >= first {
                    let entry = usage.entry(row.triple).or_default();
                    entry.0 += row.count;
                    if row.day >= middle {
                        entry.1 += row.count;
                    }
                }
                add_uses(
                    &mut days[(row.day - window.history_first_day) as usize],
                    row.count,
                );
            }
        }
    }

    /// The two frames, sorted by text: people in order of their ids, and each person's triples
    /// in order of (app, feature, trigger), a missing trigger last. Numbers are put in that order
    /// once, so the rows come out sorted, with no text compared per row. Runs of people are
    /// turned into rows in parallel and stitched in order.
    pub fn finish(self) -> Result<EventUsage> {
        let users = self.codes.users();
        let mut people: Vec<usize> = (0..users.len()).collect();
        people.sort_unstable_by(|a, b| users[*a].cmp(&users[*b]));
        let rank = self.triple_ranks();
        let runs: Vec<&[usize]> = if people.is_empty() {
            vec![&[]]
        } else {
            people.chunks(PEOPLE_PER_RUN).collect()
        };
        let (usage, days) = rayon::join(
            || stitch(runs.par_iter().map(|run| self.usage_rows(run, &rank))),
            || stitch(runs.par_iter().map(|run| self.day_rows(run))),
        );
        Ok(EventUsage {
            usage: usage?,
            days: days?,
        })
    }

    /// The usage rows of `people` (numbers, in output order).
    fn usage_rows(&self, people: &[usize], rank: &[usize]) -> Result<DataFrame> {
        let users = self.codes.users();
        let n = people.iter().map(|&u| self.usage[u].len()).sum();
        let (mut user, mut app, mut feature, mut trigger) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut uses, mut late) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut triples = Vec::new();
        for &u in people {
            triples.clear();
            triples.extend(
                self.usage[u]
                    .iter()
                    .map(|(&t, &counts)| (rank[t as usize], t, counts)),
            );
            triples.sort_unstable_by_key(|(rank, _, _)| *rank);
            for &(_, t, (all, second_half)) in &triples {
                let (a, f, tr) = self.codes.triple(t);
                user.push(users[u].as_str());
                app.push(a.as_str());
                feature.push(f.as_str());
                trigger.push(tr.as_deref());
                uses.push(all);
                late.push(second_half);
            }
        }
        Ok(df!(
            "user_id" => user,
            "app" => app,
            "feature" => feature,
            "trigger" => trigger,
            "uses" => uses,
            "late_uses" => late,
        )?)
    }

    /// The rows of uses per day of `people` (numbers, in output order).
    fn day_rows(&self, people: &[usize]) -> Result<DataFrame> {
        let users = self.codes.users();
        let span = self.window.history_days().max(1);
        let (mut user, mut day, mut uses) = (Vec::new(), Vec::new(), Vec::new());
        for &u in people {
            let row = self.days.get(u * span..(u + 1) * span).unwrap_or_default();
            for (d, &all) in row.iter().enumerate().filter(|(_, all)| **all != NO_USE) {
                user.push(users[u].as_str());
                day.push(self.window.history_first_day + d as i32);
                uses.push(all);
            }
        }
        Ok(df!("user_id" => user, "day" => day, "uses" => uses)?)
    }

    /// Each triple number's place in (app, feature, trigger) order, a missing trigger last.
    fn triple_ranks(&self) -> Vec<usize> {
        let count = self.codes.triple_count();
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by(|a, b| {
            let ((a1, f1, t1), (a2, f2, t2)) = (self.codes.triple(*a), self.codes.triple(*b));
            let trigger = match (t1, t2) {
                (Some(x), Some(y)) => x.cmp(y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            };
            a1.cmp(a2).then_with(|| f1.cmp(f2)).then(trigger)
        });
        let mut rank = vec![0; count];
        for (place, t) in order.into_iter().enumerate() {
            rank[t as usize] = place;
        }
        rank
    }
}

impl RowSink for UsageAggregator {
    fn columns(&self) -> Option<&'static [&'static str]> {
        Some(&EVENT_COLUMNS)
    }

    fn push(&mut self, events: DataFrame) -> Result<()> {
        let rows = events
            .lazy()
            .select([
                col("user_id"),
                col("app"),
                col("feature"),
                col("trigger"),
                local_day("timestamp", &self.window.tz).alias("day"),
                col("count"),
            ])
            .collect()?;
        let kept = self.window.history_first_day..=self.window.last_day;
        let buckets = &mut self.buckets;
        self.codes
            .code_rows(&rows, kept, |user, triple, day, count| {
                let user = user as usize;
                if user >= buckets.len() {
                    buckets.resize_with(user + 1, Vec::new);
                }
                buckets[user].push(Coded { triple, day, count })
            })?;
        self.add_buckets();
        Ok(())
    }

    fn fork(&self) -> Option<Box<dyn RowSink>> {
        Some(Box::new(UsageAggregator::new(self.window)))
    }

    /// Sums are sums whatever batches each side added up, and [`UsageAggregator::finish`] sorts
    /// by text: the result is the same for any split of the batches.
    fn merge(&mut self, fork: Box<dyn RowSink>) -> Result<()> {
        let fork = fork_as::<UsageAggregator>(fork)?;
        let (users, triples) = self.codes.absorb(&fork.codes);
        let span = self.window.history_days();
        let people = self.codes.users().len();
        self.usage.resize_with(people, PlHashMap::default);
        self.days.resize(people * span, NO_USE);
        for (from, counts) in fork.usage.into_iter().enumerate() {
            let usage = &mut self.usage[users[from] as usize];
            for (triple, (all, late)) in counts {
                let entry = usage.entry(triples[triple as usize]).or_default();
                entry.0 += all;
                entry.1 += late;
            }
        }
        for (from, row) in fork.days.chunks(span.max(1)).enumerate() {
            let to = users[from] as usize * span;
            for (day, &uses) in row.iter().enumerate().filter(|(_, u)| **u != NO_USE) {
                add_uses(&mut self.days[to + day], uses);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events of `(user, feature, day, count)`, app "a", trigger "menu", at noon UTC.
    fn events(rows: &[(&str, &str, i32, i64)]) -> DataFrame {
        let ms: Vec<i64> = rows
            .iter()
            .map(|r| (i64::from(r.2) * 86_400 + 43_200) * 1000)
            .collect();
        let stamps = Series::new("timestamp".into(), ms)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap();
        let mut frame = df!(
            "user_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "app" => vec!["a"; rows.len()],
            "feature" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "trigger" => vec!["menu"; rows.len()],
            "count" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        )
        .unwrap();
        frame.with_column(stamps.into_column()).unwrap();
        frame
    }

    #[test]
    fn interleaved_people_over_batches_add_up_per_person_feature_and_day() {
        // Window days 10..=19 (second half from 15), history from day 8.
        let window = Window {
            first_day: 10,
            last_day: 19,
            tz: chrono_tz::UTC,
            history_first_day: 8,
        };
        let mut usage = UsageAggregator::new(window);
        usage
            .push(events(&[
                ("u2", "f", 12, 1),
                ("u1", "f", 16, 2),
                ("u2", "g", 8, 5),
                ("u1", "f", 12, 1),
            ]))
            .unwrap();
        usage
            .push(events(&[
                ("u1", "f", 16, 3),
                ("u2", "f", 20, 9),
                ("u2", "f", 12, 0),
            ]))
            .unwrap();
        let out = usage.finish().unwrap();
        let rows = |frame: &DataFrame, columns: &[&str]| -> Vec<String> {
            (0..frame.height())
                .map(|i| {
                    let values: Vec<String> = columns
                        .iter()
                        .map(|c| frame.column(c).unwrap().get(i).unwrap().to_string())
                        .collect();
                    values.join(" ")
                })
                .collect()
        };
        // Day 8 is history only; day 20 is after the window.
        assert_eq!(
            rows(&out.usage, &["user_id", "feature", "uses", "late_uses"]),
            ["\"u1\" \"f\" 6 5", "\"u2\" \"f\" 1 0"]
        );
        assert_eq!(
            rows(&out.days, &["user_id", "day", "uses"]),
            ["\"u1\" 12 1", "\"u1\" 16 5", "\"u2\" 8 5", "\"u2\" 12 1"]
        );
    }

    #[test]
    fn many_people_come_out_in_id_order_across_runs_with_their_own_counts() {
        let window = Window {
            first_day: 10,
            last_day: 19,
            tz: chrono_tz::UTC,
            history_first_day: 8,
        };
        // First seen in reverse id order, over more runs than one: person i uses feature
        // "f{i % 3}" i times on day 12 and once on day 9 (history only).
        let people = 3 * PEOPLE_PER_RUN + 7;
        let ids: Vec<String> = (1..=people).rev().map(|i| format!("u{i:04}")).collect();
        let features: Vec<String> = (1..=people).rev().map(|i| format!("f{}", i % 3)).collect();
        let rows: Vec<(&str, &str, i32, i64)> = ids
            .iter()
            .zip(&features)
            .enumerate()
            .flat_map(|(j, (id, f))| {
                let i = (people - j) as i64;
                [
                    (id.as_str(), f.as_str(), 12, i),
                    (id.as_str(), f.as_str(), 9, 1),
                ]
            })
            .collect();
        let mut usage = UsageAggregator::new(window);
        for batch in rows.chunks(500) {
            usage.push(events(batch)).unwrap();
        }
        let out = usage.finish().unwrap();
        let text = |frame: &DataFrame, name: &str| -> Vec<String> {
            let column = frame.column(name).unwrap().str().unwrap();
            column.iter().map(|v| v.unwrap().to_string()).collect()
        };
        let numbers = |frame: &DataFrame, name: &str| -> Vec<i64> {
            let column = frame.column(name).unwrap().cast(&DataType::Int64).unwrap();
            column.i64().unwrap().into_no_null_iter().collect()
        };
        let expected_ids: Vec<String> = (1..=people).map(|i| format!("u{i:04}")).collect();
        assert_eq!(text(&out.usage, "user_id"), expected_ids);
        let expected_features: Vec<String> = (1..=people).map(|i| format!("f{}", i % 3)).collect();
        assert_eq!(text(&out.usage, "feature"), expected_features);
        let expected_uses: Vec<i64> = (1..=people as i64).collect();
        assert_eq!(numbers(&out.usage, "uses"), expected_uses);
        // Two days per person, in person then day order.
        let day_ids: Vec<String> = expected_ids
            .iter()
            .flat_map(|id| [id.clone(), id.clone()])
            .collect();
        assert_eq!(text(&out.days, "user_id"), day_ids);
        let days: Vec<i64> = (0..people).flat_map(|_| [9, 12]).collect();
        assert_eq!(numbers(&out.days, "day"), days);
        let uses: Vec<i64> = (1..=people as i64).flat_map(|i| [1, i]).collect();
        assert_eq!(numbers(&out.days, "uses"), uses);
    }

    #[test]
    fn no_events_give_empty_frames_with_their_columns() {
        let window = Window {
            first_day: 10,
            last_day: 19,
            tz: chrono_tz::UTC,
            history_first_day: 8,
        };
        let out = UsageAggregator::new(window).finish().unwrap();
        assert_eq!(out.usage.height(), 0);
        assert_eq!(
            out.usage.get_column_names(),
            ["user_id", "app", "feature", "trigger", "uses", "late_uses"]
        );
        assert_eq!(out.days.height(), 0);
        assert_eq!(out.days.get_column_names(), ["user_id", "day", "uses"]);
    }
}
