//! Sums by group over a stream of batches. Each batch is reduced when it arrives and the partial
//! results are merged whenever they outgrow the last merge, so memory follows the number of
//! groups, not the number of rows. Sums of whole numbers are exact, so the result does not depend
//! on how rows were split into batches.

use polars::prelude::*;

use crate::error::Result;

/// Partial results are merged once they hold more rows than this, or twice the merged result.
const MERGE_AFTER_ROWS: usize = 1 << 21;

#[derive(Debug)]
pub struct GroupedSums {
    keys: Vec<PlSmallStr>,
    sums: Vec<PlSmallStr>,
    /// The merged result first (if any), then the partial results since.
    parts: Vec<DataFrame>,
    part_rows: usize,
    merged_rows: usize,
}

impl GroupedSums {
    /// Sums of the `sums` columns by the `keys` columns.
    pub fn new(keys: &[&str], sums: &[&str]) -> GroupedSums {
        GroupedSums {
            keys: keys.iter().map(|k| (*k).into()).collect(),
            sums: sums.iter().map(|s| (*s).into()).collect(),
            parts: Vec::new(),
            part_rows: 0,
            merged_rows: 0,
        }
    }

    /// Adds a batch holding (at least) the key and sum columns.
    pub fn add(&mut self, batch: LazyFrame) -> Result<()> {
        let reduced = self.reduce(batch).collect()?;
        self.part_rows += reduced.height();
        self.parts.push(reduced);
        if self.part_rows > MERGE_AFTER_ROWS.max(2 * self.merged_rows) {
            self.merge()?;
        }
        Ok(())
    }

    /// The sums per group, sorted by the keys (nulls last). `None` if nothing was added.
    pub fn finish(mut self) -> Result<Option<DataFrame>> {
        if self.parts.is_empty() {
            return Ok(None);
        }
        self.merge()?;
        let merged = self.parts.pop().expect("merge leaves one part");
        let keys: Vec<PlSmallStr> = self.keys.clone();
        Ok(Some(
            merged
                .lazy()
                .sort(keys, SortMultipleOptions::default().with_nulls_last(true))
                .collect()?,
        ))
    }

    fn reduce(&self, frame: LazyFrame) -> LazyFrame {
        frame
            .group_by(self.keys.iter().map(|k| col(k.clone())).collect::<Vec<_>>())
            .agg(
                self.sums
                    .iter()
                    .map(|s| col(s.clone()).sum())
                    .collect::<Vec<_>>(),
            )
    }

    fn merge(&mut self) -> Result<()> {
        let mut parts = std::mem::take(&mut self.parts).into_iter();
        let Some(mut all) = parts.next() else {
            return Ok(());
        };
        for part in parts {
            all.vstack_mut(&part)?;
        }
        let mut merged = self.reduce(all.lazy()).collect()?;
        merged.rechunk_mut();
        self.merged_rows = merged.height();
        self.part_rows = 0;
        self.parts.push(merged);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(users: &[&str], counts: &[i64]) -> LazyFrame {
        df!("user" => users, "n" => counts).unwrap().lazy()
    }

    #[test]
    fn sums_do_not_depend_on_batching() {
        let mut whole = GroupedSums::new(&["user"], &["n"]);
        whole
            .add(batch(&["b", "a", "b", "c"], &[1, 2, 3, 4]))
            .unwrap();
        let mut split = GroupedSums::new(&["user"], &["n"]);
        split.add(batch(&["b", "a"], &[1, 2])).unwrap();
        split.merge().unwrap();
        split.add(batch(&["b"], &[3])).unwrap();
        split.add(batch(&["c"], &[4])).unwrap();
        let whole = whole.finish().unwrap().unwrap();
        let split = split.finish().unwrap().unwrap();
        assert_eq!(whole, split);
        let users: Vec<_> = whole
            .column("user")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(users, [Some("a"), Some("b"), Some("c")]);
        let n: Vec<_> = whole.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, [Some(2), Some(4), Some(4)]);
        assert!(
            GroupedSums::new(&["user"], &["n"])
                .finish()
                .unwrap()
                .is_none()
        );
    }
}
