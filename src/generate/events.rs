//! Usage events: one user's day from their profile, a whole day in parallel, and the events
//! table chunk for a block of days.

use std::sync::Arc;

use rand::Rng;
use rayon::prelude::*;

use super::calendar::{MS_PER_DAY, compact_date, is_weekend, push_padded};
use super::catalog::{Catalog, Level};
use super::personas::{Profile, SHORTCUT};
use super::rng::{Stream, exponential, lognormal, pick_cumulative, quick_normal, rng_for, uniform};
use super::table::{Table, TextColumn, Values};
use crate::contract::{TRIGGERS, TableKind};
use crate::error::Result;

/// Most events one user can have on one day.
const MAX_EVENTS_PER_DAY: usize = 3_000;
/// Last second of a day an event may have.
const LAST_SECOND: u32 = 86_399;

/// One event before it becomes a row: 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    /// Second of the day (UTC).
    pub second: u32,
    pub user: u32,
    pub feature: u32,
    pub duration_ms: u32,
    /// Position in the user's day: with the day and user, the event's identity.
    pub seq: u16,
    pub session: u8,
    /// Index into [`TRIGGERS`]`.words`.
    pub trigger: u8,
    pub count: u8,
}

/// Appends user `user`'s events on `day` (days since 1970) to `out`, in time order.
pub fn user_day(
    seed: u64,
    user: usize,
    profile: &Profile,
    catalog: &Catalog,
    day: i64,
    out: &mut Vec<RawEvent>,
) {
    if day < profile.hire_day || profile.features.is_empty() {
        return;
    }
    let weekend = is_weekend(day);
    let mut p = if weekend {
        profile.weekend_p
    } else {
        profile.workday_p
    };
    if p <= 0.0 {
        return;
    }
    let mut rng = rng_for(seed, Stream::Events, user as u64, day as u64);
    let t = profile.progress(day);
    let ramping = profile.ramp.is_some();
    if ramping {
        p *= 0.55 + 0.45 * t;
    }
    if rng.random::<f64>() >= p {
        return;
    }
    let mut mean = profile.events_per_day * if weekend { 0.45 } else { 1.0 };
    if ramping {
        mean *= 0.3 + 0.7 * t.powf(1.3);
    }
    let n = ((mean * lognormal(&mut rng, 0.3)).round() as usize).clamp(1, MAX_EVENTS_PER_DAY);
    let sessions = (1 + n / 35 + rng.random_range(0..2)).clamp(1, 8).min(n);
    let prefix = if ramping {
        let len = profile.features.len();
        ((len as f64 * (0.15 + 0.85 * t)).ceil() as usize).clamp(len.min(5), len)
    } else {
        profile.features.len()
    };
    let cum = &profile.cum[..prefix];
    let shortcut_share =
        profile.shortcut_share_start + (profile.shortcut_share - profile.shortcut_share_start) * t;

    let first = out.len();
    let day_start = if weekend { 9.0 * 3600.0 } else { 6.5 * 3600.0 };
    let mut clock = day_start + uniform(&mut rng, 0.0, 3.0 * 3600.0);
    let mut session = 0usize;
    for i in 0..n {
        let this_session = i * sessions / n;
        if this_session != session {
            session = this_session;
            clock += uniform(&mut rng, 900.0, 5400.0);
        } else if i > 0 {
            clock += exponential(&mut rng, profile.gap_s).max(1.0);
        }
        let f = profile.features[pick_cumulative(&mut rng, cum)];
        let feature = &catalog.features[f as usize];
        let trigger = if feature.has_shortcut && rng.random::<f64>() < shortcut_share {
            SHORTCUT
        } else {
            1 + pick_cumulative(&mut rng, &profile.other_triggers) as u8
        };
        let count = if rng.random::<f64>() < 0.03 {
            rng.random_range(2..=5)
        } else {
            1
        };
        let base_ms = match feature.level {
            Level::Basic => 900.0,
            Level::Intermediate => 2_500.0,
            Level::Advanced => 6_000.0,
        };
        let speed = if trigger == SHORTCUT { 0.35 } else { 1.0 };
        let duration = base_ms * speed * (0.5 * quick_normal(&mut rng)).exp();
        out.push(RawEvent {
            second: clock as u32,
            user: user as u32,
            feature: f,
            duration_ms: duration.round().max(20.0) as u32,
            seq: i as u16,
            session: session as u8,
            trigger,
            count,
        });
    }
    // Squeeze a day that ran past midnight back into the day, keeping the order.
    let last = out[out.len() - 1].second;
    if last > LAST_SECOND {
        let start = out[first].second.min(LAST_SECOND);
        let span = f64::from(last - start);
        for e in &mut out[first..] {
            let offset = f64::from(e.second - start) * f64::from(LAST_SECOND - start) / span;
            e.second = start + offset as u32;
        }
    }
}

/// Every user's events on `day`, sorted by (second, user, seq).
pub fn day_events(seed: u64, profiles: &[Profile], catalog: &Catalog, day: i64) -> Vec<RawEvent> {
    let parts: Vec<Vec<RawEvent>> = profiles
        .par_iter()
        .enumerate()
        .with_min_len(32)
        .fold(Vec::new, |mut out, (user, profile)| {
            user_day(seed, user, profile, catalog, day, &mut out);
            out
        })
        .collect();
    // A stable counting sort by second: the parts are in user order and each user's events in
    // `seq` order, so ties stay ordered by (user, seq).
    let mut starts = vec![0usize; LAST_SECOND as usize + 2];
    for e in parts.iter().flatten() {
        starts[e.second as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let total = starts[starts.len() - 1];
    let mut events = vec![
        RawEvent {
            second: 0,
            user: 0,
            feature: 0,
            duration_ms: 0,
            seq: 0,
            session: 0,
            trigger: 0,
            count: 0,
        };
        total
    ];
    for e in parts.iter().flatten() {
        let slot = &mut starts[e.second as usize];
        events[*slot] = *e;
        *slot += 1;
    }
    events
}

/// Shared words the events table is coded with.
pub struct EventWords {
    pub user_ids: Arc<Vec<String>>,
    pub user_numbers_width: usize,
    pub features: Arc<Vec<String>>,
    pub feature_app: Vec<u32>,
    pub apps: Arc<Vec<String>>,
    pub triggers: Arc<Vec<String>>,
}

impl EventWords {
    pub fn new(user_ids: Vec<String>, catalog: &Catalog) -> EventWords {
        let width = user_ids.first().map_or(6, |id| id.len() - 1);
        EventWords {
            user_ids: Arc::new(user_ids),
            user_numbers_width: width,
            features: Arc::new(catalog.feature_names()),
            feature_app: catalog.features.iter().map(|f| f.app as u32).collect(),
            apps: Arc::new(catalog.app_names()),
            triggers: Arc::new(TRIGGERS.words.iter().map(|w| w.to_string()).collect()),
        }
    }
}

/// Splits a block of days into pieces of about equal size, at most `max_rows` each (one empty
/// piece for an empty block).
pub fn pieces(block: &[(i64, Vec<RawEvent>)], max_rows: usize) -> Vec<Vec<(i64, &[RawEvent])>> {
    let rows: usize = block.iter().map(|(_, e)| e.len()).sum();
    let count = rows.div_ceil(max_rows.max(1)).max(1);
    let size = rows.div_ceil(count).max(1);
    let mut out = vec![Vec::new()];
    let mut filled = 0;
    for (day, events) in block {
        let mut rest: &[RawEvent] = events;
        while !rest.is_empty() {
            if filled == size {
                out.push(Vec::new());
                filled = 0;
            }
            let take = rest.len().min(size - filled);
            out.last_mut()
                .expect("never empty")
                .push((*day, &rest[..take]));
            filled += take;
            rest = &rest[take..];
        }
    }
    out
}

/// The events table chunk for days' events (each day's already sorted).
pub fn events_table(words: &EventWords, block: &[(i64, &[RawEvent])]) -> Result<Table> {
    let rows: usize = block.iter().map(|(_, e)| e.len()).sum();
    let all = || {
        block.iter().flat_map(|(day, events)| {
            let date = u64::from(compact_date(*day));
            events.iter().map(move |e| (*day, date, e))
        })
    };
    let width = words.user_numbers_width;
    // The two id columns are the costly ones: build them side by side.
    let ((sessions, ids), (timestamps, features)) = rayon::join(
        || {
            rayon::join(
                || {
                    let mut col = TextColumn::with_capacity(rows, rows * (12 + width));
                    for (_, date, e) in all() {
                        col.push_with(|b| {
                            b.push(b's');
                            push_padded(b, date, 8);
                            b.push(b'-');
                            push_padded(b, u64::from(e.user) + 1, width);
                            b.push(b'-');
                            push_padded(b, u64::from(e.session) + 1, 1);
                        });
                    }
                    col
                },
                || {
                    let mut col = TextColumn::with_capacity(rows, rows * (15 + width));
                    for (_, date, e) in all() {
                        col.push_with(|b| {
                            b.push(b'e');
                            push_padded(b, date, 8);
                            b.push(b'-');
                            push_padded(b, u64::from(e.user) + 1, width);
                            b.push(b'-');
                            push_padded(b, u64::from(e.seq), 4);
                        });
                    }
                    col
                },
            )
        },
        || {
            let timestamps: Vec<i64> = all()
                .map(|(day, _, e)| day * MS_PER_DAY + i64::from(e.second) * 1000)
                .collect();
            let features: Vec<u32> = all().map(|(_, _, e)| e.feature).collect();
            (timestamps, features)
        },
    );
    let apps: Vec<u32> = features
        .iter()
        .map(|&f| words.feature_app[f as usize])
        .collect();
    Table::for_contract(
        TableKind::Events,
        vec![
            (
                "user_id",
                Values::Coded {
                    words: words.user_ids.clone(),
                    codes: all().map(|(_, _, e)| e.user).collect(),
                },
            ),
            ("timestamp", Values::Timestamp(timestamps)),
            (
                "feature",
                Values::Coded {
                    words: words.features.clone(),
                    codes: features,
                },
            ),
            (
                "app",
                Values::Coded {
                    words: words.apps.clone(),
                    codes: apps,
                },
            ),
            (
                "trigger",
                Values::Coded {
                    words: words.triggers.clone(),
                    codes: all().map(|(_, _, e)| u32::from(e.trigger)).collect(),
                },
            ),
            (
                "count",
                Values::Int(all().map(|(_, _, e)| i64::from(e.count)).collect()),
            ),
            ("session_id", Values::Text(sessions)),
            ("event_id", Values::Text(ids)),
            (
                "duration_ms",
                Values::Int(all().map(|(_, _, e)| i64::from(e.duration_ms)).collect()),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: usize) -> Vec<RawEvent> {
        (0..n)
            .map(|i| RawEvent {
                second: i as u32,
                user: 0,
                feature: 0,
                duration_ms: 1,
                seq: i as u16,
                session: 0,
                trigger: 0,
                count: 1,
            })
            .collect()
    }

    #[test]
    fn pieces_cover_the_block_evenly() {
        let block = vec![(1, day(7)), (2, day(0)), (3, day(5))];
        let split = pieces(&block, 5);
        let sizes: Vec<usize> = split
            .iter()
            .map(|p| p.iter().map(|(_, e)| e.len()).sum())
            .collect();
        assert_eq!(sizes, [4, 4, 4]);
        assert_eq!(split[1], [(1, &block[0].1[4..7]), (3, &block[2].1[..1])]);
        assert_eq!(pieces(&[], 5).len(), 1);
    }
}
