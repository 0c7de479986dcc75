"""Losses: softplus and binary cross-entropy on logits, stable for any finite input.

Written from ``sub``, ``exp`` and ``log`` these overflow: ``log(1 + exp(x))`` is inf for
x > 709. Here they only ever exponentiate a number <= 0:
softplus(x) = max(x, 0) + log1p(exp(-|x|)), whose derivative is the sigmoid.
"""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import Expressions, Gate

from ._numeric import apply
from .elementary import _sigmoid, _sigmoid_array

__all__ = ["BceLogits", "Softplus"]


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


class Softplus(Gate):
    """The softplus log(1 + e^x), a smooth relu, without overflow."""

    name = "softplus"
    symbol = "softplus"

    def forward(self, x):
        return apply(_softplus, _softplus_array, x)

    def local_grads(self, inputs, output):
        return (apply(_sigmoid, _sigmoid_array, *inputs),)

    def expressions(self, n_inputs, batch):
        names = {"softplus": _softplus_array, "sigmoid": _sigmoid_array} if batch else {"softplus": _softplus, "sigmoid": _sigmoid}
        return Expressions("softplus({0})", ("sigmoid({0})",), names)


def _bce(logit, target):
    return _softplus(logit) - target * logit


def _bce_array(logit, target):
    return _softplus_array(logit) - target * logit


def _bce_grads(logit, target):
    return _sigmoid(logit) - target, -logit


def _bce_grads_array(logit, target):
    return _sigmoid_array(logit) - target, -logit


class BceLogits(Gate):
    """Binary cross-entropy of the logit z for a target y in [0, 1]: softplus(z) - y·z."""

    name = "bce_logits"
    arity = 2
    symbol = "bce"

    def forward(self, z, y):
        return apply(_bce, _bce_array, z, y)

    def local_grads(self, inputs, output):
        return apply(_bce_grads, _bce_grads_array, *inputs)

    def expressions(self, n_inputs, batch):
        names = {"softplus": _softplus_array, "sigmoid": _sigmoid_array} if batch else {"softplus": _softplus, "sigmoid": _sigmoid}
        return Expressions("softplus({0}) - {1} * {0}", ("sigmoid({0}) - {1}", "-{0}"), names)
