//! The generator run: builds the organisation, writes the small tables, then streams events day
//! by day (users in parallel) in blocks, pipelined: generate, convert, write.

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
use super::writer::{Prepared, TableWriter, write_table};
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

/// Streams the events table as a three-stage pipeline: while block k is written, block k+1 is
/// turned into chunks (tables, then frames or text) and the next day is generated.
fn write_events(
    ctx: &Context,
    path: &Path,
    format: OutputFormat,
) -> Result<(std::path::PathBuf, u64)> {
    let words = EventWords::new(ctx.org.user_ids(), ctx.catalog);
    let prepare = |block: Block| -> Result<Vec<Prepared>> {
        pieces(&block, BLOCK_ROWS)
            .iter()
            .map(|piece| Prepared::new(&events_table(&words, piece)?, format))
            .collect()
    };
    let mut writer = TableWriter::create(path, format)?;
    let write = |writer: &mut TableWriter, chunks: Vec<Prepared>| -> Result<()> {
        chunks
            .into_iter()
            .try_for_each(|chunk| writer.write_prepared(chunk))
    };
    let mut block: Block = Vec::new();
    let mut block_rows = 0;
    let mut to_prepare: Option<Block> = None;
    let mut to_write: Vec<Prepared> = Vec::new();
    let mut blocks = 0usize;
    for day in ctx.start_day..=ctx.end_day {
        let ((written, prepared), events) = rayon::join(
            || {
                rayon::join(
                    || write(&mut writer, std::mem::take(&mut to_write)),
                    || to_prepare.take().map_or(Ok(Vec::new()), prepare),
                )
            },
            || day_events(ctx.seed, ctx.profiles, ctx.catalog, day),
        );
        written?;
        to_write = prepared?;
        block_rows += events.len();
        block.push((day, events));
        if block_rows >= BLOCK_ROWS {
            to_prepare = Some(std::mem::take(&mut block));
            block_rows = 0;
            blocks += 1;
        }
    }
    write(&mut writer, std::mem::take(&mut to_write))?;
    if let Some(b) = to_prepare.take() {
        write(&mut writer, prepare(b)?)?;
    }
    // The last partial block; an empty one only when nothing was written (so the file has a schema).
    if block_rows > 0 || blocks == 0 {
        write(&mut writer, prepare(block)?)?;
    }
    writer.finish()
}
