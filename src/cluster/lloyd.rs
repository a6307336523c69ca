//! k-means as linfa 0.8 fits it (k-means++ starts, Lloyd's iterations with the old centroid
//! counted as one more member, the run of least inertia kept), without its cost per row: linfa
//! measures every distance through generic array views and hands every iteration's rows to
//! rayon, which for a few thousand people in a handful of dimensions took most of the cluster
//! stage. The arithmetic is linfa's, in linfa's order, and the starts draw from the same
//! generator in the same way, so the centroids and labels are the same to the last bit (a test
//! compares the two).

use ndarray::{Array1, Array2};
use ndarray_rand::rand::distributions::{Distribution, WeightedIndex};
use rand_xoshiro::Xoshiro256Plus;

/// Iterations at most per run, as adept has always asked of linfa.
const MAX_ITERATIONS: u64 = 300;
/// A run stops when the centroids move less than this (linfa's measure: the distance between
/// the old and new centroid matrices).
const TOLERANCE: f64 = 1e-6;

/// What a fit is asked for (linfa's `KMeansParams` of the same names).
pub struct Lloyd {
    k: usize,
    n_runs: usize,
}

impl Lloyd {
    /// `k` centroids, the best of `n_runs` runs.
    pub fn new(k: usize, n_runs: usize) -> Lloyd {
        Lloyd { k, n_runs }
    }

    /// The label of every row of `data` and the centroids; None where no run's inertia is
    /// finite (values that are not numbers), where linfa fails too, or where `data` has no
    /// columns (a profile always has one: volume).
    pub fn fit(
        &self,
        data: &Array2<f64>,
        rng: &Xoshiro256Plus,
    ) -> Option<(Array1<usize>, Array2<f64>)> {
        if data.ncols() == 0 {
            return None;
        }
        let points = Points::of(data);
        let mut rng = rng.clone();
        let mut best: Option<(f64, Vec<f64>)> = None;
        for _ in 0..self.n_runs {
            let (centroids, inertia) = self.run(&points, &mut rng);
            if inertia < best.as_ref().map_or(f64::INFINITY, |b| b.0) {
                best = Some((inertia, centroids));
            }
        }
        let (_, centroids) = best?;
        let labels = (0..points.n)
            .map(|i| closest(&centroids, points.dim, points.row(i)).0)
            .collect();
        let centroids = Array2::from_shape_vec((self.k, points.dim), centroids).ok()?;
        Some((labels, centroids))
    }

    /// One run from a k-means++ start: the centroids (row-major) and the inertia.
    fn run(&self, points: &Points, rng: &mut Xoshiro256Plus) -> (Vec<f64>, f64) {
        let mut centroids = plus_plus(points, self.k, rng);
        let mut members = vec![0usize; points.n];
        let mut dists = Array1::<f64>::zeros(points.n);
        let mut iterations = 0;
        loop {
            for (i, (member, dist)) in members.iter_mut().zip(dists.iter_mut()).enumerate() {
                (*member, *dist) = closest(&centroids, points.dim, points.row(i));
            }
            let moved = updated(&centroids, points, &members);
            let shift = squared_distance(&centroids, &moved).sqrt();
            centroids = moved;
            iterations += 1;
            if shift < TOLERANCE || iterations == MAX_ITERATIONS {
                // ndarray's own sum, whose order of additions linfa's inertia has.
                return (centroids, dists.sum());
            }
        }
    }
}

/// The rows of a matrix, contiguous.
struct Points {
    values: Vec<f64>,
    n: usize,
    dim: usize,
}

impl Points {
    fn of(data: &Array2<f64>) -> Points {
        Points {
            values: data.iter().copied().collect(),
            n: data.nrows(),
            dim: data.ncols(),
        }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }
}

/// The squared distance, summed in index order (ndarray-stats' `sq_l2_dist`).
fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (a, b) in a.iter().zip(b) {
        let diff = a - b;
        sum += diff * diff;
    }
    sum
}

/// The nearest of `centroids` (row-major, `dim` wide) and its squared distance: the first of
/// equals, as linfa's `closest_centroid` (which measures the first centroid twice).
fn closest(centroids: &[f64], dim: usize, point: &[f64]) -> (usize, f64) {
    let mut best = (0, squared_distance(&centroids[..dim], point));
    for (c, centroid) in centroids.chunks_exact(dim).enumerate() {
        let d = squared_distance(centroid, point);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// New centroids: the members' sum plus the old centroid, over the members plus one (linfa's
/// `compute_centroids`).
fn updated(old: &[f64], points: &Points, members: &[usize]) -> Vec<f64> {
    let dim = points.dim;
    let mut sums = vec![0.0; old.len()];
    let mut counts = vec![1usize; old.len() / dim];
    for (i, &m) in members.iter().enumerate() {
        for (sum, x) in sums[m * dim..(m + 1) * dim].iter_mut().zip(points.row(i)) {
            *sum += x;
        }
        counts[m] += 1;
    }
    for (sum, old) in sums.iter_mut().zip(old) {
        *sum += old;
    }
    for (centroid, &count) in sums.chunks_exact_mut(dim).zip(&counts) {
        for value in centroid {
            *value /= count as f64;
        }
    }
    sums
}

/// k-means++ starts with every point weighing the same (linfa's `k_means_plusplus`): the first
/// centroid drawn uniformly, each next one with probability in proportion to the squared
/// distance to the nearest centroid so far.
fn plus_plus(points: &Points, k: usize, rng: &mut Xoshiro256Plus) -> Vec<f64> {
    let dim = points.dim;
    let mut centroids = vec![0.0; k * dim];
    // Drawn as a weighted draw over equal weights, not a uniform index: that is how linfa draws
    // it, and another way would take other numbers from the generator.
    let ones = vec![1.0f64; points.n];
    let first = WeightedIndex::new(ones.iter()).map_or(0, |w| w.sample(rng));
    centroids[..dim].copy_from_slice(points.row(first));
    let mut dists = vec![0.0f64; points.n];
    for chosen in 1..k {
        for (i, dist) in dists.iter_mut().enumerate() {
            *dist = closest(&centroids[..chosen * dim], dim, points.row(i)).1;
        }
        // All distances 0: every point is a centroid already, and any index will do.
        let next = WeightedIndex::new(dists.iter()).map_or(0, |w| w.sample(rng));
        centroids[chosen * dim..(chosen + 1) * dim].copy_from_slice(points.row(next));
    }
    centroids
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use linfa_clustering::{KMeans, KMeansInit};
    use rand_xoshiro::rand_core::SeedableRng;

    /// linfa's fit; None where it fails.
    fn linfa_fit(data: &Array2<f64>, k: usize, seed: u64) -> Option<(Array1<usize>, Array2<f64>)> {
        let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .n_runs(5)
            .init_method(KMeansInit::KMeansPlusPlus)
            .max_n_iterations(MAX_ITERATIONS)
            .tolerance(TOLERANCE)
            .fit(&DatasetBase::from(data.clone()))
            .ok()?;
        Some((model.predict(data), model.centroids().clone()))
    }

    /// Ours and linfa's fits agree to the last bit (or both fail) for k from 2 to `k_max`.
    fn agrees_with_linfa(data: &Array2<f64>, k_max: usize, seed: u64) {
        for k in 2..=k_max {
            let ours = Lloyd::new(k, 5).fit(data, &Xoshiro256Plus::seed_from_u64(seed));
            let theirs = linfa_fit(data, k, seed);
            let n = data.nrows();
            let (Some(ours), Some(theirs)) = (&ours, &theirs) else {
                assert_eq!(ours.is_some(), theirs.is_some(), "n {n}, k {k}");
                continue;
            };
            assert_eq!(ours.0, theirs.0, "labels, n {n}, k {k}");
            let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&ours.1), bits(&theirs.1), "centroids, n {n}, k {k}");
        }
    }

    #[test]
    fn the_same_centroids_and_labels_as_linfa_to_the_last_bit() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let cases = [(300, 7), (1_000, 3), (57, 5), (2_000, 2), (400, 2), (90, 3)];
        for (case, (n, dim)) in cases.into_iter().enumerate() {
            // Blobs around a few centres, some points repeated exactly; the last two cases on a
            // grid of a few whole numbers, where points lie exactly as far from two centroids.
            let grid = case >= 4;
            let mut data = Array2::<f64>::zeros((n, dim));
            for i in 0..n {
                let centre = (i % 4) as f64;
                for j in 0..dim {
                    data[[i, j]] = if grid {
                        (next() * 3.0).floor()
                    } else if i % 10 == 9 {
                        data[[i - 1, j]]
                    } else {
                        centre * (j as f64 + 1.0) + next()
                    };
                }
            }
            agrees_with_linfa(&data, 8, 42 + case as u64);
        }
        // Fewer distinct points than centroids: k-means++ runs out of points to draw.
        let few = Array2::from_shape_fn((30, 2), |(i, j)| ((i % 3) * (j + 1)) as f64);
        agrees_with_linfa(&few, 8, 7);
        // As many centroids as points.
        let small = Array2::from_shape_fn((6, 2), |(i, j)| (i * i + j) as f64);
        agrees_with_linfa(&small, 6, 9);
    }

    #[test]
    fn values_that_are_not_numbers_fit_what_linfa_fits() {
        let lloyd = Lloyd::new(3, 5);
        let nothing = Array2::from_elem((10, 2), f64::NAN);
        assert!(
            lloyd
                .fit(&nothing, &Xoshiro256Plus::seed_from_u64(1))
                .is_none()
        );
        assert!(linfa_fit(&nothing, 3, 1).is_none());
        // A few rows not numbers among numbers.
        let some = Array2::from_shape_fn((40, 2), |(i, j)| {
            if i % 13 == 5 {
                f64::NAN
            } else {
                (i % 4 + j) as f64
            }
        });
        agrees_with_linfa(&some, 4, 3);
    }
}
