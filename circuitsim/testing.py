"""Checks for gate authors: local gradients, arity, batches, determinism, kinks and second
derivatives. :func:`check_gate` checks one gate type (a failure is an ``AssertionError`` naming
the gate, the port, the sample, what was expected and what came); :func:`check_registry`
checks every gate type of a registry (``circuitsim gates --check``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.base.show import exact
from circuitsim.gate import rule
from circuitsim.gate.base import Gate
from circuitsim.gate.plugins import gate_class_problem
from circuitsim.gate.rule import parse
from circuitsim.tiers.kernels import compile_kernels

if TYPE_CHECKING:
    from circuitsim.gate.plugins import Registry

__all__ = [
    "DEFAULT_POINTS",
    "central_step",
    "check_gate",
    "check_registry",
    "default_samples",
    "finite_difference_grads",
    "one_sided_grads",
]

# Irregular points of both signs, away from 0 and 1 where kinks and domain edges sit. Seven
# points taken with stride 3 give samples with distinct inputs for any arity up to seven.
DEFAULT_POINTS = (-1.7, -0.6, 0.3, 0.7, 1.3, 1.9, 2.6)
VARIADIC_ARITIES = (1, 2, 3)

# Central differences err by ~h² (truncation) plus ~eps/h (rounding): h ~ eps^(1/3) balances
# them; a one-sided difference errs by ~h plus ~eps/h: h ~ eps^(1/2).
_EPS = float(np.finfo(np.float64).eps)
_CENTRAL_STEP = _EPS ** (1 / 3)
_ONE_SIDED_STEP = _EPS ** (1 / 2)
_KINK_RTOL = 1e-12  # a stated kink gradient is a rule: the gate must give it (almost) exactly


def check_gate(
    gate: type[Gate] | Gate,
    samples: Sequence[Sequence[float]] | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-7,
) -> None:
    """Assert that a gate type keeps circuitsim's contract for gates.

    Checks the class (name, arity, params, a docstring, a ``forward`` taking its inputs), then at
    every sample: one local gradient per input, each matching float64 central differences
    within ``rtol``/``atol``; a repeat of every call giving the same numbers (no hidden state);
    a batch over all samples giving the scalar results sample by sample; inputs left unchanged.
    Where the gate has expressions, its second derivatives (its local gradients' trees
    differentiated once more, what ``Circuit.hvp`` and ``hessian`` rest on) match central
    differences of its local gradients. Last, every kink the class declares gives the
    gradients it states.

    ``gate`` is a :class:`~circuitsim.Gate` subclass or an instance of one. ``params`` defaults
    to the class's ``example_params`` (or none, if it has no required parameter). ``samples``
    are input tuples away from kinks; by default :func:`default_samples`, keeping those where
    the gate is finite (inside its domain).
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not our frames
    try:
        _check_gate(gate, samples, params, rtol, atol)
    except AssertionError as exc:
        raise AssertionError(str(exc)) from exc.__cause__


def _check_gate(gate, samples, params, rtol: float, atol: float) -> None:
    cls = gate if isinstance(gate, type) else type(gate)
    _check_class(cls)
    for instance in _instances(gate, params):
        if samples is not None:
            for batch in _by_length(samples):
                _check_samples(instance, batch, rtol, atol)
        else:
            for batch in default_samples(cls):
                _check_samples(instance, _in_domain(instance, batch), rtol, atol)
        _check_kinks(instance)


def check_registry(registry: Registry) -> list[tuple[str, str]]:
    """Run :func:`check_gate` on every gate type of ``registry``: ``(gate name, problem)`` pairs."""
    problems = []
    for name in registry.names():
        try:
            check_gate(registry.get(name).cls)
        except AssertionError as exc:
            problems.append((name, str(exc)))
    return problems


def default_samples(cls: type[Gate]) -> list[list[tuple[float, ...]]]:
    """Sample input tuples for a gate type, one list per number of inputs it takes.

    A variadic gate (``arity = None``) is sampled with 1, 2 and 3 inputs.
    """
    arities = VARIADIC_ARITIES if cls.arity is None else (cls.arity,)
    n = len(DEFAULT_POINTS)
    return [
        [tuple(DEFAULT_POINTS[(k + 3 * i) % n] for i in range(arity)) for k in range(n)]
        for arity in arities
    ]


def central_step(x: float) -> float:
    """The step of a central difference at ``x``: ~eps^(1/3), scaled by ``|x|`` above 1."""
    return _CENTRAL_STEP * max(1.0, abs(x))


def finite_difference_grads(gate: Gate, inputs: Sequence[float]) -> list[float]:
    """d output / d input_i by float64 central differences, one per input."""
    grads = []
    for i, x in enumerate(inputs):
        h = central_step(x)
        up, down = list(inputs), list(inputs)
        up[i], down[i] = x + h, x - h
        grads.append((float(gate.forward(*up)) - float(gate.forward(*down))) / (2 * h))
    return grads


def one_sided_grads(gate: Gate, inputs: Sequence[float], out: float | None = None) -> list[tuple[float, float]]:
    """(left, right) derivatives of the output by each input, by float64 one-sided differences:
    equal where the gate is smooth, apart at a kink (relu at 0: 0 and 1)."""
    out = float(gate.forward(*inputs)) if out is None else out
    sides = []
    for i, x in enumerate(inputs):
        h = _ONE_SIDED_STEP * max(1.0, abs(x))
        up, down = list(inputs), list(inputs)
        up[i], down[i] = x + h, x - h
        sides.append(((out - float(gate.forward(*down))) / h, (float(gate.forward(*up)) - out) / h))
    return sides


# -- the class and its instances --------------------------------------------------------


def _check_class(cls: type[Gate]) -> None:
    problem = gate_class_problem(cls)
    if problem is not None:
        raise AssertionError(f"not a valid gate type: {problem}")
    who = f"gate {cls.name!r}"
    if not cls.summary():
        raise AssertionError(
            f"{who} has no docstring; its first line is what `circuitsim gates` shows"
        )
    signature = inspect.signature(cls.forward)
    for arity in VARIADIC_ARITIES if cls.arity is None else (cls.arity,):
        try:
            signature.bind(None, *[0.0] * arity)
        except TypeError:
            raise AssertionError(
                f"{who} has arity {cls.arity!r} but its forward{signature} "
                f"cannot take {arity} input(s)"
            ) from None


def _instances(gate: type[Gate] | Gate, params: Mapping[str, Any] | None) -> list[Gate]:
    if not isinstance(gate, type):
        if params is not None:
            raise TypeError("check_gate: pass params with a gate class, not with an instance")
        return [gate]
    if params is not None:
        param_sets = [params]
    elif gate.example_params:
        param_sets = list(gate.example_params)
    else:
        required = [name for name, default in gate.params.items() if default is None]
        if required:
            raise AssertionError(
                f"gate {gate.name!r} has required parameters {required} but no example_params "
                "to check it with: declare example_params on the class or pass params="
            )
        param_sets = [{}]
    return [_call(f"gate {gate.name!r} with params {p}", "its constructor", gate, p) for p in param_sets]


# -- samples ----------------------------------------------------------------------------


def _check_samples(gate: Gate, samples: list[tuple[float, ...]], rtol: float, atol: float) -> None:
    for sample in samples:
        _check_arity(gate, sample, "sample")
    first = [_check_sample(gate, sample, rtol, atol) for sample in samples]
    for sample, (out, _) in zip(samples, first):
        _check_second(gate, sample, out, rtol, atol)
    # Again, in another order: every forward first, then every local_grads, backwards.
    outs = [_call(_who(gate), "forward", gate.forward, *sample) for sample in samples]
    for sample, out, (out1, grads1) in reversed(list(zip(samples, outs, first))):
        grads = _call(_who(gate), "local_grads", gate.local_grads, list(sample), out)
        if not _same([out, *grads], [out1, *grads1]):
            raise AssertionError(
                f"{_who(gate)} at sample {sample}: a repeated call gave {out}, {list(grads)} "
                f"instead of {out1}, {grads1} (a gate must not keep state between calls)"
            )
    columns = [np.array(col, dtype=np.float64) for col in zip(*samples)]
    _check_batch(gate, samples, columns)
    _check_expressions(gate, samples, columns)
    # A batch run passes a scalar input (a constant, or an input given one value) as a float.
    broadcast = [(samples[0][0], *sample[1:]) for sample in samples]
    _check_batch(gate, broadcast, [samples[0][0], *columns[1:]])


def _check_expressions(gate: Gate, samples: list[tuple[float, ...]], columns: list) -> None:
    """A gate that writes its methods and gives expressions too: both give the same bits."""
    cls = type(gate)
    if cls.expressions is Gate.expressions or not cls.writes_methods():
        return
    n = len(samples[0])
    for batch, runs in ((False, [(s, s) for s in samples]), (True, [(columns, samples)])):
        expr = _call(_who(gate), "expressions", gate.expressions, n, batch)
        if expr is None:
            continue
        try:
            parse(expr, n).functions
            compile_kernels(parse(expr, n))
        except Exception as exc:
            raise AssertionError(
                f"{_who(gate)}: its expressions for {n} input(s){' in a batch' if batch else ''} "
                f"do not compile: {type(exc).__name__}: {exc}"
            ) from None
        for inputs, shown in runs:
            out = _call(_who(gate), "forward", gate.forward, *inputs)
            grads = _call(_who(gate), "local_grads", gate.local_grads, list(inputs), out)
            rule_out = _call(_who(gate), "its expressions", Gate.forward, gate, *inputs)
            rule_grads = _call(_who(gate), "its expressions", Gate.local_grads, gate, list(inputs), rule_out)
            if not _same([out, *grads], [rule_out, *rule_grads]):
                where = shown if not batch else _first_difference(shown, [out, *grads], [rule_out, *rule_grads])
                raise AssertionError(
                    f"{_who(gate)} at sample {where}{' in a batch' if batch else ''}: its expressions give "
                    f"{_values(rule_out, rule_grads)} but forward and local_grads give {_values(out, grads)}; "
                    "the expressions must give exactly what the methods give (or leave the methods "
                    "out: circuitsim derives them from the expressions)"
                )


def _first_difference(samples: list, got: list, want: list):
    n = len(samples)
    for k, sample in enumerate(samples):
        if not _same([np.broadcast_to(x, (n,))[k] for x in got], [np.broadcast_to(x, (n,))[k] for x in want]):
            return sample
    return samples[0]


def _values(out, grads) -> str:
    shown = [exact(x) if isinstance(x, np.ndarray) else repr(x) for x in (out, *grads)]
    return f"output {shown[0]}, local gradients [{', '.join(shown[1:])}]"


def _by_length(samples: Sequence[Sequence[float]]) -> list[list[tuple[float, ...]]]:
    """The samples as float tuples, grouped by their number of inputs (one batch each)."""
    groups: dict[int, list[tuple[float, ...]]] = {}
    for sample in samples:
        groups.setdefault(len(sample), []).append(tuple(map(float, sample)))
    return list(groups.values())


def _in_domain(gate: Gate, samples: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """The default samples where the gate and its finite differences are finite."""
    kept = []
    for sample in samples:
        out = _call(_who(gate), "forward", gate.forward, *sample)
        with np.errstate(all="ignore"):
            numeric = _call(_who(gate), "forward", finite_difference_grads, gate, sample)
        if np.all(np.isfinite([out, *numeric])):
            kept.append(sample)
    if not kept:
        raise AssertionError(
            f"{_who(gate)} is not finite at any default sample {samples}: pass samples="
        )
    return kept


def _check_arity(gate: Gate, inputs: tuple, what: str) -> None:
    if gate.arity is not None and len(inputs) != gate.arity:
        raise AssertionError(
            f"{_who(gate)} takes {gate.arity} input(s) but {what} {inputs} has {len(inputs)}"
        )


def _check_sample(gate: Gate, sample: tuple[float, ...], rtol: float, atol: float):
    out, grads = _scalar_run(gate, sample)
    numeric = _call(_who(gate), "forward (near the sample)", finite_difference_grads, gate, sample)
    for port, got, want in zip(gate.port_names(len(sample)), grads, numeric):
        if not np.isclose(got, want, rtol=rtol, atol=atol):
            raise AssertionError(
                f"{_who(gate)}, port {port}, at sample {sample}: local gradient expected "
                f"{_apart(want, got)[0]} (float64 central differences) but got {_apart(want, got)[1]}"
            )
    return out, grads


def _scalar_run(gate: Gate, sample: tuple[float, ...]):
    """forward and local_grads at one sample, checking the gradient count and no mutation."""
    out = _call(_who(gate), "forward", gate.forward, *sample)
    inputs = list(sample)
    grads = _call(_who(gate), "local_grads", gate.local_grads, inputs, out)
    grads = _grad_list(gate, grads, sample)
    if inputs != list(sample):
        raise AssertionError(
            f"{_who(gate)} at sample {sample}: local_grads changed its inputs list to {inputs}"
        )
    return out, grads


def _grad_list(gate: Gate, grads, sample) -> list:
    try:
        grads = list(grads)
    except TypeError:
        raise AssertionError(
            f"{_who(gate)} at sample {sample}: local_grads returned {grads!r}, "
            "not a sequence of one gradient per input"
        ) from None
    if len(grads) != len(sample):
        raise AssertionError(
            f"{_who(gate)} at sample {sample}: local_grads gave {len(grads)} gradient(s) "
            f"for {len(sample)} input(s)"
        )
    return grads


def _check_batch(gate: Gate, samples: list[tuple[float, ...]], columns: list) -> None:
    """One batch run over ``samples`` (inputs as ``columns``) equals the scalar runs."""
    n = len(samples)
    copies = [np.copy(c) for c in columns]
    batch_out = _call(_who(gate), "forward on a batch", gate.forward, *columns)
    out_copy = np.copy(batch_out)
    batch_grads = _call(_who(gate), "local_grads on a batch", gate.local_grads, columns, batch_out)
    batch_grads = _grad_list(gate, batch_grads, samples[0])
    for port, before, after in zip(gate.port_names(len(columns)), copies, columns):
        if not _same(before, after):
            raise AssertionError(f"{_who(gate)} changed its input array at port {port} in place")
    if not _same(out_copy, batch_out):
        raise AssertionError(f"{_who(gate)}: local_grads changed the output array in place")
    for k, sample in enumerate(samples):
        out, grads = _scalar_run(gate, sample)
        try:
            got_out = np.broadcast_to(batch_out, (n,))[k]
            got_grads = [np.broadcast_to(g, (n,))[k] for g in batch_grads]
        except ValueError:
            raise AssertionError(
                f"{_who(gate)}: a batch of {n} samples gave values or gradients that do not "
                f"broadcast to shape ({n},)"
            ) from None
        if not np.allclose([got_out, *got_grads], [out, *grads], rtol=1e-12, equal_nan=True):
            raise AssertionError(
                f"{_who(gate)} at sample {sample}: the scalar run gives {out}, {grads} "
                f"but the batch gives {got_out}, {got_grads}"
            )


def _check_second(gate: Gate, sample: tuple[float, ...], out: float, rtol: float, atol: float) -> None:
    """d local gradient i / d input j from the rule's trees against central differences of
    ``local_grads``; nothing to check for a gate without expressions."""
    r = rule.rule_of(gate, len(sample))
    if r is None:
        return
    for j, x in enumerate(sample):
        h = central_step(x)
        up, down = list(sample), list(sample)
        up[j], down[j] = x + h, x - h
        above = _call(_who(gate), "local_grads", gate.local_grads, up, gate.forward(*up))
        below = _call(_who(gate), "local_grads", gate.local_grads, down, gate.forward(*down))
        for i, port in enumerate(gate.port_names(len(sample))):
            try:
                tree = r.derivative(r.grads[i], j)
            except rule.NotDifferentiable as exc:
                raise AssertionError(f"{_who(gate)}: its local gradient for port {port} cannot be differentiated: {exc}") from None
            got = _call(_who(gate), "the second derivative", rule.evaluate, tree, list(sample), out)
            want = (float(above[i]) - float(below[i])) / (2 * h)
            if not np.isclose(got, want, rtol=rtol, atol=atol):
                by = gate.port_names(len(sample))[j]
                raise AssertionError(
                    f"{_who(gate)}, port {port}, at sample {sample}: the derivative of its local gradient by "
                    f"{by} is {float(got)!r} from its expressions but central differences of local_grads give {want:.9g}"
                )


# -- kinks ------------------------------------------------------------------------------


def _check_kinks(gate: Gate) -> None:
    for inputs, stated in gate.kinks.items():
        inputs, stated = tuple(map(float, inputs)), tuple(map(float, stated))
        _check_arity(gate, inputs, "kink")
        out, grads = _scalar_run(gate, inputs)
        batch = [np.array([x]) for x in inputs]
        batch_out = _call(_who(gate), "forward on a batch", gate.forward, *batch)
        batch_grads = _call(_who(gate), "local_grads on a batch", gate.local_grads, batch, batch_out)
        batch_grads = [float(np.broadcast_to(g, (1,))[0]) for g in batch_grads]
        for port, i in zip(gate.port_names(len(inputs)), range(len(inputs))):
            for how, got in (("", grads[i]), (" in a batch", batch_grads[i])):
                if not math.isclose(got, stated[i], rel_tol=_KINK_RTOL, abs_tol=1e-300):
                    raise AssertionError(
                        f"{_who(gate)}, port {port}, at kink {inputs}: local gradient expected "
                        f"{stated[i]!r} (as stated in kinks) but got {got!r}{how}"
                    )
            _check_between_one_sided(gate, inputs, out, i, port, stated[i])


def _check_between_one_sided(gate: Gate, inputs: tuple, out: float, i: int, port: str, stated: float) -> None:
    """A stated kink gradient lies between the left and right derivatives (a subgradient)."""
    left, right = one_sided_grads(gate, inputs, out)[i]
    low, high = min(left, right), max(left, right)
    slack = 1e-6 * max(1.0, abs(low), abs(high))
    if not low - slack <= stated <= high + slack:
        raise AssertionError(
            f"{_who(gate)}, port {port}, at kink {inputs}: the stated local gradient {stated!r} "
            f"lies outside the one-sided derivatives [{low:.6g}, {high:.6g}]"
        )


# -- helpers ----------------------------------------------------------------------------


def _apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` to six significant digits, for people (5.78, not 5.779999999999999),
    or to as many more as it takes to tell them apart."""
    for digits in range(6, 18):
        shown = tuple(f"{float(x) + 0.0:.{digits}g}" for x in (a, b))
        if shown[0] != shown[1]:
            return shown
    return exact(a), exact(b)


def _who(gate: Gate) -> str:
    params = f" with params {gate.params}" if gate.params else ""
    return f"gate {gate.name!r}{params}"


def _call(who: str, what: str, fn, *args):
    """``fn(*args)``; an exception becomes an AssertionError naming the gate and the call."""
    try:
        return fn(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from a gate too: named, not the end of the program
        shown = ", ".join(exact(a) for a in args if not isinstance(a, Gate))
        raise AssertionError(f"{who}: {what} raised {type(exc).__name__}: {exc} (called with {shown})") from exc


def _same(a, b) -> bool:
    """Equal numbers or arrays (or lists of them, an array beside a number), NaN equal to NaN."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True))
    except (TypeError, ValueError):
        return False
