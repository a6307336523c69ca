//! Next features to learn, per person: the features that people who know what this person knows
//! also know (item-based collaborative filtering over who knows which feature, after
//! CommunityCommands, Matejka et al., UIST 2009), with an offline check against recommending the
//! most popular features. See docs/recommendations.md.
//!
//! Not for: who should present what (see `group`), or writing (see `outputs`).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::FeatureTable;

/// Recommendations written per person.
pub const RECOMMENDATIONS: usize = 5;
/// Features the similarity is learnt over: the most widely known, so the matrix stays small
/// (4,000 features take 64 MB).
const MAX_FEATURES: usize = 4000;
/// A catalog's basic features count half: a person who has not found them yet is better served
/// by what their peers go on to.
const BASIC_WEIGHT: f64 = 0.5;

/// One recommended feature for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Row in the feature table.
    pub person: usize,
    pub rank: u32,
    /// Index into `FeatureTable::features`.
    pub feature: u32,
    pub score: f64,
    /// The known feature that points to it most, the share of the other people who use it who
    /// use this one too, and how many other people use it.
    pub because: Option<(u32, f64, u64)>,
}

impl Recommendation {
    /// Why, in words. The share is given only for a known feature used by at least
    /// `min_group_size` people: a share of fewer says something about a handful of colleagues.
    pub fn why(&self, features: &FeatureTable, min_group_size: usize) -> String {
        match self.because {
            Some((g, share, users)) if users >= min_group_size as u64 => format!(
                "used by {:.0}% of the other people who use {}, which you use",
                100.0 * share,
                features.features[g as usize].name
            ),
            Some((g, _, _)) => format!(
                "often used with {}, which you use",
                features.features[g as usize].name
            ),
            None => "used by people who use what you use".to_string(),
        }
    }
}

/// Who knows which feature, and the features' co-occurrence, over a set of known features per
/// person.
struct Similarity {
    /// Feature index -> row/column of the matrix (None: not among the features learnt over).
    slot: Vec<Option<usize>>,
    /// People knowing each feature of the matrix.
    users: Vec<f64>,
    /// People knowing both, row-major.
    both: Vec<f32>,
    /// `idf(b) * cosine(a, b)` at `b * n + a`: what knowing b adds to a's score, computed once
    /// rather than for every person.
    part: Vec<f64>,
    people: f64,
}

impl Similarity {
    fn learn(sets: &[Vec<u32>], n_features: usize) -> Similarity {
        let mut users_of = vec![0usize; n_features];
        for set in sets {
            for f in set {
                users_of[*f as usize] += 1;
            }
        }
        let mut order: Vec<usize> = (0..n_features).filter(|f| users_of[*f] > 0).collect();
        order.sort_by(|a, b| users_of[*b].cmp(&users_of[*a]).then(a.cmp(b)));
        order.truncate(MAX_FEATURES);
        let mut slot = vec![None; n_features];
        for (i, f) in order.iter().enumerate() {
            slot[*f] = Some(i);
        }
        let n = order.len();
        let mut both = vec![0f32; n * n];
        for set in sets {
            let slots: Vec<usize> = set.iter().filter_map(|f| slot[*f as usize]).collect();
            for &a in &slots {
                for &b in &slots {
                    both[a * n + b] += 1.0;
                }
            }
        }
        let mut sim = Similarity {
            slot,
            users: order.iter().map(|f| users_of[*f] as f64).collect(),
            both,
            part: Vec::new(),
            people: sets.len().max(1) as f64,
        };
        let idf: Vec<f64> = (0..n).map(|b| sim.idf(b)).collect();
        sim.part = (0..n * n)
            .map(|i| idf[i / n] * sim.cosine(i % n, i / n))
            .collect();
        sim
    }

    fn n(&self) -> usize {
        self.users.len()
    }

    /// Cosine similarity of two features' sets of people.
    fn cosine(&self, a: usize, b: usize) -> f64 {
        f64::from(self.both[a * self.n() + b]) / (self.users[a] * self.users[b]).sqrt().max(1.0)
    }

    /// How much a known feature says about a person: rare ones more (inverse document
    /// frequency, the weighting CommunityCommands found best; smoothed, so that a feature
    /// everyone knows still counts a little).
    fn idf(&self, a: usize) -> f64 {
        (1.0 + self.people / self.users[a].max(1.0)).ln()
    }
}

/// A scored candidate: feature, score, and the known feature that points to it most (with
/// the share of the other people who know that one who know the candidate, and how many they
/// are).
type Scored = (u32, f64, Option<(u32, f64, u64)>);

/// Scores every feature a person does not know by its similarity to those they know.
fn scored(
    sim: &Similarity,
    known: &[u32],
    weight: &(dyn Fn(u32) -> f64 + Sync),
    n_features: usize,
    first: usize,
) -> Vec<Scored> {
    let mut is_known = vec![false; n_features];
    for f in known {
        is_known[*f as usize] = true;
    }
    let known_slots: Vec<(u32, usize)> = known
        .iter()
        .filter_map(|f| sim.slot[*f as usize].map(|s| (*f, s)))
        .collect();
    // Every slot at once, one known feature after another: the same sums, in the same order,
    // as one candidate at a time, over contiguous rows (a plain sum, which the compiler
    // vectorises; which known feature points to a candidate most is found afterwards, for the
    // few candidates kept).
    let n = sim.n();
    let mut score = vec![0.0; n];
    for &(_, b) in &known_slots {
        let row = &sim.part[b * n..(b + 1) * n];
        for (score, &part) in score.iter_mut().zip(row) {
            *score += part;
        }
    }
    let mut out = Vec::new();
    for (f, (slot, known)) in sim.slot.iter().zip(&is_known).enumerate() {
        let Some(a) = *slot else { continue };
        let positive = score[a] > 0.0;
        if *known || !positive {
            continue;
        }
        out.push((f as u32, score[a] * weight(f as u32), None));
    }
    // Best first; features are distinct, so the first `first` are the same whether the rest
    // are sorted or only set aside.
    let order = |x: &Scored, y: &Scored| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
    if out.len() > first {
        out.select_nth_unstable_by(first, order);
        out.truncate(first);
    }
    out.sort_by(order);
    for candidate in &mut out {
        if let Some(a) = sim.slot[candidate.0 as usize] {
            candidate.2 = because(sim, &known_slots, a);
        }
    }
    out
}

/// The known feature whose part in candidate slot `a`'s score is largest (the first of equals,
/// in the order the person's features are known; None when no part is positive), the share of
/// the other people who know it who know the candidate, and how many they are.
fn because(sim: &Similarity, known_slots: &[(u32, usize)], a: usize) -> Option<(u32, f64, u64)> {
    let n = sim.n();
    let mut best: Option<(f64, u32, usize)> = None;
    for &(g, b) in known_slots {
        let part = sim.part[b * n + a];
        if part > best.map_or(0.0, |(p, _, _)| p) {
            best = Some((part, g, b));
        }
    }
    best.map(|(_, g, b)| {
        // The person knows g and not the candidate: the share is of the others who know g.
        let others = (sim.users[b] - 1.0).max(1.0);
        (g, f64::from(sim.both[a * n + b]) / others, others as u64)
    })
}

fn level_weight(features: &FeatureTable) -> impl Fn(u32) -> f64 + '_ {
    move |f| match features.features[f as usize].level.as_deref() {
        Some("basic") => BASIC_WEIGHT,
        _ => 1.0,
    }
}

/// The next features for everyone who knows at least one, best first.
pub fn recommendations(features: &FeatureTable) -> Vec<Recommendation> {
    let sets: Vec<Vec<u32>> = features
        .users
        .iter()
        .map(|u| u.known.iter().map(|k| k.0).collect())
        .collect();
    let n = features.features.len();
    let sim = Similarity::learn(&sets, n);
    let weight = level_weight(features);
    // One person at a time, in parallel; collected in person order.
    let each: Vec<Vec<Recommendation>> = sets
        .par_iter()
        .enumerate()
        .map(|(person, set)| {
            let ranked = scored(&sim, set, &weight, n, RECOMMENDATIONS);
            ranked
                .into_iter()
                .enumerate()
                .map(|(i, (feature, score, because))| Recommendation {
                    person,
                    rank: i as u32 + 1,
                    feature,
                    score,
                    because,
                })
                .collect()
        })
        .collect();
    each.into_iter().flatten().collect()
}

/// The offline check: hide the features each person first used in the window's second half,
/// recommend from the rest, and count how often a hidden one is among the first `k`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecommendationCheck {
    pub k: usize,
    /// People with at least 3 features known before and 1 found in the second half.
    pub people: usize,
    /// Share of them with a hidden feature among the first `k` recommendations.
    pub hit_rate: f64,
    /// The same for the `k` most widely known features they did not know yet.
    pub popular_hit_rate: f64,
}

/// Runs the offline check with cut-off `k`.
pub fn check(features: &FeatureTable, k: usize) -> RecommendationCheck {
    let early: Vec<Vec<u32>> = features
        .users
        .iter()
        .map(|u| u.known.iter().filter(|x| !x.1).map(|x| x.0).collect())
        .collect();
    let n = features.features.len();
    // Learnt on what everyone knew before: the hidden features take no part.
    let sim = Similarity::learn(&early, n);
    let mut popular: Vec<u32> = (0..n as u32)
        .filter(|f| sim.slot[*f as usize].is_some())
        .collect();
    popular.sort_by(|a, b| {
        let users = |f: &u32| sim.users[sim.slot[*f as usize].unwrap_or(0)];
        users(b).total_cmp(&users(a)).then(a.cmp(b))
    });
    let weight = level_weight(features);
    // Per person checked: (a hidden feature among the first k, among the k most popular).
    let outcomes: Vec<(bool, bool)> = features
        .users
        .par_iter()
        .zip(&early)
        .filter_map(|(u, before)| {
            let hidden: Vec<u32> = u.known.iter().filter(|x| x.1).map(|x| x.0).collect();
            if hidden.is_empty() || before.len() < 3 {
                return None;
            }
            let top = scored(&sim, before, &weight, n, k);
            let hit = top.iter().any(|r| hidden.contains(&r.0));
            let mut top_popular = popular.iter().filter(|f| !before.contains(f)).take(k);
            Some((hit, top_popular.any(|f| hidden.contains(f))))
        })
        .collect();
    let people = outcomes.len();
    let hits = outcomes.iter().filter(|o| o.0).count();
    let popular_hits = outcomes.iter().filter(|o| o.1).count();
    let rate = |h: usize| h as f64 / people.max(1) as f64;
    RecommendationCheck {
        k,
        people,
        hit_rate: rate(hits),
        popular_hit_rate: rate(popular_hits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{Feature, FeatureEntry, UserFeatures, UserStatus};

    /// People by (features known before, features found in the window's second half); features
    /// by (name, level).
    fn table(people: &[(Vec<u32>, Vec<u32>)], features: &[(&str, Option<&str>)]) -> FeatureTable {
        let users = people
            .iter()
            .enumerate()
            .map(|(i, (early, late))| {
                let mut known: Vec<(u32, bool)> = early.iter().map(|f| (*f, false)).collect();
                known.extend(late.iter().map(|f| (*f, true)));
                known.sort();
                UserFeatures {
                    user_id: format!("u{i:02}"),
                    display_name: None,
                    department: None,
                    role: None,
                    fte: 1.0,
                    status: UserStatus::Scored,
                    values: vec![f64::NAN; Feature::COUNT],
                    area_depth: Vec::new(),
                    weekly_uses: Vec::new(),
                    hire_week: None,
                    known,
                }
            })
            .collect();
        FeatureTable {
            users,
            areas: vec!["all".into()],
            features: features
                .iter()
                .map(|(name, level)| FeatureEntry {
                    name: name.to_string(),
                    area: 0,
                    level: level.map(str::to_string),
                })
                .collect(),
            ..FeatureTable::default()
        }
    }

    fn first_for(recs: &[Recommendation], person: usize) -> Vec<u32> {
        recs.iter()
            .filter(|r| r.person == person)
            .map(|r| r.feature)
            .collect()
    }

    #[test]
    fn what_everyone_like_you_uses_comes_first_and_nothing_you_know_is_recommended() {
        // Ten people use a, b and c; ten others use d only; the last person uses a and b.
        let mut people = vec![(vec![0, 1, 2], vec![]); 10];
        people.extend(vec![(vec![3], vec![]); 10]);
        people.push((vec![0, 1], vec![]));
        let f = table(
            &people,
            &[("a", None), ("b", None), ("c", None), ("d", None)],
        );
        let recs = recommendations(&f);
        let last = first_for(&recs, 20);
        assert_eq!(last.first(), Some(&2), "{recs:?}");
        assert!(!last.contains(&0) && !last.contains(&1));
        let why = recs.iter().find(|r| r.person == 20).unwrap().why(&f, 5);
        assert!(
            why.starts_with("used by 100% of the other people who use "),
            "{why}"
        );
        // Fewer users than the minimum group size: no share.
        assert!(!recs[recs.len() - 1].why(&f, 50).contains('%'));
    }

    #[test]
    fn the_reason_names_the_known_feature_that_goes_with_the_recommendation() {
        // Ten people use b and c, ten others a only; the last person uses a and b. c goes with
        // b, not with a: the reason names b, used with c by all ten others who use b.
        let mut people = vec![(vec![1, 2], vec![]); 10];
        people.extend(vec![(vec![0], vec![]); 10]);
        people.push((vec![0, 1], vec![]));
        let f = table(&people, &[("a", None), ("b", None), ("c", None)]);
        let recs = recommendations(&f);
        let last: Vec<&Recommendation> = recs.iter().filter(|r| r.person == 20).collect();
        assert_eq!(last.len(), 1, "{recs:?}");
        assert_eq!((last[0].feature, last[0].because), (2, Some((1, 1.0, 10))));
        assert_eq!(
            last[0].why(&f, 5),
            "used by 100% of the other people who use b, which you use"
        );
    }

    #[test]
    fn a_catalogs_basic_features_come_after_its_advanced_ones() {
        // c (basic) and e (advanced) go with a and b equally.
        let mut people = vec![(vec![0, 1, 2, 3], vec![]); 10];
        people.push((vec![0, 1], vec![]));
        let levels = [
            ("a", Some("basic")),
            ("b", Some("basic")),
            ("c", Some("basic")),
            ("e", Some("advanced")),
        ];
        let recs = recommendations(&table(&people, &levels));
        assert_eq!(first_for(&recs, 10), [3, 2]);
    }

    #[test]
    fn the_check_hides_what_was_found_late_and_compares_with_the_popular_features() {
        // Twelve people know a, b, x and found c late; c goes with a and b. Thirty others know
        // p and q only, so p and q are the most widely known features.
        let mut people = vec![(vec![0, 1, 2], vec![3]); 12];
        people.extend(vec![(vec![4, 5], vec![]); 30]);
        let names = [
            ("a", None),
            ("b", None),
            ("x", None),
            ("c", None),
            ("p", None),
            ("q", None),
        ];
        let f = table(&people, &names);
        let c = check(&f, 2);
        assert_eq!(c.people, 12);
        // c is hidden from everyone, so nothing learnt points to it: neither finds it...
        assert_eq!((c.hit_rate, c.popular_hit_rate), (0.0, 0.0));
        // ...unless some people knew it before: then it is what people like them know.
        people.extend(vec![(vec![0, 1, 2, 3], vec![]); 6]);
        let c = check(&table(&people, &names), 2);
        assert_eq!((c.people, c.hit_rate, c.popular_hit_rate), (12, 1.0, 0.0));
    }
}
