//! Ranking metrics over a list of labels in rank order (best first).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    pub precision_at_k: f64,
    pub recall_at_k: f64,
    pub roc_auc: f64,
    pub average_precision: f64,
    pub ndcg_at_k: f64,
}

/// Metrics for `labels` (true = power user) in ranked order, cut at `k`.
pub fn metrics(labels: &[bool], k: usize) -> Metrics {
    let positives = labels.iter().filter(|l| **l).count();
    let negatives = labels.len() - positives;
    let k = k.min(labels.len());
    let hits_at_k = labels[..k].iter().filter(|l| **l).count();

    // ROC AUC: the chance a random positive ranks above a random negative.
    let mut negatives_below = 0usize;
    let mut pairs_won = 0usize;
    for label in labels.iter().rev() {
        if *label {
            pairs_won += negatives_below;
        } else {
            negatives_below += 1;
        }
    }
    let roc_auc = if positives > 0 && negatives > 0 {
        pairs_won as f64 / (positives * negatives) as f64
    } else {
        f64::NAN
    };

    // Average precision: mean of precision at each positive's rank.
    let mut hits = 0usize;
    let mut precision_sum = 0.0;
    for (i, label) in labels.iter().enumerate() {
        if *label {
            hits += 1;
            precision_sum += hits as f64 / (i + 1) as f64;
        }
    }
    let average_precision = if positives > 0 {
        precision_sum / positives as f64
    } else {
        f64::NAN
    };

    // NDCG@k with binary gains.
    let dcg: f64 = labels[..k]
        .iter()
        .enumerate()
        .filter(|(_, l)| **l)
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..positives.min(k))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();

    Metrics {
        precision_at_k: if k > 0 {
            hits_at_k as f64 / k as f64
        } else {
            f64::NAN
        },
        recall_at_k: if positives > 0 {
            hits_at_k as f64 / positives as f64
        } else {
            f64::NAN
        },
        roc_auc,
        average_precision,
        ndcg_at_k: if ideal > 0.0 { dcg / ideal } else { f64::NAN },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranking_scores_one_everywhere() {
        let m = metrics(&[true, true, false, false, false], 2);
        assert_eq!(m.precision_at_k, 1.0);
        assert_eq!(m.recall_at_k, 1.0);
        assert_eq!(m.roc_auc, 1.0);
        assert_eq!(m.average_precision, 1.0);
        assert!((m.ndcg_at_k - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_mixed_ranking() {
        // ranks: P N P N ; k = 2
        let m = metrics(&[true, false, true, false], 2);
        assert_eq!(m.precision_at_k, 0.5);
        assert_eq!(m.recall_at_k, 0.5);
        // pairs: P1 beats both N (2), P2 beats the last N (1): 3 of 4.
        assert_eq!(m.roc_auc, 0.75);
        // AP = (1/1 + 2/3) / 2
        assert!((m.average_precision - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // DCG@2 = 1; ideal = 1 + 1/log2(3)
        assert!((m.ndcg_at_k - 1.0 / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-12);
        let worst = metrics(&[false, false, true], 1);
        assert_eq!(worst.roc_auc, 0.0);
        assert_eq!(worst.precision_at_k, 0.0);
    }
}
