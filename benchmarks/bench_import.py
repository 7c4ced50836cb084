"""Import benchmark: a 1,000,000 × 50 CSV through core.tabular, time and peak memory.

Writes a table (48 numeric columns, one 5-category column, a 0/1 target) to a temporary
folder, then loads it in a fresh subprocess (so memory is measured cleanly) with
tabular.load_project_data: read, encode, split and standardise, as training does.
Prints one JSON object:

- read_s / prepare_s / total_s: the two phases (read = hash + parse; prepare = encode,
  split, scale), seconds;
- data_mb: the prepared features as float32 (train + validation + test);
- peak_extra_mb: peak resident memory (ru_maxrss) above the resident memory before the
  load, and peak_ratio = peak_extra_mb / data_mb (the target: about 2 or less);
- baselines, same file, same run: io_s (reading + hashing the bytes, the floor) and
  naive_csv_s (csv.reader + float() per cell, measured on the first 100,000 rows and
  scaled up), with load/baseline ratios.

Usage: python benchmarks/bench_import.py [--rows N] [--cols N] [--keep]
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
t0 = time.perf_counter()
project, data = load_project_data(project, progress=progress)
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
nbytes = data.x_train.nbytes + data.x_val.nbytes + data.x_test.nbytes
print(json.dumps({
    "read_s": round(marks["read"] - t0, 2),
    "prepare_s": round(t1 - marks["read"], 2),
    "total_s": round(t1 - t0, 2),
    "rows": project.data.table.n_rows,
    "inputs": project.data.table.n_inputs,
    "task": project.task,
    "data_mb": round(nbytes / 2**20, 1),
    "rss_before_mb": round(before, 1),
    "peak_extra_mb": round(peak - before, 1),
    "peak_ratio": round((peak - before) / (nbytes / 2**20), 2),
}))
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="odyssey-bench-import-"))
    path = folder / "table.csv"
    t = time.perf_counter()
    write_table(path, args.rows, args.cols)
    gen_s = time.perf_counter() - t
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        sys.exit(f"load failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
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
    if not args.keep:
        path.unlink()
        folder.rmdir()
    else:
        result["path"] = str(path)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
