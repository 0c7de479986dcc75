"""A netlist numbered for the plan: each node's slot, and one step per gate.

The slots are the inputs in file order, the gates in topological order, then the constants;
a value list (and a gradient list) holds one entry per slot. Each gate becomes one
:class:`Step`: the gate, the slot it writes and the slots it reads.
"""

from __future__ import annotations

import operator
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np

from .errors import Position
from .netlist import CONST, GATE, INPUT, Netlist

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


class Slots(NamedTuple):
    """A netlist's nodes by slot (see the module docstring)."""

    names: list[str]  # node name by slot
    n_inputs: int  # slots below this are inputs
    n_named: int  # slots below this are inputs and gates
    slot: dict[str, int]  # slot by node name
    named: dict[str, int]  # the inputs' and gates' slots by name, in topological order
    inputs: dict[str, int]  # the inputs' slots by name: 0, 1, ...
    constants: list[tuple[int, Any]]  # (slot, value) of each constant
    steps: list[Step]  # in topological order
    outputs: list[int]  # the circuit's outputs' slots


def number(nodes: Netlist, order: list[int]) -> Slots:
    """Number the nodes of ``nodes`` into slots, given their topological ``order``."""
    kinds = np.frombuffer(nodes.kinds, dtype=np.uint8)
    names = nodes.names
    order = np.asarray(order, dtype=np.int64)
    order_kinds = kinds[order]
    inputs = np.flatnonzero(kinds == INPUT)  # in file order
    gates = order[order_kinds == GATE]
    numbers = np.concatenate([inputs, gates, order[order_kinds == CONST]])  # node number by slot
    slot_of = np.empty(len(names), dtype=np.int64)  # slot by node number
    slot_of[numbers] = np.arange(len(numbers))
    by_slot = _pick(names, numbers)
    n_inputs = len(inputs)
    n_named = len(inputs) + len(gates)
    slot = dict(zip(by_slot, range(len(numbers))))
    named = order[order_kinds != CONST]
    named = dict(zip(_pick(names, named), slot_of[named].tolist()))
    values = nodes.numbers
    constants = [(s, values[i]) for s, i in enumerate(numbers[n_named:].tolist(), n_named)]
    gates = gates.tolist()
    slot_list = slot_of.tolist()
    sources = nodes.sources
    ins = [tuple(map(slot_list.__getitem__, sources[i])) for i in gates]
    columns = (by_slot[n_inputs:n_named], _pick(nodes.types, gates), _pick(nodes.gates, gates))
    outs = range(n_inputs, n_named)
    steps = list(map(partial(tuple.__new__, Step), zip(*columns, outs, ins, _pick(nodes.ports, gates), gates, repeat(nodes))))
    return Slots(
        names=by_slot,
        n_inputs=n_inputs,
        n_named=n_named,
        slot=slot,
        named=named,
        inputs=dict(zip(by_slot[:n_inputs], range(n_inputs))),
        constants=constants,
        steps=steps,
        outputs=[slot[n] for n in nodes.outputs],
    )


def _pick(items: list, numbers) -> list:
    """``[items[i] for i in numbers]``, at C speed."""
    numbers = numbers.tolist() if isinstance(numbers, np.ndarray) else numbers
    if len(numbers) < 2:
        return [items[i] for i in numbers]
    return list(operator.itemgetter(*numbers)(items))
