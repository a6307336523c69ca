"""Where the gap between a calibration on nominations and the every-label oracle comes from, and
what learning from positive and unlabelled people would change (docs/scoring.md).

Reads the directories `benches/calibration.py` leaves behind (ROOT/SCENARIO: the default run's
scores.parquet, in/truth.csv) and refits, outside adept, the fit over scored features that
`adept calibrate` makes: a logistic loss with a 1e-5 ridge penalty on standardised columns and
non-negative weights (L-BFGS-B here, projected Newton in adept; the optimum is the same). The
split into the known 30% and the measured 70% is calibration.py's. Prints, per scenario, the
precision@k on the measured people of:
  nominated    the fit on the nominations, everyone else a negative (what adept fits);
  no-hidden    the same, with the measured power users removed from the negatives (no real
               calibration can do this: it shows what they cost);
  every-label  the fit on every label (the every-label oracle's fit);
  balanced     nominations and the rest weighted equally;
  reliable     refitted without the unlabelled people scored above the lowest quarter of the
               nominated ("reliable negatives");
  elkan-noto   each unlabelled person counted as part positive (Elkan and Noto, 2008), the share
               of power users nominated estimated from held-out nominations;
  bagged       averaged over 30 fits, each on the nominations and four times as many unlabelled
               people drawn at random (Mordelet and Vert, 2014).

usage: python benches/nominations_gap.py SEED ROOT [SCENARIO...]   (numpy, scipy, polars)
"""
import csv, random, sys
import numpy as np, polars as pl
from scipy.optimize import minimize

SEED, ROOT = int(sys.argv[1]), sys.argv[2]
SCENARIOS = sys.argv[3:] or ["planted", "no-triggers", "no-help", "noisy-feedback", "label-noise", "feature-noise", "thin-export", "trainers-decide", "help-decides"]
LAMBDA = 1e-5


def fit(x, y, weight=None):
    """Non-negative weights on the columns' own scale."""
    mean, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1
    z, d = (x - mean) / sd, x.shape[1]
    w = np.ones(len(y)) if weight is None else weight
    w = w / w.sum()

    def loss(t):
        m = z @ t[:d] + t[d]
        p = 1 / (1 + np.exp(-m))
        value = (w * (y * np.logaddexp(0, -m) + (1 - y) * np.logaddexp(0, m))).sum()
        grad = np.append(z.T @ ((p - y) * w) + LAMBDA * t[:d], ((p - y) * w).sum())
        return value + 0.5 * LAMBDA * (t[:d] ** 2).sum(), grad

    bounds = [(0, None)] * d + [(None, None)]
    t = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    return t[:d] / sd, t[d], mean, sd


def weights(*args, **kw):
    return fit(*args, **kw)[0]


def probability(model, x):
    w, b, mean, sd = model
    return 1 / (1 + np.exp(-(((x - mean) / sd) @ (w * sd) + b)))


def scenario(sc):
    d = f"{ROOT}/{sc}"
    everyone = sorted(pl.read_parquet(f"{d}/default/scores.parquet")["user_id"].to_list())
    scores = pl.read_parquet(f"{d}/default/scores.parquet").filter(pl.col("rank").is_not_null())
    truth = {r["user_id"]: r["is_power_user"] == "true" for r in csv.DictReader(open(f"{d}/in/truth.csv"))}
    rng = random.Random(SEED)
    ids = everyone[:]
    rng.shuffle(ids)
    known = set(ids[: int(0.3 * len(ids))])
    columns = [c for c in scores.columns if c.startswith("scaled_") and scores[c].null_count() < scores.height]
    x = scores.select([pl.col(c).fill_null(0.5) for c in columns]).to_numpy()
    people = scores["user_id"].to_list()
    y = np.array([truth.get(p, False) for p in people])
    measured = np.array([p not in known for p in people])
    nominated = y & ~measured

    def precision(w):
        s, t = x[measured] @ w, y[measured]
        return t[np.argsort(-s, kind="stable")[: t.sum()]].mean()

    unlabelled = ~nominated
    no_hidden = ~(y & measured)
    current = weights(x, nominated)
    score = x @ current
    reliable = nominated | (score < np.quantile(score[nominated], 0.25))
    # Elkan-Noto: c = P(nominated | power user), from held-out nominations over five folds.
    fold = np.random.RandomState(0).randint(0, 5, len(y))
    held = np.zeros(len(y))
    for f in range(5):
        held[fold == f] = probability(fit(x[fold != f], nominated[fold != f]), x[fold == f])
    c = held[nominated].mean()
    part = np.clip((1 - c) / c * held / (1 - held), 0, 1)
    xs = np.vstack([x[nominated], x[unlabelled], x[unlabelled]])
    ys = np.concatenate([np.ones(nominated.sum(), bool), np.ones(unlabelled.sum(), bool), np.zeros(unlabelled.sum(), bool)])
    ws = np.concatenate([np.ones(nominated.sum()), part[unlabelled], 1 - part[unlabelled]])
    draws, bags = np.random.RandomState(0), []
    positives, others = np.where(nominated)[0], np.where(unlabelled)[0]
    for _ in range(30):
        pick = np.concatenate([positives, draws.choice(others, min(4 * len(positives), len(others)), replace=False)])
        v = weights(x[pick], nominated[pick])
        bags.append(v / max(v.sum(), 1e-12))
    figures = [
        precision(current),
        precision(weights(x[no_hidden], nominated[no_hidden])),
        precision(weights(x, y)),
        precision(weights(x, nominated, weight=np.where(nominated, unlabelled.sum() / nominated.sum(), 1.0))),
        precision(weights(x[reliable], nominated[reliable])),
        precision(weights(xs, ys, weight=ws)),
        precision(np.mean(bags, 0)),
    ]
    print(f"{SEED} {sc:16s} {nominated.sum():3d} " + " ".join(f"{v:11.3f}" for v in figures))


print("seed scenario      known   nominated   no-hidden every-label    balanced    reliable  elkan-noto      bagged")
for sc in SCENARIOS:
    scenario(sc)
