"""Property tests: random circuits of every built-in gate against central finite differences."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import circuits

import circuitsim

KINKED = {"relu", "abs", "max", "min"}


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

