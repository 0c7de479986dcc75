"""Chains of sums in the levelized tier: a neuron's adds as one ``np.add.accumulate`` forward and
one addition backward (``docs/internals/runs.md``, "The levelized tier").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuitsim.tiers.patterns import as_slice, positions

__all__ = ["Chain", "find", "links"]


@dataclass(frozen=True, eq=False)
class Chain:
    """Groups ``groups`` (first to last) summing ``terms`` (positions, neuron x term, in the
    order added); ``outs`` (neuron x add) the adds' outputs, add k's the prefix sum up to term
    ``columns[k]``."""

    groups: tuple[int, ...]
    terms: np.ndarray
    outs: np.ndarray
    columns: np.ndarray

    def forward(self, v: np.ndarray) -> None:
        v[self.outs] = np.add.accumulate(v[self.terms], axis=1)[:, self.columns]

    def backward(self, g: np.ndarray) -> None:
        go = g[self.outs[:, -1]][:, None]
        g[self.terms] += go
        g[self.outs[:, :-1]] += go


def links(groups: list, ins: list[list], reads: np.ndarray) -> dict[int, int]:
    """Where chains of sums go on: group -> the next group of its chain, for each group of sums
    whose outputs are read once each, by the next group's gate of the same neuron (a group of
    sums of the same size) as one of its first two inputs: that input is the slice of the
    first group's outputs. ``groups`` have ``start``, ``stop`` and ``rule``, ``ins[g][p]``
    their ports' positions (a slice or an index array); ``reads`` counts the readers of each
    position. The one finder of chains:
    :func:`find` here, the dots of :mod:`circuitsim.tiers.dots`."""
    sums = [group.rule.is_sum for group in groups]
    reading: dict[tuple[int, int], int] = {}  # (start, stop) -> a group of sums reading it as a port
    for g, ports in enumerate(ins):
        if sums[g]:
            for s in ports[:2]:
                s = s if isinstance(s, slice) else as_slice(s)
                if isinstance(s, slice):
                    reading[s.start, s.stop] = g
    after: dict[int, int] = {}
    for gi, group in enumerate(groups):
        nj = reading.get((group.start, group.stop)) if sums[gi] else None
        if nj is not None and (reads[group.start : group.stop] == 1).all():
            after[gi] = nj
    return after


def find(groups: list, reads: np.ndarray) -> list[Chain]:
    """The chains among a :class:`~circuitsim.tiers.levels.Levels`' ``groups``, whose terms are
    read by the chain alone (``reads``: how many gate inputs read each position)."""
    ins = [group.ins for group in groups]
    after = links(groups, ins, reads)
    chains = []
    for head in sorted(set(after) - set(after.values())):
        chain = [head]
        while chain[-1] in after:
            chain.append(after[chain[-1]])
        columns, count = [], 0
        terms = [positions(s, 0) for s in ins[head]]
        for gi, before in zip(chain, [None, *chain]):
            if before is not None:
                sums = slice(groups[before].start, groups[before].stop)
                prev = next(p for p, s in enumerate(ins[gi][:2]) if isinstance(s, slice) and s == sums)
                terms += [positions(s, 0) for p, s in enumerate(ins[gi]) if p != prev]  # x0 + prev == prev + x0
            count = len(terms)
            columns.append(count - 1)
        terms = np.stack(terms, axis=1)
        if (reads[terms] != 1).any():
            continue
        outs = np.stack([np.arange(groups[gi].start, groups[gi].stop) for gi in chain], axis=1)
        chains.append(Chain(tuple(chain), terms, outs, np.array(columns)))
    return chains
