//! The applications and their feature catalogs: areas, levels, shortcuts and skewed popularity.

use rand::Rng;

use super::rng::{Stream, rng_for, shuffle, uniform};

/// How advanced a feature is (the contract's `level` vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Basic,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// One feature (command) of one application.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Index into [`Catalog::apps`].
    pub app: usize,
    /// Index into [`Catalog::areas`].
    pub area: usize,
    /// `area.verb_noun`, unique over all apps.
    pub name: String,
    pub level: Level,
    pub has_shortcut: bool,
    /// Relative popularity within its app (Zipf-like, the most popular is 1).
    pub popularity: f64,
    /// Popularity rank within its app, 0 = most popular.
    pub rank: usize,
}

#[derive(Debug, Clone)]
pub struct App {
    pub name: &'static str,
    /// Feature indexes of this app, most popular first.
    pub features: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Area {
    pub name: &'static str,
}

/// Every app, area and feature of the synthetic organisation.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub apps: Vec<App>,
    pub areas: Vec<Area>,
    pub features: Vec<Feature>,
}

struct AppSpec {
    name: &'static str,
    areas: &'static [(&'static str, &'static [&'static str])],
}

const VERBS: &[&str] = &[
    "insert", "edit", "delete", "copy", "move", "rename", "sort", "filter", "find", "export",
    "import", "merge", "split", "link", "toggle", "validate", "refresh", "share", "lock", "group",
];

/// Apps with their areas; each area lists the nouns its features act on. Area names are unique
/// over all apps, so `area.verb_noun` feature names are too.
const APPS: &[AppSpec] = &[
    AppSpec {
        name: "sheets",
        areas: &[
            (
                "formulas",
                &[
                    "function",
                    "named_range",
                    "array_formula",
                    "reference",
                    "lookup",
                    "error_check",
                    "precedents",
                    "dependents",
                    "goal_seek",
                ],
            ),
            (
                "formatting",
                &[
                    "cell_style",
                    "number_format",
                    "border",
                    "conditional_format",
                    "font",
                    "fill",
                    "column_width",
                    "theme",
                ],
            ),
            (
                "charts",
                &[
                    "chart",
                    "axis",
                    "legend",
                    "series",
                    "trendline",
                    "sparkline",
                    "data_label",
                    "chart_template",
                ],
            ),
            (
                "pivot_tables",
                &[
                    "pivot",
                    "slicer",
                    "calculated_field",
                    "grouping",
                    "pivot_layout",
                    "pivot_chart",
                    "drill_down",
                ],
            ),
            (
                "data_tools",
                &[
                    "table",
                    "dropdown",
                    "duplicates",
                    "text_to_columns",
                    "flash_fill",
                    "what_if",
                    "consolidation",
                    "outline",
                ],
            ),
            (
                "collaboration",
                &[
                    "comment",
                    "mention",
                    "version",
                    "workbook",
                    "sheet_protection",
                    "change_log",
                    "co_author",
                ],
            ),
            (
                "macros",
                &["macro", "script", "button", "recorder", "add_in", "trigger"],
            ),
            (
                "printing",
                &[
                    "page_setup",
                    "print_area",
                    "header",
                    "page_break",
                    "print_titles",
                    "pdf",
                ],
            ),
        ],
    },
    AppSpec {
        name: "crm",
        areas: &[
            (
                "contacts",
                &[
                    "contact",
                    "account",
                    "lead",
                    "note",
                    "tag",
                    "address",
                    "duplicate_contact",
                    "contact_list",
                ],
            ),
            (
                "opportunities",
                &[
                    "opportunity",
                    "quote",
                    "product_line",
                    "discount",
                    "forecast",
                    "stage",
                    "competitor",
                ],
            ),
            (
                "pipeline",
                &[
                    "board",
                    "pipeline_view",
                    "kanban_card",
                    "probability",
                    "close_date",
                    "owner",
                ],
            ),
            (
                "campaigns",
                &[
                    "campaign",
                    "segment",
                    "audience",
                    "landing_page",
                    "ab_test",
                    "budget",
                    "response",
                ],
            ),
            (
                "crm_reports",
                &[
                    "report",
                    "dashboard_tile",
                    "report_filter",
                    "summary",
                    "crm_export",
                    "schedule",
                    "chart_view",
                ],
            ),
            (
                "workflows",
                &[
                    "workflow",
                    "approval",
                    "rule",
                    "assignment",
                    "escalation",
                    "webhook",
                    "field_update",
                ],
            ),
            (
                "email_sync",
                &[
                    "email",
                    "template",
                    "sequence",
                    "signature",
                    "tracking",
                    "inbox_rule",
                ],
            ),
            (
                "calendar",
                &[
                    "meeting",
                    "reminder",
                    "task",
                    "availability",
                    "recurring_event",
                    "call_log",
                ],
            ),
        ],
    },
    AppSpec {
        name: "insight",
        areas: &[
            (
                "queries",
                &[
                    "query",
                    "join",
                    "parameter",
                    "saved_query",
                    "query_plan",
                    "subquery",
                    "snippet",
                    "query_history",
                ],
            ),
            (
                "dashboards",
                &[
                    "dashboard",
                    "widget",
                    "layout",
                    "dashboard_filter",
                    "drilldown",
                    "bookmark",
                    "tab",
                ],
            ),
            (
                "data_modeling",
                &[
                    "model",
                    "relationship",
                    "measure",
                    "hierarchy",
                    "calculated_column",
                    "partition",
                    "role",
                ],
            ),
            (
                "visuals",
                &[
                    "bar_chart",
                    "map",
                    "scatter",
                    "heatmap",
                    "kpi_card",
                    "custom_visual",
                    "tooltip",
                    "color_scale",
                ],
            ),
            (
                "data_sources",
                &[
                    "connection",
                    "gateway",
                    "refresh_plan",
                    "credential",
                    "dataflow",
                    "extract",
                ],
            ),
            (
                "sharing",
                &[
                    "workspace",
                    "permission",
                    "subscription",
                    "embed_code",
                    "publish",
                    "export_pdf",
                ],
            ),
            (
                "scripting",
                &[
                    "notebook",
                    "python_cell",
                    "sql_cell",
                    "library",
                    "breakpoint",
                    "debugger",
                    "unit_test",
                ],
            ),
            (
                "alerts",
                &[
                    "alert",
                    "threshold",
                    "notification",
                    "anomaly_rule",
                    "digest",
                ],
            ),
        ],
    },
];

impl Catalog {
    /// Builds the catalog for a run: the app and area structure is fixed, the features drawn
    /// from each area, their popularity, level and shortcuts depend on `seed`.
    pub fn build(seed: u64) -> Catalog {
        let mut apps = Vec::new();
        let mut areas = Vec::new();
        let mut features: Vec<Feature> = Vec::new();
        for (app_idx, spec) in APPS.iter().enumerate() {
            let mut rng = rng_for(seed, Stream::Catalog, app_idx as u64, 0);
            let mut app_features = Vec::new();
            for (area_name, nouns) in spec.areas {
                let area_idx = areas.len();
                areas.push(Area { name: area_name });
                let mut combos: Vec<(usize, usize)> = (0..VERBS.len())
                    .flat_map(|v| (0..nouns.len()).map(move |n| (v, n)))
                    .collect();
                shuffle(&mut rng, &mut combos);
                let count = rng.random_range(12..=30).min(combos.len());
                for &(v, n) in &combos[..count] {
                    app_features.push(features.len());
                    features.push(Feature {
                        app: app_idx,
                        area: area_idx,
                        name: format!("{area_name}.{}_{}", VERBS[v], nouns[n]),
                        level: Level::Basic,
                        has_shortcut: false,
                        popularity: 0.0,
                        rank: 0,
                    });
                }
            }
            // Popularity: a random order, Zipf weights by rank; levels follow rank (popular
            // features are basic, rare ones advanced) with some noise.
            shuffle(&mut rng, &mut app_features);
            let n = app_features.len() as f64;
            for (rank, &f) in app_features.iter().enumerate() {
                let q = rank as f64 / n + uniform(&mut rng, -0.12, 0.12);
                let level = if rank < 8 || q < 0.35 {
                    Level::Basic
                } else if q > 0.8 {
                    Level::Advanced
                } else {
                    Level::Intermediate
                };
                let p_shortcut = match level {
                    Level::Basic => 0.55,
                    Level::Intermediate => 0.3,
                    Level::Advanced => 0.15,
                };
                let feature = &mut features[f];
                feature.rank = rank;
                feature.popularity = 1.0 / (rank as f64 + 1.0).powf(1.05);
                feature.level = level;
                feature.has_shortcut = rng.random_bool(p_shortcut);
            }
            apps.push(App {
                name: spec.name,
                features: app_features,
            });
        }
        Catalog {
            apps,
            areas,
            features,
        }
    }

    pub fn app_names(&self) -> Vec<String> {
        self.apps.iter().map(|a| a.name.to_string()).collect()
    }

    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_skewed_and_sized() {
        let catalog = Catalog::build(7);
        assert!(catalog.apps.len() >= 3);
        for app in &catalog.apps {
            assert!(
                (90..=250).contains(&app.features.len()),
                "{}",
                app.features.len()
            );
        }
        let mut names: Vec<_> = catalog.features.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), catalog.features.len());
        let advanced = catalog
            .features
            .iter()
            .filter(|f| f.level == Level::Advanced)
            .count();
        let share = advanced as f64 / catalog.features.len() as f64;
        assert!((0.1..0.3).contains(&share), "{share}");
    }
}
