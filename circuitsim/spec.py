"""Validate a circuit file's YAML tree into a :class:`CircuitSpec` with file positions.

This is the step between text and graph: every name, port, parameter and wire of the file is
checked here, and every problem is collected (not only the first) as a :class:`CircuitError`
pointing at its line and column. Nothing here imports code: gate types resolve by registered
name only.

A gate type may also be a module, the name of another circuit file given under ``modules:``
(see :class:`ModuleSpec`); the loader reads that file and hands its validated spec in here.
Names of what a run reports follow the sources a file can write: an instance ``u`` of a module
with one output is itself a node, one with several outputs gives nodes ``u.lo``, ``u.hi``, and
everything inside it is ``u/name`` (nested: ``u/v/name``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from .errors import CircuitError, Position, did_you_mean
from .gate import Gate
from .suggest import Suggestions
from .yamlsrc import Map, Node, Scalar, Seq

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
    "parse_spec",
    "size_error",
]

NAME = "[A-Za-z_][A-Za-z0-9_]*"  # of inputs, gates, ports, module outputs and gate types
NAME_RE = re.compile(NAME + r"\Z")
SOURCE_RE = re.compile(rf"({NAME})(?:\.({NAME}))?\Z")  # name or gate.output
TOP_LEVEL_KEYS = ("circuit", "description", "inputs", "gates", "wires", "outputs", "modules", "tests")
GATE_KEYS = ("type", "inputs", "params")
TEST_KEYS = ("name", "inputs", "expect", "grads", "tol")
DEFAULT_TOL = 1e-6
_BAD = object()  # a value whose problem is reported already


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


GateLookup = Callable[[str], "type[Gate] | None"]
# Read the module file at a path as written in `modules:` (at a position): its validated spec,
# or None when it has problems, and the problems to report (each with its own file).
ModuleLoader = Callable[[str, Position], "tuple[CircuitSpec | None, list[CircuitError]]"]


def parse_spec(
    root: Map,
    *,
    path: str | None,
    default_name: str,
    lookup: GateLookup,
    gate_types: list[str],
    load_module: ModuleLoader | None = None,
) -> tuple[CircuitSpec, list[CircuitError]]:
    """Validate the tree of one circuit file; return the spec and every problem found.

    ``load_module`` reads the files named under ``modules:``; without it, ``modules:`` is an
    error.
    """
    return _SpecParser(path, lookup, gate_types, load_module).parse(root, default_name)


class _SpecParser:
    def __init__(
        self, path: str | None, lookup: GateLookup, gate_types: list[str], load_module: ModuleLoader | None
    ) -> None:
        self.path = path
        self.lookup = lookup
        self.gate_types = gate_types
        self.load_module = load_module
        self.modules: dict[str, ModuleSpec | None] = {}  # None: its file has problems
        self.errors: list[CircuitError] = []
        self.variadic: dict[str, int] = {}  # variadic gate -> ports its wires fill
        self.bad_sources: set[tuple[str, str]] = set()  # (gate, port) wired from a reported source
        self._names: Suggestions | None = None  # inputs and gates, for did-you-mean
        self._gate_names: Suggestions | None = None

    def error(self, message: str, node: Node | Position) -> None:
        pos = node if isinstance(node, Position) else node.pos
        self.errors.append(CircuitError(message, pos))

    # -- the top level ---------------------------------------------------------------------

    def parse(self, root: Map, default_name: str) -> tuple[CircuitSpec, list[CircuitError]]:
        for key, _ in root.items:
            if key.raw not in TOP_LEVEL_KEYS:
                hint = did_you_mean(key.raw, TOP_LEVEL_KEYS)
                self.error(f"unknown top-level key {key.raw!r}{hint}", key)
        spec = CircuitSpec(
            name=self.text(root.get("circuit"), "circuit") or default_name,
            description=self.text(root.get("description"), "description") or "",
            path=self.path,
        )
        self.parse_modules(root.get("modules"), spec)
        self.parse_inputs(root.get("inputs"), spec)
        self.parse_gates(root.get("gates"), spec)
        self.parse_wires(root.get("wires"), spec)
        self.check_gate_sources(spec)
        self.parse_outputs(root.get("outputs"), root, spec)
        self.parse_tests(root.get("tests"), spec)
        spec.flat_gates = sum(map(flat_size, spec.gates.values()))
        return spec, self.errors

    def text(self, node: Node | None, what: str) -> str | None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return None
        if not isinstance(node, Scalar):
            self.error(f"{what} must be text", node)
            return None
        return node.raw

    # -- names and numbers -----------------------------------------------------------------

    def new_name(self, key: Scalar, spec: CircuitSpec, what: str) -> str | None:
        name = key.raw
        if not NAME_RE.match(name):
            self.error(
                f"invalid {what} name {name!r}: names start with a letter or '_' and contain "
                "only letters, digits and '_'",
                key,
            )
            return None
        other = spec.position_of(name)
        if other is not None:
            self.error(f"name {name!r} is used twice (first at line {other.line})", key)
            return None
        return name

    def value(self, node: Scalar) -> Any:
        """``node.python()``; a number out of range is reported and gives :data:`_BAD`."""
        try:
            return node.python()
        except CircuitError as exc:
            self.errors.append(exc)
            return _BAD

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, Scalar) and not node.quoted:
            value = self.value(node)
            if value is _BAD:
                return None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        shown = node.raw if isinstance(node, Scalar) else type(node).__name__.lower()
        self.error(f"{what} must be a number, got {shown!r}", node)
        return None

    def source(self, node: Node) -> Source | None:
        """A port's driver as written: a number is a constant, anything else a name."""
        if not isinstance(node, Scalar):
            self.error("a source must be a name or a number", node)
            return None
        if not node.quoted:
            value = self.value(node)
            if value is _BAD:
                return None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return Source(None, float(value), node.pos)
        return self.source_name(node.raw, node.pos)

    def source_name(self, text: str, pos: Position) -> Source | None:
        """A source written as text (in a wire, or quoted): a number as YAML reads one, or a name."""
        text = text.strip()
        value = self.value(Scalar(text, False, None, pos)) if text else None
        if value is _BAD:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Source(None, float(value), pos)
        ref = SOURCE_RE.match(text)
        if ref is None:
            self.error(
                f"invalid source {text!r}: expected the name of an input or a gate, "
                "an output of a module instance (gate.output), or a number",
                pos,
            )
            return None
        return Source(ref[1], None, pos, ref[2])

    # -- sections --------------------------------------------------------------------------

    def parse_modules(self, node: Node | None, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return
        if not isinstance(node, Map):
            self.error("modules must be a mapping of module name to circuit file path", node)
            return
        for key, value in node.items:
            name = key.raw
            if not NAME_RE.match(name):
                self.error(
                    f"invalid module name {name!r}: names start with a letter or '_' and contain "
                    "only letters, digits and '_'",
                    key,
                )
                continue
            if self.lookup(name) is not None:
                self.error(f"module name {name!r} is a registered gate type; give the module another name", key)
                continue
            path = self.text(value, f"the path of module {name!r}")
            if path is None:
                if isinstance(value, Scalar):
                    self.error(f"module {name!r} needs the path of a circuit file", value)
                continue
            if self.load_module is None:
                self.error("modules need a file loader: load this circuit with circuitsim.load or loads", key)
                continue
            module_spec, errors = self.load_module(path, value.pos)
            self.errors += errors
            if module_spec is None:
                self.modules[name] = None
            else:
                self.modules[name] = spec.modules[name] = ModuleSpec(name, path, module_spec, key.pos)

    def parse_inputs(self, node: Node | None, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return
        if isinstance(node, Seq):  # a list of names: all of them required
            for item in node.items:
                if not isinstance(item, Scalar):
                    self.error("an input name must be text", item)
                elif name := self.new_name(item, spec, "input"):
                    spec.inputs[name] = InputSpec(name, None, item.pos)
            return
        if not isinstance(node, Map):
            self.error("inputs must be a mapping of input name to default value (null: required)", node)
            return
        for key, value in node.items:
            name = self.new_name(key, spec, "input")
            default = None
            if not (isinstance(value, Scalar) and value.is_null()):
                default = self.number(value, f"the default of input {key.raw!r}")
            if name:
                spec.inputs[name] = InputSpec(name, default, key.pos)

    def parse_gates(self, node: Node | None, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return
        if not isinstance(node, Map):
            self.error("gates must be a mapping of gate name to {type, inputs, params}", node)
            return
        for key, body in node.items:
            name = self.new_name(key, spec, "gate")
            gate = self.parse_gate(name or key.raw, key, body)
            if name and gate:
                spec.gates[name] = gate

    def parse_gate(self, name: str, key: Scalar, body: Node) -> GateSpec | None:
        if not isinstance(body, Map):
            self.error(f"gate {name!r} must be a mapping like {{type: add, inputs: [a, b]}}", body)
            return None
        for k, _ in body.items:
            if k.raw not in GATE_KEYS:
                self.error(f"gate {name!r}: unknown key {k.raw!r}{did_you_mean(k.raw, GATE_KEYS)}", k)
        type_node = body.get("type")
        if type_node is None:
            self.error(f"gate {name!r} has no type", key)
            return None
        if not isinstance(type_node, Scalar) or type_node.is_null():
            self.error(f"gate {name!r}: type must be a gate type name", type_node)
            return None
        type_name = type_node.raw
        if type_name in self.modules:
            cls = self.modules[type_name]  # None: the module's problems are reported
        else:
            cls = self.lookup(type_name)
        if cls is None and type_name not in self.modules:
            hint = did_you_mean(type_name, [*self.gate_types, *self.modules])
            self.error(
                f"gate {name!r}: unknown gate type {type_name!r}{hint}; "
                "`circuitsim gates` lists the registered types",
                type_node,
            )
        gate = GateSpec(name, type_name, cls, {}, [], {}, key.pos)
        if cls is not None:
            reported = len(self.errors)
            gate.params = self.parse_params(gate, body.get("params"))
            gate.params_ok = len(self.errors) == reported
        self.parse_gate_inputs(gate, body.get("inputs"))
        return gate

    def parse_params(self, gate: GateSpec, node: Node | None) -> dict[str, Any]:
        declared = dict(gate.cls.params)
        given: dict[str, Any] = {}
        if node is not None and not (isinstance(node, Scalar) and node.is_null()):
            if not isinstance(node, Map):
                self.error(f"gate {gate.name!r}: params must be a mapping", node)
            else:
                for key, value in node.items:
                    if key.raw not in declared:
                        known = ", ".join(declared) or "none"
                        self.error(
                            f"gate {gate.name!r} ({gate.type}): unknown parameter {key.raw!r}"
                            f"{did_you_mean(key.raw, declared)}; its parameters: {known}",
                            key,
                        )
                    else:
                        try:
                            given[key.raw] = _plain(value)
                        except CircuitError as exc:  # a number out of range
                            self.errors.append(exc)
                            given[key.raw] = _BAD  # reported: not missing too
        for pname, default in declared.items():
            if default is None and given.get(pname) is None:
                self.error(f"gate {gate.name!r} ({gate.type}): missing required parameter {pname!r}", gate.pos)
        return given

    def parse_gate_inputs(self, gate: GateSpec, node: Node | None) -> None:
        if node is None:
            if gate.cls is not None and gate.cls.arity is not None:
                gate.ports = gate.cls.port_names()
            return
        gate.inline_inputs = True
        cls = gate.cls
        if isinstance(node, Seq):
            sources = [self.source(item) for item in node.items]
            gate.listed_inputs = len(sources)
            if cls is not None:
                too_many = len(sources) > cls.arity if gate.module else len(sources) != cls.arity
                if cls.arity is None and not sources:
                    self.error(f"gate {gate.name!r} ({gate.type}) needs at least one input", node)
                elif cls.arity is not None and too_many:
                    self.arity_error(gate, len(sources), node)
                    return
            gate.ports = cls.port_names(len(sources)) if cls else [str(i) for i in range(len(sources))]
            gate.sources = {p: s for p, s in zip(gate.ports, sources) if s is not None}
        elif isinstance(node, Map):
            if cls is None:
                return
            for key, value in node.items:
                port = key.raw
                src = self.source(value)
                if cls.arity is None and not (port.isdigit() and str(int(port)) == port):
                    self.error(f"gate {gate.name!r} ({gate.type}): ports of a variadic gate are 0, 1, ...; got {port!r}", key)
                elif cls.arity is not None and port not in cls.port_names():
                    ports = ", ".join(cls.port_names())
                    hint = did_you_mean(port, cls.port_names())
                    self.error(f"gate {gate.name!r} ({gate.type}): unknown port {port!r}{hint}; its ports: {ports}", key)
                elif src is not None:
                    gate.sources[port] = src
            if cls.arity is None:
                n = max((int(p) for p in gate.sources), default=-1) + 1
                gate.ports = cls.port_names(n)
            else:
                gate.ports = cls.port_names()
        else:
            self.error(f"gate {gate.name!r}: inputs must be a list (in port order) or a mapping port: source", node)

    def arity_error(self, gate: GateSpec, got: int, node: Node | Position) -> None:
        ports = ", ".join(gate.cls.port_names())
        n = gate.cls.arity
        self.error(
            f"gate {gate.name!r} ({gate.type}) takes {n} input{'s' if n != 1 else ''} ({ports}), got {got}",
            node,
        )

    def parse_wires(self, node: Node | None, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return
        if not isinstance(node, Seq):
            self.error('wires must be a list of strings like "a -> g" or "a -> g.x"', node)
            return
        for item in node.items:
            if not isinstance(item, Scalar) or "->" not in item.raw:
                self.error('a wire is a string "SOURCE -> GATE" or "SOURCE -> GATE.PORT"', item)
                continue
            self.parse_wire(item, spec)
        for name, n in self.variadic.items():
            gate = spec.gates[name]
            gate.ports = gate.cls.port_names(n)

    def parse_wire(self, item: Scalar, spec: CircuitSpec) -> None:
        left, _, right = item.raw.partition("->")
        offset = 1 if item.quoted else 0
        src_pos = _shift(item.pos, offset + len(left) - len(left.lstrip()))
        dst_pos = _shift(item.pos, offset + len(left) + 2 + len(right) - len(right.lstrip()))
        source = self.source_name(left, src_pos)
        target, dot, port = right.strip().partition(".")
        gate = spec.gates.get(target)
        if gate is None:
            if self._gate_names is None:
                self._gate_names = Suggestions(spec.gates)
            self.error(f"wire to unknown gate {target!r}{self._gate_names.hint(target)}", dst_pos)
            return
        if gate.cls is None:
            return
        if gate.inline_inputs:
            self.error(f"gate {target!r} has inputs: in its own entry; give its wires in one place", dst_pos)
            return
        if dot:
            ports = gate.ports if gate.cls.arity is not None else None
            if ports is not None and port not in ports:
                hint = did_you_mean(port, ports)
                self.error(f"gate {target!r} ({gate.type}) has no port {port!r}{hint}; its ports: {', '.join(ports)}", dst_pos)
                return
            if ports is None and not (port.isdigit() and str(int(port)) == port):
                self.error(f"ports of a variadic gate are 0, 1, ...; got {port!r}", dst_pos)
                return
        else:
            port = self.next_free_port(gate, dst_pos)
            if port is None:
                return
        if port in gate.sources or (target, port) in self.bad_sources:
            first = gate.sources[port].pos if port in gate.sources else src_pos
            self.error(f"port {port!r} of gate {target!r} is driven twice (first at line {first.line})", dst_pos)
            return
        if source is None:  # its problem is reported; the port is taken all the same
            self.bad_sources.add((target, port))
        else:
            gate.sources[port] = source
        if gate.cls.arity is None:  # the ports are made once all wires are in: linear time
            self.variadic[target] = max(self.variadic.get(target, len(gate.ports)), int(port) + 1)

    def next_free_port(self, gate: GateSpec, pos: Position) -> str | None:
        if gate.cls.arity is None:
            n = self.variadic.get(gate.name, len(gate.ports))
            while str(n) in gate.sources:
                n += 1
            return str(n)
        for port in gate.ports:
            if port not in gate.sources:
                return port
        self.arity_error(gate, len(gate.ports) + 1, pos)
        return None

    def check_gate_sources(self, spec: CircuitSpec) -> None:
        for gate in spec.gates.values():
            if gate.cls is None:
                continue
            for port, src in gate.sources.items():
                if src.name is not None:
                    self.check_reference(src.name, src.output, src.pos, spec, f"gate {gate.name!r}: ", "source")
            if gate.cls.arity is None and not gate.ports:
                self.error(f"gate {gate.name!r} ({gate.type}) needs at least one input", gate.pos)
            module = gate.module
            for i, port in enumerate(gate.ports):
                if port in gate.sources or i < gate.listed_inputs or (gate.name, port) in self.bad_sources:
                    continue
                if module is None:
                    self.error(f"port {port!r} of gate {gate.name!r} ({gate.type}) is not driven", gate.pos)
                elif module.spec.inputs[port].default is None:
                    self.error(
                        f"port {port!r} of gate {gate.name!r} ({gate.type}) is not driven and module "
                        f"input {port!r} has no default: wire it",
                        gate.pos,
                    )

    def check_reference(self, name: str, output: str | None, pos: Position, spec: CircuitSpec, context: str, what: str) -> bool:
        """Report a source or output that names no node: an unknown name, a wrong ``.output``."""
        gate = spec.gates.get(name)
        if gate is None and name not in spec.inputs:
            if self._names is None:  # once: every name is known by now
                self._names = Suggestions([*spec.inputs, *spec.gates])
            self.error(f"{context}unknown {what} {name!r}{self._names.hint(name)}", pos)
            return False
        if gate is not None and gate.cls is None:
            return True  # its type's problem is reported
        module = gate.module if gate is not None else None
        if module is None:
            if output is None:
                return True
            self.error(f"{context}{name!r} is not a module instance, so it has no output {output!r}", pos)
            return False
        outputs = module.spec.outputs
        if output is None and len(outputs) > 1:
            choices = ", ".join(f"{name}.{out}" for out in outputs)
            self.error(f"{context}gate {name!r} ({gate.type}) has several outputs: pick one of {choices}", pos)
        elif output is not None and len(outputs) == 1:
            self.error(f"{context}gate {name!r} ({gate.type}) has one output: write {name!r}, not '{name}.{output}'", pos)
        elif output is not None and output not in outputs:
            hint = did_you_mean(output, outputs)
            self.error(f"{context}gate {name!r} ({gate.type}) has no output {output!r}{hint}; its outputs: {', '.join(outputs)}", pos)
        else:
            return True
        return False

    def parse_outputs(self, node: Node | None, root: Map, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            self.error("the circuit has no outputs: add `outputs: [name, ...]`", root)
            return
        items = node.items if isinstance(node, Seq) else [node]
        for item in items:
            if not isinstance(item, Scalar):
                self.error("an output is the name of an input or a gate", item)
                continue
            name = item.raw
            ref = SOURCE_RE.match(name)
            gate_name, output = ref.groups() if ref else (name, None)
            if not self.check_reference(gate_name, output, item.pos, spec, "", "output"):
                continue
            if name in spec.output_pos:
                self.error(f"output {name!r} is listed twice", item)
            else:
                spec.outputs.append(name)
                spec.output_pos[name] = item.pos

    def parse_tests(self, node: Node | None, spec: CircuitSpec) -> None:
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return
        if not isinstance(node, Seq):
            self.error("tests must be a list of {name, inputs, expect, grads, tol}", node)
            return
        names = spec.node_names()
        nodes, node_hints, input_hints = set(names), Suggestions(names), Suggestions(spec.inputs)
        for i, item in enumerate(node.items, 1):
            if not isinstance(item, Map):
                self.error("a test is a mapping {name, inputs, expect, grads, tol}", item)
                continue
            for k, _ in item.items:
                if k.raw not in TEST_KEYS:
                    self.error(f"test: unknown key {k.raw!r}{did_you_mean(k.raw, TEST_KEYS)}", k)
            name = self.text(item.get("name"), "a test's name") or f"test {i}"
            tol = self.tolerance(item.get("tol"))
            test = TestSpec(
                name=name,
                inputs=self.test_values(item.get("inputs"), spec.inputs, "input", input_hints),
                expect=self.test_values(item.get("expect"), nodes, "node", node_hints),
                grads=self.test_values(item.get("grads"), nodes, "node", node_hints),
                tol=DEFAULT_TOL if tol is None else tol,
                pos=item.pos,
            )
            self.check_batch(test, item)
            spec.tests.append(test)

    def tolerance(self, node: Node | None) -> float | None:
        """A test's ``tol``: a finite number >= 0 (``.inf`` would pass every test)."""
        if node is None:
            return None
        tol = self.number(node, "tol")
        if tol is not None and not (math.isfinite(tol) and tol >= 0):
            self.error(f"tol must be a finite number >= 0, got {node.raw}", node)
            return None
        return tol

    def check_batch(self, test: TestSpec, item: Map) -> None:
        """A test's lists of values (a batch) must all have one length."""
        sizes = {}
        for section in ("inputs", "expect", "grads"):
            for name, value in getattr(test, section).items():
                if isinstance(value, list):
                    sizes.setdefault(len(value), (section, name))
        if len(sizes) > 1:
            (n, (section, name)), (m, (other, other_name)) = list(sizes.items())[:2]
            node = item.get(other).get(other_name)
            self.error(
                f"test {test.name!r}: {other} {other_name!r} lists {m} values but {section} "
                f"{name!r} lists {n}; a batch test gives every list one length",
                node,
            )
        elif sizes and not any(isinstance(v, list) for v in test.inputs.values()):
            (n, (section, name)), = sizes.items()
            if n != 1:
                self.error(
                    f"test {test.name!r}: {section} {name!r} lists {n} values but the inputs are "
                    "one sample; give the inputs as lists of that length for a batch",
                    item.get(section).get(name),
                )

    def test_values(self, node: Node | None, known: Collection[str], what: str, hints: Suggestions) -> dict[str, Any]:
        """A test's mapping of names to numbers (or lists of numbers: a batch)."""
        if node is None or (isinstance(node, Scalar) and node.is_null()):
            return {}
        if not isinstance(node, Map):
            self.error(f"a test's {what} values must be a mapping of name to number", node)
            return {}
        out: dict[str, Any] = {}
        for key, value in node.items:
            if key.raw not in known:
                self.error(f"test: unknown {what} {key.raw!r}{hints.hint(key.raw)}", key)
                continue
            if isinstance(value, Seq):
                numbers = [self.number(v, f"test value of {key.raw!r}") for v in value.items]
                if None not in numbers:
                    out[key.raw] = numbers
                continue
            number = self.number(value, f"test value of {key.raw!r}")
            if number is not None:
                out[key.raw] = number
        return out


def parse_vectors(node: Node, spec: CircuitSpec, path: str | None) -> tuple[list[TestSpec], list[CircuitError]]:
    """Test vectors written apart from a circuit (``circuitsim test --vectors``), checked
    against the names of ``spec`` as its own ``tests:`` would be."""
    scratch = replace(spec, tests=[])
    parser = _SpecParser(path, lambda type_name: None, [], None)
    parser.parse_tests(node, scratch)
    return scratch.tests, parser.errors


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


def _shift(pos: Position, columns: int) -> Position:
    if pos.column is None:
        return pos
    return Position(pos.path, pos.line, pos.column + columns)


def _plain(node: Node) -> Any:
    """A parameter's value as plain Python data."""
    if isinstance(node, Scalar):
        return node.python()
    if isinstance(node, Seq):
        return [_plain(item) for item in node.items]
    return {key.raw: _plain(value) for key, value in node.items}
