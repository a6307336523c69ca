//! adept finds power-user candidates in an organisation from application usage telemetry,
//! training results and records of who helped whom.
//!
//! Data flows one way, and every stage is public so tests, benches and notebooks can run the
//! pipeline in one call or stage by stage:
//!
//! ```text
//!  input dir / config           generate (synthetic data with planted truth)
//!        |                             |
//!        v                             v
//!  ingest: discover -> read (CSV/TSV/JSONL/Parquet, gzip/zstd) -> map columns
//!        |
//!        v
//!  validate: type, check, dedupe, drop opt-outs --> rejects ledger (rejects.parquet)
//!        |
//!        v
//!  features (per user, rayon)  ->  score / cluster (linfa)  ->  outputs (Parquet, HTML)
//! ```

pub mod atomic;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod contract;
pub mod error;
pub mod evaluate;
pub(crate) mod event_codes;
pub mod explain;
pub mod features;
pub mod frames;
pub mod generate;
pub mod ingest;
pub mod outputs;
pub mod pipeline;
pub mod privacy;
pub mod report;
pub mod rollup;
pub mod runs;
pub mod score;

pub use error::{Error, ErrorClass, Result};
