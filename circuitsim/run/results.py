"""What a run gives back: a :class:`Result` whose numbers are read through :class:`SlotView` mappings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from circuitsim.plan.trace import Message
    from circuitsim.run.circuit import Circuit

__all__ = ["BatchSlotView", "Result", "SlotView", "to_batch"]


class SlotView(Mapping):
    """A run's numbers by name: a read-only mapping over the run's slot list.

    It behaves as the dict it stands for (``==`` compares it with any mapping) but converts a
    number only when it is read: a run over a large circuit does not build two dicts of every
    node, and the circuit's name -> slot index is made once, when a result is first read by a
    name. A batch run's numbers are read through a :class:`BatchSlotView`.
    :meth:`Result.to_arrays` reads all of them at once.
    """

    __slots__ = ("_index", "_items", "_convert", "_slots")

    def __init__(self, index: Mapping[str, int], items: list, convert: Callable) -> None:
        self._index = index  # name -> slot (made when first read, see numbering.LazyIndex)
        self._items = items
        self._convert = convert
        self._slots = None  # the index as a dict, once read

    def __getitem__(self, name: str):
        try:
            slot = self._slots[name]
        except TypeError:  # the first read
            slot = self._first_read()[name]
        value = self._items[slot]
        if value.__class__ is float:  # a scalar run's number, as it is
            return value
        value = self._items[slot] = self._convert(value)  # converted once
        return value

    def _first_read(self) -> dict[str, int]:
        """The index as a dict; a scalar run's numbers as a list of floats."""
        slots = self._slots = getattr(self._index, "index", self._index)
        if self._convert is float and isinstance(self._items, np.ndarray):
            self._items = self._items.tolist()
        return slots

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))

    def names(self) -> list[str]:
        """The names, in the mapping's order."""
        return list(self._index)

    def to_array(self) -> np.ndarray:
        """Every number at once, in the order of :meth:`names`: shape ``(n,)``, or ``(n, batch)``
        for a batch run."""
        slots = getattr(self._index, "index", self._index)
        numbers = np.fromiter(slots.values(), dtype=np.int64, count=len(slots))
        items = self._items
        if self._convert is float:
            try:
                return np.array(items, dtype=np.float64)[numbers]
            except (TypeError, ValueError):
                pass
        return np.array([self._convert(items[i]) for i in numbers.tolist()], dtype=np.float64)


class BatchSlotView(SlotView):
    """A batch run's :class:`SlotView`: every number reads as an array of shape ``(batch,)``."""

    __slots__ = ()

    def __getitem__(self, name: str):
        try:
            slot = self._slots[name]
        except TypeError:  # the first read
            slot = self._first_read()[name]
        value = self._items[slot] = self._convert(self._items[slot])  # converted once
        return value


@dataclass(slots=True)
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

    def to_arrays(self) -> dict[str, Any]:
        """Every input's and gate's number at once, for analysis or a data frame:
        ``{"names": [...], "values": array, "grads": array}`` (``grads`` None after a forward
        pass), the arrays of shape ``(n,)``, or ``(n, batch)`` for a batch run, in the order of
        ``names`` (topological)."""
        values = self.values
        names = values.names() if isinstance(values, SlotView) else list(values)
        array = values.to_array() if isinstance(values, SlotView) else np.array([values[n] for n in names], dtype=np.float64)
        grads = self.grads
        if not grads:
            return {"names": names, "values": array, "grads": None}
        garray = grads.to_array() if isinstance(grads, SlotView) else np.array([grads[n] for n in names], dtype=np.float64)
        return {"names": names, "values": array, "grads": garray}

    def to_records(self) -> list[dict[str, Any]]:
        """One ``{"name", "value", "grad"}`` record per input and gate (see :meth:`to_arrays`);
        in a batch run ``value`` and ``grad`` are arrays."""
        found = self.to_arrays()
        grads = found["grads"] if found["grads"] is not None else [None] * len(found["names"])
        values = found["values"]
        if values.ndim == 1:
            return [{"name": n, "value": v, "grad": g} for n, v, g in zip(found["names"], values.tolist(), grads if found["grads"] is None else grads.tolist())]
        return [{"name": n, "value": v, "grad": g} for n, v, g in zip(found["names"], values, grads)]


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
