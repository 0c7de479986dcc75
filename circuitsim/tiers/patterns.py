"""Rows of a block (:mod:`circuitsim.tiers.blocks`) as views, and expressions that write in place.

A group port's rows ``index`` follow a *pattern* under the group's shape ``(r, m)`` if
``index[i*m + j] == a + i*s1 + j*s2``: then they are one strided view of the block (a zero
stride repeats a row), with no copy. Contributions into a pattern whose stride repeats rows are
summed over that axis; any other repeats go through ``np.add.at``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from circuitsim.gate.rule import (
    Binary,
    Call,
    Input,
    Names,
    Node,
    Rule,
    Unary,
    to_source,
    to_text,
)

__all__ = ["MAX_REPEATS", "affine", "as_slice", "into", "positions", "readers", "reduction", "scatter_add", "shape_of", "target", "view"]


def positions(s, k: int) -> np.ndarray:
    """A group port's positions (a slice or an index array) as an index array."""
    if isinstance(s, slice):
        return np.arange(s.start, s.stop, dtype=np.intp)
    return np.asarray(s, dtype=np.intp)


def readers(ins: list[list[np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who reads each of ``n`` positions, given each group's ports' positions (``ins[g][p]``,
    one per gate): how many gate inputs read it, and a group and that group's gate that do (the
    only one where a position is read once)."""
    every = [index for ports in ins for index in ports]
    reads = np.bincount(np.concatenate(every), minlength=n) if every else np.zeros(n, dtype=np.intp)
    reader, gate = np.full(n, -1, dtype=np.intp), np.full(n, -1, dtype=np.intp)
    for g, ports in enumerate(ins):
        for index in ports:
            if len(index) == 1:  # a port of one gate (a wide sum's): no numpy call
                i = int(index[0])
                reader[i], gate[i] = g, 0
            else:
                reader[index], gate[index] = g, np.arange(len(index))
    return reads, reader, gate


def affine(index: np.ndarray, r: int, m: int) -> tuple[int, int, int] | None:
    """``(a, s1, s2)`` if ``index[i*m + j] == a + i*s1 + j*s2`` for all i < r, j < m."""
    grid = index.reshape(r, m)
    a = int(grid[0, 0])
    s1 = int(grid[1, 0]) - a if r > 1 else 0
    s2 = int(grid[0, 1]) - a if m > 1 else 0
    expect = a + np.arange(r)[:, None] * s1 + np.arange(m) * s2
    return (a, s1, s2) if np.array_equal(grid, expect) else None


def shape_of(k: int, indexes: list[np.ndarray]) -> tuple[int, int]:
    """The group's shape (r, m), r*m == k, under which most of its row ports are patterns."""
    candidates = [k]
    for index in indexes:
        d = np.diff(index)
        run = int(np.argmax(d != d[0])) + 1 if len(d) and (d != d[0]).any() else k
        if k % run == 0 and run not in candidates:
            candidates.append(run)
    return max(((k // m, m) for m in candidates), key=lambda shape: sum(affine(ix, *shape) is not None for ix in indexes))


def reduction(index: np.ndarray, shape: tuple[int, int], affine) -> Any:
    """How contributions reach ``index``'s rows: None (distinct rows, a view), the axis to sum
    over (0, 1 or both: a view whose stride repeats rows), or ``"at"`` (rows added into as
    ``np.add.at`` does: :func:`scatter_add`)."""
    r, m = shape
    if affine is None:
        return "at"
    _, s1, s2 = affine
    repeat_i, repeat_j = r > 1 and s1 == 0, m > 1 and s2 == 0
    if repeat_i and repeat_j:
        return (0, 1)
    if repeat_i:
        return 0
    if repeat_j:
        return 1
    return None if len(np.unique(index)) == len(index) else "at"


def view(a: np.ndarray, affine: tuple[int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """Rows ``start + i*s1 + j*s2`` of 2-D ``a`` as an array of shape (r, m, columns), or of
    shape (r, 1, columns) or (1, m, columns) where a stride is zero (numpy broadcasts it): a
    view, made by slicing where it can (numpy runs slices of a block faster than arbitrary
    strides)."""
    start, s1, s2 = affine
    r, m = shape
    if r == 1 or s1 == 0:
        return _rows(a, start, s2, m)[None] if m == 1 or s2 else a[start][None, None]
    if m == 1 or s2 == 0:
        return _rows(a, start, s1, r)[:, None]
    if s1 == m * s2 and s2 > 0:
        return a[start : start + r * s1 : s2].reshape(r, m, a.shape[1])
    step = a.strides[0]
    return as_strided(a[start], shape=(r, m, a.shape[1]), strides=(s1 * step, s2 * step, a.strides[1]))


def _rows(a: np.ndarray, start: int, stride: int, n: int) -> np.ndarray:
    """Rows ``start, start + stride, ...`` (n of them) of ``a``, a slice."""
    if n == 1:
        return a[start : start + 1]
    if stride > 0:
        return a[start : start + n * stride : stride]
    stop = start + n * stride
    return a[start : (stop if stop >= 0 else None) : stride]


def target(g: np.ndarray, index: np.ndarray, shape, affine, how):
    """Where a port's contributions go: a view of the rows they are added into, or the function
    that adds them into the rows of ``index``."""
    if how == "at":
        return scatter_add(index)
    start, s1, s2 = affine
    if how is None:
        return view(g, affine, shape)  # distinct rows: no stride is zero, the full shape
    if how == 0:
        return _rows(g, start, s2, shape[1])
    if how == 1:
        return _rows(g, start, s1, shape[0])
    return g[start]


MAX_REPEATS = 32  # a row added into more often than this goes through np.add.at


def scatter_add(index: np.ndarray):
    """``f(a, rows)`` adding ``rows[k]`` into row ``index[k]`` of ``a`` for every k, in the
    order of k as ``np.add.at`` does (the same bits), several times faster on rows of samples:
    one fancy-indexed addition per repeat, the k-th time every row is added into at once;
    ``np.add.at`` itself where a row repeats more than :data:`MAX_REPEATS` times."""
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(index)])
    if counts.max(initial=0) > MAX_REPEATS:
        return lambda a, rows: np.add.at(a, index, rows)
    repeat = np.empty(len(index), dtype=np.intp)  # how many times k's row was added into before k
    repeat[order] = np.arange(len(index)) - np.repeat(starts, counts)
    layers = [(index[repeat == k], as_slice(np.flatnonzero(repeat == k), ordered=True)) for k in range(int(counts.max(initial=0)))]

    def add(a: np.ndarray, rows: np.ndarray) -> None:
        for dest, source in layers:
            a[dest] += rows[source]

    return add


def as_slice(index: np.ndarray, ordered: bool = False):
    """``slice(a, b)`` if ``index`` is ``a, a+1, ..., b-1``, else ``index`` itself; ``ordered``:
    the index is known to be increasing, so that its ends tell."""
    n = len(index)
    if not n or index[-1] - index[0] != n - 1:
        return index
    if ordered or n < 3 or (index[1:] - index[:-1] == 1).all():
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


# -- expressions written in place ----------------------------------------------------------

_UFUNCS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_cache: dict[tuple, Any] = {}


def _column(node: Node, columns: frozenset[int]) -> bool:
    return isinstance(node, Input) and node.port in columns


def into(rule: Rule, columns: frozenset[int] = frozenset()):
    """``f(xs, out)`` writing the rule's output into ``out``: its last operation (a ``+ - * /``
    or a numpy ufunc) is called with ``out=``, the rest as written.

    ``columns`` are the ports given as columns of numbers (one per gate, the same for every
    sample): a sum or product of such a port and another runs with the other first, which
    numpy iterates several times faster, and the same bits (both operations commute exactly).
    """
    key = (rule, columns)
    fn = _cache.get(key)
    if fn is None:
        xs = [f"x{k}" for k in range(rule.n)]
        names = Names(("xs", "out", "_ufunc", *xs))
        tree = rule.output

        def source(node: Node) -> str:
            return to_source(node, xs, name=names)

        if isinstance(tree, Binary) and tree.op in _UFUNCS:
            ufunc = names("_ufunc", _UFUNCS[tree.op])
            left, right = tree.left, tree.right
            if tree.op in "+*" and _column(left, columns) and not _column(right, columns):
                left, right = right, left
            body = f"{ufunc}({source(left)}, {source(right)}, out=out)"
        elif isinstance(tree, Unary) and tree.op == "-":
            body = f"{names('_ufunc', np.negative)}({source(tree.operand)}, out=out)"
        elif isinstance(tree, Call) and isinstance(tree.fn, np.ufunc) and tree.fn.nin == len(tree.args) and tree.fn.nout == 1:
            body = f"{names(tree.name, tree.fn)}({', '.join(source(a) for a in tree.args)}, out=out)"
        else:
            body = f"out[...] = {source(tree)}"
        unpack = f"    {', '.join(xs)}, = xs\n" if xs else ""
        namespace = dict(names.namespace)
        exec(compile(f"def into(xs, out):\n{unpack}    {body}\n", f"<into {to_text(tree)!r}>", "exec"), namespace)
        fn = _cache[key] = namespace["into"]
    return fn
