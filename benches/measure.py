"""Runs one command on at most THREADS cores and appends what it took to a JSON Lines log.

    python3 benches/measure.py LABEL THREADS LOG -- COMMAND...

The command is pinned to the first THREADS cores of this process (sched_setaffinity) and told
the same through POLARS_MAX_THREADS and RAYON_NUM_THREADS. One line per run: label, threads,
wall seconds, CPU seconds, peak resident memory (MiB) and exit status; for adept (a label that
starts with "adept") also its stage timings, read from its `--log-format json` summary. The
command's output is kept in LOG's directory as LABEL-THREADS.out. Used by benches/scaling.sh.
"""
import json
import os
import sys
import time


def main(label: str, threads: int, log: str, command: list[str]) -> None:
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
    cores = sorted(os.sched_getaffinity(0))[:threads]
    output = os.path.join(os.path.dirname(os.path.abspath(log)), f"{label}-{threads}.out")
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, cores)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execvpe(command[0], command, env)
    _, status, usage = os.wait4(pid, 0)
    row = {
        "label": label,
        "threads": threads,
        "cores": len(cores),
        "wall": round(time.monotonic() - started, 2),
        "cpu": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mib": usage.ru_maxrss // 1024,
        "status": os.waitstatus_to_exitcode(status),
    }
    text = open(output, errors="replace").read().strip()
    if label.startswith("adept") and row["status"] == 0:
        summary = json.loads(text.splitlines()[-1])
        row["stages"] = {stage: round(seconds, 2) for stage, seconds in summary["timings"]}
    else:
        row["tail"] = text[-200:]
    print(json.dumps(row), flush=True)
    with open(log, "a") as out:
        out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    split = sys.argv.index("--")
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[split + 1:])
