//! Collects the distinct person ids of the accepted rows, for the rejects ledger's references to
//! people. A batch repeats each person many times, so ids are first told apart by the 16-byte
//! view polars keeps of each string: only a view not yet met in the array has its text looked up.

use std::collections::HashSet;

use polars::prelude::*;

use crate::frames::holds_value;

/// The person ids met so far.
#[derive(Default)]
pub(super) struct PersonIds {
    ids: HashSet<String>,
    /// Views met in the current array. Within one array equal views are equal text (short text
    /// is held in its view; longer text is found by buffer and offset), so a view met before
    /// needs no lookup. Views of different arrays are not comparable: cleared per array.
    views: PlHashSet<u128>,
}

impl PersonIds {
    /// Adds every id of `column` (missing values are not ids).
    pub fn add(&mut self, column: &StringChunked) {
        for array in column.downcast_iter() {
            self.views.clear();
            for (row, view) in array.views().iter().enumerate() {
                if holds_value(array, row) && self.views.insert(view.as_u128()) {
                    let id = array.value(row);
                    if !self.ids.contains(id) {
                        self.ids.insert(id.to_string());
                    }
                }
            }
        }
    }

    pub fn into_set(self) -> HashSet<String> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_distinct_id_once_whatever_its_length_and_chunk() {
        let long = "a-person-id-longer-than-twelve-bytes";
        let mut first = StringChunked::new("p".into(), [Some("u1"), None, Some(long), Some("u1")]);
        let second = StringChunked::new("p".into(), [Some(long), Some("u2"), Some("")]);
        first.append(&second).unwrap();
        assert_eq!(first.chunks().len(), 2);
        let mut ids = PersonIds::default();
        ids.add(&first);
        ids.add(&StringChunked::new("p".into(), ["u2", "u3"]));
        let mut got: Vec<String> = ids.into_set().into_iter().collect();
        got.sort();
        assert_eq!(got, ["", long, "u1", "u2", "u3"]);
    }
}
