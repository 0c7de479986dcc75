"""circuitsim.testing: check_gate catches each way a gate can break the contract."""

from __future__ import annotations

import json
import re
import types

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import Square

from circuitsim.cli import main
from circuitsim.gate import Expressions, Gate
from circuitsim.gate.hookspecs import hookimpl
from circuitsim.gate.plugins import load_registry
from circuitsim.testing import check_gate, check_registry, default_samples


class Hypot(Gate):
    """sqrt(a² + b²), with ports a and b."""

    name = "hypot"
    arity = 2

    def forward(self, a, b):
        return (a * a + b * b) ** 0.5

    def local_grads(self, inputs, output):
        a, b = inputs
        return (a / output, b / output)


def variant(base, **attrs):
    """A subclass of ``base`` with some attributes or methods replaced."""
    attrs.setdefault("__doc__", base.__doc__)
    return type(base.__name__ + "Variant", (base,), attrs)


def fails(gate, *pattern_parts, **kwargs):
    """check_gate raises an AssertionError whose message contains every part, in order."""
    with pytest.raises(AssertionError) as info:
        check_gate(gate, **kwargs)
    message = str(info.value)
    assert re.search(".*".join(map(re.escape, pattern_parts)), message, re.S), message
    return message


def test_correct_gates_pass_with_default_and_given_samples():
    check_gate(Square)
    check_gate(Square(), [(0.5,), (-1.5,), (3.0,)])
    check_gate(Hypot, samples=[(3.0, 4.0), (-1.0, 2.0)])


def test_a_wrong_gradient_names_gate_port_sample_expected_and_got():
    wrong = variant(Hypot, local_grads=lambda self, inputs, output: (inputs[0] / output, 1.0))
    message = fails(wrong, "gate 'hypot', port b, at sample (3.0, 4.0): local gradient expected 0.8 (float64",
                    "central differences) but got 1", samples=[(3.0, 4.0)])
    assert "port a" not in message


def test_the_wrong_number_of_gradients_fails():
    fails(variant(Hypot, local_grads=lambda self, inputs, output: (1.0,)),
          "gate 'hypot' at sample", "local_grads gave 1 gradient(s) for 2 input(s)")
    fails(variant(Square, local_grads=lambda self, inputs, output: 2 * inputs[0]),
          "local_grads returned", "not a sequence of one gradient per input")


def test_samples_of_the_wrong_arity_fail():
    fails(Hypot, "gate 'hypot' takes 2 input(s) but sample (1.0,) has 1", samples=[(1.0,)])


def test_class_declarations_are_checked():
    undocumented = type("Undocumented", (Gate,), {"name": "undocumented"})
    fails(undocumented, "gate 'undocumented' has no docstring")
    fails(variant(Square, arity=2), "gate 'square' has arity 2 but its forward(self, x) cannot take 2 input(s)")
    fails(variant(Square, arity=0), "not a valid gate type: gate 'square' with arity 0")
    fails(variant(Square, name="no good"), "invalid name 'no good'")


def test_a_batch_that_differs_from_the_scalar_runs_fails():
    def forward(self, x):
        return x * x if isinstance(x, float) else x * x.sum()

    fails(variant(Square, forward=forward), "gate 'square' at sample", "the scalar run gives",
          "but the batch gives")


def test_a_batch_of_the_wrong_shape_fails():
    def forward(self, x):
        return x * x if isinstance(x, float) else np.append(x * x, 0.0)

    fails(variant(Square, forward=forward), "do not broadcast to shape (7,)")


def test_state_kept_between_calls_fails():
    def forward(self, x):
        self.last_x = x
        return x * x

    def local_grads(self, inputs, output):  # reads what the last forward saw
        return (2 * self.last_x,)

    fails(variant(Square, forward=forward, local_grads=local_grads),
          "gate 'square' at sample (1.9,): a repeated call gave 3.61, [5.2] instead of 3.61, [3.8]",
          "must not keep state")


def test_mutating_the_inputs_fails():
    def forward(self, x):
        if isinstance(x, np.ndarray):
            x *= 1.0001
        return x * x

    fails(variant(Square, forward=forward), "gate 'square' changed its input array at port x in place")

    def local_grads(self, inputs, output):
        inputs[0] = 2 * inputs[0]
        return (inputs[0],)

    fails(variant(Square, local_grads=local_grads), "local_grads changed its inputs list")


def test_an_exception_in_the_gate_becomes_an_assertion_naming_the_call():
    def forward(self, x):
        if x < 0:
            raise ValueError("math domain error")
        return x * x

    fails(variant(Square, forward=forward),
          "gate 'square': forward raised ValueError: math domain error (called with -1.7)")


def test_default_samples_cover_one_two_and_three_inputs_of_a_variadic_gate():
    assert [len(batch[0]) for batch in default_samples(REGISTRY.get("add").cls)] == [1, 2, 3]
    assert [len(batch[0]) for batch in default_samples(Hypot)] == [2]
    for batch in default_samples(REGISTRY.get("add").cls):
        assert all(len(set(sample)) == len(sample) for sample in batch)  # no ties
        assert len(set(batch)) == len(batch)

    seen = []

    class Total(Gate):
        """The sum of its inputs."""

        name = "total"
        arity = None

        def forward(self, *xs):
            seen.append(len(xs))
            return sum(xs)

        def local_grads(self, inputs, output):
            return (1.0,) * len(inputs)

    check_gate(Total)
    assert set(seen) == {1, 2, 3}
    fails(variant(Total, local_grads=lambda self, inputs, output: (1.0, 1.0)),
          "local_grads gave 2 gradient(s) for 1 input(s)")


def test_default_samples_outside_the_domain_are_left_out():
    class Log(Gate):
        """ln x, NaN below 0."""

        name = "ln"

        def forward(self, x):
            with np.errstate(invalid="ignore"):
                return float(np.log(x)) if isinstance(x, float) else np.log(x)

        def local_grads(self, inputs, output):
            return (1.0 / inputs[0],)

    check_gate(Log)
    fails(variant(Log, forward=lambda self, x: x * np.nan), "is not finite at any default sample")


# -- kinks ------------------------------------------------------------------------------


class Relu(Gate):
    """max(x, 0)."""

    name = "my_relu"
    kinks = {(0.0,): (0.0,)}

    def forward(self, x):
        return np.maximum(x, 0.0) if isinstance(x, np.ndarray) else max(x, 0.0)

    def local_grads(self, inputs, output):
        (x,) = inputs
        return (np.where(x > 0, 1.0, 0.0) if isinstance(x, np.ndarray) else float(x > 0),)


def test_kinks_hold_the_gate_to_its_stated_gradient():
    check_gate(Relu)
    fails(variant(Relu, kinks={(0.0,): (1.0,)}),
          "gate 'my_relu', port x, at kink (0.0,): local gradient expected 1.0 (as stated in kinks) but got 0.0")

    def local_grads(self, inputs, output):  # right on floats, wrong on arrays
        (x,) = inputs
        return (np.where(x >= 0, 1.0, 0.0) if isinstance(x, np.ndarray) else float(x > 0),)

    fails(variant(Relu, local_grads=local_grads), "at kink (0.0,)", "but got 1.0 in a batch")


def test_a_stated_kink_gradient_must_lie_between_the_one_sided_derivatives():
    def local_grads(self, inputs, output):
        (x,) = inputs
        return (np.where(x > 0, 1.0, np.where(x == 0, 2.0, 0.0)) if isinstance(x, np.ndarray)
                else (float(x > 0) if x else 2.0),)

    fails(variant(Relu, kinks={(0.0,): (2.0,)}, local_grads=local_grads),
          "at kink (0.0,): the stated local gradient 2.0 lies outside the one-sided derivatives [0, 1]")


def test_kinks_must_have_the_gates_arity():
    fails(variant(Relu, kinks={(0.0, 1.0): (0.0, 0.0)}), "takes 1 input(s) but kink (0.0, 1.0) has 2")


# -- parameters -------------------------------------------------------------------------


class Scale(Gate):
    """k·x."""

    name = "scale"
    params = {"k": None}
    example_params = ({"k": 2.0}, {"k": -3.0})

    def forward(self, x):
        return self.params["k"] * x

    def local_grads(self, inputs, output):
        return (self.params["k"] if self.params["k"] != -3.0 else 3.0,)


def test_every_example_params_set_is_checked_and_named_in_failures():
    fails(Scale, "gate 'scale' with params {'k': -3.0}, port x")
    check_gate(Scale, params={"k": 2.0})


def test_required_params_without_examples_fail_clearly():
    fails(variant(Scale, example_params=()),
          "gate 'scale' has required parameters ['k'] but no example_params")
    with pytest.raises(TypeError, match="not with an instance"):
        check_gate(Scale({"k": 1.0}), params={"k": 2.0})


def test_a_constructor_that_rejects_params_fails():
    fails(REGISTRY.get("pow").cls, "gate 'pow' with params {'exponent': 'two'}: its constructor raised CircuitError",
          params={"exponent": "two"})


# -- check_registry ---------------------------------------------------------------------

REGISTRY = load_registry(autoload=False)


def test_the_builtin_registry_has_no_problems():
    assert check_registry(REGISTRY) == []


def test_check_registry_names_each_bad_gate_with_its_problem():
    wrong = variant(Square, name="wrong_square", local_grads=lambda self, inputs, output: (inputs[0],))
    plugin = types.ModuleType("mixed_plugin")

    @hookimpl
    def circuitsim_register_gates(register):
        register(Hypot)
        register(wrong)
        register(variant(Scale, name="unchecked", example_params=()))

    plugin.circuitsim_register_gates = circuitsim_register_gates
    problems = check_registry(load_registry([plugin], autoload=False))
    assert [name for name, _ in problems] == ["unchecked", "wrong_square"]
    assert "no example_params" in problems[0][1]
    assert problems[1][1].startswith("gate 'wrong_square', port x, at sample (-1.7,): local gradient expected -3.4")


# -- circuitsim gates --check -----------------------------------------------------------

SLOPPY_PLUGIN = '''
from circuitsim import Gate, hookimpl

class Sloppy(Gate):
    """x² with half its derivative."""
    name = "sloppy"

    def forward(self, x):
        return x * x

    def local_grads(self, inputs, output):
        return (inputs[0],)

@hookimpl
def circuitsim_register_gates(register):
    register(Sloppy)
'''


def gates_check(*args):
    return CliRunner().invoke(main, ["gates", "--check", *args])


def test_gates_check_passes_the_builtins():
    result = gates_check()
    n = len(REGISTRY.names())
    assert (result.exit_code, result.output) == (0, f"{n} gate types checked: no problems\n")


def test_gates_check_names_a_bad_plugin_gate_and_exits_1(tmp_path):
    plugin = tmp_path / "sloppy.py"
    plugin.write_text(SLOPPY_PLUGIN)
    result = gates_check("-p", str(plugin))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "error: gate 'sloppy', port x, at sample (-1.7,): local gradient expected -3.4 "
        "(float64 central differences) but got -1.7",
        f"{len(REGISTRY.names()) + 1} gate types checked: 1 with a problem",
    ]
    as_json = gates_check("--json", "-p", str(plugin))
    assert as_json.exit_code == 1
    assert [p["gate"] for p in json.loads(as_json.output)] == ["sloppy"]


DISAGREEING_PLUGIN = '''
from circuitsim import Expressions, Gate, hookimpl

class Doubled(Gate):
    """2x by its methods, 3x by its expressions."""
    name = "doubled"

    def forward(self, x):
        return x * 2

    def local_grads(self, inputs, output):
        return (2.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} * 3", ("3.0",))

@hookimpl
def circuitsim_register_gates(register):
    register(Doubled)
'''


def test_gates_check_catches_expressions_that_disagree_with_the_methods(tmp_path):
    plugin = tmp_path / "doubled.py"
    plugin.write_text(DISAGREEING_PLUGIN)
    result = gates_check("-p", str(plugin))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "error: gate 'doubled' at sample (-1.7,): its expressions give output -5.1, local gradients [3.0] "
        "but forward and local_grads give output -3.4, local gradients [2.0]; the expressions must give "
        "exactly what the methods give (or leave the methods out: circuitsim derives them from the expressions)"
    )


class Tripled(Gate):
    """3x, its rule written once as expressions: circuitsim derives forward and local_grads."""

    name = "tripled"

    def expressions(self, n_inputs, batch):
        return Expressions("{0} * 3.0", ("3.0",))


class BatchOnlyDisagrees(Tripled):
    """3x by its methods, but 2x by its batch expressions."""

    name = "batch_only"

    def forward(self, x):
        return x * 3.0

    def local_grads(self, inputs, output):
        return (3.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} * 2.0", ("2.0",)) if batch else super().expressions(n_inputs, batch)


class Uncompilable(Tripled):
    """3x by its methods, expressions that are not Python."""

    name = "uncompilable"

    def forward(self, x):
        return x * 3.0

    def local_grads(self, inputs, output):
        return (3.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} *", ("3.0",))


def test_a_gate_of_expressions_alone_passes_and_has_methods():
    check_gate(Tripled)
    assert Tripled().forward(2.0) == 6.0 and Tripled().local_grads([2.0], 6.0) == (3.0,)
    np.testing.assert_array_equal(Tripled().forward(np.array([1.0, 2.0])), [3.0, 6.0])


def test_expressions_are_held_to_the_methods_in_batches_and_must_compile():
    with pytest.raises(AssertionError, match=r"gate 'batch_only' at sample \(-1.7,\) in a batch: its expressions give"):
        check_gate(BatchOnlyDisagrees)
    with pytest.raises(AssertionError, match=r"gate 'uncompilable': its expressions for 1 input\(s\) do not compile: SyntaxError"):
        check_gate(Uncompilable)


class Exiting(Tripled):
    """Raises SystemExit."""

    name = "exiting"

    def forward(self, x):
        raise SystemExit(3)


def test_a_gate_raising_system_exit_is_a_failure_naming_it():
    with pytest.raises(AssertionError, match=r"gate 'exiting': forward raised SystemExit: 3"):
        check_gate(Exiting)
