"""Faults of a run, found and named: a gate that fails, and the first NaN or inf a run makes.

A gate fault is a :class:`~circuitsim.errors.CircuitError` that names the gate, its type and
plugin, its inputs and its place in the file (:func:`gate_fault`). After a run,
:func:`check_finite` looks for NaN and inf and names the first gate that produced one, in the
order the passes ran it (:func:`first_fault`): a non-finite input, then a gate's value in the
forward pass, then a gate's contribution in the backward pass, then a sum of finite
contributions that overflows where a wire fans out.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from circuitsim.base.show import short
from circuitsim.errors import CircuitError, NumericalError, NumericalWarning, Position

__all__ = ["NAN_POLICIES", "check_finite", "first_fault", "describe", "gate_fault", "gate_origin"]

NAN_POLICIES = ("warn", "raise", "ignore")


def describe(plan, step, values: list, origin: bool = False, sample: int | None = None) -> str:
    """``gate 'l' (log) with inputs x=0``; ``origin`` also names the gate's plugin; in a
    batch, ``sample`` picks the sample whose inputs are shown."""
    args = ", ".join(f"{port}={short(_at(values[i], sample), signed_zero=True)}" for port, i in zip(step.ports, step.ins))
    what = gate_origin(plan, step) if origin else step.type
    return f"gate {step.name!r} ({what}) with inputs {args}"


def gate_fault(plan, step, method: str, problem: BaseException | str, values: list) -> CircuitError:
    """A CircuitError naming the gate, its type and plugin, its inputs and its place."""
    if isinstance(problem, BaseException):
        written = isinstance(problem, ValueError) and "read-only" in str(problem)
        problem = problem.message if isinstance(problem, CircuitError) else f"raised {type(problem).__name__}: {problem}"
        if written:
            problem += " (a gate's inputs are read-only: compute a new array instead of changing one in place)"
    return CircuitError(f"{describe(plan, step, values, origin=True)}: {method} {problem}", step.pos)


def gate_origin(plan, step) -> str:
    """``type 'square' from plugin 'square_plugin' (dist 1.0)``, as far as it is known."""
    type_name = step.type
    info = plan.registry.get(type_name) if plan.registry is not None else None
    if info is None:
        return f"type {type_name!r}"
    dist = f" ({info.dist} {info.version or '?'})" if info.dist else ""
    return f"type {type_name!r} from plugin {info.plugin!r}{dist}"


def check_finite(plan, values: list, grads: list | None, policy: str, live=(), unchecked=None, seeded=()) -> None:
    """Warn about (or raise for) the first gate whose value or gradient is NaN or inf.

    ``live`` are the steps the backward pass ran, in its order (or a function making them).

    After a trapped run only what no trapped operation made is looked at first: ``unchecked``
    (from the run's :class:`~circuitsim.plan.engine.Outcome`) gives the value list's numbers and
    arrays no trapped operation made (the values no batch input reaches, the batch inputs, the
    outputs of gates without expressions), then the circuit's outputs, the Python floats among
    the gradients and the ``seeded`` slots' gradients. A gate whose batch expression gives a
    NaN or inf without a numpy operation (a literal ``inf``) that vanishes before the outputs
    goes unreported in such a run.
    """
    if policy == "ignore":
        return
    with np.errstate(all="ignore"):  # numpy's own unlocated warnings: the located one only
        if unchecked is not None and _untrapped_finite(plan, values, grads, unchecked, seeded):
            return
        if isinstance(values, np.ndarray):  # a levelized run: every number in one array
            if np.isfinite(values).all() and (grads is None or np.isfinite(grads).all()):
                return
            values, grads = values.tolist(), None if grads is None else grads.tolist()
        message, pos = first_fault(plan, values, grads, live)
    if message is None:
        return
    if policy == "raise":
        raise NumericalError(message, pos)
    warnings.warn(f"{pos}: {message}" if pos.path or pos.line else message, NumericalWarning, stacklevel=4)


def _untrapped_finite(plan, values: list, grads: list | None, unchecked, seeded) -> bool:
    scalars, arrays = unchecked
    numbers = scalars(values)  # the numbers first: a number added to an array makes an array
    if grads is not None:
        numbers += [x for x in grads if type(x) is float]
        numbers += [grads[slot] for slot in seeded]
    numbers += arrays(values)
    numbers += [values[slot] for slot in plan.outputs]
    return _all_finite(numbers)


def first_fault(plan, values: list, grads: list | None, live=()) -> tuple[str | None, Position | None]:
    """The message and place of the first NaN or inf, in the order the passes made them."""
    if not _all_finite(values):  # a non-finite input makes the sum non-finite too
        for name, slot in plan.inputs.items():
            if not _finite(values[slot]):
                return f"input {name!r} is {_fault(values[slot])}", plan.nodes[name].pos
        for step in plan.steps:
            out = values[step.out]
            if not _finite(out):
                shown = describe(plan, step, values, sample=_first_bad(out))
                return f"{shown} produced {_fault(out)} in the forward pass", step.pos
    if grads is not None and not _all_finite(grads):
        live = live() if callable(live) else live  # the live steps, or how to make them
        for step in live:  # reverse topological order, as the backward pass ran
            g = grads[step.out]
            if not _finite(g):  # every contribution to it was finite: their sum is not
                return _overflowed_sum(step.name, step.out, grads, live), step.pos
            local = plan.local_grads(step, values)
            products = [g * lg for lg in local]
            if not all(_finite(p) for p in products):
                k = next((_first_bad(p) for p in products if not _finite(p)), None)
                shown = ", ".join(short(_at(lg, k)) for lg in local)
                where = "" if k is None else f" (sample {k})"
                return (
                    f"{describe(plan, step, values, sample=k)} produced a non-finite gradient in the backward "
                    f"pass (local gradients {shown}, upstream {short(_at(g, k))}){where}",
                    step.pos,
                )
        for name, slot in plan.inputs.items():
            if not _finite(grads[slot]):
                return _overflowed_sum(name, slot, grads, live), plan.nodes[name].pos
    return None, None


def _overflowed_sum(name: str, slot: int, grads: list, live: list) -> str:
    """A gradient made non-finite by adding up finite contributions where a wire fans out."""
    uses = sum(step.ins.count(slot) for step in live)
    g = grads[slot]
    g = np.asarray(g) if isinstance(g, list) else g  # a levelized run's row
    return (
        f"the gradient of {name!r} is {_fault(g)} in the backward pass: the gradients "
        f"from its {uses} consumers are each finite but their sum overflows"
    )


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.all(np.isfinite(value)))


def _all_finite(values: list) -> bool:
    """Quick test of a whole list; may say False for a huge finite sum, never True wrongly."""
    try:
        total = sum(values)
    except TypeError:
        return all(_finite(v) for v in values)
    return _finite(total)


def _first_bad(value) -> int | None:
    """The first sample of a batch value that is NaN or inf; None for a number."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return int(np.flatnonzero(~np.isfinite(value))[0])
    return None


def _at(value, sample: int | None):
    """A batch value's number in ``sample``; a number (or a whole array without a sample) as it is."""
    if sample is not None and isinstance(value, np.ndarray) and value.ndim > 0:
        return value[sample] if value.size > 1 else value.reshape(-1)[0]
    return value


def _fault(value) -> str:
    """A non-finite value, ``nan``, with its sample in a batch: ``nan (sample 4)``."""
    k = _first_bad(value)
    return short(value) if k is None else f"{short(value[k])} (sample {k})"
