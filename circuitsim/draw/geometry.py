"""Boxes, segments and the grid that prices a label's place by what it would cover."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from circuitsim.draw.style import ASCENT, CHAR, CLEAR, FONT, GAP

__all__ = ["Box", "Grid", "label_box", "text_box", "text_width"]


def text_width(text: str, size: float) -> float:
    return max(len(text), 1) * size * CHAR


@dataclass(slots=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Box) -> float:
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return w * h if w > 0 and h > 0 else 0.0

    def meets(self, other: Box) -> bool:
        """Whether the boxes share a point (edges included)."""
        return self.left <= other.right and other.left <= self.right and self.top <= other.bottom and other.top <= self.bottom

    def crosses(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b passes through the box (Liang-Barsky clipping)."""
        return _crosses(self.left, self.top, self.right, self.bottom, a, b)

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy)

    def union(self, other: Box) -> Box:
        return Box(min(self.left, other.left), min(self.top, other.top), max(self.right, other.right), max(self.bottom, other.bottom))


class Grid:
    """Boxes and wire segments already drawn, bucketed by area, to price a new label's place."""

    CELL = 64.0

    def __init__(self) -> None:
        self.placed: list[Box] = []
        self.boxes: dict[tuple[int, int], list[Box]] = defaultdict(list)
        self.segments: dict[tuple[int, int], list[tuple[int, tuple, tuple, Box]]] = defaultdict(list)

    def _cells(self, left, top, right, bottom):
        c = self.CELL
        for i in range(math.floor(left / c), math.floor(right / c) + 1):
            for j in range(math.floor(top / c), math.floor(bottom / c) + 1):
                yield i, j

    def add_box(self, box: Box) -> None:
        self.placed.append(box)
        for cell in self._cells(box.left, box.top, box.right, box.bottom):
            self.boxes[cell].append(box)

    def add_segment(self, owner: int, a: tuple, b: tuple) -> None:
        """File the segment under every cell it passes through (sampled a quarter cell apart)."""
        segment = (owner, a, b, Box(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
        steps = max(1, math.ceil(4 * math.hypot(b[0] - a[0], b[1] - a[1]) / self.CELL))
        cells = {
            (math.floor((a[0] + (b[0] - a[0]) * i / steps) / self.CELL), math.floor((a[1] + (b[1] - a[1]) * i / steps) / self.CELL))
            for i in range(steps + 1)
        }
        for cell in cells:
            self.segments[cell].append(segment)

    def crossed(self, box: Box, owners: Collection[int]) -> bool:
        """Whether a segment of another owner than ``owners`` passes through ``box``."""
        for cell in self._cells(box.left, box.top, box.right, box.bottom):
            for seg in self.segments.get(cell, ()):
                if seg[0] not in owners and seg[3].meets(box) and box.crosses(seg[1], seg[2]):
                    return True
        return False

    def cost(self, box: Box, owner: int, limit: float = math.inf) -> float:
        """The price of putting a label in ``box``: what it covers, and what it comes close to.

        Covering another label or a gate costs most, crossing another wire less (labels have a
        white halo); coming within ``CLEAR`` of either costs a little, because a number right
        next to another wire reads as that wire's label. Once the price reaches ``limit`` the
        rest is not looked at.

        This is where drawing a circuit spends most of its time (tens of calls per wire), so
        it works on plain floats; a shape filed in several cells is counted once.
        """
        left, top, right, bottom = box.left, box.top, box.right, box.bottom
        nl, nt, nr, nb = left - CLEAR, top - CLEAR, right + CLEAR, bottom + CLEAR
        size, boxes, segments = self.CELL, self.boxes, self.segments
        i0, i1, j0, j1 = math.floor(nl / size), math.floor(nr / size), math.floor(nt / size), math.floor(nb / size)
        seen = None if i0 == i1 and j0 == j1 else set()  # one cell: nothing is met twice
        cost = 0.0
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for other in boxes.get((i, j), ()):
                    if seen is not None:
                        if id(other) in seen:
                            continue
                        seen.add(id(other))
                    ol, ot, orr, ob = other.left, other.top, other.right, other.bottom
                    w = (right if right < orr else orr) - (left if left > ol else ol)
                    h = (bottom if bottom < ob else ob) - (top if top > ot else ot)
                    covered = w * h if w > 0 and h > 0 else 0.0
                    w = (nr if nr < orr else orr) - (nl if nl > ol else ol)
                    h = (nb if nb < ob else ob) - (nt if nt > ot else ot)
                    cost += 4.0 * covered + 0.5 * (w * h if w > 0 and h > 0 else 0.0)
                for seg in segments.get((i, j), ()):
                    if seen is not None and id(seg) in seen or seg[0] == owner:
                        continue
                    bounds = seg[3]
                    if not (bounds.left <= nr and nl <= bounds.right and bounds.top <= nb and nt <= bounds.bottom):
                        continue
                    if seen is not None:
                        seen.add(id(seg))
                    if _crosses(left, top, right, bottom, seg[1], seg[2]):
                        cost += 100.0
                    elif _crosses(nl, nt, nr, nb, seg[1], seg[2]):
                        cost += 15.0
                if cost >= limit:
                    return cost
        return cost


def _crosses(left: float, top: float, right: float, bottom: float, a: tuple, b: tuple) -> bool:
    """:meth:`Box.crosses` on plain floats."""
    x0, y0 = a
    dx, dy = b[0] - x0, b[1] - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                if t > lo:
                    lo = t
            elif t < hi:
                hi = t
            if lo > hi:
                return False
    return True


def towards(centre: tuple, point: tuple, distance: float) -> tuple[float, float]:
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    length = math.hypot(dx, dy) or 1.0
    return (centre[0] + dx / length * distance, centre[1] + dy / length * distance)


def text_box(x: float, baseline: float, text: str, size: float) -> Box:
    width = text_width(text, size)
    return Box(x - width / 2, baseline - ASCENT * size, x + width / 2, baseline + 1)


def label_box(a: tuple, b: tuple, t: float, text: str, cls: str, width: float | None = None) -> Box:
    """The box of a label at ``t`` along segment a-b, just above (value) or below it
    (``width``: the text's, if known).

    On a slanting wire the two labels slide apart along it, the value to the side where the
    wire falls away below it and the gradient to the other, so that both stay close to it.
    """
    if width is None:
        width = text_width(text, FONT)
    height = ASCENT * FONT
    (ax, ay), (bx, by) = a, b
    slope = (by - ay) / (bx - ax) if bx != ax else 0.0
    slide = width / 2 * max(-1.0, min(1.0, slope * width / (2 * height)))
    x = ax + t * (bx - ax) + (slide if cls == "value" else -slide)
    if bx == ax:
        y0 = y1 = (ay + by) / 2
    else:  # the wire's height at both ends of the text
        y0 = ay + min(1.0, max(0.0, (x - width / 2 - ax) / (bx - ax))) * (by - ay)
        y1 = ay + min(1.0, max(0.0, (x + width / 2 - ax) / (bx - ax))) * (by - ay)
    if cls == "value":
        bottom = min(y0, y1) - GAP
        return Box(x - width / 2, bottom - height, x + width / 2, bottom + 1)
    top = max(y0, y1) + GAP
    return Box(x - width / 2, top, x + width / 2, top + height + 1)


def slant(a: tuple, b: tuple) -> float:
    """A small price for labelling a steep segment, where labels drift from their wire."""
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    return 0.0 if dx == 0 and dy == 0 else 5.0 * dy / (dx + 1.0)
