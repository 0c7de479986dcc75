"""A plugin gate that writes into its input array: the write raises, the error names the gate,
and neither the caller's array nor what other gates read is changed."""

import numpy as np
import pytest

import circuitsim

DOUBLER = '''
import numpy as np
from circuitsim.gate import Gate
from circuitsim.gate.hookspecs import hookimpl

class Doubler(Gate):
    """Twice its input, computed in place (wrong)."""
    name = "doubler"
    arity = 1
    params = {}

    def forward(self, x):
        if isinstance(x, np.ndarray):
            x *= 2
            return x
        return 2 * x

    def local_grads(self, inputs, output):
        (x,) = inputs
        if isinstance(x, np.ndarray):
            x[:] = 2
            return (x,)
        return (2.0,)

@hookimpl
def circuitsim_register_gates(register):
    register(Doubler)
'''

CIRCUIT = """\
circuit: doubled
inputs: {x: 1.0}
gates:
  d: {type: doubler, inputs: [x]}
  s: {type: add, inputs: [d, x]}
outputs: [s]
"""


@pytest.fixture
def files(write):
    return write("doubler.py", DOUBLER), write("doubled.yaml", CIRCUIT)


def test_an_in_place_write_is_an_error_naming_the_gate(cli, files):
    plugin, circuit = files
    assert cli("run", circuit, "-p", plugin, "--set", "x=1", "--format", "json").stdout.count("3.0") >= 1
    result = cli("run", circuit, "-p", plugin, "--set", "x=1,2,3", code=1)
    assert "gate 'd'" in result.stderr and "doubler" in result.stderr and "read-only" in result.stderr


def test_the_callers_array_is_not_changed(files):
    plugin, circuit = files
    c = circuitsim.load(circuit, plugins=[plugin])
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(circuitsim.CircuitError, match="gate 'd'"):
        c.run({"x": x})
    assert x.tolist() == [1.0, 2.0, 3.0] and x.flags.writeable
