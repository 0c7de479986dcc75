"""Build circuits from Python: a :class:`Builder` goes through the checks a file does, each problem
at the line of the call that made it (see ``docs/python.md``).

>>> from circuitsim import dump
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
"""

from __future__ import annotations

import itertools
import keyword
import math
import numbers
import os
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from circuitsim.base.show import number_text
from circuitsim.errors import CircuitError, Position, did_you_mean
from circuitsim.gate.plugins import Registry, load_registry
from circuitsim.netlist.fastload import Blocks
from circuitsim.read.spec import DEFAULT_TOL, NAME_RE, GateSpec, Source
from circuitsim.read.yamltree import Map, Scalar, Seq
from circuitsim.run.circuit import Circuit
from circuitsim.run.load import loads

__all__ = ["Builder", "Ref"]

SourceArg = str | float | int  # a name (or Ref), or a number: a constant


class Ref(str):
    """The name of a node of a :class:`Builder`'s circuit: a source for other gates, an output,
    and the key of its value and gradient in a run's results.

    Arithmetic on references (and numbers) adds gates to their builder, as micrograd's values
    do: ``x * w + b`` is an ``add`` of a ``mul``, ``-x`` a ``neg``, ``x ** 3`` a ``pow``, ``x / y``
    a ``div``, ``1 / x`` a ``reciprocal``, ``1 - x`` a ``sub``, ``abs(x)`` an ``abs``. A plain
    string is not a reference: ``x + "w"`` is a TypeError (use ``b.ref("w")``).
    """

    __array_ufunc__ = None  # numpy numbers leave `2.0 * x` to Ref.__rmul__

    def __new__(cls, name: str, builder: Builder | None = None) -> Ref:
        ref = super().__new__(cls, name)
        ref.builder = builder
        return ref

    def output(self, name: str) -> Ref:
        """Output ``name`` of a module instance with several outputs: ``u.output("hi")``."""
        return Ref(f"{self}.{name}", self.builder)

    def _gate(self, type_name: str, inputs: Sequence, params: dict | None = None) -> Ref:
        for other in inputs:
            if not isinstance(other, (Ref, numbers.Real)) or isinstance(other, bool):
                raise TypeError(
                    f"{type_name} of {self!r} and {other!r}: a reference computes with references and numbers; "
                    f"for the node named {other!r} use b.ref({other!r})"
                )
        if self.builder is None:
            raise TypeError(f"{self!r} belongs to no Builder: make it with b.input, b.gate or b.ref")
        return self.builder.gate(type_name, inputs, params=params, _at=call_site())

    def __add__(self, other): return self._gate("add", [self, other])  # noqa: E704
    def __radd__(self, other): return self._gate("add", [other, self])  # noqa: E704
    def __sub__(self, other): return self._gate("sub", [self, other])  # noqa: E704
    def __rsub__(self, other): return self._gate("sub", [other, self])  # noqa: E704
    def __mul__(self, other): return self._gate("mul", [self, other])  # noqa: E704
    def __rmul__(self, other): return self._gate("mul", [other, self])  # noqa: E704
    def __truediv__(self, other): return self._gate("div", [self, other])  # noqa: E704
    def __neg__(self): return self._gate("neg", [self])  # noqa: E704
    def __pos__(self): return self  # noqa: E704
    def __abs__(self): return self._gate("abs", [self])  # noqa: E704

    def __rtruediv__(self, other):
        if isinstance(other, numbers.Real) and not isinstance(other, Ref) and other == 1:
            return self._gate("reciprocal", [self])
        return self._gate("div", [other, self])

    def __pow__(self, exponent):
        if not isinstance(exponent, numbers.Real) or isinstance(exponent, (bool, Ref)):
            raise TypeError(f"{self!r} ** {exponent!r}: the exponent of a pow gate is a number, not a node")
        return self._gate("pow", [self], {"exponent": exponent})

    def __rpow__(self, base):
        raise TypeError(f"{base!r} ** {self!r}: a node as exponent has no gate; write b.exp({self} * math.log({base!r}))")

    __hash__ = str.__hash__
    __eq__ = str.__eq__


class Builder:
    """A circuit under construction: modules, inputs, gates, outputs and test vectors, each
    with the file and line of the call that added it, so that :meth:`build` reports a problem
    there.

    ``path`` is where the circuit's file would live: module paths are relative to it (to the
    current directory without one), and it names the circuit.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        description: str | None = None,
        path: str | os.PathLike | None = None,
        plugins: Sequence = (),
        registry: Registry | None = None,
    ) -> None:
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
        # where each of the above was added (a call site, shared by the calls a loop makes there)
        self.sites: dict[str, list[Position]] = {"modules": [], "inputs": [], "gates": [], "outputs": [], "tests": []}
        self.site = call_site()
        self._taken: set[str] = set()
        self._counts: dict[str, int] = {}
        self._plugins = tuple(plugins)
        self._registry = registry

    @property
    def registry(self) -> Registry:
        """The gate types this builder's gate functions (``b.exp``) and :meth:`build` know."""
        if self._registry is None:
            self._registry = load_registry(self._plugins)
        return self._registry

    def __getattr__(self, attr: str):
        """``b.exp(x)``, ``b.pow(x, exponent=3)``, ``b.max(x, y, z)``: a gate of each registered
        type (plugins' too) or declared module; ``b.and_``, ``b.or_``, ``b.not_`` for the types
        that are Python keywords. Keywords other than ``name`` are the gate's params."""
        if attr.startswith("__") or attr in ("_registry", "_plugins", "modules"):
            raise AttributeError(attr)
        type_name = attr[:-1] if attr.endswith("_") and keyword.iskeyword(attr[:-1]) else attr
        known = self.registry.names() + [name for name, _ in self.modules]
        if type_name not in known:
            raise AttributeError(f"{type(self).__name__!r} has no attribute {attr!r} and no gate type {type_name!r}{did_you_mean(type_name, known)}")

        def make(*inputs: SourceArg, name: str | None = None, **params) -> Ref:
            return self.gate(type_name, inputs, name=name, params=params or None, _at=call_site())

        make.__name__ = make.__qualname__ = attr
        make.__doc__ = f"A {type_name!r} gate of the inputs given; keywords other than name are its params."
        return make

    def ref(self, name: str) -> Ref:
        """A reference to the node ``name`` already in the circuit (or ``u.hi``), to compute with."""
        return Ref(name, self)

    @classmethod
    def from_circuit(cls, circuit: Circuit) -> Builder:
        """A builder holding a loaded circuit as written (wires given in each gate's inputs)."""
        spec = circuit.spec
        b = cls(spec.name, description=spec.description or None, path=spec.path)
        for module in spec.modules.values():
            b.module(module.name, module.path, _at=module.pos)
        for inp in spec.inputs.values():
            b.input(inp.name, inp.default, _at=inp.pos)
        for gate in spec.gates.values():
            b.gate(gate.type, _inputs_of(gate), name=gate.name, params=gate.params or None, _at=gate.pos)
        for name in spec.outputs:
            b.output(name, _at=spec.output_pos.get(name))
        for t in spec.tests:
            tol = None if t.tol == DEFAULT_TOL else t.tol
            b.test(t.name, inputs=t.inputs, expect=t.expect, grads=t.grads, tol=tol, _at=t.pos)
        return b

    def module(self, name: str, path: str | os.PathLike, *, _at: Position | None = None) -> str:
        """Declare module ``name``, the circuit file at ``path``; returns the name, a gate type."""
        self.modules.append((name, os.fspath(path)))
        self.sites["modules"].append(_at or call_site())
        return name

    def input(self, name: str, default: float | None = None, *, _at: Position | None = None) -> Ref:
        """Add an input terminal; ``default=None`` makes it required."""
        self._taken.add(name)
        self.inputs.append((name, default))
        self.sites["inputs"].append(_at or call_site())
        return Ref(name, self)

    def gate(
        self,
        type: str,
        inputs: Sequence[SourceArg] | Mapping[str, SourceArg] = (),
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        _at: Position | None = None,
    ) -> Ref:
        """Add a gate of ``type`` (a registered gate type or a module) and return its name.

        ``inputs`` is a list in port order or a mapping port -> source; a source is a name
        (a :class:`Ref` or a string) or a number. Without ``name`` the gate is named after its
        type: ``mul_0``, ``mul_1``, ...
        """
        name = self._fresh(type) if name is None else _plain(name)
        self._taken.add(name)
        wired = dict(inputs) if isinstance(inputs, Mapping) else tuple(inputs)
        wired = {str(k): _plain(v) for k, v in wired.items()} if isinstance(wired, dict) else tuple(map(_plain, wired))
        self.gates.append((name, type, wired, dict(params) if params else None))
        self.sites["gates"].append(_at or call_site())
        return Ref(name, self)

    def output(self, *refs: str, _at: Position | None = None) -> None:
        """Declare outputs: names of inputs, gates or module outputs (``u.hi``)."""
        site = _at or call_site()
        self.outputs.extend(map(_plain, refs))
        self.sites["outputs"] += [site] * len(refs)

    def test(
        self,
        name: str | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        expect: Mapping[str, Any] | None = None,
        grads: Mapping[str, Any] | None = None,
        tol: float | None = None,
        _at: Position | None = None,
    ) -> None:
        """Add a test vector, as under ``tests:`` in a file."""
        vector = {"name": name, "inputs": inputs, "expect": expect, "grads": grads, "tol": tol}
        self.tests.append({k: v for k, v in vector.items() if v is not None and v != {}})
        self.sites["tests"].append(_at or call_site())

    def build(self, *, plugins: Sequence = (), registry=None) -> Circuit:
        """Check the circuit as the loader checks a file and return it; a problem raises a
        :class:`~circuitsim.CircuitError` at the line of the call that made it. Without
        ``plugins`` or ``registry`` it knows the builder's gate types."""
        if registry is None and not plugins:
            registry = self.registry
        blocks = self._blocks()
        return loads(self.tree() if blocks is None else blocks, path=self.path, plugins=plugins, registry=registry)

    def _blocks(self) -> Blocks | None:
        """The inputs and gates as the fast reader's columns, written as a canonical file
        writes them (None: modules, a mapping of ports, a name, source or value a file would
        write otherwise: the full reader's tree)."""
        sites = self.sites
        if self.modules:
            return None
        names = [name for name, _ in self.inputs] + [gate[0] for gate in self.gates]
        known = set(names)
        if len(known) != len(names) or not all(map(NAME_RE.match, names)):
            return None
        defaults = []
        for _, default in self.inputs:
            if default is None:
                defaults.append("null")
            elif isinstance(default, numbers.Real) and not isinstance(default, bool):
                defaults.append(number_text(default))
            else:
                return None
        types, written, params = [], [], []
        for _, type_name, wired, given in self.gates:
            if type(wired) is not tuple or not wired or type_name.__class__ is not str:
                return None
            if known.issuperset(wired):  # names only (a number is never a name here)
                texts = wired
            else:
                texts = []
                for source in wired:
                    if source.__class__ is str:
                        if source not in known:
                            return None
                        texts.append(source)
                    elif isinstance(source, numbers.Real) and not isinstance(source, bool) and _finite(source):
                        texts.append(number_text(source))
                    else:
                        return None
            if given:
                if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and k.__class__ is str for k, v in given.items()):
                    return None
                params.append(", ".join(f"{k}: {number_text(v)}" for k, v in given.items()))
            else:
                params.append("")
            types.append(type_name)
            written.append(", ".join(texts))
        at = self.site
        rest = []
        if self.name is not None:
            rest.append(_item("circuit", self.name, at))
        if self.description:
            rest.append(_item("description", self.description, at))
        outputs, tests = self._outputs_tests()
        rest += outputs + tests
        placed = sites["inputs"] + sites["gates"]
        files = {site.path: None for site in placed}
        files = {path: k for k, path in enumerate(files)}
        lines = np.array([site.line or 0 for site in placed], dtype=np.int32)
        columns = np.array([site.column or 0 for site in placed], dtype=np.int32)
        n = len(self.inputs)
        inputs = (names[:n], defaults, lines[:n], columns[:n])
        gates = (names[n:], types, written, params, lines[n:], columns[n:])
        return Blocks(inputs, gates, Map(rest, at), list(files), array("H", [files[site.path] for site in placed]), self.tree)

    def tree(self) -> Map:
        """The circuit as the YAML tree a file holding it would be read into, positions being
        the call sites."""
        at, sites = self.site, self.sites
        top = []
        if self.name is not None:
            top.append(_item("circuit", self.name, at))
        if self.description:
            top.append(_item("description", self.description, at))
        if self.modules:
            top.append(_section("modules", [_item(n, p, s) for (n, p), s in zip(self.modules, sites["modules"])], at))
        if self.inputs:
            top.append(_section("inputs", [_item(n, d, s) for (n, d), s in zip(self.inputs, sites["inputs"])], at))
        if self.gates:
            top.append(_section("gates", [_gate_item(g, s) for g, s in zip(self.gates, sites["gates"])], at))
        outputs, tests = self._outputs_tests()
        return Map(top + outputs + tests, at)

    def _outputs_tests(self) -> tuple[list, list]:
        """The items ``outputs:`` and ``tests:`` of :meth:`tree` (none where there are none)."""
        sites, outputs, tests = self.sites, [], []
        if self.outputs:
            first = sites["outputs"][0]
            outputs.append((_key("outputs", first), Seq([_node(o, s) for o, s in zip(self.outputs, sites["outputs"])], first)))
        if self.tests:
            tests.append((_key("tests", self.site), Seq([_node(t, s) for t, s in zip(self.tests, sites["tests"])], self.site)))
        return outputs, tests

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


def _finite(number: numbers.Real) -> bool:
    """Whether a float64 holds ``number`` finitely (an int too big for one is not)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _plain(source):
    """A source as stored: a plain ``str`` for a :class:`Ref` (which holds its builder)."""
    return str.__str__(source) if isinstance(source, Ref) else source


# -- where a call came from ----------------------------------------------------------------

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SITES: dict[tuple, Position] = {}  # (code, instruction) -> its Position, made once per call site


def call_site() -> Position:
    """The file, line and column of the call into circuitsim that is running (the user's
    ``b.gate(...)``): the innermost frame outside the circuitsim package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return Position()
    key = (frame.f_code, frame.f_lasti)
    site = _SITES.get(key)
    if site is None:
        positions = itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None)
        line, _, column, _ = next(positions, (None, None, None, None))
        column = None if column is None else column + 1
        site = _SITES[key] = Position(frame.f_code.co_filename, line or frame.f_lineno, column)
    return site


# -- the tree the loader checks ------------------------------------------------------------


def _key(text: str, pos: Position) -> Scalar:
    return Scalar(text, True, None, pos)


def _item(key: str, value: Any, pos: Position) -> tuple[Scalar, Any]:
    return _key(key, pos), _node(value, pos)


def _section(key: str, items: list, pos: Position) -> tuple[Scalar, Map]:
    return _key(key, pos), Map(items, items[0][0].pos if items else pos)


def _gate_item(gate: tuple, pos: Position) -> tuple[Scalar, Map]:
    name, type_name, inputs, params = gate
    body = [_item("type", type_name, pos), _item("inputs", inputs, pos)]
    if params:
        body.append(_item("params", params, pos))
    return _key(name, pos), Map(body, pos)


def _node(value: Any, pos: Position):
    """Plain Python data as the YAML node a file would hold: a string is always a string."""
    if isinstance(value, str):
        return Scalar(value, True, None, pos)
    if value is None:
        return Scalar("null", False, None, pos)
    if isinstance(value, bool):
        return Scalar("true" if value else "false", False, None, pos)
    if isinstance(value, numbers.Real):
        return Scalar(number_text(value), False, None, pos)
    if isinstance(value, Mapping):
        return Map([(_key(str(k), pos), _node(v, pos)) for k, v in value.items()], pos)
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        if not isinstance(items, list):  # a numpy scalar
            return _node(items, pos)
        return Seq([_node(v, pos) for v in items], pos)
    raise CircuitError(f"cannot use {type(value).__name__} {value!r:.40} in a circuit: give a name, a number or a list of them", pos)
