//! Expertise rank: PageRank on the asker -> helper graph. Someone helped by people who are
//! themselves sought out for help ranks higher than someone helped as often by people nobody asks.

use rayon::prelude::*;

/// PageRank with damping 0.85 over `n` nodes and weighted edges (from asker, to helper, weight).
/// Nodes that ask nobody spread their rank evenly. Returns ranks scaled so their mean is 1.
/// Deterministic: every node's new rank sums its in-edges in a fixed order.
pub fn expertise_rank(n: usize, edges: &[(usize, usize, f64)]) -> Vec<f64> {
    const DAMPING: f64 = 0.85;
    const MAX_ITERATIONS: usize = 200;
    const TOLERANCE: f64 = 1e-12;
    if n == 0 {
        return Vec::new();
    }
    let mut out_weight = vec![0.0; n];
    let mut incoming: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for &(from, to, w) in edges {
        if from == to || w <= 0.0 {
            continue;
        }
        out_weight[from] += w;
        incoming[to].push((from, w));
    }
    for list in &mut incoming {
        list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    }
    let nf = n as f64;
    let mut rank = vec![1.0 / nf; n];
    for _ in 0..MAX_ITERATIONS {
        let dangling: f64 = (0..n)
            .filter(|&i| out_weight[i] == 0.0)
            .map(|i| rank[i])
            .sum();
        let base = (1.0 - DAMPING) / nf + DAMPING * dangling / nf;
        let next: Vec<f64> = incoming
            .par_iter()
            .map(|ins| {
                base + DAMPING
                    * ins
                        .iter()
                        .map(|&(u, w)| rank[u] * w / out_weight[u])
                        .sum::<f64>()
            })
            .collect();
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if change < TOLERANCE {
            break;
        }
    }
    rank.into_iter().map(|r| r * nf).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: a star where 0, 1 and 2 ask 3, and 3 asks nobody (so its rank is spread
    /// evenly). With d = 0.85 and n = 4 the fixed point satisfies
    /// leaf = 0.0375 + 0.2125 hub and hub = 0.0375 + 0.2125 hub + 0.85 * 3 leaf.
    #[test]
    fn a_star_matches_the_hand_computed_ranks() {
        let ranks = expertise_rank(4, &[(0, 3, 1.0), (1, 3, 1.0), (2, 3, 1.0)]);
        let b = (0.0375 + 2.55 * 0.0375) / (1.0 - 0.2125 - 2.55 * 0.2125);
        let a = 0.0375 + 0.2125 * b;
        assert!((ranks[3] - 4.0 * b).abs() < 1e-9, "{ranks:?}");
        for leaf in 0..3 {
            assert!((ranks[leaf] - 4.0 * a).abs() < 1e-9, "{ranks:?}");
        }
        assert!((ranks.iter().sum::<f64>() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn being_asked_by_a_sought_after_person_counts_more() {
        // 0 and 1 ask 2; 2 asks 3; 4 asks 5 once. 3 is asked by someone who is asked.
        let ranks = expertise_rank(6, &[(0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0), (4, 5, 1.0)]);
        assert!(ranks[3] > ranks[5], "{ranks:?}");
        assert!(ranks[2] > ranks[0]);
        // Without edges everyone is average.
        assert!(
            expertise_rank(3, &[])
                .iter()
                .all(|r| (r - 1.0).abs() < 1e-12)
        );
    }
}
