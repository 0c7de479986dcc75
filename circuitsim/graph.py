"""Turn a validated :class:`~circuitsim.spec.CircuitSpec` into a ``networkx.DiGraph``.

Nodes are the circuit's inputs, its numeric constants and its gates; each carries ``kind``
(``"input"``, ``"const"`` or ``"gate"``) and its file position ``pos``. A gate node also
carries ``type``, ``params``, ``gate`` (the gate instance), ``ports`` and ``sources`` (the
node driving each port, in port order). Edges are wires and carry ``ports``: every port of the
target that the source drives, so that ``add [a, a]`` keeps both of its wires although a
DiGraph has one edge per pair of nodes.
"""

from __future__ import annotations

import networkx as nx

from .errors import CircuitError
from .spec import CircuitSpec, GateSpec

__all__ = ["build_graph", "constant_name", "find_cycles"]


def constant_name(gate: str, port: str) -> str:
    """The node name of the constant that drives ``port`` of ``gate`` (never a valid name)."""
    return f"{gate}:{port}"


def build_graph(spec: CircuitSpec, errors: list[CircuitError]) -> nx.DiGraph:
    """The circuit as a DiGraph; gates whose type or sources are unknown are left out.

    A gate type that rejects its parameters adds its message to ``errors``.
    """
    graph = nx.DiGraph(name=spec.name, path=spec.path, outputs=list(spec.outputs))
    for inp in spec.inputs.values():
        graph.add_node(inp.name, kind="input", default=inp.default, pos=inp.pos)
    for gate in spec.gates.values():
        if gate.cls is None:
            continue
        graph.add_node(
            gate.name,
            kind="gate",
            type=gate.type,
            params=gate.params,
            gate=_instantiate(gate, errors),
            ports=list(gate.ports),
            sources=[],
            pos=gate.pos,
        )
    for gate in spec.gates.values():
        if gate.name not in graph:
            continue
        sources = graph.nodes[gate.name]["sources"]
        for port in gate.ports:
            src = gate.sources.get(port)
            if src is None:
                continue
            if src.is_constant:
                name = constant_name(gate.name, port)
                graph.add_node(name, kind="const", value=src.value, pos=src.pos)
            elif src.name in graph:
                name = src.name
            else:
                continue
            sources.append(name)
            if graph.has_edge(name, gate.name):
                graph.edges[name, gate.name]["ports"].append(port)
            else:
                graph.add_edge(name, gate.name, ports=[port])
    return graph


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
    """One error per cycle of gates, naming the gates on it (no recursion: any size)."""
    errors = []
    for component in nx.strongly_connected_components(graph):
        first = next(iter(component))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), source=first)]
        start = min(cycle, key=lambda n: _order(graph, n))
        i = cycle.index(start)
        cycle = cycle[i:] + cycle[:i]
        path = " -> ".join(cycle + [cycle[0]])
        errors.append(CircuitError(f"the circuit has a cycle: {path}; a circuit must be acyclic", graph.nodes[start]["pos"]))
    return errors


def _order(graph: nx.DiGraph, node: str) -> tuple:
    pos = graph.nodes[node]["pos"]
    return (pos.line or 0, pos.column or 0)
