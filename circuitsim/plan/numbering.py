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
    """A name -> slot mapping made when first read (``Slots.named`` of a big circuit costs
    about a second to make, and a run's results only need it when read by name)."""

    __slots__ = ("_slots", "_attribute")

    def __init__(self, slots: Slots, attribute: str) -> None:
        self._slots, self._attribute = slots, attribute

    @property
    def index(self) -> dict[str, int]:
        """The mapping as a dict (made now if not yet)."""
        return getattr(self._slots, self._attribute)

    _index = index

    def by_slot(self) -> tuple[list[str], int]:
        """The names by slot and how many slots the mapping holds (the first ones)."""
        return self._slots.names, len(self)

    def columns(self) -> tuple[list[str], np.ndarray]:
        """The names and their slots, in the mapping's order (made once, without the dict)."""
        if self._attribute == "named":
            return self._slots.named_columns
        return list(self._index), np.fromiter(self._index.values(), dtype=np.int64, count=len(self._index))

    def __getitem__(self, name: str) -> int:
        return self._index[name]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return self._slots.n_named if self._attribute == "named" else len(self._index)


def number(nodes: Netlist, order: Order) -> Slots:
    """Number the nodes of ``nodes`` into slots, given their topological ``order``."""
    return Slots(nodes, order)
