//! Small hand-built feature and score tables for the analysis tests.

use crate::features::{Feature, FeatureTable, UserFeatures, UserStatus};
use crate::score::{ScoreTable, Tier, UserScore};

/// One person: id, department, score (NaN: not scored), tier, distinct features, shortcut share,
/// helps given, and features known per area index.
pub struct P {
    pub id: &'static str,
    pub department: Option<&'static str>,
    pub score: f64,
    pub tier: Tier,
    pub features: f64,
    pub shortcut_share: f64,
    pub helps: f64,
    pub areas: Vec<(u32, u32)>,
}

/// A scored person with the given department, score and tier, and middling features.
pub fn p(id: &'static str, department: Option<&'static str>, score: f64, tier: Tier) -> P {
    P {
        id,
        department,
        score,
        tier,
        features: 10.0,
        shortcut_share: 0.5,
        helps: 1.0,
        areas: Vec::new(),
    }
}

/// Feature and score tables for `people` (kept in id order), ranked by score.
pub fn tables(mut people: Vec<P>, areas: &[&str]) -> (FeatureTable, ScoreTable) {
    people.sort_by_key(|p| p.id);
    let status = |p: &P| {
        if p.score.is_nan() {
            UserStatus::InsufficientData
        } else {
            UserStatus::Scored
        }
    };
    let users = people
        .iter()
        .map(|p| {
            let mut values = vec![f64::NAN; Feature::COUNT];
            values[Feature::DistinctFeatures as usize] = p.features;
            values[Feature::ShortcutShare as usize] = p.shortcut_share;
            values[Feature::HelpsGiven as usize] = p.helps;
            UserFeatures {
                user_id: p.id.to_string(),
                display_name: None,
                department: p.department.map(str::to_string),
                role: None,
                fte: 1.0,
                status: status(p),
                values,
                area_depth: p.areas.clone(),
                weekly_uses: Vec::new(),
                hire_week: None,
                known: Vec::new(),
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..people.len())
        .filter(|&i| !people[i].score.is_nan())
        .collect();
    order.sort_by(|&a, &b| people[b].score.total_cmp(&people[a].score));
    let mut rank = vec![None; people.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i] = Some(position as u32 + 1);
    }
    let scores = people
        .iter()
        .enumerate()
        .map(|(i, p)| UserScore {
            user_id: p.id.to_string(),
            status: status(p),
            score: p.score,
            rank: rank[i],
            tier: p.tier,
            signals: [f64::NAN; 6],
            contributions: [f64::NAN; 6],
            scaled: vec![f64::NAN; Feature::COUNT],
            explanation: String::new(),
        })
        .collect();
    let features = FeatureTable {
        users,
        areas: areas.iter().map(|a| a.to_string()).collect(),
        has_training: false,
        has_help: true,
        has_feedback: false,
        catalog: None,
        people: None,
        data_warnings: Vec::new(),
        weeks: Default::default(),
        features: Vec::new(),
        help_topics: None,
        feedback_questions: None,
    };
    (
        features,
        ScoreTable {
            users: scores,
            enabled: Vec::new(),
            weights: Vec::new(),
        },
    )
}
