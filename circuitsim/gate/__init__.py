"""Gates: the :class:`Gate` base class, the plugin registry and the hooks plugins implement."""

from circuitsim.gate.base import Expressions, Gate

__all__ = ["Expressions", "Gate"]
