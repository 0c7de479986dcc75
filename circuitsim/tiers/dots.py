"""Dot products in blocks: a layer's products and their chains of sums as one ``np.einsum``, with
the gates' bits (``docs/internals/runs.md``, "Blocks").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from circuitsim.tiers.sums import links

__all__ = ["Dot", "find", "fused_step"]


@dataclass(frozen=True, eq=False)
class Dot:
    """A chain: group ``mul`` of products (``weights`` its port of numbers; the neurons along
    axis ``neurons`` of its shape), summed by groups ``adds`` in term order (each add may sum
    several terms, the last one may add more after them), the last sums the outputs of
    ``adds[-1]``; ``interior`` the positions only the chain reads."""

    mul: int
    adds: tuple[int, ...]
    weights: int
    neurons: int
    trailing: tuple[int, ...]  # ports of the last add after the products (a bias), added in order
    interior: np.ndarray


def find(groups: list, reads: np.ndarray, reader: np.ndarray, gate: np.ndarray, numbers: np.ndarray) -> list[Dot]:
    """The chains among ``groups`` (a :class:`~circuitsim.tiers.blocks.Blocks`' ``(group, shape,
    ports)``), given who reads each position (:func:`~circuitsim.tiers.patterns.readers`) and which
    positions hold the same number in every sample (inputs not batched, constants). The chains
    of sums are :func:`~circuitsim.tiers.sums.links`'."""
    after = links([group for group, _, _ in groups], [[port.index for port in ports] for _, _, ports in groups], reads)
    found = []
    for gi, (group, shape, ports) in enumerate(groups):
        dot = _chain(gi, group, shape, ports, groups, reads, reader, gate, numbers, after)
        if dot is not None:
            found.append(dot)
    return found


def _chain(gi, group, shape, ports, groups, reads, reader, gate, numbers, after) -> Dot | None:
    if not (len(ports) == 2 and group.rule.is_product):
        return None
    fixed = [bool(numbers[port.index].all()) for port in ports]  # a column, or rows of one number each
    if sum(fixed) != 1:
        return None
    weights = fixed.index(True)
    activations = ports[1 - weights].affine
    if activations is None:
        return None
    r, m = shape
    _, s1, s2 = activations
    if s1 == 0 and (s2 or m == 1):
        neurons = 0
    elif s2 == 0 and s1:
        neurons = 1
    else:
        return None
    products = group.start + np.arange(r * m).reshape(r, m)
    products = products if neurons == 0 else products.T  # [neuron, term]
    n, terms = products.shape
    if terms < 2 or (reads[products] != 1).any():
        return None
    term = np.full(len(reads), -1, dtype=np.intp)  # position -> its term, for the products
    term[products] = np.arange(terms)
    adds: list[int] = []
    last, done, trailing = None, 0, ()
    while done < terms:
        step = int(reader[products[0, 0]]) if last is None else after.get(adds[-1])  # the first add, or the chain's next
        if step is None:
            return None
        add, _, add_ports = groups[step]
        if add.stop - add.start != n or not add.rule.is_sum:
            return None
        reading = [_reads(port.index, last, products, term, gate) for port in add_ports]
        reading[:2] = sorted(reading[:2], key=lambda t: len(reads) if t is None else t)  # x0 + x1 == x1 + x0
        first = 0 if last is None else 1
        count = next((k for k, t in enumerate(reading[first:]) if t != done + k), len(reading) - first)
        if not count or any(t is not None for t in reading[first + count :]):
            return None
        done += count
        trailing = tuple(range(first + count, len(reading)))
        if trailing and done < terms:
            return None
        adds.append(step)
        last = np.arange(add.start, add.stop)
    partial = [np.arange(groups[a][0].start, groups[a][0].stop) for a in adds[:-1]]
    return Dot(gi, tuple(adds), weights, neurons, trailing, np.concatenate([products.reshape(-1), *partial]))


def _reads(index, last, products, term, gate):
    """What a port of a chain's add reads, gate by gate: the last sums (-1), the products of
    one term (the term), or anything else (None)."""
    neuron = np.arange(len(index))
    if (gate[index] != neuron).any():
        return None
    if last is not None and np.array_equal(index, last):
        return -1
    t = int(term[index[0]])
    return t if t >= 0 and np.array_equal(index, products[:, t]) else None


def fused_step(dot: Dot, xs: tuple, sums: tuple, out: np.ndarray, gates: list):
    """The chain's step in a bound program: ``xs`` the views its products read, ``sums`` and
    ``out`` those its last add reads and writes, ``gates`` the steps of its groups (run where
    the sums hold a zero, inf or NaN); None where einsum would not add in the chain's order."""
    weights = xs[dot.weights][..., 0]  # a column of numbers, or rows holding one number each
    weights = weights if dot.neurons == 0 else weights.T  # [neuron, term]
    activations = xs[1 - dot.weights]
    activations = activations[0] if dot.neurons == 0 else activations[:, 0]  # [term, sample]
    rows = out.reshape(-1, out.shape[-1])
    if not _sequential(weights, activations, rows):
        return None
    trailing = [sums[p] for p in dot.trailing]

    def step() -> None:
        np.einsum("ij,jw->iw", weights, activations, out=rows)
        for x in trailing:
            np.add(out, x, out=out)
        if not (rows.all() and np.isfinite(rows).all()):
            for gate_step in gates:
                gate_step()

    return step


_checked: dict[tuple, bool] = {}


def _sequential(weights: np.ndarray, activations: np.ndarray, out: np.ndarray) -> bool:
    """Whether einsum, on arrays laid out as these, adds the terms in order, as the chain does
    (checked once per layout, on random numbers: any other order or a fused multiply-add
    differs in the last bits)."""
    key = tuple((a.shape, a.strides) for a in (weights, activations, out))
    if key not in _checked:
        rng = np.random.default_rng(0)
        w, a, o = (_like(x, rng) for x in (weights, activations, out))
        np.einsum("ij,jw->iw", w, a, out=o)
        chain = w[:, :1] * a[0]
        for t in range(1, w.shape[1]):
            chain = chain + w[:, t : t + 1] * a[t]
        _checked[key] = bool(np.array_equal(o, chain))
    return _checked[key]


def _like(x: np.ndarray, rng) -> np.ndarray:
    """Random numbers in an array of ``x``'s shape and strides (a zero stride repeats them)."""
    item = x.itemsize
    low = sum((n - 1) * s for n, s in zip(x.shape, x.strides) if s < 0) // item
    high = sum((n - 1) * s for n, s in zip(x.shape, x.strides) if s > 0) // item
    base = rng.uniform(0.5, 2.0, high - low + 1) * rng.choice([-1.0, 1.0], high - low + 1)
    return as_strided(base[-low:], shape=x.shape, strides=x.strides)
