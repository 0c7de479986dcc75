"""Circuit-file YAML text from a :class:`~circuitsim.Builder` or a loaded :class:`~circuitsim.Circuit`.

:func:`dump` writes one gate per line in flow style, in the order the gates were added; names
that YAML would read as something else (``on``, ``null``) are quoted. It writes lines itself,
without ``yaml.dump``, so that a million gates take seconds.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from circuitsim.author.builder import Builder, SourceArg
from circuitsim.base.show import number_text

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["dump", "number_text"]


def dump(circuit: Builder | Circuit) -> str:
    """The circuit as circuit-file YAML text that loads back to the same circuit.

    Module paths are written as given, relative to the circuit's file: load the text with the
    same ``path`` (or write it beside the original).
    """
    b = circuit if isinstance(circuit, Builder) else Builder.from_circuit(circuit)
    text = _Texts()
    lines = []
    if b.name is not None:
        lines.append(f"circuit: {text[b.name]}")
    if b.description:
        lines.append(f"description: {text[b.description]}")
    if b.modules:
        lines.append("modules:")
        lines += [f"  {text[name]}: {text[path]}" for name, path in b.modules]
    if b.inputs:
        lines.append("inputs:")
        lines += [f"  {text[name]}: {_value(default, text)}" for name, default in b.inputs]
    if b.gates:
        lines.append("gates:")
        lines += _gate_lines(b.gates, text)
    lines.append(f"outputs: {_value(list(b.outputs), text)}")
    if b.tests:
        lines.append("tests:")
        lines += [f"  - {_value(t, text)}" for t in b.tests]
    return "\n".join(lines) + "\n"


def _gate_lines(gates: list[tuple], text: _Texts):
    """``  name: {type: t, inputs: [...], params: {...}}`` for each gate (the hot loop)."""
    for name, type_name, inputs, params in gates:
        if isinstance(inputs, dict):
            wired = "{" + ", ".join([f"{text[port]}: {_source(s, text)}" for port, s in inputs.items()]) + "}"
        else:
            wired = "[" + ", ".join([text[s] if isinstance(s, str) else number_text(s) for s in inputs]) + "]"
        if params:
            yield f"  {text[name]}: {{type: {text[type_name]}, inputs: {wired}, params: {_value(params, text)}}}"
        else:
            yield f"  {text[name]}: {{type: {text[type_name]}, inputs: {wired}}}"


def _source(source: SourceArg, text: _Texts) -> str:
    return text[source] if isinstance(source, str) else number_text(source)


def _value(value: Any, text: _Texts) -> str:
    """Plain data in YAML flow style."""
    if type(value) is float:
        return number_text(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return text[value]
    if isinstance(value, numbers.Real):
        return number_text(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{text[str(k)]}: {_value(v, text)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return "[" + ", ".join(_value(v, text) for v in items) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} in a circuit file")



# A plain scalar that every YAML reader takes for this very string: no quotes needed.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
# ... except the words YAML 1.1 or 1.2 readers take for booleans or null (go-yaml v2: y, n).
_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]')


class _Texts(dict):
    """``texts[s]``: the string ``s`` as a YAML scalar, worked out once (names repeat a lot)."""

    def __missing__(self, s: str) -> str:
        out = self[s] = s if _PLAIN.match(s) and s.lower() not in _WORDS else _quote(s)
        return out


def _quote(s: str) -> str:
    """``s`` double-quoted, with YAML escapes for quotes, backslashes and unprintable characters."""
    return '"' + _ESCAPE.sub(_escape, s) + '"'


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"
