"""The engine's tiers behind one interface, in one ordered table, chosen in one place
(see docs/internals/engine.md): a run is a :class:`Request`, its answer an :class:`Outcome`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from circuitsim.plan.faults import check_finite
from circuitsim.tiers.blocks import BlocksTier
from circuitsim.tiers.kernels import KernelTier
from circuitsim.tiers.levels import LevelsTier
from circuitsim.tiers.straight import StraightTier

__all__ = ["TIERS", "MethodTier", "Outcome", "Request", "Tier", "choose", "compile_ahead", "execute", "prepare", "tier"]


@dataclass(eq=False, slots=True, init=False)
class Request:
    """One run asked of a plan.

    ``values`` is a value list of the plan (inputs and constants set; batch inputs as 1-D
    arrays, the slots ``batched``), ``seeds`` the upstream gradients by slot (None: a forward
    pass only). ``keep`` (value slots, gradient slots) asks for those only, written into the
    rows of ``into`` (values first, then gradients; a gradient no seed reaches is 0.0); without
    it every value and gradient is answered. With ``sums`` each kept value and gradient is
    summed over the samples, into the entries of ``into`` (one-dimensional; a number is summed
    as if in every sample): a parameter's gradient over a batch, summed where it is made rather
    than written out sample by sample. An ``observer`` (a :class:`~circuitsim.plan.trace.Tracer`)
    is shown every step, on the method path. ``seeded``, the seeded slots (None: a forward pass
    only), is made from ``seeds`` unless given (a caller that runs the same seeds again keeps it).
    """

    values: list
    seeds: Mapping[int, Any] | None
    batched: frozenset[int]
    keep: tuple[Sequence[int], Sequence[int]] | None
    into: np.ndarray | None
    observer: Any
    seeded: frozenset[int] | None
    sums: bool

    def __init__(
        self, values: list, seeds=None, batched: frozenset[int] = frozenset(), keep=None, into=None, observer=None, seeded=None, sums=False
    ) -> None:
        self.values, self.seeds, self.batched, self.keep, self.into, self.observer = values, seeds, batched, keep, into, observer
        self.seeded = seeded if seeded is not None or seeds is None else frozenset(seeds)
        self.sums = sums

    @property
    def size(self) -> int | None:
        """Samples in a batch run (None for scalars)."""
        return len(self.values[next(iter(self.batched))]) if self.batched else None


# What a trapped run leaves for the fault trap to look at: the values' numbers and arrays no
# trapped numpy operation made (two functions of the value list).
Unchecked = tuple[Callable[[list], list], Callable[[list], list]]


@dataclass(eq=False, slots=True)
class Outcome:
    """What a run answered: ``values`` and ``grads`` by slot (a list, or an array; None where a
    tier wrote the kept ones straight into the request's rows), the tier that ran it, and for a
    trapped run what the fault trap still has to look at."""

    request: Request
    values: Sequence
    grads: Sequence | None
    tier: str
    unchecked: Unchecked | None = None

    def check_finite(self, plan, policy: str, live=()) -> None:
        """Warn about (or raise for) the first gate that made a NaN or inf (see :mod:`circuitsim.plan.faults`)."""
        seeds = self.request.seeds
        check_finite(plan, self.values, self.grads, policy, live, self.unchecked, seeds or ())

    def finite(self) -> bool:
        """For a request with ``keep``: whether the inputs and every kept number are finite."""
        request = self.request
        numbers = [x for x in request.values if type(x) is float]
        return bool(np.isfinite(sum(numbers))) and all(np.isfinite(request.values[s]).all() for s in request.batched) and bool(
            np.isfinite(request.into).all()
        )


class Tier(Protocol):
    """A way to run a plan. ``takes`` says whether it runs a request (making once, per plan,
    what it needs: ``plan.tiers[name]`` holds it); ``run`` runs it. ``traps``: whether numpy's
    floating-point errors raise during its runs (then a fault sends the run to the method path,
    which names the gate, and ``run`` says what no trapped operation made)."""

    name: str

    def takes(self, plan, request: Request) -> bool: ...

    # Optional: ``later(plan, request)``, whether a tier that refused ``request`` may take the
    # same kind of request later (the choice is then not kept; see :func:`choose`).

    def traps(self, request: Request) -> bool: ...

    def run(self, plan, request: Request) -> tuple[Sequence, Sequence | None, Unchecked | None]: ...


class MethodTier:
    """The method path: each gate's checked ``forward`` and ``local_grads``, step by step. It
    takes every request, runs the others' faults again and names a gate that fails."""

    name = "methods"

    def takes(self, plan, request: Request) -> bool:
        return True

    def traps(self, request: Request) -> bool:
        return False

    def run(self, plan, request: Request):
        values, seeds, observer = request.values, request.seeds, request.observer
        if observer is not None:
            observer.forward(values)
            return values, (None if seeds is None else observer.backward(values, seeds)), None
        plan.forward(values)
        return values, (None if seeds is None else plan.backward(values, seeds)), None


# The tiers, tried in order; each threshold is here. The first that takes a run runs it; the
# last, the method path, takes every run and runs again any that raised on another.
TIERS: list[Tier] = [
    BlocksTier(min_gates=256, min_width=4, span=2**17),  # batches of wide plans, in blocks of samples
    LevelsTier(min_gates=2_000, min_width=24),  # scalar runs of wide plans, level by level
    StraightTier(tier_up=100),  # scalar runs seeded alike that came back often: straight-line code
    KernelTier(samples_per_chunk=8_192),  # any run: one loop over the gates' kernels
    MethodTier(),
]


def tier(name: str) -> Tier:
    """The tier of the table called ``name``."""
    return next(t for t in TIERS if t.name == name)


def choose(plan, request: Request, tiers: Sequence[Tier] | None = None) -> Tier:
    """The first tier that takes ``request`` (a request with an observer: the method path).

    The choice from :data:`TIERS` is kept per plan (``plan.chosen``), for requests with the
    same batch slots and seeds, once it is final: a tier's answer depends on the plan and on
    those only, except a refusal that may turn (a tier with ``later(plan, request)`` true, as
    the straight-line code's before it is compiled), which leaves the choice to be made again."""
    if request.observer is not None:
        return TIERS[-1]
    key = (request.batched, request.seeded)
    if tiers is None:
        chosen = plan.chosen.get(key)
        if chosen is not None:
            return chosen
    final = tiers is None
    for t in TIERS if tiers is None else tiers:
        if t.takes(plan, request):
            if final:
                plan.chosen[key] = t
            return t
        later = getattr(t, "later", None)
        final = final and (later is None or not later(plan, request))
    raise ValueError("no tier takes the request")


def execute(plan, request: Request, tiers: Sequence[Tier] | None = None) -> Outcome:
    """Run ``request`` on the first tier that takes it (of ``tiers``, default :data:`TIERS`);
    if that raises, on the method path from the start."""
    chosen = choose(plan, request, tiers)
    methods = TIERS[-1]
    try:
        if chosen.traps(request):
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                values, grads, unchecked = chosen.run(plan, request)
        else:
            values, grads, unchecked = chosen.run(plan, request)
    except KeyboardInterrupt:
        raise
    except BaseException:  # a domain edge or a faulty gate (even SystemExit): the methods answer or name it
        if chosen is methods:
            raise
        chosen = methods
        values, grads, unchecked = methods.run(plan, request)
    outcome = Outcome(request, values, grads, chosen.name, unchecked)
    if request.keep is not None and values is not None:  # a tier that answered every number
        _keep(outcome)
    return outcome


def _keep(outcome: Outcome) -> None:
    """The kept values and gradients of a run that answered every one, into the request's rows
    (or, for ``sums``, their sums over the samples into its entries)."""
    request = outcome.request
    value_slots, grad_slots = request.keep
    rows, kept = request.into, len(value_slots)
    if request.sums:
        n = request.size or 1
        grads = outcome.grads
        found = [outcome.values[s] for s in value_slots] + ([] if grads is None else [grads[s] for s in grad_slots])
        for k, x in enumerate(found):
            rows[k] = np.sum(x) if isinstance(x, np.ndarray) and x.ndim else float(x) * n
        return
    for row, slot in zip(rows, value_slots):
        row[...] = outcome.values[slot]
    if outcome.grads is not None:
        for row, slot in zip(rows[kept:], grad_slots):
            row[...] = outcome.grads[slot]


def compile_ahead(plan, seeded: frozenset[int] | None) -> None:
    """Make now what tiers would make after many runs seeded at ``seeded`` (None: forward only)."""
    for t in TIERS:
        ahead = getattr(t, "compile", None)
        if ahead is not None:
            ahead(plan, seeded)


def prepare(plan) -> None:
    """Make now what tiers would make at a plan's first run (the levelized form of a wide plan),
    so that the first run costs what the next ones do: a load calls it."""
    for t in TIERS:
        ahead = getattr(t, "prepare", None)
        if ahead is not None:
            ahead(plan)
