"""Forward mode and second order: tangents, the backward pass as a circuit, Hessians, and
each gate's rule written out as a formula.

The :class:`~circuitsim.Circuit` methods ``jvp``, ``jacobian``, ``hvp``, ``hessian`` and
``backward_circuit`` delegate here; ``circuitsim trace --tangent``, ``backward``, ``hessian``,
``explain`` and ``gates --formulas`` are the same from a shell.
"""

from circuitsim.derive.backward import backward_circuit
from circuitsim.derive.formulas import (
    explain,
    explain_text,
    gate_formulas,
    local_formula,
)
from circuitsim.derive.forward import Jvp, TangentMessage, jacobian, jvp
from circuitsim.derive.second import hessian, hvp

__all__ = [
    "Jvp",
    "TangentMessage",
    "backward_circuit",
    "explain",
    "explain_text",
    "gate_formulas",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "local_formula",
]
