"""The levelized tier (circuitsim.tiers.levels) against the method path, to rounding: random circuits,
fan-out within a level, seeds, forward only, faults, and the choice of tier by shape."""

import math

import pytest

from helpers import WIDE, Square, method_path, plugin, random_layers, through

import circuitsim
from circuitsim.plan.engine import tier
from circuitsim.tiers import levels


def assert_close(c, got, want):
    for slot, name in enumerate(c.plan.names):
        for kind, x, y in (("value", got[0][slot], want[0][slot]), ("grad", got[1][slot], want[1][slot])):
            assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y)), (kind, name, x, y)


@pytest.mark.parametrize("seed", [None, {"f": 2.0}, {"s1": -1.0, "a0": 0.5}])
def test_fan_out_within_a_level_and_negative_unit_gradients(levelized_always, seed):
    """x feeds three gates of one group (np.add.at); sub's -1 and max's shared rule."""
    c = circuitsim.loads(WIDE)
    want = method_path(c, None, seed)
    assert_close(c, through(c, "levels", None, seed), want)
    r = c.run(seed=seed, nan="raise")
    assert math.isclose(r.grads["x"], want[1][c.plan.slot["x"]], rel_tol=1e-12)


def test_forward_only_and_results_as_floats(levelized_always):
    c = circuitsim.loads(WIDE)
    r = c.forward({"x": 0.25})
    assert type(r.values["f"]) is float and r.grads == {}
    assert math.isclose(r.outputs["f"], circuitsim.loads(WIDE).forward({"x": 0.25}).outputs["f"], rel_tol=1e-12)


def test_a_fault_goes_to_the_methods_which_name_the_gate(levelized_always):
    c = circuitsim.loads("inputs: {x: 0.0}\ngates:\n  l: {type: log, inputs: [x]}\n  k: {type: log, inputs: [x]}\n"
                         "  s: {type: add, inputs: [l, k]}\noutputs: [s]\n", path="log.yaml")
    with pytest.raises(circuitsim.NumericalError, match=r"log.yaml:3:3: error: gate 'l' \(log\) with inputs x=0 produced -inf"):
        c.run(nan="raise")
    with pytest.raises(circuitsim.NumericalError, match=r"input 'x' is inf"):
        c.run({"x": math.inf}, nan="raise")
    assert c.run({"x": 2.0}).outputs["s"] == 2 * math.log(2.0)


def test_the_tier_is_chosen_by_shape():
    from benchmarks.circuits import mlp

    wide = circuitsim.loads(mlp(3000).yaml())
    wide.run()
    assert tier("levels").of(wide.plan) is not None  # about 29 gates per group
    n = tier("levels").min_gates
    chain = "inputs: {x: 0.5}\ngates:\n" + "".join(
        f"  g{i}: {{type: tanh, inputs: [{f'g{i - 1}' if i else 'x'}]}}\n" for i in range(n)
    ) + f"outputs: [g{n - 1}]\n"
    deep = circuitsim.loads(chain)
    deep.run()
    assert tier("levels").of(deep.plan) is None  # one gate per level: the kernels
    methods_only = circuitsim.loads(mlp(3000).yaml().replace("type: relu", "type: square"), plugins=[plugin(Square)])
    methods_only.run()
    assert tier("levels").of(methods_only.plan) is None  # a gate without expressions


def test_mlp_levelized_agrees_with_the_kernels():
    from benchmarks.circuits import mlp

    text = mlp(3000).yaml()
    wide = circuitsim.loads(text)
    r = wide.run()
    assert tier("levels").of(wide.plan) is not None
    narrow = circuitsim.loads(text)
    narrow.plan.tiers["levels"] = None  # kernels only
    want = narrow.run()
    for name in list(r.values)[::37]:
        assert math.isclose(r.values[name], want.values[name], rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(r.grads[name], want.grads[name], rel_tol=1e-9, abs_tol=1e-12)


def test_a_load_sets_the_tier_up_whatever_order_the_steps_come_in(monkeypatch):
    """The load makes a wide circuit's levelized form, chains of sums included: in place where
    the steps come in their groups' order (an MLP), else numbered group by group (gates of
    several kinds interleaved within a level); the first run makes nothing."""
    from benchmarks.circuits import mlp

    in_order = circuitsim.loads(mlp(3000).yaml())
    mixed = circuitsim.loads(random_layers(5, [300, 900, 900, 400, 1]))

    def made_again(*args, **kwargs):
        raise AssertionError("the first run set the tier up")

    monkeypatch.setattr(levels, "levels_for", made_again)
    monkeypatch.setattr(levels, "find_chains", made_again)
    assert tier("levels").of(in_order.plan).in_place and tier("levels").of(in_order.plan).chains()
    assert not tier("levels").of(mixed.plan).in_place
    for c in (in_order, mixed):
        assert_close(c, through(c, "levels"), method_path(c))
        r = c.run()
        assert r.outputs == c.run().outputs
