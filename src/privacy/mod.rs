//! People-data protection for everything adept writes: keyed pseudonyms for user ids, the key's
//! life cycle, and the minimum group size for aggregates.
//!
//! Opt-outs are not here: they are removed at ingest, before any other stage sees them.

mod key;
mod pseudonym;
mod settings;

pub use key::{KeySource, resolve_key};
pub use pseudonym::{Pseudonymizer, is_id_char};
pub use settings::PrivacySettings;
