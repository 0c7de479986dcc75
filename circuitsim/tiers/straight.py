"""The second tier of the fast path: a whole plan as straight-line Python code.

A plan that runs often on scalars is compiled gate by gate into plain statements, in functions
of :data:`GATES_PER_FUNCTION` gates each, values and gradients in local variables, with the same
bits as the kernels and the method path. The generated code is shown in
``docs/internals/runs.md``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from circuitsim.gate.rule import Node, Rule, shared_rule, to_source
from circuitsim.tiers.kernels import (
    ZERO,
    checked_forward,
    checked_local_grads,
    contribution,
    first_else_add,
)

__all__ = ["GATES_PER_FUNCTION", "Program", "StraightTier", "compile_backward", "compile_both", "compile_forward"]

GATES_PER_FUNCTION = 200  # gates per generated function: large enough to amortise a call, small to compile


@dataclass(frozen=True)
class Program:
    """A plan as straight-line functions: ``forward`` ones take ``v``, ``backward`` ones ``(v, g)``;
    ``both`` (a plan of one function a pass) runs both passes in one function of the values and
    the seeds by slot, ``(v, s)``, and gives the gradient list."""

    forward: list[Callable]
    backward: list[Callable]
    both: Callable | None = None

    def run(self, values: list, grads: list | None) -> None:
        for fn in self.forward:
            fn(values)
        if grads is not None:
            for fn in self.backward:
                fn(values, grads)


class _Globals:
    """The generated functions' globals: each object they call once, as ``_0``, ``_1``, ..."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_zero": ZERO}  # a gradient not yet added to
        self._ids: dict[int, str] = {}

    def add(self, obj: Any) -> str:
        name = self._ids.get(id(obj))
        if name is None:
            name = self._ids[id(obj)] = f"_{len(self._ids)}"
            self.namespace[name] = obj
        return name

    def define(self, source: str) -> Callable:
        """The one function ``source`` defines, compiled with these globals."""
        exec(compile(source, "<straight-line plan>", "exec"), self.namespace)
        return self.namespace.pop("run_gates")


@dataclass(frozen=True)
class _GateCode:
    """One gate as statement templates: ``{0}, {1}, ...`` its inputs, ``{out}`` its output."""

    output: str  # an expression
    grads: Sequence[str] | str  # per input an expression, or "+"/"-" (add or subtract); or one call


def compile_forward(steps: Sequence) -> list[Callable]:
    """Straight-line functions ``f(v)`` that run ``steps`` (their slots numbered in order)."""
    per = GATES_PER_FUNCTION
    names = _Globals()
    codes = _codes(steps, names)
    return [names.define(_function("v", _forward(steps[k : k + per], codes, names))) for k in range(0, len(steps), per)]


def compile_backward(live: Sequence, seeded: frozenset[int]) -> list[Callable]:
    """Straight-line functions ``b(v, g)`` that run the ``live`` steps backward (reverse order).

    ``seeded`` are the slots whose gradient is set before the backward pass.
    """
    per = GATES_PER_FUNCTION
    names = _Globals()
    codes = _codes(live, names)
    touched = set(seeded)
    return [names.define(_function("v, g", _backward(live[k : k + per], codes, names, touched))) for k in range(0, len(live), per)]


def compile_both(steps: Sequence, live: Sequence, seeded: frozenset[int], n_slots: int) -> Callable | None:
    """For a plan of at most :data:`GATES_PER_FUNCTION` gates, one function ``f(v, s)`` running
    the forward pass over ``steps`` and then the backward pass over the ``live`` ones from the
    seeds ``s`` (by slot, at ``seeded``), values and gradients kept in local variables: it gives
    the gradient list of the ``n_slots`` slots. None for a bigger plan."""
    if len(steps) > GATES_PER_FUNCTION:
        return None
    names = _Globals()
    codes = _codes(steps, names)
    lines = _forward(steps, codes, names) + _backward(live, codes, names, set(seeded), n_slots)
    return names.define(_function("v, s", lines))


def _codes(steps: Sequence, names: _Globals) -> dict[int, _GateCode]:
    """Every step's code by output slot, lowered once per rule (or per gate type without one)."""
    codes = {}
    rules: dict = {}
    shared: dict = {}  # rule, or (type, n) of a gate without params and without rule -> code
    for step in steps:
        n = len(step.ins)
        rule = shared_rule(step.gate, n, False, rules)
        if rule is not None and rule.tupled:  # over the tuple of its inputs: the methods run it as it is
            rule = None
        key = rule if rule is not None else (None if step.gate.params else (type(step.gate), n))
        code = shared.get(key) if key is not None else None
        if code is None:
            code = _expression_code(rule, names) if rule is not None else _method_code(step.gate, n, names)
            if key is not None:
                shared[key] = code
        codes[step.out] = code
    return codes


def _expression_code(rule: Rule, names: _Globals) -> _GateCode:
    """The rule lowered to templates calling globals."""
    n = rule.n
    output = _template(rule.output, n, names)
    if rule.together is not None:  # one expression for all, unpacked as a call's
        return _GateCode(output, _template(rule.together, n, names))
    return _GateCode(output, [unit or _template(grad, n, names) for grad, unit in zip(rule.grads, rule.units)])


def _method_code(gate: Any, n: int, names: _Globals) -> _GateCode:
    args = ", ".join(f"{{{k}}}" for k in range(n))
    forward = names.add(checked_forward(gate, False))
    local_grads = names.add(checked_local_grads(gate, n, False))
    return _GateCode(f"{forward}({args})", f"{local_grads}([{args}], {{out}})")


_PLACEHOLDER = re.compile(r"__in(\d+)__|__out__")


def _template(tree: Node, n: int, names: _Globals) -> str:
    """``tree`` as a template (``{0}``, ``{1}``... its inputs, ``{out}`` its output) calling globals."""
    code = to_source(tree, [f"__in{k}__" for k in range(n)], "__out__", name=lambda _, obj: names.add(obj))
    code = code.replace("{", "{{").replace("}", "}}")
    return _PLACEHOLDER.sub(lambda m: "{out}" if m.group(1) is None else f"{{{m.group(1)}}}", code)


def _load(prefix: str, slots: list[int], source: str, names: _Globals) -> str:
    """``x3, x4 = _5(v)``: many list items in one C call (an ``operator.itemgetter``)."""
    if len(slots) < 2:
        return "".join(f"    {prefix}{i} = {source}[{i}]" for i in slots)
    targets = ", ".join(f"{prefix}{i}" for i in slots)
    return f"    {targets} = {names.add(operator.itemgetter(*slots))}({source})"


def _store(prefix: str, slots: list[int], target: str) -> str:
    """``g[3:6] = d3, d4, d5``: consecutive slots in one slice assignment."""
    if len(slots) == 1:
        return f"    {target}[{slots[0]}] = {prefix}{slots[0]}"
    return f"    {target}[{slots[0]}:{slots[-1] + 1}] = {', '.join(f'{prefix}{i}' for i in slots)}"


def _runs(slots: list[int]) -> list[list[int]]:
    """Sorted ``slots`` cut into runs of consecutive numbers."""
    runs: list[list[int]] = []
    for i in slots:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _forward(steps: Sequence, codes: dict[int, _GateCode], names: _Globals) -> list[str]:
    made = {step.out for step in steps}
    needed = sorted({i for step in steps for i in step.ins} - made)
    lines = [_load("x", needed, "v", names)]
    for step in steps:
        xs = [f"x{i}" for i in step.ins]
        lines.append(f"    x{step.out} = {codes[step.out].output.format(*xs)}")
    lines += [_store("x", run, "v") for run in _runs([step.out for step in steps])]
    return lines


def _backward(live: Sequence, codes: dict[int, _GateCode], names: _Globals, touched: set[int], fused: int | None = None) -> list[str]:
    """The lines of a backward function. ``fused`` (the number of slots): the lines that follow
    the forward pass's in one function, the values local variables already, the gradients
    starting from the seeds ``s`` (0.0 plus each, as :meth:`Plan.new_grads` starts them) and
    given back as the whole gradient list."""
    local: set[int] = set(touched) if fused is not None else set()  # slots whose gradient is a local variable here
    loads: list[int] = []  # ... read from the gradient list first
    body = []
    for step in live:
        o = step.out
        if o not in local:
            loads.append(o)
            local.add(o)
        code = codes[o]
        xs = [f"x{i}" for i in step.ins]
        if isinstance(code.grads, str):  # a method: its checked gradients, unpacked
            temps = [f"l{k}" for k in range(len(step.ins))]
            body.append(f"    {', '.join(temps)}, = {code.grads.format(*xs, out=f'x{o}')}")
            grads = [(None, t) for t in temps]
        else:
            grads = [(g, "") if g in ("+", "-") else (None, f"({g.format(*xs, out=f'x{o}')})") for g in code.grads]
        for i, (unit, lg) in zip(step.ins, grads):
            first, more = contribution(f"d{o}", unit, lg)
            if i in local:
                body.append(f"    d{i} = d{i} {more}")
            elif i in touched:  # a seed, or added to by an earlier function: in the list
                loads.append(i)
                local.add(i)
                body.append(f"    d{i} = {first_else_add(f'd{i}', f'd{o}', unit, lg, '_zero')}")
            else:  # the first contribution, as the kernels start a gradient
                local.add(i)
                body.append(f"    d{i} = {first}")
    if fused is not None:
        starts = [f"    d{i} = _zero + s[{i}]" for i in sorted(touched)]
        return [*starts, *body, f"    return [{', '.join(f'd{i}' if i in local else '_zero' for i in range(fused))}]"]
    values = sorted({i for step in live for i in (*step.ins, step.out)})
    written = sorted({i for step in live for i in step.ins})
    touched.update(written)
    lines = [_load("x", values, "v", names), _load("d", loads, "g", names), *body]
    lines += [_store("d", run, "g") for run in _runs(written)]
    return lines


def _function(params: str, lines: list[str]) -> str:
    return "\n".join([f"def run_gates({params}):", *[line for line in lines if line]]) + "\n"


class StraightTier:
    """Scalar runs with the same seeds that came back ``tier_up`` times: the whole plan as
    straight-line code, compiled once (compiling costs about as much as 100 runs on the kernels
    and saves up to about half of each run)."""

    name = "straight"

    def __init__(self, tier_up: int) -> None:
        self.tier_up = tier_up

    def takes(self, plan, request) -> bool:
        if request.batched:
            return False
        state = plan.tiers.get(self.name) or self._state(plan)
        seeded = request.seeded
        programs = state["programs"]
        if seeded not in programs:
            runs = state["runs"][seeded] = state["runs"].get(seeded, 0) + 1
            if runs < self.tier_up:
                return False
            self.compile(plan, seeded)
        return programs[seeded] is not None

    def later(self, plan, request) -> bool:
        """Whether runs like ``request``, refused now, may come back often enough to be compiled."""
        return not request.batched and request.seeded not in self._state(plan)["programs"]

    def traps(self, request) -> bool:
        return False

    def run(self, plan, request):
        program = plan.tiers[self.name]["programs"][request.seeded]
        values, seeds = request.values, request.seeds
        if seeds is not None and program.both is not None:
            return values, program.both(values, seeds), None
        grads = None if seeds is None else plan.new_grads(seeds)
        program.run(values, grads)
        return values, grads, None

    def program(self, plan, seeded: frozenset[int] | None) -> Program | None:
        """The straight-line code compiled for runs seeded at ``seeded``, if it was."""
        return self._state(plan)["programs"].get(seeded)

    def compile(self, plan, seeded: frozenset[int] | None) -> Program | None:
        """Compile (once) the straight-line code of scalar runs seeded at ``seeded`` (None: forward only)."""
        state = self._state(plan)
        programs = state["programs"]
        if seeded in programs:
            return programs[seeded]
        try:
            if state["forward"] is None:
                state["forward"] = compile_forward(plan.steps)
            if seeded is None:
                program = Program(state["forward"], [])
            else:
                live = plan.live_steps(seeded)
                program = Program(state["forward"], compile_backward(live, seeded), compile_both(plan.steps, live, seeded, plan.n_slots))
        except Exception:  # e.g. an expression too deeply nested for the compiler: the kernels work
            program = None
        programs[seeded] = program
        return program

    def _state(self, plan) -> dict:
        state = plan.tiers.get(self.name)
        if state is None:
            state = plan.tiers[self.name] = {"programs": {}, "runs": {}, "forward": None}
        return state
