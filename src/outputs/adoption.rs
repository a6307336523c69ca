//! The organisation's headline adoption figures over `features.parquet`'s scored people, defined
//! once for the report and for history across runs.

use polars::prelude::*;

/// `median_features`, `median_shortcut_share` and `share_helping` (share of people who helped a
/// colleague at least once), as aggregations over scored people.
pub fn adoption_figures() -> [Expr; 3] {
    [
        col("distinct_features").median().alias("median_features"),
        col("shortcut_share")
            .median()
            .alias("median_shortcut_share"),
        col("helps_given")
            .gt(lit(0.0))
            .cast(DataType::Float64)
            .mean()
            .alias("share_helping"),
    ]
}
