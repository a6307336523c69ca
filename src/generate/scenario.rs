//! Scenarios that break the circle between the generator and the scorer. *Robustness* scenarios
//! keep the planted definition of a power user but take evidence away or add noise; *definition*
//! scenarios change what makes a power user, which no unsupervised default can know. Each is
//! applied to a generated organisation's Parquet tables after they are written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::frames::{float_column, text_column};

/// Share of labels flipped by [`Scenario::LabelNoise`].
pub const LABEL_NOISE: f64 = 0.10;

/// What a generated organisation is changed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// As planted.
    Planted,
    /// Events carry no trigger: no evidence of shortcut use.
    NoTriggers,
    /// No help table.
    NoHelp,
    /// Feedback rows belong to people drawn at random: pure noise.
    NoisyFeedback,
    /// A tenth of the labels in `truth.csv` are wrong.
    LabelNoise,
    /// The feature each use was logged under is unreliable: every event carries the feature
    /// (and application) of an event drawn at random, so which features someone used says only
    /// how much they did. A heavily weighted signal carries no information about expertise.
    FeatureNoise,
    /// A thin export, as real ones often are: no trigger logging, no help or feedback table, no
    /// catalog, and features logged as unreliably as in [`Scenario::FeatureNoise`]. What is left
    /// with information is how consistently people work and how they did in training.
    ThinExport,
    /// Power users are whoever did best in training assessments (mean percentage).
    TrainersDecide,
    /// Power users are whoever helped the most distinct colleagues.
    HelpDecides,
}

impl Scenario {
    pub const ALL: [Scenario; 9] = [
        Scenario::Planted,
        Scenario::NoTriggers,
        Scenario::NoHelp,
        Scenario::NoisyFeedback,
        Scenario::LabelNoise,
        Scenario::FeatureNoise,
        Scenario::ThinExport,
        Scenario::TrainersDecide,
        Scenario::HelpDecides,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Planted => "planted",
            Scenario::NoTriggers => "no-triggers",
            Scenario::NoHelp => "no-help",
            Scenario::NoisyFeedback => "noisy-feedback",
            Scenario::LabelNoise => "label-noise",
            Scenario::FeatureNoise => "feature-noise",
            Scenario::ThinExport => "thin-export",
            Scenario::TrainersDecide => "trainers-decide",
            Scenario::HelpDecides => "help-decides",
        }
    }

    /// Whether the scenario keeps the planted definition of a power user.
    pub fn is_robustness(self) -> bool {
        !matches!(self, Scenario::TrainersDecide | Scenario::HelpDecides)
    }
}

fn read(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::unreadable(path, e))
}

fn write(path: &Path, frame: &mut DataFrame) -> Result<()> {
    crate::atomic::write_parquet(frame, path)
}

/// Applies `scenario` to the Parquet tables and `truth.csv` in `dir`, with draws from `seed`.
pub fn apply(scenario: Scenario, dir: &Path, seed: u64) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ce7_a810);
    match scenario {
        Scenario::Planted => Ok(()),
        Scenario::NoTriggers => no_triggers(dir),
        Scenario::NoHelp => remove(dir, "help.parquet"),
        Scenario::NoisyFeedback => noisy_feedback(dir, &mut rng),
        Scenario::LabelNoise => {
            let truth = read_truth(dir)?;
            let flipped = truth
                .into_iter()
                .map(|(id, label)| {
                    let flip = rng.random::<f64>() < LABEL_NOISE;
                    (id, label != flip)
                })
                .collect();
            write_truth(dir, &flipped)
        }
        Scenario::FeatureNoise => feature_noise(dir, &mut rng),
        Scenario::ThinExport => {
            no_triggers(dir)?;
            for table in ["help.parquet", "feedback.parquet", "catalog.parquet"] {
                remove(dir, table)?;
            }
            feature_noise(dir, &mut rng)
        }
        Scenario::TrainersDecide => redefine(dir, training_level(dir)?),
        Scenario::HelpDecides => redefine(dir, people_helped(dir)?),
    }
}

fn no_triggers(dir: &Path) -> Result<()> {
    let path = dir.join("events.parquet");
    let mut events = read(&path)?.drop("trigger")?;
    write(&path, &mut events)
}

fn remove(dir: &Path, table: &str) -> Result<()> {
    let path = dir.join(table);
    std::fs::remove_file(&path).map_err(|e| Error::output(path, e))
}

fn noisy_feedback(dir: &Path, rng: &mut ChaCha8Rng) -> Result<()> {
    let path = dir.join("feedback.parquet");
    let mut feedback = read(&path)?;
    let people: Vec<String> = read_truth(dir)?.into_keys().collect();
    let ids: Vec<&str> = (0..feedback.height())
        .map(|_| people[rng.random_range(0..people.len())].as_str())
        .collect();
    feedback.replace("user_id", Column::new("user_id".into(), ids))?;
    write(&path, &mut feedback)
}

fn feature_noise(dir: &Path, rng: &mut ChaCha8Rng) -> Result<()> {
    let path = dir.join("events.parquet");
    let mut events = read(&path)?;
    let n = events.height();
    let drawn: Vec<IdxSize> = (0..n).map(|_| rng.random_range(0..n) as IdxSize).collect();
    let drawn = IdxCa::from_vec("drawn".into(), drawn);
    for name in ["feature", "app"] {
        let column = events.column(name)?.take(&drawn)?;
        events.replace(name, column)?;
    }
    write(&path, &mut events)
}

/// `truth.csv` as id -> is power user.
fn read_truth(dir: &Path) -> Result<BTreeMap<String, bool>> {
    Ok(read_truth_rows(dir)?
        .into_iter()
        .map(|(id, label, _)| (id, label))
        .collect())
}

/// `truth.csv` rows: id, is power user, planted persona.
fn read_truth_rows(dir: &Path) -> Result<Vec<(String, bool, String)>> {
    let path = dir.join("truth.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::unreadable(&path, e))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                f.first()?.to_string(),
                *f.get(1)? == "true",
                f.get(2)?.to_string(),
            ))
        })
        .collect())
}

/// Rewrites the labels of `truth.csv`, keeping each person's planted persona.
fn write_truth(dir: &Path, labels: &BTreeMap<String, bool>) -> Result<()> {
    let mut text = String::from("user_id,is_power_user,persona\n");
    for (id, _, persona) in read_truth_rows(dir)? {
        let label = labels.get(&id).copied().unwrap_or(false);
        text += &format!("{id},{label},{persona}\n");
    }
    let path = dir.join("truth.csv");
    std::fs::write(&path, text).map_err(|e| Error::output(&path, e))
}

/// The same number of power users as planted, now the people with the highest `value` (ties by
/// id; people without a value never).
fn redefine(dir: &Path, value: BTreeMap<String, f64>) -> Result<()> {
    let truth = read_truth(dir)?;
    let wanted = truth.values().filter(|l| **l).count();
    let mut ranked: Vec<(&String, f64)> = value.iter().map(|(id, v)| (id, *v)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let chosen: BTreeSet<&String> = ranked.iter().take(wanted).map(|(id, _)| *id).collect();
    let labels = truth
        .keys()
        .map(|id| (id.clone(), chosen.contains(id)))
        .collect();
    write_truth(dir, &labels)
}

/// Mean percentage over every training result, per person.
fn training_level(dir: &Path) -> Result<BTreeMap<String, f64>> {
    let t = read(&dir.join("training.parquet"))?;
    let (ids, scores, max) = (
        text_column(&t, "user_id")?,
        float_column(&t, "score")?,
        float_column(&t, "max_score")?,
    );
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for i in 0..t.height() {
        if let (Some(id), Some(s), Some(m)) = (&ids[i], scores[i], max[i]) {
            let e = sums.entry(id.clone()).or_default();
            e.0 += 100.0 * s / m;
            e.1 += 1.0;
        }
    }
    Ok(sums.into_iter().map(|(id, (s, n))| (id, s / n)).collect())
}

/// Distinct colleagues helped, per helper.
fn people_helped(dir: &Path) -> Result<BTreeMap<String, f64>> {
    let h = read(&dir.join("help.parquet"))?;
    let (helpers, helped) = (text_column(&h, "helper_id")?, text_column(&h, "helped_id")?);
    let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (helper, helped) in helpers.iter().zip(&helped) {
        if let (Some(a), Some(b)) = (helper, helped) {
            sets.entry(a.clone()).or_default().insert(b.clone());
        }
    }
    Ok(sets
        .into_iter()
        .map(|(id, s)| (id, s.len() as f64))
        .collect())
}
