//! The composite score: every scored feature scaled against peers, averaged into six signals,
//! weighted into a 0-100 score whose per-signal contributions add up to it; then ranks and tiers.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::evidence::check_evidence;
use super::explain::explanation;
use super::params::{PeerGroup, ScoreParams};
use super::scale::RobustStats;
use super::table::{ScoreTable, Tier, UserScore};
use crate::error::Result;
use crate::features::{Feature, FeatureTable, Signal, UserFeatures, UserStatus};

/// Robust statistics of every feature for one peer group.
#[derive(Debug, Clone)]
pub struct PeerStats {
    /// Who the group is, for explanations (`None`: everyone).
    pub label: Option<String>,
    pub stats: Vec<RobustStats>,
}

impl PeerStats {
    pub fn of(feature: Feature, stats: &[RobustStats]) -> RobustStats {
        stats[feature as usize]
    }

    pub fn get(&self, feature: Feature) -> RobustStats {
        self.stats[feature as usize]
    }
}

fn peer_key(user: &UserFeatures, group: PeerGroup) -> Option<&str> {
    match group {
        PeerGroup::All => None,
        PeerGroup::Department => user.department.as_deref(),
        PeerGroup::Role => user.role.as_deref(),
    }
}

fn stats_for(users: &[&UserFeatures], label: Option<String>) -> PeerStats {
    let stats = Feature::ALL
        .par_iter()
        .map(|f| RobustStats::of(users.iter().map(|u| u.get(*f))))
        .collect();
    PeerStats { label, stats }
}

/// The signals that take part: those with a weight, whose source table exists.
pub fn enabled_signals(features: &FeatureTable, params: &ScoreParams) -> Vec<Signal> {
    Signal::ALL
        .into_iter()
        .filter(|s| params.weights.get(*s) > 0.0)
        .filter(|s| match s {
            Signal::Training => features.has_training,
            Signal::Help => features.has_help,
            Signal::Feedback => features.has_feedback,
            _ => true,
        })
        .collect()
}

/// Scores every user with enough data; the rest are listed with tier `insufficient_data`.
pub fn score(features: &FeatureTable, params: &ScoreParams) -> Result<ScoreTable> {
    params.check()?;
    let scored: Vec<&UserFeatures> = features
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Scored)
        .collect();
    let everyone = stats_for(&scored, None);
    let mut groups: BTreeMap<&str, Vec<&UserFeatures>> = BTreeMap::new();
    for user in &scored {
        if let Some(key) = peer_key(user, params.peer_group) {
            groups.entry(key).or_default().push(user);
        }
    }
    let group_stats: BTreeMap<&str, PeerStats> = groups
        .into_iter()
        .filter(|(_, members)| members.len() >= params.min_peer_group)
        .map(|(key, members)| (key, stats_for(&members, Some(key.to_string()))))
        .collect();

    let (used, weights) = check_evidence(features, &enabled_signals(features, params), params);
    let total_weight: f64 = used.iter().map(|(s, _)| params.weights.get(*s)).sum();

    let mut users: Vec<UserScore> = features
        .users
        .par_iter()
        .map(|user| {
            if user.status != UserStatus::Scored {
                return UserScore::insufficient(user);
            }
            let peers = peer_key(user, params.peer_group)
                .and_then(|k| group_stats.get(k))
                .unwrap_or(&everyone);
            let mut signals = [f64::NAN; 6];
            let mut contributions = [0.0; 6];
            let mut scaled = vec![f64::NAN; Feature::COUNT];
            for (signal, members) in &used {
                let mut sum = 0.0;
                let mut total = 0.0;
                for f in members {
                    let (x, w) = (
                        peers.get(*f).squash(user.get(*f)),
                        params.feature_weight(*f),
                    );
                    scaled[*f as usize] = x;
                    sum += w * x;
                    total += w;
                }
                let value = sum / total;
                signals[*signal as usize] = value;
                contributions[*signal as usize] =
                    100.0 * params.weights.get(*signal) * value / total_weight;
            }
            let score = contributions.iter().sum();
            UserScore {
                user_id: user.user_id.clone(),
                status: user.status,
                score,
                rank: None,
                tier: Tier::Other,
                signals,
                contributions,
                scaled,
                explanation: explanation(user, peers, &signals, params),
            }
        })
        .collect();

    // Rank: score, highest first; ties by user id so the order never depends on input order.
    let mut order: Vec<usize> = (0..users.len())
        .filter(|&i| users[i].status == UserStatus::Scored)
        .collect();
    order.sort_by(|&a, &b| {
        users[b]
            .score
            .total_cmp(&users[a].score)
            .then_with(|| users[a].user_id.cmp(&users[b].user_id))
    });
    let n = order.len() as f64;
    let top = (params.top_tier_share * n).ceil() as usize;
    let second = top + (params.second_tier_share * n).ceil() as usize;
    for (position, &i) in order.iter().enumerate() {
        users[i].rank = Some(position as u32 + 1);
        users[i].tier = if position < top {
            Tier::Candidate
        } else if position < second {
            Tier::Emerging
        } else {
            Tier::Other
        };
    }
    Ok(ScoreTable {
        users,
        enabled: used.into_iter().map(|(s, _)| s).collect(),
        weights,
    })
}
