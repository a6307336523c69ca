//! One-line explanations built from a user's strongest signals, in words and figures a person
//! could check: what they did and how that compares with their peers.

use super::compute::PeerStats;
use super::params::ScoreParams;
use crate::features::{Feature, Signal, UserFeatures};

/// A signal counts as a reason when it sits clearly above peers (about 0.4 robust spreads).
const REASON_THRESHOLD: f64 = 0.6;
/// At most this many reasons per explanation...
const MAX_REASONS: usize = 2;
/// ...and this many pieces of evidence per reason, the strongest first.
const MAX_CLAUSES: usize = 2;

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

/// The clauses that say why a signal stands out: one for each of its features on which the
/// person stands clearly above their peers, never one that merely matches them.
fn clauses(signal: Signal, user: &UserFeatures, peers: &PeerStats) -> Vec<String> {
    let who = peers_label(peers);
    let v = |f: Feature| user.get(f);
    let m = |f: Feature| peers.get(f).median;
    let above = |f: Feature| peers.get(f).squash(v(f)) >= REASON_THRESHOLD;
    let count =
        |f: Feature, what: &str| format!("{} {what} ({})", v(f), against_median(v(f), m(f), &who));
    let strength = |f: Feature| peers.get(f).squash(v(f));
    let mut out: Vec<(f64, String)> = Vec::new();
    let mut say = |f: Feature, text: String| {
        if above(f) {
            out.push((strength(f), text));
        }
    };
    match signal {
        Signal::Depth => {
            say(
                Feature::AdvancedFeatures,
                format!(
                    "uses {}",
                    count(Feature::AdvancedFeatures, "advanced features")
                ),
            );
            say(
                Feature::DistinctFeatures,
                format!(
                    "uses {}",
                    count(Feature::DistinctFeatures, "features in all")
                ),
            );
            say(
                Feature::AreaBreadth,
                format!(
                    "works across {}",
                    count(Feature::AreaBreadth, "feature areas")
                ),
            );
            say(
                Feature::RarityDepth,
                "uses features few colleagues use".to_string(),
            );
        }
        Signal::Shortcuts => {
            say(
                Feature::ShortcutShare,
                format!(
                    "triggers {:.0}% of shortcut-capable commands by keyboard ({who} median: {:.0}%)",
                    100.0 * v(Feature::ShortcutShare),
                    100.0 * m(Feature::ShortcutShare)
                ),
            );
            say(
                Feature::DistinctShortcuts,
                format!(
                    "uses {}",
                    count(Feature::DistinctShortcuts, "distinct shortcuts")
                ),
            );
        }
        Signal::Help => {
            let helped = format!(
                "helped {} colleagues in {} departments ({} times)",
                v(Feature::PeopleHelped),
                v(Feature::DepartmentsHelped),
                v(Feature::HelpsGiven)
            );
            let direct = [
                Feature::HelpRate,
                Feature::PeopleHelped,
                Feature::DepartmentsHelped,
            ];
            let strongest = direct
                .into_iter()
                .max_by(|a, b| strength(*a).total_cmp(&strength(*b)));
            if let Some(f) = strongest {
                say(f, helped);
            }
            say(
                Feature::ExpertiseRank,
                "is asked for help by colleagues who are themselves asked".to_string(),
            );
        }
        Signal::Training => {
            say(
                Feature::TrainingLevel,
                format!(
                    "averaged {:.0}% in training assessments ({who} median: {:.0}%)",
                    v(Feature::TrainingLevel),
                    m(Feature::TrainingLevel)
                ),
            );
            say(
                Feature::Improvement,
                format!(
                    "gained {:+.0} points in training since the baseline",
                    v(Feature::Improvement)
                ),
            );
        }
        Signal::Feedback => say(
            Feature::FeedbackRate,
            format!(
                "filed {} feedback items, {} of them ideas",
                v(Feature::FeedbackItems),
                v(Feature::Ideas)
            ),
        ),
        Signal::Consistency => {
            say(
                Feature::ActiveDayRate,
                format!("active on {} days", v(Feature::ActiveDays)),
            );
            say(
                Feature::ActiveWeeksShare,
                format!(
                    "active in {} of the last 12 weeks",
                    v(Feature::ActiveWeeksLast12)
                ),
            );
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.into_iter()
        .take(MAX_CLAUSES)
        .map(|(_, text)| text)
        .collect()
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
        .map(|(_, s)| clauses(*s, user, peers))
        .filter(|c| !c.is_empty())
        .take(MAX_REASONS)
        .map(|c| c.join(", "))
        .collect();
    if phrases.is_empty() {
        "no signal clearly above peers".to_string()
    } else {
        phrases.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::UserStatus;
    use crate::score::RobustStats;

    fn peers() -> PeerStats {
        let stats = |median: f64| RobustStats {
            median,
            spread: 1.0,
        };
        let mut all = vec![stats(0.0); Feature::COUNT];
        all[Feature::AdvancedFeatures as usize] = stats(1.0);
        all[Feature::DistinctFeatures as usize] = stats(10.0);
        PeerStats {
            label: None,
            stats: all,
        }
    }

    fn user(advanced: f64, distinct: f64) -> UserFeatures {
        let mut values = vec![0.0; Feature::COUNT];
        values[Feature::AdvancedFeatures as usize] = advanced;
        values[Feature::DistinctFeatures as usize] = distinct;
        UserFeatures {
            user_id: "u".into(),
            display_name: None,
            department: None,
            role: None,
            fte: 1.0,
            status: UserStatus::Scored,
            values,
            area_depth: Vec::new(),
        }
    }

    #[test]
    fn an_explanation_cites_only_what_stands_clearly_above_peers() {
        let mut signals = [f64::NAN; 6];
        signals[Signal::Depth as usize] = 0.7;
        let params = ScoreParams::default();
        // Many features, but advanced features only at the median: not a reason to cite.
        let broad = explanation(&user(1.0, 30.0), &peers(), &signals, &params);
        assert_eq!(broad, "uses 30 features in all (3.0x the median of peers)");
        let deep = explanation(&user(6.0, 30.0), &peers(), &signals, &params);
        assert!(
            deep.contains("uses 6 advanced features (6.0x the median of peers)")
                && deep.contains("uses 30 features in all"),
            "{deep}"
        );
        // A signal above the threshold with no feature clearly above peers cites nothing.
        let flat = explanation(&user(1.0, 10.0), &peers(), &signals, &params);
        assert_eq!(flat, "no signal clearly above peers");
    }
}
