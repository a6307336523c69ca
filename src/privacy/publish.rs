//! The privacy pass: the one place where what the analysis decided becomes what may be shown.
//! Identifiers become pseudonyms, names appear only where enabled, and a group (department, role
//! or persona) with fewer scored people than `min_group_size` is withheld the same way in every
//! output: its figures appear nowhere, and people's rows do not name it.

use std::collections::BTreeMap;

use super::pseudonym::Pseudonymizer;
use super::settings::PrivacySettings;
use super::trend::publishable_trend;
use crate::analysis::{Analysis, DepartmentAdoption, Headline, TrendRow};
use crate::cluster::Clustering;
use crate::features::{FeatureTable, UserStatus};

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

/// How one persona may be shown: figures only for a persona of at least the minimum size.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedPersona {
    pub id: u32,
    pub name: String,
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

/// Scored people per group, and which groups are large enough to show.
struct GroupSizes<'a> {
    min: usize,
    departments: BTreeMap<&'a str, usize>,
    roles: BTreeMap<&'a str, usize>,
}

impl<'a> GroupSizes<'a> {
    fn of(features: &'a FeatureTable, min: usize) -> GroupSizes<'a> {
        let mut sizes = GroupSizes {
            min,
            departments: BTreeMap::new(),
            roles: BTreeMap::new(),
        };
        for u in features
            .users
            .iter()
            .filter(|u| u.status == UserStatus::Scored)
        {
            if let Some(d) = &u.department {
                *sizes.departments.entry(d).or_default() += 1;
            }
            if let Some(r) = &u.role {
                *sizes.roles.entry(r).or_default() += 1;
            }
        }
        sizes
    }

    fn shown(&self, group: &BTreeMap<&str, usize>, name: &Option<String>) -> Option<String> {
        name.as_ref()
            .filter(|n| group.get(n.as_str()).copied().unwrap_or(0) >= self.min)
            .cloned()
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
    let sizes = GroupSizes::of(features, settings.min_group_size);
    let personas: Vec<PublishedPersona> = clustering
        .personas
        .iter()
        .map(|p| {
            let shown = settings.shows_group_of(p.size as u64);
            PublishedPersona {
                id: p.id,
                name: p.name.clone(),
                size: shown.then_some(p.size as u64),
                mean_score: shown.then_some(p.mean_score),
                centroid: shown.then(|| p.centroid.clone()),
            }
        })
        .collect();
    let people = features
        .users
        .iter()
        .zip(&clustering.assignments)
        .map(|(u, assigned)| {
            let cluster = assigned.filter(|id| personas[*id as usize].size.is_some());
            PublishedPerson {
                id: pseudonyms.id(&u.user_id),
                name: u.display_name.clone().filter(|_| settings.show_names),
                department: sizes.shown(&sizes.departments, &u.department),
                role: sizes.shown(&sizes.roles, &u.role),
                persona: match (u.status, cluster) {
                    (UserStatus::InsufficientData, _) => Some(NOT_CLUSTERED.to_string()),
                    (UserStatus::Scored, c) => c.map(|id| personas[id as usize].name.clone()),
                },
                cluster,
            }
        })
        .collect();
    Published {
        people,
        personas,
        dimensions: clustering.dimensions.clone(),
        departments: analysis
            .departments
            .iter()
            .filter(|d| settings.shows_group_of(d.figures.people))
            .cloned()
            .collect(),
        headline: headline(analysis.headline, settings),
        segment_trend: publishable_trend(&analysis.segment_trend, settings),
    }
}

/// The organisation's headline, with its figures withheld when fewer people than the minimum
/// were scored (the counts stay).
fn headline(mut headline: Headline, settings: &PrivacySettings) -> Headline {
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
        // Six in Big (role "analyst"), three in Tiny (role "lone"), one of them a candidate; the
        // three Tiny people also form their own persona.
        let mut people = Vec::new();
        for id in ["b1", "b2", "b3", "b4", "b5", "b6"] {
            people.push(p(id, Some("Big"), 40.0, Tier::Other));
        }
        people.push(p("t1", Some("Tiny"), 95.0, Tier::Candidate));
        people.push(p("t2", Some("Tiny"), 30.0, Tier::Other));
        people.push(p("t3", Some("Tiny"), 20.0, Tier::Other));
        let (mut f, s) = tables(people, &[]);
        for u in &mut f.users {
            let tiny = u.department.as_deref() == Some("Tiny");
            u.role = Some(if tiny { "lone" } else { "analyst" }.to_string());
        }
        let persona = |id: u32, name: &str, size: usize| Persona {
            id,
            name: name.to_string(),
            size,
            mean_score: 50.0,
            centroid: vec![0.5],
        };
        let clustering = Clustering {
            k: 2,
            silhouette: f64::NAN,
            dimensions: vec!["depth".into()],
            personas: vec![persona(0, "casual", 6), persona(1, "helpers", 3)],
            assignments: (0..9).map(|i| Some(u32::from(i >= 6))).collect(),
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
        let tiny = &out.people[6];
        assert_eq!(tiny.id, "t1");
        assert_eq!((&tiny.department, &tiny.role), (&None, &None));
        assert_eq!((&tiny.persona, tiny.cluster), (&None, None));
        let big = &out.people[0];
        assert_eq!(big.department.as_deref(), Some("Big"));
        assert_eq!(big.role.as_deref(), Some("analyst"));
        assert_eq!(big.persona.as_deref(), Some("casual"));
        // The small persona keeps its row, without a figure.
        assert_eq!(out.personas[1].size, None);
        assert_eq!(out.personas[1].mean_score, None);
        assert!(out.personas[1].centroid.is_none());
        assert_eq!(out.personas[0].size, Some(6));
        // Tiny's pool (3 people) is too small to show; shown beside it, Big would give Tiny's
        // figures by subtraction from the organisation's (one candidate of three), so Big
        // joins the pool.
        let shown: Vec<(String, u64)> = out
            .departments
            .iter()
            .map(|d| (d.group.label(), d.figures.people))
            .collect();
        assert_eq!(shown, [("2 departments pooled".to_string(), 9)]);
    }
}
