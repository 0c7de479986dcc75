"""Dot products in blocks: a layer's products and their chains of sums as one ``np.einsum``.

A neuron written gate by gate sums its weighted inputs with a chain of binary adds,
``((w0*a0 + w1*a1) + w2*a2) + ...``. In blocks (:mod:`circuitsim.blocks`) that is a group of
products (the layer's grid: a port of numbers, the weights, times a port whose rows repeat for
every neuron, the activations) and one group of adds per term, one add per neuron.
:func:`find` gives each such chain as a :class:`Dot`, and a run that keeps none of its
products and partial sums (nothing else reads them: an add's local gradients are 1 and a
product's are its inputs) computes the last sums at once with ``np.einsum('ij,jw->iw')``,
which writes neither the products nor the partial sums.

The bits are the gates': einsum adds the terms one after the other in the chain's order,
which :func:`_sequential` checks once per layout of the arrays, on random numbers, before a
dot is computed that way. Two differences are left, and both show in the sums: einsum starts
from +0.0 (a chain of -0.0 terms sums to -0.0), and it does not trap floating-point faults.
So a chunk whose sums hold a zero, an inf or a NaN runs the chain's gates instead, which give
the gates' zero or raise the fault as they do.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["Dot", "find", "fused_step"]


@dataclass(frozen=True, eq=False)
class Dot:
    """A chain: group ``mul`` of products (``weights`` its port of numbers; the neurons along
    axis ``neurons`` of its shape), summed by groups ``adds`` in term order, the last sums
    the outputs of ``adds[-1]``; ``interior`` the positions only the chain reads."""

    mul: int
    adds: tuple[int, ...]
    weights: int
    neurons: int
    interior: np.ndarray


def find(groups: list, reads: np.ndarray) -> list[Dot]:
    """The chains among ``groups`` (a :class:`~circuitsim.blocks.Blocks`' ``(group, shape,
    ports)``), given how many gate inputs read each position."""
    reader = np.full(len(reads), -1, dtype=np.intp)  # position -> the group reading it (read once)
    gate = np.full(len(reads), -1, dtype=np.intp)  # ... and that group's gate
    for gi, (group, _, ports) in enumerate(groups):
        k = np.arange(group.stop - group.start)
        for port in ports:
            reader[port.index], gate[port.index] = gi, k
    found = []
    for gi, (group, shape, ports) in enumerate(groups):
        dot = _chain(gi, group, shape, ports, groups, reads, reader, gate)
        if dot is not None:
            found.append(dot)
    return found


def _chain(gi, group, shape, ports, groups, reads, reader, gate) -> Dot | None:
    if _binary(group.expr, len(ports)) is not ast.Mult or sum(port.scalar for port in ports) != 1:
        return None
    weights = 0 if ports[0].scalar else 1
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
    adds, last, neuron = [], products[:, 0], np.arange(n)
    for t in range(1, terms):
        step = reader[products[:, t]]
        if step[0] < 0 or (step != step[0]).any() or (reader[last] != step[0]).any():
            return None
        add, _, add_ports = groups[step[0]]
        if add.stop - add.start != n or _binary(add.expr, len(add_ports)) is not ast.Add or add.units != ("+", "+"):
            return None
        if (gate[products[:, t]] != neuron).any() or (gate[last] != neuron).any():
            return None
        last = np.arange(add.start, add.stop)
        if t < terms - 1 and (reads[last] != 1).any():
            return None
        adds.append(int(step[0]))
    partial = [np.arange(groups[a][0].start, groups[a][0].stop) for a in adds[:-1]]
    return Dot(gi, tuple(adds), weights, neurons, np.concatenate([products.reshape(-1), *partial]))


def _binary(expr, n: int):
    """The operator type of an output ``x0 <op> x1`` (in parentheses or not), else None."""
    if n != 2 or expr is None:
        return None
    try:
        tree = ast.parse(expr.output.format("x0", "x1").strip(), mode="eval").body
    except (SyntaxError, IndexError, KeyError, ValueError):
        return None
    if isinstance(tree, ast.BinOp) and [ast.unparse(tree.left), ast.unparse(tree.right)] == ["x0", "x1"]:
        return type(tree.op)
    return None


def fused_step(dot: Dot, xs: tuple, out: np.ndarray, gates: list):
    """The chain's step in a bound program: ``xs`` the products' input views, ``out`` the last
    sums' rows, ``gates`` the steps of its groups (run where the sums hold a zero, inf or NaN);
    None where einsum would not add in the chain's order."""
    weights = xs[dot.weights][..., 0]
    weights = weights if dot.neurons == 0 else weights.T  # [neuron, term]
    activations = xs[1 - dot.weights]
    activations = activations[0] if dot.neurons == 0 else activations[:, 0]  # [term, sample]
    out = out.reshape(-1, out.shape[-1])
    if not _sequential(weights, activations, out):
        return None

    def step() -> None:
        np.einsum("ij,jw->iw", weights, activations, out=out)
        if not (out.all() and np.isfinite(out).all()):
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
