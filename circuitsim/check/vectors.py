"""Test vectors: run the ``tests:`` of a circuit file, or a vectors file of their own (with
``tol:`` and constraints), and report what passed and what did not (the format:
``docs/teaching.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.base.fileio import read_user_file
from circuitsim.base.show import exact
from circuitsim.base.suggest import Suggestions
from circuitsim.errors import CircuitError, CircuitErrors, Position, missing_input
from circuitsim.read.parse import SpecParser, parse_vectors
from circuitsim.read.yamltree import DEFAULT_MAX_BYTES, Map, Scalar, Seq, read

if TYPE_CHECKING:
    from circuitsim.read.spec import TestSpec
    from circuitsim.run.circuit import Circuit

__all__ = [
    "Mismatch", "VectorFile", "VectorResult", "TestReport", "check_constraints", "grade", "is_vectors_file", "read_vectors",
    "run_vector", "run_vectors",
]

VECTOR_FILE_KEYS = ("description", "tol", "tests", "allowed_gates", "max_gates", "constraint_points")
# A top-level key that only a circuit file has, in block or flow style.
CIRCUIT_ONLY_KEYS = ("circuit", "inputs", "gates", "wires", "outputs", "modules")
_CIRCUIT_KEY = re.compile(rb"^[\"']?(?:gates|wires)[\"']?[ \t]*:|^\{.*[{,][ \t]*[\"']?(?:gates|wires)[\"']?[ \t]*:", re.M)
_TESTS_KEY = re.compile(rb"^[\"']?tests[\"']?[ \t]*:|[{,][ \t]*[\"']?tests[\"']?[ \t]*:", re.M)


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
    failure: str | None = None  # why a constraint of the vectors file is broken
    points: float = 1.0
    visibility: str = "visible"
    departs: str | None = None  # where the circuit first departs from a reference, if one was given

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None and self.failure is None

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    def feedback(self) -> str:
        """What a student reads: passed, or expected against got (or why it could not run)."""
        if self.passed:
            return "passed"
        lines = [self.error or self.failure] if self.error or self.failure else [str(m) for m in self.mismatches]
        if self.departs:
            lines.append(self.departs)
        return "\n".join(lines)


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


def run_vectors(circuit: Circuit, reference: Circuit | None = None) -> TestReport:
    """Run every test vector of ``circuit`` (forward and backward) and compare; with a
    ``reference``, a failed vector also says where ``circuit`` first departs from it."""
    report = TestReport(circuit.name, circuit.path)
    for vector in circuit.spec.tests:
        result = run_vector(circuit, vector)
        if reference is not None and result.mismatches:
            result.departs = departure(circuit, reference, vector)
        report.results.append(result)
    return report


@dataclass
class VectorFile:
    """Test vectors apart from any circuit: the ``tests:`` items as read, and the file's ``tol``."""

    path: str
    items: list[Map]
    tol: float | None = None
    allowed_gates: list[str] | None = None
    max_gates: int | None = None
    constraint_points: float = 1.0
    constraint_pos: dict[str, Position] = field(default_factory=dict)
    heads: list[VectorHead] = field(default_factory=list)

    def unrun(self, reason: str) -> list[VectorResult]:
        """Every vector and constraint failed for ``reason``: what a circuit that does not load gets."""
        results = [VectorResult(h.name, h.pos, error=reason, points=h.points, visibility=h.visibility) for h in self.heads]
        results += [VectorResult(name, pos, error=reason, points=self.constraint_points) for name, pos in self.constraint_pos.items()]
        return results


@dataclass
class VectorHead:
    """What a vector is before it meets a circuit: its name, place, points and visibility."""

    name: str
    pos: Position
    points: float = 1.0
    visibility: str = "visible"


def is_vectors_file(path: str) -> bool:
    """Whether the file at ``path`` has the shape of a vectors file: ``tests:`` at the top level
    and none of a circuit's own keys (``gates:``, ``inputs:``, ...); a file that cannot be read
    is not one."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(DEFAULT_MAX_BYTES + 1)
    except OSError:
        return False
    if len(head) > DEFAULT_MAX_BYTES or _CIRCUIT_KEY.search(head) or not _TESTS_KEY.search(head):
        return False
    try:
        root = read(head.decode("utf-8"), path)
    except (CircuitError, UnicodeDecodeError):
        return False
    return isinstance(root, Map) and root.get("tests") is not None and all(root.get(key) is None for key in CIRCUIT_ONLY_KEYS)


def read_vectors(path: str, gate_types=None) -> VectorFile:
    """Read a vectors file; a CircuitError says what is wrong with its form, where.
    ``gate_types`` (names): what ``allowed_gates`` may name, if given."""
    root = read(read_user_file(path, what="vectors file", max_bytes=DEFAULT_MAX_BYTES), path)
    if not isinstance(root, Map):
        raise CircuitError("a vectors file is a mapping with `tests:`, a list of {name, inputs, expect, grads, tol}", root.pos)
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
    vectors = VectorFile(path, tests.items if isinstance(tests, Seq) else [], None if tol is None else float(value))
    parser = SpecParser(path, lambda type_name: None, [], None)
    for i, item in enumerate(vectors.items, 1):
        if isinstance(item, Map):
            name = item.get("name")
            vectors.heads.append(VectorHead(
                name.raw if isinstance(name, Scalar) else f"test {i}", item.pos,
                parser.points(item.get("points")), parser.visibility(item.get("visibility")),
            ))
    errors += parser.errors
    errors += _constraints(root, vectors, gate_types)
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    return vectors


def _constraints(root: Map, vectors: VectorFile, gate_types) -> list[CircuitError]:
    """Read ``allowed_gates``, ``max_gates`` and ``constraint_points`` into ``vectors``."""
    errors = []
    allowed, most, points = root.get("allowed_gates"), root.get("max_gates"), root.get("constraint_points")
    if allowed is not None:
        items = allowed.items if isinstance(allowed, Seq) else None
        if not items or not all(isinstance(i, Scalar) for i in items):
            errors.append(CircuitError("allowed_gates is a list of gate types, for example [nand]", allowed.pos))
        else:
            vectors.allowed_gates = []
            for item in items:
                if gate_types is not None and item.raw not in gate_types:
                    errors.append(CircuitError(f"allowed_gates: unknown gate type {item.raw!r}{Suggestions(gate_types).hint(item.raw)}", item.pos))
                vectors.allowed_gates.append(item.raw)
            vectors.constraint_pos["allowed_gates"] = allowed.pos
    if most is not None:
        value = most.python() if isinstance(most, Scalar) and not most.quoted else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(CircuitError(f"max_gates must be a whole number >= 0, got {getattr(most, 'raw', 'a ' + type(most).__name__.lower())!r}", most.pos))
        else:
            vectors.max_gates = value
            vectors.constraint_pos["max_gates"] = most.pos
    if points is not None:
        value = points.python() if isinstance(points, Scalar) and not points.quoted else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < float("inf"):
            errors.append(CircuitError(f"constraint_points must be a number >= 0, got {getattr(points, 'raw', 'a ' + type(points).__name__.lower())!r}", points.pos))
        else:
            vectors.constraint_points = float(value)
    return errors


def check_constraints(circuit: Circuit, vectors: VectorFile) -> list[VectorResult]:
    """A vector per constraint of ``vectors`` (``allowed_gates``, ``max_gates``): failed, with
    the reason, where ``circuit`` breaks it."""
    from circuitsim.netlist.flatten import MODULE_INPUT, MODULE_OUTPUT

    results = []
    if vectors.allowed_gates is None and vectors.max_gates is None:
        return results
    gates: dict[str, str] = {}
    for name, record in circuit.nodes.items():
        if record.kind == "gate" and record.type not in (MODULE_INPUT, MODULE_OUTPUT):
            gates[name] = record.type
    if vectors.allowed_gates is not None:
        result = VectorResult("allowed_gates", vectors.constraint_pos["allowed_gates"], points=vectors.constraint_points)
        banned = [(name, kind) for name, kind in gates.items() if kind not in vectors.allowed_gates]
        if banned:
            name, kind = banned[0]
            more = f" (and {len(banned) - 1} more)" if len(banned) > 1 else ""
            where = circuit.nodes[name].pos
            result.failure = (f"{where}: gate {name!r} is a {kind}{more}; this exercise allows only "
                            f"{', '.join(vectors.allowed_gates)} gates")
        results.append(result)
    if vectors.max_gates is not None:
        result = VectorResult("max_gates", vectors.constraint_pos["max_gates"], points=vectors.constraint_points)
        if len(gates) > vectors.max_gates:
            result.failure = f"the circuit has {len(gates)} gates; this exercise allows at most {vectors.max_gates}"
        results.append(result)
    return results


def grade(circuit: Circuit, vectors: VectorFile, reference: Circuit | None = None) -> TestReport:
    """Run the vectors of a vectors file on ``circuit``; it is judged on what they name only.
    With a ``reference`` circuit, a failed vector also says where ``circuit`` first departs
    from it on that vector's inputs."""
    report = TestReport(circuit.name, circuit.path)
    for i, item in enumerate(vectors.items, 1):
        specs, errors = parse_vectors(Seq([item], item.pos), circuit.spec, vectors.path)
        vector = specs[0]
        if item.get("name") is None:
            vector.name = f"test {i}"
        if errors:
            report.results.append(VectorResult(vector.name, item.pos, error="\n".join(map(str, errors)), points=vector.points, visibility=vector.visibility))
            continue
        if vectors.tol is not None and item.get("tol") is None:
            vector.tol = vectors.tol
        result = run_vector(circuit, vector)
        if reference is not None and result.mismatches:
            result.departs = departure(circuit, reference, vector)
        report.results.append(result)
    report.results += check_constraints(circuit, vectors)
    return report


def departure(circuit: Circuit, reference: Circuit, vector: TestSpec) -> str | None:
    """Where ``circuit`` first departs from ``reference`` on ``vector``'s inputs, in words (None:
    nowhere that both name, or the reference cannot run on them)."""
    from circuitsim.check.diff import compare

    try:
        found = compare(circuit, reference, vector.inputs, tol=vector.tol).difference
    except CircuitError:
        return None
    if found is None:
        return None
    noun = "value" if found.what == "value" else "gradient"
    where = f"{found.pos_a}: " if found.pos_a is not None and found.pos_a.line else ""
    return (f"{where}your circuit first departs from the reference at {found.node!r}: "
            f"its {noun} is {exact(found.a)} where the reference's is {exact(found.b)}")


def run_vector(circuit: Circuit, vector: TestSpec) -> VectorResult:
    """Run one test vector of ``circuit`` and compare its values and gradients."""
    result = VectorResult(vector.name, vector.pos, points=vector.points, visibility=vector.visibility)
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
    if isinstance(want, float) and isinstance(got, float):  # one sample: numpy's isclose, without numpy's cost
        if got != got or want != want:
            return got != got and want != want
        return got == want or abs(got - want) <= tol + tol * abs(want)
    return bool(np.all(np.isclose(got, want, rtol=tol, atol=tol, equal_nan=True)))
