"""The topological order of a netlist, a generation at a time, on integer arrays.

Kahn's algorithm, in the order ``networkx.topological_sort`` gives on ``Circuit.graph``; a
node's generation is its level (see ``docs/internals/reading.md``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from circuitsim.netlist.nodes import Netlist

__all__ = ["Order", "topological_order"]

NARROW = 32  # generations of fewer nodes are placed by the plain loop


class Order(NamedTuple):
    """Node numbers in topological order; generation ``k`` is ``nodes[starts[k]:starts[k + 1]]``.

    An order read back from the cache of loaded circuits also carries the plan's numbering
    made from it (:meth:`circuitsim.plan.numbering.Slots.arrays`), so that it is not made again.
    """

    nodes: np.ndarray  # int64
    starts: np.ndarray  # int64, one per generation and one more
    slots: dict | None = None

    def levels(self, n: int) -> np.ndarray:
        """The generation of each of the ``n`` nodes, by node number."""
        level = np.empty(n, dtype=np.int64)
        level[self.nodes] = np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))
        return level


def topological_order(netlist: Netlist) -> Order | None:
    """The nodes in topological order, generation by generation, or None if there is a cycle."""
    n = len(netlist.names)
    targets, sources = _distinct_wires(netlist)
    waiting = np.bincount(targets, minlength=n)  # node -> its distinct sources not yet placed
    by_source = np.argsort(sources, kind="stable")  # each node's wires, in the order they were made
    successors = targets[by_source]
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=n), out=first[1:])
    generation = np.flatnonzero(waiting == 0)
    parts, starts, placed = [], [0], 0
    lists = None  # the plain loop's wires as lists, made at the first narrow generation
    while len(generation):
        parts.append(generation)
        placed += len(generation)
        starts.append(placed)
        if len(generation) < NARROW:
            if lists is None:
                lists = successors.tolist(), first.tolist(), memoryview(waiting)
            generation = _narrow(generation, *lists)
        else:
            generation = _wide(np.asarray(generation, dtype=np.int64), successors, first, waiting)
    if placed != n:
        return None
    nodes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return Order(nodes.astype(np.int64, copy=False), np.array(starts, dtype=np.int64))


def _distinct_wires(netlist: Netlist) -> tuple[np.ndarray, np.ndarray]:
    """(target, source) of every wire in the order the gates were wired, a source once per target."""
    c = netlist.columns_of
    counts = np.diff(c.start)[c.wired]
    total = int(counts.sum())
    targets = np.repeat(c.wired, counts)
    sources = c.flat[_segments(c.start[c.wired], counts, total)]
    repeated = np.flatnonzero(counts > 1)
    if len(repeated):  # drop a source's second wire into the same gate (add [a, a])
        key = targets * (len(netlist.names) + 1) + sources
        _, first_seen = np.unique(key, return_index=True)
        if len(first_seen) < total:
            keep = np.sort(first_seen)
            targets, sources = targets[keep], sources[keep]
    return targets, sources


def _segments(starts: np.ndarray, counts: np.ndarray, total: int) -> np.ndarray:
    """The indices ``starts[k] + 0 .. counts[k] - 1`` for every k, concatenated."""
    offsets = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, counts)


def _wide(generation: np.ndarray, successors: np.ndarray, first: np.ndarray, waiting: np.ndarray) -> np.ndarray:
    counts = first[generation + 1] - first[generation]
    total = int(counts.sum())
    if not total:
        return generation[:0]
    met = successors[_segments(first[generation], counts, total)]  # every wire out, in order
    np.subtract.at(waiting, met, 1)
    done = met[waiting[met] == 0]
    if not len(done):
        return done
    # each node once, where its last wire is met (the first seen from the end)
    nodes, last_from_end = np.unique(done[::-1], return_index=True)
    return nodes[np.argsort(-last_from_end, kind="stable")]


def _narrow(generation, successors: list, first: list, waiting: memoryview) -> list:
    found = []
    for u in generation.tolist() if isinstance(generation, np.ndarray) else generation:
        for child in successors[first[u] : first[u + 1]]:
            waiting[child] -= 1
            if not waiting[child]:
                found.append(child)
    return found
