"""The SVG writer: a laid-out :class:`~circuitsim.draw.scene.Scene` as one standalone SVG.

The picture is first a list of items (:func:`svg_items`), then markup (:func:`markup`); the
explorer's page draws the same items (see ``docs/internals/drawing.md``, "The SVG").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr as _quoteattr

from circuitsim.draw.geometry import Box, text_width
from circuitsim.draw.model import Node, Picture, Wire
from circuitsim.draw.scene import Scene
from circuitsim.draw.style import (
    ARROW,
    ASCENT,
    EDGE,
    FAINT,
    FONT,
    HIGHLIGHT,
    HIGHLIGHT_EDGE,
    INK,
    MARGIN,
    NAME_FONT,
    SHADE,
    Palette,
)

__all__ = ["LAYERS", "Items", "markup", "page_style", "svg_items", "write_svg"]

ARROW_ID = "circuitsim-arrow"


def quoteattr(value: str) -> str:
    """``value`` quoted for an attribute (as xml.sax.saxutils.quoteattr, faster for plain names)."""
    if '"' in value or "&" in value or "<" in value or ">" in value or "\n" in value or "\t" in value or "\r" in value:
        return _quoteattr(value)
    return f'"{value}"'


SCALES = 'style="max-width: 100%; height: auto" '  # fits a narrow notebook cell or page


LAYERS = ("frames", "wires", "nodes", "notes", "labels")  # bottom to top


@dataclass
class Items:
    """A drawing as data: ``head`` opens the SVG (size, title, arrowhead, background) and each
    item is ``(layer, box, data)``: one element of a layer of :data:`LAYERS`, with the box it
    covers and what it draws (see :func:`markup`), so that a page can create only the elements
    in view."""

    head: str
    view_box: tuple[float, float, float, float]
    items: list[tuple[str, Box, dict]]


def write_svg(pic: Picture, *, browser: bool = True) -> str:
    """Lay ``pic`` out and write it as SVG text.

    For a ``browser`` the picture scales down to its container and labels have a white halo
    (``paint-order``); without, it is plain SVG 1.1 for converters such as cairosvg.
    """
    drawing = svg_items(pic, browser=browser)
    looks = _looks(pic.palette, browser)
    body = [markup(data, looks) for layer in LAYERS for kind, _, data in drawing.items if kind == layer]
    return "\n".join([drawing.head, *body, "</svg>", ""])


def svg_items(pic: Picture, *, browser: bool = True) -> Items:
    """Lay ``pic`` out and describe each of its elements as data (see :class:`Items`)."""
    scene = Scene(pic)
    items = [("frames", scene.frame[name], _frame(scene, name)) for name in sorted(scene.frame, key=lambda name: name.count("/"))]
    items += [("wires", _wire_box(scene, k), _wire(scene, k, w)) for k, w in enumerate(pic.wires)]
    items += [("nodes", _node_box(scene, n), _node(scene, n)) for n in pic.nodes.values()]
    items += [("frames", _node_box(scene, n), _marker(n, _node_box(scene, n))) for n in pic.nodes.values() if n.owner in pic.highlight and n.kind != "junction"]
    items += [
        ("labels", functools.reduce(Box.union, (box for _, _, box in scene.labels[k])), _labels(scene, k, w))
        for k, w in enumerate(pic.wires)
        if k in scene.labels
    ]
    box = scene.bounds()
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    lines, legend_height, legend_width = _legend(scene, left, bottom + FONT)
    if lines:
        items.append(("notes", Box(left, bottom + FONT, left + legend_width, bottom + FONT + legend_height), {"kind": "legend", "lines": lines}))
    bottom += legend_height + (FONT if lines else 0)
    right = max(right, left + legend_width)
    if pic.caption:
        caption = {"kind": "caption", "text": [_r(left), _r(bottom + FONT), pic.caption]}
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
    return Items(head, view_box, items)


def _r(v: float) -> float:
    """A coordinate as the picture writes it: to a tenth of a pixel."""
    return round(v, 1)


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


def _key(cls: str, w: Wire) -> str:
    """A wire's name in the page: ``W|from|to``, ``T|from`` (a trunk) or ``O|from`` (an output's)."""
    if cls.endswith("trunk"):
        return f"T|{w.origin}"
    if cls.endswith("output"):
        return f"O|{w.origin}"
    return f"W|{w.origin}|{w.reader}"


def _ends(w: Wire) -> dict:
    return {"from": w.origin, "to": w.reader, "ports": " ".join(w.ports) if w.ports else None}


def _wire(scene: Scene, k: int, w: Wire) -> dict:
    """A wire: its points, whether it ends in an arrowhead, and its ``×n`` mark if it drives
    several ports of one gate."""
    pic = scene.pic
    cls = wire_class(pic, w)
    data = {"kind": cls, "key": _key(cls, w), **_ends(w), "points": [[_r(x), _r(y)] for x, y in scene.routes[k]]}
    data["arrow"] = pic.nodes[w.target].kind != "junction"
    if k in scene.marks:
        x, y = scene.marks[k]
        data["mark"] = [_r(x), _r(y), f"×{len(w.ports)}"]
    return data


def _labels(scene: Scene, k: int, w: Wire) -> dict:
    """A wire's labels: each text with its class, middle, baseline and width, and where along
    the wire's route they are (``on``: the segment's index and the fraction along it)."""
    cls = wire_class(scene.pic, w)
    texts = [[c, _r((box.left + box.right) / 2), _r(box.bottom - 1), text, round(box.right - box.left, 2)] for text, c, box in scene.labels[k]]
    return {"kind": cls.replace("wire", "labels"), "key": "L" + _key(cls, w), **_ends(w), "texts": texts, "on": list(scene.label_places[k])}


def _node(scene: Scene, n: Node) -> dict:
    x, y = scene.pos[n.id]
    data = {"node": n.owner, "instance": n.instance, "title": n.title}
    if n.kind == "instance":
        width, height = scene.size[n.id]
        left, top = x - width / 2, y - height / 2
        return {"kind": "instance", "key": f"I|{n.owner}", "instance": n.owner, "title": n.title,
                "rect": [_r(left), _r(top), _r(width), _r(height)], "name": [_r(x), _r(top + FONT + 6), n.label]}
    if n.kind in ("inlet", "outlet"):
        data |= {"kind": f"node {n.kind}", "key": f"N|{n.owner}"}
        if n.label:
            data["text"] = [_r(x + 6), _r(y + 0.36 * (NAME_FONT + 1)), n.label] if n.kind == "inlet" else [_r(x - 6), _r(y + 0.36 * (NAME_FONT + 1)), n.label]
        return data
    if n.kind == "gate":
        r = scene.radius[n.id]
        return data | {"kind": "node gate", "key": f"N|{n.owner}", "circle": [_r(x), _r(y), _r(r)],
                       "symbol": [_r(x), _r(y + 0.36 * FONT + 0.5), n.label], "name": [_r(x), _r(y - r - 4), n.owner]}
    if n.kind == "junction":
        return {"kind": "junction", "key": f"J|{n.owner}", "from": n.owner, "title": n.title, "dots": [[_r(a), _r(b)] for a, b in scene.dots(n.id)]}
    if n.kind == "output":
        return {"kind": "output", "key": None, "output": n.owner, "title": n.title, "text": [_r(x + 2), _r(y + 0.36 * FONT), n.label]}
    return data | {"kind": f"node {n.kind}", "key": f"N|{n.owner}", "text": [_r(x - 2), _r(y + 0.36 * FONT), n.label]}


def _marker(n: Node, box: Box) -> dict:
    """A highlighted node's marker: a rectangle behind it, in a colour apart from the labels'."""
    pad = 5
    rect = [_r(box.left - pad), _r(box.top - pad), _r(box.right - box.left + 2 * pad), _r(box.bottom - box.top + 2 * pad)]
    return {"kind": "marker", "key": None, "node": n.owner, "rect": rect}


def _frame(scene: Scene, name: str) -> dict:
    """An expanded instance's rectangle, its name at the top left (where wire labels keep clear)."""
    frame, label = scene.frame[name], scene.pic.groups[name].label
    x, y = scene.frame_titles[name]
    rect = [_r(frame.left), _r(frame.top), _r(frame.right - frame.left), _r(frame.bottom - frame.top)]
    return {"kind": "group", "key": f"F|{name}", "instance": name, "title": f"instance {label}", "rect": rect, "name": [_r(x), _r(y), label]}


def _legend(scene: Scene, left: float, top: float) -> tuple[list[dict], float, float]:
    """What the colours and marks mean, a line each below the picture: only those it uses.

    Returns the lines (each ``x``, ``y``, ``size``, a junction's ``dot`` if it shows one, and
    its ``spans``: text, colour and, for gradients in italic, ``italic``), their height and width.
    """
    pic = scene.pic
    size = NAME_FONT + 1
    lines: list[list[list]] = []  # [text, colour(, "italic")]; a "dot" text draws a junction
    if pic.numbers:
        pal = pic.palette
        grad = ["gradient", pal.grad, "italic"] if pal.italic_grads else ["gradient", pal.grad]
        lines.append([["value", pal.value], [" above a wire (forward pass), ", FAINT], grad, [" below it (backward pass)", FAINT]])
    if any(n.kind == "junction" for n in pic.nodes.values()):
        then = ": the gradients after it add up to the one before" if pic.numbers else ""
        lines.append([["dot", INK], [f"a value fans out{then}", FAINT]])
    if scene.marks:
        lines.append([["×2: one wire drives two ports of a gate", FAINT]])
    out, width = [], 0.0
    for row, line in enumerate(lines):
        x, baseline = left, top + row * (size + 6) + ASCENT * size
        entry: dict = {"size": size}
        if line[0][0] == "dot":
            entry["dot"] = [_r(x + 3), _r(baseline - ASCENT * size / 2)]
            x, line = x + 12, line[1:]
        entry |= {"x": _r(x), "y": _r(baseline), "spans": line}
        out.append(entry)
        width = max(width, x - left + text_width(" ".join(span[0] for span in line), size))
    if not out:
        return [], 0.0, 0.0
    return out, len(lines) * (size + 6), width


# -- markup -----------------------------------------------------------------------------------------


def _looks(palette: Palette, browser: bool) -> dict:
    """The presentation attributes of a standalone picture's wires and labels."""
    halo = ' stroke="white" stroke-width="3" paint-order="stroke"' if browser else ""  # cairosvg has no paint-order
    italic = ' font-style="italic"' if palette.italic_grads else ""
    return {
        "wire": WIRE_LOOK,
        "value": f' fill="{palette.value}" text-anchor="middle" font-size="{FONT}"{halo}',
        "grad": f' fill="{palette.grad}" text-anchor="middle" font-size="{FONT}"{italic}{halo}',
    }


WIRE_LOOK = f' fill="none" stroke="{INK}" stroke-width="1.3"'
PLAIN = {"wire": "", "value": "", "grad": ""}  # looks left to a page's stylesheet (page_style)


def page_style(palette: Palette) -> str:
    """The looks of wires and labels, for a page's stylesheet (``markup(data, PLAIN)``)."""
    italic = " font-style: italic;" if palette.italic_grads else ""
    return (
        f"svg .wire > path {{ fill: none; stroke: {INK}; stroke-width: 1.3; }}\n"
        f"svg .labels text {{ text-anchor: middle; font-size: {FONT}px; stroke: white; stroke-width: 3px; paint-order: stroke; }}\n"
        f"svg .labels text.value {{ fill: {palette.value}; }}\nsvg .labels text.grad {{ fill: {palette.grad};{italic} }}\n"
    )


# a module's box and name label, closed (an instance) or opened (a group of its gates)
_BOXES = {
    "instance": (f'rx="8" fill="white" stroke="{INK}" stroke-width="1.5"', f'text-anchor="middle" font-size="{FONT + 1}" fill="{INK}"'),
    "group": (f'rx="10" fill="{SHADE}" stroke="{EDGE}" stroke-width="1"', f'font-size="{NAME_FONT + 1}" fill="{FAINT}"'),
}


def markup(data: dict, looks: dict = PLAIN) -> str:
    """The SVG element of one item of :func:`svg_items` (``looks``: the attributes of wires and
    labels; :data:`PLAIN` leaves them to a stylesheet)."""
    kind = data["kind"]
    title = f"<title>{escape(data['title'])}</title>" if "title" in data else ""
    if kind.startswith("wire"):
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(data["points"]))
        arrow = f' marker-end="url(#{ARROW_ID})"' if data["arrow"] else ""
        mark = ""
        if "mark" in data:  # one source on several ports of one gate
            x, y, text = data["mark"]
            mark = f'<text class="ports" x="{x:.1f}" y="{y:.1f}" fill="{FAINT}" font-size="{NAME_FONT}" text-anchor="end">{text}</text>'
        return f'<g class="{kind}" {_end_attrs(data)}><path d="{d}"{looks["wire"]}{arrow}/>{mark}</g>'
    if kind.startswith("labels"):
        texts = "".join(f'<text class="{c}" x="{x:.1f}" y="{y:.1f}"{looks[c]}>{escape(text)}</text>' for c, x, y, text, _ in data["texts"])
        return f'<g class="{kind}" {_end_attrs(data)}>{texts}</g>'
    if kind == "node gate":
        (cx, cy, r), (sx, sy, symbol), (nx, ny, name) = data["circle"], data["symbol"], data["name"]
        return (
            f'<g class="node gate" {_node_attrs(data)}>{title}'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="white" stroke="{INK}" stroke-width="1.5"/>'
            f'<text class="symbol" x="{sx:.1f}" y="{sy:.1f}" text-anchor="middle" font-size="{FONT + 1}" fill="{INK}">{escape(symbol)}</text>'
            f'<text class="name" x="{nx:.1f}" y="{ny:.1f}" text-anchor="middle" font-size="{NAME_FONT}" fill="{FAINT}">{escape(name)}</text></g>'
        )
    if kind == "marker":
        left, top, width, height = data["rect"]
        return (
            f'<rect class="highlight" data-node={quoteattr(data["node"])} x="{left:.1f}" y="{top:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}" rx="6" fill="{HIGHLIGHT}" stroke="{HIGHLIGHT_EDGE}" stroke-width="2"/>'
        )
    if kind == "junction":
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{INK}"/>' for x, y in data["dots"])
        return f'<g class="junction" data-from={quoteattr(data["from"])}>{title}{dots}</g>'
    if kind in ("instance", "group"):  # a module's instance, drawn closed or opened as a group
        (left, top, width, height), (x, y, name) = data["rect"], data["name"]
        box, label = _BOXES[kind]
        return (
            f'<g class="{kind}" data-instance={quoteattr(data["instance"])}>{title}'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" {box}/>'
            f'<text class="name" x="{x:.1f}" y="{y:.1f}" {label}>{escape(name)}</text></g>'
        )
    if kind in ("node inlet", "node outlet"):
        text = ""
        if "text" in data:
            x, y, label = data["text"]
            anchor = "start" if kind == "node inlet" else "end"
            text = f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{NAME_FONT + 1}" fill="{FAINT}">{escape(label)}</text>'
        return f'<g class="{kind}" {_node_attrs(data)}>{title}{text}</g>'
    if kind == "legend":
        parts = []
        for line in data["lines"]:
            if "dot" in line:
                parts.append(f'<circle cx="{line["dot"][0]:.1f}" cy="{line["dot"][1]:.1f}" r="3" fill="{INK}"/>')
            spans = "".join(f'<tspan fill="{span[1]}"{_font_style(span)}>{escape(span[0])}</tspan>' for span in line["spans"])
            parts.append(f'<text x="{line["x"]:.1f}" y="{line["y"]:.1f}" font-size="{line["size"]}" xml:space="preserve">{spans}</text>')
        return f'<g class="legend">{"".join(parts)}</g>'
    if kind == "caption":
        x, y, text = data["text"]
        return f'<text class="caption" x="{x:.1f}" y="{y:.1f}" fill="{FAINT}" font-size="{FONT}">{escape(text)}</text>'
    x, y, label = data["text"]  # an input, a constant or an output
    anchor = "start" if kind == "output" else "end"
    text = f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT + 1}" fill="{INK}">{escape(label)}</text>'
    if kind == "output":
        return f'<g class="output" data-output={quoteattr(data["output"])}>{title}{text}</g>'
    return f'<g class="{kind}" {_node_attrs(data)}>{title}{text}</g>'


def _end_attrs(data: dict) -> str:
    attrs = f"data-from={quoteattr(data['from'])}"
    if data["to"] is not None:
        attrs += f" data-to={quoteattr(data['to'])}"
    if data["ports"]:
        attrs += f" data-port={quoteattr(data['ports'])}"
    return attrs


def _node_attrs(data: dict) -> str:
    attrs = f"data-node={quoteattr(data['node'])}"
    return attrs + (f" data-instance={quoteattr(data['instance'])}" if data["instance"] is not None else "")


def _font_style(span: list) -> str:
    return f' font-style="{span[2]}"' if len(span) > 2 else ""
