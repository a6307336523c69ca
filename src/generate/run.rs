//! The generator run: builds the organisation, writes the small tables, then streams events day
//! by day (users in parallel) in blocks, writing one block while the next days are generated.

use std::path::Path;

use rayon::prelude::*;

use super::calendar::epoch_day;
use super::catalog::Catalog;
use super::events::{EventWords, RawEvent, day_events, events_table, pieces};
use super::org::Org;
use super::params::{GenerateParams, GenerateSummary, OutputFormat};
use super::personas::Profile;
use super::records::{self, Context};
use super::reference;
use super::writer::{TableWriter, write_table};
use crate::contract::TableKind;
use crate::error::Result;

/// Most events per written chunk (a Parquet row group); a block of days ends at the first day
/// past this and is written in about equal pieces.
const BLOCK_ROWS: usize = 1 << 19;

/// Generates a synthetic organisation's tables into `out_dir` (created if missing).
///
/// Same params, same bytes: every random draw comes from a stream seeded by (seed, what, user,
/// day), so neither the thread count nor scheduling changes the output.
pub fn generate(params: &GenerateParams, out_dir: &Path) -> Result<GenerateSummary> {
    params.check()?;
    let start_day = epoch_day(params.start_date());
    let end_day = epoch_day(params.end_date);
    let seed = params.seed;
    let catalog = Catalog::build(seed);
    let org = Org::build(seed, params.users, start_day, end_day);
    let profiles: Vec<Profile> = org
        .people
        .par_iter()
        .enumerate()
        .map(|(i, person)| {
            let app = org.departments[person.department].primary_app;
            Profile::build(seed, i, person, app, &catalog, end_day)
        })
        .collect();
    let ctx = Context {
        seed,
        org: &org,
        catalog: &catalog,
        profiles: &profiles,
        start_day,
        end_day,
    };
    let path = |kind: TableKind| out_dir.join(format!("{kind}.{}", params.format.extension()));

    let mut files = Vec::new();
    let mut rows = Vec::new();
    for kind in TableKind::ALL {
        let (file, count) = match kind {
            TableKind::People => {
                write_table(&path(kind), params.format, &reference::people(&org)?)?
            }
            TableKind::Catalog => {
                write_table(&path(kind), params.format, &reference::catalog(&catalog)?)?
            }
            TableKind::Events => write_events(&ctx, &path(kind), params.format)?,
            TableKind::Training => {
                write_table(&path(kind), params.format, &records::training(&ctx)?)?
            }
            TableKind::Help => write_table(&path(kind), params.format, &records::help(&ctx)?)?,
            TableKind::Feedback => {
                write_table(&path(kind), params.format, &records::feedback(&ctx)?)?
            }
        };
        files.push(file);
        rows.push((kind, count));
    }
    let (truth, _) = write_table(
        &out_dir.join("truth.csv"),
        OutputFormat::Csv,
        &reference::truth(&org)?,
    )?;
    files.push(truth);

    let events = rows
        .iter()
        .find(|(k, _)| *k == TableKind::Events)
        .map_or(0, |(_, n)| *n);
    Ok(GenerateSummary {
        events,
        users: org.people.len(),
        power_users: org
            .people
            .iter()
            .filter(|p| p.persona.is_power_user())
            .count(),
        rows,
        files,
        start_date: params.start_date(),
        end_date: params.end_date,
    })
}

type Block = Vec<(i64, Vec<RawEvent>)>;

fn write_events(
    ctx: &Context,
    path: &Path,
    format: OutputFormat,
) -> Result<(std::path::PathBuf, u64)> {
    let words = EventWords::new(ctx.org.user_ids(), ctx.catalog);
    let mut writer = TableWriter::create(path, format)?;
    let mut block: Block = Vec::new();
    let mut block_rows = 0;
    let mut ready: Option<Block> = None;
    let mut chunks = 0usize;
    let write = |writer: &mut TableWriter, block: Block| -> Result<()> {
        for piece in pieces(&block, BLOCK_ROWS) {
            let t = std::time::Instant::now();
            let table = events_table(&words, &piece)?;
            let a = t.elapsed().as_secs_f64();
            writer.write(&table)?;
            eprintln!("TIMING table {a:.3} write {:.3}", t.elapsed().as_secs_f64() - a);
        }
        Ok(())
    };
    for day in ctx.start_day..=ctx.end_day {
        // Write the previous block while this day is generated.
        let (written, events) = rayon::join(
            || ready.take().map_or(Ok(()), |b| write(&mut writer, b)),
            || { let t = std::time::Instant::now(); let e = day_events(ctx.seed, ctx.profiles, ctx.catalog, day); eprintln!("TIMING day {:.3}", t.elapsed().as_secs_f64()); e },
        );
        written?;
        block_rows += events.len();
        block.push((day, events));
        if block_rows >= BLOCK_ROWS {
            ready = Some(std::mem::take(&mut block));
            block_rows = 0;
            chunks += 1;
        }
    }
    if let Some(b) = ready.take() {
        write(&mut writer, b)?;
    }
    // The last partial block; an empty one only when nothing was written (so the file has a schema).
    if block_rows > 0 || chunks == 0 {
        write(&mut writer, block)?;
    }
    writer.finish()
}
