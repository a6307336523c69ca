//! A time zone's wall clock for many timestamps in a row (naive timestamps read in the configured
//! zone, and the local day of every event): the zone's offset is looked up once per hour and
//! reused for every timestamp in that hour. Each chrono-tz lookup is a binary search over the
//! zone's history; done per timestamp, it made a run on 10M events in Europe/Berlin about 40%
//! more CPU than in UTC. The results are chrono-tz's, timestamp for timestamp.
//!
//! One assumption: a zone's offset does not change and change back within one hour. An hour whose
//! two ends have different offsets, or fall in a skipped or repeated hour, is converted timestamp
//! by timestamp, exactly.

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone as _};
use chrono_tz::Tz;
use polars::prelude::*;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
/// Hours remembered in each direction (90 days of events span 2,160).
const SLOTS: usize = 4096;
/// Stands for "convert each timestamp of this hour exactly" among offsets.
const EXACT: i64 = i64::MIN;
/// An empty slot (no real hour is this low).
const NO_HOUR: i64 = i64::MIN;

/// Converts UTC milliseconds to the zone's wall clock and back, remembering each hour's offset.
pub struct WallClock {
    tz: Tz,
    /// By UTC hour: (hour, offset in ms added to UTC to get the wall clock, or [`EXACT`]).
    from_utc: Vec<(i64, i64)>,
    /// By wall-clock hour: (hour, offset in ms subtracted from the wall clock to get UTC, or
    /// [`EXACT`]).
    from_local: Vec<(i64, i64)>,
}

impl WallClock {
    /// A clock for `tz`; it holds no memory until a zone other than UTC is asked for.
    pub fn new(tz: Tz) -> WallClock {
        WallClock {
            tz,
            from_utc: Vec::new(),
            from_local: Vec::new(),
        }
    }

    /// The wall-clock time (as milliseconds since 1970-01-01 00:00 on that clock) at UTC
    /// milliseconds `utc`; None outside the range chrono can represent.
    pub fn local_millis(&mut self, utc: i64) -> Option<i64> {
        if self.tz == Tz::UTC {
            return Some(utc);
        }
        let tz = self.tz;
        let offset = remembered(&mut self.from_utc, utc.div_euclid(HOUR), |start, end| {
            steady(utc_offset(tz, start), utc_offset(tz, end))
        });
        if offset == EXACT {
            utc.checked_add(utc_offset(tz, utc)?)
        } else {
            Some(utc + offset)
        }
    }

    /// The local day (days since 1970-01-01 on the zone's calendar) of UTC milliseconds `utc`.
    pub fn local_day(&mut self, utc: i64) -> Option<i32> {
        i32::try_from(self.local_millis(utc)?.div_euclid(DAY)).ok()
    }

    /// UTC milliseconds of a wall-clock time given as milliseconds since 1970-01-01 00:00 on the
    /// zone's clock: None for a time skipped when the clocks went forward; the earlier instant
    /// for a time repeated when they went back (as [`local_to_millis`] does).
    ///
    /// [`local_to_millis`]: crate::ingest::local_to_millis
    pub fn utc_millis(&mut self, local: i64) -> Option<i64> {
        if self.tz == Tz::UTC {
            return Some(local);
        }
        let tz = self.tz;
        let offset = remembered(
            &mut self.from_local,
            local.div_euclid(HOUR),
            |start, end| steady(local_offset(tz, start), local_offset(tz, end)),
        );
        if offset == EXACT {
            local.checked_sub(local_offset_earliest(tz, local)?)
        } else {
            Some(local - offset)
        }
    }

    /// [`WallClock::utc_millis`] of a wall-clock time.
    pub fn utc_millis_of(&mut self, local: NaiveDateTime) -> Option<i64> {
        self.utc_millis(local.and_utc().timestamp_millis())
    }
}

/// The local day (days since 1970-01-01 in `tz`) of a UTC timestamp column.
pub fn local_day(column: &str, tz: Tz) -> Expr {
    col(column).map(
        move |c| local_days(&c, tz),
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
    )
}

fn local_days(column: &Column, tz: Tz) -> PolarsResult<Column> {
    let utc = column.cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))?;
    let mut clock = WallClock::new(tz);
    let days: Int32Chunked = utc
        .to_physical_repr()
        .i64()?
        .iter()
        .map(|ms| ms.and_then(|ms| clock.local_day(ms)))
        .collect();
    Ok(days.with_name(column.name().clone()).into_column())
}

/// The offset remembered for `hour`, worked out from the hour's first and last millisecond by
/// `work_out` when it is not.
fn remembered(
    slots: &mut Vec<(i64, i64)>,
    hour: i64,
    work_out: impl FnOnce(i64, i64) -> i64,
) -> i64 {
    if slots.is_empty() {
        slots.resize(SLOTS, (NO_HOUR, EXACT));
    }
    let slot = &mut slots[hour.rem_euclid(SLOTS as i64) as usize];
    if slot.0 != hour {
        let bounds = hour
            .checked_mul(HOUR)
            .and_then(|start| Some((start, start.checked_add(HOUR - 1)?)));
        let offset = match bounds {
            Some((start, end)) => work_out(start, end),
            None => EXACT,
        };
        *slot = (hour, offset);
    }
    slot.1
}

/// The offset of an hour whose two ends have the same one, else [`EXACT`].
fn steady(start: Option<i64>, end: Option<i64>) -> i64 {
    match (start, end) {
        (Some(a), Some(b)) if a == b => a,
        _ => EXACT,
    }
}

/// The zone's offset from UTC, in ms, at UTC milliseconds `utc`.
fn utc_offset(tz: Tz, utc: i64) -> Option<i64> {
    let at = DateTime::from_timestamp_millis(utc)?.naive_utc();
    Some(i64::from(tz.offset_from_utc_datetime(&at).fix().local_minus_utc()) * 1000)
}

/// The zone's offset, in ms, at a wall-clock time that occurs exactly once.
fn local_offset(tz: Tz, local: i64) -> Option<i64> {
    let at = DateTime::from_timestamp_millis(local)?.naive_utc();
    let offset = tz.offset_from_local_datetime(&at).single()?;
    Some(i64::from(offset.fix().local_minus_utc()) * 1000)
}

/// The zone's offset, in ms, at a wall-clock time, the earlier instant where it occurs twice.
fn local_offset_earliest(tz: Tz, local: i64) -> Option<i64> {
    let at = DateTime::from_timestamp_millis(local)?.naive_utc();
    let utc = tz.from_local_datetime(&at).earliest()?.timestamp_millis();
    local.checked_sub(utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::local_to_millis;
    use rand_xoshiro::Xoshiro256Plus;
    use rand_xoshiro::rand_core::{RngCore, SeedableRng};

    /// chrono-tz's answers, one timestamp at a time.
    fn exact_local(tz: Tz, utc: i64) -> Option<i64> {
        Some(utc + utc_offset(tz, utc)?)
    }

    fn exact_utc(tz: Tz, local: i64) -> Option<i64> {
        local_to_millis(DateTime::from_timestamp_millis(local)?.naive_utc(), tz)
    }

    /// Instants of 1900 to 2100 at random, and every five minutes (and a millisecond either
    /// side) for three hours around each change of offset in 2020 to 2026, read as UTC and as
    /// wall-clock times on either side of the change.
    fn instants(tz: Tz, seed: u64) -> Vec<i64> {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let (from, to) = (-2_208_988_800_000i64, 4_102_444_800_000i64);
        let mut out: Vec<i64> = (0..2_000)
            .map(|_| from + (rng.next_u64() % (to - from) as u64) as i64)
            .collect();
        let (start, end) = (1_577_836_800_000i64, 1_798_761_600_000i64);
        let mut hour = start;
        while hour < end {
            let (before, after) = (utc_offset(tz, hour), utc_offset(tz, hour + HOUR));
            if before != after {
                let (before, after) = (before.unwrap(), after.unwrap());
                for step in -18..=18 {
                    for edge in [-1, 0, 1] {
                        let t = hour + step * 300_000 + edge;
                        out.extend([t, t + before, t + after]);
                    }
                }
            }
            hour += HOUR;
        }
        out
    }

    #[test]
    fn every_zone_converts_as_chrono_tz_does_timestamp_for_timestamp() {
        for (seed, tz) in chrono_tz::TZ_VARIANTS.iter().enumerate() {
            let mut clock = WallClock::new(*tz);
            let times = instants(*tz, seed as u64);
            // Twice: the second time from what the clock remembers.
            for _ in 0..2 {
                for &t in &times {
                    assert_eq!(clock.local_millis(t), exact_local(*tz, t), "{tz} {t}");
                    assert_eq!(clock.utc_millis(t), exact_utc(*tz, t), "{tz} local {t}");
                }
            }
        }
    }

    #[test]
    fn days_follow_the_zone_and_skipped_times_are_none() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let mut clock = WallClock::new(berlin);
        // 2025-07-01 23:30 UTC is already 2 July in Berlin (UTC+2); 1 July in UTC.
        let late = 1_751_412_600_000;
        assert_eq!(clock.local_day(late), Some(20_271));
        assert_eq!(WallClock::new(Tz::UTC).local_day(late), Some(20_270));
        // Before 1970 days count down (floor, not truncation).
        assert_eq!(WallClock::new(Tz::UTC).local_day(-1), Some(-1));
        // 2025-03-30 02:30 did not happen in Berlin; 2025-10-26 02:30 happened twice.
        let skipped = NaiveDateTime::parse_from_str("2025-03-30 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(clock.utc_millis_of(skipped), None);
        let twice = NaiveDateTime::parse_from_str("2025-10-26 02:30", "%Y-%m-%d %H:%M").unwrap();
        // The earlier instant: 00:30 UTC (still summer time, UTC+2).
        assert_eq!(clock.utc_millis_of(twice), Some(1_761_438_600_000));
        assert_eq!(clock.local_millis(i64::MAX), None);
        assert_eq!(clock.utc_millis(i64::MIN), None);
    }
}
