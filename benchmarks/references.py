"""What circuitsim is measured against, on the same :class:`~benchmarks.circuits.Net`.

Each ``*_runner(net, batch)`` returns a function that does one forward+backward pass (gradient
1.0 at the output) and returns the output value, or ``None`` when the reference cannot run
(not installed, or no batch mode).
"""

from __future__ import annotations

import operator
import sys
from typing import Any

import numpy as np

from .circuits import Net, sample_inputs

__all__ = ["RUNNERS"]


def _slots(net: Net):
    names = list(net.inputs) + [name for name, _, _ in net.gates]
    slot = {name: i for i, name in enumerate(names)}
    ops = [(op, slot[name], tuple(slot[s] for s in srcs)) for name, op, srcs in net.gates]
    values = [0.0] * len(names)
    for name, value in net.inputs.items():
        values[slot[name]] = value
    return ops, values, slot[net.outputs[0]]


def _relu(x):
    return x if x > 0 else 0.0


_FORWARD = {"add": operator.add, "mul": operator.mul, "relu": _relu}
_LOCAL = {
    "add": lambda a, b: (1.0, 1.0),
    "mul": lambda a, b: (b, a),
    "relu": lambda x: (1.0 if x > 0 else 0.0,),
}


def loop_runner(net: Net, batch: int):
    """A pure-Python loop over a precompiled list of ops (function, output slot, input slots)."""
    if batch != 1:
        return None
    ops, base, out = _slots(net)
    forward = [(_FORWARD[op], o, ins) for op, o, ins in ops]
    backward = [(_LOCAL[op], o, ins) for op, o, ins in reversed(ops)]

    def run():
        v = base[:]
        for fn, o, ins in forward:
            v[o] = fn(*[v[i] for i in ins])
        g = [0.0] * len(v)
        g[out] = 1.0
        for fn, o, ins in backward:
            go = g[o]
            for i, local in zip(ins, fn(*[v[i] for i in ins])):
                g[i] += go * local
        return v[out]

    return run


def numpy_runner(net: Net, batch: int):
    """A hand-written NumPy plan: one array per wire, the same loop over arrays."""
    if batch == 1:
        return None
    ops, _, out = _slots(net)
    start = list(sample_inputs(net, batch).values()) + [0.0] * len(net.gates)
    backward = ops[::-1]

    def run():
        v = start[:]
        for op, o, ins in ops:
            if op == "add":
                v[o] = v[ins[0]] + v[ins[1]]
            elif op == "mul":
                v[o] = v[ins[0]] * v[ins[1]]
            else:
                v[o] = np.maximum(v[ins[0]], 0.0)
        g = [0.0] * len(v)
        g[out] = np.ones(batch)
        for op, o, ins in backward:
            go = g[o]
            if op == "add":
                g[ins[0]] = g[ins[0]] + go
                g[ins[1]] = g[ins[1]] + go
            elif op == "mul":
                a, b = ins
                g[a] = g[a] + go * v[b]
                g[b] = g[b] + go * v[a]
            else:
                g[ins[0]] = g[ins[0]] + go * (v[ins[0]] > 0)
        return v[out]

    return run


def _forward(net: Net, v: dict, relu) -> Any:
    """The output of ``net`` on the values (micrograd Values, tensors) ``v`` of its inputs, which
    it fills with every gate's; ``relu`` is the library's."""
    for name, op, srcs in net.gates:
        if op == "add":
            v[name] = v[srcs[0]] + v[srcs[1]]
        elif op == "mul":
            v[name] = v[srcs[0]] * v[srcs[1]]
        else:
            v[name] = relu(v[srcs[0]])
    return v[net.outputs[0]]


def micrograd_runner(net: Net, batch: int):
    """micrograd's Value graph, built by the forward pass as micrograd users write it."""
    try:
        from micrograd.engine import Value
    except ImportError:
        return None
    if batch != 1:
        return None
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * len(net.gates) + 1000))

    def run():
        result = _forward(net, {name: Value(value) for name, value in net.inputs.items()}, Value.relu)
        result.backward()
        return result.data

    return run


def torch_runner(net: Net, batch: int, only=None):
    """PyTorch autograd on one thread: 0-d tensors for one sample, tensors of shape (batch,) for
    a batch. Every input requires its gradient (a weight's is summed over the batch), or with
    ``only`` the inputs named there (the others are constants to autograd)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    start = {name: torch.tensor(value, dtype=torch.float64) for name, value in sample_inputs(net, batch).items()}
    wanted = set(start if only is None else only)

    def run():
        v = {name: t.clone().requires_grad_() if name in wanted else t for name, t in start.items()}
        result = _forward(net, v, torch.relu)
        result.sum().backward()
        return result

    return run


RUNNERS = {
    "python loop": loop_runner,
    "numpy plan": numpy_runner,
    "micrograd": micrograd_runner,
    "pytorch": torch_runner,
}
