//! Development plans: for each candidate and emerging person, the feature areas where they know
//! the fewest features against the median person scored, the advanced training an organisation
//! could offer them next.

use super::adoption::median;
use crate::features::{FeatureTable, UserStatus};
use crate::score::{ScoreTable, Tier};

/// Areas named per plan.
pub const PLAN_AREAS: usize = 2;

/// One area where a person knows fewer features than the median person scored.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaGap {
    /// Index into `FeatureTable::areas`.
    pub area: usize,
    pub known: u32,
    pub median: f64,
}

/// The plan of every candidate and emerging person: (row, the areas they lag most in, the
/// largest gap first; empty where they lag in none). None at all when fewer people than
/// `min_group_size` were scored: the medians would describe a handful of colleagues.
pub fn development_plans(
    features: &FeatureTable,
    scores: &ScoreTable,
    min_group_size: usize,
) -> Vec<(usize, Vec<AreaGap>)> {
    let n_areas = features.areas.len();
    let known = |person: usize, area: usize| {
        features.users[person]
            .area_depth
            .iter()
            .find(|(a, _)| *a as usize == area)
            .map_or(0, |(_, k)| *k)
    };
    let scored: Vec<usize> = (0..features.users.len())
        .filter(|&i| features.users[i].status == UserStatus::Scored)
        .collect();
    if scored.len() < min_group_size {
        return Vec::new();
    }
    let medians: Vec<f64> = (0..n_areas)
        .map(|area| median(scored.iter().map(|&i| f64::from(known(i, area)))))
        .collect();
    scores
        .users
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.tier, Tier::Candidate | Tier::Emerging))
        .map(|(person, _)| {
            let mut gaps: Vec<AreaGap> = (0..n_areas)
                .map(|area| AreaGap {
                    area,
                    known: known(person, area),
                    median: medians[area],
                })
                .filter(|g| f64::from(g.known) < g.median)
                .collect();
            gaps.sort_by(|a, b| {
                let gap = |g: &AreaGap| g.median - f64::from(g.known);
                gap(b).total_cmp(&gap(a)).then(a.area.cmp(&b.area))
            });
            gaps.truncate(PLAN_AREAS);
            (person, gaps)
        })
        .collect()
}

/// A plan in words, for the shortlist and `candidates.parquet`.
pub fn plan_text(features: &FeatureTable, gaps: &[AreaGap]) -> Option<String> {
    if gaps.is_empty() {
        return None;
    }
    let parts: Vec<String> = gaps
        .iter()
        .map(|g| {
            format!(
                "{} (knows {} feature{}; the median person {})",
                features.areas[g.area],
                g.known,
                if g.known == 1 { "" } else { "s" },
                g.median
            )
        })
        .collect();
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{p, tables};

    #[test]
    fn a_plan_names_the_areas_a_candidate_lags_most_and_none_they_lead() {
        // Areas: charts, formulas, macros. Five peers know 4, 6 and 1 features in them; the
        // candidate knows 5, 1 and 3: furthest behind in formulas, then nowhere else.
        let mut people = Vec::new();
        for id in ["a", "b", "c", "d", "e"] {
            let mut x = p(id, Some("Sales"), 40.0, Tier::Other);
            x.areas = vec![(0, 4), (1, 6), (2, 1)];
            people.push(x);
        }
        let mut star = p("s", Some("Sales"), 95.0, Tier::Candidate);
        star.areas = vec![(0, 5), (1, 1), (2, 3)];
        people.push(star);
        let (f, s) = tables(people, &["charts", "formulas", "macros"]);
        let plans = development_plans(&f, &s, 5);
        assert_eq!(plans.len(), 1);
        let (person, gaps) = &plans[0];
        assert_eq!(f.users[*person].user_id, "s");
        assert_eq!(
            plan_text(&f, gaps).as_deref(),
            Some("formulas (knows 1 feature; the median person 6)")
        );
        // Fewer people scored than the minimum group size: no medians, no plans.
        assert!(development_plans(&f, &s, 10).is_empty());
    }
}
