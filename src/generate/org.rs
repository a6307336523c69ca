//! The organisation: departments of different sizes, people, roles, managers, hire dates, FTE,
//! opt-outs and each person's planted persona.

use rand::Rng;

use super::personas::Persona;
use super::rng::{Stream, apportion, rng_for, shuffle, uniform};

/// One department; `primary_app` is the application its people use most.
#[derive(Debug, Clone)]
pub struct Department {
    pub name: &'static str,
    pub primary_app: usize,
    /// Member indexes, ascending.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Person {
    /// `u000123`: `u` and the 1-based index, zero-padded.
    pub id: String,
    pub display_name: String,
    pub department: usize,
    pub role: &'static str,
    pub manager: Option<usize>,
    /// Day since 1970-01-01 the person joined.
    pub hire_day: i64,
    pub fte: f64,
    pub opt_out: bool,
    pub persona: Persona,
}

#[derive(Debug, Clone)]
pub struct Org {
    pub departments: Vec<Department>,
    pub people: Vec<Person>,
}

/// (name, primary app index, roles of its individual contributors).
const DEPARTMENTS: &[(&str, usize, &[&str])] = &[
    (
        "Sales",
        1,
        &[
            "account executive",
            "sales representative",
            "sales operations analyst",
        ],
    ),
    (
        "Finance",
        0,
        &["accountant", "financial analyst", "controller"],
    ),
    (
        "Customer Service",
        1,
        &["service agent", "support specialist", "service coordinator"],
    ),
    (
        "Operations",
        0,
        &["operations analyst", "planner", "coordinator"],
    ),
    (
        "Engineering",
        2,
        &["software engineer", "data engineer", "test engineer"],
    ),
    (
        "Marketing",
        1,
        &[
            "marketing specialist",
            "campaign manager",
            "content strategist",
        ],
    ),
    (
        "Analytics",
        2,
        &["data analyst", "data scientist", "bi developer"],
    ),
    (
        "Procurement",
        0,
        &["buyer", "category manager", "procurement analyst"],
    ),
    (
        "Human Resources",
        0,
        &["hr generalist", "recruiter", "payroll specialist"],
    ),
    (
        "Logistics",
        0,
        &["logistics planner", "dispatcher", "warehouse analyst"],
    ),
    ("Legal", 1, &["paralegal", "counsel", "compliance analyst"]),
    (
        "IT",
        2,
        &[
            "systems administrator",
            "service desk analyst",
            "solution architect",
        ],
    ),
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kaito",
    "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri", "Esther", "Felix",
    "Hana", "Ivan", "Julia", "Liam", "Mira", "Nikhil", "Olga", "Pablo",
];

const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Garcia",
    "Nakamura",
    "Novak",
    "Haddad",
    "Larsen",
    "Moreau",
    "Rossi",
    "Kowalski",
    "Singh",
    "Chen",
    "Silva",
    "Andersson",
    "Murphy",
    "Yilmaz",
    "Dubois",
    "Ivanova",
    "Jensen",
    "Kim",
    "Lopez",
    "Mensah",
    "Nguyen",
    "O'Brien",
    "Petrov",
    "Quispe",
    "Rahman",
    "Sato",
    "Tanaka",
    "Varga",
    "Weber",
    "Zhang",
    "Abebe",
    "Bianchi",
    "Costa",
    "Fischer",
    "Horvat",
    "Laine",
    "Meyer",
    "Patel",
];

/// Zero-padded id of the person at `index` (0-based): `u000001` for index 0.
pub fn user_id(index: usize, users: usize) -> String {
    let width = users.to_string().len().max(6);
    format!("u{:0width$}", index + 1)
}

impl Org {
    /// Builds the organisation for `users` people whose window is `start_day..=end_day`.
    pub fn build(seed: u64, users: usize, start_day: i64, end_day: i64) -> Org {
        let mut rng = rng_for(seed, Stream::Org, 0, 0);
        let window = (end_day - start_day + 1).max(1);

        // Departments: 8-12, Zipf-ish sizes, at least one person each.
        let wanted = rng.random_range(8..=DEPARTMENTS.len());
        let count = wanted.min(users.div_ceil(5)).max(1);
        let mut specs: Vec<usize> = (0..DEPARTMENTS.len()).collect();
        shuffle(&mut rng, &mut specs);
        specs.truncate(count);
        let weights: Vec<f64> = (0..count)
            .map(|k| 1.0 / (k as f64 + 1.0).powf(0.9))
            .collect();
        let mut sizes = apportion(users.saturating_sub(count), &weights);
        sizes.iter_mut().for_each(|s| *s += 1);
        if users < count {
            sizes = (0..count).map(|k| usize::from(k < users)).collect();
        }
        let mut dept_of: Vec<usize> = sizes
            .iter()
            .enumerate()
            .flat_map(|(d, &s)| std::iter::repeat_n(d, s))
            .collect();
        shuffle(&mut rng, &mut dept_of);

        // Personas: exact quotas, shuffled.
        let shares: Vec<f64> = Persona::ALL.iter().map(|p| p.share()).collect();
        let mut persona_of: Vec<Persona> = apportion(users, &shares)
            .into_iter()
            .zip(Persona::ALL)
            .flat_map(|(n, p)| std::iter::repeat_n(p, n))
            .collect();
        shuffle(&mut rng, &mut persona_of);

        let mut departments: Vec<Department> = specs
            .iter()
            .map(|&s| Department {
                name: DEPARTMENTS[s].0,
                primary_app: DEPARTMENTS[s].1,
                members: Vec::new(),
            })
            .collect();
        let mut people = Vec::with_capacity(users);
        for (index, (&department, &persona)) in dept_of.iter().zip(&persona_of).enumerate() {
            departments[department].members.push(index);
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let fte = match persona {
                Persona::PartTimeExpert => [0.5, 0.6][rng.random_range(0..2)],
                _ if rng.random_bool(0.13) => [0.5, 0.6, 0.7, 0.8][rng.random_range(0..4)],
                _ => 1.0,
            };
            let hire_day = match persona {
                // Hired shortly before or early in the window, so the ramp-up shows.
                Persona::NewHireFastRamp => {
                    start_day - 30 + rng.random_range(0..=(30 + window * 45 / 100))
                }
                Persona::Casual
                | Persona::Dormant
                | Persona::BusyShallow
                | Persona::ShortcutNarrow
                    if rng.random_bool(0.075) =>
                {
                    start_day + rng.random_range(0..window)
                }
                _ => start_day - (uniform(&mut rng, 180.0, 5500.0) as i64),
            };
            people.push(Person {
                id: user_id(index, users),
                display_name: format!("{first} {last}"),
                department,
                role: "",
                manager: None,
                hire_day,
                fte,
                opt_out: rng.random_bool(0.01),
                persona,
            });
        }

        // Roles and the reporting line: the first member heads the department, about one in
        // eight leads a team, everyone else reports to a team lead (or the head).
        let chief = departments.first().and_then(|d| d.members.first().copied());
        for (d, department) in departments.iter().enumerate() {
            let Some((&head, rest)) = department.members.split_first() else {
                continue;
            };
            let roles = DEPARTMENTS[specs[d]].2;
            people[head].role = "head of department";
            people[head].manager = chief.filter(|&c| c != head);
            let leads: Vec<usize> = rest.iter().copied().step_by(8).collect();
            for &member in rest {
                if leads.contains(&member) {
                    people[member].role = "team lead";
                    people[member].manager = Some(head);
                } else {
                    people[member].role = roles[rng.random_range(0..roles.len())];
                    people[member].manager = Some(if leads.is_empty() {
                        head
                    } else {
                        leads[rng.random_range(0..leads.len())]
                    });
                }
            }
        }
        Org {
            departments,
            people,
        }
    }

    pub fn user_ids(&self) -> Vec<String> {
        self.people.iter().map(|p| p.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_has_uneven_departments_and_valid_managers() {
        let org = Org::build(3, 1000, 20_000, 20_089);
        assert_eq!(org.people.len(), 1000);
        let sizes: Vec<usize> = org.departments.iter().map(|d| d.members.len()).collect();
        assert!(sizes.len() >= 8);
        assert!(sizes.iter().max().unwrap() > &(3 * sizes.iter().min().unwrap()));
        for (i, p) in org.people.iter().enumerate() {
            if let Some(m) = p.manager {
                assert_ne!(m, i);
            }
            assert!(p.fte > 0.0 && p.fte <= 1.0);
        }
        assert_eq!(user_id(122, 500), "u000123");
        assert_eq!(user_id(0, 2_000_000), "u0000001");
    }

    #[test]
    fn tiny_orgs_work() {
        for users in 1..12 {
            let org = Org::build(1, users, 0, 13);
            assert_eq!(org.people.len(), users);
            assert!(org.departments.iter().all(|d| !d.members.is_empty()));
        }
    }
}
