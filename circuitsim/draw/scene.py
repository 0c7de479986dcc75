"""Geometry of a :class:`~circuitsim.draw.model.Picture`: where each node, wire and label goes.

An expanded instance is laid out on its own first (:mod:`circuitsim.draw.layout`), then placed
in its parent's layout as one block, as a collapsed instance's box is; a wire is laid out at the
level of the innermost instance holding both its ends. Shapes are placed first, then each
wire's labels where they cover least of what is already there (:class:`~circuitsim.draw.geometry.Grid`).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict

import networkx as nx

from .geometry import Box, Grid, label_box, slant, text_box, text_width, towards
from .layout import layered_layout
from .model import Node, Picture, Wire, shared_instance
from .style import (
    ARROW, ASCENT, BOX_TITLE, BRANCH_PLACES, FAN_GAP, FONT, GAP, GROUP_PAD, GROUP_TITLE, LAYER_GAP, NAME_FONT, PIN_GAP,
    PLACES, RADIUS, TRUNK,
)

__all__ = ["Scene"]


class Scene:
    """One picture laid out: node positions, wire routes, label places.

    ``pos[node]`` is a centre, ``radius[gate]`` a circle's, ``size[box]`` an instance box's
    width and height, ``frame[instance]`` an expanded instance's rectangle, ``routes[k]`` the
    points of wire k, ``marks[k]`` where its ``×n`` mark sits and ``labels[k]`` its label texts,
    classes (``value``, ``grad``) and boxes.
    """

    def __init__(self, pic: Picture) -> None:
        self.pic = pic
        self.radius = {n.id: radius(n.label) for n in pic.nodes.values() if n.kind == "gate"}
        self.pins: dict[str, tuple[list[str], list[str]]] = {}  # box -> its inlets, its outlets
        for n in pic.nodes.values():
            if n.kind == "instance":
                self.pins[n.id] = ([], [])
            elif n.kind in ("inlet", "outlet"):
                self.pins[box_id(n)][n.kind == "outlet"].append(n.id)
        self.size = {b: self._box_size(b) for b in self.pins}
        self.pos: dict[str, tuple[float, float]] = {}
        self.bends: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self.edges: dict[int, tuple[str, str]] = {}  # wire -> the laid-out edge it follows
        self.frame: dict[str, Box] = {}  # expanded instance -> its rectangle
        self.routes: list[list[tuple[float, float]]] = []
        self.marks: dict[int, tuple[float, float]] = {}
        self.grid = Grid()
        self._lay_out()
        self._route()
        for k, w in enumerate(pic.wires):  # shapes first, so that the labels keep clear of them
            self._mark(k, w)
        for n in pic.nodes.values():
            self._keep_clear(n)
        self.frame_titles = {name: self._frame_title(name, f) for name, f in self.frame.items()}
        self.labels = {k: self._labels(k, w) for k, w in enumerate(pic.wires) if w.value is not None or w.grad is not None}

    # -- layout ----------------------------------------------------------------------------

    def _anchor(self, node: Node) -> str:
        """The laid-out node that ``node`` hangs off: a junction its owner's, a pin its box."""
        if node.kind == "junction":
            return self._anchor(self.pic.nodes[node.owner])
        return box_id(node) if node.kind in ("inlet", "outlet") else node.id

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
                self.links[shared_instance(self._level(end), self._level(w.target))].append((k, end, w.target))
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
            frames.update((g, f.moved(dx, dy)) for g, f in inner_frames.items())
            frames[b.removesuffix("@block")] = frame.moved(dx, dy)
        held = [Box(lay.x[n] - r[0], lay.y[n] - r[1], lay.x[n] + r[2], lay.y[n] + r[3]) for n, r in reach.items()]
        whole = functools.reduce(Box.union, held) if held else Box(0, 0, 0, 0)
        pad = GROUP_PAD
        return pos, bends, frames, Box(whole.left - pad, whole.top - pad - GROUP_TITLE, whole.right + pad, whole.bottom + pad)

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
            half = max(r, text_width(node.owner, NAME_FONT) / 2)
            return (half, r + NAME_FONT + 6, half, r + 4)
        width = text_width(node.label, FONT + 1) + 4
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
        ins = max((text_width(nodes[p].label, pin_font) for p in inlets if nodes[p].label), default=0)
        outs = max((text_width(nodes[p].label, pin_font) for p in outlets if nodes[p].label), default=0)
        width = max(text_width(nodes[box].label, FONT + 1) + 24, ins + outs + 32, 2 * RADIUS + 24)
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

    # -- wires -----------------------------------------------------------------------------

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
            return towards((x, y), toward, self.radius[node.id])
        if node.kind == "outlet":
            return (x, y)
        return (x + 3, y)

    def _arrive(self, node: Node, came_from: tuple) -> tuple[float, float]:
        x, y = self.pos[node.id]
        if node.kind == "gate":
            return towards((x, y), came_from, self.radius[node.id] + 1)
        if node.kind == "output":
            return (x - 4, y)
        if node.kind == "inlet":
            return (x - 1, y)
        return (x, y)

    # -- what labels keep clear of ---------------------------------------------------------

    def _mark(self, k: int, w: Wire) -> None:
        """The ``×n`` mark of a wire that drives several ports of one gate, and its arrowhead."""
        if self.pic.nodes[w.target].kind != "junction":
            a, b = self.routes[k][-2], self.routes[k][-1]
            tip = towards(b, a, ARROW / 2)
            self.grid.add_box(Box(tip[0] - ARROW / 2, tip[1] - ARROW / 2, tip[0] + ARROW / 2, tip[1] + ARROW / 2))
        if len(w.ports) > 1:
            x, y = self.routes[k][-1]
            self.marks[k] = (x - 10, y - 6)
            self.grid.add_box(Box(x - 26, y - 6 - NAME_FONT, x - 8, y - 4))

    def _keep_clear(self, n: Node) -> None:
        x, y = self.pos[n.id]
        if n.kind == "instance":
            width, height = self.size[n.id]
            self.grid.add_box(Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2))
        elif n.kind == "gate":
            r = self.radius[n.id]
            self.grid.add_box(Box(x - r, y - r, x + r, y + r))
            self.grid.add_box(text_box(x, y - r - 4, n.owner, NAME_FONT))
        elif n.kind in ("input", "const", "output"):
            width = text_width(n.label, FONT + 1)
            left = x + 2 if n.kind == "output" else x - 2 - width
            self.grid.add_box(Box(left, y - FONT / 2 - 1, left + width, y + FONT / 2 + 1))

    def _frame_title(self, name: str, frame: Box) -> tuple[float, float]:
        """Where an expanded instance's name goes: the top left of its rectangle."""
        x, y = frame.left + 6, frame.top + NAME_FONT + 5
        width = text_width(self.pic.groups[name].label, NAME_FONT + 1)
        self.grid.add_box(Box(x, y - ASCENT * (NAME_FONT + 1), x + width, y + 2))
        return x, y

    # -- labels ----------------------------------------------------------------------------

    def _labels(self, k: int, wire: Wire) -> list[tuple[str, str, Box]]:
        """The value above and the gradient below the wire, where they cover least."""
        texts = [(t, c) for t, c in ((wire.value, "value"), (wire.grad, "grad")) if t is not None]
        route = self.routes[k]
        # A branch after a junction is labelled towards its gate, where branches have parted.
        places = BRANCH_PLACES if self.pic.nodes[wire.source].kind == "junction" else PLACES
        best = None
        for a, b in zip(route, route[1:]):
            for t in places:
                boxes = [label_box(a, b, t, text, cls) for text, cls in texts]
                cost = slant(a, b)
                for box in boxes:
                    cost += self.grid.cost(box, k, best[0] - cost if best else math.inf)
                if best is None or cost < best[0]:
                    best = (cost, boxes)
                if cost < 1:
                    break
            if best[0] < 1:
                break
        for box in best[1]:
            self.grid.add_box(box)
        return [(text, cls, box) for (text, cls), box in zip(texts, best[1])]

    def bounds(self) -> Box:
        """The smallest box holding every shape, label and wire."""
        xs = [x for route in self.routes for x, _ in route]
        ys = [y for route in self.routes for _, y in route]
        for box in self.grid.placed + list(self.frame.values()):
            xs += [box.left, box.right]
            ys += [box.top, box.bottom]
        return Box(min(xs, default=0), min(ys, default=0), max(xs, default=0), max(ys, default=0))


def box_id(node: Node) -> str:
    """The box that an inlet or outlet sits on."""
    return f"{node.instance}@instance"


def radius(label: str) -> float:
    return max(RADIUS, text_width(label, FONT + 1) / 2 + 6)


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


def _instance_path(instance: str | None) -> tuple[str, ...]:
    """``"u/s"`` -> ``("u", "u/s")``: the instance and the ones it sits in, outermost first."""
    if instance is None:
        return ()
    parts = instance.split("/")
    return tuple("/".join(parts[: k + 1]) for k in range(len(parts)))

