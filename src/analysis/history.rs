//! Movement across nightly runs: who became a candidate since the last run, who is no longer one,
//! who is rising fastest, who moved up or down a usage segment, and how the headline figures
//! move.
//!
//! Runs are compared by the identifiers they published (pseudonyms unless raw ids are enabled),
//! since that is all an earlier run kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::adoption::AdoptionFigures;
use super::segments::Segment;
use crate::score::Tier;

/// Earlier runs a run compares itself with (rising stars are measured over this span).
pub const HISTORY_RUNS: usize = 5;
/// Rising stars listed per run.
pub const RISING_STARS: usize = 10;

/// What one run leaves for later runs to compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSnapshot {
    pub as_of: NaiveDate,
    /// Published id -> (score, tier), for the people scored.
    pub people: BTreeMap<String, (f64, Tier)>,
    /// Published ids of the run's other people (too little activity to be scored). Someone in
    /// neither (who left, or opted out) is not named by a later run's comparison.
    pub unscored: BTreeSet<String>,
    pub headline: AdoptionFigures,
    /// Published id -> segment in the run's last week, for the people judged (empty for a run
    /// from before segments).
    pub segments: BTreeMap<String, Segment>,
}

impl RunSnapshot {
    fn is_candidate(&self, id: &str) -> bool {
        self.people.get(id).is_some_and(|p| p.1 == Tier::Candidate)
    }
}

/// How a person moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Movement {
    /// A candidate now, not in the previous run.
    NewCandidate,
    /// A candidate in the previous run, not now, and still in the run.
    DroppedCandidate,
    /// Among the largest score gains since the oldest run compared.
    RisingStar,
    /// In a more engaged usage segment than in the previous run.
    SegmentUp,
    /// In a less engaged usage segment than in the previous run.
    SegmentDown,
}

impl Movement {
    pub fn name(self) -> &'static str {
        match self {
            Movement::NewCandidate => "new_candidate",
            Movement::DroppedCandidate => "dropped_candidate",
            Movement::RisingStar => "rising_star",
            Movement::SegmentUp => "segment_up",
            Movement::SegmentDown => "segment_down",
        }
    }

    pub fn from_name(name: &str) -> Option<Movement> {
        [
            Movement::NewCandidate,
            Movement::DroppedCandidate,
            Movement::RisingStar,
            Movement::SegmentUp,
            Movement::SegmentDown,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }
}

/// One person's movement.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub movement: Movement,
    pub user_id: String,
    /// Score now (NaN for a dropped candidate no longer scored).
    pub score: f64,
    /// Change since the run compared with, where the person was scored in both.
    pub change: Option<f64>,
    /// For a segment move: the segment before and now.
    pub segments: Option<(Segment, Segment)>,
}

/// History as of the current run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunHistory {
    /// Headline figures per run, oldest first, the current run last.
    pub headline: Vec<(NaiveDate, AdoptionFigures)>,
    /// New candidates by id, then dropped candidates by id, then rising stars, fastest first,
    /// then segment moves up and down by id.
    pub moves: Vec<Move>,
}

/// Compares the current run with earlier ones (oldest first; only the last [`HISTORY_RUNS`]
/// count).
pub fn history(earlier: &[RunSnapshot], current: &RunSnapshot) -> RunHistory {
    let earlier = &earlier[earlier.len().saturating_sub(HISTORY_RUNS)..];
    let headline = earlier
        .iter()
        .chain(std::iter::once(current))
        .map(|r| (r.as_of, r.headline))
        .collect();
    let mut moves = Vec::new();
    if let (Some(previous), Some(oldest)) = (earlier.last(), earlier.first()) {
        moves.extend(new_candidates(previous, current));
        moves.extend(dropped_candidates(previous, current));
        moves.extend(rising_stars(oldest, current));
        moves.extend(segment_moves(previous, current));
    }
    RunHistory { headline, moves }
}

fn new_candidates(previous: &RunSnapshot, current: &RunSnapshot) -> Vec<Move> {
    current
        .people
        .iter()
        .filter(|(id, (_, tier))| *tier == Tier::Candidate && !previous.is_candidate(id))
        .map(|(id, (score, _))| Move {
            movement: Movement::NewCandidate,
            user_id: id.clone(),
            score: *score,
            change: previous.people.get(id).map(|b| score - b.0),
            segments: None,
        })
        .collect()
}

fn dropped_candidates(previous: &RunSnapshot, current: &RunSnapshot) -> Vec<Move> {
    previous
        .people
        .iter()
        .filter(|(id, (_, tier))| *tier == Tier::Candidate && !current.is_candidate(id))
        // Only people still in the run: an opt-out holds for the history too.
        .filter(|(id, _)| current.people.contains_key(*id) || current.unscored.contains(*id))
        .map(|(id, (before, _))| {
            let now = current.people.get(id).map(|c| c.0);
            Move {
                movement: Movement::DroppedCandidate,
                user_id: id.clone(),
                score: now.unwrap_or(f64::NAN),
                change: now.map(|n| n - before),
                segments: None,
            }
        })
        .collect()
}

/// The largest positive score gains since `oldest`, largest first (ties by id).
fn rising_stars(oldest: &RunSnapshot, current: &RunSnapshot) -> Vec<Move> {
    let mut gains: Vec<(f64, &String, f64)> = current
        .people
        .iter()
        .filter_map(|(id, (score, _))| {
            oldest
                .people
                .get(id)
                .map(|(old, _)| (score - old, id, *score))
        })
        .filter(|(gain, _, _)| *gain > 0.0)
        .collect();
    gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    gains
        .into_iter()
        .take(RISING_STARS)
        .map(|(gain, id, score)| Move {
            movement: Movement::RisingStar,
            user_id: id.clone(),
            score,
            change: Some(gain),
            segments: None,
        })
        .collect()
}

/// People judged in both runs whose segment changed: up first, then down, each by id.
fn segment_moves(previous: &RunSnapshot, current: &RunSnapshot) -> Vec<Move> {
    let mut moves: Vec<Move> = current
        .segments
        .iter()
        .filter_map(|(id, now)| {
            let before = *previous.segments.get(id)?;
            let movement = match now.cmp(&before) {
                std::cmp::Ordering::Greater => Movement::SegmentUp,
                std::cmp::Ordering::Less => Movement::SegmentDown,
                std::cmp::Ordering::Equal => return None,
            };
            Some(Move {
                movement,
                user_id: id.clone(),
                score: current.people.get(id).map_or(f64::NAN, |p| p.0),
                change: None,
                segments: Some((before, *now)),
            })
        })
        .collect();
    moves.sort_by_key(|m| m.movement == Movement::SegmentDown);
    moves
}
