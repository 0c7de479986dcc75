"""Geometry of a :class:`~circuitsim.draw.model.Picture`: where each node, wire and label goes.

An expanded instance is laid out on its own first (:mod:`circuitsim.draw.layout`), then placed
in its parent's layout as one block, as a collapsed instance's box is; a wire is laid out at the
level of the innermost instance holding both its ends. The wires are routed by
:class:`~circuitsim.draw.routing.Routing`, the labels placed by :class:`~circuitsim.draw.labels.Labelling`.
"""

from __future__ import annotations

import functools
from collections import defaultdict

import networkx as nx

from circuitsim.draw.geometry import Box, Grid, text_width
from circuitsim.draw.labels import CAREFUL_WIRES, Labelling
from circuitsim.draw.layout import layered_layout
from circuitsim.draw.model import Node, Picture, shared_instance
from circuitsim.draw.routing import Routing
from circuitsim.draw.style import (
    ARROW,
    BOX_TITLE,
    FAN_GAP,
    FONT,
    GAP,
    GROUP_PAD,
    GROUP_TITLE,
    LAYER_GAP,
    NAME_FONT,
    PIN_GAP,
    RADIUS,
    TRUNK,
)

__all__ = ["Scene"]


class Scene(Routing, Labelling):
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
        self.trunk_points: dict[int, int] = {}  # a trunk that runs on along a bus -> its points before
        self.column: dict[str, tuple[float, float]] = {}  # laid-out node -> its column's reach
        self.detached: set[str] = set()  # junctions laid out on their own
        self.taps: dict[str, list[str]] = {}  # such a junction -> it and the taps of its bus
        self.grid = Grid()
        self.careful = len(pic.wires) <= CAREFUL_WIRES  # whether labels look for room
        self._lay_out()
        self._route()
        for k, w in enumerate(pic.wires):  # shapes first, so that the labels keep clear of them
            self._mark(k, w)
        for n in pic.nodes.values():
            self._keep_clear(n)
        self.frame_titles = {name: self._frame_title(name, f) for name, f in self.frame.items()}
        self.label_places: dict[int, tuple[int, float]] = {}
        self.labels = {k: self._labels(k, w) for k, w in enumerate(pic.wires) if w.value is not None or w.grad is not None}

    # -- layout ----------------------------------------------------------------------------

    def _anchor(self, node: Node) -> str:
        """The laid-out node that ``node`` hangs off: a junction its owner's (unless it is laid
        out on its own), a pin its box."""
        if node.kind == "junction" and node.id not in self.detached:
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
        self.fan_wires: dict[str, list[int]] = defaultdict(list)  # junction -> its trunk and branches
        for k, w in enumerate(pic.wires):
            for end in (w.source, w.target):
                if pic.nodes[end].kind == "junction":
                    self.fan_wires[end].append(k)
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
            if n.kind == "junction" and n.id not in self.pos:  # on its owner's trunk
                x, y = self.pos[n.owner]
                self.pos[n.id] = (x + self.radius.get(n.owner, 3.0) + TRUNK, y)
            elif n.kind == "junction":  # laid out: right past its column
                x, y = self.pos[n.id]
                self.pos[n.id] = (x + self.column[n.id][1], y)
        for chain in self.taps.values():  # the taps of a bus too
            for tap in chain[1:]:
                x, y = self.pos[tap]
                self.pos[tap] = (x + self.column[tap][1], y)

    def _lay_out_level(self, group: str | None):
        """Positions, bends and rectangles of everything in ``group``, and the box it fills."""
        pic = self.pic
        graph = nx.DiGraph()
        graph.add_nodes_from(self.members[group])
        blocks = {b: self._lay_out_level(b.removesuffix("@block")) for b in graph if b.endswith("@block")}
        ends = {k: (self._rep(self._anchor(pic.nodes[end]), group), self._rep(self._anchor(pic.nodes[t]), group)) for k, end, t in self.links[group]}
        graph.add_edges_from(ends.values())
        layer = _layers(graph, pic)
        for j, (owner, column) in self._detached(group, ends, layer).items():
            self.detached.add(j)
            layer[j] = column
            graph.add_node(j)
            for k in self.fan_wires[j]:
                if pic.wires[k].target == j:
                    ends[k] = (owner, j)
                else:
                    ends[k] = (j, ends[k][1])
            self._tap(j, j, graph, layer, ends)
        for j in self.fans[group]:  # a junction on its owner's trunk may feed several columns too
            branches = [k for k in self.fan_wires[j] if pic.wires[k].source == j]
            if j not in self.detached and all(k in ends for k in branches):
                self._tap(j, ends[branches[0]][0], graph, layer, ends)
        graph.remove_edges_from(list(graph.edges))
        for chain in (self.taps[j] for j in self.fans[group] if j in self.taps):
            graph.add_edges_from(zip(chain, chain[1:]))
        attach = {}
        for k, (a, b) in ends.items():
            graph.add_edge(a, b)
            self.edges[k] = (a, b)
            w = pic.wires[k]
            at_a = 0.0 if a in self.detached else self._offset(self._end(pic.nodes[w.source]), a, blocks)
            at_b = 0.0 if b in self.detached else self._offset(w.target, b, blocks)
            if (at_a, at_b) != (0.0, 0.0):
                attach.setdefault((a, b), (at_a, at_b))
        reach = {n: self._reach(n, blocks) for n in graph}
        height = {n: self._room(n, reach[n]) for n in graph}
        lay = layered_layout(
            graph, layer, height, gaps=self._gaps(group, layer, reach), dummy_height=2 * (FONT + GAP) + 8, attach=attach
        )
        pos = {n: (lay.x[n], lay.y[n]) for n in graph if n not in blocks}
        bends, column = _past_columns(lay, reach)
        frames = {}
        self.column.update((n, column[lay.x[n]]) for n in graph if n not in blocks)
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

    def _tap(self, j: str, start: str, graph: nx.DiGraph, layer: dict, ends: dict) -> None:
        """A junction whose gates stand in several columns becomes a bus: its trunk runs on
        from the junction through a tap before each further column of its gates, and each
        branch leaves from the tap before its gate, so that one wire, not one per branch,
        crosses the columns in between."""
        branches = [k for k in self.fan_wires[j] if self.pic.wires[k].source == j]
        columns = sorted({layer[ends[k][1]] for k in branches})
        if len(columns) < 2:
            return
        chain = [start]  # the junction, or the node whose trunk holds it
        for column in columns[1:]:
            tap = f"{j}@tap{column}"
            graph.add_node(tap)
            layer[tap] = column - 1
            chain.append(tap)
        self.taps[j] = chain
        at = {column: tap for column, tap in zip(columns, chain)}
        for k in branches:
            ends[k] = (at[layer[ends[k][1]]], ends[k][1])

    def _detached(self, group: str | None, ends: dict, layer: dict) -> dict[str, tuple[str, int]]:
        """The junctions of ``group`` that are laid out on their own, in the column just before
        their first gate (a trunk then runs level to where the value is read, and one wire
        rather than one per branch crosses the columns in between): junction -> (owner, column)."""
        detached = {}
        for j in self.fans[group]:
            owner = self._rep(self._anchor(self.pic.nodes[self.pic.nodes[j].owner]), group)
            branches = [k for k in self.fan_wires[j] if self.pic.wires[k].source == j]
            if not all(k in ends for k in branches):  # a branch laid out inside an instance
                continue
            column = min(layer[ends[k][1]] for k in branches) - 1
            if column > layer[owner]:
                detached[j] = (owner, column)
        return detached

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
        node = self.pic.nodes.get(name)
        if node is None:  # a tap on a bus
            return (4.0, FONT, 4.0, FONT)
        if node.kind == "instance":
            return (self.size[name][0] / 2, self.size[name][1] / 2) * 2
        if node.kind == "junction":
            return (4.0, FONT, 4.0, FONT)
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
        if "@tap" in name:
            return 2 * (FONT + GAP) + 16
        if node is None or node.kind == "instance":  # a block or a box
            return reach[1] + reach[3] + 2 * (FONT + GAP) + 16
        return 2 * (FONT + GAP) + 16

    def _gaps(self, group: str | None, layer: dict, reach: dict) -> list[float]:
        """Between neighbouring layers: more after a fan-out, and room for wide boxes and blocks."""
        pic = self.pic
        fans = {layer[n] if n in layer else layer[self._rep(self._anchor(pic.nodes[n]), group)] for n in self.fans[group]}
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

    def bounds(self) -> Box:
        """The smallest box holding every shape, label and wire."""
        xs = [x for route in self.routes for x, _ in route]
        ys = [y for route in self.routes for _, y in route]
        for box in self.grid.placed + list(self.frame.values()):
            xs += [box.left, box.right]
            ys += [box.top, box.bottom]
        return Box(min(xs, default=0), min(ys, default=0), max(xs, default=0), max(ys, default=0))


def _layers(graph: nx.DiGraph, pic: Picture) -> dict[str, int]:
    """Each laid-out node's column: as early as its inputs allow, except that every input and
    constant, and a gate read by one gate only, sits right before the gate it feeds (a gate
    only if that gate did not move itself, so that chains of gates stay in step). A gate fed
    from outside its level (an expanded instance's port) stays in the first column, where the
    wire from outside comes in without crossing the instance's other gates, and one read
    outside only (an instance's output) in the last column, where the wire leaves."""
    layer = {}
    order = []
    for i, generation in enumerate(nx.topological_generations(graph)):
        for n in generation:
            layer[n] = i
            order.append(n)
    last = max(layer.values(), default=0)
    moved = set()
    for n in reversed(order):
        if not graph.out_degree(n) and n in pic.nodes and pic.nodes[n].kind == "gate" and pic.nodes[n].instance:
            layer[n] = last  # read outside the instance only: in its last column, where the wire leaves
            continue
        kind = pic.nodes[n].kind if n in pic.nodes else None
        if not graph.out_degree(n) or kind not in ("gate", "input", "const"):
            continue
        successors = list(graph.successors(n))
        if kind == "gate" and (len(successors) > 1 or successors[0] in moved or not graph.in_degree(n)):
            continue
        wish = min(layer[s] for s in successors) - 1
        if wish != layer[n]:
            layer[n] = wish
            moved.add(n)
    return layer


def box_id(node: Node) -> str:
    """The box that an inlet or outlet sits on."""
    return f"{node.instance}@instance"


def radius(label: str) -> float:
    return max(RADIUS, text_width(label, FONT + 1) / 2 + 6)


def _past_columns(lay, reach: dict) -> tuple[dict, dict]:
    """Bends of long wires, each split in two where its column holds nodes, so that the wire
    runs level past them instead of slanting through the column; and each column's reach.

    ``reach`` gives how far each laid-out node reaches left, up, right and down; a column's
    reach is ``(left, right)`` of its widest, plus room for an arrowhead.
    """
    column: dict[float, tuple[float, float]] = {}
    for n, (left, _, right, _) in reach.items():
        old = column.get(lay.x[n], (0.0, 0.0))
        column[lay.x[n]] = (max(old[0], left + ARROW), max(old[1], right + ARROW))
    bends = {
        edge: [p for x, y in points for p in (((x - column[x][0], y), (x + column[x][1], y)) if x in column else ((x, y),))]
        for edge, points in lay.bends.items()
    }
    return bends, column


def _block_id(instance: str) -> str:
    """The node that stands for an expanded instance in its parent's layout."""
    return f"{instance}@block"


def _instance_path(instance: str | None) -> tuple[str, ...]:
    """``"u/s"`` -> ``("u", "u/s")``: the instance and the ones it sits in, outermost first."""
    if instance is None:
        return ()
    parts = instance.split("/")
    return tuple("/".join(parts[: k + 1]) for k in range(len(parts)))

