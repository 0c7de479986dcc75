"""Second derivatives checked: Hessian-vector products against central differences of the
gradients.

For every input ``a``, the product of the Hessian with the unit vector of ``a`` (a row of
the Hessian, by forward mode over the backward circuit) is compared with the central
difference ``(grad(x + h e_a) - grad(x - h e_a)) / 2h`` of backprop's gradients, all
directions in one batch run. ``circuitsim gradcheck --second`` prints it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circuitsim.base.text import one_line
from circuitsim.check.gradcheck import _point
from circuitsim.derive.second import hessian
from circuitsim.testing import central_step

__all__ = ["HvpCheck", "SecondReport", "check_second"]


@dataclass
class HvpCheck:
    """Entry ``input`` of the Hessian times the unit vector of ``direction``, both ways."""

    direction: str
    input: str
    hvp: float
    numeric: float
    ok: bool

    @property
    def abs_error(self) -> float:
        return abs(self.hvp - self.numeric)

    @property
    def rel_error(self) -> float:
        return self.abs_error / max(abs(self.numeric), 1e-300)


@dataclass
class SecondReport:
    """What :func:`check_second` found; truthy when every entry agrees."""

    circuit: str
    checks: list[HvpCheck] = field(default_factory=list)

    @property
    def failures(self) -> list[HvpCheck]:
        return [c for c in self.checks if not c.ok]

    def __bool__(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        n = len(self.checks)
        if self:
            return f"{one_line(self.circuit)}: Hessian-vector products agree with central differences of the gradients ({_entries(n)})"
        lines = [
            f"error: d grad_{c.input} / d {c.direction}: forward over reverse gives {c.hvp:.9g}, central differences {c.numeric:.9g}"
            for c in self.failures
        ]
        lines.append(f"{one_line(self.circuit)}: {len(self.failures)} of {_entries(n)} off")
        return "\n".join(lines)


def check_second(circuit, inputs: Mapping[str, Any] | None = None, *, eps: float | None = None, rtol: float = 1e-5, atol: float = 1e-6) -> SecondReport:
    """Compare every Hessian-vector product along an input with central differences of the
    gradients (step ``eps``, default ~6e-6 scaled by ``|x|`` above 1)."""
    point = _point(circuit, inputs or {})
    names = list(point)
    table = hessian(circuit, point, nan="ignore")
    k = len(names)
    batch = {name: np.full(2 * k, value) for name, value in point.items()}
    steps = {}
    for i, name in enumerate(names):
        h = steps[name] = eps or central_step(point[name])
        batch[name][2 * i] += h
        batch[name][2 * i + 1] -= h
    grads = circuit.run(batch, nan="ignore").grads if k else {}
    report = SecondReport(circuit.name)
    for i, a in enumerate(names):
        for b in names:
            g = np.asarray(grads[b])
            numeric = float((g[2 * i] - g[2 * i + 1]) / (2 * steps[a]))
            got = float(table[a][b])
            ok = bool(np.isclose(got, numeric, rtol=rtol, atol=atol))
            report.checks.append(HvpCheck(a, b, got, numeric, ok))
    return report


def _entries(n: int) -> str:
    return f"{n} Hessian entr{'y' if n == 1 else 'ies'}"
