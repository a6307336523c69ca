//! The analysis stage on small hand-built organisations where the right answer is obvious.

use super::fixture::{P, p, tables};
use super::*;
use crate::score::Tier::{Candidate as C, Emerging as E, InsufficientData as I, Other as O};

fn ids(features: &crate::features::FeatureTable, people: &[usize]) -> Vec<String> {
    people
        .iter()
        .map(|&i| features.users[i].user_id.clone())
        .collect()
}

#[test]
fn the_shortlist_is_the_candidate_tier_by_rank() {
    let (f, s) = tables(
        vec![
            p("a", None, 50.0, E),
            p("b", None, 90.0, C),
            p("c", None, 70.0, C),
            p("d", None, f64::NAN, I),
        ],
        &[],
    );
    let shortlist = candidates(&s);
    let people: Vec<usize> = shortlist.iter().map(|c| c.person).collect();
    assert_eq!(ids(&f, &people), ["b", "c"]);
    assert_eq!(shortlist.iter().map(|c| c.rank).collect::<Vec<_>>(), [1, 2]);
}

fn knows(mut person: P, areas: &[(u32, u32)]) -> P {
    person.areas = areas.to_vec();
    person
}

#[test]
fn area_experts_know_most_of_the_area_then_score_higher_then_have_the_smaller_id() {
    let (f, s) = tables(
        vec![
            knows(p("a", None, 40.0, O), &[(0, 5)]),
            knows(p("b", None, 60.0, O), &[(0, 5), (1, 1)]),
            knows(p("c", None, 60.0, O), &[(0, 5)]),
            knows(p("d", None, 10.0, O), &[(0, 9)]),
            // Not scored: never an expert, however much they know.
            knows(p("e", None, f64::NAN, I), &[(0, 20)]),
        ],
        &["editing", "macros"],
    );
    let experts = area_experts(&f, &s, 3);
    let editing: Vec<usize> = experts
        .iter()
        .filter(|e| e.area == 0)
        .map(|e| e.person)
        .collect();
    assert_eq!(ids(&f, &editing), ["d", "b", "c"]);
    let places: Vec<u32> = experts.iter().map(|e| e.place).collect();
    assert_eq!(places, [1, 2, 3, 1]);
    assert_eq!(experts[3].features_known, 1);
}

#[test]
fn the_proposed_group_is_balanced_across_departments_then_filled_by_rank() {
    // 10 candidates in Sales, 2 in Finance, 1 without a department: 3 groups, at most
    // ceil(12 / 3) = 4 each at first, then the best-ranked of the rest fill the group.
    let mut people = Vec::new();
    let sales = [
        "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10",
    ];
    for (i, id) in sales.iter().enumerate() {
        people.push(p(id, Some("Sales"), 99.0 - i as f64, C));
    }
    people.push(p("f1", Some("Finance"), 50.0, C));
    people.push(p("f2", Some("Finance"), 49.0, C));
    people.push(p("n1", None, 48.0, C));
    let (f, s) = tables(people, &[]);
    let shortlist = candidates(&s);
    let department = |i: usize| f.users[i].department.clone();
    let group = balanced_group(&shortlist, department, 12);
    let members: Vec<usize> = group.iter().map(|c| c.person).collect();
    // Sales s01-s04 by the cap, then Finance and the person without a department, then
    // s05-s09 fill the remaining five places by rank; s10 is left out.
    assert_eq!(
        ids(&f, &members),
        [
            "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "f1", "f2", "n1"
        ]
    );
    // With fewer candidates than places, everyone is in.
    let small = balanced_group(&shortlist[..3], |i| f.users[i].department.clone(), 12);
    assert_eq!(small.len(), 3);
}

#[test]
fn presenters_are_the_candidates_who_know_an_area_best_two_per_area_by_area_name() {
    let (f, s) = tables(
        vec![
            knows(p("a", None, 90.0, C), &[(0, 3), (1, 8)]),
            knows(p("b", None, 80.0, C), &[(0, 6), (1, 2)]),
            knows(p("c", None, 70.0, C), &[(0, 4)]),
            // Knows macros best, but is not a candidate.
            knows(p("d", None, 20.0, O), &[(0, 9)]),
        ],
        &["macros", "editing"],
    );
    let experts = area_experts(&f, &s, 10);
    let proposed = presenters(&experts, &f, 2);
    let who: Vec<(&str, &str)> = proposed
        .iter()
        .map(|p| (p.area.as_str(), f.users[p.person].user_id.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("editing", "a"),
            ("editing", "b"),
            ("macros", "b"),
            ("macros", "c")
        ]
    );
}

#[test]
fn small_departments_are_pooled_after_the_others() {
    let mut people = Vec::new();
    for i in 0..6 {
        people.push(p(format!("b{i}").leak(), Some("Big"), 50.0, O));
    }
    for i in 0..5 {
        people.push(p(format!("m{i}").leak(), Some("Mid"), 45.0, O));
    }
    people.push(p("t1", Some("Tiny"), 90.0, C));
    people.push(p("t2", Some("Tiny"), 40.0, O));
    people.push(p("x1", None, 30.0, O));
    // Not scored: counts for nothing but the headline's insufficient figure.
    people.push(p("z1", Some("Big"), f64::NAN, I));
    let (f, s) = tables(people, &[]);
    let labels = |min: usize| -> Vec<String> {
        let departments = by_department(&f, &s, min);
        departments.iter().map(|d| d.group.label()).collect()
    };
    // Tiny (2) and the people without a department (1) make a pool of 3.
    assert_eq!(labels(3), ["Big", "Mid", "2 departments pooled"]);
    // Under a minimum of 5 that pool could be had by subtraction from the organisation's
    // figures: the smallest department shown joins it.
    assert_eq!(labels(5), ["Big", "3 departments pooled"]);
    let departments = by_department(&f, &s, 5);
    assert_eq!(departments[1].group, DepartmentGroup::Pooled(3));
    assert_eq!(
        (
            departments[1].figures.people,
            departments[1].figures.candidates
        ),
        (8, 1)
    );
    let h = headline(&f, &s);
    assert_eq!((h.figures.people, h.insufficient_data), (14, 1));
    assert_eq!(h.departments_with_candidates, 1);
}

fn snapshot(day: u32, people: &[(&str, f64, crate::score::Tier)]) -> RunSnapshot {
    RunSnapshot {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
        people: people
            .iter()
            .map(|(id, score, tier)| (id.to_string(), (*score, *tier)))
            .collect(),
        unscored: Default::default(),
        headline: figures(&[]),
        segments: Default::default(),
    }
}

fn moves(history: &RunHistory, movement: Movement) -> Vec<(String, Option<f64>)> {
    history
        .moves
        .iter()
        .filter(|m| m.movement == movement)
        .map(|m| (m.user_id.clone(), m.change))
        .collect()
}

#[test]
fn history_names_new_and_dropped_candidates_and_the_fastest_risers() {
    let oldest = snapshot(1, &[("a", 50.0, O), ("b", 80.0, C), ("c", 10.0, O)]);
    let previous = snapshot(
        8,
        &[
            ("a", 60.0, O),
            ("b", 85.0, C),
            ("d", 70.0, C),
            ("e", 75.0, C),
        ],
    );
    let mut current = snapshot(15, &[("a", 90.0, C), ("b", 84.0, C), ("c", 30.0, O)]);
    // d is still in the run, too little active to be scored; e is gone (left, or opted out).
    current.unscored.insert("d".into());
    let h = history(&[oldest, previous], &current);
    assert_eq!(h.headline.len(), 3);
    assert_eq!(
        moves(&h, Movement::NewCandidate),
        [("a".into(), Some(30.0))]
    );
    // d was a candidate and is no longer scored; e, no longer in the run, is not named.
    assert_eq!(moves(&h, Movement::DroppedCandidate), [("d".into(), None)]);
    // Gains since the oldest run: a +40, c +20, b +4; only gains count.
    let rising: Vec<String> = moves(&h, Movement::RisingStar)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(rising, ["a", "c", "b"]);
}

#[test]
fn history_of_a_first_run_has_its_headline_only_and_compares_at_most_five_runs() {
    let current = snapshot(20, &[("a", 90.0, C)]);
    let first = history(&[], &current);
    assert_eq!((first.headline.len(), first.moves.len()), (1, 0));
    let earlier: Vec<RunSnapshot> = (1..=7)
        .map(|d| snapshot(d, &[("a", d as f64, O)]))
        .collect();
    let h = history(&earlier, &current);
    assert_eq!(h.headline.len(), HISTORY_RUNS + 1);
    // The oldest run compared is day 3, so a rose by 87 points.
    assert_eq!(moves(&h, Movement::RisingStar), [("a".into(), Some(87.0))]);
}
