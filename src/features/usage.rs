//! The events reduced to what the features need, built batch by batch as ingest streams the
//! accepted events through: uses per person and (app, feature, trigger), and uses per person and
//! local day, handed to the features stage already grouped by person and numbered by feature.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::aggregate::Window;
use super::catalog::FeatureKey;
use super::org::Use;
use crate::error::Result;
use crate::event_codes::{EVENT_COLUMNS, EventCodes};
use crate::ingest::{RowSink, fork_as};
use crate::wall_clock::local_day;

/// The events table's [`RowSink`] during a run.
///
/// People and (app, feature, trigger) triples are numbered as they are first seen, so no text is
/// compared or copied per row. Each batch's rows are put in one bucket per person before they are
/// added up: a person's counts sit together in memory, so adding a row rarely waits for main
/// memory (in event order, nearly every row did). The numbers never leave this type:
/// [`UsageAggregator::finish`] turns them into people by id and features by (app, feature).
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

/// People per run that [`UsageAggregator::finish`] handles at once: enough that a run's rows
/// outweigh starting it, few enough that the runs spread over the cores.
const PEOPLE_PER_RUN: usize = 256;

/// How [`UsageAggregator::finish`] reads each triple number (see [`UsageAggregator::triples`]).
struct Triples {
    /// Place in (app, feature, trigger) order, a missing trigger last.
    rank: Vec<usize>,
    /// Number of its (app, feature) in `features` (`usize::MAX` for a triple used only outside
    /// the window).
    feature: Vec<usize>,
    /// Whether its trigger is a shortcut (None without a trigger).
    shortcut: Vec<Option<bool>>,
    /// (app, feature) of every feature used in the window, in key order.
    features: Vec<FeatureKey>,
}

/// A day without events (a day whose events all have count 0 has 0 uses).
const NO_USE: i64 = -1;

/// Adds `uses` to a day's uses ([`NO_USE`] until then).
fn add_uses(day: &mut i64, uses: i64) {
    *day = (*day).max(0).saturating_add(uses);
}

/// One event row of a person, numbered.
#[derive(Debug, Clone, Copy)]
struct Coded {
    triple: u32,
    day: i32,
    count: i64,
}

/// What [`UsageAggregator`] produced, in the shape the features stage reads: people by id, and
/// features numbered in (app, feature) order, so that nothing depends on the order of the events.
#[derive(Debug, Clone, Default)]
pub struct EventUsage {
    /// (app, feature) of every feature used in the window, in key order ("" for a missing app):
    /// a feature's number is its place here.
    pub(super) features: Vec<FeatureKey>,
    /// Each person's uses in the window, one row per (app, feature, trigger), in that order with
    /// a missing trigger last; people with none are absent.
    pub(super) uses: BTreeMap<String, Vec<Use>>,
    /// Each person's uses per local day from `Window::history_first_day` on (so from before the
    /// window; the features take the window's days from it), in day order; people with none are
    /// absent.
    pub(super) days: BTreeMap<String, Vec<(i32, f64)>>,
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
                    // Saturating: an export's absurd count must not wrap a total around.
                    entry.0 = entry.0.saturating_add(row.count);
                    if row.day >= middle {
                        entry.1 = entry.1.saturating_add(row.count);
                    }
                }
                add_uses(
                    &mut days[(row.day - window.history_first_day) as usize],
                    row.count,
                );
            }
        }
    }

    /// Each person's uses and days, by id, and the features' numbers. Numbers are put in order
    /// once, so rows come out sorted with no text compared per row; runs of people are handled in
    /// parallel and joined in order.
    pub fn finish(self) -> EventUsage {
        let users = self.codes.users();
        let mut people: Vec<usize> = (0..users.len()).collect();
        people.sort_unstable_by(|a, b| users[*a].cmp(&users[*b]));
        let triples = self.triples();
        let runs: Vec<&[usize]> = people.chunks(PEOPLE_PER_RUN).collect();
        let (uses, days) = rayon::join(
            || {
                runs.par_iter()
                    .flat_map_iter(|run| self.uses_of(run, &triples))
                    .collect()
            },
            || {
                runs.par_iter()
                    .flat_map_iter(|run| self.days_of(run))
                    .collect()
            },
        );
        EventUsage {
            features: triples.features,
            uses,
            days,
        }
    }

    /// How each triple number is read: its place in (app, feature, trigger) order, a missing
    /// trigger last; its feature's number; whether it is a shortcut. Sorted once, so that rows
    /// come out in order with no text compared per row.
    fn triples(&self) -> Triples {
        let count = self.codes.triple_count();
        let mut used = vec![false; count];
        for triples in &self.usage {
            for t in triples.keys() {
                used[*t as usize] = true;
            }
        }
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by(|a, b| {
            let ((a1, f1, t1), (a2, f2, t2)) = (self.codes.triple(*a), self.codes.triple(*b));
            let trigger = match (t1, t2) {
                (Some(x), Some(y)) => x.cmp(y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            };
            a1.cmp(a2).then_with(|| f1.cmp(f2)).then(trigger)
        });
        let mut read = Triples {
            rank: vec![0; count],
            feature: vec![usize::MAX; count],
            shortcut: (0..count as u32)
                .map(|t| self.codes.triple(t).2.as_deref().map(|t| t == "shortcut"))
                .collect(),
            features: Vec::new(),
        };
        for (place, t) in order.into_iter().map(|t| t as usize).enumerate() {
            read.rank[t] = place;
            if used[t] {
                let (app, feature, _) = self.codes.triple(t as u32);
                let last = read.features.last();
                if last.is_none_or(|(a, f)| a != app || f != feature) {
                    read.features.push((app.clone(), feature.clone()));
                }
                read.feature[t] = read.features.len() - 1;
            }
        }
        read
    }

    /// The uses of `people` (numbers, in id order), each person's in (app, feature, trigger)
    /// order; people without any are left out.
    fn uses_of(&self, people: &[usize], triples: &Triples) -> Vec<(String, Vec<Use>)> {
        let users = self.codes.users();
        let mut ranked = Vec::new();
        let mut out = Vec::with_capacity(people.len());
        for &u in people.iter().filter(|&&u| !self.usage[u].is_empty()) {
            ranked.clear();
            ranked.extend(
                self.usage[u]
                    .iter()
                    .map(|(&t, &counts)| (triples.rank[t as usize], t as usize, counts)),
            );
            ranked.sort_unstable_by_key(|(rank, _, _)| *rank);
            let rows = ranked
                .iter()
                .map(|&(_, t, (all, second_half))| Use {
                    feature: triples.feature[t],
                    shortcut: triples.shortcut[t],
                    uses: all as f64,
                    late_uses: second_half as f64,
                })
                .collect();
            out.push((users[u].clone(), rows));
        }
        out
    }

    /// The uses per day of `people` (numbers, in id order), from the history's first day on;
    /// people without any are left out.
    fn days_of(&self, people: &[usize]) -> Vec<(String, Vec<(i32, f64)>)> {
        let users = self.codes.users();
        let span = self.window.history_days().max(1);
        let mut out = Vec::with_capacity(people.len());
        for &u in people {
            let row = self.days.get(u * span..(u + 1) * span).unwrap_or_default();
            let days: Vec<(i32, f64)> = row
                .iter()
                .enumerate()
                .filter(|(_, all)| **all != NO_USE)
                .map(|(d, &all)| (self.window.history_first_day + d as i32, all as f64))
                .collect();
            if !days.is_empty() {
                out.push((users[u].clone(), days));
            }
        }
        out
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
                local_day("timestamp", self.window.tz).alias("day"),
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
                entry.0 = entry.0.saturating_add(all);
                entry.1 = entry.1.saturating_add(late);
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

    fn window() -> Window {
        // Window days 10..=19 (second half from 15), history from day 8.
        Window {
            first_day: 10,
            last_day: 19,
            tz: chrono_tz::UTC,
            history_first_day: 8,
        }
    }

    fn used(feature: usize, uses: f64, late_uses: f64) -> Use {
        Use {
            feature,
            shortcut: Some(false),
            uses,
            late_uses,
        }
    }

    #[test]
    fn interleaved_people_over_batches_add_up_per_person_feature_and_day() {
        let mut usage = UsageAggregator::new(window());
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
        let out = usage.finish();
        // Day 8 is history only ("g" is not used in the window); day 20 is after the window.
        assert_eq!(out.features, [("a".to_string(), "f".to_string())]);
        let uses: Vec<(&str, &[Use])> = out
            .uses
            .iter()
            .map(|(id, rows)| (id.as_str(), rows.as_slice()))
            .collect();
        assert_eq!(
            uses,
            [
                ("u1", &[used(0, 6.0, 5.0)][..]),
                ("u2", &[used(0, 1.0, 0.0)][..])
            ]
        );
        let days: Vec<(&str, &[(i32, f64)])> = out
            .days
            .iter()
            .map(|(id, days)| (id.as_str(), days.as_slice()))
            .collect();
        assert_eq!(
            days,
            [
                ("u1", &[(12, 1.0), (16, 5.0)][..]),
                ("u2", &[(8, 5.0), (12, 1.0)][..])
            ]
        );
    }

    #[test]
    fn many_people_come_out_in_id_order_across_runs_with_their_own_counts() {
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
        let mut usage = UsageAggregator::new(window());
        for batch in rows.chunks(500) {
            usage.push(events(batch)).unwrap();
        }
        let out = usage.finish();
        let names: Vec<&str> = out.features.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(names, ["f0", "f1", "f2"]);
        let expected: Vec<(String, Vec<Use>)> = (1..=people)
            .map(|i| (format!("u{i:04}"), vec![used(i % 3, i as f64, 0.0)]))
            .collect();
        assert_eq!(out.uses.into_iter().collect::<Vec<_>>(), expected);
        let expected: Vec<(String, Vec<(i32, f64)>)> = (1..=people)
            .map(|i| (format!("u{i:04}"), vec![(9, 1.0), (12, i as f64)]))
            .collect();
        assert_eq!(out.days.into_iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn shortcuts_and_a_missing_trigger_are_kept_per_row_in_trigger_order() {
        let mut frame = events(&[("u1", "f", 12, 2), ("u1", "f", 13, 3), ("u1", "f", 14, 4)]);
        let triggers = Series::new("trigger".into(), [Some("shortcut"), None, Some("menu")]);
        frame.with_column(triggers.into_column()).unwrap();
        let mut usage = UsageAggregator::new(window());
        usage.push(frame).unwrap();
        let out = usage.finish();
        let shortcut = |shortcut, uses| Use {
            shortcut,
            ..used(0, uses, 0.0)
        };
        // (app, feature, trigger) order, a missing trigger last.
        assert_eq!(
            out.uses["u1"],
            [
                shortcut(Some(false), 4.0),
                shortcut(Some(true), 2.0),
                shortcut(None, 3.0)
            ]
        );
    }

    #[test]
    fn no_events_give_no_people_and_no_features() {
        let out = UsageAggregator::new(window()).finish();
        assert!(out.features.is_empty() && out.uses.is_empty() && out.days.is_empty());
    }
}
