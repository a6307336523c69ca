"""What an analyst would write instead of adept, in an afternoon: Python polars and scikit-learn
over the same input directory. It is the peer `benches/e2e.sh` times adept against.

It reads the events (Parquet), keeps the 90 days up to the as-of date, and per person computes
distinct features used, uses, active days, active weeks and, where the columns exist, the share
of uses by shortcut, helps given and the mean training score; it scales them robustly, averages
them into a score, clusters people with k-means and writes the scores as Parquet. No value is
checked, no duplicate dropped, nothing pseudonymised: that is the point of comparison.

usage: python benches/peer.py INPUT_DIR OUT_DIR AS_OF   (needs polars and scikit-learn:
       pip install -r benches/requirements.txt)
"""
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.cluster import KMeans
from sklearn.preprocessing import RobustScaler


def table(input_dir: Path, name: str) -> pl.LazyFrame | None:
    path = input_dir / f"{name}.parquet"
    return pl.scan_parquet(path) if path.exists() else None


def main(input_dir: Path, out_dir: Path, as_of: date) -> None:
    first = as_of - timedelta(days=89)
    events = table(input_dir, "events")
    day = pl.col("timestamp").dt.date()
    window = events.filter((day >= first) & (day <= as_of)).with_columns(day.alias("day"))
    columns = window.collect_schema().names()
    count = pl.col("count") if "count" in columns else pl.lit(1)
    aggregations = [
        pl.col("feature").n_unique().alias("distinct_features"),
        count.sum().alias("uses"),
        pl.col("day").n_unique().alias("active_days"),
        pl.col("day").dt.week().n_unique().alias("active_weeks"),
    ]
    if "trigger" in columns:
        by_key = (pl.col("trigger") == "shortcut").cast(pl.Int64) * count
        aggregations.append((by_key.sum() / count.sum()).alias("shortcut_share"))
    per_user = window.group_by("user_id").agg(aggregations)

    help_ = table(input_dir, "help")
    if help_ is not None:
        helps = help_.group_by(pl.col("helper_id").alias("user_id")).agg(pl.len().alias("helps_given"))
        per_user = per_user.join(helps, on="user_id", how="left")
    training = table(input_dir, "training")
    if training is not None:
        scores = training.group_by("user_id").agg(
            (pl.col("score") / pl.col("max_score")).mean().alias("training_level")
        )
        per_user = per_user.join(scores, on="user_id", how="left")
    people = table(input_dir, "people")
    if people is not None:
        per_user = per_user.join(people.select("user_id", "department"), on="user_id", how="left")

    frame = per_user.collect().fill_null(0)
    signals = [c for c in frame.columns if c not in ("user_id", "department")]
    x = RobustScaler().fit_transform(frame.select(signals).to_numpy().astype(np.float64))
    score = x.mean(axis=1)
    clusters = KMeans(n_clusters=5, n_init=5, random_state=42).fit_predict(x)
    out = frame.with_columns(
        pl.Series("score", score),
        pl.Series("cluster", clusters),
        pl.Series("score", score).rank(descending=True).alias("rank"),
    ).sort("rank")
    out_dir.mkdir(parents=True, exist_ok=True)
    out.write_parquet(out_dir / "peer_scores.parquet")
    top = max(1, len(out) // 10)
    print(f"{len(out)} people, {top} candidates")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), date.fromisoformat(sys.argv[3]))
