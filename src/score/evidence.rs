//! Which scored features carry information in this organisation, decided from the data alone
//! (no labels): a feature on which fewer than a handful of people differ from the typical value
//! (no spread, a table present but nearly empty, no trigger logging) would only lift those few on
//! thin evidence, so it is left out of its signal; a signal with no such feature left is left out
//! of the score, and the reason is recorded.

use serde::{Deserialize, Serialize};

use super::params::ScoreParams;
use crate::features::{Feature, FeatureTable, Signal, UserStatus};

/// How one signal took part in the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalWeight {
    pub signal: String,
    /// The configured weight.
    pub configured: f64,
    /// The weight used (0 when left out).
    pub used: f64,
    /// Why the signal was left out, or which of its features were, and how its weight was
    /// discounted for volume.
    pub note: Option<String>,
    /// Its rank correlation with uses per active day, for depth and shortcuts where the discount
    /// for volume was applied (the weight used is the configured one times 1 - rho^2, rho below
    /// 0 counting as 0); absent where it was not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_correlation: Option<f64>,
}

/// How a signal's note begins when nobody scored has a value of one of its features (the input
/// lacks what it is counted from: no event has a trigger, say).
pub const NO_VALUE: &str = "nobody scored has a value of";

/// How a signal's note reads when its table is absent.
pub const TABLE_ABSENT: &str = "its table is absent";

/// People scored whose value of `feature` is known and differs from the median of the known
/// values.
fn people_differing(features: &FeatureTable, feature: Feature) -> usize {
    let mut values: Vec<f64> = features
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Scored)
        .map(|u| u.get(feature))
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return 0;
    }
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    values.iter().filter(|v| **v != median).count()
}

/// People scored with a value of `feature` (none where the input lacks what it is counted from:
/// no departments without a people table, no improvement without assessment phases).
fn people_with_value(features: &FeatureTable, feature: Feature) -> usize {
    let scored = features
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Scored);
    scored.filter(|u| u.get(feature).is_finite()).count()
}

/// Why some of a signal's features were left out: nobody has a value of them, or too few people
/// differ from the typical value.
fn left_out(features: &FeatureTable, dropped: &[Feature], needed: usize, scored: usize) -> String {
    let (none, few): (Vec<Feature>, Vec<Feature>) = dropped
        .iter()
        .partition(|f| people_with_value(features, **f) == 0);
    let names = |fs: &[Feature]| fs.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !none.is_empty() {
        let it = if none.len() == 1 { "it" } else { "them" };
        parts.push(format!("left out {} ({NO_VALUE} {it})", names(&none)));
    }
    for f in few {
        // Unknown for some (departments helped, for helpers, without a people table): the
        // typical value is that of the others, and the reader should know.
        let unknown = scored - people_with_value(features, f);
        let unknown = match unknown {
            0 => String::new(),
            n => format!("; unknown for {n} of {scored}"),
        };
        parts.push(format!(
            "left out {} (fewer than {needed} people differ from the typical value{unknown})",
            f.name()
        ));
    }
    parts.join("; ")
}

/// The fewest people who must differ from the typical value for a feature to count.
pub fn min_evidence(scored: usize, params: &ScoreParams) -> usize {
    let share = (params.min_evidence_share * scored as f64).ceil() as usize;
    share.max(params.min_evidence_people)
}

/// The scored features of each signal that carry information, and the weight record of every
/// signal. `enabled` are the signals with a weight whose table exists.
pub fn check_evidence(
    features: &FeatureTable,
    enabled: &[Signal],
    params: &ScoreParams,
) -> (Vec<(Signal, Vec<Feature>)>, Vec<SignalWeight>) {
    let scored = features
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Scored)
        .count();
    let needed = min_evidence(scored, params);
    let mut used = Vec::new();
    let mut records = Vec::new();
    for signal in Signal::ALL {
        let configured = params.weights.get(signal);
        let record = |used: f64, note: Option<String>| SignalWeight {
            signal: signal.name().to_string(),
            configured,
            used,
            note,
            volume_correlation: None,
        };
        if !enabled.contains(&signal) {
            let note = (configured > 0.0).then(|| TABLE_ABSENT.to_string());
            records.push(record(0.0, note));
            continue;
        }
        let (kept, dropped): (Vec<Feature>, Vec<Feature>) = Feature::ALL
            .iter()
            .copied()
            .filter(|f| f.signal() == Some(signal) && params.feature_weight(*f) > 0.0)
            .partition(|f| people_differing(features, *f) >= needed);
        let dropped_names: Vec<&str> = dropped.iter().map(|f| f.name()).collect();
        if kept.is_empty() && dropped.is_empty() {
            let note = "every one of its features has weight 0".to_string();
            records.push(record(0.0, Some(note)));
            continue;
        }
        if kept.is_empty() {
            let unknown: Vec<&str> = dropped
                .iter()
                .filter(|f| people_with_value(features, **f) == 0)
                .map(|f| f.name())
                .collect();
            let note = if !unknown.is_empty() {
                format!("{NO_VALUE} {}", unknown.join(", "))
            } else {
                format!(
                    "fewer than {needed} of {scored} people scored differ from the typical value \
                     of {}",
                    dropped_names.join(", ")
                )
            };
            records.push(record(0.0, Some(note)));
            continue;
        }
        let note = (!dropped.is_empty()).then(|| left_out(features, &dropped, needed, scored));
        records.push(record(configured, note));
        used.push((signal, kept));
    }
    (used, records)
}
