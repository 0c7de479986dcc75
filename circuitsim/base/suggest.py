"""Did-you-mean hints over a namespace of any size, in time linear in the number of asks
(see ``docs/internals/reading.md``, "Validation").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from circuitsim.errors import did_you_mean

__all__ = ["Suggestions"]

SMALL = 300  # up to this many names, every one is compared (the exact did_you_mean)
_PER_KEY = 64  # names kept per index key: enough to rank, bounded however alike the names are


class Suggestions:
    """``hint(name)``: the did-you-mean text for ``name`` among ``names`` (fixed once made)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self._index: dict[str, list[str]] | None = None

    def hint(self, name: str) -> str:
        if len(self.names) <= SMALL:
            return did_you_mean(name, self.names)
        index = self._index
        if index is None:
            index = self._index = _deletion_index(self.names)
        close = {near for key in _deletions(name) for near in index.get(key, ())}
        return did_you_mean(name, sorted(close))


def _deletions(name: str) -> set[str]:
    return {name, *(name[:i] + name[i + 1 :] for i in range(len(name)))}


def _deletion_index(names: list[str]) -> dict[str, list[str]]:
    index: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        for key in _deletions(name):
            found = index[key]
            if len(found) < _PER_KEY:
                found.append(name)
    return dict(index)
