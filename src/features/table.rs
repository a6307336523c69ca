//! The feature table: one row per user, in user-id order, convertible to a polars frame.

use polars::prelude::*;

use super::definitions::{Feature, UserStatus};
use crate::error::Result;

/// Everything adept knows about one user after the feature stage.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFeatures {
    pub user_id: String,
    /// From `people`; written only where names are enabled.
    pub display_name: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    pub fte: f64,
    pub status: UserStatus,
    /// Indexed by `Feature as usize`.
    pub values: Vec<f64>,
    /// (area index into `FeatureTable::areas`, features known in that area), by area index.
    pub area_depth: Vec<(u32, u32)>,
    /// Uses per week of `FeatureTable::weeks`, oldest first (for the usage segments).
    pub weekly_uses: Vec<f64>,
    /// The week of `FeatureTable::weeks` the person was hired in, when inside them.
    pub hire_week: Option<usize>,
    /// The features the person knows (index into `FeatureTable::features`), in index order, and
    /// whether each was first used in the window's second half.
    pub known: Vec<(u32, bool)>,
}

impl UserFeatures {
    pub fn get(&self, feature: Feature) -> f64 {
        self.values[feature as usize]
    }
}

/// All users, sorted by `user_id`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub users: Vec<UserFeatures>,
    /// Feature area names (catalog areas, or application names), by index.
    pub areas: Vec<String>,
    /// Tables the features could draw on; a signal whose table is absent is left out of scores.
    pub has_training: bool,
    pub has_help: bool,
    pub has_feedback: bool,
    /// How much of the use the catalog knows (None without a catalog).
    pub catalog: Option<super::catalog::CatalogCoverage>,
    /// How many of the people with usage the `people` table knows (None without one).
    pub people: Option<super::people_coverage::PeopleCoverage>,
    /// How the tables fit together, where they do not: ids of a record table that match a
    /// person with usage only when letter case is ignored; hire dates after people's use.
    pub data_warnings: Vec<String>,
    /// The weeks each person's `weekly_uses` cover.
    pub weeks: Weeks,
    /// Every feature used in the window, by index.
    pub features: Vec<FeatureEntry>,
    /// Help requests in the window by topic (None where topics were not recorded: no help
    /// table, or one without a `topic` column).
    pub help_topics: Option<HelpTopics>,
    /// Feedback items of kind `question` in the window (None without a feedback table).
    pub feedback_questions: Option<u64>,
}

/// Help requests in the window, by topic name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelpTopics {
    pub topics: Vec<HelpTopic>,
    /// Whether the help table says which requests were resolved (a `resolved` column): without
    /// it `unresolved` is 0 and means nothing.
    pub resolution_recorded: bool,
}

/// Help requests in the window on one topic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelpTopic {
    pub topic: String,
    pub requests: u64,
    /// Requests marked not resolved.
    pub unresolved: u64,
}

/// One feature used in the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureEntry {
    /// `feature`, or `app/feature` when the events name an app.
    pub name: String,
    /// Index into `FeatureTable::areas`.
    pub area: usize,
    /// The catalog's level (`basic`, `intermediate`, `advanced`), where it gives one.
    pub level: Option<String>,
}

/// The complete weeks of use kept for the usage segments, ending with the as-of date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weeks {
    /// First day of each week, oldest first.
    pub starts: Vec<chrono::NaiveDate>,
    /// The first week in which anyone used the software: earlier weeks are before the export
    /// began (or before anyone used it), so nobody is judged on them.
    pub first_with_data: usize,
}

impl FeatureTable {
    pub fn user(&self, user_id: &str) -> Option<&UserFeatures> {
        self.users
            .binary_search_by(|u| u.user_id.as_str().cmp(user_id))
            .ok()
            .map(|i| &self.users[i])
    }

    pub fn column(&self, feature: Feature) -> Vec<f64> {
        self.users.iter().map(|u| u.get(feature)).collect()
    }

    /// `features.parquet`: user_id, department, role, fte, status, then one column per feature.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let n = self.users.len();
        let mut columns = vec![
            Column::new(
                "user_id".into(),
                self.users
                    .iter()
                    .map(|u| u.user_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "department".into(),
                self.users
                    .iter()
                    .map(|u| u.department.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "role".into(),
                self.users
                    .iter()
                    .map(|u| u.role.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "fte".into(),
                self.users.iter().map(|u| u.fte).collect::<Vec<_>>(),
            ),
            Column::new(
                "status".into(),
                self.users
                    .iter()
                    .map(|u| u.status.name())
                    .collect::<Vec<_>>(),
            ),
        ];
        for feature in Feature::ALL {
            let values: Vec<Option<f64>> = self
                .users
                .iter()
                .map(|u| Some(u.get(*feature)).filter(|v| !v.is_nan()))
                .collect();
            columns.push(Column::new(feature.name().into(), values));
        }
        Ok(DataFrame::new(n, columns)?)
    }
}
