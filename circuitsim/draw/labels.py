"""Where a laid-out picture's labels go (a part of :class:`~circuitsim.draw.scene.Scene`).

Shapes are filed in a :class:`~circuitsim.draw.geometry.Grid` first (gates, names, arrowheads,
``×n`` marks, instance boxes and titles); then each wire's value goes above it and its gradient
below it, at the place along it where they cover least of what is already there.
"""

from __future__ import annotations

import math

from circuitsim.draw.geometry import (
    Box,
    label_box,
    label_edges,
    slant,
    text_box,
    text_width,
    towards,
)
from circuitsim.draw.model import Node, Wire
from circuitsim.draw.style import ARROW, ASCENT, BRANCH_PLACES, FONT, NAME_FONT, PLACES

__all__ = ["Labelling"]

SEGMENTS_TRIED = 3  # a wire's labels go on one of its longest segments
CAREFUL_WIRES = 2500  # above this many wires, labels are placed without looking for room


class Labelling:
    """The labels of a :class:`~circuitsim.draw.scene.Scene`: ``labels[k]`` are wire k's
    texts, classes and boxes, ``label_places[k]`` the segment of its route they are on and how
    far along it (``(i, t)``); ``marks[k]`` where its ``×n`` mark goes."""

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

    def _labels(self, k: int, wire: Wire) -> list[tuple[str, str, Box]]:
        """The value above and the gradient below the wire, where they cover least (in a
        picture of more than ``CAREFUL_WIRES`` wires: in the middle of its longest segment)."""
        texts = [(t, c) for t, c in ((wire.value, "value"), (wire.grad, "grad")) if t is not None]
        widths = [text_width(t, FONT) for t, _ in texts]
        route = self.routes[k]
        # A branch after a junction is labelled towards its gate, where branches have parted.
        places = BRANCH_PLACES if self.pic.nodes[wire.source].kind == "junction" else PLACES
        own = route[: self.trunk_points.get(k, len(route))]  # a trunk is labelled before its bus
        segments = sorted(enumerate(zip(own, own[1:])), key=lambda ab: -math.dist(*ab[1]))[:SEGMENTS_TRIED]
        if not self.careful:  # no search: the middle of the longest segment
            i, (a, b) = segments[0]
            best = (0.0, [label_box(a, b, 0.5, text, cls) for text, cls in texts], (i, 0.5))
            segments = []
        else:
            best = None
        for i, (a, b) in segments:
            steep = slant(a, b)
            if best is not None and steep >= best[0]:  # no place on this segment can do better
                continue
            spots = zip(*(label_edges(a, b, places, cls, width) for (_, cls), width in zip(texts, widths))) if texts else [()] * len(places)
            for t, edges in zip(places, spots):
                cost = steep
                for left, top, right, bottom in edges:
                    if best is not None and cost >= best[0]:  # it cannot do better: the rest need not be priced
                        break
                    cost += self.grid.cost(left, top, right, bottom, k, best[0] - cost if best else math.inf)
                if best is None or cost < best[0]:
                    best = (cost, [Box(*e) for e in edges], (i, t))
                if cost < 1:
                    break
            if best[0] < 1:
                break
        for box in best[1]:
            self.grid.add_box(box)
        self.label_places[k] = best[2]
        return [(text, cls, box) for (text, cls), box in zip(texts, best[1])]

