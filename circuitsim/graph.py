"""Turn a validated :class:`~circuitsim.spec.CircuitSpec` into a ``networkx.DiGraph``.

Nodes are the circuit's inputs, its numeric constants and its gates; each carries ``kind``
(``"input"``, ``"const"`` or ``"gate"``), its file position ``pos`` and ``instance``: the module
instance it belongs to (``None`` at the top level). A gate node also carries ``type``,
``params``, ``gate`` (the gate instance), ``ports`` and ``sources`` (the node driving each
port, in port order). Edges are wires and carry ``ports``: every port of the target that the
source drives, so that ``add [a, a]`` keeps both of its wires although a DiGraph has one edge
per pair of nodes.

The graph is flat: an instance ``u`` of a module is the module's own nodes under the names
``u/name`` (nested: ``u/v/name``), with ``instance="u"``. Where a wire crosses the instance's
boundary stands a pass-through gate, so that values and gradients can be read there:
``u/x`` (type ``"module input"``) is the module's input ``x`` as seen inside, driven by what
the parent wires to port ``x`` or by the input's default; ``u`` (or ``u.lo``, ``u.hi`` for a
module with several outputs; type ``"module output"``) is what the parent reads.
``graph.graph["instances"]`` maps each instance to its ``module`` name, module file ``path``,
the ``pos`` of the gate in the including file and the ``instance`` it sits in.
"""

from __future__ import annotations

import networkx as nx

from .errors import CircuitError, Position
from .gate import Expressions, Gate
from .spec import CircuitSpec, GateSpec

__all__ = ["MODULE_INPUT", "MODULE_OUTPUT", "Port", "build_graph", "constant_name", "find_cycles"]

MODULE_INPUT = "module input"
MODULE_OUTPUT = "module output"


class Port(Gate):
    """Passes its input on unchanged: where a wire enters or leaves a module instance."""

    name = "port"
    symbol = "="

    def forward(self, x):
        return x

    def local_grads(self, inputs, output):
        return (1.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("{0}", ("1.0",))


_PORT = Port()


def constant_name(gate: str, port: str) -> str:
    """The node name of the constant that drives ``port`` of ``gate`` (never a valid name)."""
    return f"{gate}:{port}"


def build_graph(spec: CircuitSpec, errors: list[CircuitError]) -> nx.DiGraph:
    """The circuit as a flat DiGraph; gates whose type or sources are unknown are left out.

    A gate type that rejects its parameters adds its message to ``errors``.
    """
    graph = nx.DiGraph(name=spec.name, path=spec.path, outputs=list(spec.outputs), instances={})
    for inp in spec.inputs.values():
        graph.add_node(inp.name, kind="input", default=inp.default, pos=inp.pos, instance=None)
    _add_gates(graph, spec, None, errors)
    return graph


def _add_gates(graph: nx.DiGraph, spec: CircuitSpec, instance: str | None, errors: list[CircuitError]) -> None:
    """Add the gates of ``spec`` and their wires, inside ``instance`` (None: the top level)."""
    prefix = f"{instance}/" if instance else ""
    for gate in spec.gates.values():
        name = prefix + gate.name
        if gate.module is not None:
            _add_instance(graph, gate, name, instance, errors)
        elif gate.cls is not None:
            graph.add_node(
                name,
                kind="gate",
                type=gate.type,
                params=gate.params,
                gate=_instantiate(gate, errors),
                ports=list(gate.ports),
                sources=[],
                pos=gate.pos,
                instance=instance,
            )
    for gate in spec.gates.values():
        if gate.cls is not None:
            _add_wires(graph, gate, prefix, instance)


def _add_instance(graph: nx.DiGraph, gate: GateSpec, name: str, instance: str | None, errors) -> None:
    """The module's nodes under ``name/``, with pass-through gates at its inputs and outputs."""
    module = gate.module
    inner = module.spec
    graph.graph["instances"][name] = {"module": module.name, "path": inner.path, "pos": gate.pos, "instance": instance}
    for inp in inner.inputs.values():
        _add_port(graph, f"{name}/{inp.name}", MODULE_INPUT, inp.pos, name)
    _add_gates(graph, inner, name, errors)
    for out, node in zip(inner.outputs, module.output_nodes(name)):
        _add_port(graph, node, MODULE_OUTPUT, gate.pos, name)
        _wire(graph, f"{name}/{out}", node, "x")


def _add_port(graph: nx.DiGraph, name: str, type_: str, pos: Position, instance: str) -> None:
    graph.add_node(
        name, kind="gate", type=type_, params={}, gate=_PORT, ports=["x"], sources=[], pos=pos, instance=instance
    )


def _add_wires(graph: nx.DiGraph, gate: GateSpec, prefix: str, instance: str | None) -> None:
    """Wire every port of ``gate``; a module instance's wires end at its input ports."""
    name = prefix + gate.name
    module = gate.module
    for port in gate.ports:
        target, target_port = (f"{name}/{port}", "x") if module else (name, port)
        src = gate.sources.get(port)
        if src is None:
            if module is None:
                continue
            default = module.spec.inputs[port]  # unwired: the module input's default
            driver = constant_name(name, port)
            graph.add_node(driver, kind="const", value=default.default, pos=default.pos, instance=name)
        elif src.is_constant:
            driver = constant_name(name, port)
            graph.add_node(driver, kind="const", value=src.value, pos=src.pos, instance=instance)
        else:
            driver = prefix + src.node
            if driver not in graph:
                continue
        _wire(graph, driver, target, target_port)


def _wire(graph: nx.DiGraph, source: str, target: str, port: str) -> None:
    graph.nodes[target]["sources"].append(source)
    if graph.has_edge(source, target):
        graph.edges[source, target]["ports"].append(port)
    else:
        graph.add_edge(source, target, ports=[port])


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


def find_cycles(graph: nx.DiGraph) -> list[CircuitError]:
    """One error per cycle, naming the gates on it at the top level (no recursion: any size).

    A cycle through a module instance names the instance, not the nodes inside it.
    """
    errors = []
    for component in nx.strongly_connected_components(graph):
        first = next(iter(component))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        cycle = _owners([u for u, _ in nx.find_cycle(graph.subgraph(component), source=first)])
        start = min(cycle, key=lambda n: _order(_position(graph, n)))
        i = cycle.index(start)
        cycle = cycle[i:] + cycle[:i]
        path = " -> ".join(cycle + [cycle[0]])
        errors.append(CircuitError(f"the circuit has a cycle: {path}; a circuit must be acyclic", _position(graph, start)))
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


def _position(graph: nx.DiGraph, name: str) -> Position:
    instance = graph.graph["instances"].get(name)
    return instance["pos"] if instance else graph.nodes[name]["pos"]


def _order(pos: Position) -> tuple:
    return (pos.line or 0, pos.column or 0)
