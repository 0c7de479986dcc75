"""What the gate families' rules share: the rules of products and sums of many inputs.

A variadic rule of a few inputs is written out inline (``{0} * {1}``), which the kernels run
fastest; beyond :data:`INLINE_INPUTS` inputs it calls a function on the tuple of inputs, so
that its text grows linearly with the number of inputs and no expression nests deeper than the
compiler allows. Beyond :data:`WIDE_INPUTS` inputs a :class:`Variadic` gate gives no
expressions at all: Python's compiler takes more than linear time and memory in the number of
names a function uses (a 160,000-input sum took minutes), so its methods apply the same
functions to the tuple of inputs, compiled once whatever the width. All forms do the same
operations in the same order, so they give the same bits.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import reduce

import numpy as np

from circuitsim.gate import Expressions, Gate
from circuitsim.gate import rule as trees

__all__ = ["INLINE_INPUTS", "WIDE_INPUTS", "Variadic", "placeholders", "product_rule", "sum_rule"]

INLINE_INPUTS = 4
WIDE_INPUTS = 2048  # more inputs: the methods compute the rule, no expressions are compiled (nor tiers that need them)


def placeholders(n: int) -> list[str]:
    """``["{0}", "{1}", ...]``: the inputs in an expression template."""
    return [f"{{{i}}}" for i in range(n)]


def _tuple(items: list[str]) -> str:
    return "(" + "".join(f"{item}, " for item in items) + ")"


def total(xs):
    """x0 + x1 + ... from the left, as the inline expression adds."""
    return reduce(operator.add, xs)


def product(xs):
    """x0 * x1 * ... from the left, as the inline expression multiplies."""
    return reduce(operator.mul, xs)


def others(xs):
    """For each i, the product of all xs but xs[i], without dividing (right when an x is 0).

    The product of those before i times the product of those after i taken from the end,
    as :func:`product_rule` writes them inline.
    """
    before = [1.0]  # before[i] = xs[0] * ... * xs[i-1]
    for x in xs[:-1]:
        before.append(before[-1] * x)
    after = [1.0]  # built backwards: after[i] = xs[n-1] * ... * xs[n-i]
    for x in reversed(xs[1:]):
        after.append(after[-1] * x)
    return tuple(b * a for b, a in zip(before, reversed(after)))


def negated(xs):
    return tuple(-x for x in xs)


def _items(args):
    return args[0].items if len(args) == 1 and isinstance(args[0], trees.Tuple) else None


def _fold(op, items):
    return reduce(op, items) if items else trees.ONE


def _expand(make):
    """An expansion of a function of one tuple of inputs (None for any other call)."""
    return lambda args: None if _items(args) is None else make(_items(args))


def _others(xs):
    return trees.Tuple(tuple(trees.mul(_fold(trees.mul, xs[:i]), _fold(trees.mul, xs[:i:-1])) for i in range(len(xs))))


# What the trees of these rules mean, for derivatives and for the tiers' fused sums
def _ones(args):
    return (trees.Tuple((trees.ONE,) * len(args[0].items)),)


def _others_of(args):
    routed = trees.Call("others", others, args)
    return (trees.Tuple(tuple(trees.Index(routed, trees.Const(k)) for k in range(len(args[0].items)))),)


# partials for derivatives (shallow, whatever the number of inputs), expansions for the facts
trees.register(total, partials=_ones, expand=_expand(lambda xs: reduce(lambda a, b: trees.Binary("+", a, b), xs)))
trees.register(product, partials=_others_of, expand=_expand(lambda xs: reduce(lambda a, b: trees.Binary("*", a, b), xs)))
trees.register(others, expand=_expand(_others))
trees.register(negated, expand=_expand(lambda xs: trees.Tuple(tuple(trees.neg(x) for x in xs))))

_NAMES = {"total": total, "product": product, "others": others, "negated": negated}


def sum_rule(n: int) -> Expressions:
    """The sum of ``n`` inputs; each local gradient is 1."""
    xs = placeholders(n)
    output = " + ".join(xs) if n <= INLINE_INPUTS else f"total({_tuple(xs)})"
    return Expressions(output, ("1.0",) * n, _NAMES)


def product_rule(factors: list[str], outer: str = "{}", negate: bool = False) -> Expressions:
    """A gate made from the product P of ``factors`` (templates, one per input).

    ``outer`` makes the output from P (``"1.0 - {}"``). The local gradient of input i is the
    product of the other factors, negated with ``negate``: the chain rule through P, for
    factors and ``outer`` whose slopes multiply to 1 (or, with ``negate``, to -1).
    """
    n = len(factors)
    if n > INLINE_INPUTS:
        p = f"product({_tuple(factors)})"
        grads = f"others({_tuple(factors)})"
        return Expressions(outer.format(p), f"negated({grads})" if negate else grads, _NAMES)
    grads = []
    for i in range(n):
        before, after = factors[:i], factors[:i:-1]
        parts = [f"({' * '.join(p)})" for p in (before, after) if p]
        grad = " * ".join(parts) or "1.0"
        grads.append(f"-({grad})" if negate else grad)
    return Expressions(outer.format(f"({' * '.join(factors)})"), tuple(grads), _NAMES)


class Variadic(Gate):
    """A gate of one or more inputs whose rule, beyond :data:`WIDE_INPUTS` inputs, is computed
    by :meth:`wide`'s functions of the tuple of inputs instead of compiled expressions."""

    arity = None

    def rule(self, n_inputs: int, batch: bool) -> Expressions:
        """The expressions for ``n_inputs`` inputs (at most :data:`WIDE_INPUTS`)."""
        raise NotImplementedError

    def wide(self, batch: bool) -> tuple[Callable, Callable]:
        """``(output(xs), grads(xs, out))``: the rule as functions of the tuple of inputs."""
        raise NotImplementedError

    def expressions(self, n_inputs, batch):
        return self.rule(n_inputs, batch) if n_inputs <= WIDE_INPUTS else None

    def forward(self, *inputs):
        if len(inputs) <= WIDE_INPUTS:
            return super().forward(*inputs)
        return self._wide(inputs, 0)(inputs)

    def local_grads(self, inputs: Sequence, output) -> Sequence:
        inputs = tuple(inputs)
        if len(inputs) <= WIDE_INPUTS:
            return super().local_grads(inputs, output)
        return self._wide((*inputs, output), 1)(inputs, output)

    def _wide(self, values: Sequence, which: int) -> Callable:
        batch = any(isinstance(v, np.ndarray) for v in values)
        function = self.wide(batch)[which]

        def ieee(*args):
            with np.errstate(all="ignore"):
                if batch:
                    return function(*args)
                try:
                    return function(*args)
                except (ArithmeticError, ValueError):  # a domain edge: let IEEE 754 answer
                    as_numpy = [tuple(map(np.float64, a)) if isinstance(a, tuple) else np.float64(a) for a in args]
                    result = function(*as_numpy)
                    return tuple(map(float, result)) if isinstance(result, tuple) else float(result)

        return ieee


def template_function(template: str) -> Callable:
    """``"(1.0 - {})"`` -> the function ``lambda x: (1.0 - x)`` (compiled once)."""
    return eval(compile(f"lambda x: {template.format('x')}", f"<factor {template!r}>", "eval"), {})


def sum_functions() -> tuple[Callable, Callable]:
    """The wide form of :func:`sum_rule`."""
    return total, lambda xs, out: (1.0,) * len(xs)


def product_functions(factor: str = "{}", outer: str = "{}", negate: bool = False) -> tuple[Callable, Callable]:
    """The wide form of :func:`product_rule` for ``factor`` (one template for every input)."""
    f, g = template_function(factor), template_function(outer)
    if factor == "{}":
        factors = tuple
    else:
        def factors(xs):
            return tuple(map(f, xs))

    def output(xs):
        return g(product(factors(xs)))

    def grads(xs, out):
        local = others(factors(xs))
        return negated(local) if negate else local

    return output, grads
