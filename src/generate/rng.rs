//! Seed derivation and the small samplers the generator uses.
//!
//! Every random stream is a `ChaCha8Rng` seeded from (seed, stream, a, b) through splitmix64, so
//! what one user on one day gets never depends on scheduling, thread count or other users.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The independent random streams the generator draws from.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Stream {
    Catalog = 1,
    Org = 2,
    Profile = 3,
    Events = 4,
    Training = 5,
    Help = 6,
    Feedback = 7,
}

/// The splitmix64 finaliser: a fixed, well-mixing bijection on u64.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for one (stream, a, b) cell of the run seeded with `seed`.
pub fn rng_for(seed: u64, stream: Stream, a: u64, b: u64) -> ChaCha8Rng {
    let mut h = splitmix64(seed ^ 0xADE9_7000_0000_0000);
    for part in [stream as u64, a, b] {
        h = splitmix64(h ^ splitmix64(part.wrapping_add(0x51ED_2701)));
    }
    let mut key = [0u8; 32];
    let mut state = h;
    for chunk in key.chunks_exact_mut(8) {
        state = splitmix64(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// A uniform draw from `[lo, hi)`.
pub fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal multiplier with median 1.
pub fn lognormal(rng: &mut impl Rng, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

/// A cheap, roughly normal draw (sum of three uniforms, variance 1), for the per-event hot path.
pub fn quick_normal(rng: &mut impl Rng) -> f64 {
    let s: f64 = rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>();
    (s - 1.5) * 2.0
}

/// An exponential draw with the given mean.
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

/// A Poisson draw (Knuth for small means, a rounded normal for large ones).
pub fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + mean.sqrt() * normal(rng)).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.random::<f64>();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// Index drawn from cumulative weights (`cum` ascending, last element the total).
pub fn pick_cumulative(rng: &mut impl Rng, cum: &[f64]) -> usize {
    let total = *cum.last().expect("non-empty weights");
    let x = rng.random::<f64>() * total;
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

/// Index drawn from plain weights.
pub fn pick_weighted(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Up to `k` distinct indices of `weights`, drawn without replacement in proportion to weight
/// (Efraimidis-Spirakis), returned in draw order. Zero weights are never drawn.
pub fn sample_without_replacement(rng: &mut impl Rng, weights: &[f64], k: usize) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0.0)
        .map(|(i, w)| {
            let u: f64 = rng.random::<f64>().max(1e-300);
            (u.ln() / w, i)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.truncate(k);
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Splits `total` into shares proportional to `weights` (largest remainder; ties by index).
pub fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut left = total - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// Fisher-Yates shuffle.
pub fn shuffle<T>(rng: &mut impl Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = rng_for(1, Stream::Events, 2, 3).random();
        let b: u64 = rng_for(1, Stream::Events, 2, 3).random();
        let c: u64 = rng_for(1, Stream::Events, 3, 2).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn apportion_keeps_the_total() {
        let counts = apportion(101, &[0.5, 0.3, 0.2]);
        assert_eq!(counts.iter().sum::<usize>(), 101);
        assert!(counts[0] > counts[1] && counts[1] > counts[2]);
    }
}
