//! Ingest and validation: reads an input directory's tables (CSV/TSV/JSON Lines/Parquet, plain,
//! gzip or zstd), maps columns to the input contract, types and checks every value, removes
//! opted-out people and duplicate events, and accounts for every row in a rejects ledger.

mod dedup;
mod delimited;
mod discover;
mod json_line;
mod lane;
mod ledger;
mod load;
mod mapping;
mod parquet;
mod parse;
mod pass;
mod person_ids;
mod sink;
mod spelling;
mod stream;
mod summary;
mod text;
mod validate;

pub use discover::{Compression, SourceFile, format_from_name};
pub use ledger::{LEDGER_COLUMNS, LineReject, RejectReason};
pub use load::{IngestOptions, Ingested, KeepLedger, LedgerOf, ingest, keep_nothing};
pub use parse::{TimestampRules, local_to_millis, parse_bool, parse_timestamp};
pub use sink::{CollectRows, DiscardRows, RowSink, fork_as};
pub use spelling::Spellings;
pub use summary::{FileSummary, IngestSummary, RowCounts, TableSummary};
pub use text::{TextRead, read_text_bytes};
