"""Where two circuits part: run both on the same inputs and find the first node, matched by
name, whose value (in topological order) or else gradient (in backward order) differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.base.show import exact
from circuitsim.errors import Position

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit, Result

__all__ = ["Difference", "Comparison", "compare"]


@dataclass
class Difference:
    """The first node whose ``what`` ("value" or "grad") is ``a`` in one circuit and ``b`` in
    the other; ``pos_a``/``pos_b``: where each file defines it."""

    node: str
    what: str
    a: Any
    b: Any
    pos_a: Position | None = None
    pos_b: Position | None = None

    def describe(self, a_name: str = "A", b_name: str = "B") -> str:
        noun = "value" if self.what == "value" else "gradient"
        return f"its {noun} is {exact(self.a)} in {a_name} but {exact(self.b)} in {b_name}"


@dataclass
class Comparison:
    """Two runs side by side: the first :class:`Difference` (None: they agree), the nodes the
    two share and those only one of them has."""

    difference: Difference | None
    shared: list[str]
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    run_a: Result | None = None
    run_b: Result | None = None


def _own(circuit: Circuit, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in inputs.items() if name in circuit.inputs}


def compare(a: Circuit, b: Circuit, inputs: Mapping[str, Any] | None = None, *, tol: float = 1e-6, grads: bool = True, trace: bool = False) -> Comparison:
    """Run ``a`` and ``b`` on ``inputs`` (each given the inputs it has; defaults fill the rest)
    and find where they first differ, within ``tol`` (relative and absolute)."""
    inputs = dict(inputs or {})
    run = "run" if grads else "forward"
    ra = getattr(a, run)(_own(a, inputs), nan="ignore", trace=trace)
    rb = getattr(b, run)(_own(b, inputs), nan="ignore", trace=trace)
    order = list(ra.values)
    theirs = set(rb.values)
    shared = [name for name in order if name in theirs]
    ours = set(order)
    comparison = Comparison(None, shared, [n for n in order if n not in theirs], [n for n in rb.values if n not in ours], ra, rb)
    comparison.difference = _first(a, b, ra, rb, shared, tol, grads)
    return comparison


def _first(a: Circuit, b: Circuit, ra: Result, rb: Result, shared: list[str], tol: float, grads: bool) -> Difference | None:
    """The first shared node whose value differs (forward order), else whose gradient differs
    (backward order), else None."""
    sections = [("value", shared, ra.values, rb.values)]
    if grads:
        sections.append(("grad", shared[::-1], ra.grads, rb.grads))
    for what, names, mine, theirs in sections:
        for name in names:
            if not _close(mine[name], theirs[name], tol):
                return Difference(name, what, mine[name], theirs[name], _pos(a, name), _pos(b, name))
    return None


def _pos(circuit: Circuit, name: str) -> Position | None:
    try:
        return circuit.nodes[name].pos
    except KeyError:
        return None


def _close(x, y, tol: float) -> bool:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return bool(np.all(np.isclose(x, y, rtol=tol, atol=tol, equal_nan=True)))
