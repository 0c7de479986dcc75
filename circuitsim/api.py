"""The conveniences on :class:`Circuit` that use circuitsim's features: the one upward layer.

The core :class:`~circuitsim.run.circuit.Circuit` and its
:class:`~circuitsim.run.results.Result` know how to load and run; training, drawing,
exploring, testing and sweeping live in feature packages that use the core. This module,
imported with :mod:`circuitsim`, gives them a method for each, so that the core never
imports a feature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from circuitsim.errors import CircuitError
from circuitsim.run.circuit import Circuit
from circuitsim.run.results import Result

__all__ = ["Circuit", "Result"]


def train(self: Circuit, data: Mapping[str, Any], params=None, **options):
    """Lower the mean over samples of the sum of the outputs by gradient descent on ``params``.

    See :func:`circuitsim.train.train` for the options; returns a :class:`~circuitsim.train.Fit`.
    """
    from circuitsim.train import train as fit

    return fit(self, data, params, **options)


def sweep(
    self: Circuit,
    inputs: Mapping[str, Any],
    *,
    values: Sequence[str] | None = None,
    grads: Sequence[str] | None = None,
    seed: Mapping[str, Any] | None = None,
    chunk: int | None = None,
    nan: str = "warn",
):
    """Run many samples in chunks, keeping only the ``values`` and ``grads`` named.

    ``values`` defaults to the outputs, ``grads`` to none (a forward pass only). Without
    ``chunk`` the samples per chunk follow from the circuit's size and the memory at hand.
    Inputs may be numpy arrays or dask arrays; with dask arrays the result's columns are
    dask arrays. See :mod:`circuitsim.run.sweep`; returns a :class:`~circuitsim.run.sweep.Sweep`.
    """
    from circuitsim.run import sweep as local

    if local.lazy(inputs) or local.lazy(seed or {}):
        from circuitsim.run.sweep_dask import dask_sweep as run
    else:
        run = local.sweep
    return run(self, inputs, values=values, grads=grads, seed=seed, chunk=chunk, nan=nan)


def explore(self: Circuit, inputs: Mapping[str, Any] | None = None, **options):
    """The player over every message of a run on ``inputs``, shown inline in a notebook.

    ``options``: ``precision`` (decimals shown), ``height`` (pixels), ``palette``
    (``default`` or ``colorblind``), ``quiz`` (``values``, ``grads`` or ``both``), ``tangents``
    (input names to numbers: play forward mode instead, as ``explore --tangent``). See
    :class:`circuitsim.explore.Explorer`; ``circuitsim explore`` writes the same page.
    """
    from circuitsim.explore import Explorer

    return Explorer(self, inputs, **options)


def test(self: Circuit):
    """Run the file's ``tests:`` vectors; the report is truthy when all of them pass."""
    from circuitsim.check.vectors import run_vectors

    return run_vectors(self)


def jvp(self: Circuit, inputs: Mapping[str, Any] | None = None, tangents: Mapping[str, Any] | None = None, *, nan: str = "warn"):
    """Forward mode: every node's value and tangent (its derivative in the direction of
    ``tangents``, input -> number; inputs left out have 0) in one pass; returns a
    :class:`~circuitsim.derive.Jvp` with ``values``, ``tangents`` and ``outputs``."""
    from circuitsim.derive import jvp as run

    return run(self, inputs, tangents, nan=nan)


def jacobian(self: Circuit, inputs: Mapping[str, Any] | None = None, of: Sequence[str] | None = None, wrt: Sequence[str] | None = None, *, nan: str = "warn") -> dict:
    """``{node: {input: derivative}}`` for the nodes ``of`` (default: the outputs) and the
    inputs ``wrt`` (default: all), by forward mode if ``wrt`` is the shorter, else reverse."""
    from circuitsim.derive import jacobian as table

    return table(self, inputs, of, wrt, nan=nan)


def hvp(self: Circuit, inputs: Mapping[str, Any] | None = None, vector: Mapping[str, Any] | None = None, *, seed: Mapping[str, Any] | None = None, nan: str = "warn") -> dict:
    """``{input: number}``: the Hessian of the sum of the outputs (or of the ``seed``-weighted
    nodes) times ``vector`` (input -> number, others 0); see :mod:`circuitsim.derive.second`."""
    from circuitsim.derive import hvp as product

    return product(self, inputs, vector, seed, nan=nan)


def hessian(self: Circuit, inputs: Mapping[str, Any] | None = None, wrt: Sequence[str] | None = None, *, seed: Mapping[str, Any] | None = None, nan: str = "warn") -> dict:
    """``{a: {b: d²/da db}}`` of the sum of the outputs over the inputs ``wrt`` (default: all)."""
    from circuitsim.derive import hessian as table

    return table(self, inputs, wrt, seed, nan=nan)


def backward_circuit(self: Circuit) -> Circuit:
    """The backward pass as an ordinary circuit: the same inputs and defaults, outputs
    ``grad_<input>`` equal to ``run().grads[input]``; see :mod:`circuitsim.derive.backward`."""
    from circuitsim.derive import backward_circuit as write

    return write(self)


def _repr_svg_(self: Circuit) -> str:
    """The circuit drawn without numbers (Jupyter calls this)."""
    from circuitsim.draw import LIMIT, to_svg

    return to_svg(self, limit=LIMIT)


def draw(self: Result, *, sample: int = 0, **options):
    """The circuit drawn with this run's numbers, sample ``sample`` of a batch; it shows
    itself in a notebook. Options as for :func:`circuitsim.draw.render`."""
    from circuitsim.draw import LIMIT, Drawing

    if self.from_circuit is None:
        raise CircuitError("this result was not made by Circuit.run: there is no circuit to draw")
    return Drawing(self.from_circuit, self, sample=sample, **{"limit": LIMIT} | options)


def _result_svg(self: Result) -> str | None:
    """The circuit drawn with this run's values and gradients (Jupyter calls this)."""
    return self.draw()._repr_svg_() if self.from_circuit is not None else None


def _attach(cls: type, methods: dict) -> None:
    for name, method in methods.items():
        method.__name__, method.__qualname__ = name, f"{cls.__name__}.{name}"
        setattr(cls, name, method)


_attach(Circuit, {"train": train, "sweep": sweep, "explore": explore, "test": test, "_repr_svg_": _repr_svg_})
_attach(Circuit, {"jvp": jvp, "jacobian": jacobian, "hvp": hvp, "hessian": hessian, "backward_circuit": backward_circuit})
_attach(Result, {"draw": draw, "_repr_svg_": _result_svg})
