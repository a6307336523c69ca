//! The events reduced to what the features need, built batch by batch as ingest streams the
//! accepted events through: uses per person and (app, feature, trigger), and uses per person and
//! local day.

use polars::prelude::*;

use super::aggregate::{Window, local_day};
use crate::error::Result;
use crate::event_codes::{EVENT_COLUMNS, EventCodes};
use crate::ingest::RowSink;

/// The events table's [`RowSink`] during a run.
///
/// People and (app, feature, trigger) triples are numbered as they are first seen, so no text is
/// compared or copied per row. Each batch's rows are then grouped by person before they are added
/// up: a person's counts sit together in memory, so adding a row rarely waits for main memory (in
/// event order, nearly every row did). The numbers never leave this type:
/// [`UsageAggregator::finish`] turns them back into text and sorts by it.
pub struct UsageAggregator {
    window: Window,
    codes: EventCodes,
    /// Per person number: triple -> (uses, uses in the window's second half).
    usage: Vec<PlHashMap<u32, (i64, i64)>>,
    /// Uses per person and local day from the history's first day on: a row of
    /// [`Window::history_days`] days per person number, [`NO_USE`] where no event fell.
    days: Vec<i64>,
    /// The current batch's rows, numbered; then grouped by person.
    rows: Vec<Coded>,
    grouped: Vec<Coded>,
}

/// A day without events (a day whose events all have count 0 has 0 uses).
const NO_USE: i64 = -1;

/// One event row, numbered.
#[derive(Debug, Clone, Copy, Default)]
struct Coded {
    user: u32,
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
            rows: Vec::new(),
            grouped: Vec::new(),
        }
    }

    /// Adds the grouped rows of the current batch.
    fn add_grouped(&mut self) {
        let window = self.window;
        let (first, middle) = (window.first_day, window.middle_day());
        let span = window.history_days();
        let people = self.codes.users().len();
        self.usage.resize_with(people, PlHashMap::default);
        self.days.resize(people * span, NO_USE);
        for row in &self.grouped {
            if row.day >= first {
                let entry = self.usage[row.user as usize].entry(row.triple).or_default();
                entry.0 += row.count;
                if row.day >= middle {
                    entry.1 += row.count;
                }
            }
            let at = row.user as usize * span + (row.day - window.history_first_day) as usize;
            self.days[at] = self.days[at].max(0) + row.count;
        }
    }

    /// The two frames, sorted by text: people in order of their ids, and each person's triples
    /// in order of (app, feature, trigger), a missing trigger last. Numbers are put in that order
    /// once, so the rows come out sorted, with no text compared per row.
    pub fn finish(self) -> Result<EventUsage> {
        let users = self.codes.users();
        let mut people: Vec<usize> = (0..users.len()).collect();
        people.sort_unstable_by(|a, b| users[*a].cmp(&users[*b]));
        let rank = self.triple_ranks();
        let n = self.usage.iter().map(|m| m.len()).sum();
        let (mut user, mut app, mut feature, mut trigger) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut uses, mut late) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut triples = Vec::new();
        for &u in &people {
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
        let usage = df!(
            "user_id" => user,
            "app" => app,
            "feature" => feature,
            "trigger" => trigger,
            "uses" => uses,
            "late_uses" => late,
        )?;

        let span = self.window.history_days().max(1);
        let (mut user, mut day, mut uses) = (Vec::new(), Vec::new(), Vec::new());
        for &u in &people {
            let row = self.days.get(u * span..(u + 1) * span).unwrap_or_default();
            for (d, &all) in row.iter().enumerate().filter(|(_, all)| **all != NO_USE) {
                user.push(users[u].as_str());
                day.push(self.window.history_first_day + d as i32);
                uses.push(all);
            }
        }
        let days = df!("user_id" => user, "day" => day, "uses" => uses)?;
        Ok(EventUsage { usage, days })
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
        let coded = &mut self.rows;
        coded.clear();
        self.codes
            .code_rows(&rows, kept, |user, triple, day, count| {
                coded.push(Coded {
                    user,
                    triple,
                    day,
                    count,
                })
            })?;
        group_by_person(&self.rows, self.codes.users().len(), &mut self.grouped);
        self.add_grouped();
        Ok(())
    }
}

/// `rows` in order of person number, in their order within each person (a counting sort).
fn group_by_person(rows: &[Coded], people: usize, out: &mut Vec<Coded>) {
    let mut start = vec![0usize; people + 1];
    for row in rows {
        start[row.user as usize + 1] += 1;
    }
    for i in 1..=people {
        start[i] += start[i - 1];
    }
    out.clear();
    out.resize(rows.len(), Coded::default());
    for row in rows {
        let at = &mut start[row.user as usize];
        out[*at] = *row;
        *at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_by_person_keeps_each_persons_rows_in_order() {
        let row = |user, day| Coded {
            user,
            triple: 0,
            day,
            count: 1,
        };
        let rows = [row(2, 1), row(0, 2), row(2, 3), row(1, 4), row(0, 5)];
        let mut out = Vec::new();
        group_by_person(&rows, 3, &mut out);
        let got: Vec<(u32, i32)> = out.iter().map(|r| (r.user, r.day)).collect();
        assert_eq!(got, [(0, 2), (0, 5), (1, 4), (2, 1), (2, 3)]);
    }
}
