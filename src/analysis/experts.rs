//! Who knows each feature area best: the people who could present it to their peers.

use crate::features::FeatureTable;
use crate::score::{ScoreTable, Tier};

/// One of the people who know an area best.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaExpert {
    /// Index into `FeatureTable::areas`.
    pub area: usize,
    /// Row in the feature and score tables.
    pub person: usize,
    /// 1 = knows the area best.
    pub place: u32,
    pub features_known: u32,
    pub tier: Tier,
}

/// Per feature area (in area order), the `per_area` scored people who know most features in it;
/// ties go to the higher score, then to the smaller user id, so the order never depends on input
/// order.
pub fn area_experts(
    features: &FeatureTable,
    scores: &ScoreTable,
    per_area: usize,
) -> Vec<AreaExpert> {
    let mut experts = Vec::new();
    for area in 0..features.areas.len() {
        let mut ranked: Vec<(u32, usize)> = features
            .users
            .iter()
            .enumerate()
            .filter(|(i, _)| scores.users[*i].rank.is_some())
            .filter_map(|(i, u)| {
                u.area_depth
                    .iter()
                    .find(|(id, _)| *id as usize == area)
                    .map(|(_, n)| (*n, i))
            })
            .collect();
        let s = &scores.users;
        ranked.sort_by(|x, y| {
            y.0.cmp(&x.0)
                .then(s[y.1].score.total_cmp(&s[x.1].score))
                .then(s[x.1].user_id.cmp(&s[y.1].user_id))
        });
        for (position, (known, person)) in ranked.into_iter().take(per_area).enumerate() {
            experts.push(AreaExpert {
                area,
                person,
                place: position as u32 + 1,
                features_known: known,
                tier: s[person].tier,
            });
        }
    }
    experts
}
