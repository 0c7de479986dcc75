"""Big batches: a circuit run over N samples in chunks, keeping only the columns asked for, in the
memory of one chunk's run whatever N is (``docs/internals/runs.md``, "Sweeps").
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circuitsim.errors import (
    CircuitError,
    NumericalError,
    NumericalWarning,
    did_you_mean,
)
from circuitsim.plan.engine import choose
from circuitsim.plan.faults import NAN_POLICIES

__all__ = ["BYTES_PER_SLOT_SAMPLE", "Sweep", "chunk_size", "memory_budget", "sweep"]

# A forward and backward batch run holds about 13 bytes per slot and sample at its peak
# (measured with tracemalloc by `python -m benchmarks.sweep --memory`); the rest is margin.
BYTES_PER_SLOT_SAMPLE = 16
MAX_BUDGET = 256 * 2**20  # more than this per chunk buys no speed
MAX_CHUNK = 2**20


@dataclass
class Sweep:
    """The kept columns of a sweep: ``values`` and ``grads`` map names to arrays of shape (N,).

    They are numpy arrays, or dask arrays when the inputs were. ``chunk`` is the number of
    samples run at once (on each worker, for dask).
    """

    circuit: str
    samples: int
    values: dict[str, Any] = field(default_factory=dict)
    grads: dict[str, Any] = field(default_factory=dict)
    chunk: int | None = None
    warned: bool = False


def memory_budget() -> int:
    """Bytes one chunk may use: an eighth of the memory available, at most 256 MiB.

    On a Dask worker the worker's memory limit counts too.
    """
    available = _available_memory()
    limit = _worker_memory_limit()
    if limit:
        available = min(available, limit)
    return max(2**20, min(available // 8, MAX_BUDGET))


def chunk_size(circuit, budget: int | None = None) -> int:
    """Samples per chunk for ``circuit``: the budget over its slots' bytes per sample."""
    per_sample = BYTES_PER_SLOT_SAMPLE * len(circuit.plan.names)
    return int(max(1, min(MAX_CHUNK, (budget or memory_budget()) // per_sample)))


def sweep(
    circuit,
    inputs: Mapping[str, Any],
    *,
    values: Sequence[str] | None = None,
    grads: Sequence[str] | None = None,
    seed: Mapping[str, Any] | None = None,
    chunk: int | None = None,
    nan: str = "warn",
) -> Sweep:
    """Run ``circuit`` over the samples of ``inputs`` chunk by chunk; see :meth:`Circuit.sweep`."""
    values, grads, seed = request(circuit, values, grads, seed, chunk, nan)
    batched, fixed = _split(inputs)
    seed_batched, seed_fixed = _split(seed)
    n = _length(circuit, {**batched, **seed_batched})
    return run_local(circuit, batched, fixed, seed_batched, seed_fixed, values, grads, n, chunk, nan)


def request(circuit, values, grads, seed, chunk, nan) -> tuple[list[str], list[str], dict]:
    """A sweep's options checked: the names of the values and gradients kept, and the seeds."""
    if nan not in NAN_POLICIES:
        raise CircuitError(f"nan must be one of {', '.join(NAN_POLICIES)}, not {nan!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise CircuitError(f"chunk must be a positive number of samples, not {chunk!r}")
    values = list(circuit.outputs if values is None else _names(values, "values"))
    grads = list(() if grads is None else _names(grads, "grads"))
    _check_names(circuit, values + grads)
    return values, grads, dict(seed or {})


def lazy(given: Mapping[str, Any]) -> bool:
    """Whether some of ``given`` is a dask array (a sweep for :mod:`circuitsim.run.sweep_dask`)."""
    return any(_is_dask(v) for v in given.values())


def run_local(circuit, batched, fixed, seed_batched, seed_fixed, values, grads, n, chunk, nan, offset: int = 0, out=None) -> Sweep:
    """The sweep proper on numpy arrays of length ``n``.

    ``offset`` is the number of the first sample, in messages; ``out``, if given, an array of
    shape (columns, n) whose rows receive the kept values, then gradients.
    """
    given = chunk
    chunk = chunk or chunk_size(circuit)
    out = np.empty((len(values) + len(grads), n)) if out is None else out
    rows = iter(out)
    kept = Sweep(circuit.name, n, {name: next(rows) for name in values}, {name: next(rows) for name in grads}, chunk)
    backward = bool(grads)
    policy = nan
    span = given or chunk  # samples run at once: a chunk given, or as many as the tier runs well
    if given is None and batched:
        first = circuit.request(_cut(fixed, batched, seed_fixed, seed_batched, 0, 1)[0], backward=False)
        tier_span = getattr(choose(circuit.plan, first), "span", None)
        span = max(chunk, tier_span) if tier_span else chunk
    for outer in range(0, n, span):
        stop = min(n, outer + span)
        part, seeds = _cut(fixed, batched, seed_fixed, seed_batched, outer, stop)
        request = circuit.request(part, seed=seeds, backward=backward, keep=(values, grads), into=out[:, outer:stop])
        if span > chunk and _ran(circuit, request):
            continue
        for start in range(outer, stop, chunk):  # chunk by chunk, through run where one faults: it names the gate
            end = min(stop, start + chunk)
            part, seeds = _cut(fixed, batched, seed_fixed, seed_batched, start, end)
            request = circuit.request(part, seed=seeds, backward=backward, keep=(values, grads), into=out[:, start:end])
            if _ran(circuit, request):
                continue
            result, faulted = _run_chunk(circuit, part, seeds, backward, policy, offset + start)
            if faulted:
                policy = "ignore"  # warned once, for the first sample that faulted
                kept.warned = True
            for name in values:
                kept.values[name][start:end] = result.values[name]
            for name in grads:
                kept.grads[name][start:end] = result.grads[name]
            del result
    return kept


def _cut(fixed: dict, batched: dict, seed_fixed: dict, seed_batched: dict, start: int, stop: int) -> tuple[dict, dict | None]:
    """The inputs and seeds of samples ``start:stop``."""
    part = {**fixed, **{name: a[start:stop] for name, a in batched.items()}}
    return part, {**seed_fixed, **{name: a[start:stop] for name, a in seed_batched.items()}} or None


def _ran(circuit, request) -> bool:
    """Run ``request`` straight into its rows; False if an operation faulted or a number is NaN
    or inf, and then the samples run again through :meth:`Circuit.run`, which names the gate."""
    try:
        with np.errstate(all="ignore"):
            outcome = circuit.plan.execute(request)
    except Exception:  # a gate's fault: run names it
        return False
    return outcome.tier != "methods" and outcome.finite()


def _run_chunk(circuit, part: dict, seeds, backward: bool, policy: str, start: int):
    """One chunk's result and whether it warned; a fault's sample is numbered in the whole sweep."""
    def run(nan):
        if backward:
            return circuit.run(part, seed=seeds, nan=nan)
        return circuit.forward(part, nan=nan)

    if policy == "ignore":
        return run("ignore"), False
    if policy == "raise":
        try:
            return run("raise"), False
        except NumericalError as exc:
            raise NumericalError(_renumbered(exc.message, start), exc.pos) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("warn")
    faults = [w for w in caught if issubclass(w.category, NumericalWarning)]
    for other in caught:
        if other not in faults:
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    if faults:
        warnings.warn(_renumbered(str(faults[0].message), start), NumericalWarning, stacklevel=4)
    return result, bool(faults)


def _renumbered(message: str, start: int) -> str:
    """A chunk's message with its samples numbered from the sweep's first sample."""
    if not start:
        return message
    return re.sub(r"\(sample (\d+)\)", lambda m: f"(sample {int(m.group(1)) + start})", message)


# -- arguments ---------------------------------------------------------------------------


def _names(names, what: str) -> list[str]:
    if isinstance(names, str):
        return [names]
    names = list(names)
    if not all(isinstance(n, str) for n in names):
        raise CircuitError(f"{what} must be a list of node names, got {names!r}")
    return names


def _check_names(circuit, names: list[str]) -> None:
    named = circuit.plan.named
    for name in names:
        if name not in named:
            raise CircuitError(f"unknown node {name!r}{did_you_mean(name, named)}; `circuitsim run FILE` lists the nodes")


def _is_dask(value) -> bool:
    return type(value).__module__.startswith("dask.")


def _split(given: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays of samples (1-D, as float64) and single numbers, apart."""
    batched, fixed = {}, {}
    for name, value in given.items():
        if isinstance(value, (list, tuple, np.ndarray)):
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise CircuitError(f"input {name!r} must be a number or a list of numbers") from None
            if array.ndim == 1:
                batched[name] = array
                continue
            if array.ndim == 0:
                value = float(array)
            else:
                raise CircuitError(f"input {name!r}: samples are a 1-D sequence, got shape {array.shape}")
        fixed[name] = value
    return batched, fixed


def _length(circuit, batched: dict[str, np.ndarray]) -> int:
    lengths = {name: len(a) for name, a in batched.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise CircuitError(f"inputs of a sweep must all have the same number of samples: {shown}")
    n = next(iter(lengths.values()), 1)
    if n == 0:
        raise CircuitError(f"a sweep needs at least one sample; {next(iter(lengths))!r} is empty")
    return n


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**31


def _worker_memory_limit() -> int | None:
    if "distributed" not in sys.modules:  # a Dask worker has imported it
        return None
    try:
        return sys.modules["distributed"].get_worker().memory_manager.memory_limit
    except Exception:  # not on a worker, or no distributed
        return None
