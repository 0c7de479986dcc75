"""A gate's local gradients lowered to gates: each operation of its rule's trees one gate of a
circuit under construction, by the table :data:`CALLS`, with the gate's own bits (see
``docs/internals/features.md``, "Derivatives").
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from circuitsim.errors import CircuitError
from circuitsim.gate import rule
from circuitsim.plan.faults import gate_origin
from gates import _rules, elementary, loss, piecewise

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
    "sign": (rule.sign, np.sign),
    "sigmoid": (elementary._sigmoid, elementary._sigmoid_array),
    "softplus": (loss._softplus, loss._softplus_array),
}

# The function a tree calls -> how it is lowered: a gate type of one input, or a method of
# Lowering (":name") for the functions of many inputs.
CALLS: dict[int, str] = {id(f): gate for gate, fs in _UNARY.items() for f in fs}
CALLS |= {
    id(math.pow): ":pow",
    id(np.power): ":pow",
    id(np.maximum): ":maximum",
    id(np.where): ":where",
    id(piecewise._largest): ":largest",
    id(piecewise._largest_array): ":largest",
    id(piecewise._smallest): ":smallest",
    id(piecewise._smallest_array): ":smallest",
    id(piecewise._routes): ":routes",
    id(piecewise._routes_array): ":routes",
    id(tuple): ":tuple",
    id(_rules.others): ":others",
    id(_rules.negated): ":negated",
    id(_rules.complements): ":complements",
    id(_rules.signs): ":signs",
}

_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
_FOLD: dict[str, Callable] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
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
        self.rules: dict[tuple[int, int], rule.Rule | None] = {}  # (id of a gate object, inputs) -> its rule; the plan keeps the objects

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
        key = (id(step.gate), len(step.ins))
        r = self.rules[key] if key in self.rules else self.rules.setdefault(key, rule.rule_of(step.gate, len(step.ins)))
        if r is None:
            raise no_rule(plan, step, what)
        env = {rule.Input(k): s for k, s in enumerate(sources)} | {rule.Out(): out, rule.Inputs(len(sources)): tuple(sources)}
        try:
            if r.together is not None:
                grads = self.eval(r.together, env)
                if not isinstance(grads, tuple) or len(grads) != r.n:
                    raise _Unsupported(f"its local gradients {rule.to_text(r.together)!r} do not make {r.n} numbers")
                grads = list(grads)
            else:
                grads = [self.eval(g, env) for g in r.grads]
            if any(isinstance(g, tuple) for g in grads):
                raise _Unsupported("a local gradient is a sequence, not a number")
        except _Unsupported as exc:
            raise CircuitError(
                f"gate {step.name!r} ({gate_origin(plan, step)}): {what} cannot write its local gradients as gates: {exc}",
                step.pos,
            ) from None
        return grads

    def eval(self, node: rule.Node, env: dict):
        """The node (or tuple of nodes) computing the tree ``node``."""
        if node in env:
            return env[node]
        if isinstance(node, rule.Const) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, rule.Tuple):
            return tuple(self.eval(e, env) for e in node.items)
        if isinstance(node, rule.Index) and isinstance(node.index, rule.Const):
            items = self.eval(node.value, env)
            if isinstance(items, tuple) and isinstance(node.index.value, int):
                return items[node.index.value]
        if isinstance(node, rule.Unary) and node.op in "+-":
            x = self.eval(node.operand, env)
            if node.op == "+":
                return x
            return -x if isinstance(x, float) else self.gate("neg", [x])
        if isinstance(node, rule.Binary):
            return self._binary(node, env)
        if isinstance(node, rule.Call):
            return self._call(node, env)
        if isinstance(node, rule.IfElse):
            return self._select(node, env)
        if isinstance(node, rule.Compare):
            return self._compare(node, env)
        raise _Unsupported(f"no gate computes {rule.to_text(node)!r}")

    def _binary(self, node: rule.Binary, env: dict) -> Node:
        a, b = self.eval(node.left, env), self.eval(node.right, env)
        op = node.op
        if isinstance(a, float) and isinstance(b, float) and op in _FOLD:
            return _FOLD[op](a, b)
        if op == "*":
            return self.mul(a, b)
        if op == "**" and isinstance(b, float):
            return self.gate("pow", [a], {"exponent": b})
        if op in _BINARY:
            return self.gate(_BINARY[op], [a, b])
        raise _Unsupported(f"no gate computes {rule.to_text(node)!r}")

    def _call(self, node: rule.Call, env: dict):
        how = CALLS.get(id(node.fn))
        if how is None:
            expansion = rule.expanded(node)
            if expansion != node:  # e.g. the products of a gate of many inputs
                return self.eval(expansion, env)
            raise _Unsupported(f"it calls {node.name!r}, which no gate computes")
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

    def _others(self, xs) -> tuple:
        """For each x, the product of the others: the products before it times those after it
        from the end, as :func:`gates._rules.others` multiplies (2n gates, not n squared)."""
        xs = list(xs)
        before = [1.0]
        for x in xs[:-1]:
            before.append(self.mul(before[-1], x))
        after = [1.0]
        for x in reversed(xs[1:]):
            after.append(self.mul(after[-1], x))
        return tuple(self.mul(b, a) for b, a in zip(before, reversed(after)))

    def _negated(self, xs) -> tuple:
        return tuple(-x if isinstance(x, float) else self.gate("neg", [x]) for x in xs)

    def _complements(self, xs) -> tuple:
        """Each 1 - x, as :func:`gates._rules.complements`."""
        return tuple(1.0 - x if isinstance(x, float) else self.gate("sub", [1.0, x]) for x in xs)

    def _signs(self, xs) -> tuple:
        """Each 1 - 2x, as :func:`gates._rules.signs`."""
        return tuple(1.0 - 2.0 * x if isinstance(x, float) else self.gate("sub", [1.0, self.mul(2.0, x)]) for x in xs)

    def _largest(self, xs) -> Node:
        return self.gate("max", list(xs))

    def _smallest(self, xs) -> Node:
        return self.gate("min", list(xs))

    def _routes(self, xs, out: Node) -> tuple:
        """1/k for each of the k inputs equal to the output, else 0: equal gates over their count."""
        wins = [self.gate("equal", [x, out]) for x in xs]
        count = self.gate("add", wins)
        return tuple(self.gate("div", [w, count]) for w in wins)

    def _select(self, node: rule.IfElse, env: dict) -> Node:
        cond = self._compare(node.cond, env)
        return self._blend(cond, self.eval(node.then, env), self.eval(node.other, env))

    def _compare(self, test: rule.Node, env: dict) -> Node:
        if not (isinstance(test, rule.Compare) and len(test.ops) == 1):
            raise _Unsupported(f"no gate computes the condition {rule.to_text(test)!r}")
        left, right = (self.eval(x, env) for x in test.operands)
        op = test.ops[0]
        if op == "==":
            return self.gate("equal", [left, right])
        if op in (">", "<="):
            diff = left if right == 0.0 and isinstance(right, float) else self.gate("sub", [left, right])
        elif op in ("<", ">="):
            diff = right if left == 0.0 and isinstance(left, float) else self.gate("sub", [right, left])
        else:
            raise _Unsupported(f"no gate computes the comparison {rule.to_text(test)!r}")
        step = self.gate("step", [diff])
        return step if op in (">", "<") else self.gate("sub", [1.0, step])

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
