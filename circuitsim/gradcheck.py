"""Check a circuit's backprop gradients against central finite differences, input by input.

::

    import circuitsim
    from circuitsim.gradcheck import gradcheck

    report = gradcheck(circuitsim.load("circuits/mlp.yaml"))
    assert report, report

The finite differences are float64 central differences of the sum of the outputs (what the
backward pass differentiates), all inputs perturbed in one batch run. Where an input's gradient
is off, every gate between it and the outputs has its ``local_grads`` checked against finite
differences of that gate alone (:func:`circuitsim.testing.finite_difference_grads`), so the
report names the gate at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CircuitError, Position, did_you_mean, missing_input
from .graph import Node
from .testing import central_step, finite_difference_grads

if TYPE_CHECKING:
    from .circuit import Circuit, Result

__all__ = ["GateCheck", "GradcheckReport", "InputCheck", "gradcheck"]

INPUTS_PER_RUN = 64  # inputs perturbed per batch run (two samples each)


@dataclass
class InputCheck:
    """An input's gradient by backprop and by central differences."""

    name: str
    value: float
    backprop: float
    numeric: float
    ok: bool

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

    def __str__(self) -> str:
        at = ", ".join(f"{port}={value:.6g}" for port, value in self.inputs.items())
        return (
            f"{self.pos}: error: gate {self.name!r} ({self.type}) at {at}: local_grads gives "
            f"{_numbers(self.local)} but central differences give {_numbers(self.numeric)}"
        )


@dataclass
class GradcheckReport:
    """What :func:`gradcheck` found; truthy when every input's gradient agrees."""

    circuit: str
    path: str | None
    inputs: list[InputCheck] = field(default_factory=list)
    gates: list[GateCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.inputs)

    @property
    def failures(self) -> list[InputCheck]:
        return [check for check in self.inputs if not check.ok]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            count = f"{len(self.inputs)} input{'' if len(self.inputs) == 1 else 's'}"
            return f"{self.circuit}: OK, backprop agrees with central differences for {count}"
        lines = [
            f"{self.circuit}: gradient of input {c.name!r} is off: backprop {c.backprop:.9g}, "
            f"central differences {c.numeric:.9g}"
            for c in self.failures
        ]
        lines += [str(gate) for gate in self.gates]
        if not self.gates:
            lines.append(f"{self.circuit}: every gate's local gradients agree at this point (a kink or a domain edge?)")
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
    ``|backprop - numeric| <= atol + rtol * |numeric|``. ``progress`` is called with the
    number of inputs done after each batch of them.
    """
    point = _point(circuit, inputs or {})
    base = circuit.run(point, nan="ignore")
    numeric = _numeric_grads(circuit, point, eps, progress)
    report = GradcheckReport(circuit.name, circuit.path)
    for name in circuit.inputs:
        backprop, fd = float(base.grads[name]), numeric[name]
        ok = bool(np.isclose(backprop, fd, rtol=rtol, atol=atol))
        report.inputs.append(InputCheck(name, point[name], backprop, fd, ok))
    if not report.passed:
        report.gates = _check_gates(circuit, base, [c.name for c in report.failures], rtol, atol)
    return report


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


def _numeric_grads(circuit: Circuit, point: dict[str, float], eps, progress) -> dict[str, float]:
    """Central differences for every input: two samples per input, INPUTS_PER_RUN inputs per batch."""
    names = list(point)
    grads = {}
    for start in range(0, len(names), INPUTS_PER_RUN):
        block = names[start : start + INPUTS_PER_RUN]
        steps = [eps or central_step(point[name]) for name in block]
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
    return grads


def _check_gates(circuit: Circuit, base: Result, bad_inputs: list[str], rtol: float, atol: float) -> list[GateCheck]:
    """The gates between the bad inputs and the outputs whose local gradients are off."""
    nodes = circuit.nodes
    downstream = nodes.downstream(bad_inputs) - set(bad_inputs)
    upstream = nodes.upstream(circuit.outputs)
    found = []
    for step in circuit.plan.steps:
        if step.name not in downstream or step.name not in upstream:
            continue
        ins = [_value(nodes[source], base) for source in nodes[step.name].sources]
        local = [float(g) for g in step.gate.local_grads(ins, base.values[step.name])]
        numeric = [float(g) for g in finite_difference_grads(step.gate, ins)]
        if not np.allclose(local, numeric, rtol=rtol, atol=atol):
            found.append(GateCheck(step.name, step.type, step.pos, dict(zip(step.ports, ins)), local, numeric))
    return found


def _value(node: Node, base: Result) -> float:
    return float(node.value) if node.kind == "const" else float(base.values[node.name])


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"
