"""Test vectors: run the ``tests:`` of a circuit file, or a vectors file of their own, and
report what passed and what did not.

A vectors file (``circuitsim test CIRCUIT... --vectors VECTORS.yaml``) holds ``tests:`` as a
circuit file does, and may set ``tol:`` for every vector that does not set its own. It is
checked against each circuit it runs on: a vector naming an input or node that a circuit lacks
is an error of that vector on that circuit. A node a vector does not name is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.base.fileio import read_user_file
from circuitsim.base.show import exact
from circuitsim.errors import CircuitError, CircuitErrors, Position, missing_input
from circuitsim.read.parse import parse_vectors
from circuitsim.read.yamltree import DEFAULT_MAX_BYTES, Map, Scalar, Seq, read

if TYPE_CHECKING:
    from circuitsim.read.spec import TestSpec
    from circuitsim.run.circuit import Circuit

__all__ = ["Mismatch", "VectorFile", "VectorResult", "TestReport", "grade", "read_vectors", "run_vector", "run_vectors"]

VECTOR_FILE_KEYS = ("description", "tol", "tests")


@dataclass
class Mismatch:
    """One checked number that was off: a node's value or gradient."""

    node: str
    what: str  # "value" or "grad"
    expected: Any
    got: Any

    def __str__(self) -> str:
        return f"{self.what} of {self.node}: expected {exact(self.expected)}, got {exact(self.got)}"


@dataclass
class VectorResult:
    """The outcome of one test vector; ``error`` is set when it could not run at all."""

    name: str
    pos: Position
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


@dataclass
class TestReport:
    """What ``Circuit.test()`` found: one :class:`VectorResult` per test vector."""

    __test__ = False  # not a pytest test class

    circuit: str
    path: str | None
    results: list[VectorResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[VectorResult]:
        return [r for r in self.results if not r.passed]

    def __bool__(self) -> bool:
        return self.passed


def run_vectors(circuit: Circuit) -> TestReport:
    """Run every test vector of ``circuit`` (forward and backward) and compare."""
    report = TestReport(circuit.name, circuit.path)
    report.results = [run_vector(circuit, vector) for vector in circuit.spec.tests]
    return report


@dataclass
class VectorFile:
    """Test vectors apart from any circuit: the ``tests:`` items as read, and the file's ``tol``."""

    path: str
    items: list[Map]
    tol: float | None = None


def read_vectors(path: str) -> VectorFile:
    """Read a vectors file; a CircuitError says what is wrong with its form, where."""
    root = read(read_user_file(path, what="vectors file", max_bytes=DEFAULT_MAX_BYTES), path)
    errors = []
    for key, _ in root.items:
        if key.raw not in VECTOR_FILE_KEYS:
            errors.append(CircuitError(f"unknown key {key.raw!r} in a vectors file (keys: {', '.join(VECTOR_FILE_KEYS)})", key.pos))
    tests, tol = root.get("tests"), root.get("tol")
    if not isinstance(tests, Seq) or not tests.items:
        errors.append(CircuitError("a vectors file holds `tests:`, a list of {name, inputs, expect, grads, tol}", (tests or root).pos))
    else:
        errors += [CircuitError("a test is a mapping {name, inputs, expect, grads, tol}", t.pos) for t in tests.items if not isinstance(t, Map)]
    value = tol.python() if isinstance(tol, Scalar) and not tol.quoted else None
    if tol is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
        errors.append(CircuitError(f"tol must be a number >= 0, got {getattr(tol, 'raw', tol)!r}", tol.pos))
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    return VectorFile(path, tests.items, None if tol is None else float(value))


def grade(circuit: Circuit, vectors: VectorFile) -> TestReport:
    """Run the vectors of a vectors file on ``circuit``; it is judged on what they name only."""
    report = TestReport(circuit.name, circuit.path)
    for i, item in enumerate(vectors.items, 1):
        specs, errors = parse_vectors(Seq([item], item.pos), circuit.spec, vectors.path)
        vector = specs[0]
        if item.get("name") is None:
            vector.name = f"test {i}"
        if errors:
            report.results.append(VectorResult(vector.name, item.pos, error="\n".join(map(str, errors))))
            continue
        if vectors.tol is not None and item.get("tol") is None:
            vector.tol = vectors.tol
        report.results.append(run_vector(circuit, vector))
    return report


def run_vector(circuit: Circuit, vector: TestSpec) -> VectorResult:
    """Run one test vector of ``circuit`` and compare its values and gradients."""
    result = VectorResult(vector.name, vector.pos)
    missing = [name for name, default in circuit.inputs.items() if default is None and name not in vector.inputs]
    if missing:
        result.error = missing_input(missing[0], how="in the test vector's inputs").message
        return result
    try:
        run = circuit.run(vector.inputs, nan="ignore")
    except CircuitError as exc:
        result.error = exc.message
        return result
    for what, expected, got in (("value", vector.expect, run.values), ("grad", vector.grads, run.grads)):
        for node, want in expected.items():
            if not _close(got[node], want, vector.tol):
                result.mismatches.append(Mismatch(node, what, want, got[node]))
    return result


def _close(got, want, tol: float) -> bool:
    return bool(np.all(np.isclose(got, want, rtol=tol, atol=tol, equal_nan=True)))
