"""Hostile and damaged table files (issue 15): a seeded generator over truncation, huge
fields, many columns, odd encodings and workbook zip bombs, loaded in a subprocess under
a memory cap (RLIMIT_AS), so that a bomb fails the test instead of taking the machine.
Every case must end in success or a clear OdysseyError, never another exception.

The fast run here is bounded (a few dozen small cases, with the workbook budget lowered
in the child so a small bomb exceeds it); `pytest --run-slow -s` runs a larger set with
real-size bombs (a 3 GB cell, 2 GB of shared strings, a 50 MB line of 12.5 M fields), one
process per case, and prints cases tried / clean / failed and the worst time and memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CAP_BYTES = 2 << 30  # address space of the child (numpy, pandas, openpyxl need ~1 GiB)

CHILD = r"""
import json, resource, sys, time, traceback
cap, workbook_budget, paths = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import limits
from desktop_app.core.tabular.reader import load_table, preview_table
if workbook_budget:
    limits.MAX_WORKBOOK_BYTES = workbook_budget
    limits.MAX_SHARED_STRINGS_BYTES = workbook_budget
for path in paths:
    t0 = time.perf_counter()
    try:
        try:
            target = preview_table(path).column_names[-1]
        except OdysseyError:
            target = "y"
        load_table(TableSpec(path=path, target=target))
        outcome, detail = "loaded", ""
    except OdysseyError as exc:
        outcome, detail = "refused", str(exc)[:300]
    except BaseException as exc:
        outcome, detail = "failed", "".join(traceback.format_exception(exc))[-1500:]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"path": path, "outcome": outcome, "detail": detail,
                      "seconds": round(time.perf_counter() - t0, 2), "peak_mb": round(peak)}),
          flush=True)
"""


# ----------------------------------------------------------------------------- cases
def _valid_csv(rng: random.Random, rows: int = 60) -> str:
    lines = ["a,b,colour,y"]
    for i in range(rows):
        lines.append(f"{rng.random():.4f},{rng.randint(0, 9)},{rng.choice('rgb')},{i % 2}")
    return "\n".join(lines) + "\n"


def _zip(path: Path, members: dict[str, bytes | tuple[int, bytes]]) -> Path:
    """An .xlsx-like zip; a member given as (n, chunk) is chunk repeated n times,
    streamed so the test never holds it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in members.items():
            if isinstance(data, tuple):
                n, chunk = data
                with z.open(name, "w", force_zip64=True) as f:
                    for _ in range(n):
                        f.write(chunk)
            else:
                z.writestr(name, data)
    return path


_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


def _bomb(path: Path, member: str, size: int) -> Path:
    """A workbook whose `member` unzips to about `size` bytes of one repeated byte."""
    chunk = (b" " if "sheet" in member else b"a") * (1 << 20)
    return _zip(
        path,
        {"[Content_Types].xml": _CONTENT_TYPES, member: (max(size >> 20, 1), chunk)},
    )


def make_cases(folder: Path, seed: int, n_random: int, big: bool) -> list[Path]:
    """The families, each a few times over with the seed's variations."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Path] = []

    def add(name: str, data: bytes) -> None:
        p = folder / name
        p.write_bytes(data)
        cases.append(p)

    valid = _valid_csv(rng).encode()
    for k in range(n_random):  # truncation anywhere, flipped and inserted bytes
        cut = rng.randint(0, len(valid))
        add(f"cut{k}.csv", valid[:cut])
        data = bytearray(valid)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.choice(b'",;\t\n\r\x00\xff\xe9"')
        add(f"flip{k}.csv", bytes(data))
    field = 200_000 if not big else 5_000_000
    add("long_header.csv", b"a," + b"h" * field + b",y\n1,2,0\n3,4,1\n")
    add("long_cell.csv", b"a,b,y\n1," + b"x" * field + b",0\n" + b"3,4,1\n" * 30)
    add("open_quote.csv", b'a,b,y\n1,"' + b"x, y\n" * 5000 + b"\n")
    n_fields = 12_500_000 if big else 300_000
    add("one_line.csv", b"1," * n_fields + b"1\n")
    add("many_columns.csv", (",".join(f"c{i}" for i in range(20_000)) + "\n").encode() * 3)
    add("utf16.csv", _valid_csv(rng).encode("utf-16"))
    add("cp1252.csv", b"a,b,y\n" + "1,café,0\n2,thé,1\n".encode("cp1252") * 20)
    add("random.csv", bytes(rng.randrange(256) for _ in range(4000)))
    add("zeros.csv", b"\x00" * 5000)
    add("lonely_cr.csv", b"a,b,y\r1,2,0\r3,4,1\r" * 20)
    # Workbooks: damaged, and zip bombs (the sizes issue 15 found, when big).
    add("damaged.xlsx", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000)))
    gib = 1 << 30
    sizes = {"cell": 3 * gib, "spaces": 3 * gib, "strings": 2 * gib} if big else {}
    small = 96 << 20  # over the child's lowered budget in the fast run
    cases.append(_bomb(folder / "cell.xlsx", "xl/worksheets/sheet1.xml", sizes.get("cell", small)))
    cases.append(
        _bomb(folder / "spaces.xlsx", "xl/worksheets/sheet1.xml", sizes.get("spaces", small))
    )
    cases.append(
        _bomb(folder / "strings.xlsx", "xl/sharedStrings.xml", sizes.get("strings", small))
    )
    return cases


def run_cases(paths: list[Path], workbook_budget: int, per_case: bool) -> list[dict]:
    groups = [[p] for p in paths] if per_case else [paths]
    out = []
    env_path = str(Path(__file__).resolve().parents[2])
    for group in groups:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(CAP_BYTES),
                str(workbook_budget),
                json.dumps([str(p) for p in group]),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={"PYTHONPATH": env_path, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        )
        seen = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        done = {r["path"] for r in seen}
        for p in group:  # a child killed by the cap reports nothing for its case
            if str(p) not in done:
                seen.append(
                    {
                        "path": str(p),
                        "outcome": "failed",
                        "detail": proc.stderr[-1500:],
                        "seconds": None,
                        "peak_mb": None,
                    }
                )
        out += seen
    return out


def _failures(results: list[dict]) -> list[str]:
    return [f"{Path(r['path']).name}: {r['detail']}" for r in results if r["outcome"] == "failed"]


# ----------------------------------------------------------------------------- tests
def test_hostile_tables_load_or_are_refused_under_a_memory_cap(tmp_path):
    cases = make_cases(tmp_path / "cases", seed=15, n_random=6, big=False)
    results = run_cases(cases, workbook_budget=64 << 20, per_case=False)
    assert len(results) == len(cases)
    assert not _failures(results), "\n\n".join(_failures(results))
    by_name = {Path(r["path"]).name: r for r in results}
    for bomb in ("cell.xlsx", "spaces.xlsx", "strings.xlsx"):
        assert by_name[bomb]["outcome"] == "refused" and "would unzip to" in by_name[bomb]["detail"]
    assert "Excel's limit" in by_name["long_header.csv"]["detail"]
    assert "at most 16,384 columns" in by_name["many_columns.csv"]["detail"]
    assert "at most 16,384 columns" in by_name["one_line.csv"]["detail"]
    assert by_name["utf16.csv"]["outcome"] == "loaded"
    for r in results:
        assert "/etc" not in r["detail"]  # (messages name the file, never quote much of it)


@pytest.mark.slow
def test_larger_fuzz_run_with_real_size_bombs(tmp_path):
    cases = make_cases(tmp_path / "cases", seed=2026, n_random=40, big=True)
    results = run_cases(cases, workbook_budget=0, per_case=True)
    clean = [r for r in results if r["outcome"] != "failed"]
    timed = [r for r in results if r["seconds"] is not None]
    worst_t = max(timed, key=lambda r: r["seconds"])
    worst_m = max(timed, key=lambda r: r["peak_mb"])
    print(
        f"\ntable fuzz: {len(results)} cases tried, {len(clean)} clean "
        f"({sum(r['outcome'] == 'refused' for r in results)} refused with a message), "
        f"{len(results) - len(clean)} failed; worst time {worst_t['seconds']} s "
        f"({Path(worst_t['path']).name}), worst peak memory {worst_m['peak_mb']} MB "
        f"({Path(worst_m['path']).name}); memory cap {CAP_BYTES >> 20} MB"
    )
    for r in sorted(timed, key=lambda r: -r["seconds"])[:8]:
        print(
            f"  {Path(r['path']).name:18} {r['outcome']:8} {r['seconds']:6.2f} s {r['peak_mb']:6} MB"
        )
    assert not _failures(results), "\n\n".join(_failures(results))
