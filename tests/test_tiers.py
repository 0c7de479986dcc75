"""The conformance matrix: every tier of the engine on every example circuit, on networks wired
in no order and on random circuits, against the method path: bit for bit where docs/engine.md
promises it (kernels, straight-line code), else to rounding (levels, blocks)."""

import pathlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import assert_same, circuits, method_path, through

import circuitsim
from benchmarks.circuits import mlp, sample_inputs
from circuitsim.plan.engine import TIERS, execute, tier
from circuitsim.tiers import blocks, straight

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "circuits").glob("*.yaml"))
BITWISE = {"kernels", "straight", "methods"}
ROUNDING = {"rel": 1e-12, "abs": 1e-12}  # levels and blocks: a few units in the last place
# Each tier and whether its runs are batches: the scalar tiers, the batch tiers, the kernels both.
RUNS = [("kernels", False), ("kernels", True), ("straight", False), ("levels", False), ("blocks", True)]


def test_the_matrix_covers_every_tier():
    assert {name for name, _ in RUNS} | {"methods"} == {t.name for t in TIERS}


def assert_conforms(c, name, got, want):
    """``got`` from tier ``name`` is ``want`` (the method path's) as the tier promises."""
    if name in BITWISE:
        assert_same(c, got, want)
        return
    for slot, node in enumerate(c.plan.names[: c.plan.n_named]):
        for kind, x, y in (("value", got[0][slot], want[0][slot]), ("grad", got[1][slot], want[1][slot])):
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            same = np.isclose(x, y, rtol=ROUNDING["rel"], atol=ROUNDING["abs"]) | (np.isnan(x) & np.isnan(y))
            assert same.all(), (name, kind, node, x, y)


def finite(run) -> bool:
    return all(np.isfinite(x).all() for x in [*run[0], *run[1]])


@pytest.mark.parametrize(("name", "batch"), RUNS, ids=[f"{n}-{'batch' if b else 'scalar'}" for n, b in RUNS])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_tier_on_every_example_circuit(levelized_always, blocks_always, path, name, batch):
    c = circuitsim.load(path)
    inputs = {n: 0.5 if d is None else d for n, d in c.inputs.items()}
    if batch:
        inputs = {n: d + np.linspace(-0.25, 0.25, 5) for n, d in inputs.items()}
    want = method_path(c, inputs)
    assert finite(want)
    assert_conforms(c, name, through(c, name, inputs), want)


# MLPs whose neurons add their products in orders of their own, products and adds that read
# their inputs either way round, inputs and gates written in no order (as generated netlists
# and hand-written files are), a deeper one of wider layers, and one whose file alone is in no
# order (its neurons adding their products in the inputs' order).
SHUFFLED = {"mlp-200": mlp(200, seed=1, shuffle=True), "mlp-700": mlp(700, seed=2, shuffle=True), "mlp-300-layout": mlp(300, seed=3, shuffle="layout")}


@pytest.mark.parametrize(("name", "batch"), RUNS, ids=[f"{n}-{'batch' if b else 'scalar'}" for n, b in RUNS])
@pytest.mark.parametrize("net", SHUFFLED, ids=str)
def test_every_tier_on_networks_wired_in_no_order(levelized_always, blocks_always, net, name, batch):
    c = circuitsim.loads(SHUFFLED[net].yaml())
    inputs = sample_inputs(SHUFFLED[net], 5 if batch else 1)
    want = method_path(c, inputs)
    assert finite(want)
    assert_conforms(c, name, through(c, name, inputs), want)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_wiring_order_changes_no_bits_from_run_to_run_and_no_pattern(seed, monkeypatch):
    """A network wired in no order runs as the same network wired in order does: its blocks
    read every product's inputs through views (no gather, no np.add.at: only a chain's adds
    read their terms through gathers), and its runs give the same bits every time, keeping
    everything (in one chunk or several) or a few rows."""
    ordered, shuffled = (mlp(800, seed=seed, shuffle=s) for s in (False, True))
    xs = [n for n in ordered.inputs if n.startswith("x")]
    plans, samples = [], sample_inputs(ordered, 600)
    for net in (ordered, shuffled):
        c = circuitsim.loads(net.yaml())
        inputs = {name: samples[name] for name in net.inputs}
        first, again = c.run(inputs), c.run(inputs)
        swept = c.sweep(inputs, values=[*c.outputs, "g5"], grads=[*xs, "g7"])
        with monkeypatch.context() as m:
            m.setattr(blocks, "MAX_COLUMNS", 128)  # a run in chunks of the result's own columns
            chunked = c.run(inputs)
        for name in first.values:
            assert np.array_equal(first.values[name], again.values[name]) and np.array_equal(first.grads[name], again.grads[name])
            assert np.array_equal(first.values[name], chunked.values[name]) and np.array_equal(first.grads[name], chunked.grads[name])
        for name in swept.values:
            assert np.array_equal(swept.values[name], first.values[name])
        for name in swept.grads:
            assert np.array_equal(swept.grads[name], first.grads[name])
        arranged = tier("blocks").of(c.plan, frozenset(c.plan.slot[x] for x in xs))
        products = [ports for group, _, ports in arranged.groups if group.rule.is_product]
        assert products and all(port.scalar or port.affine is not None for ports in products for port in ports)
        program = next(iter(arranged._programs.values()))
        assert not any(action[3] == "at" for step in program.backward_plan for action in step[2])  # (port, rows, pattern, how, ...)
        plans.append((len(arranged.groups), len(program.backward_plan)))
        reference = first.outputs[c.outputs[0]]
        if net is ordered:
            want = reference
    assert plans[0] == plans[1]
    assert np.allclose(reference, want, rtol=1e-12, atol=1e-12)  # the same network: sums in other orders


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(circuits(), st.integers(0, 4), st.booleans())
def test_kernels_on_random_circuits(text, batch, seeded):
    c = circuitsim.loads(text)
    rng = np.random.default_rng(batch)
    inputs = {n: (d + rng.uniform(-0.5, 0.5, batch) if batch else d) for n, d in c.inputs.items()}
    seed = {c.outputs[0]: (rng.uniform(-2, 2, batch) if batch else -0.75)} if seeded else None
    assert_conforms(c, "kernels", through(c, "kernels", inputs, seed), method_path(c, inputs, seed))


@SETTINGS
@given(circuits(), st.integers(0, 2), st.booleans())
def test_straight_line_code_on_random_circuits(monkeypatch, text, per_function_size, seeded):
    monkeypatch.setattr(straight, "GATES_PER_FUNCTION", (1, 2, 200)[per_function_size])  # gradients across function boundaries
    c = circuitsim.loads(text)
    inputs = {n: d + 0.25 for n, d in c.inputs.items()}
    seed = {c.outputs[0]: -0.75, c.outputs[-1]: 2.0} if seeded else None
    want = method_path(c, inputs, seed)
    assume(np.all(np.isfinite(want[0])))  # an overflow (exp of exp of exp) leaves the code by design
    assert_conforms(c, "straight", through(c, "straight", inputs, seed), want)


@SETTINGS
@given(circuits(), st.booleans())
def test_levels_on_random_circuits(levelized_always, text, seeded):
    c = circuitsim.loads(text)
    seed = {c.outputs[0]: -0.75} if seeded else None
    want = method_path(c, None, seed)
    # A NaN or inf anywhere (exp of exp of exp ...) makes the levelized run hand over to the
    # methods, which name the gate: that is the fault tests' case, not this one's.
    assume(finite(want))
    assert_conforms(c, "levels", through(c, "levels", None, seed), want)


@SETTINGS
@given(circuits(), st.integers(1, 9), st.booleans())
def test_blocks_on_random_circuits(blocks_always, text, batch, seeded):
    c = circuitsim.loads(text)
    rng = np.random.default_rng(batch)
    name, default = next(iter(c.inputs.items()))
    inputs = {name: default + rng.uniform(-0.5, 0.5, batch)}
    seed = {c.outputs[0]: np.linspace(-1.0, 1.0, batch)} if seeded else None
    want = method_path(c, inputs, seed)
    assume(finite(want))  # an overflow: the blocks fault and the methods name it (see the fault tests)
    assert tier("blocks").of(c.plan, frozenset([c.plan.slot[name]])) is not None
    assert_conforms(c, "blocks", through(c, "blocks", inputs, seed), want)


def sums(c, name, inputs, seed=None):
    """Every named value's and gradient's sum over the samples from a request with ``sums``, on tier ``name`` alone."""
    slots = list(range(c.plan.n_named))
    into = np.full(2 * len(slots), np.nan)
    request = replace(c.request(inputs, seed=seed), keep=(slots, slots), into=into, sums=True)
    with np.errstate(all="ignore"):
        outcome = execute(c.plan, request, tiers=[tier(name)])
    assert outcome.tier == name
    return into[: len(slots)], into[len(slots) :]


def assert_sums(c, name, got, want, n):
    """``got`` (sums over ``n`` samples) from tier ``name`` is the sum of ``want`` (the method path's, sample by
    sample) to the rounding of a sum: a few units in the last place of the sum of the terms' sizes."""
    for kind, sums_, per_sample in (("value", got[0], want[0]), ("grad", got[1], want[1])):
        for slot, node in enumerate(c.plan.names[: c.plan.n_named]):
            x = np.broadcast_to(np.asarray(per_sample[slot], dtype=float), (n,))
            assert sums_[slot] == pytest.approx(x.sum(), rel=0, abs=1e-12 * (np.abs(x).sum() + 1)), (name, kind, node)


@pytest.mark.parametrize("batched", ["all but one", "one"])
@pytest.mark.parametrize("name", ["kernels", "blocks"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_sums_over_the_samples_on_every_example_circuit(blocks_always, path, name, batched):
    c = circuitsim.load(path)
    inputs = {n: 0.5 if d is None else d for n, d in c.inputs.items()}
    first = next(iter(inputs))
    for n in inputs if batched == "all but one" else [first]:  # the others numbers: parameters, their gradients summed
        if (n == first) == (batched == "one"):
            inputs[n] += np.linspace(-0.25, 0.25, 5)
    want = method_path(c, inputs)
    assert finite(want)
    assert_sums(c, name, sums(c, name, inputs), want, 5)


@SETTINGS
@given(circuits(), st.integers(1, 40), st.booleans(), st.sampled_from([16, 32, 512]))
def test_sums_over_the_samples_in_blocks_on_random_circuits(monkeypatch, blocks_always, text, batch, seeded, width):
    monkeypatch.setattr(blocks, "MIN_COLUMNS", width)  # chunks of `width` samples: the sums add up over them
    monkeypatch.setattr(blocks, "MAX_COLUMNS", width)
    c = circuitsim.loads(text)
    rng = np.random.default_rng(batch)
    name, default = next(iter(c.inputs.items()))
    inputs = {name: default + rng.uniform(-0.5, 0.5, batch)}  # the other inputs numbers: parameters
    seed = {c.outputs[0]: np.linspace(-1.0, 1.0, batch)} if seeded else None
    want = method_path(c, inputs, seed)
    assume(finite(want))
    assert_sums(c, "blocks", sums(c, "blocks", inputs, seed), want, batch)
