"""The table reader on pandas' C parser: what the first megabyte cannot show (a late
non-UTF-8 byte, a ragged or badly quoted row far down), padded gaps in a numeric
column, and the line numbers messages give."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.errors import DataError
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import columns
from desktop_app.core.tabular.reader import load_table, preview_table


def big_ascii(path, n: int, tail: bytes = b"") -> None:
    """n rows of a numeric table (over a megabyte when n > 40,000), then tail."""
    body = "".join(f"{i},{i % 7}.5,{i % 2}\n" for i in range(n))
    path.write_bytes(b"a,b,y\n" + body.encode() + tail)


def test_a_non_utf8_byte_after_the_first_megabyte_reads_the_file_as_cp1252(tmp_path):
    path = tmp_path / "late.csv"
    text = "a,b,y\n" + "".join(
        f"{i},{i % 7}.5,{'ja' if i % 2 else 'nein'}\n" for i in range(90_000)
    )
    path.write_bytes(text.encode() + "5,2.5,nein\xe9\n".encode("cp1252"))
    raw = load_table(TableSpec(path=str(path), target="y"))
    assert raw.spec.encoding == "cp1252" and raw.n_rows == 90_001
    assert "nein\xe9" in raw.categories["y"]
    assert any("not valid UTF-8" in n for n in raw.notes)


def test_a_ragged_row_far_down_names_its_line(tmp_path):
    path = tmp_path / "ragged.csv"
    big_ascii(path, 60_000, b"1,2,3,4\n")
    with pytest.raises(DataError, match="line 60002 has 4 fields but the header has 3"):
        load_table(TableSpec(path=str(path), target="y"))


def test_an_unclosed_quote_is_reported_without_quoting_the_file(tmp_path):
    path = tmp_path / "quote.csv"
    big_ascii(path, 60_000, b'1,"oops,0\n2,3,1\n')
    with pytest.raises(DataError, match="line 60002.*a quote that is never closed") as info:
        load_table(TableSpec(path=str(path), target="y"))
    assert "oops" not in str(info.value)


def test_padded_gaps_in_a_numeric_column_are_read_as_gaps(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "CHUNK_LINES", 7)
    rows = [f"{i},{' NA ' if i % 5 == 0 else f' {i * 0.5} '},{i % 2}" for i in range(40)]
    path = tmp_path / "padded.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    raw = load_table(TableSpec(path=str(path), target="y"))
    b = raw.columns["b"]
    assert np.isnan(b[::5]).all() and b[1] == 0.5 and raw.n_rows == 40
    assert raw.lines[[0, 39]].tolist() == [2, 41]


def test_a_file_that_is_no_table_is_never_quoted_in_the_message(tmp_path):
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n")
    for target in ("y", "root"):
        with pytest.raises(DataError) as info:
            load_table(TableSpec(path=str(path), target=target))
        assert "root:x" not in str(info.value) and "one column only" in str(info.value)


def test_a_header_field_over_the_csv_module_limit_gets_a_message(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"a," + b"h" * 140_000 + b",y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="line 1 holds a value longer than 32,767 characters"):
        load_table(TableSpec(path=str(path), target="y"))


def test_a_workbook_that_would_unzip_past_the_budget_is_refused_before_reading(
    tmp_path, monkeypatch
):
    import zipfile

    from desktop_app.core.tabular import limits

    monkeypatch.setattr(limits, "MAX_WORKBOOK_BYTES", 4 << 20)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (8 << 20))
    with pytest.raises(DataError, match=r"would unzip to .* save the table as CSV"):
        load_table(TableSpec(path=str(path), target="y"))


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_parquet_and_feather_open_when_pyarrow_is_installed(tmp_path, suffix):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {
            "size": np.arange(40, dtype=np.float64) / 4,
            "colour": pd.Categorical(["red", "green"] * 20),
            "member": [True, False, False, True] * 10,
            "y": ["a", "b"] * 20,
        }
    )
    frame.loc[3, "size"] = np.nan
    path = tmp_path / f"t{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_feather(path)
    pv = preview_table(path)
    kinds = {c.name: c.kind for c in pv.columns}
    assert kinds == {
        "size": "numeric",
        "colour": "categorical",
        "member": "boolean",
        "y": "categorical",
    }
    raw = load_table(TableSpec(path=str(path), target="y"))
    assert raw.n_rows == 40 and np.isnan(raw.columns["size"][3])
    assert raw.columns["size"][4] == 1.0 and raw.categories["colour"] == ["green", "red"]
    assert raw.columns["member"][:4].tolist() == [1, 0, 0, 1] and len(raw.spec.sha256) == 64


@pytest.mark.parametrize("frozen", [False, True])
def test_without_pyarrow_a_parquet_file_says_how_to_read_it(tmp_path, monkeypatch, frozen):
    import sys

    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
    for name in ("pyarrow", "pyarrow.parquet", "pyarrow.feather"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails, as without pyarrow
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)  # the packaged app
    with pytest.raises(DataError) as err:
        preview_table(path)
    message = str(err.value)
    assert "Parquet file; reading it needs pyarrow" in message and "to CSV" in message
    assert ("packaged Odyssey leaves it out" in message) == frozen
    assert ("pip install pyarrow" in message) == (not frozen)
