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

from ._rules import gate_type, product_rule

__all__ = ["Not", "And", "Or", "Xor", "Nand", "Nor", "Xnor"]

# Each input's factor in the product
_INPUT = "{}"
_COMPLEMENT = "(1.0 - {})"
_SIGN = "(1.0 - 2.0 * {})"


def _product(factor: str, outer: str = "{}", negate: bool = False):
    """The rule of ``outer`` of the product of each input's ``factor``, for any number of inputs."""
    return lambda n_inputs: product_rule(n_inputs, factor, outer, negate)


# class, type, docstring, rule; all but not take one or more inputs
Not = gate_type("Not", "not", "Logical not, relaxed: 1 - x.", ("1.0 - {0}", ("-1.0",)))
And = gate_type("And", "and", "Logical and, relaxed: the product of its inputs.", _product(_INPUT), arity=None)
Nand = gate_type("Nand", "nand", "Logical nand, relaxed: 1 - the product of its inputs.", _product(_INPUT, "1.0 - {}", True), arity=None)
Or = gate_type("Or", "or", "Logical or, relaxed: 1 - the product of (1 - input).", _product(_COMPLEMENT, "1.0 - {}"), arity=None)
Nor = gate_type("Nor", "nor", "Logical nor, relaxed: the product of (1 - input).", _product(_COMPLEMENT, negate=True), arity=None)
Xor = gate_type("Xor", "xor", "Logical xor (odd parity), relaxed: a + b - 2ab for two inputs.", _product(_SIGN, "0.5 - 0.5 * {}"), arity=None)
Xnor = gate_type("Xnor", "xnor", "Logical xnor (even parity), relaxed: 1 - xor.", _product(_SIGN, "0.5 + 0.5 * {}", True), arity=None)
