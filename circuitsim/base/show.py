"""Numbers and counts as circuitsim writes them for people (:func:`short`) and for JSON
(:func:`exact`, :func:`json_number`), and :func:`plural`, in one place.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["exact", "json_number", "number_text", "overflowed", "plural", "short", "too_large"]


def short(value, signed_zero: bool = False) -> str:
    """``value`` to six significant digits; an array as ``[a, b, c, ..., x, y, z]``.

    ``-0.0`` reads ``0`` unless ``signed_zero`` (where the sign explains a result: 1/-0 is -inf).
    """
    if isinstance(value, np.ndarray) and value.ndim > 0:
        items = [short(v, signed_zero) for v in value.reshape(-1).tolist()]
        return "[" + ", ".join(items if len(items) <= 6 else [*items[:3], "...", *items[-3:]]) + "]"
    value = float(value)
    return f"{value if signed_zero else value + 0.0:.6g}"  # -0.0 + 0.0 is 0.0; the rest stay as they are


def exact(value) -> str:
    """``value`` as the shortest text that reads back as the same float; lists for arrays."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(exact(v) for v in np.asarray(value).tolist()) + "]"
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


def json_number(value):
    """A float for JSON, the strings "NaN", "Infinity", "-Infinity" for the others; arrays as lists."""
    if isinstance(value, np.ndarray):
        return [json_number(v) for v in value.tolist()]
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def overflowed(text: str, value: float) -> bool:
    """Whether ``value``, read from ``text``, is an infinity that ``text`` does not spell out:
    a number beyond a 64-bit float's range (``1e400``), which ``float()`` makes infinite."""
    return math.isinf(value) and text.strip().lstrip("+-").lower() not in ("inf", "infinity")


def too_large(text: str, infinity: str | None) -> str:
    """The message for a number written ``text`` beyond a 64-bit float's range (a long one
    shortened); ``infinity``, how the format writes an infinity, if it has a way."""
    shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text):,} characters)"
    fix = f"write a smaller number, or {infinity} for infinity" if infinity else "write a smaller number"
    return f"the number {shown} is too large for a 64-bit float (at most about 1.8e308); {fix}"


def plural(count: int, noun: str) -> str:
    """``1 input``, ``2 inputs``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"

def number_text(value: numbers.Real) -> str:
    """A number as YAML text that reads back as the same number: ``0.1``, ``12``, ``-.inf``."""
    if type(value) is not float:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        value = float(value)
    if math.isfinite(value):
        return repr(value)
    if math.isnan(value):
        return ".nan"
    return ".inf" if value > 0 else "-.inf"


# What a terminal would act on rather than show, or what breaks a report's format or encoding:
# C0 controls (ESC, CR, BEL, backspace, ...) but newline and tab, DEL, the C1 controls (CSI,
# OSC, ... as single characters), the marks that reorder text (bidirectional overrides and
# isolates), the line and paragraph separators, U+FEFF, U+FFFE, U+FFFF, and lone surrogates (a
# file name's undecodable bytes, which no UTF-8 stream can carry).
