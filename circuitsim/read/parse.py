"""Validate a circuit file's YAML tree into a :class:`~circuitsim.read.spec.CircuitSpec` with file positions.

Every problem is collected, each at its line and column; the top level, ``modules:``,
``inputs:``, ``outputs:`` and ``tests:`` are read here, gates and wires in
:mod:`circuitsim.read.parse_gates` (see ``docs/internals/reading.md``).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from circuitsim.base.suggest import Suggestions
from circuitsim.errors import CircuitError, did_you_mean
from circuitsim.read.parse_gates import GateSections
from circuitsim.read.reader import GateLookup, ModuleLoader, absent
from circuitsim.read.spec import (
    DEFAULT_TOL,
    SOURCE_RE,
    VISIBILITIES,
    CircuitSpec,
    InputSpec,
    ModuleSpec,
    TestSpec,
    flat_size,
)
from circuitsim.read.yamltree import Map, Node, Scalar, Seq

__all__ = ["SpecParser", "parse_spec", "parse_vectors"]

TOP_LEVEL_KEYS = ("circuit", "description", "inputs", "gates", "wires", "outputs", "modules", "tests", "randomize")
TEST_KEYS = ("name", "inputs", "expect", "grads", "tol", "points", "visibility")


def parse_spec(
    root: Map,
    *,
    path: str | None,
    default_name: str,
    lookup: GateLookup,
    gate_types: list[str],
    load_module: ModuleLoader | None = None,
) -> tuple[CircuitSpec, list[CircuitError]]:
    """Validate the tree of one circuit file; return the spec and every problem found.

    ``load_module`` reads the files named under ``modules:``; without it, ``modules:`` is an
    error.
    """
    return SpecParser(path, lookup, gate_types, load_module).parse(root, default_name)


class SpecParser(GateSections):
    """Reads one circuit file's tree, section by section, into a spec and its problems."""

    # -- the top level ---------------------------------------------------------------------

    def parse(self, root: Map, default_name: str) -> tuple[CircuitSpec, list[CircuitError]]:
        for key, _ in root.items:
            if key.raw not in TOP_LEVEL_KEYS:
                hint = did_you_mean(key.raw, TOP_LEVEL_KEYS)
                self.error(f"unknown top-level key {key.raw!r}{hint}", key)
        spec = CircuitSpec(
            name=self.text(root.get("circuit"), "circuit") or default_name,
            description=self.text(root.get("description"), "description") or "",
            path=self.path,
        )
        self.parse_modules(root.get("modules"), spec)
        self.parse_inputs(root.get("inputs"), spec)
        self.parse_gates(root.get("gates"), spec)
        self.parse_wires(root.get("wires"), spec)
        self.check_gate_sources(spec)
        self.parse_outputs(root.get("outputs"), root, spec)
        self.parse_tests(root.get("tests"), spec)
        self.parse_randomize(root.get("randomize"), spec)
        spec.flat_gates = sum(map(flat_size, spec.gates.values()))
        return spec, self.errors

    def parse_modules(self, node: Node | None, spec: CircuitSpec) -> None:
        if not self.section(node, Map, "modules must be a mapping of module name to circuit file path"):
            return
        for key, value in node.items:
            name = key.raw
            if not self.valid_name(key, "module"):
                continue
            if self.lookup(name) is not None:
                self.error(f"module name {name!r} is a registered gate type; give the module another name", key)
                continue
            path = self.text(value, f"the path of module {name!r}")
            if path is None:
                if isinstance(value, Scalar):
                    self.error(f"module {name!r} needs the path of a circuit file", value)
                continue
            if self.load_module is None:
                self.error("modules need a file loader: load this circuit with circuitsim.load or loads", key)
                continue
            module_spec, errors = self.load_module(path, value.pos)
            self.errors += errors
            if module_spec is None:
                self.modules[name] = None
            else:
                self.modules[name] = spec.modules[name] = ModuleSpec(name, path, module_spec, key.pos)

    def parse_inputs(self, node: Node | None, spec: CircuitSpec) -> None:
        if absent(node):
            return
        if isinstance(node, Seq):  # a list of names: all of them required
            for item in node.items:
                if not isinstance(item, Scalar):
                    self.error("an input name must be text", item)
                elif name := self.new_name(item, spec, "input"):
                    spec.inputs[name] = InputSpec(name, None, item.pos)
            return
        if not isinstance(node, Map):
            self.error("inputs must be a mapping of input name to default value (null: required)", node)
            return
        for key, value in node.items:
            name = self.new_name(key, spec, "input")
            default = None
            if not (isinstance(value, Scalar) and value.is_null()):
                default = self.number(value, f"the default of input {key.raw!r}")
            if name:
                spec.inputs[name] = InputSpec(name, default, key.pos)

    def parse_outputs(self, node: Node | None, root: Map, spec: CircuitSpec) -> None:
        if absent(node):
            self.error("the circuit has no outputs: add `outputs: [name, ...]`", root)
            return
        items = node.items if isinstance(node, Seq) else [node]
        for item in items:
            if not isinstance(item, Scalar):
                self.error("an output is the name of an input or a gate", item)
                continue
            name = item.raw
            ref = SOURCE_RE.match(name)
            gate_name, output = ref.groups() if ref else (name, None)
            if not self.check_reference(gate_name, output, item.pos, spec, "", "output"):
                continue
            if name in spec.output_pos:
                self.error(f"output {name!r} is listed twice", item)
            else:
                spec.outputs.append(name)
                spec.output_pos[name] = item.pos

    def parse_tests(self, node: Node | None, spec: CircuitSpec) -> None:
        if not self.section(node, Seq, "tests must be a list of {name, inputs, expect, grads, tol}"):
            return
        names = spec.node_names()
        nodes, node_hints, input_hints = set(names), Suggestions(names), Suggestions(spec.inputs)
        for i, item in enumerate(node.items, 1):
            if not isinstance(item, Map):
                self.error("a test is a mapping {name, inputs, expect, grads, tol}", item)
                continue
            for k, _ in item.items:
                if k.raw not in TEST_KEYS:
                    self.error(f"test: unknown key {k.raw!r}{did_you_mean(k.raw, TEST_KEYS)}", k)
            name = self.text(item.get("name"), "a test's name") or f"test {i}"
            tol = self.tolerance(item.get("tol"))
            test = TestSpec(
                name=name,
                inputs=self.test_values(item.get("inputs"), spec.inputs, "input", input_hints),
                expect=self.test_values(item.get("expect"), nodes, "node", node_hints),
                grads=self.test_values(item.get("grads"), nodes, "node", node_hints),
                tol=DEFAULT_TOL if tol is None else tol,
                pos=item.pos,
                points=self.points(item.get("points")),
                visibility=self.visibility(item.get("visibility")),
            )
            self.check_batch(test, item)
            spec.tests.append(test)

    def tolerance(self, node: Node | None) -> float | None:
        """A test's ``tol``: a finite number >= 0 (``.inf`` would pass every test)."""
        if node is None:
            return None
        tol = self.number(node, "tol")
        if tol is not None and not (math.isfinite(tol) and tol >= 0):
            self.error(f"tol must be a finite number >= 0, got {node.raw}", node)
            return None
        return tol

    def points(self, node: Node | None) -> float:
        """A test's ``points``: what passing it is worth, a finite number >= 0 (default 1)."""
        if node is None:
            return 1.0
        points = self.number(node, "points")
        if points is not None and not (math.isfinite(points) and points >= 0):
            self.error(f"points must be a finite number >= 0, got {node.raw}", node)
            return 1.0
        return 1.0 if points is None else points

    def visibility(self, node: Node | None) -> str:
        """A test's ``visibility``: when a student sees its result (Gradescope's words)."""
        if node is None:
            return "visible"
        word = node.raw if isinstance(node, Scalar) else None
        if word not in VISIBILITIES:
            shown = word if word is not None else type(node).__name__.lower()
            self.error(f"visibility must be one of {', '.join(VISIBILITIES)}, got {shown!r}{did_you_mean(shown, VISIBILITIES)}", node)
            return "visible"
        return word

    def parse_randomize(self, node: Node | None, spec: CircuitSpec) -> None:
        """``randomize: {NAME: [low, high]}``: inputs whose value `circuitsim assign` draws per
        student; a plain run ignores it."""
        if not self.section(node, Map, "randomize must be a mapping of input name to [low, high]"):
            return
        for key, value in node.items:
            if key.raw not in spec.inputs:
                self.error(f"randomize: unknown input {key.raw!r}{Suggestions(spec.inputs).hint(key.raw)}", key)
                continue
            if not isinstance(value, Seq) or len(value.items) != 2:
                self.error(f"randomize: {key.raw} takes [low, high], two numbers", value)
                continue
            low, high = (self.number(v, f"randomize: a bound of {key.raw!r}") for v in value.items)
            if low is None or high is None:
                continue
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                self.error(f"randomize: {key.raw} takes [low, high] with finite low <= high, got [{low:g}, {high:g}]", value)
                continue
            spec.randomize[key.raw] = (low, high)

    def check_batch(self, test: TestSpec, item: Map) -> None:
        """A test's lists of values (a batch) must all have one length."""
        sizes = {}
        for section in ("inputs", "expect", "grads"):
            for name, value in getattr(test, section).items():
                if isinstance(value, list):
                    sizes.setdefault(len(value), (section, name))
        if len(sizes) > 1:
            (n, (section, name)), (m, (other, other_name)) = list(sizes.items())[:2]
            node = item.get(other).get(other_name)
            self.error(
                f"test {test.name!r}: {other} {other_name!r} lists {m} values but {section} "
                f"{name!r} lists {n}; a batch test gives every list one length",
                node,
            )
        elif sizes and not any(isinstance(v, list) for v in test.inputs.values()):
            (n, (section, name)), = sizes.items()
            if n != 1:
                self.error(
                    f"test {test.name!r}: {section} {name!r} lists {n} values but the inputs are "
                    "one sample; give the inputs as lists of that length for a batch",
                    item.get(section).get(name),
                )

    def test_values(self, node: Node | None, known: Collection[str], what: str, hints: Suggestions) -> dict[str, Any]:
        """A test's mapping of names to numbers (or lists of numbers: a batch)."""
        if not self.section(node, Map, f"a test's {what} values must be a mapping of name to number"):
            return {}
        out: dict[str, Any] = {}
        for key, value in node.items:
            if key.raw not in known:
                self.error(f"test: unknown {what} {key.raw!r}{hints.hint(key.raw)}", key)
                continue
            if isinstance(value, Seq):
                numbers = [self.number(v, f"test value of {key.raw!r}") for v in value.items]
                if None not in numbers:
                    out[key.raw] = numbers
                continue
            number = self.number(value, f"test value of {key.raw!r}")
            if number is not None:
                out[key.raw] = number
        return out


def parse_vectors(node: Node, spec: CircuitSpec, path: str | None) -> tuple[list[TestSpec], list[CircuitError]]:
    """Test vectors written apart from a circuit (``circuitsim test --vectors``), checked
    against the names of ``spec`` as its own ``tests:`` would be."""
    scratch = replace(spec, tests=[])
    parser = SpecParser(path, lambda type_name: None, [], None)
    parser.parse_tests(node, scratch)
    return scratch.tests, parser.errors
