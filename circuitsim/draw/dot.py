"""The DOT writer: a :class:`~circuitsim.draw.model.Picture` as Graphviz DOT, for Graphviz to lay out."""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape

from circuitsim.draw.model import Node, Picture, Wire
from circuitsim.draw.scene import box_id
from circuitsim.draw.style import EDGE, SHADE

__all__ = ["write_dot"]


def write_dot(pic: Picture) -> str:
    """``pic`` as Graphviz DOT (``dot -Tsvg`` draws it), labels and colours included.

    A module instance is one rounded box whose wires are labelled with its ports; an expanded
    one is a ``subgraph cluster_...`` holding its gates.
    """
    lines = [
        f"digraph {_dot_id(pic.name)} {{",
        "  graph [rankdir=LR, nodesep=0.5, ranksep=1.2" + (f", label={_dot_id(pic.caption)}" if pic.caption else "") + "];",
        '  node [fontname="Helvetica", fontsize=14];',
        '  edge [fontname="Helvetica", fontsize=12];',
    ]
    members: dict[str | None, list[str]] = defaultdict(list)
    for n in pic.nodes.values():
        if n.kind not in ("inlet", "outlet"):
            members[n.instance if n.instance in pic.groups else None].append(_dot_node(n))
    lines += _dot_cluster(pic, None, members, "  ")
    for w in pic.wires:
        lines.append(_dot_wire(pic, w))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(n: Node) -> str:
    if n.kind == "gate":
        attrs = f"shape=circle, label={_dot_id(n.label)}, xlabel={_dot_id(n.owner)}"
    elif n.kind == "instance":
        attrs = f"shape=box, style=rounded, label={_dot_id(n.label)}"
    elif n.kind == "junction":
        attrs = 'shape=point, label=""'
    else:
        attrs = f"shape=plaintext, label={_dot_id(n.label)}"
    return f"{_dot_id(n.id)} [{attrs}, tooltip={_dot_id(n.title)}];"


def _dot_cluster(pic: Picture, group: str | None, members: dict, indent: str) -> list[str]:
    """The nodes of ``group`` (None: the top level), then each instance inside it as a cluster."""
    lines = [indent + line for line in members[group]]
    for child in (g for g in pic.groups.values() if g.parent == group):
        lines.append(f"{indent}subgraph {_dot_id('cluster_' + child.id)} {{")
        lines.append(f'{indent}  graph [label={_dot_id(child.label)}, style="rounded,filled", fillcolor="{SHADE}", color="{EDGE}"];')
        lines += _dot_cluster(pic, child.id, members, indent + "  ")
        lines.append(f"{indent}}}")
    return lines


def _dot_wire(pic: Picture, w: Wire) -> str:
    """A wire as an edge; one that enters or leaves an instance box names its port there."""
    source, target = pic.nodes[w.source], pic.nodes[w.target]
    attrs = []
    parts = []
    pal = pic.palette
    if w.value is not None:
        parts.append(f'<font color="{pal.value}">{escape(w.value)}</font>')
    if w.grad is not None:
        grad = f"<i>{escape(w.grad)}</i>" if pal.italic_grads else escape(w.grad)
        parts.append(f'<font color="{pal.grad}">{grad}</font>')
    if parts:
        attrs.append(f"label=<{'<br/>'.join(parts)}>")
    if target.kind == "junction":
        attrs.append("arrowhead=none")
    head = [target.label] if target.kind == "inlet" and target.label else []
    if len(w.ports) > 1:
        head.append(f"×{len(w.ports)}")
    if head:
        attrs.append(f"headlabel={_dot_id(' '.join(head))}")
    if source.kind == "outlet" and source.label:
        attrs.append(f"taillabel={_dot_id(source.label)}")
    ends = [box_id(n) if n.kind in ("inlet", "outlet") else n.id for n in (source, target)]
    suffix = f" [{', '.join(attrs)}]" if attrs else ""
    return f"  {_dot_id(ends[0])} -> {_dot_id(ends[1])}{suffix};"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

