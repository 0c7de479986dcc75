"""Boxes, segments and the grid that prices a label's place by what it would cover."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from circuitsim.draw.style import ASCENT, CHAR, CLEAR, FONT, GAP

__all__ = ["Box", "Grid", "label_box", "label_edges", "text_box", "text_width"]


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

    def crosses(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b passes through the box (Liang-Barsky clipping)."""
        return _crosses(self.left, self.top, self.right, self.bottom, a[0], a[1], b[0] - a[0], b[1] - a[1])

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy)

    def union(self, other: Box) -> Box:
        return Box(min(self.left, other.left), min(self.top, other.top), max(self.right, other.right), max(self.bottom, other.bottom))


class Grid:
    """Boxes and wire segments already drawn, bucketed by area, to price a new label's place.

    A cell's boxes are ``(left, top, right, bottom, i, j)``, with ``(i, j)`` the first cell
    the box is filed in; its segments ``(owner, ax, ay, dx, dy, left, top, right, bottom,
    cells)``: the segment from ``(ax, ay)`` to ``(ax + dx, ay + dy)``, its bounds, and the
    cells it is filed in, in order (``None`` if just one).
    """

    CELL = 64.0

    def __init__(self) -> None:
        self.placed: list[Box] = []
        self.boxes: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        self.segments: dict[tuple[int, int], list[tuple]] = defaultdict(list)

    def _cells(self, left, top, right, bottom):
        c = self.CELL
        for i in range(math.floor(left / c), math.floor(right / c) + 1):
            for j in range(math.floor(top / c), math.floor(bottom / c) + 1):
                yield i, j

    def add_box(self, box: Box) -> None:
        self.placed.append(box)
        left, top, right, bottom = box.left, box.top, box.right, box.bottom
        shape = (left, top, right, bottom, math.floor(left / self.CELL), math.floor(top / self.CELL))
        for cell in self._cells(left, top, right, bottom):
            self.boxes[cell].append(shape)

    def add_segment(self, owner: int, a: tuple, b: tuple) -> None:
        """File the segment under every cell it passes through (sampled a quarter cell apart)."""
        steps = max(1, math.ceil(4 * math.hypot(b[0] - a[0], b[1] - a[1]) / self.CELL))
        cells = sorted(
            {
                (math.floor((a[0] + (b[0] - a[0]) * i / steps) / self.CELL), math.floor((a[1] + (b[1] - a[1]) * i / steps) / self.CELL))
                for i in range(steps + 1)
            }
        )
        segment = (
            owner, a[0], a[1], b[0] - a[0], b[1] - a[1],
            min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]),
            tuple(cells) if len(cells) > 1 else None,
        )  # fmt: skip
        for cell in cells:
            self.segments[cell].append(segment)

    def crossed(self, box: Box, owners: Collection[int]) -> bool:
        """Whether a segment of another owner than ``owners`` passes through ``box``."""
        left, top, right, bottom = box.left, box.top, box.right, box.bottom
        for cell in self._cells(left, top, right, bottom):
            for owner, ax, ay, dx, dy, sl, st, sr, sb, _ in self.segments.get(cell, ()):
                if owner not in owners and sl <= right and left <= sr and st <= bottom and top <= sb:
                    if _crosses(left, top, right, bottom, ax, ay, dx, dy):
                        return True
        return False

    def cost(self, left: float, top: float, right: float, bottom: float, owner: int, limit: float = math.inf) -> float:
        """The price of putting a label in the box ``left, top, right, bottom``: what it
        covers, and what it comes close to.

        Covering another label or a gate costs most, crossing another wire less (labels have a
        white halo); coming within ``CLEAR`` of either costs a little, because a number right
        next to another wire reads as that wire's label. Once the price reaches ``limit`` the
        rest is not looked at.

        This is where drawing a circuit spends most of its time (tens of calls per wire), so
        it works on plain floats, adding up in a fixed order: cell by cell, each cell's boxes
        then its segments. A shape filed in several cells is counted in the first of them
        that the search looks at.
        """
        nl, nt, nr, nb = left - CLEAR, top - CLEAR, right + CLEAR, bottom + CLEAR
        size, boxes, segments = self.CELL, self.boxes, self.segments
        i0, i1, j0, j1 = int(nl // size), int(nr // size), int(nt // size), int(nb // size)  # as floor(x / size)
        cost = 0.0
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for ol, ot, orr, ob, oi, oj in boxes.get((i, j), ()):
                    if ol >= nr or orr <= nl or ot >= nb or ob <= nt:
                        continue  # not within CLEAR: adds nothing
                    if (i != oi and i != i0) or (j != oj and j != j0):
                        continue  # counted in an earlier cell
                    w = (right if right < orr else orr) - (left if left > ol else ol)
                    h = (bottom if bottom < ob else ob) - (top if top > ot else ot)
                    covered = w * h if w > 0 and h > 0 else 0.0
                    w = (nr if nr < orr else orr) - (nl if nl > ol else ol)
                    h = (nb if nb < ob else ob) - (nt if nt > ot else ot)
                    cost += 4.0 * covered + 0.5 * (w * h if w > 0 and h > 0 else 0.0)
                for so, ax, ay, dx, dy, sl, st, sr, sb, cells in segments.get((i, j), ()):
                    if so == owner or sl > nr or nl > sr or st > nb or nt > sb:
                        continue
                    if cells is not None:  # counted in the first of its cells that is looked at
                        for ci, cj in cells:
                            if i0 <= ci <= i1 and j0 <= cj <= j1:
                                break
                        if ci != i or cj != j:
                            continue
                    if _crosses(left, top, right, bottom, ax, ay, dx, dy):
                        cost += 100.0
                    elif _crosses(nl, nt, nr, nb, ax, ay, dx, dy):
                        cost += 15.0
                if cost >= limit:
                    return cost
        return cost


def _crosses(left: float, top: float, right: float, bottom: float, x0: float, y0: float, dx: float, dy: float) -> bool:
    """:meth:`Box.crosses` on plain floats, for the segment from (x0, y0) to (x0 + dx, y0 + dy)."""
    # The two axes are written out: label placement calls this some 200,000 times for a
    # 1k-gate picture, and a loop over the axes made that drawing about 10% slower.
    lo, hi = 0.0, 1.0
    if dx == 0:
        if x0 - left < 0 or right - x0 < 0:
            return False
    elif dx > 0:  # entering through the left edge, leaving through the right
        t = (x0 - left) / -dx
        if t > lo:
            lo = t
        t = (right - x0) / dx
        if t < hi:
            hi = t
    else:
        t = (x0 - left) / -dx
        if t < hi:
            hi = t
        t = (right - x0) / dx
        if t > lo:
            lo = t
    if dy == 0:
        if y0 - top < 0 or bottom - y0 < 0:
            return False
    elif dy > 0:
        t = (y0 - top) / -dy
        if t > lo:
            lo = t
        t = (bottom - y0) / dy
        if t < hi:
            hi = t
    else:
        t = (y0 - top) / -dy
        if t < hi:
            hi = t
        t = (bottom - y0) / dy
        if t > lo:
            lo = t
    return lo <= hi


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
    return Box(*next(label_edges(a, b, (t,), cls, text_width(text, FONT) if width is None else width)))


def label_edges(a: tuple, b: tuple, places: tuple, cls: str, width: float) -> Iterator[tuple[float, float, float, float]]:
    """:func:`label_box` at each of ``places`` along a-b in turn, as (left, top, right, bottom)."""
    height = ASCENT * FONT
    (ax, ay), (bx, by) = a, b
    dx, dy, half = bx - ax, by - ay, width / 2
    slope = dy / dx if bx != ax else 0.0
    slide = half * max(-1.0, min(1.0, slope * width / (2 * height)))
    value = cls == "value"
    shift = slide if value else -slide
    for t in places:
        x = ax + t * dx + shift
        if bx == ax:
            y0 = y1 = (ay + by) / 2
        else:  # the wire's height at both ends of the text, as ay + min(1, max(0, u)) * dy
            u = (x - half - ax) / dx
            y0 = ay + (1.0 if u >= 1.0 else u if u > 0.0 else 0.0) * dy
            u = (x + half - ax) / dx
            y1 = ay + (1.0 if u >= 1.0 else u if u > 0.0 else 0.0) * dy
        if value:
            bottom = (y1 if y1 < y0 else y0) - GAP
            yield (x - half, bottom - height, x + half, bottom + 1)
        else:
            top = (y1 if y1 > y0 else y0) + GAP
            yield (x - half, top, x + half, top + height + 1)


def slant(a: tuple, b: tuple) -> float:
    """A small price for labelling a steep segment, where labels drift from their wire."""
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    return 0.0 if dx == 0 and dy == 0 else 5.0 * dy / (dx + 1.0)
