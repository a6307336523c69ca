-- adept's first aggregation, as plain SQL: events -> uses per user x day x app x feature x trigger.
--
-- The result is ordinary `events` input for adept (one row per group, `count` = uses, `timestamp`
-- = the start of the day), so an organisation can run this step on the engine it already has and
-- give adept the much smaller result (docs/scale-out.md has the steps for Apache Spark).
-- tests/it/rollup.rs runs this text unchanged on DuckDB, Apache Spark (local mode) and Apache
-- DataFusion, through sql/run_rollup.py, and checks that scores from each rollup equal scores from
-- the raw events. It is meant to run on Trino as well, but that has not been run.
--
-- Portability: Spark SQL reads a double-quoted name as a string, the others as an identifier, so
-- no name here is quoted. Every input column is qualified with its table alias (e.timestamp, not
-- timestamp), output names are given with AS, and ORDER BY uses column positions. Keep it that
-- way when editing, and keep semicolons out of these comments (spark-sql and the Trino CLI split
-- statements on them).
--
-- Input: a table or view `events` with adept's event columns (user_id, timestamp, feature, app,
-- trigger, count, event_id; a column the export lacks can be added as NULL in the view), with
-- `timestamp` a timestamp type. Days are cut in the session time zone, which must be adept's
-- `[ingest] timezone` (UTC by default):
--   DuckDB: SET TimeZone = 'UTC'
--   Spark: --conf spark.sql.session.timeZone=UTC
--   Trino: SET TIME ZONE 'UTC' (a `timestamp with time zone` column is cut in its own zone)
--   DataFusion: cuts days in the zone of the column's type, see sql/run_rollup.py
-- adept still validates the rollup when it reads it: rows this query cannot judge (an empty user
-- id, a negative count, a timestamp after the as-of date) are rejected there.
WITH numbered AS (
    SELECT
        e.*,
        -- Duplicates by event_id count once; rows without an event_id are all kept.
        ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e.timestamp, e.user_id, e.feature) AS copy_number
    FROM events AS e
),
cleaned AS (
    SELECT
        TRIM(n.user_id) AS user_id,
        CAST(DATE_TRUNC('day', n.timestamp) AS TIMESTAMP) AS day_start,
        COALESCE(TRIM(n.app), '') AS app,
        TRIM(n.feature) AS feature,
        CASE
            WHEN n.trigger IS NULL OR TRIM(n.trigger) = '' THEN NULL
            WHEN LOWER(REPLACE(REPLACE(TRIM(n.trigger), '-', '_'), ' ', '_')) IN
                ('shortcut', 'menu', 'toolbar', 'context_menu', 'palette', 'mouse', 'api', 'other')
                THEN LOWER(REPLACE(REPLACE(TRIM(n.trigger), '-', '_'), ' ', '_'))
            ELSE 'other'
        END AS trigger_word,
        COALESCE(CAST(n.count AS BIGINT), 1) AS uses
    FROM numbered AS n
    WHERE n.event_id IS NULL OR n.copy_number = 1
)
SELECT
    c.user_id AS user_id,
    c.day_start AS timestamp,
    c.app AS app,
    c.feature AS feature,
    c.trigger_word AS trigger,
    CAST(SUM(c.uses) AS BIGINT) AS count
FROM cleaned AS c
GROUP BY c.user_id, c.day_start, c.app, c.feature, c.trigger_word
-- By position: user_id, timestamp, app, feature, trigger (rows without a trigger last).
ORDER BY 1, 2, 3, 4, 5 NULLS LAST
