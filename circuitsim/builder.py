"""Build circuits from Python and write them out as circuit YAML.

A :class:`Builder` collects a circuit as the file format has it: modules, inputs, gates, outputs
and test vectors. It checks nothing itself: :meth:`Builder.build` writes the circuit out with
:func:`dump` and loads that text, so a built circuit passes exactly the checks a file does.

>>> b = Builder("square_plus_one")
>>> x = b.input("x", 3.0)
>>> out = b.gate("add", [b.gate("mul", [x, x]), 1], name="out")
>>> b.output(out)
>>> print(dump(b), end="")
circuit: square_plus_one
inputs:
  x: 3.0
gates:
  mul_0: {type: mul, inputs: [x, x]}
  out: {type: add, inputs: [mul_0, 1]}
outputs: [out]
>>> b.build().run().outputs
{'out': 10.0}

:func:`dump` writes one gate per line in flow style, in the order the gates were added; names
that YAML would read as something else (``on``, ``null``) are quoted. It writes lines itself,
without ``yaml.dump``, so that a million gates take seconds.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .circuit import Circuit
from .loader import loads
from .spec import DEFAULT_TOL, GateSpec, Source

__all__ = ["Builder", "Ref", "dump"]

SourceArg = str | float | int  # a name (or Ref), or a number: a constant


class Ref(str):
    """The name of a node of a :class:`Builder`'s circuit: a source for other gates, an output,
    and the key of its value and gradient in a run's results."""

    __slots__ = ()

    def output(self, name: str) -> Ref:
        """Output ``name`` of a module instance with several outputs: ``u.output("hi")``."""
        return Ref(f"{self}.{name}")


class Builder:
    """A circuit under construction; see the module docstring.

    ``path`` is where the circuit's file would live: module paths are relative to it (to the
    current directory without one), and it names the circuit in error messages.
    """

    def __init__(self, name: str | None = None, *, description: str | None = None, path: str | os.PathLike | None = None) -> None:
        self.name = name
        self.description = description
        self.path = os.fspath(path) if path is not None else None
        self.modules: list[tuple[str, str]] = []
        self.inputs: list[tuple[str, float | None]] = []
        # name, type, inputs (a tuple in port order or a dict port -> source), params or None;
        # tuples of names and numbers are left alone by the cycle collector, a big help at 1M gates
        self.gates: list[tuple[str, str, tuple | dict, dict | None]] = []
        self.outputs: list[str] = []
        self.tests: list[dict[str, Any]] = []
        self._taken: set[str] = set()
        self._counts: dict[str, int] = {}

    @classmethod
    def from_circuit(cls, circuit: Circuit) -> Builder:
        """A builder holding a loaded circuit as written (wires given in each gate's inputs)."""
        spec = circuit.spec
        b = cls(spec.name, description=spec.description or None, path=spec.path)
        for module in spec.modules.values():
            b.module(module.name, module.path)
        for inp in spec.inputs.values():
            b.input(inp.name, inp.default)
        for gate in spec.gates.values():
            b.gate(gate.type, _inputs_of(gate), name=gate.name, params=gate.params or None)
        b.output(*spec.outputs)
        for t in spec.tests:
            tol = None if t.tol == DEFAULT_TOL else t.tol
            b.test(t.name, inputs=t.inputs, expect=t.expect, grads=t.grads, tol=tol)
        return b

    def module(self, name: str, path: str | os.PathLike) -> str:
        """Declare module ``name``, the circuit file at ``path``; returns the name, a gate type."""
        self.modules.append((name, os.fspath(path)))
        return name

    def input(self, name: str, default: float | None = None) -> Ref:
        """Add an input terminal; ``default=None`` makes it required."""
        self._taken.add(name)
        self.inputs.append((name, default))
        return Ref(name)

    def gate(
        self,
        type: str,
        inputs: Sequence[SourceArg] | Mapping[str, SourceArg] = (),
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Ref:
        """Add a gate of ``type`` (a registered gate type or a module) and return its name.

        ``inputs`` is a list in port order or a mapping port -> source; a source is a name
        (a :class:`Ref` or a string) or a number. Without ``name`` the gate is named after its
        type: ``mul_0``, ``mul_1``, ...
        """
        if name is None:
            name = self._fresh(type)
        self._taken.add(name)
        wired = dict(inputs) if isinstance(inputs, Mapping) else tuple(inputs)
        self.gates.append((name, type, wired, dict(params) if params else None))
        return Ref(name)

    def output(self, *refs: str) -> None:
        """Declare outputs: names of inputs, gates or module outputs (``u.hi``)."""
        self.outputs.extend(refs)

    def test(
        self,
        name: str | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        expect: Mapping[str, Any] | None = None,
        grads: Mapping[str, Any] | None = None,
        tol: float | None = None,
    ) -> None:
        """Add a test vector, as under ``tests:`` in a file."""
        vector = {"name": name, "inputs": inputs, "expect": expect, "grads": grads, "tol": tol}
        self.tests.append({k: v for k, v in vector.items() if v is not None and v != {}})

    def build(self, *, plugins: Sequence = (), registry=None) -> Circuit:
        """Load the circuit through the file loader (raises :class:`~circuitsim.CircuitError`)."""
        return loads(dump(self), path=self.path, plugins=plugins, registry=registry)

    def _fresh(self, type_name: str) -> str:
        n = self._counts.get(type_name, 0)
        while f"{type_name}_{n}" in self._taken:
            n += 1
        self._counts[type_name] = n + 1
        return f"{type_name}_{n}"

    def __repr__(self) -> str:
        return f"<Builder {self.name!r}: {len(self.inputs)} inputs, {len(self.gates)} gates, outputs {self.outputs}>"


def _inputs_of(gate: GateSpec) -> list | dict:
    """A gate's wiring as a list in port order, or a mapping where a module port is unwired."""
    sources = [_source_arg(gate.sources.get(port)) for port in gate.ports]
    if None not in sources:
        return sources
    return {port: s for port, s in zip(gate.ports, sources) if s is not None}


def _source_arg(src: Source | None) -> SourceArg | None:
    if src is None:
        return None
    return src.value if src.is_constant else Ref(src.node)


# -- writing YAML ------------------------------------------------------------------------------


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
            wired = "[" + ", ".join([text[s] if isinstance(s, str) else _number(s) for s in inputs]) + "]"
        if params:
            yield f"  {text[name]}: {{type: {text[type_name]}, inputs: {wired}, params: {_value(params, text)}}}"
        else:
            yield f"  {text[name]}: {{type: {text[type_name]}, inputs: {wired}}}"


def _source(source: SourceArg, text: _Texts) -> str:
    return text[source] if isinstance(source, str) else _number(source)


def _value(value: Any, text: _Texts) -> str:
    """Plain data in YAML flow style."""
    if type(value) is float:
        return _number(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return text[value]
    if isinstance(value, numbers.Real):
        return _number(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{text[str(k)]}: {_value(v, text)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return "[" + ", ".join(_value(v, text) for v in items) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} in a circuit file")


def _number(value: numbers.Real) -> str:
    if type(value) is not float:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        value = float(value)
    if math.isfinite(value):
        return repr(value)
    if math.isnan(value):
        return ".nan"
    return ".inf" if value > 0 else "-.inf"


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
