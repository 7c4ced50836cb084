"""Hostile model and project files from a seed, and a loader run under a memory cap.

The families are those the fault matrix of issue 15 found: memory and time bombs (a
history of 10**15 empty epochs, hundreds of thousands of layers or feature names, deep
nesting, huge integers), loose types, non-finite numbers, non-text encodings, table
paths that name no file, damaged training state and metadata the window cannot show.

``run_cases`` loads each file in a child process whose address space is capped
(resource.setrlimit RLIMIT_AS) and whose time per case is capped (an interval timer),
so a bomb fails the test instead of taking the machine. A case is *clean* when the
loader returns, or raises an OdysseyError with one short line; anything else (another
exception, a long or multi-line message, over the time budget, the child dying) is a
*failure*. A model file that loads with its training state must also train one more
epoch (Continue) without anything but an OdysseyError.

Used by tests/core/test_fuzz_files.py (a bounded run) and benchmarks/bench_fuzz_files.py
(a large one that prints the figures).
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP_MB = 1500  # above what the loaders' imports take
SECONDS_PER_CASE = 20.0
MAX_MESSAGE = 1000

# ---------------------------------------------------------------- project files


def default_project() -> dict:
    return {
        "format_version": 1,
        "name": "Classic first example",
        "data": {"dataset": "moons", "n_samples": 100, "seed": 1},
        "model": {"hidden": [{"units": 4, "activation": "relu"}]},
        "train": {"epochs": 2, "batch_size": 16, "lr": 0.01, "device": "cpu"},
    }


def _table_project(**table) -> dict:
    d = default_project()
    d["data"] = {"dataset": "table", "table": {"path": "t.csv", "target": "y", **table}}
    return d


def _leaves(value, path=()):
    """Every (path, leaf) of a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _set(doc, path, value):
    target = doc
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value


ODD_VALUES = ["10", True, False, None, [], {}, 1.5, -1, 0, 10**30, 10**400, 1e308, "", "x" * 5000]
ODD_TEXT = ["\x1b]0;pwned\x07", "[/x]", "Iris [v2]", "a\nb", "\x00", "‮evil", "~nosuchuser_z"]
ENCODINGS = ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "idna", "punycode",
             "utf-8", "latin-1", "", "x" * 300, "utf_8_sig", "mbcs"]  # fmt: skip


def _dump(doc) -> bytes:
    return json.dumps(doc).encode()


def _p_deep(rng: random.Random) -> bytes:
    depth = rng.choice([500, 5000, 50_000, 200_000])
    if rng.random() < 0.5:
        return ("[" * depth + "]" * depth).encode()
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def _p_huge_int(rng: random.Random) -> bytes:
    d = default_project()
    path, _ = rng.choice(list(_leaves(d)))
    _set(d, path, "__HUGE__")
    digits = rng.choice([20, 400, 4200, 5000, 20_000])
    return json.dumps(d).replace('"__HUGE__"', "9" * digits).encode()


def _p_long_text(rng: random.Random) -> bytes:
    d = default_project()
    where = rng.choice([("name",), ("data", "dataset"), ("model", "hidden", 0, "activation"),
                        ("train", "device"), ("train", "optimizer")])  # fmt: skip
    _set(d, where, rng.choice(ODD_TEXT) * rng.choice([1, 10, 100_000]))
    if rng.random() < 0.3:
        d["train"]["bad\nkey" + "k" * rng.choice([1, 10_000])] = 1
    return _dump(d)


def _p_many_layers(rng: random.Random) -> bytes:
    d = default_project()
    n = rng.choice([1000, 1001, 20_000, 200_000, 1_000_000])
    d["model"]["hidden"] = [{"units": rng.choice([1, 2, 1_000_000])}] * n
    return _dump(d)


def _p_many_features(rng: random.Random) -> bytes:
    n = rng.choice([1000, 100_000, 300_000])
    names = [f"f{i}" for i in range(n)]
    if rng.random() < 0.5:
        names += names[: rng.choice([1, 1000])]
    return _dump(_table_project(features=names))


def _p_type_swap(rng: random.Random) -> bytes:
    d = default_project()
    for _ in range(rng.randint(1, 3)):
        path, _ = rng.choice(list(_leaves(d)))
        _set(d, path, copy.deepcopy(rng.choice(ODD_VALUES)))
    return _dump(d)


def _p_non_finite(rng: random.Random) -> bytes:
    d = default_project()
    field = rng.choice(["weight_decay", "l1", "min_delta", "min_lr", "huber_delta",
                        "grad_clip", "max_seconds", "lr", "gamma", "momentum"])  # fmt: skip
    d["train"][field] = rng.choice([float("inf"), float("-inf"), float("nan")])
    return json.dumps(d).encode()  # Infinity / NaN, as Python writes them


def _p_format_version(rng: random.Random) -> bytes:
    d = default_project()
    d["format_version"] = rng.choice([0, -1, True, "1", 1.0, 2, 10**20, None, [1]])
    return _dump(d)


def _p_encoding(rng: random.Random) -> bytes:
    return _dump(_table_project(encoding=rng.choice(ENCODINGS)))


def _p_table_path(rng: random.Random) -> bytes:
    path = rng.choice(["t\x00.csv", "~nosuchuser_z/t.csv", "~/t.csv", "/dev/zero",
                       "x" * 5000, "\x1b[2J.csv", "", "..", "/"])  # fmt: skip
    return _dump(_table_project(path=path))


def _p_file_encoding(rng: random.Random) -> bytes:
    text = json.dumps(default_project())
    return rng.choice([
        b"\xef\xbb\xbf" + text.encode(),
        text.encode("utf-16"),
        text.encode("utf-32"),
        b"\xff\xfe\x00" + text.encode()[: rng.randint(0, len(text))],
        bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))),
        b"",
    ])  # fmt: skip


def _p_flipped(rng: random.Random) -> bytes:
    blob = bytearray(_dump(default_project()))
    for _ in range(rng.randint(1, 6)):
        blob[rng.randrange(len(blob))] = rng.getrandbits(8)
    return bytes(blob)


PROJECT_FAMILIES = {
    "deep_nesting": _p_deep,
    "huge_integer": _p_huge_int,
    "long_or_control_text": _p_long_text,
    "many_layers": _p_many_layers,
    "many_features": _p_many_features,
    "type_swap": _p_type_swap,
    "non_finite": _p_non_finite,
    "format_version": _p_format_version,
    "text_encoding": _p_encoding,
    "table_path": _p_table_path,
    "file_encoding": _p_file_encoding,
    "flipped_bytes": _p_flipped,
}

# ---------------------------------------------------------------- model files


@dataclass
class ModelFile:
    """A valid model file taken apart: its header (tensor table and metadata sections
    parsed) and its tensor bytes."""

    header: dict
    sections: dict
    data: bytes

    @classmethod
    def read(cls, path: Path) -> ModelFile:
        raw = path.read_bytes()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + n])
        meta = header["__metadata__"]
        sections = {}
        for k, v in meta.items():
            try:
                value = json.loads(v)
            except ValueError:
                value = v
            sections[k] = value if isinstance(value, dict) else v
        return cls(header, sections, raw[8 + n :])

    def write(self, header: dict | None = None, sections: dict | None = None) -> bytes:
        header = copy.deepcopy(self.header) if header is None else header
        sections = self.sections if sections is None else sections
        header["__metadata__"] = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in sections.items()
        }
        text = json.dumps(header).encode()
        return len(text).to_bytes(8, "little") + text + self.data


def _m_history_bomb(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    h = copy.deepcopy(m.header)
    n = rng.choice([10**15, 10**9, 2**31])
    s["history"]["n_epochs"] = n
    s["history"]["epoch_columns"] = rng.choice([[], ["epoch"], ["x"]])
    entry = h["history.epochs"]
    entry["shape"] = [n, len(s["history"]["epoch_columns"])] if rng.random() < 0.5 else [n, 0]
    if rng.random() < 0.5:
        s["history"]["n_steps"] = 10**15
    return m.write(h, s)


def _m_many_layers(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    s["project"]["model"]["hidden"] = [{"units": 1}] * rng.choice([1001, 200_000, 1_500_000])
    return m.write(sections=s)


def _m_dtype(rng: random.Random, m: ModelFile) -> bytes:
    h = copy.deepcopy(m.header)
    name = rng.choice([k for k in h if k != "__metadata__"])
    h[name]["dtype"] = rng.choice([["F32"], {"a": 1}, 3, "F128", None, "f32"])
    return m.write(h)


def _m_shape(rng: random.Random, m: ModelFile) -> bytes:
    h = copy.deepcopy(m.header)
    name = rng.choice([k for k in h if k != "__metadata__"])
    h[name]["shape"] = rng.choice([[2**40], [0], [-1], [2**62, 2**62], ["1"], [1.5]])
    return m.write(h)


def _m_optimizer(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    groups = s["resume"]["optimizer"]["param_groups"]
    g = groups[rng.randrange(len(groups))]
    key = rng.choice(sorted(g))
    value = g[key]
    if isinstance(value, bool):
        g[key] = not value
    else:
        g[key] = rng.choice([1e52, -1.0, 0.0, {"$float": "nan"}, {"$float": "inf"}, "0.1", None])
    return m.write(sections=s)


def _m_scheduler(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    sched = s["resume"].get("scheduler")
    if not isinstance(sched, dict):
        s["resume"]["scheduler"] = {"last_epoch": 10**18}
        return m.write(sections=s)
    key = rng.choice(sorted(sched))
    sched[key] = rng.choice([0, -5, 10**18, 1.5, [], {"$float": "nan"}, True, "x"])
    return m.write(sections=s)


def _m_metrics(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    s["test_metrics"][rng.choice(["confusion_matrix", "accuracy", "f1", "x"])] = rng.choice(
        [[[1, 2], [3]], None, [1, 2], {"a": 1}, "high", [[1.5, 2], [3, 4]], [[-1, 0], [0, 0]],
         [[1] * 3] * 3, True]
    )  # fmt: skip
    return m.write(sections=s)


def _m_epoch_values(rng: random.Random, m: ModelFile) -> bytes:
    import struct

    h = m.header["history.epochs"]
    a, b = h["data_offsets"]
    data = bytearray(m.data)
    if b > a:
        i = a + 8 * rng.randrange((b - a) // 8)
        data[i : i + 8] = struct.pack("<d", rng.choice([float("nan"), float("inf"), -3.0, 0.5]))
    return ModelFile(m.header, m.sections, bytes(data)).write()


def _m_leaf(rng: random.Random, m: ModelFile) -> bytes:
    s = copy.deepcopy(m.sections)
    key = rng.choice([k for k, v in s.items() if isinstance(v, dict)])
    leaves = list(_leaves(s[key]))
    if leaves:
        path, _ = rng.choice(leaves)
        _set(s[key], path, copy.deepcopy(rng.choice(ODD_VALUES + ODD_TEXT)))
    return m.write(sections=s)


def _m_bytes(rng: random.Random, m: ModelFile) -> bytes:
    blob = bytearray(m.write())
    if rng.random() < 0.5:
        return bytes(blob[: rng.randrange(len(blob))])
    for _ in range(rng.randint(1, 8)):
        blob[rng.randrange(len(blob))] = rng.getrandbits(8)
    return bytes(blob)


MODEL_FAMILIES = {
    "history_bomb": _m_history_bomb,
    "many_layers": _m_many_layers,
    "dtype": _m_dtype,
    "shape": _m_shape,
    "optimizer_state": _m_optimizer,
    "schedule_state": _m_scheduler,
    "test_metrics": _m_metrics,
    "epoch_values": _m_epoch_values,
    "metadata_leaf": _m_leaf,
    "bytes": _m_bytes,
}


def write_cases(folder: Path, seed: int, n_projects: int, n_models: int, valid: Path | None):
    """Write the generated files to `folder`; returns [(family, kind, path)]."""
    rng = random.Random(seed)
    cases = []
    names = sorted(PROJECT_FAMILIES)
    for i in range(n_projects):
        family = names[i % len(names)]
        path = folder / f"p{i:05d}.json"
        path.write_bytes(PROJECT_FAMILIES[family](rng))
        cases.append((family, "project", str(path)))
    if valid is not None and n_models:
        source = ModelFile.read(valid)
        names = sorted(MODEL_FAMILIES)
        for i in range(n_models):
            family = names[i % len(names)]
            path = folder / f"m{i:05d}.safetensors"
            path.write_bytes(MODEL_FAMILIES[family](rng, source))
            cases.append((family, "model", str(path)))
    return cases


def make_valid_model(path: Path) -> Path:
    """A small model file with every part of the format (batch norm, dropout, a schedule,
    early stopping state)."""
    from desktop_app.core.engine import Trainer
    from desktop_app.core.persistence.model_file import save_model
    from desktop_app.core.specs.project import Project

    project = Project().with_overrides([
        "data.dataset=moons", "data.n_samples=120", "train.device=cpu", "train.epochs=4",
        "train.batch_size=32", "train.schedule=step", "train.step_size=1", "train.patience=50",
        'model.hidden=[{"units": 6, "batch_norm": true, "dropout": 0.2}]',
    ])  # fmt: skip
    trainer = Trainer(project)
    trainer.fit(2)
    save_model(path, trainer)
    return path


# ---------------------------------------------------------------- the child process


def _vm_kb(key: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM (Linux 4.0+)
    except OSError:
        pass


class CaseTimeout(BaseException):
    """The case ran past its time budget (raised by the interval timer)."""


def _check_one(kind: str, path: str, resume: bool) -> str:
    from desktop_app.core.persistence.projects import load_project
    from desktop_app.core.persistence.summary import file_summary

    if kind == "project":
        load_project(path)
        file_summary(path)
        return "loaded"
    from desktop_app.core.engine import Trainer
    from desktop_app.core.persistence.model_file import load_model

    loaded = load_model(path)
    file_summary(path)
    if resume and loaded.resume is not None:
        Trainer.from_checkpoint(loaded).fit(1)
        return "loaded and continued"
    return "loaded"


def child(case_file: str, memory_cap_mb: int, seconds: float, resume: bool) -> None:
    """Run the cases in `case_file`, one JSON line per case on stdout."""
    import resource
    import signal

    import torch

    if resume:
        from desktop_app.core.engine import Trainer  # noqa: F401 - imports before the cap
    from desktop_app.core.errors import OdysseyError
    from desktop_app.core.persistence.model_file import load_model  # noqa: F401
    from desktop_app.core.persistence.summary import file_summary  # noqa: F401

    torch.set_num_threads(1)
    base = _vm_kb("VmSize") * 1024
    cap = base + memory_cap_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def alarm(_signum, _frame):
        raise CaseTimeout()

    signal.signal(signal.SIGALRM, alarm)
    cases = json.loads(Path(case_file).read_text())
    for family, kind, path in cases:
        print(json.dumps({"start": path}), flush=True)
        _reset_peak()
        rss_before = _vm_kb("VmRSS")
        import time

        start = time.perf_counter()
        outcome, detail = "clean", ""
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            detail = _check_one(kind, path, resume)
        except CaseTimeout:
            outcome, detail = "failed", f"over the {seconds:g} s budget"
        except OdysseyError as exc:
            message = str(exc)
            detail = message[:200]
            if "\n" in message or len(message) > MAX_MESSAGE:
                outcome, detail = "failed", f"message of {len(message)} chars: {message[:200]!r}"
        except MemoryError:
            outcome, detail = "failed", "MemoryError (the memory cap)"
        except BaseException as exc:  # noqa: BLE001 - every other exception is a finding
            outcome, detail = "failed", f"{type(exc).__name__}: {str(exc)[:200]}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds_taken = time.perf_counter() - start
        peak = max(_vm_kb("VmHWM") - rss_before, 0)
        print(json.dumps({
            "family": family, "kind": kind, "path": path, "outcome": outcome,
            "detail": detail, "seconds": seconds_taken, "peak_mb": peak / 1024,
        }), flush=True)  # fmt: skip


def run_cases(
    cases: list,
    work: Path,
    memory_cap_mb: int = MEMORY_CAP_MB,
    seconds: float = SECONDS_PER_CASE,
    resume: bool = True,
) -> list[dict]:
    """Results of every case, loaded in capped child processes; a child that dies (the
    cap, a crash) fails the case it was on and a new child takes the rest. resume: also
    Continue (one epoch) every model file that loads with its training state."""
    results: list[dict] = []
    todo = list(cases)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    while todo:
        case_file = work / "cases.json"
        case_file.write_text(json.dumps(todo))
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import fuzz_harness as h; "
            "h.child(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == '1')"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, str(Path(__file__).parent), str(case_file),
             str(memory_cap_mb), str(seconds), "1" if resume else "0"],
            capture_output=True, text=True, env=env, cwd=work,
            timeout=60 + seconds * len(todo) * 2,
        )  # fmt: skip
        started = None
        done = set()
        for line in proc.stdout.splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if "start" in rec:
                started = rec["start"]
            else:
                results.append(rec)
                done.add(rec["path"])
                started = None
        remaining = [c for c in todo if c[2] not in done]
        if not remaining:
            break
        if proc.returncode == 0 and started is None:
            raise RuntimeError(f"the fuzz child stopped early: {proc.stderr[-2000:]}")
        crashed = next(c for c in remaining if c[2] == started) if started else remaining[0]
        results.append({
            "family": crashed[0], "kind": crashed[1], "path": crashed[2], "outcome": "failed",
            "detail": f"the loader process died (exit {proc.returncode}): {proc.stderr[-300:]}",
            "seconds": float("nan"), "peak_mb": float("nan"),
        })  # fmt: skip
        todo = [c for c in remaining if c is not crashed]
    return results


def summary(results: list[dict]) -> dict:
    """Cases tried / clean / failed, and the worst time and memory per case, overall and
    per family."""

    def figures(rs):
        times = [r["seconds"] for r in rs if r["seconds"] == r["seconds"]]
        peaks = [r["peak_mb"] for r in rs if r["peak_mb"] == r["peak_mb"]]
        return {
            "tried": len(rs),
            "clean": sum(r["outcome"] == "clean" for r in rs),
            "failed": sum(r["outcome"] != "clean" for r in rs),
            "worst_seconds": max(times, default=0.0),
            "worst_peak_mb": max(peaks, default=0.0),
        }

    families = sorted({(r["kind"], r["family"]) for r in results})
    return {
        "all": figures(results),
        "families": {
            f"{k}/{f}": figures([r for r in results if (r["kind"], r["family"]) == (k, f)])
            for k, f in families
        },
    }
