"""What the gate families' rules share: the rules of products and sums of many inputs, written
inline for a few inputs, as calls on the inputs beyond :data:`INLINE_INPUTS`, and over
``{xs}`` beyond :data:`WIDE_INPUTS`, all with the same bits (why: ``docs/internals/rules.md``).
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any

from circuitsim.gate import Expressions, Gate
from circuitsim.gate import rule as trees

__all__ = ["INLINE_INPUTS", "WIDE_INPUTS", "gate_type", "placeholders", "product_rule", "sum_rule"]

INLINE_INPUTS = 4
WIDE_INPUTS = 2048  # more inputs: the rule reads {xs}, the tiers call the gate's methods (which run it)


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


def complements(xs):
    """Each 1 - x, as the factor ``(1.0 - {})`` computes it."""
    return tuple(1.0 - x for x in xs)


def signs(xs):
    """Each 1 - 2x, as the factor ``(1.0 - 2.0 * {})`` computes it."""
    return tuple(1.0 - 2.0 * x for x in xs)


def _items(args):
    """The items of a call's one tuple argument (the inputs of ``{xs}`` one by one), else None."""
    if len(args) != 1:
        return None
    if isinstance(args[0], trees.Inputs):
        return tuple(trees.Input(k) for k in range(args[0].n))
    return args[0].items if isinstance(args[0], trees.Tuple) else None


def _fold(op, items):
    return reduce(op, items) if items else trees.ONE


def _expand(make):
    """An expansion of a function of one tuple of inputs (None for any other call)."""
    return lambda args: None if _items(args) is None else make(_items(args))


def _others(xs):
    return trees.Tuple(tuple(trees.mul(_fold(trees.mul, xs[:i]), _fold(trees.mul, xs[:i:-1])) for i in range(len(xs))))


# What the trees of these rules mean, for derivatives and for the tiers' fused sums
def _width(arg) -> int:
    return arg.n if isinstance(arg, trees.Inputs) else len(arg.items)


def _ones(args):
    return (trees.Tuple((trees.ONE,) * _width(args[0])),)


def _others_of(args):
    routed = trees.Call("others", others, args)
    return (trees.Tuple(tuple(trees.Index(routed, trees.Const(k)) for k in range(_width(args[0])))),)


# partials for derivatives (shallow, whatever the number of inputs), expansions for the facts
trees.register(total, partials=_ones, expand=_expand(lambda xs: reduce(lambda a, b: trees.Binary("+", a, b), xs)))
trees.register(product, partials=_others_of, expand=_expand(lambda xs: reduce(lambda a, b: trees.Binary("*", a, b), xs)))
trees.register(others, expand=_expand(_others))
trees.register(negated, expand=_expand(lambda xs: trees.Tuple(tuple(trees.neg(x) for x in xs))))
trees.register(complements, expand=_expand(lambda xs: trees.Tuple(tuple(trees.Binary("-", trees.ONE, x) for x in xs))))
trees.register(signs, expand=_expand(lambda xs: trees.Tuple(tuple(trees.Binary("-", trees.ONE, trees.Binary("*", trees.Const(2.0), x)) for x in xs))))

_NAMES = {"total": total, "product": product, "others": others, "negated": negated, "complements": complements, "signs": signs}
_TUPLED = {"{}": "{xs}", "(1.0 - {})": "complements({xs})", "(1.0 - 2.0 * {})": "signs({xs})"}  # each factor of {xs}


def sum_rule(n: int) -> Expressions:
    """The sum of ``n`` inputs; each local gradient is 1."""
    if n > WIDE_INPUTS:
        return Expressions("total({xs})", ("1.0",) * n, _NAMES)
    xs = placeholders(n)
    output = " + ".join(xs) if n <= INLINE_INPUTS else f"total({_tuple(xs)})"
    return Expressions(output, ("1.0",) * n, _NAMES)


def product_rule(n: int, factor: str = "{}", outer: str = "{}", negate: bool = False) -> Expressions:
    """A gate of ``n`` inputs made from the product P of one ``factor`` per input (a template:
    ``"{}"``, ``"(1.0 - {})"`` or ``"(1.0 - 2.0 * {})"``).

    ``outer`` makes the output from P (``"1.0 - {}"``). The local gradient of input i is the
    product of the other factors, negated with ``negate``: the chain rule through P, for
    factors and ``outer`` whose slopes multiply to 1 (or, with ``negate``, to -1).
    """
    if n > WIDE_INPUTS:
        factors = _TUPLED[factor]
        grads = f"others({factors})"
        return Expressions(outer.format(f"product({factors})"), f"negated({grads})" if negate else grads, _NAMES)
    factors = [factor.format(x) for x in placeholders(n)]
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


def gate_type(
    cls_name: str,
    name: str,
    doc: str,
    rule: tuple[str, tuple[str, ...]] | Callable[[int], Expressions],
    functions: Mapping[str, tuple[Callable, Callable]] | None = None,
    **attrs: Any,
) -> type[Gate]:
    """The gate class ``cls_name`` of type ``name``, stated by its rule: a family is a table.

    ``rule`` is the output and local gradient templates, or a function of the number of inputs
    giving the :class:`Expressions`; ``functions`` maps each name the templates call to the
    function on floats and on arrays. ``attrs`` are further class attributes (``arity``,
    ``ports``, ``symbol``, ``kinks``); the symbol is ``name`` unless given.
    """
    functions = functions or {}
    names = ({k: on_floats for k, (on_floats, _) in functions.items()}, {k: on_arrays for k, (_, on_arrays) in functions.items()})

    def expressions(self, n_inputs, batch):
        return rule(n_inputs) if callable(rule) else Expressions(*rule, names[batch])

    namespace = {"__doc__": doc, "__module__": sys._getframe(1).f_globals["__name__"], "__qualname__": cls_name}
    return type(cls_name, (Gate,), {**namespace, "name": name, "symbol": name, **attrs, "expressions": expressions})
