"""Table files as a careless or hostile user writes them, through `run --inputs` and
`train --data`: old Mac line ends, huge cells, broken Parquet pages, a Parquet footer that
declares more rows than memory holds. Each a located error or a correct read, never a traceback."""

from __future__ import annotations

import struct

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from circuitsim.io import tables


@pytest.fixture(params=["arrow", "python"])
def reader(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(tables, "pa_csv", None)
    return request.param


def run_inputs(cli, path, code=0, *more):
    return cli("run", "circuits/neuron.yaml", "--inputs", str(path), "--format", "csv", *more, code=code)


def train_data(cli, tmp_path, path, code=0):
    return cli("train", "circuits/logistic.yaml", "--data", str(path), "-o", str(tmp_path / "fit.yaml"), "--steps", "2", code=code)


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_end_reads_the_same(cli, tmp_path, reader, newline):
    path = tmp_path / "cr.csv"
    path.write_bytes(("\ufeffx0,x1" + newline + "1,2" + newline + "3,4" + newline).encode())
    lines = run_inputs(cli, path).stdout.splitlines()
    assert len(lines) == 3 and [float(x) for x in lines[2].split(",")[:2]] == [3.0, 4.0]
    blobs = tmp_path / "blobs.csv"
    blobs.write_bytes(("x0,x1,y" + newline + "0.5,1,1" + newline + "-1,2,0" + newline).encode())
    assert "trained" in train_data(cli, tmp_path, blobs).stdout


def test_a_bad_cell_after_cr_line_ends_is_named_at_its_line(cli, tmp_path, reader):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"x0,x1\r1,2\r3,zz\r")
    assert f"{path}:3:3: error: column 'x1': 'zz' is not a number" in run_inputs(cli, path, 1).stderr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x0," + "a" * 140_000 + "\n1,2\n", ":1:"),  # a header cell over Python's 131,072
        ("x0,x1\n1," + "1" * 140_000 + "\n", ":2:3:"),  # a number of 140,000 digits
        ('x0,x1\n1,2\n1,"' + "1" * 2_000_000 + '"\n', ":3"),  # a quoted cell over the bound
    ],
)
def test_huge_cells_are_errors_at_their_line(cli, tmp_path, reader, text, where):
    path = tmp_path / "big.csv"
    path.write_text(text)
    result = run_inputs(cli, path, 1)
    assert f"{path}{where}" in result.stderr and len(result.stderr) < 3000
    result = train_data(cli, tmp_path, path, 1)
    assert result.stderr.startswith(f"{path}:") and len(result.stderr) < 3000


def test_a_header_without_a_line_end_in_the_first_megabyte(cli, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("x" * (2 << 20))
    assert "header line is longer than" in run_inputs(cli, path, 1).stderr


def _varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([low])
        out += bytes([low | 0x80])


def declaring(path, rows: int, real: int = 1000):
    """A Parquet file of ``real`` rows whose footer says ``rows`` (the file and the row group)."""
    pq.write_table(pa.table({"x0": np.zeros(real), "x1": np.ones(real), "y": np.ones(real)}), path)
    data = path.read_bytes()
    size = struct.unpack("<I", data[-8:-4])[0]
    footer = data[-8 - size : -8]
    old = b"\x16" + _varint(2 * real)  # field 3 (num_rows), an i64 in zigzag, in the compact protocol
    assert footer.count(old) >= 2
    footer = footer.replace(old, b"\x16" + _varint(2 * rows))
    path.write_bytes(data[: -8 - size] + footer + struct.pack("<I", len(footer)) + b"PAR1")
    assert pq.ParquetFile(path).metadata.num_rows == rows


def test_a_parquet_footer_declaring_400m_rows_is_refused_before_reading(cli, tmp_path):
    path = tmp_path / "bomb.parquet"
    declaring(path, 400_000_000)
    result = train_data(cli, tmp_path, path, 1)
    assert f"{path}: error: the table declares 400,000,000 rows" in result.stderr
    result = cli("run", "circuits/logistic.yaml", "--inputs", str(path), "-o", str(tmp_path / "out.csv"), code=1)
    assert f"{path}: error: the Parquet file declares 400,000,000 rows but holds 1,000" in result.stderr


def test_a_broken_parquet_page_is_the_input_files_fault(cli, tmp_path):
    path = tmp_path / "broken.parquet"
    pq.write_table(pa.table({"x0": np.arange(1000.0), "x1": np.arange(1000.0)}), path, compression="snappy")
    data = bytearray(path.read_bytes())
    for at in range(40, 400):  # the first page, the footer intact
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))
    out = tmp_path / "out.csv"
    result = run_inputs(cli, path, 1, "-o", str(out))
    assert result.stderr.startswith(f"{path}: error: cannot read Parquet file") and not out.exists()
    assert f"{path}: error: cannot read Parquet file" in train_data(cli, tmp_path, path, 1).stderr
