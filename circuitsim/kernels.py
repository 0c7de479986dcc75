"""The fast path of a plan: each gate compiled into a small Python function, its *kernel*.

A gate that gives :class:`~circuitsim.gate.Expressions` gets kernels generated from them, one
forward and one backward function per distinct expression set, shared by all gates of that
kind::

    def forward(v, o, i0, i1):
        x0 = v[i0]; x1 = v[i1]
        v[o] = x0 * x1

    def backward(v, g, o, i0, i1):
        go = g[o]
        x0 = v[i0]; x1 = v[i1]
        l0 = x1; l1 = x0
        g[i0] = g[i0] + go * l0
        g[i1] = g[i1] + go * l1

``v`` and ``g`` are the plan's value and gradient lists; a backward kernel adds its inputs'
contributions in port order, exactly as the method path does, so both give the same bits. A
gate without expressions gets kernels that call its methods. A plan's fast path is then a list
of ``(kernel, args)`` pairs, run by one plain loop.

A kernel may raise (a domain edge such as ``math.log(0.0)``, or a misbehaving gate); the plan
then runs again through the methods, which answer IEEE values or name the faulty gate.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .gate import Expressions

__all__ = ["Kernels", "compile_kernels", "expressions_of", "is_value", "method_kernels"]

Kernels = tuple[Callable, Callable]  # (forward, backward)

_cache: dict[tuple, Kernels] = {}

# Local gradients of +-1 need no multiplication: x * 1.0 is x and a + x * -1.0 is a - x, bit for bit.
_UNIT = {"1.0": "+ go", "-1.0": "- go"}


def compile_kernels(expr: Expressions, n_inputs: int) -> Kernels:
    """The forward and backward kernels of ``expr`` for a gate with ``n_inputs`` inputs."""
    if len(expr.grads) != n_inputs:
        raise ValueError(f"expressions give {len(expr.grads)} local gradients for {n_inputs} inputs")
    key = (expr.output, tuple(expr.grads), n_inputs, tuple((k, id(v)) for k, v in sorted(expr.names.items())))
    kernels = _cache.get(key)
    if kernels is None:
        kernels = _cache[key] = _compile(expr, n_inputs)
    return kernels


def _compile(expr: Expressions, n: int) -> Kernels:
    xs = [f"x{k}" for k in range(n)]
    ins = ", ".join(f"i{k}" for k in range(n))
    output = expr.output.format(*xs)
    grads = [grad.format(*xs, out="out") for grad in expr.grads]
    load = "; ".join(f"x{k} = v[i{k}]" for k in range(n))
    lines = [
        f"def forward(v, o, {ins}):",
        f"    {load}",
        f"    v[o] = {output}",
        f"def backward(v, g, o, {ins}):",
        "    go = g[o]",
        f"    {load}; out = v[o]",
    ]
    lines += [f"    l{k} = {grad}" for k, grad in enumerate(grads) if grad not in _UNIT]
    lines += [f"    g[i{k}] = g[i{k}] {_UNIT.get(grad, f'+ go * l{k}')}" for k, grad in enumerate(grads)]
    namespace = dict(expr.names)
    exec(compile("\n".join(lines) + "\n", f"<kernels {expr.output!r}>", "exec"), namespace)
    return namespace["forward"], namespace["backward"]


def method_kernels(gate: Any, n_inputs: int, batch: bool) -> tuple[Callable, Callable, Callable]:
    """Kernels that call ``gate.forward`` and ``gate.local_grads`` (args: ``(o, ins)``).

    They check what the methods return and raise ``TypeError`` or ``ValueError`` on anything
    but numbers (arrays in a batch) and one gradient per input; the method path then names
    the gate.
    """
    fwd, local_grads = gate.forward, gate.local_grads

    def forward(v, o, ins):
        out = fwd(*[v[i] for i in ins])
        if not is_value(out, batch):
            raise TypeError("not a number")
        v[o] = out

    def backward(v, g, o, ins):
        go = g[o]
        local = local_grads([v[i] for i in ins], v[o])
        if len(local) != len(ins):
            raise ValueError("wrong number of local gradients")
        for i, lg in zip(ins, local):
            if not is_value(lg, batch):
                raise TypeError("not a number")
            g[i] = g[i] + go * lg

    return forward, backward


def is_value(value: Any, batch: bool) -> bool:
    """Whether a gate may return ``value``: a real number, or in a batch also an array."""
    if type(value) is float:
        return True
    if isinstance(value, np.ndarray):
        return batch and value.ndim <= 1 and value.dtype.kind in "fiu"
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def expressions_of(gate: Any, n_inputs: int, batch: bool) -> Expressions | None:
    """The gate's expressions, or None: also when its ``expressions`` method misbehaves."""
    method = getattr(gate, "expressions", None)
    if method is None:
        return None
    try:
        expr = method(n_inputs, batch)
    except Exception:  # a plugin's fast path must never stop a run: the methods still work
        return None
    if isinstance(expr, Expressions) and isinstance(expr.grads, Sequence):
        return expr
    return None
