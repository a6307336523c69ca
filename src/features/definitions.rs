//! The features adept computes and the signal each belongs to.

use std::fmt;

/// One of the six kinds of evidence a score is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    Depth,
    Shortcuts,
    Help,
    Training,
    Feedback,
    Consistency,
}

impl Signal {
    pub const ALL: [Signal; 6] = [
        Signal::Depth,
        Signal::Shortcuts,
        Signal::Help,
        Signal::Training,
        Signal::Feedback,
        Signal::Consistency,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Signal::Depth => "depth",
            Signal::Shortcuts => "shortcuts",
            Signal::Help => "help",
            Signal::Training => "training",
            Signal::Feedback => "feedback",
            Signal::Consistency => "consistency",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a user has enough data in the window to be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Scored,
    /// Fewer active days than `min_active_days`: reported, not scored as zero.
    InsufficientData,
}

impl UserStatus {
    pub fn name(self) -> &'static str {
        match self {
            UserStatus::Scored => "scored",
            UserStatus::InsufficientData => "insufficient_data",
        }
    }

    /// The status a name in `features.parquet` stands for.
    pub fn from_name(name: &str) -> Option<UserStatus> {
        [UserStatus::Scored, UserStatus::InsufficientData]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

macro_rules! features {
    ($( $variant:ident => $name:literal, $signal:expr, $doc:literal; )*) => {
        /// A per-user feature. Values are f64; NaN means "no evidence" (e.g. no training records).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Feature { $( #[doc = $doc] $variant, )* }

        impl Feature {
            pub const ALL: &'static [Feature] = &[$(Feature::$variant,)*];
            pub const COUNT: usize = Feature::ALL.len();

            /// Column name in `features.parquet`.
            pub fn name(self) -> &'static str {
                match self { $(Feature::$variant => $name,)* }
            }

            /// The signal the feature is evidence for; None for context-only features.
            pub fn signal(self) -> Option<Signal> {
                match self { $(Feature::$variant => $signal,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Feature::$variant => $doc,)* }
            }
        }
    };
}

features! {
    DistinctFeatures => "distinct_features", Some(Signal::Depth),
        "distinct features used at least `min_uses` times";
    RarityDepth => "rarity_depth", Some(Signal::Depth),
        "sum over features used of ln(active users / users of the feature): rare features count more";
    AdvancedFeatures => "advanced_features", Some(Signal::Depth),
        "distinct advanced features used (catalog level, or used by at most `rare_share` of active users)";
    AdvancedShare => "advanced_share", None,
        "share of the features used that are advanced";
    AreaBreadth => "area_breadth", Some(Signal::Depth),
        "share of the organisation's feature areas the user works in";
    Evenness => "evenness", None,
        "normalised entropy of use across features (1 = spread evenly)";
    ShortcutShare => "shortcut_share", Some(Signal::Shortcuts),
        "share of uses of shortcut-capable features triggered by keyboard shortcut";
    DistinctShortcuts => "distinct_shortcuts", Some(Signal::Shortcuts),
        "distinct features used by keyboard shortcut";
    ShortcutTrend => "shortcut_trend", None,
        "shortcut share in the second half of the window minus the first half";
    HelpsGiven => "helps_given", None,
        "help interactions given in the window";
    HelpRate => "help_rate", Some(Signal::Help),
        "help interactions given per 4 weeks observed (since hire), so recent hires are compared fairly";
    HelpsReceived => "helps_received", None,
        "help interactions received in the window";
    PeopleHelped => "people_helped", Some(Signal::Help),
        "distinct colleagues helped";
    DepartmentsHelped => "departments_helped", Some(Signal::Help),
        "distinct departments of the colleagues helped";
    CrossDepartmentHelps => "cross_department_helps", None,
        "helps given to colleagues in another department";
    ExpertiseRank => "expertise_rank", Some(Signal::Help),
        "PageRank on the asker -> helper graph, scaled so the average user has 1";
    TrainingLevel => "training_level", Some(Signal::Training),
        "mean of every assessment result up to the as-of date, percent of the maximum";
    LatestScore => "latest_score", None,
        "latest assessment score, percent of the maximum";
    Improvement => "improvement", Some(Signal::Training),
        "points gained from baseline to follow-up (or final), averaged over courses";
    CoursesCompleted => "courses_completed", None,
        "distinct courses with a final or follow-up assessment";
    FeedbackItems => "feedback_items", None,
        "ideas, bug reports, questions and other feedback filed in the window";
    FeedbackRate => "feedback_rate", Some(Signal::Feedback),
        "feedback items per 4 weeks observed (since hire)";
    Ideas => "ideas", None,
        "ideas filed in the window";
    ActiveDays => "active_days", None,
        "days with any use in the window";
    ActiveDayRate => "active_day_rate", Some(Signal::Consistency),
        "active days / expected working days (5 a week, times fte, since hire), recent days weighted more (half-life `recency_half_life_days`), at most 1";
    ActiveWeeksShare => "active_weeks_share", Some(Signal::Consistency),
        "share of the weeks in the window (since hire) with any use";
    ActiveWeeksLast12 => "active_weeks_last_12", None,
        "weeks with any use among the last 12";
    TotalUses => "total_uses", None,
        "uses in the window (sum of count): volume, not expertise";
    UsesPerActiveDay => "uses_per_active_day", None,
        "uses per active day";
    WeeklyUses => "weekly_uses", None,
        "uses per week observed (since hire)";
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
