//! adept's integration tests: one binary, one module per area.

mod fixtures;
mod generate;
mod ingest;
mod features;
mod scoring;
mod cli;
mod browser;
mod outputs;
