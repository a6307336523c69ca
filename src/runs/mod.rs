//! Scheduled runs under an output root: `ROOT/runs/<as-of>/`, a `latest` link that moves only
//! after a run completes, a lock so two runs never write the same root, and reading earlier runs
//! back for history.

mod history;
mod layout;
mod lock;

pub use history::{earlier_snapshots, load_snapshot};
pub use layout::{RunLayout, publish};
pub use lock::RootLock;
