//! The rankings compared: adept's score, raw activity volume, and the habitual-user rule used in
//! workplace analytics (on average at least 15 actions a week and active in at least 9 of the
//! last 12 weeks). Ties are broken by a fixed hash of the user id, never by input order.

use serde::Serialize;

/// A way of ranking users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Adept,
    Volume,
    HabitualRule,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::Adept, Method::Volume, Method::HabitualRule];

    pub fn name(self) -> &'static str {
        match self {
            Method::Adept => "adept",
            Method::Volume => "volume",
            Method::HabitualRule => "habitual rule",
        }
    }
}

/// What the rankings need to know about one user.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    pub user_id: String,
    /// adept's rank (None: not scored, ranked after everyone scored).
    pub rank: Option<u32>,
    pub total_uses: f64,
    pub weekly_uses: f64,
    pub active_weeks_last_12: f64,
}

/// FNV-1a: a fixed, platform-independent tie-breaker.
fn tie_break(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Indexes of `users` in ranked order (best first) for a method.
pub fn rankings(users: &[RankInput], method: Method) -> Vec<usize> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    let key = |u: &RankInput| -> (f64, f64) {
        match method {
            Method::Adept => (u.rank.map_or(f64::INFINITY, f64::from), 0.0),
            Method::Volume => (-u.total_uses, 0.0),
            Method::HabitualRule => {
                let habitual = u.weekly_uses >= 15.0 && u.active_weeks_last_12 >= 9.0;
                (if habitual { 0.0 } else { 1.0 }, 0.0)
            }
        }
    };
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(&users[a]), key(&users[b]));
        ka.0.total_cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then_with(|| tie_break(&users[a].user_id).cmp(&tie_break(&users[b].user_id)))
            .then_with(|| users[a].user_id.cmp(&users[b].user_id))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, rank: Option<u32>, total: f64, weekly: f64, weeks: f64) -> RankInput {
        RankInput {
            user_id: id.into(),
            rank,
            total_uses: total,
            weekly_uses: weekly,
            active_weeks_last_12: weeks,
        }
    }

    #[test]
    fn each_method_orders_by_its_own_evidence() {
        let users = vec![
            user("a", Some(2), 5000.0, 400.0, 12.0),
            user("b", Some(1), 900.0, 70.0, 10.0),
            user("c", None, 10.0, 1.0, 1.0),
            user("d", Some(3), 300.0, 14.0, 12.0),
        ];
        assert_eq!(rankings(&users, Method::Adept), vec![1, 0, 3, 2]);
        assert_eq!(rankings(&users, Method::Volume), vec![0, 1, 3, 2]);
        let habitual = rankings(&users, Method::HabitualRule);
        // a and b pass the rule (in tie-break order), d misses 15 a week, c misses both.
        let mut first_two = habitual[..2].to_vec();
        first_two.sort();
        assert_eq!(first_two, vec![0, 1]);
    }
}
