//! Seeded synthetic organisation generator: people, apps, usage events, training, help and
//! feedback with planted personas (`truth.csv`), written as Parquet, CSV or JSONL.

mod calendar;
mod catalog;
mod events;
mod org;
mod params;
mod personas;
mod records;
mod reference;
mod rng;
mod run;
mod scenario;
mod table;
mod writer;

pub use params::{GenerateParams, GenerateSummary, MAX_DAYS, MAX_USERS, OutputFormat};
pub use personas::Persona;
pub use run::generate;
pub use scenario::{LABEL_NOISE, Scenario, apply as apply_scenario};
