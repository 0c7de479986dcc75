"""Forward mode: a tangent carried along every wire with the values, in one pass.

:func:`jvp` runs it (over the levelized tier's groups where it can, else gate by gate);
:func:`jacobian` chooses forward or reverse mode by the Jacobian's shape. How: see
``docs/internals/features.md``, "Derivatives".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from circuitsim.base.show import json_number, short
from circuitsim.errors import (
    CircuitError,
    NumericalError,
    NumericalWarning,
    did_you_mean,
)
from circuitsim.plan.engine import Request, execute
from circuitsim.plan.faults import NAN_POLICIES, check_finite, describe
from circuitsim.plan.trace import Message
from circuitsim.run.circuit import _as_value
from circuitsim.run.results import BatchSlotView, SlotView, to_batch
from circuitsim.tiers.kernels import ZERO, plus
from circuitsim.tiers.levels import levels_for
from circuitsim.tiers.sums import Chain

__all__ = ["Jvp", "TangentMessage", "jacobian", "jvp", "tangent_amount", "tangent_ends"]


@dataclass
class Jvp:
    """Values and tangents of one forward-mode run.

    ``values`` and ``tangents`` map every input and gate to its value and to its derivative in
    the direction given by the tangents at the inputs; ``outputs`` maps each output to its
    value and ``output_tangents`` to its tangent. In a batch every number is an array of shape
    ``(batch,)``. ``trace`` lists the messages of a traced run.
    """

    circuit: str
    outputs: Mapping[str, Any]
    values: Mapping[str, Any]
    tangents: Mapping[str, Any]
    output_tangents: Mapping[str, Any]
    batch: int | None = None
    trace: list[Message] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class TangentMessage(Message):
    """``source`` sends ``tangent × local = contribution`` to port ``port`` of gate ``target``.

    ``value`` is the value that travels with it along the wire and ``total`` the tangent of
    ``target`` after adding the contribution. For a tangent given at an input (``source``
    ``None``) ``tangent`` and ``local`` are ``None``; for an output's tangent leaving the
    circuit (``target`` ``None``) ``local`` is ``None`` and the contribution is the tangent.
    """

    phase: ClassVar[str] = "tangent"

    value: Any
    tangent: Any
    local: Any
    contribution: Any
    total: Any

    def as_json(self) -> dict[str, Any]:
        return {k: json_number(v) if isinstance(v, (float, np.floating, np.ndarray)) else v for k, v in self.as_dict().items()}


def jvp(circuit, inputs=None, tangents=None, *, nan: str = "warn", trace: bool = False) -> Jvp:
    """Values and tangents of every node for ``inputs`` in the direction ``tangents``.

    ``tangents`` maps inputs to their tangents (numbers or arrays of a batch's length);
    inputs left out have 0. ``nan`` as for :meth:`~circuitsim.Circuit.run`: a NaN or inf
    among the values or the tangents warns (or raises) naming the first gate that made one.
    """
    messages: list[Message] | None = [] if trace else None
    values, tans, batch = tangent_pass(circuit, inputs, tangents, nan, messages)
    convert, view = (float, SlotView) if batch is None else (to_batch(batch), BatchSlotView)
    named = circuit._named
    outputs = dict(zip(circuit.outputs, circuit.plan.outputs))
    return Jvp(
        circuit.name,
        view(outputs, values, convert),
        view(named, values, convert),
        view(named, tans, convert),
        view(outputs, tans, convert),
        batch,
        messages,
    )


def tangent_pass(circuit, inputs, tangents, nan: str = "warn", messages: list | None = None) -> tuple[Any, Any, int | None]:
    """The values and tangents by plan slot (lists or arrays) and the batch size; with a
    ``messages`` list, on the method path, writing down every message."""
    if nan not in NAN_POLICIES:
        raise CircuitError(f"nan must be one of {', '.join(NAN_POLICIES)}, not {nan!r}")
    plan = circuit.plan
    trace = messages is not None
    values, batched, batch = circuit._values(inputs or {})
    start, batch = _tangents(circuit, tangents or {}, batch)
    with np.errstate(all="ignore"):
        if trace:
            plan.forward(values)  # the method path, as a traced run takes
        else:
            values = execute(plan, Request(values, None, batched)).values  # the values a run gives
        levels = None if trace else _levels(circuit)
        tans = None
        if levels is not None:
            try:
                tans = _push_levels(levels, values, start, plan.n_inputs, batch, bool(batched))
            except KeyboardInterrupt:
                raise
            except Exception:  # batch expressions that fail on arrays: the gates' methods answer
                tans = None
        if tans is None:
            tans = _push(plan, values, start, messages)
    check_finite(plan, values, None, nan)
    _check_tangents(plan, values, tans, start, nan)
    return values, tans, batch


def _tangents(circuit, given: Mapping[str, Any], batch: int | None) -> tuple[list, int | None]:
    """The tangent list with the inputs' tangents set (ZERO elsewhere), and the batch size."""
    plan = circuit.plan
    start: list = [ZERO] * plan.n_slots
    for name, raw in given.items():
        slot = plan.inputs.get(name)
        if slot is None:
            raise _not_an_input(circuit, name, "tangent")
        value = _as_value(name, raw, "tangent")
        if not _finite(value):
            raise CircuitError(f"tangent {name!r} is {short(value)}: a tangent must be finite")
        if isinstance(value, np.ndarray):
            if batch is not None and len(value) != batch:
                raise CircuitError(f"tangent {name!r} has {len(value)} samples but the batch has {batch}")
            batch = len(value)
        start[slot] = value
    return start, batch


def _not_an_input(circuit, name: str, what: str) -> CircuitError:
    inputs = list(circuit.plan.inputs)
    if name in circuit.plan.named:
        return CircuitError(f"{what} {name!r} is given at a gate: {what}s are given at inputs ({', '.join(inputs)})")
    return CircuitError(f"{what} {name!r} is not an input{did_you_mean(name, inputs)}; inputs: {', '.join(inputs) or 'none'}")


def _push(plan, values, start: list, messages: list | None) -> list:
    """Every slot's tangent from the inputs' tangents, gate by gate in topological order."""
    tans = start[:]
    names = plan.names
    if messages is not None:
        for slot in range(plan.n_inputs):
            if tans[slot] is not ZERO:
                _send(messages, None, names[slot], None, values[slot], None, None, tans[slot], tans[slot])
    for step in plan.steps:
        ins = step.ins
        if all(tans[i] is ZERO for i in ins):
            continue  # no direction reaches this gate: its tangent stays 0
        local = plan.local_grads(step, values)
        total = ZERO
        for port, i, lg in zip(step.ports, ins, local):
            t = tans[i]
            if t is ZERO:
                continue
            contribution = t * lg
            total = plus(total, contribution)
            if messages is not None:
                _send(messages, names[i], step.name, port, values[i], t, lg, contribution, total)
        tans[step.out] = total
    if messages is not None:
        for slot in plan.outputs:
            _send(messages, names[slot], None, None, values[slot], tans[slot], None, tans[slot], tans[slot])
    return tans


def derived(circuit, key, make):
    """What ``make()`` gives, made once per circuit and ``key`` (a circuit does not change)."""
    cache = circuit.__dict__.setdefault("_derived", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _levels(circuit):
    """The levelized tier's groups of ``circuit``, every gate in one, if all have expressions."""
    return derived(circuit, "levels", lambda: levels_for(circuit.plan.numbering, min_gates=1, min_width=1))


def _push_levels(levels, values, start: list, n_inputs: int, batch: int | None, batched: bool = False) -> np.ndarray:
    """Tangents by plan slot from the values by plan slot, a few numpy operations per level
    and kind of gate (as the levelized tier runs): each group's tangents are the sum over its
    ports of the tangents in times the local gradients; a chain of sums adds up tangents as it
    adds up values. With a batch (``batch``) the tangents are rows of ``batch`` numbers, and
    with a batch of inputs (``batched``) so are the values and local gradients. Every gate is
    in a group, however narrow: one numpy operation per group costs less than the methods'
    calls per gate."""
    v = _value_rows(values, batch) if batched else np.asarray(values, dtype=np.float64)
    v = v[levels.order]  # by position
    t = np.zeros((levels.n_slots,) if batch is None else (levels.n_slots, batch))
    for slot in range(n_inputs):  # the inputs' positions are their slots
        if start[slot] is not ZERO:
            t[slot] = start[slot]
    for group in levels._steps(levels.chains(), reverse=False):
        if type(group) is Chain:
            group.forward(t)  # the tangent of a sum is the sum of the tangents
            continue
        out = v[group.start : group.stop]
        xs = tuple(v[s] for s in group.ins)
        local = None
        total = None
        for port, (s, unit) in enumerate(zip(group.ins, group.units)):
            if unit is None:
                if local is None:
                    local = group.grads(xs, out)
                lg = np.asarray(local[port])
                term = t[s] * (lg if batch is None or lg.ndim == 0 or batched else lg[:, None])
            else:
                term = t[s] if unit == "+" else -t[s]
            total = term if total is None else total + term
        t[group.start : group.stop] = total
    return t[levels.position]


def _value_rows(values: list, batch: int) -> np.ndarray:
    """The values of a batch run by slot as rows of ``batch`` numbers (a slot the batch does
    not reach holds one number: its row repeats it)."""
    rows = np.empty((len(values), batch))
    arrays = np.fromiter([isinstance(x, np.ndarray) for x in values], dtype=bool, count=len(values))
    at = np.flatnonzero(arrays)
    if len(at):
        rows[at] = np.stack([values[i] for i in at.tolist()])
    numbers = np.flatnonzero(~arrays)
    rows[numbers] = np.array([values[i] for i in numbers.tolist()], dtype=np.float64)[:, None]
    return rows


def _send(messages: list, *args) -> None:
    messages.append(TangentMessage(len(messages) + 1, *args))


def _check_tangents(plan, values, tans: list, start: list, nan: str) -> None:
    """Warn about (or raise for) the first gate whose tangent is NaN or inf, its inputs' finite."""
    if nan == "ignore" or _finite_all(tans):
        return
    for step in plan.steps:
        if _finite(tans[step.out]):
            continue
        local = plan.local_grads(step, values)
        shown = ", ".join(f"{port}: {short(tans[i])} × {short(lg)}" for port, i, lg in zip(step.ports, step.ins, local))
        message = f"{describe(plan, step, values)} produced a non-finite tangent in forward mode ({shown})"
        if nan == "raise":
            raise NumericalError(message, step.pos)
        warnings.warn(f"{step.pos}: {message}" if step.pos.path else message, NumericalWarning, stacklevel=4)
        return


def jacobian(circuit, inputs=None, of: Sequence[str] | None = None, wrt: Sequence[str] | None = None, *, nan: str = "warn") -> dict:
    """``{node: {input: d node / d input}}`` for the nodes ``of`` (the outputs) and inputs ``wrt``
    (every input): forward mode, one pass per input, when there are fewer ``wrt`` than ``of``;
    else reverse mode, one pass per node."""
    of = list(circuit.outputs if of is None else _names(of, "of"))
    wrt = list(circuit.plan.inputs if wrt is None else _names(wrt, "wrt"))
    plan = circuit.plan
    for name in of:
        if name not in plan.named:
            names = list(plan.named)
            raise CircuitError(f"of: {name!r} is not an input or gate{did_you_mean(name, names)}")
    for name in wrt:
        if name not in plan.inputs:
            raise _not_an_input(circuit, name, "wrt")
    table: dict[str, dict[str, Any]] = {name: {} for name in of}
    if len(wrt) < len(of):
        for w in wrt:
            tangents = jvp(circuit, inputs, {w: 1.0}, nan=nan).tangents
            for name in of:
                table[name][w] = tangents[name]
    else:
        for name in of:
            grads = circuit.run(inputs, seed={name: 1.0}, nan=nan).grads
            table[name] = {w: grads[w] for w in wrt}
    return table


def _names(names, what: str) -> list[str]:
    if isinstance(names, str):
        raise CircuitError(f"{what} is a list of names, not the string {names!r}: write [{names!r}]")
    return list(names)


def tangent_ends(m: TangentMessage, nodes) -> tuple[str, str]:
    """The message's two ends: ``w0 -> m0.0``; ``tangent`` for a tangent given at an input,
    ``output`` for an output's tangent leaving the circuit."""
    source = "tangent" if m.source is None else _end(nodes, m.source)
    target = "output" if m.target is None else m.target if m.port is None else f"{m.target}.{m.port}"
    return source, target


def tangent_amount(m: TangentMessage, number=short) -> str:
    """``tangent × local = contribution``; a tangent given or leaving: the tangent alone."""
    if m.local is None:
        return number(m.contribution)
    return f"{number(m.tangent)} × {number(m.local)} = {number(m.contribution)}"


def _end(nodes, name: str) -> str:
    node = nodes[name]
    return f"{node.value:g}" if node.kind == "const" else name


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.all(np.isfinite(value)))


def _finite_all(values) -> bool:
    if isinstance(values, np.ndarray):
        return bool(np.isfinite(values).all())
    try:
        return _finite(sum(v for v in values if v is not ZERO))
    except TypeError:
        return all(_finite(v) for v in values)
