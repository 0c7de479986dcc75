"""The levelized tier: a wide circuit's scalar run as a few numpy operations per level, one per
group of gates of one level and kind; it agrees with the kernels to rounding
(``docs/internals/runs.md``, "The levelized tier").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from circuitsim.gate.rule import Rule, shared_rule
from circuitsim.plan.reach import reaching
from circuitsim.tiers.arrange import arrange
from circuitsim.tiers.patterns import as_slice
from circuitsim.tiers.sums import Chain
from circuitsim.tiers.sums import find as find_chains

__all__ = ["Levels", "LevelsTier", "levels_for"]


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
    rule: Rule  # the kind's rule


class Levels:
    """A plan's gates grouped by level and kind, numbered so that each group is a slice.

    ``order`` maps a position to a plan slot (inputs, the gates group by group, constants),
    ``position`` a plan slot to its position (both None where the plan's steps are in their
    groups' order already: then a position is its slot, ``in_place``); the constants'
    positions are their slots, ``constants`` their values (a run writes every other position).
    Arranged for blocks, the inputs' positions are theirs in some order (``inputs``).
    """

    def __init__(self, order: np.ndarray | None, n_slots: int, n_inputs: int, constants: np.ndarray, groups: list[_Group], position: np.ndarray | None, reading: np.ndarray) -> None:
        self.n_slots = n_slots
        self.n_inputs = n_inputs
        self.in_place = order is None
        self._order, self._position = order, position
        arranged = order is not None and not np.array_equal(order[:n_inputs], np.arange(n_inputs))
        self.inputs = order[:n_inputs] if arranged else None  # the inputs' slots by position (None: in slot order)
        self.constants = constants
        self._reading = reading  # the slots the gates read, all at once (see chains)
        self.groups = groups
        self._live: dict[frozenset[int], list] = {}
        self._chains: list[Chain] | None = None  # found when first asked for, by a load (blocks, which share the groups, need none)
        self._forward: list | None = None

    @property
    def order(self) -> np.ndarray:
        """Position -> plan slot."""
        if self._order is None:
            self._order = self._position = np.arange(self.n_slots, dtype=np.intp)
        return self._order

    @property
    def position(self) -> np.ndarray:
        """Plan slot -> position."""
        return self._position if self._position is not None else self.order

    def start(self) -> np.ndarray:
        """A value array by position: the constants' values, zeros elsewhere."""
        v = np.zeros(self.n_slots)
        v[self.n_slots - len(self.constants) :] = self.constants
        return v

    def run(self, values: list, seeds: Mapping[int, Any] | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Values and gradients (None without ``seeds``) by plan slot, from a plan's value list
        whose inputs are set (its constants are this tier's own)."""
        v = np.empty(self.n_slots)
        v[: self.n_inputs] = values[: self.n_inputs]
        if self.inputs is not None:
            v[: self.n_inputs] = v[self.inputs]
        v[self.n_slots - len(self.constants) :] = self.constants
        self.forward(v)
        if self.in_place:
            return v, (None if seeds is None else self.backward(v, seeds))
        if seeds is None:
            return v[self.position], None
        return v[self.position], self.backward(v, seeds)[self.position]

    def forward(self, v: np.ndarray) -> None:
        if self._forward is None:
            self._forward = self._steps(self.chains(), reverse=False)
        for group in self._forward:
            if type(group) is Chain:
                group.forward(v)
            else:
                v[group.start : group.stop] = group.output(tuple(v[s] for s in group.ins))

    def chains(self) -> list[Chain]:
        """The chains of sums among the groups (:mod:`circuitsim.tiers.sums`)."""
        if self._chains is None:
            reads = np.bincount(self._reading, minlength=self.n_slots)  # gate inputs reading each slot
            self._chains = find_chains(self.groups, reads if self.in_place else reads[self.order])
        return self._chains

    def _steps(self, chains: list[Chain], reverse: bool) -> list:
        """The groups in order (or reversed), each chain in place of its last group, without its others."""
        last = {chain.groups[-1]: chain for chain in chains}
        inside = {gi for chain in chains for gi in chain.groups[:-1]}
        steps = [last.get(gi, group) for gi, group in enumerate(self.groups) if gi not in inside]
        return steps[::-1] if reverse else steps

    def backward(self, v: np.ndarray, seeds: Mapping[int, Any]) -> np.ndarray:
        """The gradients by position, given seeds by plan slot."""
        g = np.zeros(self.n_slots)
        for slot, seed in seeds.items():
            g[slot if self.in_place else self.position[slot]] += seed
        for group in self.live_groups(frozenset(seeds)):
            if type(group) is Chain:
                group.backward(g)
                continue
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

    def live_groups(self, seeded: frozenset[int]) -> list:
        """The groups in reverse order, without those from which no seeded slot is reached, a
        chain of sums in place of its groups unless a seed is inside it."""
        live = self._live.get(seeded)
        if live is None:
            seeds = np.array(list(seeded), dtype=np.intp)
            if not self.in_place:
                seeds = self.position[seeds]
            inside = np.zeros(self.n_slots, dtype=bool)
            inside[seeds] = True
            chains = [chain for chain in self.chains() if not inside[chain.outs[:, :-1]].any()]
            steps = self._steps(chains, reverse=True)
            outs = [group.outs[:, -1] if type(group) is Chain else slice(group.start, group.stop) for group in steps]
            ins = [(group.terms, group.outs) if type(group) is Chain else group.ins for group in steps]
            live = [steps[k] for k in reaching(self.n_slots, seeds, outs, ins)]
            self._live[seeded] = live
        return live


class LevelsTier:
    """Scalar runs of wide plans: at least ``min_gates`` gates (smaller ones run on the kernels:
    the set-up would not pay), ``min_width`` per group on average (where one numpy call per
    group beats one loop turn per gate)."""

    name = "levels"

    def __init__(self, min_gates: int, min_width: int) -> None:
        self.min_gates, self.min_width = min_gates, min_width

    def takes(self, plan, request) -> bool:
        return not request.batched and self.of(plan) is not None

    def traps(self, request) -> bool:
        return True

    def run(self, plan, request):
        return (*self.of(plan).run(request.values, request.seeds), None)

    def prepare(self, plan) -> None:
        """Make the plan's levelized form now, with its chains of sums and the groups a run
        seeded at the outputs needs (see :func:`~circuitsim.plan.engine.prepare`)."""
        levels = self.of(plan)
        if levels is not None and plan.outputs:
            levels.live_groups(frozenset(plan.outputs))

    def of(self, plan) -> Levels | None:
        """The plan's levelized form, made when first asked for, if its shape suits the tier."""
        if self.name not in plan.tiers:
            plan.tiers[self.name] = levels_for(plan.numbering, min_gates=self.min_gates, min_width=self.min_width)
        return plan.tiers[self.name]


def levels_for(slots, *, min_gates: int, min_width: int, within: np.ndarray | None = None, batched=None) -> Levels | None:
    """The levelized form of a plan's gates (its :class:`~circuitsim.plan.numbering.Slots`), if it
    pays: at least ``min_gates`` gates, ``min_width`` per group on average, every gate with batch
    expressions. Made from the slots' arrays: a few numpy operations per group, none per gate.
    A group's gates are in step order, or ordered by ``within`` (a number per gate) first. With
    ``batched`` (the input slots whose values are rows of samples: for blocks) the groups' gates
    and the inputs are in the order of :func:`~circuitsim.tiers.arrange.arrange`, whatever the
    wiring order."""
    n_inputs, n_gates = slots.n_inputs, slots.n_named - slots.n_inputs
    if n_gates < min_gates or not n_gates:
        return None
    rules = _rules(slots)
    if rules is None:
        return None
    rule_of_kind, kinds = rules
    rule = rule_of_kind[slots.kind]
    found = _grouped(slots.level, rule, len(kinds), n_gates // min_width if min_width > 0 else n_gates, within)
    if found is None:
        return None
    members, bounds, rule_of_group = found
    n_groups = len(rule_of_group)
    flat, inputs = slots.ins_flat, np.arange(n_inputs)
    if batched is not None:
        members, inputs, flat = _arranged(slots, members, bounds, [kinds[r] for r in rule_of_group], batched, within)
    if members is None:  # the steps are in their groups' order already: positions are slots
        order = position = None
        starts = slots.ins_start
    else:
        order = np.concatenate([inputs, n_inputs + members, np.arange(slots.n_named, slots.n_slots)]).astype(np.intp)
        position = np.empty(slots.n_slots, dtype=np.intp)
        position[order] = np.arange(slots.n_slots)
        starts = slots.ins_start[members]
    constants = np.array([float(value) for _, value in slots.constants])  # the last slots, in order
    lows, highs = bounds[:-1], bounds[1:]
    arity = np.diff(slots.ins_start)[lows if members is None else members[lows]].tolist()
    firsts, lasts = (slots.ins_start[lows].tolist(), slots.ins_start[highs].tolist()) if members is None else (None, None)
    groups = []
    for g, lo, hi, n in zip(range(n_groups), lows.tolist(), highs.tolist(), arity):
        rule = kinds[rule_of_group[g]]
        ins, distinct = [], []
        for port in range(n):
            if members is None:  # the group's gates' inputs are one run of ins_flat, n a gate
                index = flat[firsts[g] + port : lasts[g] : n]
            else:
                index = position[flat[starts[lo:hi] + port]]
            index = as_slice(index)
            if not isinstance(index, slice):
                index = index.astype(np.intp, copy=False)  # a view of the inputs' slots, or a gather
            ins.append(index)
            distinct.append(isinstance(index, slice) or _distinct(index))
        output, grads = rule.functions
        groups.append(_Group(n_inputs + lo, n_inputs + hi, tuple(ins), tuple(distinct), output, grads, rule.units, rule))
    return Levels(order, slots.n_slots, n_inputs, constants, groups, position, flat)


def _arranged(slots, members, bounds: np.ndarray, rules: list, batched, within):
    """:func:`~circuitsim.tiers.arrange.arrange` on the groups of :func:`_grouped` (``members``
    None: the steps in order), each group's ``rules``: the steps group by group, the inputs'
    slots by position and the gates' input slots."""
    n_gates = slots.n_named - slots.n_inputs
    sizes = np.diff(bounds)
    group = np.empty(n_gates, dtype=np.int64)
    group[np.arange(n_gates) if members is None else members] = np.repeat(np.arange(len(rules)), sizes)
    sums = np.repeat(np.array([r.is_sum for r in rules], dtype=bool), sizes)
    commutes = sums | np.repeat(np.array([r.is_product for r in rules], dtype=bool), sizes)
    if members is not None:  # by step
        sums[members], commutes[members] = sums.copy(), commutes.copy()
    rows = np.zeros(slots.n_slots, dtype=bool)  # values that differ from sample to sample
    rows[slots.n_inputs : slots.n_named] = True
    rows[list(batched)] = True
    return arrange(slots, group, len(rules), sums, commutes, rows, within)


def _grouped(level: np.ndarray, rule: np.ndarray, n_rules: int, most: int, within: np.ndarray | None):
    """The groups of the gates (steps): one per level and rule, by level, then as first met in
    step order; a group's gates in step order, or by ``within`` first. Gives the steps group by
    group (None: in step order already), the groups' bounds in it and each group's rule; None
    for more than ``most`` groups.

    The levels rise along the steps (the order is a generation at a time), so a group is one
    run of steps unless a level mixes rules; then the runs are grouped, by a sort of the runs
    and a stable sort of the steps by group (a radix sort where the groups are few)."""
    cuts = level[1:] != level[:-1]
    cuts |= rule[1:] != rule[:-1]
    run_starts = np.concatenate([[0], np.flatnonzero(cuts) + 1])
    run_codes = level[run_starts].astype(np.int64) * n_rules + rule[run_starts]  # a group per (level, rule)
    levels = run_codes // n_rules
    codes, first, run_group = _unique(run_codes)
    if within is None and (levels[1:] >= levels[:-1]).all() and len(codes) == len(run_codes):
        if len(run_codes) > most:
            return None
        bounds = np.append(run_starts, len(level))
        return None, bounds, (run_codes % n_rules).tolist()
    if len(codes) > most:
        return None
    rank = np.empty(len(codes), dtype=np.int64)  # groups by level, then as first met in step order
    rank[np.lexsort((first, codes // n_rules))] = np.arange(len(codes))
    lengths = np.diff(np.append(run_starts, len(level)))
    group = np.repeat(rank[run_group], lengths)
    if within is not None:
        members = np.lexsort((within, group))
    else:
        small = np.uint16 if len(codes) < 2**16 else np.int64
        members = np.argsort(group.astype(small), kind="stable")
    bounds = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=len(codes)), out=bounds[1:])
    rule_of_group = np.empty(len(codes), dtype=np.int64)
    rule_of_group[rank] = codes % n_rules
    return members, bounds, rule_of_group.tolist()


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_inverse=True)``, without the import of
    ``numpy.ma`` that it costs at its first call."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(values), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], order[new], inverse


def _rules(slots) -> tuple[np.ndarray, list] | None:
    """Each gate kind's rule number, and the rules; None if a kind has no batch expressions or
    they do not compile."""
    rule_of_kind = np.full(len(slots.table), -1, dtype=np.int32)
    numbered: dict = {}  # rule -> its number
    rules: list = []
    memo: dict = {}
    for k in np.flatnonzero(np.bincount(slots.kind, minlength=len(slots.table))).tolist():
        _, gate, _, ports = slots.table[k]
        rule = shared_rule(gate, len(ports), True, memo)
        if rule is None or rule.tupled:  # no expressions, or over the tuple of the inputs: the kernels call the methods
            return None
        if rule not in numbered:
            try:
                rule.functions
            except Exception:  # expressions that do not compile: the kernels call the methods
                return None
            numbered[rule] = len(rules)
            rules.append(rule)
        rule_of_kind[k] = numbered[rule]
    return rule_of_kind, rules


def _distinct(index: np.ndarray) -> bool:
    """Whether ``index`` has no repeats; a long one without a sort: more entries than the
    positions they span repeat one, else each marks its position and they are distinct if
    they mark as many."""
    if len(index) < 64:
        ordered = np.sort(index)
        return not (ordered[1:] == ordered[:-1]).any()
    low = int(index.min())
    span = int(index.max()) - low + 1
    if span < len(index):
        return False
    seen = np.zeros(span, dtype=bool)
    seen[index - low] = True
    return int(np.count_nonzero(seen)) == len(index)
