"""Big batches levelized: a wide circuit's batch run as a few numpy operations per group and block.

A batch runs the levelized tier's groups over *blocks*, two-dimensional arrays of one row per
position and one column per sample of a chunk, made once per chunk width and read through views
wherever rows follow a pattern; this module lays the blocks out and decides what a run computes,
:mod:`circuitsim.tiers.bound` makes the steps. How, and how its numbers agree with the kernels:
``docs/internals/runs.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from circuitsim.plan.reach import reaching
from circuitsim.tiers.bound import COLUMNS_STEP, Bound
from circuitsim.tiers.dots import find as find_dots
from circuitsim.tiers.kernels import ZERO, getter
from circuitsim.tiers.levels import Levels, levels_for
from circuitsim.tiers.patterns import (
    affine,
    as_slice,
    positions,
    readers,
    reduction,
    shape_of,
)

__all__ = ["BLOCK_BYTES", "Blocks", "BlocksTier", "blocks_for", "chunk_width"]

BLOCK_BYTES = 4 * 2**20  # the rows a chunk touches, about: a few MiB stay in the caches
MIN_COLUMNS, MAX_COLUMNS = 512, 8_192  # below this the numpy calls' own cost shows


def chunk_width(rows: int, samples: int) -> int:
    """Samples per chunk for ``rows`` rows touched per sample: about :data:`BLOCK_BYTES` of
    them, ``samples`` in chunks of about equal width, a multiple of :data:`COLUMNS_STEP`."""
    width = max(MIN_COLUMNS, min(MAX_COLUMNS, BLOCK_BYTES // (8 * max(rows, 1))))
    chunks = -(-samples // width)
    width = -(-samples // chunks)
    return -(-width // COLUMNS_STEP) * COLUMNS_STEP


class BlocksTier:
    """Batches of wide plans: at least ``min_gates`` gates (smaller ones run their batches on the
    kernels), ``min_width`` per group on average (where a group's few numpy calls beat one call
    per gate). A sweep runs ``span`` samples at a time through it (they need little memory)."""

    name = "blocks"

    def __init__(self, min_gates: int, min_width: int, span: int) -> None:
        self.min_gates, self.min_width, self.span = min_gates, min_width, span

    def takes(self, plan, request) -> bool:
        return bool(request.batched) and self.of(plan, request.batched) is not None

    def traps(self, request) -> bool:
        return True

    def of(self, plan, batched: frozenset[int]) -> Blocks | None:
        """The plan's blocks for batches at the input slots ``batched``, if its shape suits the tier."""
        cache = plan.tiers.setdefault(self.name, {})
        if batched not in cache:
            blocks = blocks_for(plan.numbering, batched, self.min_gates, self.min_width)
            numbers = [s for s in range(plan.n_inputs) if s not in batched] + list(range(plan.n_named, plan.n_slots))
            cache[batched] = blocks, (getter(numbers), getter(sorted(batched)))  # every gate's value made by a trapped operation
        return cache[batched][0]

    def run(self, plan, request):
        blocks, unchecked = plan.tiers[self.name][request.batched]
        values, seeds = request.values, request.seeds
        if request.keep is not None:  # straight into the request's rows
            value_slots, grad_slots = request.keep
            rows, kept = request.into, len(value_slots)
            zero = blocks.run(values, seeds, value_slots, grad_slots, rows[:kept], rows[kept:] if seeds else None, request.sums)
            for k in zero:
                rows[kept + k] = 0.0
            return None, None, unchecked
        return (*blocks.run_all(values, seeds), unchecked)


def blocks_for(slots, batched: frozenset[int], min_gates: int, min_width: int) -> Blocks | None:
    """The blocks of a plan's gates (its :class:`~circuitsim.plan.numbering.Slots`) batched at the
    input slots ``batched``, if the shape suits them. A group's gates come ordered by how many
    of their inputs have rows (gates, batch inputs), and :class:`Blocks` runs each such part on
    its own: the squares of weights beside a layer's products read numbers only."""
    ins = slots.ins_flat
    rows = ((ins >= slots.n_inputs) & (ins < slots.n_named)) | np.isin(ins, list(batched))
    counts = np.diff(slots.ins_start)
    reading = np.add.reduceat(rows.astype(np.int64), slots.ins_start[:-1]) if len(ins) else np.zeros(0, dtype=np.int64)
    reading[counts == 0] = 0  # reduceat gives a gate without inputs the next gate's first
    levels = levels_for(slots, min_gates=min_gates, min_width=min_width, within=reading, batched=sorted(batched))
    if levels is None:
        return None
    first = levels.n_inputs  # the gates' positions, then their steps' counts
    return Blocks(levels, batched, reading[levels.order[first : first + len(reading)] - first])


class Blocks:
    """A :class:`~circuitsim.tiers.levels.Levels` run over blocks of samples; see the module docstring."""

    def __init__(self, levels: Levels, batched: frozenset[int], reading: np.ndarray | None = None) -> None:
        self.levels = levels
        position = levels.position
        n = self.n_positions = levels.n_slots
        parts = levels.groups if reading is None else _parts(levels, reading)
        row = np.zeros(n, dtype=bool)  # positions with a row of samples: gates a batch input reaches, batch inputs
        self.batched = [int(p) for p in position[sorted(batched)]]
        row[self.batched] = True
        numbers = np.ones(n, dtype=bool)  # positions with the same number in every sample
        numbers[self.batched] = False
        self.groups: list[tuple[Any, tuple[int, int], tuple[_Port, ...]]] = []
        self.numeric: list[bool] = []  # by group: whether it reads numbers only (computed once per run, as numbers)
        self.every: list[np.ndarray] = []  # by group: its ports' positions, [port, gate]
        for group in parts:  # in level order: a group reads earlier ones only
            k = group.stop - group.start
            indexes = [positions(s, k) for s in group.ins]
            every = np.array(indexes, dtype=np.intp).reshape(len(indexes), k)  # [port, gate]
            self.every.append(every)
            reads = row[every].any(axis=1)
            reads_rows = reads.tolist()
            numeric = not any(reads_rows)
            if not numeric:
                row[group.start : group.stop] = True
                numbers[group.start : group.stop] = False
            row[every[reads]] = True  # a port that reads rows reads rows only: its numbers get rows too
            shape = shape_of(k, indexes if numeric else [ix for ix, rows in zip(indexes, reads_rows) if rows])
            ports = tuple(_Port(ix, shape, not rows) for ix, rows in zip(indexes, reads_rows))
            self.groups.append((group, shape, ports))
            self.numeric.append(numeric)
        self.row = row
        self.filled = np.flatnonzero(row & numbers).tolist()  # numbers read beside rows: set once per run
        self.reads, reader, gate = readers([[port.index for port in ports] for _, _, ports in self.groups], n)
        self.dots = find_dots(self.groups, self.reads, reader, gate, numbers)
        self.dot_of = np.full(n, -1, dtype=np.intp)  # position -> the dot whose interior it is
        for d, dot in enumerate(self.dots):
            self.dot_of[dot.interior] = d
        self._programs: dict[tuple, _Program] = {}
        self._whole: dict[tuple, _Backward] = {}  # (seeded positions, sums) -> the whole backward pass
        self._block: tuple | None = None  # (width, values, grads)
        self._last: _Kept | None = None  # what the last run kept, laid out
        self._all: dict[frozenset, tuple] = {}  # what run_all keeps, by seeded positions
        self._in_place: dict[frozenset, tuple] = {}  # run_all's last blocks and bindings, under its seeded positions

    def program(self, seeded: frozenset[int], kept: frozenset[int], values: np.ndarray, sums: bool = False) -> _Program:
        """The run seeded at ``seeded`` positions keeping the gradients of ``kept`` positions
        and the values of positions ``values`` (with ``sums``: only their sums over the samples)."""
        inside = self.dot_of[values]
        fused = frozenset(range(len(self.dots))) - frozenset(inside[inside >= 0].tolist())
        key = (seeded, kept, fused, sums)
        program = self._programs.get(key)
        if program is None:
            whole = self._whole.get((seeded, sums))
            if whole is None:
                try:
                    whole = _Backward(self, seeded, sums)
                except NoSums:  # every gradient in rows, summed as they are copied out
                    whole = self._whole.get((seeded, False)) or _Backward(self, seeded)
                self._whole[seeded, sums] = whole
            program = self._programs[key] = _Program(self, whole, seeded, kept, fused)
        return program

    def block(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Value and gradient blocks of at least ``width`` columns (a few more: the ones there)."""
        if self._block is None or not width <= self._block[0] < 2 * width:
            self._block = (width, np.empty((self.n_positions, width)), np.empty((self.n_positions, width)))
            for program in self._programs.values():
                program.bound = None
        return self._block[1], self._block[2]

    def run(
        self,
        values: list,
        seeds: Mapping[int, Any] | None,
        keep_values: Sequence[int],
        keep_grads: Sequence[int],
        value_rows: np.ndarray,
        grad_rows: np.ndarray | None,
        sums: bool = False,
    ) -> list[int]:
        """Run ``values`` (a plan's value list, batch inputs as arrays) and write the values of
        plan slots ``keep_values`` into the rows of ``value_rows`` and, with ``grad_rows``, the
        gradients of ``keep_grads`` into its rows; returns the indices into ``keep_grads`` whose
        gradient is zero (no seed reaches them: their rows are left as they were). With ``sums``
        the rows are single entries, each kept value's and gradient's sum over the samples."""
        levels = self.levels
        position, order = levels.position, levels.order
        size = len(values[order[self.batched[0]]])
        seeds = seeds if grad_rows is not None and seeds else {}
        kept = self._last
        if kept is None or not kept.fits(seeds, keep_values, keep_grads, sums):
            kept = _Kept(self, seeds, keep_values, keep_grads, sums)
            # kept for the next run if small (a training step's); a run keeping every node lays it out again,
            # as it would its result, not holding a number per node until the next run
            self._last = kept if len(keep_values) + len(keep_grads) <= _MEMO else None
        program = kept.program
        v, g = self.block(chunk_width(program.touched, size))
        width = v.shape[1]
        bound = program.bind(v, g)
        numbers = bound.numbers
        numbers[: levels.n_inputs] = self._head(values)
        bound.set_numbers()
        for p in self.filled:
            v[p] = numbers[p]
        inputs = [(v[p], values[order[p]]) for p in self.batched]
        seed_rows = [(g[program.rows[position[s]]], x) for s, x in seeds.items()]
        if sums:
            value_rows[:] = 0.0
            if grad_rows is not None:
                grad_rows[:] = 0.0
        numbers_kept = numbers[kept.value_numbers[1]]
        value_rows[kept.value_numbers[0]] = numbers_kept * size if sums else numbers_kept[:, None]
        copier = _summer if sums else _copier
        out_values = copier(value_rows, *kept.value_rows, v)
        out_grads = None
        if seeds:
            out_grads = copier(grad_rows, *kept.grad_rows, g)
            if sums and len(kept.grad_sums[0]):  # gradients summed in the column of sums (numbers'), added in after the rows'
                out_grads = _with_sums(out_grads, grad_rows, *kept.grad_sums, bound.sums)
        for start in range(0, size, width):
            stop = min(size, start + width)
            for row, x in inputs:
                _fill(row, x, start, stop)
            bound.forward()
            if seeds:
                for row, x in seed_rows:
                    _fill(row, x, start, stop, 0.0 if sums else None)  # sums: samples past the chunk's add nothing
                bound.backward()
            out_values(start, stop)
            if out_grads is not None:
                out_grads(start, stop)
        return kept.zero


    def run_all(self, values: list, seeds: Mapping[int, Any] | None) -> tuple[list, list | None]:
        """Run ``values`` keeping every value and gradient: the value list with every gate's row,
        and the gradient list (None without ``seeds``) with every input's and gate's row, or 0.0
        where no seed reaches it. The blocks are the result: two arrays of one row per position
        and one column per sample (the last run's again once no result holds them), run
        :data:`MAX_COLUMNS` samples at a time in place, so that nothing is copied out; gradients
        that are one row of the block (a neuron's products', adds' and bias's, which its last add
        passes on unchanged) are one row of the result too."""
        levels = self.levels
        n_in, n_named = levels.n_inputs, levels.n_inputs + sum(group.stop - group.start for group in levels.groups)
        seeded = frozenset(int(levels.position[s]) for s in seeds) if seeds else frozenset()
        every = self._all.get(seeded)
        if every is None:
            kept = frozenset(levels.position[:n_named].tolist()) if seeds else frozenset()
            program = self.program(seeded, kept, np.arange(n_in, n_named))
            named = levels.position[:n_named]
            reached = program.written[named]
            rows = np.full(n_named, -1)  # a slot's gradient row, -1: 0.0
            rows[reached] = program.rows[named[reached]]
            gates = levels.position[n_in:n_named]
            numeric = np.flatnonzero(~self.row[gates])  # gates no batch input reaches: numbers, not rows
            every = self._all[seeded] = program, gates.tolist(), rows.tolist(), [], (n_in + numeric).tolist(), gates[numeric].tolist()
        program, value_rows, grad_rows, scratch, numeric_slots, numeric_positions = every
        seeds = seeds or {}
        size = len(values[levels.order[self.batched[0]]])
        chunks = -(-size // MAX_COLUMNS)
        per_chunk = -(-size // chunks)
        width = -(-per_chunk // COLUMNS_STEP) * COLUMNS_STEP
        v, g, bounds = self._places(seeded, program, width, chunks, bool(seeds), scratch)
        head = self._head(values)
        for start, bound in zip(range(0, size, width), bounds):
            self._chunk(program, bound, values, seeds, head, start, min(size, start + width))
        rows = [*v[:, :size]]
        values = values[:]
        values[n_in:n_named] = getter(value_rows)(rows)
        numbers = bounds[0].numbers
        for slot, p in zip(numeric_slots, numeric_positions):
            values[slot] = float(numbers[p])
        if not seeds:
            return values, None
        rows = [*g[:, :size], ZERO]  # -1: 0.0
        grads = [ZERO] * len(values)
        grads[:n_named] = getter(grad_rows)(rows)
        return values, grads

    def _places(self, seeded: frozenset, program: _Program, width: int, chunks: int, grads: bool, scratch: list):
        """The blocks a run keeping everything runs in (values, gradients: the same block without
        ``grads``) and the program bound to each chunk's columns: those of the last such run, if
        no result holds a row of them any more, else new ones (which the next run takes again)."""
        shape = (self.n_positions, chunks * width)
        last = self._in_place.get(seeded)
        if last is not None:
            v, g, bounds, held = last
            if v.shape == shape and len(bounds) == chunks and (g is not v) == grads and _refs(v) <= held[0] and _refs(g) <= held[1]:
                return v, g, bounds
            del v, g, bounds, last
        self._in_place.clear()  # one run's blocks kept at a time; those a result holds are left to it
        v = np.empty(shape)
        g = np.empty(shape) if grads else v
        bounds = [Bound(program, v[:, k : k + width], g[:, k : k + width], scratch) for k in range(0, shape[1], width)]
        # the references this cache and the bindings hold, counted as the check above counts them
        self._in_place[seeded] = (v, g, bounds, (0, 0))
        self._in_place[seeded] = (v, g, bounds, (_refs(v), _refs(g)))
        return v, g, bounds

    def _head(self, values: list) -> list:
        """The inputs' numbers by position (0.0 for a batch input, whose row is set per chunk)."""
        levels = self.levels
        head = values[: levels.n_inputs]
        for p in self.batched:
            head[levels.order[p]] = 0.0
        return head if levels.inputs is None else [head[s] for s in levels.inputs.tolist()]

    def _chunk(self, program: _Program, bound: Bound, values: list, seeds: Mapping, head: list, start: int, stop: int) -> None:
        """Samples ``start:stop`` through ``bound`` (a binding of ``program`` to their blocks),
        ``head`` the inputs' numbers by position."""
        levels = self.levels
        v, g = bound.blocks
        numbers = bound.numbers
        numbers[: levels.n_inputs] = head
        bound.set_numbers()
        for p in self.filled:
            v[p] = numbers[p]
        for p in self.batched:
            _fill(v[p], values[levels.order[p]], start, stop)
        bound.forward()
        if seeds:
            for s, x in seeds.items():
                _fill(g[program.rows[levels.position[s]]], x, start, stop)
            bound.backward()


_MEMO = 4096  # kept slots up to which a run's layout is kept for the next


class _Kept:
    """What a kind of run keeps, laid out once for the runs like it: its program, and where each
    kept value and gradient comes from (rows of the blocks, numbers, the column of sums)."""

    def __init__(self, blocks: Blocks, seeds: Mapping, keep_values: Sequence[int], keep_grads: Sequence[int], sums: bool) -> None:
        self.seeded, self.keep_values, self.keep_grads, self.sums = frozenset(seeds), list(keep_values), list(keep_grads), sums
        position = blocks.levels.position
        values = position[list(keep_values)]
        grads = position[list(keep_grads)] if seeds else np.zeros(0, dtype=np.intp)
        self.program = program = blocks.program(frozenset(int(position[s]) for s in seeds), frozenset(grads.tolist()), values, sums)
        with_row = blocks.row[values]
        self.value_numbers = (np.flatnonzero(~with_row), values[~with_row])  # a number: the same in every sample
        self.value_rows = (np.flatnonzero(with_row), values[with_row])
        reached = program.written[grads]
        self.grad_rows = (np.flatnonzero(reached), program.rows[grads[reached]])
        summed = program.summed[grads] if sums else np.zeros(len(grads), dtype=bool)
        self.grad_sums = (np.flatnonzero(summed), program.srows[grads[summed]])
        self.zero = np.flatnonzero(~(reached | summed)).tolist()  # into keep_grads: no seed reaches them

    def fits(self, seeds: Mapping, keep_values: Sequence[int], keep_grads: Sequence[int], sums: bool) -> bool:
        return (
            sums == self.sums
            and seeds.keys() == self.seeded
            and self.keep_values == list(keep_values)
            and self.keep_grads == list(keep_grads)
        )


def _parts(levels: Levels, reading: np.ndarray) -> list:
    """The levels' groups cut where ``reading`` (by gate position from the first gate's) changes."""
    parts = []
    first = levels.n_inputs
    for group in levels.groups:
        key = reading[group.start - first : group.stop - first]
        cuts = [0, *(np.flatnonzero(key[1:] != key[:-1]) + 1).tolist(), len(key)]
        if len(cuts) == 2:
            parts.append(group)
            continue
        for lo, hi in zip(cuts, cuts[1:]):
            ins = tuple(_cut(s, lo, hi) for s in group.ins)
            distinct = tuple(isinstance(s, slice) or len(np.unique(s)) == len(s) for s in ins)
            parts.append(replace(group, start=group.start + lo, stop=group.start + hi, ins=ins, distinct=distinct))
    return parts


def _cut(s, lo: int, hi: int):
    """Gates ``lo:hi`` of a group port's positions (a slice or an index array)."""
    if isinstance(s, slice):
        return slice(s.start + lo, s.start + hi)
    return s[lo:hi]


def _refs(a: np.ndarray) -> int:
    """How many references ``a`` has (its views' included), counted alike wherever called."""
    return sys.getrefcount(a)


def _copier(out: np.ndarray, into: np.ndarray, rows: np.ndarray, block: np.ndarray):
    """``f(start, stop)`` copying a chunk's ``rows`` of ``block`` into rows ``into`` of ``out``,
    columns ``start:stop``: one slice assignment per run of rows that both follow a step (a row
    repeated, a slice), else a gather of whole rows into a small buffer and one copy."""
    into, rows = np.asarray(into, dtype=np.intp), np.asarray(rows, dtype=np.intp)
    runs = _runs(into, rows)
    if len(runs) <= max(16, len(into) // 8):
        pairs = [(slice(d0, d1), _strided(block, r0, step, d1 - d0)) for d0, d1, r0, step in runs]

        def copy(start: int, stop: int) -> None:
            n = stop - start
            for dest, source in pairs:
                out[dest, start:stop] = source[..., :n]

        return copy
    width = block.shape[1]
    batches = [(into[i : i + _BATCH], rows[i : i + _BATCH]) for i in range(0, len(into), _BATCH)]
    batches = [(as_slice(dest, ordered=True), source) for dest, source in batches]
    temp = np.empty((min(_BATCH, len(into)), width))

    def copy_all(start: int, stop: int) -> None:
        for dest, source in batches:  # a gather of whole rows into a small buffer, then one copy
            part = temp[: len(source)]
            np.take(block, source, axis=0, out=part, mode="clip")
            out[dest, start:stop] = part[:, : stop - start]

    return copy_all


def _runs(into: np.ndarray, rows: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(d0, d1, r0, step)``: ``into[d0:d1]`` consecutive and ``rows`` there ``r0 + k*step``."""
    n = len(into)
    if not n:
        return []
    d, r = np.diff(into), np.diff(rows)
    cut = d != 1
    cut[1:] |= r[1:] != r[:-1]
    starts = np.r_[0, np.flatnonzero(cut) + 1]
    ends = np.r_[starts[1:], n]
    steps = np.where(ends - starts > 1, np.r_[r, 0][starts], 0)
    return list(zip(into[starts].tolist(), (into[starts] + ends - starts).tolist(), rows[starts].tolist(), steps.tolist()))


def _strided(block: np.ndarray, start: int, step: int, n: int) -> np.ndarray:
    """Rows ``start + k*step`` (k < n) of ``block``, a view (one row, broadcast, for step 0)."""
    if step == 0:
        return block[start]
    stop = start + step * n
    return block[start : (stop if stop >= 0 else None) : step]


_BATCH = 256  # rows copied out at a time


def _with_sums(copy, out: np.ndarray, into: np.ndarray, rows: np.ndarray, sums: np.ndarray):
    """``copy`` (a :func:`_summer`), then entries ``rows`` of the column ``sums`` added into entries ``into`` of ``out``."""
    dest = as_slice(into, ordered=True)
    source = as_slice(rows)

    def add(start: int, stop: int) -> None:
        copy(start, stop)
        out[dest] += sums[source, 0]

    return add


def _summer(out: np.ndarray, into: np.ndarray, rows: np.ndarray, block: np.ndarray):
    """``f(start, stop)`` adding the sums over a chunk's samples of ``rows`` of ``block`` into
    entries ``into`` of ``out``, as numpy sums a row of them: the sum over one chunk is the
    bits of ``np.sum`` of the samples' array."""
    source = as_slice(rows)
    dest = as_slice(into, ordered=True)

    def add(start: int, stop: int) -> None:
        part = block[source, : stop - start] if isinstance(source, slice) else block[source][:, : stop - start]
        out[dest] += part.sum(axis=1)

    return add


def _fill(row: np.ndarray, x, start: int, stop: int, pad: float | None = None) -> None:
    """Samples ``start:stop`` of ``x`` (an array, or one number for all) into a block row; the
    columns past them repeat the last sample, so that they compute what it does (no spurious
    floating-point fault from whatever was left there), or hold ``pad``."""
    n = stop - start
    if not isinstance(x, np.ndarray) or x.ndim == 0:
        row[:n] = x
    else:
        row[:n] = x[start:stop]
        x = x[stop - 1]
    if n < len(row):
        row[n:] = x if pad is None else pad


class _Port:
    """Where one input port of a group reads: its positions, one per gate, in the group's shape."""

    def __init__(self, index: np.ndarray, shape: tuple[int, int], scalar: bool) -> None:
        self.index = index
        self.scalar = scalar  # no gate's input here has a row: a column of numbers, set per run
        self.affine = None if scalar else affine(index, *shape)  # rows a + i*s1 + j*s2, or None


class _Backward:
    """The whole backward pass of runs seeded at ``seeded`` positions, every gradient wanted.

    Gradients live in rows of the gradient block, one per position, except where a gradient
    is its one consumer's upstream gradient passed on unchanged (a local gradient of 1, as
    through an ``add`` whose input feeds nothing else): that position shares its consumer's
    row, so that the chain of adds of a neuron's sum costs nothing backward. ``steps`` lists,
    in reverse group order, each group's upstream rows, its ports' contributions
    ``(port, target rows, their pattern, how they are added, whether they are set fresh,
    whether they go into the sums)`` and whether the group is numeric.

    With ``sums`` (only the gradients' sums over the samples are wanted) the gradient of a
    position holding a number (a parameter, a numeric group's gate) is its sum, an entry of a
    column of sums (``srows`` maps positions to them): a port of numbers adds in its
    contributions summed over the samples, and a numeric group runs backward on that column,
    once per run. :class:`NoSums` where a number's gradient would also have rows.
    """

    def __init__(self, blocks: Blocks, seeded: frozenset[int], sums: bool = False) -> None:
        n, reads = blocks.n_positions, blocks.reads
        rows = np.arange(n)  # position -> its gradient's row
        srows = np.arange(n)  # position -> its gradient's sum, in the column of sums
        written = np.zeros(n, dtype=bool)  # positions whose gradient rows are set so far in a chunk
        summed = np.zeros(n, dtype=bool)  # positions whose gradient's sum is set so far
        written[list(seeded)] = True
        if sums and not blocks.row[list(seeded)].all():
            raise NoSums("a seed at a number")
        self.steps: list[tuple] = []
        last = len(blocks.groups) - 1
        groups = blocks.groups[::-1]
        group_outs = [slice(group.start, group.stop) for group, _, _ in groups]
        group_ins = [[port.index for port in ports] for _, _, ports in groups]
        for k in reaching(n, list(seeded), group_outs, group_ins):  # the groups a seed reaches, in reverse
            gi = last - k
            group, shape, ports = blocks.groups[gi]
            outs = slice(group.start, group.stop)
            numeric = sums and blocks.numeric[gi]
            if numeric and written[outs].any():
                raise NoSums("a numeric group's gradient with rows")
            (summed if numeric else written)[outs] = True
            go_rows = (srows if numeric else rows)[outs].copy()
            todo = []
            for p, port in enumerate(ports):
                index = port.index
                into_sums = numeric or (sums and port.scalar)
                done, where = (summed, srows) if into_sums else (written, rows)
                shares = numeric or not into_sums  # rows and sums are not shared with each other
                if len(index) == 1:  # a port of one gate (a wide sum's): the same, without a numpy call per test
                    q = int(index[0])
                    fresh = not done[q]
                    if shares and group.units[p] == "+" and fresh and reads[q] == 1:
                        where[q] = go_rows[0]
                        done[q] = True
                        continue
                    target = where[index]
                    done[q] = True
                    todo.append((p, target, (int(target[0]), 0, 0), None, fresh, into_sums))
                    continue
                fresh = not done[index].any()
                if shares and group.units[p] == "+" and fresh and len(np.unique(index)) == len(index) and (reads[index] == 1).all():
                    where[index] = go_rows  # the consumer's row, shared
                    done[index] = True
                    continue
                target = where[index]
                pattern = affine(target, *shape)
                how = reduction(target, shape, pattern)
                done[index] = True
                todo.append((p, target, pattern, how, fresh and how != "at", into_sums))
            self.steps.append((gi, go_rows, todo, numeric))
        self.rows, self.srows = rows, srows
        self.reached, self.reached_sums = written, summed


class NoSums(Exception):
    """A run whose gradients cannot all be summed as :class:`_Backward` sums them."""


class _Program:
    """What one kind of run (its seeds, the gradients it keeps, the dots whose products and
    partial sums nobody keeps: ``fused``) computes: the steps of :class:`_Backward` whose
    contributions lead to a kept gradient, each computed as in the whole pass (the same bits,
    whatever else is kept), and the rows (and sums) each chunk starts at zero (read before
    any kept step sets them)."""

    def __init__(self, blocks: Blocks, whole: _Backward, seeded: frozenset[int], kept: frozenset[int], fused: frozenset[int]) -> None:
        self.blocks = blocks
        self.fused = [blocks.dots[d] for d in sorted(fused)]
        n = blocks.n_positions
        need = np.zeros(n, dtype=bool)  # gradients that lead to a kept one
        need[list(kept)] = True
        for (group, _, _), every in zip(blocks.groups, blocks.every):
            need[group.start : group.stop] |= need[every].any(axis=0)
        rows = self.rows = whole.rows
        self.srows = whole.srows
        valid = np.zeros(n, dtype=bool)  # rows set so far in a chunk
        valid[rows[list(seeded)]] = True
        valid_sums = np.zeros(n, dtype=bool)  # sums set so far
        zero: list[int] = []
        zero_sums: list[int] = []
        self.backward_plan: list[tuple] = []
        for gi, go_rows, todo, numeric in whole.steps:
            group, _, ports = blocks.groups[gi]
            todo = [step for step in todo if need[ports[step[0]].index].any()]
            if not todo:
                continue
            upstream, upstream_zero = (valid_sums, zero_sums) if numeric else (valid, zero)
            upstream_zero += go_rows[~upstream[go_rows]].tolist()  # upstream rows nobody kept sets
            upstream[go_rows] = True
            for _, target, _, _, fresh, into_sums in todo:
                done, to_zero = (valid_sums, zero_sums) if into_sums else (valid, zero)
                if not fresh:
                    to_zero += target[~done[target]].tolist()
                done[target] = True
            self.backward_plan.append((gi, go_rows, todo, numeric))
        self.zero = np.unique(np.asarray(zero, dtype=np.intp))
        self.zero_sums = np.unique(np.asarray(zero_sums, dtype=np.intp))
        self.written = whole.reached  # by position: whether a seed reaches its gradient's rows
        self.summed = whole.reached_sums  # ... or its gradient's sum
        skipped = sum(len(dot.interior) for dot in self.fused)  # rows a chunk leaves alone
        self.touched = int(blocks.row.sum() + valid.sum()) - skipped
        self.bound: Bound | None = None

    def bind(self, v: np.ndarray, g: np.ndarray) -> Bound:
        if self.bound is None:
            self.bound = Bound(self, v, g)
        return self.bound
