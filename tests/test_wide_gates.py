"""A variadic gate of tens of thousands of inputs runs in time linear in them (a 40,000-input
`add` took half a minute, 160,000 minutes) and gives the bits its narrow form gives."""

import functools
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
