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


@dataclass
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
        next to another wire reads as that wire's label.
        """
        near = Box(box.left - CLEAR, box.top - CLEAR, box.right + CLEAR, box.bottom + CLEAR)
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


def towards(centre: tuple, point: tuple, distance: float) -> tuple[float, float]:
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    length = math.hypot(dx, dy) or 1.0
    return (centre[0] + dx / length * distance, centre[1] + dy / length * distance)


def text_box(x: float, baseline: float, text: str, size: float) -> Box:
    width = text_width(text, size)
    return Box(x - width / 2, baseline - ASCENT * size, x + width / 2, baseline + 1)


def label_box(a: tuple, b: tuple, t: float, text: str, cls: str) -> Box:
    """The box of a label at ``t`` along segment a-b, just above (value) or below it.

    On a slanting wire the two labels slide apart along it, the value to the side where the
    wire falls away below it and the gradient to the other, so that both stay close to it.
    """
    width, height = text_width(text, FONT), ASCENT * FONT
    slope = (b[1] - a[1]) / (b[0] - a[0]) if b[0] != a[0] else 0.0
    slide = width / 2 * max(-1.0, min(1.0, slope * width / (2 * height)))
    x = a[0] + t * (b[0] - a[0]) + (slide if cls == "value" else -slide)
    ys = [y_at(a, b, x - width / 2), y_at(a, b, x + width / 2)]
    if cls == "value":
        bottom = min(ys) - GAP
        return Box(x - width / 2, bottom - height, x + width / 2, bottom + 1)
    top = max(ys) + GAP
    return Box(x - width / 2, top, x + width / 2, top + height + 1)


def y_at(a: tuple, b: tuple, x: float) -> float:
    """The height of segment a-b at ``x`` (clamped to its ends)."""
    if b[0] == a[0]:
        return (a[1] + b[1]) / 2
    t = min(1.0, max(0.0, (x - a[0]) / (b[0] - a[0])))
    return a[1] + t * (b[1] - a[1])


def slant(a: tuple, b: tuple) -> float:
    """A small price for labelling a steep segment, where labels drift from their wire."""
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    return 0.0 if dx == 0 and dy == 0 else 5.0 * dy / (dx + 1.0)
