"""circuitsim: a gate-level circuit simulator with pluggable gates.

Load a circuit written in YAML, run it forward for every wire's value and backward for every
wire's gradient::

    import circuitsim
    c = circuitsim.load("circuits/neuron.yaml")
    r = c.run()
    r.outputs["f"], r.grads["w0"]
"""

from circuitsim._version import __version__
from circuitsim.api import Circuit, Result
from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.author.formulas import from_expression
from circuitsim.errors import (
    CircuitError,
    CircuitErrors,
    NumericalError,
    NumericalWarning,
    PluginError,
    PluginWarning,
    Position,
)
from circuitsim.gate.base import Expressions, Gate
from circuitsim.gate.hookspecs import hookimpl
from circuitsim.run.load import load, loads

__all__ = [
    "Builder",
    "Circuit",
    "CircuitError",
    "CircuitErrors",
    "Expressions",
    "Gate",
    "NumericalError",
    "NumericalWarning",
    "PluginError",
    "PluginWarning",
    "Position",
    "Result",
    "__version__",
    "dump",
    "from_expression",
    "hookimpl",
    "load",
    "loads",
]
