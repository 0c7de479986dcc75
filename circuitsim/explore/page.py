"""The explorer page: the drawing, the messages of both passes, and the player around them.

:func:`payload` gathers what the page shows as plain JSON data, :func:`html` puts it into the
self-contained page (see ``docs/internals/drawing.md``, "The explorer").
"""

from __future__ import annotations

import functools
import html as html_module
import json
import math
import re
import threading
import warnings
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from circuitsim.base.show import json_number
from circuitsim.derive.forward import TangentMessage, jvp, tangent_amount, tangent_ends
from circuitsim.draw import LIMIT, render_items
from circuitsim.draw.model import number as draw_number
from circuitsim.draw.style import (
    ASCENT,
    BRANCH_PLACES,
    CLEAR,
    EDGE,
    FAINT,
    FONT,
    GAP,
    HIGHLIGHT,
    HIGHLIGHT_EDGE,
    INK,
    NAME_FONT,
    PLACES,
    SHADE,
    palette_named,
)
from circuitsim.draw.svg import page_style
from circuitsim.draw.window import around as window_around
from circuitsim.errors import CircuitError, CircuitErrors
from circuitsim.explore.quiz import questions
from circuitsim.explore.rules import FORMULAS, WHYS, formulas, whys
from circuitsim.plan.trace import describe

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["LIVE_POLICY", "STATIC_POLICY", "error_payload", "html", "payload", "steps"]

# The page may run its own inline script and style and nothing else: no request leaves it
# (served live, it may also ask its own server for new data).
STATIC_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
LIVE_POLICY = STATIC_POLICY + "; connect-src 'self'"

_WARNINGS = threading.Lock()  # catch_warnings is process-wide: one run at a time records them

# One script, in this order: each file a part made with what it needs (see main.js).
SCRIPTS = ("markup.js", "messages.js", "labels.js", "fold.js", "drawing.js", "why.js", "inspect.js", "player.js", "navigate.js", "quiz.js", "live.js", "main.js")


def payload(
    circuit: Circuit,
    inputs: Mapping[str, Any] | None = None,
    *,
    precision: int = 2,
    around: str | None = None,
    depth: int = 2,
    limit: int | None = LIMIT,
    palette: str = "default",
    quiz: str | None = None,
    tangents: Mapping[str, Any] | None = None,
) -> dict:
    """Run ``circuit`` on ``inputs`` (defaults fill the rest) and gather what the page shows.

    The picture is drawn as :func:`circuitsim.draw.render` draws it: ``around`` a node to
    ``depth`` wires, or, for a circuit of more than ``limit`` gates, the window nearest its
    outputs (``limit=None``: the whole circuit). Raises :class:`~circuitsim.CircuitError` for
    an input without a default that ``inputs`` does not give, and for a batch (the page plays
    one sample). Warnings of the run (NaN or infinity) are in ``warnings``, for the page to show.
    ``palette``: ``default`` or ``colorblind``, as for :func:`circuitsim.draw.render`. ``quiz``
    (``values``, ``grads`` or ``both``) makes it an exercise that asks for those numbers as
    their messages arrive (see :mod:`circuitsim.explore.quiz`). ``tangents`` (input names to
    numbers, as for :meth:`~circuitsim.Circuit.jvp`) plays a forward-mode run instead: its
    messages (``circuitsim trace --tangent``), the wires labelled with values and tangents.

    Each gate's formulas (``formulas``) and each node's "why" (``whys``, see
    :mod:`circuitsim.explore.rules`) come along where they are cheap, else None.
    """
    if tangents and quiz:
        raise CircuitError("a quiz asks for the numbers of both passes: give --quiz or --tangent, not both")
    palette_named(palette)  # a ValueError naming the palettes, before any work
    inputs = dict(inputs or {})
    nodes = circuit.nodes
    for name, default in circuit.inputs.items():
        if default is None and name not in inputs:
            raise CircuitError(f"input {name!r} has no default: give it a value (--set {name}=VALUE)", nodes[name].pos)
    with _WARNINGS, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = circuit.run(inputs, trace=True) if not tangents else _tangent_run(circuit, inputs, tangents)
    if result.batch is not None:
        raise CircuitError(f"the explorer plays one sample, not a batch of {result.batch}: give each input one number")
    window = {"precision": precision, "around": around, "depth": depth, "limit": limit, "palette": palette}
    tangent = bool(tangents)
    views = [_view("folded", render_items(circuit, result, **window), tangent)]
    if nodes.instances:
        views.append(_view("unfolded", render_items(circuit, result, expand=True, **window), tangent))
    messages, left_out = _played(result.trace, nodes, around, depth, limit)
    trace = _columns(messages, nodes, precision)
    shown = [n for n in trace["names"] if n in nodes] if left_out else list(nodes)  # a bounded page names what it plays
    number = functools.partial(draw_number, precision=precision)
    return {
        "circuit": circuit.name,
        "mode": "tangent" if tangents else "backprop",
        "trace": trace,
        "views": views,
        "constants": {n: f"{nodes[n].value:g}" for n in shown if nodes[n].kind == "const"},
        "names": [n for n in shown if nodes[n].kind != "const"],
        "inputs": {name: json_number(result.values[name]) for name in circuit.inputs},
        "precision": precision,
        "palette": palette,
        "quiz": questions(messages, nodes, quiz, precision) if quiz else None,
        "values": {n: number(result.values[n]) for n in shown if n in result.values} if tangents else None,
        "formulas": formulas(circuit),
        "whys": None if quiz else whys(circuit, inputs),  # a quiz's page would give its answers away
        "limits": {"formulas": FORMULAS, "whys": WHYS},
        "errors": [],
        "warnings": [str(w.message) for w in caught] + left_out,
    }


MAX_MESSAGES = 10_000  # messages a page plays unless it draws the whole circuit (limit=None)


def _played(trace: list, nodes, around: str | None, depth: int, limit: int | None) -> tuple[list, list[str]]:
    """The messages the page plays, and a note of those left out: as the drawing is bounded,
    so are they, to :data:`MAX_MESSAGES`: those of the nodes drawn ``around`` a node, else
    those nearest the outputs (the last of the forward pass, the first of the backward one)."""
    if limit is None or len(trace) <= MAX_MESSAGES:
        return trace, []
    if around is not None:
        near = window_around(nodes, [around], depth)
        kept = [m for m in trace if m.source in near or m.target in near][:MAX_MESSAGES]
        where = f"those of the nodes within {depth} wires of {around}"
    else:
        forward = [m for m in trace if m.phase != "backward"]  # a forward-mode run's too
        backward = [m for m in trace if m.phase == "backward"]
        half = MAX_MESSAGES // 2 if backward else MAX_MESSAGES
        kept = forward[-half:] + backward[:half]
        where = "those nearest the outputs"
    note = (f"the page plays {len(kept):,} of the {len(trace):,} messages ({where}); "
            "--around NODE plays those around another node, --all every one")
    return kept, [note]


class _TangentRun:
    """A forward-mode run as the drawing reads a run: values, and the tangents where it reads
    gradients (labelled as tangents by the page); its messages in ``trace``."""

    batch = None
    seed = None

    def __init__(self, run) -> None:
        self.values = dict(run.values)
        self.grads = dict(run.tangents)
        self.trace = run.trace


def _tangent_run(circuit: Circuit, inputs: dict, tangents: Mapping[str, Any]) -> _TangentRun:
    run = jvp(circuit, inputs, tangents, trace=True)
    if run.batch is not None:
        raise CircuitError(f"the explorer plays one sample, not a batch of {run.batch}: give each input and tangent one number")
    return _TangentRun(run)


# In forward mode a wire that fans out carries the same tangent on every branch: the branches'
# labels (the gradient coming back along each) are left out, the trunk says it; and the
# drawing's legend names tangents where it names gradients.
_BRANCHES = ("labels branch",)
_LEGEND = {
    "gradient": "tangent",
    " below it (backward pass)": " below it (forward mode)",
    " above a wire (forward pass), ": " above a wire, ",
    "a value fans out: the gradients after it add up to the one before": "a value fans out: each branch carries its tangent",
}


def _forward_mode(data: dict) -> dict:
    if data.get("kind") != "legend":
        return data
    lines = [line | {"spans": [[_LEGEND.get(text, text), colour] for text, colour in line["spans"]]} for line in data["lines"]]
    return data | {"lines": lines}


def steps(data: dict) -> list[dict]:
    """The messages of a :func:`payload`, as ``circuitsim trace --format jsonl`` writes them
    (the page's ``window.circuitsim.steps`` makes the same from the same columns)."""
    t = data["trace"]
    names, ports = t["names"], t["ports"]
    forward, backward = iter(t["value"]), iter(zip(t["upstream"], t["local"], t["contribution"], t["total"]))
    tangent = iter(zip(t["value"], t["tangent"], t["local"], t["contribution"], t["total"]))
    out = []
    for k, phase in enumerate(t["pass"]):
        m = {"step": k + 1, "pass": PASSES[phase], "from": _name(names, t["from"][k]), "to": _name(names, t["to"][k]), "port": _name(ports, t["port"][k])}
        if phase == "f":
            m["value"] = next(forward)
        elif phase == "t":
            m.update(zip(("value", "tangent", "local", "contribution", "total"), next(tangent)))
        else:
            m.update(zip(("upstream", "local", "contribution", "total"), next(backward)))
        out.append(m)
    return out


PASSES = {"f": "forward", "b": "backward", "t": "tangent"}


def _name(table: list, i: int):
    return None if i < 0 else table[i]


def _columns(trace: list, nodes, precision: int) -> dict:
    """The messages as columns: names and ports by number, the numbers of each pass, and the
    text of each message as the trace writes it (:func:`circuitsim.plan.trace.describe`), with
    the running sum of each backward one. A forward-mode run's messages (pass ``t``) are in
    ``value``, ``tangent``, ``local``, ``contribution`` and ``total``, with the tangent so far
    as their ``sum``."""
    names: dict[str, int] = {}
    ports: dict[str, int] = {}
    index = lambda table, key: -1 if key is None else table.setdefault(key, len(table))
    number = functools.partial(draw_number, precision=precision)
    cols: dict[str, list] = {k: [] for k in ("from", "to", "port", "value", "tangent", "upstream", "local", "contribution", "total", "text", "sum")}
    kinds = []
    for m in trace:
        d = m.as_json()
        kinds.append(d["pass"][0])
        cols["from"].append(index(names, m.source))
        cols["to"].append(index(names, m.target))
        cols["port"].append(index(ports, m.port))
        if isinstance(m, TangentMessage):
            for key in ("value", "tangent", "local", "contribution", "total"):
                cols[key].append(d[key])
            cols["sum"].append(number(m.total))
            source, target = tangent_ends(m, nodes)
            cols["text"].append(f"{source} -> {target}: {tangent_amount(m, number)}")
            continue
        if d["pass"] == "forward":
            cols["value"].append(d["value"])
        else:
            for key in ("upstream", "local", "contribution", "total"):
                cols[key].append(d[key])
            cols["sum"].append(number(m.total))
        cols["text"].append(describe(m, nodes, number))
    return {"pass": "".join(kinds), "names": list(names), "ports": list(ports)} | cols


# How the drawing looks and places a wire's labels, for the page to draw its items and to put
# labels back on a wire that folding stretched (see draw.geometry.label_box and Grid.cost).
LOOK = {
    "ink": INK, "faint": FAINT, "shade": SHADE, "edge": EDGE, "highlight": HIGHLIGHT, "highlight_edge": HIGHLIGHT_EDGE, "font": FONT, "name_font": NAME_FONT,
    "ascent": ASCENT, "gap": GAP, "clear": CLEAR, "places": PLACES, "branch_places": BRANCH_PLACES,
}


def _view(name: str, drawing, tangent: bool = False) -> dict:
    """A drawing for the page: its head, its box, its items (each its layer, the box it covers
    and its data, see :func:`circuitsim.draw.svg.markup`), and its look; ``tangent``: of a
    forward-mode run."""
    items = [
        [layer, math.floor(b.left), math.floor(b.top), math.ceil(b.right), math.ceil(b.bottom), _forward_mode(data) if tangent else data]
        for layer, b, data in drawing.items
        if not (tangent and data.get("kind") in _BRANCHES)
    ]
    return {"name": name, "head": drawing.head.split("\n", 1)[1], "box": list(drawing.view_box), "items": items, "look": LOOK}


def error_payload(error: CircuitError) -> dict:
    """What the page shows for a file that does not load or run: its errors, one a line."""
    errors = error.errors if isinstance(error, CircuitErrors) else [error]
    return {"errors": [str(e) for e in errors]}


def html(data: dict, *, live: bool = False, palette: str | None = None) -> str:
    """The self-contained page for ``data`` (a :func:`payload`); ``live`` for ``circuitsim serve``;
    ``palette`` (default: the payload's) colours it."""
    title = data.get("circuit") or "circuitsim"
    fills = {
        "__TITLE__": _escape(title),
        "__POLICY__": LIVE_POLICY if live else STATIC_POLICY,
        "/*__STYLE__*/": _asset("player.css") + _colours(palette or data.get("palette")),
        "/*__SCRIPT__*/": "\n".join(_asset(name) for name in SCRIPTS),
        "__LIVE__": "true" if live else "false",
        "__DATA__": _script_json(data),
    }
    # one pass over the template: a placeholder inside what is filled in stays as it is
    return _PLACES.sub(lambda m: fills[m.group()], _asset("page.html"))


_PLACES = re.compile(r"__TITLE__|__POLICY__|/\*__STYLE__\*/|/\*__SCRIPT__\*/|__LIVE__|__DATA__")


def _colours(name: str | None) -> str:
    """The palette's colours for the page's stylesheet: the numbers on the drawing, the message
    line, the highlights (and gradients in italic, where the palette says so)."""
    pal = palette_named(name)
    rules = f":root {{ --value: {pal.value}; --grad: {pal.grad}; --value-tint: {pal.value_tint}; --grad-tint: {pal.grad_tint}; }}\n"
    if pal.italic_grads:
        rules += "#message.backward, #message.tangent, #inspect .grad, .grad-cue { font-style: italic; }\n"
    return rules + page_style(pal)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element: no ``</script>`` or ``<!--`` can appear."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def _escape(text: str) -> str:
    return html_module.escape(text, quote=True)
