//! People-data protection for everything adept writes: keyed pseudonyms for user ids, the key's
//! life cycle, and the privacy pass that applies pseudonyms, names and the minimum group size
//! once, between the analysis and every output.
//!
//! Opt-outs are not here: they are removed at ingest, before any other stage sees them.

mod key;
mod ledger;
mod pseudonym;
mod publish;
mod settings;
mod trend;

pub use key::{KEY_ENV, KeySource, resolve_key};
pub use ledger::publish_ledger;
pub use pseudonym::{Pseudonymizer, is_id_char};
pub use publish::{NOT_CLUSTERED, Published, PublishedPerson, PublishedPersona, publish};
pub use settings::PrivacySettings;
