//! Remembers which event ids ingest has already accepted, so a repeated event counts once.
//!
//! Each id is hashed to 128 bits (xxh3) and remembered by the hash's first *w* bits, its
//! fingerprint, in 8 bytes: the slot's place in the table holds the fingerprint's first bits, and
//! the slot holds the next ones and how far it lies from that place. *w* is 56 plus the base-2
//! logarithm of the slots the set starts with (enough for the first file's rows, at least 2^20),
//! and stays so as the set grows. Two different ids are taken for one only if their fingerprints
//! agree: for n ids a chance of about n^2 / 2^(w+1). Whatever the files, w is at least 76: at
//! most about 7 x 10^-8 for 100M ids. Daily files of about a million events give 77; one Parquet
//! file of 10M events, whose row count sizes the set at once, 80 (4 x 10^-11), and of 100M, 83
//! (5 x 10^-10). The 128-bit hashes themselves (kept until 2026-12-02: about 10^-23 for 100M
//! ids) took twice the memory, and 64-bit hashes (for one day) gave 3 x 10^-4 for 100M ids;
//! docs/performance.md says why memory is time here.
//!
//! The set is an open-addressing table probed linearly in "Robin Hood" order (along a run of
//! filled slots, fingerprints lie in the order of their places, so a lookup stops where one from
//! a later place begins), filled to at most three quarters. A fingerprint that would lie farther
//! from its place than a slot can say goes to a small overflow set instead. Random ids practically
//! never do (filled to three quarters, the farthest lay 25 to 33 slots away with 12.6M ids, 30
//! with 100.7M); ids made to share their first bits then cost lookups, not memory, where a table
//! that grew for them would double until they parted. With millions of ids the table is far larger
//! than the processor's caches, so nearly every lookup waits for main memory;
//! [`SeenIds::first_times`] therefore asks for the next group of ids' slots while it looks up a
//! group, so that the waits overlap instead of following one another.

use std::collections::BTreeSet;

use xxhash_rust::xxh3::xxh3_128;

/// Marks an empty slot; a filled one never equals it (its distance is stored plus one).
const EMPTY: u64 = 0;
/// Low bits of a slot that hold the slot's distance from its fingerprint's place, plus one.
const DISTANCE_BITS: u32 = 8;
/// Bits of a slot left for the fingerprint.
const REMAINDER_BITS: u32 = u64::BITS - DISTANCE_BITS;
/// The farthest a fingerprint may lie from its place; one that would lie farther goes to the
/// overflow set.
const MAX_DISTANCE: usize = (1 << DISTANCE_BITS) - 2;
/// The base-2 logarithm of the smallest set made (1M slots, 8 MiB): it keeps fingerprints at
/// least 76 bits long when the first file read is small.
const MIN_SLOT_BITS: u32 = 20;
/// Ids whose slots are fetched together (about as many misses as a core keeps in flight).
const GROUP: usize = 16;

/// The event ids seen so far.
pub struct SeenIds {
    /// `1 << slot_bits` long, or empty before the first id.
    slots: Vec<u64>,
    slot_bits: u32,
    /// The fingerprint's length in bits, set when the first slots are made.
    width: u32,
    /// Fingerprints in the slots.
    len: usize,
    /// Fingerprints that would have lain more than `max_distance` from their place.
    overflow: BTreeSet<u128>,
    max_distance: usize,
    min_slot_bits: u32,
}

impl Default for SeenIds {
    fn default() -> Self {
        SeenIds::with_limits(MIN_SLOT_BITS, MAX_DISTANCE)
    }
}

impl SeenIds {
    fn with_limits(min_slot_bits: u32, max_distance: usize) -> Self {
        SeenIds {
            slots: Vec::new(),
            slot_bits: 0,
            width: 0,
            len: 0,
            overflow: BTreeSet::new(),
            max_distance,
            min_slot_bits,
        }
    }

    /// The hash an id is remembered by.
    pub fn hash(id: &str) -> u128 {
        xxh3_128(id.as_bytes())
    }

    /// Makes room for `more` ids without growing again.
    pub fn reserve(&mut self, more: usize) {
        let bits = slot_bits_for(self.len + self.overflow.len() + more);
        if self.slots.is_empty() {
            if more == 0 {
                // The first slots fix the fingerprint's length: not before there are ids.
                return;
            }
            self.slot_bits = bits.max(self.min_slot_bits);
            self.width = self.slot_bits + REMAINDER_BITS;
            self.slots = empty_slots(1 << self.slot_bits);
        } else if bits > self.slot_bits {
            self.grow(bits);
        }
    }

    /// True the first time a hash is offered, false after.
    #[cfg(test)]
    pub fn first_time(&mut self, hash: u128) -> bool {
        self.first_times(&[hash])[0]
    }

    /// [`first_time`](Self::first_time) for each hash, in order (a hash repeated within `hashes`
    /// is new only the first time).
    pub fn first_times(&mut self, hashes: &[u128]) -> Vec<bool> {
        self.reserve(hashes.len());
        let fingerprints: Vec<u128> = hashes.iter().map(|h| self.fingerprint(*h)).collect();
        let mut out = Vec::with_capacity(hashes.len());
        let mut groups = fingerprints.chunks(GROUP).peekable();
        if let Some(first) = groups.peek() {
            self.prefetch(first);
        }
        while let Some(group) = groups.next() {
            // The next group's slots are fetched while this group is looked up.
            if let Some(next) = groups.peek() {
                self.prefetch(next);
            }
            out.extend(group.iter().map(|f| self.offer(*f)));
        }
        out
    }

    /// Asks the processor to fetch the slots where `fingerprints` belong, without waiting.
    fn prefetch(&self, fingerprints: &[u128]) {
        for f in fingerprints {
            let slot = &self.slots[self.place_of(*f)];
            // SAFETY: a prefetch reads nothing and changes nothing (here of a slot that exists); the
            // SSE it needs is part of every x86_64 processor.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    (slot as *const u64).cast(),
                );
            }
            #[cfg(not(target_arch = "x86_64"))]
            std::hint::black_box(*slot);
        }
    }

    /// True if the fingerprint is new, which it then is no more.
    fn offer(&mut self, fingerprint: u128) -> bool {
        match self.place(fingerprint) {
            Some(new) => new,
            // As far along its run as a slot can say, it was not found: the overflow set decides.
            None => self.overflow.insert(fingerprint),
        }
    }

    fn fingerprint(&self, hash: u128) -> u128 {
        hash >> (u128::BITS - self.width)
    }

    /// How many of a fingerprint's bits its slot holds (the rest are its place).
    fn shift(&self) -> u32 {
        self.width - self.slot_bits
    }

    fn place_of(&self, fingerprint: u128) -> usize {
        (fingerprint >> self.shift()) as usize
    }

    /// Looks a fingerprint up along its run and places it if new: Some(true) if new, Some(false)
    /// if there, None if `max_distance` slots along it was neither found nor placed. The run's
    /// slots never empty and only fill with fingerprints farther from their places, so a lookup
    /// of it later goes as far.
    fn place(&mut self, fingerprint: u128) -> Option<bool> {
        let mask = self.slots.len() - 1;
        let rest = (fingerprint as u64) & ((1u64 << self.shift()) - 1);
        let mut at = self.place_of(fingerprint);
        for dist in 0..=self.max_distance {
            let slot = self.slots[at];
            let mine = pack(rest, dist);
            if slot == EMPTY {
                self.slots[at] = mine;
                self.len += 1;
                return Some(true);
            }
            if slot == mine {
                return Some(false);
            }
            if distance(slot) < dist {
                // From here on, the run holds fingerprints of later places: this one is new. It
                // takes the slot, and the one there moves on.
                self.slots[at] = mine;
                match self.move_on(slot, at) {
                    Ok(()) => self.len += 1,
                    Err(moved) => {
                        self.overflow.insert(moved);
                    }
                }
                return Some(true);
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Puts the slot taken from `from` further along its run; where it would lie too far, the
    /// fingerprint then in hand.
    fn move_on(&mut self, mut slot: u64, mut from: usize) -> Result<(), u128> {
        let mask = self.slots.len() - 1;
        loop {
            let dist = distance(slot) + 1;
            let at = (from + 1) & mask;
            let rest = slot >> DISTANCE_BITS;
            if dist > self.max_distance {
                return Err(joined(at.wrapping_sub(dist) & mask, rest, self.shift()));
            }
            slot = pack(rest, dist);
            let there = self.slots[at];
            if there == EMPTY {
                self.slots[at] = slot;
                return Ok(());
            }
            if distance(there) < dist {
                self.slots[at] = slot;
                slot = there;
            }
            from = at;
        }
    }

    /// Moves every fingerprint, those of the overflow set too, into `1 << slot_bits` slots. The
    /// old slots are held until all have moved.
    fn grow(&mut self, slot_bits: u32) {
        let old = std::mem::take(&mut self.slots);
        let old_shift = self.shift();
        let overflow = std::mem::take(&mut self.overflow);
        self.slot_bits = slot_bits.min(self.width);
        self.slots = empty_slots(1 << self.slot_bits);
        self.len = 0;
        let mask = old.len() - 1;
        for (at, slot) in old.iter().enumerate().filter(|(_, slot)| **slot != EMPTY) {
            let place = at.wrapping_sub(distance(*slot)) & mask;
            self.offer(joined(place, slot >> DISTANCE_BITS, old_shift));
        }
        for fingerprint in overflow {
            self.offer(fingerprint);
        }
    }
}

/// The base-2 logarithm of the slots `ids` ids need, filling at most three quarters.
fn slot_bits_for(ids: usize) -> u32 {
    (ids * 4 / 3 + 1).next_power_of_two().trailing_zeros()
}

/// The fingerprint whose first bits are `place` and whose last `shift` bits are `rest`.
fn joined(place: usize, rest: u64, shift: u32) -> u128 {
    ((place as u128) << shift) | u128::from(rest)
}

fn pack(rest: u64, dist: usize) -> u64 {
    (rest << DISTANCE_BITS) | (dist as u64 + 1)
}

/// How far a filled slot lies from its fingerprint's place.
fn distance(slot: u64) -> usize {
    (slot & ((1 << DISTANCE_BITS) - 1)) as usize - 1
}

/// `n` empty slots, each memory page written once, in order. A zeroed allocation leaves fresh
/// pages untouched; probed at random, nearly every page would then fault twice: mapped as the
/// shared zero page by the first read, then copied at the first write, which also makes every
/// core drop its cached translation of the page.
fn empty_slots(n: usize) -> Vec<u64> {
    let mut slots = vec![EMPTY; n];
    crate::allocator::advise_huge_pages(&mut slots);
    let per_page = 4096 / size_of::<u64>();
    for page in slots.chunks_mut(per_page) {
        // The slot already holds EMPTY: the write is kept only because the compiler cannot see
        // through `black_box` that it changes nothing.
        *std::hint::black_box(&mut page[0]) = EMPTY;
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn an_id_is_new_once() {
        let mut seen = SeenIds::default();
        assert!(seen.first_time(SeenIds::hash("e1")));
        assert!(seen.first_time(SeenIds::hash("e2")));
        assert!(!seen.first_time(SeenIds::hash("e1")));
        // Ids that differ only in length or case are different ids.
        assert!(seen.first_time(SeenIds::hash("e10")));
        assert!(seen.first_time(SeenIds::hash("E1")));
    }

    /// Hashes of `n` ids drawn with repeats, some sharing their first 64 bits.
    fn hashes(n: u64) -> Vec<u128> {
        (0..n)
            .map(|i| {
                let h = SeenIds::hash(&(i % 1_300).to_string());
                // Every seventh keeps the first 64 bits of the hash of `i % 1_300` and differs in
                // the 65th: a different id that a 64-bit hash would have taken for that one, and
                // that any set made with at least 2^9 slots tells apart.
                if i % 7 == 3 { h ^ (1 << 63) } else { h }
            })
            .collect()
    }

    fn expected(hashes: &[u128]) -> Vec<bool> {
        let mut set = HashSet::new();
        hashes.iter().map(|h| set.insert(*h)).collect()
    }

    #[test]
    fn a_batch_agrees_with_a_plain_set_while_the_set_grows() {
        let ids = hashes(5_000);
        let expected = expected(&ids);
        for (min_slot_bits, max_distance) in [(MIN_SLOT_BITS, MAX_DISTANCE), (9, MAX_DISTANCE)] {
            let mut batched = SeenIds::with_limits(min_slot_bits, max_distance);
            let got: Vec<bool> = ids
                .chunks(333)
                .flat_map(|batch| batched.first_times(batch))
                .collect();
            assert_eq!(got, expected, "min_slot_bits {min_slot_bits}");
            assert_eq!(batched.len, expected.iter().filter(|new| **new).count());
        }
        assert!(expected.iter().filter(|new| **new).count() > 1_300);
    }

    #[test]
    fn runs_too_long_go_to_the_overflow_set_and_the_set_grows_only_to_fill() {
        // Runs of at most two slots: many fingerprints go to the overflow set, some of them
        // moved on by a new one, and come back to the slots as the set grows.
        let ids = hashes(3_000);
        let mut seen = SeenIds::with_limits(9, 2);
        let got: Vec<bool> = ids.iter().map(|h| seen.first_time(*h)).collect();
        assert_eq!(got, expected(&ids));
        assert!(!seen.overflow.is_empty());
        assert_eq!(
            seen.len + seen.overflow.len(),
            got.iter().filter(|n| **n).count()
        );
        assert_eq!(
            seen.slots.len(),
            1 << slot_bits_for(seen.len + seen.overflow.len())
        );
        for (at, slot) in seen.slots.iter().enumerate().filter(|(_, s)| **s != EMPTY) {
            assert!(distance(*slot) <= 2, "slot {at}");
        }
    }

    #[test]
    fn runs_wrap_round_the_end_of_the_slots() {
        // First bits 000000, 000011, 111100, 111111 in 4 slots, then 8: runs that cross the
        // end of the slots, longer than the one slot allowed.
        let hashes: Vec<u128> = [0b000000u128, 0b000011, 0b111100, 0b111111]
            .iter()
            .map(|b| (b << 122) | 0x1234)
            .collect();
        let mut seen = SeenIds::with_limits(2, 1);
        let first: Vec<bool> = hashes.iter().map(|h| seen.first_time(*h)).collect();
        let again: Vec<bool> = hashes.iter().map(|h| seen.first_time(*h)).collect();
        assert_eq!((first, again), (vec![true; 4], vec![false; 4]));
    }

    #[test]
    fn ids_made_to_share_their_first_bits_cost_no_memory() {
        // 600 different hashes with the same first 58 bits: one run, far longer than a slot can
        // say. A set that grew for long runs would double until they parted (2^58 slots).
        let hashes: Vec<u128> = (0..600u128).map(|i| (0xABCD << 112) | (i << 60)).collect();
        let mut seen = SeenIds::default();
        assert_eq!(
            seen.first_times(&hashes),
            vec![true; 600],
            "all new the first time"
        );
        assert_eq!(
            seen.first_times(&hashes),
            vec![false; 600],
            "all seen after"
        );
        assert_eq!(seen.slots.len(), 1 << MIN_SLOT_BITS);
        assert_eq!(seen.overflow.len(), 600 - MAX_DISTANCE - 1);
    }

    #[test]
    fn nothing_is_made_before_the_first_id() {
        let mut seen = SeenIds::default();
        seen.reserve(0);
        assert!(seen.first_times(&[]).is_empty());
        assert!(seen.slots.is_empty());
        assert_eq!(
            seen.width, 0,
            "the fingerprint's length waits for the first file's ids"
        );
    }

    #[test]
    fn ids_are_told_apart_by_their_first_bits_only() {
        let mut seen = SeenIds::default();
        let h = SeenIds::hash("e1");
        assert_eq!(seen.width, 0);
        assert!(seen.first_time(h));
        assert_eq!(seen.width, MIN_SLOT_BITS + REMAINDER_BITS);
        // The last bit of the fingerprint tells two hashes apart; the bits after it do not.
        let last = u128::BITS - seen.width;
        assert!(seen.first_time(h ^ (1u128 << last)));
        assert!(!seen.first_time(h ^ (1u128 << (last - 1))));
        // A set made for more ids keeps longer fingerprints.
        let mut big = SeenIds::default();
        big.reserve(10_000_000);
        assert_eq!(big.width, 24 + REMAINDER_BITS);
    }
}
