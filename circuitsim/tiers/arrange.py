"""The gates of each levelized group of a batch's blocks, and the inputs, in an order that does
not depend on how the circuit was wired (:func:`circuitsim.tiers.levels.levels_for` with
``batched``), so that their rows follow patterns; only the order changes, never what is
computed (``docs/internals/runs.md``, "Blocks").
"""

from __future__ import annotations

import numpy as np

__all__ = ["arrange"]


def arrange(slots, group: np.ndarray, n_groups: int, sums: np.ndarray, commutes: np.ndarray, rows: np.ndarray, within=None):
    """``(members, inputs, flat)`` for a plan's :class:`~circuitsim.plan.numbering.Slots` whose
    gates (by step) are in groups ``group`` (numbered in level order): the steps group by group
    in their order, the input slots in their order, and the gates' input slots with the first
    two ports swapped where that puts them in order (like ``slots.ins_flat``). Per step,
    ``sums`` says whether the gate is a sum and ``commutes`` whether its first two ports
    commute; per slot, ``rows`` whether its value differs from sample to sample; ``within``
    (a number per step), if given, orders a group's gates first."""
    n_in, n_named, n_slots = slots.n_inputs, slots.n_named, slots.n_slots
    start = slots.ins_start
    counts = np.diff(start)
    flat = slots.ins_flat.astype(np.intp, copy=True)
    reads = np.bincount(flat, minlength=n_slots)
    gate_sum = np.zeros(n_slots, dtype=bool)
    gate_sum[n_in:n_named] = sums
    # what a port reads: numbers (0), a sum read by this gate alone (1: a chain goes on), other rows (2)
    link = gate_sum & (reads == 1)
    kind = np.where(rows, np.where(link, 1, 2), 0)
    pair = np.flatnonzero(commutes & (counts >= 2))
    first = start[pair]
    swap = first[kind[flat[first]] > kind[flat[first + 1]]]
    flat[swap], flat[swap + 1] = flat[swap + 1], flat[swap].copy()

    n_gates = n_named - n_in
    reader = np.full(n_slots, -1, dtype=np.intp)  # a gate step reading the slot (the only one where read once)
    port = np.zeros(n_slots, dtype=np.intp)
    steps_of = np.repeat(np.arange(n_gates, dtype=np.intp), counts)
    reader[flat] = steps_of
    port[flat] = np.arange(len(flat)) - np.repeat(start[:-1], counts)
    parent = np.arange(n_gates, dtype=np.intp)
    up = reader[n_in:n_named]
    into_sum = (reads[n_in:n_named] == 1) & (up >= 0)
    into_sum[into_sum] = sums[up[into_sum]]
    parent[into_sum] = up[into_sum]
    while True:  # pointer jumping: each gate's root in a few passes
        root = parent[parent]
        if np.array_equal(root, parent):
            break
        parent = root
    own = root == np.arange(n_gates)
    # where a value is summed: for a gate read by terms of sums (an activation, read by products),
    # the lowest level of a sum adding one of them, so that inputs come in the order sums add them
    summed = np.full(n_gates, np.iinfo(np.int64).max)
    summed[into_sum] = slots.level[up[into_sum]]
    added = np.full(n_slots, np.iinfo(np.int64).max)
    term = summed[steps_of]
    some = term < np.iinfo(np.int64).max
    np.minimum.at(added, flat[some], term[some])
    added = np.where(added == np.iinfo(np.int64).max, -1, added)
    # the roots in that order (then in step order), a root read by one other root alone (a
    # neuron's last add, read by its relu) in its reader's place: each gate ranked by its root's
    ahead = np.arange(n_gates, dtype=np.intp)
    alone = (reads[n_in:n_named] == 1) & (up >= 0) & ~into_sum
    alone[alone] = own[up[alone]]  # read by a root only (a neuron's last add by its relu)
    ahead[alone] = up[alone]
    while True:
        top = ahead[ahead]
        if np.array_equal(top, ahead):
            break
        ahead = top
    rank = ((added[n_in + ahead] + 1) * n_gates + np.arange(n_gates))[root]  # in order as (added, step)
    rank += np.where(own, 0, 1 << 50)  # roots first
    if within is not None and int(within.max(initial=0)) < 64:  # one key: within, then the rest
        rank += within.astype(np.int64) << 55
        within = None

    a, b = flat[first], flat[first + 1]
    alike = set(np.unique(group[pair[(kind[a] == kind[b]) & rows[a]]]).tolist())  # groups with gates reading two such rows
    members = np.argsort(group, kind="stable")
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n_groups), out=bounds[1:])
    inputs = np.arange(n_in, dtype=np.intp)
    once = reads[:n_in] == 1
    many = inputs[~once]
    many = many[np.argsort(added[many], kind="stable")]  # read by many (a layer's x): in the order sums add them
    position = np.full(n_slots, -1, dtype=np.intp)  # for the order: those inputs as placed, gates as placed
    position[many] = np.arange(len(many))
    position[inputs[once]] = len(many) + np.arange(n_in - len(many))  # for now: placed after the loop
    for g in range(n_groups):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        steps = members[lo:hi]
        if g in alike:  # two rows of one kind: the earlier first
            first = start[steps]
            a, b = flat[first], flat[first + 1]
            swap = first[(kind[a] == kind[b]) & rows[a] & (position[a] > position[b])]
            flat[swap], flat[swap + 1] = flat[swap + 1], flat[swap].copy()
            port[flat[swap]], port[flat[swap + 1]] = 0, 1
        if hi - lo > 1:
            keys = _Keys(steps, within, rank, flat, start, int(counts[steps[0]]), rows, position)
            order = _order(keys)
            if order is not None:
                steps = members[lo:hi] = steps[order]
        position[n_in + steps] = n_in + np.arange(lo, hi)

    single = inputs[once]
    width = int(port[single].max(initial=0)) + 1
    key = position[n_in + reader[single]] * width + port[single]  # each (reader, port) once
    if n_slots * width <= 8 * len(single) + 1024:  # placed by key at once (no sort)
        placed = np.full(n_slots * width, -1, dtype=np.intp)
        placed[key] = single
        by_reader = placed[placed >= 0]
    else:
        by_reader = single[np.argsort(key)]
    return members, np.concatenate([many, by_reader]), flat


class _Keys:
    """A group's sort keys, first to last, each made when first asked for: ``within``, the rank
    of the gate's root (roots first), then the rows each port reads (-1: numbers)."""

    def __init__(self, steps, within, rank, flat, start, n_ports, rows, position) -> None:
        self.steps, self.within, self.rank = steps, within, rank
        self.flat, self.start, self.rows, self.position = flat, start, rows, position
        self.n = (within is not None) + 1 + n_ports

    def __getitem__(self, k: int) -> np.ndarray:
        steps = self.steps
        if self.within is not None:
            if k == 0:
                return self.within[steps]
            k -= 1
        if k == 0:
            return self.rank[steps]
        source = self.flat[self.start[steps] + (k - 1)]
        return np.where(self.rows[source], self.position[source], -1)


def _order(keys: _Keys):
    """The stable order sorting by ``keys`` (the first one first), or None if they are sorted
    already; keys that hold one value are passed over, and the others not made where the first
    that varies is strictly increasing."""
    varying = []
    for k in range(keys.n):
        key = keys[k]
        low, high = int(key.min()), int(key.max())
        if low == high:
            continue
        if not varying and (key[1:] > key[:-1]).all():
            return None  # in order, ties none: what follows cannot change it
        varying.append((key, low, high - low + 1))
    if not varying:
        return None
    if float(np.prod([span for _, _, span in varying], dtype=float)) >= 2.0**62:
        return np.lexsort([key for key, _, _ in varying][::-1])
    combined = np.zeros(len(varying[0][0]), dtype=np.int64)
    for key, low, span in varying:
        combined = combined * span + (key - low)
    if (combined[1:] >= combined[:-1]).all():
        return None
    return np.argsort(combined, kind="stable")
