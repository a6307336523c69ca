//! Training assessments, help interactions and feedback items, drawn per user from the profile.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::calendar::{MS_PER_DAY, is_weekend};
use super::catalog::Catalog;
use super::org::Org;
use super::personas::{Persona, Profile};
use super::rng::{Stream, normal, pick_cumulative, pick_weighted, poisson, rng_for};
use super::table::{Table, TextColumn, Values};
use crate::contract::{FEEDBACK_KINDS, PHASES, TableKind};
use crate::error::Result;

/// Help channels, with the share of non-forum help each gets.
const CHANNELS: [(&str, f64); 4] = [
    ("ticket", 0.3),
    ("chat", 0.4),
    ("forum", 0.1),
    ("peer_session", 0.2),
];
/// Share of help that is a forum answer with no single asker.
const OPEN_FORUM_SHARE: f64 = 0.15;

/// What the generator needs to know about the run's people and window.
pub struct Context<'a> {
    pub seed: u64,
    pub org: &'a Org,
    pub catalog: &'a Catalog,
    pub profiles: &'a [Profile],
    pub start_day: i64,
    pub end_day: i64,
}

impl Context<'_> {
    /// First day of the window the user could be active.
    fn first_day(&self, user: usize) -> i64 {
        self.profiles[user].hire_day.max(self.start_day)
    }

    /// A working day in `from..=to` (weekends are redrawn a few times), or `None` for an empty range.
    fn workday(&self, rng: &mut ChaCha8Rng, from: i64, to: i64) -> Option<i64> {
        if from > to {
            return None;
        }
        let mut day = rng.random_range(from..=to);
        for _ in 0..4 {
            if !is_weekend(day) {
                break;
            }
            day = rng.random_range(from..=to);
        }
        Some(day)
    }

    /// Milliseconds of a moment during office hours on `day`.
    fn office_time(rng: &mut ChaCha8Rng, day: i64) -> i64 {
        day * MS_PER_DAY + rng.random_range(8 * 3600..18 * 3600) * 1000
    }
}

struct TrainingRow {
    at: i64,
    user: u32,
    course: String,
    phase: usize,
    score: f64,
}

/// Baseline, final and (when it falls in the window) follow-up assessments.
pub fn training(ctx: &Context) -> Result<Table> {
    let mut rows: Vec<TrainingRow> = ctx
        .profiles
        .par_iter()
        .enumerate()
        .flat_map_iter(|(user, profile)| training_of(ctx, user, profile))
        .collect();
    rows.sort_by_key(|r| (r.at, r.user, r.phase));
    let mut users = Vec::with_capacity(rows.len());
    let mut courses = TextColumn::default();
    let mut assessments = Vec::with_capacity(rows.len());
    for r in &rows {
        users.push(r.user);
        courses.push(&r.course);
        assessments.push(r.phase as u32);
    }
    Table::for_contract(
        TableKind::Training,
        vec![
            (
                "user_id",
                Values::Coded {
                    words: ctx.org.user_ids().into(),
                    codes: users,
                },
            ),
            ("course", Values::Text(courses)),
            (
                "assessment",
                Values::Coded {
                    words: vec![
                        "baseline quiz".to_string(),
                        "final exam".to_string(),
                        "follow-up check".to_string(),
                    ]
                    .into(),
                    codes: assessments.clone(),
                },
            ),
            (
                "taken_at",
                Values::Timestamp(rows.iter().map(|r| r.at).collect()),
            ),
            (
                "score",
                Values::Float(rows.iter().map(|r| r.score).collect()),
            ),
            ("max_score", Values::Float(vec![100.0; rows.len()])),
            (
                "phase",
                Values::Coded {
                    words: PHASES
                        .words
                        .iter()
                        .map(|w| w.to_string())
                        .collect::<Vec<_>>()
                        .into(),
                    codes: assessments,
                },
            ),
        ],
    )
}

fn training_of(ctx: &Context, user: usize, profile: &Profile) -> Vec<TrainingRow> {
    let mut rng = rng_for(ctx.seed, Stream::Training, user as u64, 0);
    let person = &ctx.org.people[user];
    let takes_part = if person.persona == Persona::Dormant {
        0.3
    } else {
        0.95
    };
    if profile.hire_day > ctx.end_day || !rng.random_bool(takes_part) {
        return Vec::new();
    }
    let app = ctx.catalog.apps[ctx.org.departments[person.department].primary_app].name;
    let mut courses = vec![(format!("{app}-essentials"), 0.0)];
    if profile.advanced_course {
        courses.push((format!("{app}-advanced"), 12.0));
    }
    let final_share = if person.persona == Persona::NewHireFastRamp {
        0.75
    } else {
        0.6
    };
    let mut rows = Vec::new();
    for (course, harder) in courses {
        let start = if profile.hire_day > ctx.start_day - 150 {
            profile.hire_day + rng.random_range(7..45)
        } else {
            rng.random_range(ctx.start_day - 150..=ctx.end_day - 20)
        };
        let base = profile.baseline - harder;
        let final_day = start + rng.random_range(5..21);
        let follow_day = final_day + rng.random_range(80..100);
        let plan = [
            (start, 0.92, base),
            (final_day, 0.9, base + final_share * profile.improvement),
            (
                follow_day,
                0.8,
                base + profile.retention * profile.improvement,
            ),
        ];
        for (phase, (day, p, mean)) in plan.into_iter().enumerate() {
            let noise = normal(&mut rng) * 6.0;
            if day > ctx.end_day || !rng.random_bool(p) {
                continue;
            }
            let score = ((mean + noise).clamp(0.0, 100.0) * 10.0).round() / 10.0;
            rows.push(TrainingRow {
                at: Context::office_time(&mut rng, day),
                user: user as u32,
                course: course.clone(),
                phase,
                score,
            });
        }
    }
    rows
}

struct HelpRow {
    at: i64,
    helper: u32,
    /// `u32::MAX`: an open forum answer.
    helped: u32,
    channel: u32,
    topic: u32,
    resolved: bool,
}

/// Who helped whom, when, how and about what.
pub fn help(ctx: &Context) -> Result<Table> {
    let mut rows: Vec<HelpRow> = ctx
        .profiles
        .par_iter()
        .enumerate()
        .flat_map_iter(|(user, profile)| help_of(ctx, user, profile))
        .collect();
    rows.sort_by_key(|r| (r.at, r.helper, r.helped, r.topic));
    let mut ids: Vec<String> = ctx.org.user_ids();
    let open = ids.len() as u32;
    ids.push(String::new());
    let ids = std::sync::Arc::new(ids);
    Table::for_contract(
        TableKind::Help,
        vec![
            (
                "helper_id",
                Values::Coded {
                    words: ids.clone(),
                    codes: rows.iter().map(|r| r.helper).collect(),
                },
            ),
            (
                "helped_id",
                Values::Coded {
                    words: ids,
                    codes: rows.iter().map(|r| r.helped.min(open)).collect(),
                },
            ),
            (
                "timestamp",
                Values::Timestamp(rows.iter().map(|r| r.at).collect()),
            ),
            (
                "channel",
                Values::Coded {
                    words: CHANNELS
                        .iter()
                        .map(|(c, _)| c.to_string())
                        .collect::<Vec<_>>()
                        .into(),
                    codes: rows.iter().map(|r| r.channel).collect(),
                },
            ),
            (
                "topic",
                Values::Coded {
                    words: ctx
                        .catalog
                        .areas
                        .iter()
                        .map(|a| a.name.to_string())
                        .collect::<Vec<_>>()
                        .into(),
                    codes: rows.iter().map(|r| r.topic).collect(),
                },
            ),
            (
                "resolved",
                Values::Bool(rows.iter().map(|r| r.resolved).collect()),
            ),
        ],
    )
}

fn help_of(ctx: &Context, user: usize, profile: &Profile) -> Vec<HelpRow> {
    let mut rng = rng_for(ctx.seed, Stream::Help, user as u64, 0);
    let from = ctx.first_day(user);
    if from > ctx.end_day || profile.help_per_week <= 0.0 || profile.features.is_empty() {
        return Vec::new();
    }
    let weeks = (ctx.end_day - from + 1) as f64 / 7.0;
    let people = &ctx.org.people;
    let department = &ctx.org.departments[people[user].department].members;
    let n = poisson(&mut rng, profile.help_per_week * weeks);
    let mut rows = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let Some(day) = ctx.workday(&mut rng, from, ctx.end_day) else {
            break;
        };
        // A fast-ramping new hire helps more as they learn.
        if rng.random::<f64>() > profile.progress(day).powf(1.5) {
            continue;
        }
        let open_forum = people.len() < 2 || rng.random_bool(OPEN_FORUM_SHARE);
        let (helped, channel) = if open_forum {
            (u32::MAX, 2)
        } else {
            let weights: Vec<f64> = CHANNELS.iter().map(|(_, w)| *w).collect();
            let channel = pick_weighted(&mut rng, &weights) as u32;
            let cross = department.len() < 2 || rng.random_bool(profile.cross_dept);
            let mut helped = user;
            for _ in 0..8 {
                helped = if cross {
                    rng.random_range(0..people.len())
                } else {
                    department[rng.random_range(0..department.len())]
                };
                if helped != user {
                    break;
                }
            }
            if helped == user {
                helped = (user + 1) % people.len();
            }
            (helped as u32, channel)
        };
        let feature = profile.features[pick_cumulative(&mut rng, &profile.cum)];
        let topic = ctx.catalog.features[feature as usize].area as u32;
        let resolved = rng.random_bool((0.45 + 0.45 * profile.baseline / 100.0).clamp(0.0, 1.0));
        rows.push(HelpRow {
            at: Context::office_time(&mut rng, day),
            helper: user as u32,
            helped,
            channel,
            topic,
            resolved,
        });
    }
    rows
}

/// Ideas, bug reports, questions and other feedback.
pub fn feedback(ctx: &Context) -> Result<Table> {
    let mut rows: Vec<(i64, u32, u32)> = ctx
        .profiles
        .par_iter()
        .enumerate()
        .flat_map_iter(|(user, profile)| {
            let mut rng = rng_for(ctx.seed, Stream::Feedback, user as u64, 0);
            let from = ctx.first_day(user);
            let months = (ctx.end_day - from + 1).max(0) as f64 / 30.4;
            let n = poisson(&mut rng, profile.feedback_per_month * months);
            let mut rows = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let Some(day) = ctx.workday(&mut rng, from, ctx.end_day) else {
                    break;
                };
                let kind = pick_weighted(&mut rng, &profile.feedback_mix) as u32;
                rows.push((Context::office_time(&mut rng, day), user as u32, kind));
            }
            rows
        })
        .collect();
    rows.sort_unstable();
    Table::for_contract(
        TableKind::Feedback,
        vec![
            (
                "user_id",
                Values::Coded {
                    words: ctx.org.user_ids().into(),
                    codes: rows.iter().map(|r| r.1).collect(),
                },
            ),
            (
                "timestamp",
                Values::Timestamp(rows.iter().map(|r| r.0).collect()),
            ),
            (
                "kind",
                Values::Coded {
                    words: FEEDBACK_KINDS
                        .words
                        .iter()
                        .map(|w| w.to_string())
                        .collect::<Vec<_>>()
                        .into(),
                    codes: rows.iter().map(|r| r.2).collect(),
                },
            ),
        ],
    )
}
