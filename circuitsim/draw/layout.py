"""A layered left-to-right layout for a directed acyclic graph (the Sugiyama method, kept small).

It knows nothing about circuits: :mod:`circuitsim.draw` decides the layers and the sizes. The
steps are in ``docs/internals/drawing.md``, "The layout".
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

__all__ = ["Layout", "layered_layout"]

SWEEPS = 6  # rounds of down-and-up barycenter ordering
ROUNDS = 8  # rounds of down-and-up coordinate fitting
BIG = 6000  # a layout of more nodes (dummies included) makes do with fewer rounds of each
BIG_SWEEPS, BIG_ROUNDS = 2, 3


@dataclass
class Layout:
    """Node centres, and the bend points of each edge that skips layers (by ``(u, v)``)."""

    x: dict[Hashable, float]
    y: dict[Hashable, float]
    bends: dict[tuple[Hashable, Hashable], list[tuple[float, float]]]


def layered_layout(
    graph: nx.DiGraph,
    layer: Mapping[Hashable, int],
    height: Mapping[Hashable, float],
    *,
    gaps: Sequence[float],
    dummy_height: float,
    attach: Mapping[tuple[Hashable, Hashable], tuple[float, float]] | None = None,
) -> Layout:
    """Lay ``graph`` out in columns, layer 0 at x = 0 and ``gaps[i]`` between layers i and i + 1.

    ``layer`` gives every node's column (each edge must go to a later column); ``height`` is the
    vertical room each node needs, ``dummy_height`` the room of a long edge's bend point.
    ``attach[(u, v)]`` is where edge u -> v meets u and v, as heights below their centres
    (default: the centres).
    """
    chains, succs, preds, layers = _with_dummies(graph, layer)
    room = {n: height.get(n, dummy_height) for col in layers for n in col}
    shift = _shifts(chains, attach or {})
    unit = sum(room.values()) / len(room) if room else 1.0
    big = len(room) > BIG
    _order(layers, succs, preds, {k: s / unit for k, s in shift.items()}, BIG_SWEEPS if big else SWEEPS)
    y = _fit(layers, succs, preds, room, shift, BIG_ROUNDS if big else ROUNDS)
    column = list(itertools.accumulate(gaps[: len(layers) - 1], initial=0.0))
    x = {n: column[i] for i, col in enumerate(layers) for n in col}
    bends = {edge: [(x[d], y[d]) for d in chain[1:-1]] for edge, chain in chains.items()}
    return Layout({n: x[n] for n in graph}, {n: y[n] for n in graph}, bends)


def _with_dummies(graph: nx.DiGraph, layer: Mapping[Hashable, int]):
    """Chains of nodes per edge (dummies in between), adjacency of the result, and its layers."""
    depth = max(layer.values(), default=0) + 1
    layers: list[list] = [[] for _ in range(depth)]
    succs: dict = {n: [] for n in graph}
    preds: dict = {n: [] for n in graph}
    for n in graph:
        layers[layer[n]].append(n)
    chains = {}
    for u, v in graph.edges:
        if layer[v] <= layer[u]:
            raise ValueError(f"edge {u!r} -> {v!r} does not go to a later layer")
        chain = [u, *((u, v, k) for k in range(layer[u] + 1, layer[v])), v]
        for k, d in enumerate(chain[1:-1], start=layer[u] + 1):
            layers[k].append(d)
            succs[d], preds[d] = [], []
        for a, b in zip(chain, chain[1:]):
            succs[a].append(b)
            preds[b].append(a)
        chains[(u, v)] = chain
    return chains, succs, preds, layers


def _shifts(chains: dict, attach: Mapping) -> dict:
    """``shift[(n, m)]``: how far below n's centre m's centre should be for the link n-m to run
    straight (both directions of every link whose edge attaches off-centre)."""
    shift = {}
    for edge, (at_u, at_v) in attach.items():
        chain = chains[edge]
        ends = [(chain[0], chain[1], at_u, 0.0), (chain[-2], chain[-1], 0.0, at_v)] if len(chain) > 2 else [(*chain, at_u, at_v)]
        for a, b, at_a, at_b in ends:
            shift[a, b], shift[b, a] = at_a - at_b, at_b - at_a
    return shift


def _order(layers: list[list], succs: dict, preds: dict, shift: dict, sweeps: int = SWEEPS) -> None:
    """Reorder the layers in place by barycenter sweeps; keep the best order seen."""
    index = {n: i for col in layers for i, n in enumerate(col)}
    best, best_crossings = [list(col) for col in layers], _crossings(layers, succs, index)
    for _ in range(sweeps):
        for i in range(1, len(layers)):
            _sort_by_barycenter(layers[i], preds, index, shift)
        for i in range(len(layers) - 2, -1, -1):
            _sort_by_barycenter(layers[i], succs, index, shift)
        crossings = _crossings(layers, succs, index)
        if crossings < best_crossings:
            best, best_crossings = [list(col) for col in layers], crossings
        if best_crossings == 0:
            break
    layers[:] = best


def _sort_by_barycenter(col: list, neighbours: dict, index: dict, shift: dict) -> None:
    def key(n):
        near = neighbours[n]
        if not near:
            return index[n]
        if shift:
            return sum(index[m] - shift.get((n, m), 0.0) for m in near) / len(near)
        return sum(index[m] for m in near) / len(near)

    col.sort(key=key)  # stable: ties keep their order
    for i, n in enumerate(col):
        index[n] = i


def _crossings(layers: list[list], succs: dict, index: dict) -> int:
    """How many pairs of edges cross between neighbouring layers (inversions, by a Fenwick tree)."""
    total = 0
    for col, nxt in zip(layers, layers[1:]):
        ends = sorted((index[u], index[v]) for u in col for v in succs[u])
        tree = [0] * (len(nxt) + 1)
        for seen, (_, v) in enumerate(ends):
            i, below = v + 1, 0
            while i > 0:  # how many earlier edges end at or above v
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = v + 1
            while i <= len(nxt):
                tree[i] += 1
                i += i & -i
    return total


def _fit(layers: list[list], succs: dict, preds: dict, room: dict, shift: dict, rounds: int = ROUNDS) -> dict:
    """Vertical centres: each node near its neighbours' mean, the layer's order and room kept."""
    y = {}
    for col in layers:
        top = 0.0
        for n in col:
            y[n] = top + room[n] / 2
            top += room[n]
    for _ in range(rounds):
        for col in layers[1:]:
            _place(col, preds, room, y, shift)
        for col in reversed(layers[:-1]):
            _place(col, succs, room, y, shift)
    low = min(y[n] - room[n] / 2 for n in y) if y else 0.0
    return {n: v - low for n, v in y.items()}


def _place(col: list, neighbours: dict, room: dict, y: dict, shift: dict) -> None:
    """Least-squares fit of the layer to its wishes with y[i+1] - y[i] >= room (pool adjacent violators)."""
    offsets, offset = [], 0.0
    for k, n in enumerate(col):
        if k:
            offset += (room[col[k - 1]] + room[n]) / 2
        offsets.append(offset)
    blocks: list[list[float]] = []  # [sum, count] of wished (y - offset), non-decreasing means
    for n, off in zip(col, offsets):
        near = neighbours[n]
        if not near:
            wish = y[n]
        elif shift:
            wish = sum(y[m] - shift.get((n, m), 0.0) for m in near) / len(near)
        else:
            wish = sum(y[m] for m in near) / len(near)
        blocks.append([wish - off, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    k = 0
    for s, c in blocks:
        for _ in range(c):
            y[col[k]] = s / c + offsets[k]
            k += 1
