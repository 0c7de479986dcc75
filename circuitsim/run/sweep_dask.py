"""Sweeps over dask arrays: one task per block, each a local sweep on whichever worker runs it.

The graph holds the circuit once, as the bytes of :func:`circuitsim.run.portable.blob_of` under one
key that every block task depends on; a worker builds the circuit from them once. Each task
returns its block's kept columns side by side, an array of shape (block, columns), and the
result's columns are slices of that one dask array, so computing them together
(``dask.compute(s.values["f"], s.grads["x"])``) runs every block once.
"""

from __future__ import annotations

import warnings

import numpy as np

from circuitsim.errors import CircuitError, NumericalWarning
from circuitsim.run.portable import blob_of, circuit_from_blob
from circuitsim.run.sweep import Sweep, _is_dask, _split, request, run_local

__all__ = ["dask_sweep", "run_block", "run_reporting"]


def dask_sweep(circuit, inputs: dict, *, values=None, grads=None, seed=None, chunk=None, nan: str = "warn") -> Sweep:
    """:func:`circuitsim.run.sweep.sweep` over dask arrays: one task per block."""
    values, grads, seed = request(circuit, values, grads, seed, chunk, nan)
    import dask
    import dask.array as da
    from dask.base import tokenize

    given = {**{("input", k): v for k, v in inputs.items()}, **{("seed", k): v for k, v in seed.items()}}
    lazy = {key: v for key, v in given.items() if _is_dask(v)}
    for (_, name), array in lazy.items():
        if not isinstance(array, da.Array) or array.ndim != 1:
            raise CircuitError(f"input {name!r}: a dask input is a 1-D dask array, got {type(array).__name__} {getattr(array, 'shape', '')}")
    reference = next(iter(lazy.values()))
    n = reference.shape[0]
    if any(np.isnan(a.shape[0]) for a in lazy.values()):
        raise CircuitError("dask inputs of unknown length: call .compute_chunk_sizes() on them first")
    batched, fixed = _split({k: v for k, v in given.items() if k not in lazy})
    arrays = {}
    for key, array in {**lazy, **batched}.items():
        if array.shape[0] != n:
            raise CircuitError(f"inputs of a sweep must all have the same number of samples: {key[1]!r} has {array.shape[0]}, {n} expected")
        arrays[key] = da.from_array(array, chunks=reference.chunks) if isinstance(array, np.ndarray) else array.rechunk(reference.chunks)
    names = list(arrays)
    columns = len(values) + len(grads)
    blob = dask.delayed(blob_of(circuit), pure=True)
    table = da.map_blocks(
        run_block,
        blob,
        *arrays.values(),
        names=names,
        fixed=fixed,
        values=values,
        grads=grads,
        chunk=chunk,
        nan=nan,
        dtype=np.float64,
        meta=np.empty((0, 0), dtype=np.float64),
        chunks=(reference.chunks[0], (columns,)),
        new_axis=1,
        # The name fully specifies the output keys: it must differ for different inputs.
        name=f"sweep-{circuit.name}-" + tokenize(blob, *arrays.values(), names, fixed, values, grads, chunk, nan),
    )
    kept = Sweep(circuit.name, int(n), chunk=chunk)
    kept.values = {name: table[:, i] for i, name in enumerate(values)}
    kept.grads = {name: table[:, len(values) + i] for i, name in enumerate(grads)}
    return kept


def run_block(blob: bytes, *blocks, names, fixed, values, grads, chunk, nan, block_info=None, offset: int = 0) -> np.ndarray:
    """One block's kept columns, shape (block, columns); runs where the task runs.

    ``names`` are ``("input" | "seed", name)`` pairs for ``blocks``; ``fixed`` holds the same
    keys for the numbers that are not arrays.
    """
    circuit = circuit_from_blob(blob)
    if block_info is not None:
        offset = block_info[1]["array-location"][0][0]
    batched = dict(zip(names, blocks))
    n = len(blocks[0])
    out = np.empty((len(values) + len(grads), n))

    def side(kind: str, group: dict) -> dict:
        return {name: v for (k, name), v in group.items() if k == kind}

    kept = run_local(
        circuit, side("input", batched), side("input", fixed), side("seed", batched), side("seed", fixed),
        values, grads, n, chunk, nan, offset, out=out,
    )
    del kept
    return out.T


def run_reporting(blob: bytes, *blocks, names, fixed, values, grads, nan, offset: int) -> tuple[np.ndarray, list[str]]:
    """:func:`run_block`, and the NaN warnings it gave, to be shown where the work was sent from."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NumericalWarning)
        table = run_block(blob, *blocks, names=names, fixed=fixed, values=values, grads=grads, chunk=None, nan=nan, offset=offset)
    return table, [str(w.message) for w in caught if issubclass(w.category, NumericalWarning)]
