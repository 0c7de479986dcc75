"""Comparisons: step, sign, equal. Piecewise constant, so every local gradient is 0.

They are the local gradients of the piecewise gates written as gates (relu's is step(x),
abs's is sign(x), max's and min's route through equal(x, out)), so that the backward pass of
a circuit can itself be written as a circuit (``circuitsim backward``) and differentiated
again, with the second derivative 0 at a kink as autodiff systems take it.
"""

from __future__ import annotations

import numpy as np

from circuitsim.gate import Expressions, Gate
from circuitsim.gate.rule import sign as _sign

from ._rules import gate_type

__all__ = ["Equal", "Sign", "Step"]


class Step(Gate):
    """The unit step: 1 if x > 0 else 0 (0 at 0 and for NaN); relu's local gradient."""

    name = "step"
    symbol = "x>0"

    def expressions(self, n_inputs, batch):
        if batch:
            return Expressions("where({0} > 0, 1.0, 0.0)", ("0.0",), {"where": np.where})
        return Expressions("(1.0 if {0} > 0 else 0.0)", ("0.0",))


Sign = gate_type("Sign", "sign", "The sign of x: -1, 0 or 1 (NaN for NaN); abs's local gradient.", ("sign({0})", ("0.0",)), {"sign": (_sign, np.sign)})


class Equal(Gate):
    """1 if a equals b else 0: which inputs of a max or min gate won."""

    name = "equal"
    arity = 2
    ports = ("a", "b")
    symbol = "=="

    def expressions(self, n_inputs, batch):
        if batch:
            return Expressions("where({0} == {1}, 1.0, 0.0)", ("0.0", "0.0"), {"where": np.where})
        return Expressions("(1.0 if {0} == {1} else 0.0)", ("0.0", "0.0"))
