"""Relaxed (probabilistic) logic gates: not, and, or, xor, nand, nor, xnor.

Each input is read as the probability that an independent bit is 1, and each gate gives the
probability that its output bit is 1. On inputs 0 and 1 they are the Boolean gates; in between
they are smooth polynomials with exact local gradients, so a circuit of them can be trained by
gradient descent (a differentiable logic circuit).

- ``not``: 1 - a
- ``and``: a·b·... (the product); ``nand``: 1 - a·b·...
- ``or``: 1 - (1-a)(1-b)...; ``nor``: (1-a)(1-b)...
- ``xor``: the probability of an odd number of ones, (1 - (1-2a)(1-2b)...)/2, which is
  a + b - 2ab for two inputs; ``xnor``: 1 - xor.

All but ``not`` take one or more inputs.
"""

from __future__ import annotations

from circuitsim.gate import Gate

from ._numeric import apply
from .arith import _product, _products_of_others

__all__ = ["Not", "And", "Or", "Xor", "Nand", "Nor", "Xnor"]


def _complements(xs):
    return [1.0 - x for x in xs]


def _signs(xs):
    """1 - 2x for each x: the expected value of (-1)^bit."""
    return [1.0 - 2.0 * x for x in xs]


def _negative(grads):
    return tuple(-g for g in grads)


def _not(x):
    return 1.0 - x


def _nand(*xs):
    return 1.0 - _product(*xs)


def _nand_grads(*xs):
    return _negative(_products_of_others(*xs))


def _or(*xs):
    return 1.0 - _product(*_complements(xs))


def _or_grads(*xs):
    return _products_of_others(*_complements(xs))


def _nor(*xs):
    return _product(*_complements(xs))


def _nor_grads(*xs):
    return _negative(_products_of_others(*_complements(xs)))


def _xor(*xs):
    return 0.5 - 0.5 * _product(*_signs(xs))


def _xor_grads(*xs):
    return _products_of_others(*_signs(xs))


def _xnor(*xs):
    return 0.5 + 0.5 * _product(*_signs(xs))


def _xnor_grads(*xs):
    return _negative(_products_of_others(*_signs(xs)))


class Not(Gate):
    """Logical not, relaxed: 1 - a."""

    name = "not"
    symbol = "not"

    def forward(self, x):
        return apply(_not, _not, x)

    def local_grads(self, inputs, output):
        return (-1.0,)


class _Variadic(Gate):
    """A logic gate of one or more inputs; subclasses set ``value`` and ``grads`` functions."""

    arity = None

    def forward(self, *xs):
        return apply(self.value, self.value, *xs)

    def local_grads(self, inputs, output):
        return apply(self.grads, self.grads, *inputs)


class And(_Variadic):
    """Logical and, relaxed: the product of its inputs."""

    name = "and"
    symbol = "and"
    value = staticmethod(_product)
    grads = staticmethod(_products_of_others)


class Nand(_Variadic):
    """Logical nand, relaxed: 1 - the product of its inputs."""

    name = "nand"
    symbol = "nand"
    value = staticmethod(_nand)
    grads = staticmethod(_nand_grads)


class Or(_Variadic):
    """Logical or, relaxed: 1 - the product of (1 - input)."""

    name = "or"
    symbol = "or"
    value = staticmethod(_or)
    grads = staticmethod(_or_grads)


class Nor(_Variadic):
    """Logical nor, relaxed: the product of (1 - input)."""

    name = "nor"
    symbol = "nor"
    value = staticmethod(_nor)
    grads = staticmethod(_nor_grads)


class Xor(_Variadic):
    """Logical xor (odd parity), relaxed: a + b - 2ab for two inputs."""

    name = "xor"
    symbol = "xor"
    value = staticmethod(_xor)
    grads = staticmethod(_xor_grads)


class Xnor(_Variadic):
    """Logical xnor (even parity), relaxed: 1 - xor."""

    name = "xnor"
    symbol = "xnor"
    value = staticmethod(_xnor)
    grads = staticmethod(_xnor_grads)
