"""Piecewise-linear gates: relu, abs, max, min.

At a kink the local gradient is fixed by rule: relu'(0) = 0, abs'(0) = 0, and max/min route
the gradient to the winning input, split evenly between tied winners.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import Expressions, Gate, rule

from ._rules import WIDE_INPUTS, _width, gate_type, placeholders

__all__ = ["Relu", "Abs", "Max", "Min"]


class Relu(Gate):
    """The rectifier max(x, 0); its gradient at 0 is 0."""

    name = "relu"
    symbol = "relu"
    kinks = {(0.0,): (0.0,)}

    def expressions(self, n_inputs, batch):
        if batch:
            return Expressions("maximum({0}, 0.0)", ("where({0} > 0, 1.0, 0.0)",), {"maximum": np.maximum, "where": np.where})
        # NaN is not <= 0, so it passes through
        return Expressions("(0.0 if {0} <= 0 else {0})", ("(1.0 if {0} > 0 else 0.0)",))


Abs = gate_type(
    "Abs", "abs", "The absolute value |x|; its gradient is sign(x), 0 at 0.", ("abs({0})", ("sign({0})",)),
    {"abs": (abs, np.abs), "sign": (rule.sign, np.sign)}, kinks={(0.0,): (0.0,)},
)


def _largest(xs):
    return math.nan if any(math.isnan(x) for x in xs) else max(xs)


def _smallest(xs):
    return math.nan if any(math.isnan(x) for x in xs) else min(xs)


def _largest_array(xs):
    return np.maximum.reduce(np.broadcast_arrays(*xs))


def _smallest_array(xs):
    return np.minimum.reduce(np.broadcast_arrays(*xs))


def _routes(xs, out):
    """1/k for each of the k inputs equal to the output, 0 for the others (NaN if none)."""
    wins = [x == out for x in xs]
    k = sum(wins)
    return tuple(w / k if k else math.nan for w in wins)


def _routes_array(xs, out):
    wins = [np.equal(x, out) for x in xs]
    k = sum(wins)
    return tuple(w / k for w in wins)


def _routed(pick, routes):
    """The partials of ``pick`` of a tuple of inputs: ``routes`` the gradient to the winners."""

    def partials(args):
        routed = rule.Call("routes", routes, (args[0], rule.Call("pick", pick, args)))
        return (rule.Tuple(tuple(rule.Index(routed, rule.Const(k)) for k in range(_width(args[0])))),)

    return partials


for _pick, _route in ((_largest, _routes), (_smallest, _routes), (_largest_array, _routes_array), (_smallest_array, _routes_array)):
    rule.register(_pick, partials=_routed(_pick, _route))
rule.register(_routes, constant=True)
rule.register(_routes_array, constant=True)


class _Extremum(Gate):
    """Shared by max and min: the winner ``pick`` chooses; NaN in any input gives NaN."""

    arity = None
    kinks = {(1.0, 1.0): (0.5, 0.5), (2.0, 2.0, 2.0): (1 / 3, 1 / 3, 1 / 3)}
    pick = staticmethod(_largest)
    pick_array = staticmethod(_largest_array)

    def expressions(self, n_inputs, batch):
        xs = "(" + "".join(f"{x}, " for x in placeholders(n_inputs)) + ")" if n_inputs <= WIDE_INPUTS else "{xs}"
        names = {"pick": self.pick_array, "routes": _routes_array} if batch else {"pick": self.pick, "routes": _routes}
        return Expressions(f"pick({xs})", f"routes({xs}, {{out}})", names)


class Max(_Extremum):
    """The largest of its inputs; ties share the gradient evenly."""

    name = "max"
    symbol = "max"


class Min(_Extremum):
    """The smallest of its inputs; ties share the gradient evenly."""

    name = "min"
    symbol = "min"
    pick = staticmethod(_smallest)
    pick_array = staticmethod(_smallest_array)
