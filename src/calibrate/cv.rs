//! Repeated K-fold cross-validation of weightings: each fold's people are ranked by weights fitted
//! on the other folds (or by fixed weights), and scored with the evaluation's metrics.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::evaluate::{Ranked, metrics};

/// Mean and spread (standard deviation over folds) of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub sd: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let n = v.len().max(1) as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        Spread {
            mean,
            sd: var.sqrt(),
        }
    }
}

/// Cross-validated figures of one way of weighting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvResult {
    pub method: String,
    pub average_precision: Spread,
    pub roc_auc: Spread,
    /// Precision at k, k = the positives in the held-out fold.
    pub precision_at_k: Spread,
    /// The share of the held-out fold's positives in its top tier (its top `top_share`, as a
    /// run's candidates are the top tier of everyone scored).
    pub top_tier_recall: Spread,
    /// Top-tier recall and ROC AUC per fold, repeat by repeat (for comparing two methods fold by
    /// fold).
    pub per_fold: Vec<FoldFigures>,
}

/// One held-out fold's figures that weightings are compared by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FoldFigures {
    pub top_tier_recall: f64,
    pub roc_auc: f64,
}

/// Fold of each row: positives and negatives are each shuffled (seeded) and dealt round-robin,
/// so every fold holds its share of both.
pub fn folds(labels: &[bool], k: usize, seed: u64) -> Vec<usize> {
    dealt(labels, k, &mut ChaCha8Rng::seed_from_u64(seed))
}

/// One fold assignment drawn from `rng` (see [`folds`]).
fn dealt(labels: &[bool], k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut fold = vec![0; labels.len()];
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rows.shuffle(rng);
        for (j, i) in rows.into_iter().enumerate() {
            fold[i] = j % k;
        }
    }
    fold
}

/// The labels of `rows` ranked by `score` (highest first; equal scores are tied, and the metrics
/// average over their orders).
fn ranked(rows: &[usize], score: impl Fn(usize) -> f64, labels: &[bool]) -> Vec<Ranked> {
    let mut order: Vec<Ranked> = rows.iter().map(|&i| (labels[i], score(i))).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order
}

/// The fold assignments of `repeats` repeated K-fold cross-validations, drawn one after another
/// from one random stream seeded with `seed` (the first is [`folds`] with that seed; another
/// seed gives other folds for every repeat). One split of a few dozen positives decides too
/// much by chance (which fold the strongest positives fall in); repeating it with fresh folds
/// steadies the comparison.
pub fn repeated_folds(labels: &[bool], k: usize, repeats: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..repeats).map(|_| dealt(labels, k, &mut rng)).collect()
}

/// Cross-validates `weights_for`, which gets the training rows of a fold and returns weights,
/// over each fold of each assignment in `assignments` (from [`repeated_folds`]); the top tier of
/// a fold is its top `top_share` (rounded up, as the score's tier is).
pub fn cross_validate(
    method: &str,
    data: &[Vec<f64>],
    labels: &[bool],
    assignments: &[Vec<usize>],
    k: usize,
    top_share: f64,
    weights_for: impl Fn(&[usize]) -> Vec<f64>,
) -> CvResult {
    let (mut ap, mut auc, mut prec, mut top) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (fold, f) in assignments.iter().flat_map(|a| (0..k).map(move |f| (a, f))) {
        let train: Vec<usize> = (0..data.len()).filter(|&i| fold[i] != f).collect();
        let test: Vec<usize> = (0..data.len()).filter(|&i| fold[i] == f).collect();
        let w = weights_for(&train);
        let score = |i: usize| data[i].iter().zip(&w).map(|(x, c)| x * c).sum::<f64>();
        let order = ranked(&test, score, labels);
        let positives = order.iter().filter(|(l, _)| *l).count().max(1);
        let m = metrics(&order, positives);
        let tier = (top_share * order.len() as f64).ceil() as usize;
        ap.push(m.average_precision);
        auc.push(m.roc_auc);
        prec.push(m.precision_at_k);
        top.push(metrics(&order, tier).recall_at_k);
    }
    CvResult {
        method: method.to_string(),
        average_precision: Spread::of(&ap),
        roc_auc: Spread::of(&auc),
        precision_at_k: Spread::of(&prec),
        top_tier_recall: Spread::of(&top),
        per_fold: top
            .iter()
            .zip(&auc)
            .map(|(&top_tier_recall, &roc_auc)| FoldFigures {
                top_tier_recall,
                roc_auc,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_repeat_is_a_fresh_stratified_split_and_the_first_is_the_single_split() {
        let labels: Vec<bool> = (0..200).map(|i| i % 10 == 0).collect();
        let repeats = repeated_folds(&labels, 5, 3, 42);
        assert_eq!(repeats.len(), 3);
        assert_eq!(repeats[0], folds(&labels, 5, 42));
        for fold in &repeats {
            for f in 0..5 {
                let rows = (0..200).filter(|&i| fold[i] == f);
                let positives = rows.clone().filter(|&i| labels[i]).count();
                assert_eq!((rows.count(), positives), (40, 4), "fold {f}");
            }
        }
        assert_ne!(repeats[0], repeats[1]);
        assert_ne!(repeats[1], repeats[2]);
        assert_eq!(
            repeats,
            repeated_folds(&labels, 5, 3, 42),
            "not deterministic"
        );
        // Another seed: other folds in every repeat, not the same ones shifted by one.
        let other = repeated_folds(&labels, 5, 3, 43);
        assert!(repeats.iter().all(|a| other.iter().all(|b| a != b)));
    }

    #[test]
    fn every_fold_of_every_repeat_is_measured_in_order() {
        let labels: Vec<bool> = (0..120).map(|i| i % 6 == 0).collect();
        // The score is the row's own label plus noise that depends on the row: the AUC of a
        // fold depends on which rows it holds.
        let data: Vec<Vec<f64>> = (0..120)
            .map(|i| vec![f64::from(u8::from(labels[i])) + ((i * 37) % 11) as f64 / 8.0])
            .collect();
        let fixed = |_: &[usize]| vec![1.0];
        let repeats = repeated_folds(&labels, 4, 3, 7);
        let all = cross_validate("x", &data, &labels, &repeats, 4, 0.1, fixed);
        assert_eq!(all.per_fold.len(), 12);
        let one_by_one: Vec<FoldFigures> = repeats
            .iter()
            .flat_map(|a| {
                let single = std::slice::from_ref(a);
                cross_validate("x", &data, &labels, single, 4, 0.1, fixed).per_fold
            })
            .collect();
        assert_eq!(all.per_fold, one_by_one);
        assert_ne!(
            all.per_fold[..4],
            all.per_fold[4..8],
            "the repeats measured the same folds"
        );
    }

    #[test]
    fn top_tier_recall_is_the_share_of_a_folds_positives_in_its_top_share() {
        // Rows rank in row order; fold 0 holds the even rows, fold 1 the odd ones (50 each).
        let data: Vec<Vec<f64>> = (0..100).map(|i| vec![-f64::from(i)]).collect();
        let labels: Vec<bool> = (0..100)
            .map(|i| [0, 2, 4, 40, 42, 1, 91].contains(&i))
            .collect();
        let fold = vec![(0..100).map(|i| i % 2).collect::<Vec<usize>>()];
        let top = |share: f64| -> Vec<f64> {
            let r = cross_validate("x", &data, &labels, &fold, 2, share, |_| vec![1.0]);
            r.per_fold.iter().map(|f| f.top_tier_recall).collect()
        };
        // Top 10% of a fold: its first 5 rows (0..=8 even: 3 of 5; 1..=9 odd: 1 of 2).
        assert_eq!(top(0.1), [0.6, 0.5]);
        // Rounded up as the score's tier is: 0.43 of 50 is 22 rows (even rows 0..=42), not 21.
        assert_eq!(top(0.43), [1.0, 0.5]);
    }
}
