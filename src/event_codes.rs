//! Numbers for the people and the (app, feature, trigger) triples seen in events, so that event
//! aggregation keys rows by integers instead of comparing and copying text per row. Numbers are
//! given in order of first appearance and never leave the aggregators: their outputs are turned
//! back into text and sorted by it.

use std::ops::RangeInclusive;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::frames::holds_value;

/// The event columns the aggregators read (the day is the timestamp's local day).
pub const EVENT_COLUMNS: [&str; 6] = ["user_id", "timestamp", "app", "feature", "trigger", "count"];

/// The people and triples seen so far.
pub struct EventCodes {
    users: Codes<String>,
    triples: Codes<UsageKey>,
}

impl Default for EventCodes {
    fn default() -> EventCodes {
        EventCodes {
            users: Codes::new(),
            triples: Codes::new(),
        }
    }
}

impl EventCodes {
    /// The numbers of a row's person and triple (a missing app is "", like an empty one).
    #[cfg(test)]
    fn code(
        &mut self,
        user: &str,
        app: Option<&str>,
        feature: Option<&str>,
        trigger: Option<&str>,
    ) -> (u32, u32) {
        (
            self.users.code(user),
            self.triples.code(
                app.unwrap_or_default(),
                feature.unwrap_or_default(),
                trigger,
            ),
        )
    }

    /// Numbers every row of `rows` (columns user_id, app, feature, trigger, day, count) whose
    /// day is in `days` and hands (user, triple, day, count) to `each`. Rows without a user, day
    /// or count are skipped (ingest accepts none).
    pub fn code_rows(
        &mut self,
        rows: &DataFrame,
        days: RangeInclusive<i32>,
        mut each: impl FnMut(u32, u32, i32, i64),
    ) -> Result<()> {
        let mut rows = rows.clone();
        // The same chunk boundaries in every column, so that a row is one index in each array.
        rows.align_chunks();
        let text = |name: &str| -> Result<&StringChunked> { Ok(rows.column(name)?.str()?) };
        let (users, apps, features, triggers) = (
            text("user_id")?,
            text("app")?,
            text("feature")?,
            text("trigger")?,
        );
        let (day_of, counts) = (rows.column("day")?.i32()?, rows.column("count")?.i64()?);
        let mut seen = SeenViews::default();
        for (chunk, user) in users.downcast_iter().enumerate() {
            let (Some(app), Some(feature), Some(trigger), Some(day), Some(count)) = (
                apps.downcast_get(chunk),
                features.downcast_get(chunk),
                triggers.downcast_get(chunk),
                day_of.downcast_get(chunk),
                counts.downcast_get(chunk),
            ) else {
                return Err(Error::Internal("event columns of unequal chunks".into()));
            };
            let chunk = chunk as u32;
            for row in 0..user.len() {
                if !(holds_value(user, row) && holds_value(day, row) && holds_value(count, row)) {
                    continue;
                }
                let on = day.value(row);
                if !days.contains(&on) {
                    continue;
                }
                let person = seen.users.code((chunk, user.views()[row].as_u128()), || {
                    self.users.code(user.value(row))
                });
                let key = (
                    chunk,
                    view(app, row),
                    view(feature, row),
                    view(trigger, row),
                );
                let triple = seen.triples.code(key, || {
                    self.triples.code(
                        app.get(row).unwrap_or_default(),
                        feature.get(row).unwrap_or_default(),
                        trigger.get(row),
                    )
                });
                each(person, triple, on, count.value(row));
            }
        }
        Ok(())
    }

    /// Gives numbers here to every person and triple numbered in `other` (a fork that numbered
    /// other batches), and returns, for each of `other`'s person and triple numbers, the number
    /// here.
    pub fn absorb(&mut self, other: &EventCodes) -> (Vec<u32>, Vec<u32>) {
        let users = other
            .users
            .values
            .iter()
            .map(|u| self.users.code(u))
            .collect();
        let triples = other
            .triples
            .values
            .iter()
            .map(|(app, feature, trigger)| self.triples.code(app, feature, trigger.as_deref()))
            .collect();
        (users, triples)
    }

    /// The person ids, by number.
    pub fn users(&self) -> &[String] {
        &self.users.values
    }

    /// How many (app, feature, trigger) triples have numbers.
    pub fn triple_count(&self) -> usize {
        self.triples.values.len()
    }

    /// The (app, feature, trigger) of a triple number.
    pub fn triple(&self, code: u32) -> &UsageKey {
        &self.triples.values[code as usize]
    }
}

/// Numbers already given in one batch, by the 16-byte view polars keeps of each string and the
/// array it is in: within one array, equal views are equal strings (a short string is held in its
/// view, a longer one is found by buffer and offset). Where an export's repeated values share a
/// view (dictionary-encoded Parquet), most rows are numbered without hashing or comparing text.
#[derive(Default)]
struct SeenViews {
    users: ViewCache<ViewKey>,
    /// A tuple rather than an array of views: compared field by field, inline, where an array
    /// is compared by a call to `memcmp`.
    triples: ViewCache<(u32, u128, u128, u128)>,
}

/// Misses after which a cache whose views do not repeat is given up.
const TRIAL_MISSES: usize = 1024;

/// Numbers by view, for as long as that pays: where equal values do not share a view (long
/// strings read from CSV), every row would miss and grow the cache, so once misses on values
/// already cached under another view outnumber the hits, the cache is dropped and text is looked
/// up directly. (A batch cut from several Parquet dictionaries holds each value under a few
/// views: those misses are few against the hits, and the cache stays.)
struct ViewCache<K> {
    codes: PlHashMap<K, u32>,
    /// Whether each number is cached (under some view).
    cached: Vec<bool>,
    hits: usize,
    /// Misses whose value was already cached under another view.
    wasted: usize,
    on: bool,
}

impl<K> Default for ViewCache<K> {
    fn default() -> ViewCache<K> {
        ViewCache {
            codes: PlHashMap::default(),
            cached: Vec::new(),
            hits: 0,
            wasted: 0,
            on: true,
        }
    }
}

impl<K: std::hash::Hash + Eq> ViewCache<K> {
    /// The number for `key`, from `by_text` when it is not cached.
    fn code(&mut self, key: K, by_text: impl FnOnce() -> u32) -> u32 {
        if !self.on {
            return by_text();
        }
        if let Some(&code) = self.codes.get(&key) {
            self.hits += 1;
            return code;
        }
        let code = by_text();
        let at = code as usize;
        if at >= self.cached.len() {
            self.cached.resize(at + 1, false);
        }
        if self.cached[at] {
            self.wasted += 1;
            if self.wasted > TRIAL_MISSES && self.wasted > self.hits {
                self.on = false;
                self.codes = PlHashMap::default();
                return code;
            }
        }
        self.cached[at] = true;
        self.codes.insert(key, code);
        code
    }
}

/// A string's array (its chunk in the column) and its view there.
type ViewKey = (u32, u128);

/// The view of a row's value in `array`, [`MISSING`] where missing (a key of three views is then
/// 48 bytes to hash and compare, not the 96 of three `Option<u128>`).
fn view(array: &<StringType as PolarsDataType>::Array, row: usize) -> u128 {
    if holds_value(array, row) {
        array.views()[row].as_u128()
    } else {
        MISSING
    }
}

/// Stands for a missing value among views: no real view is all ones (its length would be
/// 2^32 - 1 bytes).
const MISSING: u128 = u128::MAX;

/// Two numbers as one key.
pub fn pair(high: u32, low: u32) -> u64 {
    (u64::from(high) << 32) | u64::from(low)
}

pub fn unpair(value: u64) -> (u32, u32) {
    ((value >> 32) as u32, value as u32)
}

/// app, feature, trigger.
pub type UsageKey = (String, String, Option<String>);

/// Dense numbers for distinct values, in order of first appearance, looked up by a byte key.
struct Codes<V> {
    index: PlHashMap<Vec<u8>, u32>,
    values: Vec<V>,
    /// Scratch space for building a lookup key.
    key: Vec<u8>,
}

impl<V> Codes<V> {
    fn new() -> Codes<V> {
        Codes {
            index: PlHashMap::default(),
            values: Vec::new(),
            key: Vec::new(),
        }
    }

    /// The number of the value whose key is in `self.key`; `make` builds the value the first
    /// time.
    fn code_of_key(&mut self, make: impl FnOnce() -> V) -> u32 {
        if let Some(&code) = self.index.get(self.key.as_slice()) {
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
        self.key.extend_from_slice(value.as_bytes());
        self.code_of_key(|| value.to_string())
    }
}

impl Codes<UsageKey> {
    fn code(&mut self, app: &str, feature: &str, trigger: Option<&str>) -> u32 {
        self.key.clear();
        // Lengths first, so that no two triples share a key.
        for part in [Some(app), Some(feature), trigger] {
            match part {
                Some(text) => {
                    self.key
                        .extend_from_slice(&(text.len() as u64).to_le_bytes());
                    self.key.extend_from_slice(text.as_bytes());
                }
                None => self.key.extend_from_slice(&u64::MAX.to_le_bytes()),
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_cache_is_given_up_where_it_mostly_misses_and_numbers_stay_right() {
        // Every row a new view of one of three values, as long strings read from CSV are.
        let values = ["a", "b", "c"];
        let mut cache: ViewCache<u64> = ViewCache::default();
        for row in 0..10_000u64 {
            let value = (row % 3) as u32;
            assert_eq!(
                cache.code(row, || value),
                value,
                "{}",
                values[value as usize]
            );
        }
        assert!(!cache.on);
        assert!(cache.codes.is_empty());
        // Views that repeat keep it.
        let mut cache: ViewCache<u64> = ViewCache::default();
        for row in 0..10_000u64 {
            assert_eq!(cache.code(row % 3, || (row % 3) as u32), (row % 3) as u32);
        }
        assert!(cache.on);
        assert_eq!(cache.codes.len(), 3);
        // Each of 2,000 values under three views (a batch from three dictionaries), each view
        // used many times: most lookups hit, and the cache is kept.
        let mut cache: ViewCache<u64> = ViewCache::default();
        for row in 0..60_000u64 {
            let (value, dictionary) = (row % 2_000, row / 20_000);
            let view = dictionary * 1_000_000 + value;
            assert_eq!(cache.code(view, || value as u32), value as u32);
        }
        assert!(cache.on);
        assert_eq!(cache.codes.len(), 6_000);
    }

    #[test]
    fn equal_rows_share_numbers_and_different_triples_do_not() {
        let mut codes = EventCodes::default();
        let a = codes.code("u1", Some("crm"), Some("pivot"), Some("menu"));
        assert_eq!(
            codes.code("u1", Some("crm"), Some("pivot"), Some("menu")),
            a
        );
        // A missing app is the empty app; a missing trigger is not an empty one.
        assert_eq!(
            codes.code("u1", None, Some("pivot"), None).1,
            codes.code("u2", Some(""), Some("pivot"), None).1
        );
        let split = [
            codes.code("u1", Some("crmp"), Some("ivot"), Some("menu")).1,
            codes.code("u1", Some("crm"), Some("pivot"), Some("")).1,
            codes.code("u1", Some("crm"), Some("pivot"), None).1,
        ];
        assert!(!split.contains(&a.1));
        assert_ne!(split[1], split[2]);
        assert_eq!(codes.users(), ["u1", "u2"]);
        assert_eq!(
            codes.triple(a.1),
            &(
                "crm".to_string(),
                "pivot".to_string(),
                Some("menu".to_string())
            )
        );
        assert_eq!(unpair(pair(7, u32::MAX)), (7, u32::MAX));
    }
}
