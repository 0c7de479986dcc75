"""Warnings about a valid circuit: parts that no output depends on.

An input that reaches no output has no effect on the result (its gradient is always 0); a gate
that reaches no output is computed on every run for nothing. Both are usually a typo in a
source name or a forgotten output. A module instance counts as a whole: using any one of its
outputs uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circuitsim.errors import CircuitError

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["Finding", "lint"]


class Finding(CircuitError):
    """One warning about a circuit, never raised; ``str()`` reads ``FILE:LINE:COL: warning: message``."""

    severity = "warning"


def lint(circuit: Circuit) -> list[Finding]:
    """Every input and gate of ``circuit`` that no output depends on, in file order."""
    nodes = circuit.nodes
    used = nodes.upstream(circuit.outputs)
    findings = []
    for name, node in nodes.items():
        if name in used or node.kind == "const" or node.instance is not None:
            continue
        what = f"input {name!r}" if node.kind == "input" else f"gate {name!r} ({node.type})"
        findings.append(Finding(f"{what} feeds no output", node.pos))
    # A module instance counts as a whole: reading one of its outputs is using it.
    used_instances = {nodes[n].instance for n in used}
    for name, instance in nodes.instances.items():
        if instance.instance is None and name not in used_instances:
            findings.append(Finding(f"gate {name!r} ({instance.module}) feeds no output", instance.pos))
    return sorted(findings, key=lambda f: (f.pos.line or 0, f.pos.column or 0))
