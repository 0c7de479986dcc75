"""Draw a circuit as the notes do: left to right, gates as circles, numbers on the wires.

Inputs are named at the left; each gate is a circle with its operator (the gate instance's
``symbol``, with a constant folded in where that reads better: ``+1``, ``*-1``, ``/2``); each
wire carries its forward value above it in green and its gradient below it in red. Where a
node's value fans out to several gates, its wire runs to a dot: before the dot are the value and
the node's whole gradient, after it each branch shows the part of the gradient that came back
along it, so the parts visibly add up to the whole.

A module instance is drawn as one box, labelled ``name: module``, that wires enter at its ports
and leave at its outputs; the numbers on them are those of the pass-through gates at the
instance's boundary. Expanded (``expand=True``), the instance's own gates are drawn instead,
inside a lightly shaded rectangle labelled the same way, nested as the instances are.

:func:`picture` decides what is drawn (nodes, wires, label texts); :func:`to_svg` lays it out
(:mod:`circuitsim.layout`), places the labels where they overlap nothing and writes a standalone
SVG; :func:`to_dot` writes the same picture as Graphviz DOT.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
import numpy as np

from .graph import MODULE_INPUT, MODULE_OUTPUT
from .layout import layered_layout

if TYPE_CHECKING:
    from .circuit import Circuit, Result

__all__ = ["GRAD_COLOUR", "VALUE_COLOUR", "Group", "Node", "Picture", "Wire", "picture", "to_dot", "to_svg"]

VALUE_COLOUR = "#1a8f1a"  # green: forward values, above the wires
GRAD_COLOUR = "#d62728"  # red: gradients, below the wires
INK = "#333333"
FAINT = "#888888"
SHADE = "#f3f6fa"  # the inside of an expanded instance
EDGE = "#b4c0d3"  # its border

FONT = 13  # label font size, px
NAME_FONT = 10
CHAR = 0.6  # average character width, in font sizes
ASCENT = 0.72  # height of digits above the baseline, in font sizes
GAP = 3  # between a wire and its labels
RADIUS = 18  # smallest gate circle
LAYER_GAP = 160
TRUNK = 56  # from a fanned-out node to its junction dot
FAN_GAP = 70  # extra room after a layer where wires fan out
MARGIN = 12
CLEAR = 7  # room kept around a label
PLACES = (0.5, 0.44, 0.56, 0.38, 0.62, 0.32, 0.68, 0.26, 0.74, 0.2, 0.8, 0.14, 0.86)  # along a wire
BRANCH_PLACES = tuple(sorted(PLACES, key=lambda t: abs(t - 0.7)))
PIN_GAP = 2 * (FONT + GAP) + 16  # between the ports of an instance box: a wire and its labels each
BOX_TITLE = FONT + 14  # room for an instance box's name above its ports
GROUP_PAD = 10  # around the gates of an expanded instance
GROUP_TITLE = NAME_FONT + 8  # room for its name

# Constants folded into the operator: gate symbol -> ports where a constant may be folded.
FOLDABLE = {"+": "any", "*": "any", "-": "last", "/": "last"}


@dataclass
class Node:
    """Something drawn: an ``input`` or ``const`` name at the left of its wire, a ``gate``
    circle, a ``junction`` dot where a value fans out, an ``output`` name at the right; an
    ``instance`` box, with an ``inlet`` on its left edge for each port and an ``outlet`` on its
    right edge for each output (``label``: the port's name where it helps, else empty)."""

    id: str
    kind: str
    label: str
    owner: str  # the circuit node it belongs to
    title: str = ""
    instance: str | None = None  # the module instance it is drawn in (or on, for a box's pins)


@dataclass
class Group:
    """An expanded module instance: a rectangle around its nodes, inside its ``parent``'s."""

    id: str
    label: str
    parent: str | None


@dataclass
class Wire:
    """A drawn wire and its label texts (``None``: no label); ``ports`` of the target it drives."""

    source: str
    target: str
    value: str | None
    grad: str | None
    ports: tuple[str, ...] = ()


@dataclass
class Picture:
    """What a drawing shows, before any geometry."""

    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    wires: list[Wire] = field(default_factory=list)
    caption: str = ""
    groups: dict[str, Group] = field(default_factory=dict)


# -- what is drawn -------------------------------------------------------------------------


def picture(
    circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0, expand: bool = False
) -> Picture:
    """The nodes and wires of ``circuit``, labelled with ``result``'s numbers if given.

    For a batch result the labels show sample number ``sample``. A module instance is one box
    unless ``expand``, which draws its gates inside a :class:`Group` instead.
    """
    graph = circuit.graph
    numbers = _Numbers(circuit, result, precision, sample) if result is not None else None
    folded = _folded_constants(graph)
    instances = graph.graph["instances"]
    pins = {} if expand else _pins(graph)
    pic = Picture(circuit.name)
    if result is not None and result.batch is not None:
        pic.caption = f"sample {sample} of {result.batch}"
    if expand:
        pic.groups = {u: Group(u, _instance_label(u, info), info["instance"]) for u, info in instances.items()}
    for name, data in graph.nodes(data=True):
        instance = data["instance"]
        if name in folded:
            continue
        if expand or instance is None:
            pic.nodes[name] = _node(name, data, folded, graph)
        elif instance in pins and f"{instance}@instance" not in pic.nodes:
            pic.nodes.update((n.id, n) for n in _box(graph, instance, pins[instance]))
    outputs = graph.graph["outputs"]
    for name in outputs:
        pic.nodes[f"{name}@output"] = Node(f"{name}@output", "output", name, name, f"output {name}")
    for name in [n for n in graph if n in pic.nodes]:
        uses = [(t, tuple(graph.edges[name, t]["ports"])) for t in graph.successors(name) if t in pic.nodes]
        if name in outputs:
            uses.append((f"{name}@output", ()))
        pic.wires += _wires_from(pic, name, uses, numbers)
    return pic


def _node(name: str, data: dict, folded: dict, graph: nx.DiGraph) -> Node:
    kind, instance = data["kind"], data["instance"]
    if kind == "const":
        return Node(name, kind, _constant(data["value"]), name, f"constant {_constant(data['value'])}", instance)
    if kind == "input":
        return Node(name, kind, name, name, f"input {name}", instance)
    gate = data["gate"]
    symbol = getattr(gate, "symbol", None) or data["type"]
    for const in data["sources"]:
        if folded.get(const) == name:
            symbol = _fold(symbol, graph.nodes[const]["value"])
    return Node(name, kind, symbol, name, f"{name} ({data['type']})", instance)


def _instance_label(name: str, info: dict) -> str:
    return f"{name}: {info['module']}"


def _pins(graph: nx.DiGraph) -> dict[str, list[str]]:
    """Each top-level instance -> the pass-through gates at its boundary, in graph order."""
    instances = graph.graph["instances"]
    pins: dict[str, list[str]] = {u: [] for u, info in instances.items() if info["instance"] is None}
    for name, data in graph.nodes(data=True):
        if data.get("type") in (MODULE_INPUT, MODULE_OUTPUT) and data["instance"] in pins:
            pins[data["instance"]].append(name)
    return pins


def _box(graph: nx.DiGraph, instance: str, pins: list[str]) -> list[Node]:
    """A collapsed instance: its box, an inlet per port and an outlet per output.

    Ports are named on a side with more than one of them; a port left unwired shows the
    default it takes (``b=0``), since no wire brings it a value.
    """
    info = graph.graph["instances"][instance]
    box = Node(f"{instance}@instance", "instance", _instance_label(instance, info), instance,
               f"instance {instance} of module {info['module']}", instance)
    inlets = [p for p in pins if graph.nodes[p]["type"] == MODULE_INPUT]
    outlets = [p for p in pins if graph.nodes[p]["type"] == MODULE_OUTPUT]
    nodes = [box]
    for name in inlets:
        port = name[len(instance) + 1 :]
        driver = graph.nodes[graph.nodes[name]["sources"][0]]
        label = port if len(inlets) > 1 else ""
        if driver["instance"] == instance:  # the module input's default
            label = f"{port}={_constant(driver['value'])}"
        nodes.append(Node(name, "inlet", label, name, f"{name} ({MODULE_INPUT})", instance))
    for name in outlets:
        inner = graph.nodes[name]["sources"][0][len(instance) + 1 :]
        label = inner if len(outlets) > 1 else ""
        nodes.append(Node(name, "outlet", label, name, f"{name} ({MODULE_OUTPUT})", instance))
    return nodes


def _folded_constants(graph: nx.DiGraph) -> dict[str, str]:
    """Constant node -> the gate whose label takes it in (``+1`` rather than a wire from 1)."""
    folded = {}
    for name, data in graph.nodes(data=True):
        if data["kind"] != "gate":
            continue
        sources = data["sources"]
        consts = [i for i, s in enumerate(sources) if graph.nodes[s]["kind"] == "const"]
        where = FOLDABLE.get(getattr(data["gate"], "symbol", None))
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
    """The label texts of one run: values, gradients and the parts of fanned-out gradients."""

    def __init__(self, circuit: Circuit, result: Result, precision: int, sample: int) -> None:
        self.graph = circuit.graph
        self.precision = precision
        pick = (lambda v: float(np.asarray(v)[sample])) if result.batch is not None else float
        self.values = {n: pick(v) for n, v in result.values.items()}
        self.values.update((n, d["value"]) for n, d in self.graph.nodes(data=True) if d["kind"] == "const")
        self.grads = {n: pick(v) for n, v in result.grads.items()}

    def value(self, name: str) -> str:
        return _number(self.values[name], self.precision)

    def grad(self, name: str) -> str | None:
        return _number(self.grads[name], self.precision) if name in self.grads else None

    def part(self, name: str, gate: str) -> float:
        """What came back from ``gate`` to ``name``: upstream times local gradient, all its ports."""
        node = self.graph.nodes[gate]
        sources = node["sources"]
        local = node["gate"].local_grads([self.values[s] for s in sources], self.values[gate])
        return sum(self.grads[gate] * lg for s, lg in zip(sources, local) if s == name)

    def parts(self, name: str, uses: list) -> list[str | None]:
        """The gradient along each branch; an output's own branch carries the rest (its seed)."""
        if name not in self.grads:
            return [None] * len(uses)
        parts = [self.part(name, t) if ports else None for t, ports in uses]
        rest = self.grads[name] - sum(p for p in parts if p is not None)
        return [_number(rest if p is None else p, self.precision) for p in parts]


def _wires_from(pic: Picture, name: str, uses: list, numbers: _Numbers | None) -> list[Wire]:
    value = numbers.value(name) if numbers else None
    grad = numbers.grad(name) if numbers else None
    if len(uses) == 1:
        target, ports = uses[0]
        return [Wire(name, target, value, _or_port_grad(grad, pic, target, numbers), ports)]
    if not uses:
        return []
    junction = f"{name}@junction"
    inside = pic.nodes[name].instance if pic.groups else None  # drawn in the group all its ends share
    for target, _ in uses:
        inside = _shared_instance(inside, pic.nodes[target].instance)
    pic.nodes[junction] = Node(junction, "junction", "", name, f"{name} fans out", inside)
    parts = numbers.parts(name, uses) if numbers else [None] * len(uses)
    return [Wire(name, junction, value, grad)] + [
        Wire(junction, target, None, _or_port_grad(part, pic, target, numbers), ports)
        for (target, ports), part in zip(uses, parts)
    ]


def _or_port_grad(grad: str | None, pic: Picture, target: str, numbers: _Numbers | None) -> str | None:
    """A constant has no gradient, but the instance port it drives has: its wire shows that."""
    if grad is None and numbers and pic.nodes[target].kind == "inlet":
        return numbers.grad(target)
    return grad


def _shared_instance(a: str | None, b: str | None) -> str | None:
    """The innermost instance that holds both ``a`` and ``b`` (``None``: the top level)."""
    if a is None or b is None:
        return None
    shared = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        shared.append(x)
    return "/".join(shared) or None


def _number(x: float, precision: int) -> str:
    """``x`` rounded to ``precision`` decimals; tiny and huge numbers in exponent form."""
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0 or 10.0**-precision <= abs(x) < 1e6:
        text = f"{x:.{precision}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"
    return f"{x:.{max(precision, 1)}g}"


def _constant(x: float) -> str:
    return f"{x:g}"


# -- SVG -----------------------------------------------------------------------------------


def to_svg(
    circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0, expand: bool = False
) -> str:
    """A standalone SVG picture of ``circuit``, with ``result``'s values and gradients if given.

    Module instances are boxes, or with ``expand`` their gates in a shaded rectangle each.
    """
    pic = picture(circuit, result, precision=precision, sample=sample, expand=expand)
    return _Drawing(pic).svg()


def _text_width(text: str, size: float) -> float:
    return max(len(text), 1) * size * CHAR


@dataclass
class _Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: _Box) -> float:
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return w * h if w > 0 and h > 0 else 0.0

    def meets(self, other: _Box) -> bool:
        """Whether the boxes share a point (edges included)."""
        return self.left <= other.right and other.left <= self.right and self.top <= other.bottom and other.top <= self.bottom

    def crosses(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b passes through the box (Liang-Barsky clipping)."""
        (x0, y0), (x1, y1) = a, b
        dx, dy = x1 - x0, y1 - y0
        lo, hi = 0.0, 1.0
        for p, q in ((-dx, x0 - self.left), (dx, self.right - x0), (-dy, y0 - self.top), (dy, self.bottom - y0)):
            if p == 0:
                if q < 0:
                    return False
            else:
                t = q / p
                if p < 0:
                    lo = max(lo, t)
                else:
                    hi = min(hi, t)
                if lo > hi:
                    return False
        return True


class _Grid:
    """Boxes and wire segments already drawn, bucketed by area, to price a new label's place."""

    CELL = 64.0

    def __init__(self) -> None:
        self.placed: list[_Box] = []
        self.boxes: dict[tuple[int, int], list[_Box]] = defaultdict(list)
        self.segments: dict[tuple[int, int], list[tuple[int, tuple, tuple]]] = defaultdict(list)

    def _cells(self, left, top, right, bottom):
        c = self.CELL
        for i in range(math.floor(left / c), math.floor(right / c) + 1):
            for j in range(math.floor(top / c), math.floor(bottom / c) + 1):
                yield i, j

    def add_box(self, box: _Box) -> None:
        self.placed.append(box)
        for cell in self._cells(box.left, box.top, box.right, box.bottom):
            self.boxes[cell].append(box)

    def add_segment(self, owner: int, a: tuple, b: tuple) -> None:
        """File the segment under every cell it passes through (sampled a quarter cell apart)."""
        segment = (owner, a, b, _Box(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
        steps = max(1, math.ceil(4 * math.hypot(b[0] - a[0], b[1] - a[1]) / self.CELL))
        cells = {
            (math.floor((a[0] + (b[0] - a[0]) * i / steps) / self.CELL), math.floor((a[1] + (b[1] - a[1]) * i / steps) / self.CELL))
            for i in range(steps + 1)
        }
        for cell in cells:
            self.segments[cell].append(segment)

    def cost(self, box: _Box, owner: int, limit: float = math.inf) -> float:
        """The price of putting a label in ``box``: what it covers, and what it comes close to.

        Covering another label or a gate costs most, crossing another wire less (labels have a
        white halo); coming within ``CLEAR`` of either costs a little, because a number right
        next to another wire reads as that wire's label.
        """
        near = _Box(box.left - CLEAR, box.top - CLEAR, box.right + CLEAR, box.bottom + CLEAR)
        seen, cost = set(), 0.0
        for cell in self._cells(near.left, near.top, near.right, near.bottom):
            for other in self.boxes.get(cell, ()):
                if id(other) not in seen:
                    seen.add(id(other))
                    cost += 4.0 * other.overlap(box) + 0.5 * other.overlap(near)
            for seg in self.segments.get(cell, ()):
                if id(seg) not in seen and seg[0] != owner and seg[3].meets(near):
                    seen.add(id(seg))
                    if box.crosses(seg[1], seg[2]):
                        cost += 100.0
                    elif near.crosses(seg[1], seg[2]):
                        cost += 15.0
            if cost >= limit:
                break
        return cost


class _Drawing:
    """One picture laid out: node positions, wire routes, label places; then the SVG text."""

    def __init__(self, pic: Picture) -> None:
        self.pic = pic
        self.radius = {n.id: _radius(n.label) for n in pic.nodes.values() if n.kind == "gate"}
        self.pins: dict[str, tuple[list[str], list[str]]] = {}  # box -> its inlets, its outlets
        for n in pic.nodes.values():
            if n.kind == "instance":
                self.pins[n.id] = ([], [])
            elif n.kind in ("inlet", "outlet"):
                self.pins[_box_id(n)][n.kind == "outlet"].append(n.id)
        self.size = {b: self._box_size(b) for b in self.pins}
        self.pos: dict[str, tuple[float, float]] = {}
        self.bends: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self.edges: dict[int, tuple[str, str]] = {}  # wire -> the laid-out edge it follows
        self.frame: dict[str, _Box] = {}  # expanded instance -> its rectangle
        self.routes: list[list[tuple[float, float]]] = []
        self.grid = _Grid()
        self._lay_out()
        self._route()
        # Shapes first, so that the labels placed after them know what to keep clear of.
        self.shapes = [self._wire(k, w) for k, w in enumerate(pic.wires)]
        self.shapes += [self._node(n) for n in pic.nodes.values()]
        self.frames = self._frames()
        self.labels = [self._labels(k, w) for k, w in enumerate(pic.wires) if w.value is not None or w.grad is not None]

    # geometry: an expanded instance is laid out on its own first, then placed in its parent's
    # layout as one block, as a collapsed instance's box is; a wire is laid out at the level
    # of the innermost instance holding both its ends.

    def _anchor(self, node: Node) -> str:
        """The laid-out node that ``node`` hangs off: a junction its owner's, a pin its box."""
        if node.kind == "junction":
            return self._anchor(self.pic.nodes[node.owner])
        return _box_id(node) if node.kind in ("inlet", "outlet") else node.id

    def _end(self, node: Node) -> str:
        """Where a wire from ``node`` starts, as far as the layout cares (a junction: its owner)."""
        return self._end(self.pic.nodes[node.owner]) if node.kind == "junction" else node.id

    def _level(self, name: str) -> str | None:
        """The instance whose layout places node ``name`` (None: the top level)."""
        return self.pic.nodes[name].instance if self.pic.groups else None

    def _lay_out(self) -> None:
        pic = self.pic
        self.members: dict[str | None, dict[str, None]] = defaultdict(dict)  # level -> what it places, in order
        for n in pic.nodes.values():
            if self._anchor(n) == n.id:
                path = _instance_path(self._level(n.id))
                for k in range(len(path) + 1):
                    self.members[path[k - 1] if k else None][n.id if k == len(path) else _block_id(path[k])] = None
        self.fans: dict[str | None, list[str]] = defaultdict(list)  # level -> its junctions
        for n in pic.nodes.values():
            if n.kind == "junction":
                self.fans[self._level(n.id)].append(n.id)
        self.links: dict[str | None, list] = defaultdict(list)  # level -> (wire, source end, target)
        for k, w in enumerate(pic.wires):
            if pic.nodes[w.target].kind != "junction":
                end = self._end(pic.nodes[w.source])
                self.links[_shared_instance(self._level(end), self._level(w.target))].append((k, end, w.target))
        pos, self.bends, self.frame, _ = self._lay_out_level(None)
        self.pos.update(pos)
        for box in self.pins:
            x, y = self.pos[box]
            for pin, (dx, dy) in self._pin_offsets(box).items():
                self.pos[pin] = (x + dx, y + dy)
        for n in pic.nodes.values():
            if n.kind == "junction":
                x, y = self.pos[n.owner]
                self.pos[n.id] = (x + self.radius.get(n.owner, 3.0) + TRUNK, y)

    def _lay_out_level(self, group: str | None):
        """Positions, bends and rectangles of everything in ``group``, and the box it fills."""
        pic = self.pic
        graph = nx.DiGraph()
        graph.add_nodes_from(self.members[group])
        blocks = {b: self._lay_out_level(b.removesuffix("@block")) for b in graph if b.endswith("@block")}
        attach = {}
        for k, end, target in self.links[group]:
            a, b = self._rep(self._anchor(pic.nodes[end]), group), self._rep(self._anchor(pic.nodes[target]), group)
            graph.add_edge(a, b)
            self.edges[k] = (a, b)
            offsets = (self._offset(end, a, blocks), self._offset(target, b, blocks))
            if offsets != (0.0, 0.0):
                attach.setdefault((a, b), offsets)
        layer = {}
        for i, generation in enumerate(nx.topological_generations(graph)):
            for n in generation:
                layer[n] = i
        for n in graph:  # an input or constant sits right before the first gate it feeds
            if n in pic.nodes and pic.nodes[n].kind in ("input", "const") and graph.out_degree(n):
                layer[n] = min(layer[s] for s in graph.successors(n)) - 1
        reach = {n: self._reach(n, blocks) for n in graph}
        height = {n: self._room(n, reach[n]) for n in graph}
        lay = layered_layout(
            graph, layer, height, gaps=self._gaps(group, layer, reach), dummy_height=2 * (FONT + GAP) + 8, attach=attach
        )
        pos = {n: (lay.x[n], lay.y[n]) for n in graph if n not in blocks}
        bends, frames = _past_wide_columns(lay, reach, blocks.keys() | self.pins.keys()), {}
        for b, (inner_pos, inner_bends, inner_frames, frame) in blocks.items():
            dx, dy = lay.x[b] - (frame.left + frame.right) / 2, lay.y[b] - (frame.top + frame.bottom) / 2
            pos.update((n, (x + dx, y + dy)) for n, (x, y) in inner_pos.items())
            bends.update((e, [(x + dx, y + dy) for x, y in points]) for e, points in inner_bends.items())
            frames.update((g, _moved(f, dx, dy)) for g, f in inner_frames.items())
            frames[b.removesuffix("@block")] = _moved(frame, dx, dy)
        held = [_Box(lay.x[n] - r[0], lay.y[n] - r[1], lay.x[n] + r[2], lay.y[n] + r[3]) for n, r in reach.items()]
        whole = functools.reduce(_union, held) if held else _Box(0, 0, 0, 0)
        pad = GROUP_PAD
        return pos, bends, frames, _Box(whole.left - pad, whole.top - pad - GROUP_TITLE, whole.right + pad, whole.bottom + pad)

    def _rep(self, name: str, group: str | None) -> str:
        """What stands for laid-out node ``name`` in ``group``'s layout: itself or its block."""
        path, depth = _instance_path(self._level(name)), len(_instance_path(group))
        return name if len(path) == depth else _block_id(path[depth])

    def _offset(self, name: str, rep: str, blocks: dict) -> float:
        """How far below the centre of ``rep`` a wire meets ``name`` (a pin, or a node in a block)."""
        if rep in blocks:
            inner_pos, _, _, frame = blocks[rep]
            return inner_pos[name][1] - (frame.top + frame.bottom) / 2
        if name in self.pic.nodes and self.pic.nodes[name].kind in ("inlet", "outlet"):
            return self._pin_offsets(rep)[name][1]
        return 0.0

    def _reach(self, name: str, blocks: dict) -> tuple[float, float, float, float]:
        """How far what is drawn for ``name`` reaches left, up, right and down of its centre."""
        if name in blocks:
            f = blocks[name][3]
            return ((f.right - f.left) / 2, (f.bottom - f.top) / 2) * 2
        node = self.pic.nodes[name]
        if node.kind == "instance":
            return (self.size[name][0] / 2, self.size[name][1] / 2) * 2
        if node.kind == "gate":
            r = self.radius[name]
            half = max(r, _text_width(node.owner, NAME_FONT) / 2)
            return (half, r + NAME_FONT + 6, half, r + 4)
        width = _text_width(node.label, FONT + 1) + 4
        return (4, FONT, width, FONT) if node.kind == "output" else (width, FONT, 4, FONT)

    def _room(self, name: str, reach: tuple) -> float:
        node = self.pic.nodes.get(name)
        if node is not None and node.kind == "gate":
            return 2 * self.radius[node.id] + 2 * (FONT + GAP) + NAME_FONT + 24
        if node is None or node.kind == "instance":  # a block or a box
            return reach[1] + reach[3] + 2 * (FONT + GAP) + 16
        return 2 * (FONT + GAP) + 16

    def _gaps(self, group: str | None, layer: dict, reach: dict) -> list[float]:
        """Between neighbouring layers: more after a fan-out, and room for wide boxes and blocks."""
        pic = self.pic
        fans = {layer[self._rep(self._anchor(pic.nodes[n]), group)] for n in self.fans[group]}
        wide = defaultdict(float)  # layer -> how far its widest box reaches past a gate circle
        for n, (left, _, right, _) in reach.items():
            if n not in pic.nodes or pic.nodes[n].kind == "instance":
                wide[layer[n]] = max(wide[layer[n]], max(left, right) - RADIUS)
        return [
            LAYER_GAP + (FAN_GAP if i in fans else 0) + wide[i] + wide[i + 1]
            for i in range(max(layer.values(), default=0))
        ]

    def _box_size(self, box: str) -> tuple[float, float]:
        nodes = self.pic.nodes
        inlets, outlets = self.pins[box]
        pin_font = NAME_FONT + 1
        ins = max((_text_width(nodes[p].label, pin_font) for p in inlets if nodes[p].label), default=0)
        outs = max((_text_width(nodes[p].label, pin_font) for p in outlets if nodes[p].label), default=0)
        width = max(_text_width(nodes[box].label, FONT + 1) + 24, ins + outs + 32, 2 * RADIUS + 24)
        rows = max(len(inlets), len(outlets), 1)
        return width, BOX_TITLE + rows * PIN_GAP + 6

    def _pin_offsets(self, box: str) -> dict[str, tuple[float, float]]:
        """Inlets down the box's left edge, outlets down its right, each side centred."""
        inlets, outlets = self.pins[box]
        width, height = self.size[box]
        rows = max(len(inlets), len(outlets), 1)
        first = -height / 2 + BOX_TITLE
        return {
            pin: (side, first + (i + 0.5 + (rows - len(pins)) / 2) * PIN_GAP)
            for side, pins in ((-width / 2, inlets), (width / 2, outlets))
            for i, pin in enumerate(pins)
        }

    def _route(self) -> None:
        pic = self.pic
        for k, w in enumerate(pic.wires):
            src, tgt = pic.nodes[w.source], pic.nodes[w.target]
            edge = self.edges.get(k) or (self._anchor(src), self._anchor(tgt))
            points = [self.pos[w.source], *self.bends.get(edge, ()), self.pos[w.target]]
            if src.kind != "junction":
                points[0] = self._leave(src, points[1])
            points[-1] = self._arrive(tgt, points[-2])
            self.routes.append(points)
            for a, b in zip(points, points[1:]):
                self.grid.add_segment(k, a, b)

    def _leave(self, node: Node, toward: tuple) -> tuple[float, float]:
        x, y = self.pos[node.id]
        if node.kind == "gate":
            return _towards((x, y), toward, self.radius[node.id])
        if node.kind == "outlet":
            return (x, y)
        return (x + 3, y)

    def _arrive(self, node: Node, came_from: tuple) -> tuple[float, float]:
        x, y = self.pos[node.id]
        if node.kind == "gate":
            return _towards((x, y), came_from, self.radius[node.id] + 1)
        if node.kind == "output":
            return (x - 4, y)
        if node.kind == "inlet":
            return (x - 1, y)
        return (x, y)

    # labels

    def _labels(self, k: int, wire: Wire) -> str:
        """The value above and the gradient below the wire, where they cover least."""
        texts = [(t, c) for t, c in ((wire.value, "value"), (wire.grad, "grad")) if t is not None]
        route = self.routes[k]
        # A branch after a junction is labelled towards its gate, where branches have parted.
        places = BRANCH_PLACES if self.pic.nodes[wire.source].kind == "junction" else PLACES
        best = None
        for a, b in zip(route, route[1:]):
            for t in places:
                boxes = [_label_box(a, b, t, text, cls) for text, cls in texts]
                cost = _slant(a, b)
                for box in boxes:
                    cost += self.grid.cost(box, k, best[0] - cost if best else math.inf)
                if best is None or cost < best[0]:
                    best = (cost, boxes)
                if cost < 1:
                    break
            if best[0] < 1:
                break
        labels = []
        for (text, cls), box in zip(texts, best[1]):
            self.grid.add_box(box)
            colour = VALUE_COLOUR if cls == "value" else GRAD_COLOUR
            x, baseline = (box.left + box.right) / 2, box.bottom - 1
            labels.append(
                f'<text class="{cls}" x="{x:.1f}" y="{baseline:.1f}" fill="{colour}" text-anchor="middle" '
                f'font-size="{FONT}" stroke="white" stroke-width="3" paint-order="stroke">{escape(text)}</text>'
            )
        return f'<g class="labels" {_ends(wire)}>{"".join(labels)}</g>'

    # output

    def svg(self) -> str:
        pic = self.pic
        body = list(self.shapes)
        left, top, right, bottom = self._bounds()
        if pic.caption:
            body.append(f'<text class="caption" x="{left:.1f}" y="{bottom + FONT:.1f}" fill="{FAINT}" font-size="{FONT}">{escape(pic.caption)}</text>')
            bottom += FONT + 4
        width, height = right - left + 2 * MARGIN, bottom - top + 2 * MARGIN
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="{left - MARGIN:.1f} {top - MARGIN:.1f} {width:.1f} {height:.1f}" '
            f'font-family="Helvetica, Arial, sans-serif">'
        )
        return "\n".join(
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                head,
                f"<title>{escape(pic.name)}</title>",
                '<defs><marker id="circuitsim-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
                f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>',
                f'<rect x="{left - MARGIN:.1f}" y="{top - MARGIN:.1f}" width="{width:.1f}" height="{height:.1f}" fill="white"/>',
                *self.frames,
                *body,
                *self.labels,
                "</svg>",
                "",
            ]
        )

    def _wire(self, k: int, w: Wire) -> str:
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(self.routes[k]))
        arrow = "" if self.pic.nodes[w.target].kind == "junction" else ' marker-end="url(#circuitsim-arrow)"'
        extra = ""
        if len(w.ports) > 1:  # one source on several ports of one gate
            x, y = self.routes[k][-1]
            extra = f'<text x="{x - 10:.1f}" y="{y - 6:.1f}" fill="{FAINT}" font-size="{NAME_FONT}" text-anchor="end">×{len(w.ports)}</text>'
            self.grid.add_box(_Box(x - 26, y - 6 - NAME_FONT, x - 8, y - 4))
        return (
            f'<g class="wire" {_ends(w)}>'
            f'<path d="{d}" fill="none" stroke="{INK}" stroke-width="1.3"{arrow}/>{extra}</g>'
        )

    def _node(self, n: Node) -> str:
        x, y = self.pos[n.id]
        title = f"<title>{escape(n.title)}</title>"
        if n.kind in ("instance", "inlet", "outlet"):
            return self._instance_part(n, x, y, title)
        if n.kind == "gate":
            r = self.radius[n.id]
            name_y = y - r - 4
            self.grid.add_box(_Box(x - r, y - r, x + r, y + r))
            self.grid.add_box(_text_box(x, name_y, n.owner, NAME_FONT))
            return (
                f'<g class="gate" data-name={quoteattr(n.id)}>{title}'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="white" stroke="{INK}" stroke-width="1.5"/>'
                f'<text x="{x:.1f}" y="{y + 0.36 * FONT + 0.5:.1f}" text-anchor="middle" font-size="{FONT + 1}" fill="{INK}">{escape(n.label)}</text>'
                f'<text class="name" x="{x:.1f}" y="{name_y:.1f}" text-anchor="middle" font-size="{NAME_FONT}" fill="{FAINT}">{escape(n.owner)}</text></g>'
            )
        if n.kind == "junction":
            return f'<circle class="junction" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{INK}">{title}</circle>'
        anchor, tx = ("start", x + 2) if n.kind == "output" else ("end", x - 2)
        width = _text_width(n.label, FONT + 1)
        left = tx if anchor == "start" else tx - width
        self.grid.add_box(_Box(left, y - FONT / 2 - 1, left + width, y + FONT / 2 + 1))
        return (
            f'<g class="{n.kind}" data-name={quoteattr(n.id)}>{title}<text x="{tx:.1f}" y="{y + 0.36 * FONT:.1f}" '
            f'text-anchor="{anchor}" font-size="{FONT + 1}" fill="{INK}">{escape(n.label)}</text></g>'
        )

    def _instance_part(self, n: Node, x: float, y: float, title: str) -> str:
        """A collapsed instance's box with its name on top, or the name of one of its pins."""
        if n.kind == "instance":
            width, height = self.size[n.id]
            box = _Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            self.grid.add_box(box)
            return (
                f'<g class="instance" data-name={quoteattr(n.owner)}>{title}'
                f'<rect x="{box.left:.1f}" y="{box.top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="8" '
                f'fill="white" stroke="{INK}" stroke-width="1.5"/>'
                f'<text class="name" x="{x:.1f}" y="{box.top + FONT + 6:.1f}" text-anchor="middle" font-size="{FONT + 1}" '
                f'fill="{INK}">{escape(n.label)}</text></g>'
            )
        inlet = n.kind == "inlet"
        anchor, tx = ("start", x + 6) if inlet else ("end", x - 6)
        text = ""
        if n.label:
            text = (
                f'<text x="{tx:.1f}" y="{y + 0.36 * (NAME_FONT + 1):.1f}" text-anchor="{anchor}" '
                f'font-size="{NAME_FONT + 1}" fill="{FAINT}">{escape(n.label)}</text>'
            )
        return f'<g class="{n.kind}" data-name={quoteattr(n.id)}>{title}{text}</g>'

    def _frames(self) -> list[str]:
        """Each expanded instance's rectangle, outermost first, its name at the top left (where
        wire labels keep clear of it)."""
        frames = []
        for name, frame in sorted(self.frame.items(), key=lambda item: item[0].count("/")):
            label = self.pic.groups[name].label
            name_x, name_y = frame.left + 6, frame.top + NAME_FONT + 5
            width = _text_width(label, NAME_FONT + 1)
            self.grid.add_box(_Box(name_x, name_y - ASCENT * (NAME_FONT + 1), name_x + width, name_y + 2))
            frames.append(
                f'<g class="group" data-name={quoteattr(name)}><title>{escape(f"instance {label}")}</title>'
                f'<rect x="{frame.left:.1f}" y="{frame.top:.1f}" width="{frame.right - frame.left:.1f}" '
                f'height="{frame.bottom - frame.top:.1f}" rx="10" fill="{SHADE}" stroke="{EDGE}" stroke-width="1"/>'
                f'<text class="name" x="{name_x:.1f}" y="{name_y:.1f}" font-size="{NAME_FONT + 1}" '
                f'fill="{FAINT}">{escape(label)}</text></g>'
            )
        return frames

    def _bounds(self) -> tuple[float, float, float, float]:
        """The smallest box holding every shape, label and wire."""
        xs = [x for route in self.routes for x, _ in route]
        ys = [y for route in self.routes for _, y in route]
        for box in self.grid.placed + list(self.frame.values()):
            xs += [box.left, box.right]
            ys += [box.top, box.bottom]
        return (min(xs, default=0), min(ys, default=0), max(xs, default=0), max(ys, default=0))


def _box_id(node: Node) -> str:
    """The box that an inlet or outlet sits on."""
    return f"{node.instance}@instance"


def _past_wide_columns(lay, reach: dict, wide: set) -> dict:
    """Bends of long wires, each split in two where its column holds a box or block wider than
    the point it was laid out as, so that the wire runs past the box instead of through it."""
    half: dict[float, float] = defaultdict(float)  # column x -> half the width of its widest box
    for n in wide & reach.keys():
        half[lay.x[n]] = max(half[lay.x[n]], *reach[n][::2])
    if not half:
        return dict(lay.bends)
    return {
        edge: [p for x, y in points for p in (((x - half[x], y), (x + half[x], y)) if x in half else ((x, y),))]
        for edge, points in lay.bends.items()
    }


def _block_id(instance: str) -> str:
    """The node that stands for an expanded instance in its parent's layout."""
    return f"{instance}@block"


def _moved(box: _Box, dx: float, dy: float) -> _Box:
    return _Box(box.left + dx, box.top + dy, box.right + dx, box.bottom + dy)


def _instance_path(instance: str | None) -> tuple[str, ...]:
    """``"u/s"`` -> ``("u", "u/s")``: the instance and the ones it sits in, outermost first."""
    if instance is None:
        return ()
    parts = instance.split("/")
    return tuple("/".join(parts[: k + 1]) for k in range(len(parts)))


def _union(a: _Box, b: _Box) -> _Box:
    return _Box(min(a.left, b.left), min(a.top, b.top), max(a.right, b.right), max(a.bottom, b.bottom))


def _ends(wire: Wire) -> str:
    return f"data-source={quoteattr(wire.source)} data-target={quoteattr(wire.target)}"


def _radius(label: str) -> float:
    return max(RADIUS, _text_width(label, FONT + 1) / 2 + 6)


def _towards(centre: tuple, point: tuple, distance: float) -> tuple[float, float]:
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    length = math.hypot(dx, dy) or 1.0
    return (centre[0] + dx / length * distance, centre[1] + dy / length * distance)


def _text_box(x: float, baseline: float, text: str, size: float) -> _Box:
    width = _text_width(text, size)
    return _Box(x - width / 2, baseline - ASCENT * size, x + width / 2, baseline + 1)


def _label_box(a: tuple, b: tuple, t: float, text: str, cls: str) -> _Box:
    """The box of a label at ``t`` along segment a-b, just above (value) or below it.

    On a slanting wire the two labels slide apart along it, the value to the side where the
    wire falls away below it and the gradient to the other, so that both stay close to it.
    """
    width, height = _text_width(text, FONT), ASCENT * FONT
    slope = (b[1] - a[1]) / (b[0] - a[0]) if b[0] != a[0] else 0.0
    slide = width / 2 * max(-1.0, min(1.0, slope * width / (2 * height)))
    x = a[0] + t * (b[0] - a[0]) + (slide if cls == "value" else -slide)
    ys = [_y_at(a, b, x - width / 2), _y_at(a, b, x + width / 2)]
    if cls == "value":
        bottom = min(ys) - GAP
        return _Box(x - width / 2, bottom - height, x + width / 2, bottom + 1)
    top = max(ys) + GAP
    return _Box(x - width / 2, top, x + width / 2, top + height + 1)


def _y_at(a: tuple, b: tuple, x: float) -> float:
    """The height of segment a-b at ``x`` (clamped to its ends)."""
    if b[0] == a[0]:
        return (a[1] + b[1]) / 2
    t = min(1.0, max(0.0, (x - a[0]) / (b[0] - a[0])))
    return a[1] + t * (b[1] - a[1])


def _slant(a: tuple, b: tuple) -> float:
    """A small price for labelling a steep segment, where labels drift from their wire."""
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    return 0.0 if dx == 0 and dy == 0 else 5.0 * dy / (dx + 1.0)


# -- DOT -----------------------------------------------------------------------------------


def to_dot(
    circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0, expand: bool = False
) -> str:
    """The same picture as Graphviz DOT (``dot -Tsvg`` draws it), labels and colours included.

    A module instance is one rounded box whose wires are labelled with its ports, or with
    ``expand`` a ``subgraph cluster_...`` holding its gates.
    """
    pic = picture(circuit, result, precision=precision, sample=sample, expand=expand)
    lines = [
        f"digraph {_dot_id(pic.name)} {{",
        "  graph [rankdir=LR, nodesep=0.5, ranksep=1.2" + (f", label={_dot_id(pic.caption)}" if pic.caption else "") + "];",
        '  node [fontname="Helvetica", fontsize=14];',
        '  edge [fontname="Helvetica", fontsize=12];',
    ]
    members: dict[str | None, list[str]] = defaultdict(list)
    for n in pic.nodes.values():
        if n.kind not in ("inlet", "outlet"):
            members[n.instance if n.instance in pic.groups else None].append(_dot_node(n))
    lines += _dot_cluster(pic, None, members, "  ")
    for w in pic.wires:
        lines.append(_dot_wire(pic, w))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(n: Node) -> str:
    if n.kind == "gate":
        attrs = f"shape=circle, label={_dot_id(n.label)}, xlabel={_dot_id(n.owner)}"
    elif n.kind == "instance":
        attrs = f"shape=box, style=rounded, label={_dot_id(n.label)}"
    elif n.kind == "junction":
        attrs = 'shape=point, label=""'
    else:
        attrs = f"shape=plaintext, label={_dot_id(n.label)}"
    return f"{_dot_id(n.id)} [{attrs}, tooltip={_dot_id(n.title)}];"


def _dot_cluster(pic: Picture, group: str | None, members: dict, indent: str) -> list[str]:
    """The nodes of ``group`` (None: the top level), then each instance inside it as a cluster."""
    lines = [indent + line for line in members[group]]
    for child in (g for g in pic.groups.values() if g.parent == group):
        lines.append(f"{indent}subgraph {_dot_id('cluster_' + child.id)} {{")
        lines.append(f'{indent}  graph [label={_dot_id(child.label)}, style="rounded,filled", fillcolor="{SHADE}", color="{EDGE}"];')
        lines += _dot_cluster(pic, child.id, members, indent + "  ")
        lines.append(f"{indent}}}")
    return lines


def _dot_wire(pic: Picture, w: Wire) -> str:
    """A wire as an edge; one that enters or leaves an instance box names its port there."""
    source, target = pic.nodes[w.source], pic.nodes[w.target]
    attrs = []
    parts = []
    if w.value is not None:
        parts.append(f'<font color="{VALUE_COLOUR}">{escape(w.value)}</font>')
    if w.grad is not None:
        parts.append(f'<font color="{GRAD_COLOUR}">{escape(w.grad)}</font>')
    if parts:
        attrs.append(f"label=<{'<br/>'.join(parts)}>")
    if target.kind == "junction":
        attrs.append("arrowhead=none")
    head = [target.label] if target.kind == "inlet" and target.label else []
    if len(w.ports) > 1:
        head.append(f"×{len(w.ports)}")
    if head:
        attrs.append(f"headlabel={_dot_id(' '.join(head))}")
    if source.kind == "outlet" and source.label:
        attrs.append(f"taillabel={_dot_id(source.label)}")
    ends = [_box_id(n) if n.kind in ("inlet", "outlet") else n.id for n in (source, target)]
    suffix = f" [{', '.join(attrs)}]" if attrs else ""
    return f"  {_dot_id(ends[0])} -> {_dot_id(ends[1])}{suffix};"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

