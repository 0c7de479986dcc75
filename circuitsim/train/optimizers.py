"""The optimizers of :func:`circuitsim.train.train`: SGD with momentum, and Adam, each updating a
parameter vector in place from its gradient; the updates are on their classes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from circuitsim.errors import CircuitError

__all__ = ["OPTIMIZERS", "Adam", "Optimizer", "SGD", "make_optimizer"]

LearningRate = float | Callable[[int], float]


class Optimizer:
    """Base class: a learning rate (or schedule), weight decay, and :meth:`step`.

    ``lr`` is a number or a function of the step number k (0, 1, ...) giving one. With
    ``weight_decay`` λ the gradient g (the mean over the step's samples) is first g + λ·θ, the
    gradient of the loss plus λ/2·|θ|² (L2 regularisation, as in PyTorch's ``SGD`` and ``Adam``).
    """

    name = ""

    def __init__(self, lr: LearningRate = 0.1, weight_decay: float = 0.0) -> None:
        if not callable(lr):
            _check_number("lr", lr, low=0.0, open_low=True)
        _check_number("weight_decay", weight_decay, low=0.0)
        self.lr = lr
        self.weight_decay = float(weight_decay)

    def rate(self, k: int) -> float:
        """The learning rate at step ``k``."""
        if not callable(self.lr):
            return float(self.lr)
        try:
            value = self.lr(k)
        except Exception as exc:
            raise CircuitError(f"lr({k}) raised {type(exc).__name__}: {exc}") from exc
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise CircuitError(f"lr({k}) must give a finite number, got {value!r}")
        return float(value)

    def step(self, k: int, theta: np.ndarray, grad: np.ndarray) -> None:
        """Update ``theta`` in place, given the gradient at step ``k``."""
        raise NotImplementedError

    def _decayed(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return grad + self.weight_decay * theta if self.weight_decay else grad


class SGD(Optimizer):
    """Gradient descent, with momentum ``μ`` (0: none).

    v ← μ·v + g (v = g at the first step), θ ← θ − lr·v; with μ = 0, θ ← θ − lr·g.
    """

    name = "sgd"

    def __init__(self, lr: LearningRate = 0.1, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        _check_number("momentum", momentum, low=0.0, high=1.0)
        self.momentum = float(momentum)
        self.velocity: np.ndarray | None = None

    def step(self, k: int, theta: np.ndarray, grad: np.ndarray) -> None:
        g = self._decayed(theta, grad)
        if self.momentum:
            self.velocity = g.copy() if self.velocity is None else self.momentum * self.velocity + g
            g = self.velocity
        theta -= self.rate(k) * g


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first and second moments.

    m ← β₁·m + (1−β₁)·g, s ← β₂·s + (1−β₂)·g², m̂ = m/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ) at step
    t = 1, 2, ..., and θ ← θ − lr·m̂/(√ŝ + ε) (Kingma and Ba, 2015).
    """

    name = "adam"

    def __init__(
        self, lr: LearningRate = 0.1, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__(lr, weight_decay)
        beta1, beta2 = betas
        _check_number("betas[0]", beta1, low=0.0, high=1.0)
        _check_number("betas[1]", beta2, low=0.0, high=1.0)
        _check_number("eps", eps, low=0.0, open_low=True)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m: np.ndarray | None = None
        self.s: np.ndarray | None = None
        self.t = 0

    def step(self, k: int, theta: np.ndarray, grad: np.ndarray) -> None:
        g = self._decayed(theta, grad)
        if self.m is None:
            self.m, self.s = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.s = self.beta2 * self.s + (1 - self.beta2) * g * g
        m_hat = self.m / (1 - self.beta1**self.t)
        s_hat = self.s / (1 - self.beta2**self.t)
        theta -= self.rate(k) * m_hat / (np.sqrt(s_hat) + self.eps)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, *, lr: LearningRate, momentum: float, weight_decay: float, betas, eps: float) -> Optimizer:
    """The optimizer called ``name`` with these settings; a CircuitError for a setting it lacks."""
    if name == "sgd":
        return SGD(lr, momentum, weight_decay)
    if name == "adam":
        if momentum:
            raise CircuitError("momentum is an SGD setting; Adam's are betas and eps")
        return Adam(lr, betas, eps, weight_decay)
    raise CircuitError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def _check_number(name: str, value, *, low: float, high: float = math.inf, open_low: bool = False) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if open_low else value >= low) and (value < high or high == math.inf)
    if not ok:
        bound = f"> {low:g}" if open_low else f">= {low:g}"
        upper = f" and < {high:g}" if high != math.inf else ""
        raise CircuitError(f"{name} must be a number {bound}{upper}, got {value!r}")
