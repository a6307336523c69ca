//! Ingest: formats, compression, layouts, column mapping, rejects, accounting and opt-outs.

use adept::ErrorClass;
use adept::config::Config;
use adept::contract::TableKind;
use adept::ingest::IngestOptions;
use adept::ingest::RowCounts;
use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

const EVENT_ROWS: [[&str; 9]; 4] = [
    [
        "u1",
        "2026-10-30T08:15:02Z",
        "pivot",
        "sheets",
        "shortcut",
        "1",
        "s1",
        "e1",
        "5400",
    ],
    [
        "u1",
        "2026-10-30T10:16:40+02:00",
        "xlookup",
        "sheets",
        "Palette",
        "2",
        "s1",
        "e2",
        "1200",
    ],
    [
        "u2",
        "2026-10-30 09:01:00",
        "copy",
        "sheets",
        "voice",
        "1",
        "s2",
        "e3",
        "300",
    ],
    ["u3", "1793350800", "export", "crm", "menu", "1", "", "", ""],
];

fn events_csv(delimiter: char) -> String {
    let mut text = EVENTS_HEADER.replace(',', &delimiter.to_string());
    for row in EVENT_ROWS {
        text.push_str(&row.join(&delimiter.to_string()));
        text.push('\n');
    }
    text
}

fn events_jsonl() -> String {
    let names: Vec<&str> = EVENTS_HEADER.trim().split(',').collect();
    let mut text = String::new();
    for row in EVENT_ROWS {
        let mut object = serde_json::Map::new();
        for (name, value) in names.iter().zip(row) {
            if value.is_empty() {
                continue;
            }
            // Numbers as JSON numbers, as real exports write them.
            let v = match value.parse::<i64>() {
                Ok(n) if *name != "user_id" => serde_json::Value::from(n),
                _ => serde_json::Value::from(value),
            };
            object.insert((*name).to_string(), v);
        }
        text.push_str(&serde_json::Value::Object(object).to_string());
        text.push('\n');
    }
    text
}

fn events_frame() -> DataFrame {
    let column = |i: usize| -> Vec<Option<&str>> {
        EVENT_ROWS
            .iter()
            .map(|r| Some(r[i]).filter(|v| !v.is_empty()))
            .collect()
    };
    let names: Vec<&str> = EVENTS_HEADER.trim().split(',').collect();
    let columns = names
        .iter()
        .enumerate()
        .map(|(i, n)| Column::new((*n).into(), column(i)))
        .collect();
    DataFrame::new(EVENT_ROWS.len(), columns).unwrap()
}

fn accepted_events(dir: &std::path::Path) -> DataFrame {
    let ingested = ingest_dir(dir).unwrap();
    ingested.table(TableKind::Events).unwrap().clone()
}

#[test]
fn every_format_and_compression_gives_the_same_events() {
    let reference_dir = tempdir().unwrap();
    write(reference_dir.path(), "events.csv", events_csv(','));
    let reference = accepted_events(reference_dir.path());
    assert_eq!(reference.height(), 4);
    assert_eq!(
        strings(&reference, "timestamp"),
        vec![
            "2026-10-30 08:15:02.000+00:00",
            "2026-10-30 08:16:40.000+00:00",
            "2026-10-30 09:01:00.000+00:00",
            "2026-10-30 09:00:00.000+00:00"
        ]
    );
    assert_eq!(
        strings(&reference, "trigger"),
        vec!["shortcut", "palette", "other", "menu"]
    );
    assert_eq!(strings(&reference, "count"), vec!["1", "2", "1", "1"]);

    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("events.tsv", events_csv('\t').into_bytes()),
        ("events.csv.gz", gzip(events_csv(',').as_bytes())),
        ("events.tsv.zst", zstd(events_csv('\t').as_bytes())),
        ("events.jsonl", events_jsonl().into_bytes()),
        ("events.ndjson.gz", gzip(events_jsonl().as_bytes())),
        ("events.jsonl.zst", zstd(events_jsonl().as_bytes())),
        // Compression is detected from the content, not the name.
        ("events.csv", gzip(events_csv(',').as_bytes())),
    ];
    for (name, bytes) in variants {
        let dir = tempdir().unwrap();
        write(dir.path(), name, bytes);
        let events = accepted_events(dir.path());
        assert!(
            events.equals_missing(&reference),
            "{name}:\n{events}\n{reference}"
        );
    }
    let dir = tempdir().unwrap();
    write_parquet(dir.path(), "events.parquet", &mut events_frame());
    let events = accepted_events(dir.path());
    assert!(events.equals_missing(&reference), "parquet:\n{events}");
}

#[test]
fn a_directory_of_files_is_one_table_and_bookkeeping_files_are_skipped() {
    let dir = tempdir().unwrap();
    let lines: Vec<String> = events_csv(',').lines().map(str::to_string).collect();
    write(
        dir.path(),
        "events/part-0.csv",
        format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2]),
    );
    write(
        dir.path(),
        "events/2026/part-1.csv.gz",
        gzip(format!("{}\n{}\n{}\n", lines[0], lines[3], lines[4]).as_bytes()),
    );
    write(dir.path(), "events/_SUCCESS", "");
    write(dir.path(), "events/.part-0.csv.crc", "junk");
    let ingested = ingest_dir(dir.path()).unwrap();
    assert_eq!(ingested.table(TableKind::Events).unwrap().height(), 4);
    let files = &ingested.summary.table(TableKind::Events).unwrap().files;
    assert_eq!(files.len(), 2);
    assert!(
        files[0].path.ends_with("events/2026/part-1.csv.gz"),
        "{files:?}"
    );
}

#[test]
fn a_configured_glob_and_a_segment_style_mapping_read_an_export_as_it_is() {
    let dir = tempdir().unwrap();
    let segment = [
        r#"{"userId":"u1","event":"Report Exported","timestamp":"2026-10-30T08:00:00.000Z","context":{"app":"crm"}}"#,
        r#"{"userId":"u2","event":"Pivot Created","timestamp":"2026-10-29T08:00:00.000Z"}"#,
    ]
    .join("\n");
    write(
        dir.path(),
        "exports/day1.jsonl.gz",
        gzip(segment.as_bytes()),
    );
    write(
        dir.path(),
        "exports/day2.jsonl",
        r#"{"userId":"u3","event":"Pivot Created","timestamp":1761800000000}"#,
    );
    write(dir.path(), "exports/notes.txt", "not data");
    let config = r#"
        [tables.events]
        source = "exports/*.jsonl*"
        columns = { user_id = "userId", feature = "event" }
    "#;
    let ingested = ingest_with_config(dir.path(), config).unwrap();
    let events = ingested.table(TableKind::Events).unwrap();
    assert_eq!(strings(events, "user_id"), vec!["u1", "u2", "u3"]);
    assert_eq!(strings(events, "feature")[0], "Report Exported");
    // Nested keys that are not mapped are ignored, not rejected.
    assert_eq!(ingested.rejects.height(), 0);

    // A mapped column that is not there is a configuration mistake worth an error.
    let config = "[tables.events]\nsource = \"exports/*.jsonl*\"\ncolumns = { user_id = \"userID\", feature = \"event\" }";
    let err = ingest_with_config(dir.path(), config).unwrap_err();
    assert!(err.to_string().contains("`userID`"), "{err}");
}

#[test]
fn a_missing_required_column_names_the_file_the_column_and_what_exists() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        "user,timestamp,feature\nu1,2026-10-30T08:00:00Z,x\n",
    );
    let err = ingest_dir(dir.path()).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.class(), ErrorClass::Data);
    assert!(text.contains("events.csv"), "{text}");
    assert!(text.contains("`user_id`"), "{text}");
    assert!(text.contains("`user`, `timestamp`, `feature`"), "{text}");
    // A nested key mapped as a path: the message says how to lift it.
    write(
        dir.path(),
        "events.jsonl",
        "{\"context\":{\"user\":{\"id\":\"u1\"}},\"timestamp\":\"2026-10-30T08:00:00Z\",\"feature\":\"x\"}\n",
    );
    std::fs::remove_file(dir.path().join("events.csv")).unwrap();
    let err = ingest_with_config(
        dir.path(),
        "[tables.events]\ncolumns = { user_id = \"context.user.id\" }",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("a nested value must first be lifted to a key of its own")
            && err.contains("jq -c '.user_id = .context.user.id'"),
        "{err}"
    );

    let dir = tempdir().unwrap();
    write(dir.path(), "people.csv", "user_id\nu1\n");
    let err = ingest_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("No `events` table"), "{err}");
}

/// One row per reject reason, with the line, column and reason the ledger must show.
#[test]
fn every_reject_reason_is_recorded_with_line_column_and_raw_value() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        [
            "user_id,timestamp,feature,trigger,count,duration_ms",
            "u1,2026-10-30T08:00:00Z,ok,menu,1,10",  // 2 ok
            " ,2026-10-30T08:00:00Z,x,menu,1,10",    // 3 missing user id
            "u1,last tuesday,x,menu,1,10",           // 4 unparseable timestamp
            "u1,2026-11-01T00:00:00Z,x,menu,1,10",   // 5 after as-of
            "u1,2026-10-30T08:00:00Z,x,menu,-2,10",  // 6 negative count
            "u1,2026-10-30T08:00:00Z,x,menu,two,10", // 7 wrong type
            "u1,2026-10-30T08:00:00Z,x,menu,1,-5",   // 8 negative duration
            "u1,2026-10-30T08:00:00Z,x,menu",        // 9 ragged
            "u1,2026-10-30T23:59:59Z,ok,menu,1,10",  // 10 ok: last second of the as-of date
        ]
        .join("\n"),
    );
    let mut invalid_utf8 = b"user_id,timestamp,kind\nu1,2026-10-30T08:00:00Z,".to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, b'\n']);
    write(dir.path(), "feedback.csv", invalid_utf8);
    write(
        dir.path(),
        "training.csv",
        "user_id,course,taken_at,score,max_score,phase\n\
         u1,c,2026-10-01,50,100,baseline\n\
         u1,c,2026-10-01,120,100,final\n\
         u1,c,2026-10-01,5,0,final\n\
         u1,c,2026-10-01,5,10,midterm\n",
    );
    write(
        dir.path(),
        "people.csv",
        "user_id,hire_date,fte,opt_out\nu1,2020-01-01,1,no\nu2,someday,1,no\nu3,2020-01-01,1.5,no\nu4,2020-01-01,full,no\n",
    );
    write(
        dir.path(),
        "help.jsonl",
        "{\"helper_id\":\"u1\",\"timestamp\":\"2026-10-30T08:00:00Z\"}\n[1,2]\n{\"helper_id\":\"u1\",\"timestamp\":\"2026-10-30T08:00:00Z\"\n{\"helper_id\":{\"id\":1},\"timestamp\":\"2026-10-30T08:00:00Z\"}\n",
    );
    write(
        dir.path(),
        "catalog.csv",
        "feature,level\nx,basic\ny,expert\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();

    let mut events = ledger_rows(&ingested, "events");
    events.sort_by_key(|r| r.2);
    let expected = [
        ("missing_value", "user_id", 3),
        ("unparseable_timestamp", "timestamp", 4),
        ("after_as_of", "timestamp", 5),
        ("negative_count", "count", 6),
        ("wrong_type", "count", 7),
        ("negative_duration", "duration_ms", 8),
        ("malformed_line", "", 9),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(r, c, l)| (r.to_string(), c.to_string(), *l))
        .collect();
    assert_eq!(events, expected);
    assert_eq!(ingested.table(TableKind::Events).unwrap().height(), 2);

    assert_eq!(
        ledger_rows(&ingested, "feedback"),
        vec![("invalid_utf8".into(), "kind".into(), 2)]
    );
    let mut training = ledger_rows(&ingested, "training");
    training.sort_by_key(|r| r.2);
    assert_eq!(
        training,
        vec![
            ("score_out_of_range".into(), "score".into(), 3),
            ("invalid_max_score".into(), "max_score".into(), 4),
            ("unknown_value".into(), "phase".into(), 5),
        ]
    );
    let mut people = ledger_rows(&ingested, "people");
    people.sort_by_key(|r| r.2);
    assert_eq!(
        people,
        vec![
            ("unparseable_date".into(), "hire_date".into(), 3),
            ("fte_out_of_range".into(), "fte".into(), 4),
            ("wrong_type".into(), "fte".into(), 5),
        ]
    );
    let mut help = ledger_rows(&ingested, "help");
    help.sort_by_key(|r| r.2);
    assert_eq!(
        help,
        vec![
            ("not_an_object".into(), "".into(), 2),
            ("malformed_line".into(), "".into(), 3),
            ("wrong_type".into(), "helper_id".into(), 4),
        ]
    );
    assert_eq!(
        ledger_rows(&ingested, "catalog"),
        vec![("unknown_value".into(), "level".into(), 3)]
    );

    // Raw values are kept as they were.
    let raw = strings(&ingested.rejects, "raw_value");
    assert!(raw.contains(&"last tuesday".to_string()), "{raw:?}");
    assert!(raw.contains(&"two".to_string()), "{raw:?}");
    // Every reason the ledger can hold has been produced by this test.
    let reasons: std::collections::BTreeSet<String> =
        strings(&ingested.rejects, "reason").into_iter().collect();
    for reason in adept::ingest::RejectReason::ALL {
        assert!(reasons.contains(reason.as_str()), "{reason} not produced");
    }
}

#[test]
fn rows_read_equal_accepted_plus_rejected_plus_duplicates_per_file_and_in_total() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events/a.csv",
        format!(
            "{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,s,e1,1\nu1,2026-10-30T08:00:00Z,f,a,menu,1,s,e1,1\nu2,bad,f,a,menu,1,s,e2,1\nu2,2026-10-30T08:00:00Z,f,a,menu,1,s,,1\n"
        ),
    );
    // e1 again in another file is a duplicate; e2 was rejected in a.csv, so its copy here counts.
    write(
        dir.path(),
        "events/b.csv",
        format!(
            "{EVENTS_HEADER}u3,2026-10-30T08:00:00Z,f,a,menu,1,s,e1,1\nu3,2026-10-30T08:00:00Z,f,a,menu,1,s,e2,1\nu3,2026-10-30T08:00:00Z,f\n"
        ),
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let summary = ingested.summary.table(TableKind::Events).unwrap();
    let a = summary.files[0].counts;
    let b = summary.files[1].counts;
    assert_eq!(
        a,
        RowCounts {
            read: 4,
            accepted: 2,
            rejected: 1,
            duplicates: 1,
            opted_out: 0
        }
    );
    assert_eq!(
        b,
        RowCounts {
            read: 3,
            accepted: 1,
            rejected: 1,
            duplicates: 1,
            opted_out: 0
        }
    );
    assert!(a.balances() && b.balances() && summary.totals.balances());
    assert_eq!(summary.totals.read, 7);
    assert_eq!(
        ingested.table(TableKind::Events).unwrap().height() as u64,
        summary.totals.accepted
    );
    assert_eq!(ingested.rejects.height() as u64, summary.totals.rejected);
    assert_eq!(
        summary.rejected_for(adept::ingest::RejectReason::MalformedLine),
        1
    );
}

#[test]
fn opted_out_people_appear_in_no_table_and_not_in_the_ledger() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "people.csv",
        "user_id,department,manager_id,fte,opt_out\nu1,Sales,u9,1,false\nu9,Sales,,1,false\nuX,Sales,u9,7,yes\n",
    );
    write(
        dir.path(),
        "events.csv",
        format!(
            "{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,,,\nuX,2026-10-30T08:00:00Z,f,a,menu,1,,,\nuX,garbage,f,a,menu,1,,,\nuX,2026-10-30T08:00:00Z\n"
        ),
    );
    write(
        dir.path(),
        "help.csv",
        "helper_id,helped_id,timestamp\nu1,uX,2026-10-30T08:00:00Z\nuX,u1,2026-10-30T08:00:00Z\n",
    );
    // A line that is not valid JSON still names the person: it is theirs, so it is left out.
    write(
        dir.path(),
        "feedback.jsonl",
        "{\"user_id\":\"uX\",\"timestamp\":\"2026-10-30T08:00:00Z\",\"kind\":\"idea\"}\n{\"user_id\": \"uX\", \"timestamp\": oops}\n",
    );
    write(
        dir.path(),
        "training.csv",
        "user_id,course,taken_at,score\nuX,c,2026-10-01,150\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    for (table, frame) in &ingested.tables {
        for column in frame.get_column_names() {
            assert!(
                !strings(frame, column).iter().any(|v| v.contains("uX")),
                "{table}.{column} still holds the opted-out id"
            );
        }
    }
    for column in ["raw_value", "source_file"] {
        assert!(
            !strings(&ingested.rejects, column)
                .iter()
                .any(|v| v.contains("uX"))
        );
    }
    assert_eq!(ingested.rejects.height(), 0, "{}", ingested.rejects);
    let events = ingested.summary.table(TableKind::Events).unwrap().totals;
    assert_eq!(
        events,
        RowCounts {
            read: 4,
            accepted: 1,
            rejected: 0,
            duplicates: 0,
            opted_out: 3
        }
    );
    // The help uX gave is gone; the help u1 gave uX stays, without uX.
    let help = ingested.table(TableKind::Help).unwrap();
    assert_eq!(strings(help, "helper_id"), vec!["u1"]);
    assert_eq!(strings(help, "helped_id"), vec![""]);
    assert_eq!(
        ingested
            .summary
            .table(TableKind::Training)
            .unwrap()
            .totals
            .opted_out,
        1
    );
}

#[test]
fn malformed_files_give_a_clear_error_never_a_panic() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("events.csv", Vec::new(), "empty"),
        ("events.parquet", Vec::new(), "empty"),
        (
            "events.parquet",
            b"PAR1 this is not parquet".to_vec(),
            "events.parquet",
        ),
        (
            "events.csv.gz",
            gzip(events_csv(',').as_bytes())[..40].to_vec(),
            "truncated or corrupt gzip",
        ),
        (
            "events.csv.zst",
            zstd(events_csv(',').as_bytes())[..20].to_vec(),
            "zstd",
        ),
        (
            "events.csv",
            b"user_id,time\xffstamp,feature\n".to_vec(),
            "header line is not valid UTF-8",
        ),
    ];
    for (name, bytes, expected) in cases {
        let dir = tempdir().unwrap();
        write(dir.path(), name, bytes);
        let err = ingest_dir(dir.path()).expect_err(name).to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains(name) || expected == "empty", "{name}: {err}");
    }
}

/// Windows (`\r\n`) and old Mac (bare `\r`) line ends, and blank lines: each row keeps its own
/// line in the ledger, with its own raw value. (The csv crate's lines were one short after a
/// `\r\n` or a blank line, and all 1 with bare `\r`: rejected rows showed another row's value.)
#[test]
fn every_kind_of_line_end_keeps_each_rows_line_and_raw_value() {
    for end in ["\r\n", "\r", "\n"] {
        let dir = tempdir().unwrap();
        write(
            dir.path(),
            "events.csv",
            [
                "user_id,timestamp,feature",
                "u1,2026-10-30T08:00:00Z,ok",
                "u1,last tuesday,x",
                "u1,2026-10-30T08:00:00Z",
                "",
                "u1,yesterday,y",
                "",
            ]
            .join(end),
        );
        let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
        let mut events = ledger_rows(&ingested, "events");
        events.sort_by_key(|r| r.2);
        let expected: Vec<_> = [
            ("unparseable_timestamp", "timestamp", 3),
            ("malformed_line", "", 4),
            ("unparseable_timestamp", "timestamp", 6),
        ]
        .iter()
        .map(|(r, c, l)| (r.to_string(), c.to_string(), *l))
        .collect();
        assert_eq!(events, expected, "{end:?}");
        let lines = whole_numbers(&ingested.rejects, "line");
        let raw = strings(&ingested.rejects, "raw_value");
        let raw_of = |line: u64| raw[lines.iter().position(|&l| l == line).unwrap()].clone();
        assert_eq!(raw_of(3), "last tuesday", "{end:?}");
        assert_eq!(raw_of(6), "yesterday", "{end:?}");
        assert_eq!(ingested.table(TableKind::Events).unwrap().height(), 1);
    }
}

#[test]
fn a_header_only_file_is_an_empty_table() {
    let dir = tempdir().unwrap();
    write(dir.path(), "events.csv", EVENTS_HEADER);
    let ingested = ingest_dir(dir.path()).unwrap();
    assert_eq!(ingested.table(TableKind::Events).unwrap().height(), 0);
    assert_eq!(
        ingested.summary.table(TableKind::Events).unwrap().totals,
        RowCounts::default()
    );
}

#[test]
fn parquet_with_wrong_column_types_is_rejected_by_value_or_refused_by_column() {
    let dir = tempdir().unwrap();
    let mut df = df!(
        "user_id" => [1i64, 2, 3],
        "timestamp" => [1_761_800_000i64, 1_761_800_001, 1_761_800_002],
        "feature" => ["a", "b", "c"],
        "count" => ["1", "many", "3"],
    )
    .unwrap();
    write_parquet(dir.path(), "events.parquet", &mut df);
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let events = ingested.table(TableKind::Events).unwrap();
    assert_eq!(strings(events, "user_id"), vec!["1", "3"]);
    assert_eq!(
        ledger_rows(&ingested, "events"),
        vec![("wrong_type".into(), "count".into(), 2)]
    );

    let dir = tempdir().unwrap();
    let mut df = df!("user_id" => ["u1"], "timestamp" => [true], "feature" => ["a"]).unwrap();
    write_parquet(dir.path(), "events.parquet", &mut df);
    let err = ingest_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("`timestamp`") && err.contains("bool"), "{err}");
}

#[test]
fn too_many_rejects_fail_the_run_and_say_how_many() {
    let dir = tempdir().unwrap();
    let mut text = EVENTS_HEADER.to_string();
    for i in 0..18 {
        text.push_str(&format!("u{i},2026-10-30T08:00:00Z,f,a,menu,1,,,\n"));
    }
    text.push_str("u1,not a time,f,a,menu,1,,,\nu1,never,f,a,menu,1,,,\n");
    write(dir.path(), "events.csv", text);
    // Ingest hands the ledger over first, then fails, naming where the ledger was kept.
    let mut kept_rejects = 0;
    let err = adept::ingest::ingest(
        &IngestOptions::new(dir.path(), as_of(), Config::default()),
        &mut adept::ingest::DiscardRows,
        &mut |ingested, of| {
            assert_eq!(of, adept::ingest::LedgerOf::FailedRun);
            kept_rejects = ingested.rejects.height();
            Ok(Some("/kept/rejects.parquet".into()))
        },
    )
    .expect_err("10% is over the default 5%");
    assert_eq!(kept_rejects, 2);
    assert_eq!(err.class(), ErrorClass::Data);
    assert!(err.to_string().contains("2 of 20"), "{err}");
    // What the rejects are, so that the fix can start from the message.
    let cause = "most (2) are unparseable_timestamp in `timestamp`, e.g. `not a time` \
                 (`timestamp` takes a timestamp: ISO 8601";
    assert!(err.to_string().contains(cause), "{err}");
    assert!(err.to_string().contains("/kept/rejects.parquet"), "{err}");
    let relaxed = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 0.1");
    assert!(relaxed.is_ok());
}

#[test]
fn naive_timestamps_use_the_configured_time_zone_and_the_as_of_date_ends_there() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        "user_id,timestamp,feature\nu1,2026-10-31T23:30:00,f\nu1,2026-10-31T23:30:00Z,f\n",
    );
    let ingested = ingest_with_config(
        dir.path(),
        "[ingest]\ntimezone = \"America/New_York\"\nmax_reject_rate = 1.0",
    )
    .unwrap();
    let events = ingested.table(TableKind::Events).unwrap();
    // 23:30 in New York is 03:30 UTC the next day, still within the as-of date there; 23:30 UTC
    // is 19:30 in New York, also within it.
    assert_eq!(
        strings(events, "timestamp"),
        vec![
            "2026-11-01 03:30:00.000+00:00",
            "2026-10-31 23:30:00.000+00:00"
        ]
    );
    // The dates covered are New York's (both rows are on 31 October there), not UTC's.
    let summary = &ingested.summary;
    let dates = summary.dates(summary.table(TableKind::Events).unwrap());
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    assert_eq!(dates, Some((day("2026-10-31"), day("2026-10-31"))));
    assert!(summary.to_string().contains("2026-10-31 .. 2026-10-31"));
    let utc = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    assert_eq!(utc.table(TableKind::Events).unwrap().height(), 2);
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        "user_id,timestamp,feature\nu1,2026-11-01T00:30:00,f\n",
    );
    let utc = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    assert_eq!(
        ledger_rows(&utc, "events"),
        vec![("after_as_of".into(), "timestamp".into(), 2)]
    );
}

#[test]
fn two_files_for_one_table_is_an_error_not_a_guess() {
    let dir = tempdir().unwrap();
    write(dir.path(), "events.csv", events_csv(','));
    write(dir.path(), "events.jsonl", events_jsonl());
    let err = ingest_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("ambiguous") && err.contains("events.csv") && err.contains("events.jsonl"),
        "{err}"
    );
}

#[test]
fn the_bundled_examples_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/examples");
    let ingested = ingest_dir(&dir).unwrap();
    assert_eq!(ingested.rejects.height(), 0, "{}", ingested.rejects);
    assert!(ingested.summary.absent.is_empty());
    for table in &ingested.summary.tables {
        assert!(table.totals.accepted > 0, "{}", table.table);
        assert!(table.totals.balances());
    }
    // u000004 opted out.
    let people = ingested.table(TableKind::People).unwrap();
    assert!(!strings(people, "user_id").contains(&"u000004".to_string()));
}

/// A sink that reads only `feature`: remembers the columns it was given and counts rows.
#[derive(Default)]
struct FeatureOnly {
    columns: Vec<String>,
    rows: usize,
}

impl adept::ingest::RowSink for FeatureOnly {
    fn columns(&self) -> Option<&'static [&'static str]> {
        Some(&["feature"])
    }

    fn push(&mut self, rows: DataFrame) -> adept::Result<()> {
        self.columns = rows
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        self.rows += rows.height();
        Ok(())
    }
}

#[test]
fn a_sink_that_reads_some_columns_gets_them_and_the_accounting_is_the_same() {
    let dir = tempdir().unwrap();
    let mut text = EVENTS_HEADER.to_string();
    text.push_str("u1,2026-10-30T08:00:00Z,f,a,menu,1,s1,e1,5\n");
    text.push_str("u2,2026-10-29T08:00:00Z,g,a,menu,1,s2,e2,5\n");
    text.push_str("u1,2026-10-30T08:00:00Z,f,a,menu,1,s1,e1,5\n"); // a duplicate
    text.push_str("u3,never,f,a,menu,1,s3,e3,5\n"); // rejected
    write(dir.path(), "events.csv", text);
    let options = IngestOptions::new(
        dir.path(),
        as_of(),
        Config::from_toml("[ingest]\nmax_reject_rate = 1.0").unwrap(),
    );
    let mut some = FeatureOnly::default();
    let narrow =
        adept::ingest::ingest(&options, &mut some, &mut adept::ingest::keep_nothing).unwrap();
    // Its column, and what the accounting reads (the person and the time), in contract order.
    assert_eq!(some.columns, ["user_id", "timestamp", "feature"]);
    assert_eq!(some.rows, 2);

    let mut all = adept::ingest::CollectRows::default();
    let wide = adept::ingest::ingest(&options, &mut all, &mut adept::ingest::keep_nothing).unwrap();
    assert_eq!(
        all.finish().unwrap().width(),
        EVENTS_HEADER.split(',').count()
    );
    let events = |i: &adept::ingest::Ingested| i.summary.table(TableKind::Events).cloned().unwrap();
    let (narrow_events, wide_events) = (events(&narrow), events(&wide));
    assert_eq!(narrow_events.totals, wide_events.totals);
    assert_eq!(narrow_events.totals.duplicates, 1);
    assert_eq!(narrow_events.first_timestamp, wide_events.first_timestamp);
    assert_eq!(narrow.person_ids, wide.person_ids);
    assert_eq!(narrow.rejects, wide.rejects);
}

#[test]
fn a_people_file_larger_than_one_chunk_is_read_to_its_end_opt_outs_included() {
    // About 40 MB of JSON Lines: more than one chunk of text. The last person opted out.
    let dir = tempdir().unwrap();
    let padding = "x".repeat(100);
    let mut people = String::new();
    for i in 0..300_000 {
        people.push_str(&format!(
            "{{\"user_id\":\"p{i:06}\",\"department\":\"Sales\",\"note\":\"{padding}\"}}\n"
        ));
    }
    people.push_str("{\"user_id\":\"last\",\"opt_out\":true}\n");
    assert!(people.len() > 40 << 20);
    write(dir.path(), "people.jsonl", &people);
    write(
        dir.path(),
        "events.csv",
        format!(
            "{EVENTS_HEADER}p000001,2026-10-30T08:00:00Z,f,a,menu,1,,,\nlast,2026-10-30T08:00:00Z,f,a,menu,1,,,\n"
        ),
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let totals = ingested.summary.table(TableKind::People).unwrap().totals;
    assert_eq!(
        (totals.read, totals.rejected, totals.opted_out),
        (300_001, 0, 1)
    );
    let events = ingested.summary.table(TableKind::Events).unwrap().totals;
    assert_eq!((events.accepted, events.opted_out), (1, 1), "{events:?}");
}

#[test]
fn an_opt_out_that_is_neither_true_nor_false_is_honoured_and_said() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "people.csv",
        "user_id,department,opt_out\nu1,Sales,1.0\nu2,Sales,no\nu3,Sales,NA\n",
    );
    write(
        dir.path(),
        "events.csv",
        format!(
            "{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,,,\nu2,2026-10-30T08:00:00Z,f,a,menu,1,,,\n\
             u3,2026-10-30T08:00:00Z,f,a,menu,1,,,\n"
        ),
    );
    let ingested = ingest_with_config(dir.path(), "").unwrap();
    let events = ingested.summary.table(TableKind::Events).unwrap().totals;
    // `NA`, elsewhere a missing value, does not say that someone agreed to be analysed.
    assert_eq!((events.accepted, events.opted_out), (1, 2), "{events:?}");
    let people = ingested.summary.table(TableKind::People).unwrap().totals;
    assert_eq!(
        (people.accepted, people.opted_out, people.rejected),
        (1, 2, 0)
    );
    let text = ingested.summary.to_string();
    assert!(
        text.contains("line 2: opt_out `1.0` is neither true nor false"),
        "{text}"
    );
    assert!(!text.contains("u1"), "the note names no one: {text}");
}

#[test]
fn a_people_line_that_cannot_be_read_stops_ingest_when_it_may_hold_an_opt_out() {
    // An unquoted comma in a name: the line has a field too many, and whose opt-out it holds
    // cannot be told for sure.
    let events = format!("{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,,,\n");
    let with_opt_out = tempdir().unwrap();
    write(
        with_opt_out.path(),
        "people.csv",
        "user_id,display_name,opt_out\nu1,Ann,no\nu2,Müller, José,true\n",
    );
    write(with_opt_out.path(), "events.csv", &events);
    let Err(err) = ingest_with_config(with_opt_out.path(), "[ingest]\nmax_reject_rate = 1.0")
    else {
        panic!("a people line that cannot be read stops the run");
    };
    let message = err.to_string();
    assert!(message.contains("people.csv` line 3"), "{message}");
    assert!(message.contains("may hold an opt-out"), "{message}");
    assert_eq!(err.class().exit_code(), 3);

    // Without an opt_out column the line cannot hold one: it is rejected like any other.
    let without = tempdir().unwrap();
    write(
        without.path(),
        "people.csv",
        "user_id,display_name\nu1,Ann\nu2,Müller, José\n",
    );
    write(without.path(), "events.csv", &events);
    let ingested = ingest_with_config(without.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let people = ingested.summary.table(TableKind::People).unwrap().totals;
    assert_eq!((people.accepted, people.rejected), (1, 1));
}

#[test]
fn an_empty_file_is_refused_with_what_its_format_needs() {
    for (name, needs) in [
        ("events.csv", "needs at least a header line"),
        ("events.jsonl", "needs at least one object"),
    ] {
        let dir = tempdir().unwrap();
        write(dir.path(), name, "");
        let Err(err) = ingest_with_config(dir.path(), "") else {
            panic!("an empty {name} was read");
        };
        assert!(err.to_string().contains(needs), "{err}");
        assert_eq!(err.class().exit_code(), 3);
    }
}

#[test]
fn an_id_that_differs_from_an_opted_out_id_only_in_case_stops_ingest() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "people.csv",
        "user_id,opt_out\nAna.Lima@x.org,true\nbo@x.org,false\n",
    );
    let events = |ana: &str| {
        format!(
            "{EVENTS_HEADER}{ana},2026-10-30T08:00:00Z,f,a,menu,1,,,\nbo@x.org,2026-10-30T08:00:00Z,f,a,menu,1,,,\n"
        )
    };
    write(dir.path(), "events.csv", events("ana.lima@x.org"));
    let Err(err) = ingest_with_config(dir.path(), "") else {
        panic!("the events of an opted-out person spelt in another case were analysed");
    };
    let message = err.to_string();
    assert!(
        message.contains("1 id(s) kept in the input differ"),
        "{message}"
    );
    assert!(
        !message.to_lowercase().contains("ana.lima"),
        "names no one: {message}"
    );
    assert_eq!(err.class().exit_code(), 3);
    // Spelt the same, the opt-out is honoured and the run goes on.
    write(dir.path(), "events.csv", events("Ana.Lima@x.org"));
    let ingested = ingest_with_config(dir.path(), "").unwrap();
    let totals = ingested.summary.table(TableKind::Events).unwrap().totals;
    assert_eq!((totals.accepted, totals.opted_out), (1, 1));
}

#[test]
fn numbers_that_are_not_finite_are_rejected_not_read_as_a_score() {
    let dir = tempdir().unwrap();
    write(dir.path(), "people.csv", "user_id,fte\nu1,1\nu2,inf\n");
    write(
        dir.path(),
        "events.csv",
        format!("{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,,,\n"),
    );
    write(
        dir.path(),
        "training.csv",
        "user_id,course,taken_at,score,max_score,phase\n\
         u1,c,2026-10-01,50,inf,baseline\n\
         u1,c,2026-10-02,NaN,100,final\n\
         u1,c,2026-10-03,-inf,100,final\n\
         u1,c,2026-10-04,80,100,final\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let mut training = ledger_rows(&ingested, "training");
    training.sort_by_key(|r| r.2);
    assert_eq!(
        training,
        vec![
            ("invalid_max_score".into(), "max_score".into(), 2),
            // `NaN` written as text is how Python spells a missing value.
            ("missing_value".into(), "score".into(), 3),
            ("score_out_of_range".into(), "score".into(), 4),
        ]
    );
    assert_eq!(
        ledger_rows(&ingested, "people"),
        vec![("fte_out_of_range".into(), "fte".into(), 3)]
    );
}

#[test]
fn the_usual_spellings_of_a_missing_value_are_missing_in_typed_columns_and_text_in_text_ones() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        format!(
            "{EVENTS_HEADER}\
             u1,2026-10-30T08:00:00Z,f,a,null,N/A,,,NA\n\
             u1,NaT,f,a,menu,1,,,\n\
             u2,2026-10-30T09:00:00Z,f,NA,None,#n/a,,,?\n\
             u2,2026-10-30T09:00:00Z,f,a,menu,-,,,\n\
             u2,2026-10-30T10:00:00Z,f,a,menu,1,,,-1\n"
        ),
    );
    write(
        dir.path(),
        "people.csv",
        "user_id,department,fte,hire_date\nu1,NA,nan,NULL\nu2,emea,0.5,2026-01-05\n",
    );
    write(
        dir.path(),
        "training.csv",
        "user_id,course,taken_at,score,phase\n\
         u1,c,2026-10-01,?,baseline\n\
         u1,c,2026-10-02,80,N/A\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let events = ingested.table(TableKind::Events).unwrap();
    // An optional value spelt missing is missing (a count takes its default of 1); text keeps it.
    // So is a duration of -1, the usual placeholder for one not measured.
    assert_eq!(strings(events, "trigger"), ["", "", "menu"]);
    assert_eq!(strings(events, "count"), ["1", "1", "1"]);
    assert_eq!(strings(events, "duration_ms"), ["", "", ""]);
    assert_eq!(strings(events, "app"), ["a", "NA", "a"]);
    let summary = ingested.summary.table(TableKind::Events).unwrap();
    assert_eq!(summary.unknown_as_other, 0);
    // A required value spelt missing is a missing value; `-` is not read as missing.
    assert_eq!(
        ledger_rows(&ingested, "events"),
        vec![
            ("missing_value".into(), "timestamp".into(), 3),
            ("wrong_type".into(), "count".into(), 5),
        ]
    );
    let people = ingested.table(TableKind::People).unwrap();
    assert_eq!(strings(people, "department"), ["NA", "emea"]);
    assert_eq!(strings(people, "fte"), ["", "0.5"]);
    assert_eq!(strings(people, "hire_date"), ["", "2026-01-05"]);
    assert_eq!(
        ledger_rows(&ingested, "training"),
        vec![("missing_value".into(), "score".into(), 2)]
    );
    let training = ingested.table(TableKind::Training).unwrap();
    assert_eq!(strings(training, "phase"), [""]);
}

#[test]
fn a_decimal_comma_is_a_number_and_a_rejected_people_row_is_warned_of() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "people.csv",
        "user_id,department,fte\nu1,Sales,\"0,5\"\nu2,Sales,\"1,250\"\nu3,Sales,1\n",
    );
    write(
        dir.path(),
        "events.csv",
        format!("{EVENTS_HEADER}u1,2026-10-30T08:00:00Z,f,a,menu,1,,,\n"),
    );
    write(
        dir.path(),
        "training.csv",
        "user_id,course,taken_at,score,max_score\nu1,c,2026-10-01,\"7,5\",10\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let people = ingested.table(TableKind::People).unwrap();
    assert_eq!(strings(people, "fte"), ["0.5", "1.0"]);
    let training = ingested.table(TableKind::Training).unwrap();
    assert_eq!(strings(training, "score"), ["7.5"]);
    // `1,250` may be 1250 or 1.25: rejected, and the run says what that costs its person.
    assert_eq!(
        ledger_rows(&ingested, "people"),
        vec![("wrong_type".into(), "fte".into(), 3)]
    );
    let warnings = ingested
        .summary
        .table(TableKind::People)
        .unwrap()
        .warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("1 row of `people` was rejected (wrong_type: 1)")
            && warnings[0].contains("counts as full-time"),
        "{}",
        warnings[0]
    );
}

#[test]
fn a_ticket_tools_status_words_say_whether_help_was_resolved() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        "user_id,timestamp,feature\nu1,2026-10-01T09:00:00Z,f\n",
    );
    write(
        dir.path(),
        "help.csv",
        "helper_id,helped_id,timestamp,resolved\n\
         u1,u2,2026-10-02T09:00:00Z,Resolved\n\
         u1,u2,2026-10-03T09:00:00Z,Closed\n\
         u1,u2,2026-10-04T09:00:00Z,Open\n\
         u1,u2,2026-10-05T09:00:00Z,In progress\n\
         u1,u2,2026-10-06T09:00:00Z,true\n\
         u1,u2,2026-10-07T09:00:00Z,perhaps\n\
         u1,u2,2026-10-08T09:00:00Z,Won't Fix\n\
         u1,u2,2026-10-09T09:00:00Z,Duplicate\n",
    );
    let ingested = ingest_with_config(dir.path(), "[ingest]\nmax_reject_rate = 1.0").unwrap();
    let help = ingested.table(TableKind::Help).unwrap();
    assert_eq!(
        strings(help, "resolved"),
        ["true", "true", "false", "false", "true", "false"]
    );
    assert_eq!(
        ledger_rows(&ingested, "help"),
        vec![
            ("wrong_type".into(), "resolved".into(), 7),
            ("wrong_type".into(), "resolved".into(), 9),
        ]
    );
    // A tool's own status is given a meaning in the config, which comes first.
    let mapped = ingest_with_config(
        dir.path(),
        "[ingest]\nmax_reject_rate = 1.0\n[tables.help.values]\n\
         resolved = { Duplicate = \"false\", \"in progress\" = \"true\" }",
    )
    .unwrap();
    let help = mapped.table(TableKind::Help).unwrap();
    assert_eq!(
        strings(help, "resolved"),
        ["true", "true", "false", "true", "true", "false", "false"]
    );
    assert_eq!(
        ledger_rows(&mapped, "help"),
        vec![("wrong_type".into(), "resolved".into(), 7)]
    );
}

#[test]
fn unknown_trigger_values_are_named_and_a_config_says_what_they_mean() {
    let dir = tempdir().unwrap();
    let mut text = "user_id,timestamp,feature,trigger\n".to_string();
    for (i, trigger) in ["Button", "button", "Ctrl-Key", "menu", "Button", "ctrl key"]
        .iter()
        .cycle()
        .take(60)
        .enumerate()
    {
        text.push_str(&format!("u{},2026-10-30T08:00:00Z,f,{trigger}\n", i % 7));
    }
    write(dir.path(), "events.csv", text);
    let plain = ingest_dir(dir.path()).unwrap();
    let events = plain.summary.table(TableKind::Events).unwrap();
    assert_eq!(events.unknown_as_other, 50);
    let unknown = events.unknown_values.as_ref().unwrap();
    assert_eq!(unknown.column, "trigger");
    assert_eq!(unknown.distinct, Some(2));
    // Spellings of one word count as one value, commonest first.
    assert_eq!(
        unknown.commonest,
        [("button".to_string(), 30), ("ctrl_key".to_string(), 20)]
    );
    let summary = plain.summary.to_string();
    assert!(
        summary.contains("read as `other`: 50 (trigger: `button` (30 rows), `ctrl_key` (20 rows))"),
        "{summary}"
    );
    let warnings = events.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("50 of 60 accepted rows of `events`")
            && warnings[0].contains("[tables.events.values]"),
        "{}",
        warnings[0]
    );

    let mapped = ingest_with_config(
        dir.path(),
        "[tables.events.values]\ntrigger = { ctrl_key = \"shortcut\", Button = \"Toolbar\" }",
    )
    .unwrap();
    let events = mapped.summary.table(TableKind::Events).unwrap();
    assert_eq!(events.unknown_as_other, 0);
    assert!(events.unknown_values.is_none() && events.warnings().is_empty());

    // A word the vocabulary does not have is refused when the config is read.
    let err = Config::from_toml("[tables.events.values]\ntrigger = { kbd = \"keys\" }")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("must be one of shortcut, menu, toolbar"),
        "{err}"
    );
}

#[test]
fn one_typo_in_a_small_table_does_not_fail_the_run_but_a_wrong_table_does() {
    let dir = tempdir().unwrap();
    let mut events = EVENTS_HEADER.to_string();
    for i in 0..30 {
        events.push_str(&format!("u{i},2026-10-30T08:00:00Z,f,a,menu,1,,,\n"));
    }
    write(dir.path(), "events.csv", events);
    let feedback = "user_id,timestamp,kind\n\
                    u1,2026-10-01T09:00:00Z,idea\n\
                    u2,2026-10-0x,bug\n\
                    u3,2026-10-03T09:00:00Z,idea\n";
    write(dir.path(), "feedback.csv", feedback);
    let ingested = ingest_dir(dir.path()).expect("one typo of three rows is not a failure");
    let table = ingested.summary.table(TableKind::Feedback).unwrap();
    assert_eq!((table.totals.accepted, table.totals.rejected), (2, 1));
    assert_eq!(ledger_rows(&ingested, "feedback").len(), 1);

    // Two typos of three rows, or the only row of a table, still fail.
    let two = "user_id,timestamp,kind\nu1,2026-10-0x,idea\nu2,2026-10-0y,bug\nu3,2026-10-03T09:00:00Z,idea\n";
    write(dir.path(), "feedback.csv", two);
    let err = ingest_dir(dir.path()).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Data);
    assert!(err.to_string().contains("2 of 3"), "{err}");
    write(
        dir.path(),
        "feedback.csv",
        "user_id,timestamp,kind\nu1,yesterday,idea\n",
    );
    let err = ingest_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("1 of 1"), "{err}");
}

#[test]
fn one_persons_rows_rejected_far_more_than_the_tables_are_warned_of_without_naming_them() {
    let dir = tempdir().unwrap();
    let mut text = "user_id,timestamp,feature,count\n".to_string();
    for person in 0..30 {
        for day in 1..=20 {
            text.push_str(&format!("u{person},2026-10-{day:02}T08:00:00Z,f,3\n"));
        }
    }
    // One person's busiest days, with a thousands separator; two others' typos, one each.
    for day in 1..=12 {
        text.push_str(&format!("u7,2026-10-{day:02}T09:00:00Z,f,\"1,250\"\n"));
    }
    text.push_str("u1,2026-10-02T09:00:00Z,f,x\nu2,2026-10-02T09:00:00Z,f,y\n");
    write(dir.path(), "events.csv", text);
    let ingested = ingest_dir(dir.path()).expect("14 of 614 rows is under the limit");
    let events = ingested.summary.table(TableKind::Events).unwrap();
    assert_eq!(events.totals.rejected, 14);
    let uneven = events
        .uneven_rejects
        .expect("one person lost 12 of 32 rows");
    assert_eq!((uneven.people, uneven.rows), (1, 12));
    let warning = events.uneven_rejects_warning().unwrap();
    assert!(
        warning.contains("1 person lost 10% or more of their rows of `events` to rejects (12 rows")
            && !warning.contains("u7"),
        "{warning}"
    );
    assert!(events.warnings().contains(&warning));

    // Rejects spread over everyone, at the same rate as the table's, are not uneven.
    let mut text = "user_id,timestamp,feature,count\n".to_string();
    for person in 0..30 {
        for day in 1..=20 {
            let count = if day == 1 { "\"1,250\"" } else { "3" };
            text.push_str(&format!("u{person},2026-10-{day:02}T08:00:00Z,f,{count}\n"));
        }
    }
    write(dir.path(), "events.csv", text);
    let ingested = ingest_dir(dir.path()).unwrap();
    let events = ingested.summary.table(TableKind::Events).unwrap();
    assert_eq!(events.totals.rejected, 30);
    assert_eq!(events.uneven_rejects, None);
}

#[test]
fn a_trigger_column_holding_peoples_ids_names_none_of_them() {
    let dir = tempdir().unwrap();
    let mut text = "user_id,timestamp,feature,how\n".to_string();
    for i in 0..60 {
        let person = format!("Ana.{}@Example.org", i % 6);
        let how = if i % 3 == 0 { "kbd-x" } else { person.as_str() };
        text.push_str(&format!("{person},2026-10-30T08:00:00Z,f,{how}\n"));
    }
    write(dir.path(), "events.csv", text);
    // The wrong column mapped as `trigger`.
    let ingested = ingest_with_config(
        dir.path(),
        "[tables.events]\ncolumns = { trigger = \"how\" }",
    )
    .unwrap();
    let events = ingested.summary.table(TableKind::Events).unwrap();
    let unknown = events.unknown_values.as_ref().unwrap();
    assert_eq!(unknown.commonest, [("kbd_x".to_string(), 20)]);
    assert_eq!((unknown.person_ids, unknown.distinct), (40, Some(1)));
    let shown = format!("{}\n{:?}", ingested.summary, events.warnings());
    assert!(!shown.to_lowercase().contains("ana."), "{shown}");
    assert!(
        shown.contains("`kbd_x` (20 rows), a person's id (40 rows)"),
        "{shown}"
    );
}
