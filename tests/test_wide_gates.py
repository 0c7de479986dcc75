"""A variadic gate of tens of thousands of inputs runs in time linear in them (a 40,000-input
`add` took half a minute, 160,000 minutes) and gives the bits its narrow form gives."""

import functools
import math
import operator
import time

import numpy as np
import pytest

import circuitsim

N = 20_000
TYPES = ("add", "mul", "and", "or", "xor", "max")


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "wide.yaml"
    names = [f"x{i}" for i in range(N)]
    inputs = "".join(f"  {n}: {1 - 1 / (i + 2)!r}\n" for i, n in enumerate(names))
    listed = ", ".join(names)
    gates = "".join(f"  g_{t}: {{type: {t}, inputs: [{listed}]}}\n" for t in TYPES)
    path.write_text(f"circuit: wide\ninputs:\n{inputs}gates:\n{gates}outputs: [{', '.join(f'g_{t}' for t in TYPES)}]\n")
    return circuitsim.load(path), names


def test_wide_gates_run_in_linear_time(wide):
    circuit, names = wide
    start = time.perf_counter()
    result = circuit.run()
    took = time.perf_counter() - start
    assert took < 8, f"{took:.1f} s for {len(TYPES)} gates of {N:,} inputs"
    defaults = circuit.inputs
    xs = [defaults[n] for n in names]
    assert result.outputs["g_add"] == functools.reduce(operator.add, xs)
    assert result.outputs["g_mul"] == result.outputs["g_and"] == functools.reduce(operator.mul, xs)
    assert result.outputs["g_max"] == max(xs)
    complements = functools.reduce(operator.mul, [1.0 - x for x in xs])
    assert result.outputs["g_or"] == 1.0 - complements
    rest = xs[1:]
    product = lambda items: functools.reduce(operator.mul, items)
    expected = 1.0 + 2 * product(rest) + product([1 - x for x in rest]) + product([1 - 2 * x for x in rest])
    assert result.grads["x0"] == pytest.approx(expected, rel=1e-12)  # add, mul, and, or, xor (max: not x0)


def test_wide_gates_in_a_batch_match_one_sample(wide):
    circuit, names = wide
    one = circuit.run()
    batch = circuit.run({names[0]: np.array([circuit.inputs[names[0]], 0.25])})
    for t in TYPES:
        assert batch.outputs[f"g_{t}"][0] == one.outputs[f"g_{t}"]
    assert batch.grads[names[1]][0] == one.grads[names[1]]


# -- second order: the rule over the tuple of the inputs lowers to gates in linear time ----------

WIDE = 2_100  # beyond the 2,048 inputs where the rules switch to the tuple of the inputs
SECOND = (("add", "a"), ("mul", "a"), ("nand", "a"), ("max", "a"), ("or", "b"), ("xor", "b"), ("min", "b"))


def _second_net():
    """Wide gates over inputs near 1 (a) and near 0 (b), so no product underflows, combined by
    products so that their second derivatives show: a net as tests/test_derive.py writes one."""
    inputs = {f"a{i}": 1.0 + 0.01 * math.sin(i) for i in range(WIDE)} | {f"b{i}": 0.005 * math.cos(i) for i in range(WIDE)}
    gates = [(f"g_{t}", t, [f"{side}{i}" for i in range(WIDE)], {}) for t, side in SECOND]
    gates += [("p", "mul", ["g_add", "g_xor"], {}), ("q", "mul", ["g_max", "g_min", "g_or"], {})]
    return inputs, gates, ["p", "q", *(f"g_{t}" for t, _ in SECOND)]


@pytest.fixture(scope="module")
def second():
    from test_derive import build

    net = _second_net()
    return net, build(net)


def test_hvp_and_hessian_of_wide_gates_agree_with_the_reference(second):
    from test_derive import close, reference

    net, circuit = second
    names = list(net[0])
    v = {name: math.sin(3.0 * k) for k, name in enumerate(names)}
    got = circuit.hvp(vector=v)
    picked = ["a0", f"a{WIDE - 1}", "b0", f"b{WIDE - 1}"]
    H = circuit.hessian(wrt=picked)
    rows = {a: {b: reference(net, net[0], {a: 1.0}, {b: 1.0})[0].d for b in picked} for a in picked}
    scale = max(abs(x) for row in rows.values() for x in row.values())
    assert scale > 1  # the second derivatives are not all zero
    for a in picked:
        want = reference(net, net[0], v, {a: 1.0})[0].d
        assert close(got[a], want, scale), (a, got[a], want)
        for b in picked:
            assert close(H[a][b], rows[a][b], scale), (a, b, H[a][b], rows[a][b])


def test_the_backward_circuit_of_wide_gates_gives_the_run_bits(second):
    _, circuit = second
    grads = circuit.run().grads
    got = circuit.backward_circuit().run().outputs
    assert all(got[f"grad_{name}"] == grads[name] for name in circuit.inputs)


def test_second_order_on_wide_gates_takes_linear_time(tmp_path):
    n = 10_000  # the products of the others once took n squared nodes
    names = [f"x{i}" for i in range(n)]
    inputs = "".join(f"  {x}: {1 + 0.01 * math.sin(i)!r}\n" for i, x in enumerate(names))
    listed = ", ".join(names)
    path = tmp_path / "wide.yaml"
    path.write_text(f"circuit: wide\ninputs:\n{inputs}gates:\n  s: {{type: add, inputs: [{listed}]}}\n"
                    f"  m: {{type: mul, inputs: [{listed}]}}\n  y: {{type: mul, inputs: [s, m]}}\noutputs: [y]\n")  # fmt: skip
    start = time.perf_counter()
    circuit = circuitsim.load(path)
    result = circuit.run()
    hv = circuit.hvp(vector={names[0]: 1.0})
    took = time.perf_counter() - start
    assert took < 30, f"{took:.1f} s to load, run and take an hvp of gates of {n:,} inputs"
    defaults = circuit.inputs
    xs = [defaults[x] for x in names]
    m, s = result.outputs["y"] / sum(xs), sum(xs)
    # y = s * m: d2y/dx0 dxj = m/x0 + m/xj + s * m/(x0 xj) (j != 0); d2y/dx0^2 = 2 m/x0
    want = m / xs[0] + m / xs[5] + s * m / (xs[0] * xs[5])
    assert hv[names[5]] == pytest.approx(want, rel=1e-9)
    assert hv[names[0]] == pytest.approx(2 * m / xs[0], rel=1e-9)
