"""Test vectors: run the ``tests:`` of a circuit file and report what passed and what did not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CircuitError, Position, missing_input
from .show import exact

if TYPE_CHECKING:
    from .circuit import Circuit
    from .spec import TestSpec

__all__ = ["Mismatch", "VectorResult", "TestReport", "run_vector", "run_vectors"]


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
