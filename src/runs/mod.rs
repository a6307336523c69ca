//! Scheduled runs under an output root: `ROOT/runs/<as-of>/`, a `latest` link that moves only
//! after a run completes, a lock so two runs never write the same root, reading earlier runs
//! back for history, and taking people who opted out since out of them.

mod history;
mod layout;
mod lock;
mod withdraw;

pub use history::{earlier_snapshots, load_snapshot};
pub use layout::{RunLayout, publish};
pub use lock::RootLock;
pub use withdraw::{OptedOut, Withdrawn, withdraw_opted_out};
