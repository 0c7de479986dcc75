"""Elementary functions: exp, log, sqrt, sin, cos, tanh, sigmoid."""

from __future__ import annotations

import math

import numpy as np

from circuitsim.gate import Expressions, Gate

from ._numeric import apply

__all__ = ["Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Sigmoid"]


class Exp(Gate):
    """The exponential e^x."""

    name = "exp"
    symbol = "exp"

    def forward(self, x):
        return apply(math.exp, np.exp, x)

    def local_grads(self, inputs, output):
        return (output,)

    def expressions(self, n_inputs, batch):
        return Expressions("exp({0})", ("{out}",), {"exp": np.exp if batch else math.exp})


def _inverse(x):
    return 1.0 / x


class Log(Gate):
    """The natural logarithm ln x."""

    name = "log"
    symbol = "log"

    def forward(self, x):
        return apply(math.log, np.log, x)

    def local_grads(self, inputs, output):
        return (apply(_inverse, _inverse, *inputs),)

    def expressions(self, n_inputs, batch):
        return Expressions("log({0})", ("1.0 / {0}",), {"log": np.log if batch else math.log})


def _half_inverse(y):
    return 0.5 / y


class Sqrt(Gate):
    """The square root of x."""

    name = "sqrt"
    symbol = "sqrt"

    def forward(self, x):
        return apply(math.sqrt, np.sqrt, x)

    def local_grads(self, inputs, output):
        return (apply(_half_inverse, _half_inverse, output),)

    def expressions(self, n_inputs, batch):
        return Expressions("sqrt({0})", ("0.5 / {out}",), {"sqrt": np.sqrt if batch else math.sqrt})


class Sin(Gate):
    """The sine of x (radians)."""

    name = "sin"
    symbol = "sin"

    def forward(self, x):
        return apply(math.sin, np.sin, x)

    def local_grads(self, inputs, output):
        return (apply(math.cos, np.cos, *inputs),)

    def expressions(self, n_inputs, batch):
        names = {"sin": np.sin, "cos": np.cos} if batch else {"sin": math.sin, "cos": math.cos}
        return Expressions("sin({0})", ("cos({0})",), names)


def _neg_sin(x):
    return -math.sin(x)


def _neg_sin_array(x):
    return -np.sin(x)


class Cos(Gate):
    """The cosine of x (radians)."""

    name = "cos"
    symbol = "cos"

    def forward(self, x):
        return apply(math.cos, np.cos, x)

    def local_grads(self, inputs, output):
        return (apply(_neg_sin, _neg_sin_array, *inputs),)

    def expressions(self, n_inputs, batch):
        names = {"sin": np.sin, "cos": np.cos} if batch else {"sin": math.sin, "cos": math.cos}
        return Expressions("cos({0})", ("-sin({0})",), names)


def _one_minus_square(y):
    return 1.0 - y * y


class Tanh(Gate):
    """The hyperbolic tangent of x."""

    name = "tanh"
    symbol = "tanh"

    def forward(self, x):
        return apply(math.tanh, np.tanh, x)

    def local_grads(self, inputs, output):
        return (apply(_one_minus_square, _one_minus_square, output),)

    def expressions(self, n_inputs, batch):
        return Expressions("tanh({0})", ("1.0 - {out} * {out}",), {"tanh": np.tanh if batch else math.tanh})


def _sigmoid(x):
    # Only ever exponentiate a non-positive number, so nothing overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_grad(s):
    return s * (1.0 - s)


class Sigmoid(Gate):
    """The logistic sigmoid 1/(1+e^-x)."""

    name = "sigmoid"
    symbol = "σ"

    def forward(self, x):
        return apply(_sigmoid, _sigmoid_array, x)

    def local_grads(self, inputs, output):
        return (apply(_sigmoid_grad, _sigmoid_grad, output),)

    def expressions(self, n_inputs, batch):
        names = {"sigmoid": _sigmoid_array if batch else _sigmoid}
        return Expressions("sigmoid({0})", ("{out} * (1.0 - {out})",), names)
