"""Grading a class: a vectors file on every student's circuit, a score per student.

A student's file never stops the run and is read with smaller caps; the reports are
Gradescope's JSON, CSV and JSON (see ``docs/internals/features.md``, "Checks and grading").
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from circuitsim.base.text import terminal
from circuitsim.check.vectors import VectorFile, VectorResult, grade
from circuitsim.errors import CircuitError

if TYPE_CHECKING:
    from circuitsim.gate.plugins import Registry
    from circuitsim.run.circuit import Circuit

__all__ = ["COLUMNS", "clean", "csv_text", "STUDENT_MAX_BYTES", "STUDENT_MAX_GATES", "StudentGrade", "grade_file", "gradescope", "to_json", "write_csv"]

#: A student's circuit file may be this big (a circuit of thousands of gates is a few hundred KB).
STUDENT_MAX_BYTES = 4 * 1024 * 1024
#: ... and have this many gates once its modules are expanded.
STUDENT_MAX_GATES = 100_000
#: The columns of a class's grades, in order.
COLUMNS = ("file", "score", "max_score", "passed", "failed", "failing", "error")



@dataclass
class StudentGrade:
    """One student file's grade: a result per vector (and per constraint), or why it did not load."""

    path: str
    results: list[VectorResult] = field(default_factory=list)
    error: str | None = None  # why the file did not load

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def failing(self) -> list[str]:
        return [r.name for r in self.results if not r.passed]


def grade_file(
    path: str,
    vectors: VectorFile,
    *,
    registry: Registry | None = None,
    reference: Circuit | None = None,
    max_bytes: int = STUDENT_MAX_BYTES,
    max_gates: int = STUDENT_MAX_GATES,
) -> StudentGrade:
    """Grade the circuit file at ``path`` with ``vectors``; never raises for the file's sake."""
    from circuitsim.run.load import load

    try:
        folder = os.path.dirname(os.path.abspath(path))  # modules: the student's own files only
        circuit = load(path, registry=registry, max_bytes=max_bytes, max_gates=max_gates, cache=False, module_root=folder)
    except CircuitError as exc:
        return _unloaded(path, vectors, str(exc))
    except (RecursionError, MemoryError, UnicodeError, OSError, ValueError, TypeError) as exc:
        return _unloaded(path, vectors, f"{path}: error: the file could not be read as a circuit ({type(exc).__name__})")
    try:
        report = grade(circuit, vectors, reference)
    except (RecursionError, MemoryError, ArithmeticError, ValueError, TypeError) as exc:
        return _unloaded(path, vectors, f"{path}: error: the circuit could not be run ({type(exc).__name__}: {exc})")
    return StudentGrade(path, report.results)


def _unloaded(path: str, vectors: VectorFile, reason: str) -> StudentGrade:
    return StudentGrade(path, vectors.unrun(reason), reason)


# -- reports ------------------------------------------------------------------------------


def clean(text: str, *, lines: bool = True) -> str:
    """``text`` with control characters, line and paragraph separators and lone surrogates (a
    file name's undecodable bytes) as escapes, so that no cell or field can break its report's
    format, its encoding or a terminal; newlines and tabs stay if ``lines``
    (:func:`circuitsim.base.text.terminal`)."""
    return terminal(text, lines=lines)


def _points(x: float) -> float | int:
    """A score as JSON and CSV show it: 3 rather than 3.0."""
    return int(x) if math.isfinite(x) and x == int(x) else x


def gradescope(student: StudentGrade) -> dict:
    """Gradescope's ``results.json`` for one submission: a test per vector with its score,
    max_score, status, visibility and output (expected and got, or why it could not run)."""
    tests = _tests(student)
    doc = {"score": _points(student.score), "output": clean(_summary(student)), "visibility": "visible", "tests": tests}
    return doc


def _summary(student: StudentGrade) -> str:
    if student.error is not None:
        return f"Your file could not be graded; every test scores 0:\n{student.error}"
    return f"{student.passed} of {len(student.results)} tests passed: {_points(student.score)} of {_points(student.max_score)} points."


def _row(student: StudentGrade) -> dict:
    return {
        "file": clean(student.path, lines=False),
        "score": _points(student.score),
        "max_score": _points(student.max_score),
        "passed": student.passed,
        "failed": student.failed,
        "failing": [clean(name, lines=False) for name in student.failing],
        "error": clean(student.error) if student.error is not None else None,
    }


def write_csv(students: Iterable[StudentGrade], handle) -> None:
    """A row per student under a header of :data:`COLUMNS`; ``failing`` joins the failing
    vectors' names with "; "."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for student in students:
        row = _row(student)
        row["failing"] = "; ".join(row["failing"])
        row["error"] = row["error"] or ""
        writer.writerow([_cell(row[c]) for c in COLUMNS])


def _cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_json(students: Iterable[StudentGrade]) -> dict:
    """The grades as one JSON object: ``{"students": [row, ...]}``, each row as in the CSV
    (``failing`` a list, ``error`` null for a file that loaded) plus every vector's result."""
    rows = []
    for student in students:
        row = _row(student)
        row["tests"] = _tests(student)
        rows.append(row)
    return {"students": rows}


def csv_text(students: Iterable[StudentGrade]) -> str:
    out = io.StringIO()
    write_csv(students, out)
    return out.getvalue()


def _tests(student) -> list[dict]:
    """A test per vector, as Gradescope reads them: its score, status, visibility and output."""
    return [
        {
            "name": clean(r.name, lines=False),
            "score": _points(r.score),
            "max_score": _points(r.points),
            "status": "passed" if r.passed else "failed",
            "visibility": r.visibility,
            "output": clean(r.feedback()),
        }
        for r in student.results
    ]
