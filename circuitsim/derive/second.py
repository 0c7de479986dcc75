"""Second order: Hessian-vector products and Hessians, forward mode over the backward circuit
(see ``docs/second-order.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from circuitsim.derive.backward import backward_circuit
from circuitsim.derive.forward import _names, _not_an_input, derived, jvp, tangent_pass
from circuitsim.errors import CircuitError
from circuitsim.run.results import to_batch

__all__ = ["hessian", "hvp"]


def _backward(circuit, seed: Mapping[str, Any] | None, what: str):
    if seed is None:
        return derived(circuit, ("backward", None), lambda: backward_circuit(circuit, what=what)), {}
    for name in seed:
        if name not in circuit.plan.named:
            raise CircuitError(f"cannot seed unknown node {name!r}")
    names = tuple(sorted(seed))
    b = derived(circuit, ("backward", names), lambda: backward_circuit(circuit, dict.fromkeys(names, 1.0), inputs_for_seeds=True, what=what))
    return b, {b.seed_inputs[name]: value for name, value in seed.items()}


def hvp(circuit, inputs=None, vector: Mapping[str, Any] | None = None, seed: Mapping[str, Any] | None = None, *, nan: str = "warn") -> dict:
    """The Hessian of the sum of the outputs (or of the ``seed``-weighted nodes) times
    ``vector`` (input -> number; inputs left out have 0): ``{input: number}``."""
    vector = dict(vector or {})
    for name in vector:
        if name not in circuit.plan.inputs:
            raise _not_an_input(circuit, name, "vector entry")
    b, seeds = _backward(circuit, seed, "hvp")
    _, tans, batch = tangent_pass(b, {**(inputs or {}), **seeds}, vector, nan)
    if batch is None and isinstance(tans, np.ndarray):  # the levelized pass's: one conversion for all
        slots = derived(b, "output slots", lambda: np.array(b.plan.outputs, dtype=np.intp))
        return dict(zip(circuit.plan.inputs, tans[slots].tolist()))
    convert = to_batch(batch) if batch is not None else float
    return {name: convert(tans[slot]) for name, slot in zip(circuit.plan.inputs, b.plan.outputs)}


def hessian(circuit, inputs=None, wrt: Sequence[str] | None = None, seed: Mapping[str, Any] | None = None, *, nan: str = "warn") -> dict:
    """``{a: {b: d²/da db}}`` over the inputs ``wrt`` (default: every input) of the sum of the
    outputs (or the ``seed``-weighted nodes)."""
    wrt = list(circuit.plan.inputs if wrt is None else _names(wrt, "wrt"))
    for name in wrt:
        if name not in circuit.plan.inputs:
            raise _not_an_input(circuit, name, "wrt")
    b, seeds = _backward(circuit, seed, "hessian")
    given = {**(inputs or {}), **seeds}
    _, _, batch = b._values(given)
    if batch is None and wrt:  # one pass over a batch of one tangent per input
        k = len(wrt)
        tangents = {a: np.eye(k)[i] for i, a in enumerate(wrt)}
        _, tans, _ = tangent_pass(b, given, tangents, nan)
        grads = dict(zip(circuit.plan.inputs, b.plan.outputs))
        rows = np.array([np.broadcast_to(tans[grads[c]], (k,)) for c in wrt], dtype=np.float64)  # rows: d grad_c, by direction
        return {a: {c: float(rows[j, i]) for j, c in enumerate(wrt)} for i, a in enumerate(wrt)}
    table = {}
    for a in wrt:
        r = jvp(b, given, {a: 1.0}, nan=nan).tangents
        table[a] = {c: r[f"grad_{c}"] for c in wrt}
    return table
