"""Reading and writing tables (CSV, Parquet, JSON) as `run --inputs` and `train --data` see them,
with and without pyarrow, and the CSV/JSON edges: each a located error."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from circuitsim.errors import CircuitError
from circuitsim.io import tables
from circuitsim.io.tables import open_table, open_writer, read_json_inputs, read_table


@pytest.fixture(params=["arrow", "python"])
def reader(request, monkeypatch):
    """Both CSV readers: pyarrow's and Python's csv module (pyarrow not installed)."""
    if request.param == "python":
        monkeypatch.setattr(tables, "pa_csv", None)
    return request.param


def error_of(call, *args) -> str:
    with pytest.raises(CircuitError) as err:
        call(*args)
    return str(err.value)


def test_csv_reads_in_blocks_to_float64_columns(tmp_path, reader):
    path = tmp_path / "t.csv"
    rows = "".join(f"{i},{i / 8!r}\n" for i in range(1000))
    path.write_text("x, y\n" + rows)
    table = open_table(str(path))
    assert table.columns == ["x", "y"] and table.count_rows() == 1000
    blocks = list(table.blocks(64))
    assert sum(len(b["x"]) for b in blocks) == 1000
    whole = read_table(str(path))
    assert whole["x"].dtype == np.float64 and np.array_equal(whole["y"], np.arange(1000) / 8)


@pytest.mark.parametrize(
    "text, message",
    [
        ("x,x\n1,2\n", "t.csv:1:3: error: column 'x' appears twice (columns 1 and 2); each column once"),
        ("x,y\n", "t.csv:1: error: the CSV table has a header but no rows"),
        ("", "t.csv:1: error: a CSV table needs a header row of column names, e.g. x0,x1"),
        ("x,2y\n1,2\n", "t.csv:1:3: error: column 2: '2y' is not a name (letters, digits and _, not starting with a digit)"),
        ("x,y\n1,2\n3,abc\n", "t.csv:3:3: error: column 'y': 'abc' is not a number"),
        ("x,y\n1,2\n3,\n", "t.csv:3:3: error: column 'y': an empty cell"),
        ("x,y\n1,2\n3\n", "t.csv:3: error: 1 values for 2 columns (x, y)"),
        ("x,y\n1,2\n\n3,-1e999\n", "t.csv:4:3: error: column 'y': the number -1e999 is too large for a 64-bit float "
         "(at most about 1.8e308); write a smaller number, or inf for infinity"),
        ("x,y\n" + "1,2\n" * 3000 + "1e400,inf\n", "t.csv:3002:1: error: column 'x': the number 1e400 is too large for a 64-bit float "
         "(at most about 1.8e308); write a smaller number, or inf for infinity"),
    ],
)
def test_bad_csv_is_an_error_at_line_and_column(tmp_path, reader, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    got = error_of(lambda: list(open_table(str(path)).blocks(10)))
    assert got == message.replace("t.csv", str(path))


def test_infinities_spelled_out_are_read(tmp_path, reader):
    path = tmp_path / "inf.csv"
    path.write_text("x,y\n1,inf\n-Infinity,+INF\n")
    assert {k: v.tolist() for k, v in read_table(str(path)).items()} == {"x": [1.0, -np.inf], "y": [np.inf, np.inf]}


def test_a_byte_order_mark_is_not_part_of_the_first_name(tmp_path, reader):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfx0,x1\r\n1,2\r\n3,4\r\n")
    assert {k: v.tolist() for k, v in read_table(str(path)).items()} == {"x0": [1.0, 3.0], "x1": [2.0, 4.0]}


def test_a_header_only_csv_prints_no_numpy_warning(tmp_path, reader, recwarn):
    path = tmp_path / "empty.csv"
    path.write_text("x0,x1\n")
    error_of(read_table, str(path))
    assert not recwarn.list


def test_parquet_in_blocks_and_its_errors(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": np.arange(10.0), "n": np.arange(10)}), path, row_group_size=3)
    table = open_table(str(path))
    assert (table.columns, table.rows) == (["x", "n"], 10)
    assert [len(b["x"]) for b in table.blocks(4)] == [3, 3, 3, 1] or sum(len(b["x"]) for b in table.blocks(4)) == 10
    assert read_table(str(path))["n"].dtype == np.float64
    words = tmp_path / "words.parquet"
    pq.write_table(pa.table({"x": ["a", "b"]}), words)
    assert error_of(open_table, str(words)) == f"{words}: error: column 'x' holds string, not numbers"
    holes = tmp_path / "holes.parquet"
    pq.write_table(pa.table({"x": pa.array([1.0, None, 3.0])}), holes)
    assert error_of(read_table, str(holes)) == f"{holes}: error: column 'x': row 2 is empty (null)"
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    assert error_of(open_table, str(junk)).startswith(f"{junk}: error: cannot read Parquet file")


# -- JSON inputs -------------------------------------------------------------------------


def test_json_inputs_numbers_lists_and_the_named_non_finite_numbers(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"a": 1, "b": [1, 2.5, "NaN", "-Infinity"]}')
    got = read_json_inputs(str(path))
    assert got["a"] == 1.0 and np.array_equal(got["b"], [1.0, 2.5, np.nan, -np.inf], equal_nan=True)
    assert got.positions["b"].line == 1 and got.positions["b"].column == 10


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"x": 1,\n "y": ' + "1" * 401 + "}", "in.json:2:7: error: the number 111111111111...111111 (401 characters) is too large for a 64-bit float (at most about 1.8e308); write a smaller number, or \"Infinity\" for infinity"),
        ('{"x": ' + "9" * 10_000 + "}", "in.json:1:7: error: the number 999999999999...999999 (10,000 characters) is too large for a 64-bit float (at most about 1.8e308)"),
        ('{"x": [1e400]}', "in.json:1:8: error: the number 1e400 is too large for a 64-bit float (at most about 1.8e308)"),
        ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "in.json:1:8: error: nested too deeply: an inputs file is a JSON object"),
        ('{"x": [[1, 2]]}', "in.json:1:2: error: input 'x': a list of numbers, but it holds a nested list"),
        ('{"x": []}', "in.json:1:2: error: input 'x' must be a number or a non-empty list of numbers, got an empty list"),
        ('{"x": true}', "in.json:1:2: error: input 'x' must be a number or a non-empty list of numbers, got true"),
        ("[1, 2]", "in.json:1:1: error: an inputs file is a JSON object of names to numbers or lists of numbers"),
        ('{"x": 1,\n "y": }', "in.json:2:7: error: invalid JSON: Expecting value"),
    ],
)
def test_bad_json_inputs_are_errors_at_line_and_column(tmp_path, text, message):
    path = tmp_path / "in.json"
    path.write_text(text)
    assert error_of(read_json_inputs, str(path)).startswith(message.replace("in.json", str(path)))


def test_read_table_takes_json_columns_of_one_length(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"x": [1, 2, 3], "b": 0.5}')
    assert {k: v.tolist() for k, v in read_table(str(path)).items()} == {"x": [1.0, 2.0, 3.0], "b": [0.5, 0.5, 0.5]}
    path.write_text('{"x": [1, 2, 3], "y": [1]}')
    assert "the columns must all have the same length: x has 3, y has 1" in error_of(read_table, str(path))


# -- writing -----------------------------------------------------------------------------


BLOCKS = [{"f": np.array([0.1, np.nan]), "grad_x": np.array([1e-300, np.inf])}, {"f": np.array([2.5]), "grad_x": np.array([-0.0])}]


@pytest.mark.parametrize("arrow", [True, False])
def test_csv_writer_writes_numbers_that_read_back_bit_for_bit(tmp_path, arrow, monkeypatch):
    if not arrow:
        monkeypatch.setattr(tables, "pa_csv", None)
    out = io.BytesIO()
    writer = open_writer(out, "csv", ["f", "grad_x"])
    for block in BLOCKS:
        writer.write(block)
    writer.close()
    text = out.getvalue().decode()
    assert text.splitlines()[0] == "f,grad_x" and len(text.splitlines()) == 4
    path = tmp_path / "back.csv"
    path.write_text(text)
    back = read_table(str(path))
    assert np.array_equal(back["f"], [0.1, np.nan, 2.5], equal_nan=True)
    assert back["grad_x"].tolist() == [1e-300, np.inf, -0.0]


def test_parquet_and_json_writers(tmp_path):
    path = tmp_path / "o.parquet"
    with open(path, "wb") as handle:
        writer = open_writer(handle, "parquet", ["f", "grad_x"])
        for block in BLOCKS:
            writer.write(block)
        writer.close()
    assert pq.read_table(path).column("grad_x").to_pylist() == [1e-300, np.inf, -0.0]
    out = io.BytesIO()
    writer = open_writer(out, "json", ["f", "grad_x"], json_head={"circuit": "c"}, json_groups={"outputs": {"f": "f"}, "values": {"f": "f"}, "grads": {"x": "grad_x"}})
    for block in BLOCKS:
        writer.write(block)
    writer.close()
    doc = json.loads(out.getvalue())
    assert doc == {"circuit": "c", "outputs": {"f": [0.1, "NaN", 2.5]}, "values": {"f": [0.1, "NaN", 2.5]}, "grads": {"x": [1e-300, "Infinity", -0.0]}}
    assert out.getvalue().decode() == json.dumps(doc, indent=2) + "\n"  # as `run --format json` indents
