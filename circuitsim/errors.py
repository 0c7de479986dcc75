"""The exception tree of circuitsim: one root, :class:`CircuitError`, a ``ValueError``.

Every error a user can cause carries, where one is known, the file and the 1-based line and
column it points at; ``str()`` then reads ``FILE:LINE:COL: error: message`` like a compiler.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Position",
    "CircuitError",
    "CircuitErrors",
    "NumericalError",
    "NumericalWarning",
    "PluginError",
    "PluginWarning",
    "did_you_mean",
]


@dataclass(frozen=True, slots=True)
class Position:
    """Where something stands in a circuit file: path, 1-based line and column."""

    path: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path or "<circuit>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class CircuitError(ValueError):
    """An invalid circuit, bad input values or a failed run, with its file position if known."""

    severity = "error"

    def __init__(self, message: str, pos: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos or Position()

    def __reduce__(self):  # keeps the position when a Dask worker sends the error back
        return type(self), (self.message, self.pos)

    @property
    def path(self) -> str | None:
        return self.pos.path

    @property
    def line(self) -> int | None:
        return self.pos.line

    @property
    def column(self) -> int | None:
        return self.pos.column

    def __str__(self) -> str:
        if self.pos.path is None and self.pos.line is None:
            return f"{self.severity}: {self.message}"
        return f"{self.pos}: {self.severity}: {self.message}"


class CircuitErrors(CircuitError):
    """Several problems found at once; ``.errors`` lists them in file order.

    It reads as all of them, one per line, and its own position is the first one's.
    """

    def __init__(self, errors: Iterable[CircuitError]) -> None:
        self.errors = sorted(errors, key=_file_order)
        first = self.errors[0]
        super().__init__(first.message, first.pos)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self):
        return type(self), (self.errors,)


def _file_order(error: CircuitError) -> tuple:
    pos = error.pos
    return (pos.path or "", pos.line or 0, pos.column or 0)


class NumericalError(CircuitError):
    """A run produced NaN or infinity and was asked to raise (``nan="raise"``)."""


class NumericalWarning(RuntimeWarning):
    """A run produced NaN or infinity; the message names the first gate that did."""


class PluginError(CircuitError):
    """A plugin could not be used: two plugins registering one gate name, a bad gate class."""


class PluginWarning(UserWarning):
    """A plugin failed to import or its hook raised; the others keep working."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` (``'x' or 'y'`` for a tie), or ""."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    scores = {c: difflib.SequenceMatcher(None, name, c).ratio() for c in close}
    best = sorted(c for c in close if scores[c] == scores[close[0]])
    return f" (did you mean {' or '.join(map(repr, best))}?)"
