"""Big batches in chunks of samples, with their results in buffers reused from run to run
(``docs/internals/runs.md``, "Big batches on the kernels").
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["Buffers", "run_in_chunks"]


class Buffers:
    """Two-dimensional float64 buffers, handed out again once nothing else refers to them."""

    def __init__(self) -> None:
        self._free: list[np.ndarray] = []

    def take(self, rows: int, columns: int) -> np.ndarray:
        for buffer in self._free:
            # held by the list, this loop and getrefcount only: no row of it is alive elsewhere
            if buffer.shape == (rows, columns) and sys.getrefcount(buffer) <= 3:
                return buffer
        buffer = np.empty((rows, columns))
        self._free = [b for b in self._free if sys.getrefcount(b) > 3][-3:] + [buffer]  # drop the idle
        return buffer


def run_in_chunks(
    run: Callable, values: list, seeds: Mapping[int, Any] | None, batched: frozenset[int], size: int, buffers: Buffers, step: int
) -> tuple[list, list | None] | None:
    """``run(values, seeds)`` (kernels on one chunk, returning its gradients) over chunks of
    ``step`` samples of ``values``; the values and gradients of the whole batch, or None where
    the chunks disagree on what is a number and what an array (then the whole batch must run
    at once)."""
    layout = None
    for start in range(0, size, step):
        stop = min(start + step, size)
        part = values[:]
        for slot in batched:
            part[slot] = values[slot][start:stop]
        part_seeds = None if seeds is None else {s: _cut(x, start, stop) for s, x in seeds.items()}
        grads = run(part, part_seeds)
        if layout is None:
            layout = _Layout(values, part, grads, batched, size, buffers)
        if not layout.store(part, grads, start, stop):
            return None
    return layout.values, layout.grads


def _cut(x, start: int, stop: int):
    return x[start:stop] if isinstance(x, np.ndarray) and x.ndim == 1 else x


class _Layout:
    """Where each slot's numbers go: a row of a buffer for arrays, the number itself for numbers."""

    def __init__(self, values: list, part: list, grads: list | None, batched, size: int, buffers: Buffers) -> None:
        self.rows = [slot for slot, x in enumerate(part) if isinstance(x, np.ndarray) and slot not in batched]
        self.numbers = [slot for slot, x in enumerate(part) if not isinstance(x, np.ndarray)]
        self.first = [part[slot] for slot in self.numbers]
        self.values = values[:]  # the batch inputs stay the caller's arrays
        for slot, x in zip(self.numbers, self.first):  # what gates made from numbers alone
            self.values[slot] = x
        self.value_rows = buffers.take(len(self.rows), size)
        for row, slot in enumerate(self.rows):
            self.values[slot] = self.value_rows[row]
        self.grads = None
        if grads is not None:
            self.grad_slots = [slot for slot, x in enumerate(grads) if isinstance(x, np.ndarray)]
            self.grad_numbers = [slot for slot, x in enumerate(grads) if not isinstance(x, np.ndarray)]
            self.first_grads = [grads[slot] for slot in self.grad_numbers]
            self.grad_rows = buffers.take(len(self.grad_slots), size)
            self.grads = grads[:]
            for row, slot in enumerate(self.grad_slots):
                self.grads[slot] = self.grad_rows[row]

    def store(self, part: list, grads: list | None, start: int, stop: int) -> bool:
        """Write one chunk's arrays into the rows; False if its numbers are not the first chunk's."""
        if not _same_numbers([part[slot] for slot in self.numbers], self.first):
            return False
        for row, slot in enumerate(self.rows):
            self.value_rows[row, start:stop] = part[slot]
        if grads is not None:
            if not _same_numbers([grads[slot] for slot in self.grad_numbers], self.first_grads):
                return False
            for row, slot in enumerate(self.grad_slots):
                self.grad_rows[row, start:stop] = grads[slot]
        return True


def _same_numbers(now: list, first: list) -> bool:
    """The same numbers (NaN as NaN), and none of them an array."""
    for a, b in zip(now, first):
        if isinstance(a, np.ndarray) or not (a == b or (a != a and b != b)):
            return False
    return True
