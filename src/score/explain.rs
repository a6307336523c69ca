//! One-line explanations built from a user's strongest signals, in words and figures a person
//! could check: what they did and how that compares with their peers.

use super::compute::PeerStats;
use super::params::ScoreParams;
use crate::features::{Feature, Signal, UserFeatures};

/// A signal counts as a reason when it sits clearly above peers (about 0.4 robust spreads).
const REASON_THRESHOLD: f64 = 0.6;
/// At most this many reasons per explanation.
const MAX_REASONS: usize = 2;

fn peers_label(peers: &PeerStats) -> String {
    match &peers.label {
        Some(group) => format!("peers in {group}"),
        None => "peers".to_string(),
    }
}

/// "3.0x the peer median", or "where most peers have none".
fn against_median(value: f64, median: f64, peers: &str) -> String {
    if median > 0.0 {
        format!("{:.1}x the median of {peers}", value / median)
    } else {
        format!("where most {peers} have none")
    }
}

fn phrase(signal: Signal, user: &UserFeatures, peers: &PeerStats) -> String {
    let who = peers_label(peers);
    let v = |f: Feature| user.get(f);
    let m = |f: Feature| peers.get(f).median;
    match signal {
        Signal::Depth => format!(
            "uses {} advanced features ({}) and {} features in all",
            v(Feature::AdvancedFeatures),
            against_median(
                v(Feature::AdvancedFeatures),
                m(Feature::AdvancedFeatures),
                &who
            ),
            v(Feature::DistinctFeatures)
        ),
        Signal::Shortcuts => format!(
            "triggers {:.0}% of shortcut-capable commands by keyboard ({} median: {:.0}%)",
            100.0 * v(Feature::ShortcutShare),
            who,
            100.0 * m(Feature::ShortcutShare)
        ),
        Signal::Help => format!(
            "helped {} colleagues in {} departments ({} times)",
            v(Feature::PeopleHelped),
            v(Feature::DepartmentsHelped),
            v(Feature::HelpsGiven)
        ),
        Signal::Training => {
            let improvement = v(Feature::Improvement);
            if improvement.is_finite() {
                format!(
                    "averaged {:.0}% in training assessments, {:+.0} points since the baseline",
                    v(Feature::TrainingLevel),
                    improvement
                )
            } else {
                format!(
                    "averaged {:.0}% in training assessments",
                    v(Feature::TrainingLevel)
                )
            }
        }
        Signal::Feedback => format!(
            "filed {} feedback items, {} of them ideas",
            v(Feature::FeedbackItems),
            v(Feature::Ideas)
        ),
        Signal::Consistency => format!(
            "active on {} days, in {} of the last 12 weeks",
            v(Feature::ActiveDays),
            v(Feature::ActiveWeeksLast12)
        ),
    }
}

/// The explanation for a scored user: the strongest signals above peers, strongest first.
pub fn explanation(
    user: &UserFeatures,
    peers: &PeerStats,
    signals: &[f64; 6],
    params: &ScoreParams,
) -> String {
    let mut reasons: Vec<(f64, Signal)> = Signal::ALL
        .into_iter()
        .filter(|s| signals[*s as usize] >= REASON_THRESHOLD)
        .map(|s| ((signals[s as usize] - 0.5) * params.weights.get(s), s))
        .collect();
    reasons.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let phrases: Vec<String> = reasons
        .iter()
        .take(MAX_REASONS)
        .map(|(_, s)| phrase(*s, user, peers))
        .collect();
    if phrases.is_empty() {
        "no signal clearly above peers".to_string()
    } else {
        phrases.join("; ")
    }
}
