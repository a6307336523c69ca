//! What a run leaves behind: Parquet tables (pseudonymised unless raw ids are enabled), the HTML
//! report and the run manifest, each written atomically, the manifest last.

mod adoption;
mod manifest;
mod tables;

pub use adoption::adoption_figures;
pub use manifest::{InputFile, Manifest, read_manifest, sha256_file, sha256_hex, write_manifest};
pub use tables::{
    AREA_EXPERTS_FILE, CANDIDATES_FILE, CLUSTERS_FILE, FEATURES_FILE, MANIFEST_FILE, REJECTS_FILE,
    REPORT_FILE, SCORES_FILE, clusters_frame, write_rejects, write_tables,
};
