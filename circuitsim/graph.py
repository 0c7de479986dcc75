"""Flatten a validated :class:`~circuitsim.spec.CircuitSpec` into a :class:`Netlist` of typed
:class:`Node` records, and make the public ``networkx.DiGraph`` from it.

A node is one of the circuit's inputs, its numeric constants and its gates; the record says
which (``kind``: ``"input"``, ``"const"`` or ``"gate"``), where it stands in its file (``pos``)
and which module instance it belongs to (``instance``, ``None`` at the top level). A gate's
record also holds its ``type``, ``params``, ``gate`` (the gate object), ``ports`` and
``sources`` (the node driving each port, in port order). The code reads these records; the
DiGraph (:meth:`Netlist.to_graph`, ``Circuit.graph``) carries the same facts as node
attributes for users, and an edge per wire with the ``ports`` of the target it drives, so
that ``add [a, a]`` keeps both of its wires although a DiGraph has one edge per pair of nodes.

The netlist is flat: an instance ``u`` of a module is the module's own nodes under the names
``u/name`` (nested: ``u/v/name``), with ``instance="u"``. Where a wire crosses the instance's
boundary stands a pass-through gate, so that values and gradients can be read there:
``u/x`` (type ``"module input"``) is the module's input ``x`` as seen inside, driven by what
the parent wires to port ``x`` or by the input's default; ``u`` (or ``u.lo``, ``u.hi`` for a
module with several outputs; type ``"module output"``) is what the parent reads.
:attr:`Netlist.instances` (``graph.graph["instances"]``) maps each instance to its module,
module file, the position of the gate in the including file and the instance it sits in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .errors import CircuitError, Position
from .gate import Expressions, Gate
from .spec import CircuitSpec, GateSpec

__all__ = [
    "MODULE_INPUT",
    "MODULE_OUTPUT",
    "Instance",
    "Netlist",
    "Node",
    "PassThrough",
    "constant_name",
    "find_cycles",
    "flatten",
    "topological_order",
]

MODULE_INPUT = "module input"
MODULE_OUTPUT = "module output"


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a flat circuit: an input, a constant or a gate (see the module docstring).

    ``value`` is a constant's value or an input's default (``None``: the caller must give it).
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
        """The node's attributes in the public graph."""
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
    """The flat circuit: node name -> :class:`Node`, in the order the file gives them.

    ``outputs`` are the circuit's outputs, ``instances`` its module instances by flat name.
    ``wired`` lists the gates in the order their wires were made, which is the order of the
    graph's edges.
    """

    def __init__(
        self, name: str, path: str | None, nodes: dict[str, Node], outputs: list[str], instances: dict[str, Instance], wired: list[str]
    ) -> None:
        self.name = name
        self.path = path
        self.outputs = tuple(outputs)
        self.instances = instances
        self.wired = wired
        self._nodes = nodes

    def __getitem__(self, name: str) -> Node:
        return self._nodes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def upstream(self, names) -> set[str]:
        """``names`` and every node they depend on: what some path leads from to one of them."""
        seen = set(names)
        stack = list(seen)
        while stack:
            for source in self._nodes[stack.pop()].sources:
                if source not in seen:
                    seen.add(source)
                    stack.append(source)
        return seen

    def downstream(self, names) -> set[str]:
        """``names`` and every node that depends on one of them."""
        readers: dict[str, list[str]] = {}
        for name in self.wired:
            for source in self._nodes[name].sources:
                readers.setdefault(source, []).append(name)
        seen = set(names)
        stack = list(seen)
        while stack:
            for reader in readers.get(stack.pop(), ()):
                if reader not in seen:
                    seen.add(reader)
                    stack.append(reader)
        return seen

    def position(self, name: str) -> Position:
        """Where a node, or a module instance, stands in its file."""
        instance = self.instances.get(name)
        return instance.pos if instance else self._nodes[name].pos

    def to_graph(self) -> nx.DiGraph:
        """The circuit as a ``networkx.DiGraph`` (see the module docstring)."""
        instances = {name: inst.attributes() for name, inst in self.instances.items()}
        graph = nx.DiGraph(name=self.name, path=self.path, outputs=list(self.outputs), instances=instances)
        graph.add_nodes_from((name, node.attributes()) for name, node in self._nodes.items())
        for target in self.wired:
            node = self._nodes[target]
            for source, port in zip(node.sources, node.ports):
                if graph.has_edge(source, target):
                    graph.edges[source, target]["ports"].append(port)
                else:
                    graph.add_edge(source, target, ports=[port])
        return graph


class PassThrough(Gate):
    """Passes its input on unchanged: where a wire enters or leaves a module instance."""

    name = "pass-through"
    symbol = "="

    def expressions(self, n_inputs, batch):
        return Expressions("{0}", ("1.0",))


_PASS = PassThrough()


def constant_name(gate: str, port: str) -> str:
    """The node name of the constant that drives ``port`` of ``gate`` (never a valid name)."""
    return f"{gate}:{port}"


def flatten(spec: CircuitSpec, errors: list[CircuitError]) -> Netlist:
    """The circuit as a flat :class:`Netlist`; gates whose type or sources are unknown are left out.

    A gate type that rejects its parameters adds its message to ``errors``.
    """
    flat = _Flattener(errors)
    for inp in spec.inputs.values():
        flat.nodes[inp.name] = Node(inp.name, "input", inp.pos, value=inp.default)
    flat.add_gates(spec, None)
    nodes = {name: _frozen(node, flat.sources) for name, node in flat.nodes.items()}
    return Netlist(spec.name, spec.path, nodes, list(spec.outputs), flat.instances, flat.wired)


def _frozen(node: Node, sources: dict[str, list[str]]) -> Node:
    wired = sources.get(node.name)
    if wired is None:
        return node
    return Node(node.name, node.kind, node.pos, node.instance, None, node.type, node.gate, node.params, node.ports, tuple(wired))


class _Flattener:
    """Collects the nodes and wires of a spec and of its module instances."""

    def __init__(self, errors: list[CircuitError]) -> None:
        self.errors = errors
        self.nodes: dict[str, Node] = {}
        self.sources: dict[str, list[str]] = {}  # gate -> its sources so far, in port order
        self.wired: list[str] = []  # gates, in the order their wires are made
        self.instances: dict[str, Instance] = {}

    def add_gates(self, spec: CircuitSpec, instance: str | None) -> None:
        """Add the gates of ``spec`` and their wires, inside ``instance`` (None: the top level)."""
        prefix = f"{instance}/" if instance else ""
        for gate in spec.gates.values():
            name = prefix + gate.name
            if gate.module is not None:
                self.add_instance(gate, name, instance)
            elif gate.cls is not None:
                gate_object = _instantiate(gate, self.errors)
                self.add_gate(Node(name, "gate", gate.pos, instance, None, gate.type, gate_object, gate.params, tuple(gate.ports)))
        for gate in spec.gates.values():
            if gate.cls is not None:
                self.add_wires(gate, prefix, instance)

    def add_gate(self, node: Node) -> None:
        self.nodes[node.name] = node
        self.sources[node.name] = []

    def add_instance(self, gate: GateSpec, name: str, instance: str | None) -> None:
        """The module's nodes under ``name/``, with pass-through gates at its inputs and outputs."""
        module = gate.module
        inner = module.spec
        self.instances[name] = Instance(name, module.name, inner.path, gate.pos, instance)
        for inp in inner.inputs.values():
            self.add_gate(Node(f"{name}/{inp.name}", "gate", inp.pos, name, None, MODULE_INPUT, _PASS, {}, ("x",)))
        self.add_gates(inner, name)
        for out, node in zip(inner.outputs, module.output_nodes(name)):
            self.add_gate(Node(node, "gate", gate.pos, name, None, MODULE_OUTPUT, _PASS, {}, ("x",)))
            self.wire(f"{name}/{out}", node)

    def add_wires(self, gate: GateSpec, prefix: str, instance: str | None) -> None:
        """Wire every port of ``gate``; a module instance's wires end at its input ports."""
        name = prefix + gate.name
        module = gate.module
        for port in gate.ports:
            target = f"{name}/{port}" if module else name
            src = gate.sources.get(port)
            if src is None:
                if module is None:
                    continue
                default = module.spec.inputs[port]  # unwired: the module input's default
                driver = constant_name(name, port)
                self.nodes[driver] = Node(driver, "const", default.pos, name, default.default)
            elif src.is_constant:
                driver = constant_name(name, port)
                self.nodes[driver] = Node(driver, "const", src.pos, instance, src.value)
            else:
                driver = prefix + src.node
                if driver not in self.nodes:
                    continue
            self.wire(driver, target)

    def wire(self, source: str, target: str) -> None:
        wired = self.sources[target]
        if not wired:
            self.wired.append(target)
        wired.append(source)


def _instantiate(gate: GateSpec, errors: list[CircuitError]):
    """The gate object, or None where its parameters were already reported or are rejected."""
    if not gate.params_ok:
        return None
    try:
        return gate.cls(gate.params)
    except Exception as exc:  # a gate type's own check of its parameters
        detail = exc.message if isinstance(exc, CircuitError) else str(exc)
        errors.append(CircuitError(f"gate {gate.name!r} ({gate.type}): {detail}", gate.pos))
        return None


def topological_order(netlist: Netlist) -> list[str] | None:
    """The nodes in topological order, or None if the circuit has a cycle.

    Kahn's algorithm a generation at a time, taking nodes and wires in the order the netlist
    made them: the order ``networkx.topological_sort`` gives on the graph.
    """
    successors: dict[str, list[str]] = {name: [] for name in netlist}
    waiting: dict[str, int] = {}  # node -> its sources not yet in the order
    for target in netlist.wired:
        sources = dict.fromkeys(netlist[target].sources)
        waiting[target] = len(sources)
        for source in sources:
            successors[source].append(target)
    order = [name for name in netlist if name not in waiting]
    done = 0
    while done < len(order):
        generation = order[done:]
        done = len(order)
        for name in generation:
            for child in successors[name]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    order.append(child)
    return order if len(order) == len(netlist) else None


def find_cycles(netlist: Netlist) -> list[CircuitError]:
    """One error per cycle, naming the gates on it at the top level (no recursion: any size).

    A cycle through a module instance names the instance, not the nodes inside it.
    """
    graph = netlist.to_graph()
    errors = []
    for component in nx.strongly_connected_components(graph):
        first = next(iter(component))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        cycle = _owners([u for u, _ in nx.find_cycle(graph.subgraph(component), source=first)])
        start = min(cycle, key=lambda n: _order(netlist.position(n)))
        i = cycle.index(start)
        cycle = cycle[i:] + cycle[:i]
        path = " -> ".join(cycle + [cycle[0]])
        errors.append(CircuitError(f"the circuit has a cycle: {path}; a circuit must be acyclic", netlist.position(start)))
    return errors


def _owners(cycle: list[str]) -> list[str]:
    """The top-level gate each node belongs to (``u`` for ``u/x``, ``u.hi``), runs merged."""
    owners: list[str] = []
    for node in cycle:
        owner = node.split("/", 1)[0].split(".", 1)[0]
        if not owners or owners[-1] != owner:
            owners.append(owner)
    if len(owners) > 1 and owners[0] == owners[-1]:
        owners.pop()
    return owners


def _order(pos: Position) -> tuple:
    return (pos.line or 0, pos.column or 0)
