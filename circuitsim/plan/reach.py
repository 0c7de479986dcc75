"""Which gates reach a seed: the one backward reachability every backward pass runs on."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count
from typing import Any

import numpy as np

__all__ = ["reaching"]


def reaching(n: int, seeded: Any, outs: Iterable[Any], ins: Iterable[Iterable[Any]]) -> list[int]:
    """The indices k of the units (gates or groups of them, in reverse topological order, unit k
    writing ``outs[k]`` and reading ``ins[k]``) from which some of the ``seeded`` of ``n`` slots
    is reached. Outputs and inputs are slots (ints: a gate) or what else indexes a numpy array
    (a slice, an index array: a group of gates)."""
    marks = bytearray(n)  # a gate's slots read and set as bytes: a numpy call each would cost several times more
    reached = np.frombuffer(marks, dtype=np.bool_)
    reached[seeded] = True
    live = []
    for k, out, reads in zip(count(), outs, ins):
        if type(out) is int:
            if not marks[out]:
                continue
            for s in reads:
                marks[s] = 1
        else:
            if not reached[out].any():
                continue
            for s in reads:
                reached[s] = True
        live.append(k)
    return live
