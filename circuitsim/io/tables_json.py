"""JSON tables: inputs files read whole and checked (numbers that fit a float64, at most a list
deep), run results written a block at a time (:class:`JsonWriter`).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile

import numpy as np

from circuitsim.base.fileio import read_user_file
from circuitsim.base.show import too_large
from circuitsim.errors import CircuitError, Position
from circuitsim.read.yamltree import DEFAULT_MAX_BYTES

__all__ = ["Inputs", "JsonWriter", "read_json_inputs"]

NAMED_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
SHAPE = 'an inputs file is a JSON object of names to numbers or lists of numbers, e.g. {"x0": [1.5, 2.0]}'


class Inputs(dict):
    """Input name -> float or 1-D float64 array, with ``positions``: name -> where it stands."""

    positions: dict[str, Position]


class _OutOfRange(Exception):
    def __init__(self, literal: str) -> None:
        self.literal = literal


def _number(literal: str) -> float:
    value = float(literal)  # no digit limit, unlike int(); out of range gives inf
    if math.isinf(value):
        raise _OutOfRange(literal)
    return value


def read_json_inputs(path: str, data: bytes | None = None) -> Inputs:
    """The inputs in the JSON file at ``path`` (its bytes ``data``, if read already).

    The file must be a regular file of at most 256 MiB (``DEFAULT_MAX_BYTES``).
    """
    if data is None:
        data = read_user_file(path, what="inputs file", max_bytes=DEFAULT_MAX_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        raise CircuitError(f"the file is not UTF-8 text ({exc.reason})", _at(before, len(before), path)) from None
    try:
        raw = json.loads(text, parse_int=_number, parse_float=_number)
    except _OutOfRange as exc:
        where = _at(text, text.find(exc.literal), path)
        raise CircuitError(too_large(exc.literal, '"Infinity"'), where) from None
    except RecursionError:
        raise CircuitError(f"nested too deeply: {SHAPE}", _at(text, _deep(text), path)) from None
    except json.JSONDecodeError as exc:
        raise CircuitError(f"invalid JSON: {exc.msg}", Position(path, exc.lineno, exc.colno)) from None
    if not isinstance(raw, dict):
        raise CircuitError(SHAPE, Position(path, 1, 1))
    inputs = Inputs()
    inputs.positions = {}
    for name, value in raw.items():
        pos = inputs.positions[name] = _key_position(text, name, path)
        inputs[name] = _value(name, value, pos)
    return inputs


def _value(name: str, value, pos: Position):
    if isinstance(value, str) and value in NAMED_NUMBERS:
        return NAMED_NUMBERS[value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list) and value:
        numbers = [NAMED_NUMBERS.get(v, v) if isinstance(v, str) else v for v in value]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
            return np.array(numbers, dtype=np.float64)
        bad = next(v for v in numbers if not isinstance(v, (int, float)) or isinstance(v, bool))
        what = "a nested list" if isinstance(bad, (list, dict)) else json.dumps(bad)[:40]
        raise CircuitError(f"input {name!r}: a list of numbers, but it holds {what}", pos)
    shown = "an empty list" if value == [] else json.dumps(value)[:40]
    raise CircuitError(f"input {name!r} must be a number or a non-empty list of numbers, got {shown}", pos)


def _at(text: str, index: int, path: str) -> Position:
    if index < 0:
        return Position(path)
    line = text.count("\n", 0, index) + 1
    return Position(path, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _key_position(text: str, name: str, path: str) -> Position:
    match = re.search(re.escape(json.dumps(name)) + r"\s*:", text)
    return _at(text, match.start() if match else -1, path)


def _deep(text: str, limit: int = 3) -> int:
    """Where the nesting first gets ``limit`` deep, outside strings (-1 if it does not)."""
    depth, in_string, escaped = 0, False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return i
        elif char in "]}":
            depth -= 1
    return -1


# -- writing -----------------------------------------------------------------------------


def _json_number(value: float) -> str:
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    return repr(value)


class JsonWriter:
    """``{head..., group: {key: [numbers of a column]}}``, indented as ``json.dumps(indent=2)``."""

    SEPARATOR = ",\n      "

    def __init__(self, file, head: dict, groups: dict[str, dict[str, str]]) -> None:
        self.file = file
        self.head = head
        self.groups = groups
        columns = dict.fromkeys(c for group in groups.values() for c in group.values())
        self.spills = {column: tempfile.TemporaryFile() for column in columns}
        self.started = False

    def write(self, block: dict[str, np.ndarray]) -> None:
        for column, spill in self.spills.items():
            text = self.SEPARATOR.join(map(_json_number, block[column].tolist()))
            if self.started and text:
                spill.write(self.SEPARATOR.encode())
            spill.write(text.encode())
        self.started = True

    def close(self) -> None:
        out = self.file
        lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in self.head.items()]
        out.write(("{\n" + ",\n".join(lines)).encode())
        for group, members in self.groups.items():
            out.write(f",\n  {json.dumps(group)}: {{".encode())
            for i, (key, column) in enumerate(members.items()):
                out.write(f"{',' if i else ''}\n    {json.dumps(key)}: [\n      ".encode())
                spill = self.spills[column]
                spill.seek(0)
                shutil.copyfileobj(spill, out)
                out.write(b"\n    ]")
            out.write(b"\n  }" if members else b"}")
        out.write(b"\n}\n")
        self.abort()

    def abort(self) -> None:
        for spill in self.spills.values():
            spill.close()
