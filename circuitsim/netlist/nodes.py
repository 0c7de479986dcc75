"""The flat circuit as columns of numbers and shared objects, read as typed :class:`Node` records.

A node's record is made when asked for, so that code reads records and memory holds columns
(see ``docs/internals/reading.md``, "Columns").
"""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from circuitsim.errors import Position
from circuitsim.gate.base import Gate

__all__ = ["INPUT", "CONST", "GATE", "KINDS", "Columns", "Instance", "Netlist", "Node", "as_tuples", "collector_paused", "gc_paused", "pick"]

INPUT, CONST, GATE = 0, 1, 2  # node kinds, as numbers
KINDS = ("input", "const", "gate")
_NO_PARAMS: Mapping[str, Any] = {}
# A netlist read in bulk finds names one at a time in its name table (numpy, 50 to 250 µs a
# name) until this many, or one per 256 nodes, were asked for (as long as the dict of every name
# takes to make); then it makes that dict.
INDEX_AFTER = 64


@contextlib.contextmanager
def collector_paused(settle_after: int | None = None):
    """The cycle collector paused meanwhile: a column of a million new tuples or a dict of a
    million names would otherwise wake it again and again (three times the time). With
    ``settle_after``, more new objects than that are collected once before it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if settle_after is not None and gc.get_count()[0] > settle_after:
                gc.collect()
            gc.enable()


def gc_paused(make):
    """``make`` run with the cycle collector paused (:func:`collector_paused`)."""

    @functools.wraps(make)
    def made(*args):
        with collector_paused():
            return make(*args)

    return made


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a flat circuit: an input, a constant or a gate.

    ``kind`` is ``"input"``, ``"const"`` or ``"gate"``; ``pos`` is where the file gives it and
    ``instance`` the module instance it belongs to (``None`` at the top level). ``value`` is a
    constant's value or an input's default (``None``: the caller must give it). A gate also has
    its ``type``, ``gate`` object, ``params`` (as written), ``ports`` and ``sources``: the node
    driving each port, in port order.
    """

    name: str
    kind: str
    pos: Position
    instance: str | None = None
    value: float | None = None
    type: str | None = None
    gate: Gate | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    ports: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def attributes(self) -> dict[str, Any]:
        """The node's attributes in the public graph (``Circuit.graph``)."""
        if self.kind == "input":
            return {"kind": "input", "default": self.value, "pos": self.pos, "instance": self.instance}
        if self.kind == "const":
            return {"kind": "const", "value": self.value, "pos": self.pos, "instance": self.instance}
        return {
            "kind": "gate",
            "type": self.type,
            "params": self.params,
            "gate": self.gate,
            "ports": list(self.ports),
            "sources": list(self.sources),
            "pos": self.pos,
            "instance": self.instance,
        }


@dataclass(frozen=True, slots=True)
class Instance:
    """A module instance: gate ``name`` (flat) of type ``module``, the circuit in file ``path``."""

    name: str
    module: str
    path: str | None
    pos: Position
    instance: str | None

    def attributes(self) -> dict[str, Any]:
        return {"module": self.module, "path": self.path, "pos": self.pos, "instance": self.instance}


@dataclass(eq=False)
class Columns:
    """The gate facts of a netlist as arrays: what the sort and the plan are built from.

    ``table`` lists the gate kinds, ``(type, gate object, params, ports)``, and ``kind_of``
    gives each node's kind number (-1: an input or a constant); the sources of node ``i`` are
    ``flat[start[i]:start[i + 1]]``, node numbers in port order; ``wired`` lists the gates in
    the order their wires were made.
    """

    table: list[tuple]
    kind_of: np.ndarray  # int32, one per node
    start: np.ndarray  # int64, one per node and one more
    flat: np.ndarray  # int64, one per wire
    wired: np.ndarray  # int64, one per wired gate

    def counts(self) -> np.ndarray:
        """The number of sources of every node."""
        return np.diff(self.start)


_NO_GATE = (None, None, _NO_PARAMS, ())
# The columns a netlist made from arrays makes when first asked for (see Netlist.__getattr__).
_LAZY = frozenset(("names", "numbers", "index", "types", "gates", "params", "ports", "sources", "instance", "file_ids", "wired"))


class Netlist(Mapping):
    """The flat circuit: node name -> :class:`Node`, in file order, kept as columns (see ``docs/internals/reading.md``).

    Columns, one entry per node number: ``names``, ``kinds`` (:data:`INPUT`, :data:`CONST`,
    :data:`GATE`), ``numbers`` (a constant's value, an input's default), ``types``, ``gates``, ``params``, ``ports``, ``sources`` (node
    numbers), ``instance`` and the position's ``lines`` and ``columns`` (0: not known) in file
    ``files[file_ids[i]]``. ``wired`` lists the gates (numbers) in the order their wires were
    made: the order of the graph's edges. ``outputs`` are the circuit's outputs, ``instances``
    its module instances by flat name.
    """

    def __init__(self, name: str, path: str | None, outputs, instances: dict[str, Instance]) -> None:
        self.name = name
        self.path = path
        self.outputs = tuple(outputs)
        self.instances = instances
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.kinds = bytearray()
        self.numbers: list[float | None] = []
        self.types: list[str | None] = []
        self.gates: list[Gate | None] = []
        self.params: list[Mapping[str, Any]] = []
        self.ports: list[tuple[str, ...]] = []
        self.sources: list[tuple[int, ...]] = []
        self.instance: list[str | None] = []
        self.lines = array("l")
        self.columns = array("l")
        self.file_ids = array("H")
        self.files: list[str | None] = [path]
        self.wired: list[int] = []
        self._columns: Columns | None = None  # made from the lists when asked for

    @classmethod
    def of_columns(cls, name: str, path: str | None, outputs, names: list[str] | bytes, kinds: bytearray,
                   numbers: tuple[np.ndarray, np.ndarray], lines: np.ndarray, columns: np.ndarray,
                   gate_columns: Columns) -> Netlist:  # fmt: skip
        """A netlist of one file without modules, made whole from its columns: ``names`` (or
        their UTF-8 bytes, one a line), ``numbers`` as two arrays, the numbers (0.0 where
        there is none) and whether there is one."""
        netlist = cls.__new__(cls)
        netlist.name, netlist.path, netlist.outputs, netlist.instances = name, path, tuple(outputs), {}
        if isinstance(names, bytes):
            netlist._names_text = names
        else:
            netlist.names = names
        netlist.kinds, (netlist._values, netlist._given) = kinds, numbers
        netlist.lines, netlist.columns, netlist.files = lines, columns, [path]
        netlist._columns = gate_columns
        return netlist

    def __getattr__(self, name: str):
        """A column of a netlist made from arrays, made when first asked for."""
        if name in _LAZY:
            columns = self.__dict__.get("_columns")
            if columns is not None:
                value = self.__dict__[name] = self._column(name, columns)
                return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @gc_paused
    def _column(self, name: str, c: Columns):
        n = len(self.kinds)
        if name == "names":
            return self.__dict__.pop("_names_text").decode("utf-8").split("\n") if n else []
        if name == "numbers":
            numbers = self._values.tolist()
            for i in np.flatnonzero(~self._given).tolist():
                numbers[i] = None
            return numbers
        if name == "index":
            return dict(zip(self.names, range(n)))
        if name == "sources":
            return as_tuples(c.start, c.flat)
        if name == "instance":
            return [None] * n
        if name == "file_ids":
            return array("H", bytes(2 * n))
        if name == "wired":
            return c.wired.tolist()
        k = ("types", "gates", "params", "ports").index(name)
        return pick([kind[k] for kind in c.table] + [_NO_GATE[k]], c.kind_of)

    @property
    def columns_of(self) -> Columns:
        """The gate facts as arrays (:class:`Columns`)."""
        if self._columns is None:
            self._columns = self._columns_from_lists()
        return self._columns

    def _columns_from_lists(self) -> Columns:
        n = len(self.names)
        table: list[tuple] = []
        numbered: dict = {}
        kind_of = np.full(n, -1, dtype=np.int32)
        types, gates, params, ports = self.types, self.gates, self.params, self.ports
        for i in np.flatnonzero(np.frombuffer(self.kinds, dtype=np.uint8) == GATE).tolist():
            kind = (types[i], gates[i], params[i], ports[i])
            key = _kind_key(kind)
            number = numbered.get(key)
            if number is None:
                number = numbered[key] = len(table)
                table.append(kind)
            kind_of[i] = number
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, self.sources), dtype=np.int64, count=n), out=start[1:])
        flat = np.fromiter(chain.from_iterable(self.sources), dtype=np.int64, count=int(start[-1]))
        return Columns(table, kind_of, start, flat, np.array(self.wired, dtype=np.int64))

    def _as_lists(self) -> None:
        """Before a node is added: every column as a list, the arrays made again when asked for."""
        if self._columns is not None:
            self._every_column()
            self.lines, self.columns = array("l", list(map(int, self.lines))), array("l", list(map(int, self.columns)))
            self.__dict__.pop("_values", None), self.__dict__.pop("_given", None)
            self._columns = None

    def _every_column(self) -> None:
        for name in _LAZY:
            getattr(self, name)

    # -- building --------------------------------------------------------------------------

    def add(self, name: str, kind: int, line: int, column: int, *, file: int = 0, value=None, type=None,
            gate=None, params=_NO_PARAMS, ports=(), instance=None) -> int:  # fmt: skip
        """Append a node (its sources come later, with :meth:`wire`); returns its number."""
        self._as_lists()
        i = len(self.names)
        self.names.append(name)
        self.index[name] = i
        self.kinds.append(kind)
        self.numbers.append(value)
        self.types.append(type)
        self.gates.append(gate)
        self.params.append(params)
        self.ports.append(ports)
        self.sources.append(())
        self.instance.append(instance)
        self.lines.append(line)
        self.columns.append(column)
        self.file_ids.append(file)
        return i

    def file_id(self, path: str | None) -> int:
        try:
            return self.files.index(path)
        except ValueError:
            self.files.append(path)
            return len(self.files) - 1

    def wire(self, target: int, sources: tuple[int, ...]) -> None:
        """Give gate ``target`` its sources, in port order."""
        self._as_lists()
        self.sources[target] = sources
        self.wired.append(target)

    # -- reading ---------------------------------------------------------------------------

    __eq__ = object.__eq__  # one netlist is one circuit: not compared node by node
    __hash__ = object.__hash__

    def __getitem__(self, name: str) -> Node:
        return self.node(self.index[name])

    def node(self, i: int) -> Node:
        """The record of node number ``i``."""
        names = self.names
        type_, gate, params, ports = self.gate_kind(i)
        instance = self.instance[i] if "instance" in self.__dict__ else None
        sources = tuple(names[j] for j in self.sources_of(i))
        return Node(names[i], KINDS[self.kinds[i]], self.pos(i), instance, self.number(i), type_, gate, params, ports, sources)

    def gate_kind(self, i: int) -> tuple:
        """``(type, gate object, params, ports)`` of node number ``i`` (Nones for an input or constant)."""
        if "types" in self.__dict__:
            return self.types[i], self.gates[i], self.params[i], self.ports[i]
        k = int(self._columns.kind_of[i])
        return self._columns.table[k] if k >= 0 else _NO_GATE

    def sources_of(self, i: int) -> tuple[int, ...]:
        """The node numbers driving node number ``i``, in port order."""
        if "sources" in self.__dict__:
            return self.sources[i]
        c = self._columns
        return tuple(c.flat[c.start[i] : c.start[i + 1]].tolist())

    def pos(self, i: int) -> Position:
        """Where node number ``i`` stands in its file."""
        line, column = int(self.lines[i]), int(self.columns[i])
        file = self.file_ids[i] if "file_ids" in self.__dict__ else 0
        return Position(self.files[file], line or None, column or None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.kinds)

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def find(self, name: str) -> int | None:
        """The number of the node (an input or gate, or any node once ``index`` is made) named ``name``."""
        table = self.__dict__.get("names_table") if "index" not in self.__dict__ else None
        if table is None:
            return self.index.get(name)
        found = table.found
        if name in found:
            return found[name]
        table.asked += 1
        if table.asked > max(INDEX_AFTER, len(self.kinds) >> 8):  # many names one at a time: the dict pays
            del self.names_table
            return self.index.get(name)
        return table.find(name)

    def look_up(self, names: list[str]) -> None:
        """Find ``names`` at once, for :meth:`find` to answer them without a lookup each (the
        outputs of a file read in bulk, before they are checked one by one)."""
        table = self.__dict__.get("names_table") if "index" not in self.__dict__ else None
        if table is not None and names:
            table.found.update(zip(names, [None if i < 0 else i for i in table.numbers(names).tolist()]))

    def output_numbers(self) -> list[int]:
        """The outputs' node numbers."""
        numbers = self.__dict__.get("_output_numbers")
        if numbers is not None:
            return numbers
        self.look_up(list(self.outputs))
        return [self.find(name) for name in self.outputs]

    def number(self, i: int) -> float | None:
        """Node ``i``'s constant value or input default (``None``: none)."""
        if "numbers" in self.__dict__:
            return self.numbers[i]
        return float(self._values[i]) if self._given[i] else None

    def numbers_of(self) -> tuple[np.ndarray, np.ndarray]:
        """The numbers as two arrays: the numbers (0.0 where there is none), whether there is one."""
        if "_values" in self.__dict__ and self._columns is not None:
            return self._values, self._given
        given = np.array([v is not None for v in self.numbers], dtype=bool)
        return np.array([0.0 if v is None else v for v in self.numbers], dtype=np.float64), given

    def input_values(self) -> tuple[np.ndarray, np.ndarray]:
        """The inputs' defaults in file order (0.0 for a required one), and whether each has one."""
        values, given = self.numbers_of()
        inputs = np.flatnonzero(np.frombuffer(self.kinds, dtype=np.uint8) == INPUT)
        return values[inputs], given[inputs]

    def input_defaults(self) -> list[float | None]:
        """The inputs' defaults, in file order (``None``: required)."""
        values, given = self.input_values()
        defaults = values.tolist()
        for k in np.flatnonzero(~given).tolist():
            defaults[k] = None
        return defaults

    def position(self, name: str) -> Position:
        """Where a node, or a module instance, stands in its file."""
        instance = self.instances.get(name)
        return instance.pos if instance else self.pos(self.index[name])

    def upstream(self, names) -> set[str]:
        """``names`` and every node they depend on."""
        return {self.names[i] for i in self._reach([self.index[n] for n in names], self.sources)}

    def downstream(self, names) -> set[str]:
        """``names`` and every node that depends on one of them."""
        readers: list[list[int]] = [[] for _ in self.names]
        for target in self.wired:
            for source in self.sources[target]:
                readers[source].append(target)
        return {self.names[i] for i in self._reach([self.index[n] for n in names], readers)}

    @staticmethod
    def _reach(start: list[int], links) -> set[int]:
        seen = set(start)
        stack = list(seen)
        while stack:
            for j in links[stack.pop()]:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen

    def to_graph(self):
        """The circuit as a ``networkx.DiGraph``: a node per node with :meth:`Node.attributes`,
        an edge per wired pair carrying the ``ports`` of the target that the source drives."""
        import networkx as nx

        instances = {name: inst.attributes() for name, inst in self.instances.items()}
        graph = nx.DiGraph(name=self.name, path=self.path, outputs=list(self.outputs), instances=instances)
        self._every_column()  # once, rather than each node's from the arrays
        graph.add_nodes_from((self.names[i], self.node(i).attributes()) for i in range(len(self.names)))
        names = self.names
        for target in self.wired:
            name = names[target]
            for source, port in zip(self.sources[target], self.ports[target]):
                edge = graph.get_edge_data(names[source], name)
                if edge is None:
                    graph.add_edge(names[source], name, ports=[port])
                else:
                    edge["ports"].append(port)
        return graph


def _kind_key(kind: tuple):
    """What makes two gates one kind: type, class, ports and params (the object itself if they are not hashable)."""
    type_, gate, params, ports = kind
    items = tuple((k, type(v), v) for k, v in params.items())
    try:
        hash(items)
    except TypeError:
        return type_, id(gate)
    return type_, type(gate), ports, items


def pick(items: list, numbers) -> list:
    """``[items[i] for i in numbers]``, at C speed."""
    numbers = numbers.tolist() if isinstance(numbers, np.ndarray) else numbers
    if len(numbers) < 2:
        return [items[i] for i in numbers]
    return list(operator.itemgetter(*numbers)(items))


def as_tuples(start: np.ndarray, flat: np.ndarray) -> list[tuple[int, ...]]:
    """``tuple(flat[start[k]:start[k + 1]])`` of ints, for every k."""
    counts = np.diff(start)
    if len(counts) and counts[0] > 0 and (counts == counts[0]).all():  # one length throughout
        k, first = int(counts[0]), int(start[0])
        return list(zip(*(flat[first + j : int(start[-1]) : k].tolist() for j in range(k))))
    out: list[tuple[int, ...]] = [()] * len(counts)
    for k in np.flatnonzero(np.bincount(counts)).tolist():  # the lengths there are (np.unique imports numpy.ma)
        if k == 0:
            continue
        at = np.flatnonzero(counts == k)
        for i, t in zip(at.tolist(), zip(*(flat[start[at] + j].tolist() for j in range(k)))):
            out[i] = t
    return out
