"""The built-in gate library of circuitsim, one module per family.

It is a plugin like any other: circuitsim registers this package through the
``circuitsim_register_gates`` hook, exactly as it registers an installed gate plugin.
"""

from __future__ import annotations

from circuitsim.gate.hookspecs import hookimpl

from .arith import Add, Div, Mul, Neg, Pow, Reciprocal, Sub
from .compare import Equal, Sign, Step
from .elementary import Cos, Exp, Log, Sigmoid, Sin, Sqrt, Tanh
from .logic import And, Nand, Nor, Not, Or, Xnor, Xor
from .loss import BceLogits, Softplus
from .piecewise import Abs, Max, Min, Relu

__all__ = ["BUILTIN_GATES", "circuitsim_register_gates"]

BUILTIN_GATES = (
    Add, Mul, Sub, Div, Neg, Reciprocal, Pow,
    Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid,
    Relu, Abs, Max, Min,
    Not, And, Or, Xor, Nand, Nor, Xnor,
    Softplus, BceLogits,
    Step, Sign, Equal,
)


@hookimpl
def circuitsim_register_gates(register):
    """Register every built-in gate type."""
    for cls in BUILTIN_GATES:
        register(cls)
