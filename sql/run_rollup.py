#!/usr/bin/env python3
"""Runs sql/rollup.sql on one engine: raw events in Parquet -> the rollup as Parquet.

    python3 sql/run_rollup.py ENGINE EVENTS OUT [--timezone TZ] [--spark-master URL] [--conf K=V ...]

ENGINE is duckdb, datafusion or spark (`pip install duckdb`, `datafusion` or `pyspark`; Spark also
needs Java 17 or newer). EVENTS is a Parquet file or a directory of Parquet files with adept's
event columns (for Spark, any path Spark reads). OUT is a new directory; the rollup is written
into it as one or more Parquet files, and adept reads it as its events table (copy it to
INPUT/events/, or point `[tables.events] source` at it). TZ must be adept's `[ingest] timezone`
(default UTC): days are cut in it. On a Spark cluster, run it with spark-submit from a checkout of
adept (client deploy mode, so that this script finds sql/rollup.sql), see docs/scale-out.md.

The SQL text is the same for every engine; what differs is how each is told the time zone and how
it writes Parquet:
  duckdb      SET TimeZone, then COPY ... TO one zstd Parquet file.
  spark       spark.sql.session.timeZone, timestamps written as TIMESTAMP_MICROS (instants, not
              Spark's default INT96), one file per output partition, zstd. With spark-submit the
              master and resources come from spark-submit. Run locally, --spark-master local[2]
              and --conf settings apply to the session this script starts.
  datafusion  DataFusion cuts days in the zone of the timestamp column's type, not a session
              zone, and casts a zoned timestamp to a plain one as UTC wall-clock time. So for a
              zone other than UTC the input column is cast to that zone first and the output
              column is marked as UTC afterwards. One zstd Parquet file.

tests/it/rollup.rs runs all three and checks adept's scores against those from the raw events.
"""

import argparse
import os
import sys
import time

SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rollup.sql")


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def run_duckdb(args, query):
    import duckdb

    source = args.events
    if os.path.isdir(source):
        source = os.path.join(source, "**", "*.parquet")
    con = duckdb.connect()
    con.execute(f"SET TimeZone = {sql_string(args.timezone)}")
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({sql_string(source)})")
    target = os.path.join(args.out, "part-0.parquet")
    con.execute(f"COPY ({query}) TO {sql_string(target)} (FORMAT parquet, COMPRESSION zstd)")


def run_datafusion(args, query):
    import datafusion
    from datafusion import col
    from datafusion import functions as f

    ctx = datafusion.SessionContext()
    events = ctx.read_parquet(args.events)
    utc = args.timezone in ("UTC", "Etc/UTC", "+00:00")
    if not utc:
        zoned = f'Timestamp(µs, "{args.timezone}")'
        events = events.with_column("timestamp", f.arrow_cast(col("timestamp"), zoned))
    ctx.register_view("events", events)
    rollup = ctx.sql(query)
    if not utc:
        rollup = rollup.with_column(
            "timestamp", f.arrow_cast(col("timestamp"), 'Timestamp(µs, "UTC")')
        )
    rollup.write_parquet(os.path.join(args.out, "part-0.parquet"), compression="zstd")


def run_spark(args, query):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("adept-rollup")
    if args.spark_master:
        builder = builder.master(args.spark_master)
    settings = {
        "spark.sql.session.timeZone": args.timezone,
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.parquet.compression.codec": "zstd",
    }
    for setting in args.conf:
        key, _, value = setting.partition("=")
        settings[key] = value
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        spark.read.parquet(args.events).createOrReplaceTempView("events")
        # Spark creates OUT (any path it can write: HDFS, S3, ...), fails if it exists, and
        # writes _SUCCESS after the part files.
        spark.sql(query).write.mode("errorifexists").parquet(args.out)
    finally:
        spark.stop()


ENGINES = {"duckdb": run_duckdb, "datafusion": run_datafusion, "spark": run_spark}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("events", help="raw events: a Parquet file or a directory of them")
    parser.add_argument("out", help="a new directory for the rollup's Parquet files")
    parser.add_argument("--sql", default=SQL, help="the query (default: sql/rollup.sql)")
    parser.add_argument("--timezone", default="UTC", help="adept's [ingest] timezone")
    parser.add_argument("--spark-master", help="e.g. local[2]; default: spark-submit's or local[*]")
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting"
    )
    args = parser.parse_args()
    with open(args.sql, encoding="utf-8") as f:
        query = f.read().strip().rstrip(";")
    if args.engine != "spark":
        # Fails when OUT exists, so an old rollup is never mixed with a new one.
        os.makedirs(args.out)
    start = time.monotonic()
    ENGINES[args.engine](args, query)
    print(f"{args.engine}: rollup written to {args.out} in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
