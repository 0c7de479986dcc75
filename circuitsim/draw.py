"""Draw a circuit as the notes do: left to right, gates as circles, numbers on the wires.

Inputs are named at the left; each gate is a circle with its operator (the gate instance's
``symbol``, with a constant folded in where that reads better: ``+1``, ``*-1``, ``/2``); each
wire carries its forward value above it in green and its gradient below it in red. Where a
node's value fans out to several gates, its wire runs to a dot: before the dot are the value and
the node's whole gradient, after it each branch shows the part of the gradient that came back
along it, so the parts visibly add up to the whole.

:func:`picture` decides what is drawn (nodes, wires, label texts); :func:`to_svg` lays it out
(:mod:`circuitsim.layout`), places the labels where they overlap nothing and writes a standalone
SVG; :func:`to_dot` writes the same picture as Graphviz DOT.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
import numpy as np

from .layout import layered_layout

if TYPE_CHECKING:
    from .circuit import Circuit, Result

__all__ = ["GRAD_COLOUR", "VALUE_COLOUR", "Node", "Picture", "Wire", "picture", "to_dot", "to_svg"]

VALUE_COLOUR = "#1a8f1a"  # green: forward values, above the wires
GRAD_COLOUR = "#d62728"  # red: gradients, below the wires
INK = "#333333"
FAINT = "#888888"

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

# Constants folded into the operator: gate symbol -> ports where a constant may be folded.
FOLDABLE = {"+": "any", "*": "any", "-": "last", "/": "last"}


@dataclass
class Node:
    """Something drawn: an ``input`` or ``const`` name at the left of its wire, a ``gate``
    circle, a ``junction`` dot where a value fans out, an ``output`` name at the right."""

    id: str
    kind: str
    label: str
    owner: str  # the circuit node it belongs to
    title: str = ""


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


# -- what is drawn -------------------------------------------------------------------------


def picture(circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0) -> Picture:
    """The nodes and wires of ``circuit``, labelled with ``result``'s numbers if given.

    For a batch result the labels show sample number ``sample``.
    """
    graph = circuit.graph
    numbers = _Numbers(circuit, result, precision, sample) if result is not None else None
    folded = _folded_constants(graph)
    pic = Picture(circuit.name)
    if result is not None and result.batch is not None:
        pic.caption = f"sample {sample} of {result.batch}"
    for name, data in graph.nodes(data=True):
        if name not in folded:
            pic.nodes[name] = _node(name, data, folded, graph)
    outputs = graph.graph["outputs"]
    for name in outputs:
        pic.nodes[f"{name}@output"] = Node(f"{name}@output", "output", name, name, f"output {name}")
    for name in [n for n in graph if n in pic.nodes]:
        uses = [(t, tuple(graph.edges[name, t]["ports"])) for t in graph.successors(name)]
        if name in outputs:
            uses.append((f"{name}@output", ()))
        pic.wires += _wires_from(pic, name, uses, numbers)
    return pic


def _node(name: str, data: dict, folded: dict, graph: nx.DiGraph) -> Node:
    kind = data["kind"]
    if kind == "const":
        return Node(name, kind, _constant(data["value"]), name, f"constant {_constant(data['value'])}")
    if kind == "input":
        return Node(name, kind, name, name, f"input {name}")
    gate = data["gate"]
    symbol = getattr(gate, "symbol", None) or data["type"]
    for const in data["sources"]:
        if folded.get(const) == name:
            symbol = _fold(symbol, graph.nodes[const]["value"])
    return Node(name, kind, symbol, name, f"{name} ({data['type']})")


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
        return [Wire(name, target, value, grad, ports)]
    if not uses:
        return []
    junction = f"{name}@junction"
    pic.nodes[junction] = Node(junction, "junction", "", name, f"{name} fans out")
    parts = numbers.parts(name, uses) if numbers else [None] * len(uses)
    return [Wire(name, junction, value, grad)] + [
        Wire(junction, target, None, part, ports) for (target, ports), part in zip(uses, parts)
    ]


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


def to_svg(circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0) -> str:
    """A standalone SVG picture of ``circuit``, with ``result``'s values and gradients if given."""
    pic = picture(circuit, result, precision=precision, sample=sample)
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
        self.pos: dict[str, tuple[float, float]] = {}
        self.bends: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self.routes: list[list[tuple[float, float]]] = []
        self.grid = _Grid()
        self._lay_out()
        self._route()
        # Shapes first, so that the labels placed after them know what to keep clear of.
        self.shapes = [self._wire(k, w) for k, w in enumerate(pic.wires)]
        self.shapes += [self._node(n) for n in pic.nodes.values()]
        self.labels = [self._labels(k, w) for k, w in enumerate(pic.wires) if w.value is not None or w.grad is not None]

    # geometry

    def _lay_out(self) -> None:
        pic = self.pic
        graph = nx.DiGraph()
        graph.add_nodes_from(n.id for n in pic.nodes.values() if n.kind != "junction")
        for w in pic.wires:
            if pic.nodes[w.target].kind != "junction":
                graph.add_edge(pic.nodes[w.source].owner if pic.nodes[w.source].kind == "junction" else w.source, w.target)
        layer = {}
        for i, generation in enumerate(nx.topological_generations(graph)):
            for n in generation:
                layer[n] = i
        for n in graph:  # an input or constant sits right before the first gate it feeds
            if pic.nodes[n].kind in ("input", "const") and graph.out_degree(n):
                layer[n] = min(layer[s] for s in graph.successors(n)) - 1
        height = {n: self._room(pic.nodes[n]) for n in graph}
        fans = {layer[n.owner] for n in pic.nodes.values() if n.kind == "junction"}
        gaps = [LAYER_GAP + (FAN_GAP if i in fans else 0) for i in range(max(layer.values(), default=0))]
        lay = layered_layout(graph, layer, height, gaps=gaps, dummy_height=2 * (FONT + GAP) + 8)
        self.bends = lay.bends
        for n in graph:
            self.pos[n] = (lay.x[n], lay.y[n])
        for n in pic.nodes.values():
            if n.kind == "junction":
                x, y = self.pos[n.owner]
                self.pos[n.id] = (x + self.radius.get(n.owner, 3.0) + TRUNK, y)

    def _room(self, node: Node) -> float:
        if node.kind == "gate":
            return 2 * self.radius[node.id] + 2 * (FONT + GAP) + NAME_FONT + 24
        return 2 * (FONT + GAP) + 16

    def _route(self) -> None:
        pic = self.pic
        for k, w in enumerate(pic.wires):
            src, tgt = pic.nodes[w.source], pic.nodes[w.target]
            edge_source = src.owner if src.kind == "junction" else src.id
            points = [self.pos[w.source], *self.bends.get((edge_source, w.target), ()), self.pos[w.target]]
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
        return (x + 3, y)

    def _arrive(self, node: Node, came_from: tuple) -> tuple[float, float]:
        x, y = self.pos[node.id]
        if node.kind == "gate":
            return _towards((x, y), came_from, self.radius[node.id] + 1)
        if node.kind == "output":
            return (x - 4, y)
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

    def _bounds(self) -> tuple[float, float, float, float]:
        """The smallest box holding every shape, label and wire."""
        xs = [x for route in self.routes for x, _ in route]
        ys = [y for route in self.routes for _, y in route]
        for box in self.grid.placed:
            xs += [box.left, box.right]
            ys += [box.top, box.bottom]
        return (min(xs, default=0), min(ys, default=0), max(xs, default=0), max(ys, default=0))


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


def to_dot(circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0) -> str:
    """The same picture as Graphviz DOT (``dot -Tsvg`` draws it), labels and colours included."""
    pic = picture(circuit, result, precision=precision, sample=sample)
    lines = [
        f"digraph {_dot_id(pic.name)} {{",
        "  graph [rankdir=LR, nodesep=0.5, ranksep=1.2" + (f", label={_dot_id(pic.caption)}" if pic.caption else "") + "];",
        '  node [fontname="Helvetica", fontsize=14];',
        '  edge [fontname="Helvetica", fontsize=12];',
    ]
    for n in pic.nodes.values():
        if n.kind == "gate":
            attrs = f"shape=circle, label={_dot_id(n.label)}, xlabel={_dot_id(n.owner)}"
        elif n.kind == "junction":
            attrs = 'shape=point, label=""'
        else:
            attrs = f"shape=plaintext, label={_dot_id(n.label)}"
        lines.append(f"  {_dot_id(n.id)} [{attrs}, tooltip={_dot_id(n.title)}];")
    for w in pic.wires:
        attrs = []
        parts = []
        if w.value is not None:
            parts.append(f'<font color="{VALUE_COLOUR}">{escape(w.value)}</font>')
        if w.grad is not None:
            parts.append(f'<font color="{GRAD_COLOUR}">{escape(w.grad)}</font>')
        if parts:
            attrs.append(f"label=<{'<br/>'.join(parts)}>")
        if pic.nodes[w.target].kind == "junction":
            attrs.append("arrowhead=none")
        if len(w.ports) > 1:
            attrs.append(f'headlabel="×{len(w.ports)}"')
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_id(w.source)} -> {_dot_id(w.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

