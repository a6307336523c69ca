//! Counts the rows naming each person id among the accepted rows: the ids for the rejects
//! ledger's references to people, the counts to tell whether one person's rows were rejected far
//! more than the table's. A batch repeats each person many times, so rows are first counted by
//! the 16-byte view polars keeps of each string: only each distinct view has its text looked up.

use std::collections::HashMap;

use polars::prelude::*;

use crate::frames::holds_value;

/// The person ids met so far, with the rows naming each.
#[derive(Default)]
pub(super) struct PersonIds {
    rows: HashMap<String, u64>,
    /// Views met in the current array: (a row holding it, rows). Within one array equal views
    /// are equal text (short text is held in its view; longer text is found by buffer and
    /// offset), so a view met before needs no lookup. Views of different arrays are not
    /// comparable: cleared per array.
    views: PlHashMap<u128, (usize, u64)>,
}

impl PersonIds {
    /// Counts every id of `column` (missing values are not ids).
    pub fn add(&mut self, column: &StringChunked) {
        for array in column.downcast_iter() {
            self.views.clear();
            for (row, view) in array.views().iter().enumerate() {
                if holds_value(array, row) {
                    self.views.entry(view.as_u128()).or_insert((row, 0)).1 += 1;
                }
            }
            for &(row, n) in self.views.values() {
                add_rows(&mut self.rows, array.value(row), n);
            }
        }
    }

    /// Rows per id.
    pub fn into_counts(self) -> HashMap<String, u64> {
        self.rows
    }
}

/// Adds `n` rows to `id`, copying the id only the first time.
pub(super) fn add_rows(rows: &mut HashMap<String, u64>, id: &str, n: u64) {
    match rows.get_mut(id) {
        Some(count) => *count += n,
        None => {
            rows.insert(id.to_string(), n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_and_its_rows_whatever_its_length_and_chunk() {
        let long = "a-person-id-longer-than-twelve-bytes";
        let mut first = StringChunked::new("p".into(), [Some("u1"), None, Some(long), Some("u1")]);
        let second = StringChunked::new("p".into(), [Some(long), Some("u2"), Some("")]);
        first.append(&second).unwrap();
        assert_eq!(first.chunks().len(), 2);
        let mut ids = PersonIds::default();
        ids.add(&first);
        ids.add(&StringChunked::new("p".into(), ["u2", "u3"]));
        let mut got: Vec<(String, u64)> = ids.into_counts().into_iter().collect();
        got.sort();
        let want = [("", 1), (long, 2), ("u1", 2), ("u2", 2), ("u3", 1)];
        assert_eq!(got, want.map(|(id, n)| (id.to_string(), n)));
    }
}
