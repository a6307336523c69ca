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

/// One person in a ranking: whether they are a power user, and the value they were ranked by.
/// People with equal values are tied: no order among them is the ranking's.
pub type Ranked = (bool, f64);

/// Metrics for people in ranked order (best first), cut at `k`. Tied people share their places:
/// each figure is what a random order among them gives on average (average precision counts a
/// run of tied people as one step, as scikit-learn does), so no figure depends on how ties were
/// broken, such as by the ids a run happened to publish.
pub fn metrics(ranked: &[Ranked], k: usize) -> Metrics {
    let positives = ranked.iter().filter(|(l, _)| *l).count();
    let negatives = ranked.len() - positives;
    let k = k.min(ranked.len());
    let (mut roc_pairs, mut precision_sum, mut hits_at_k, mut dcg) = (0.0, 0.0, 0.0, 0.0);
    let (mut above, mut hits_above) = (0usize, 0usize);
    for group in ties(ranked) {
        let (size, hits) = (group.len(), group.iter().filter(|(l, _)| *l).count());
        let share = hits as f64 / size as f64;
        // A positive beats every negative below its group and half of those tied with it.
        let negatives_below = negatives - (above - hits_above) - (size - hits);
        roc_pairs += hits as f64 * (negatives_below as f64 + 0.5 * (size - hits) as f64);
        precision_sum += hits as f64 * (hits_above + hits) as f64 / (above + size) as f64;
        let within_k = (above + size).min(k).saturating_sub(above);
        hits_at_k += within_k as f64 * share;
        dcg += (above..above + within_k)
            .map(|place| share / ((place + 2) as f64).log2())
            .sum::<f64>();
        (above, hits_above) = (above + size, hits_above + hits);
    }
    let ideal: f64 = (0..positives.min(k))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let per = |value: f64, count: usize| {
        if count > 0 {
            value / count as f64
        } else {
            f64::NAN
        }
    };
    Metrics {
        precision_at_k: per(hits_at_k, k),
        recall_at_k: per(hits_at_k, positives),
        roc_auc: if negatives > 0 {
            per(roc_pairs, positives * negatives)
        } else {
            f64::NAN
        },
        average_precision: per(precision_sum, positives),
        ndcg_at_k: if ideal > 0.0 { dcg / ideal } else { f64::NAN },
    }
}

/// The runs of consecutive people ranked by the same value.
fn ties(ranked: &[Ranked]) -> impl Iterator<Item = &[Ranked]> {
    ranked.chunk_by(|a, b| a.1.total_cmp(&b.1).is_eq())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// People with distinct values, in the order given.
    fn untied(labels: &[bool]) -> Vec<Ranked> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| (*l, i as f64))
            .collect()
    }

    #[test]
    fn a_perfect_ranking_scores_one_everywhere() {
        let m = metrics(&untied(&[true, true, false, false, false]), 2);
        assert_eq!(m.precision_at_k, 1.0);
        assert_eq!(m.recall_at_k, 1.0);
        assert_eq!(m.roc_auc, 1.0);
        assert_eq!(m.average_precision, 1.0);
        assert!((m.ndcg_at_k - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_mixed_ranking() {
        // ranks: P N P N ; k = 2
        let m = metrics(&untied(&[true, false, true, false]), 2);
        assert_eq!(m.precision_at_k, 0.5);
        assert_eq!(m.recall_at_k, 0.5);
        // pairs: P1 beats both N (2), P2 beats the last N (1): 3 of 4.
        assert_eq!(m.roc_auc, 0.75);
        // AP = (1/1 + 2/3) / 2
        assert!((m.average_precision - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // DCG@2 = 1; ideal = 1 + 1/log2(3)
        assert!((m.ndcg_at_k - 1.0 / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-12);
        let worst = metrics(&untied(&[false, false, true]), 1);
        assert_eq!(worst.roc_auc, 0.0);
        assert_eq!(worst.precision_at_k, 0.0);
    }

    #[test]
    fn tied_people_share_their_places_whatever_order_they_came_in() {
        // P (3), then P N N tied (2), then N (1); k = 2 cuts through the tie.
        let one = [
            (true, 3.0),
            (true, 2.0),
            (false, 2.0),
            (false, 2.0),
            (false, 1.0),
        ];
        let other = [
            (true, 3.0),
            (false, 2.0),
            (false, 2.0),
            (true, 2.0),
            (false, 1.0),
        ];
        let (a, b) = (metrics(&one, 2), metrics(&other, 2));
        assert_eq!(a, b);
        // Place 2 holds the tied positive one time in three: 1 + 1/3 hits in the top 2.
        assert!((a.precision_at_k - (4.0 / 3.0) / 2.0).abs() < 1e-12);
        assert!((a.recall_at_k - (4.0 / 3.0) / 2.0).abs() < 1e-12);
        // The first P beats all 3 N; the tied P beats the last N and half of the two tied.
        assert!((a.roc_auc - (3.0 + 1.0 + 1.0) / 6.0).abs() < 1e-12);
        // One step per distinct value: precision 1 at the first, 2/4 after the tie.
        assert!((a.average_precision - (1.0 + 0.5) / 2.0).abs() < 1e-12);
        let ndcg = (1.0 + (1.0 / 3.0) / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((a.ndcg_at_k - ndcg).abs() < 1e-12);
    }

    #[test]
    fn a_ranking_that_ties_everyone_is_chance() {
        let all_tied: Vec<Ranked> = [true, false, false, true, false, false, false, false]
            .iter()
            .map(|l| (*l, 0.0))
            .collect();
        let m = metrics(&all_tied, 2);
        assert_eq!(m.roc_auc, 0.5);
        assert_eq!(m.average_precision, 0.25);
        assert_eq!(m.precision_at_k, 0.25);
    }
}
