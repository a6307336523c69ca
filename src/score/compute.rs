//! The composite score: every scored feature scaled against peers, averaged into six signals,
//! weighted into a 0-100 score whose per-signal contributions add up to it; then ranks and tiers.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::evidence::{SignalWeight, check_evidence};
use super::explain::{Words, explanation};
use super::params::{PeerGroup, ScoreParams};
use super::scale::RobustStats;
use super::table::{ScoreTable, Tier, UserScore};
use super::volume::weigh;
use crate::error::Result;
use crate::features::{Feature, FeatureTable, Signal, UserFeatures, UserStatus};
use crate::small_groups::{pooled_groups, scored_per_group};

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

/// One scored user's signals (NaN where not used) and scaled features (NaN where not used).
struct SignalValues {
    signals: [f64; 6],
    scaled: Vec<f64>,
}

/// Each used signal as the weighted mean of its features' positions among `peers`.
fn signal_values(
    user: &UserFeatures,
    peers: &PeerStats,
    used: &[(Signal, Vec<Feature>)],
    params: &ScoreParams,
) -> SignalValues {
    let mut signals = [f64::NAN; 6];
    let mut scaled = vec![f64::NAN; Feature::COUNT];
    for (signal, members) in used {
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
        signals[*signal as usize] = sum / total;
    }
    SignalValues { signals, scaled }
}

/// The weight of each signal in the score (see [`weigh`]), from the signals of everyone scored.
fn weigh_signals(
    features: &FeatureTable,
    used: &[(Signal, Vec<Feature>)],
    values: &[Option<SignalValues>],
    params: &ScoreParams,
    records: &mut [SignalWeight],
) -> [f64; 6] {
    let scored: Vec<(&UserFeatures, &SignalValues)> = features
        .users
        .iter()
        .zip(values)
        .filter_map(|(u, v)| Some((u, v.as_ref()?)))
        .collect();
    let signals: Vec<Signal> = used.iter().map(|(s, _)| *s).collect();
    let columns: Vec<Vec<f64>> = signals
        .iter()
        .map(|s| scored.iter().map(|(_, v)| v.signals[*s as usize]).collect())
        .collect();
    let volume: Vec<f64> = scored
        .iter()
        .map(|(u, _)| u.get(Feature::UsesPerActiveDay))
        .collect();
    weigh(&signals, &columns, &volume, params, records)
}

/// Ranks by score, highest first, ties by user id so the order never depends on input order; then
/// the tiers by rank.
fn rank_and_tier(users: &mut [UserScore], params: &ScoreParams) {
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
    // Groups under `min_peer_group` are compared with everyone, by the rule that withholds
    // groups from the outputs (at least as strict, as `min_peer_group` is at least the minimum
    // group size): an explanation never names a group that people's rows do not.
    let sizes = scored_per_group(&features.users, |u| peer_key(u, params.peer_group));
    let pooled = pooled_groups(&sizes, params.min_peer_group);
    let group_stats: BTreeMap<&str, PeerStats> = groups
        .into_iter()
        .filter(|(key, _)| !pooled.contains(key))
        .map(|(key, members)| (key, stats_for(&members, Some(key.to_string()))))
        .collect();

    let (used, mut weights) = check_evidence(features, &enabled_signals(features, params), params);
    let peers_of = |user: &UserFeatures| {
        peer_key(user, params.peer_group)
            .and_then(|k| group_stats.get(k))
            .unwrap_or(&everyone)
    };
    let values: Vec<Option<SignalValues>> = features
        .users
        .par_iter()
        .map(|user| {
            (user.status == UserStatus::Scored)
                .then(|| signal_values(user, peers_of(user), &used, params))
        })
        .collect();
    let signal_weights = weigh_signals(features, &used, &values, params, &mut weights);
    let total_weight: f64 = signal_weights.iter().sum();
    let words = Words::of(features, &used);

    let mut users: Vec<UserScore> = features
        .users
        .par_iter()
        .zip(values)
        .map(|(user, values)| {
            let Some(SignalValues { signals, scaled }) = values else {
                return UserScore::insufficient(user);
            };
            let contributions: [f64; 6] = std::array::from_fn(|i| {
                if signals[i].is_finite() {
                    100.0 * signal_weights[i] * signals[i] / total_weight
                } else {
                    0.0
                }
            });
            UserScore {
                user_id: user.user_id.clone(),
                status: user.status,
                score: contributions.iter().sum(),
                rank: None,
                tier: Tier::Other,
                signals,
                contributions,
                scaled,
                explanation: explanation(user, peers_of(user), &signals, &signal_weights, words),
            }
        })
        .collect();

    rank_and_tier(&mut users, params);
    Ok(ScoreTable {
        users,
        enabled: used.into_iter().map(|(s, _)| s).collect(),
        weights,
    })
}
