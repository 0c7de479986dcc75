"""What the explorer shows of the gates' rules: each gate's formulas and the "why" of each node's
gradient, as plain data, shipped in the page only where cheap (:data:`FORMULAS`,
:data:`WHYS`; see ``docs/internals/drawing.md``, "The explorer").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from circuitsim.base.show import short
from circuitsim.derive.formulas import explain
from circuitsim.gate import rule

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["FORMULAS", "PATHS", "WHYS", "formulas", "why", "whys"]

FORMULAS = 2000  # gates: at most this many get their formulas in the page
WHYS = 200       # nodes: at most this many, and every one gets its why in the page
PATHS = 8        # paths written out per why; the rest are counted


def formulas(circuit: Circuit) -> dict[str, dict] | None:
    """Each gate's formulas, by gate name: ``{"type", "output", "grads": {port: text}}``, written
    with the names of the wires it reads (a constant: its number); None for more than
    :data:`FORMULAS` gates. A gate without expressions has ``output`` None."""
    plan = circuit.plan
    if len(plan.steps) > FORMULAS:
        return None
    constants = dict(plan.constants)
    out = {}
    for step in plan.steps:
        names = [plan.names[i] if i < plan.n_named else short(float(constants[i])) for i in step.ins]
        r = rule.rule_of(step.gate, len(step.ins))
        record: dict[str, Any] = {"type": step.type, "ports": list(step.ports), "inputs": names, "output": None, "grads": None}
        if r is not None:
            record["output"] = rule.to_text(r.output, names, out=step.name)
            record["grads"] = {port: rule.to_text(g, names, out=step.name) for port, g in zip(step.ports, r.grads)}
        out[step.name] = record
    return out


def whys(circuit: Circuit, inputs: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """:func:`~circuitsim.derive.formulas.explain` of every node but the constants (at most
    :data:`PATHS` paths each), or None for a circuit of more than :data:`WHYS` nodes.

    A factor is the same on every path through its wire, so each is written once:
    ``{"outputs", "factors": {gate: {port: [formula, local]}}, "nodes": {name: {"value",
    "grad", "paths": [{"nodes", "ports", "product"}], "total_paths", "left_out",
    "sum_shown"}}}``; path ``p``'s factor ``i`` is that of port ``p["ports"][i]`` of gate
    ``p["nodes"][i + 1]``, which reads wire ``p["nodes"][i]``.
    """
    nodes = circuit.nodes
    names = [n for n in nodes if nodes[n].kind != "const"]
    if len(names) > WHYS:
        return None
    factors: dict[str, dict[str, list]] = {}
    out = {}
    for name in names:
        why = explain(circuit, name, inputs, paths=PATHS)
        paths = []
        for path in why["paths"]:
            for f in path["factors"]:
                factors.setdefault(f["gate"], {})[f["port"]] = [f["formula"], f["local"]]
            paths.append({"nodes": path["nodes"], "ports": [f["port"] for f in path["factors"]], "product": path["product"]})
        keep = ("value", "grad", "total_paths", "left_out", "sum_shown")
        out[name] = {k: why[k] for k in keep} | {"paths": paths}
    return {"outputs": list(circuit.outputs), "factors": factors, "nodes": out}


def why(circuit: Circuit, node: str, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:func:`~circuitsim.derive.formulas.explain` of ``node`` (at most :data:`PATHS` paths)
    without the LaTeX, as the page's ``window.circuitsim.why(node)`` gives it."""
    found = explain(circuit, node, inputs, paths=PATHS)
    paths = [p | {"factors": [{k: v for k, v in f.items() if k != "latex"} for f in p["factors"]]} for p in found["paths"]]
    return found | {"paths": paths}
