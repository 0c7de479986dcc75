"""A fast reader for the canonical form of circuit files (one input or gate per line, as
:func:`circuitsim.dump` writes them) into a :class:`~circuitsim.netlist.nodes.Netlist`'s
columns, without a YAML tree. It only accepts: anything not plainly valid answers ``None``, for
the full reader to report (``docs/internals/reading.md``).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from circuitsim.errors import CircuitError, Position
from circuitsim.netlist.layouts import Declined, blanked, read_json, read_yaml
from circuitsim.netlist.names import NameTable
from circuitsim.netlist.nodes import CONST, GATE, INPUT, Columns, Netlist
from circuitsim.read.parse import SpecParser
from circuitsim.read.spec import NAME_RE, CircuitSpec, GateSpec, InputSpec, Source
from circuitsim.read.yamltree import Map, Scalar, Seq, read

__all__ = ["Blocks", "CanonicalSpec", "canonical_spec", "read_blocks", "read_canonical"]

_INPUT = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_]*): ([^\s#,\[\]{}]+)$", re.M)
_GATE = re.compile(
    r"^  ([A-Za-z_][A-Za-z0-9_]*): \{type: ([A-Za-z_][A-Za-z0-9_./-]*), inputs: \[([^\[\]{}#\n]+)\]"
    r"(?:, params: \{([^\[\]{}#\n]*)\})?\}$",
    re.M,
)
# Numbers that Python's float() reads as YAML's core schema does (no 0o, 0x, .inf, _).
_DECIMAL_TEXT = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
_DECIMAL = re.compile(_DECIMAL_TEXT)
_DECIMAL_LINES = re.compile(f"(?:{_DECIMAL_TEXT}\n)*{_DECIMAL_TEXT}")
_NUMBER_START = frozenset("0123456789+-.")
_GATE_PREFIX = len("  : {type: , inputs: [")  # the columns before a gate's first source, less its name and type
_CANONICAL_BYTES = bytes(range(0x20, 0x7F)) + b"\n"  # printable ASCII and line breaks only
_BLOCK_END = re.compile(r"\n(?!  )")  # the end of an indented block
_KEY = re.compile(r"([A-Za-z_]+):(?: |\Z)")
_REST_KEYS = {"circuit", "description", "outputs", "tests"}  # what the full reader reads
_YAML_WORDS = ["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "~"]


# What a layout's reader finds: inputs (names, defaults, lines, columns) or gates (names, types,
# sources as written with ", " between them, params as written, lines, columns); lines and
# columns are arrays or one number for all.
Found = tuple


class _NotCanonical(Exception):
    """The text is not in the canonical form: read it with the full reader."""


def read_canonical(
    source: str | bytes, path: str | None, default_name: str, lookup, gate_types, max_bytes: int
) -> tuple[CircuitSpec, Netlist] | None:
    """The spec and netlist of canonical circuit text (``str`` or UTF-8 ``bytes``), or ``None``
    to use the full reader. ``lookup`` and ``gate_types`` are those of :func:`~circuitsim.read.parse.parse_spec`."""
    if len(source) > max_bytes:
        return None
    if isinstance(source, str):
        if not source.isascii():
            return None
        data = source.encode("ascii")
    else:
        data = bytes(source)
    if data.translate(None, _CANONICAL_BYTES):  # tabs, other line breaks, other characters
        return None
    text = data.decode("ascii") if isinstance(source, bytes) else source
    try:
        return _CanonicalReader(text, path, lookup).read(default_name, gate_types)
    except (_NotCanonical, CircuitError):
        pass
    reader = _CanonicalReader(text, path, lookup)
    try:
        inputs, gates, rest, moved, placed = (read_json if text.lstrip(" \n")[:1] == "{" else read_yaml)(text)
        netlist, widths = reader.build(inputs, gates, canonical=placed)
        return reader.rest(rest, netlist, widths, default_name, gate_types, moved), netlist
    except (Declined, _NotCanonical, CircuitError):
        return None


@dataclass(frozen=True)
class Blocks:
    """A circuit handed over as the fast reader's columns rather than text (a
    :class:`~circuitsim.Builder`'s): ``inputs`` and ``gates`` as the block readers find them
    (sources and params written as a canonical file writes them), ``rest`` the tree of the
    other keys; each input's and gate's position is in file ``files[file_ids[i]]``. ``tree``
    makes the whole YAML tree, for the full reader when this one declines."""

    inputs: Found
    gates: Found
    rest: Map
    files: list[str | None]
    file_ids: array
    tree: Callable[[], Map]

    def __len__(self) -> int:
        return len(self.inputs[0]) + len(self.gates[0])


def read_blocks(blocks: Blocks, path: str | None, default_name: str, lookup, gate_types) -> tuple[CircuitSpec, Netlist] | None:
    """The spec and netlist of ``blocks``, checked as :func:`read_canonical` checks text, or
    ``None`` to read ``blocks.tree()`` with the full reader."""
    reader = _CanonicalReader("", path, lookup)
    try:
        netlist, _ = reader.build(blocks.inputs, blocks.gates)
        spec = reader.rest_of(blocks.rest, netlist, None, default_name, gate_types)
    except (_NotCanonical, CircuitError):
        return None
    netlist.files = [path] + [file for file in blocks.files if file != path]  # as the full reader numbers them
    if len(netlist.files) > 1:  # a constant (after the inputs and gates) is in its gate's file
        n, c = len(blocks), netlist.columns_of
        ids = np.array([netlist.files.index(file) for file in blocks.files], dtype=np.uint16)[np.frombuffer(blocks.file_ids, dtype=np.uint16)]
        wires = np.flatnonzero(c.flat >= n)
        constants = np.zeros(len(netlist.kinds) - n, dtype=np.uint16)
        constants[c.flat[wires] - n] = ids[np.searchsorted(c.start, wires, side="right") - 1]
        netlist.file_ids = array("H", ids.tobytes() + constants.tobytes())
    return spec, netlist


class _CanonicalReader:
    def __init__(self, text: str, path: str | None, lookup) -> None:
        self.text = text
        self.path = path
        self.lookup = lookup

    def read(self, default_name: str, gate_types) -> tuple[CircuitSpec, Netlist]:
        text = self.text
        blocks: dict[str, tuple[int, int, int]] = {}  # key -> offsets of its header, first line and end
        at = 0
        while at < len(text):  # the top-level lines, jumping over the blocks
            eol = text.find("\n", at)
            eol = len(text) if eol < 0 else eol
            line = text[at:eol]
            key = _KEY.match(line)
            if key is not None and key[1] in ("inputs", "gates") and line == key[1] + ":":
                if key[1] in blocks:
                    raise _NotCanonical
                start = min(eol + 1, len(text))
                end = _BLOCK_END.search(text, eol)  # the first line after it not indented
                end = len(text) if end is None else max(end.start() + 1, start)
                blocks[key[1]] = (at, start, end)
                at = end
                continue
            if line[:1] not in ("", " ") and (key is None or key[1] not in _REST_KEYS):
                raise _NotCanonical  # modules, wires, a misspelt key, a comment: the full reader
            at = eol + 1
        _, start, end = blocks.get("gates", (0, 0, 0))
        if end > start and _GATE.match(text, start) is None:  # another layout: before the inputs are read
            raise _NotCanonical
        inputs = self.read_inputs(*blocks.get("inputs", (0, 0, 0))[1:])
        gates = self.read_gates(start, end)
        netlist, widths = self.build(inputs, gates, canonical=True)
        return self.rest(blanked(text, blocks.values()), netlist, widths, default_name, gate_types), netlist

    # -- the two blocks --------------------------------------------------------------------

    def block(self, pattern: re.Pattern, start: int, end: int) -> tuple[list[tuple], int]:
        """The groups of ``pattern`` on every line of a block, and the block's first line number."""
        if pattern.match(self.text, start) is None:  # another layout: no need to read further
            raise _NotCanonical
        text = self.text[start:end]
        found = pattern.findall(text)
        lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if len(found) != lines:
            raise _NotCanonical
        return found, self.text.count("\n", 0, start) + 1

    def read_inputs(self, start: int, end: int) -> Found:
        """The inputs: names, defaults, lines and columns."""
        found, first = self.block(_INPUT, start, end) if end > start else ([], 0)
        names = [name for name, _ in found]
        raws = [raw for _, raw in found]
        return names, _defaults(raws), np.arange(first, first + len(names)), 3

    def read_gates(self, start: int, end: int) -> Found:
        """The gates: names, types, sources as written (``, `` between them), params as written, lines and columns."""
        found, first = self.block(_GATE, start, end) if end > start else ([], 0)
        names, types, written, params = map(list, zip(*found)) if found else ([], [], [], [])
        return names, types, written, params, np.arange(first, first + len(names)), 3

    def build(self, inputs: Found, gates: Found, canonical: bool = False) -> tuple[Netlist, dict[int, int] | None]:
        """The netlist of the inputs and gates found; for a layout other than the canonical one
        a constant stands where its gate does (``widths`` None)."""
        input_names, defaults, input_lines, input_columns = inputs
        if defaults and defaults[0].__class__ is str:  # as written
            defaults = _defaults(defaults)
        names, types, written, params, gate_lines, gate_columns = gates
        del gates
        n_inputs, n_gates = len(input_names), len(names)
        counts = np.fromiter(map(str.count, written, repeat(", ")), dtype=np.int64, count=n_gates) + 1
        kind_of = np.full(n_inputs + n_gates, -1, dtype=np.int32)
        table = self.kinds(types, counts, params, kind_of[n_inputs:])
        del types, params
        all_names = input_names + names
        known = NameTable(all_names)
        if not known.fits or not known.unique or (known.numbers(_YAML_WORDS) >= 0).any():
            raise _NotCanonical  # a name given twice, or one YAML reads as null or a bool
        texts = ", ".join(written).split(", ")
        del written
        if len(texts) != int(counts.sum()):
            raise _NotCanonical
        flat = known.numbers(texts)
        start_of = np.zeros(n_inputs + n_gates + 1, dtype=np.int64)
        np.cumsum(counts, out=start_of[n_inputs + 1 :])
        lines = np.concatenate([np.broadcast_to(input_lines, n_inputs), np.broadcast_to(gate_lines, n_gates)]).astype(np.int32)
        columns = np.concatenate([np.broadcast_to(input_columns, n_inputs), np.broadcast_to(gate_columns, n_gates)]).astype(np.int32)
        kinds = bytearray(bytes([INPUT]) * n_inputs + bytes([GATE]) * n_gates)
        values = np.zeros(n_inputs + n_gates, dtype=np.float64)
        given = np.zeros(n_inputs + n_gates, dtype=bool)
        if None in defaults:
            given[:n_inputs] = [d is not None for d in defaults]
            values[:n_inputs] = [0.0 if d is None else d for d in defaults]
        else:
            given[:n_inputs], values[:n_inputs] = True, defaults
        widths: dict[int, int] = {}
        unresolved = np.flatnonzero(flat < 0)
        if len(unresolved):  # numbers: constant nodes after the gates
            const_names, numbers, const_lines, const_columns = self.constants(unresolved, texts, flat, start_of, table, kind_of, all_names, lines, columns, widths, canonical)
            all_names += const_names
            kinds += bytes([CONST]) * len(const_names)
            values, given = np.concatenate([values, numbers]), np.concatenate([given, np.ones(len(numbers), dtype=bool)])
            lines = np.concatenate([lines, np.array(const_lines, dtype=np.int32)])
            columns = np.concatenate([columns, np.array(const_columns, dtype=np.int32)])
            start_of = np.concatenate([start_of, np.full(len(widths), start_of[-1])])
            kind_of = np.concatenate([kind_of, np.full(len(widths), -1, dtype=np.int32)])
        wired = np.arange(n_inputs, n_inputs + n_gates, dtype=np.int64)
        netlist = Netlist.of_columns("", self.path, (), all_names, kinds, (values, given), lines, columns, Columns(table, kind_of, start_of, flat, wired))
        netlist.names_table = known  # finds inputs and gates before the index is made
        return netlist, widths if canonical else None

    def kinds(self, types: list[str], counts: np.ndarray, params: list[str], kind_of: np.ndarray) -> list[tuple]:
        """The table of gate kinds (type, inputs, params) and each gate's number in it."""
        if any(params):
            keys = list(zip(types, counts.tolist(), params))
            numbered = {key: k for k, key in enumerate(dict.fromkeys(keys))}
            kind_of[:] = np.fromiter(map(numbered.__getitem__, keys), dtype=np.int32, count=len(keys))
            return [self.kind(type_name, n, given) for type_name, n, given in numbered]
        type_number = {name: k for k, name in enumerate(dict.fromkeys(types))}  # no params: by type and inputs
        codes = np.fromiter(map(type_number.__getitem__, types), dtype=np.int64, count=len(types)) * (int(counts.max(initial=0)) + 1) + counts
        _, first, numbers = np.unique(codes, return_index=True, return_inverse=True)
        kind_of[:] = numbers.reshape(-1)
        return [self.kind(types[i], int(counts[i]), "") for i in first.tolist()]

    def kind(self, type_name: str, n: int, params: str | None) -> tuple:
        """The type, gate object, params and ports of gates of this type, inputs and params."""
        cls = self.lookup(type_name)
        if cls is None or not isinstance(cls, type) or not sources_ok(cls, n):
            raise _NotCanonical
        given = self.params(cls, params)
        try:
            gate = cls(given)
        except Exception:  # the full reader reports what the type says
            raise _NotCanonical from None
        return type_name, gate, given, tuple(cls.port_names(n))

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

    def constants(self, unresolved: np.ndarray, texts: list[str], flat: np.ndarray, start_of: np.ndarray, table, kind_of, names, lines, columns, widths, canonical) -> tuple:
        """Each number among the sources (at ``unresolved`` in ``flat``) made a constant node
        after the ``names`` so far: their names, values, lines and columns (``widths``: the
        width of each as written, by node number)."""
        new: tuple[list, list, list, list] = ([], [], [], [])
        gates = np.searchsorted(start_of, unresolved, side="right") - 1  # node numbers
        for wire, node in zip(unresolved.tolist(), gates.tolist()):
            text = texts[wire]
            if not text or text[0] not in _NUMBER_START:
                raise _NotCanonical  # an unknown name, a module's output, ...
            type_name, _, _, ports = table[kind_of[node]]
            first, name, number = int(start_of[node]), names[node], len(names) + len(new[0])
            widths[number] = len(text)
            flat[wire] = number
            new[0].append(f"{name}:{ports[wire - first]}")
            new[1].append(_number(text))
            new[2].append(lines[node])
            new[3].append(_GATE_PREFIX + len(name) + len(type_name) + 1 + sum(len(t) + 2 for t in texts[first:wire]) if canonical else columns[node])
        return new

    # -- the rest of the file ----------------------------------------------------------------

    def rest(self, text: str, netlist: Netlist, widths: dict[int, int] | None, default_name: str, gate_types, moved=None) -> CircuitSpec:
        """Name, description, outputs and tests, read from ``text`` (the file with its inputs
        and gates blanked) and checked as the full reader does; ``moved`` maps a position in
        ``text`` to the file's when the blanking moved them."""
        return self.rest_of(read(text, self.path), netlist, widths, default_name, gate_types, moved)

    def rest_of(self, root: Map, netlist: Netlist, widths: dict[int, int] | None, default_name: str, gate_types, moved=None) -> CircuitSpec:
        """:meth:`rest` of the tree ``root`` read from that text."""
        if any(key.raw not in _REST_KEYS and not (key.raw in ("inputs", "gates") and value == Map([], value.pos)) for key, value in root.items):
            raise _NotCanonical
        del self.text
        spec = CanonicalSpec(default_name, "", self.path)
        spec.inputs = _Inputs(netlist)
        spec.gates = _Gates(netlist, widths)
        parser = SpecParser(self.path, self.lookup, gate_types, None)
        spec.name = parser.text(root.get("circuit"), "circuit") or default_name
        spec.description = parser.text(root.get("description"), "description") or ""
        outputs = root.get("outputs")
        if isinstance(outputs, Seq):  # checked one by one: found at once first
            netlist.look_up([item.raw for item in outputs.items if isinstance(item, Scalar)])
        parser.parse_outputs(outputs, root, spec)
        parser.parse_tests(root.get("tests"), spec)
        if parser.errors:
            raise _NotCanonical
        if moved is not None:
            spec.output_pos = {name: moved(pos) for name, pos in spec.output_pos.items()}
            for test in spec.tests:
                test.pos = moved(test.pos)
        netlist.name, netlist.outputs = spec.name, tuple(spec.outputs)
        return spec


def canonical_spec(netlist: Netlist, widths: dict[int, int] | None, description: str, outputs, output_pos, tests) -> CircuitSpec:
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


def _defaults(raws: list[str]) -> list[float | None]:
    """The inputs' defaults as the full reader reads them: ``null`` or a finite number."""
    numbers = [raw for raw in raws if raw != "null"] if "null" in raws else raws
    values = None
    if not "\n".join(numbers).encode("ascii").translate(None, b"0123456789+-.eE\n"):
        try:  # float() reads these characters exactly as YAML's decimal numbers, or not at all
            values = list(map(float, numbers))
        except ValueError:
            values = None
        if values and not (math.isfinite(max(values)) and math.isfinite(min(values))):
            raise _NotCanonical
    if values is None:
        values = [_number(raw) for raw in numbers]
    if numbers is raws:
        return values
    given = iter(values)
    return [None if raw == "null" else next(given) for raw in raws]


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
        numbers = np.flatnonzero(np.frombuffer(self.netlist.kinds, dtype=np.uint8) == self.kind).tolist()
        names = self.netlist.names
        return iter([names[i] for i in numbers])

    def __contains__(self, name) -> bool:
        i = self.netlist.find(name) if isinstance(name, str) else None
        return i is not None and self.netlist.kinds[i] == self.kind

    def __getitem__(self, name: str):
        if name not in self:
            raise KeyError(name)
        return self.make(self.netlist.find(name))

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
        return InputSpec(netlist.names[i], netlist.number(i), netlist.pos(i))


class _Gates(_View):
    """Gate name -> :class:`GateSpec`, made when asked for from the netlist's columns."""

    kind = GATE

    def __init__(self, netlist: Netlist, widths: dict[int, int] | None) -> None:
        super().__init__(netlist)
        self.widths = widths  # constant's node number -> the width of its number as written (None: not the canonical layout)

    def make(self, i: int) -> GateSpec:
        netlist = self.netlist
        names = netlist.names
        type_name, gate_object, params, ports = netlist.gate_kind(i)
        sources = {}
        line, column = int(netlist.lines[i]), _GATE_PREFIX + len(names[i]) + len(type_name) + 1
        widths = self.widths
        for port, j in zip(ports, netlist.sources_of(i)):
            pos = Position(netlist.path, line, column) if widths is not None else netlist.pos(i)  # other layouts: where the gate is
            if netlist.kinds[j] == CONST:
                sources[port] = Source(None, netlist.number(j), pos)
                column += widths[j] + 2 if widths is not None else 0
            else:
                sources[port] = Source(names[j], None, pos)
                column += len(names[j]) + 2
        gate = GateSpec(names[i], type_name, type(gate_object), dict(params), list(ports), sources, netlist.pos(i))
        gate.inline_inputs, gate.listed_inputs = True, len(ports)
        return gate
