"""The spec parser's shared tools: the problems it collects, and names, numbers and sources.

:class:`SpecReader` holds the state of one file's validation and reads the small things every
section of a circuit file has (text, new names, numbers, a port's source, a reference to a node),
each problem collected as a :class:`~circuitsim.errors.CircuitError` at its line and column
rather than raised. The sections themselves are read by :mod:`circuitsim.read.parse_gates` (gates and
wires) and :mod:`circuitsim.read.parse` (the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from circuitsim.base.suggest import Suggestions
from circuitsim.errors import CircuitError, Position, did_you_mean
from circuitsim.gate.base import Gate
from circuitsim.read.spec import NAME_RE, SOURCE_RE, CircuitSpec, ModuleSpec, Source
from circuitsim.read.yamltree import Node, Scalar

__all__ = ["SpecReader", "GateLookup", "ModuleLoader", "BAD", "absent"]

BAD = object()  # a value whose problem is reported already
GateLookup = Callable[[str], type[Gate] | None]
# Read the module file at a path as written in `modules:` (at a position): its validated spec,
# or None when it has problems, and the problems to report (each with its own file).
ModuleLoader = Callable[[str, Position], tuple[CircuitSpec | None, list[CircuitError]]]


def absent(node: Node | None) -> bool:
    """Whether a key is missing (``node`` None) or null."""
    return node is None or (isinstance(node, Scalar) and node.is_null())


class SpecReader:
    """One file's validation under way: its problems so far and what the sections share."""

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

    def section(self, node: Node | None, kind: type[Node], message: str) -> bool:
        """Whether ``node`` is given and a ``kind`` (Map or Seq); a wrong kind is reported."""
        if absent(node):
            return False
        if not isinstance(node, kind):
            self.error(message, node)
            return False
        return True

    def text(self, node: Node | None, what: str) -> str | None:
        if absent(node):
            return None
        if not isinstance(node, Scalar):
            self.error(f"{what} must be text", node)
            return None
        return node.raw

    def valid_name(self, key: Scalar, what: str) -> bool:
        """Whether ``key`` is a name; if not, the problem is reported."""
        if NAME_RE.match(key.raw):
            return True
        self.error(
            f"invalid {what} name {key.raw!r}: names start with a letter or '_' and contain "
            "only letters, digits and '_'",
            key,
        )
        return False

    def new_name(self, key: Scalar, spec: CircuitSpec, what: str) -> str | None:
        name = key.raw
        if not self.valid_name(key, what):
            return None
        other = spec.position_of(name)
        if other is not None:
            self.error(f"name {name!r} is used twice (first at line {other.line})", key)
            return None
        return name

    def value(self, node: Scalar) -> Any:
        """``node.python()``; a number out of range is reported and gives :data:`BAD`."""
        try:
            return node.python()
        except CircuitError as exc:
            self.errors.append(exc)
            return BAD

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, Scalar) and not node.quoted:
            value = self.value(node)
            if value is BAD:
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
            if value is BAD:
                return None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return Source(None, float(value), node.pos)
        return self.source_name(node.raw, node.pos)

    def source_name(self, text: str, pos: Position) -> Source | None:
        """A source written as text (in a wire, or quoted): a number as YAML reads one, or a name."""
        text = text.strip()
        value = self.value(Scalar(text, False, None, pos)) if text else None
        if value is BAD:
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

    def check_reference(self, name: str, output: str | None, pos: Position, spec: CircuitSpec, context: str, what: str) -> bool:
        """Report a source or output that names no node: an unknown name, a wrong ``.output``."""
        if output is None and not spec.modules and (name in spec.gates or name in spec.inputs):
            return True  # without modules every node is a plain one (a canonical file's gates are made on demand)
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
