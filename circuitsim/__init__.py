"""circuitsim: a gate-level circuit simulator with pluggable gates.

Load a circuit written in YAML, run it forward for every wire's value and backward for every
wire's gradient::

    import circuitsim
    c = circuitsim.load("circuits/neuron.yaml")
    r = c.run()
    r.outputs["f"], r.grads["w0"]
"""

from ._version import __version__
from .builder import Builder
from .circuit import Circuit, Result
from .errors import (
    CircuitError,
    CircuitErrors,
    NumericalError,
    NumericalWarning,
    PluginError,
    PluginWarning,
    Position,
)
from .expression import from_expression
from .gate import Expressions, Gate
from .hookspecs import hookimpl
from .loader import load, loads
from .yamlwrite import dump


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
