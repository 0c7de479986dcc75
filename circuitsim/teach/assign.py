"""Variants per student: a template's ``randomize:`` inputs drawn from each student's id.

A value is drawn from SHA-256 of the template's name, the input's name, the student's id and an
optional salt, so the same roster gives the same variants on any machine, in any Python
(``hash()`` is salted per process and would not), and a new salt gives a new set. Values are
rounded to one decimal, which keeps an exercise workable by hand, and stay within ``[low,
high]``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from circuitsim.errors import CircuitError, Position

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["Student", "draw", "read_roster", "variant_inputs", "file_stem"]

DECIMALS = 1
MAX_ROSTER_BYTES = 16 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Student:
    """A roster row: the student's ``id`` and the row's line in the roster."""

    id: str
    line: int


def draw(low: float, high: float, *parts: str, decimals: int = DECIMALS) -> float:
    """A number in ``[low, high]`` that depends only on ``parts`` (a stable hash of them)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    value = round(low + u * (high - low), decimals)
    return float(min(max(value, low), high))


def variant_inputs(circuit: Circuit, student_id: str, salt: str = "") -> dict[str, float]:
    """The inputs of ``student_id``'s variant of ``circuit``: each ``randomize:`` input drawn."""
    return {name: draw(low, high, salt, circuit.name, name, student_id) for name, (low, high) in circuit.spec.randomize.items()}


def read_roster(path: str) -> list[Student]:
    """The students of a roster CSV (a header row with an ``id`` column); a CircuitError names
    the roster's line for a missing, empty or repeated id."""
    source = Path(path)
    try:
        if source.stat().st_size > MAX_ROSTER_BYTES:
            raise CircuitError(f"the roster is larger than {MAX_ROSTER_BYTES // 2**20} MiB", Position(path))
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CircuitError(f"cannot read the roster: {getattr(exc, 'strerror', None) or exc}", Position(path)) from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    names = [h.strip().lower() for h in header or []]
    if "id" not in names:
        raise CircuitError("the roster needs a header row with an `id` column (for example: id,name)", Position(path, 1, 1))
    column = names.index("id")
    students, seen = [], {}
    for line, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        student_id = row[column].strip() if column < len(row) else ""
        if not student_id:
            raise CircuitError("this row has no id", Position(path, line, 1))
        if student_id in seen:
            raise CircuitError(f"id {student_id!r} is on line {seen[student_id]} too; each student needs an id of their own", Position(path, line, 1))
        seen[student_id] = line
        students.append(Student(student_id, line))
    if not students:
        raise CircuitError("the roster lists no students", Position(path, 1, 1))
    return students


def file_stem(student_id: str, taken: set[str]) -> str:
    """A file name for ``student_id`` that is safe on every system and not in ``taken``."""
    stem = _UNSAFE.sub("_", student_id).strip("._")[:60] or "student"
    if stem.lower() in taken:
        stem = f"{stem}_{hashlib.sha256(student_id.encode('utf-8')).hexdigest()[:8]}"
    taken.add(stem.lower())
    return stem
