//! The rankings compared: adept's score, raw activity volume, and the habitual-user rule used in
//! workplace analytics (on average at least 15 actions a week and active in at least 9 of the
//! last 12 weeks). Ties are put in the order of a fixed hash of the user id, never input order;
//! the metrics do not depend on that order (tied people share their places).

use serde::{Serialize, Serializer};

use crate::features::{Feature, Signal};

/// A way of ranking users: adept's composite, the two rules organisations use today, or one of
/// the composite's parts alone (a signal, or a scored feature), so that a reader sees at once
/// whether the composite beats its best part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Adept,
    Volume,
    HabitualRule,
    Signal(Signal),
    Feature(Feature),
}

impl Method {
    /// The composite and the two baselines.
    pub const HEADLINE: [Method; 3] = [Method::Adept, Method::Volume, Method::HabitualRule];

    /// Every method: the headline three, each signal alone, then each scored feature alone.
    pub fn all() -> Vec<Method> {
        let signals = Signal::ALL.into_iter().map(Method::Signal);
        let features = Feature::ALL
            .iter()
            .filter(|f| f.signal().is_some())
            .map(|f| Method::Feature(*f));
        Method::HEADLINE
            .into_iter()
            .chain(signals)
            .chain(features)
            .collect()
    }

    pub fn name(self) -> String {
        match self {
            Method::Adept => "adept".into(),
            Method::Volume => "volume".into(),
            Method::HabitualRule => "habitual rule".into(),
            Method::Signal(s) => format!("signal {s}"),
            Method::Feature(f) => format!("feature {}", f.name()),
        }
    }

    /// The method's name in JSON: `adept`, `volume`, `habitual_rule`, `signal_<signal>`,
    /// `feature_<feature>`.
    pub fn key(self) -> String {
        self.name().replace(' ', "_")
    }

    /// Whether the method is one part of the composite alone.
    pub fn is_part(self) -> bool {
        matches!(self, Method::Signal(_) | Method::Feature(_))
    }
}

impl Serialize for Method {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// What the rankings need to know about one user.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    pub user_id: String,
    /// adept's rank (None: not scored, ranked after everyone scored).
    pub rank: Option<u32>,
    pub total_uses: f64,
    pub weekly_uses: f64,
    pub active_weeks_last_12: f64,
    /// Signal values by `Signal as usize` (NaN: not scored or not used).
    pub signals: [f64; 6],
    /// Feature values by `Feature as usize` (NaN: no evidence).
    pub features: Vec<f64>,
}

/// FNV-1a: a fixed, platform-independent tie-breaker.
fn tie_break(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Higher values first, missing values last.
fn descending(value: f64) -> f64 {
    if value.is_nan() {
        f64::INFINITY
    } else {
        -value
    }
}

/// A user's sort key under a method: smaller ranks first; equal keys are tied.
pub fn sort_key(u: &RankInput, method: Method) -> f64 {
    match method {
        Method::Adept => u.rank.map_or(f64::INFINITY, f64::from),
        Method::Volume => -u.total_uses,
        Method::HabitualRule => {
            let habitual = u.weekly_uses >= 15.0 && u.active_weeks_last_12 >= 9.0;
            if habitual { 0.0 } else { 1.0 }
        }
        Method::Signal(s) => descending(u.signals[s as usize]),
        Method::Feature(f) => descending(u.features.get(f as usize).copied().unwrap_or(f64::NAN)),
    }
}

/// Indexes of `users` in ranked order (best first) for a method.
pub fn rankings(users: &[RankInput], method: Method) -> Vec<usize> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by(|&a, &b| {
        sort_key(&users[a], method)
            .total_cmp(&sort_key(&users[b], method))
            .then_with(|| tie_break(&users[a].user_id).cmp(&tie_break(&users[b].user_id)))
            .then_with(|| users[a].user_id.cmp(&users[b].user_id))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, rank: Option<u32>, total: f64, weekly: f64, weeks: f64) -> RankInput {
        RankInput {
            user_id: id.into(),
            rank,
            total_uses: total,
            weekly_uses: weekly,
            active_weeks_last_12: weeks,
            signals: [f64::NAN; 6],
            features: vec![f64::NAN; Feature::COUNT],
        }
    }

    #[test]
    fn each_method_orders_by_its_own_evidence() {
        let users = vec![
            user("a", Some(2), 5000.0, 400.0, 12.0),
            user("b", Some(1), 900.0, 70.0, 10.0),
            user("c", None, 10.0, 1.0, 1.0),
            user("d", Some(3), 300.0, 14.0, 12.0),
        ];
        assert_eq!(rankings(&users, Method::Adept), vec![1, 0, 3, 2]);
        assert_eq!(rankings(&users, Method::Volume), vec![0, 1, 3, 2]);
        let habitual = rankings(&users, Method::HabitualRule);
        // a and b pass the rule (in tie-break order), d misses 15 a week, c misses both.
        let mut first_two = habitual[..2].to_vec();
        first_two.sort();
        assert_eq!(first_two, vec![0, 1]);
    }

    #[test]
    fn a_part_alone_ranks_by_its_value_with_missing_values_last() {
        let mut users: Vec<RankInput> = ["a", "b", "c"]
            .iter()
            .map(|id| user(id, None, 0.0, 0.0, 0.0))
            .collect();
        users[0].signals[Signal::Help as usize] = 0.4;
        users[2].signals[Signal::Help as usize] = 0.9;
        users[0].features[Feature::DistinctFeatures as usize] = 7.0;
        users[1].features[Feature::DistinctFeatures as usize] = 12.0;
        assert_eq!(
            rankings(&users, Method::Signal(Signal::Help)),
            vec![2, 0, 1]
        );
        let depth = rankings(&users, Method::Feature(Feature::DistinctFeatures));
        assert_eq!(depth, vec![1, 0, 2]);
        assert!(Method::all().len() > 9 && Method::all()[3..].iter().all(|m| m.is_part()));
    }
}
