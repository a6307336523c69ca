//! Feature parameters, kept apart from the code that uses them, with a check before use.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest window, ten years (3660 days, leap days included). Usage data that old says
/// little about expertise now, and a far larger window would reach dates before what chrono
/// can represent (it panicked: an internal error instead of a configuration error), while every
/// window day costs work per user (the expected active days are summed day by day).
const MAX_WINDOW_DAYS: u32 = 3660;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureParams {
    /// Days in the window, ending with the as-of date: 7 to 3660 (ten years).
    pub window_days: u32,
    /// Users active on fewer days are reported as insufficient data.
    pub min_active_days: u32,
    /// A feature counts as known after this many uses in the window.
    pub min_uses: u64,
    /// Without a catalog level, a feature used by at most this share of active users is advanced.
    pub rare_share: f64,
    /// Half-life, in days, of the recency weighting of active days.
    pub recency_half_life_days: f64,
    /// Time zone that decides which day a use falls on (the config's ingest time zone).
    #[serde(skip)]
    pub timezone: Option<Tz>,
    /// Complete weeks of use, ending with the as-of date, kept per person for the usage
    /// segments (the `[segments]` section decides it; see `analysis::SegmentParams`).
    #[serde(skip)]
    pub history_weeks: u32,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            window_days: 90,
            min_active_days: 5,
            min_uses: 2,
            rare_share: 0.05,
            recency_half_life_days: 30.0,
            timezone: None,
            history_weeks: 23,
        }
    }
}

impl FeatureParams {
    pub fn check(&self) -> Result<()> {
        if self.window_days < 7 {
            return Err(Error::Config(format!(
                "features.window_days must be at least 7, got `{}`",
                self.window_days
            )));
        }
        if self.window_days > MAX_WINDOW_DAYS {
            return Err(Error::Config(format!(
                "features.window_days must be at most {MAX_WINDOW_DAYS}, got `{}`",
                self.window_days
            )));
        }
        if self.min_uses == 0 {
            return Err(Error::Config("features.min_uses cannot be 0".into()));
        }
        if !(0.0..1.0).contains(&self.rare_share) {
            return Err(Error::Config(format!(
                "features.rare_share must be in [0, 1), got `{}`",
                self.rare_share
            )));
        }
        if self.recency_half_life_days.is_nan() || self.recency_half_life_days <= 0.0 {
            return Err(Error::Config(format!(
                "features.recency_half_life_days must be above 0, got `{}`",
                self.recency_half_life_days
            )));
        }
        Ok(())
    }

    pub fn tz(&self) -> Tz {
        self.timezone.unwrap_or(Tz::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_window(window_days: u32) -> FeatureParams {
        FeatureParams {
            window_days,
            ..FeatureParams::default()
        }
    }

    #[test]
    fn the_window_is_between_a_week_and_ten_years() {
        assert!(with_window(7).check().is_ok());
        assert!(with_window(MAX_WINDOW_DAYS).check().is_ok());
        assert!(with_window(6).check().is_err());
        for days in [MAX_WINDOW_DAYS + 1, 4_000_000_000, u32::MAX] {
            let Err(Error::Config(message)) = with_window(days).check() else {
                panic!("window_days = {days} was accepted");
            };
            assert_eq!(
                message,
                format!("features.window_days must be at most 3660, got `{days}`")
            );
        }
    }
}
