"""Exercises: the numbers of a run that a quiz page asks for, how answers are checked, and the
hint for each, written here once so that the page only compares and shows.

A quiz hides values (each gate's output, asked at its first forward message), gradients (each
contribution a gate sends back, asked at its backward message) or both. An answer is right
when it is within :data:`RELATIVE` of the number, or within half the last decimal shown of it
(0.005 at two decimals, for numbers near 0), or, for a gradient, within the same of the
product of the two numbers as the page shows them (upstream × local, each rounded).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from circuitsim.draw.model import number as draw_number
from circuitsim.netlist.flatten import MODULE_INPUT, MODULE_OUTPUT
from circuitsim.plan.trace import ends

if TYPE_CHECKING:
    from circuitsim.netlist.nodes import Netlist

__all__ = ["HIDES", "RELATIVE", "questions"]

HIDES = ("values", "grads", "both")
RELATIVE = 1e-2  # the notes round to two decimals


def questions(trace: list, nodes: Netlist, hide: str, precision: int) -> dict:
    """What a quiz page asks over ``trace``: ``hide`` (``values``, ``grads`` or ``both``), the
    tolerances, and per question its message (0-based), the right number, another number
    accepted (or None), the hint and the message's text with the hidden numbers as ``?``."""
    if hide not in HIDES:
        raise ValueError(f"unknown --hide {hide!r}; one of: {', '.join(HIDES)}")
    number = functools.partial(draw_number, precision=precision)
    at, answers, hints, masked = [], [], [], []
    asked: set[str] = set()
    into: dict[str, dict] = {}  # gate -> port -> the number it got, as shown
    for k, m in enumerate(trace):
        if m.phase == "forward":
            if m.target is not None:
                into.setdefault(m.target, {})[m.port] = number(m.value)
            if hide == "grads" or m.source in asked or not _computes(nodes, m.source):
                continue  # an input's or constant's value is given; a gate's is asked once
            asked.add(m.source)
            answer, other, hint = float(m.value), None, _forward_hint(m, nodes, into.get(m.source, {}))
            shown = f"{ends(m, nodes)[0]} -> {ends(m, nodes)[1]}: ?"
        else:
            if hide == "values" or m.source is None or not _computes(nodes, m.source) or nodes[m.target].kind == "const":
                continue  # a seed is given; a constant's gradient is of no use
            answer = float(m.contribution)
            other = float(number(m.upstream)) * float(number(m.local))
            hint = _backward_hint(m, nodes, number)
            shown = f"{ends(m, nodes)[0]} -> {ends(m, nodes)[1]}: {number(m.upstream)} \u00d7 ? = ?"
        at.append(k)
        answers.append([_json(answer), _json(other)])
        hints.append(hint)
        masked.append(shown)
    absolute = 0.5 * 10.0**-precision
    return {"hide": hide, "relative": RELATIVE, "absolute": absolute, "at": at, "answers": answers, "hints": hints, "masked": masked}


def _json(x: float | None):
    return None if x is None or x != x or x in (float("inf"), float("-inf")) else x


def _forward_hint(m, nodes, got: dict) -> str:
    """``mul: m0 = w0 × x0, so 2.00 × -1.00``: the gate's rule and the numbers it reads."""
    gate = nodes[m.source]
    names = [_name(nodes, s) for s in gate.sources]
    values = [got.get(port, "?") for port in gate.ports]
    expr = gate.gate.expressions(len(gate.sources), False)
    rule = _formula(expr.output, names, m.source)
    return f"{gate.type}: {m.source} = {rule}, so {_formula(expr.output, values, m.source)}"


def _backward_hint(m, nodes, number) -> str:
    """``mul: d m0/d w0 = x0, so 0.20 × -1.00``: the local rule of the port, and the upstream
    gradient it multiplies."""
    gate = nodes[m.source]
    i = gate.ports.index(m.port)
    expr = gate.gate.expressions(len(gate.sources), False)
    source = _name(nodes, gate.sources[i])
    head = f"{gate.type}: d {m.source}/d {source}"
    if isinstance(expr.grads, str):  # one expression for all the ports (a gate of many inputs)
        local = "the product of the other inputs" if expr.grads.startswith("others(") else "its local gradient"
    else:
        local = _formula(expr.grads[i], [_name(nodes, s) for s in gate.sources], m.source)
    return f"{head} = {local}, so upstream \u00d7 local = {number(m.upstream)} \u00d7 {number(m.local)}"


def _computes(nodes, name: str) -> bool:
    """Whether ``name`` is a gate that computes (not one that passes a module's port through)."""
    node = nodes[name]
    return node.kind == "gate" and node.type not in (MODULE_INPUT, MODULE_OUTPUT)


def _name(nodes, name: str) -> str:
    node = nodes[name]
    return f"{node.value:g}" if node.kind == "const" else name


_LIST = re.compile(r"^(\w+)\(\((.*), \)\)$")  # a function of the tuple of all the inputs


def _formula(template: str, names: list[str], out: str) -> str:
    """A rule's template with its inputs named, written as the notes write it."""
    text = template.format(*names, out=out, xs="(" + "".join(f"{x}, " for x in names) + ")")
    whole = _LIST.match(text)
    if whole:  # a sum or product of many inputs written out, another function of them named
        joint = {"total": " + ", "product": " * "}.get(whole.group(1))
        text = joint.join(whole.group(2).split(", ")) if joint else f"{whole.group(1)}({whole.group(2)})"
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    text = re.sub(r"(?<![\w.])(\d+)\.0(?![\d])", r"\1", text)
    return text.replace(" * ", " \u00d7 ")


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0
