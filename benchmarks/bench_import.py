"""Import benchmark: a 1,000,000 × 50 CSV through core.tabular, time and peak memory.

Writes a table (48 numeric columns, one 5-category column, a 0/1 target) to a temporary
folder, then loads it in a fresh subprocess (so memory is measured cleanly) with
tabular.load_project_data: read, encode, split and standardise, as training does.
Prints one JSON object:

- cpu_s: the load's CPU time (user + system): on a shared machine the wall times swing
  with the load of others, CPU time far less, so ratios are given for both;
- read_s / prepare_s / total_s: the two phases (read = hash + parse; prepare = encode,
  split, scale), seconds;
- data_mb: the prepared features as float32 (train + validation + test);
- peak_extra_mb: peak resident memory (ru_maxrss) above the resident memory before the
  load, and peak_ratio = peak_extra_mb / data_mb (the target: about 2 or less);
- baselines, same file, same run: io_s (reading + hashing the bytes, the floor) and
  naive_csv_s (csv.reader + float() per cell, measured on the first 100,000 rows and
  scaled up), with load/baseline ratios.

- pandas_alone_s: pandas.read_csv of the same file (C parser, float32 columns, the
  category column as a categorical) in its own process: the floor a pandas-based
  reader can reach, with no hash, detection, encoding, split or scaling.
- with --compare CHECKOUT: the same load with another checkout's desktop_app (e.g. the
  main branch before the reader moved to pandas), run alternately in the same session
  (--repeat N times each; the best of each is reported), and speedup = its total / ours.

Usage: python benchmarks/bench_import.py [--rows N] [--cols N] [--keep] [--file PATH]
       [--compare CHECKOUT] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time
import numpy as np
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular.prepare import load_project_data, table_project
import sklearn.model_selection  # imported by the split; keep it out of the measurement
t_import = time.perf_counter()
try:
    import pandas  # imported by the reader once per process; measured apart
except ImportError:
    pass
import_s = time.perf_counter() - t_import

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

path = sys.argv[1]
spec = TableSpec(path=path, target="target")
project = table_project(spec).model_copy(update={"train": TrainSpec(batch_size=256)})
before = rss_mb()
marks = {}
def progress(f):
    if f >= 0.9 and "read" not in marks:
        marks["read"] = time.perf_counter()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

c0 = cpu()
t0 = time.perf_counter()
project, data = load_project_data(project, progress=progress)
t1 = time.perf_counter()
cpu_s = cpu() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
nbytes = data.x_train.nbytes + data.x_val.nbytes + data.x_test.nbytes
print(json.dumps({
    "read_s": round(marks["read"] - t0, 2),
    "prepare_s": round(t1 - marks["read"], 2),
    "total_s": round(t1 - t0, 2),
    "cpu_s": round(cpu_s, 2),
    "rows": project.data.table.n_rows,
    "inputs": project.data.table.n_inputs,
    "task": project.task,
    "data_mb": round(nbytes / 2**20, 1),
    "rss_before_mb": round(before, 1),
    "peak_extra_mb": round(peak - before, 1),
    "peak_ratio": round((peak - before) / (nbytes / 2**20), 2),
    "pandas_import_s": round(import_s, 2),
}))
"""

PANDAS_ALONE = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
path, cols = sys.argv[1], int(sys.argv[2])
dtype = {f"x{i + 1}": np.float32 for i in range(cols - 2)}
dtype.update({"colour": "category", "target": np.float32})
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
frame = pd.read_csv(path, dtype=dtype, engine="c")
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu_s = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
print(json.dumps({"pandas_alone_s": round(time.perf_counter() - t0, 2),
                  "pandas_alone_cpu_s": round(cpu_s, 2), "rows": len(frame)}))
"""


def write_table(path: Path, rows: int, cols: int, seed: int = 0) -> None:
    """cols - 2 numeric columns, a categorical one and a 0/1 target, in blocks."""
    rng = np.random.default_rng(seed)
    n_num = cols - 2
    colours = np.array(["red", "green", "blue", "amber", "violet"])
    weights = rng.normal(size=n_num)
    header = [f"x{i + 1}" for i in range(n_num)] + ["colour", "target"]
    block = 50_000
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for start in range(0, rows, block):
            n = min(block, rows - start)
            x = rng.normal(size=(n, n_num)).astype(np.float32)
            c = rng.integers(0, len(colours), n)
            y = ((x @ weights + (c == 0) * 1.5 + rng.normal(size=n)) > 0).astype(int)
            buf = np.char.add(
                np.char.add(colours[c], ","), y.astype(str)
            )  # "colour,target" per row
            import io

            text = io.StringIO()
            np.savetxt(text, x, fmt="%.5g", delimiter=",")
            lines = text.getvalue().splitlines()
            f.write("".join(f"{a},{b}\n" for a, b in zip(lines, buf.tolist())))


def io_seconds(path: Path) -> float:
    import hashlib

    t = time.perf_counter()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return time.perf_counter() - t


def naive_csv_seconds(path: Path, rows: int, sample: int = 100_000) -> float:
    import csv
    import itertools

    t = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        out = [[float(v) for v in row[:-2]] for row in itertools.islice(reader, min(sample, rows))]
    elapsed = time.perf_counter() - t
    return elapsed * rows / max(len(out), 1)


def _child(code: str, argv: list[str], checkout: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": checkout}
    proc = subprocess.run(  # run in the checkout: `-c` puts the working folder first on sys.path
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, cwd=checkout
    )
    if proc.returncode != 0:
        sys.exit(f"load failed ({checkout}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--file", help="use this table (written by an earlier --keep run)")
    ap.add_argument("--compare", help="another checkout whose desktop_app to time too")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if args.file:
        path, folder, gen_s = Path(args.file), None, 0.0
    else:
        folder = Path(tempfile.mkdtemp(prefix="odyssey-bench-import-"))
        path = folder / "table.csv"
        t = time.perf_counter()
        write_table(path, args.rows, args.cols)
        gen_s = time.perf_counter() - t
    ours = str(Path(__file__).resolve().parent.parent)
    runs: dict[str, list[dict]] = {"ours": [], "compare": [], "pandas": []}
    for _ in range(args.repeat):
        runs["ours"].append(_child(CHILD, [str(path)], ours))
        if args.compare:
            runs["compare"].append(_child(CHILD, [str(path)], args.compare))
        runs["pandas"].append(_child(PANDAS_ALONE, [str(path), str(args.cols)], ours))
    result = min(runs["ours"], key=lambda r: r["total_s"])
    result["pandas_alone_s"] = min(r["pandas_alone_s"] for r in runs["pandas"])
    result["pandas_alone_cpu_s"] = min(r["pandas_alone_cpu_s"] for r in runs["pandas"])
    result["load_vs_pandas_alone"] = round(result["total_s"] / result["pandas_alone_s"], 2)
    result["cpu_vs_pandas_alone"] = round(result["cpu_s"] / result["pandas_alone_cpu_s"], 2)
    if runs["compare"]:
        other = min(runs["compare"], key=lambda r: r["total_s"])
        keys = ("read_s", "prepare_s", "total_s", "cpu_s", "peak_ratio")
        result["compare"] = {k: other[k] for k in keys}
        result["speedup"] = round(other["total_s"] / result["total_s"], 2)
        result["cpu_speedup"] = round(other["cpu_s"] / result["cpu_s"], 2)
    io_s = io_seconds(path)
    naive_s = naive_csv_seconds(path, args.rows)
    result.update(
        {
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "columns": args.cols,
            "generate_s": round(gen_s, 1),
            "io_s": round(io_s, 2),
            "naive_csv_s": round(naive_s, 1),
            "load_vs_io": round(result["total_s"] / io_s, 1),
            "load_vs_naive_csv": round(result["total_s"] / naive_s, 2),
            "rows_per_s": round(result["rows"] / result["total_s"]),
        }
    )
    if folder is None:
        pass
    elif not args.keep:
        path.unlink()
        folder.rmdir()
    else:
        result["path"] = str(path)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
