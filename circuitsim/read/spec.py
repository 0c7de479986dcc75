"""The records of a validated circuit file: a :class:`CircuitSpec` and what it is made of.

A spec is what a circuit file says once every name, port, parameter and wire of it has been
checked (:mod:`circuitsim.read.parse` makes it from the file's YAML tree), each record with its
file position. A gate type may also be a module, the name of another circuit file given under
``modules:`` (see :class:`ModuleSpec`). Names of what a run reports follow the sources a file can
write: an instance ``u`` of a module with one output is itself a node, one with several outputs
gives nodes ``u.lo``, ``u.hi``, and everything inside it is ``u/name`` (nested: ``u/v/name``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from circuitsim.errors import CircuitError, Position
from circuitsim.gate.base import Gate

__all__ = [
    "NAME_RE",
    "SOURCE_RE",
    "Source",
    "InputSpec",
    "GateSpec",
    "ModuleSpec",
    "TestSpec",
    "CircuitSpec",
    "flat_size",
    "size_error",
]

NAME = "[A-Za-z_][A-Za-z0-9_]*"  # of inputs, gates, ports, module outputs and gate types
NAME_RE = re.compile(NAME + r"\Z")
SOURCE_RE = re.compile(rf"({NAME})(?:\.({NAME}))?\Z")  # name or gate.output
DEFAULT_TOL = 1e-6


@dataclass(slots=True)
class Source:
    """What drives a port: a named node (input or gate), an output of a module instance
    (``name.output``) or a numeric constant."""

    name: str | None
    value: float | None
    pos: Position
    output: str | None = None

    @property
    def is_constant(self) -> bool:
        return self.name is None

    @property
    def node(self) -> str | None:
        """The name of the graph node it reads, as written: ``g``, or ``u.hi``."""
        return self.name if self.output is None else f"{self.name}.{self.output}"


@dataclass(slots=True)
class InputSpec:
    name: str
    default: float | None  # None: the caller must supply it
    pos: Position


@dataclass(slots=True)
class GateSpec:
    name: str
    type: str
    # What the type resolved to: a gate class, a module, or None when the type is unknown or
    # its module file has errors (already reported).
    cls: type[Gate] | ModuleSpec | None
    params: dict[str, Any]
    ports: list[str]
    sources: dict[str, Source]  # port -> source; a module's unwired ports take their defaults
    pos: Position
    inline_inputs: bool = False  # inputs came from the gate's own `inputs:`, not `wires:`
    listed_inputs: int = 0  # how many ports a list of inputs gave; its bad entries are reported
    params_ok: bool = True  # no problem was reported with its params

    @property
    def module(self) -> ModuleSpec | None:
        """The module this gate is an instance of, or None for a plain gate."""
        return self.cls if isinstance(self.cls, ModuleSpec) else None


@dataclass(slots=True)
class ModuleSpec:
    """A ``modules:`` entry: a gate type that stands for the circuit in another file.

    An instance's ports are the module's inputs, in order; an unwired port takes the input's
    default. ``arity``, ``params`` and :meth:`port_names` answer what the spec parser asks of
    a gate class.
    """

    name: str
    path: str  # the file, as written under `modules:` (relative to the including file)
    spec: CircuitSpec
    pos: Position
    params: ClassVar[dict[str, Any]] = {}

    @property
    def arity(self) -> int:
        return len(self.spec.inputs)

    def port_names(self, n_inputs: int | None = None) -> list[str]:
        return list(self.spec.inputs)

    def output_nodes(self, instance: str) -> list[str]:
        """The nodes an instance's outputs are read as: ``u`` alone, or ``u.lo``, ``u.hi``."""
        outputs = self.spec.outputs
        if len(outputs) == 1:
            return [instance]
        return [f"{instance}.{out}" for out in outputs]


@dataclass(slots=True)
class TestSpec:
    name: str
    inputs: dict[str, Any]
    expect: dict[str, float]
    grads: dict[str, float]
    tol: float
    pos: Position
    points: float = 1.0  # what passing it is worth when a class is graded
    visibility: str = "visible"  # when a student sees it on Gradescope (VISIBILITIES)


#: When a student sees a test's result, in Gradescope's words.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(slots=True)
class CircuitSpec:
    name: str
    description: str
    path: str | None
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    gates: dict[str, GateSpec] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    output_pos: dict[str, Position] = field(default_factory=dict)
    tests: list[TestSpec] = field(default_factory=list)
    modules: dict[str, ModuleSpec] = field(default_factory=dict)
    # `randomize:` input -> (low, high): the range `circuitsim assign` draws each student's value from.
    randomize: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Gates once every module instance is expanded, the pass-through gates at its edges included.
    flat_gates: int = 0

    def position_of(self, name: str) -> Position | None:
        node = self.gates.get(name) or self.inputs.get(name)
        return node.pos if node else None

    def node_names(self) -> list[str]:
        """Every name a run reports: inputs, gates, instance outputs and ``u/inner`` nodes."""
        names = list(self.inputs)
        for gate in self.gates.values():
            module = gate.module
            if module is None:
                names.append(gate.name)
                continue
            names += module.output_nodes(gate.name)
            names += [f"{gate.name}/{inner}" for inner in module.spec.node_names()]
        return names



def flat_size(gate: GateSpec) -> int:
    """How many gates ``gate`` becomes in the flat graph: 1, or an instance's whole module."""
    module = gate.module
    if module is None:
        return 1
    inner = module.spec
    return inner.flat_gates + len(inner.inputs) + len(inner.outputs)


def size_error(spec: CircuitSpec, max_gates: int) -> CircuitError | None:
    """The error for a circuit larger than ``max_gates`` gates once flattened, else None.

    It is found from the instance counts alone, before anything is built, and points at the
    gate where the count passes the limit.
    """
    if spec.flat_gates <= max_gates:
        return None
    total = 0
    for gate in spec.gates.values():
        size = flat_size(gate)
        total += size
        if total > max_gates:
            break
    what = f"; gate {gate.name!r} ({gate.type}) alone is {size:,}" if gate.module else ""
    return CircuitError(
        f"the circuit has {spec.flat_gates:,} gates once its modules are expanded, more than the "
        f"limit of {max_gates:,}{what}; raise the limit with load(..., max_gates=N) or the "
        "environment variable CIRCUITSIM_MAX_GATES",
        gate.pos,
    )
