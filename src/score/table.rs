//! The score table: one row per user with score, rank, tier, explanation and the contribution of
//! each signal.

use polars::prelude::*;

use super::evidence::SignalWeight;
use crate::error::Result;
use crate::features::{Feature, Signal, UserFeatures, UserStatus};

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The top `top_tier_share` of scored users: power-user candidates.
    Candidate,
    /// The next `second_tier_share`.
    Emerging,
    Other,
    InsufficientData,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Candidate => "candidate",
            Tier::Emerging => "emerging",
            Tier::Other => "other",
            Tier::InsufficientData => "insufficient_data",
        }
    }

    /// The tier a name in `scores.parquet` stands for.
    pub fn from_name(name: &str) -> Option<Tier> {
        [
            Tier::Candidate,
            Tier::Emerging,
            Tier::Other,
            Tier::InsufficientData,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserScore {
    pub user_id: String,
    pub status: UserStatus,
    /// 0-100; NaN when not scored.
    pub score: f64,
    /// 1 = best; None when not scored.
    pub rank: Option<u32>,
    pub tier: Tier,
    /// Signal values in (0, 1), indexed by `Signal as usize`; NaN for a signal not used.
    pub signals: [f64; 6],
    /// Points each signal adds to the score; they sum to `score`.
    pub contributions: [f64; 6],
    /// Each scored feature's position among peers in (0, 1), by `Feature as usize`; NaN for a
    /// feature not used.
    pub scaled: Vec<f64>,
    pub explanation: String,
}

impl UserScore {
    pub fn insufficient(user: &UserFeatures) -> UserScore {
        UserScore {
            user_id: user.user_id.clone(),
            status: user.status,
            score: f64::NAN,
            rank: None,
            tier: Tier::InsufficientData,
            signals: [f64::NAN; 6],
            contributions: [f64::NAN; 6],
            scaled: vec![f64::NAN; Feature::COUNT],
            explanation: "too little activity in the window to score".to_string(),
        }
    }
}

/// All users in user-id order (the same order as the feature table).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTable {
    pub users: Vec<UserScore>,
    /// Signals that took part in the score.
    pub enabled: Vec<Signal>,
    /// How every signal took part: configured and used weight, and why it was left out.
    pub weights: Vec<SignalWeight>,
}

impl ScoreTable {
    pub fn user(&self, user_id: &str) -> Option<&UserScore> {
        self.users
            .binary_search_by(|u| u.user_id.as_str().cmp(user_id))
            .ok()
            .map(|i| &self.users[i])
    }

    /// user_id, score, rank, tier, explanation, then `contribution_<signal>` and
    /// `signal_<signal>` for each signal and `scaled_<feature>` for each scored feature
    /// (`scores.parquet` adds each person's persona).
    pub fn to_frame(&self) -> Result<DataFrame> {
        let u = &self.users;
        let opt = |v: f64| Some(v).filter(|x| x.is_finite());
        let mut columns = vec![
            Column::new(
                "user_id".into(),
                u.iter().map(|s| s.user_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "score".into(),
                u.iter().map(|s| opt(s.score)).collect::<Vec<_>>(),
            ),
            Column::new("rank".into(), u.iter().map(|s| s.rank).collect::<Vec<_>>()),
            Column::new(
                "tier".into(),
                u.iter().map(|s| s.tier.name()).collect::<Vec<_>>(),
            ),
            Column::new(
                "explanation".into(),
                u.iter().map(|s| s.explanation.as_str()).collect::<Vec<_>>(),
            ),
        ];
        for signal in Signal::ALL {
            let i = signal as usize;
            columns.push(Column::new(
                format!("contribution_{signal}").into(),
                u.iter()
                    .map(|s| opt(s.contributions[i]))
                    .collect::<Vec<_>>(),
            ));
        }
        for signal in Signal::ALL {
            let i = signal as usize;
            columns.push(Column::new(
                format!("signal_{signal}").into(),
                u.iter().map(|s| opt(s.signals[i])).collect::<Vec<_>>(),
            ));
        }
        for feature in Feature::ALL.iter().filter(|f| f.signal().is_some()) {
            let i = *feature as usize;
            columns.push(Column::new(
                format!("scaled_{}", feature.name()).into(),
                u.iter().map(|s| opt(s.scaled[i])).collect::<Vec<_>>(),
            ));
        }
        Ok(DataFrame::new(u.len(), columns)?)
    }
}
