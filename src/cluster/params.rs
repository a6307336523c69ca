//! Clustering parameters, checked before use.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterParams {
    /// Number of personas; None chooses it by silhouette between `k_min` and `k_max`.
    pub k: Option<usize>,
    pub k_min: usize,
    pub k_max: usize,
    /// Seed for k-means initialisation: the same seed gives the same personas.
    pub seed: u64,
    /// Users sampled (evenly, by user id) to compute silhouettes, which cost n^2.
    pub silhouette_sample: usize,
    /// k-means restarts; the best run is kept.
    pub n_runs: usize,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            k: None,
            k_min: 3,
            k_max: 8,
            seed: 42,
            silhouette_sample: 1500,
            n_runs: 5,
        }
    }
}

impl ClusterParams {
    pub fn check(&self) -> Result<()> {
        if self.k == Some(0) {
            return Err(Error::Config("clustering.k cannot be 0".into()));
        }
        if self.k_min < 2 || self.k_max < self.k_min {
            return Err(Error::Config(format!(
                "clustering.k_min must be at least 2 and at most k_max, got {}..{}",
                self.k_min, self.k_max
            )));
        }
        if self.n_runs == 0 {
            return Err(Error::Config("clustering.n_runs cannot be 0".into()));
        }
        Ok(())
    }
}
