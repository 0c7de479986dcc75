"""A fast reader for the canonical form of circuit files: one input or gate per line.

:func:`circuitsim.dump` and :class:`~circuitsim.Builder` write a circuit's inputs and gates as
lines such as ``  x: 0.5`` and ``  m: {type: mul, inputs: [w, x]}``. For a file in that form
(a million gates in seconds) this module reads those two blocks line by line into a
:class:`~circuitsim.netlist.Netlist`, without a YAML tree, and leaves the rest of the file
(``circuit:``, ``description:``, ``outputs:``, ``tests:``) to the full reader and to the
validation of :mod:`circuitsim.spec_parser`, with the block lines blanked so that lines keep their
numbers.

It only *accepts*: a line it does not recognise, a name it cannot resolve, an unknown gate type,
a wrong number of inputs, params it cannot check, ``modules:`` or ``wires:``, anything at all
that is not plainly valid, and it answers ``None``, so that the loader reads the file again
with the full reader, which finds and reports every problem at its line and column. So every
error message comes from one place, and a file is valid here exactly when it is valid there
(``tests/test_fastload.py`` checks both readers give the same circuit).
"""

from __future__ import annotations

import math
import re
from array import array
from itertools import compress
from typing import Any

from .errors import CircuitError, Position
from .netlist import CONST, GATE, INPUT, Netlist
from .spec import NAME_RE, CircuitSpec, GateSpec, InputSpec, Source
from .spec_parser import SpecParser
from .yamlsrc import Scalar, read

__all__ = ["CanonicalSpec", "canonical_spec", "read_canonical"]

_INPUT = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_]*): ([^\s#,\[\]{}]+)$", re.M)
_GATE = re.compile(
    r"^  ([A-Za-z_][A-Za-z0-9_]*): \{type: ([A-Za-z_][A-Za-z0-9_./-]*), inputs: \[([^\[\]{}#\n]+)\]"
    r"(?:, params: \{([^\[\]{}#\n]*)\})?\}$",
    re.M,
)
# Numbers that Python's float() reads as YAML's core schema does (no 0o, 0x, .inf, _).
_DECIMAL = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NUMBER_START = frozenset("0123456789+-.")
_GATE_PREFIX = len("  : {type: , inputs: [")  # the columns before a gate's first source, less its name and type
_NOT_CANONICAL_CHAR = re.compile(r"[^\n\x20-\x7e]")
_KEY = re.compile(r"([A-Za-z_]+):(?: |\Z)")
_REST_KEYS = {"circuit", "description", "outputs", "tests"}  # what the full reader reads
_YAML_WORDS = {"null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "~"}


class _NotCanonical(Exception):
    """The text is not in the canonical form: read it with the full reader."""


def read_canonical(
    source: str | bytes, path: str | None, default_name: str, lookup, gate_types, max_bytes: int
) -> tuple[CircuitSpec, Netlist] | None:
    """The spec and netlist of canonical circuit text (``str`` or UTF-8 ``bytes``), or ``None``
    to use the full reader. ``lookup`` and ``gate_types`` are those of :func:`~circuitsim.spec_parser.parse_spec`."""
    if len(source) > max_bytes:
        return None
    if isinstance(source, bytes):
        if not source.isascii():
            return None
        source = source.decode("ascii")
    if not source.isascii() or _NOT_CANONICAL_CHAR.search(source):  # tabs, other line breaks, ...
        return None
    try:
        return _Reader(source, path, lookup).read(default_name, gate_types)
    except (_NotCanonical, CircuitError):
        return None


class _Reader:
    def __init__(self, text: str, path: str | None, lookup) -> None:
        self.lines = text.split("\n")
        self.path = path
        self.lookup = lookup
        self.netlist = Netlist("", path, (), {})
        self.widths: dict[int, int] = {}  # constant's node number -> the width of its number as written
        self.constants: list[tuple] = []  # (name, line, column, value) of the constant sources

    def read(self, default_name: str, gate_types) -> tuple[CircuitSpec, Netlist]:
        lines = self.lines
        blocks = {}
        i = 0
        while i < len(lines):
            key = _KEY.match(lines[i])
            if key is not None and key[1] in ("inputs", "gates") and lines[i] == key[1] + ":":
                if key[1] in blocks:
                    raise _NotCanonical
                end = i + 1
                while end < len(lines) and lines[end].startswith("  "):
                    end += 1
                blocks[key[1]] = (i + 1, end)
                i = end
            elif lines[i][:1] not in ("", " ") and (key is None or key[1] not in _REST_KEYS):
                raise _NotCanonical  # modules, wires, a misspelt key, a comment: the full reader
            else:
                i += 1
        self.read_inputs(*blocks.get("inputs", (0, 0)))
        self.read_gates(*blocks.get("gates", (0, 0)))
        return self.rest(blocks, default_name, gate_types), self.netlist

    # -- the two blocks --------------------------------------------------------------------

    def block(self, pattern: re.Pattern, first: int, end: int) -> list[tuple]:
        """The groups of ``pattern`` on every line of a block; every line must match."""
        found = pattern.findall("\n".join(self.lines[first:end]))
        if len(found) != end - first:
            raise _NotCanonical
        return found

    def read_inputs(self, first: int, end: int) -> None:
        found = self.block(_INPUT, first, end)
        names = [name for name, _ in found]
        defaults = [_default(raw) for _, raw in found]
        n = len(names)
        self.netlist.extend(INPUT, names, range(first + 1, end + 1), array("l", [3]) * n, values=defaults)
        if len(self.netlist.index) != n or not _YAML_WORDS.isdisjoint(names):
            raise _NotCanonical  # a name given twice, or one YAML reads as null or a bool

    def read_gates(self, first: int, end: int) -> None:
        found = self.block(_GATE, first, end)
        netlist = self.netlist
        n_inputs = len(netlist.names)
        names, types, written, params = map(list, zip(*found)) if found else ([], [], [], [])
        keys = list(zip(types, [text.count(",") for text in written], params))
        kinds = {key: self.kind(key[0], key[1] + 1, key[2]) for key in set(keys)}
        kind = [kinds[key] for key in keys]  # (gate object, params, ports) per gate
        columns = [list(column) for column in zip(*kind)] if kind else ([], [], [])
        lines = range(first + 1, end + 1)
        netlist.extend(GATE, names, lines, array("l", [3]) * len(names), types=types, gates=columns[0], params=columns[1], ports=columns[2])
        if len(netlist.index) != len(netlist.names) or not _YAML_WORDS.isdisjoint(names):
            raise _NotCanonical  # a name given twice, or one YAML reads as null or a bool
        self.wire(n_inputs, written)

    def kind(self, type_name: str, n: int, params: str | None) -> tuple:
        """The gate object, params and ports of gates of this type, inputs and params."""
        cls = self.lookup(type_name)
        if cls is None or not isinstance(cls, type) or not sources_ok(cls, n):
            raise _NotCanonical
        given = self.params(cls, params)
        try:
            gate = cls(given)
        except Exception:  # the full reader reports what the type says
            raise _NotCanonical from None
        return gate, given, tuple(cls.port_names(n))

    def params(self, cls, text: str | None) -> dict[str, Any]:
        """The params as written, if each is ``name: number`` and the type declares it."""
        declared = cls.params
        given = {}
        if text:
            for item in text.split(", "):
                key, colon, raw = item.partition(": ")
                if not colon or key not in declared or key in given or not NAME_RE.match(key):
                    raise _NotCanonical
                given[key] = _finite(Scalar(raw, False, None, None).python())  # as the full reader gives it: 2 stays an int
        if any(default is None and given.get(name) is None for name, default in declared.items()):
            raise _NotCanonical
        return given

    def wire(self, first: int, written: list[str]) -> None:
        """Resolve each gate's sources: a name of an input or gate, or a number (a constant)."""
        netlist = self.netlist
        get = netlist.index.get
        sources = [tuple(map(get, text.split(", "))) for text in written]
        reading_numbers = [first + k for k, wired in enumerate(sources) if None in wired]
        netlist.sources[first:] = sources
        for number in reading_numbers:
            netlist.sources[number] = self.with_constants(number, written[number - first].split(", "))
        netlist.wired = list(range(first, len(netlist.names)))
        if self.constants:
            base = len(netlist.names) - 1
            names, lines, columns, values = zip(*self.constants)
            netlist.extend(CONST, list(names), lines, columns, values=list(values))
            for number in reading_numbers:
                netlist.sources[number] = tuple([base - j if j < 0 else j for j in netlist.sources[number]])

    def with_constants(self, number: int, written: list[str]) -> tuple[int, ...]:
        """The sources of a gate that reads numbers: each number becomes a constant node."""
        netlist = self.netlist
        name, line = netlist.names[number], netlist.lines[number]
        column = _GATE_PREFIX + len(name) + len(netlist.types[number]) + 1
        wired = []
        for port, text in zip(netlist.ports[number], written):
            source = netlist.index.get(text)
            if source is None:
                if not text or text[0] not in _NUMBER_START:
                    raise _NotCanonical  # an unknown name, a module's output, ...
                self.constants.append((f"{name}:{port}", line, column, _number(text)))
                self.widths[len(netlist.names) + len(self.constants) - 1] = len(text)
                source = -len(self.constants)  # numbered when the gates are all in
            wired.append(source)
            column += len(text) + 2
        return tuple(wired)

    # -- the rest of the file ----------------------------------------------------------------

    def rest(self, blocks: dict, default_name: str, gate_types) -> CircuitSpec:
        """Name, description, outputs and tests, read and checked as the full reader does."""
        lines = self.lines
        for first, end in blocks.values():
            lines[first - 1 : end] = [""] * (end - first + 1)
        root = read("\n".join(lines), self.path)
        if any(key.raw not in _REST_KEYS for key, _ in root.items):
            raise _NotCanonical
        del self.lines
        spec = CanonicalSpec(default_name, "", self.path)
        spec.inputs = _Inputs(self.netlist)
        spec.gates = _Gates(self.netlist, self.widths)
        parser = SpecParser(self.path, self.lookup, gate_types, None)
        spec.name = parser.text(root.get("circuit"), "circuit") or default_name
        spec.description = parser.text(root.get("description"), "description") or ""
        parser.parse_outputs(root.get("outputs"), root, spec)
        parser.parse_tests(root.get("tests"), spec)
        if parser.errors:
            raise _NotCanonical
        netlist = self.netlist
        netlist.name, netlist.outputs = spec.name, tuple(spec.outputs)
        return spec


def canonical_spec(netlist: Netlist, widths: dict[int, int], description: str, outputs, output_pos, tests) -> CircuitSpec:
    """The spec of a canonical circuit read before (the cache's), over its netlist."""
    spec = CanonicalSpec(netlist.name, description, netlist.path, _Inputs(netlist), _Gates(netlist, widths))
    spec.outputs, spec.output_pos, spec.tests = list(outputs), dict(output_pos), list(tests)
    return spec


def sources_ok(cls, n: int) -> bool:
    return n >= 1 if cls.arity is None else n == cls.arity


def _number(raw: str) -> float:
    """A number as the full reader reads the plain scalar ``raw``; a finite float64 only."""
    return float(_finite(float(raw) if _DECIMAL.fullmatch(raw) else Scalar(raw, False, None, None).python()))


def _finite(value):
    """``value`` if it is an int or float that a float64 holds finitely (else not canonical)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _NotCanonical
    try:
        if math.isfinite(float(value)):
            return value
    except OverflowError:
        pass
    raise _NotCanonical


def _default(raw: str) -> float | None:
    return None if raw == "null" else _number(raw)


class CanonicalSpec(CircuitSpec):
    """A spec whose inputs and gates are views of the netlist (no modules, so no ``u/...`` names)."""

    __slots__ = ()

    def node_names(self) -> list[str]:
        return list(self.inputs) + list(self.gates)


class _View:
    """A read-only mapping of the netlist's nodes of one kind, as spec objects made on demand."""

    kind = INPUT

    def __init__(self, netlist: Netlist) -> None:
        self.netlist = netlist
        self.count = netlist.kinds.count(self.kind)

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        kind = self.kind
        return compress(self.netlist.names, [k == kind for k in self.netlist.kinds])

    def __contains__(self, name) -> bool:
        i = self.netlist.index.get(name)
        return i is not None and self.netlist.kinds[i] == self.kind

    def __getitem__(self, name: str):
        if name not in self:
            raise KeyError(name)
        return self.make(self.netlist.index[name])

    def get(self, name: str, default=None):
        return self[name] if name in self else default

    def keys(self):
        return list(self)

    def values(self):
        return [self[name] for name in self]

    def items(self):
        return [(name, self[name]) for name in self]

    def __reduce__(self):  # a pickled spec holds plain dicts
        return dict, (self.items(),)


class _Inputs(_View):
    """Input name -> :class:`InputSpec`, made when asked for from the netlist's columns."""

    kind = INPUT

    def make(self, i: int) -> InputSpec:
        netlist = self.netlist
        return InputSpec(netlist.names[i], netlist.numbers[i], netlist.pos(i))


class _Gates(_View):
    """Gate name -> :class:`GateSpec`, made when asked for from the netlist's columns."""

    kind = GATE

    def __init__(self, netlist: Netlist, widths: dict[int, int]) -> None:
        super().__init__(netlist)
        self.widths = widths  # constant's node number -> the width of its number as written

    def make(self, i: int) -> GateSpec:
        netlist = self.netlist
        names, ports = netlist.names, netlist.ports[i]
        sources = {}
        line, column = netlist.lines[i], _GATE_PREFIX + len(names[i]) + len(netlist.types[i]) + 1
        for port, j in zip(ports, netlist.sources[i]):
            pos = Position(netlist.path, line, column)
            if netlist.kinds[j] == CONST:
                sources[port] = Source(None, netlist.numbers[j], pos)
                column += self.widths[j] + 2
            else:
                sources[port] = Source(names[j], None, pos)
                column += len(names[j]) + 2
        gate = GateSpec(names[i], netlist.types[i], type(netlist.gates[i]), dict(netlist.params[i]), list(ports), sources, netlist.pos(i))
        gate.inline_inputs, gate.listed_inputs = True, len(ports)
        return gate
