"""What the label-noise scenario's figures can show, for docs/scoring.md: after `python
benches/calibration.py SEED USERS [SHARE] label-noise`, each method's precision@k and average
precision on the measured people against the labels it was judged by (each label flipped with
probability 0.1) and against the planted labels before the flip (the same organisation generated
as `planted`), and the precision@k that a perfect ranking of the real power users scores against
the flipped labels: no ranking of people by what they did can be expected to beat it.

Methods: each signal alone, the default composite, the calibrated one and the two oracles
(`adept evaluate`'s raw-volume and habitual-user baselines are left out). k is the number of
positives in the labels a figure is measured against: the flipped ones in the first column, the
planted ones in the second.

usage: python benches/label_noise.py SEED USERS [SHARE]   (ADEPT_BIN as for calibration.py)
"""
import csv, json, os, subprocess, sys
B = os.environ.get("ADEPT_BIN", os.path.expanduser("~/.cache/adept/target/debug/adept"))
SEED, USERS = sys.argv[1], sys.argv[2]
SHARE = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
d = f"/tmp/proto{SEED}" + ("" if SHARE == 0.3 else f"-{round(SHARE * 100)}") + "/label-noise"
env = dict(os.environ, ADEPT_PSEUDONYM_KEY="protocol key")
def sh(*a):
    return subprocess.run([B, *a], capture_output=True, text=True, env=env, check=True).stdout
sh("generate", "--users", USERS, "--days", "90", "--seed", SEED, "--scenario", "planted", "--out", f"{d}/planted")
read = lambda path: {r["user_id"]: r["is_power_user"] == "true" for r in csv.DictReader(open(path))}
planted, noisy = read(f"{d}/planted/truth.csv"), read(f"{d}/test_truth.csv")
with open(f"{d}/planted_test.csv", "w") as f:
    f.write("user_id,is_power_user\n" + "".join(f"{i},{str(planted.get(i, False)).lower()}\n" for i in sorted(noisy)))
def evaluate(out, truth):
    return {r["method"]: r["metrics"] for r in json.loads(sh("evaluate", "--scores", out, "--truth", truth, "--format", "json"))["results"]}
rows = {}
for name, out in [("default composite", "default"), ("calibrated", "nominations30"), ("every-label oracle", "oracle"), ("oracle of the mix", "mixrun")]:
    n, p = evaluate(f"{d}/{out}", f"{d}/test_truth.csv"), evaluate(f"{d}/{out}", f"{d}/planted_test.csv")
    if name == "default composite":
        rows.update({m: (n[m], p[m]) for m in n if m.startswith("signal_")})
    rows[name] = (n["adept"], p["adept"])
k = sum(noisy.values())
real = [i for i in noisy if planted.get(i, False)]; others = [i for i in noisy if not planted.get(i, False)]
kept = sum(noisy[i] for i in real); flipped_in = sum(noisy[i] for i in others)
# Real power users first (in any order), then the others in any order: the flipped-in are drawn at random.
perfect = (min(k, len(real)) * kept / len(real) + max(0, k - len(real)) * flipped_in / len(others)) / k
print(f"seed {SEED}: {len(noisy)} measured; k = {k} labelled power users, of whom {kept} are real "
      f"({len(real)} real in all) and {flipped_in} flipped in")
print(f"a perfect ranking of the real power users: precision@k {perfect:.3f} against the flipped labels")
print("| method | against the flipped labels (p@k / AP) | against the planted labels (p@k / AP) |\n| --- | --- | --- |")
f = lambda m: f'{m["precision_at_k"]:.3f} / {m["average_precision"]:.3f}'
for m, (n, p) in rows.items():
    print(f"| {m} | {f(n)} | {f(p)} |")
