"""How a laid-out picture's wires run (a part of :class:`~circuitsim.draw.scene.Scene`).

A wire leaves its node level, runs level past every column it crosses and comes in level to its
target, so that its slanting parts lie between columns, where no node is. Several wires into one
gate arrive side by side. A fan-out whose gates stand in several columns is a bus: its trunk
runs on through a tap before each further column, and each branch leaves from its tap.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from circuitsim.draw.geometry import Box, Grid
from circuitsim.draw.model import Node
from circuitsim.draw.style import ARROW

__all__ = ["Routing"]

JUNCTION_SLIDES = (0, -12, 12, -22, 22, -32, 32)  # where a fan-out's dot may go along its trunk
SLOT_GAP = 10  # between wires coming into one gate


class Routing:
    """The wires of a :class:`~circuitsim.draw.scene.Scene`: ``routes[k]`` are wire k's points."""

    def _route(self) -> None:
        """Each wire's points: it leaves its node level, runs level past every column it
        crosses and comes in level to its target, so that its slanting parts lie between
        columns, where no node is; a fan-out's dot moves along its trunk off other wires."""
        pic = self.pic
        self.slot_dy = self._slots()
        self.routes = [self._route_one(k) for k in range(len(pic.wires))]
        if not self.careful:
            return
        by_source = defaultdict(list)
        for k, w in enumerate(pic.wires):
            by_source[w.source].append(k)
        crowd = Grid()
        for k, w in enumerate(pic.wires):
            for a, b in zip(self.routes[k], self.routes[k][1:]):
                crowd.add_segment(k, a, b)
        for n in pic.nodes.values():
            if n.kind == "junction":
                self._clear_junction(n, crowd, by_source)
        for k, route in enumerate(self.routes):
            for a, b in zip(route, route[1:]):
                self.grid.add_segment(k, a, b)

    def _route_one(self, k: int) -> list[tuple[float, float]]:
        pic = self.pic
        w = pic.wires[k]
        src, tgt = pic.nodes[w.source], pic.nodes[w.target]
        x, y = self.pos[w.source]
        if src.kind == "junction":
            tap = self.edges.get(k, (None,))[0]
            if src.id in self.taps and tap != self.taps[src.id][0]:  # it leaves the bus at its tap
                x, y = self.pos[tap]
            points = [(x, y)]
        else:
            start = (x + self.radius[src.id], y) if src.kind == "gate" else (x if src.kind == "outlet" else x + 3, y)
            points = [start]
            if tgt.kind == "junction" and tgt.id not in self.detached:  # the trunk runs level to its dot
                points = [start, self.pos[w.target]]
                if tgt.id in self.taps:
                    self.trunk_points[k] = 2
                    points += self._bus(tgt.id, None)
                return points
        edge = self.edges.get(k) or (self._anchor(src), self._anchor(tgt))
        if src.kind != "junction":
            anchor = self._anchor(src)
            leave = self.pos[anchor][0] + self.column[anchor][1]
            if edge[0].endswith("@block"):  # out of an expanded instance: level past its rectangle
                leave = max(leave, self.frame[edge[0].removesuffix("@block")].right + ARROW)
            points.append((max(start[0], leave), y))
        points += self.bends.get(edge, ())
        x, y = self.pos[w.target]
        dy = self.slot_dy.get(k, 0.0)
        anchor = self._anchor(tgt)
        enter = self.pos[anchor][0] - self.column[anchor][0]
        if edge[1].endswith("@block"):  # into an expanded instance: level from before its rectangle
            enter = min(enter, self.frame[edge[1].removesuffix("@block")].left - ARROW)
        points.append((max(enter, points[-1][0] + 1), y + dy))
        if tgt.kind == "gate":
            r = self.radius[tgt.id]
            points.append((x - math.sqrt(max(r * r - dy * dy, 0.0)) - 1, y + dy))
        elif tgt.kind == "junction":
            points.append((x, y))
        else:
            points.append((x - 4 if tgt.kind == "output" else x - 1, y))
        if tgt.kind == "junction" and tgt.id in self.taps:  # the trunk runs on along the bus
            self.trunk_points[k] = len(points)
            points += self._bus(tgt.id, None)
        return points

    def _slots(self) -> dict[int, float]:
        """Wire -> how far below its gate's centre it comes in: several wires into one gate
        arrive side by side, in the order of where they come from."""
        into = defaultdict(list)
        for k, w in enumerate(self.pic.wires):
            if self.pic.nodes[w.target].kind == "gate":
                into[w.target].append(k)
        slot = {}
        for gate, wires in into.items():
            if len(wires) < 2:
                continue
            wires.sort(key=lambda k: self._came_from(k))
            r = self.radius[gate]
            spacing = min(SLOT_GAP, 1.4 * r / (len(wires) - 1))
            for i, k in enumerate(wires):
                slot[k] = (i - (len(wires) - 1) / 2) * spacing
        return slot

    def _came_from(self, k: int) -> float:
        """The height a wire comes from, as seen from its target: its last bend or its source."""
        w = self.pic.wires[k]
        edge = self.edges.get(k) or (self._anchor(self.pic.nodes[w.source]), self._anchor(self.pic.nodes[w.target]))
        bends = self.bends.get(edge)
        return bends[-1][1] if bends else self.pos[w.source][1]

    def _clear_junction(self, n: Node, crowd: Grid, by_source: dict) -> None:
        """Slide junction ``n`` along its trunk until no other wire passes through its dot."""
        own = set(by_source[n.id]) | set(by_source[n.owner])  # its branches and its trunk
        x, y = self.pos[n.id]
        for dx in JUNCTION_SLIDES:
            dot = Box(x + dx - 5, y - 5, x + dx + 5, y + 5)
            if not crowd.crossed(dot, own):
                break
        else:
            return
        if dx:
            self.pos[n.id] = (x + dx, y)
            for k in own:
                self.routes[k] = self._route_one(k)

    def _bus(self, j: str, tap: str | None) -> list[tuple[float, float]]:
        """The points from junction ``j`` along its bus to ``tap`` (None: to its end), level
        through each column."""
        points, chain = [], self.taps[j]
        for a, b in zip(chain, chain[1:]):
            points += self.bends.get((a, b), ())
            x, y = self.pos[b]
            points += [(x - self.column[b][1] - self.column[b][0], y), (x, y)]
            if b == tap:
                break
        return points

    def dots(self, junction: str) -> list[tuple[float, float]]:
        """Where a fan-out's dots go: the points of its junction and its bus's taps where the
        wire branches (two or more wires leave), not where one comes in and one goes out."""
        chain = self.taps.get(junction)
        if not chain:
            return [self.pos[junction]]
        if not hasattr(self, "_leaving"):  # where each wire out of a junction leaves: it or a tap
            self._leaving: dict[str, Counter] = defaultdict(Counter)
            for k, w in enumerate(self.pic.wires):
                if w.source in self.taps:
                    self._leaving[w.source][self.edges.get(k, (self.taps[w.source][0],))[0]] += 1
        leaving = self._leaving[junction]
        points = [junction] + chain[1:]  # chain[0] is where the bus starts: the junction's place
        return [self.pos[p] for i, (p, at) in enumerate(zip(points, chain)) if leaving[at] + (i < len(chain) - 1) >= 2]
