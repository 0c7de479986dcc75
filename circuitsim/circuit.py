"""The Python API's objects: a loaded :class:`Circuit` and the :class:`Result` of a run."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .draw import to_svg
from .errors import CircuitError, did_you_mean
from .plan import NAN_POLICIES, Plan
from .spec import CircuitSpec
from .trace import Message, Tracer
from .vectors import TestReport, run_vectors

__all__ = ["Circuit", "Result"]


@dataclass
class Result:
    """Values and gradients of one run.

    ``outputs`` maps each output to its value; ``values`` and ``grads`` map every input and
    gate to its value and to the gradient of the seeded outputs with respect to it (``grads``
    is empty after :meth:`Circuit.forward`). In a batch run every number is an array of shape
    ``(batch,)``. ``trace`` is the list of messages of a run with ``trace=True`` (see
    :mod:`circuitsim.trace`); ``from_circuit`` is the :class:`Circuit` that ran, so that a notebook
    can draw the result.
    """

    circuit: str
    outputs: dict[str, Any]
    values: dict[str, Any]
    grads: dict[str, Any] = field(default_factory=dict)
    batch: int | None = None
    trace: list[Message] | None = field(default=None, repr=False, compare=False)
    from_circuit: Circuit | None = field(default=None, repr=False, compare=False)

    def _repr_svg_(self) -> str | None:
        """The circuit drawn with this run's values and gradients (Jupyter calls this)."""
        return to_svg(self.from_circuit, self) if self.from_circuit is not None else None


class Circuit:
    """A loaded, validated circuit, ready to run any number of times.

    Made by :func:`circuitsim.load` or :func:`circuitsim.loads`. ``graph`` is the
    ``networkx.DiGraph`` behind it (see :mod:`circuitsim.graph`).
    """

    def __init__(self, spec: CircuitSpec, graph: nx.DiGraph, order: list[str], registry=None) -> None:
        self.spec = spec
        self.graph = graph
        self.registry = registry
        self.plan = Plan(graph, order, registry)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def path(self) -> str | None:
        return self.spec.path

    @property
    def inputs(self) -> dict[str, float | None]:
        """Input name -> default value (``None``: must be supplied)."""
        return {name: inp.default for name, inp in self.spec.inputs.items()}

    @property
    def outputs(self) -> list[str]:
        return list(self.spec.outputs)

    def __repr__(self) -> str:
        gates = len(self.spec.gates)
        return f"<Circuit {self.name!r}: {len(self.spec.inputs)} inputs, {gates} gates, outputs {self.outputs}>"

    def _repr_svg_(self) -> str:
        """The circuit drawn without numbers (Jupyter calls this)."""
        return to_svg(self)

    def test(self) -> TestReport:
        """Run the file's ``tests:`` vectors; the report is truthy when all of them pass."""
        return run_vectors(self)

    # -- running ---------------------------------------------------------------------------

    def run(
        self, inputs: Mapping[str, Any] | None = None, *, seed: Mapping[str, Any] | None = None, nan: str = "warn", trace: bool = False
    ) -> Result:
        """Forward and backward pass; unset inputs take their defaults.

        ``seed`` maps nodes (normally outputs) to their upstream gradients; by default every
        output gets 1.0, so ``grads`` is the gradient of the sum of the outputs. ``nan`` is
        ``"warn"`` (a :class:`~circuitsim.NumericalWarning` naming the first gate that produced
        NaN or inf), ``"raise"`` (a :class:`~circuitsim.NumericalError` instead) or
        ``"ignore"``. With ``trace=True`` the result's ``trace`` lists every message of both
        passes (:mod:`circuitsim.trace`); values and gradients are the same as without.
        """
        return self._run(inputs, seed, nan, backward=True, trace=trace)

    def forward(self, inputs: Mapping[str, Any] | None = None, *, nan: str = "warn", trace: bool = False) -> Result:
        """Forward pass only: values, no gradients."""
        return self._run(inputs, None, nan, backward=False, trace=trace)

    def check_finite(self, result: Result, *, seed: Mapping[str, Any] | None = None, nan: str = "warn") -> None:
        """Warn about (or raise for) the first NaN or inf in ``result`` as :meth:`run` does.

        For a result put together from several runs made with ``nan="ignore"``, such as a
        large batch run in chunks; ``seed`` is the one those runs were given.
        """
        plan = self.plan
        values = plan.new_values()
        grads = [0.0] * len(plan.names) if result.grads else None
        for name, value in result.values.items():
            values[plan.slot[name]] = value
            if grads is not None:
                grads[plan.slot[name]] = result.grads[name]
        live = plan.live_steps(frozenset(self._seeds(seed, result.batch))) if grads is not None else ()
        plan.check_finite(values, grads, nan, live)

    def _run(self, inputs, seed, nan: str, *, backward: bool, trace: bool) -> Result:
        if nan not in NAN_POLICIES:
            raise CircuitError(f"nan must be one of {', '.join(NAN_POLICIES)}, not {nan!r}")
        plan = self.plan
        values = plan.new_values()
        batch = self._bind_inputs(values, inputs or {})
        seeds = self._seeds(seed, batch)
        if batch is None:  # scalar inputs, batched seeds
            batch = next((len(v) for v in seeds.values() if isinstance(v, np.ndarray)), None)
        with np.errstate(all="ignore"):
            if trace:
                tracer = Tracer(plan)
                tracer.forward(values)
                grads = tracer.backward(values, seeds) if backward else None
            else:
                grads = plan.run(values, seeds if backward else None)
        live = plan.live_steps(frozenset(seeds)) if backward else ()
        plan.check_finite(values, grads, nan, live)
        result = self._result(values, grads, batch)
        if trace:
            result.trace = tracer.messages
        return result

    def _bind_inputs(self, values: list, given: Mapping[str, Any]) -> int | None:
        """Put the inputs' values into their slots; return the batch size (None: scalars)."""
        slots = self.plan.inputs
        batch = None
        batch_from = None
        for name, raw in given.items():
            if name not in slots:
                if name in self.spec.gates:
                    raise CircuitError(f"{name!r} is a gate, not an input; inputs: {', '.join(slots)}")
                raise CircuitError(f"unknown input {name!r}{did_you_mean(name, slots)}; inputs: {', '.join(slots) or 'none'}")
            value = _as_value(name, raw)
            if isinstance(value, np.ndarray):
                if batch is not None and len(value) != batch:
                    raise CircuitError(
                        f"input {name!r} has {len(value)} samples but {batch_from!r} has {batch}; "
                        "batch inputs must all have the same length"
                    )
                batch, batch_from = len(value), name
            values[slots[name]] = value
        for name, inp in self.spec.inputs.items():
            if name in given:
                continue
            if inp.default is None:
                raise CircuitError(f"input {name!r} has no default: give it a value", inp.pos)
            values[slots[name]] = inp.default
        return batch

    def _seeds(self, seed: Mapping[str, Any] | None, batch: int | None) -> dict[int, Any]:
        slot = self.plan.slot
        if seed is None:
            return {s: 1.0 for s in self.plan.outputs}
        seeds = {}
        for name, raw in seed.items():
            if name not in slot or self.graph.nodes[name]["kind"] == "const":
                names = [n for n in slot if self.graph.nodes[n]["kind"] != "const"]
                raise CircuitError(f"cannot seed unknown node {name!r}{did_you_mean(name, names)}")
            value = _as_value(f"seed {name}", raw)
            if isinstance(value, np.ndarray) and len(value) != (batch or len(value)):
                raise CircuitError(f"seed {name!r} has {len(value)} samples but the batch has {batch}")
            seeds[slot[name]] = value
        return seeds

    def _result(self, values: list, grads: list | None, batch: int | None) -> Result:
        names = self.plan.names[: self.plan.n_named]  # inputs and gates; constants come after
        fix = _to_batch(batch) if batch is not None else float
        value_map = dict(zip(names, map(fix, values)))
        grad_map = dict(zip(names, map(fix, grads))) if grads is not None else {}
        outputs = {n: value_map[n] for n in self.spec.outputs}
        return Result(self.name, outputs, value_map, grad_map, batch, from_circuit=self)


def _as_value(name: str, raw: Any):
    """A float for a number, a 1-D float64 array for a sequence; a CircuitError otherwise."""
    if type(raw) is float:
        return raw
    if isinstance(raw, bool) or isinstance(raw, str):
        raise CircuitError(f"input {name!r} must be a number or a list of numbers, got {raw!r}")
    if isinstance(raw, numbers.Real):
        return float(raw)
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise CircuitError(f"input {name!r} must be a number or a list of numbers, got {raw!r}") from None
    if array.ndim == 0:
        return float(array)
    if array.ndim != 1 or array.size == 0:
        raise CircuitError(f"input {name!r}: a batch is a non-empty 1-D sequence, got shape {array.shape}")
    return array


def _to_batch(batch: int):
    def fix(value):
        if type(value) is float:  # a node no batch input reaches, e.g. a weight's value
            return np.full(batch, value)
        if type(value) is np.ndarray and value.shape == (batch,) and value.dtype == np.float64:
            return value
        array = np.asarray(value, dtype=np.float64)
        if array.shape == (batch,):
            return array
        return np.broadcast_to(array, (batch,)).copy()

    return fix
