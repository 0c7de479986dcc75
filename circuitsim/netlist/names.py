"""Names looked up in bulk: the fast reader resolves a million sources at once, with a few numpy
operations rather than a dict (how, in ``docs/internals/reading.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["NameTable"]

MAX_WIDTH = 128  # bytes: a file with a longer name is left to the full reader
_MIX = np.uint64(0x9E3779B97F4A7C16)


class NameTable:
    """Name -> its position in ``names``, for many names at once (see ``docs/internals/reading.md``)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.words = _words(names)
        keys = _keys(self.words)
        self.order = np.argsort(keys)
        self.sorted = keys[self.order]
        self.unique = not (self.sorted[1:] == self.sorted[:-1]).any()
        self.fits = self.words.shape[1] * 8 <= MAX_WIDTH
        self.asked = 0  # names found one at a time (see Netlist.find)
        self.found: dict[str, int | None] = {}  # names found at once before (Netlist.look_up)

    def numbers(self, queries: Sequence[str]) -> np.ndarray:
        """The position of each query among the names (int64), -1 where it is none of them."""
        found = np.full(len(queries), -1, dtype=np.int64)
        if not len(queries) or not len(self.sorted):
            return found
        asked = _words(queries)
        keys = _keys(asked)
        by_key = np.argsort(keys)
        at = np.minimum(np.searchsorted(self.sorted, keys[by_key]), len(self.sorted) - 1)
        hit = self.sorted[at] == keys[by_key]
        found[by_key[hit]] = self.order[at[hit]]
        candidates = np.flatnonzero(found >= 0)
        width = self.words.shape[1]
        mine = self.words[found[candidates]]
        theirs = asked[candidates]
        if theirs.shape[1] > width:  # a query longer than every name is none of them
            same = (theirs[:, width:] == 0).all(axis=1) & (theirs[:, :width] == mine).all(axis=1)
        else:
            same = (mine[:, : theirs.shape[1]] == theirs).all(axis=1) & (mine[:, theirs.shape[1] :] == 0).all(axis=1)
        found[candidates[~same]] = -1
        return found

    def find(self, name: str) -> int | None:
        """The position of ``name``, or None."""
        if len(name) > MAX_WIDTH or not name.isascii():
            return None
        number = int(self.numbers([name])[0])
        return number if number >= 0 else None


def _words(names: Sequence[str]) -> np.ndarray:
    """Each name's ASCII bytes, NUL-padded, as a row of 64-bit words."""
    raw = np.array(names, dtype="S") if len(names) else np.zeros(0, dtype="S8")
    width = max(8, -(-raw.dtype.itemsize // 8) * 8)
    return np.frombuffer(raw.astype(f"S{width}").tobytes(), dtype=np.uint64).reshape(len(raw), width // 8)


def _keys(words: np.ndarray) -> np.ndarray:
    """A key per row: the words times odd multipliers, summed, so zero words (padding) add nothing."""
    keys = np.zeros(len(words), dtype=np.uint64)
    multipliers = (np.arange(1, words.shape[1] + 1, dtype=np.uint64) * _MIX) | np.uint64(1)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            keys += words[:, j] * multipliers[j]
    return keys
