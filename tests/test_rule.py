"""Rule trees: every built-in gate's expressions parsed once, evaluated, differentiated, printed."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from circuitsim.gate import rule
from circuitsim.gate import Expressions, Gate
from circuitsim.gate.plugins import load_registry

REGISTRY = load_registry(autoload=False)
PARAMS = {"pow": [{"exponent": 3}, {"exponent": 0.5}, {"exponent": -2.5}, {"exponent": 0}]}


def _cases():
    for name in sorted(REGISTRY.gates):
        cls = REGISTRY.get(name).cls
        if REGISTRY.get(name).plugin != "gates":
            continue
        for params in PARAMS.get(name, [None]):
            for n in [cls.arity] if cls.arity else [1, 2, 3, 6]:
                yield pytest.param(cls(params), n, id=f"{name}-{n}-{params or ''}")


CASES = list(_cases())


def _reference(expr: Expressions, n: int):
    """The expressions compiled straight from their text, as Python reads them."""
    xs = [f"x{k}" for k in range(n)]
    grads = f"tuple({expr.grads.format(*xs, out='out')})" if isinstance(expr.grads, str) else "(" + "".join(f"{g.format(*xs, out='out')}, " for g in expr.grads) + ")"
    unpack = f"    {', '.join(xs)}, = xs\n"
    namespace = dict(expr.names)
    exec(f"def output(xs):\n{unpack}    return {expr.output.format(*xs)}\ndef grads(xs, out):\n{unpack}    return {grads}\n", namespace)
    return namespace["output"], namespace["grads"]


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


def _outcome(fn, *args):
    try:
        with np.errstate(all="ignore"):
            return "ok", fn(*args)
    except (ArithmeticError, ValueError) as exc:
        return type(exc).__name__, None


SCALARS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e300, -1e-300, math.inf, -math.inf, math.nan]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("gate", "n"), CASES)
def test_trees_evaluate_bit_for_bit_like_the_expressions(gate, n):
    rng = np.random.default_rng(n)
    samples = [tuple(rng.choice(SCALARS, n)) for _ in range(30)] + [tuple(rng.normal(0, 2, n)) for _ in range(10)]
    for batch in (False, True):
        expr = gate.expressions(n, batch)
        tree = rule.parse(expr, n)
        want_output, want_grads = _reference(expr, n)
        got_output, got_grads = tree.functions
        runs = [tuple(map(float, s)) for s in samples] if not batch else [tuple(np.array(c) for c in zip(*samples))]
        for xs in runs:
            want = _outcome(want_output, xs)
            assert _outcome(got_output, xs)[0] == want[0]
            assert _outcome(rule.evaluate, tree.output, xs)[0] == want[0]
            if want[0] != "ok":
                continue
            out = want[1]
            assert _same(got_output(xs), out) and _same(rule.evaluate(tree.output, xs), out)
            wanted = _outcome(want_grads, xs, out)
            assert _outcome(got_grads, xs, out)[0] == wanted[0]
            if wanted[0] != "ok":
                continue
            assert _same(got_grads(xs, out), wanted[1])
            for k, g in enumerate(tree.grads):
                assert _same(rule.evaluate(g, xs, out), wanted[1][k])


def _domain(gate, n, rng):
    """Inputs away from kinks, ties and domain edges."""
    x = rng.uniform(0.3, 1.7, n) * rng.choice([-1.0, 1.0], n)
    if gate.name in ("log", "sqrt") or gate.name == "pow":
        x = np.abs(x)
    return tuple(float(v) + 0.01 * k for k, v in enumerate(x))


def _central(f, xs, k, h=1e-6):
    up, down = list(xs), list(xs)
    up[k] = up[k] + h  # not in place: an array is shared
    down[k] = down[k] - h
    return (f(up) - f(down)) / (2 * h)


@pytest.mark.parametrize(("gate", "n"), CASES)
def test_derivatives_agree_with_central_differences(gate, n):
    rng = np.random.default_rng(7)
    for batch in (False, True):
        tree = rule.parse(gate.expressions(n, batch), n)
        for _ in range(2):
            xs = _domain(gate, n, rng)
            if batch:
                xs = tuple(np.array([x, x * 0.9]) for x in xs)

            def out(v):
                return rule.evaluate(tree.output, v)

            def grad(i):
                return lambda v: rule.evaluate(tree.grads[i], v, out(v))

            for k in range(n):
                first = rule.evaluate(tree.derivative(tree.output, k), xs)
                numeric = _central(out, xs, k)
                assert np.allclose(first, numeric, rtol=1e-6, atol=1e-6)
                assert np.allclose(first, rule.evaluate(tree.grads[k], xs, out(xs)), rtol=1e-12, atol=1e-12)
                for i in range(n):
                    second = rule.evaluate(tree.derivative(tree.grads[i], k), xs, out(xs))
                    assert np.allclose(second, _central(grad(i), xs, k), rtol=1e-5, atol=1e-5), (i, k)


def _tree(gate_name, n=1, batch=False, **params):
    return rule.rule_of(REGISTRY.get(gate_name).cls(params or None), n, batch)


def test_facts_the_tiers_read():
    add, sub, mul = _tree("add", 2), _tree("sub", 2), _tree("mul", 2)
    assert add.is_sum and add.units == ("+", "+") and not add.is_product
    assert _tree("add", 7).is_sum  # total((x0, ..., x6)): its registered expansion
    assert sub.units == ("+", "-") and not sub.is_sum
    assert mul.is_product and mul.port_read(0) == 1 and mul.port_read(1) == 0
    assert _tree("exp").grad_reads == frozenset({"out"})
    assert _tree("div", 2).grad_reads == frozenset({0, 1})
    assert rule.reads(_tree("tanh").grads[0]) == frozenset({"out"})


class Sum3(Gate):
    """A plugin's sum, written out: the tiers' fused sums take it as they take add."""

    name = "sum3"
    arity = 3

    def expressions(self, n_inputs, batch):
        return Expressions("{0} + {1} + {2}", ("1.0", "1.0", "1.0"))


def _plus(xs):
    return sum(xs[1:], xs[0])


def _plus_unknown(xs):
    return sum(xs[1:], xs[0])


rule.register(_plus, expand=lambda args: rule.Binary("+", rule.Binary("+", rule.Binary("+", *args[0].items[:2]), args[0].items[2]), args[0].items[3]))


class Total(Gate):
    """A plugin's sum through a function: a sum where it registers the function's expansion."""

    name = "total"
    arity = None
    plus = staticmethod(_plus)

    def expressions(self, n_inputs, batch):
        return Expressions("plus(({}))".format("".join(f"{{{k}}}, " for k in range(n_inputs))), ("1.0",) * n_inputs, {"plus": self.plus})


class Unknown(Total):
    plus = staticmethod(_plus_unknown)


def test_a_plugin_sum_is_a_sum():
    assert rule.rule_of(Sum3(), 3).is_sum
    assert rule.rule_of(Total(), 4).is_sum
    assert not rule.rule_of(Unknown(), 4).is_sum
    assert rule.derivative(rule.rule_of(Total(), 4).output, 2) == rule.ONE


def test_parse_once_per_expressions_and_inputs():
    gate = REGISTRY.get("mul").cls()
    assert rule.rule_of(gate, 2) is rule.rule_of(gate, 2)
    assert rule.rule_of(gate, 2) is not rule.rule_of(gate, 3)
    assert rule.rule_of(Gate(), 1) is None


def test_printing():
    div = _tree("div", 2)
    assert rule.to_text(div.output) == "x0 / x1"
    assert rule.to_text(div.output, ["a", "b"]) == "a / b"
    assert rule.to_latex(div.output, ["a", "b"]) == r"\frac{a}{b}"
    relu = _tree("relu")
    assert rule.to_text(relu.output) == "0.0 if x0 <= 0 else x0"
    assert rule.to_latex(relu.output) == r"\begin{cases} 0 & \text{if } x_{0} \le 0 \\ x_{0} & \text{otherwise} \end{cases}"
    assert rule.to_text(_tree("tanh").grads[0]) == "1.0 - out * out"
    assert rule.to_latex(_tree("sqrt").output) == r"\sqrt{x_{0}}"
    assert rule.to_text(rule.derivative(_tree("xor", 2).output, 0)) == "-(0.5 * (-2.0 * (1.0 - 2.0 * x1)))"
    assert rule.to_text(_tree("pow", exponent=3).derivative(_tree("pow", exponent=3).output, 0)) == "3.0 * x0 ** 2.0"


@pytest.mark.parametrize(("gate", "n"), CASES)
def test_text_reads_back_as_the_same_tree(gate, n):
    tree = rule.parse(gate.expressions(n, False), n)
    for node in (tree.output, *tree.grads):
        again = rule.parse_template(re.sub(r"\bout\b", "{out}", rule.to_text(node)), n, rule.names_of(node))
        assert again == rule.substitute(node, {}) == node


def test_derivative_simplifies_and_substitutes():
    x0, x1 = rule.Input(0), rule.Input(1)
    tree = rule.Binary("*", x0, rule.Binary("+", x1, rule.Const(2.0)))
    assert rule.derivative(tree, 0) == rule.Binary("+", x1, rule.Const(2.0))
    assert rule.derivative(tree, 1) == x0
    assert rule.derivative(rule.Const(3.0), 0) == rule.ZERO
    assert rule.substitute(tree, {x1: x0}) == rule.Binary("*", x0, rule.Binary("+", x0, rule.Const(2.0)))
    with pytest.raises(ValueError, match="reads the output"):
        rule.derivative(rule.Out(), 0)
    opaque = rule.parse_template("{{'a': {0}}}['a']", 1)
    assert isinstance(opaque.value, rule.Opaque) and rule.evaluate(opaque, [2.0]) == 2.0
    with pytest.raises(rule.NotDifferentiable):
        rule.derivative(opaque, 0)
    with pytest.raises(rule.NotDifferentiable, match="mystery"):
        rule.derivative(rule.parse_template("mystery({0})", 1, {"mystery": abs.__call__}), 0)


def test_batch_source_of_a_scalar_tree():
    relu = _tree("relu")
    x = np.array([-1.0, 0.0, 2.0])
    assert list(rule.evaluate(relu.output, [x])) == [0.0, 0.0, 2.0]
    assert list(rule.evaluate(rule.derivative(_tree("abs").output, 0), [x])) == [-1.0, 0.0, 1.0]
    src = rule.to_source(relu.output, ["a"], batch=True)
    assert src == "where((a <= 0), 0.0, a)"


def test_a_sum_of_hundreds_of_inputs_is_a_sum_and_differentiates():
    """As deep as its inputs are many: walked along, never recursed."""
    big = _tree("add", 400)
    assert big.is_sum and rule.derivative(big.output, 7) == rule.ONE
    assert rule.evaluate(big.output, [1.0] * 400) == 400.0


@pytest.mark.parametrize("name", ["add", "mul", "and", "or", "xor", "xnor", "max"])
def test_a_rule_over_the_tuple_of_its_inputs_gives_the_bits_of_the_named_one(name):
    """Beyond 2,048 inputs the rules read {xs}, the tuple of the inputs: its tree is as small as
    a rule of two inputs, and it computes and differentiates as the rule naming each input."""
    n = 2_100
    gate = REGISTRY.get(name).cls()
    wide = rule.rule_of(gate, n)
    assert wide.tupled and rule.Inputs(n) in _nodes(wide.output) and len(_nodes(wide.output)) < 10
    named = rule.parse(Expressions(*_named(gate.expressions(n, False), n)), n)
    assert not named.tupled
    rng = np.random.default_rng(5)
    xs = tuple(float(x) for x in rng.uniform(0.0, 1.0, n))
    out = wide.functions[0](xs)
    assert out == named.functions[0](xs)
    assert wide.functions[1](xs, out) == named.functions[1](xs, out)
    batch = tuple(np.array([x, x / 2]) for x in xs)
    b_wide, b_named = rule.rule_of(gate, n, batch=True), rule.parse(Expressions(*_named(gate.expressions(n, True), n)), n)
    assert np.array_equal(b_wide.functions[0](batch), b_named.functions[0](batch))
    if name != "max":
        k = 17
        grad = rule.evaluate(wide.derivative(wide.output, k), xs, out)
        assert grad == rule.evaluate(wide.grads[k], xs, out)
        assert wide.is_sum == (name == "add") and wide.is_product == (name in ("mul", "and"))


def _nodes(tree):
    found, stack = set(), [tree]
    while stack:
        node = stack.pop()
        found.add(node)
        stack.extend(node.children())
    return found


def _named(expr: Expressions, n: int):
    """The expressions with {xs} written out as the tuple of the inputs one by one."""
    xs = "(" + "".join(f"{{{k}}}, " for k in range(n)) + ")"

    def spell(template: str) -> str:
        return template.replace("{xs}", xs)

    grads = spell(expr.grads) if isinstance(expr.grads, str) else tuple(map(spell, expr.grads))
    return spell(expr.output), grads, expr.names
