//! The shortlist: the people scoring put in the top tier, best first.

use crate::score::{ScoreTable, Tier};

/// One power-user candidate: a row of the feature and score tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Row in the feature and score tables.
    pub person: usize,
    pub rank: u32,
}

/// Everyone in the candidate tier, by rank.
pub fn candidates(scores: &ScoreTable) -> Vec<Candidate> {
    let mut shortlist: Vec<Candidate> = scores
        .users
        .iter()
        .enumerate()
        .filter(|(_, s)| s.tier == Tier::Candidate)
        .filter_map(|(person, s)| s.rank.map(|rank| Candidate { person, rank }))
        .collect();
    shortlist.sort_by_key(|c| c.rank);
    shortlist
}
