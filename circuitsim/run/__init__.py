"""Running circuits: the core :class:`~circuitsim.run.circuit.Circuit`, its results, loading and sweeps.

Importing this package registers how a circuit pickles (:mod:`circuitsim.run.portable`).
"""

from circuitsim.run import portable  # noqa: F401  (registers Circuit's pickling)
