"""The scheduler: a circuit's graph compiled once into a plan that every run reuses.

A plan numbers the nodes in topological order (their *slots*) and keeps, per gate, one step:
the gate, the slot it writes and the slots it reads. The forward pass runs the steps in order,
each gate computing its value from its inputs' values; the backward pass runs them in reverse,
each gate multiplying the upstream gradient of its output by its local gradients and adding the
products into its inputs' gradients, so that gradients add up where a wire fans out. Both are
plain loops (no recursion), and a batch is the same loop over numpy arrays.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from .errors import CircuitError, NumericalError, NumericalWarning, Position

__all__ = ["Plan", "Step", "NAN_POLICIES"]

NAN_POLICIES = ("warn", "raise", "ignore")


@dataclass(frozen=True, slots=True)
class Step:
    """One gate of the plan: it reads ``ins`` and writes ``out`` (slots)."""

    name: str
    gate: Any
    out: int
    ins: tuple[int, ...]
    pos: Position


class Plan:
    """The compiled form of a circuit graph; see the module docstring."""

    def __init__(self, graph: nx.DiGraph, order: list[str]) -> None:
        self.graph = graph
        self.names = order
        self.slot = {name: i for i, name in enumerate(order)}
        nodes = graph.nodes
        self.inputs = {n: self.slot[n] for n in order if nodes[n]["kind"] == "input"}
        self.constants = [(self.slot[n], nodes[n]["value"]) for n in order if nodes[n]["kind"] == "const"]
        self.steps = [
            Step(n, nodes[n]["gate"], self.slot[n], tuple(self.slot[s] for s in nodes[n]["sources"]), nodes[n]["pos"])
            for n in order
            if nodes[n]["kind"] == "gate"
        ]
        self.outputs = [self.slot[n] for n in graph.graph["outputs"]]
        self._live_cache: dict[frozenset[int], list[Step]] = {}

    # -- forward ---------------------------------------------------------------------------

    def new_values(self) -> list:
        values: list = [0.0] * len(self.names)
        for slot, value in self.constants:
            values[slot] = value
        return values

    def forward(self, values: list) -> None:
        """Fill ``values`` (inputs and constants already set) with every gate's output."""
        step = None
        try:
            for step in self.steps:
                values[step.out] = step.gate.forward(*[values[i] for i in step.ins])
        except Exception as exc:  # a gate's own fault: name it, whatever it was
            raise self.gate_fault(step, "forward", exc, values) from exc

    # -- backward --------------------------------------------------------------------------

    def live_steps(self, seeded: frozenset[int]) -> list[Step]:
        """The steps on some path to a seeded node, in reverse topological order."""
        steps = self._live_cache.get(seeded)
        if steps is None:
            live = bytearray(len(self.names))
            for slot in seeded:
                live[slot] = 1
            steps = []
            for step in reversed(self.steps):
                if live[step.out]:
                    steps.append(step)
                    for i in step.ins:
                        live[i] = 1
            self._live_cache[seeded] = steps
        return steps

    def backward(self, values: list, seeds: Mapping[int, Any]) -> list:
        """The gradient of every slot, given the upstream gradients at the seeded slots."""
        grads: list = [0.0] * len(self.names)
        for slot, seed in seeds.items():
            grads[slot] = grads[slot] + seed
        step = None
        try:
            for step in self.live_steps(frozenset(seeds)):
                g = grads[step.out]
                ins = step.ins
                local = step.gate.local_grads([values[i] for i in ins], values[step.out])
                if len(local) != len(ins):
                    raise CircuitError(f"local_grads returned {len(local)} gradients for {len(ins)} inputs")
                for i, lg in zip(ins, local):
                    grads[i] = grads[i] + g * lg
        except Exception as exc:
            raise self.gate_fault(step, "local_grads", exc, values) from exc
        return grads

    # -- faults ----------------------------------------------------------------------------

    def describe(self, step: Step, values: list) -> str:
        node = self.graph.nodes[step.name]
        args = ", ".join(f"{port}={_show(values[i])}" for port, i in zip(node["ports"], step.ins))
        return f"gate {step.name!r} ({node['type']}) with inputs {args}"

    def gate_fault(self, step: Step | None, method: str, exc: Exception, values: list) -> CircuitError:
        if step is None:
            return CircuitError(f"{method} failed: {exc}")
        detail = exc.message if isinstance(exc, CircuitError) else f"{type(exc).__name__}: {exc}"
        return CircuitError(f"{self.describe(step, values)}: {method} failed: {detail}", step.pos)

    def check_finite(self, values: list, grads: list | None, policy: str, live: list[Step] = ()) -> None:
        """Warn about (or raise for) the first gate whose value or gradient is NaN or inf."""
        if policy == "ignore":
            return
        message, pos = self.first_fault(values, grads, live)
        if message is None:
            return
        if policy == "raise":
            raise NumericalError(message, pos)
        warnings.warn(f"{pos}: {message}" if pos.path or pos.line else message, NumericalWarning, stacklevel=4)

    def first_fault(self, values: list, grads: list | None, live: list[Step] = ()) -> tuple[str | None, Position | None]:
        if not _all_finite(values) or any(not _finite(values[slot]) for slot in self.inputs.values()):
            for name, slot in self.inputs.items():
                if not _finite(values[slot]):
                    return f"input {name!r} is {_show(values[slot])}", self.graph.nodes[name]["pos"]
            for step in self.steps:
                if not _finite(values[step.out]):
                    what = _show(values[step.out])
                    return f"{self.describe(step, values)} produced {what} in the forward pass", step.pos
        if grads is not None and not _all_finite(grads):
            for step in live:  # reverse topological order, as the backward pass ran
                g = grads[step.out]
                if not _finite(g):
                    continue
                local = step.gate.local_grads([values[i] for i in step.ins], values[step.out])
                if not all(_finite(g * lg) for lg in local):
                    shown = ", ".join(_show(lg) for lg in local)
                    return (
                        f"{self.describe(step, values)} produced a non-finite gradient in the backward "
                        f"pass (local gradients {shown}, upstream {_show(g)})",
                        step.pos,
                    )
        return None, None


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


def _show(value) -> str:
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _show(float(value))
        bad = np.flatnonzero(~np.isfinite(value))
        if bad.size:
            return f"{_show(float(value[bad[0]]))} (sample {int(bad[0])})"
        return f"array of {value.size}"
    return f"{float(value):.6g}"
