//! Typed errors for every stage, sorted into the classes that decide adept's exit status.
//!
//! Library code returns [`Error`]; the binary maps [`Error::class`] to an exit code. Messages start
//! with a capital, put user-supplied values in backticks and say what to do where that is known.

use std::path::PathBuf;

/// One result type for the whole crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who has to act on an error: decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// A flag, argument or configuration value is wrong.
    Usage,
    /// Input data is missing, unreadable or too dirty.
    Data,
    /// An output could not be written.
    Output,
    /// Another run holds the output root's lock.
    Lock,
    /// Something that should not happen: probably a bug in adept.
    Internal,
}

impl ErrorClass {
    /// The process exit status for this class (documented in the README).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::Usage => 2,
            ErrorClass::Data => 3,
            ErrorClass::Output => 4,
            ErrorClass::Lock => 5,
            ErrorClass::Internal => 70,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Configuration: {0}")]
    Config(String),

    #[error("Cannot read configuration file `{path}`: {message}")]
    ConfigFile { path: PathBuf, message: String },

    #[error("{}", capitalised(.0))]
    Input(String),

    #[error("Cannot read `{path}`: {message}")]
    Unreadable { path: PathBuf, message: String },

    #[error(
        "`{path}` has no column `{column}` (needed for `{table}`).\n  Columns found: {found}\n  {}",
        mapping_advice(.table, .column, .canonical)
    )]
    MissingColumn {
        path: PathBuf,
        table: String,
        /// The name looked for in the file.
        column: String,
        /// The canonical column it stands for (the same name unless the config maps it).
        canonical: String,
        found: String,
    },

    #[error("`{path}`, column `{column}`: {message}")]
    ColumnType {
        path: PathBuf,
        column: String,
        message: String,
    },

    #[error(
        "`{path}`, column `{column}`: {message}. Is this the output directory of `adept run` (of this version)?"
    )]
    OutputColumn {
        path: PathBuf,
        column: String,
        message: String,
    },

    #[error(
        "Too many rejected rows in `{table}`: {rejected} of {read} ({rate:.2}%) exceed the limit of {limit:.2}%{cause}. See the rejects ledger{ledger}"
    )]
    RejectRate {
        table: String,
        rejected: u64,
        read: u64,
        rate: f64,
        limit: f64,
        /// The commonest reason and column, e.g. "; most (686) are unknown_value in `phase`".
        cause: String,
        ledger: String,
    },

    #[error("Cannot write `{path}`: {message}")]
    Output { path: PathBuf, message: String },

    #[error(
        "Another adept run is writing to this output root (lock `{path}`, held by {holder}); not starting a second one"
    )]
    LockHeld { path: PathBuf, holder: String },

    #[error("Internal error (probably a bug in adept, please report it): {0}")]
    Internal(String),

    #[error("Internal error in polars (probably a bug in adept, please report it): {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

impl Error {
    /// The same error with where the rejects ledger is said to be rewritten by `ledger`, for a
    /// reject rate over the limit; any other error as it is.
    pub fn with_ledger(mut self, rewrite: impl FnOnce(String) -> String) -> Error {
        if let Error::RejectRate { ledger, .. } = &mut self {
            *ledger = rewrite(std::mem::take(ledger));
        }
        self
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Config(_) | Error::ConfigFile { .. } => ErrorClass::Usage,
            Error::Input(_)
            | Error::Unreadable { .. }
            | Error::MissingColumn { .. }
            | Error::ColumnType { .. }
            | Error::OutputColumn { .. }
            | Error::RejectRate { .. } => ErrorClass::Data,
            Error::Output { .. } => ErrorClass::Output,
            Error::LockHeld { .. } => ErrorClass::Lock,
            Error::Internal(_) | Error::Polars(_) => ErrorClass::Internal,
        }
    }

    pub fn output(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Error {
        Error::Output {
            path: path.into(),
            message: err.to_string(),
        }
    }

    pub fn unreadable(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Error {
        Error::Unreadable {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

/// The message with its first letter in upper case.
/// What to do about a missing column: map one of the file's to it, or, where the config
/// already maps it to a name the file lacks, correct that name.
fn mapping_advice(table: &str, column: &str, canonical: &str) -> String {
    if column.contains('.') && column != canonical {
        return format!(
            "The config maps `{canonical}` to `{column}`: adept reads top-level keys and columns \
             only, so a nested value must first be lifted to a key of its own (for JSON Lines, \
             e.g. `jq -c '.{canonical} = .{column}'`), and mapped by that name"
        );
    }
    if column == canonical {
        format!(
            "Map a column of yours to `{column}` under [tables.{table}.columns] in the config file"
        )
    } else {
        format!(
            "The config maps `{canonical}` to `{column}` under [tables.{table}.columns]: correct \
             that name to one of the columns found"
        )
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
