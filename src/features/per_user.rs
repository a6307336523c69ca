//! Builds the feature table: the organisation-wide facts once ([`super::org`]), then every
//! signal's features for every user in parallel (rayon, [`super::signals`]), in user-id order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use rayon::prelude::*;

use super::aggregate::Window;
use super::definitions::{Feature, UserStatus};
use super::org::Org;
use super::params::FeatureParams;
use super::people_coverage::PeopleCoverage;
use super::signals;
use super::table::{FeatureEntry, FeatureTable, HelpTopic, HelpTopics, UserFeatures, Weeks};
use super::usage::{EventUsage, UsageAggregator};
use crate::contract::TableKind;
use crate::error::Result;
use crate::ingest::Ingested;

/// The most weeks of history kept for the usage segments: ten years.
const MAX_HISTORY_WEEKS: u32 = 522;

fn window_for(as_of: NaiveDate, params: &FeatureParams) -> Window {
    let first = as_of - Duration::days(i64::from(params.window_days) - 1);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let (first_day, last_day) = (
        (first - epoch).num_days() as i32,
        (as_of - epoch).num_days() as i32,
    );
    let history = last_day - 7 * params.history_weeks.min(MAX_HISTORY_WEEKS) as i32 + 1;
    Window {
        first_day,
        last_day,
        tz: params.tz(),
        history_first_day: history.min(first_day),
    }
}

/// The sink to give ingest for the events table: it reduces events to what
/// [`compute_features`] needs for the window ending at `as_of`.
pub fn usage_aggregator(as_of: NaiveDate, params: &FeatureParams) -> Result<UsageAggregator> {
    params.check()?;
    Ok(UsageAggregator::new(window_for(as_of, params)))
}

/// Computes every feature for every user known to any table, with the events reduced by
/// [`usage_aggregator`] as they streamed through ingest (see `pipeline::ingest_events`).
pub fn compute_features(
    ingested: &Ingested,
    events: EventUsage,
    params: &FeatureParams,
) -> Result<FeatureTable> {
    params.check()?;
    let window = window_for(ingested.as_of, params);
    let org = Org::build(ingested, events, params, window)?;
    let users: Vec<UserFeatures> = org
        .users
        .par_iter()
        .enumerate()
        .map(|(i, user)| user_features(&org, user, org.ranks[i]))
        .collect();
    // The export's first week: nobody used the software before it, or the export starts there.
    let first_with_data = users
        .iter()
        .filter_map(|u| u.weekly_uses.iter().position(|n| *n > 0.0))
        .min()
        .unwrap_or(0);
    let features = org
        .infos
        .iter()
        .map(|i| FeatureEntry {
            name: i.name.clone(),
            area: i.area,
            level: i.level.clone(),
        })
        .collect();
    let people = PeopleCoverage::of(
        ingested.table(TableKind::People).is_some(),
        org.uses.keys().map(String::as_str),
        |user| org.people.contains_key(user),
    );
    Ok(FeatureTable {
        people,
        data_warnings: data_warnings(&org),
        features,
        help_topics: help_topics(ingested, &org.window)?,
        feedback_questions: ingested
            .table(TableKind::Feedback)
            .map(|f| super::aggregate::feedback_questions(f, &org.window))
            .transpose()?,
        users,
        areas: org.areas,
        has_training: org.tables.training,
        has_help: org.tables.help,
        has_feedback: org.tables.feedback,
        catalog: org.catalog_coverage.clone(),
        weeks: Weeks {
            starts: week_starts(&org.window),
            first_with_data,
        },
    })
}

/// Every feature of one user, signal by signal; `rank` is the user's expertise rank.
fn user_features(org: &Org, user: &str, rank: f64) -> UserFeatures {
    let person = org.people.get(user).cloned().unwrap_or_default();
    let uses = org.uses.get(user).map_or(&[][..], Vec::as_slice);
    let history = org.days.get(user).map_or(&[][..], Vec::as_slice);
    // Days are in order: the window's are the last ones.
    let days = &history[history.partition_point(|(d, _)| *d < org.window.first_day)..];
    let mut values = vec![f64::NAN; Feature::COUNT];
    let area_depth = signals::depth(org, uses, &mut values);
    signals::shortcuts(org, uses, &mut values);
    let observed = signals::consistency(org, days, &person, &mut values);
    // Without a table its features stay unknown (NaN), not zero.
    if org.tables.help {
        signals::help(org, user, rank, observed, &mut values);
    }
    if org.tables.training {
        signals::training(org, user, &mut values);
    }
    if org.tables.feedback {
        signals::feedback(org, user, observed, &mut values);
    }
    UserFeatures {
        user_id: user.to_string(),
        display_name: person.display_name,
        department: person.department,
        role: person.role,
        fte: person.fte.unwrap_or(1.0),
        status: if observed.active_days >= f64::from(org.params.min_active_days) {
            UserStatus::Scored
        } else {
            UserStatus::InsufficientData
        },
        values,
        area_depth,
        weekly_uses: weekly_uses(&org.window, history),
        known: signals::known(org, uses),
        hire_week: person.hire_day.and_then(|h| week_of(&org.window, h)),
    }
}

/// Help requests in the window per topic.
fn help_topics(ingested: &Ingested, window: &Window) -> Result<Option<HelpTopics>> {
    let Some(help) = ingested.table(TableKind::Help) else {
        return Ok(None);
    };
    // A column the export lacks is all null after ingest.
    let recorded = |name: &str| help.column(name).is_ok_and(|c| c.null_count() < c.len());
    if !recorded("topic") {
        return Ok(None);
    }
    let resolution_recorded = recorded("resolved");
    let rows = super::aggregate::help_topics(help, window)?;
    if rows.height() == 0 {
        return Ok(Some(HelpTopics {
            topics: Vec::new(),
            resolution_recorded,
        }));
    }
    let topics = rows.column("topic")?.str()?.clone();
    let requests = rows.column("requests")?.u64()?.clone();
    let unresolved = rows.column("unresolved")?.u64()?.clone();
    let topics = (0..rows.height())
        .filter_map(|i| {
            Some(HelpTopic {
                topic: topics.get(i)?.to_string(),
                requests: requests.get(i).unwrap_or(0),
                unresolved: unresolved.get(i).unwrap_or(0),
            })
        })
        .collect();
    Ok(Some(HelpTopics {
        topics,
        resolution_recorded,
    }))
}

/// Uses per complete week of the history, oldest first; the last week ends on the as-of date.
fn weekly_uses(window: &Window, days: &[(i32, f64)]) -> Vec<f64> {
    let weeks = window.history_weeks();
    let mut uses = vec![0.0; weeks];
    for (day, n) in days {
        if let Some(week) = week_of(window, *day) {
            uses[week] += n;
        }
    }
    uses
}

/// The index of the history week holding `day` (None before the first week or after the last).
fn week_of(window: &Window, day: i32) -> Option<usize> {
    let back = usize::try_from(window.last_day - day).ok()? / 7;
    window.history_weeks().checked_sub(back + 1)
}

/// The first day of each history week, oldest first.
fn week_starts(window: &Window) -> Vec<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let weeks = window.history_weeks() as i32;
    (0..weeks)
        .map(|i| epoch + Duration::days(i64::from(window.last_day - 7 * (weeks - i) + 1)))
        .collect()
}

/// Where the tables do not fit together: ids of the record tables that match a person with usage
/// only ignoring letter case, and hire dates after people's first use in the window.
fn data_warnings(org: &Org) -> Vec<String> {
    fn keys<V>(map: &BTreeMap<String, V>) -> BTreeSet<&str> {
        map.keys().map(String::as_str).collect()
    }
    let mut tables = vec![("people", keys(&org.people))];
    if org.tables.help {
        let mut ids = keys(&org.help.given);
        ids.extend(keys(&org.help.received));
        tables.push(("help", ids));
    }
    if org.tables.training {
        tables.push(("training", keys(&org.training)));
    }
    if org.tables.feedback {
        tables.push(("feedback", keys(&org.feedback)));
    }
    let mut warnings =
        super::id_spelling::case_only_warnings(org.uses.keys().map(String::as_str), &tables);
    warnings.extend(hired_after_use(org));
    warnings
}

/// People whose `hire_date` is after their first use in the window: their expected days start
/// at that use instead ([`signals::consistency`]), and the run says how many (no id is named).
fn hired_after_use(org: &Org) -> Option<String> {
    let first_use = |user: &str| super::org::first_use(org.days.get(user)?, &org.window);
    let late = org
        .people
        .iter()
        .filter(|(user, p)| p.hire_day.zip(first_use(user)).is_some_and(|(h, u)| h > u))
        .count();
    (late > 0).then(|| {
        format!(
            "{late} person(s) in `people` have a hire_date after their first use in the window; \
             their expected working days are counted from that use instead: check the hire dates"
        )
    })
}
