"""Training data and parameters, checked against the circuit before the first step.

Data map input names to 1-D arrays of samples, all of one length (a number is one value for
every sample); numpy arrays or anything like them, or dask arrays (left as they are). The parameters are the inputs trained: by default every input the data does
not give, each starting from its default.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from circuitsim.errors import CircuitError, did_you_mean
from circuitsim.run.circuit import Circuit
from circuitsim.train.lazy import dask_column, is_dask

__all__ = ["data_columns", "parameters"]


def data_columns(circuit: Circuit, data: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The data as ``name -> float64 array`` (dask array, or float), and the number of samples (None: no arrays)."""
    if not isinstance(data, Mapping):
        raise CircuitError(f"data must map input names to arrays of samples, got {type(data).__name__}")
    columns: dict[str, Any] = {}
    length = None
    first = None
    inputs = circuit.inputs
    for name, raw in data.items():
        if name not in inputs:
            raise CircuitError(f"data column {name!r} is not an input of {circuit.name!r}{did_you_mean(str(name), inputs)}; inputs: {', '.join(inputs)}")
        column = dask_column(name, raw) if is_dask(raw) else _column(name, raw)
        if not isinstance(column, float):
            if length is not None and column.shape[0] != length:
                raise CircuitError(f"data column {name!r} has {column.shape[0]} samples but {first!r} has {length}")
            length, first = int(column.shape[0]), first or name
        columns[name] = column
    return columns, length


def _column(name: str, raw: Any):
    if isinstance(raw, numbers.Real) and not isinstance(raw, bool):
        value = float(raw)
        if not math.isfinite(value):
            raise CircuitError(f"data {name!r} is {value}")
        return value
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise CircuitError(f"data column {name!r} must hold numbers only") from None
    if array.ndim != 1 or array.size == 0:
        raise CircuitError(f"data column {name!r} must be a non-empty 1-D array of samples, got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise CircuitError(f"data column {name!r} is {array[bad[0]]} in sample {int(bad[0])} (counting from 0)")
    return array


def parameters(
    circuit: Circuit, columns: Mapping[str, Any], params: Sequence[str] | Mapping[str, float] | None
) -> dict[str, float]:
    """The trained inputs and their starting values, in the circuit's input order if not given."""
    inputs = circuit.inputs
    if params is None:
        names = [name for name in inputs if name not in columns]
        if not names:
            raise CircuitError("nothing to train: the data gives every input; name the parameters to train (params=...)")
        start = {}
    elif isinstance(params, Mapping):
        names, start = list(params), dict(params)
    elif isinstance(params, str):
        raise CircuitError(f"params must be a list of input names, not the string {params!r}")
    else:
        names, start = list(params), {}
    if not names:
        raise CircuitError("params is empty: name at least one input to train")
    out = {}
    for name in names:
        if name not in inputs:
            raise CircuitError(f"parameter {name!r} is not an input of {circuit.name!r}{did_you_mean(str(name), inputs)}")
        if name in columns:
            raise CircuitError(f"{name!r} is both a data column and a parameter: train it or give it, not both")
        value = start.get(name, inputs[name])
        if value is None:
            raise CircuitError(
                f"input {name!r} is not in the data and has no default to start training it from: "
                f"give the data a column {name!r}, or the input a default",
                circuit.spec.inputs[name].pos,
            )
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise CircuitError(f"parameter {name!r} must start at a finite number, got {value!r}")
        out[name] = float(value)
    for name, default in inputs.items():
        if default is None and name not in columns and name not in out:
            raise CircuitError(f"input {name!r} has no default and no data column: give the data a column {name!r}", circuit.spec.inputs[name].pos)
    return out
