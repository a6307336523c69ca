//! Mean silhouette of several labellings of one sample, from one table of pairwise distances.
//!
//! The k of the personas is chosen by silhouette, measured for every k tried on the same sample.
//! linfa's `silhouette_score` measures each labelling on its own: it computes every pairwise
//! distance again for each k, with two small allocations and a hash lookup per pair. Here the
//! distances are computed once and shared, and each labelling only adds them up. The sums are
//! taken in the same order and the distances in the same way as linfa's, so the results are
//! the same to the last bit (a test holds them to it): the choice of k does not move.

use ndarray::{Array2, ArrayView1};
use rayon::prelude::*;

/// Rows above which the distances are not kept but computed again for each labelling (the
/// table would take `8 n^2` bytes: 128 MiB at this size).
const MOST_ROWS_KEPT: usize = 4096;

/// Euclidean distances between every pair of rows of a sample.
pub struct Distances {
    n: usize,
    rows: Array2<f64>,
    /// Row-major, `n * n`; None above [`MOST_ROWS_KEPT`] rows.
    table: Option<Vec<f64>>,
}

impl Distances {
    pub fn new(rows: Array2<f64>) -> Distances {
        let n = rows.nrows();
        let table = (n <= MOST_ROWS_KEPT).then(|| {
            let mut table = vec![0.0; n * n];
            table
                .par_chunks_mut(n.max(1))
                .enumerate()
                .for_each(|(i, out)| distances_from(&rows, i, out, &mut Vec::new()));
            table
        });
        Distances { n, rows, table }
    }

    /// Row `i`'s distances to every row, from the table or computed into `out`.
    fn row<'a>(&'a self, i: usize, out: &'a mut Vec<f64>, squares: &mut Vec<f64>) -> &'a [f64] {
        match &self.table {
            Some(table) => &table[i * self.n..(i + 1) * self.n],
            None => {
                out.resize(self.n, 0.0);
                distances_from(&self.rows, i, out, squares);
                out
            }
        }
    }

    /// The mean silhouette of the sample labelled by `labels` (one per row, in row order): 1
    /// when everyone has the same label.
    pub fn mean_silhouette(&self, labels: &[usize]) -> f64 {
        assert_eq!(labels.len(), self.n, "one label per sampled row");
        let groups = labels.iter().max().map_or(0, |m| m + 1);
        let mut sizes = vec![0usize; groups];
        for &label in labels {
            sizes[label] += 1;
        }
        if sizes.iter().filter(|s| **s > 0).count() <= 1 {
            return 1.0;
        }
        let mut totals = vec![0.0; groups];
        let (mut computed, mut squares) = (Vec::new(), Vec::new());
        let score: f64 = (0..self.n)
            .map(|i| {
                totals.iter_mut().for_each(|t| *t = 0.0);
                let row = self.row(i, &mut computed, &mut squares);
                for (distance, &label) in row.iter().zip(labels) {
                    totals[label] += distance;
                }
                silhouette_of(labels[i], &totals, &sizes)
            })
            .sum();
        score / self.n as f64
    }
}

/// One row's silhouette from its summed distances to each group.
fn silhouette_of(own: usize, totals: &[f64], sizes: &[usize]) -> f64 {
    let a = match sizes[own] {
        1 => 0.0,
        size => totals[own] / (size - 1) as f64,
    };
    let b = totals
        .iter()
        .zip(sizes)
        .enumerate()
        .filter(|(label, (_, size))| *label != own && **size > 0)
        .map(|(_, (total, size))| total / *size as f64)
        .fold(None, |least: Option<f64>, mean| match least {
            Some(least) if least <= mean => Some(least),
            _ => Some(mean),
        })
        .unwrap_or(0.0);
    if a >= b { (b - a) / a } else { (b - a) / b }
}

/// Row `i`'s distances to every row of `rows`, into `out`.
fn distances_from(rows: &Array2<f64>, i: usize, out: &mut [f64], squares: &mut Vec<f64>) {
    for (j, cell) in out.iter_mut().enumerate() {
        *cell = distance(rows.row(i), rows.row(j), squares);
    }
}

/// The distance as linfa computes it: squared differences summed the way ndarray sums a
/// contiguous array (eight running sums, combined in pairs, then the rest in order).
fn distance(x: ArrayView1<f64>, y: ArrayView1<f64>, squares: &mut Vec<f64>) -> f64 {
    squares.clear();
    squares.extend(x.iter().zip(y.iter()).map(|(a, b)| (a - b) * (a - b)));
    let mut parts = [0.0f64; 8];
    let mut chunks = squares.chunks_exact(8);
    for chunk in &mut chunks {
        for (part, value) in parts.iter_mut().zip(chunk) {
            *part += value;
        }
    }
    let mut sum = 0.0;
    for i in 0..4 {
        sum += parts[i] + parts[i + 4];
    }
    for value in chunks.remainder() {
        sum += value;
    }
    sum.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::DatasetBase;
    use linfa::prelude::SilhouetteScore;
    use ndarray::Array1;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn linfa_silhouette(rows: &Array2<f64>, labels: &[usize]) -> f64 {
        let targets: Array1<usize> = labels.iter().copied().collect();
        DatasetBase::new(rows.clone(), targets)
            .silhouette_score()
            .unwrap()
    }

    #[test]
    fn agrees_with_linfa_to_the_last_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // Widths below, at and above the eight running sums, and a group of one.
        for (n, width) in [(60, 3), (90, 8), (120, 13), (45, 21)] {
            let rows = Array2::from_shape_fn((n, width), |_| rng.random_range(-3.0..3.0));
            let distances = Distances::new(rows.clone());
            let computed = Distances {
                table: None,
                ..Distances::new(rows.clone())
            };
            for k in 2..=6 {
                let mut labels: Vec<usize> = (0..n).map(|_| rng.random_range(0..k)).collect();
                labels[0] = k;
                let ours = distances.mean_silhouette(&labels);
                let theirs = linfa_silhouette(&rows, &labels);
                assert_eq!(
                    ours.to_bits(),
                    theirs.to_bits(),
                    "n {n}, width {width}, k {k}"
                );
                // Not keeping the table changes nothing.
                assert_eq!(computed.mean_silhouette(&labels).to_bits(), ours.to_bits());
            }
        }
    }

    #[test]
    fn one_group_scores_one_and_separated_groups_score_near_one() {
        let rows = Array2::from_shape_fn((6, 2), |(i, j)| (i / 3) as f64 * 100.0 + j as f64);
        let distances = Distances::new(rows);
        assert_eq!(distances.mean_silhouette(&[0; 6]), 1.0);
        let split = distances.mean_silhouette(&[0, 0, 0, 1, 1, 1]);
        assert!(split > 0.95, "{split}");
        let mixed = distances.mean_silhouette(&[0, 1, 0, 1, 0, 1]);
        assert!(mixed < 0.0, "{mixed}");
    }
}
