"""Flatten a validated :class:`~circuitsim.read.spec.CircuitSpec` into a
:class:`~circuitsim.netlist.nodes.Netlist`: module instances expanded, with pass-through gates
at their boundaries (see ``docs/internals/reading.md``, "The netlist").
"""

from __future__ import annotations

from circuitsim.errors import CircuitError, Position
from circuitsim.gate.base import Expressions, Gate
from circuitsim.netlist.nodes import CONST, GATE, INPUT, Instance, Netlist
from circuitsim.netlist.order import topological_order
from circuitsim.read.spec import CircuitSpec, GateSpec

__all__ = ["MODULE_INPUT", "MODULE_OUTPUT", "PassThrough", "constant_name", "find_cycles", "flatten", "topological_order"]

MODULE_INPUT = "module input"
MODULE_OUTPUT = "module output"


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
    """The circuit as a flat :class:`~circuitsim.netlist.nodes.Netlist`; gates whose type or sources
    are unknown are left out. A gate type that rejects its parameters adds its message to ``errors``.
    """
    netlist = Netlist(spec.name, spec.path, spec.outputs, {})
    for inp in spec.inputs.values():
        netlist.add(inp.name, INPUT, *_numbers(inp.pos), file=netlist.file_id(inp.pos.path), value=inp.default)  # a Builder's: its call site
    _Flattener(netlist, errors).add_gates(spec, None)
    return netlist


def _numbers(pos: Position) -> tuple[int, int]:
    return pos.line or 0, pos.column or 0


class _Flattener:
    """Adds the nodes and wires of a spec and of its module instances to a netlist."""

    def __init__(self, netlist: Netlist, errors: list[CircuitError]) -> None:
        self.netlist = netlist
        self.errors = errors

    def add_gates(self, spec: CircuitSpec, instance: str | None) -> None:
        """Add the gates of ``spec`` and their wires, inside ``instance`` (None: the top level)."""
        prefix = f"{instance}/" if instance else ""
        for gate in spec.gates.values():
            name = prefix + gate.name
            if gate.module is not None:
                self.add_instance(gate, name, instance)
            elif gate.cls is not None:
                self.add_gate(name, gate.pos, gate.type, _instantiate(gate, self.errors), gate.params, tuple(gate.ports), instance)
        for gate in spec.gates.values():
            if gate.cls is not None:
                self.add_wires(gate, prefix, instance)

    def add_gate(self, name: str, pos: Position, type_: str, gate, params, ports, instance) -> int:
        netlist = self.netlist
        file = netlist.file_id(pos.path)
        return netlist.add(name, GATE, *_numbers(pos), file=file, type=type_, gate=gate, params=params, ports=ports, instance=instance)

    def add_instance(self, gate: GateSpec, name: str, instance: str | None) -> None:
        """The module's nodes under ``name/``, with pass-through gates at its inputs and outputs."""
        module = gate.module
        inner = module.spec
        netlist = self.netlist
        netlist.instances[name] = Instance(name, module.name, inner.path, gate.pos, instance)
        for inp in inner.inputs.values():
            self.add_gate(f"{name}/{inp.name}", inp.pos, MODULE_INPUT, _PASS, {}, ("x",), name)
        self.add_gates(inner, name)
        for out, node in zip(inner.outputs, module.output_nodes(name)):
            i = self.add_gate(node, gate.pos, MODULE_OUTPUT, _PASS, {}, ("x",), name)
            netlist.wire(i, (netlist.index[f"{name}/{out}"],))

    def add_wires(self, gate: GateSpec, prefix: str, instance: str | None) -> None:
        """Wire every port of ``gate``; a module instance's wires end at its input ports."""
        netlist = self.netlist
        name = prefix + gate.name
        module = gate.module
        sources = []
        for port in gate.ports:
            src = gate.sources.get(port)
            if src is None:
                if module is None:
                    continue
                default = module.spec.inputs[port]  # unwired: the module input's default
                driver = self.constant(constant_name(name, port), default.pos, default.default, name)
            elif src.is_constant:
                driver = self.constant(constant_name(name, port), src.pos, src.value, instance)
            else:
                driver = netlist.index.get(prefix + src.node)
                if driver is None:
                    continue
            if module:
                netlist.wire(netlist.index[f"{name}/{port}"], (driver,))
            else:
                sources.append(driver)
        if module is None and sources:
            netlist.wire(netlist.index[name], tuple(sources))

    def constant(self, name: str, pos: Position, value: float, instance: str | None) -> int:
        netlist = self.netlist
        return netlist.add(name, CONST, *_numbers(pos), file=netlist.file_id(pos.path), value=value, instance=instance)


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


def find_cycles(netlist: Netlist) -> list[CircuitError]:
    """One error per cycle, naming the gates on it at the top level (no recursion: any size).

    A cycle through a module instance names the instance, not the nodes inside it.
    """
    import networkx as nx  # only a file with a cycle needs it

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
