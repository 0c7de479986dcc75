"""Elementary functions: exp, log, sqrt, sin, cos, tanh, sigmoid.

Each gate is its rule: output and local gradient as expressions, on Python floats through
:mod:`math` and on batches through numpy.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import rule
from circuitsim.gate import Expressions, Gate

__all__ = ["Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Sigmoid"]


class Exp(Gate):
    """The exponential e^x."""

    name = "exp"
    symbol = "exp"

    def expressions(self, n_inputs, batch):
        return Expressions("exp({0})", ("{out}",), {"exp": np.exp if batch else math.exp})


class Log(Gate):
    """The natural logarithm ln x."""

    name = "log"
    symbol = "log"

    def expressions(self, n_inputs, batch):
        return Expressions("log({0})", ("1.0 / {0}",), {"log": np.log if batch else math.log})


class Sqrt(Gate):
    """The square root of x."""

    name = "sqrt"
    symbol = "sqrt"

    def expressions(self, n_inputs, batch):
        return Expressions("sqrt({0})", ("0.5 / {out}",), {"sqrt": np.sqrt if batch else math.sqrt})


class Sin(Gate):
    """The sine of x (radians)."""

    name = "sin"
    symbol = "sin"

    def expressions(self, n_inputs, batch):
        names = {"sin": np.sin, "cos": np.cos} if batch else {"sin": math.sin, "cos": math.cos}
        return Expressions("sin({0})", ("cos({0})",), names)


class Cos(Gate):
    """The cosine of x (radians)."""

    name = "cos"
    symbol = "cos"

    def expressions(self, n_inputs, batch):
        names = {"sin": np.sin, "cos": np.cos} if batch else {"sin": math.sin, "cos": math.cos}
        return Expressions("cos({0})", ("-sin({0})",), names)


class Tanh(Gate):
    """The hyperbolic tangent of x."""

    name = "tanh"
    symbol = "tanh"

    def expressions(self, n_inputs, batch):
        return Expressions("tanh({0})", ("1.0 - {out} * {out}",), {"tanh": np.tanh if batch else math.tanh})


def _sigmoid(x):
    # Only ever exponentiate a non-positive number, so nothing overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _slope(fn):
    """The sigmoid's derivative s * (1 - s), for the scalar or the array function ``fn``."""

    def partials(args):
        s = rule.Call("sigmoid", fn, args)
        return (rule.Binary("*", s, rule.Binary("-", rule.ONE, s)),)

    return partials


rule.register(_sigmoid, partials=_slope(_sigmoid))
rule.register(_sigmoid_array, partials=_slope(_sigmoid_array))


class Sigmoid(Gate):
    """The logistic sigmoid 1/(1+e^-x)."""

    name = "sigmoid"
    symbol = "σ"

    def expressions(self, n_inputs, batch):
        names = {"sigmoid": _sigmoid_array if batch else _sigmoid}
        return Expressions("sigmoid({0})", ("{out} * (1.0 - {out})",), names)
