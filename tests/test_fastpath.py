"""The fast path (kernels from gate expressions) against the method path, bit for bit, and
gates that misbehave on either path."""

import math
import warnings

import numpy as np
import pytest

from helpers import FAN_OUT, Cube, Square, assert_same, chosen, fast_path, method_path, misbehaving, plugin, same_bits

import circuitsim
from circuitsim.gate import Expressions, Gate


@pytest.mark.parametrize("inputs", [None, {"x": [0.5, 1.0, 2.0]}, {"x": [0.5, 1.0, 2.0], "y": [3.0, -0.5, 0.25]}])
@pytest.mark.parametrize("seed", [None, {"d": 2.0}, {"f": [1.0, -1.0, 0.5]}])
def test_plugin_gates_fan_out_batches_and_seeds(monkeypatch, inputs, seed):
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    assert_same(c, fast_path(c, inputs, seed), method_path(c, inputs, seed))
    r = c.run(inputs, seed=seed, nan="raise")
    if r.batch is not None:
        assert all(v.shape == (3,) for v in [*r.values.values(), *r.grads.values()])


@pytest.mark.parametrize(
    "gate, x, value",
    [
        ("log", 0.0, -math.inf),
        ("log", -1.0, math.nan),
        ("exp", 1000.0, math.inf),
        ("reciprocal", 0.0, math.inf),
        ("sqrt", -1.0, math.nan),
    ],
)
def test_domain_edges_give_ieee_values_not_exceptions(gate, x, value):
    c = circuitsim.loads(f"inputs: {{x: {x}}}\ngates:\n  g: {{type: {gate}, inputs: [x]}}\noutputs: [g]\n")
    r = c.run(nan="ignore")
    assert same_bits(r.outputs["g"], value) or (math.isnan(value) and math.isnan(r.outputs["g"]))
    assert_same(c, chosen(c)[:2], method_path(c))


def test_division_by_zero_and_overflow_in_a_larger_circuit():
    c = circuitsim.loads("inputs: {a: 1.0, b: 0.0}\ngates:\n  d: {type: div, inputs: [a, b]}\n"
                         "  e: {type: exp, inputs: [d]}\n  f: {type: mul, inputs: [e, a]}\noutputs: [f]\n")
    with pytest.warns(circuitsim.NumericalWarning, match=r"gate 'd' \(div\) with inputs a=1, b=0 produced inf"):
        r = c.run()
    assert r.outputs["f"] == math.inf
    assert_same(c, chosen(c)[:2], method_path(c))


# -- plugin expressions that misbehave fall back to the methods ---------------------------


class BadSyntax(Square):
    name = "bad_syntax"

    def expressions(self, n_inputs, batch):
        return Expressions("{0} *", ("2.0 *",))


class RaisingExpressions(Square):
    name = "raising_expressions"

    def expressions(self, n_inputs, batch):
        raise RuntimeError("no fast path today")


class WrongCount(Square):
    name = "wrong_count"

    def expressions(self, n_inputs, batch):
        return Expressions("{0} * {0}", ("2.0 * {0}", "1.0"))


@pytest.mark.parametrize("cls", [BadSyntax, RaisingExpressions, WrongCount])
def test_broken_expressions_fall_back_to_the_methods(cls):
    c = circuitsim.loads(f"inputs: {{x: 3.0}}\ngates:\n  y: {{type: {cls.name}, inputs: [x]}}\noutputs: [y]\n",
                         plugins=[plugin(cls)])
    for inputs in (None, {"x": [3.0, -1.0]}):
        r = c.run(inputs)
        np.testing.assert_array_equal(r.outputs["y"], np.square(r.values["x"]))
        np.testing.assert_array_equal(r.grads["x"], 2 * np.asarray(r.values["x"]))


# -- gates that misbehave are named: gate, type, plugin, position -------------------------


def _boom(*args):
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize(
    "faulty, message",
    [
        (misbehaving(forward=_boom), r"forward raised ZeroDivisionError: boom"),
        (misbehaving(forward=lambda x: None), r"forward returned NoneType None, not a number"),
        (misbehaving(forward=lambda x: "seven"), r"forward returned str 'seven', not a number"),
        (misbehaving(local_grads=_boom), r"local_grads raised ZeroDivisionError: boom"),
        (misbehaving(local_grads=lambda ins: (1.0, 2.0)), r"local_grads returned 2 gradients for 1 inputs"),
        (misbehaving(local_grads=lambda ins: 5.0), r"local_grads raised TypeError"),
        (misbehaving(local_grads=lambda ins: [None]), r"local_grads returned for port 'x': NoneType None, not a number"),
        (misbehaving(local_grads=lambda ins: ([1.0, 2.0],)), r"local_grads returned for port 'x': list .*, not a number"),
    ],
)
@pytest.mark.parametrize("batch", [False, True])
def test_misbehaving_gate_is_named_with_its_plugin_and_position(faulty, message, batch):
    text = "inputs: {x: 2.0}\ngates:\n  a: {type: neg, inputs: [x]}\n  bad: {type: faulty, inputs: [a]}\noutputs: [bad]\n"
    registry = circuitsim.gate.plugins.load_registry([plugin(faulty)])
    registry.gates["faulty"].dist, registry.gates["faulty"].version = "faulty-gates", "1.2.3"
    c = circuitsim.loads(text, path="faulty.yaml", registry=registry)
    inputs = {"x": [2.0, 3.0]} if batch else None
    with pytest.raises(circuitsim.CircuitError, match=message) as info:
        c.run(inputs)
    err = info.value
    assert (err.path, err.line, err.column) == ("faulty.yaml", 4, 3)
    assert str(err).startswith(
        "faulty.yaml:4:3: error: gate 'bad' (type 'faulty' from plugin 'misc_plugin' (faulty-gates 1.2.3)) with inputs x="
    )


def test_array_from_a_gate_in_a_scalar_run_is_an_error():
    faulty = misbehaving(forward=lambda x: np.array([x, x]))
    c = circuitsim.loads("inputs: {x: 2.0}\ngates:\n  bad: {type: faulty, inputs: [x]}\noutputs: [bad]\n",
                         plugins=[plugin(faulty)])
    with pytest.raises(circuitsim.CircuitError, match=r"forward returned an array of shape \(2,\), not a number"):
        c.run()


def test_nan_report_is_cheap_and_silent_when_all_is_well():
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.run(nan="raise")


@pytest.mark.parametrize(
    "inputs, message",
    [
        ({"x": [1.0, 0.0]}, r"3:3: error: gate 'l' \(log\) with inputs x=0 produced -inf \(sample 1\)"),
        ({"x": [1.0, 1e300]}, r"4:3: error: gate 'm' \(mul\) with inputs 0=1e\+300, 1=1e\+300 produced inf \(sample 1\)"),
        ({"x": [1.0, math.inf]}, r"1:10: error: input 'x' is inf \(sample 1\)"),
        ({"x": [2.0, 3.0], "w": 1e300}, r"5:3: error: gate 'k' \(mul\) with inputs 0=1e\+300, 1=1e\+300 produced inf"),
    ],
)
def test_batch_runs_trap_faults_and_name_the_gate(inputs, message):
    """A batch run checks only what no trapped numpy operation made; faults are still named."""
    c = circuitsim.loads("inputs: {x: 1.0, w: 2.0}\ngates:\n  l: {type: log, inputs: [x]}\n  m: {type: mul, inputs: [x, x]}\n"
                         "  k: {type: mul, inputs: [w, w]}\n  r: {type: relu, inputs: [m]}\n  s: {type: add, inputs: [l, r, k]}\n"
                         "outputs: [s]\n")
    with pytest.raises(circuitsim.NumericalError, match=message):
        c.run(inputs, nan="raise")


class Overflowing(Gate):
    """x * 1e300 in Python floats, an array only where it must be: no numpy operation traps it."""

    name = "overflowing"

    def forward(self, x):
        return float(x[0]) * 1e300 * 1e300 if isinstance(x, np.ndarray) else x

    def local_grads(self, inputs, output):
        return (1.0,)


def test_batch_runs_check_what_gates_without_expressions_return():
    """A gate's methods may make inf from Python floats in a batch run; it is named all the same."""
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  o: {type: overflowing, inputs: [x]}\n  z: {type: mul, inputs: [o, x]}\n"
                         "  y: {type: add, inputs: [x, x]}\noutputs: [y]\n", plugins=[plugin(Overflowing)])
    with pytest.raises(circuitsim.NumericalError, match=r"gate 'o' \(overflowing\) with inputs x=\[1, 2\] produced inf"):
        c.run({"x": [1.0, 2.0]}, nan="raise")


class Twice(Gate):
    """2x through a function its expressions call ``f``; ``Halved`` calls another ``f``, ``Shadow`` one ``k``."""

    name = "twice"
    function = staticmethod(lambda x: 2.0 * x)
    name_used = "f"

    def forward(self, x):
        return self.function(x)

    def local_grads(self, inputs, output):
        return (self.function(1.0),)

    def expressions(self, n_inputs, batch):
        return Expressions(f"{self.name_used}({{0}})", (f"{self.name_used}(1.0)",), {self.name_used: self.function})


class Halved(Twice):
    name = "halved"
    function = staticmethod(lambda x: 0.5 * x)


class Shadow(Twice):
    name = "shadow"
    function = staticmethod(lambda x: 3.0 * x)
    name_used = "k"  # also the name of a loop's local variable


def test_kinds_whose_names_clash_run_on_the_fast_path_bitwise():
    """Gate kinds that give one name to different functions, or a local's name, still share a loop."""
    text = ("inputs: {x: 1.0}\ngates:\n  t: {type: twice, inputs: [x]}\n  h: {type: halved, inputs: [t]}\n"
            "  s: {type: shadow, inputs: [h]}\n  m: {type: mul, inputs: [s, x]}\noutputs: [m]\n")
    c = circuitsim.loads(text, plugins=[plugin(Twice, Halved, Shadow)])
    for inputs in ({"x": 1.5}, {"x": [1.5, -2.0, 3.0]}):
        want = method_path(c, inputs)
        assert_same(c, fast_path(c, inputs), want)
        assert same_bits(want[1][0], 6.0 * np.asarray(inputs["x"]))


class Scaled(Gate):
    """x times its parameter: each factor its own expressions, its own kind."""

    name = "scaled"
    params = {"by": None}

    def forward(self, x):
        return x * self.params["by"]

    def local_grads(self, inputs, output):
        return (self.params["by"],)

    def expressions(self, n_inputs, batch):
        return Expressions(f"{{0}} * {self.params['by']!r}", (repr(self.params["by"]),))


def test_many_kinds_beyond_the_inlined_ones_run_bitwise():
    """More kinds of gates than a loop inlines: the rest are called, with the same bits."""
    kinds = circuitsim.tiers.kernels.INLINE + 4
    gates = "".join(f"  s{k}: {{type: scaled, inputs: [{f's{k - 1}' if k else 'x'}], params: {{by: {1 + k / 64!r}}}}}\n" for k in range(kinds))
    c = circuitsim.loads(f"inputs: {{x: 1.0}}\ngates:\n{gates}outputs: [s{kinds - 1}]\n", plugins=[plugin(Scaled)])
    for inputs in ({"x": 1.5}, {"x": [1.5, -2.0, 3.0]}):
        assert_same(c, fast_path(c, inputs), method_path(c, inputs))


def _exit(*args):
    raise SystemExit(3)


class Abort(BaseException):
    pass


def _base_exception(*args):
    raise Abort("stop")


@pytest.mark.parametrize(
    "faulty, message",
    [
        (misbehaving(forward=lambda x: np.concatenate([x, x]) if isinstance(x, np.ndarray) else x),
         r"forward returned an array of shape \(4,\) in a batch of 2 samples"),
        (misbehaving(local_grads=lambda ins: (np.ones(3),) if isinstance(ins[0], np.ndarray) else (1.0,)),
         r"local_grads returned for port 'x': an array of shape \(3,\) in a batch of 2 samples"),
        (misbehaving(forward=_exit), r"forward raised SystemExit: 3"),
        (misbehaving(local_grads=_exit), r"local_grads raised SystemExit: 3"),
        (misbehaving(forward=_base_exception), r"forward raised Abort: stop"),
    ],
)
@pytest.mark.parametrize("gate", ["bad", "last"])
def test_wrong_lengths_and_system_exit_are_errors_naming_the_gate(faulty, message, gate):
    """Whether the faulty gate feeds another gate or is the output itself."""
    tail = "  last: {type: neg, inputs: [bad]}\noutputs: [last]\n" if gate == "last" else "outputs: [bad]\n"
    text = "inputs: {x: 2.0}\ngates:\n  a: {type: neg, inputs: [x]}\n  bad: {type: faulty, inputs: [a]}\n" + tail
    c = circuitsim.loads(text, path="faulty.yaml", plugins=[plugin(faulty)])
    with pytest.raises(circuitsim.CircuitError, match=message) as info:
        c.run({"x": [2.0, 3.0]})
    assert str(info.value).startswith("faulty.yaml:4:3: error: gate 'bad' (type 'faulty' from plugin 'misc_plugin')")


