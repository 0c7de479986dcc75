"""Elementary functions: exp, log, sqrt, sin, cos, tanh, sigmoid.

Each gate is its rule, one line of a table: output and local gradient as expressions, on
Python floats through :mod:`math` and on batches through numpy.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import rule

from ._rules import gate_type

__all__ = ["Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Sigmoid"]


_SIN_COS = {"sin": (math.sin, np.sin), "cos": (math.cos, np.cos)}

# class, type, docstring, (output, local gradient), the functions they call (on floats, on arrays)
Exp = gate_type("Exp", "exp", "The exponential e^x.", ("exp({0})", ("{out}",)), {"exp": (math.exp, np.exp)})
Log = gate_type("Log", "log", "The natural logarithm ln x.", ("log({0})", ("1.0 / {0}",)), {"log": (math.log, np.log)})
Sqrt = gate_type("Sqrt", "sqrt", "The square root of x.", ("sqrt({0})", ("0.5 / {out}",)), {"sqrt": (math.sqrt, np.sqrt)})
Sin = gate_type("Sin", "sin", "The sine of x (radians).", ("sin({0})", ("cos({0})",)), _SIN_COS)
Cos = gate_type("Cos", "cos", "The cosine of x (radians).", ("cos({0})", ("-sin({0})",)), _SIN_COS)
Tanh = gate_type("Tanh", "tanh", "The hyperbolic tangent of x.", ("tanh({0})", ("1.0 - {out} * {out}",)), {"tanh": (math.tanh, np.tanh)})


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


Sigmoid = gate_type(
    "Sigmoid", "sigmoid", "The logistic sigmoid 1/(1+e^-x).", ("sigmoid({0})", ("{out} * (1.0 - {out})",)),
    {"sigmoid": (_sigmoid, _sigmoid_array)}, symbol="σ",
)
