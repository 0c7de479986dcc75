"""Check a circuit's backprop gradients against central finite differences, input by input, and
name the gate at fault where one is off (see ``docs/internals/features.md``, "Checks and grading").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.base.show import plural, short
from circuitsim.base.text import one_line
from circuitsim.errors import CircuitError, Position, did_you_mean, missing_input
from circuitsim.netlist.nodes import Node
from circuitsim.testing import central_step, finite_difference_grads, one_sided_grads

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit, Result

__all__ = ["GateCheck", "GradcheckReport", "InputCheck", "Kink", "gradcheck"]

INPUTS_PER_RUN = 64  # inputs perturbed per batch run (two samples each)


@dataclass
class InputCheck:
    """An input's gradient by backprop and by central differences (of step ``eps``).

    ``status`` is ``ok``; ``kink`` where the two differ only because a gate on the way has a
    kink at this point and its rule there is a subgradient (relu'(0) = 0), which passes; or
    ``OFF``; ``step`` when they agree at another step, ``better_eps``, so the step is at fault.
    """

    name: str
    value: float
    backprop: float
    numeric: float
    ok: bool
    eps: float = 0.0
    kink: bool = False
    better_eps: float | None = None

    @property
    def status(self) -> str:
        if self.ok:
            return "kink" if self.kink else "ok"
        return "step" if self.better_eps is not None else "OFF"

    @property
    def abs_error(self) -> float:
        return abs(self.backprop - self.numeric)

    @property
    def rel_error(self) -> float:
        if self.numeric == 0:
            return 0.0 if self.abs_error == 0 else float("inf")
        return self.abs_error / abs(self.numeric)


@dataclass
class GateCheck:
    """A gate whose ``local_grads`` disagree with finite differences of the gate alone."""

    name: str
    type: str
    pos: Position
    inputs: dict[str, float]  # port -> value at the checked point
    local: list[float]
    numeric: list[float]

    def at(self) -> str:
        return ", ".join(f"{port}={short(value)}" for port, value in self.inputs.items())

    def __str__(self) -> str:
        return (
            f"{self.pos}: error: gate {self.name!r} ({self.type}) at {self.at()}: local_grads gives "
            f"{_numbers(self.local)} but central differences give {_numbers(self.numeric)}"
        )


@dataclass
class Kink(GateCheck):
    """A gate at a kink: its one-sided derivatives differ, and its rule picks one between them."""

    sides: list[tuple[float, float]] = field(default_factory=list)

    def __str__(self) -> str:
        sides = ", ".join(f"{short(left)} and {short(right)}" for left, right in self.sides)
        return (
            f"{self.pos}: note: gate {self.name!r} ({self.type}) has a kink at {self.at()}: its one-sided "
            f"derivatives are {sides}, its rule gives {_numbers(self.local)} (between them, as documented); "
            "central differences average the two sides"
        )


@dataclass
class GradcheckReport:
    """What :func:`gradcheck` found; truthy when every input's gradient agrees (or differs only
    at a documented kink)."""

    circuit: str
    path: str | None
    inputs: list[InputCheck] = field(default_factory=list)
    gates: list[GateCheck] = field(default_factory=list)
    kinks: list[Kink] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.inputs)

    @property
    def failures(self) -> list[InputCheck]:
        return [check for check in self.inputs if not check.ok]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [str(kink) for kink in self.kinks]
        if self.passed:
            at_kinks = sum(check.kink for check in self.inputs)
            note = f" ({at_kinks} of them across a kink)" if at_kinks else ""
            return "\n".join(lines + [f"{one_line(self.circuit)}: OK, backprop agrees with central differences for {plural(len(self.inputs), 'input')}{note}"])
        for c in self.failures:
            line = f"{one_line(self.circuit)}: gradient of input {c.name!r} is off: backprop {c.backprop:.9g}, central differences {c.numeric:.9g}"
            if c.better_eps is not None:
                line += (
                    f"; with a step of {c.better_eps:.3g} instead of {c.eps:.3g} they agree, so the step is what is wrong "
                    f"here: try --eps {c.better_eps:.3g}"
                )
            lines.append(line)
        lines += [str(gate) for gate in self.gates]
        if not self.gates and not any(c.better_eps for c in self.failures):
            lines.append(f"{one_line(self.circuit)}: every gate's local gradients agree at this point (a domain edge?)")
        return "\n".join(lines)


def gradcheck(
    circuit: Circuit,
    inputs: Mapping[str, Any] | None = None,
    *,
    eps: float | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    progress: Callable[[int], None] | None = None,
) -> GradcheckReport:
    """Compare backprop with central differences for every input of ``circuit``.

    ``inputs`` sets the point (defaults fill the rest; one number per input). ``eps`` is the
    finite-difference step (default: ~6e-6, scaled by ``|x|`` above 1). A gradient agrees when
    ``|backprop - numeric| <= atol + rtol * |numeric|``. Where one does not, the gates on its
    way are checked: a gate whose local gradients are wrong is named; one at a kink whose rule
    is a subgradient (relu at 0) makes the input pass as ``kink``; where no gate is to blame,
    other steps are tried and one that agrees is suggested. ``progress`` is called with the
    number of inputs done after each batch of them. A step that is not a finite number > 0, or
    a tolerance that is not a finite number >= 0, is a ``ValueError``.
    """
    if eps is not None and not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, not {eps!r}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, not {tol!r}")
    point = _point(circuit, inputs or {})
    base = circuit.run(point, nan="ignore")
    numeric, steps = _numeric_grads(circuit, point, eps, progress)
    report = GradcheckReport(circuit.name, circuit.path)
    for name in circuit.inputs:
        backprop, fd = float(base.grads[name]), numeric[name]
        ok = bool(np.isclose(backprop, fd, rtol=rtol, atol=atol))
        report.inputs.append(InputCheck(name, point[name], backprop, fd, ok, steps[name]))
    if not report.passed:
        _explain(circuit, base, point, report, eps, rtol, atol)
    return report


def _explain(circuit: Circuit, base: Result, point: dict, report: GradcheckReport, eps, rtol: float, atol: float) -> None:
    """Blame the gates on the way of each input that is off, or its kinks, or the step."""
    failures = report.failures
    report.gates, report.kinks = _check_gates(circuit, base, [c.name for c in failures], rtol, atol)
    nodes, upstream = circuit.nodes, circuit.nodes.upstream(circuit.outputs)
    wrong, kinked = {g.name for g in report.gates}, {k.name for k in report.kinks}
    unexplained = []
    for check in failures:
        on_way = (nodes.downstream([check.name]) & upstream) - {check.name}
        if on_way & wrong:
            continue
        if on_way & kinked:
            check.ok = check.kink = True
        else:
            unexplained.append(check)
    for scale in (0.1, 0.01, 0.001, 10.0, 100.0):
        if not unexplained:
            break
        numeric, steps = _numeric_grads(circuit, point, eps, None, scale, [c.name for c in unexplained])
        for check in list(unexplained):
            if np.isclose(check.backprop, numeric[check.name], rtol=rtol, atol=atol):
                check.better_eps = steps[check.name]
                unexplained.remove(check)
    report.kinks = [k for k in report.kinks if any(c.kink for c in report.inputs)]


def _point(circuit: Circuit, given: Mapping[str, Any]) -> dict[str, float]:
    point = {}
    for name, default in circuit.inputs.items():
        value = given.get(name, default)
        if value is None:
            raise missing_input(name, circuit.spec.inputs[name].pos)
        if np.ndim(value) != 0:
            raise CircuitError(f"gradcheck checks one point: give input {name!r} a single number, not a batch")
        point[name] = float(value)
    for name in given:
        if name not in point:
            raise CircuitError(f"unknown input {name!r}{did_you_mean(name, point)}; inputs: {', '.join(point)}")
    return point


def _numeric_grads(circuit: Circuit, point: dict[str, float], eps, progress, scale: float = 1.0, only=None):
    """Central differences for every input (or those ``only``), and the steps taken: two
    samples per input, INPUTS_PER_RUN inputs per batch."""
    names = list(point)
    grads, taken = {}, {}
    wanted = list(only) if only is not None else names
    for start in range(0, len(wanted), INPUTS_PER_RUN):
        block = wanted[start : start + INPUTS_PER_RUN]
        steps = [(eps or central_step(point[name])) * scale for name in block]
        taken.update(zip(block, steps))
        batch = {name: np.full(2 * len(block), point[name]) for name in names}
        for k, (name, h) in enumerate(zip(block, steps)):
            batch[name][2 * k] += h
            batch[name][2 * k + 1] -= h
        outputs = circuit.forward(batch, nan="ignore").outputs
        total = sum(np.asarray(v, dtype=np.float64) for v in outputs.values())
        for k, (name, h) in enumerate(zip(block, steps)):
            grads[name] = float((total[2 * k] - total[2 * k + 1]) / (2 * h))
        if progress:
            progress(len(block))
    return grads, taken


def _check_gates(circuit: Circuit, base: Result, bad_inputs: list[str], rtol: float, atol: float) -> tuple[list[GateCheck], list[Kink]]:
    """The gates between the bad inputs and the outputs whose local gradients are off, and those
    at a kink whose rule there lies between the one-sided derivatives."""
    nodes = circuit.nodes
    downstream = nodes.downstream(bad_inputs) - set(bad_inputs)
    upstream = nodes.upstream(circuit.outputs)
    found, kinks = [], []
    for step in circuit.plan.steps:
        if step.name not in downstream or step.name not in upstream:
            continue
        ins = [_value(nodes[source], base) for source in nodes[step.name].sources]
        local = [float(g) for g in step.gate.local_grads(ins, base.values[step.name])]
        numeric = [float(g) for g in finite_difference_grads(step.gate, ins)]
        if np.allclose(local, numeric, rtol=rtol, atol=atol):
            continue
        record = (step.name, step.type, step.pos, dict(zip(step.ports, ins)), local, numeric)
        sides = one_sided_grads(step.gate, ins)
        at_kink = any(not np.isclose(left, right, rtol=rtol, atol=atol) for left, right in sides)
        between = all(min(s) - atol <= g <= max(s) + atol for g, s in zip(local, sides))
        if at_kink and between:
            kinks.append(Kink(*record, sides=sides))
        else:
            found.append(GateCheck(*record))
    return found, kinks


def _value(node: Node, base: Result) -> float:
    return float(node.value) if node.kind == "const" else float(base.values[node.name])


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(map(short, values)) + "]"
