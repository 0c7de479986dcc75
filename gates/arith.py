"""Arithmetic gates: add, mul, sub, div, neg, reciprocal, pow.

Each gate is its rule: its output and local gradients as expressions (``{0}``, ``{1}``, ...
the inputs, ``{out}`` the output), from which circuitsim derives its methods and kernels.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from circuitsim.errors import CircuitError
from circuitsim.gate import Expressions, Gate

from ._rules import product_rule, sum_rule

__all__ = ["Add", "Mul", "Sub", "Div", "Neg", "Reciprocal", "Pow"]


class Add(Gate):
    """The sum of its inputs."""

    name = "add"
    arity = None
    symbol = "+"

    def expressions(self, n_inputs, batch):
        return sum_rule(n_inputs)


class Mul(Gate):
    """The product of its inputs."""

    name = "mul"
    arity = None
    symbol = "*"

    def expressions(self, n_inputs, batch):
        return product_rule(n_inputs)


class Sub(Gate):
    """The difference a - b."""

    name = "sub"
    arity = 2
    ports = ("a", "b")
    symbol = "-"

    def expressions(self, n_inputs, batch):
        return Expressions("{0} - {1}", ("1.0", "-1.0"))


class Div(Gate):
    """The quotient a / b."""

    name = "div"
    arity = 2
    ports = ("a", "b")
    symbol = "/"

    def expressions(self, n_inputs, batch):
        return Expressions("{0} / {1}", ("1.0 / {1}", "-{0} * (1.0 / {1}) * (1.0 / {1})"))


class Neg(Gate):
    """The negation -x."""

    name = "neg"
    symbol = "*-1"

    def expressions(self, n_inputs, batch):
        return Expressions("-{0}", ("-1.0",))


class Reciprocal(Gate):
    """The reciprocal 1/x."""

    name = "reciprocal"
    symbol = "1/x"

    def expressions(self, n_inputs, batch):
        return Expressions("1.0 / {0}", ("-1.0 / ({0} * {0})",))


def _literal(x: float) -> str:
    """``x`` as Python source, infinities and NaN included."""
    if math.isfinite(x):
        return repr(x)
    return "(1e999 - 1e999)" if math.isnan(x) else ("1e999" if x > 0 else "-1e999")


class Pow(Gate):
    """The power x^exponent, for any real exponent."""

    name = "pow"
    params = {"exponent": None}
    example_params = ({"exponent": 3}, {"exponent": 0.5}, {"exponent": -2.5}, {"exponent": 0})
    symbol = "^p"

    def __init__(self, params=None) -> None:
        super().__init__(params)
        p = self.params["exponent"]
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise CircuitError(f"gate type 'pow' needs a number as parameter 'exponent', got {p!r}")
        self.exponent = float(p)
        self.symbol = f"^{p:g}"

    def expressions(self, n_inputs, batch):
        p = self.exponent
        names = {"pow": np.power if batch else math.pow}
        # x^0 is constant 1, also at x = 0 where x^-1 would be inf
        grad = "0.0" if p == 0.0 else f"{_literal(p)} * pow({{0}}, {_literal(p - 1.0)})"
        return Expressions(f"pow({{0}}, {_literal(p)})", (grad,), names)
