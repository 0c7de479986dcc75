"""A gate's local-gradient expressions lowered to gates: each operation of the expression one
gate of a circuit under construction.

A gate's :class:`~circuitsim.gate.Expressions` are Python expressions over its inputs
(``x0``, ``x1``, ...) and output (``out``). :class:`Lowering` reads each local gradient's
syntax tree and adds a gate per operation to a :class:`~circuitsim.Builder`: ``+`` an
``add``, ``*`` a ``mul``, ``exp(x)`` an ``exp`` gate, relu's ``1.0 if x > 0 else 0.0`` a
``step``, and so on by the table :data:`CALLS` from the functions the expressions call to
gate types. Each gate computes what the expression's operation computes, in the same order,
so the lowered gradient has the same bits as the gate's own. An expression that calls a
function no gate computes is a :class:`~circuitsim.CircuitError` naming the gate and the
function.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import numpy as np

from gates import _rules, elementary, loss, piecewise

from ..errors import CircuitError
from ..faults import gate_origin
from ..kernels import expressions_of

__all__ = ["CALLS", "Lowering", "no_rule"]

Node = str | float  # a wire (a node's name) or a constant

_UNARY = {
    "exp": (math.exp, np.exp),
    "log": (math.log, np.log),
    "sqrt": (math.sqrt, np.sqrt),
    "sin": (math.sin, np.sin),
    "cos": (math.cos, np.cos),
    "tanh": (math.tanh, np.tanh),
    "abs": (abs, np.abs),
    "sign": (piecewise._sign, np.sign),
    "sigmoid": (elementary._sigmoid, elementary._sigmoid_array),
    "softplus": (loss._softplus, loss._softplus_array),
}

# The function an expression calls -> how it is lowered: a gate type of one input, or a method
# of Lowering (by name) for the functions of many inputs.
CALLS: dict[int, str] = {id(f): gate for gate, fs in _UNARY.items() for f in fs}
CALLS |= {
    id(math.pow): ":pow",
    id(np.power): ":pow",
    id(np.maximum): ":maximum",
    id(np.where): ":where",
    id(_rules.total): ":total",
    id(_rules.product): ":product",
    id(_rules.others): ":others",
    id(_rules.negated): ":negated",
    id(piecewise._largest): ":largest",
    id(piecewise._largest_array): ":largest",
    id(piecewise._smallest): ":smallest",
    id(piecewise._smallest_array): ":smallest",
    id(piecewise._routes): ":routes",
    id(piecewise._routes_array): ":routes",
    id(tuple): ":tuple",
}

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
_FOLD: dict[type, Callable] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def no_rule(plan, step, what: str) -> CircuitError:
    """The error for a gate without expressions, naming it and what to add."""
    return CircuitError(
        f"gate {step.name!r} ({gate_origin(plan, step)}) has no expressions, so {what} cannot "
        "use it: give its class an `expressions` method returning circuitsim.Expressions (its "
        "output and local gradients as Python expressions; see `circuitsim new-plugin`)",
        step.pos,
    )


class Lowering:
    """Adds gates to ``builder``; ``fresh(hint)`` names each new gate."""

    def __init__(self, builder, fresh: Callable[[str], str]) -> None:
        self.b = builder
        self.fresh = fresh
        self.hint = "d"

    # -- the gates, with constants folded where that keeps the bits -------------------------

    def gate(self, type_name: str, inputs: list, params: dict | None = None, name: str | None = None) -> str:
        return str(self.b.gate(type_name, inputs, name=name or self.fresh(self.hint), params=params))

    def mul(self, a: Node, b: Node, name: str | None = None) -> Node:
        """a * b; a factor 1.0 leaves the other as it is and -1.0 negates it (the same bits)."""
        if isinstance(a, float) and isinstance(b, float):
            return a * b
        if a == 1.0 and isinstance(a, float):
            return b
        if b == 1.0 and isinstance(b, float):
            return a
        if isinstance(b, float) and b == -1.0:
            return self.gate("neg", [a], name=name)
        if isinstance(a, float) and a == -1.0:
            return self.gate("neg", [b], name=name)
        return self.gate("mul", [a, b], name=name)

    def add(self, a: Node, b: Node, name: str | None = None) -> Node:
        if isinstance(a, float) and isinstance(b, float):
            return a + b
        return self.gate("add", [a, b], name=name)

    # -- a gate's local gradients ------------------------------------------------------------

    def local_grads(self, plan, step, sources: list[Node], out: str, what: str) -> list[Node]:
        """The nodes computing ``step``'s local gradients, one per input, in port order."""
        n = len(step.ins)
        expr = expressions_of(step.gate, n, False)
        if expr is None:
            raise no_rule(plan, step, what)
        env = {f"x{k}": s for k, s in enumerate(sources)} | {"out": out}
        xs = [f"x{k}" for k in range(n)]
        self.names = expr.names
        try:
            if isinstance(expr.grads, str):
                grads = self.eval(_parse(expr.grads.format(*xs, out="out")), env)
                grads = list(grads) if isinstance(grads, tuple) else None
                if grads is None or len(grads) != n:
                    raise _Unsupported(f"its gradients {expr.grads!r} do not make {n} local gradients")
            else:
                grads = [self.eval(_parse(g.format(*xs, out="out")), env) for g in expr.grads]
        except _Unsupported as exc:
            raise CircuitError(
                f"gate {step.name!r} ({gate_origin(plan, step)}): {what} cannot write its local gradient as gates: {exc}",
                step.pos,
            ) from None
        for g in grads:
            if isinstance(g, tuple):
                raise CircuitError(f"gate {step.name!r}: a local gradient is a sequence, not a number", step.pos)
        return grads

    def eval(self, node: ast.AST, env: dict):
        """The node (or tuple of nodes) computing the expression ``node``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            raise _Unsupported(f"it reads {node.id!r}, which is not an input")
        if isinstance(node, ast.Tuple):
            return tuple(self.eval(e, env) for e in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            x = self.eval(node.operand, env)
            if isinstance(node.op, ast.UAdd):
                return x
            return -x if isinstance(x, float) else self.gate("neg", [x])
        if isinstance(node, ast.BinOp):
            return self._binary(node, env)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node, env)
        if isinstance(node, ast.IfExp):
            return self._select(node, env)
        raise _Unsupported(f"no gate computes {ast.unparse(node)!r}")

    def _binary(self, node: ast.BinOp, env: dict) -> Node:
        a, b = self.eval(node.left, env), self.eval(node.right, env)
        op = type(node.op)
        if isinstance(a, float) and isinstance(b, float) and op in _FOLD:
            return _FOLD[op](a, b)
        if op is ast.Mult:
            return self.mul(a, b)
        if op is ast.Pow and isinstance(b, float):
            return self.gate("pow", [a], {"exponent": b})
        if op in _BINARY:
            return self.gate(_BINARY[op], [a, b])
        raise _Unsupported(f"no gate computes {ast.unparse(node)!r}")

    def _call(self, node: ast.Call, env: dict):
        name = node.func.id
        func = self.names.get(name, {"tuple": tuple, "abs": abs}.get(name))
        how = CALLS.get(id(func)) if func is not None else None
        if how is None:
            raise _Unsupported(f"it calls {name!r}, which no gate computes")
        args = [self.eval(a, env) for a in node.args]
        if not how.startswith(":"):
            (x,) = args
            return self.gate(how, [x])
        return getattr(self, "_" + how[1:])(*args)

    # -- the functions of several inputs --------------------------------------------------

    def _pow(self, x: Node, p: Node) -> Node:
        if not isinstance(p, float):
            raise _Unsupported("pow's exponent is not a number")
        return self.gate("pow", [x], {"exponent": p})

    def _maximum(self, a: Node, b: Node) -> Node:
        if isinstance(b, float) and b == 0.0:
            return self.gate("relu", [a])
        return self.gate("max", [a, b])

    def _where(self, cond: Node, a: Node, b: Node) -> Node:
        return self._blend(cond, a, b)

    def _tuple(self, xs) -> tuple:
        return tuple(xs)

    def _total(self, xs) -> Node:
        return self.gate("add", list(xs))

    def _product(self, xs) -> Node:
        return self.gate("mul", list(xs))

    def _others(self, xs) -> tuple:
        """As :func:`gates._rules.others`: the products before and after each input."""
        before = [1.0]
        for x in xs[:-1]:
            before.append(self.mul(before[-1], x))
        after = [1.0]
        for x in reversed(xs[1:]):
            after.append(self.mul(after[-1], x))
        return tuple(self.mul(b, a) for b, a in zip(before, reversed(after)))

    def _negated(self, xs) -> tuple:
        return tuple(-x if isinstance(x, float) else self.gate("neg", [x]) for x in xs)

    def _largest(self, xs) -> Node:
        return self.gate("max", list(xs))

    def _smallest(self, xs) -> Node:
        return self.gate("min", list(xs))

    def _routes(self, xs, out: Node) -> tuple:
        """1/k for each of the k inputs equal to the output, else 0: equal gates over their count."""
        wins = [self.gate("equal", [x, out]) for x in xs]
        count = self.gate("add", wins)
        return tuple(self.gate("div", [w, count]) for w in wins)

    def _select(self, node: ast.IfExp, env: dict) -> Node:
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            raise _Unsupported(f"no gate computes the condition {ast.unparse(test)!r}")
        cond = self._compare(test, env)
        return self._blend(cond, self.eval(node.body, env), self.eval(node.orelse, env))

    def _compare(self, test: ast.Compare, env: dict) -> Node:
        left, right = self.eval(test.left, env), self.eval(test.comparators[0], env)
        op = type(test.ops[0])
        if op is ast.Eq:
            return self.gate("equal", [left, right])
        if op in (ast.Gt, ast.LtE):
            diff = left if right == 0.0 and isinstance(right, float) else self.gate("sub", [left, right])
        elif op in (ast.Lt, ast.GtE):
            diff = right if left == 0.0 and isinstance(left, float) else self.gate("sub", [right, left])
        else:
            raise _Unsupported(f"no gate computes the comparison {ast.unparse(test)!r}")
        step = self.gate("step", [diff])
        return step if op in (ast.Gt, ast.Lt) else self.gate("sub", [1.0, step])

    def _blend(self, cond: Node, a: Node, b: Node) -> Node:
        """``a`` where ``cond`` is 1, ``b`` where it is 0: b + cond * (a - b)."""
        if isinstance(a, float) and isinstance(b, float):
            if (a, b) == (1.0, 0.0):
                return cond
            if (a, b) == (0.0, 1.0):
                return self.gate("sub", [1.0, cond])
        if isinstance(b, float) and b == 0.0:
            return self.mul(cond, a)
        spread = a - b if isinstance(a, float) and isinstance(b, float) else self.gate("sub", [a, b])
        return self.add(b, self.mul(cond, spread))


class _Unsupported(Exception):
    pass


def _parse(text: str) -> ast.AST:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise _Unsupported(f"{text!r} is not an expression") from None
