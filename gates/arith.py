"""Arithmetic gates: add, mul, sub, div, neg, reciprocal, pow."""

from __future__ import annotations

import math
import numbers
import operator
from functools import reduce

import numpy as np

from circuitsim.errors import CircuitError
from circuitsim.gate import Expressions, Gate

from ._numeric import apply

__all__ = ["Add", "Mul", "Sub", "Div", "Neg", "Reciprocal", "Pow"]


def _placeholders(n: int) -> list[str]:
    return [f"{{{i}}}" for i in range(n)]


def _others_expressions(xs: list[str]) -> tuple[str, ...]:
    """As :func:`_products_of_others` computes them (multiplying by 1.0 changes no bit)."""
    grads = []
    for i in range(len(xs)):
        before, after = xs[:i], xs[:i:-1]
        parts = [f"({' * '.join(p)})" for p in (before, after) if p]
        grads.append(" * ".join(parts) or "1.0")
    return tuple(grads)


def _sum(*xs):
    return reduce(operator.add, xs)


def _product(*xs):
    return reduce(operator.mul, xs)


def _products_of_others(*xs):
    """For each i, the product of all xs but xs[i], without dividing (right when an x is 0)."""
    before = [1.0]  # before[i] = xs[0] * ... * xs[i-1]
    for x in xs[:-1]:
        before.append(before[-1] * x)
    after = [1.0]  # built backwards: after[i] = xs[n-1] * ... * xs[n-i]
    for x in reversed(xs[1:]):
        after.append(after[-1] * x)
    return tuple(b * a for b, a in zip(before, reversed(after)))


class Add(Gate):
    """The sum of its inputs."""

    name = "add"
    arity = None
    symbol = "+"

    def forward(self, *xs):
        return apply(_sum, _sum, *xs)

    def local_grads(self, inputs, output):
        return (1.0,) * len(inputs)

    def expressions(self, n_inputs, batch):
        return Expressions(" + ".join(_placeholders(n_inputs)), ("1.0",) * n_inputs)


class Mul(Gate):
    """The product of its inputs."""

    name = "mul"
    arity = None
    symbol = "*"

    def forward(self, *xs):
        return apply(_product, _product, *xs)

    def local_grads(self, inputs, output):
        return apply(_products_of_others, _products_of_others, *inputs)

    def expressions(self, n_inputs, batch):
        xs = _placeholders(n_inputs)
        return Expressions(" * ".join(xs), _others_expressions(xs))


class Sub(Gate):
    """The difference a - b."""

    name = "sub"
    arity = 2
    symbol = "-"

    def forward(self, a, b):
        return apply(operator.sub, operator.sub, a, b)

    def local_grads(self, inputs, output):
        return (1.0, -1.0)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} - {1}", ("1.0", "-1.0"))


def _div_grads(a, b):
    inv = 1.0 / b
    return inv, -a * inv * inv


class Div(Gate):
    """The quotient a / b."""

    name = "div"
    arity = 2
    symbol = "/"

    def forward(self, a, b):
        return apply(operator.truediv, operator.truediv, a, b)

    def local_grads(self, inputs, output):
        return apply(_div_grads, _div_grads, *inputs)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} / {1}", ("1.0 / {1}", "-{0} * (1.0 / {1}) * (1.0 / {1})"))


class Neg(Gate):
    """The negation -x."""

    name = "neg"
    symbol = "*-1"

    def forward(self, x):
        return apply(operator.neg, operator.neg, x)

    def local_grads(self, inputs, output):
        return (-1.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("-{0}", ("-1.0",))


def _reciprocal(x):
    return 1.0 / x


def _reciprocal_grad(x):
    return -1.0 / (x * x)


class Reciprocal(Gate):
    """The reciprocal 1/x."""

    name = "reciprocal"
    symbol = "1/x"

    def forward(self, x):
        return apply(_reciprocal, _reciprocal, x)

    def local_grads(self, inputs, output):
        return (apply(_reciprocal_grad, _reciprocal_grad, *inputs),)

    def expressions(self, n_inputs, batch):
        return Expressions("1.0 / {0}", ("-1.0 / ({0} * {0})",))


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

    def forward(self, x):
        return apply(math.pow, np.power, x, self.exponent)

    def local_grads(self, inputs, output):
        (x,) = inputs
        p = self.exponent
        if p == 0.0:  # x^0 is constant 1, also at x = 0 where x^-1 would be inf
            return (0.0,)
        return (p * apply(math.pow, np.power, x, p - 1.0),)

    def expressions(self, n_inputs, batch):
        p = self.exponent
        if not math.isfinite(p):
            return None
        names = {"pow": np.power if batch else math.pow}
        grad = "0.0" if p == 0.0 else f"{p!r} * pow({{0}}, {p - 1.0!r})"
        return Expressions(f"pow({{0}}, {p!r})", (grad,), names)
