//! One-line explanations built from a user's strongest signals, in words and figures a person
//! could check: what they did and how that compares with their peers.

use super::compute::PeerStats;
use crate::features::{Feature, FeatureTable, Signal, UserFeatures};

/// What the organisation's data lets the words claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    /// Whether any feature has a catalog level. Without one, `advanced_features` counts the
    /// features few people use: they are called rarely used, not advanced, and the rarity of
    /// the features used is not cited a second time.
    pub catalog_levels: bool,
    /// The features the score used, by `Feature` number: one left out of its signal (no
    /// evidence to tell people apart) is never cited.
    pub scored: [bool; Feature::COUNT],
}

impl Words {
    /// `used`: each signal the score used with its features.
    pub fn of(features: &FeatureTable, used: &[(Signal, Vec<Feature>)]) -> Words {
        let mut scored = [false; Feature::COUNT];
        for f in used.iter().flat_map(|(_, features)| features) {
            scored[*f as usize] = true;
        }
        Words {
            catalog_levels: features.features.iter().any(|f| f.level.is_some()),
            scored,
        }
    }
}

/// A signal counts as a reason when it sits clearly above peers (about 0.4 robust spreads).
const REASON_THRESHOLD: f64 = 0.6;
/// A signal with less than this share of the score's weight moves the score too little to be a
/// reason (a calibration can leave a signal a weight of 0.01; the defaults give each at least
/// 0.05).
const MIN_REASON_WEIGHT: f64 = 0.04;
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

/// One person's figures against their peers, for wording.
struct Evidence<'a> {
    user: &'a UserFeatures,
    peers: &'a PeerStats,
    who: String,
    words: Words,
}

impl Evidence<'_> {
    fn v(&self, f: Feature) -> f64 {
        self.user.get(f)
    }

    fn median(&self, f: Feature) -> f64 {
        self.peers.get(f).median
    }

    /// Where the person stands among peers on `f`, in (0, 1).
    fn strength(&self, f: Feature) -> f64 {
        self.peers.get(f).squash(self.v(f))
    }

    /// "12 advanced features (3.0x the median of peers)", "1 advanced feature (...)".
    fn count(&self, f: Feature, one: &str, many: &str) -> String {
        let against = against_median(self.v(f), self.median(f), &self.who);
        format!("{} ({against})", counted(self.v(f), one, many))
    }

    /// "47% ... (peers median: 15%)" for a share.
    fn share(&self, f: Feature, what: &str) -> String {
        let (v, m) = (100.0 * self.v(f), 100.0 * self.median(f));
        format!("{v:.0}% {what} ({} median: {m:.0}%)", self.who)
    }
}

/// "1 colleague", "3 colleagues".
fn counted(n: f64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1.0 { one } else { many })
}

/// Each feature of a signal with the words that cite it.
fn wordings(signal: Signal, e: &Evidence) -> Vec<(Feature, String)> {
    use Feature as F;
    match signal {
        Signal::Depth => {
            let (one, many) = if e.words.catalog_levels {
                ("advanced feature", "advanced features")
            } else {
                ("rarely used feature", "rarely used features")
            };
            let mut depth = vec![
                (
                    F::AdvancedFeatures,
                    format!("uses {}", e.count(F::AdvancedFeatures, one, many)),
                ),
                (
                    F::DistinctFeatures,
                    format!(
                        "uses {}",
                        e.count(F::DistinctFeatures, "feature in all", "features in all")
                    ),
                ),
                (
                    F::AreaBreadth,
                    format!(
                        "works in {}",
                        e.share(F::AreaBreadth, "of the feature areas")
                    ),
                ),
            ];
            if e.words.catalog_levels {
                depth.push((
                    F::RarityDepth,
                    "uses features few colleagues use".to_string(),
                ));
            }
            depth
        }
        Signal::Shortcuts => vec![
            (
                F::ShortcutShare,
                format!(
                    "triggers {}",
                    e.share(F::ShortcutShare, "of shortcut-capable commands by keyboard")
                ),
            ),
            (
                F::DistinctShortcuts,
                format!(
                    "uses {}",
                    e.count(
                        F::DistinctShortcuts,
                        "distinct shortcut",
                        "distinct shortcuts"
                    )
                ),
            ),
        ],
        Signal::Help => help_wordings(e),
        Signal::Training => vec![
            (
                F::TrainingLevel,
                format!(
                    "averaged {:.0}% in training assessments ({} median: {:.0}%)",
                    e.v(F::TrainingLevel),
                    e.who,
                    e.median(F::TrainingLevel)
                ),
            ),
            (
                F::Improvement,
                format!(
                    "gained {:+.0} percentage points in training since the baseline",
                    e.v(F::Improvement)
                ),
            ),
        ],
        Signal::Feedback => vec![(
            F::FeedbackRate,
            format!(
                "filed {}, {} of them ideas",
                counted(e.v(F::FeedbackItems), "feedback item", "feedback items"),
                e.v(F::Ideas)
            ),
        )],
        Signal::Consistency => vec![
            (
                F::ActiveDayRate,
                format!("active on {} days", e.v(F::ActiveDays)),
            ),
            (
                // The share the score used, of the weeks since hire or since the export began:
                // "of the last 12 weeks" misreads an export of fewer weeks.
                F::ActiveWeeksShare,
                format!(
                    "active in {}",
                    e.share(F::ActiveWeeksShare, "of the weeks observed")
                ),
            ),
        ],
    }
}

/// The help signal's words: rate, people and departments helped are one clause, cited by its
/// strongest part; the expertise rank another.
fn help_wordings(e: &Evidence) -> Vec<(Feature, String)> {
    use Feature as F;
    let direct = [F::HelpRate, F::PeopleHelped, F::DepartmentsHelped];
    let strongest = direct
        .into_iter()
        .max_by(|a, b| e.strength(*a).total_cmp(&e.strength(*b)))
        .unwrap_or(F::HelpRate);
    // Where nobody's department is known, the departments are not cited.
    let departments = e.v(F::DepartmentsHelped);
    let departments = if departments.is_nan() {
        String::new()
    } else {
        format!(" in {}", counted(departments, "department", "departments"))
    };
    let helped = format!(
        "helped {}{departments} ({})",
        counted(e.v(F::PeopleHelped), "colleague", "colleagues"),
        counted(e.v(F::HelpsGiven), "time", "times")
    );
    vec![
        (strongest, helped),
        (
            // A score (a PageRank over who asked whom), not a place in a list, and not a claim
            // about who the askers are: it is high for many askers as well as for askers who
            // are asked themselves.
            F::ExpertiseRank,
            // Against the peers' median, as every other clause: the rank's mean is 1 by
            // construction, but a few much-asked people put most others below it.
            format!(
                "scores {:.1} in who asks whom for help ({})",
                e.v(F::ExpertiseRank),
                against_median(e.v(F::ExpertiseRank), e.median(F::ExpertiseRank), &e.who)
            ),
        ),
    ]
}

/// The clauses that say why a signal stands out: its features on which the person stands
/// clearly above their peers (never one that merely matches them), strongest first.
fn clauses(signal: Signal, user: &UserFeatures, peers: &PeerStats, words: Words) -> Vec<String> {
    let e = Evidence {
        user,
        peers,
        who: peers_label(peers),
        words,
    };
    let mut cited: Vec<(f64, String)> = wordings(signal, &e)
        .into_iter()
        .filter(|(f, _)| words.scored[*f as usize] && e.strength(*f) >= REASON_THRESHOLD)
        .map(|(f, text)| (e.strength(f), text))
        .collect();
    cited.sort_by(|a, b| b.0.total_cmp(&a.0));
    cited
        .into_iter()
        .take(MAX_CLAUSES)
        .map(|(_, text)| text)
        .collect()
}

/// The explanation for a scored user: the strongest signals above peers, strongest first, by
/// the weights the score used (a signal that counted for nothing, or next to nothing, is no
/// reason). `words` says what the data lets them claim.
pub fn explanation(
    user: &UserFeatures,
    peers: &PeerStats,
    signals: &[f64; 6],
    weights: &[f64; 6],
    words: Words,
) -> String {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    let counts = |s: Signal| {
        let weight = weights[s as usize];
        weight > 0.0 && weight >= MIN_REASON_WEIGHT * total
    };
    let mut reasons: Vec<(f64, Signal)> = Signal::ALL
        .into_iter()
        .filter(|s| signals[*s as usize] >= REASON_THRESHOLD && counts(*s))
        .map(|s| ((signals[s as usize] - 0.5) * weights[s as usize], s))
        .collect();
    reasons.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let phrases: Vec<String> = reasons
        .iter()
        .map(|(_, s)| clauses(*s, user, peers, words))
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

    const CATALOG: Words = Words {
        catalog_levels: true,
        scored: [true; Feature::COUNT],
    };

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
            weekly_uses: Vec::new(),
            hire_week: None,
            known: Vec::new(),
        }
    }

    #[test]
    fn an_explanation_cites_only_what_stands_clearly_above_peers() {
        let mut signals = [f64::NAN; 6];
        signals[Signal::Depth as usize] = 0.7;
        let params = [0.3, 0.2, 0.2, 0.1, 0.05, 0.15];
        // Many features, but advanced features only at the median: not a reason to cite.
        let broad = explanation(&user(1.0, 30.0), &peers(), &signals, &params, CATALOG);
        assert_eq!(broad, "uses 30 features in all (3.0x the median of peers)");
        let deep = explanation(&user(6.0, 30.0), &peers(), &signals, &params, CATALOG);
        assert!(
            deep.contains("uses 6 advanced features (6.0x the median of peers)")
                && deep.contains("uses 30 features in all"),
            "{deep}"
        );
        // A signal above the threshold with no feature clearly above peers cites nothing.
        let flat = explanation(&user(1.0, 10.0), &peers(), &signals, &params, CATALOG);
        assert_eq!(flat, "no signal clearly above peers");
        // A signal the score gave no weight is no reason, however high.
        let mut unweighted = params;
        unweighted[Signal::Depth as usize] = 0.0;
        let ignored = explanation(&user(6.0, 30.0), &peers(), &signals, &unweighted, CATALOG);
        assert_eq!(ignored, "no signal clearly above peers");
        // Nor is one a calibration left next to nothing (0.01 of about 0.8 in all).
        let mut slight = unweighted;
        slight[Signal::Depth as usize] = 0.01;
        let ignored = explanation(&user(6.0, 30.0), &peers(), &signals, &slight, CATALOG);
        assert_eq!(ignored, "no signal clearly above peers");
        // The defaults' smallest weight, 0.05 of 1, still counts.
        let mut small = params;
        small[Signal::Depth as usize] = 0.05;
        let cited = explanation(&user(6.0, 30.0), &peers(), &signals, &small, CATALOG);
        assert!(cited.contains("advanced features"), "{cited}");
        // A feature the score left out of its signal is never cited.
        let mut scored = CATALOG.scored;
        scored[Feature::AdvancedFeatures as usize] = false;
        let words = Words { scored, ..CATALOG };
        let cited = explanation(&user(6.0, 30.0), &peers(), &signals, &params, words);
        assert_eq!(cited, "uses 30 features in all (3.0x the median of peers)");
    }

    #[test]
    fn help_consistency_and_single_counts_are_worded_against_peers_and_the_weeks_observed() {
        let mut signals = [f64::NAN; 6];
        signals[Signal::Help as usize] = 0.7;
        signals[Signal::Consistency as usize] = 0.7;
        signals[Signal::Depth as usize] = 0.7;
        let params = [0.3, 0.2, 0.2, 0.1, 0.05, 0.15];
        let mut stats = peers();
        let median = |m: f64| RobustStats {
            median: m,
            spread: 0.1,
        };
        // A rank below the mean of 1 can stand well above the median person: it is cited
        // against that median, never against "the average person 1.0".
        stats.stats[Feature::ExpertiseRank as usize] = median(0.2);
        stats.stats[Feature::ActiveWeeksShare as usize] = median(0.7);
        let mut person = user(1.0, 10.0);
        person.values[Feature::ExpertiseRank as usize] = 0.4;
        person.values[Feature::ActiveWeeksShare as usize] = 1.0;
        person.values[Feature::ActiveWeeksLast12 as usize] = 10.0;
        let mut no_levels = CATALOG;
        no_levels.catalog_levels = false;
        let mut scored = [false; Feature::COUNT];
        for f in [Feature::ExpertiseRank, Feature::ActiveWeeksShare] {
            scored[f as usize] = true;
        }
        let words = Words {
            scored,
            ..no_levels
        };
        let text = explanation(&person, &stats, &signals, &params, words);
        assert!(
            text.contains("scores 0.4 in who asks whom for help (2.0x the median of peers)")
                && text.contains("active in 100% of the weeks observed (peers median: 70%)")
                && !text.contains("12 weeks"),
            "{text}"
        );
        let one = Words {
            scored: [true; Feature::COUNT],
            ..no_levels
        };
        let mut peers_none = peers();
        peers_none.stats[Feature::AdvancedFeatures as usize] = median(0.0);
        signals = [f64::NAN; 6];
        signals[Signal::Depth as usize] = 0.7;
        let text = explanation(&user(1.0, 10.0), &peers_none, &signals, &params, one);
        assert!(
            text.starts_with("uses 1 rarely used feature (where"),
            "{text}"
        );
    }

    #[test]
    fn without_catalog_levels_rare_features_are_not_called_advanced_nor_cited_twice() {
        let mut signals = [f64::NAN; 6];
        signals[Signal::Depth as usize] = 0.7;
        let params = [0.3, 0.2, 0.2, 0.1, 0.05, 0.15];
        let mut person = user(6.0, 10.0);
        person.values[Feature::RarityDepth as usize] = 5.0;
        let no_levels = Words {
            catalog_levels: false,
            ..CATALOG
        };
        let words = explanation(&person, &peers(), &signals, &params, no_levels);
        assert_eq!(
            words,
            "uses 6 rarely used features (6.0x the median of peers)"
        );
        let with_levels = explanation(&person, &peers(), &signals, &params, CATALOG);
        assert!(
            with_levels.contains("uses 6 advanced features")
                && with_levels.contains("few colleagues use"),
            "{with_levels}"
        );
    }
}
