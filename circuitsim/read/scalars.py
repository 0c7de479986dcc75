"""Scalars resolved by the YAML 1.2 core schema: ``yes``/``no``/``on``/``off`` stay strings,
``012`` is 12, ``1e3`` is 1000.0, and a number too large for a 64-bit float is refused
(:class:`OutOfRange`) rather than made infinite.
"""

from __future__ import annotations

import math
import re
import sys

from circuitsim.base.show import too_large

__all__ = ["NULLS", "TAGGED", "OutOfRange", "resolve_plain"]

# YAML 1.2 core schema.
NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_FLOAT_WORDS = {
    sign + dot_inf: value
    for dot_inf in (".inf", ".Inf", ".INF")
    for sign, value in (("", math.inf), ("+", math.inf), ("-", -math.inf))
} | {nan: math.nan for nan in (".nan", ".NaN", ".NAN")}
_WORDS = dict.fromkeys(NULLS) | _BOOLS | _FLOAT_WORDS
_NUMBER = re.compile(
    r"(?P<int>[-+]?[0-9]+)"
    r"|0o(?P<oct>[0-7]+)"
    r"|0x(?P<hex>[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
)
_NUMBER_START = frozenset("0123456789+-.")
_MISSING = object()


def resolve_plain(raw: str) -> str | int | float | bool | None:
    value = _WORDS.get(raw, _MISSING)
    if value is not _MISSING:
        return value
    if raw[0] not in _NUMBER_START:
        return raw
    number = _NUMBER.fullmatch(raw)
    if number is None:
        return raw
    return _number(number)


class OutOfRange(ValueError):
    """A number beyond the range of a 64-bit float."""

    def __init__(self, text: str) -> None:
        super().__init__(too_large(text, ".inf"))


# Integers are converted only below this many digits: beyond it no float can hold them, and
# Python refuses to convert more than 4300 digits at all.
_MAX_DIGITS = {"int": 310, "oct": 343, "hex": 257}
_FLOAT_MAX = int(sys.float_info.max)


def _number(match: re.Match) -> int | float:
    kind = match.lastgroup
    text = match.group()
    if kind == "float":
        value = float(text)
        if math.isinf(value):
            raise OutOfRange(text)
        return value
    digits = match[kind]
    if len(digits.lstrip("+-0")) > _MAX_DIGITS[kind]:
        raise OutOfRange(text)
    value = int(digits, {"int": 10, "oct": 8, "hex": 16}[kind])
    if abs(value) > _FLOAT_MAX:
        raise OutOfRange(text)
    return value


def _as_int(raw: str) -> int:
    match = _NUMBER.fullmatch(raw)
    if match is None or match.lastgroup == "float":
        raise ValueError(raw)
    return _number(match)


def _as_float(raw: str) -> float:
    if raw in _FLOAT_WORDS:
        return _FLOAT_WORDS[raw]
    match = _NUMBER.fullmatch(raw)
    if match is None:
        raise ValueError(raw)
    return float(_number(match))


def _as_bool(raw: str) -> bool:
    if raw not in _BOOLS:
        raise ValueError(raw)
    return _BOOLS[raw]


def _as_null(raw: str) -> None:
    if raw not in NULLS:
        raise ValueError(raw)


TAGGED = {
    "!!str": str,
    "!!int": _as_int,
    "!!float": _as_float,
    "!!bool": _as_bool,
    "!!null": _as_null,
}
