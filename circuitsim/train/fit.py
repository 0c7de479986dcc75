"""The training loop: one batch run of the circuit and one optimizer update per step.

A step sets the parameters and the step's samples as the circuit's inputs, runs the plan
forward and backward over all those samples at once (seeded 1.0 at every output, as
:meth:`Circuit.run` is), averages the parameters' gradients over the samples and hands them
to the optimizer. The loss of a step is the mean over its samples of the sum of the outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.base.fileio import atomic_write
from circuitsim.errors import CircuitError, NumericalError
from circuitsim.plan.engine import Request
from circuitsim.run.circuit import Circuit
from circuitsim.train.data import data_columns, parameters
from circuitsim.train.lazy import DaskStepper, is_dask
from circuitsim.train.optimizers import LearningRate, make_optimizer

__all__ = ["Fit", "TrainingError", "train"]


class TrainingError(NumericalError):
    """Training stopped at ``step``: the loss or a gradient was NaN or infinite there.

    The message names the first gate that produced one, at its place in the file. ``params``
    are the parameters of the last step whose loss and gradients were finite (the starting
    ones if that was none), ``history`` the losses of the steps before ``step``.
    """

    def __init__(self, message: str, pos=None, *, step: int, params: dict[str, float], history: list[float]) -> None:
        super().__init__(message, pos)
        self.step = step
        self.params = params
        self.history = history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train`: ``fit`` holds what the ``step`` whole steps done so far
    trained (its ``loss`` is the last step's, not recomputed over all the data)."""

    def __init__(self, step: int, fit: Fit) -> None:
        super().__init__(f"training interrupted after {step} step(s)")
        self.step = step
        self.fit = fit


@dataclass
class Fit:
    """What :func:`train` gives back.

    ``params`` maps each trained input to its value after the last step; ``history`` holds the
    mean loss of every step, before its update; ``loss`` is the mean loss over all the data at
    the trained values; ``circuit`` is the circuit with the trained values as its defaults
    (made from ``original`` when first asked for).
    """

    params: dict[str, float]
    history: list[float]
    loss: float
    original: Circuit = field(repr=False)
    optimizer: str = "sgd"
    samples: int | None = field(default=None, repr=False)
    _circuit: Circuit | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def circuit(self) -> Circuit:
        if self._circuit is None:
            self._circuit = self.original.with_defaults(self.params)
        return self._circuit

    def save(self, path: str | os.PathLike) -> None:
        """Write ``circuit`` as a circuit file (whole or not at all) that loads back with the trained defaults."""
        text = self.trained_text(path)
        with atomic_write(path) as out:
            out.write(text)

    def trained_text(self, path: str | os.PathLike) -> str:
        """What :meth:`save` writes at ``path``: ``dump(circuit)``, module paths relative to ``path``.

        A load looks for modules only inside the folder of the file it loads, so a circuit
        with modules saved where they would lie outside that folder is an error.
        """
        b = Builder.from_circuit(self.circuit)
        if self.circuit.path is not None and b.modules:
            here, there = os.path.dirname(os.path.abspath(self.circuit.path)), os.path.dirname(os.path.abspath(path))
            b.modules = [(name, os.path.relpath(os.path.join(here, file), there)) for name, file in b.modules]
            outside = [file for _, file in b.modules if file.split(os.sep)[0] == os.pardir]
            if outside:
                raise CircuitError(
                    f"cannot save {self.circuit.name!r} at {os.fspath(path)}: its module {outside[0]} would lie outside "
                    f"the folder of the file, where a load does not look; save it in {here} or a folder above its modules"
                )
        return dump(b)


def train(
    circuit: Circuit,
    data: Mapping[str, Any],
    params: Sequence[str] | Mapping[str, float] | None = None,
    *,
    steps: int = 100,
    optimizer: str = "sgd",
    lr: LearningRate = 0.1,
    batch_size: int | None = None,
    seed: int = 0,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    progress: Callable[[int, float], None] | None = None,
) -> Fit:
    """Lower the mean over samples of the sum of ``circuit``'s outputs by gradient descent.

    ``data`` maps input names to 1-D arrays of samples (a number: the same for every sample).
    ``params`` are the inputs trained: a list of names (starting from their defaults), a
    mapping name -> starting value, or None for every input the data does not give. Each of
    ``steps`` steps is one batch run over the whole data, or over ``batch_size`` samples
    drawn without replacement from a shuffle seeded by ``seed`` (a new shuffle each pass over
    the data; the last batch of a pass may be smaller), and one update by ``optimizer``
    (``"sgd"`` with ``momentum``, or ``"adam"`` with ``betas`` and ``eps``) with learning rate
    ``lr`` (a number, or a function of the step 0, 1, ...) and ``weight_decay`` (see
    :mod:`circuitsim.train.optimizers`). ``progress(step, loss)`` is called after each step.

    ``data`` may hold dask arrays instead (every step then sums the loss and the gradients
    block by block where the blocks are, see :mod:`circuitsim.train.lazy`; no mini-batches).

    Raises :class:`TrainingError` when the loss or a gradient is NaN or infinite, and
    :class:`~circuitsim.CircuitError` for bad data or settings, before the first step.
    Ctrl-C raises :class:`TrainingInterrupted` (a KeyboardInterrupt) holding the parameters of
    the last whole step.
    """
    columns, n = data_columns(circuit, data)
    start = parameters(circuit, columns, params)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise CircuitError(f"steps must be a whole number >= 0, got {steps!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise CircuitError(f"batch_size must be a whole number >= 1 or None, got {batch_size!r}")
    opt = make_optimizer(optimizer, lr=lr, momentum=momentum, weight_decay=weight_decay, betas=betas, eps=eps)
    names = list(start)
    theta = np.array(list(start.values()))
    if any(is_dask(c) for c in columns.values()):
        if batch_size is not None:
            raise CircuitError("mini-batches of dask data are not supported: leave batch_size=None (each step sums over every block)")
        step_of = DaskStepper(circuit, names, n)
    else:
        step_of = _Stepper(circuit, names)
    history: list[float] = []
    good = theta.copy()  # the parameters of the last step whose loss and gradients were finite
    batches = _batches(n, batch_size, seed)
    completed, done = 0, theta.copy()  # the parameters after `completed` whole steps, for Ctrl-C
    try:
        for k in range(steps):
            rows = next(batches)
            inputs = columns if rows is None else {name: c[rows] if isinstance(c, np.ndarray) else c for name, c in columns.items()}
            try:
                loss, grad = step_of(inputs, theta)
            except NumericalError as exc:
                kept = f"the parameters of step {k - 1}" if k else "the starting parameters"
                raise _stopped(k, exc.message, exc.pos, kept, dict(zip(names, good.tolist())), history) from exc
            good[:] = theta
            history.append(loss)
            with np.errstate(over="ignore", invalid="ignore"):  # looked at just below
                opt.step(k, theta, grad)
            if not np.all(np.isfinite(theta)):
                bad = names[int(np.flatnonzero(~np.isfinite(theta))[0])]
                message = f"the update made parameter {bad!r} {theta[names.index(bad)]}: lower the learning rate"
                kept = f"the parameters of step {k}, before it"
                raise _stopped(k, message, circuit.spec.inputs[bad].pos, kept, dict(zip(names, good.tolist())), history)
            done[:], completed = theta, k + 1
            if progress is not None:
                progress(k, loss)
    except KeyboardInterrupt:
        del history[completed:]
        fit = Fit(dict(zip(names, done.tolist())), history, history[-1] if history else float("nan"), circuit, opt.name, n)
        raise TrainingInterrupted(completed, fit) from None
    trained = dict(zip(names, theta.tolist()))
    return Fit(trained, history, step_of.loss(columns, theta), circuit, opt.name, n)


def _stopped(k: int, message: str, pos, kept: str, good: dict, history: list) -> TrainingError:
    return TrainingError(f"training stopped at step {k}: {message} (the error keeps {kept})", pos, step=k, params=good, history=history)


class _Stepper:
    """The mean loss and mean parameter gradients over a set of samples: one batch run that
    keeps only the outputs' values and the parameters' gradients, each summed over the samples
    by the tier that makes them (:class:`~circuitsim.plan.engine.Request` with ``sums``). A run
    that faults or comes out NaN or inf runs again keeping everything, which names the gate."""

    def __init__(self, circuit: Circuit, names: list[str]) -> None:
        self.circuit = circuit
        self.plan = plan = circuit.plan
        self.names = names
        self.slots = [plan.inputs[name] for name in names]
        self.outputs = list(plan.outputs)
        self.seeds = {slot: 1.0 for slot in self.outputs}  # as Circuit.run seeds
        self.seeded = frozenset(self.seeds)
        self.start: list | None = None  # the value list every step starts from
        self.order: list[str] = []  # the names of the data it was made for
        self.columns: list[int] = []  # the slots of the data, in the order given

    def __call__(self, inputs: Mapping[str, Any], theta: np.ndarray) -> tuple[float, np.ndarray]:
        values, batched, n = self._values(inputs, theta)
        if batched:
            k = len(self.outputs)
            sums = np.empty(k + len(self.slots))
            request = Request(values, self.seeds, batched, (self.outputs, self.slots), sums, seeded=self.seeded, sums=True)
            with np.errstate(all="ignore"):
                outcome = self.plan.execute(request)
            if outcome.tier != "methods" and np.isfinite(sums).all():  # data and parameters are finite: a fault trapped
                return float(sum(sums[:k] / n)), sums[k:] / n
        return self._everything(values, batched)

    def _everything(self, values: list, batched: frozenset[int]) -> tuple[float, np.ndarray]:
        """The step from a run keeping every value and gradient, checked gate by gate."""
        plan = self.plan
        with np.errstate(all="ignore"):
            outcome = plan.execute(Request(values, self.seeds, batched, seeded=self.seeded))
        outcome.check_finite(plan, "raise", plan.live_steps(frozenset(self.outputs)))
        loss = float(sum(np.mean(outcome.values[slot]) for slot in self.outputs))
        return loss, _means([outcome.grads[slot] for slot in self.slots])

    def _values(self, inputs: Mapping[str, Any], theta: np.ndarray) -> tuple[list, frozenset[int], int]:
        """The step's value list (data and parameters set), its batch slots and its number of samples."""
        if self.start is None or list(inputs) != self.order:
            request = self.circuit.request(dict(inputs), backward=False)
            self.start, self.order = request.values, list(inputs)
            self.columns = [self.plan.inputs[name] for name in inputs]
        values = self.start[:]
        batched, n = [], 1
        for slot, column in zip(self.columns, inputs.values()):
            values[slot] = column
            if isinstance(column, np.ndarray):
                batched.append(slot)
                n = len(column)
        for slot, x in zip(self.slots, theta.tolist()):
            values[slot] = x
        return values, frozenset(batched), n

    def loss(self, inputs: Mapping[str, Any], theta: np.ndarray) -> float:
        """The mean loss (NaN or inf as it comes): a step's kind of run, whose program is made
        already (its gradients unused), else a forward pass."""
        values, batched, n = self._values(inputs, theta)
        if batched:
            sums = np.empty(len(self.outputs) + len(self.slots))
            with np.errstate(all="ignore"):
                self.plan.execute(Request(values, self.seeds, batched, (self.outputs, self.slots), sums, seeded=self.seeded, sums=True))
            return float(sum(sums[: len(self.outputs)] / n))
        outputs = self.circuit.forward({**inputs, **dict(zip(self.names, theta.tolist()))}, nan="ignore").outputs
        return float(sum(np.mean(v) for v in outputs.values()))


def _means(items: list) -> np.ndarray:
    """Each item's mean over the samples: arrays of one batch averaged together, numbers kept."""
    try:
        table = np.array(items)  # every item an array of the batch: the usual case, at once
    except ValueError:  # numbers among them
        table = None
    if table is not None and table.ndim == 2:
        return table.mean(axis=1)
    out = np.empty(len(items))
    rows = []
    for i, item in enumerate(items):
        if isinstance(item, np.ndarray) and item.ndim == 1:
            rows.append(i)
        else:
            out[i] = item
    if rows:
        out[rows] = np.mean(np.array([items[i] for i in rows]), axis=1)
    return out


def _batches(n: int | None, batch_size: int | None, seed: int) -> Iterator[np.ndarray | None]:
    """The rows of each step: None (all of them) without mini-batches."""
    if n is None or batch_size is None or batch_size >= n:
        while True:
            yield None
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]
