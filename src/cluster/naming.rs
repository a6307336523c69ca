//! Plain-language persona names from a centroid. Dimensions are signal values in (0, 1) where 0.5
//! is the median user, plus `volume` (uses per active day, scaled the same way).

use crate::features::Signal;

/// A dimension at or above this is a trait of the persona (about half a robust spread above the
/// median user)...
const HIGH: f64 = 0.60;
/// ...provided it also stands out from the organisation as a whole: a cluster holding most people
/// sits near the average and has no trait of its own.
const ABOVE_AVERAGE: f64 = 0.05;
/// A dimension at or below this is a lack (as far below the median user as `HIGH` is above),
/// provided it also sits below the organisation as a whole by `ABOVE_AVERAGE`: a cluster of
/// most people a little below the median person is not "occasional".
const LOW: f64 = 0.40;

/// Names a centroid. `value(None)` is the volume dimension; a signal not used returns NaN. Names
/// are read by leadership about real colleagues: each says only what the centroid shows, in
/// neutral words ("few features" only for a centroid below the median person in depth).
/// `average` gives the dimension's mean over everyone clustered.
pub fn persona_name(
    value: impl Fn(Option<Signal>) -> f64,
    average: impl Fn(Option<Signal>) -> f64,
) -> &'static str {
    let high = |d: Option<Signal>| value(d) >= HIGH && value(d) >= average(d) + ABOVE_AVERAGE;
    let low = |d: Option<Signal>| value(d) <= LOW && value(d) <= average(d) - ABOVE_AVERAGE;
    let (depth, shortcuts, help) = (
        Some(Signal::Depth),
        Some(Signal::Shortcuts),
        Some(Signal::Help),
    );
    if high(depth) && high(shortcuts) && high(help) {
        "power users"
    } else if high(depth) && high(shortcuts) {
        "deep & fluent"
    } else if high(help) {
        "helpers"
    } else if high(None) && low(Some(Signal::Consistency)) {
        // Uses per active day are high, but the days are few: not busy in general.
        "high volume on few days"
    } else if high(None) && low(depth) {
        "high volume, few features"
    } else if high(None) && !high(depth) {
        "high volume"
    } else if high(shortcuts) && low(depth) {
        "shortcut-fluent, few features"
    } else if high(shortcuts) {
        "shortcut-fluent"
    } else if high(depth) {
        "explorers"
    } else if high(Some(Signal::Feedback)) {
        "feedback givers"
    } else if high(Some(Signal::Training)) {
        "strong in training"
    } else if high(Some(Signal::Consistency)) {
        "steady users"
    } else if low(Some(Signal::Consistency)) {
        "occasional"
    } else {
        "casual"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(depth: f64, shortcuts: f64, help: f64, consistency: f64, volume: f64) -> &'static str {
        persona_name(
            |d| match d {
                Some(Signal::Depth) => depth,
                Some(Signal::Shortcuts) => shortcuts,
                Some(Signal::Help) => help,
                Some(Signal::Consistency) => consistency,
                Some(_) => 0.5,
                None => volume,
            },
            |_| 0.5,
        )
    }

    #[test]
    fn centroids_get_the_names_their_profiles_suggest() {
        assert_eq!(name(0.8, 0.8, 0.8, 0.7, 0.6), "power users");
        assert_eq!(name(0.8, 0.8, 0.4, 0.7, 0.6), "deep & fluent");
        assert_eq!(name(0.55, 0.5, 0.9, 0.6, 0.5), "helpers");
        assert_eq!(name(0.4, 0.2, 0.4, 0.8, 0.95), "high volume, few features");
        assert_eq!(
            name(0.40, 0.8, 0.4, 0.6, 0.5),
            "shortcut-fluent, few features"
        );
        // Many uses on the days they come, but few days: not called busy in general.
        assert_eq!(name(0.4, 0.2, 0.4, 0.2, 0.95), "high volume on few days");
        assert_eq!(name(0.5, 0.5, 0.5, 0.3, 0.9), "high volume on few days");
        // Depth above the median but not a trait: busy, and nothing says otherwise.
        assert_eq!(name(0.56, 0.5, 0.4, 0.8, 0.95), "high volume");
        assert_eq!(name(0.55, 0.8, 0.4, 0.6, 0.5), "shortcut-fluent");
        assert_eq!(name(0.3, 0.4, 0.45, 0.2, 0.3), "occasional");
        let feedback = persona_name(
            |d| {
                if d == Some(Signal::Feedback) {
                    0.9
                } else {
                    0.45
                }
            },
            |_| 0.5,
        );
        assert_eq!(feedback, "feedback givers");
        assert_eq!(name(0.5, 0.5, 0.5, 0.5, 0.5), "casual");
        // Active on more of their days than most, and nothing else stands out: not "casual".
        assert_eq!(name(0.55, 0.5, 0.5, 0.7, 0.5), "steady users");
        // A little below the median person is no lack.
        assert_eq!(name(0.5, 0.5, 0.5, 0.44, 0.5), "casual");
        // A signal that is not used (NaN) is never a trait.
        assert_eq!(name(0.8, 0.8, f64::NAN, 0.7, 0.6), "deep & fluent");
        // A high value that is merely the organisation's average is not a trait.
        let majority = persona_name(|_| 0.62, |_| 0.63);
        assert_eq!(majority, "casual");
        // Nor is a low value that is merely the organisation's average a lack.
        let low_majority = persona_name(|_| 0.40, |_| 0.42);
        assert_eq!(low_majority, "casual");
    }
}
