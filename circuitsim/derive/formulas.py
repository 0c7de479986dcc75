"""Rules as formulas: each gate's value and local gradients written out, and the gradient of a
wire written out as the chain rule over its paths to the outputs, with the numbers filled in.

Both come from the gates' rule trees (:mod:`circuitsim.rule`), printed as plain text or
LaTeX. :func:`gate_formulas` gives one gate type's formulas, :func:`explain` the "why" of a
node's gradient as plain data, :func:`explain_text` the same as lines to read
(``circuitsim gates --formulas``, ``circuitsim explain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from circuitsim.base.show import short
from circuitsim.errors import CircuitError, did_you_mean
from circuitsim.gate import rule

__all__ = ["explain", "explain_text", "gate_formulas", "local_formula"]

PATHS = 20  # paths written out by default; the rest are counted


def gate_formulas(cls, n_inputs: int | None = None) -> dict[str, Any]:
    """A gate type's output and local gradients as text and LaTeX, for ``n_inputs`` inputs
    (a variadic gate: 2 unless given); ``output`` is None for a gate without expressions."""
    n = cls.arity if cls.arity is not None else (n_inputs or 2)
    params = cls.example_params[0] if cls.example_params else None
    ports = cls.port_names(n) if cls.arity is not None else [f"x{k}" for k in range(n)]
    record: dict[str, Any] = {"name": cls.name, "ports": ports, "params": dict(params or {})}
    tex_ports = [rule.to_latex(rule.Input(k), ports) for k in range(n)]
    r = rule.rule_of(cls(params), n)
    if r is None:
        return record | {"output": None, "grads": None, "latex": None}
    return record | {
        "output": rule.to_text(r.output, ports),
        "grads": {port: rule.to_text(g, ports) for port, g in zip(ports, r.grads)},
        "latex": {
            "output": rule.to_latex(r.output, ports),
            "grads": {port: rule.to_latex(g, ports) for port, g in zip(ports, r.grads)},
            "ports": dict(zip(ports, tex_ports)),
        },
    }


def local_formula(step, k: int, names: list[str], latex: bool = False) -> str | None:
    """The local gradient of ``step``'s output by its input ``k``, written with the names of the
    wires it reads (``names``, one per port) and the gate's name for its output; None without
    expressions."""
    r = rule.rule_of(step.gate, len(step.ins))
    if r is None:
        return None
    if latex:
        return rule.to_latex(r.grads[k], names, out=step.name)
    return rule.to_text(r.grads[k], names, out=step.name)


def explain(circuit, node: str, inputs: Mapping[str, Any] | None = None, *, paths: int = PATHS) -> dict[str, Any]:
    """The gradient of ``node`` (of the sum of the outputs) as the chain rule: for each path
    from ``node`` to an output, the local gradient of every gate on it (formula and number) and
    their product; the products add up to the gradient. At most ``paths`` paths are written
    out; ``total_paths`` counts them all.

    Returns ``{"node", "value", "grad", "paths": [{"nodes", "factors": [{"gate", "port",
    "formula", "latex", "local"}], "product"}], "total_paths", "left_out", "sum_shown"}``.
    """
    plan = circuit.plan
    if node not in plan.named:
        names = list(plan.named)
        raise CircuitError(f"no node {node!r} to explain{did_you_mean(node, names)}")
    values, _, batch = circuit._values(inputs or {})
    if batch is not None:
        raise CircuitError("explain shows one point: give each input a single number, not a batch")
    with np.errstate(all="ignore"):
        plan.forward(values)
    grads = circuit.run(inputs, nan="ignore").grads
    consumers: dict[int, list] = {}
    for step in plan.steps:
        for k, i in enumerate(step.ins):
            consumers.setdefault(i, []).append((step, k))
    outputs = set(plan.outputs)
    count: dict[int, int] = {}  # paths from a slot to the outputs
    for step in reversed(plan.steps):
        slot = step.out
        count[slot] = (slot in outputs) + sum(count.get(s.out, 0) for s, _ in consumers.get(slot, []))
    start = plan.named[node]
    total = (start in outputs) + sum(count.get(s.out, 0) for s, _ in consumers.get(start, []))
    found: list[dict] = []
    locals_: dict[int, list] = {}

    def local(step):
        if step.out not in locals_:
            locals_[step.out] = list(plan.local_grads(step, values))
        return locals_[step.out]

    def walk(slot: int, trail: list, factors: list) -> None:
        if len(found) >= paths:
            return
        if slot in outputs:
            product = 1.0
            for f in factors:
                product = product * f["local"]
            found.append({"nodes": [plan.names[s] for s in trail], "factors": list(factors), "product": float(product)})
        for step, k in consumers.get(slot, []):
            if count.get(step.out, 0) == 0:
                continue
            ports = [plan.names[i] if i < plan.n_named else short(values[i]) for i in step.ins]
            factor = {
                "gate": step.name,
                "port": step.ports[k],
                "wire": plan.names[slot],
                "formula": local_formula(step, k, ports),
                "latex": local_formula(step, k, ports, latex=True),
                "local": float(local(step)[k]),
            }
            walk(step.out, trail + [step.out], factors + [factor])

    walk(start, [start], [])
    return {
        "node": node,
        "value": float(values[start]),
        "grad": float(grads[node]),
        "outputs": list(circuit.outputs),
        "paths": found,
        "total_paths": total,
        "left_out": total - len(found),
        "sum_shown": float(sum(p["product"] for p in found)),
    }


def explain_text(why: dict[str, Any]) -> list[str]:
    """:func:`explain`'s data as lines to read."""
    node, outs = why["node"], " + ".join(why["outputs"])
    target = outs if len(why["outputs"]) == 1 else f"({outs})"
    lines = [f"∂{target}/∂{node} at {node} = {short(why['value'])}: the sum over {_paths(why['total_paths'])} from {node} to the outputs"]
    for n, path in enumerate(why["paths"], 1):
        lines.append("")
        lines.append(f"path {n}: {' -> '.join(path['nodes'])}")
        for f in path["factors"]:
            formula = f["formula"] if f["formula"] is not None else "(its local_grads)"
            shown = "" if _is_number(formula) else f"{formula} = "
            lines.append(f"  ∂{f['gate']}/∂{f['wire']} = {shown}{short(f['local'])}")
        numbers = " × ".join(short(f["local"]) for f in path["factors"]) or "1 (the output itself)"
        lines.append(f"  product: {numbers} = {short(path['product'])}")
    lines.append("")
    if why["left_out"]:
        lines.append(f"{_paths(why['left_out'])} left out (--paths N shows more); the {_paths(len(why['paths']))} shown add up to {short(why['sum_shown'])}")
    terms = " + ".join(short(p["product"]) for p in why["paths"]) if not why["left_out"] else "..."
    lines.append(f"∂{target}/∂{node} = {terms} = {short(why['grad'])}")
    return lines


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _paths(n: int) -> str:
    return f"{n} path{'' if n == 1 else 's'}"
