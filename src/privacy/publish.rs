//! The privacy pass: the one place where what the analysis decided becomes what may be shown.
//! Identifiers become pseudonyms, names appear only where enabled, and a group (department, role
//! or persona) with fewer scored people than `min_group_size` is withheld the same way in every
//! output: its figures appear nowhere, and people's rows do not name it.

use std::collections::{BTreeMap, BTreeSet};

use super::pseudonym::Pseudonymizer;
use super::settings::PrivacySettings;
use super::trend::publishable_trend;
use crate::analysis::{Analysis, DepartmentAdoption, DepartmentGroup, Headline, TrendRow};
use crate::cluster::Clustering;
use crate::features::{FeatureTable, UserFeatures, UserStatus};
use crate::small_groups::{pooled_groups, scored_per_group};

/// The persona label of people with too little activity to be clustered.
pub const NOT_CLUSTERED: &str = "insufficient data";

/// How one person may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPerson {
    /// Pseudonym, or the raw id where raw ids are enabled.
    pub id: String,
    /// Only where names are enabled.
    pub name: Option<String>,
    /// None where unknown or withheld (a group under the minimum size).
    pub department: Option<String>,
    pub role: Option<String>,
    pub persona: Option<String>,
    pub cluster: Option<u32>,
}

/// How one persona may be shown: name and figures only for a persona of at least the minimum
/// size (a name is read from the centroid: "helpers" says what the few people in it do).
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedPersona {
    pub id: u32,
    pub name: Option<String>,
    pub size: Option<u64>,
    pub mean_score: Option<f64>,
    /// Per dimension of `Published::dimensions`.
    pub centroid: Option<Vec<f64>>,
}

/// Everything a run may publish, ready to write or render.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// In feature-table order.
    pub people: Vec<PublishedPerson>,
    pub personas: Vec<PublishedPersona>,
    pub dimensions: Vec<String>,
    /// Departments (and the pool of small ones) of at least the minimum size.
    pub departments: Vec<DepartmentAdoption>,
    pub headline: Headline,
    /// Segment counts per week, for groups (the organisation, a department, the pool) with at
    /// least the minimum number of people judged that week, less any whose rows would give a
    /// withheld group's by subtraction (see `trend`).
    pub segment_trend: Vec<TrendRow>,
}

/// Which departments, roles and personas people's rows may name: those that are not pooled
/// with the groups too small to show (`pooled_groups`), so that the rows that name none cannot
/// be told to be one small group's.
struct ShownGroups<'a> {
    departments: BTreeSet<&'a str>,
    withheld_roles: BTreeSet<&'a str>,
    withheld_personas: BTreeSet<u32>,
}

impl<'a> ShownGroups<'a> {
    fn of(
        features: &'a FeatureTable,
        clustering: &Clustering,
        departments: &'a [DepartmentAdoption],
        min: usize,
    ) -> ShownGroups<'a> {
        let roles = scored_per_group(&features.users, |u| u.role.as_deref());
        let personas: BTreeMap<u32, usize> =
            clustering.personas.iter().map(|p| (p.id, p.size)).collect();
        ShownGroups {
            departments: departments
                .iter()
                .filter_map(|d| match &d.group {
                    DepartmentGroup::Department(name) => Some(name.as_str()),
                    DepartmentGroup::Pooled(_) => None,
                })
                .collect(),
            withheld_roles: pooled_groups(&roles, min),
            withheld_personas: pooled_groups(&personas, min),
        }
    }

    /// A person's department and role as their row may name them. Where either is withheld,
    /// so is the other: the rows naming no department, split by role, would otherwise give a
    /// small department's members.
    fn department_and_role(&self, u: &UserFeatures) -> (Option<String>, Option<String>) {
        let department = u
            .department
            .clone()
            .filter(|n| self.departments.contains(n.as_str()));
        let role = u
            .role
            .clone()
            .filter(|n| !self.withheld_roles.contains(n.as_str()));
        let withheld = (u.department.is_some() && department.is_none())
            || (u.role.is_some() && role.is_none());
        if withheld {
            (None, None)
        } else {
            (department, role)
        }
    }
}

impl PrivacySettings {
    /// Whether a figure about `people` people may be shown.
    pub fn shows_group_of(&self, people: u64) -> bool {
        people >= self.min_group_size as u64
    }
}

/// Applies pseudonyms, names and small-group suppression to a run's tables.
pub fn publish(
    features: &FeatureTable,
    clustering: &Clustering,
    analysis: &Analysis,
    settings: &PrivacySettings,
    pseudonyms: &Pseudonymizer,
) -> Published {
    let departments: Vec<DepartmentAdoption> = analysis
        .departments
        .iter()
        .filter(|d| settings.shows_group_of(d.figures.people))
        .cloned()
        .collect();
    let groups = ShownGroups::of(features, clustering, &departments, settings.min_group_size);
    let personas: Vec<PublishedPersona> = clustering
        .personas
        .iter()
        .map(|p| {
            let shown = !groups.withheld_personas.contains(&p.id);
            PublishedPersona {
                id: p.id,
                name: shown.then(|| p.name.clone()),
                size: shown.then_some(p.size as u64),
                mean_score: shown.then_some(p.mean_score),
                centroid: shown.then(|| p.centroid.clone()),
            }
        })
        .collect();
    let people: Vec<PublishedPerson> = features
        .users
        .iter()
        .zip(&clustering.assignments)
        .map(|(u, assigned)| {
            let cluster = assigned.filter(|id| personas[*id as usize].size.is_some());
            let (department, role) = groups.department_and_role(u);
            PublishedPerson {
                id: pseudonyms.id(&u.user_id),
                name: u.display_name.clone().filter(|_| settings.show_names),
                department,
                role,
                persona: match (u.status, cluster) {
                    (UserStatus::InsufficientData, _) => Some(NOT_CLUSTERED.to_string()),
                    (UserStatus::Scored, c) => c.and_then(|id| personas[id as usize].name.clone()),
                },
                cluster,
            }
        })
        .collect();
    let headline = headline(analysis, &people, settings);
    Published {
        people,
        personas,
        dimensions: clustering.dimensions.clone(),
        departments,
        headline,
        segment_trend: publishable_trend(&analysis.segment_trend, settings),
    }
}

/// The organisation's headline, with its figures withheld when fewer people than the minimum
/// were scored (the counts stay). Departments with a candidate are counted as the rows show
/// them: the departments shown, and the pool of withheld ones as one (counting each withheld
/// department would tell that a small one has a candidate).
fn headline(
    analysis: &Analysis,
    people: &[PublishedPerson],
    settings: &PrivacySettings,
) -> Headline {
    let mut headline = analysis.headline;
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    let mut pooled = false;
    for c in &analysis.candidates {
        match &people[c.person].department {
            Some(d) => {
                shown.insert(d);
            }
            None => pooled = true,
        }
    }
    let any_withheld = analysis
        .departments
        .iter()
        .any(|d| matches!(d.group, DepartmentGroup::Pooled(_)));
    headline.departments_with_candidates = shown.len() as u64 + u64::from(pooled && any_withheld);
    if !settings.shows_group_of(headline.figures.people) {
        let f = &mut headline.figures;
        f.median_features = f64::NAN;
        f.median_shortcut_share = f64::NAN;
        f.share_helping = f64::NAN;
    }
    headline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse;
    use crate::analysis::fixture::{p, tables};
    use crate::cluster::Persona;
    use crate::score::Tier;

    #[test]
    fn a_department_a_role_and_a_persona_under_the_minimum_are_named_nowhere() {
        // In id order: six in Big (role "analyst"), eight in Mid ("manager"), three in Tiny
        // ("lone"), one of them a candidate; each department also forms its own persona.
        let mut people = Vec::new();
        for id in ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"] {
            people.push(p(id, Some("Mid"), 50.0, Tier::Other));
        }
        for id in ["b0", "b1", "b2", "b3", "b4", "b5"] {
            people.push(p(id, Some("Big"), 40.0, Tier::Other));
        }
        people.push(p("t1", Some("Tiny"), 95.0, Tier::Candidate));
        people.push(p("t2", Some("Tiny"), 30.0, Tier::Other));
        people.push(p("t3", Some("Tiny"), 20.0, Tier::Other));
        let (mut f, s) = tables(people, &[]);
        let of = |department: &str| match department {
            "Mid" => ("manager", 0),
            "Big" => ("analyst", 1),
            _ => ("lone", 2),
        };
        for u in &mut f.users {
            u.role = Some(of(u.department.as_deref().unwrap()).0.to_string());
        }
        let persona = |id: u32, name: &str, size: usize| Persona {
            id,
            name: name.to_string(),
            size,
            mean_score: 50.0,
            centroid: vec![0.5],
        };
        let clustering = Clustering {
            k: 3,
            silhouette: f64::NAN,
            dimensions: vec!["depth".into()],
            personas: vec![
                persona(0, "casual", 8),
                persona(1, "explorers", 6),
                persona(2, "helpers", 3),
            ],
            assignments: f
                .users
                .iter()
                .map(|u| Some(of(u.department.as_deref().unwrap()).1))
                .collect(),
        };
        let analysis = analyse(&f, &s, 5, &Default::default());
        let settings = PrivacySettings::default();
        let out = publish(
            &f,
            &clustering,
            &analysis,
            &settings,
            &Pseudonymizer::raw_ids(),
        );
        let named = |i: usize| {
            let p = &out.people[i];
            (
                p.department.as_deref(),
                p.role.as_deref(),
                p.persona.as_deref(),
                p.cluster,
            )
        };
        assert_eq!(out.people[14].id, "t1");
        assert_eq!(named(14), (None, None, None, None));
        // Tiny's three are too few to show; were Big's six named, the rows naming no department,
        // role or persona would be Tiny's three. So Big's are withheld too.
        assert_eq!(out.people[0].id, "b0");
        assert_eq!(named(0), (None, None, None, None));
        assert_eq!(out.people[6].id, "m0");
        assert_eq!(
            named(6),
            (Some("Mid"), Some("manager"), Some("casual"), Some(0))
        );
        // The withheld personas keep their rows, without a name or a figure.
        for withheld in &out.personas[1..] {
            assert_eq!((withheld.size, withheld.mean_score), (None, None));
            assert!(withheld.centroid.is_none() && withheld.name.is_none());
        }
        assert_eq!(out.personas[0].size, Some(8));
        // The same two departments are pooled in the adoption figures, so that the
        // organisation's figures less Mid's do not give Tiny's (one candidate of three).
        let shown: Vec<(String, u64)> = out
            .departments
            .iter()
            .map(|d| (d.group.label(), d.figures.people))
            .collect();
        assert_eq!(
            shown,
            [
                ("Mid".to_string(), 8),
                ("2 departments pooled".to_string(), 9)
            ]
        );
    }
}
