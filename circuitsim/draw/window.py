"""What to draw of a circuit too big to draw whole: a window of nodes around some nodes.

A window of depth K around a node holds every node at most K wires away from it, upstream or
downstream; the picture draws those nodes, the wires between them and, as names at the left,
the nodes outside that feed them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from circuitsim.errors import CircuitError, did_you_mean

__all__ = ["LIMIT", "around", "fitting"]

LIMIT = 2000  # the most gates a picture draws unless asked for more


def around(nodes, centres: Iterable[str], depth: int, *, upstream_only: bool = False) -> set[str]:
    """The names within ``depth`` wires of ``centres`` (both ways, or upstream only)."""
    centres = list(centres)
    for name in centres:
        if name not in nodes:
            shown = [n for n in nodes if nodes[n].kind != "const"]
            raise CircuitError(f"cannot draw around unknown node {name!r}{did_you_mean(name, shown)}")
    readers = _readers(nodes) if not upstream_only else {}
    seen, frontier = set(centres), list(centres)
    for _ in range(depth):
        if not frontier:  # everything reachable is in: more depth adds nothing
            break
        step = []
        for name in frontier:
            for near in (*nodes[name].sources, *readers.get(name, ())):
                if near not in seen:
                    seen.add(near)
                    step.append(near)
        frontier = step
    return seen


def fitting(nodes, limit: int = LIMIT) -> tuple[set[str], int] | None:
    """The deepest window upstream of the outputs with at most ``limit`` gates, and its depth;
    ``None`` if the whole circuit fits."""
    if sum(1 for n in nodes if nodes[n].kind == "gate") <= limit:
        return None
    seen, frontier, depth = set(nodes.outputs), list(nodes.outputs), 0
    count = sum(1 for n in seen if nodes[n].kind == "gate")
    while frontier:
        step = {s for n in frontier for s in nodes[n].sources if s not in seen}
        more = sum(1 for n in step if nodes[n].kind == "gate")
        if count + more > limit:
            break
        seen |= step
        count, frontier, depth = count + more, list(step), depth + 1
    return seen, depth


def _readers(nodes) -> dict[str, list[str]]:
    readers = defaultdict(list)
    for name in nodes:
        for source in nodes[name].sources:
            readers[source].append(name)
    return readers
