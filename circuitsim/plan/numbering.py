"""A netlist numbered for the plan: each node's slot, and one step per gate, made from arrays
(see ``docs/internals/runs.md``, "The plan").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property, partial
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np

from circuitsim.errors import Position
from circuitsim.netlist.nodes import (
    CONST,
    GATE,
    INPUT,
    Netlist,
    as_tuples,
    gc_paused,
    pick,
)
from circuitsim.netlist.order import Order

__all__ = ["Step", "Slots", "number"]


class Step(NamedTuple):
    """One gate of the plan: gate ``name`` of type ``type`` reads ``ins`` (slots, one per port
    of ``ports``) and writes ``out``; it is node ``number`` of netlist ``nodes``."""

    name: str
    type: str
    gate: Any
    out: int
    ins: tuple[int, ...]
    ports: tuple[str, ...]
    number: int
    nodes: Netlist

    @property
    def pos(self) -> Position:
        """Where the gate stands in its file."""
        return self.nodes.pos(self.number)


class Slots:
    """A netlist's nodes by slot: the inputs in file order, the gates in topological order, then the constants.

    Arrays: ``by_slot`` (node number by slot), ``slot_of`` (slot by node number) and, per gate
    in step order, ``kind`` (its number in ``table``, the netlist's gate kinds), ``level`` (1
    for a gate reading only inputs and constants, else one more than its highest source) and
    its input slots ``ins_flat[ins_start[k]:ins_start[k + 1]]``; the gate of step ``k``
    writes slot ``n_inputs + k``.
    """

    #: What :meth:`arrays` gives, and a numbering read back from the cache is made from.
    ARRAYS = ("by_slot", "kind", "level", "ins_start", "ins_flat", "sizes")

    def __init__(self, nodes: Netlist, order: Order) -> None:
        self.nodes, self.order = nodes, order
        self.table = nodes.columns_of.table
        if order.slots is not None:  # read back from the cache
            for name in self.ARRAYS:
                setattr(self, name, order.slots[name])
            self.n_inputs, self.n_named = int(self.sizes[0]), int(self.sizes[1])
        else:
            self._number(nodes, order)
        self.n_slots = len(self.by_slot)
        self.slot_of = np.empty(self.n_slots, dtype=np.int64)
        self.slot_of[self.by_slot] = np.arange(self.n_slots)
        self.gate_nodes = self.by_slot[self.n_inputs : self.n_named]
        self.constants = [(s, nodes.number(i)) for s, i in enumerate(self.by_slot[self.n_named :].tolist(), self.n_named)]
        self.outputs = self.slot_of[nodes.output_numbers()].tolist()

    def _number(self, nodes: Netlist, order: Order) -> None:
        kinds = np.frombuffer(nodes.kinds, dtype=np.uint8)
        order_kinds = kinds[order.nodes]
        inputs = np.flatnonzero(kinds == INPUT)  # in file order
        gate_order = order_kinds == GATE
        gates = order.nodes[gate_order]
        self.by_slot = np.concatenate([inputs, gates, order.nodes[order_kinds == CONST]]).astype(np.int64)
        self.n_inputs, self.n_named = len(inputs), len(inputs) + len(gates)
        self.sizes = np.array([self.n_inputs, self.n_named])
        columns = nodes.columns_of
        self.kind = columns.kind_of[gates]
        generation = np.repeat(np.arange(len(order.starts) - 1), np.diff(order.starts))
        self.level = np.maximum(generation[gate_order], 1)
        counts = np.diff(columns.start)[gates]
        self.ins_start = np.zeros(len(gates) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.ins_start[1:])
        total = int(self.ins_start[-1])
        segments = np.arange(total, dtype=np.int64) + np.repeat(columns.start[gates] - self.ins_start[:-1], counts)
        slot_of = np.empty(len(kinds), dtype=np.int64)
        slot_of[self.by_slot] = np.arange(len(kinds))
        self.ins_flat = slot_of[columns.flat[segments]]

    def arrays(self) -> dict[str, np.ndarray]:
        """The numbering as arrays (int32 where that holds them), for the cache."""
        wide = self.n_slots >= 2**31 or (len(self.ins_start) and self.ins_start[-1] >= 2**31)
        return {name: getattr(self, name).astype(np.int64 if wide else np.int32) for name in self.ARRAYS}

    def name(self, slot: int) -> str:
        """The name of the node in ``slot``."""
        return self.nodes.names[self.by_slot[slot]]

    @cached_property
    @gc_paused
    def names(self) -> list[str]:
        """Node name by slot."""
        return pick(self.nodes.names, self.by_slot)

    @cached_property
    @gc_paused
    def slot(self) -> dict[str, int]:
        """Slot by node name."""
        return dict(zip(self.names, range(self.n_slots)))

    @cached_property
    @gc_paused
    def named_columns(self) -> tuple[list[str], np.ndarray]:
        """The inputs' and gates' names and slots, in topological order."""
        kinds = np.frombuffer(self.nodes.kinds, dtype=np.uint8)
        named = self.order.nodes[kinds[self.order.nodes] != CONST]
        return pick(self.nodes.names, named), self.slot_of[named]

    @cached_property
    @gc_paused
    def named(self) -> dict[str, int]:
        """The inputs' and gates' slots by name, in topological order."""
        names, slots = self.named_columns
        return dict(zip(names, slots.tolist()))

    @cached_property
    @gc_paused
    def inputs(self) -> dict[str, int]:
        """The inputs' slots by name: 0, 1, ..."""
        return dict(zip(self.names[: self.n_inputs], range(self.n_inputs)))

    @cached_property
    @gc_paused
    def steps(self) -> list[Step]:
        """One :class:`Step` per gate, in topological order."""
        table = self.table
        if not len(self.kind):
            return []
        kind = self.kind.tolist()
        types, gates, ports = (pick([entry[k] for entry in table], kind) for k in (0, 1, 3))
        ins = as_tuples(self.ins_start, self.ins_flat)
        columns = (self.names[self.n_inputs : self.n_named], types, gates, range(self.n_inputs, self.n_named), ins, ports)
        return list(map(partial(tuple.__new__, Step), zip(*columns, self.gate_nodes.tolist(), repeat(self.nodes))))


class LazyIndex(Mapping):
    """The inputs' and gates' name -> slot (``Slots.named``), made when needed: the dict of a big
    circuit's names costs about a second a million to make, and a run's results need a slot by
    name only for the names read. The first names are found by the netlist's own lookup
    (:meth:`~circuitsim.netlist.nodes.Netlist.find`, a few numpy operations over the loader's
    table of names, no dict); a circuit read by name more often than that makes the dict."""

    __slots__ = ("_slots", "_finds")

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._finds = max(32, slots.n_named >> 12)  # names found one by one before the dict is made

    @property
    def index(self) -> dict[str, int]:
        """The mapping as a dict (made now if not yet)."""
        return self._slots.named

    def slot(self, name: str) -> int:
        """The slot of ``name`` (a KeyError if it is no input or gate)."""
        if not isinstance(name, str):
            raise KeyError(name)
        slots = self._slots
        named = slots.__dict__.get("named")
        if named is not None or self._finds <= 0:
            return self.index[name]
        self._finds -= 1
        number = slots.nodes.find(name)
        slot = -1 if number is None else int(slots.slot_of[number])
        if not 0 <= slot < slots.n_named:
            raise KeyError(name)
        return slot

    def names(self, start: int, stop: int) -> list[str]:
        """The names of slots ``start:stop`` (of the first ``len(self)``), without the list of all."""
        slots = self._slots
        stop = min(stop, slots.n_named)
        everyone = slots.__dict__.get("names")
        return everyone[start:stop] if everyone is not None else pick(slots.nodes.names, slots.by_slot[start:stop])

    def columns(self) -> tuple[list[str], np.ndarray]:
        """The names and their slots, in the mapping's order (made once, without the dict)."""
        return self._slots.named_columns

    __getitem__ = slot

    def __contains__(self, name: object) -> bool:
        try:
            self.slot(name)
        except (KeyError, TypeError):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots.named_columns[0])

    def __len__(self) -> int:
        return self._slots.n_named


def number(nodes: Netlist, order: Order) -> Slots:
    """Number the nodes of ``nodes`` into slots, given their topological ``order``."""
    return Slots(nodes, order)
