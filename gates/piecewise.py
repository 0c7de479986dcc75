"""Piecewise-linear gates: relu, abs, max, min.

At a kink the local gradient is fixed by rule: relu'(0) = 0, abs'(0) = 0, and max/min route
the gradient to the winning input, split evenly between tied winners.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import Expressions, Gate

from ._numeric import apply, is_batch

__all__ = ["Relu", "Abs", "Max", "Min"]


def _relu(x):
    return 0.0 if x <= 0 else x  # NaN is not <= 0, so it passes through


def _relu_array(x):
    return np.maximum(x, 0.0)


def _step(x):
    return 1.0 if x > 0 else 0.0


def _step_array(x):
    return np.where(x > 0, 1.0, 0.0)


class Relu(Gate):
    """The rectifier max(x, 0); its gradient at 0 is 0."""

    name = "relu"
    symbol = "relu"
    kinks = {(0.0,): (0.0,)}

    def forward(self, x):
        return apply(_relu, _relu_array, x)

    def local_grads(self, inputs, output):
        return (apply(_step, _step_array, *inputs),)

    def expressions(self, n_inputs, batch):
        if batch:
            return Expressions("maximum({0}, 0.0)", ("where({0} > 0, 1.0, 0.0)",), {"maximum": np.maximum, "where": np.where})
        return Expressions("(0.0 if {0} <= 0 else {0})", ("(1.0 if {0} > 0 else 0.0)",))


def _sign(x):
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 if x == 0 else math.nan


class Abs(Gate):
    """The absolute value |x|; its gradient is sign(x), 0 at 0."""

    name = "abs"
    symbol = "abs"
    kinks = {(0.0,): (0.0,)}

    def forward(self, x):
        return apply(abs, np.abs, x)

    def local_grads(self, inputs, output):
        return (apply(_sign, np.sign, *inputs),)

    def expressions(self, n_inputs, batch):
        names = {"abs": np.abs, "sign": np.sign} if batch else {"abs": abs, "sign": _sign}
        return Expressions("abs({0})", ("sign({0})",), names)


class _Extremum(Gate):
    """Shared by max and min: ``pick`` chooses the winner; NaN in any input gives NaN."""

    arity = None
    kinks = {(1.0, 1.0): (0.5, 0.5), (2.0, 2.0, 2.0): (1 / 3, 1 / 3, 1 / 3)}
    pick = staticmethod(max)
    pick_array = staticmethod(np.maximum)

    def forward(self, *xs):
        if is_batch(xs):
            with np.errstate(all="ignore"):
                return self.pick_array.reduce(np.broadcast_arrays(*xs))
        if any(math.isnan(x) for x in xs):
            return math.nan
        return self.pick(xs)

    def local_grads(self, inputs, output):
        """1/k for each of the k inputs equal to the output, 0 for the others (NaN if none)."""
        if is_batch((*inputs, output)):
            with np.errstate(all="ignore"):
                wins = [np.equal(x, output) for x in inputs]
                return tuple(w / sum(wins) for w in wins)
        wins = [x == output for x in inputs]
        k = sum(wins)
        return tuple(w / k if k else math.nan for w in wins)


class Max(_Extremum):
    """The largest of its inputs; ties share the gradient evenly."""

    name = "max"
    symbol = "max"


class Min(_Extremum):
    """The smallest of its inputs; ties share the gradient evenly."""

    name = "min"
    symbol = "min"
    pick = staticmethod(min)
    pick_array = staticmethod(np.minimum)
