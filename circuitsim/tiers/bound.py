"""A block program bound to one pair of blocks (:mod:`circuitsim.tiers.blocks`): its forward and
backward steps as closures over views of them, made once per chunk width
(``docs/internals/runs.md``, "Blocks").
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from numpy.lib.stride_tricks import as_strided

from circuitsim.tiers.dots import fused_step
from circuitsim.tiers.patterns import affine, as_slice, into, target, view

__all__ = ["COLUMNS_STEP", "Bound"]

COLUMNS_STEP = 16  # chunk widths are multiples of this: matrix products compute every column alike


class Bound:
    """A program's steps bound to one pair of blocks: closures over views of them, made once."""

    def __init__(self, program, v: np.ndarray, g: np.ndarray, scratch: list | None = None) -> None:
        """``scratch``: the buffers of an earlier binding of the same program to blocks of the
        same shape, taken again (and where they go, in order)."""
        self._scratch, self._taken = ([] if scratch is None else scratch), 0
        self.blocks = v, g
        blocks = program.blocks
        groups = blocks.groups
        width = v.shape[1]
        self.numbers = blocks.levels.start()  # by position: the inputs' numbers, constants, numeric groups
        numbers = self.numbers[:, None]  # a block of one column
        self.first: list = []  # the numeric groups, once per run
        self.columns: list[tuple[np.ndarray, np.ndarray]] = []  # (column, positions): numbers, set per run
        steps: list[list] = []  # per group: its gathers, then its operation
        views = []
        for (group, shape, ports), numeric in zip(groups, blocks.numeric):
            steps.append([])
            if numeric:  # one column: a view of the numbers
                xs = tuple(self._port(self.first, numbers, port.index, shape, 1) for port in ports)
                out = numbers[group.start : group.stop].reshape(*shape, 1)
                views.append((xs, out))
                one = group.stop - group.start == 1 and len(ports) > 1  # one gate of many inputs: on floats, in Python
                self.first.append(_one_gate(group, ports, self.numbers) if one else partial(into(group.rule), xs, out))
                continue
            out = v[group.start : group.stop].reshape(*shape, width)
            if not v.flags.c_contiguous and _row_by_row(group, ports):  # a sum of rows without a pattern, wide rows:
                views.append(((None,) * len(ports), out))  # added row by row, not gathered (local gradients are 1)
                steps[-1].append(_add_rows(v, group, ports))
                continue
            xs = tuple(self._port(steps[-1], v, port.index, shape, width, port) for port in ports)
            views.append((xs, out))
            columns = frozenset(k for k, port in enumerate(ports) if port.scalar)
            steps[-1].append(partial(into(group.rule, columns), xs, out))
        for dot in program.fused:  # a chain's groups as one step in place of its products' operation
            gates = [steps[dot.mul][-1], *(step for gi in dot.adds for step in steps[gi])]
            fused = fused_step(dot, views[dot.mul][0], *views[dot.adds[-1]], gates)
            if fused is not None:
                steps[dot.mul][-1] = fused
                for gi in dot.adds:
                    steps[gi] = []
        self.steps = [step for group_steps in steps for step in group_steps]
        self.back: list = []
        self.sums = sums = np.zeros((blocks.n_positions, 1))  # the gradients' sums over the samples (numbers', see _Backward)
        for block, rows in ((g, program.zero), (sums, program.zero_sums)):
            if len(rows):
                zero = as_slice(rows, ordered=True)
                self.back.append(partial(block[zero].fill, 0.0) if isinstance(zero, slice) else partial(block.__setitem__, zero, 0.0))
        largest = max((group.stop - group.start for group, _, _ in groups), default=1)
        temp = self._empty((largest * width,))
        for gi, go_rows, todo, numeric in program.backward_plan:
            group, shape, ports = groups[gi]
            xs, out = views[gi]
            upstream, columns = (sums, 1) if numeric else (g, width)
            go = np.broadcast_to(self._port(self.back, upstream, go_rows, shape, columns), (*shape, columns))
            actions = []
            for p, rows, pattern, how, fresh, into_sums in todo:
                block = sums if into_sums else g
                dest = target(block, rows, shape, pattern, how)
                summed = into_sums and not numeric  # summed over the samples, then added in
                if summed:  # go times an input, summed over the samples: one matrix product where it can be
                    product = _summed_product(group, p, go, xs)
                else:
                    product = _product(group, ports, p, go_rows, shape, how, block)
                actions.append((p, group.units[p], dest, how, fresh, product, block, summed))
            self.back.append(_backward(group, xs, out, go, actions, temp[: go.size].reshape(go.shape)))

    def _port(self, steps: list, a: np.ndarray, index: np.ndarray, shape, width: int, port=None):
        """Rows ``index`` of block ``a`` in the group's shape: a view, or a buffer gathered by a step."""
        if port is not None and port.scalar:
            column = self._empty((*shape, 1))
            self.columns.append((column, index))
            return column
        pattern = port.affine if port is not None else affine(index, *shape)
        if pattern is not None:
            return view(a, pattern, shape)
        buffer = self._empty((len(index), width))
        if a.flags.c_contiguous:  # valid indices: "clip" writes straight into out
            steps.append(partial(np.take, a, index, axis=0, out=buffer, mode="clip"))
        else:  # np.take would copy the whole block first: the rows, run by run
            steps.append(_gather(a, index, buffer))
        return buffer.reshape(*shape, width)

    def _empty(self, shape: tuple) -> np.ndarray:
        """A buffer of ``shape``: the scratch's next one if it has that shape, else a new one."""
        k, scratch = self._taken, self._scratch
        self._taken += 1
        if k < len(scratch) and scratch[k].shape == shape:
            return scratch[k]
        buffer = np.empty(shape)
        if k < len(scratch):
            scratch[k] = buffer
        else:
            scratch.append(buffer)
        return buffer

    def set_numbers(self) -> None:
        """The numeric groups from the inputs' numbers in ``numbers``, then the columns of numbers read beside rows."""
        for step in self.first:
            step()
        numbers = self.numbers
        for column, index in self.columns:
            np.take(numbers, index, out=column.reshape(-1))

    def forward(self) -> None:
        for step in self.steps:
            step()

    def backward(self) -> None:
        for step in self.back:
            step()


ROW_BY_ROW = 64  # gates of a sum added row by row, at most, where a port's rows have no pattern


def _row_by_row(group, ports) -> bool:
    """Whether a group is a sum of two ports of rows, one of them without a pattern, of at most
    :data:`ROW_BY_ROW` gates: in a block whose rows are a result's (wide, apart in memory),
    adding row by row costs less than gathering that port first."""
    return (
        group.rule.is_sum
        and len(ports) == 2
        and group.stop - group.start <= ROW_BY_ROW
        and not any(port.scalar for port in ports)
        and any(port.affine is None for port in ports)
    )


def _add_rows(v: np.ndarray, group, ports):
    """A sum group's step adding its inputs' rows into its outputs' row by row (the same bits)."""
    triples = [(v[a], v[b], v[o]) for a, b, o in zip(ports[0].index.tolist(), ports[1].index.tolist(), range(group.start, group.stop))]

    def add() -> None:
        for a, b, out in triples:
            np.add(a, b, out=out)

    return add


def _gather(a: np.ndarray, index: np.ndarray, buffer: np.ndarray):
    """A step copying rows ``index`` of ``a`` (a block with columns of its own) into ``buffer``,
    one copy per run of consecutive rows."""
    cut = np.flatnonzero(np.diff(index) != 1) + 1
    starts, stops = np.r_[0, cut], np.r_[cut, len(index)]
    pairs = [(buffer[k0:k1], a[index[k0] : index[k0] + k1 - k0]) for k0, k1 in zip(starts.tolist(), stops.tolist())]

    def gather() -> None:
        for dest, source in pairs:
            np.copyto(dest, source)

    return gather


def _summed_product(group, p: int, go: np.ndarray, xs: tuple):
    """For port ``p`` whose local gradient is another port's input ``x`` (a weight's, in a
    product): ``f(out)`` writing ``sum over samples of go * x`` into ``out`` (the group's shape)
    as one matrix product, where ``go`` repeats along one axis of the group and ``x`` along the
    other (a layer's upstream gradients by neuron, its activations by term); else None."""
    q = group.rule.port_read(p)
    if q is None:
        return None
    x = xs[q]
    r, m, width = go.shape
    along = [n == 1 or stride == 0 for n, stride in zip(x.shape[:2], x.strides[:2])]  # x repeats along axis 0, 1
    repeats = [n == 1 or stride == 0 for n, stride in zip(go.shape[:2], go.strides[:2])]
    x = np.broadcast_to(x, (r, m, width))
    if repeats[1] and along[0]:  # out[i, j] = go[i] . x[j]
        upstream, inputs = go[:, 0, :], x[0]
        return lambda out: np.matmul(upstream, inputs.T, out=out)
    if repeats[0] and along[1]:  # out[i, j] = x[i] . go[j]
        upstream, inputs = go[0], x[:, 0, :]
        return lambda out: np.matmul(inputs, upstream.T, out=out)
    return None


def _one_gate(group, ports, numbers: np.ndarray):
    """The step of a numeric group of one gate of many inputs on Python floats (the same
    operations as on arrays, without a numpy call per input)."""
    index = np.array([int(port.index[0]) for port in ports], dtype=np.intp)
    output, at = group.output, group.start

    def step() -> None:
        xs = numbers.take(index).tolist()
        out = numbers[at] = output(xs)
        if not math.isfinite(out) and all(map(math.isfinite, xs)):  # Python's floats do not trap: as a trapped fault
            raise FloatingPointError(f"a gate of {len(xs)} inputs made {out} from finite numbers")

    return step


def _product(group, ports, p: int, go_rows: np.ndarray, shape, how, g: np.ndarray):
    """For a contribution summed over one axis whose local gradient is a port's column of
    numbers and whose upstream gradient is one row per the summed axis (a weight times an
    activation, summed over the neurons it feeds): ``(weights, upstream)`` for one matrix
    product, else None."""
    q = group.rule.port_read(p) if how in (0, 1) else None
    if q is None or not ports[q].scalar:
        return None
    r, m = shape
    pattern = affine(go_rows, r, m)
    if pattern is None:
        return None
    start, s1, s2 = pattern
    if (how == 0 and s2) or (how == 1 and s1) or not _columns_alike(m if how == 0 else r, r if how == 0 else m):
        return None
    n, stride = (r, s1) if how == 0 else (m, s2)
    upstream = as_strided(g[start], shape=(n, g.shape[1]), strides=(stride * g.strides[0], g.strides[1]))
    return q, upstream


_alike: dict[tuple[int, int], bool] = {}


def _columns_alike(rows: int, inner: int) -> bool:
    """Whether the BLAS behind ``np.matmul`` computes each column of a (rows x inner) times
    (inner x n) product the same way for every n that is a multiple of :data:`COLUMNS_STEP`,
    as blocks need for the same bits whatever the chunks (probed once per shape)."""
    key = (rows, inner)
    if key not in _alike:
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal((rows, inner)), rng.standard_normal((inner, 64 * COLUMNS_STEP))
        whole = a @ b
        _alike[key] = all(np.array_equal(a @ b[:, :n], whole[:, :n]) for n in (COLUMNS_STEP, 3 * COLUMNS_STEP, 17 * COLUMNS_STEP))
    return _alike[key]


def _backward(group, xs, out, go, actions, temp):
    """One group's backward step: each needed port's contribution into its gradient rows (or,
    for a port of numbers in a run that wants sums, its sum over the samples into the sums)."""
    grads = group.grads
    needs_local = any(unit is None and product is None for _, unit, _, _, _, product, _, _ in actions)
    column = np.empty((*go.shape[:-1], 1))  # a contribution summed over the samples

    def step():
        local = grads(xs, out) if needs_local else None
        for p, unit, dest, how, fresh, product, block, summed in actions:
            if summed:  # go times the local gradient, summed over the samples: one column
                if product is not None:
                    product(column[..., 0])
                else:
                    term = go if unit == "+" else np.negative(go, out=temp) if unit == "-" else np.multiply(go, local[p], out=temp)
                    np.sum(term, axis=-1, keepdims=True, out=column)
                _add(column, dest, how, fresh, block)
                continue
            if product is not None:  # sum_i w[i, j] * go[i] as one matrix product
                q, upstream = product
                weights = xs[q][..., 0]
                weights = weights.T if how == 0 else weights
                if fresh:
                    np.matmul(weights, upstream, out=dest)
                else:
                    np.add(dest, np.matmul(weights, upstream), out=dest)
                continue
            if how is None and fresh:  # distinct rows set for the first time: straight into them
                if unit == "+":
                    np.copyto(dest, go)
                elif unit == "-":
                    np.negative(go, out=dest)
                else:
                    np.multiply(go, local[p], out=dest)
                continue
            if unit is None:
                term = np.multiply(go, local[p], out=temp)
            elif how is None:  # distinct rows added into
                (np.add if unit == "+" else np.subtract)(dest, go, out=dest)
                continue
            else:
                term = go if unit == "+" else np.negative(go, out=temp)
            _add(term, dest, how, fresh, block)

    return step


def _add(term, dest, how, fresh: bool, block: np.ndarray) -> None:
    """A port's contributions ``term`` (in the group's shape) into the rows of ``dest``, ``how`` they go."""
    if how is None:
        if fresh:
            np.copyto(dest, term)
        else:
            np.add(dest, term, out=dest)
    elif how == "at":
        dest(block, np.broadcast_to(term, term.shape).reshape(-1, term.shape[-1]))
    elif fresh:
        np.sum(term, axis=how, out=dest)
    else:
        np.add(dest, np.sum(term, axis=how), out=dest)
