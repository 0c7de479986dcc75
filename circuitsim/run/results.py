"""What a run gives back: a :class:`Result` whose numbers are read through :class:`SlotView` dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circuitsim.netlist.nodes import pick

if TYPE_CHECKING:
    from circuitsim.plan.trace import Message
    from circuitsim.run.circuit import Circuit

__all__ = ["BatchSlotView", "Result", "SlotView", "to_batch"]


class SlotView(dict):
    """A run's numbers by name: a read-only dict over the run's slot list.

    It is a ``dict`` (``==``, ``dict(view)``, ``json.dumps`` see every number) filled as it is
    read, so that a run over a large circuit makes no dict of every node unless one is read,
    and a read by name costs a dict lookup. A name not yet in it is looked up in the circuit's
    index of names (:class:`~circuitsim.plan.numbering.LazyIndex`), and the numbers of the
    slots around it (:data:`CHUNK` of them, a slice of the circuit's names by slot and of the
    run's numbers) go in at once (from a small index, the outputs', that name's); reading it
    whole (its items, values, ``==``, its printout) fills it in the index's order. In a batch
    run every number reads as an array of shape ``(batch,)``, converted when first read, name
    by name (a :class:`BatchSlotView`).
    :meth:`Result.to_arrays` reads all of them at once.
    """

    __slots__ = ("_index", "_items", "_convert")

    _chunks = True  # a miss puts the numbers of a chunk of names in (a batch run's: the one name)

    def __init__(self, index: Mapping[str, int], items: list, convert: Callable) -> None:
        self._index = index  # name -> slot (see numbering.LazyIndex); None once filled
        self._items = items
        self._convert = convert
        _put(self, _UNFILLED, None)  # not empty to a reader of dicts in C (json): it asks for items()

    def __missing__(self, name: str):
        index = self._index
        if index is None:  # filled: not a name
            raise KeyError(name)
        names_of = getattr(index, "names", None)  # a circuit's index of names
        if names_of is None or not self._chunks:
            value = self._read(index[name])
            _put(self, name, value)
            return value
        slot = index[name]
        if dict.__contains__(self, _UNFILLED):
            dict.clear(self)
        lo = slot - slot % CHUNK
        names = names_of(lo, lo + CHUNK)
        items = self._items
        if isinstance(items, np.ndarray) and items.dtype == np.float64:
            numbers = items[lo : lo + len(names)].tolist()
        else:
            numbers = map(self._convert, items[lo : lo + len(names)])
        dict.update(self, zip(names, numbers))
        return dict.__getitem__(self, name)

    def _read(self, slot: int):
        value = self._items[slot]
        return value if value.__class__ is float else self._convert(value)

    def _fill(self) -> None:
        """Make the view the dict of every number, in the index's order."""
        index = self._index
        if index is None:
            return
        names, slots = _columns(index)
        items, convert = self._items, self._convert
        if convert is float and isinstance(items, np.ndarray) and items.dtype == np.float64:
            numbers = items[slots].tolist()
        else:
            numbers = list(map(convert, pick(items, slots)))
        dict.clear(self)
        dict.update(self, zip(names, numbers))
        self._index = None

    def __contains__(self, name: object) -> bool:
        index = self._index
        return dict.__contains__(self, name) if index is None else name in index

    def __iter__(self) -> Iterator[str]:
        index = self._index
        return dict.__iter__(self) if index is None else iter(index)

    def __len__(self) -> int:
        index = self._index
        return dict.__len__(self) if index is None else len(index)

    def __reversed__(self) -> Iterator[str]:
        self._fill()
        return dict.__reversed__(self)

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)

    def copy(self) -> dict:
        """The numbers as a plain dict."""
        self._fill()
        return dict(dict.items(self))

    def __eq__(self, other: object):
        if not isinstance(other, Mapping):
            return NotImplemented
        self._fill()
        if isinstance(other, SlotView):
            other._fill()
        elif not isinstance(other, dict):
            other = dict(other.items())
        return dict.__eq__(self, other)

    def __ne__(self, other: object):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]

    def __or__(self, other):
        return dict.__or__(self.copy(), other)

    def __ror__(self, other):
        return dict.__or__(other, self.copy()) if isinstance(other, dict) else NotImplemented

    def __repr__(self) -> str:
        self._fill()
        return dict.__repr__(self)

    def __reduce__(self):
        return dict, (self.copy(),)  # a plain dict of the numbers

    def _read_only(self, *args, **kwargs):
        raise TypeError(f"a run's {type(self).__name__} is read-only; copy it with dict(view) to change it")

    __setitem__ = __delitem__ = __ior__ = setdefault = pop = popitem = clear = update = _read_only

    def names(self) -> list[str]:
        """The names, in the mapping's order."""
        return list(self) if self._index is None else list(_columns(self._index)[0])

    def to_array(self) -> np.ndarray:
        """Every number at once, in the order of :meth:`names`: shape ``(n,)``, or ``(n, batch)``
        for a batch run."""
        if self._index is None:
            return np.array(list(dict.values(self)), dtype=np.float64)
        _, numbers = _columns(self._index)
        items = self._items
        if self._convert is float:
            try:
                return np.array(items, dtype=np.float64)[numbers]
            except (TypeError, ValueError):
                pass
        return np.array([self._read(i) for i in numbers.tolist()], dtype=np.float64)


class BatchSlotView(SlotView):
    """A batch run's :class:`SlotView`: every number reads as an array of shape ``(batch,)``,
    made when the name is first read."""

    __slots__ = ()

    _chunks = False

    def _read(self, slot: int):
        value = self._items[slot] = self._convert(self._items[slot])  # converted once
        return value


#: Slots a read of a name not yet read puts in at once (a scalar run's).
CHUNK = 4096

_UNFILLED = object()  # the one key of a view not yet filled (a reader of dicts in C sees it is not empty)
_put = dict.__setitem__


def _columns(index: Mapping[str, int]) -> tuple[list[str], np.ndarray]:
    """An index's names and slots, in its order (a circuit's, made once: see numbering.LazyIndex)."""
    columns = getattr(index, "columns", None)
    if columns is not None:
        return columns()
    return list(index), np.fromiter(index.values(), dtype=np.int64, count=len(index))


@dataclass(slots=True)
class Result:
    """Values and gradients of one run.

    ``outputs`` maps each output to its value; ``values`` and ``grads`` map every input and
    gate to its value and to the gradient of the seeded outputs with respect to it (``grads``
    is empty after :meth:`Circuit.forward`). After a run they are read-only :class:`SlotView`
    dicts, filled as they are read. In a batch run every number is an array of shape
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
