-- adept's first aggregation, as plain SQL: events -> uses per user x day x app x feature x trigger.
--
-- The result is ordinary `events` input for adept (one row per group, `count` = uses, `timestamp`
-- = the start of the day), so an organisation can run this step on the engine it already has
-- (Spark SQL, Trino, DataFusion/Ballista, DuckDB, ...) and give adept the much smaller result.
-- Scores from the rollup equal scores from the raw events (tests/it/rollup.rs checks this with
-- DuckDB).
--
-- Input: a table or view `events` with adept's event columns (user_id, timestamp, feature, and
-- optionally app, trigger, count, event_id). Run it with the session time zone set to adept's
-- `[ingest] timezone` (UTC by default), because days are cut in that zone:
--   DuckDB: SET TimeZone = 'UTC';   Spark: spark.sql.session.timeZone=UTC;   Trino: SET TIME ZONE 'UTC';
-- adept still validates the rollup when it reads it: rows this query cannot judge (an empty user
-- id, a negative count, a timestamp after the as-of date) are rejected there.
WITH numbered AS (
    SELECT
        e.*,
        -- Duplicates by event_id count once; rows without an event_id are all kept.
        ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e."timestamp", e.user_id, e.feature) AS copy_number
    FROM events AS e
),
cleaned AS (
    SELECT
        TRIM(user_id) AS user_id,
        CAST(DATE_TRUNC('day', "timestamp") AS TIMESTAMP) AS day_start,
        COALESCE(TRIM(app), '') AS app,
        TRIM(feature) AS feature,
        CASE
            WHEN trigger IS NULL OR TRIM(trigger) = '' THEN NULL
            WHEN LOWER(REPLACE(REPLACE(TRIM(trigger), '-', '_'), ' ', '_')) IN
                ('shortcut', 'menu', 'toolbar', 'context_menu', 'palette', 'mouse', 'api', 'other')
                THEN LOWER(REPLACE(REPLACE(TRIM(trigger), '-', '_'), ' ', '_'))
            ELSE 'other'
        END AS trigger,
        COALESCE(CAST("count" AS BIGINT), 1) AS uses
    FROM numbered
    WHERE event_id IS NULL OR copy_number = 1
)
SELECT
    user_id,
    day_start AS "timestamp",
    app,
    feature,
    trigger,
    CAST(SUM(uses) AS BIGINT) AS "count"
FROM cleaned
GROUP BY user_id, day_start, app, feature, trigger
ORDER BY user_id, "timestamp", app, feature, trigger
