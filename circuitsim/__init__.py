"""circuitsim: a gate-level circuit simulator with pluggable gates.

Load a circuit written in YAML (:func:`load`) and run it (:meth:`Circuit.run`) forward for
every wire's value and backward for every wire's gradient.
"""

from importlib import import_module

from circuitsim._version import __version__
from circuitsim.errors import (
    CircuitError,
    CircuitErrors,
    NumericalError,
    NumericalWarning,
    PluginError,
    PluginWarning,
    Position,
)

# The rest is imported when first used (``circuitsim --help`` needs none of it).
_LAZY = {
    "Builder": "circuitsim.author.builder",
    "Circuit": "circuitsim.api",
    "Result": "circuitsim.api",
    "from_expression": "circuitsim.author.formulas",
    "Expressions": "circuitsim.gate.base",
    "Gate": "circuitsim.gate.base",
    "hookimpl": "circuitsim.gate.hookspecs",
    "load": "circuitsim.run.load",
    "loads": "circuitsim.run.load",
    "dump": "circuitsim.author.dump",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'circuitsim' has no attribute {name!r}")
    import_module("circuitsim.api")  # the features' methods on Circuit come with it
    value = globals()[name] = getattr(import_module(module), name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
