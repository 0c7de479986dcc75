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

from ._rules import gate_type, product_rule, sum_rule

__all__ = ["Add", "Mul", "Sub", "Div", "Neg", "Reciprocal", "Pow"]


_AB = {"arity": 2, "ports": ("a", "b")}

# class, type, docstring, rule (output and local gradients, or the rule for n inputs), attributes
Add = gate_type("Add", "add", "The sum of its inputs.", sum_rule, arity=None, symbol="+")
Mul = gate_type("Mul", "mul", "The product of its inputs.", product_rule, arity=None, symbol="*")
Sub = gate_type("Sub", "sub", "The difference a - b.", ("{0} - {1}", ("1.0", "-1.0")), **_AB, symbol="-")
Div = gate_type("Div", "div", "The quotient a / b.", ("{0} / {1}", ("1.0 / {1}", "-{0} * (1.0 / {1}) * (1.0 / {1})")), **_AB, symbol="/")
Neg = gate_type("Neg", "neg", "The negation -x.", ("-{0}", ("-1.0",)), symbol="*-1")
Reciprocal = gate_type("Reciprocal", "reciprocal", "The reciprocal 1/x.", ("1.0 / {0}", ("-1.0 / ({0} * {0})",)), symbol="1/x")


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
