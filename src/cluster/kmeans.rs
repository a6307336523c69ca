//! Fits k-means (linfa's, see `lloyd`) on scored users' profiles and turns clusters into named
//! personas.

use ndarray::{Array1, Array2};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;
use rayon::prelude::*;

use super::lloyd::Lloyd;
use super::naming::persona_name;
use super::params::ClusterParams;
use super::silhouette::Distances;
use crate::error::{Error, Result};
use crate::features::{Feature, FeatureTable, Signal, UserStatus};
use crate::score::{RobustStats, ScoreTable};

/// One persona: a cluster with a name, size and centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Persona {
    /// 0 = the persona with the highest mean score.
    pub id: u32,
    pub name: String,
    pub size: usize,
    pub mean_score: f64,
    /// Centroid per dimension, in `Clustering::dimensions` order.
    pub centroid: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub k: usize,
    /// Mean silhouette of the chosen k on the sample (NaN when k was configured and not measured).
    pub silhouette: f64,
    /// Dimension names: the signals used, then `volume`.
    pub dimensions: Vec<String>,
    pub personas: Vec<Persona>,
    /// Persona id per user, in score-table order; None for users not scored.
    pub assignments: Vec<Option<u32>>,
}

impl Clustering {
    /// The persona of the person in row `row` of the score table (None when not scored).
    pub fn persona_of(&self, row: usize) -> Option<&Persona> {
        self.assignments
            .get(row)
            .copied()
            .flatten()
            .map(|id| &self.personas[id as usize])
    }
}

/// Builds the profile matrix: one row per scored user, signal values then scaled volume.
fn profiles(
    scores: &ScoreTable,
    features: &FeatureTable,
) -> (Vec<usize>, Array2<f64>, Vec<Option<Signal>>) {
    let rows: Vec<usize> = (0..scores.users.len())
        .filter(|&i| scores.users[i].status == UserStatus::Scored)
        .collect();
    let mut dims: Vec<Option<Signal>> = scores.enabled.iter().map(|s| Some(*s)).collect();
    dims.push(None);
    let volume = RobustStats::of(
        rows.iter()
            .map(|&i| features.users[i].get(Feature::UsesPerActiveDay)),
    );
    let mut matrix = Array2::<f64>::zeros((rows.len(), dims.len()));
    for (r, &i) in rows.iter().enumerate() {
        for (c, dim) in dims.iter().enumerate() {
            matrix[[r, c]] = match dim {
                Some(signal) => scores.users[i].signals[*signal as usize],
                None => volume.squash(features.users[i].get(Feature::UsesPerActiveDay)),
            };
        }
    }
    (rows, matrix, dims)
}

fn fit(
    data: &Array2<f64>,
    k: usize,
    params: &ClusterParams,
) -> Result<(Array1<usize>, Array2<f64>)> {
    Lloyd::new(k, params.n_runs)
        .fit(data, &Xoshiro256Plus::seed_from_u64(params.seed))
        .ok_or_else(|| {
            Error::Internal(format!(
                "k-means with k = {k} failed: no run had a finite inertia"
            ))
        })
}

/// Evenly spaced rows (by user-id order), at most `size` of them.
fn sample_rows(n: usize, size: usize) -> Vec<usize> {
    if n <= size {
        return (0..n).collect();
    }
    (0..size).map(|i| i * n / size).collect()
}

/// A fitted model: k, its silhouette (NaN when not measured), a label per profile row, centroids.
type Fitted = (usize, f64, Array1<usize>, Array2<f64>);

/// One persona for everyone (too few people to cluster), a configured k, or the k with the best
/// silhouette among those whose every persona has at least `min_size` people (personas smaller
/// are withheld from the outputs, so a k that makes them describes fewer people; where no k
/// avoids them, among all).
fn choose_and_fit(data: &Array2<f64>, params: &ClusterParams, min_size: usize) -> Result<Fitted> {
    let n = data.nrows();
    if n == 0 {
        // Nobody scored: no persona to describe.
        return Ok((
            0,
            f64::NAN,
            Array1::zeros(0),
            Array2::zeros((0, data.ncols())),
        ));
    }
    if n <= params.k_min {
        let centroid = data
            .mean_axis(ndarray::Axis(0))
            .unwrap_or_else(|| Array1::zeros(data.ncols()));
        let centroids = centroid.insert_axis(ndarray::Axis(0));
        return Ok((1, f64::NAN, Array1::zeros(n), centroids));
    }
    if let Some(k) = params.k {
        let k = k.min(n);
        let (labels, centroids) = fit(data, k, params)?;
        return Ok((k, f64::NAN, labels, centroids));
    }
    let sample = sample_rows(n, params.silhouette_sample);
    let distances = Distances::new(data.select(ndarray::Axis(0), &sample));
    // Each k is fitted with its own seeded generator, so fitting them in parallel gives the
    // same models as one after another; the choice is then made in k order.
    let fitted: Vec<Fitted> = (params.k_min..=params.k_max.min(n - 1))
        .into_par_iter()
        .map(|k| {
            let (labels, centroids) = fit(data, k, params)?;
            let sampled: Vec<usize> = sample.iter().map(|&i| labels[i]).collect();
            let s = distances.mean_silhouette(&sampled);
            Ok((k, s, labels, centroids))
        })
        .collect::<Result<_>>()?;
    let shown = |f: &Fitted| {
        let mut sizes = vec![0; f.0];
        f.2.iter().for_each(|&label| sizes[label] += 1);
        sizes.iter().all(|&size| size >= min_size)
    };
    let any_shown = fitted.iter().any(shown);
    let mut best: Option<Fitted> = None;
    for candidate in fitted.into_iter().filter(|f| !any_shown || shown(f)) {
        // Strictly better only: ties keep the smaller, simpler k.
        if best.as_ref().is_none_or(|b| candidate.1 > b.1 + 1e-9) {
            best = Some(candidate);
        }
    }
    best.ok_or_else(|| Error::Internal("no k was tried".into()))
}

/// Per cluster label: (sum of scores, members).
fn score_sums(
    k: usize,
    labels: &Array1<usize>,
    rows: &[usize],
    scores: &ScoreTable,
) -> Vec<(f64, usize)> {
    let mut sums = vec![(0.0, 0usize); k];
    for (r, &i) in rows.iter().enumerate() {
        sums[labels[r]].0 += scores.users[i].score;
        sums[labels[r]].1 += 1;
    }
    sums
}

fn mean_of(sum: (f64, usize)) -> f64 {
    if sum.1 > 0 {
        sum.0 / sum.1 as f64
    } else {
        f64::NEG_INFINITY
    }
}

/// Cluster labels ordered by mean score, highest first (ties by label), so ids mean something
/// and are stable.
fn order_by_mean_score(sums: &[(f64, usize)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sums.len()).collect();
    order.sort_by(|&a, &b| {
        mean_of(sums[b])
            .total_cmp(&mean_of(sums[a]))
            .then(a.cmp(&b))
    });
    order
}

/// The name of a persona whose plain name `base` an earlier (stronger) persona already has: told
/// apart by the dimension where it differs most from that first one.
fn distinct_name(
    base: &str,
    centroid: &[f64],
    first: &Persona,
    personas: &[Persona],
    dimensions: &[String],
) -> String {
    let (d, diff) = (0..dimensions.len())
        .map(|d| (d, centroid[d] - first.centroid[d]))
        .filter(|(_, diff)| diff.is_finite())
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)))
        .unwrap_or((0, 0.0));
    let direction = if diff > 0.0 { "more" } else { "less" };
    let candidate = format!("{base}, {direction} {}", dimensions[d]);
    let repeats = personas
        .iter()
        .filter(|p| p.name.starts_with(&candidate))
        .count();
    if repeats == 0 {
        candidate
    } else {
        format!("{candidate} ({})", repeats + 1)
    }
}

/// Clusters the scored users. With fewer scored users than `k_min` + 1, everyone gets one persona.
/// Where it can, k is chosen so that every persona has at least `min_group_size` people.
pub fn cluster(
    scores: &ScoreTable,
    features: &FeatureTable,
    params: &ClusterParams,
    min_group_size: usize,
) -> Result<Clustering> {
    params.check()?;
    let (rows, data, dims) = profiles(scores, features);
    let n = rows.len();
    let dimensions: Vec<String> = dims
        .iter()
        .map(|d| d.map_or("volume".to_string(), |s| s.name().to_string()))
        .collect();
    let (k, silhouette_value, labels, centroids) = choose_and_fit(&data, params, min_group_size)?;
    let sums = score_sums(k, &labels, &rows, scores);
    let order = order_by_mean_score(&sums);
    let averages: Vec<f64> = (0..dims.len())
        .map(|c| {
            if n > 0 {
                data.column(c).sum() / n as f64
            } else {
                f64::NAN
            }
        })
        .collect();
    let mut personas: Vec<Persona> = Vec::with_capacity(k);
    let mut used: Vec<&'static str> = Vec::new();
    for (position, &c) in order.iter().enumerate() {
        let centroid: Vec<f64> = centroids.row(c).to_vec();
        let index = |d: Option<Signal>| dims.iter().position(|x| *x == d);
        let base = persona_name(
            |d| index(d).map_or(f64::NAN, |p| centroid[p]),
            |d| index(d).map_or(f64::NAN, |p| averages[p]),
        );
        let name = match personas.iter().find(|p| used[p.id as usize] == base) {
            None => base.to_string(),
            Some(first) => distinct_name(base, &centroid, first, &personas, &dimensions),
        };
        used.push(base);
        personas.push(Persona {
            id: position as u32,
            name,
            size: sums[c].1,
            mean_score: mean_of(sums[c]),
            centroid,
        });
    }
    let mut new_id = vec![0u32; k];
    for (position, &c) in order.iter().enumerate() {
        new_id[c] = position as u32;
    }
    let mut assignments = vec![None; scores.users.len()];
    for (r, &i) in rows.iter().enumerate() {
        assignments[i] = Some(new_id[labels[r]]);
    }
    Ok(Clustering {
        k,
        silhouette: silhouette_value,
        dimensions,
        personas,
        assignments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three groups of ten people and a pair a little apart from one of them, in two dimensions.
    fn groups_and_a_pair() -> Array2<f64> {
        let centres = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)];
        let mut rows: Vec<[f64; 2]> = Vec::new();
        for (x, y) in centres {
            for i in 0..10 {
                let d = f64::from(i) * 0.05;
                rows.push([x + d, y - d]);
            }
        }
        rows.extend([[0.0, 3.0], [0.1, 3.0]]);
        Array2::from_shape_vec((rows.len(), 2), rows.concat()).unwrap()
    }

    #[test]
    fn k_is_chosen_so_that_every_persona_can_be_shown_where_one_can() {
        let data = groups_and_a_pair();
        let params = ClusterParams::default();
        // The pair on its own fits best, but a persona of two would be withheld.
        let (k, _, labels, _) = choose_and_fit(&data, &params, 2).unwrap();
        assert_eq!(k, 4);
        assert_eq!(labels[30], labels[31]);
        let (k, _, labels, _) = choose_and_fit(&data, &params, 5).unwrap();
        assert_eq!(k, 3);
        let mut sizes = vec![0; k];
        labels.iter().for_each(|&l| sizes[l] += 1);
        assert!(sizes.iter().all(|&s| s >= 5), "{sizes:?}");
        // Where no k gives personas that large, the best silhouette of all.
        let (k, _, _, _) = choose_and_fit(&data, &params, 20).unwrap();
        assert_eq!(k, 4);
    }
}
