"""The flat circuit as columns of numbers and shared objects, read as typed :class:`Node` records.

A circuit of a million gates is a million nodes: one Python object per node and fact would
cost seconds and gigabytes. A :class:`Netlist` keeps each fact of every node in a column
(names, kinds, types, gate objects, sources as node numbers, positions as line and column
numbers) and makes a node's :class:`Node` record when it is asked for, so code reads records
and memory holds columns. Node *numbers* are positions in the netlist's order, which is the
order of the circuit file (and of ``Circuit.graph``'s nodes).

:func:`topological_order` sorts the node numbers (Kahn's algorithm on integers).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Position
from .gate import Gate

__all__ = ["INPUT", "CONST", "GATE", "KINDS", "Instance", "Netlist", "Node", "topological_order"]

INPUT, CONST, GATE = 0, 1, 2  # node kinds, as numbers
KINDS = ("input", "const", "gate")
_NO_PARAMS: Mapping[str, Any] = {}


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


class Netlist(Mapping):
    """The flat circuit: node name -> :class:`Node`, in file order; see the module docstring.

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

    def extend(self, kind: int, names: list[str], lines, columns, *, values=None, types=None, gates=None, params=None, ports=None):
        """Append nodes of one kind at the top level of the netlist's own file, column by column."""
        n = len(names)
        start = len(self.names)
        self.names += names
        self.index.update(zip(names, range(start, start + n)))
        self.kinds += bytes([kind]) * n
        nones = [None] * n
        self.numbers += values if values is not None else nones
        self.types += types if types is not None else nones
        self.gates += gates if gates is not None else nones
        self.params += params if params is not None else [_NO_PARAMS] * n
        self.ports += ports if ports is not None else [()] * n
        self.sources += [()] * n
        self.instance += nones
        self.lines.extend(lines)
        self.columns.extend(columns)
        self.file_ids.frombytes(bytes(2 * n))

    # -- building --------------------------------------------------------------------------

    def add(self, name: str, kind: int, line: int, column: int, *, file: int = 0, value=None, type=None,
            gate=None, params=_NO_PARAMS, ports=(), instance=None) -> int:  # fmt: skip
        """Append a node (its sources come later, with :meth:`wire`); returns its number."""
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
        self.sources[target] = sources
        self.wired.append(target)

    # -- reading ---------------------------------------------------------------------------

    __eq__ = object.__eq__  # one netlist is one circuit: not compared node by node
    __hash__ = object.__hash__

    def __getitem__(self, name: str) -> Node:
        return self.node(self.index[name])

    def node(self, i: int) -> Node:
        """The record of node number ``i``."""
        kind = self.kinds[i]
        names = self.names
        return Node(
            names[i],
            KINDS[kind],
            self.pos(i),
            self.instance[i],
            self.numbers[i],
            self.types[i],
            self.gates[i],
            self.params[i],
            self.ports[i],
            tuple(names[j] for j in self.sources[i]),
        )

    def pos(self, i: int) -> Position:
        """Where node number ``i`` stands in its file."""
        line, column = self.lines[i], self.columns[i]
        return Position(self.files[self.file_ids[i]], line or None, column or None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def input_defaults(self) -> list[float | None]:
        """The inputs' defaults, in file order (``None``: required)."""
        values = self.numbers
        return [values[i] for i in np.flatnonzero(np.frombuffer(self.kinds, dtype=np.uint8) == INPUT).tolist()]

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


def topological_order(netlist: Netlist) -> list[int] | None:
    """The node numbers in topological order, or None if the circuit has a cycle.

    Kahn's algorithm a generation at a time, taking nodes and wires in the order the netlist
    made them: the order ``networkx.topological_sort`` gives on ``Circuit.graph``.
    """
    n = len(netlist.names)
    sources = netlist.sources
    waiting = [0] * n  # node -> its distinct sources not yet placed
    edge_from: list[int] = []
    edge_to: list[int] = []
    for target in netlist.wired:
        wired = sources[target]
        if len(wired) == 2:
            distinct = wired if wired[0] != wired[1] else wired[:1]
        else:
            distinct = tuple(dict.fromkeys(wired))
        waiting[target] = len(distinct)
        edge_from += distinct
        edge_to += [target] * len(distinct)
    # The successors of each node, in the order their wires were made (a stable sort by source).
    edge_from_array = np.array(edge_from, dtype=np.int64)
    by_source = np.argsort(edge_from_array, kind="stable")
    successors = np.array(edge_to, dtype=np.int64)[by_source].tolist()
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge_from_array, minlength=n), out=start[1:])
    start = start.tolist()
    order = [i for i in range(n) if not waiting[i]]
    done = 0
    while done < len(order):
        generation_end = len(order)
        for k in range(done, generation_end):
            u = order[k]
            for child in successors[start[u] : start[u + 1]]:
                waiting[child] -= 1
                if not waiting[child]:
                    order.append(child)
        done = generation_end
    return order if len(order) == n else None
