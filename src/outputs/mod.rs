//! What a run leaves behind: Parquet tables, the HTML report and the run manifest, each written
//! atomically, the manifest last. Tables are written as the analysis and the privacy pass left
//! them: nothing here ranks, selects, groups or withholds.

mod history;
mod manifest;
mod tables;

pub use history::{HISTORY_FILE, write_history};
pub use manifest::{
    InputFile, Manifest, Withdrawal, read_manifest, sha256_file, sha256_hex, write_manifest,
};
pub use tables::{
    ADOPTION_FILE, AREA_EXPERTS_FILE, CANDIDATES_FILE, CLUSTERS_FILE, FEATURES_FILE,
    FEEDBACK_QUESTIONS, GROUP_FILE, MANIFEST_FILE, PROGRAMME_FILE, RECOMMENDATIONS_FILE,
    REJECTS_FILE, REPORT_FILE, SCORES_FILE, SEGMENT_TREND_FILE, SEGMENTS_FILE, clusters_frame,
    write_rejects, write_tables,
};
