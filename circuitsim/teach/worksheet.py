"""Worksheets: a circuit's picture with numbered blanks where the hidden numbers go, and its key,
each an A4 landscape page (see ``docs/internals/features.md``, "Checks and grading").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from circuitsim.errors import CircuitError

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["HIDE", "Blank", "Worksheet", "worksheet", "pdf"]

HIDE = ("values", "grads", "both")
PAGE = (1123, 794)  # A4 landscape at 96 px per inch
BLANK = "______"
_ROOT_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')


@dataclass
class Blank:
    """A number the learner writes: its ``number`` on the sheet, the ``node`` whose value or
    gradient (``what``) it is, and the ``answer`` as the key shows it."""

    number: int
    node: str
    what: str
    answer: str


@dataclass
class Worksheet:
    """The sheet and its key as SVG pages, and the blanks."""

    sheet: str
    key: str
    blanks: list[Blank] = field(default_factory=list)


def worksheet(circuit: Circuit, inputs: dict[str, Any] | None = None, *, hide: str = "both", precision: int = 2) -> Worksheet:
    """The worksheet of ``circuit`` run on ``inputs`` (defaults fill the rest)."""
    from circuitsim.draw import picture
    from circuitsim.draw.svg import write_svg

    if hide not in HIDE:
        raise ValueError(f"hide must be one of {', '.join(HIDE)}, got {hide!r}")
    missing = [name for name, default in circuit.inputs.items() if default is None and name not in (inputs or {})]
    if missing:
        raise CircuitError(f"input {missing[0]!r} has no default: give it a value for the worksheet", circuit.nodes[missing[0]].pos)
    result = circuit.run(inputs or {}, trace=True)
    if result.batch is not None:
        raise CircuitError("a worksheet shows one sample: give each input one number")
    sheet, key = picture(circuit, result, precision=precision), picture(circuit, result, precision=precision)
    given = {name for name, record in circuit.nodes.items() if record.kind in ("input", "const")}
    blanks: list[Blank] = []
    order = list(result.values)
    rank = {name: i for i, name in enumerate(order)}
    # values forward, then gradients backward (the trunk of a fan-out before its branches)
    slots = [(rank.get(w.origin, 0), 0, k, "value") for k, w in enumerate(sheet.wires) if w.value is not None]
    slots += [(-rank.get(w.origin, 0), 1 if w.reader is None else 2, k, "grad") for k, w in enumerate(sheet.wires) if w.grad is not None]
    values = sorted(s for s in slots if s[3] == "value")
    grads = sorted(s for s in slots if s[3] == "grad")
    for _, kind, k, what in values + grads:
        wire = sheet.wires[k]
        if what == "value" and (hide == "grads" or wire.origin in given):
            continue
        if what == "grad" and (hide == "values" or (wire.target.endswith("@output") and wire.origin in circuit.outputs)):
            continue
        answer = getattr(wire, what)
        blank = Blank(len(blanks) + 1, wire.origin, what, answer)
        blanks.append(blank)
        setattr(wire, what, f"({blank.number}) {BLANK}")
        setattr(key.wires[k], what, f"({blank.number}) {answer}")
    hidden = {"values": "forward values (above the wires)", "grads": "gradients (below the wires)", "both": "forward values (above the wires) and gradients (below)"}[hide]
    task = f"Fill in the {len(blanks)} blanks: the {hidden}, rounded to {precision} decimals."
    description = circuit.spec.description
    return Worksheet(
        _page(circuit.name, description, task, write_svg(sheet, browser=False), name_line=True),
        _page(f"{circuit.name}: answer key", description, task, write_svg(key, browser=False), name_line=False),
        blanks,
    )


def _page(title: str, description: str, task: str, drawing: str, *, name_line: bool) -> str:
    """An A4 landscape page: ``title``, ``description`` (wrapped), ``task`` and the ``drawing``
    (SVG text) scaled to fit below them."""
    width, height = PAGE
    margin = 40
    lines = [f'<text x="{margin}" y="{margin + 14}" font-size="22" fill="#222">{escape(title)}</text>']
    if name_line:
        lines.append(f'<text x="{width - margin}" y="{margin + 14}" font-size="13" fill="#444" text-anchor="end">Name: ____________________</text>')
    y = margin + 42
    for text in _wrap(description, (width - 2 * margin) / (0.55 * 13))[:3]:
        lines.append(f'<text x="{margin}" y="{y}" font-size="13" fill="#444">{escape(text)}</text>')
        y += 18
    lines.append(f'<text x="{margin}" y="{y + 6}" font-size="13" font-weight="bold" fill="#222">{escape(task)}</text>')
    top = y + 30
    body = drawing.split("?>", 1)[1] if drawing.startswith("<?xml") else drawing
    box = f'x="{margin}" y="{top}" width="{width - 2 * margin}" height="{height - top - margin}"'
    body = _ROOT_SIZE.sub(lambda m: f"<svg{m.group(1)} {box}", body, count=1)
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="297mm" height="210mm" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        *lines,
        body.strip(),
        "</svg>",
        "",
    ])


def _wrap(text: str, chars: float) -> list[str]:
    """``text`` in lines of at most about ``chars`` characters, broken at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def pdf(page: str) -> bytes:
    """An SVG page as PDF (cairosvg)."""
    try:
        import cairosvg
    except ImportError:
        raise CircuitError("writing PDF needs the cairosvg package: python -m pip install 'circuitsim-backprop[plot]'") from None
    return cairosvg.svg2pdf(bytestring=page.encode("utf-8"))
