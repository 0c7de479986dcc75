"""What a drawing shows, before any geometry: the :class:`Picture` of a circuit and a run
(operators, values and gradients on wires, fan-out junctions, module boxes; see
``docs/internals/drawing.md``, "What is drawn").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.draw.style import PALETTES, Palette
from circuitsim.netlist.flatten import MODULE_INPUT, MODULE_OUTPUT

if TYPE_CHECKING:
    from circuitsim.netlist.flatten import Netlist
    from circuitsim.run.circuit import Circuit, Result

__all__ = ["Group", "Node", "Picture", "Records", "Wire", "number", "picture", "shared_instance"]

# Constants folded into the operator: gate symbol -> ports where a constant may be folded.
FOLDABLE = {"+": "any", "*": "any", "-": "last", "/": "last"}


@dataclass
class Node:
    """Something drawn: an ``input`` or ``const`` name at the left of its wire, a ``gate``
    circle, a ``junction`` dot where a value fans out, an ``output`` name at the right; an
    ``instance`` box, with an ``inlet`` on its left edge for each port and an ``outlet`` on its
    right edge for each output (``label``: the port's name where it helps, else empty).

    ``owner`` is the circuit node it stands for (a junction: the node that fans out; a box: the
    instance); ``instance`` is the module instance it is drawn in (or on, for a box's pins).
    """

    id: str
    kind: str
    label: str
    owner: str
    title: str = ""
    instance: str | None = None


@dataclass
class Group:
    """An expanded module instance: a rectangle around its nodes, inside its ``parent``'s."""

    id: str
    label: str
    parent: str | None


@dataclass
class Wire:
    """A drawn wire between two drawn nodes and its label texts (``None``: no label).

    ``ports`` are the ports of the target it drives. ``origin`` is the circuit node whose value
    it carries and ``reader`` the circuit node that reads it (``None``: a trunk before a
    junction, or an output leaving the circuit), as the trace names them.
    """

    source: str
    target: str
    value: str | None
    grad: str | None
    ports: tuple[str, ...] = ()
    origin: str = ""
    reader: str | None = None


@dataclass
class Picture:
    """What a drawing shows, before any geometry; ``caption`` says what is left out or picked."""

    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    wires: list[Wire] = field(default_factory=list)
    caption: str = ""
    groups: dict[str, Group] = field(default_factory=dict)
    numbers: bool = False  # whether the wires carry a run's numbers
    highlight: frozenset[str] = frozenset()  # circuit nodes drawn on a marker (`circuitsim diff`)
    palette: Palette = PALETTES["default"]  # how values and gradients look


class Records(dict):
    """A netlist's node records by name, each made once (a netlist makes a record each time it
    is asked), with the netlist's ``outputs``, ``instances``, ``names`` and ``wired``."""

    def __init__(self, nodes: Netlist) -> None:
        super().__init__(nodes.items())
        self.outputs, self.instances, self.names, self.wired = nodes.outputs, nodes.instances, nodes.names, nodes.wired


def picture(
    circuit: Circuit,
    result: Result | None = None,
    *,
    precision: int = 2,
    sample: int = 0,
    expand: bool = False,
    only: Collection[str] | None = None,
) -> Picture:
    """The nodes and wires of ``circuit``, labelled with ``result``'s numbers if given.

    For a batch result the labels show sample number ``sample``. A module instance is one box
    unless ``expand``, which draws its gates inside a :class:`Group` instead. ``only`` (graph
    node names) draws just those nodes and the wires between them.
    """
    nodes = Records(circuit.nodes)
    numbers = None
    if result is not None:
        if result.batch is not None and not 0 <= sample < result.batch:
            raise IndexError(f"sample {sample} is out of range: the batch has {result.batch} samples (0 to {result.batch - 1})")
        numbers = _Numbers(circuit, result, precision, sample, nodes)
    keep = nodes if only is None else set(only)
    folded = _folded_constants(nodes)
    pins = {} if expand else _pins(nodes)
    pic = Picture(circuit.name, numbers=numbers is not None)
    if result is not None and result.batch is not None:
        pic.caption = f"sample {sample} of {result.batch}"
    if expand:
        pic.groups = {u: Group(u, _instance_label(info), info.instance) for u, info in nodes.instances.items()}
    for name, record in nodes.items():
        instance = record.instance
        if name in folded or name not in keep:
            continue
        if expand or instance is None:
            pic.nodes[name] = _node(record, folded, nodes)
        elif instance in pins and f"{instance}@instance" not in pic.nodes:
            box = _box(nodes, instance, [p for p in pins[instance] if p in keep])
            pic.nodes.update((n.id, n) for n in box)
    if only is not None:  # what feeds the window from outside: its names at the left
        for name in [n for n, node in pic.nodes.items() if node.kind in ("gate", "inlet")]:
            for source in nodes[name].sources:
                if source not in pic.nodes and source not in folded:
                    pic.nodes[source] = _stub(nodes[source], expand)
    outputs = [name for name in nodes.outputs if name in pic.nodes]
    for name in outputs:
        pic.nodes[f"{name}@output"] = Node(f"{name}@output", "output", name, name, f"output {name}")
    uses = _uses(nodes, pic.nodes)
    for name in [n for n in nodes if n in pic.nodes]:
        wires = uses.get(name, [])
        if name in outputs:
            wires.append((f"{name}@output", ()))
        pic.wires += _wires_from(pic, name, wires, numbers)
    return pic


def _uses(nodes: Netlist, drawn: Collection[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Node -> the drawn gates that read it and the ports it drives on each, in wiring order."""
    uses: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for gate in map(nodes.names.__getitem__, nodes.wired):  # wired: node numbers
        if gate not in drawn:
            continue
        record = nodes[gate]
        for port, source in zip(record.ports, record.sources):
            uses[source].setdefault(gate, []).append(port)
    return {source: [(gate, tuple(ports)) for gate, ports in reads.items()] for source, reads in uses.items()}


def _node(record, folded: dict, nodes: Netlist) -> Node:
    name, kind, instance = record.name, record.kind, record.instance
    if kind == "const":
        return Node(name, kind, _constant(record.value), name, f"constant {_constant(record.value)}", instance)
    if kind == "input":
        return Node(name, kind, name, name, f"input {name}", instance)
    symbol = getattr(record.gate, "symbol", None) or record.type
    for const in record.sources:
        if folded.get(const) == name:
            symbol = _fold(symbol, nodes[const].value)
    return Node(name, kind, symbol, name, f"{name} ({record.type})", instance)


def _stub(record, expand: bool) -> Node:
    """A node outside a window that feeds it: drawn as an input is, by its name (or value)."""
    instance = record.instance if expand else None
    if record.kind == "const":
        return Node(record.name, "const", _constant(record.value), record.name, f"constant {_constant(record.value)}", instance)
    return Node(record.name, "input", record.name, record.name, f"{record.name} (outside this picture)", instance)


def _instance_label(info) -> str:
    return f"{info.name}: {info.module}"


def _pins(nodes: Netlist) -> dict[str, list[str]]:
    """Each top-level instance -> the pass-through gates at its boundary, in netlist order."""
    pins: dict[str, list[str]] = {u: [] for u, info in nodes.instances.items() if info.instance is None}
    for name, record in nodes.items():
        if record.type in (MODULE_INPUT, MODULE_OUTPUT) and record.instance in pins:
            pins[record.instance].append(name)
    return pins


def _box(nodes: Netlist, instance: str, pins: list[str]) -> list[Node]:
    """A collapsed instance: its box, an inlet per port and an outlet per output.

    Ports are named on a side with more than one of them; a port left unwired shows the
    default it takes (``b=0``), since no wire brings it a value.
    """
    info = nodes.instances[instance]
    box = Node(f"{instance}@instance", "instance", _instance_label(info), instance,
               f"instance {instance} of module {info.module}", instance)
    inlets = [p for p in pins if nodes[p].type == MODULE_INPUT]
    outlets = [p for p in pins if nodes[p].type == MODULE_OUTPUT]
    result = [box]
    for name in inlets:
        port = name[len(instance) + 1 :]
        driver = nodes[nodes[name].sources[0]]
        label = port if len(inlets) > 1 else ""
        if driver.instance == instance:  # the module input's default
            label = f"{port}={_constant(driver.value)}"
        result.append(Node(name, "inlet", label, name, f"{name} ({MODULE_INPUT})", instance))
    for name in outlets:
        inner = nodes[name].sources[0][len(instance) + 1 :]
        label = inner if len(outlets) > 1 else ""
        result.append(Node(name, "outlet", label, name, f"{name} ({MODULE_OUTPUT})", instance))
    return result


def _folded_constants(nodes: Netlist) -> dict[str, str]:
    """Constant node -> the gate whose label takes it in (``+1`` rather than a wire from 1)."""
    folded = {}
    for name, record in nodes.items():
        if record.kind != "gate":
            continue
        sources = record.sources
        consts = [i for i, s in enumerate(sources) if nodes[s].kind == "const"]
        where = FOLDABLE.get(getattr(record.gate, "symbol", None))
        if len(consts) != 1 or len(sources) < 2 or where is None:
            continue
        if where == "any" or consts[0] == len(sources) - 1:
            folded[sources[consts[0]]] = name
    return folded


def _fold(symbol: str, value: float) -> str:
    if value < 0 and symbol in "+-":
        symbol = "-" if symbol == "+" else "+"
        value = -value
    return f"{symbol}{_constant(value)}"


class _Numbers:
    """The label texts of one run: values, gradients and the parts of fanned-out gradients.

    The parts are the contributions of the run's backward messages; a result that was not
    traced is run again, traced, on the one sample drawn.
    """

    def __init__(self, circuit: Circuit, result: Result, precision: int, sample: int, nodes: Records) -> None:
        self.precision = precision
        batch = result.batch is not None
        self.values = {n: _pick(v, sample, batch) for n, v in result.values.items()}
        constants = [n for n, record in nodes.items() if record.kind == "const"]
        self.values.update((n, nodes[n].value) for n in constants)
        self.grads = {n: _pick(v, sample, batch) for n, v in result.grads.items()}
        self.contributions: dict[tuple[str, str], float] = defaultdict(float)  # (node, gate) -> part
        if result.grads:
            constants = set(constants)
            for m in _backward_messages(circuit, result, sample):
                part = _pick(m.contribution, sample, batch)
                self.contributions[m.target, m.source] += part
                if m.target in constants:  # a constant's gradient: what came back along its wire
                    self.grads[m.target] = self.grads.get(m.target, 0.0) + part

    def value(self, name: str) -> str:
        return number(self.values[name], self.precision)

    def grad(self, name: str) -> str | None:
        return number(self.grads[name], self.precision) if name in self.grads else None

    def parts(self, name: str, uses: list) -> list[str | None]:
        """The gradient along each branch; an output's own branch carries the rest (its seed)."""
        if name not in self.grads:
            return [None] * len(uses)
        parts = [self.contributions.get((name, t), 0.0) if ports else None for t, ports in uses]
        rest = self.grads[name] - sum(p for p in parts if p is not None)
        return [number(rest if p is None else p, self.precision) for p in parts]


def _backward_messages(circuit: Circuit, result: Result, sample: int) -> list:
    """The backward messages of ``result``'s run: its own trace, or those of a traced re-run."""
    from circuitsim.plan.trace import BackwardMessage

    trace = result.trace
    if trace is None:
        batch = result.batch is not None
        inputs = {name: _pick(result.values[name], sample, batch) for name in circuit.inputs}
        seed = None if result.seed is None else {n: _pick(v, sample, batch) for n, v in result.seed.items()}
        trace = circuit.run(inputs, seed=seed, nan="ignore", trace=True).trace
    return [m for m in trace if isinstance(m, BackwardMessage) and m.source is not None]  # not the seeds


def _pick(value: Any, sample: int, batch: bool) -> float:
    if batch and np.ndim(value):
        return float(np.asarray(value)[sample])
    return float(value)


def _wires_from(pic: Picture, name: str, uses: list, numbers: _Numbers | None) -> list[Wire]:
    value = numbers.value(name) if numbers else None
    grad = numbers.grad(name) if numbers else None
    if len(uses) == 1:
        target, ports = uses[0]
        return [Wire(name, target, value, grad, ports, name, _reader(pic, target))]
    if not uses:
        return []
    junction = f"{name}@junction"
    inside = pic.nodes[name].instance if pic.groups else None  # drawn in the group all its ends share
    for target, _ in uses:
        inside = shared_instance(inside, pic.nodes[target].instance)
    pic.nodes[junction] = Node(junction, "junction", "", name, f"{name} fans out", inside)
    parts = numbers.parts(name, uses) if numbers else [None] * len(uses)
    return [Wire(name, junction, value, grad, (), name)] + [
        Wire(junction, target, None, part, ports, name, _reader(pic, target))
        for (target, ports), part in zip(uses, parts)
    ]


def _reader(pic: Picture, target: str) -> str | None:
    node = pic.nodes[target]
    return None if node.kind == "output" else node.owner


def shared_instance(a: str | None, b: str | None) -> str | None:
    """The innermost instance that holds both ``a`` and ``b`` (``None``: the top level)."""
    if a is None or b is None:
        return None
    shared = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        shared.append(x)
    return "/".join(shared) or None


def number(x: float, precision: int) -> str:
    """``x`` rounded to ``precision`` decimals; tiny and huge numbers in exponent form."""
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0 or 10.0**-precision <= abs(x) < 1e6:
        text = f"{x:.{precision}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"
    return f"{x:.{max(precision, 1)}g}"


def _constant(x: float) -> str:
    return f"{x:g}"
