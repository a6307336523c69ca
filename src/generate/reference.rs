//! The people and catalog tables, and `truth.csv` with each user's planted persona.

use super::catalog::Catalog;
use super::org::Org;
use super::table::{Table, TextColumn, Values};
use crate::contract::{LEVELS, TableKind};
use crate::error::Result;

fn text<'a>(values: impl Iterator<Item = &'a str>) -> Values {
    let mut col = TextColumn::default();
    values.for_each(|v| col.push(v));
    Values::Text(col)
}

pub fn people(org: &Org) -> Result<Table> {
    let p = &org.people;
    Table::for_contract(
        TableKind::People,
        vec![
            ("user_id", text(p.iter().map(|x| x.id.as_str()))),
            (
                "display_name",
                text(p.iter().map(|x| x.display_name.as_str())),
            ),
            (
                "department",
                text(p.iter().map(|x| org.departments[x.department].name)),
            ),
            ("role", text(p.iter().map(|x| x.role))),
            (
                "manager_id",
                text(p.iter().map(|x| x.manager.map_or("", |m| p[m].id.as_str()))),
            ),
            (
                "hire_date",
                Values::Date(p.iter().map(|x| x.hire_day as i32).collect()),
            ),
            ("fte", Values::Float(p.iter().map(|x| x.fte).collect())),
            (
                "opt_out",
                Values::Bool(p.iter().map(|x| x.opt_out).collect()),
            ),
        ],
    )
}

pub fn catalog(catalog: &Catalog) -> Result<Table> {
    let f = &catalog.features;
    Table::for_contract(
        TableKind::Catalog,
        vec![
            ("app", text(f.iter().map(|x| catalog.apps[x.app].name))),
            ("feature", text(f.iter().map(|x| x.name.as_str()))),
            ("area", text(f.iter().map(|x| catalog.areas[x.area].name))),
            (
                "level",
                text(f.iter().map(|x| {
                    debug_assert!(LEVELS.words.contains(&x.level.name()));
                    x.level.name()
                })),
            ),
            (
                "has_shortcut",
                Values::Bool(f.iter().map(|x| x.has_shortcut).collect()),
            ),
        ],
    )
}

/// `user_id,is_power_user,persona` for every user.
pub fn truth(org: &Org) -> Result<Table> {
    let p = &org.people;
    Table::new(vec![
        ("user_id", text(p.iter().map(|x| x.id.as_str()))),
        (
            "is_power_user",
            Values::Bool(p.iter().map(|x| x.persona.is_power_user()).collect()),
        ),
        ("persona", text(p.iter().map(|x| x.persona.name()))),
    ])
}
