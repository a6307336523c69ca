//! Scheduled runs under an output root: `ROOT/runs/<as-of>/`, a `latest` link that moves only
//! after a run completes, a lock so two runs never write the same root, and history across runs.

mod history;
mod layout;
mod lock;

pub use history::{HISTORY_FILE, RunHistory, history_frame};
pub use layout::{RunLayout, publish};
pub use lock::RootLock;
