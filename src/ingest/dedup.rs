//! Remembers which event ids ingest has already accepted, so a repeated event counts once.
//!
//! Ids are kept as 128-bit xxh3 hashes, 16 bytes each whatever the id's length: 100M events need
//! about 2.3 GB instead of the ids themselves. Two different ids share a hash with probability
//! about n^2 / 2^129 (about 10^-23 for 100M ids), far below any other source of error here.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_128;

/// Uses a value that is already a uniform hash as its own hash.
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for types other than u128; fold the bytes in.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// The event ids seen so far.
#[derive(Default)]
pub struct SeenIds {
    hashes: HashSet<u128, BuildHasherDefault<AlreadyHashed>>,
}

impl SeenIds {
    /// The hash an id is remembered by.
    pub fn hash(id: &str) -> u128 {
        xxh3_128(id.as_bytes())
    }

    /// Makes room for `more` ids without growing again.
    pub fn reserve(&mut self, more: usize) {
        self.hashes.reserve(more);
    }

    /// True the first time a hash is offered, false after.
    pub fn first_time(&mut self, hash: u128) -> bool {
        self.hashes.insert(hash)
    }
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
}
