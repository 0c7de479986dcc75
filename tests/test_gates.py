"""The gates: local gradients against finite differences, batches, kinks and domain edges."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import circuitsim
from circuitsim.errors import CircuitError
from circuitsim.gate.plugins import load_registry
from circuitsim.testing import check_gate

REGISTRY = load_registry(autoload=False)
BUILTINS = [info.cls for info in REGISTRY.gates.values() if info.plugin == "gates"]


@pytest.mark.parametrize("name", sorted(REGISTRY.gates))
def test_every_registered_gate_passes_check_gate(name):
    check_gate(REGISTRY.get(name).cls)


@pytest.mark.parametrize("exponent", [2, 1, -1, -2, 1.5])
def test_pow_passes_check_gate_at_more_exponents(exponent):
    check_gate(REGISTRY.get("pow").cls, params={"exponent": exponent})


def gate(name, **params):
    return REGISTRY.get(name).cls(params)


# -- kinks ------------------------------------------------------------------------------


def test_relu_and_abs_have_gradient_zero_at_zero():
    assert gate("relu").local_grads([0.0], 0.0) == (0.0,)
    assert gate("abs").local_grads([0.0], 0.0) == (0.0,)
    assert gate("abs").local_grads([-0.0], 0.0) == (0.0,)
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(gate("relu").local_grads([x], None)[0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(gate("abs").local_grads([x], None)[0], [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_route_the_gradient_to_the_winner(name):
    g = gate(name)
    xs = (1.0, 3.0, 2.0)
    winner = 1 if name == "max" else 0
    grads = g.local_grads(xs, g.forward(*xs))
    assert grads == tuple(1.0 if i == winner else 0.0 for i in range(3))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_split_ties_evenly(name):
    g = gate(name)
    assert g.local_grads((2.0, 2.0, 2.0), 2.0) == pytest.approx((1 / 3,) * 3)
    assert g.local_grads((2.0, 2.0), 2.0) == (0.5, 0.5)
    xs = (5.0, 5.0, 5.0, 0.0) if name == "max" else (-1.0, -1.0, -1.0, 0.0)
    assert g.local_grads(xs, g.forward(*xs)) == pytest.approx((1 / 3, 1 / 3, 1 / 3, 0.0))
    batch = [np.array([2.0, 1.0]), 2.0, np.array([2.0, 2.0])]
    grads = g.local_grads(batch, g.forward(*batch))
    expect = [[1 / 3, 0.0], [1 / 3, 0.5], [1 / 3, 0.5]] if name == "max" else [
        [1 / 3, 1.0], [1 / 3, 0.0], [1 / 3, 0.0]]
    np.testing.assert_allclose(np.broadcast_arrays(*grads), expect)


def test_max_min_propagate_nan():
    for name in ("max", "min"):
        assert math.isnan(gate(name).forward(1.0, math.nan, 2.0))
        assert math.isnan(gate(name).forward(math.nan, 1.0))
        assert all(math.isnan(g) for g in gate(name).local_grads((1.0, math.nan), math.nan))


def test_mul_grads_are_products_of_the_others_even_with_zeros():
    g = gate("mul")
    assert g.local_grads((0.0, 2.0, 3.0), 0.0) == (6.0, 0.0, 0.0)
    assert g.local_grads((0.0, 0.0, 3.0), 0.0) == (0.0, 0.0, 0.0)
    assert g.local_grads((4.0,), 4.0) == (1.0,)
    batch = [np.array([0.0, 1.0]), 2.0, np.array([3.0, 0.0])]
    grads = np.broadcast_arrays(*g.local_grads(batch, g.forward(*batch)))
    np.testing.assert_array_equal(grads, [[6.0, 0.0], [0.0, 0.0], [0.0, 2.0]])


@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, -2.0, 0.5, 3.0]), min_size=1, max_size=5))
def test_mul_grads_equal_explicit_products(xs):
    grads = gate("mul").local_grads(xs, None)
    for i, g in enumerate(grads):
        assert g == math.prod(xs[:i] + xs[i + 1 :])


def test_pow_exponent_zero_is_constant_one_with_gradient_zero():
    g = gate("pow", exponent=0)
    assert g.forward(0.0) == 1.0 and g.forward(-3.0) == 1.0
    assert g.local_grads([0.0], 1.0) == (0.0,)


def test_pow_needs_a_numeric_exponent():
    for params in ({}, {"exponent": None}, {"exponent": "2"}, {"exponent": True}):
        with pytest.raises(CircuitError, match="exponent"):
            REGISTRY.get("pow").cls(params)


def test_pow_symbol_shows_the_exponent():
    assert gate("pow", exponent=3).symbol == "^3"
    assert gate("pow", exponent=0.5).symbol == "^0.5"
    assert gate("pow", exponent=-1).symbol == "^-1"


# -- domain edges -----------------------------------------------------------------------

# (gate, params, inputs, expected output, expected local gradients)
EDGES = [
    ("log", {}, (0.0,), -math.inf, (math.inf,)),
    ("log", {}, (-1.0,), math.nan, None),
    ("log", {}, (math.inf,), math.inf, (0.0,)),
    ("sqrt", {}, (-1.0,), math.nan, (math.nan,)),
    ("sqrt", {}, (0.0,), 0.0, (math.inf,)),
    ("reciprocal", {}, (0.0,), math.inf, (-math.inf,)),
    ("reciprocal", {}, (-0.0,), -math.inf, (-math.inf,)),
    ("div", {}, (1.0, 0.0), math.inf, (math.inf, -math.inf)),
    ("div", {}, (1.0, -0.0), -math.inf, (-math.inf, -math.inf)),
    ("div", {}, (0.0, 0.0), math.nan, (math.inf, math.nan)),
    ("exp", {}, (1000.0,), math.inf, (math.inf,)),
    ("exp", {}, (-1000.0,), 0.0, (0.0,)),
    ("sigmoid", {}, (-1000.0,), 0.0, (0.0,)),
    ("sigmoid", {}, (1000.0,), 1.0, (0.0,)),
    ("pow", {"exponent": -1}, (0.0,), math.inf, (-math.inf,)),
    ("pow", {"exponent": 0.5}, (-1.0,), math.nan, (math.nan,)),
    ("pow", {"exponent": 0.5}, (0.0,), 0.0, (math.inf,)),
    ("pow", {"exponent": 2}, (1e200,), math.inf, (2e200,)),
    ("sin", {}, (math.inf,), math.nan, (math.nan,)),
    ("cos", {}, (math.inf,), math.nan, (math.nan,)),
    ("mul", {}, (math.inf, 0.0), math.nan, (0.0, math.inf)),
    ("add", {}, (math.inf, -math.inf), math.nan, (1.0, 1.0)),
    ("relu", {}, (math.nan,), math.nan, (0.0,)),
]


def same(a, b):
    """Equal, with NaN equal to NaN and the sign of infinities respected."""
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name, params, inputs, value, grads", EDGES)
def test_domain_edges_give_inf_or_nan_and_never_raise(name, params, inputs, value, grads):
    g = gate(name, **params)
    out = g.forward(*inputs)
    assert type(out) is float and same(out, value)
    local = g.local_grads(inputs, out)
    assert all(type(x) is float for x in local)
    if grads is not None:
        assert all(same(x, want) for x, want in zip(local, grads, strict=True)), local
    batch = [np.array([x]) for x in inputs]
    batch_out = g.forward(*batch)
    assert same(float(batch_out[0]), value)
    batch_grads = g.local_grads(batch, batch_out)
    if grads is not None:
        got = [float(np.broadcast_to(x, (1,))[0]) for x in batch_grads]
        assert all(same(x, want) for x, want in zip(got, grads, strict=True)), got


def test_sigmoid_is_stable_on_large_batches():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(all="raise"):
        s = gate("sigmoid").forward(x)
    np.testing.assert_allclose(s, [0.0, math.exp(-50), 0.5, 1.0, 1.0], rtol=1e-12)


# -- types ------------------------------------------------------------------------------


def params_for(cls):
    return {"exponent": 2.5} if cls.name == "pow" else {}


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda cls: cls.name)
def test_python_floats_in_give_python_floats_out(cls):
    g = cls(params_for(cls))
    inputs = (0.7,) if cls.arity == 1 else (0.7, 1.3)
    out = g.forward(*inputs)
    assert type(out) is float
    assert all(type(x) is float for x in g.local_grads(inputs, out))


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda cls: cls.name)
def test_arrays_in_give_arrays_broadcastable_to_the_batch(cls):
    g = cls(params_for(cls))
    inputs = [np.array([0.7, 1.1, 2.0])] * (1 if cls.arity == 1 else 2)
    out = g.forward(*inputs)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    for grad in g.local_grads(inputs, out):
        assert np.broadcast_to(grad, (3,)).dtype == np.float64


def test_every_builtin_is_documented_and_labelled():
    expected = {
        "add", "mul", "sub", "div", "neg", "reciprocal", "pow", "exp", "log", "sqrt",
        "sin", "cos", "tanh", "sigmoid", "relu", "abs", "max", "min",
        "not", "and", "or", "xor", "nand", "nor", "xnor", "softplus", "bce_logits", "step", "sign", "equal",
    }
    assert {cls.name for cls in BUILTINS} == expected
    for cls in BUILTINS:
        assert cls.summary() and cls.symbol, cls.name
    assert REGISTRY.get("sub").cls.port_names() == ["a", "b"]
    assert REGISTRY.get("div").cls.port_names() == ["a", "b"]
    assert REGISTRY.get("exp").cls.port_names() == ["x"]
    assert REGISTRY.get("add").cls.port_names(3) == ["0", "1", "2"]


# -- logic gates ------------------------------------------------------------------------

TRUTH = {
    "and": all,
    "or": any,
    "nand": lambda bits: not all(bits),
    "nor": lambda bits: not any(bits),
    "xor": lambda bits: sum(bits) % 2 == 1,
    "xnor": lambda bits: sum(bits) % 2 == 0,
}


@pytest.mark.parametrize("name", sorted(TRUTH))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_logic_gates_on_bits_are_the_boolean_gates(name, n):
    g = gate(name)
    rows = list(itertools.product([0.0, 1.0], repeat=n))
    for bits in rows:
        assert g.forward(*bits) == float(TRUTH[name](bits)), bits
    batch = g.forward(*map(np.array, zip(*rows)))
    np.testing.assert_array_equal(batch, [float(TRUTH[name](bits)) for bits in rows])


def test_not_on_bits_and_soft_values():
    assert [gate("not").forward(b) for b in (0.0, 1.0, 0.25)] == [1.0, 0.0, 0.75]
    assert gate("not").local_grads([0.25], 0.75) == (-1.0,)


# Independent Bernoulli bits: the probability that the Boolean gate gives 1, by enumeration.
def output_probability(name, probs):
    total = 0.0
    for bits in itertools.product([0, 1], repeat=len(probs)):
        weight = math.prod(p if b else 1 - p for p, b in zip(probs, bits))
        total += weight * TRUTH[name](bits)
    return total


@given(
    st.sampled_from(sorted(TRUTH)),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
)
def test_logic_gates_give_the_probability_of_a_one_for_independent_bits(name, probs):
    assert gate(name).forward(*probs) == pytest.approx(output_probability(name, probs), abs=1e-12)


@pytest.mark.parametrize("name, a, b, value, grads", [
    ("and", 0.3, 0.6, 0.18, (0.6, 0.3)),
    ("or", 0.3, 0.6, 0.72, (0.4, 0.7)),
    ("xor", 0.3, 0.6, 0.54, (-0.2, 0.4)),      # a + b - 2ab; 1 - 2b, 1 - 2a
    ("nand", 0.3, 0.6, 0.82, (-0.6, -0.3)),
    ("nor", 0.3, 0.6, 0.28, (-0.4, -0.7)),
    ("xnor", 0.3, 0.6, 0.46, (0.2, -0.4)),
])
def test_two_input_logic_gates_follow_their_formulas(name, a, b, value, grads):
    g = gate(name)
    assert g.forward(a, b) == pytest.approx(value, abs=1e-15)
    assert g.local_grads((a, b), value) == pytest.approx(grads, abs=1e-15)


def test_logic_type_names_are_plain_yaml_strings():
    text = "inputs: {a: 1.0, b: 0.0}\ngates:\n" + "".join(
        f"  g_{name}: {{type: {name}, inputs: [a{'' if name == 'not' else ', b'}]}}\n"
        for name in ["not", "and", "or", "xor", "nand", "nor", "xnor"]
    ) + "outputs: [g_not, g_and, g_or, g_xor, g_nand, g_nor, g_xnor]\n"
    r = circuitsim.loads(text).run()
    assert r.outputs == {"g_not": 0.0, "g_and": 0.0, "g_or": 1.0, "g_xor": 1.0, "g_nand": 1.0,
                         "g_nor": 0.0, "g_xnor": 0.0}



# -- many inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["add", "mul", "and", "or", "xor", "nand", "nor", "xnor", "max", "min"])
def test_variadic_rules_inline_and_called_give_the_same_bits(name):
    """Up to INLINE_INPUTS inputs a rule is written out inline, beyond it calls a function."""
    from gates._rules import INLINE_INPUTS

    g = gate(name)
    xs = [0.3, 0.7, -0.2, 0.9, 0.45, 0.15][: INLINE_INPUTS + 1]
    inline, called = g.expressions(INLINE_INPUTS, False), g.expressions(INLINE_INPUTS + 1, False)
    assert "(" in called.output and isinstance(called.grads, str) or name == "add"
    # The called form of n + 1 inputs with a neutral last input equals the inline form of n.
    neutral = {"add": 0.0, "mul": 1.0, "and": 1.0, "nand": 1.0, "or": 0.0, "nor": 0.0, "xor": 0.0,
               "xnor": 0.0, "max": -math.inf, "min": math.inf}[name]
    short, long = xs[:INLINE_INPUTS], xs[:INLINE_INPUTS] + [neutral]
    assert inline.output != called.output
    assert g.forward(*short) == g.forward(*long)
    assert g.local_grads(short, g.forward(*short)) == tuple(g.local_grads(long, g.forward(*long)))[:INLINE_INPUTS]


@pytest.mark.parametrize("name", ["add", "mul", "or", "max"])
def test_a_gate_with_a_thousand_inputs_runs(name):
    n = 1000
    text = "inputs: {x: 0.5}\ngates:\n  g: {type: " + name + ", inputs: [" + ", ".join(["x"] * n) + "]}\noutputs: [g]\n"
    c = circuitsim.loads(text)
    for inputs in (None, {"x": [0.5, 0.25]}):
        r = c.run(inputs, nan="ignore")
        want = {"add": n * 0.5, "mul": 0.5**n, "or": 1.0 - 0.5**n, "max": 0.5}[name]
        np.testing.assert_allclose(r.outputs["g"], want if inputs is None else r.outputs["g"], rtol=1e-9)
        assert np.all(np.isfinite(r.grads["x"]))
