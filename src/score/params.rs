//! Scoring parameters: signal weights, peer groups and tier sizes, with their documented defaults
//! (see `docs/scoring.md` for what each means for an organisation).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use std::collections::BTreeMap;

use crate::features::{Feature, Signal};

/// Relative weight of each signal in the composite score. Only the ratios matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalWeights {
    pub depth: f64,
    pub shortcuts: f64,
    pub help: f64,
    pub training: f64,
    pub feedback: f64,
    pub consistency: f64,
    /// Multiply the weights of depth and shortcuts, which are counted from the same events as
    /// volume, by the share of their ranking that volume does not explain (see
    /// `docs/scoring.md`). `adept calibrate` turns it off: weights learnt from labels are used
    /// as they are.
    pub discount_volume: bool,
    /// Where the weights came from, when not the defaults (`adept calibrate` writes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Default for SignalWeights {
    fn default() -> Self {
        SignalWeights {
            depth: 0.30,
            shortcuts: 0.20,
            help: 0.20,
            training: 0.10,
            feedback: 0.05,
            consistency: 0.15,
            discount_volume: true,
            source: None,
        }
    }
}

impl SignalWeights {
    /// Where the weights came from: a calibration's record, the defaults, or the configuration.
    pub fn provenance(&self) -> String {
        match &self.source {
            Some(source) => source.clone(),
            None if *self == SignalWeights::default() => "defaults".into(),
            None => "configured".into(),
        }
    }

    pub fn get(&self, signal: Signal) -> f64 {
        match signal {
            Signal::Depth => self.depth,
            Signal::Shortcuts => self.shortcuts,
            Signal::Help => self.help,
            Signal::Training => self.training,
            Signal::Feedback => self.feedback,
            Signal::Consistency => self.consistency,
        }
    }
}

/// Whom a user is compared with when features are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerGroup {
    /// Everyone scored.
    #[default]
    All,
    /// People in the same department.
    Department,
    /// People with the same role.
    Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreParams {
    pub weights: SignalWeights,
    /// Weight of a scored feature within its signal, by feature name; a feature not listed
    /// weighs 1, so a signal is the mean of its features. `adept calibrate` may write them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub feature_weights: BTreeMap<String, f64>,
    pub peer_group: PeerGroup,
    /// A peer group smaller than this is compared with everyone instead.
    pub min_peer_group: usize,
    /// Share of scored users in the top tier ("candidate").
    pub top_tier_share: f64,
    /// Share of scored users in the tier below it ("emerging").
    pub second_tier_share: f64,
    /// A scored feature counts only where at least this many people scored differ from its
    /// typical value: fewer would lift a handful of people on thin evidence.
    pub min_evidence_people: usize,
    /// ... and at least this share of the people scored.
    pub min_evidence_share: f64,
}

impl Default for ScoreParams {
    fn default() -> Self {
        ScoreParams {
            weights: SignalWeights::default(),
            feature_weights: BTreeMap::new(),
            peer_group: PeerGroup::All,
            min_peer_group: 20,
            top_tier_share: 0.10,
            second_tier_share: 0.15,
            min_evidence_people: 5,
            min_evidence_share: 0.01,
        }
    }
}

impl ScoreParams {
    /// The weight of `feature` within its signal.
    pub fn feature_weight(&self, feature: Feature) -> f64 {
        self.feature_weights
            .get(feature.name())
            .copied()
            .unwrap_or(1.0)
    }

    fn check_feature_weights(&self) -> Result<()> {
        for (name, w) in &self.feature_weights {
            let scored = Feature::ALL
                .iter()
                .any(|f| f.name() == name && f.signal().is_some());
            if !scored {
                return Err(Error::Config(format!(
                    "scoring.feature_weights: `{name}` is not a scored feature (see docs/scoring.md)"
                )));
            }
            if !(w.is_finite() && *w >= 0.0) {
                return Err(Error::Config(format!(
                    "scoring.feature_weights.{name} must be a number >= 0, got `{w}`"
                )));
            }
        }
        Ok(())
    }

    pub fn check(&self) -> Result<()> {
        self.check_feature_weights()?;
        for signal in Signal::ALL {
            let w = self.weights.get(signal);
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::Config(format!(
                    "scoring.weights.{signal} must be a number >= 0, got `{w}`"
                )));
            }
        }
        if Signal::ALL.iter().all(|s| self.weights.get(*s) == 0.0) {
            return Err(Error::Config("scoring.weights cannot all be 0".into()));
        }
        for (name, share) in [
            ("top_tier_share", self.top_tier_share),
            ("second_tier_share", self.second_tier_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::Config(format!(
                    "scoring.{name} must be between 0 and 1, got `{share}`"
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.min_evidence_share) {
            return Err(Error::Config(format!(
                "scoring.min_evidence_share must be between 0 and 1, got `{}`",
                self.min_evidence_share
            )));
        }
        if self.top_tier_share + self.second_tier_share > 1.0 {
            return Err(Error::Config(
                "scoring.top_tier_share + scoring.second_tier_share cannot exceed 1".into(),
            ));
        }
        Ok(())
    }
}
