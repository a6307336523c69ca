//! The analysis stage: every decision about people and groups that follows from the scores, made
//! here and nowhere else: the candidate shortlist, who knows each feature area best, adoption
//! figures (with small departments pooled), usage segments and lifecycle per week, the proposed
//! power-user group and its presenters, and movement across nightly runs.
//!
//! Not for: scoring (see `score`), withholding or pseudonymising (see `privacy`), or writing and
//! rendering (see `outputs`, `report`): those only apply, write and draw what is decided here.

mod adoption;
mod candidates;
mod develop;
mod experts;
mod group;
mod history;
mod programme;
mod recommend;
mod segments;

pub use adoption::{
    AdoptionFigures, AdoptionRow, DepartmentAdoption, DepartmentGroup, Headline, NO_DEPARTMENT,
    by_department, figures, headline, median,
};
pub use candidates::{Candidate, candidates};
pub use develop::{AreaGap, PLAN_AREAS, development_plans, plan_text};
pub use experts::{AreaExpert, area_experts};
pub use group::{
    GROUP_SIZE, PRESENTERS_PER_AREA, Presenter, ProposedGroup, balanced_group, presenters,
};
pub use history::{HISTORY_RUNS, Move, Movement, RISING_STARS, RunHistory, RunSnapshot, history};
pub use programme::{Programme, Session, programme};
pub use recommend::{
    RECOMMENDATIONS, Recommendation, RecommendationCheck, check as check_recommendations,
    recommendations,
};
pub use segments::{
    Lifecycle, PersonWeek, Segment, SegmentParams, Segments, TrendRow, lifecycle_at, segment_at,
    segments, trend,
};

use crate::features::FeatureTable;
use crate::score::ScoreTable;

/// People listed per feature area in `area_experts.parquet`.
pub const EXPERTS_PER_AREA: usize = 10;

/// What the analysis decided about the people of one run. People are referred to by their row
/// in the feature and score tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub candidates: Vec<Candidate>,
    pub area_experts: Vec<AreaExpert>,
    pub headline: Headline,
    pub departments: Vec<DepartmentAdoption>,
    pub group: ProposedGroup,
    /// Everyone's usage segment and lifecycle per week.
    pub segments: Segments,
    /// Segment counts per week, overall and per department (pooled as `departments`).
    pub segment_trend: Vec<TrendRow>,
    /// For each candidate and emerging person, the feature areas they lag their peers most in.
    pub development: Vec<(usize, Vec<AreaGap>)>,
    /// Next features to learn, per person, best first.
    pub recommendations: Vec<Recommendation>,
    /// How the recommender did on features people found in the window's second half.
    pub recommendation_check: RecommendationCheck,
    /// The user-group programme: sessions by need, presenters, audiences, pain points.
    pub programme: Programme,
}

/// Analyses a scored run. `min_group_size` decides which departments are pooled.
pub fn analyse(
    features: &FeatureTable,
    scores: &ScoreTable,
    min_group_size: usize,
    segment_params: &SegmentParams,
) -> Analysis {
    let candidates = candidates(scores);
    let area_experts = area_experts(features, scores, EXPERTS_PER_AREA);
    let members = balanced_group(
        &candidates,
        |person| features.users[person].department.clone(),
        GROUP_SIZE,
    );
    let group = ProposedGroup {
        members,
        presenters: presenters(&area_experts, features, PRESENTERS_PER_AREA),
    };
    let departments = by_department(features, scores, min_group_size);
    let shown: Vec<String> = departments
        .iter()
        .filter_map(|d| match &d.group {
            DepartmentGroup::Department(name) => Some(name.clone()),
            DepartmentGroup::Pooled(_) => None,
        })
        .collect();
    let segments = segments(features, segment_params);
    let recommendations = recommendations(features);
    Analysis {
        headline: headline(features, scores),
        segment_trend: trend(features, &segments, &shown),
        development: development_plans(features, scores, min_group_size),
        programme: programme(features, &area_experts, &recommendations),
        recommendations,
        recommendation_check: check_recommendations(features, RECOMMENDATIONS),
        segments,
        departments,
        candidates,
        area_experts,
        group,
    }
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
