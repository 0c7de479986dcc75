"""Elementwise evaluation shared by the built-in gates: fast on floats, IEEE at domain edges.

Python floats go through the :mod:`math` module and stay Python floats; numpy arrays go
through numpy. Where :mod:`math` would raise (``log(0)``, ``1/0``, ``exp(1000)``), the value is
computed again in numpy float64, which answers with ``inf`` or ``nan`` as IEEE 754 says.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["apply", "is_batch"]


def is_batch(values) -> bool:
    """Whether any of ``values`` is a numpy array (a batch run)."""
    for v in values:  # a plain loop: twice as fast as any() on a few values
        if isinstance(v, np.ndarray):
            return True
    return False


def apply(math_fn: Callable, np_fn: Callable, *args):
    """``math_fn(*args)`` on plain numbers, ``np_fn(*args)`` if any is an array; never raises.

    Both return one value or a tuple of values; plain numbers in give Python floats out.

    >>> import math
    >>> apply(math.log, np.log, 0.0)
    -inf
    """
    if is_batch(args):
        with np.errstate(all="ignore"):
            return np_fn(*args)
    try:
        return math_fn(*args)
    except (ArithmeticError, ValueError):  # a domain edge: let IEEE 754 answer
        with np.errstate(all="ignore"):
            result = np_fn(*map(np.float64, args))
        if isinstance(result, tuple):  # several results, e.g. the local gradients of div
            return tuple(map(float, result))
        return float(result)
