"""Scenario table for docs/scoring.md: on every generator scenario, each signal alone, the two
baselines, the default composite, the composite calibrated on the nominations of a random share of
people (SHARE, 30% by default), and two oracles, all measured on the other people: one calibrated on
every label of this organisation (it sees the held-out labels too: an upper bound), and one that
knows the scenario's mix without seeing anyone measured: weights calibrated on every label of an
independent organisation of the same scenario, three times the size (another seed).

usage: python benches/calibration.py SEED USERS [SHARE [SCENARIO...]]
  SHARE: the share of people whose nominations are known (0.3 by default), the rest measured;
  SCENARIO: only these (all by default). Needs `cargo build` first, and polars for Python.
"""
import subprocess, random, csv, os, sys, json, shutil
B = os.environ.get("ADEPT_BIN", os.path.expanduser("~/.cache/adept/target/debug/adept"))
SEED, USERS = int(sys.argv[1]), int(sys.argv[2])
SHARE = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
SCENARIOS = sys.argv[4:] or ["planted","no-triggers","no-help","noisy-feedback","label-noise","feature-noise","thin-export","trainers-decide","help-decides"]
PCT = f"{round(SHARE * 100)}%"
root = f"/tmp/proto{SEED}" + ("" if SHARE == 0.3 else f"-{PCT[:-1]}")
os.makedirs(root, exist_ok=True)
env = dict(os.environ, ADEPT_PSEUDONYM_KEY="protocol key")
def sh(*a):
    r = subprocess.run([B, *a], capture_output=True, text=True, env=env)
    if r.returncode: print(r.stderr); sys.exit(1)
    return r.stdout
def evaluate(out, truth):
    return {r["method"]: r["metrics"] for r in json.loads(sh("evaluate", "--scores", out, "--truth", truth, "--format", "json"))["results"]}
def mix_oracle(sc, d):
    """Weights fitted on every label of an independent organisation of the scenario, used here."""
    m = f"{d}/mix"; sh("generate", "--users", str(3 * USERS), "--days", "90", "--seed", str(SEED + 7919), "--scenario", sc, "--out", f"{m}/in")
    sh("run", "--input", f"{m}/in", "--out", f"{m}/default", "--config", f"{d}/raw.toml", "--as-of", "2026-10-31", "-q")
    truth = [r["user_id"] for r in csv.DictReader(open(f"{m}/in/truth.csv")) if r["is_power_user"] == "true"]
    import polars as pl
    scored = set(pl.read_parquet(f"{m}/default/scores.parquet").filter(pl.col("rank").is_not_null())["user_id"].to_list())
    open(f"{m}/labels.csv","w").write("user_id\n" + "".join(i+"\n" for i in sorted(truth) if i in scored))
    shutil.copy(f"{d}/raw.toml", f"{d}/mix.toml")
    sh("calibrate", "--from", f"{m}/default", "--labels", f"{m}/labels.csv", "--out", f"{d}/mix.toml")
    sh("run", "--input", f"{d}/in", "--out", f"{d}/mixrun", "--config", f"{d}/mix.toml", "--as-of", "2026-10-31", "-q")
    return evaluate(f"{d}/mixrun", f"{d}/test_truth.csv")["adept"]
rows = []
for sc in SCENARIOS:
    d = f"{root}/{sc}"; shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    sh("generate", "--users", str(USERS), "--days", "90", "--seed", str(SEED), "--scenario", sc, "--out", f"{d}/in")
    open(f"{d}/raw.toml","w").write("[privacy]\nraw_ids = true\n")
    sh("run", "--input", f"{d}/in", "--out", f"{d}/default", "--config", f"{d}/raw.toml", "--as-of", "2026-10-31", "-q")
    import polars as pl
    s = pl.read_parquet(f"{d}/default/scores.parquet")
    everyone = sorted(s["user_id"].to_list()); scored = set(s.filter(pl.col("rank").is_not_null())["user_id"].to_list())
    truth = {r["user_id"]: r["is_power_user"] == "true" for r in csv.DictReader(open(f"{d}/in/truth.csv"))}
    rng = random.Random(SEED); ids = everyone[:]; rng.shuffle(ids)
    cut = int(SHARE * len(ids)); train, test = set(ids[:cut]), set(ids[cut:])
    with open(f"{d}/test_truth.csv","w") as f:
        f.write("user_id,is_power_user\n" + "".join(f"{i},{str(truth.get(i,False)).lower()}\n" for i in sorted(test)))
    def calibrated(name, people):
        noms = [i for i in sorted(people) if truth.get(i) and i in scored]
        open(f"{d}/{name}.csv","w").write("user_id\n" + "".join(i+"\n" for i in noms))
        shutil.copy(f"{d}/raw.toml", f"{d}/{name}.toml")
        sh("calibrate", "--from", f"{d}/default", "--labels", f"{d}/{name}.csv", "--out", f"{d}/{name}.toml")
        sh("run", "--input", f"{d}/in", "--out", f"{d}/{name}", "--config", f"{d}/{name}.toml", "--as-of", "2026-10-31", "-q")
        return evaluate(f"{d}/{name}", f"{d}/test_truth.csv")["adept"], len(noms)
    base = evaluate(f"{d}/default", f"{d}/test_truth.csv")
    cal, n = calibrated("nominations30", train)
    oracle, _ = calibrated("oracle", set(everyone))
    mix = mix_oracle(sc, d)
    sig = {k: v for k, v in base.items() if k.startswith("signal_")}
    best = max(sig, key=lambda k: sig[k]["average_precision"])
    f = lambda m: f'{m["precision_at_k"]:.3f} / {m["average_precision"]:.3f}'
    print(f"\n### {sc} ({n} nominations in the {PCT})")
    print("| method | precision@k / average precision on the others |\n| --- | --- |")
    for k in ["volume","habitual_rule", *sig.keys()]: print(f"| {k} | {f(base[k])} |")
    print(f"| default composite | {f(base['adept'])} |\n| calibrated ({PCT} nominations) | {f(cal)} |\n| oracle (fitted on every label) | {f(oracle)} |\n| oracle of the mix (fitted on an independent organisation) | {f(mix)} |")
    print(f"best single signal: {best}; default AP - best AP = {base['adept']['average_precision']-sig[best]['average_precision']:+.3f}; calibrated p@k - oracle p@k = {cal['precision_at_k']-oracle['precision_at_k']:+.3f}; calibrated p@k - best signal p@k = {cal['precision_at_k']-sig[best]['precision_at_k']:+.3f}; calibrated p@k - mix oracle p@k = {cal['precision_at_k']-mix['precision_at_k']:+.3f}")
