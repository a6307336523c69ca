//! The input contract: the six tables adept reads, their canonical columns and value types.
//!
//! This module only describes; it reads nothing. Ingest uses it to map, check and type the
//! columns of an export; the generator uses it to write tables that ingest accepts; the docs
//! (`docs/input-contract.md`) explain it for people.

use std::fmt;

/// One of the tables an input directory may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    Events,
    Training,
    Help,
    Feedback,
    People,
    Catalog,
}

impl TableKind {
    /// Every table, in the order ingest loads them (people first: opt-outs apply to the rest).
    pub const ALL: [TableKind; 6] = [
        TableKind::People,
        TableKind::Catalog,
        TableKind::Events,
        TableKind::Training,
        TableKind::Help,
        TableKind::Feedback,
    ];

    /// The table's name: the file or directory stem in an input directory, and its config key.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Events => "events",
            TableKind::Training => "training",
            TableKind::Help => "help",
            TableKind::Feedback => "feedback",
            TableKind::People => "people",
            TableKind::Catalog => "catalog",
        }
    }

    pub fn from_name(name: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Only `events` must be present; every other table is optional.
    pub fn is_required(self) -> bool {
        self == TableKind::Events
    }

    /// The canonical columns of this table, in output order.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            TableKind::Events => EVENTS,
            TableKind::Training => TRAINING,
            TableKind::Help => HELP,
            TableKind::Feedback => FEEDBACK,
            TableKind::People => PEOPLE,
            TableKind::Catalog => CATALOG,
        }
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// The column whose value a row may carry only once: a later row with the same value is a
    /// duplicate (an event exported twice; a person listed twice, whose help and training would
    /// otherwise count twice in joins).
    pub fn unique_key(self) -> Option<&'static str> {
        match self {
            TableKind::Events => Some("event_id"),
            TableKind::People => Some("user_id"),
            _ => None,
        }
    }

    /// The column whose unknown values become a word of its vocabulary (`other`) instead of a
    /// reject: a table has at most one (a test checks), so the accounting can name its values.
    pub fn open_vocabulary(self) -> Option<&'static str> {
        self.columns()
            .iter()
            .find(|spec| spec.kind.is_open_vocabulary())
            .map(|spec| spec.name)
    }

    /// Columns that hold a person's id: opt-outs are removed by these.
    pub fn person_columns(self) -> &'static [&'static str] {
        match self {
            TableKind::Events | TableKind::Training | TableKind::Feedback => &["user_id"],
            TableKind::People => &["user_id", "manager_id"],
            TableKind::Help => &["helper_id", "helped_id"],
            TableKind::Catalog => &[],
        }
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type a canonical column holds after ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Free text, trimmed; an empty string is a missing value.
    Text,
    /// An instant, stored as UTC milliseconds.
    Timestamp,
    /// A calendar date.
    Date,
    /// A whole number.
    Integer,
    /// A real number.
    Number,
    /// true/false, yes/no, y/n, 1/0 (case-insensitive).
    Boolean,
    /// Whether a problem was resolved: true/false as [`ValueKind::Boolean`], or a ticket tool's
    /// status word (`Resolved`, `Closed`, `Open`, `In progress`, ...).
    Resolution,
    /// One of a fixed lower-case vocabulary.
    Vocabulary(Vocabulary),
}

impl ValueKind {
    /// A vocabulary whose unknown values become one of its words instead of a reject.
    pub fn is_open_vocabulary(self) -> bool {
        matches!(self, ValueKind::Vocabulary(v) if v.unknown_becomes.is_some())
    }

    /// What a value of this kind must look like, for messages about values that did not.
    pub fn expected(self) -> String {
        match self {
            ValueKind::Text => "text".to_string(),
            ValueKind::Timestamp => {
                "a timestamp: ISO 8601 such as 2026-10-30T08:15:00Z, or epoch seconds or \
                 milliseconds"
                    .to_string()
            }
            ValueKind::Date => "a date: YYYY-MM-DD".to_string(),
            ValueKind::Integer => "a whole number, without thousands separators".to_string(),
            ValueKind::Number => "a number".to_string(),
            ValueKind::Boolean => "true/false, yes/no, y/n or 1/0".to_string(),
            ValueKind::Resolution => "true/false, or a status such as resolved, closed, \
                                      accepted, open (others are given a meaning under \
                                      [tables.help.values], as in `resolved = { \"Won't fix\" = \
                                      \"false\" }`)"
                .to_string(),
            ValueKind::Vocabulary(v) => format!("one of {}", v.words.join(", ")),
        }
    }
}

/// What happens to a value outside a column's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocabulary {
    pub words: &'static [&'static str],
    /// `Some(word)`: unknown values become `word` and are counted. `None`: unknown values are rejected.
    pub unknown_becomes: Option<&'static str>,
}

/// Whether a column's values may run over several lines (free text, quoted in a delimited file:
/// a spreadsheet cell with a line break). No id, time, number or code can: a line end in one
/// means a quote ran on too far.
pub fn may_span_lines(column: &str) -> bool {
    matches!(
        column,
        "topic"
            | "display_name"
            | "department"
            | "role"
            | "course"
            | "assessment"
            | "channel"
            | "area"
    )
}

/// One canonical column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: ValueKind,
    /// The column must exist in the source (a schema error otherwise) and every row needs a value.
    pub required: bool,
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    kind: ValueKind,
    required: bool,
    description: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required,
        description,
    }
}

/// How an event was triggered.
pub const TRIGGERS: Vocabulary = Vocabulary {
    words: &[
        "shortcut",
        "menu",
        "toolbar",
        "context_menu",
        "palette",
        "mouse",
        "api",
        "other",
    ],
    unknown_becomes: Some("other"),
};

/// Other spellings of vocabulary words that exports use (after normalising: lower case, `-` and
/// spaces as `_`), and the word each means. An export that says `Keyboard Shortcut` or `hotkey`
/// must not lose its shortcut evidence to `other`.
pub const SYNONYMS: [(&str, &str); 16] = [
    ("keyboard", "shortcut"),
    ("kbd", "shortcut"),
    ("shortcut_key", "shortcut"),
    ("keyboard_shortcut", "shortcut"),
    ("hotkey", "shortcut"),
    ("hot_key", "shortcut"),
    ("accelerator", "shortcut"),
    ("keybinding", "shortcut"),
    ("key_binding", "shortcut"),
    ("right_click", "context_menu"),
    ("contextmenu", "context_menu"),
    ("command_palette", "palette"),
    ("menubar", "menu"),
    ("menu_bar", "menu"),
    ("followup", "follow_up"),
    ("baseline_assessment", "baseline"),
];

/// When in a training programme an assessment was taken.
pub const PHASES: Vocabulary = Vocabulary {
    words: &["baseline", "final", "follow_up"],
    unknown_becomes: None,
};

/// What kind of feedback an item is.
pub const FEEDBACK_KINDS: Vocabulary = Vocabulary {
    words: &["idea", "bug", "question", "other"],
    unknown_becomes: Some("other"),
};

/// How advanced a feature is.
pub const LEVELS: Vocabulary = Vocabulary {
    words: &["basic", "intermediate", "advanced"],
    unknown_becomes: None,
};

use ValueKind::*;

const EVENTS: &[ColumnSpec] = &[
    col("user_id", Text, true, "who used the feature"),
    col("timestamp", Timestamp, true, "when"),
    col("feature", Text, true, "which feature or command"),
    col(
        "app",
        Text,
        false,
        "which application; empty when the export covers one app",
    ),
    col(
        "trigger",
        Vocabulary(TRIGGERS),
        false,
        "how the feature was invoked",
    ),
    col(
        "count",
        Integer,
        false,
        "how many uses the row stands for (default 1; rollups)",
    ),
    col("session_id", Text, false, "the application session"),
    col(
        "event_id",
        Text,
        false,
        "unique id of the event; duplicates are dropped",
    ),
    col("duration_ms", Integer, false, "how long the use took"),
];

const TRAINING: &[ColumnSpec] = &[
    col("user_id", Text, true, "who took the assessment"),
    col("course", Text, true, "the course"),
    col(
        "assessment",
        Text,
        false,
        "the assessment within the course",
    ),
    col("taken_at", Timestamp, true, "when it was taken"),
    col("score", Number, true, "the score, 0..=max_score"),
    col(
        "max_score",
        Number,
        false,
        "the highest possible score (default 100)",
    ),
    col(
        "phase",
        Vocabulary(PHASES),
        false,
        "baseline, final or follow_up",
    ),
];

const HELP: &[ColumnSpec] = &[
    col("helper_id", Text, true, "who helped"),
    col(
        "helped_id",
        Text,
        false,
        "who was helped; empty for a forum answer with no single asker",
    ),
    col("timestamp", Timestamp, true, "when"),
    col(
        "channel",
        Text,
        false,
        "ticket, chat, forum, peer_session, ...",
    ),
    col("topic", Text, false, "what the help was about"),
    col(
        "resolved",
        Resolution,
        false,
        "whether the problem was solved",
    ),
];

const FEEDBACK: &[ColumnSpec] = &[
    col("user_id", Text, true, "who filed it"),
    col("timestamp", Timestamp, true, "when"),
    col(
        "kind",
        Vocabulary(FEEDBACK_KINDS),
        false,
        "idea, bug, question or other",
    ),
];

const PEOPLE: &[ColumnSpec] = &[
    col("user_id", Text, true, "the person"),
    col(
        "display_name",
        Text,
        false,
        "name shown only when names are enabled",
    ),
    col("department", Text, false, "organisational unit"),
    col("role", Text, false, "job role"),
    col("manager_id", Text, false, "the person's manager"),
    col("hire_date", Date, false, "when the person joined"),
    col(
        "fte",
        Number,
        false,
        "full-time equivalent, above 0 and at most 1",
    ),
    col(
        "opt_out",
        Boolean,
        false,
        "true: the person appears in no output",
    ),
];

const CATALOG: &[ColumnSpec] = &[
    col("app", Text, false, "application"),
    col("feature", Text, true, "feature or command"),
    col(
        "area",
        Text,
        false,
        "feature area (formatting, reporting, ...)",
    ),
    col(
        "level",
        Vocabulary(LEVELS),
        false,
        "basic, intermediate or advanced",
    ),
    col(
        "has_shortcut",
        Boolean,
        false,
        "whether a keyboard shortcut exists",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_required_column_and_unique_names() {
        for table in TableKind::ALL {
            assert!(table.columns().iter().any(|c| c.required), "{table}");
            let mut names: Vec<_> = table.columns().iter().map(|c| c.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), table.columns().len(), "{table}");
            for person in table.person_columns() {
                assert!(table.column(person).is_some(), "{table}.{person}");
            }
            assert_eq!(TableKind::from_name(table.name()), Some(table));
            let open = table
                .columns()
                .iter()
                .filter(|c| c.kind.is_open_vocabulary());
            assert!(open.count() <= 1, "{table}: one open vocabulary at most");
        }
        assert_eq!(TableKind::Events.open_vocabulary(), Some("trigger"));
    }
}
