"""Pictures of circuits: SVG as the notes draw them, and Graphviz DOT.

``model`` decides what is drawn, ``layout`` and ``scene`` where, ``svg`` and ``dot`` write it
(the rooms in order: ``docs/internals/drawing.md``). The core never imports this package.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from circuitsim.base.fileio import atomic_write
from circuitsim.draw import window
from circuitsim.draw.dot import write_dot
from circuitsim.draw.model import Group, Node, Picture, Records, Wire, picture
from circuitsim.draw.raster import write_raster
from circuitsim.draw.style import (
    FONT,
    GRAD_COLOUR,
    PALETTES,
    VALUE_COLOUR,
    Palette,
    palette_named,
)
from circuitsim.draw.svg import Items, svg_items, write_svg
from circuitsim.draw.window import LIMIT
from circuitsim.errors import CircuitError

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit, Result

FORMATS = ("svg", "dot", "png", "pdf")
SUFFIXES = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".png": "png", ".pdf": "pdf"}

__all__ = ["FONT", "FORMATS", "LIMIT", "PALETTES", "SUFFIXES", "Drawing", "GRAD_COLOUR", "Palette", "VALUE_COLOUR", "Group", "Node", "Picture", "Wire", "Items", "picture", "render", "render_items", "to_dot", "to_svg"]


def render(
    circuit: Circuit,
    result: Result | None = None,
    *,
    fmt: str = "svg",
    precision: int = 2,
    sample: int = 0,
    expand: bool = False,
    around: str | None = None,
    depth: int = 2,
    limit: int | None = None,
    highlight: Collection[str] = (),
    palette: str = "default",
    width: int | None = None,
    scale: float | None = None,
) -> str | bytes:
    """A picture of ``circuit`` in format ``fmt`` (``svg``, ``dot``: text; ``png``, ``pdf``:
    bytes), with ``result``'s values and gradients if given.

    For a batch result it shows sample ``sample``. Module instances are boxes, or with
    ``expand`` their gates in a shaded rectangle each. ``around`` draws only the nodes within
    ``depth`` wires of that node; a circuit of more than ``limit`` gates is drawn as the
    widest window upstream of its outputs that holds at most ``limit`` gates. The nodes named
    in ``highlight`` are drawn on a marker (SVG, PNG, PDF). ``palette``: ``default`` (values
    green, gradients red) or ``colorblind`` (Okabe-Ito blue and vermillion, gradients also in
    italic).
    A PNG is ``width`` pixels wide, or ``scale`` pixels per SVG unit, or by default 2 (less
    for a big picture: at most 4,096 pixels a side); see :mod:`~circuitsim.draw.raster`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown picture format {fmt!r}; formats: {', '.join(FORMATS)}")
    pic = _picture(circuit, result, precision=precision, sample=sample, expand=expand, around=around, depth=depth, limit=limit, palette=palette)
    pic.highlight = frozenset(highlight)
    if fmt == "svg":
        return write_svg(pic)
    if fmt == "dot":
        return write_dot(pic)
    return write_raster(pic, fmt, width=width, scale=scale)


def render_items(circuit: Circuit, result: Result | None = None, **options) -> Items:
    """The SVG picture of :func:`render` (options as for it) as data: each element with the box
    it covers and every coordinate it is drawn at (see :func:`~circuitsim.draw.svg.markup`), for
    a page that creates only the elements in view."""
    return svg_items(_picture(circuit, result, **options))


def to_svg(circuit: Circuit, result: Result | None = None, **options) -> str:
    """A standalone SVG picture of ``circuit`` (options as for :func:`render`)."""
    return render(circuit, result, fmt="svg", **options)


def to_dot(circuit: Circuit, result: Result | None = None, **options) -> str:
    """The same picture as Graphviz DOT (``dot -Tsvg`` draws it), labels and colours included."""
    return render(circuit, result, fmt="dot", **options)


class Drawing:
    """A picture of a circuit that a notebook shows (``_repr_svg_``); ``svg`` is its text and
    ``save(path)`` writes it as the file's suffix says (.svg, .dot, .gv, .png, .pdf)."""

    def __init__(self, circuit: Circuit, result: Result | None = None, **options) -> None:
        self.circuit, self.result, self.options = circuit, result, options
        self.svg = render(circuit, result, fmt="svg", **options)

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        size = re.search(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"', self.svg)
        shown = f"{size[1]} x {size[2]} px" if size else "?"
        values = "values and gradients" if self.result is not None else "no values"
        return f"<Drawing of circuit {self.circuit.name!r}: SVG, {shown}, {values}; .save(path) writes .svg .png .pdf .dot>"

    def __str__(self) -> str:
        return self.svg

    def save(self, path, *, width: int | None = None, scale: float | None = None) -> None:
        """Write the picture to ``path`` (whole or not at all), in the format of its suffix;
        ``width`` (pixels) or ``scale`` (pixels per SVG unit) size a PNG."""
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            raise CircuitError(f"cannot tell the picture format of {str(path)!r}: name it {', '.join(SUFFIXES)}")
        fmt = SUFFIXES[suffix]
        if fmt == "svg":
            save(path, self.svg)
        elif fmt == "dot":
            save(path, render(self.circuit, self.result, fmt=fmt, **self.options))
        else:
            save(path, render(self.circuit, self.result, fmt=fmt, width=width, scale=scale, **self.options))


def save(path, picture: str | bytes) -> None:
    """Write a rendered picture (text or bytes) to ``path``, whole or not at all."""
    if isinstance(picture, bytes):
        with atomic_write(path, "wb") as handle:
            handle.write(picture)
    else:
        with atomic_write(path, encoding="utf-8", newline="\n") as handle:
            handle.write(picture)


def _picture(circuit, result, *, precision=2, sample=0, expand=False, around=None, depth=2, limit=None, palette="default") -> Picture:
    look = palette_named(palette)
    centre = around
    nodes = Records(circuit.nodes)
    total = sum(1 for n in nodes if nodes[n].kind == "gate")
    only, caption = None, ""
    if centre is not None:
        only = window.around(nodes, [centre], depth)
        caption = f"{_gates(nodes, only)} of {total:,} gates: those within {depth} wires of {centre}"
    elif limit is not None and (fit := window.fitting(nodes, limit)) is not None:
        only, reach = fit
        caption = f"{_gates(nodes, only)} of {total:,} gates: those within {reach} wires upstream of the outputs"
    pic = picture(circuit, result, precision=precision, sample=sample, expand=expand, only=only)
    pic.caption = "; ".join(text for text in (caption, pic.caption) if text)
    pic.palette = look
    return pic


def _gates(nodes, names) -> str:
    return f"{sum(1 for n in names if nodes[n].kind == 'gate'):,}"
