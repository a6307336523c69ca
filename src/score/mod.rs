//! Scoring: robust scaling against peers, a weighted composite with per-signal contributions that
//! add up to the score, ranks, tiers and one-line explanations.
//!
//! Not for: computing features (see `features`) or naming personas (see `cluster`).

mod compute;
mod evidence;
mod explain;
mod params;
mod scale;
mod table;
mod volume;

pub use compute::{PeerStats, enabled_signals, score};
pub use evidence::{NO_VALUE, SignalWeight, TABLE_ABSENT, check_evidence, min_evidence};
pub use params::{PeerGroup, ScoreParams, SignalWeights};
pub use scale::RobustStats;
pub use table::{ScoreTable, Tier, UserScore};
