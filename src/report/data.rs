//! Everything the report shows, read back from a run's output files as the analysis and the
//! privacy pass left them, so `adept report` and `adept run` render the same page.

use std::collections::BTreeMap;
use std::path::Path;

use crate::analysis::{Movement, Segment};
use crate::error::Result;
use crate::frames::OutputTable;
use crate::ingest::IngestSummary;
use crate::outputs::{
    ADOPTION_FILE, CANDIDATES_FILE, CLUSTERS_FILE, GROUP_FILE, HISTORY_FILE, Manifest,
    PROGRAMME_FILE, SEGMENT_TREND_FILE,
};

#[derive(Debug, Clone)]
pub struct Candidate {
    pub rank: u32,
    pub user: String,
    pub name: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    pub persona: Option<String>,
    /// Usage segment in the last week (None where not judged, or in a run before segments).
    pub segment: Option<String>,
    pub score: f64,
    pub explanation: String,
    /// The feature areas they lag their peers most in (None in a run from before plans).
    pub develop: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PersonaRow {
    pub name: String,
    /// None when withheld (below the minimum group size).
    pub size: Option<u64>,
    pub profile: Option<Vec<f64>>,
}

/// Adoption figures of the organisation, one department or the pooled small departments.
#[derive(Debug, Clone)]
pub struct Adoption {
    pub name: String,
    pub people: u64,
    pub candidates: u64,
    pub median_features: f64,
    pub median_shortcut_share: f64,
    pub share_helping: f64,
}

#[derive(Debug, Clone)]
pub struct ReportData {
    pub manifest: Manifest,
    pub ingest: IngestSummary,
    pub candidates: Vec<Candidate>,
    pub personas: Vec<PersonaRow>,
    pub dimensions: Vec<String>,
    pub organisation: Adoption,
    pub departments: Vec<Adoption>,
    /// Members of the proposed group, by rank (indices into `candidates`).
    pub group: Vec<usize>,
    /// area -> (user, features known), in the order proposed.
    pub presenters: BTreeMap<String, Vec<(String, u32)>>,
    pub min_group_size: usize,
    /// Movement across runs, when the run had earlier runs to compare with.
    pub history: Option<History>,
    /// Usage segments per week (None for a run from before segments).
    pub segments: Option<SegmentTrend>,
    /// The user-group programme (None for a run from before it).
    pub programme: Option<ProgrammeData>,
}

/// From `history.parquet`.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Dates of the runs compared, oldest first.
    pub dates: Vec<String>,
    /// figure -> value per date
    pub headline: BTreeMap<String, Vec<f64>>,
    /// (movement, user, score, change)
    pub people: Vec<(Movement, String, f64, Option<f64>)>,
    /// People per segment move since the previous run ("before -> now").
    pub segment_moves: BTreeMap<(Movement, String), u64>,
}

/// One session of the programme, from `programme.parquet`.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeSession {
    pub area: String,
    pub audience: u64,
    /// None where help topics, or which requests were resolved, were not recorded.
    pub help_requests: Option<u64>,
    pub unresolved_help: Option<u64>,
    /// Presenters as shown (pseudonym or name).
    pub presenters: Vec<String>,
    /// (department, people) of the audience, departments shown only.
    pub departments: Vec<(String, u64)>,
}

/// From `programme.parquet`: sessions in order, and the other pain points (topic, requests,
/// unresolved where known).
#[derive(Debug, Clone, Default)]
pub struct ProgrammeData {
    pub sessions: Vec<ProgrammeSession>,
    pub other_topics: Vec<(String, u64, Option<u64>)>,
}

/// From `segment_trend.parquet`: shares per segment, in `Segment::ALL` order.
#[derive(Debug, Clone, Default)]
pub struct SegmentTrend {
    /// First day of each week, oldest first.
    pub weeks: Vec<String>,
    /// The organisation's share per segment, per week.
    pub organisation: Vec<Vec<f64>>,
    /// People judged in the organisation, per week.
    pub judged: Vec<u64>,
    /// The last week per department group shown: (name, people judged, share per segment).
    pub departments: Vec<(String, u64, Vec<f64>)>,
}

fn or_nan(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

fn load_candidates(out: &Path) -> Result<Vec<Candidate>> {
    let c = OutputTable::read(out, CANDIDATES_FILE)?;
    let names = if c.has("display_name") {
        c.strings("display_name")?
    } else {
        vec![None; c.height()]
    };
    let optional = |name: &str| {
        if c.has(name) {
            c.strings(name)
        } else {
            Ok(vec![None; c.height()])
        }
    };
    let (segments, develop) = (optional("segment")?, optional("develop")?);
    let (ranks, users, departments, roles, personas, scores, explanations) = (
        c.floats("rank")?,
        c.strings("user_id")?,
        c.strings("department")?,
        c.strings("role")?,
        c.strings("persona")?,
        c.floats("score")?,
        c.strings("explanation")?,
    );
    Ok((0..c.height())
        .map(|i| Candidate {
            rank: ranks[i].unwrap_or(0.0) as u32,
            user: users[i].clone().unwrap_or_default(),
            name: names[i].clone(),
            department: departments[i].clone(),
            role: roles[i].clone(),
            persona: personas[i].clone(),
            segment: segments[i].clone(),
            score: or_nan(scores[i]),
            explanation: explanations[i].clone().unwrap_or_default(),
            develop: develop[i].clone(),
        })
        .collect())
}

fn load_personas(out: &Path) -> Result<(Vec<PersonaRow>, Vec<String>)> {
    let k = OutputTable::read(out, CLUSTERS_FILE)?;
    let dimensions: Vec<String> = k
        .frame
        .get_column_names()
        .iter()
        .filter_map(|n| n.strip_prefix("centroid_").map(str::to_string))
        .collect();
    let (sizes, names) = (k.floats("size")?, k.strings("persona")?);
    let centroid: Vec<Vec<Option<f64>>> = dimensions
        .iter()
        .map(|d| k.floats(&format!("centroid_{d}")))
        .collect::<Result<_>>()?;
    let personas = (0..k.height())
        .map(|i| {
            let size = sizes[i].map(|s| s as u64);
            PersonaRow {
                name: names[i].clone().unwrap_or_default(),
                size,
                profile: size.map(|_| centroid.iter().map(|col| or_nan(col[i])).collect()),
            }
        })
        .collect();
    Ok((personas, dimensions))
}

/// The organisation's row and the departments' rows of `adoption.parquet`.
fn load_adoption(out: &Path) -> Result<(Adoption, Vec<Adoption>)> {
    let a = OutputTable::read(out, ADOPTION_FILE)?;
    let (scopes, names, people, candidates) = (
        a.strings("scope")?,
        a.strings("department")?,
        a.floats("people")?,
        a.floats("candidates")?,
    );
    let (features, shortcuts, helping) = (
        a.floats("median_features")?,
        a.floats("median_shortcut_share")?,
        a.floats("share_helping")?,
    );
    let mut organisation = None;
    let mut departments = Vec::new();
    for i in 0..a.height() {
        let row = Adoption {
            name: names[i].clone().unwrap_or_default(),
            people: people[i].unwrap_or(0.0) as u64,
            candidates: candidates[i].unwrap_or(0.0) as u64,
            median_features: or_nan(features[i]),
            median_shortcut_share: or_nan(shortcuts[i]),
            share_helping: or_nan(helping[i]),
        };
        match scopes[i].as_deref() {
            Some("organisation") => organisation = Some(row),
            _ => departments.push(row),
        }
    }
    let organisation = organisation.ok_or_else(|| a.error("scope", "no `organisation` row"))?;
    Ok((organisation, departments))
}

/// The proposed group's members (as indices into `candidates`) and presenters per area.
type Group = (Vec<usize>, BTreeMap<String, Vec<(String, u32)>>);

fn load_group(out: &Path, candidates: &[Candidate]) -> Result<Group> {
    let g = OutputTable::read(out, GROUP_FILE)?;
    let (seats, areas, users, known) = (
        g.strings("seat")?,
        g.strings("area")?,
        g.strings("user_id")?,
        g.floats("features_known")?,
    );
    let mut members = Vec::new();
    let mut presenters: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    for i in 0..g.height() {
        let user = users[i].clone().unwrap_or_default();
        match (seats[i].as_deref(), &areas[i]) {
            (Some("member"), _) => {
                members.extend(candidates.iter().position(|c| c.user == user));
            }
            (Some("presenter"), Some(area)) => presenters
                .entry(area.clone())
                .or_default()
                .push((user, known[i].unwrap_or(0.0) as u32)),
            _ => {
                let message = format!("unexpected row {i}: a seat and, for presenters, an area");
                return Err(g.error("seat", message));
            }
        }
    }
    Ok((members, presenters))
}

fn load_history(out: &Path) -> Result<Option<History>> {
    if !out.join(HISTORY_FILE).exists() {
        return Ok(None);
    }
    let h = OutputTable::read(out, HISTORY_FILE)?;
    let (kinds, dates, figures, users) = (
        h.strings("kind")?,
        h.strings("as_of")?,
        h.strings("figure")?,
        h.strings("user_id")?,
    );
    let (values, changes) = (h.floats("value")?, h.floats("change")?);
    let mut history = History::default();
    let headline = |i: usize| kinds[i].as_deref() == Some("headline");
    for i in (0..h.height()).filter(|&i| headline(i)) {
        let date = dates[i].clone().unwrap_or_default();
        if !history.dates.contains(&date) {
            history.dates.push(date);
        }
    }
    history.dates.sort();
    for i in 0..h.height() {
        if headline(i) {
            let position = history
                .dates
                .iter()
                .position(|d| Some(d) == dates[i].as_ref());
            let row = history
                .headline
                .entry(figures[i].clone().unwrap_or_default())
                .or_insert_with(|| vec![f64::NAN; history.dates.len()]);
            if let Some(p) = position {
                row[p] = or_nan(values[i]);
            }
            continue;
        }
        let kind = kinds[i].as_deref().unwrap_or("null");
        let movement = Movement::from_name(kind)
            .ok_or_else(|| h.error("kind", format!("unexpected value `{kind}`")))?;
        if matches!(movement, Movement::SegmentUp | Movement::SegmentDown) {
            let change = figures[i].clone().unwrap_or_default();
            *history.segment_moves.entry((movement, change)).or_default() += 1;
            continue;
        }
        history.people.push((
            movement,
            users[i].clone().unwrap_or_default(),
            or_nan(values[i]),
            changes[i],
        ));
    }
    Ok(Some(history))
}

fn load_programme(out: &Path) -> Result<Option<ProgrammeData>> {
    if !out.join(PROGRAMME_FILE).exists() {
        return Ok(None);
    }
    let t = OutputTable::read(out, PROGRAMME_FILE)?;
    let (kinds, areas, users, departments, topics) = (
        t.strings("kind")?,
        t.strings("area")?,
        t.strings("user_id")?,
        t.strings("department")?,
        t.strings("topic")?,
    );
    let names = if t.has("display_name") {
        t.strings("display_name")?
    } else {
        vec![None; t.height()]
    };
    let (people, requests, unresolved) = (
        t.floats("people")?,
        t.floats("help_requests")?,
        t.floats("unresolved_help")?,
    );
    let n = |v: &Option<f64>| v.unwrap_or(0.0) as u64;
    let mut data = ProgrammeData::default();
    for i in 0..t.height() {
        let session = data.sessions.last_mut();
        match (kinds[i].as_deref(), session) {
            (Some("session"), _) => data.sessions.push(ProgrammeSession {
                area: areas[i].clone().unwrap_or_default(),
                audience: n(&people[i]),
                help_requests: requests[i].map(|r| r as u64),
                unresolved_help: unresolved[i].map(|u| u as u64),
                ..Default::default()
            }),
            (Some("presenter"), Some(s)) => s
                .presenters
                .push(names[i].clone().or(users[i].clone()).unwrap_or_default()),
            (Some("audience"), Some(s)) => s
                .departments
                .push((departments[i].clone().unwrap_or_default(), n(&people[i]))),
            (Some("pain_point"), _) => data.other_topics.push((
                topics[i].clone().unwrap_or_default(),
                n(&requests[i]),
                unresolved[i].map(|u| u as u64),
            )),
            (kind, _) => {
                return Err(t.error(
                    "kind",
                    format!("unexpected value `{}`", kind.unwrap_or("null")),
                ));
            }
        }
    }
    Ok(Some(data))
}

fn load_segments(out: &Path) -> Result<Option<SegmentTrend>> {
    if !out.join(SEGMENT_TREND_FILE).exists() {
        return Ok(None);
    }
    let t = OutputTable::read(out, SEGMENT_TREND_FILE)?;
    let (weeks, scopes, departments, segments) = (
        t.strings("week_start")?,
        t.strings("scope")?,
        t.strings("department")?,
        t.strings("segment")?,
    );
    let (shares, judged) = (t.floats("share")?, t.floats("judged")?);
    let mut trend = SegmentTrend::default();
    let mut all: Vec<String> = weeks.iter().flatten().cloned().collect();
    all.sort();
    all.dedup();
    let last = all.last().cloned();
    trend.organisation = vec![vec![f64::NAN; all.len()]; Segment::ALL.len()];
    trend.judged = vec![0; all.len()];
    for i in 0..t.height() {
        let name = segments[i].as_deref().unwrap_or("null");
        let segment = Segment::from_name(name)
            .ok_or_else(|| t.error("segment", format!("unexpected value `{name}`")))?;
        let s = Segment::ALL.iter().position(|x| *x == segment).unwrap_or(0);
        let Some(w) = all.iter().position(|x| Some(x) == weeks[i].as_ref()) else {
            continue;
        };
        let share = or_nan(shares[i]);
        if scopes[i].as_deref() == Some("organisation") {
            trend.organisation[s][w] = share;
            trend.judged[w] = judged[i].unwrap_or(0.0) as u64;
        } else if weeks[i] == last {
            let department = departments[i].clone().unwrap_or_default();
            if trend.departments.last().is_none_or(|d| d.0 != department) {
                let n = judged[i].unwrap_or(0.0) as u64;
                trend
                    .departments
                    .push((department, n, vec![0.0; Segment::ALL.len()]));
            }
            if let Some(d) = trend.departments.last_mut() {
                d.2[s] = share;
            }
        }
    }
    trend.weeks = all;
    Ok(Some(trend))
}

impl ReportData {
    pub fn load(out: &Path, manifest: Manifest) -> Result<ReportData> {
        let ingest: IngestSummary =
            serde_json::from_value(manifest.ingest.clone()).unwrap_or_default();
        let candidates = load_candidates(out)?;
        let (personas, dimensions) = load_personas(out)?;
        let (organisation, departments) = load_adoption(out)?;
        let (group, presenters) = load_group(out, &candidates)?;
        Ok(ReportData {
            ingest,
            candidates,
            personas,
            dimensions,
            organisation,
            departments,
            group,
            presenters,
            min_group_size: manifest.config.privacy.min_group_size,
            history: load_history(out)?,
            segments: load_segments(out)?,
            programme: load_programme(out)?,
            manifest,
        })
    }
}
