"""Training on dask arrays: every step one sweep over the blocks, one update on the client.

Each step runs :meth:`Circuit.sweep` over the data's blocks with the parameters as plain
numbers (so they go into the graph as constants) and asks only for sums: each block's run
keeps the outputs' values and the parameters' gradients, reduces them to sums where it ran (a
worker of the active scheduler, a ``distributed.Client`` for a cluster), and only those few
numbers come back. The client divides by the number of samples and makes the update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from circuitsim.errors import CircuitError
from circuitsim.run.circuit import Circuit
from circuitsim.run.sweep_dask import dask_sweep

__all__ = ["DaskStepper", "is_dask"]


def is_dask(value: Any) -> bool:
    return type(value).__module__.startswith("dask.")


def dask_column(name: str, array: Any) -> Any:
    """A dask column as it is, once it is known to be 1-D with a known length."""
    if getattr(array, "ndim", None) != 1:
        raise CircuitError(f"data column {name!r} must be a 1-D dask array of samples, got shape {getattr(array, 'shape', '?')}")
    if np.isnan(array.shape[0]):
        raise CircuitError(f"data column {name!r} has an unknown length: call .compute_chunk_sizes() on it first")
    return array


class DaskStepper:
    """The mean loss and mean parameter gradients over dask data: sums per block, summed."""

    def __init__(self, circuit: Circuit, names: list[str], samples: int) -> None:
        self.circuit = circuit
        self.names = names
        self.samples = samples
        self.outputs = circuit.outputs

    def __call__(self, inputs: Mapping[str, Any], theta: np.ndarray) -> tuple[float, np.ndarray]:
        sums = self._sums(inputs, theta, self.names)
        k = len(self.outputs)
        return float(sum(sums[:k])) / self.samples, np.array(sums[k:]) / self.samples

    def loss(self, inputs: Mapping[str, Any], theta: np.ndarray) -> float:
        return float(sum(self._sums(inputs, theta, []))) / self.samples

    def _sums(self, inputs, theta, grads: list[str]) -> tuple:
        import dask

        given = {**inputs, **dict(zip(self.names, theta.tolist()))}
        s = dask_sweep(self.circuit, given, values=self.outputs, grads=grads or None, nan="raise")
        return dask.compute(*(s.values[o].sum() for o in self.outputs), *(s.grads[p].sum() for p in grads))
