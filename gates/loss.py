"""Losses: softplus and binary cross-entropy on logits, stable for any finite input.

Written from ``add``, ``exp`` and ``log`` these overflow: ``log(1 + exp(x))`` is inf for
x > 709. Here they only ever exponentiate a number <= 0:
softplus(x) = max(x, 0) + log1p(exp(-|x|)), whose derivative is the sigmoid.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import rule

from ._rules import gate_type
from .elementary import _sigmoid, _sigmoid_array

__all__ = ["BceLogits", "Softplus"]


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# softplus' is the sigmoid
rule.register(_softplus, partials=lambda args: (rule.Call("sigmoid", _sigmoid, args),))
rule.register(_softplus_array, partials=lambda args: (rule.Call("sigmoid", _sigmoid_array, args),))


_FUNCTIONS = {"softplus": (_softplus, _softplus_array), "sigmoid": (_sigmoid, _sigmoid_array)}

Softplus = gate_type("Softplus", "softplus", "The softplus log(1 + e^x), a smooth relu, without overflow.", ("softplus({0})", ("sigmoid({0})",)), _FUNCTIONS)
BceLogits = gate_type(
    "BceLogits", "bce_logits", "Binary cross-entropy of the logit z for a target y in [0, 1]: softplus(z) - y·z.",
    ("softplus({0}) - {1} * {0}", ("sigmoid({0}) - {1}", "-{0}")), _FUNCTIONS, arity=2, ports=("z", "y"), symbol="bce",
)
