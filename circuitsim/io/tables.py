"""Tables of numbers in files: CSV, Parquet and JSON, read and written a block of rows at a time,
every problem at its file, line and column (see ``docs/internals/features.md``, "Tables and
numbers").
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from circuitsim.base.fileio import open_user_file
from circuitsim.base.show import overflowed, too_large
from circuitsim.errors import CircuitError, Position
from circuitsim.io.tables_json import JsonWriter, read_json_inputs
from circuitsim.read.spec import NAME_RE

_UNSET: object = object()
pa = pa_csv = pa_parquet = _UNSET  # pyarrow's modules, imported when a table is first read or written


def _arrow() -> None:
    """Import pyarrow now if not yet (None: the `arrow` extra is not installed: CSV in Python, no Parquet)."""
    global pa, pa_csv, pa_parquet
    if _UNSET not in (pa, pa_csv, pa_parquet):
        return
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet

        found = pyarrow, pyarrow.csv, pyarrow.parquet
    except ImportError:
        found = None, None, None
    pa, pa_csv, pa_parquet = (mine if mine is not _UNSET else new for mine, new in zip((pa, pa_csv, pa_parquet), found))

__all__ = ["SUFFIXES", "Table", "open_table", "open_writer", "read_json_inputs", "read_table"]

SUFFIXES = (".csv", ".parquet", ".json")
HEADER_BYTES = 1 << 20  # a header line longer than this is not a header
MAX_WHOLE_BYTES = 2 << 30  # a table read whole (training data) holds at most this much as float64
PARQUET_HINT = "Parquet needs pyarrow: python -m pip install 'circuitsim-backprop[arrow]'"


class Table:
    """A table file opened for reading: its ``columns``, its ``rows`` (None: not counted yet)."""

    def __init__(self, path: str, columns: list[str], rows: int | None, positions: list[Position] | None = None) -> None:
        self.path = path
        self.columns = columns
        self.rows = rows
        self.positions = dict(zip(columns, positions or [Position(path)] * len(columns)))

    def blocks(self, rows: int) -> Iterator[dict[str, np.ndarray]]:
        """Blocks of about ``rows`` rows each: column name -> float64 array."""
        raise NotImplementedError

    def count_rows(self) -> int:
        return self.rows


def open_table(path: str) -> Table:
    """A ``.csv`` or ``.parquet`` file, opened to be read in blocks; its header is checked now."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return _ParquetTable.open(path)
    if suffix == ".csv":
        return _CsvTable.open(path)
    raise CircuitError(f"a table file ends in {', '.join(SUFFIXES[:2])}", Position(path))


def read_table(path: str) -> dict[str, np.ndarray]:
    """A whole ``.csv``, ``.parquet`` or ``.json`` file: column name -> float64 array.

    A JSON file is an object of names to numbers or lists of numbers (all of one length);
    numbers stand for a column of that number.
    """
    if Path(path).suffix.lower() == ".json":
        data = read_json_inputs(path)
        arrays = {k: v for k, v in data.items() if isinstance(v, np.ndarray)}
        n = len(next(iter(arrays.values()))) if arrays else 1
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) > 1:
            shown = ", ".join(f"{k} has {len(a)}" for k, a in arrays.items())
            raise CircuitError(f"the columns must all have the same length: {shown}", Position(path))
        return {k: v if isinstance(v, np.ndarray) else np.full(n, float(v)) for k, v in data.items()}
    table = open_table(path)
    if table.rows is not None and table.rows * len(table.columns) * 8 > MAX_WHOLE_BYTES:
        raise CircuitError(
            f"the table declares {table.rows:,} rows of {len(table.columns)} columns, "
            f"{table.rows * len(table.columns) * 8 / 2**30:,.1f} GiB as numbers: more than the "
            f"{MAX_WHOLE_BYTES / 2**30:g} GiB read whole; give fewer rows", Position(path))
    parts = list(table.blocks(1 << 16))
    if not parts:
        raise CircuitError("the table has a header but no rows", Position(path, 1))
    return {name: np.concatenate([p[name] for p in parts]) for name in table.columns}


def check_columns(columns: list[str], path: str, line: int | None = 1, offsets: list[int] | None = None) -> None:
    """Column names must be names, each once."""
    seen: dict[str, int] = {}
    for i, name in enumerate(columns):
        pos = Position(path, line, offsets[i] if offsets else None)
        if not NAME_RE.match(name):
            raise CircuitError(f"column {i + 1}: {name!r} is not a name (letters, digits and _, not starting with a digit)", pos)
        if name in seen:
            raise CircuitError(f"column {name!r} appears twice (columns {seen[name] + 1} and {i + 1}); each column once", pos)
        seen[name] = i


# -- CSV ---------------------------------------------------------------------------------


class _CsvTable(Table):
    @classmethod
    def open(cls, path: str) -> _CsvTable:
        with open_user_file(path, what="inputs file") as file:
            head = file.read(HEADER_BYTES)
        ends = [at for at in (head.find(b"\r"), head.find(b"\n")) if at >= 0]
        end = min(ends, default=len(head))
        if not ends and len(head) == HEADER_BYTES:
            raise CircuitError(f"the header line is longer than {HEADER_BYTES:,} bytes: a CSV table starts with a line of column names", Position(path, 1))
        newline = head[end : end + 2] if head[end : end + 2] == b"\r\n" else head[end : end + 1]
        try:
            text = head[:end].decode("utf-8-sig")  # a byte order mark, as spreadsheets write, is not part of a name
        except UnicodeDecodeError as exc:
            raise CircuitError(f"the header is not UTF-8 text ({exc.reason})", Position(path, 1)) from None
        cells = next((cells for _, cells in csv_rows(io.StringIO(text), path)), [])
        if not any(cell.strip() for cell in cells):
            raise CircuitError("a CSV table needs a header row of column names, e.g. x0,x1", Position(path, 1))
        columns = [cell.strip() for cell in cells]
        offsets = _offsets(cells)
        check_columns(columns, path, 1, offsets)
        table = cls(path, columns, None, [Position(path, 1, at) for at in offsets])
        table._header_bytes = end + len(newline)
        table._newline = newline or b"\n"
        return table

    def count_rows(self) -> int:
        """The lines after the header, counted once: the rows, for a progress bar (blank lines count too)."""
        if self.rows is None:
            rows = 0
            with open_user_file(self.path, what="inputs file") as file:
                file.seek(self._header_bytes)
                last = b"\n"
                newline = self._newline[-1:]  # CR-only files count CRs
                last = newline
                for block in iter(lambda: file.read(1 << 24), b""):
                    rows += block.count(newline)
                    last = block[-1:]
                rows += last != newline
            self.rows = rows
        return self.rows

    def blocks(self, rows: int) -> Iterator[dict[str, np.ndarray]]:
        _arrow()
        if pa_csv is None or self._newline == b"\r":  # the pieces below are cut at line feeds
            yield from self._python_blocks(rows)
            return
        block_bytes = int(min(1 << 26, max(1 << 12, rows * 24 * len(self.columns))))
        read = pa_csv.ReadOptions(column_names=self.columns, use_threads=False)
        convert = pa_csv.ConvertOptions(
            column_types={name: pa.float64() for name in self.columns}, null_values=[], strings_can_be_null=False
        )
        got, line = 0, 2
        try:
            for text in self._line_blocks(block_bytes):
                batch = pa_csv.read_csv(pa.py_buffer(text), read_options=read, convert_options=convert)
                if batch.num_rows:
                    got += batch.num_rows
                    block = {name: batch.column(i).to_numpy() for i, name in enumerate(self.columns)}
                    if any(np.isinf(column).any() for column in block.values()):
                        self._check_infinities(text, line)
                    yield block
                line += text.count(b"\n")
        except pa.ArrowInvalid as exc:
            for _ in self._python_blocks(1 << 16):  # finds the line and column, or nothing
                pass
            raise CircuitError(f"cannot read CSV: {exc}", Position(self.path)) from None
        if not got:
            raise CircuitError("the CSV table has a header but no rows", Position(self.path, 1))

    def _line_blocks(self, size: int) -> Iterator[bytes]:
        """The file after the header in pieces of about ``size`` bytes, each ending at a line's end.

        Each piece is parsed on its own, so memory stays one piece whatever the file's size
        (pyarrow's own streaming reader keeps more the longer the file).
        """
        with open_user_file(self.path, what="inputs file") as file:
            file.seek(self._header_bytes)
            carry = b""
            for data in iter(lambda: file.read(size), b""):
                data = carry + data
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry.strip():
                yield carry

    def _check_infinities(self, text: bytes, line: int) -> None:
        """Names a number too large for a float (which pyarrow reads as an infinity) in this
        piece of the file, whose first line is ``line``: every cell is read again."""
        for at, cells in csv_rows(io.StringIO(text.decode("utf-8-sig"), newline=""), self.path, line):
            self._numbers(cells, at)

    def _python_blocks(self, rows: int) -> Iterator[dict[str, np.ndarray]]:
        """The same blocks through Python's csv module; a bad cell is named by line and column."""
        try:
            yield from self._python_rows(rows)
        except UnicodeDecodeError as exc:
            raise CircuitError(f"the file is not UTF-8 text ({exc.reason})", Position(self.path)) from None

    def _python_rows(self, rows: int) -> Iterator[dict[str, np.ndarray]]:
        width = len(self.columns)
        got = 0
        raw = open_user_file(self.path, what="inputs file")
        raw.seek(self._header_bytes)
        with io.TextIOWrapper(raw, encoding="utf-8", newline="") as file:
            block: list[list[float]] = []
            for line, cells in csv_rows(file, self.path, 2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != width:
                    raise CircuitError(f"{len(cells)} values for {width} columns ({', '.join(self.columns)})", Position(self.path, line))
                block.append(self._numbers(cells, line))
                if len(block) >= rows:
                    got += len(block)
                    yield self._columns(block)
                    block = []
            if block:
                got += len(block)
                yield self._columns(block)
        if not got:
            raise CircuitError("the CSV table has a header but no rows", Position(self.path, 1))

    def _numbers(self, cells: list[str], line: int) -> list[float]:
        try:
            numbers = [float(cell) for cell in cells]
        except ValueError:
            offsets = _offsets(cells)
            for i, cell in enumerate(cells):
                try:
                    float(cell)
                except ValueError:
                    what = "an empty cell" if not cell.strip() else f"{cell.strip()!r} is not a number"
                    raise CircuitError(f"column {self.columns[i]!r}: {what}", Position(self.path, line, offsets[i])) from None
            raise
        if math.inf in numbers or -math.inf in numbers:
            for i, (x, cell) in enumerate(zip(numbers, cells)):
                if overflowed(cell, x):
                    raise CircuitError(f"column {self.columns[i]!r}: {too_large(cell.strip(), 'inf')}", Position(self.path, line, _offsets(cells)[i]))
        return numbers

    def _columns(self, block: list[list[float]]) -> dict[str, np.ndarray]:
        array = np.array(block, dtype=np.float64).reshape(len(block), len(self.columns))
        return {name: array[:, i].copy() for i, name in enumerate(self.columns)}


FIELD_CHARS = HEADER_BYTES  # the longest cell read (Python's csv stops at 131,072 by default)


def csv_rows(lines, path: str, first: int = 1) -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV text (``lines``: an open text file or any lines, with their ends) as
    ``(line number, cells)``, ``first`` being the first line's number. Line ends may be LF,
    CRLF or CR alone; a cell may be up to :data:`FIELD_CHARS` characters long. What the csv
    module cannot read is a :class:`~circuitsim.CircuitError` at its line."""
    csv.field_size_limit(FIELD_CHARS)
    reader = csv.reader(lines)
    start = first
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a cell longer than {FIELD_CHARS:,} characters"
            raise CircuitError(f"cannot read CSV: {message}", Position(path, first + reader.line_num - 1)) from None
        yield start, cells
        start = first + reader.line_num


def _offsets(cells: list[str]) -> list[int]:
    """1-based character columns of the cells of a line without quotes (a guess with them)."""
    offsets, at = [], 1
    for cell in cells:
        offsets.append(at)
        at += len(cell) + 1
    return offsets


# -- Parquet -----------------------------------------------------------------------------


class _ParquetTable(Table):
    @classmethod
    def open(cls, path: str) -> _ParquetTable:
        _arrow()
        if pa_parquet is None:
            raise CircuitError(PARQUET_HINT, Position(path))
        try:
            file = pa_parquet.ParquetFile(open_user_file(path, what="inputs file"))
        except (OSError, pa.ArrowException) as exc:
            raise CircuitError(f"cannot read Parquet file: {exc}", Position(path)) from None
        schema = file.schema_arrow
        columns = list(schema.names)
        check_columns(columns, path, None)
        for name in columns:
            kind = schema.field(name).type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
                raise CircuitError(f"column {name!r} holds {kind}, not numbers", Position(path))
        table = cls(path, columns, file.metadata.num_rows)
        table._file = file
        return table

    def blocks(self, rows: int) -> Iterator[dict[str, np.ndarray]]:
        batches = self._file.iter_batches(batch_size=max(1, rows))
        start = 0
        while True:
            try:
                batch = next(batches, None)
            except (OSError, pa.ArrowException) as exc:  # a broken page: this file's fault, whatever is written
                raise CircuitError(f"cannot read Parquet file after row {start:,}: {exc}", Position(self.path)) from None
            if batch is None:
                break
            block = {}
            for i, name in enumerate(self.columns):
                column = batch.column(i)
                if column.null_count:
                    row = start + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0]) + 1
                    raise CircuitError(f"column {name!r}: row {row} is empty (null)", Position(self.path))
                block[name] = column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
            start += batch.num_rows
            yield block
        if not start:
            raise CircuitError("the Parquet table has no rows", Position(self.path))
        if start != self.rows:
            raise CircuitError(f"the Parquet file declares {self.rows:,} rows but holds {start:,}", Position(self.path))


# -- writing -----------------------------------------------------------------------------


def open_writer(file, fmt: str, columns: list[str], *, json_head: dict | None = None, json_groups: dict | None = None):
    """A writer of ``columns`` to the binary ``file``: ``.write(block)`` per block, then ``.close()``.

    ``fmt`` is ``csv``, ``parquet`` or ``json``; for JSON, ``json_head`` holds the leading
    fields and ``json_groups`` maps each object field to {key in it: column}.
    """
    if fmt == "csv":
        return _CsvWriter(file, columns)
    if fmt == "parquet":
        _arrow()
        if pa_parquet is None:
            raise CircuitError(PARQUET_HINT)
        return _ParquetWriter(file, columns)
    return JsonWriter(file, json_head or {}, json_groups or {})


class _CsvWriter:
    def __init__(self, file, columns: list[str]) -> None:
        self.file = file
        self.columns = columns
        file.write((",".join(columns) + "\n").encode())

    def write(self, block: dict[str, np.ndarray]) -> None:
        _arrow()
        if pa_csv is None:
            texts = [map(repr, block[name].tolist()) for name in self.columns]
            self.file.write("".join(",".join(row) + "\n" for row in zip(*texts)).encode())
            return
        table = pa.table({f"c{i}": block[name] for i, name in enumerate(self.columns)})
        pa_csv.write_csv(table, self.file, pa_csv.WriteOptions(include_header=False))

    def close(self) -> None:
        pass

    abort = close


class _ParquetWriter:
    def __init__(self, file, columns: list[str]) -> None:
        self.columns = columns
        self.schema = pa.schema([(name, pa.float64()) for name in columns])
        self.writer = pa_parquet.ParquetWriter(file, self.schema)

    def write(self, block: dict[str, np.ndarray]) -> None:
        self.writer.write_table(pa.table({name: block[name] for name in self.columns}, schema=self.schema))

    def close(self) -> None:
        self.writer.close()

    abort = close
