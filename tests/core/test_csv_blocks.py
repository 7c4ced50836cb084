"""A large table read on several threads gives exactly what the one-thread read gives:
the same rows, categories, hash and messages. The block size is made tiny here so that
small files are cut into many blocks, several with a cut near a quoted line end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.errors import DataError
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import csv_blocks, detect
from desktop_app.core.tabular.detect import Cancelled
from desktop_app.core.tabular.reader import load_table


@pytest.fixture
def threaded(monkeypatch):
    """Every file goes the threaded way, in blocks of 512 bytes; counts the blocks."""
    parsed = []
    real = csv_blocks.parse_block

    def spy(block, header, options):
        parsed.append(len(block))
        return real(block, header, options)

    monkeypatch.setattr(csv_blocks, "MIN_BYTES", 0)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 512)
    monkeypatch.setattr(csv_blocks, "thread_count", lambda: 2)
    monkeypatch.setattr(csv_blocks, "parse_block", spy)
    return parsed


def one_thread(spec: TableSpec, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(csv_blocks, "MIN_BYTES", 1 << 60)
        return load_table(spec)


def awkward_csv(path: Path, n: int = 400, bom: bool = True, crlf: bool = True) -> Path:
    """Quoted cells with line ends, delimiters and doubled quotes; gaps; blank lines; a
    category first seen near the end."""
    rng = np.random.default_rng(3)
    rows = ['id,"note, with comma",colour,x,y']
    for i in range(n):
        note = f'"line one\nline ""{i}"", two"' if i % 9 == 0 else f"plain {i}"
        colour = "violet" if i == n - 3 else ["red", "green", '"blue, dark"'][i % 3]
        x = "" if i % 13 == 4 else f"{rng.normal():.5f}"
        rows.append(f"{i},{note},{colour},{x},{int(rng.integers(0, 2))}")
        if i % 50 == 7:
            rows.append("")
    end = "\r\n" if crlf else "\n"
    text = end.join(rows) + end
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def same(a, b) -> None:
    assert a.n_rows == b.n_rows
    assert a.categories == b.categories
    assert a.kinds == b.kinds
    for name in a.slots:
        np.testing.assert_array_equal(a.column(name), b.column(name))
    assert a.spec.sha256 == b.spec.sha256


def test_threaded_read_equals_the_one_thread_read(tmp_path, monkeypatch, threaded):
    path = awkward_csv(tmp_path / "awkward.csv")
    spec = TableSpec(path=str(path), target="y", column_types={"note, with comma": "categorical"})
    got = load_table(spec)
    assert len(threaded) > 20  # really cut into many blocks
    want = one_thread(spec, monkeypatch)
    same(got, want)
    assert got.spec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "violet" in got.categories["colour"] and "blue, dark" in got.categories["colour"]
    assert got.n_rows == 400


def test_a_ragged_line_far_in_is_named_as_the_one_thread_read_names_it(
    tmp_path, monkeypatch, threaded
):
    path = awkward_csv(tmp_path / "ragged.csv", bom=False, crlf=False)
    lines = path.read_text().split("\n")
    lines[-20] += ",extra"
    path.write_text("\n".join(lines))
    spec = TableSpec(path=str(path), target="y")
    with pytest.raises(DataError) as threaded_error:
        load_table(spec)
    with pytest.raises(DataError) as plain_error:
        one_thread(spec, monkeypatch)
    assert str(threaded_error.value) == str(plain_error.value)
    assert "fields" in str(threaded_error.value)


def test_a_bad_number_far_in_names_its_line(tmp_path, monkeypatch, threaded):
    monkeypatch.setattr(detect, "DETECT_ROWS", 50)  # kinds from the first 50 rows
    rows = ["a,b,y"] + [f"{i}.5,{i},{i % 2}" for i in range(600)]
    rows[550] = "oops,3,1"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"column 'a' holds numbers, but line 551 has 'oops'"):
        load_table(TableSpec(path=str(path), target="y"))


def test_a_stray_quote_inside_a_cell_still_reads(tmp_path, monkeypatch, threaded):
    # 5'11" style cells: the quote count is odd, the cuts fall back to earlier line ends
    # (or the one-thread read), and the rows come out the same.
    rows = ["height,x,y"] + [f"5'{i % 12}\",{i * 0.5},{i % 2}" for i in range(500)]
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = TableSpec(path=str(path), target="y", column_types={"height": "categorical"})
    same(load_table(spec), one_thread(spec, monkeypatch))


def test_a_quoted_cell_longer_than_four_blocks_still_reads(tmp_path, monkeypatch, threaded):
    # No line end outside quotes in four blocks: the one-thread read takes the file over.
    long_note = '"' + "a long note\n" * 300 + '"'
    rows = ["note,x,y"] + [f"{long_note if i == 40 else i},{i * 0.5},{i % 2}" for i in range(300)]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = TableSpec(path=str(path), target="y", column_types={"note": "categorical"})
    got = load_table(spec)
    assert got.n_rows == 300
    same(got, one_thread(spec, monkeypatch))


def test_cancel_stops_a_threaded_read(tmp_path, threaded):
    path = awkward_csv(tmp_path / "c.csv")
    seen: list[float] = []
    with pytest.raises(Cancelled):
        load_table(
            TableSpec(path=str(path), target="y"),
            progress=seen.append,
            cancel=lambda: len(seen) >= 3,
        )
    assert 3 <= len(seen) <= 5 and seen[-1] < 0.5
