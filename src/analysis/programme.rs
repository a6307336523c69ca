//! The user-group programme: one session per feature area, in the order of the organisation's
//! need, each with presenters from the candidates (spread across departments, nobody presenting
//! twice before everyone able has presented once), its audience, and the pain points raised
//! about it in help requests. See docs/recommendations.md.

use std::collections::BTreeMap;

use super::experts::AreaExpert;
use super::group::PRESENTERS_PER_AREA;
use super::recommend::Recommendation;
use crate::features::{FeatureTable, HelpTopic, HelpTopics};
use crate::score::Tier;

/// One session of the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Index into `FeatureTable::areas`.
    pub area: usize,
    /// People with one of the area's features among their recommendations (rows).
    pub audience: Vec<usize>,
    /// Help requests on the area's topic in the window, and how many were not resolved (None
    /// where the help table does not record topics, or which requests were resolved).
    pub help_requests: Option<u64>,
    pub unresolved_help: Option<u64>,
    /// Candidates who present it (rows), best first; empty where no candidate knows it.
    pub presenters: Vec<usize>,
}

impl Session {
    /// The need a session meets: the people who would learn from it, and the unresolved
    /// requests for help on it.
    pub fn need(&self) -> u64 {
        self.audience.len() as u64 + self.unresolved_help.unwrap_or(0)
    }
}

/// The sessions, most needed first, and help topics that name no feature area.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Programme {
    pub sessions: Vec<Session>,
    pub other_topics: Vec<HelpTopic>,
}

/// The help topic that names an area (case and surrounding spaces aside).
fn same_name(topic: &str, area: &str) -> bool {
    topic.trim().eq_ignore_ascii_case(area.trim())
}

/// Plans the programme from the recommendations, the area experts and the help topics.
pub fn programme(
    features: &FeatureTable,
    experts: &[AreaExpert],
    recommendations: &[Recommendation],
) -> Programme {
    let mut audience: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for r in recommendations {
        let people = audience
            .entry(features.features[r.feature as usize].area)
            .or_default();
        if people.last() != Some(&r.person) {
            people.push(r.person);
        }
    }
    // Help whose topics name no feature area says nothing about any one area: its counts are
    // unknown there, not 0 (the topics are listed as other pain points).
    let help = features.help_topics.as_ref().filter(|h| {
        h.topics
            .iter()
            .any(|t| features.areas.iter().any(|a| same_name(&t.topic, a)))
    });
    let mut sessions: Vec<Session> = (0..features.areas.len())
        .map(|area| {
            let (requests, unresolved) = help_on(help, &features.areas[area]);
            let mut people = audience.remove(&area).unwrap_or_default();
            people.dedup();
            Session {
                area,
                audience: people,
                help_requests: requests,
                unresolved_help: unresolved,
                presenters: Vec::new(),
            }
        })
        .filter(|s| s.need() > 0)
        .collect();
    sessions.sort_by(|a, b| b.need().cmp(&a.need()).then(a.area.cmp(&b.area)));
    assign_presenters(&mut sessions, features, experts);
    let other_topics = features
        .help_topics
        .iter()
        .flat_map(|h| &h.topics)
        .filter(|t| !features.areas.iter().any(|a| same_name(&t.topic, a)))
        .cloned()
        .collect();
    Programme {
        sessions,
        other_topics,
    }
}

/// The help requests on an area's topic, and how many were not resolved, where recorded.
fn help_on(help: Option<&HelpTopics>, area: &str) -> (Option<u64>, Option<u64>) {
    let Some(help) = help else {
        return (None, None);
    };
    let topics = help.topics.iter().filter(|t| same_name(&t.topic, area));
    let (requests, unresolved) = topics.fold((0, 0), |a, t| (a.0 + t.requests, a.1 + t.unresolved));
    (
        Some(requests),
        help.resolution_recorded.then_some(unresolved),
    )
}

/// In session order, the candidates who know each area, fewest sessions presented so far first,
/// then someone from another department than the session's first presenter, then who knows the
/// area best: nobody presents twice before everyone able to present that area has once.
fn assign_presenters(sessions: &mut [Session], features: &FeatureTable, experts: &[AreaExpert]) {
    let mut presented: BTreeMap<usize, usize> = BTreeMap::new();
    for session in sessions.iter_mut() {
        let mut able: Vec<&AreaExpert> = experts
            .iter()
            .filter(|e| e.area == session.area && e.tier == Tier::Candidate)
            .collect();
        for _ in 0..PRESENTERS_PER_AREA {
            let first_department = session
                .presenters
                .first()
                .map(|p| &features.users[*p].department);
            able.sort_by_key(|e| {
                let same = Some(&features.users[e.person].department) == first_department;
                (
                    presented.get(&e.person).copied().unwrap_or(0),
                    same,
                    e.place,
                )
            });
            let Some(pick) = able.first().map(|e| e.person) else {
                break;
            };
            able.retain(|e| e.person != pick);
            *presented.entry(pick).or_default() += 1;
            session.presenters.push(pick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{p, tables};
    use crate::features::FeatureEntry;

    fn expert(area: usize, person: usize, place: u32) -> AreaExpert {
        AreaExpert {
            area,
            person,
            place,
            features_known: 10 - place,
            tier: Tier::Candidate,
        }
    }

    fn rec(person: usize, feature: u32) -> Recommendation {
        Recommendation {
            person,
            rank: 1,
            feature,
            score: 1.0,
            because: None,
        }
    }

    #[test]
    fn sessions_go_by_need_and_nobody_presents_twice_before_everyone_able_has_once() {
        // Areas charts (0), macros (1), pivots (2); one feature each. Candidates a, b (Sales)
        // and c (Legal) know charts and macros; only a knows pivots.
        let people = vec![
            p("a", Some("Sales"), 95.0, Tier::Candidate),
            p("b", Some("Sales"), 90.0, Tier::Candidate),
            p("c", Some("Legal"), 85.0, Tier::Candidate),
            p("d", Some("Legal"), 40.0, Tier::Other),
            p("e", Some("Legal"), 30.0, Tier::Other),
        ];
        let (mut f, _) = tables(people, &["charts", "macros", "pivots"]);
        f.features = (0..3)
            .map(|area| FeatureEntry {
                name: format!("f{area}"),
                area,
                level: None,
            })
            .collect();
        // Two people would learn charts, one macros; macros has 3 unresolved help requests,
        // "Pivots " one, and "printing" names no area.
        let topics = vec![
            HelpTopic {
                topic: "macros".into(),
                requests: 5,
                unresolved: 3,
            },
            HelpTopic {
                topic: "Pivots ".into(),
                requests: 1,
                unresolved: 1,
            },
            HelpTopic {
                topic: "printing".into(),
                requests: 2,
                unresolved: 2,
            },
        ];
        f.help_topics = Some(HelpTopics {
            topics,
            resolution_recorded: true,
        });
        let recs = [rec(3, 0), rec(4, 0), rec(4, 1)];
        let experts = [
            expert(0, 0, 1),
            expert(0, 1, 2),
            expert(0, 2, 3),
            expert(1, 0, 1),
            expert(1, 1, 2),
            expert(1, 2, 3),
            expert(2, 0, 1),
        ];
        let plan = programme(&f, &experts, &recs);
        let order: Vec<(usize, u64)> = plan.sessions.iter().map(|s| (s.area, s.need())).collect();
        // macros: 1 learner + 3 unresolved; charts: 2 learners; pivots: 1 unresolved.
        assert_eq!(order, [(1, 4), (0, 2), (2, 1)]);
        // The audience: whoever has one of the area's features among their recommendations.
        assert_eq!(plan.sessions[1].audience, [3, 4]);
        assert_eq!(plan.sessions[0].audience, [4]);
        let presenters: Vec<&[usize]> = plan.sessions.iter().map(|s| &s.presenters[..]).collect();
        // macros: a, then c (another department than a) before b; charts: b has not presented
        // yet, then a or c (once each): c, from another department than b; pivots: only a can.
        assert_eq!(presenters, [&[0, 2][..], &[1, 2][..], &[0][..]]);
        assert_eq!(plan.other_topics.len(), 1);
        assert_eq!(plan.other_topics[0].topic, "printing");
    }
}
