//! Per-user features over a window ending at the as-of date: feature depth, shortcut use,
//! help-giving (with an expertise rank on the asker -> helper graph), training results, feedback
//! and consistency. polars aggregates the events; the per-user work runs on rayon.
//!
//! Not for: scaling, weighting or ranking (see `score`).

mod aggregate;
mod catalog;
mod definitions;
mod id_spelling;
mod org;
mod pagerank;
mod params;
mod people_coverage;
mod per_user;
mod records;
mod signals;
mod table;
mod usage;

pub use catalog::{CatalogCoverage, LOW_COVERAGE};
pub use definitions::{Feature, Signal, UserStatus};
pub use id_spelling::ingested_case_warnings;
pub use pagerank::expertise_rank;
pub use params::FeatureParams;
pub use people_coverage::PeopleCoverage;
pub use per_user::{compute_features, usage_aggregator};
pub use table::{FeatureEntry, FeatureTable, HelpTopic, HelpTopics, UserFeatures, Weeks};
pub use usage::{EventUsage, UsageAggregator};
