"""What a run gives back: a :class:`Result` whose numbers are read through :class:`SlotView` mappings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.plan.trace import Message

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["Result", "SlotView", "to_batch"]


class SlotView(Mapping):
    """A run's numbers by name: a read-only mapping over the run's slot list.

    It behaves as the dict it stands for (``==`` compares it with any mapping) but converts a
    number only when it is read: a run over a large circuit does not build two dicts of every
    node. In a batch run every number reads as an array of shape ``(batch,)``.
    """

    __slots__ = ("_index", "_items", "_convert")

    def __init__(self, index: Mapping[str, int], items: list, convert: Callable) -> None:
        self._index = index  # name -> slot
        self._items = items
        self._convert = convert

    def __getitem__(self, name: str):
        slot = self._index[name]
        value = self._items[slot] = self._convert(self._items[slot])  # converted once
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass
class Result:
    """Values and gradients of one run.

    ``outputs`` maps each output to its value; ``values`` and ``grads`` map every input and
    gate to its value and to the gradient of the seeded outputs with respect to it (``grads``
    is empty after :meth:`Circuit.forward`). After a run they are read-only :class:`SlotView`
    mappings, which compare equal to the dicts they stand for. In a batch run every number is an array of shape
    ``(batch,)``. ``trace`` is the list of messages of a run with ``trace=True`` (see
    :mod:`circuitsim.plan.trace`); ``seed`` maps the nodes the backward pass started from to their
    upstream gradients; ``from_circuit`` is the :class:`Circuit` that ran, so that a notebook
    can draw the result.
    """

    circuit: str
    outputs: Mapping[str, Any]
    values: Mapping[str, Any]
    grads: Mapping[str, Any] = field(default_factory=dict)
    batch: int | None = None
    trace: list[Message] | None = field(default=None, repr=False, compare=False)
    from_circuit: Circuit | None = field(default=None, repr=False, compare=False)
    seed: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)


def to_batch(batch: int):
    """The conversion of a batch run's slot entries into arrays of shape ``(batch,)``."""

    def fix(value):
        if type(value) is float:  # a node no batch input reaches, e.g. a weight's value
            return np.full(batch, value)
        if type(value) is np.ndarray and value.shape == (batch,) and value.dtype == np.float64:
            return value
        array = np.asarray(value, dtype=np.float64)
        if array.shape == (batch,):
            return array
        return np.broadcast_to(array, (batch,)).copy()

    return fix
