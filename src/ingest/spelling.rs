//! How an export spells a vocabulary's words: the other spellings the contract knows
//! ([`SYNONYMS`]) and those a config file adds for one column (`[tables.NAME.values]`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::contract::{SYNONYMS, TableKind, ValueKind};
use crate::error::{Error, Result};

/// The spellings of one column's words, each in basic form (see [`basic_form`]), and the word
/// each means. The config's come before the contract's, so a config can also change what one
/// of those means.
#[derive(Debug, Clone, Default)]
pub struct Spellings {
    configured: Vec<(String, String)>,
}

impl Spellings {
    /// The spellings configured for `column` of `table` under `[tables.NAME.values]` (spelling
    /// -> word), checked: the column must hold a vocabulary and each spelling must mean one of
    /// its words.
    pub fn configured(
        table: TableKind,
        column: &str,
        spelt: &BTreeMap<String, String>,
    ) -> Result<Arc<Spellings>> {
        let kind = table.column(column).map(|spec| spec.kind);
        let Some(words) = kind.and_then(words_meant) else {
            let open: Vec<&str> = table
                .columns()
                .iter()
                .filter(|spec| words_meant(spec.kind).is_some())
                .map(|spec| spec.name)
                .collect();
            return Err(Error::Config(format!(
                "[tables.{table}.values] names `{column}`, which is not a column of `{table}` \
                 whose values can be given a meaning; those are: {}",
                if open.is_empty() {
                    "none".to_string()
                } else {
                    open.join(", ")
                }
            )));
        };
        let expected = match kind {
            Some(ValueKind::Resolution) => "true or false".to_string(),
            _ => kind.map(ValueKind::expected).unwrap_or_default(),
        };
        let mut configured = Vec::new();
        for (spelling, meant) in spelt {
            let (spelling, meant) = (basic_form(spelling), basic_form(meant));
            if spelling.is_empty() || !words.contains(&meant.as_str()) {
                return Err(Error::Config(format!(
                    "[tables.{table}.values] {column}: `{spelling}` = `{meant}`: each value \
                     must be {expected}"
                )));
            }
            configured.push((spelling, meant));
        }
        Ok(Arc::new(Spellings { configured }))
    }

    /// The word `text` means: its basic form, or the word that form is another spelling of.
    pub fn normalise(&self, text: &str) -> String {
        let word = basic_form(text);
        match self.meaning(&word) {
            Some(meant) => meant.to_string(),
            None => word,
        }
    }

    /// What the config says `text` means in a column of true/false (`resolved = { "Won't fix"
    /// = "false" }`); None where it says nothing.
    pub fn configured_truth(&self, text: &str) -> Option<bool> {
        self.configured_meaning(&basic_form(text))
            .map(|meant| meant == "true")
    }

    /// The word the config says `word` (in basic form) means.
    fn configured_meaning(&self, word: &str) -> Option<&str> {
        self.configured
            .iter()
            .find(|(spelling, _)| spelling == word)
            .map(|(_, meant)| meant.as_str())
    }

    /// Whether [`Spellings::normalise`] leaves `text` as it is.
    pub fn is_normal(&self, text: &str) -> bool {
        !text
            .bytes()
            .any(|b| b == b'-' || b == b' ' || b.is_ascii_uppercase())
            && text.trim().len() == text.len()
            && self.meaning(text).is_none()
    }

    fn meaning(&self, word: &str) -> Option<&str> {
        self.configured_meaning(word).or_else(|| {
            SYNONYMS
                .iter()
                .find(|(spelling, _)| *spelling == word)
                .map(|(_, meant)| *meant)
        })
    }
}

/// The words a column's values may be said to mean under `[tables.NAME.values]`: a
/// vocabulary's words, or true and false for a help row's `resolved`. None for other columns.
fn words_meant(kind: ValueKind) -> Option<&'static [&'static str]> {
    match kind {
        ValueKind::Vocabulary(vocabulary) => Some(vocabulary.words),
        ValueKind::Resolution => Some(&["true", "false"]),
        _ => None,
    }
}

/// Trimmed, lower case, with `-` and spaces as `_`: `Context-Menu` is `context_menu`.
pub fn basic_form(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> BTreeMap<String, String> {
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn a_config_adds_spellings_of_a_vocabulary_word() {
        let events = settings("KBD = \"Shortcut\"\nhotkey = \"menu\"");
        let spellings = Spellings::configured(TableKind::Events, "trigger", &events).unwrap();
        assert_eq!(spellings.normalise(" kbd"), "shortcut");
        assert!(!spellings.is_normal("kbd"));
        // The config's meaning comes first; the contract's other spellings still hold.
        assert_eq!(spellings.normalise("Hotkey"), "menu");
        assert_eq!(spellings.normalise("Keyboard Shortcut"), "shortcut");
        assert_eq!(spellings.normalise("button"), "button");
        assert_eq!(Spellings::default().normalise("kbd"), "shortcut");
        assert_eq!(Spellings::default().normalise("Command Palette"), "palette");
    }

    #[test]
    fn a_spelling_must_mean_a_word_of_a_vocabulary_column() {
        let wrong_word = settings("kbd = \"keys\"");
        let err = Spellings::configured(TableKind::Events, "trigger", &wrong_word).unwrap_err();
        assert!(err.to_string().contains("one of shortcut, menu"), "{err}");
        let no_vocabulary = settings("a = \"b\"");
        let err = Spellings::configured(TableKind::Events, "feature", &no_vocabulary).unwrap_err();
        assert!(err.to_string().contains("those are: trigger"), "{err}");
        // `resolved` takes true or false, not a status of its own.
        let help = settings("\"Won't fix\" = \"false\"\nDuplicate = \"closed\"");
        let err = Spellings::configured(TableKind::Help, "resolved", &help).unwrap_err();
        assert!(err.to_string().contains("must be true or false"), "{err}");
        let err = Spellings::configured(TableKind::Help, "topic", &help).unwrap_err();
        assert!(err.to_string().contains("those are: resolved"), "{err}");
        let help = settings("\"Won't fix\" = \"false\"\nSolved-Elsewhere = \"True\"");
        let spellings = Spellings::configured(TableKind::Help, "resolved", &help).unwrap();
        assert_eq!(spellings.configured_truth(" WON'T FIX"), Some(false));
        assert_eq!(spellings.configured_truth("solved elsewhere"), Some(true));
        assert_eq!(spellings.configured_truth("closed"), None);
        let phases = settings("pre = \"baseline\"\npost = \"final\"");
        let spellings = Spellings::configured(TableKind::Training, "phase", &phases).unwrap();
        assert_eq!(spellings.normalise("Post"), "final");
    }
}
