"""Property tests: random circuits of every built-in gate against central finite differences."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import circuitsim

UNARY_ANY = ["neg", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]
UNARY_POSITIVE = ["log", "sqrt", "reciprocal"]
VARIADIC = ["add", "mul", "max", "min"]
BINARY = ["sub", "div"]
KINKED = {"relu", "abs", "max", "min"}


@st.composite
def circuits(draw):
    """YAML text of a random DAG; inputs that need a positive argument get one."""
    n_inputs = draw(st.integers(1, 4))
    names = [f"x{i}" for i in range(n_inputs)]
    values = {n: draw(st.floats(-2, 2, allow_nan=False)) for n in names}
    gates = []

    def pick():
        return draw(st.sampled_from(names))

    def positive(src):  # sigmoid(src) + 0.5 lies in (0.5, 1.5)
        k = len(gates)
        gates.append(f"  q{k}: {{type: sigmoid, inputs: [{src}]}}")
        gates.append(f"  p{k}: {{type: add, inputs: [q{k}, 0.5]}}")
        return f"p{k}"

    for i in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(UNARY_ANY + UNARY_POSITIVE + VARIADIC + BINARY + ["pow"]))
        name = f"g{i}"
        if kind in UNARY_ANY:
            line = f"{{type: {kind}, inputs: [{pick()}]}}"
        elif kind in UNARY_POSITIVE:
            line = f"{{type: {kind}, inputs: [{positive(pick())}]}}"
        elif kind in VARIADIC:
            srcs = [pick() for _ in range(draw(st.integers(1, 3)))]
            line = f"{{type: {kind}, inputs: [{', '.join(srcs)}]}}"
        elif kind == "sub":
            line = f"{{type: sub, inputs: [{pick()}, {pick()}]}}"
        elif kind == "div":
            line = f"{{type: div, inputs: [{pick()}, {positive(pick())}]}}"
        else:
            exponent = draw(st.sampled_from([2, 3, -1, 0.5, 1.5]))
            src = pick() if float(exponent).is_integer() and exponent > 0 else positive(pick())
            line = f"{{type: pow, inputs: [{src}], params: {{exponent: {exponent}}}}}"
        gates.append(f"  {name}: {line}")
        names.append(name)
    outputs = draw(st.lists(st.sampled_from(names[n_inputs:]), min_size=1, max_size=3, unique=True))
    inputs = ", ".join(f"{k}: {v!r}" for k, v in values.items())
    return f"inputs: {{{inputs}}}\ngates:\n" + "\n".join(gates) + f"\noutputs: [{', '.join(outputs)}]\n"


def near_a_kink(c, values) -> bool:
    """True where a relu/abs input is near 0 or distinct max/min inputs nearly tie."""
    for name, node in c.graph.nodes(data=True):
        if node["kind"] != "gate" or node["type"] not in KINKED:
            continue
        srcs = node["sources"]
        args = [values[s] if s in values else c.graph.nodes[s]["value"] for s in srcs]
        if node["type"] in ("relu", "abs") and abs(args[0]) < 1e-4:
            return True
        for i in range(len(args)):
            for j in range(i):
                if srcs[i] != srcs[j] and abs(args[i] - args[j]) < 1e-4:
                    return True
    return False


def finite_difference(c, inputs, name, h=1e-6):
    def total(shift):
        out = c.forward({**inputs, name: inputs[name] + shift}).outputs
        return sum(out.values())

    return (total(h) - total(-h)) / (2 * h)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits())
def test_random_circuits_match_finite_differences(text):
    c = circuitsim.loads(text)
    r = c.run(nan="ignore")
    # Finite differences say nothing where a value overflows or is too large for h=1e-6.
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in [*r.values.values(), *r.grads.values()]))
    assume(not near_a_kink(c, r.values))
    inputs = {n: r.values[n] for n in c.inputs}
    for name in inputs:
        fd = finite_difference(c, inputs, name)
        assert r.grads[name] == pytest.approx(fd, rel=1e-5, abs=1e-6), (name, text)


@settings(max_examples=60, deadline=None)
@given(circuits(), st.integers(2, 5))
def test_random_batches_equal_scalar_runs(text, batch):
    c = circuitsim.loads(text)
    rng = np.random.default_rng(batch)
    base = c.inputs
    arrays = {n: base[n] + rng.uniform(-0.5, 0.5, batch) for n in base}
    br = c.run(arrays, nan="ignore")
    for i in range(batch):
        sr = c.run({n: float(a[i]) for n, a in arrays.items()}, nan="ignore")
        for name in sr.values:
            np.testing.assert_allclose(br.values[name][i], sr.values[name], rtol=1e-12, atol=1e-300)
            # numpy and math may differ in the last bit (tanh); 1 - tanh^2 turns that into an
            # absolute error of a few 1e-16, not a relative one
            np.testing.assert_allclose(br.grads[name][i], sr.grads[name], rtol=1e-12, atol=1e-14)

