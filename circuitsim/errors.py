"""The exception tree of circuitsim: one root, :class:`CircuitError`, a ``ValueError``.

Every error a user can cause carries, where one is known, the file and the 1-based line and
column it points at; ``str()`` then reads ``FILE:LINE:COL: error: message`` like a compiler.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from circuitsim.base.text import terminal

__all__ = [
    "Position",
    "CircuitError",
    "CircuitErrors",
    "NumericalError",
    "NumericalWarning",
    "PluginError",
    "PluginWarning",
    "did_you_mean",
    "missing_input",
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


MESSAGE_CHARS = 2000  # a message quoting a longer name from a file is cut in its middle


def _shorten(message: str) -> str:
    if len(message) <= MESSAGE_CHARS:
        return message
    keep = MESSAGE_CHARS // 2
    return f"{message[:keep]} ... ({len(message) - 2 * keep:,} characters left out) ... {message[-keep:]}"


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

    @property
    def errors(self) -> list[CircuitError]:
        """The problems this error stands for, one each: ``[self]``, or a :class:`CircuitErrors`' list."""
        return [self]

    def format_message(self) -> str:
        """This one problem as a line, ``FILE:LINE:COL: error: message`` (``error: message``
        without a position)."""
        message = _shorten(self.message)
        if self.pos.path is None and self.pos.line is None:
            return f"{self.severity}: {message}"
        return f"{self.pos}: {self.severity}: {message}"

    def show(self, file=None) -> None:
        """Print every problem, one a line, to ``file`` (stderr by default), as click's
        exceptions show themselves."""
        print(terminal(str(self)), file=file or sys.stderr, flush=True)

    def __str__(self) -> str:
        return self.format_message()


class CircuitErrors(CircuitError):
    """Several problems found at once; ``.errors`` lists them in file order.

    It reads as all of them, one per line, and its own position is the first one's.
    """

    def __init__(self, errors: Iterable[CircuitError]) -> None:
        self._errors = sorted((e for error in errors for e in error.errors), key=_file_order)
        first = self._errors[0]
        super().__init__(first.message, first.pos)

    @property
    def errors(self) -> list[CircuitError]:
        return self._errors

    def __str__(self) -> str:
        return "\n".join(e.format_message() for e in self._errors)


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


def missing_input(name: str, pos: Position | None = None, how: str | None = None) -> CircuitError:
    """The error for a required input (default ``null``) that was given no value; ``how``
    says where to give it (default: ``(--set NAME=VALUE)``)."""
    return CircuitError(f"input {name!r} has no default: give it a value {how or f'(--set {name}=VALUE)'}", pos)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` (``'x' or 'y'`` for a tie), or ""."""
    import difflib  # here: the hint of an error, not every start

    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    scores = {c: difflib.SequenceMatcher(None, name, c).ratio() for c in close}
    best = sorted(c for c in close if scores[c] == scores[close[0]])
    return f" (did you mean {' or '.join(map(repr, best))}?)"
