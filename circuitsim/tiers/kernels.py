"""The fast path of a plan: each kind of gate compiled into small Python code, its *kernels*.

Kernels are generated from a gate's :class:`~circuitsim.gate.Expressions` (one forward and one
backward function per expression set, adding gradients in port order as the method path does),
and :func:`compile_loop` inlines them into one loop per pass. The generated code is shown in
``docs/internals/runs.md``.
"""

from __future__ import annotations

import numbers
import operator
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from circuitsim.gate.rule import Names, Rule, shared_rule, to_source, to_text
from circuitsim.tiers.chunks import run_in_chunks

__all__ = [
    "INLINE",
    "ZERO",
    "KernelTier",
    "Kernels",
    "plus",
    "batch_size",
    "checked_forward",
    "checked_local_grads",
    "compile_kernels",
    "compile_loop",
    "contribution",
    "first_else_add",
    "getter",
    "method_kernels",
    "value_problem",
]



@dataclass(frozen=True, eq=False)  # one object per kind: its identity is the kind
class Kernels:
    """A gate kind's forward and backward kernels and, for expressions, their bodies' source."""

    forward: Callable
    backward: Callable
    source: tuple[list[str], list[str], Mapping[str, Any]] | None = None  # bodies, names


_cache: dict[tuple, Kernels] = {}
_loops: dict[tuple, Callable] = {}  # (kinds, backward) -> loop

def compile_kernels(rule: Rule) -> Kernels:
    """The forward and backward kernels of a gate kind's rule (compiled once per rule)."""
    kernels = _cache.get(rule)
    if kernels is None:
        kernels = _cache[rule] = _compile(rule)
    return kernels


def _compile(rule: Rule) -> Kernels:
    names = Names(_LOCAL.fullmatch)
    forward, backward = _bodies(rule, names)
    lines = ["def forward(v, a):", *forward, "def backward(v, g, a):", *backward]
    namespace = {**names.namespace, "ZERO": ZERO}
    exec(compile("\n".join(lines) + "\n", f"<kernels {to_text(rule.output)!r}>", "exec"), namespace)
    return Kernels(namespace["forward"], namespace["backward"], (forward, backward, names.namespace))


def _bodies(rule: Rule, names: Names) -> tuple[list[str], list[str]]:
    """The lines of the forward and the backward kernel's bodies, indented once."""
    n = rule.n
    xs = [f"x{k}" for k in range(n)]
    slots = ", ".join(["o", *(f"i{k}" for k in range(n))])
    used = rule.grad_reads  # what the backward loads
    forward = [f"    {slots}, = a", *(f"    x{k} = v[i{k}]" for k in range(n)), f"    v[o] = {to_source(rule.output, xs, name=names)}"]
    backward = [
        f"    {slots}, = a",
        "    go = g[o]",
        *(f"    x{k} = v[i{k}]" for k in range(n) if k in used),
        *(["    out = v[o]"] if "out" in used else []),
    ]
    if rule.together is not None:  # one expression for all: the local gradients ls[k]
        backward.append(f"    ls = {to_source(rule.together, xs, name=names)}")
        backward += _adds([(None, f"ls[{k}]") for k in range(n)])
        return forward, backward
    units = rule.units
    backward += [f"    l{k} = {to_source(grad, xs, name=names)}" for k, grad in enumerate(rule.grads) if units[k] is None]
    backward += _adds([(unit, f"l{k}") for k, unit in enumerate(units)])
    return forward, backward


def contribution(go: str, unit: str | None, local: str) -> tuple[str, str]:
    """One contribution to a gradient, the upstream gradient ``go`` times a local gradient, in
    source: as the gradient's first (the contribution itself) and as added to what it holds (what
    follows the gradient's name). A local gradient of 1 or -1 (``unit`` "+" or "-") needs no
    multiplication: x * 1.0 is x and a + x * -1.0 is a - x, bit for bit; else ``local`` is its source."""
    if unit == "+":
        return go, f"+ {go}"
    if unit == "-":
        return f"{go} * -1.0", f"- {go}"
    return f"{go} * {local}", f"+ {go} * {local}"


def first_else_add(old: str, go: str, unit: str | None, local: str, zero: str = "ZERO") -> str:
    """The source of gradient ``old`` after one more contribution (:func:`contribution`): the
    contribution itself while ``old`` is ``zero`` (not 0.0 plus it: no copy of an upstream array,
    and -0.0 stays -0.0), else added to it. The kernels and the straight-line code both use it."""
    first, more = contribution(go, unit, local)
    return f"{first} if {old} is {zero} else {old} {more}"


def _adds(grads: list[tuple[str | None, str]]) -> list[str]:
    """The lines adding each input's contribution (its unit and local gradient) into its gradient, in port order."""
    lines = []
    for k, (unit, local) in enumerate(grads):
        lines += [f"    h{k} = g[i{k}]", f"    g[i{k}] = {first_else_add(f'h{k}', 'go', unit, local)}"]
    return lines


ZERO = 0.0  # the one object every gradient list starts with: a gradient not yet added to


def plus(total, term):
    """``total`` with one more contribution ``term``: the first (``total`` is :data:`ZERO`) as it
    is (no copy of an upstream array, and -0.0 stays -0.0), the others added in order, as the
    generated kernels add (:func:`_adds`) and the straight-line code (``_backward`` there)."""
    return term if total is ZERO else total + term


INLINE = 16  # kinds inlined in a loop at most (the most frequent): the rest are called

# The local names of a loop and its kernels' bodies, which an inlined kind's globals must not be.
_LOCAL = re.compile(r"v|g|a|k|ls|ops|_calls|o|go|out|ZERO|[xilh]\d+")


def compile_loop(kinds: Sequence[Kernels], backward: bool) -> Callable:
    """The forward loop ``f(v, ops)`` or the backward loop ``b(v, g, ops)`` over ``(kind, slots)`` ops.

    The loop picks the kind's kernel body by its number (its index in ``kinds``, most frequent
    first), inlined: one comparison instead of one call per gate. A kind beyond the first
    :data:`INLINE`, without source, or whose names clash with another kind's or the loop's
    locals, is called instead. Plans of the same expression kinds (cached themselves) share
    their loops; a loop that calls a gate's methods is its plan's own.
    """
    if any(kind.source is None for kind in kinds):
        return _compile_loop(kinds, backward)
    key = (tuple(kinds), backward)
    loop = _loops.get(key)
    if loop is None:
        loop = _loops[key] = _compile_loop(kinds, backward)
    return loop


def _compile_loop(kinds: Sequence[Kernels], backward: bool) -> Callable:
    names: dict[str, Any] = {}
    inlined = []
    for k, kind in enumerate(kinds[:INLINE]):
        if kind.source is not None and all(names.get(n, obj) is obj and not _LOCAL.fullmatch(n) for n, obj in kind.source[2].items()):
            names.update(kind.source[2])
            inlined.append((k, kind.source[backward]))
    params = "v, g" if backward else "v"
    lines = [f"def loop({params}, ops):", "    for k, a in ops:"]
    for n, (k, body) in enumerate(inlined):
        lines.append(f"        {'elif' if n else 'if'} k == {k}:")
        lines += [f"        {line}" for line in body]
    call = f"_calls[k]({params}, a)"
    lines += ["        else:", f"            {call}"] if inlined else [f"        {call}"]
    namespace = {**names, "ZERO": ZERO, "_calls": [kind.backward if backward else kind.forward for kind in kinds]}
    exec(compile("\n".join(lines) + "\n", "<kernel loop>", "exec"), namespace)
    return namespace["loop"]


def method_kernels(gate: Any, n_inputs: int, batch: bool) -> Kernels:
    """Kernels that call the gate's checked methods (slots: ``(o, ins)``)."""
    fwd, local_grads = checked_forward(gate, batch), checked_local_grads(gate, n_inputs, batch)

    def forward(v, a):
        o, ins = a
        v[o] = fwd(*[v[i] for i in ins])

    def backward(v, g, a):
        o, ins = a
        go = g[o]
        for i, lg in zip(ins, local_grads([v[i] for i in ins], v[o])):
            g[i] = plus(g[i], go * lg)

    return Kernels(forward, backward)


def read_only(value: Any) -> Any:
    """``value`` as a gate's method receives it: an array as a read-only view (no copy), so that
    a gate that writes into its inputs raises instead of changing what other gates read."""
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = value.view()
        value.flags.writeable = False
    return value


def checked_forward(gate: Any, batch: bool) -> Callable:
    """``gate.forward``, raising ``TypeError`` if it returns anything but a number (in a batch
    also an array of the batch's length); the method path then names the gate."""
    fwd = gate.forward

    def forward(*inputs):
        out = fwd(*map(read_only, inputs))
        if value_problem(out, batch_size(inputs) if batch else None) is not None:
            raise TypeError("not a number")
        return out

    return forward


def checked_local_grads(gate: Any, n_inputs: int, batch: bool) -> Callable:
    """``gate.local_grads`` as a tuple of ``n_inputs`` numbers, or ``TypeError``/``ValueError``."""
    local_grads = gate.local_grads

    def checked(inputs: list, output) -> tuple:
        local = tuple(local_grads([read_only(x) for x in inputs], read_only(output)))
        if len(local) != n_inputs:
            raise ValueError("wrong number of local gradients")
        size = batch_size((*inputs, output)) if batch else None
        for lg in local:
            if value_problem(lg, size) is not None:
                raise TypeError("not a number")
        return local

    return checked


def batch_size(values: Sequence) -> int | None:
    """The length of the first array among ``values`` (a batch run's), else None."""
    for v in values:
        if isinstance(v, np.ndarray) and v.ndim == 1:
            return len(v)
    return None


def value_problem(value: Any, size: int | None) -> str | None:
    """What is wrong with ``value`` as a gate's number, or None: a real number, or in a batch
    of ``size`` samples also an array of that length (or a 0-d one)."""
    if type(value) is float:
        return None
    if isinstance(value, np.ndarray):
        if size is None:
            return f"an array of shape {value.shape}, not a number"
        if value.dtype.kind not in "fiu":
            return f"an array of {value.dtype}, not of numbers"
        if value.ndim == 0 or value.shape == (size,):
            return None
        return f"an array of shape {value.shape} in a batch of {size} samples"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return None
    return f"{type(value).__name__} {value!r:.40}, not a number"


class KernelTier:
    """Any run, on the gates' kernels: one loop per pass; a batch of more than
    ``samples_per_chunk`` samples in chunks of them (:mod:`circuitsim.tiers.chunks`)."""

    name = "kernels"

    def __init__(self, samples_per_chunk: int) -> None:
        self.samples_per_chunk = samples_per_chunk

    def takes(self, plan, request) -> bool:
        return True

    def traps(self, request) -> bool:
        return bool(request.batched)

    def run(self, plan, request):
        values, seeds, batched, seeded = request.values, request.seeds, request.batched, request.seeded
        if batched and request.size > self.samples_per_chunk:
            run = lambda part, part_seeds: self._run(plan, part, part_seeds, batched, seeded)  # noqa: E731
            done = run_in_chunks(run, values, seeds, batched, request.size, plan.buffers, self.samples_per_chunk)
            if done is not None:
                return (*done, self._state(plan, batched)[1])
        grads = self._run(plan, values, seeds, batched, seeded)
        return values, grads, self._state(plan, batched)[1] if batched else None

    def _run(self, plan, values: list, seeds, batched: frozenset[int], seeded: frozenset[int] | None) -> list | None:
        forward, ops = self._ops(plan, batched, None)
        forward(values, ops)
        if seeds is None:
            return None
        grads = plan.new_grads(seeds)
        backward, ops = self._ops(plan, batched, seeded)
        backward(values, grads, ops)
        return grads

    def _ops(self, plan, batched: frozenset[int], seeded: frozenset[int] | None) -> tuple:
        """The forward (``seeded`` None) or backward loop and its ops ``(kind, slots)``, cached."""
        cache = plan.tiers.setdefault(self.name, {})
        loop = cache.get((batched, seeded))
        if loop is None:
            kernels = self._state(plan, batched)[0]
            steps = plan.steps if seeded is None else plan.live_steps(seeded)
            counts = Counter(kernels[s.out][0] for s in steps)
            kinds = sorted(counts, key=counts.__getitem__, reverse=True)  # the most frequent first
            number = {kind: k for k, kind in enumerate(kinds)}
            ops = [(number[kernels[s.out][0]], kernels[s.out][1]) for s in steps]
            loop = cache[(batched, seeded)] = (compile_loop(kinds, seeded is not None), ops)
        return loop

    def _state(self, plan, batched: frozenset[int]) -> tuple[dict, tuple]:
        """Every step's kernels and slots by output slot, and what a trapped run leaves unchecked."""
        cache = plan.tiers.setdefault(self.name, {})
        state = cache.get(batched)
        if state is None:
            state = cache[batched] = _all_kernels(plan, batched)
        return state


def _all_kernels(plan, batched: frozenset[int]) -> tuple[dict, tuple]:
    """Every step's kernels and slots by output slot (a step is batched if one of its inputs
    is); the numbers and the arrays no trapped operation makes."""
    is_batch = bytearray(plan.n_slots)
    for slot in batched:
        is_batch[slot] = 1
    kernels = {}
    arrays = []  # the batch inputs and what gates without expressions make from them
    rules: dict = {}
    for step in plan.steps:
        batch = any(is_batch[i] for i in step.ins)
        is_batch[step.out] = batch
        n = len(step.ins)
        fast = _rule_kernels(shared_rule(step.gate, n, batch, rules))
        if fast is not None:
            kernels[step.out] = (fast, (step.out, *step.ins))
        else:
            kernels[step.out] = (method_kernels(step.gate, n, batch), (step.out, step.ins))
            if batch:
                arrays.append(step.out)
    numbers = [slot for slot, batch in enumerate(is_batch) if not batch]
    return kernels, (getter(numbers), getter([*batched, *arrays]))


def _rule_kernels(rule: Rule | None) -> Kernels | None:
    """Kernels compiled from a gate's rule; None to call its methods instead (which run a rule
    over the tuple of the inputs as it is: lowered here it would name each input)."""
    if rule is None or rule.tupled:
        return None
    try:
        return compile_kernels(rule)
    except Exception:  # e.g. an expression too deeply nested for the compiler: the methods still work
        return None


def getter(slots: list[int]) -> Callable[[list], list]:
    """A function of a list giving the list of its items at ``slots`` (an ``operator.itemgetter``)."""
    if len(slots) < 2:
        return lambda items: [items[i] for i in slots]
    get = operator.itemgetter(*slots)
    return lambda items: list(get(items))
