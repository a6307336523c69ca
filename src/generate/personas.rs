//! The planted personas and the per-user behaviour profile drawn from each.
//!
//! A persona sets the ranges; every user draws their own values inside them (and some get one
//! trait pushed up or down), so personas overlap the way real people do.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::{Catalog, Level};
use super::org::Person;
use super::rng::{Stream, lognormal, rng_for, sample_without_replacement, uniform};

/// The behaviour pattern planted in a user; written to `truth.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Persona {
    PowerUser,
    QuietExpert,
    Helper,
    BusyShallow,
    ShortcutNarrow,
    PartTimeExpert,
    NewHireFastRamp,
    Casual,
    Dormant,
}

impl Persona {
    pub const ALL: [Persona; 9] = [
        Persona::PowerUser,
        Persona::QuietExpert,
        Persona::Helper,
        Persona::BusyShallow,
        Persona::ShortcutNarrow,
        Persona::PartTimeExpert,
        Persona::NewHireFastRamp,
        Persona::Casual,
        Persona::Dormant,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Persona::PowerUser => "power_user",
            Persona::QuietExpert => "quiet_expert",
            Persona::Helper => "helper",
            Persona::BusyShallow => "busy_shallow",
            Persona::ShortcutNarrow => "shortcut_narrow",
            Persona::PartTimeExpert => "part_time_expert",
            Persona::NewHireFastRamp => "new_hire_fast_ramp",
            Persona::Casual => "casual",
            Persona::Dormant => "dormant",
        }
    }

    pub fn from_name(name: &str) -> Option<Persona> {
        Persona::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether the persona counts as a power user in the ground truth.
    pub fn is_power_user(self) -> bool {
        matches!(
            self,
            Persona::PowerUser | Persona::PartTimeExpert | Persona::NewHireFastRamp
        )
    }

    /// Share of the organisation with this persona.
    pub fn share(self) -> f64 {
        match self {
            Persona::PowerUser => 0.05,
            Persona::QuietExpert => 0.04,
            Persona::Helper => 0.05,
            Persona::BusyShallow => 0.06,
            Persona::ShortcutNarrow => 0.05,
            Persona::PartTimeExpert => 0.02,
            Persona::NewHireFastRamp => 0.02,
            Persona::Casual => 0.55,
            Persona::Dormant => 0.16,
        }
    }

    fn is_expert(self) -> bool {
        matches!(
            self,
            Persona::PowerUser
                | Persona::QuietExpert
                | Persona::PartTimeExpert
                | Persona::NewHireFastRamp
        )
    }
}

/// Index of a trigger in [`crate::contract::TRIGGERS`]`.words`.
pub const SHORTCUT: u8 = 0;

/// How one user behaves over the window.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Chance of being active on a working day / a weekend day (at full ramp).
    pub workday_p: f64,
    pub weekend_p: f64,
    /// Mean events on an active day (at full ramp).
    pub events_per_day: f64,
    /// Mean seconds between events in a session.
    pub gap_s: f64,
    /// The user's repertoire, most used first.
    pub features: Vec<u32>,
    /// Cumulative usage weights over `features`.
    pub cum: Vec<f64>,
    /// Share of shortcut-capable uses made by shortcut (at full ramp / at the start of a ramp).
    pub shortcut_share: f64,
    pub shortcut_share_start: f64,
    /// Cumulative weights over the other triggers (menu, toolbar, context_menu, palette, mouse,
    /// api, other: indexes 1..=7 of the contract vocabulary).
    pub other_triggers: [f64; 7],
    /// `Some((from_day, to_day))`: behaviour ramps from novice at `from_day` to full at `to_day`.
    pub ramp: Option<(i64, i64)>,
    /// First day the user can be active.
    pub hire_day: i64,
    pub help_per_week: f64,
    /// Share of help given to other departments.
    pub cross_dept: f64,
    pub feedback_per_month: f64,
    /// Weights of idea, bug, question, other.
    pub feedback_mix: [f64; 4],
    /// Training: baseline score, improvement by the follow-up, share of the improvement kept.
    pub baseline: f64,
    pub improvement: f64,
    pub retention: f64,
    pub advanced_course: bool,
}

impl Profile {
    /// Progress through a ramp on `day`: 1 when there is no ramp.
    pub fn progress(&self, day: i64) -> f64 {
        match self.ramp {
            Some((from, to)) => ((day - from) as f64 / (to - from).max(1) as f64).clamp(0.0, 1.0),
            None => 1.0,
        }
    }

    /// Draws the profile of user `index`. The draws come in a fixed order (activity, pace,
    /// traits, overlap, repertoire, then the last two fields), so a seed gives the same profile.
    pub fn build(
        seed: u64,
        index: usize,
        person: &Person,
        primary_app: usize,
        catalog: &Catalog,
        end_day: i64,
    ) -> Profile {
        let mut rng = rng_for(seed, Stream::Profile, index as u64, 0);
        let persona = person.persona;
        let r = &mut rng;
        let (workday_p, weekend_p) = activity(r, persona, person.fte);
        // Other part-time staff are simply active less.
        let fte_factor = if persona == Persona::PartTimeExpert {
            1.0
        } else {
            person.fte
        };
        let (events_per_day, gap_s) = pace(r, persona);
        let mut t = Traits::draw(r, persona);
        t.overlap(r, persona);
        let (features, cum) = repertoire(
            r,
            persona,
            primary_app,
            catalog,
            t.distinct.round().max(1.0) as usize,
            t.alpha,
            t.advanced_extra,
            t.beta,
        );
        let ramp = (persona == Persona::NewHireFastRamp).then(|| {
            let to = end_day - 3;
            (person.hire_day, to.max(person.hire_day + 1))
        });
        Profile {
            workday_p: (workday_p * fte_factor).clamp(0.0, 1.0),
            weekend_p: (weekend_p * fte_factor).clamp(0.0, 1.0),
            events_per_day,
            gap_s,
            features,
            cum,
            shortcut_share: t.shortcut_share,
            shortcut_share_start: uniform(r, 0.05, 0.15),
            other_triggers: other_triggers(persona),
            ramp,
            hire_day: person.hire_day,
            help_per_week: t.help_per_week,
            cross_dept: t.cross_dept,
            feedback_per_month: t.feedback_per_month,
            feedback_mix: t.feedback_mix,
            baseline: t.baseline,
            improvement: t.improvement,
            retention: t.retention,
            advanced_course: persona.is_expert() && r.random_bool(0.5),
        }
    }
}

/// Chance of being active on a working day and on a weekend day.
fn activity(r: &mut ChaCha8Rng, persona: Persona, fte: f64) -> (f64, f64) {
    use Persona::*;
    match persona {
        PowerUser => (uniform(r, 0.85, 0.97), uniform(r, 0.08, 0.25)),
        QuietExpert => (uniform(r, 0.8, 0.95), uniform(r, 0.05, 0.2)),
        Helper => (uniform(r, 0.75, 0.92), uniform(r, 0.02, 0.08)),
        BusyShallow => (uniform(r, 0.93, 0.99), uniform(r, 0.2, 0.45)),
        ShortcutNarrow => (uniform(r, 0.6, 0.85), uniform(r, 0.02, 0.1)),
        // Works fewer days (about the FTE share), as deep on each.
        PartTimeExpert => (0.95 * fte, 0.03),
        NewHireFastRamp => (uniform(r, 0.85, 0.95), uniform(r, 0.02, 0.1)),
        Casual => (uniform(r, 0.25, 0.6), uniform(r, 0.0, 0.05)),
        Dormant if r.random_bool(0.4) => (0.0, 0.0),
        Dormant => (uniform(r, 0.01, 0.05), 0.0),
    }
}

/// Mean events on an active day, and mean seconds between events in a session.
fn pace(r: &mut ChaCha8Rng, persona: Persona) -> (f64, f64) {
    use Persona::*;
    let volume = lognormal(r, 0.22);
    let events_per_day = volume
        * match persona {
            PowerUser => uniform(r, 40.0, 80.0),
            QuietExpert => uniform(r, 35.0, 70.0),
            Helper => uniform(r, 22.0, 42.0),
            BusyShallow => uniform(r, 130.0, 260.0),
            ShortcutNarrow => uniform(r, 22.0, 42.0),
            PartTimeExpert => uniform(r, 40.0, 70.0),
            NewHireFastRamp => uniform(r, 45.0, 70.0),
            Casual => uniform(r, 15.0, 30.0),
            Dormant => uniform(r, 3.0, 10.0),
        };
    let gap_s = match persona {
        BusyShallow => uniform(r, 30.0, 55.0),
        PowerUser | QuietExpert | PartTimeExpert | NewHireFastRamp => uniform(r, 45.0, 90.0),
        _ => uniform(r, 60.0, 150.0),
    };
    (events_per_day, gap_s)
}

/// Cumulative weights over the other triggers (see [`Profile::other_triggers`]).
fn other_triggers(persona: Persona) -> [f64; 7] {
    use Persona::*;
    cumulative(&match persona {
        PowerUser | QuietExpert | PartTimeExpert | NewHireFastRamp => {
            [0.33, 0.17, 0.2, 0.14, 0.1, 0.04, 0.02]
        }
        BusyShallow => [0.55, 0.33, 0.05, 0.0, 0.07, 0.0, 0.0],
        _ => [0.45, 0.25, 0.13, 0.03, 0.12, 0.01, 0.01],
    })
}

/// A persona's traits as drawn, before the repertoire is chosen from them.
struct Traits {
    shortcut_share: f64,
    /// Distinct features, popularity exponent when choosing them, extra advanced ones,
    /// popularity exponent of use.
    distinct: f64,
    alpha: f64,
    advanced_extra: usize,
    beta: f64,
    help_per_week: f64,
    cross_dept: f64,
    feedback_per_month: f64,
    feedback_mix: [f64; 4],
    baseline: f64,
    improvement: f64,
    retention: f64,
}

impl Traits {
    fn draw(r: &mut ChaCha8Rng, persona: Persona) -> Traits {
        use Persona::*;
        let shortcut_share = match persona {
            PowerUser | ShortcutNarrow => uniform(r, 0.6, 0.85),
            QuietExpert | PartTimeExpert | NewHireFastRamp => uniform(r, 0.55, 0.8),
            Helper => uniform(r, 0.18, 0.38),
            BusyShallow => uniform(r, 0.0, 0.03),
            Casual => uniform(r, 0.05, 0.2),
            Dormant => uniform(r, 0.0, 0.1),
        };
        let (distinct, alpha, advanced_extra, beta) = match persona {
            PowerUser => (uniform(r, 70.0, 130.0), 0.3, r.random_range(10..=25), 0.35),
            QuietExpert => (uniform(r, 60.0, 110.0), 0.3, r.random_range(8..=20), 0.35),
            PartTimeExpert => (uniform(r, 60.0, 110.0), 0.3, r.random_range(8..=20), 0.35),
            NewHireFastRamp => (uniform(r, 60.0, 100.0), 0.4, r.random_range(8..=18), 0.4),
            Helper => (uniform(r, 30.0, 50.0), 0.7, r.random_range(1..=4), 0.7),
            BusyShallow => (uniform(r, 10.0, 20.0), 1.0, 0, 1.0),
            ShortcutNarrow => (uniform(r, 12.0, 25.0), 1.0, 0, 1.0),
            Casual => (uniform(r, 15.0, 40.0), 1.0, 0, 1.0),
            Dormant => (uniform(r, 3.0, 8.0), 1.2, 0, 1.2),
        };
        let (help_per_week, cross_dept, feedback_per_month) = social(r, persona);
        let feedback_mix = if persona.is_expert() {
            [0.45, 0.35, 0.1, 0.1]
        } else {
            [0.1, 0.25, 0.5, 0.15]
        };
        let (baseline, improvement, retention) = match persona {
            PowerUser | PartTimeExpert => (uniform(r, 60.0, 80.0), uniform(r, 12.0, 25.0), 1.0),
            QuietExpert => (uniform(r, 60.0, 80.0), uniform(r, 10.0, 22.0), 1.0),
            NewHireFastRamp => (uniform(r, 30.0, 45.0), uniform(r, 30.0, 45.0), 1.0),
            Helper => (uniform(r, 50.0, 70.0), uniform(r, 6.0, 14.0), 0.9),
            BusyShallow => (uniform(r, 40.0, 60.0), uniform(r, 0.0, 8.0), 0.5),
            ShortcutNarrow => (uniform(r, 45.0, 65.0), uniform(r, 3.0, 10.0), 0.6),
            Casual => (uniform(r, 35.0, 65.0), uniform(r, 0.0, 12.0), 0.5),
            Dormant => (uniform(r, 25.0, 55.0), uniform(r, -5.0, 5.0), 0.3),
        };
        Traits {
            shortcut_share,
            distinct,
            alpha,
            advanced_extra,
            beta,
            help_per_week,
            cross_dept,
            feedback_per_month,
            feedback_mix,
            baseline,
            improvement,
            retention,
        }
    }

    /// Overlap between personas: some casual users have one strong trait, some power users one
    /// weak signal.
    fn overlap(&mut self, r: &mut ChaCha8Rng, persona: Persona) {
        if persona == Persona::Casual && r.random_bool(0.12) {
            match r.random_range(0..5) {
                0 => self.shortcut_share = uniform(r, 0.45, 0.7),
                1 => self.help_per_week = uniform(r, 0.8, 2.5),
                2 => {
                    self.feedback_per_month = uniform(r, 0.8, 2.0);
                    self.feedback_mix = [0.45, 0.3, 0.15, 0.1];
                }
                3 => {
                    self.distinct *= 2.5;
                    self.alpha = 0.6;
                    self.advanced_extra = r.random_range(2..=6);
                }
                _ => {
                    self.baseline += 15.0;
                    self.improvement += 12.0;
                }
            }
        }
        if persona == Persona::PowerUser && r.random_bool(0.3) {
            match r.random_range(0..5) {
                0 => self.shortcut_share = uniform(r, 0.3, 0.45),
                1 => self.help_per_week = uniform(r, 0.2, 0.6),
                2 => self.feedback_per_month = uniform(r, 0.0, 0.2),
                3 => {
                    self.baseline = uniform(r, 45.0, 60.0);
                    self.improvement = uniform(r, 2.0, 8.0);
                }
                _ => self.distinct *= 0.6,
            }
        }
    }
}

/// Help given per week, the share of it given to other departments, and feedback per month.
fn social(r: &mut ChaCha8Rng, persona: Persona) -> (f64, f64, f64) {
    use Persona::*;
    let help_per_week = match persona {
        PowerUser => uniform(r, 1.5, 4.0),
        QuietExpert => uniform(r, 0.0, 0.12),
        Helper => uniform(r, 3.0, 7.0),
        BusyShallow => uniform(r, 0.0, 0.1),
        ShortcutNarrow => uniform(r, 0.0, 0.3),
        PartTimeExpert => uniform(r, 1.0, 2.5),
        NewHireFastRamp => uniform(r, 0.8, 2.0),
        Casual => uniform(r, 0.0, 0.25),
        Dormant => 0.0,
    };
    let cross_dept = match persona {
        PowerUser | PartTimeExpert | NewHireFastRamp => uniform(r, 0.35, 0.6),
        Helper => uniform(r, 0.1, 0.3),
        _ => uniform(r, 0.05, 0.2),
    };
    let feedback_per_month = match persona {
        PowerUser => uniform(r, 1.0, 3.0),
        PartTimeExpert | NewHireFastRamp => uniform(r, 0.6, 1.5),
        Helper => uniform(r, 0.2, 0.6),
        QuietExpert | BusyShallow | ShortcutNarrow | Casual => uniform(r, 0.0, 0.25),
        Dormant => 0.0,
    };
    (help_per_week, cross_dept, feedback_per_month)
}

fn cumulative<const N: usize>(weights: &[f64; N]) -> [f64; N] {
    let mut out = [0.0; N];
    let mut sum = 0.0;
    for (o, w) in out.iter_mut().zip(weights) {
        sum += w;
        *o = sum;
    }
    out
}

/// Draws a user's repertoire and how much they use each feature.
#[allow(clippy::too_many_arguments)]
fn repertoire(
    rng: &mut ChaCha8Rng,
    persona: Persona,
    primary_app: usize,
    catalog: &Catalog,
    distinct: usize,
    alpha: f64,
    advanced_extra: usize,
    beta: f64,
) -> (Vec<u32>, Vec<f64>) {
    // How much of their time goes to each app.
    let app_weights: Vec<f64> = (0..catalog.apps.len())
        .map(|a| {
            if a == primary_app {
                1.0
            } else {
                match persona {
                    Persona::BusyShallow | Persona::Dormant | Persona::ShortcutNarrow => 0.0,
                    p if p.is_expert() => uniform(rng, 0.15, 0.5),
                    _ if rng.random_bool(0.5) => uniform(rng, 0.05, 0.3),
                    _ => 0.0,
                }
            }
        })
        .collect();
    let total: f64 = app_weights.iter().sum();
    let mut chosen: Vec<(u32, f64)> = Vec::new();
    for (a, app) in catalog.apps.iter().enumerate() {
        if app_weights[a] <= 0.0 {
            continue;
        }
        let share = app_weights[a] / total;
        let k = ((distinct as f64 * share).round() as usize).max(3);
        let weights: Vec<f64> = app
            .features
            .iter()
            .map(|&f| {
                let feature = &catalog.features[f];
                match persona {
                    // The popular basics only.
                    Persona::BusyShallow => {
                        if feature.level == Level::Basic && feature.rank < 30 {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    Persona::ShortcutNarrow => {
                        if feature.level == Level::Advanced {
                            0.0
                        } else {
                            let boost = if feature.has_shortcut { 5.0 } else { 1.0 };
                            feature.popularity.powf(alpha) * boost
                        }
                    }
                    _ => feature.popularity.powf(alpha),
                }
            })
            .collect();
        let mut picked: Vec<usize> = sample_without_replacement(rng, &weights, k)
            .into_iter()
            .map(|i| app.features[i])
            .collect();
        if advanced_extra > 0 {
            let extra_weights: Vec<f64> = app
                .features
                .iter()
                .map(|&f| {
                    let feature = &catalog.features[f];
                    if feature.level == Level::Advanced && !picked.contains(&f) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            let extra = ((advanced_extra as f64 * share).round() as usize).max(1);
            picked.extend(
                sample_without_replacement(rng, &extra_weights, extra)
                    .into_iter()
                    .map(|i| app.features[i]),
            );
        }
        let uses: Vec<f64> = picked
            .iter()
            .map(|&f| catalog.features[f].popularity.powf(beta) * lognormal(rng, 0.7))
            .collect();
        let sum: f64 = uses.iter().sum();
        chosen.extend(
            picked
                .iter()
                .zip(&uses)
                .map(|(&f, &u)| (f as u32, u / sum * share)),
        );
    }
    chosen.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut cum = Vec::with_capacity(chosen.len());
    let mut acc = 0.0;
    for (_, w) in &chosen {
        acc += w;
        cum.push(acc);
    }
    (chosen.into_iter().map(|(f, _)| f).collect(), cum)
}
