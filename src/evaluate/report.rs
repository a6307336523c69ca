//! Reads a run's outputs and a labels file and evaluates every ranking method.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::Serialize;

use super::baselines::{Method, RankInput, rankings, sort_key};
use super::metrics::{Metrics, Ranked, metrics};
use crate::error::{Error, Result};
use crate::features::{Feature, Signal};
use crate::frames::OutputTable;
use crate::ingest::parse_bool;
use crate::outputs::{FEATURES_FILE, SCORES_FILE};
use crate::privacy::Pseudonymizer;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodResult {
    pub method: Method,
    pub metrics: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub k: usize,
    /// Users both in the outputs and in the labels.
    pub users: usize,
    pub positives: usize,
    /// Labelled users absent from the outputs (opted out, or unknown to the input).
    pub labelled_but_absent: usize,
    /// With a labels file of positives only (nominations): the people of the outputs it does
    /// not name, counted as not power users (0 when the file has negatives).
    pub unlabelled_as_negatives: usize,
    pub results: Vec<MethodResult>,
    /// Parts of the composite that rank no one here: the same value for every person evaluated
    /// (a table absent, a signal without evidence). Listed, not reported as figures.
    pub without_spread: Vec<Method>,
}

impl Evaluation {
    /// The part of the composite (a signal or a scored feature alone) with the highest average
    /// precision.
    pub fn best_part(&self) -> Option<&MethodResult> {
        self.results
            .iter()
            .filter(|r| r.method.is_part() && r.metrics.average_precision.is_finite())
            .max_by(|a, b| {
                a.metrics
                    .average_precision
                    .total_cmp(&b.metrics.average_precision)
            })
    }

    pub fn get(&self, method: Method) -> &Metrics {
        &self
            .results
            .iter()
            .find(|r| r.method == method)
            .expect("every method is evaluated")
            .metrics
    }
}

/// Labels: a CSV with `user_id` (raw id or pseudonym) and `is_power_user` (true/false, yes/no,
/// 1/0), by the ids the outputs published (`is_published` tells which ids those are, `ids` maps
/// the others). An id labelled both ways is an error.
pub fn read_labels(
    path: &Path,
    ids: &Pseudonymizer,
    is_published: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, bool>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| Error::unreadable(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::unreadable(path, e))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| Error::MissingColumn {
                path: path.to_path_buf(),
                table: "labels".into(),
                column: name.into(),
                canonical: name.into(),
                found: headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let (id_col, label_col) = (find("user_id")?, find("is_power_user")?);
    let mut labels = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::unreadable(path, e))?;
        let raw_id = record.get(id_col).unwrap_or("").trim();
        let raw = record.get(label_col).unwrap_or("");
        let line = i + 2;
        let label = parse_bool(raw).ok_or_else(|| {
            Error::Input(format!(
                "`{}`, line {line}: `is_power_user` must be true or false, got `{raw}`",
                path.display(),
            ))
        })?;
        let id = ids.published(raw_id, &is_published);
        if labels
            .insert(id, label)
            .is_some_and(|before| before != label)
        {
            return Err(Error::Input(format!(
                "`{}`, line {line}: `{raw_id}` is labelled both ways",
                path.display(),
            )));
        }
    }
    Ok(labels)
}

/// Whether a method ranks anyone among `users`: a part of the composite with the same value for
/// everyone (no evidence for anyone, a table absent) does not.
fn has_spread(users: &[RankInput], method: Method) -> bool {
    let mut keys = users.iter().map(|u| sort_key(u, method));
    let Some(first) = keys.next() else {
        return false;
    };
    !method.is_part() || keys.any(|k| k.total_cmp(&first).is_ne())
}

/// Evaluates the run in `outputs` against `labels`, cutting at `k` (default: the number of
/// labelled power users).
/// `ids` maps label ids to the ids in the outputs (the run's pseudonymiser).
pub fn evaluate(
    outputs: &Path,
    labels_path: &Path,
    k: Option<usize>,
    ids: &Pseudonymizer,
) -> Result<Evaluation> {
    let scores = OutputTable::read(outputs, SCORES_FILE)?;
    let (published, ranks) = (scores.strings("user_id")?, scores.floats("rank")?);
    let published_ids: BTreeSet<&str> = published.iter().flatten().map(String::as_str).collect();
    let labels = read_labels(labels_path, ids, |id| published_ids.contains(id))?;
    // A file of positives only names nominations: everyone else is not known to be one.
    let nominations = !labels.values().any(|l| !l);
    let features = OutputTable::read(outputs, FEATURES_FILE)?;
    let f_ids = features.strings("user_id")?;
    let floats = |name: &str| -> Result<Vec<f64>> {
        Ok(features
            .floats(name)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0))
            .collect())
    };
    let (total, weekly, weeks) = (
        floats("total_uses")?,
        floats("weekly_uses")?,
        floats("active_weeks_last_12")?,
    );
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let signal_values: Vec<Vec<f64>> = Signal::ALL
        .iter()
        .map(|s| {
            let values = scores.floats(&format!("signal_{s}"))?;
            Ok(values.into_iter().map(nan).collect())
        })
        .collect::<Result<_>>()?;
    let feature_values: Vec<Vec<f64>> = Feature::ALL
        .iter()
        .map(|f| Ok(features.floats(f.name())?.into_iter().map(nan).collect()))
        .collect::<Result<_>>()?;
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, id) in f_ids.iter().enumerate() {
        if let Some(id) = id {
            by_id.insert(id.as_str(), i);
        }
    }

    let mut users = Vec::new();
    let mut truth = Vec::new();
    let mut unlabelled_as_negatives = 0;
    for (i, id) in published.iter().enumerate() {
        let Some(id) = id.as_deref() else {
            continue;
        };
        let Some(&f) = by_id.get(id) else {
            continue;
        };
        let label = match labels.get(id) {
            Some(label) => label,
            None if nominations => {
                unlabelled_as_negatives += 1;
                &false
            }
            None => continue,
        };
        users.push(RankInput {
            user_id: id.to_string(),
            rank: ranks[i].map(|r| r as u32),
            total_uses: total[f],
            weekly_uses: weekly[f],
            active_weeks_last_12: weeks[f],
            signals: std::array::from_fn(|s| signal_values[s][i]),
            features: feature_values.iter().map(|v| v[f]).collect(),
        });
        truth.push(*label);
    }
    if users.is_empty() {
        return Err(Error::Input(format!(
            "no user in `{}` appears in `{}`: are the ids pseudonymised in one and not the other?",
            labels_path.display(),
            outputs.display()
        )));
    }
    let positives = truth.iter().filter(|t| **t).count();
    let k = k.unwrap_or(positives).max(1);
    let (ranking, without_spread): (Vec<Method>, Vec<Method>) = Method::all()
        .into_iter()
        .partition(|m| has_spread(&users, *m));
    let results = ranking
        .into_iter()
        .map(|method| {
            let ranked: Vec<Ranked> = rankings(&users, method)
                .into_iter()
                .map(|i| (truth[i], sort_key(&users[i], method)))
                .collect();
            MethodResult {
                method,
                metrics: metrics(&ranked, k),
            }
        })
        .collect();
    Ok(Evaluation {
        k,
        users: users.len(),
        positives,
        labelled_but_absent: labels.len() - (users.len() - unlabelled_as_negatives),
        unlabelled_as_negatives,
        results,
        without_spread,
    })
}

fn row(f: &mut fmt::Formatter<'_>, r: &MethodResult) -> fmt::Result {
    let m = &r.metrics;
    writeln!(
        f,
        "{:<32} {:>8.3} {:>9.3} {:>8.3} {:>8.3} {:>7.3}",
        r.method.name(),
        // `+ 0.0` turns -0.0 into 0.0 for printing.
        m.precision_at_k + 0.0,
        m.recall_at_k + 0.0,
        m.roc_auc + 0.0,
        m.average_precision + 0.0,
        m.ndcg_at_k + 0.0
    )
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} users, {} labelled power users, k = {} ({} labelled users not in the outputs)",
            self.users, self.positives, self.k, self.labelled_but_absent
        )?;
        if self.unlabelled_as_negatives > 0 {
            writeln!(
                f,
                "the labels name power users only (nominations): the other {} people of the \
                 outputs count as not power users, so a figure is lower wherever someone not \
                 nominated is one",
                self.unlabelled_as_negatives
            )?;
        }
        writeln!(
            f,
            "people tied under a method share their places: each figure is the average over \
             the orders of the tied"
        )?;
        writeln!(
            f,
            "{:<32} {:>8} {:>9} {:>8} {:>8} {:>7}",
            "method", "prec@k", "recall@k", "roc_auc", "avg_prec", "ndcg@k"
        )?;
        for r in self.results.iter().filter(|r| !r.method.is_part()) {
            row(f, r)?;
        }
        writeln!(f, "each part of the composite alone:")?;
        for r in self.results.iter().filter(|r| r.method.is_part()) {
            row(f, r)?;
        }
        if !self.without_spread.is_empty() {
            let names: Vec<String> = self.without_spread.iter().map(|m| m.name()).collect();
            writeln!(
                f,
                "not reported, the same value for everyone evaluated: {}",
                names.join(", ")
            )?;
        }
        if let Some(best) = self.best_part() {
            let composite = self.get(Method::Adept).average_precision;
            let gap = composite - best.metrics.average_precision;
            let verdict = if gap >= 0.0 { "above" } else { "BELOW" };
            writeln!(
                f,
                "adept's composite is {verdict} its best part ({}) by {:.3} in average precision",
                best.method.name(),
                gap.abs()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_by_id_or_pseudonym_and_a_conflict_is_refused() {
        let ids = Pseudonymizer::with_key(b"key");
        let published: BTreeSet<String> = ["u1", "u2"].iter().map(|u| ids.id(u)).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.csv");
        let read = |text: &str| {
            std::fs::write(&path, text).unwrap();
            read_labels(&path, &ids, |id| published.contains(id))
        };
        let labels = read(&format!(
            "user_id,is_power_user\n{},true\nu2,no\n",
            ids.id("u1")
        ))
        .unwrap();
        assert_eq!(labels.get(&ids.id("u1")), Some(&true));
        assert_eq!(labels.get(&ids.id("u2")), Some(&false));
        let err = read(&format!(
            "user_id,is_power_user\nu1,true\n{},false\n",
            ids.id("u1")
        ))
        .unwrap_err();
        assert!(err.to_string().contains("line 3: `p"), "{err}");
        assert!(err.to_string().contains("labelled both ways"), "{err}");
    }
}
