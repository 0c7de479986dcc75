"""Warnings about a valid circuit: parts that no output depends on.

An input that reaches no output has no effect on the result (its gradient is always 0); a gate
that reaches no output is computed on every run for nothing. Both are usually a typo in a
source name or a forgotten output. A module instance counts as a whole: using any one of its
outputs uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from .errors import Position

if TYPE_CHECKING:
    from .circuit import Circuit

__all__ = ["Finding", "lint"]


@dataclass(frozen=True)
class Finding:
    """One warning about a circuit; ``str()`` reads ``FILE:LINE:COL: warning: message``."""

    message: str
    pos: Position

    def __str__(self) -> str:
        return f"{self.pos}: warning: {self.message}"


def lint(circuit: Circuit) -> list[Finding]:
    """Every input and gate of ``circuit`` that no output depends on, in file order."""
    graph = circuit.graph
    used = set(circuit.outputs)
    for output in circuit.outputs:
        used |= nx.ancestors(graph, output)
    findings = []
    for name, data in graph.nodes(data=True):
        if name in used or data["kind"] == "const" or data.get("instance") is not None:
            continue
        what = f"input {name!r}" if data["kind"] == "input" else f"gate {name!r} ({data['type']})"
        findings.append(Finding(f"{what} feeds no output", data["pos"]))
    # A module instance counts as a whole: reading one of its outputs is using it.
    used_instances = {graph.nodes[n].get("instance") for n in used}
    for name, info in graph.graph.get("instances", {}).items():
        if info["instance"] is None and name not in used_instances:
            findings.append(Finding(f"gate {name!r} ({info['module']}) feeds no output", info["pos"]))
    return sorted(findings, key=lambda f: (f.pos.line or 0, f.pos.column or 0))
