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

All but ``not`` take one or more inputs. Each is a product of one factor per input (the input,
its complement 1 - x, or its sign 1 - 2x, the expected value of (-1)^bit), put through an
outer function: :func:`gates._rules.product_rule` makes their expressions.
"""

from __future__ import annotations

from circuitsim.gate import Expressions, Gate

from ._rules import product_rule

__all__ = ["Not", "And", "Or", "Xor", "Nand", "Nor", "Xnor"]

# Each input's factor in the product
_INPUT = "{}"
_COMPLEMENT = "(1.0 - {})"
_SIGN = "(1.0 - 2.0 * {})"


class Not(Gate):
    """Logical not, relaxed: 1 - x."""

    name = "not"
    symbol = "not"

    def expressions(self, n_inputs, batch):
        return Expressions("1.0 - {0}", ("-1.0",))


class _Product(Gate):
    """A logic gate of one or more inputs: ``outer`` of the product of each input's ``factor``."""

    arity = None
    factor = _INPUT
    outer = "{}"
    negate = False  # whether the local gradients are minus the products of the other factors

    def expressions(self, n_inputs, batch):
        return product_rule(n_inputs, self.factor, self.outer, self.negate)


class And(_Product):
    """Logical and, relaxed: the product of its inputs."""

    name = "and"
    symbol = "and"


class Nand(_Product):
    """Logical nand, relaxed: 1 - the product of its inputs."""

    name = "nand"
    symbol = "nand"
    outer, negate = "1.0 - {}", True


class Or(_Product):
    """Logical or, relaxed: 1 - the product of (1 - input)."""

    name = "or"
    symbol = "or"
    factor, outer = _COMPLEMENT, "1.0 - {}"


class Nor(_Product):
    """Logical nor, relaxed: the product of (1 - input)."""

    name = "nor"
    symbol = "nor"
    factor, negate = _COMPLEMENT, True


class Xor(_Product):
    """Logical xor (odd parity), relaxed: a + b - 2ab for two inputs."""

    name = "xor"
    symbol = "xor"
    factor, outer = _SIGN, "0.5 - 0.5 * {}"


class Xnor(_Product):
    """Logical xnor (even parity), relaxed: 1 - xor."""

    name = "xnor"
    symbol = "xnor"
    factor, outer, negate = _SIGN, "0.5 + 0.5 * {}", True
