//! The run's Parquet tables, built from the analysis and the privacy pass and written as they
//! are: features, scores, candidates, personas, area experts, adoption, the proposed group,
//! usage segments and their trend, and the rejects ledger.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::analysis::{
    Analysis, DepartmentGroup, Lifecycle, Recommendation, Segment, Session, TrendRow, plan_text,
};
use crate::atomic;
use crate::error::Result;
use crate::features::FeatureTable;
use crate::privacy::{PrivacySettings, Published};
use crate::score::ScoreTable;

pub const FEATURES_FILE: &str = "features.parquet";
pub const SCORES_FILE: &str = "scores.parquet";
pub const CANDIDATES_FILE: &str = "candidates.parquet";
pub const CLUSTERS_FILE: &str = "clusters.parquet";
pub const AREA_EXPERTS_FILE: &str = "area_experts.parquet";
pub const ADOPTION_FILE: &str = "adoption.parquet";
pub const GROUP_FILE: &str = "power_user_group.parquet";
pub const RECOMMENDATIONS_FILE: &str = "recommendations.parquet";
pub const PROGRAMME_FILE: &str = "programme.parquet";
pub const SEGMENTS_FILE: &str = "segments.parquet";
pub const SEGMENT_TREND_FILE: &str = "segment_trend.parquet";
pub const REJECTS_FILE: &str = "rejects.parquet";
pub const REPORT_FILE: &str = "report.html";
pub const MANIFEST_FILE: &str = "manifest.json";

/// A finite value, or null.
fn finite(v: f64) -> Option<f64> {
    Some(v).filter(|x| x.is_finite())
}

fn text_column<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<_>>())
}

/// `features.parquet`: the feature table, with published ids and group labels.
fn features_frame(features: &FeatureTable, published: &Published) -> Result<DataFrame> {
    let mut frame = features.to_frame()?;
    let people = &published.people;
    frame.replace(
        "user_id",
        text_column("user_id", people.iter().map(|p| Some(p.id.as_str()))),
    )?;
    frame.replace(
        "department",
        text_column("department", people.iter().map(|p| p.department.as_deref())),
    )?;
    frame.replace(
        "role",
        text_column("role", people.iter().map(|p| p.role.as_deref())),
    )?;
    Ok(frame)
}

/// `scores.parquet`: the score table with published ids, each person's persona and cluster.
fn scores_frame(
    features: &FeatureTable,
    scores: &ScoreTable,
    analysis: &Analysis,
    published: &Published,
) -> Result<DataFrame> {
    let mut frame = scores.to_frame()?;
    let mut plans: Vec<Option<String>> = vec![None; scores.users.len()];
    for (person, gaps) in &analysis.development {
        plans[*person] = plan_text(features, gaps);
    }
    frame.with_column(text_column("develop", plans.iter().map(Option::as_deref)))?;
    let people = &published.people;
    frame.replace(
        "user_id",
        text_column("user_id", people.iter().map(|p| Some(p.id.as_str()))),
    )?;
    frame.insert_column(
        4,
        text_column("persona", people.iter().map(|p| p.persona.as_deref())),
    )?;
    frame.insert_column(
        5,
        Column::new(
            "cluster".into(),
            people.iter().map(|p| p.cluster).collect::<Vec<_>>(),
        ),
    )?;
    Ok(frame)
}

/// `candidates.parquet`: the shortlist, best first, with what a person reading it needs.
fn candidates_frame(
    features: &FeatureTable,
    scores: &ScoreTable,
    analysis: &Analysis,
    published: &Published,
    show_names: bool,
) -> Result<DataFrame> {
    let rows = &analysis.candidates;
    let plans: Vec<Option<String>> = rows
        .iter()
        .map(|c| {
            let gaps = analysis.development.iter().find(|d| d.0 == c.person)?;
            plan_text(features, &gaps.1)
        })
        .collect();
    let p = |i: usize| &published.people[rows[i].person];
    let s = |i: usize| &scores.users[rows[i].person];
    let n = rows.len();
    let mut columns = vec![
        Column::new(
            "rank".into(),
            rows.iter().map(|c| Some(c.rank)).collect::<Vec<_>>(),
        ),
        text_column("user_id", (0..n).map(|i| Some(p(i).id.as_str()))),
    ];
    if show_names {
        columns.push(text_column(
            "display_name",
            (0..n).map(|i| p(i).name.as_deref()),
        ));
    }
    columns.extend([
        text_column("department", (0..n).map(|i| p(i).department.as_deref())),
        text_column("role", (0..n).map(|i| p(i).role.as_deref())),
        text_column("persona", (0..n).map(|i| p(i).persona.as_deref())),
        text_column(
            "segment",
            (0..n).map(|i| analysis.segments.current(rows[i].person).map(Segment::name)),
        ),
        Column::new(
            "score".into(),
            (0..n).map(|i| s(i).score).collect::<Vec<_>>(),
        ),
        text_column(
            "explanation",
            (0..n).map(|i| Some(s(i).explanation.as_str())),
        ),
        text_column("develop", plans.iter().map(Option::as_deref)),
    ]);
    Ok(DataFrame::new(n, columns)?)
}

/// `clusters.parquet`: persona id, name, size, mean score and the centroid per dimension; the
/// name and figures of a persona under the minimum group size are withheld.
pub fn clusters_frame(published: &Published) -> Result<DataFrame> {
    let p = &published.personas;
    let mut columns = vec![
        Column::new("cluster".into(), p.iter().map(|c| c.id).collect::<Vec<_>>()),
        text_column("persona", p.iter().map(|c| c.name.as_deref())),
        Column::new("size".into(), p.iter().map(|c| c.size).collect::<Vec<_>>()),
        Column::new(
            "mean_score".into(),
            p.iter().map(|c| c.mean_score).collect::<Vec<_>>(),
        ),
    ];
    for (d, name) in published.dimensions.iter().enumerate() {
        columns.push(Column::new(
            format!("centroid_{name}").into(),
            p.iter()
                .map(|c| c.centroid.as_ref().map(|v| v[d]))
                .collect::<Vec<_>>(),
        ));
    }
    Ok(DataFrame::new(p.len(), columns)?)
}

/// `area_experts.parquet`: per feature area, who knows most of it, with their tier.
fn area_experts_frame(
    features: &FeatureTable,
    analysis: &Analysis,
    published: &Published,
) -> Result<DataFrame> {
    let e = &analysis.area_experts;
    Ok(DataFrame::new(
        e.len(),
        vec![
            text_column(
                "area",
                e.iter().map(|x| Some(features.areas[x.area].as_str())),
            ),
            text_column(
                "user_id",
                e.iter()
                    .map(|x| Some(published.people[x.person].id.as_str())),
            ),
            Column::new(
                "place".into(),
                e.iter().map(|x| x.place).collect::<Vec<_>>(),
            ),
            Column::new(
                "features_known".into(),
                e.iter().map(|x| x.features_known).collect::<Vec<_>>(),
            ),
            text_column("tier", e.iter().map(|x| Some(x.tier.name()))),
        ],
    )?)
}

/// `adoption.parquet`: the organisation, then each department shown (and the pool of small
/// ones): people scored, candidates, features known and shortcut share of the median person,
/// and the share who helped a colleague.
fn adoption_frame(published: &Published) -> Result<DataFrame> {
    let mut rows = vec![("organisation", None, published.headline.figures)];
    for d in &published.departments {
        let kind = match d.group {
            DepartmentGroup::Department(_) => "department",
            DepartmentGroup::Pooled(_) => "pooled",
        };
        rows.push((kind, Some(d.group.label()), d.figures));
    }
    Ok(DataFrame::new(
        rows.len(),
        vec![
            text_column("scope", rows.iter().map(|r| Some(r.0))),
            text_column("department", rows.iter().map(|r| r.1.as_deref())),
            Column::new(
                "people".into(),
                rows.iter().map(|r| r.2.people).collect::<Vec<_>>(),
            ),
            Column::new(
                "candidates".into(),
                rows.iter().map(|r| r.2.candidates).collect::<Vec<_>>(),
            ),
            Column::new(
                "median_features".into(),
                rows.iter()
                    .map(|r| finite(r.2.median_features))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "median_shortcut_share".into(),
                rows.iter()
                    .map(|r| finite(r.2.median_shortcut_share))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "share_helping".into(),
                rows.iter()
                    .map(|r| finite(r.2.share_helping))
                    .collect::<Vec<_>>(),
            ),
        ],
    )?)
}

/// `power_user_group.parquet`: the proposed members by rank, then per area the candidates who
/// could present it.
fn group_frame(analysis: &Analysis, published: &Published) -> Result<DataFrame> {
    let g = &analysis.group;
    let id = |person: usize| published.people[person].id.clone();
    let mut seat = vec!["member"; g.members.len()];
    let mut area: Vec<Option<String>> = vec![None; g.members.len()];
    let mut place: Vec<u32> = (1..=g.members.len() as u32).collect();
    let mut user: Vec<String> = g.members.iter().map(|m| id(m.person)).collect();
    let mut known: Vec<Option<u32>> = vec![None; g.members.len()];
    for (i, p) in g.presenters.iter().enumerate() {
        let first_of_area = i == 0 || g.presenters[i - 1].area != p.area;
        let next = if first_of_area {
            1
        } else {
            place[place.len() - 1] + 1
        };
        seat.push("presenter");
        area.push(Some(p.area.clone()));
        place.push(next);
        user.push(id(p.person));
        known.push(Some(p.features_known));
    }
    Ok(DataFrame::new(
        seat.len(),
        vec![
            Column::new("seat".into(), seat),
            Column::new("area".into(), area),
            Column::new("place".into(), place),
            Column::new("user_id".into(), user),
            Column::new("features_known".into(), known),
        ],
    )?)
}

/// Writes the rejects ledger as the privacy pass left it.
pub fn write_rejects(out: &Path, ledger: &mut DataFrame) -> Result<PathBuf> {
    let path = out.join(REJECTS_FILE);
    atomic::write_parquet(ledger, &path)?;
    Ok(path)
}

/// `segments.parquet`: one row per person and trend week: uses, the weeks judged on, segment
/// and lifecycle (null where not judged).
fn segments_frame(
    analysis: &Analysis,
    published: &Published,
    show_names: bool,
) -> Result<DataFrame> {
    let seg = &analysis.segments;
    let rows: Vec<(usize, usize)> = (0..seg.people.len())
        .flat_map(|person| (0..seg.weeks.len()).map(move |week| (person, week)))
        .collect();
    let p = |r: &(usize, usize)| &published.people[r.0];
    let w = |r: &(usize, usize)| seg.people[r.0][r.1];
    let mut columns = vec![text_column(
        "user_id",
        rows.iter().map(|r| Some(p(r).id.as_str())),
    )];
    if show_names {
        columns.push(text_column(
            "display_name",
            rows.iter().map(|r| p(r).name.as_deref()),
        ));
    }
    columns.extend([
        text_column(
            "department",
            rows.iter().map(|r| p(r).department.as_deref()),
        ),
        Column::new(
            "week_start".into(),
            rows.iter().map(|r| seg.weeks[r.1]).collect::<Vec<_>>(),
        ),
        Column::new(
            "uses".into(),
            rows.iter().map(|r| w(r).uses).collect::<Vec<_>>(),
        ),
        Column::new(
            "weeks_judged".into(),
            rows.iter().map(|r| w(r).weeks_judged).collect::<Vec<_>>(),
        ),
        text_column(
            "segment",
            rows.iter().map(|r| w(r).segment.map(Segment::name)),
        ),
        text_column(
            "lifecycle",
            rows.iter().map(|r| w(r).lifecycle.map(Lifecycle::name)),
        ),
    ]);
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// `segment_trend.parquet`: people per segment per week, for the organisation, each department
/// shown and the pool of small ones (groups with fewer people judged than the minimum withheld).
fn segment_trend_frame(analysis: &Analysis, published: &Published) -> Result<DataFrame> {
    let rows = &published.segment_trend;
    let scope = |r: &TrendRow| match &r.group {
        None => "organisation",
        Some(DepartmentGroup::Department(_)) => "department",
        Some(DepartmentGroup::Pooled(_)) => "pooled",
    };
    let weeks = &analysis.segments.weeks;
    let labels: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.group.as_ref().map(DepartmentGroup::label))
        .collect();
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "week_start".into(),
                rows.iter().map(|r| weeks[r.week]).collect::<Vec<_>>(),
            ),
            text_column("scope", rows.iter().map(|r| Some(scope(r)))),
            text_column("department", labels.iter().map(Option::as_deref)),
            text_column("segment", rows.iter().map(|r| Some(r.segment.name()))),
            Column::new(
                "people".into(),
                rows.iter().map(|r| r.people).collect::<Vec<_>>(),
            ),
            Column::new(
                "share".into(),
                rows.iter().map(|r| r.share).collect::<Vec<_>>(),
            ),
            Column::new(
                "judged".into(),
                rows.iter().map(|r| r.judged).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

/// `recommendations.parquet`: per person, the next features to learn, best first, with why.
fn recommendations_frame(
    features: &FeatureTable,
    analysis: &Analysis,
    published: &Published,
    settings: &PrivacySettings,
) -> Result<DataFrame> {
    let rows = &analysis.recommendations;
    let p = |r: &Recommendation| &published.people[r.person];
    let f = |r: &Recommendation| &features.features[r.feature as usize];
    let whys: Vec<String> = rows
        .iter()
        .map(|r| r.why(features, settings.min_group_size))
        .collect();
    let mut columns = vec![text_column(
        "user_id",
        rows.iter().map(|r| Some(p(r).id.as_str())),
    )];
    if settings.show_names {
        columns.push(text_column(
            "display_name",
            rows.iter().map(|r| p(r).name.as_deref()),
        ));
    }
    columns.extend([
        Column::new(
            "rank".into(),
            rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
        ),
        text_column("feature", rows.iter().map(|r| Some(f(r).name.as_str()))),
        text_column(
            "area",
            rows.iter()
                .map(|r| features.areas.get(f(r).area).map(String::as_str)),
        ),
        text_column("level", rows.iter().map(|r| f(r).level.as_deref())),
        Column::new(
            "score".into(),
            rows.iter().map(|r| r.score).collect::<Vec<_>>(),
        ),
        text_column("why", whys.iter().map(|w| Some(w.as_str()))),
    ]);
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// The pain point of questions filed as feedback, which have no topic.
pub const FEEDBACK_QUESTIONS: &str = "(questions filed as feedback, without a topic)";

/// One row of `programme.parquet`.
#[derive(Default)]
struct ProgrammeRow {
    kind: &'static str,
    session: Option<u32>,
    area: Option<String>,
    user_id: Option<String>,
    name: Option<String>,
    department: Option<String>,
    people: Option<u64>,
    requests: Option<u64>,
    unresolved: Option<u64>,
    topic: Option<String>,
}

/// The rows of one session: itself, its presenters, its audience per department (a department
/// with fewer of them than the minimum group size left out), its help topic.
fn session_rows(
    i: usize,
    session: &Session,
    features: &FeatureTable,
    published: &Published,
    settings: &PrivacySettings,
) -> Vec<ProgrammeRow> {
    let area = || Some(features.areas[session.area].clone());
    let number = Some(i as u32 + 1);
    let mut rows = vec![ProgrammeRow {
        kind: "session",
        session: number,
        area: area(),
        people: Some(session.audience.len() as u64),
        requests: session.help_requests,
        unresolved: session.unresolved_help,
        ..Default::default()
    }];
    for p in &session.presenters {
        let person = &published.people[*p];
        rows.push(ProgrammeRow {
            kind: "presenter",
            session: number,
            area: area(),
            user_id: Some(person.id.clone()),
            name: person.name.clone(),
            department: person.department.clone(),
            ..Default::default()
        });
    }
    let mut by_department: BTreeMap<Option<String>, u64> = BTreeMap::new();
    for p in &session.audience {
        *by_department
            .entry(published.people[*p].department.clone())
            .or_default() += 1;
    }
    for (department, people) in by_department {
        if department.is_some() && settings.shows_group_of(people) {
            rows.push(ProgrammeRow {
                kind: "audience",
                session: number,
                area: area(),
                department,
                people: Some(people),
                ..Default::default()
            });
        }
    }
    rows
}

/// `programme.parquet`: the user-group programme, session by session (see `session_rows`),
/// then the help topics that name no feature area and the questions filed as feedback
/// (`kind = pain_point`).
fn programme_frame(
    features: &FeatureTable,
    analysis: &Analysis,
    published: &Published,
    settings: &PrivacySettings,
) -> Result<DataFrame> {
    let programme = &analysis.programme;
    let mut rows: Vec<ProgrammeRow> = programme
        .sessions
        .iter()
        .enumerate()
        .flat_map(|(i, s)| session_rows(i, s, features, published, settings))
        .collect();
    let resolution_recorded = features
        .help_topics
        .as_ref()
        .is_some_and(|h| h.resolution_recorded);
    rows.extend(programme.other_topics.iter().map(|t| ProgrammeRow {
        kind: "pain_point",
        topic: Some(t.topic.clone()),
        requests: Some(t.requests),
        unresolved: resolution_recorded.then_some(t.unresolved),
        ..Default::default()
    }));
    // Questions filed as feedback: the feedback table has no topic, so they go to no session.
    if let Some(questions) = features.feedback_questions.filter(|n| *n > 0) {
        rows.push(ProgrammeRow {
            kind: "pain_point",
            topic: Some(FEEDBACK_QUESTIONS.to_string()),
            requests: Some(questions),
            ..Default::default()
        });
    }
    let text = |name: &str, f: &dyn Fn(&ProgrammeRow) -> Option<&str>| {
        text_column(name, rows.iter().map(f))
    };
    let count = |name: &str, f: &dyn Fn(&ProgrammeRow) -> Option<u64>| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let mut columns = vec![
        text("kind", &|r| Some(r.kind)),
        Column::new(
            "session".into(),
            rows.iter().map(|r| r.session).collect::<Vec<_>>(),
        ),
        text("area", &|r| r.area.as_deref()),
        text("user_id", &|r| r.user_id.as_deref()),
    ];
    if settings.show_names {
        columns.push(text("display_name", &|r| r.name.as_deref()));
    }
    columns.extend([
        text("department", &|r| r.department.as_deref()),
        count("people", &|r| r.people),
        count("help_requests", &|r| r.requests),
        count("unresolved_help", &|r| r.unresolved),
        text("topic", &|r| r.topic.as_deref()),
    ]);
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Writes features, scores, candidates, personas, area experts, adoption and the proposed group.
pub fn write_tables(
    out: &Path,
    features: &FeatureTable,
    scores: &ScoreTable,
    analysis: &Analysis,
    published: &Published,
    settings: &PrivacySettings,
) -> Result<Vec<PathBuf>> {
    let show_names = settings.show_names;
    let mut written = Vec::new();
    for (name, mut frame) in [
        (FEATURES_FILE, features_frame(features, published)?),
        (
            SCORES_FILE,
            scores_frame(features, scores, analysis, published)?,
        ),
        (
            CANDIDATES_FILE,
            candidates_frame(features, scores, analysis, published, show_names)?,
        ),
        (CLUSTERS_FILE, clusters_frame(published)?),
        (
            AREA_EXPERTS_FILE,
            area_experts_frame(features, analysis, published)?,
        ),
        (ADOPTION_FILE, adoption_frame(published)?),
        (GROUP_FILE, group_frame(analysis, published)?),
        (
            SEGMENTS_FILE,
            segments_frame(analysis, published, show_names)?,
        ),
        (
            SEGMENT_TREND_FILE,
            segment_trend_frame(analysis, published)?,
        ),
        (
            RECOMMENDATIONS_FILE,
            recommendations_frame(features, analysis, published, settings)?,
        ),
        (
            PROGRAMME_FILE,
            programme_frame(features, analysis, published, settings)?,
        ),
    ] {
        let path = out.join(name);
        atomic::write_parquet(&mut frame, &path)?;
        written.push(path);
    }
    Ok(written)
}
