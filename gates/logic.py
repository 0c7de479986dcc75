"""Relaxed (probabilistic) logic gates: not, and, or, xor, nand, nor, xnor.

Each input is the probability that an independent bit is 1, each output that its bit is 1;
on 0 and 1 they are the Boolean gates (formulas: ``docs/circuits.md``, "Built-in gates").
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
