//! Remembers which event ids ingest has already accepted, so a repeated event counts once.
//!
//! Ids are kept as 64-bit xxh3 hashes, 8 bytes each whatever the id's length: 100M events need
//! about 1.1 GB instead of the ids themselves. A new id whose hash equals that of an id already
//! kept is taken for a duplicate: two different ids share a hash with probability about
//! n^2 / 2^65, about 3 x 10^-6 for 10M ids, 3 x 10^-4 for 100M (one run in about 3,700 would
//! count one event as a duplicate of another) and 3 x 10^-2 for 1,000M. A 128-bit hash, kept
//! until 2026-12-02 (about 10^-23 for 100M ids), took twice the memory; on virtual machines that
//! back fresh memory slowly, that made the whole run about a tenth slower at 10M events
//! (docs/performance.md).
//!
//! The set is an open-addressing table probed linearly, filled to at most three quarters. With
//! millions of ids it is far larger than the processor's caches, so nearly every lookup waits for
//! main memory; [`SeenIds::first_times`] therefore loads a group of ids' slots before it looks
//! any of them up, so that the waits overlap instead of following one another.

use xxhash_rust::xxh3::xxh3_64;

/// Marks an empty slot. A hash equal to it is stored as [`EMPTY_STAND_IN`] (the two hashes are
/// then one: a chance of 2^-63 per id).
const EMPTY: u64 = 0;
const EMPTY_STAND_IN: u64 = 1;
/// Ids whose slots are loaded together (about as many misses as a core keeps in flight).
const GROUP: usize = 16;

/// The event ids seen so far.
#[derive(Default)]
pub struct SeenIds {
    /// A power of two long (or empty).
    slots: Vec<u64>,
    len: usize,
}

impl SeenIds {
    /// The hash an id is remembered by.
    pub fn hash(id: &str) -> u64 {
        xxh3_64(id.as_bytes())
    }

    /// Makes room for `more` ids without growing again.
    pub fn reserve(&mut self, more: usize) {
        let needed = self.len + more;
        if needed * 4 > self.slots.len() * 3 {
            self.resize((needed * 4 / 3 + 1).next_power_of_two());
        }
    }

    /// True the first time a hash is offered, false after.
    #[cfg(test)]
    pub fn first_time(&mut self, hash: u64) -> bool {
        self.reserve(1);
        self.insert(stored(hash))
    }

    /// [`first_time`](Self::first_time) for each hash, in order (a hash repeated within `hashes`
    /// is new only the first time).
    pub fn first_times(&mut self, hashes: &[u64]) -> Vec<bool> {
        self.reserve(hashes.len());
        let mut out = Vec::with_capacity(hashes.len());
        for group in hashes.chunks(GROUP) {
            // Independent loads: the processor fetches all of the group's slots at once, and the
            // inserts below find them in cache.
            let touched = group
                .iter()
                .fold(0u64, |acc, h| acc ^ self.slots[self.home(stored(*h))]);
            std::hint::black_box(touched);
            out.extend(group.iter().map(|h| self.insert(stored(*h))));
        }
        out
    }

    fn home(&self, hash: u64) -> usize {
        (hash as usize) & (self.slots.len() - 1)
    }

    /// Inserts a stored hash; true if it was not there. Room must have been reserved.
    fn insert(&mut self, hash: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            match self.slots[at] {
                EMPTY => {
                    self.slots[at] = hash;
                    self.len += 1;
                    return true;
                }
                there if there == hash => return false,
                _ => at = (at + 1) & mask,
            }
        }
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, empty_slots(slots));
        self.len = 0;
        for hash in old.into_iter().filter(|h| *h != EMPTY) {
            self.insert(hash);
        }
    }
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

fn stored(hash: u64) -> u64 {
    if hash == EMPTY { EMPTY_STAND_IN } else { hash }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_batch_agrees_with_one_id_at_a_time_while_the_set_grows() {
        // Repeats within a batch, across batches, and the hash that marks an empty slot.
        let ids: Vec<u64> = (0..5_000u64)
            .map(|i| {
                if i % 7 == 3 {
                    0
                } else {
                    SeenIds::hash(&(i % 1_300).to_string())
                }
            })
            .collect();
        let mut one = SeenIds::default();
        let expected: Vec<bool> = ids.iter().map(|h| one.first_time(*h)).collect();
        let mut batched = SeenIds::default();
        let got: Vec<bool> = ids
            .chunks(333)
            .flat_map(|batch| batched.first_times(batch))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(expected.iter().filter(|new| **new).count(), 1_301);
        assert_eq!(batched.len, 1_301);
    }
}
