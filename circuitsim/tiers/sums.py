"""Chains of sums in the levelized tier (:mod:`circuitsim.tiers.levels`): a neuron's adds as one accumulate.

A neuron written gate by gate sums its terms with a chain of adds, ``((m0 + m1) + m2) + ... + b``,
and the levelized tier makes one group per add (one gate per neuron of the layer), so a sum of
a hundred terms costs a hundred groups forward and as many backward. :func:`find` gives each
such chain as a :class:`Chain`: groups of sums (adds of their inputs from the left, each local
gradient 1) whose outputs are read once each, by the next group's gate of the same neuron as
one of its first two inputs; the other inputs are the chain's terms, each read by it alone.

Forward, a chain is one gather of its terms, ``np.add.accumulate`` along them (one term after
the other from the first, as the adds do: the same bits) and one write of every add's output,
a prefix sum. Backward, every term's gradient and every add's is the last add's, as each add
passes its gradient on unchanged: one fancy-indexed addition. A run seeded inside a chain (at an
add before its last) runs that chain's groups one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuitsim.tiers.patterns import positions, readers

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


def links(groups: list, reads: np.ndarray, reader: np.ndarray, gate: np.ndarray, port: np.ndarray) -> dict[int, int]:
    """Where chains of sums go on: group -> the next group of its chain, for each group of sums
    whose outputs are read once each, by the next group's gate of the same neuron (a group of
    sums of the same size) as one of its first two inputs. ``groups`` have ``start``, ``stop``
    and ``rule``; who reads a position is from
    :func:`~circuitsim.tiers.patterns.readers` (the one finder of chains: :func:`find` here,
    the dots of :mod:`circuitsim.tiers.dots`)."""
    sums = [group.rule.is_sum for group in groups]
    after: dict[int, int] = {}
    for gi, group in enumerate(groups):
        outs = np.arange(group.start, group.stop)
        if not sums[gi] or (reads[outs] != 1).any():
            continue
        nj = int(reader[outs[0]])
        same_size = groups[nj].stop - groups[nj].start == len(outs)
        one_gate_each = (reader[outs] == nj).all() and (gate[outs] == np.arange(len(outs))).all()
        if sums[nj] and same_size and one_gate_each and (port[outs] == port[outs[0]]).all() and port[outs[0]] < 2:
            after[gi] = nj
    return after


def find(groups: list, n: int) -> list[Chain]:
    """The chains among a :class:`~circuitsim.tiers.levels.Levels`' ``groups`` over ``n`` positions,
    whose terms are read by the chain alone."""
    ins = [[positions(s, group.stop - group.start) for s in group.ins] for group in groups]
    reads, reader, gate, port = readers(ins, n)
    after = links(groups, reads, reader, gate, port)
    chains = []
    for head in sorted(set(after) - set(after.values())):
        chain = [head]
        while chain[-1] in after:
            chain.append(after[chain[-1]])
        columns, count = [], 0
        terms = list(ins[head])
        for gi, before in zip(chain, [None, *chain]):
            if before is not None:
                prev = int(port[groups[before].start])
                terms += [index for p, index in enumerate(ins[gi]) if p != prev]  # x0 + prev == prev + x0
            count = len(terms)
            columns.append(count - 1)
        terms = np.stack(terms, axis=1)
        if (reads[terms] != 1).any():
            continue
        outs = np.stack([np.arange(groups[gi].start, groups[gi].stop) for gi in chain], axis=1)
        chains.append(Chain(tuple(chain), terms, outs, np.array(columns)))
    return chains
