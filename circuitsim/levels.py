"""The levelized tier: a wide circuit's scalar run as a few numpy operations per level.

A gate's *level* is one more than its inputs' highest (inputs and constants are at level 0),
so the gates of one level depend on none of each other. :class:`Levels` groups the gates by
level and kind (gate type, params and number of inputs) and runs each group as one numpy
gather, one evaluation of the kind's batch expressions over the group's gates at once, and
one write, into a value array numbered level by level, so that each group's outputs are one
slice. The backward pass runs the groups in reverse, each adding its gates' contributions
into their inputs' gradients: ``G[ins] += go * local`` where a group's inputs are distinct,
``np.add.at`` where a source feeds several gates of the group (fan-out).

A group costs a few numpy calls whatever its size, so the tier pays where levels are wide
(an MLP's layers) and loses where they are narrow (a chain of gates, one per level):
:func:`levels_for` picks it from the plan's shape, :data:`MIN_WIDTH` gates per group on
average. It needs every gate to give batch expressions (numpy on arrays), and it computes
with them: elementary functions come from numpy rather than :mod:`math`, and fan-out sums
add up in another order than the kernels' loop, so results agree with the other tiers to
rounding (a few units in the last place), not bit for bit. Each tier gives the same bits from
run to run. Runs trap numpy's floating-point errors like batch runs: a fault sends the run to
the method path, which names the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .gate import compile_rule
from .kernels import UNIT, expressions_of

__all__ = ["MIN_GATES", "MIN_WIDTH", "Levels", "levels_for"]

MIN_GATES = 2_000  # smaller circuits run on the kernels: the tier's set-up would not pay
MIN_WIDTH = 24  # mean gates per group at which one numpy call per group beats one loop turn per gate


@dataclass(frozen=True, eq=False)
class _Group:
    """Gates of one level and kind: outputs ``start:stop``, inputs ``ins`` (one per port)."""

    start: int
    stop: int
    ins: tuple  # per port: a slice, or an index array
    distinct: tuple[bool, ...]  # per port: whether its index array has no repeats
    output: Callable
    grads: Callable
    units: tuple[str | None, ...]  # per port: "+" or "-" where the local gradient is 1 or -1


class Levels:
    """A plan's gates grouped by level and kind, numbered so that each group is a slice."""

    def __init__(self, steps: Sequence, values: list, n_inputs: int, groups: list[list], rules: list) -> None:
        n_slots = self.n_slots = len(values)
        self.n_inputs = n_inputs
        order = list(range(n_inputs))  # position -> plan slot: inputs, gates by group, constants
        bounds = []
        for members in groups:
            start = len(order)
            order += [steps[k].out for k in members]
            bounds.append((start, len(order)))
        made = set(order)
        order += [slot for slot in range(n_slots) if slot not in made]
        self.order = np.array(order, dtype=np.intp)  # position -> plan slot
        self.position = np.empty(n_slots, dtype=np.intp)  # plan slot -> position
        self.position[self.order] = np.arange(n_slots)
        self.groups = [self._group(steps, members, bounds[k], rules[k]) for k, members in enumerate(groups)]
        self.start = np.array([float(values[slot]) if slot >= n_inputs else 0.0 for slot in order])  # constants
        self._live: dict[frozenset[int], list[_Group]] = {}

    def _group(self, steps: Sequence, members: list[int], bounds: tuple[int, int], rule) -> _Group:
        expr, compiled = rule
        n = len(steps[members[0]].ins)
        ins, distinct = [], []
        for port in range(n):
            index = self.position[[steps[k].ins[port] for k in members]]
            ins.append(_as_slice(index))
            distinct.append(isinstance(ins[-1], slice) or len(np.unique(index)) == len(index))
        if isinstance(expr.grads, str):
            units = (None,) * n
        else:
            units = tuple(UNIT.get(g) for g in expr.grads)
        return _Group(*bounds, tuple(ins), tuple(distinct), compiled.output, compiled.grads, units)

    def run(self, values: list, seeds: Mapping[int, Any] | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Values and gradients (None without ``seeds``) by plan slot, from a plan's value list
        whose inputs are set (its constants are this tier's own)."""
        v = self.start.copy()
        v[: self.n_inputs] = values[: self.n_inputs]
        self.forward(v)
        if seeds is None:
            return v[self.position], None
        return v[self.position], self.backward(v, seeds)[self.position]

    def forward(self, v: np.ndarray) -> None:
        for group in self.groups:
            v[group.start : group.stop] = group.output(tuple(v[s] for s in group.ins))

    def backward(self, v: np.ndarray, seeds: Mapping[int, Any]) -> np.ndarray:
        """The gradients by position, given seeds by plan slot."""
        g = np.zeros(self.n_slots)
        for slot, seed in seeds.items():
            g[self.position[slot]] += seed
        for group in self._live_groups(frozenset(seeds)):
            go = g[group.start : group.stop]
            xs = tuple(v[s] for s in group.ins)
            local = None
            for port, (s, unit) in enumerate(zip(group.ins, group.units)):
                if unit is None:
                    if local is None:
                        local = group.grads(xs, v[group.start : group.stop])
                    contribution, unit = go * local[port], "+"
                else:
                    contribution = go
                if group.distinct[port]:
                    if unit == "+":
                        g[s] += contribution
                    else:
                        g[s] -= contribution
                else:
                    (np.add if unit == "+" else np.subtract).at(g, s, contribution)
        return g

    def _live_groups(self, seeded: frozenset[int]) -> list[_Group]:
        """The groups in reverse order, without those from which no seeded slot is reached."""
        live = self._live.get(seeded)
        if live is None:
            reached = np.zeros(self.n_slots, dtype=bool)
            reached[self.position[list(seeded)]] = True
            live = []
            for group in reversed(self.groups):
                if reached[group.start : group.stop].any():
                    live.append(group)
                    for s in group.ins:
                        reached[s] = True
            self._live[seeded] = live
        return live


def levels_for(steps: Sequence, values: list, n_inputs: int) -> Levels | None:
    """The levelized tier for these steps, if it pays: wide enough, every gate with batch expressions.

    ``values`` is a plan's value list with its constants set.
    """
    if len(steps) < MIN_GATES:
        return None
    level = [0] * len(values)
    keys: dict[tuple, int] = {}  # (level, kind) -> group number
    groups: list[list[int]] = []
    rules: list = []
    kinds: dict[tuple, tuple] = {}  # (class, n) of gates without params -> (kind key, rule)
    for k, step in enumerate(steps):
        lv = 1 + max((level[i] for i in step.ins), default=0)
        level[step.out] = lv
        n = len(step.ins)
        shared = None if step.gate.params else (type(step.gate), n)
        kind = kinds.get(shared) if shared is not None else None
        if kind is None:
            expr = expressions_of(step.gate, n, True)
            if expr is None:
                return None
            try:
                kind = (expr.key(n), (expr, compile_rule(expr, n)))
            except Exception:  # expressions that do not compile: the kernels call the methods
                return None
            if shared is not None:
                kinds[shared] = kind
        key = (lv, kind[0])
        number = keys.get(key)
        if number is None:
            number = keys[key] = len(groups)
            groups.append([])
            rules.append(kind[1])
        groups[number].append(k)
    if len(steps) < MIN_WIDTH * len(groups):
        return None
    order = sorted(range(len(groups)), key=lambda g: level[steps[groups[g][0]].out])
    return Levels(steps, values, n_inputs, [groups[g] for g in order], [rules[g] for g in order])


def _as_slice(index: np.ndarray):
    """``slice(a, b)`` if ``index`` is ``a, a+1, ..., b-1``, else ``index`` itself."""
    if len(index) and index[-1] - index[0] == len(index) - 1 and np.all(np.diff(index) == 1):
        return slice(int(index[0]), int(index[-1]) + 1)
    return index
