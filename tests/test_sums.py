"""Chains of sums in the levelized tier (circuitsim.tiers.sums): found in MLPs, one accumulate forward
and one addition backward, the same bits as the adds one group at a time, seeds inside a chain
included."""

import functools
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import NUMBERS, layers, same_bits, through

import circuitsim
from benchmarks.circuits import mlp, sample_inputs
from circuitsim import Expressions, Gate, hookimpl
from circuitsim.gate import rule
from circuitsim.gate.plugins import load_registry
from circuitsim.plan.engine import tier
from circuitsim.tiers.levels import Levels
from circuitsim.tiers.sums import Chain


def one_by_one(text, inputs, seed=None):
    """Values and gradients of the levelized tier with every add its own group."""
    c = circuitsim.loads(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(Levels, "chains", lambda self: [])
        return through(c, "levels", inputs, seed)


def adds(n: int, arity: int, bias_inside: bool) -> int:
    """The adds of a neuron of ``layers`` with ``n`` inputs."""
    chain = 0 if n == 1 else 1 + max(0, -(-(n - arity) // (arity - 1)))
    return chain + (not bias_inside or n == 1)


def assert_same(got, want):
    assert same_bits(got[0], want[0])
    assert same_bits(got[1], want[1])


def test_an_mlps_neurons_are_chains_with_the_bits_of_their_adds():
    net = mlp(10_000)
    c = circuitsim.loads(net.yaml())
    inputs = sample_inputs(net, 1)
    got = through(c, "levels", inputs)
    chains = tier("levels").of(c.plan).chains()
    assert len(chains) == 5 and chains[0].terms.shape == (35, 36)  # 4 layers of 35 neurons (35 products and a bias each), the output
    assert_same(got, one_by_one(net.yaml(), inputs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(1, 6), min_size=2, max_size=4), st.lists(NUMBERS, min_size=1, max_size=30),
       st.lists(NUMBERS, min_size=2, max_size=6), st.integers(2, 7), st.booleans(), st.sampled_from([None, "y", "inside", "term"]))
def test_chains_give_the_bits_of_their_adds(levelized_always, sizes, numbers, xs, arity, bias_inside, seeded):
    text = layers(sizes, numbers, arity, bias_inside)
    c = circuitsim.loads(text)
    inputs = {f"x{i}": xs[i % len(xs)] for i in range(sizes[0])}
    names = set(c.plan.names)
    seed = {
        None: None,
        "y": {"y": -2.0},
        "inside": {next((n for n in sorted(names) if n.startswith("s")), "y"): 3.0, "y": 1.0},
        "term": {"m0_0_0": -0.0, "y": 0.5},
    }[seeded]
    got = through(c, "levels", inputs, seed)
    assert len(tier("levels").of(c.plan).chains()) == sum(adds(n, arity, bias_inside) > 1 for n in sizes[:-1])
    assert_same(got, one_by_one(text, inputs, seed))


def test_a_seed_inside_a_chain_runs_its_adds_one_by_one(levelized_always):
    text = layers([5, 2], [0.5, -1.5, 2.0])
    c = circuitsim.loads(text)
    inputs = {f"x{i}": 0.1 * i for i in range(5)}
    got = through(c, "levels", inputs, {"s0_0_2": 1.0})
    live = tier("levels").of(c.plan).live_groups(frozenset([c.plan.slot["s0_0_2"]]))
    assert not any(isinstance(step, Chain) for step in live)
    assert_same(got, one_by_one(text, inputs, {"s0_0_2": 1.0}))
    assert np.isclose(got[1][c.plan.slot["x4"]], 0.0) and got[1][c.plan.slot["x0"]] != 0.0  # only the first terms


def _plus(xs):
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


# the sum from the left, as the tiers' fused chains add
rule.register(_plus, expand=lambda args: functools.reduce(lambda a, b: rule.Binary("+", a, b), args[0].items))


class Plus(Gate):
    """A plugin's sum through a function of its own: its neurons' chains of sums are fused as
    add's are, since it states the function's expansion."""

    name = "plus"
    arity = None

    def expressions(self, n_inputs, batch):
        return Expressions("plus(({}))".format("".join(f"{{{k}}}, " for k in range(n_inputs))), ("1.0",) * n_inputs, {"plus": _plus})


def test_a_plugin_sum_is_fused_as_add_is():
    net = mlp(10_000)
    inputs = sample_inputs(net, 1)
    module = types.ModuleType("plus_plugin")
    module.circuitsim_register_gates = hookimpl(lambda register: register(Plus))
    registry = load_registry([module], autoload=False)
    c = circuitsim.loads(net.yaml().replace("type: add", "type: plus"), registry=registry)
    assert {step.gate.name for step in c.plan.steps} >= {"plus"} and "add" not in {step.gate.name for step in c.plan.steps}
    got = through(c, "levels", inputs)
    assert len(tier("levels").of(c.plan).chains()) == 5
    assert_same(got, through(circuitsim.loads(net.yaml()), "levels", inputs))
