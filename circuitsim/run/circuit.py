"""The Python API's objects: a loaded :class:`Circuit` and the :class:`Result` of a run
(:mod:`circuitsim.run.results`)."""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.errors import CircuitError, CircuitErrors, did_you_mean, missing_input
from circuitsim.netlist.flatten import flatten
from circuitsim.netlist.nodes import Netlist
from circuitsim.netlist.order import topological_order
from circuitsim.plan.engine import Request, compile_ahead, prepare
from circuitsim.plan.faults import NAN_POLICIES, check_finite
from circuitsim.plan.numbering import LazyIndex
from circuitsim.plan.plan import Plan
from circuitsim.read.spec import CircuitSpec
from circuitsim.run.results import BatchSlotView, Result, SlotView, to_batch

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Circuit", "Defaults", "Result", "SlotView"]


class Defaults(Mapping):
    """A circuit's input defaults, name -> value (``None``: must be supplied); read-only.

    Setting one raises: a loaded circuit does not change. :meth:`Circuit.with_defaults` makes
    a circuit with other defaults, and :meth:`Circuit.train` one with trained defaults.
    """

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, float | None]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> float | None:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setitem__(self, name: str, value) -> None:
        raise TypeError(
            f"a circuit's inputs are read-only: circuit.with_defaults({{{name!r}: {value!r}}}) "
            "makes a circuit with that default"
        )

    def __repr__(self) -> str:
        return repr(self._items)



class Circuit:
    """A loaded, validated circuit, ready to run any number of times.

    Made by :func:`circuitsim.load` or :func:`circuitsim.loads`. ``nodes`` maps each node's
    name to its :class:`~circuitsim.netlist.nodes.Node` record and ``graph`` is the same circuit as a
    ``networkx.DiGraph`` (see :mod:`circuitsim.netlist.flatten`).
    """

    def __init__(self, spec: CircuitSpec, nodes: Netlist, order: list[str], registry=None) -> None:
        self.spec = spec
        self.nodes = nodes
        self.registry = registry
        self.plan = Plan(nodes, order, registry)
        self._graph: nx.DiGraph | None = None
        self._start = self.plan.new_values()  # constants and the inputs' defaults
        defaults, given = nodes.input_values()  # in slot order: inputs come first (0.0: none)
        self._start[: len(defaults)] = defaults.tolist()
        self._required = [self.plan.numbering.name(slot) for slot in np.flatnonzero(~given).tolist()]
        self._outputs = dict(zip(spec.outputs, self.plan.outputs))
        self._named = LazyIndex(self.plan.numbering)  # made when a result is read by name
        self._keys_in_order: list[str] = []  # see _in_order
        self._seed_names: dict[str, float] | None = None  # the default seed by name (see _run)
        self._default_seeds = {s: 1.0 for s in self.plan.outputs}  # read only
        self._default_seeded = frozenset(self._default_seeds)
        prepare(self.plan)  # the first run costs what the next ones do

    @classmethod
    def from_spec(cls, spec: CircuitSpec, registry) -> Circuit:
        """The circuit of a spec that was valid when it was read (its pickle, sent to a worker)."""
        errors: list[CircuitError] = []
        netlist = flatten(spec, errors)
        if errors:
            raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
        return cls(spec, netlist, topological_order(netlist), registry)

    @property
    def graph(self) -> nx.DiGraph:
        """The circuit as a ``networkx.DiGraph`` (see :mod:`circuitsim.netlist.flatten`), made when first asked for."""
        if self._graph is None:
            self._graph = self.nodes.to_graph()
        return self._graph

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def path(self) -> str | None:
        return self.spec.path

    @property
    def inputs(self) -> Defaults:
        """Input name -> default value (``None``: must be supplied), a read-only mapping."""
        return Defaults(dict(zip(self.plan.inputs, self.nodes.input_defaults())))

    def with_defaults(self, defaults: Mapping[str, float]) -> Circuit:
        """A circuit like this one whose inputs in ``defaults`` have those defaults.

        It is made from this circuit's spec with those defaults, as a load of the file that
        :func:`circuitsim.dump` writes for it would make it. Test vectors that leave one of
        these inputs at its default no longer describe it and are left out.
        """
        for name in defaults:
            if name not in self.spec.inputs:
                raise self._not_an_input(name)
        inputs = {
            name: dataclasses.replace(inp, default=float(defaults[name])) if name in defaults else inp
            for name, inp in self.spec.inputs.items()
        }
        tests = [t for t in self.spec.tests if set(defaults) <= set(t.inputs)]
        return type(self).from_spec(dataclasses.replace(self.spec, inputs=inputs, tests=tests), self.registry)


    @property
    def outputs(self) -> list[str]:
        return list(self.spec.outputs)

    def __repr__(self) -> str:
        gates = len(self.spec.gates)
        return f"<Circuit {self.name!r}: {len(self.spec.inputs)} inputs, {gates} gates, outputs {self.outputs}>"




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
        passes (:mod:`circuitsim.plan.trace`); values and gradients are the same as without.
        """
        return self._run(inputs, seed, nan, backward=True, trace=trace)

    def forward(self, inputs: Mapping[str, Any] | None = None, *, nan: str = "warn", trace: bool = False) -> Result:
        """Forward pass only: values, no gradients."""
        return self._run(inputs, None, nan, backward=False, trace=trace)



    def compile(self) -> None:
        """Compile scalar runs into straight-line code now, instead of after many runs.

        A circuit run over and over on scalars (a training loop) is compiled by itself after a
        while; compiling costs about as much as a hundred runs and then makes each run about
        twice as fast (less on small circuits). Results are the same, bit for bit. Runs with other ``seed`` nodes than
        the outputs still compile after their own many runs.
        """
        compile_ahead(self.plan, frozenset(self.plan.outputs))
        compile_ahead(self.plan, None)

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
        check_finite(plan, values, grads, nan, live)

    def _run(self, inputs, seed, nan: str, *, backward: bool, trace: bool) -> Result:
        if nan not in NAN_POLICIES:
            raise CircuitError(f"nan must be one of {', '.join(NAN_POLICIES)}, not {nan!r}")
        plan = self.plan
        tracer = _tracer(plan) if trace else None
        request = self.request(inputs, seed=seed, backward=backward, observer=tracer)
        seeds = request.seeds
        batch = request.size
        token = _ignore_fp_errors()
        try:
            outcome = plan.execute(request)
            finite = batch is None and seed is None and _plainly_finite(outcome.values, outcome.grads)  # a scalar run's numbers
        finally:
            _restore_fp_errors(token)
        if not finite:
            live = (lambda: plan.live_steps(frozenset(seeds))) if backward else ()  # only if a fault is found
            outcome.check_finite(plan, nan, live)
        if batch is None and seed is not None:  # scalar inputs, batched seeds
            batch = next((len(v) for v in seeds.values() if isinstance(v, np.ndarray)), None)
        result = self._result(outcome.values, outcome.grads, batch)
        if backward:
            if seed is None:  # the outputs', named once
                named = self._seed_names
                if named is None:
                    named = self._seed_names = {name: seeds[slot] for name, slot in self._outputs.items()}
                result.seed = dict(named)
            else:
                result.seed = {plan.numbering.name(slot): value for slot, value in seeds.items()}
        if trace:
            result.trace = tracer.messages
        return result

    def request(
        self,
        inputs: Mapping[str, Any] | None = None,
        *,
        seed: Mapping[str, Any] | None = None,
        backward: bool = True,
        keep: tuple[Sequence[str], Sequence[str]] | None = None,
        into: np.ndarray | None = None,
        observer=None,
    ) -> Request:
        """A run of this circuit as a :class:`~circuitsim.plan.engine.Request` for ``circuit.plan.execute``:
        ``inputs`` and ``seed`` as :meth:`run` takes them (no seeds without ``backward``), and
        optionally the names whose values and gradients to ``keep``, into the rows of ``into``."""
        values, batched, batch = self._values(inputs or {})
        seeds = (self._default_seeds if seed is None else self._seeds(seed, batch)) if backward else None
        slots = None
        if keep is not None:
            slot = self.plan.slot
            slots = ([slot[name] for name in keep[0]], [slot[name] for name in keep[1]])
        seeded = self._default_seeded if seeds is self._default_seeds else None  # made once, not per run
        return Request(values, seeds, batched, slots, into, observer, seeded)

    def _values(self, given: Mapping[str, Any]) -> tuple[list, frozenset[int], int | None]:
        """A new value list with the inputs set; the slots given arrays; the batch size."""
        values = self._start[:]
        required = self._required
        if not given and not required:  # every input at its default
            return values, _NO_SLOTS, None
        slots = self.plan.inputs if given else {}  # a big circuit's dict is made when first needed
        n = self.plan.n_inputs
        if len(given) == n and self._in_order(list(given)):  # every input, in order
            values[:n] = given.values()  # the inputs' slots come first
            if set(map(type, given.values())) == {float}:
                return values, frozenset(), None
            given = {name: x for name, x in given.items() if type(x) is not float}
            required = ()  # every input given; only the ones not floats need a look
        batched = []
        batch = None
        for name, raw in given.items():
            slot = slots.get(name)
            if slot is None:
                raise self._not_an_input(name)
            if type(raw) is not float:
                raw = _as_value(name, raw)
                if isinstance(raw, np.ndarray):
                    if batch is not None and len(raw) != batch:
                        raise CircuitError(
                            f"input {name!r} has {len(raw)} samples but {self.plan.names[batched[0]]!r} has {batch}; "
                            "batch inputs must all have the same length"
                        )
                    batch = len(raw)
                    batched.append(slot)
            values[slot] = raw
        for name in required:
            if name not in given:
                raise missing_input(name, self.spec.inputs[name].pos)
        return values, frozenset(batched), batch

    def _in_order(self, keys: list[str]) -> bool:
        """Whether ``keys`` are the inputs' names in slot order. The last keys found in order are
        kept: a caller that passes dicts with the same name objects again (a loop over samples)
        is checked by identity, without comparing every name's characters."""
        if keys == self._keys_in_order:
            return True
        if keys != self.plan.names[: self.plan.n_inputs]:
            return False
        self._keys_in_order = keys
        return True

    def _not_an_input(self, name: str) -> CircuitError:
        slots = self.plan.inputs
        if name in self.spec.gates:
            return CircuitError(f"{name!r} is a gate, not an input; inputs: {', '.join(slots)}")
        return CircuitError(f"unknown input {name!r}{did_you_mean(name, slots)}; inputs: {', '.join(slots) or 'none'}")

    def _seeds(self, seed: Mapping[str, Any] | None, batch: int | None) -> dict[int, Any]:
        if seed is None:
            return self._default_seeds
        slot = self.plan.named
        seeds = {}
        for name, raw in seed.items():
            if name not in self.plan.named:
                names = list(self.plan.named)
                raise CircuitError(f"cannot seed unknown node {name!r}{did_you_mean(name, names)}")
            value = _as_value(name, raw, "seed")
            if not _all_finite(value):
                raise CircuitError(f"seed {name!r} is {_short(value)}: a seed must be finite")
            if isinstance(value, np.ndarray) and len(value) != (batch or len(value)):
                raise CircuitError(f"seed {name!r} has {len(value)} samples but the batch has {batch}")
            seeds[slot[name]] = value
        return seeds

    def _result(self, values: list, grads: list | None, batch: int | None) -> Result:
        if batch is None:
            convert, view = float, SlotView
        else:
            convert, view = to_batch(batch), BatchSlotView
        named = self._named  # inputs and gates, not constants
        grad_view = view(named, grads, convert) if grads is not None else {}
        return Result(self.spec.name, view(self._outputs, values, convert), view(named, values, convert), grad_view, batch, None, self)


def _tracer(plan):
    from circuitsim.plan.trace import Tracer  # only for a traced run

    return Tracer(plan)


def _fp_errors_state():
    """numpy's error state as a context variable and its value for ``errstate(all="ignore")``,
    or None where numpy keeps it another way."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar as var
    except ImportError:
        return None
    with np.errstate(all="ignore"):
        return var, var.get()


_FP_STATE = _fp_errors_state()


if _FP_STATE is not None:
    # Enter ``np.errstate(all="ignore")`` by setting numpy's context variable (C calls: a tenth
    # of entering ``np.errstate``, which was a third of a tiny circuit's run); the token it
    # gives back is what restores it.
    _ignore_fp_errors = functools.partial(_FP_STATE[0].set, _FP_STATE[1])
    _restore_fp_errors = _FP_STATE[0].reset
else:

    def _ignore_fp_errors():
        context = np.errstate(all="ignore")
        context.__enter__()
        return context

    def _restore_fp_errors(context) -> None:
        context.__exit__(None, None, None)


_NO_SLOTS: frozenset[int] = frozenset()


def _plainly_finite(values, grads) -> bool:
    """Whether a scalar run's numbers (lists of numbers) are all finite, by one sum of them:
    what a run checks before the full search for the first NaN or inf
    (:func:`~circuitsim.plan.faults.check_finite`), which a False sends it to (a NaN or inf
    makes the sum one; so may a sum past the largest float, which that search then clears)."""
    if values.__class__ is not list:
        return False
    try:
        if grads is None:
            return math.isfinite(sum(values))
        return grads.__class__ is list and math.isfinite(sum(grads, sum(values)))
    except (TypeError, ValueError, OverflowError):  # an array, an object
        return False


def _as_value(name: str, raw: Any, what: str = "input"):
    """A float for a real number, a 1-D float64 array for a sequence of them.

    Anything else is a CircuitError naming the input (or seed): ``None``, a bool, a string, a
    complex number, an object or an integer beyond the range of a float (``10**400``).
    """
    if type(raw) is float:
        return raw
    if isinstance(raw, numbers.Real) and not isinstance(raw, (bool, np.bool_)):
        try:
            return float(raw)
        except OverflowError:
            raise CircuitError(f"{what} {name!r} is too large for a 64-bit float: {_short(raw)}") from None
    if raw is None or isinstance(raw, (bool, np.bool_, str, bytes, numbers.Complex)) or not _sequence(raw):
        raise CircuitError(f"{what} {name!r} must be a number or a list of numbers, got {_short(raw)}")
    try:
        array = np.asarray(raw)
    except (TypeError, ValueError):  # ragged nesting, say
        raise CircuitError(f"{what} {name!r} must be a number or a list of numbers, got {_short(raw)}") from None
    if array.dtype.kind not in "iuf":
        items = array.ravel().tolist()
        bad = next((x for x in items if not (isinstance(x, numbers.Real) and not isinstance(x, bool))), _NONE)
        if bad is _NONE and items:  # real numbers all, but some too large for any float
            big = next(x for x in items if abs(x) > _FLOAT_MAX)
            raise CircuitError(f"{what} {name!r} holds a number too large for a 64-bit float: {_short(big)}")
        shown = _short(raw) if bad is _NONE else f"{_short(bad)} among its values"
        raise CircuitError(f"{what} {name!r} must be a number or a list of numbers, got {shown}")
    if array.ndim != 1 or array.size == 0:
        raise CircuitError(f"{what} {name!r}: a batch is a non-empty 1-D sequence, got shape {array.shape}")
    return array.astype(np.float64, copy=False)


_FLOAT_MAX = int(np.finfo(np.float64).max)
_NONE = object()


def _sequence(raw: Any) -> bool:
    return isinstance(raw, (list, tuple, np.ndarray)) or (hasattr(raw, "__len__") and hasattr(raw, "__getitem__"))


def _all_finite(value) -> bool:
    return math.isfinite(value) if type(value) is float else bool(np.isfinite(value).all())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text):,} characters)"
