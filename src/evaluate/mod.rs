//! Evaluation against labels (manager nominations, or the generator's truth): ranking metrics for
//! adept and, side by side, for the two rules organisations use today.

mod baselines;
mod metrics;
mod report;

pub use baselines::{Method, rankings};
pub use metrics::{Metrics, Ranked, metrics};
pub use report::{Evaluation, evaluate};
