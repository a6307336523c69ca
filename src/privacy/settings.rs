//! Privacy settings (`[privacy]` in the config file).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySettings {
    /// Keep raw user ids in the outputs (for analysts working inside the data owner's walls).
    /// Default false: ids are replaced by keyed pseudonyms.
    pub raw_ids: bool,
    /// Show display names from the `people` table in the report and candidates table.
    pub show_names: bool,
    /// No department, role or persona aggregate over fewer people is shown.
    pub min_group_size: usize,
    /// Where the pseudonym key lives. Default: `ADEPT_PSEUDONYM_KEY` if set, else
    /// `$XDG_CONFIG_HOME/adept/pseudonym.key` (or `~/.config/adept/pseudonym.key`), created once.
    pub key_file: Option<PathBuf>,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            raw_ids: false,
            show_names: false,
            min_group_size: 5,
            key_file: None,
        }
    }
}

impl PrivacySettings {
    pub fn check(&self) -> Result<()> {
        if self.min_group_size < 2 {
            return Err(Error::Config(format!(
                "privacy.min_group_size must be at least 2, got `{}`",
                self.min_group_size
            )));
        }
        Ok(())
    }
}
