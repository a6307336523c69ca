//! Features on tiny hand-built inputs where the right number is obvious.

use adept::config::Config;
use adept::features::{Feature, FeatureParams, FeatureTable, UserStatus, compute_features};
use tempfile::tempdir;

use crate::fixtures::*;

/// Ingests the given tables (name, CSV text) and computes features with defaults, as of 2026-10-31.
pub fn features_of(tables: &[(&str, String)], params: FeatureParams) -> FeatureTable {
    let dir = tempdir().unwrap();
    for (name, text) in tables {
        write(dir.path(), &format!("{name}.csv"), text);
    }
    let mut config = Config::from_toml("[ingest]\nmax_reject_rate = 1.0").unwrap();
    config.features = params.clone();
    let keep = &mut adept::ingest::keep_nothing;
    let (ingested, usage) =
        adept::pipeline::ingest_events(dir.path(), as_of(), &config, keep).unwrap();
    compute_features(&ingested, usage, &params).unwrap()
}

/// One event line: user, day of October 2026, feature, trigger, count.
pub fn event(user: &str, day: u32, feature: &str, trigger: &str, count: u32) -> String {
    format!("{user},2026-10-{day:02}T10:00:00Z,{feature},app,{trigger},{count}\n")
}

pub const HEADER: &str = "user_id,timestamp,feature,app,trigger,count\n";

fn get(table: &FeatureTable, user: &str, feature: Feature) -> f64 {
    table.user(user).unwrap().get(feature)
}

#[test]
fn depth_counts_known_features_and_weights_rare_ones() {
    let mut events = HEADER.to_string();
    // Everyone (a, b, c, d) uses `common` twice; only `a` uses `rare` (twice) and `once` (once).
    for user in ["a", "b", "c", "d"] {
        events += &event(user, 1, "common", "menu", 2);
    }
    events += &event("a", 2, "rare", "menu", 2);
    events += &event("a", 3, "once", "menu", 1);
    let t = features_of(&[("events", events)], FeatureParams::default());
    // `once` was used once: below min_uses (2), not known.
    assert_eq!(get(&t, "a", Feature::DistinctFeatures), 2.0);
    assert_eq!(get(&t, "b", Feature::DistinctFeatures), 1.0);
    // rarity: common is used by 4 of 4 (ln 1 = 0), rare by 1 of 4 (ln 4).
    assert!((get(&t, "a", Feature::RarityDepth) - 4f64.ln()).abs() < 1e-12);
    assert_eq!(get(&t, "b", Feature::RarityDepth), 0.0);
    // Without a catalog, `rare` (1 of 4 users = 25%) is not under the 5% rarity line.
    assert_eq!(get(&t, "a", Feature::AdvancedFeatures), 0.0);
    let lenient = FeatureParams {
        rare_share: 0.25,
        ..FeatureParams::default()
    };
    let t = features_of(
        &[("events", {
            let mut e = HEADER.to_string();
            for user in ["a", "b", "c", "d"] {
                e += &event(user, 1, "common", "menu", 2);
            }
            e += &event("a", 2, "rare", "menu", 2);
            e
        })],
        lenient,
    );
    assert_eq!(get(&t, "a", Feature::AdvancedFeatures), 1.0);
    assert_eq!(get(&t, "a", Feature::AdvancedShare), 0.5);
}

#[test]
fn catalog_levels_areas_and_shortcuts_are_used_when_present() {
    let mut events = HEADER.to_string();
    events += &event("a", 1, "pivot", "shortcut", 3);
    events += &event("a", 1, "pivot", "menu", 1);
    events += &event("a", 2, "chart", "menu", 4);
    events += &event("a", 3, "copy", "toolbar", 2);
    events += &event("b", 1, "copy", "menu", 2);
    let catalog = "app,feature,area,level,has_shortcut\n\
        app,pivot,analysis,advanced,true\n\
        app,chart,analysis,intermediate,true\n\
        app,copy,editing,basic,false\n"
        .to_string();
    let t = features_of(
        &[("events", events), ("catalog", catalog)],
        FeatureParams::default(),
    );
    assert_eq!(get(&t, "a", Feature::AdvancedFeatures), 1.0);
    assert_eq!(get(&t, "a", Feature::AreaBreadth), 1.0);
    assert_eq!(get(&t, "b", Feature::AreaBreadth), 0.5);
    // Shortcut-capable uses of a: pivot 4 (3 by shortcut) + chart 4; copy is not capable.
    assert_eq!(get(&t, "a", Feature::ShortcutShare), 3.0 / 8.0);
    assert_eq!(get(&t, "a", Feature::DistinctShortcuts), 1.0);
    // b never used a shortcut-capable feature: no evidence, not zero.
    assert!(get(&t, "b", Feature::ShortcutShare).is_nan());
    // Four features used 4, 4, 2 by a -> normalised entropy of (4,4,2)/10 over ln 3.
    let p = [0.4f64, 0.4, 0.2];
    let h: f64 = -p.iter().map(|x| x * x.ln()).sum::<f64>() / 3f64.ln();
    assert!((get(&t, "a", Feature::Evenness) - h).abs() < 1e-12);
}

#[test]
fn without_a_catalog_shortcut_capability_is_inferred_from_anyone_using_one() {
    let mut events = HEADER.to_string();
    events += &event("a", 1, "save", "shortcut", 1);
    events += &event("b", 1, "save", "menu", 3);
    events += &event("b", 1, "print", "menu", 3);
    let t = features_of(&[("events", events)], FeatureParams::default());
    assert_eq!(get(&t, "a", Feature::ShortcutShare), 1.0);
    // print was never triggered by shortcut by anyone: not counted.
    assert_eq!(get(&t, "b", Feature::ShortcutShare), 0.0);
}

#[test]
fn consistency_is_fair_to_part_timers_and_needs_enough_days() {
    // The export starts with the window (3 August): someone used it then.
    let mut events = HEADER.to_string() + "early,2026-08-03T10:00:00Z,x,app,menu,1\n";
    // Full-timer f: every weekday of the last two weeks; part-timer p (fte 0.5): every other one.
    // Weekdays in 2026-10-19..30 (Mon..Fri twice).
    let weekdays = [19, 20, 21, 22, 23, 26, 27, 28, 29, 30];
    for day in weekdays {
        events += &event("f", day, "x", "menu", 5);
    }
    for day in weekdays.iter().step_by(2) {
        events += &event("p", *day, "x", "menu", 5);
    }
    events += &event("rare", 30, "x", "menu", 5);
    let people = "user_id,fte,hire_date\nf,1.0,2020-01-01\np,0.5,2020-01-01\nrare,1,2020-01-01\n"
        .to_string();
    let t = features_of(
        &[("events", events), ("people", people)],
        FeatureParams::default(),
    );
    assert_eq!(get(&t, "f", Feature::ActiveDays), 10.0);
    assert_eq!(get(&t, "p", Feature::ActiveDays), 5.0);
    let (f, p) = (
        get(&t, "f", Feature::ActiveDayRate),
        get(&t, "p", Feature::ActiveDayRate),
    );
    assert!((f - p).abs() < 0.1 * f, "full-timer {f} vs part-timer {p}");
    // Ten recent days out of ~64 working days in the window, recent ones weighted more.
    assert!(f > 10.0 / 64.0 && f < 0.5, "{f}");
    assert_eq!(get(&t, "f", Feature::UsesPerActiveDay), 5.0);
    assert_eq!(t.user("rare").unwrap().status, UserStatus::InsufficientData);
    assert_eq!(t.user("f").unwrap().status, UserStatus::Scored);
    // Weeks are counted back from the as-of date: 19..30 October are weeks 0 and 1 (and 2 for the 19th..24th).
    assert!(get(&t, "f", Feature::ActiveWeeksLast12) >= 2.0);
}

#[test]
fn a_day_listed_with_count_zero_is_not_an_active_day() {
    // A usage report lists every licensed person every day; 0 where they did not use it.
    let mut events = HEADER.to_string();
    for day in 1..=20 {
        events += &event("listed", day, "x", "menu", u32::from(day <= 4));
        events += &event("user", day, "x", "menu", 3);
    }
    let t = features_of(&[("events", events)], FeatureParams::default());
    assert_eq!(get(&t, "listed", Feature::ActiveDays), 4.0);
    assert_eq!(get(&t, "listed", Feature::UsesPerActiveDay), 1.0);
    // 1..4 October: weeks 4 and 3 counted back from 31 October.
    assert_eq!(get(&t, "listed", Feature::ActiveWeeksLast12), 2.0);
    assert!(get(&t, "listed", Feature::ActiveDayRate) < get(&t, "user", Feature::ActiveDayRate));
    // Four days of use are too few to score, whatever the zeros around them.
    assert_eq!(
        t.user("listed").unwrap().status,
        UserStatus::InsufficientData
    );
    assert_eq!(get(&t, "user", Feature::ActiveDays), 20.0);
}

#[test]
fn an_export_shorter_than_the_window_expects_days_only_from_its_first_day() {
    // The 90-day window ends 31 October; the export starts 1 October. `old` (hired long ago)
    // and `new` (hired 19 October) both use it every weekday they could have.
    let mut events = HEADER.to_string();
    let weekdays = |from: u32| (from..=30).filter(|d| ![3, 4, 10, 11, 17, 18, 24, 25].contains(d));
    for day in weekdays(1) {
        events += &event("old", day, "x", "menu", 2);
    }
    for day in weekdays(19) {
        events += &event("new", day, "x", "menu", 2);
    }
    let people = "user_id,hire_date\nold,2020-01-01\nnew,2026-10-19\n".to_string();
    let t = features_of(
        &[("events", events), ("people", people)],
        FeatureParams::default(),
    );
    let rate = |u: &str| get(&t, u, Feature::ActiveDayRate);
    assert!(rate("old") > 0.95, "{}", rate("old"));
    assert!(
        (rate("old") - rate("new")).abs() < 0.05,
        "{} {}",
        rate("old"),
        rate("new")
    );
    let weeks = |u: &str| get(&t, u, Feature::ActiveWeeksShare);
    assert_eq!(weeks("old"), weeks("new"));
}

#[test]
fn a_hire_date_after_someones_use_does_not_shorten_their_expected_days_and_is_warned_of() {
    // `twin` and `late` work alike on October's first ten days; `late`'s hire date is wrong
    // (after the as-of date), `mid`'s falls after their first use.
    let mut events = HEADER.to_string();
    for user in ["twin", "late", "mid"] {
        for day in 1..=10 {
            events += &event(user, day, "x", "menu", 2);
        }
    }
    let people = "user_id,hire_date\ntwin,2020-01-01\nlate,2026-12-01\nmid,2026-10-05\n";
    let t = features_of(
        &[("events", events), ("people", people.to_string())],
        FeatureParams::default(),
    );
    let rate = |u: &str| get(&t, u, Feature::ActiveDayRate);
    assert_eq!(rate("late"), rate("twin"));
    assert_eq!(rate("mid"), rate("twin"));
    assert!(rate("twin") < 0.9, "{}", rate("twin"));
    assert!(
        t.data_warnings
            .iter()
            .any(|w| w.starts_with("2 person(s) in `people` have a hire_date after")),
        "{:?}",
        t.data_warnings
    );
}

#[test]
fn help_features_count_people_departments_and_forum_answers() {
    let events = HEADER.to_string() + &event("h", 1, "x", "menu", 1);
    let people = "user_id,department\nh,Sales\na,Sales\nb,Finance\nc,Legal\n".to_string();
    let help = "helper_id,helped_id,timestamp\n\
        h,a,2026-10-01T09:00:00Z\n\
        h,a,2026-10-02T09:00:00Z\n\
        h,b,2026-10-03T09:00:00Z\n\
        h,c,2026-10-04T09:00:00Z\n\
        h,,2026-10-05T09:00:00Z\n\
        a,h,2026-10-06T09:00:00Z\n\
        h,a,2026-06-01T09:00:00Z\n"
        .to_string();
    let t = features_of(
        &[("events", events), ("people", people), ("help", help)],
        FeatureParams::default(),
    );
    // The June help is outside the 90-day window.
    assert_eq!(get(&t, "h", Feature::HelpsGiven), 5.0);
    assert_eq!(get(&t, "h", Feature::PeopleHelped), 3.0);
    assert_eq!(get(&t, "h", Feature::DepartmentsHelped), 3.0);
    assert_eq!(get(&t, "h", Feature::CrossDepartmentHelps), 2.0);
    assert_eq!(get(&t, "h", Feature::HelpsReceived), 1.0);
    assert_eq!(get(&t, "a", Feature::HelpsReceived), 2.0);
    assert!(get(&t, "h", Feature::ExpertiseRank) > get(&t, "a", Feature::ExpertiseRank));
    // b asked and nobody asked b: below average.
    assert!(get(&t, "b", Feature::ExpertiseRank) < 1.0);
}

#[test]
fn without_departments_or_triggers_their_features_are_unknown_and_self_answers_are_not_help() {
    // A Q&A export: no people table, no trigger column; h answers a, b and their own question.
    let events = "user_id,timestamp,feature\nh,2026-10-01T10:00:00Z,answer\n".to_string();
    let help = "helper_id,helped_id,timestamp\n\
        h,a,2026-10-01T09:00:00Z\n\
        h,b,2026-10-03T09:00:00Z\n\
        h,h,2026-10-04T09:00:00Z\n\
        a,a,2026-10-05T09:00:00Z\n"
        .to_string();
    let t = features_of(
        &[("events", events), ("help", help)],
        FeatureParams::default(),
    );
    assert_eq!(get(&t, "h", Feature::HelpsGiven), 2.0);
    assert_eq!(get(&t, "h", Feature::PeopleHelped), 2.0);
    assert_eq!(get(&t, "h", Feature::HelpsReceived), 0.0);
    // a only answered their own question: no help given.
    assert_eq!(get(&t, "a", Feature::HelpsGiven), 0.0);
    assert!(get(&t, "h", Feature::DepartmentsHelped).is_nan());
    assert!(get(&t, "h", Feature::CrossDepartmentHelps).is_nan());
    assert!(get(&t, "h", Feature::DistinctShortcuts).is_nan());
}

#[test]
fn a_person_listed_twice_counts_once_with_the_first_row() {
    let events = HEADER.to_string() + &event("h", 1, "x", "menu", 1);
    // h twice, in two departments: joins on people must not double h's help.
    let people = "user_id,department\nh,Sales\na,Finance\nh,Legal\n".to_string();
    let help = "helper_id,helped_id,timestamp\nh,a,2026-10-01T09:00:00Z\n".to_string();
    let dir = tempdir().unwrap();
    for (name, text) in [("events", &events), ("people", &people), ("help", &help)] {
        write(dir.path(), &format!("{name}.csv"), text);
    }
    let ingested = ingest_dir(dir.path()).unwrap();
    let people_counts = ingested
        .summary
        .table(adept::contract::TableKind::People)
        .unwrap()
        .totals;
    assert_eq!((people_counts.accepted, people_counts.duplicates), (2, 1));
    let t = features_of(
        &[("events", events), ("people", people), ("help", help)],
        FeatureParams::default(),
    );
    assert_eq!(get(&t, "h", Feature::HelpsGiven), 1.0);
    assert_eq!(get(&t, "h", Feature::CrossDepartmentHelps), 1.0);
    assert_eq!(t.user("h").unwrap().department.as_deref(), Some("Sales"));
}

#[test]
fn training_takes_every_result_the_latest_score_and_improvement_per_course() {
    let events = HEADER.to_string() + &event("a", 1, "x", "menu", 1);
    let training = "user_id,course,taken_at,score,max_score,phase\n\
        a,excel,2026-05-01,40,100,baseline\n\
        a,excel,2026-05-10,70,100,final\n\
        a,excel,2026-08-10,80,100,follow_up\n\
        a,crm,2026-06-01,10,20,baseline\n\
        a,crm,2026-06-10,15,20,final\n"
        .to_string();
    let feedback = "user_id,timestamp,kind\na,2026-10-01T00:00:00Z,idea\na,2026-10-02T00:00:00Z,bug\na,2025-01-01T00:00:00Z,idea\n".to_string();
    let t = features_of(
        &[
            ("events", events),
            ("training", training),
            ("feedback", feedback),
        ],
        FeatureParams::default(),
    );
    // The level is the mean of all five results: (40 + 70 + 80 + 50 + 75) / 5.
    assert_eq!(get(&t, "a", Feature::TrainingLevel), 63.0);
    // The latest assessment is the excel follow-up on 10 August: 80%.
    assert_eq!(get(&t, "a", Feature::LatestScore), 80.0);
    // excel: 80 - 40 = 40 (follow-up wins over final); crm: 75 - 50 = 25. Mean 32.5.
    assert_eq!(get(&t, "a", Feature::Improvement), 32.5);
    assert_eq!(get(&t, "a", Feature::CoursesCompleted), 2.0);
    assert_eq!(get(&t, "a", Feature::FeedbackItems), 2.0);
    assert_eq!(get(&t, "a", Feature::Ideas), 1.0);
}

#[test]
fn the_window_ends_with_the_as_of_date_and_users_without_events_are_listed() {
    let mut events = HEADER.to_string();
    events += "a,2026-07-01T10:00:00Z,old,app,menu,5\n";
    events += &event("a", 30, "new", "menu", 2);
    let people = "user_id\na\nnobody\n".to_string();
    let t = features_of(
        &[("events", events), ("people", people)],
        FeatureParams::default(),
    );
    assert_eq!(get(&t, "a", Feature::TotalUses), 2.0);
    let nobody = t.user("nobody").unwrap();
    assert_eq!(nobody.status, UserStatus::InsufficientData);
    assert_eq!(nobody.get(Feature::TotalUses), 0.0);
}
