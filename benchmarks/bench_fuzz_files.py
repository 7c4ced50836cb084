"""Fuzz benchmark: thousands of hostile model and project files (issue 15's families),
each loaded under a memory cap; prints cases tried / clean / failed and the worst time
and memory per case.

The cases come from tests/core/fuzz_harness.py (seeded, so a run can be repeated): for
project files, deep nesting, huge integers, long or control-character text, 1,000 to
1,000,000 layers, 100,000+ feature names, type swaps, non-finite numbers, format
versions, non-text encodings, table paths that name no file, BOMs and other file
encodings, flipped bytes; for model files, history bombs, huge layer counts, dtypes and
shapes that lie, damaged optimizer and schedule state, test metrics the window cannot
show, non-finite epoch values, mutated metadata leaves, flipped and truncated bytes.
Each file goes through the loader and `odyssey info`'s summary; a model file that loads
with its training state also trains one more epoch (Continue). Children run under
RLIMIT_AS (loader imports + --memory-mb) and an interval timer (--seconds per case).

For scale, the same run measures a baseline in the same process: loading the valid
model file (and the default project) as many times, so the worst case reads as a ratio
of an ordinary load.

Usage: python benchmarks/bench_fuzz_files.py [--projects N] [--models N] [--seed S]
       [--memory-mb MB] [--seconds S] [--no-resume]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))

import fuzz_harness  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=1200)
    ap.add_argument("--models", type=int, default=800)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--memory-mb", type=int, default=fuzz_harness.MEMORY_CAP_MB)
    ap.add_argument("--seconds", type=float, default=fuzz_harness.SECONDS_PER_CASE)
    ap.add_argument("--no-resume", action="store_true", help="do not Continue loaded models")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        valid = fuzz_harness.make_valid_model(work / "valid.safetensors")
        baseline = work / "baseline"
        baseline.mkdir()
        unique = []  # run_cases keys results by path: each baseline load its own copy
        for i in range(20):
            model, project = baseline / f"{i}.safetensors", baseline / f"{i}.json"
            model.write_bytes(valid.read_bytes())
            project.write_text(json.dumps(fuzz_harness.default_project()))
            unique += [("baseline", "model", str(model)), ("baseline", "project", str(project))]
        cases = fuzz_harness.write_cases(work, args.seed, args.projects, args.models, valid)
        start = time.perf_counter()
        results = fuzz_harness.run_cases(
            cases, work, args.memory_mb, args.seconds, resume=not args.no_resume
        )
        wall = time.perf_counter() - start
        base = fuzz_harness.run_cases(unique, work, args.memory_mb, args.seconds, resume=False)
    figures = fuzz_harness.summary(results)
    base_fig = fuzz_harness.summary(base)["all"]
    failed = [r for r in results if r["outcome"] != "clean"]
    out = {
        "seed": args.seed,
        "memory_cap_mb": args.memory_mb,
        "seconds_budget": args.seconds,
        "wall_s": round(wall, 1),
        **figures["all"],
        "baseline_worst_seconds": base_fig["worst_seconds"],
        "baseline_worst_peak_mb": base_fig["worst_peak_mb"],
        "worst_seconds_ratio": figures["all"]["worst_seconds"]
        / max(base_fig["worst_seconds"], 1e-9),
        "families": figures["families"],
        "failures": [f"{r['kind']}/{r['family']} {r['path']}: {r['detail']}" for r in failed][:50],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
