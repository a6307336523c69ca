"""benches/peer.py written in pandas instead of polars: the same features, scaling, score and
k-means over the same input, as an analyst used to pandas would write it. `benches/e2e.sh` times
it once per size when PANDAS=1 (15 to 20 s at 10M events on 2 cores).

usage: python benches/peer_pandas.py INPUT_DIR OUT_DIR AS_OF   (needs pandas, pyarrow and
       scikit-learn: pip install -r benches/requirements.txt)
"""
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import RobustScaler


def table(input_dir: Path, name: str) -> pd.DataFrame | None:
    path = input_dir / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def main(input_dir: Path, out_dir: Path, as_of: date) -> None:
    first = as_of - timedelta(days=89)
    events = table(input_dir, "events")
    events["day"] = events["timestamp"].dt.date
    window = events[(events["day"] >= first) & (events["day"] <= as_of)].copy()
    if "count" not in window.columns:
        window["count"] = 1
    window["week"] = pd.to_datetime(window["day"]).dt.isocalendar().week
    grouped = window.groupby("user_id")
    per_user = pd.DataFrame(
        {
            "distinct_features": grouped["feature"].nunique(),
            "uses": grouped["count"].sum(),
            "active_days": grouped["day"].nunique(),
            "active_weeks": grouped["week"].nunique(),
        }
    )
    if "trigger" in window.columns:
        window["by_key"] = (window["trigger"] == "shortcut").astype(np.int64) * window["count"]
        per_user["shortcut_share"] = window.groupby("user_id")["by_key"].sum() / per_user["uses"]
    per_user = per_user.reset_index()

    help_ = table(input_dir, "help")
    if help_ is not None:
        helps = help_.groupby("helper_id").size().rename("helps_given")
        per_user = per_user.merge(helps, left_on="user_id", right_index=True, how="left")
    training = table(input_dir, "training")
    if training is not None:
        training["level"] = training["score"] / training["max_score"]
        levels = training.groupby("user_id")["level"].mean().rename("training_level")
        per_user = per_user.merge(levels, left_on="user_id", right_index=True, how="left")
    people = table(input_dir, "people")
    if people is not None:
        per_user = per_user.merge(people[["user_id", "department"]], on="user_id", how="left")

    signals = [c for c in per_user.columns if c not in ("user_id", "department")]
    per_user[signals] = per_user[signals].fillna(0)
    x = RobustScaler().fit_transform(per_user[signals].to_numpy(dtype=np.float64))
    per_user["score"] = x.mean(axis=1)
    per_user["cluster"] = KMeans(n_clusters=5, n_init=5, random_state=42).fit_predict(x)
    per_user["rank"] = per_user["score"].rank(ascending=False)
    out = per_user.sort_values("rank")
    out_dir.mkdir(parents=True, exist_ok=True)
    out.to_parquet(out_dir / "peer_scores.parquet")
    top = max(1, len(out) // 10)
    print(f"{len(out)} people, {top} candidates")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), date.fromisoformat(sys.argv[3]))
