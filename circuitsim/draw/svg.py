"""The SVG writer: a laid-out :class:`~circuitsim.draw.scene.Scene` as one standalone SVG.

Every element a page may want to find carries the names the trace uses (see docs/pictures.md,
"Pictures and traces"): ``<g class="node gate" data-node="m0">`` for a node,
``<g class="wire" data-from="x0" data-to="m0" data-port="1">`` for a wire (a fan-out's trunk
has no ``data-to``, nor has an output's wire, ``class="wire output"``), and a
``<g class="labels">`` with the same data attributes holding its ``value`` and ``grad`` texts.
The picture scales down to fit its container (``max-width: 100%``) and keeps its proportions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr as _quoteattr

from circuitsim.draw.geometry import Box, text_width
from circuitsim.draw.model import Node, Picture, Wire
from circuitsim.draw.scene import Scene
from circuitsim.draw.style import ARROW, ASCENT, EDGE, FAINT, FONT, HIGHLIGHT, HIGHLIGHT_EDGE, INK, MARGIN, NAME_FONT, SHADE, Palette

__all__ = ["LAYERS", "Parts", "page_style", "svg_parts", "write_svg"]

ARROW_ID = "circuitsim-arrow"


def quoteattr(value: str) -> str:
    """``value`` quoted for an attribute (as xml.sax.saxutils.quoteattr, faster for plain names)."""
    if '"' in value or "&" in value or "<" in value or ">" in value or "\n" in value or "\t" in value or "\r" in value:
        return _quoteattr(value)
    return f'"{value}"'


SCALES = 'style="max-width: 100%; height: auto" '  # fits a narrow notebook cell or page


LAYERS = ("frames", "wires", "nodes", "notes", "labels")  # bottom to top


@dataclass
class Parts:
    """A drawing in pieces: ``head`` opens the SVG (size, title, arrowhead, background) and
    each item is ``(layer, box, markup)``: one element of a layer of :data:`LAYERS`, with the
    box it covers, so that a page can create only the elements in view."""

    head: str
    view_box: tuple[float, float, float, float]
    items: list[tuple[str, Box, str]]


def write_svg(pic: Picture, *, browser: bool = True) -> str:
    """Lay ``pic`` out and write it as SVG text.

    For a ``browser`` the picture scales down to its container and labels have a white halo
    (``paint-order``); without, it is plain SVG 1.1 for converters such as cairosvg.
    """
    parts = svg_parts(pic, browser=browser)
    body = [markup for layer in LAYERS for kind, _, markup in parts.items if kind == layer]
    return "\n".join([parts.head, *body, "</svg>", ""])


def svg_parts(pic: Picture, *, browser: bool = True, styled: bool = True) -> Parts:
    """Lay ``pic`` out and write each of its elements (see :class:`Parts`). Unless ``styled``,
    wires and labels leave their look to the page's stylesheet, :func:`page_style` (the texts
    of a big drawing are mostly these attributes)."""
    scene = Scene(pic)
    items = [("frames", scene.frame[name], _frame(scene, name)) for name in sorted(scene.frame, key=lambda name: name.count("/"))]
    line = WIRE_LOOK if styled else ""
    items += [("wires", _wire_box(scene, k), _wire(scene, k, w, line)) for k, w in enumerate(pic.wires)]
    items += [("nodes", _node_box(scene, n), _node(scene, n)) for n in pic.nodes.values()]
    items += [("frames", _node_box(scene, n), _marker(n, _node_box(scene, n))) for n in pic.nodes.values() if n.owner in pic.highlight and n.kind != "junction"]
    looks = {cls: _label_look(cls, browser, pic.palette) if styled else "" for cls in ("value", "grad")}
    items += [
        ("labels", functools.reduce(Box.union, (box for _, _, box in scene.labels[k])), _labels(pic, w, scene.labels[k], looks))
        for k, w in enumerate(pic.wires)
        if k in scene.labels
    ]
    box = scene.bounds()
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    legend, legend_height, legend_width = _legend(scene, left, bottom + FONT)
    if legend:
        items.append(("notes", Box(left, bottom + FONT, left + legend_width, bottom + FONT + legend_height), legend[0]))
    bottom += legend_height + (FONT if legend else 0)
    right = max(right, left + legend_width)
    if pic.caption:
        caption = f'<text class="caption" x="{left:.1f}" y="{bottom + FONT:.1f}" fill="{FAINT}" font-size="{FONT}">{escape(pic.caption)}</text>'
        items.append(("notes", Box(left, bottom, left + text_width(pic.caption, FONT), bottom + FONT + 4), caption))
        bottom += FONT + 4
    width, height = right - left + 2 * MARGIN, bottom - top + 2 * MARGIN
    view_box = (round(left - MARGIN, 1), round(top - MARGIN, 1), round(width, 1), round(height, 1))
    head = "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" class="circuitsim" data-circuit={quoteattr(pic.name)} '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="{left - MARGIN:.1f} {top - MARGIN:.1f} {width:.1f} {height:.1f}" '
            f'{SCALES if browser else ""}font-family="Helvetica, Arial, sans-serif">',
            f"<title>{escape(pic.name)}</title>",
            f'<defs><marker id="{ARROW_ID}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
            f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>',
            f'<rect x="{left - MARGIN:.1f}" y="{top - MARGIN:.1f}" width="{width:.1f}" height="{height:.1f}" fill="white"/>',
        ]
    )
    return Parts(head, view_box, items)


def _wire_box(scene: Scene, k: int) -> Box:
    route = scene.routes[k]
    xs, ys = [x for x, _ in route], [y for _, y in route]
    box = Box(min(xs) - ARROW, min(ys) - ARROW, max(xs) + ARROW, max(ys) + ARROW)
    if k in scene.marks:
        x, y = scene.marks[k]
        box = box.union(Box(x - 26, y - NAME_FONT, x, y))
    return box


def _node_box(scene: Scene, n: Node) -> Box:
    """What node ``n`` covers: its shape and its texts."""
    x, y = scene.pos[n.id]
    if n.kind == "gate":
        r = scene.radius[n.id]
        half = max(r, text_width(n.owner, NAME_FONT) / 2)
        return Box(x - half, y - r - 4 - NAME_FONT, x + half, y + r)
    if n.kind == "instance":
        width, height = scene.size[n.id]
        return Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
    if n.kind == "junction":
        dots = scene.dots(n.id)
        return Box(min(x for x, _ in dots) - 4, min(y for _, y in dots) - 4, max(x for x, _ in dots) + 4, max(y for _, y in dots) + 4)
    size = NAME_FONT + 1 if n.kind in ("inlet", "outlet") else FONT + 1
    width = text_width(n.label, size) + 6
    if n.kind in ("output", "inlet"):
        return Box(x, y - size, x + width, y + size)
    return Box(x - width, y - size, x, y + size)


def wire_class(pic: Picture, w: Wire) -> str:
    """``wire``, ``wire trunk`` (to a junction), ``wire branch`` (from one) or ``wire output``."""
    if pic.nodes[w.target].kind == "junction":
        return "wire trunk"
    if pic.nodes[w.target].kind == "output":
        return "wire output"
    return "wire branch" if pic.nodes[w.source].kind == "junction" else "wire"


def _ends(w: Wire) -> str:
    attrs = f"data-from={quoteattr(w.origin)}"
    if w.reader is not None:
        attrs += f" data-to={quoteattr(w.reader)}"
    if w.ports:
        attrs += f" data-port={quoteattr(' '.join(w.ports))}"
    return attrs


def _wire(scene: Scene, k: int, w: Wire, look: str) -> str:
    pic = scene.pic
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(scene.routes[k]))
    arrow = "" if pic.nodes[w.target].kind == "junction" else f' marker-end="url(#{ARROW_ID})"'
    mark = ""
    if k in scene.marks:  # one source on several ports of one gate
        x, y = scene.marks[k]
        mark = f'<text class="ports" x="{x:.1f}" y="{y:.1f}" fill="{FAINT}" font-size="{NAME_FONT}" text-anchor="end">×{len(w.ports)}</text>'
    return (
        f'<g class="{wire_class(pic, w)}" {_ends(w)}>'
        f'<path d="{d}"{look}{arrow}/>{mark}</g>'
    )


def _label_look(cls: str, browser: bool, palette: Palette) -> str:
    halo = ' stroke="white" stroke-width="3" paint-order="stroke"' if browser else ""  # cairosvg has no paint-order
    italic = ' font-style="italic"' if cls == "grad" and palette.italic_grads else ""
    return f' fill="{palette.value if cls == "value" else palette.grad}" text-anchor="middle" font-size="{FONT}"{italic}{halo}'


WIRE_LOOK = f' fill="none" stroke="{INK}" stroke-width="1.3"'


def page_style(palette: Palette) -> str:
    """The looks of wires and labels, for a page's stylesheet (``svg_parts(styled=False)``)."""
    italic = " font-style: italic;" if palette.italic_grads else ""
    return (
        f"svg .wire > path {{ fill: none; stroke: {INK}; stroke-width: 1.3; }}\n"
        f"svg .labels text {{ text-anchor: middle; font-size: {FONT}px; stroke: white; stroke-width: 3px; paint-order: stroke; }}\n"
        f"svg .labels text.value {{ fill: {palette.value}; }}\nsvg .labels text.grad {{ fill: {palette.grad};{italic} }}\n"
    )


def _labels(pic: Picture, w: Wire, placed: list, looks: dict) -> str:
    texts = []
    for text, cls, box in placed:
        x, baseline = (box.left + box.right) / 2, box.bottom - 1
        texts.append(f'<text class="{cls}" x="{x:.1f}" y="{baseline:.1f}"{looks[cls]}>{escape(text)}</text>')
    kind = wire_class(pic, w).replace("wire", "labels")
    return f'<g class="{kind}" {_ends(w)}>{"".join(texts)}</g>'


def _node_attrs(n: Node) -> str:
    attrs = f"data-node={quoteattr(n.owner)}"
    return attrs + (f" data-instance={quoteattr(n.instance)}" if n.instance is not None else "")


def _node(scene: Scene, n: Node) -> str:
    x, y = scene.pos[n.id]
    title = f"<title>{escape(n.title)}</title>"
    if n.kind in ("instance", "inlet", "outlet"):
        return _instance_part(scene, n, x, y, title)
    if n.kind == "gate":
        r = scene.radius[n.id]
        return (
            f'<g class="node gate" {_node_attrs(n)}>{title}'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="white" stroke="{INK}" stroke-width="1.5"/>'
            f'<text class="symbol" x="{x:.1f}" y="{y + 0.36 * FONT + 0.5:.1f}" text-anchor="middle" font-size="{FONT + 1}" fill="{INK}">{escape(n.label)}</text>'
            f'<text class="name" x="{x:.1f}" y="{y - r - 4:.1f}" text-anchor="middle" font-size="{NAME_FONT}" fill="{FAINT}">{escape(n.owner)}</text></g>'
        )
    if n.kind == "junction":
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{INK}"/>' for x, y in scene.dots(n.id))
        return f'<g class="junction" data-from={quoteattr(n.owner)}>{title}{dots}</g>'
    anchor, tx = ("start", x + 2) if n.kind == "output" else ("end", x - 2)
    text = f'<text x="{tx:.1f}" y="{y + 0.36 * FONT:.1f}" text-anchor="{anchor}" font-size="{FONT + 1}" fill="{INK}">{escape(n.label)}</text>'
    if n.kind == "output":
        return f'<g class="output" data-output={quoteattr(n.owner)}>{title}{text}</g>'
    return f'<g class="node {n.kind}" {_node_attrs(n)}>{title}{text}</g>'


def _marker(n: Node, box: Box) -> str:
    """A highlighted node's marker: a rectangle behind it, in a colour apart from the labels'."""
    pad = 5
    return (
        f'<rect class="highlight" data-node={quoteattr(n.owner)} x="{box.left - pad:.1f}" y="{box.top - pad:.1f}" '
        f'width="{box.right - box.left + 2 * pad:.1f}" height="{box.bottom - box.top + 2 * pad:.1f}" rx="6" '
        f'fill="{HIGHLIGHT}" stroke="{HIGHLIGHT_EDGE}" stroke-width="2"/>'
    )


def _instance_part(scene: Scene, n: Node, x: float, y: float, title: str) -> str:
    """A collapsed instance's box with its name on top, or the name of one of its pins."""
    if n.kind == "instance":
        width, height = scene.size[n.id]
        left, top = x - width / 2, y - height / 2
        return (
            f'<g class="instance" data-instance={quoteattr(n.owner)}>{title}'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="8" '
            f'fill="white" stroke="{INK}" stroke-width="1.5"/>'
            f'<text class="name" x="{x:.1f}" y="{top + FONT + 6:.1f}" text-anchor="middle" font-size="{FONT + 1}" '
            f'fill="{INK}">{escape(n.label)}</text></g>'
        )
    anchor, tx = ("start", x + 6) if n.kind == "inlet" else ("end", x - 6)
    text = ""
    if n.label:
        text = (
            f'<text x="{tx:.1f}" y="{y + 0.36 * (NAME_FONT + 1):.1f}" text-anchor="{anchor}" '
            f'font-size="{NAME_FONT + 1}" fill="{FAINT}">{escape(n.label)}</text>'
        )
    return f'<g class="node {n.kind}" {_node_attrs(n)}>{title}{text}</g>'


def _frame(scene: Scene, name: str) -> str:
    """An expanded instance's rectangle, its name at the top left (where wire labels keep clear)."""
    frame, label = scene.frame[name], scene.pic.groups[name].label
    x, y = scene.frame_titles[name]
    return (
        f'<g class="group" data-instance={quoteattr(name)}><title>{escape(f"instance {label}")}</title>'
        f'<rect x="{frame.left:.1f}" y="{frame.top:.1f}" width="{frame.right - frame.left:.1f}" '
        f'height="{frame.bottom - frame.top:.1f}" rx="10" fill="{SHADE}" stroke="{EDGE}" stroke-width="1"/>'
        f'<text class="name" x="{x:.1f}" y="{y:.1f}" font-size="{NAME_FONT + 1}" fill="{FAINT}">{escape(label)}</text></g>'
    )


def _legend(scene: Scene, left: float, top: float) -> tuple[list[str], float, float]:
    """What the colours and marks mean, a line each below the picture: only those it uses.

    Returns the SVG, its height and its width.
    """
    pic = scene.pic
    size = NAME_FONT + 1
    lines: list[list[tuple]] = []  # (text, colour[, font style]); a "dot" text draws a junction
    if pic.numbers:
        pal = pic.palette
        grad = ("gradient", pal.grad, "italic") if pal.italic_grads else ("gradient", pal.grad)
        lines.append([("value", pal.value), (" above a wire (forward pass), ", FAINT), grad, (" below it (backward pass)", FAINT)])
    if any(n.kind == "junction" for n in pic.nodes.values()):
        then = ": the gradients after it add up to the one before" if pic.numbers else ""
        lines.append([("dot", INK), (f"a value fans out{then}", FAINT)])
    if scene.marks:
        lines.append([("×2: one wire drives two ports of a gate", FAINT)])
    items, width = [], 0.0
    for row, line in enumerate(lines):
        x, baseline = left, top + row * (size + 6) + ASCENT * size
        if line[0][0] == "dot":
            items.append(f'<circle cx="{x + 3:.1f}" cy="{baseline - ASCENT * size / 2:.1f}" r="3" fill="{INK}"/>')
            x, line = x + 12, line[1:]
        spans = "".join(f'<tspan fill="{span[1]}"{_font_style(span)}>{escape(span[0])}</tspan>' for span in line)
        items.append(f'<text x="{x:.1f}" y="{baseline:.1f}" font-size="{size}" xml:space="preserve">{spans}</text>')
        width = max(width, x - left + text_width(" ".join(span[0] for span in line), size))
    if not items:
        return [], 0.0, 0.0
    return [f'<g class="legend">{"".join(items)}</g>'], len(lines) * (size + 6), width


def _font_style(span: tuple) -> str:
    return f' font-style="{span[2]}"' if len(span) > 2 else ""
