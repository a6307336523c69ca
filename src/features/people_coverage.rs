//! How many of the people with usage the `people` table knows. Exports from two systems often
//! spell ids differently (an e-mail against an employee number, another case, a domain): then
//! departments, fte, hire dates and opt-outs apply to nobody, and a run must say so loudly.

use serde::{Deserialize, Serialize};

/// Below this share of people with usage known to the `people` table, a run warns.
const LOW_PEOPLE_COVERAGE: f64 = 0.5;

/// How many of the people with usage in the window have a `people` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeopleCoverage {
    pub with_usage: usize,
    pub known: usize,
    /// When few are known: what it means and what to check.
    pub warning: Option<String>,
}

impl PeopleCoverage {
    /// None without a `people` table (or without usage); `is_known` says whether a user with
    /// usage has a `people` row.
    pub fn of<'a>(
        has_people: bool,
        with_usage: impl Iterator<Item = &'a str>,
        is_known: impl Fn(&str) -> bool,
    ) -> Option<PeopleCoverage> {
        if !has_people {
            return None;
        }
        let (mut n, mut known) = (0, 0);
        for user in with_usage {
            n += 1;
            known += usize::from(is_known(user));
        }
        if n == 0 {
            return None;
        }
        let low = (known as f64) < LOW_PEOPLE_COVERAGE * n as f64;
        let warning = low.then(|| {
            format!(
                "the people table knows {known} of {n} people with usage: ids may be spelt \
                 differently across the tables (an e-mail against an employee number, letter \
                 case, a domain). Departments, fte, hire dates and opt-outs apply only to ids \
                 that match exactly; map or fix the ids before trusting this run"
            )
        });
        Some(PeopleCoverage {
            with_usage: n,
            known,
            warning,
        })
    }

    /// "knows 180 of 200 people with usage".
    pub fn summary(&self) -> String {
        format!(
            "people table knows {} of {} people with usage",
            self.known, self.with_usage
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_people_table_that_matches_few_users_warns_and_one_that_matches_most_does_not() {
        let users = ["a@x.org", "b@x.org", "c@x.org", "d@x.org"];
        let employee_numbers = |u: &str| u == "a@x.org";
        let few = PeopleCoverage::of(true, users.into_iter(), employee_numbers).unwrap();
        assert_eq!((few.known, few.with_usage), (1, 4));
        assert!(few.warning.unwrap().contains("knows 1 of 4"));
        let most = PeopleCoverage::of(true, users.into_iter(), |u| u != "d@x.org").unwrap();
        assert!(most.warning.is_none());
        assert!(PeopleCoverage::of(false, users.into_iter(), |_| false).is_none());
    }
}
