"""The explorer page: the drawing, the messages of both passes, and the player around them.

:func:`payload` runs a circuit with its trace and gathers what the page shows as plain JSON
data: the messages (``steps``, exactly as ``circuitsim trace --format jsonl`` writes them), the
picture (folded, and unfolded when the circuit has module instances) and the inputs.
:func:`html` puts a payload into the page template with the player's script and style inline,
so that the page needs nothing else: it opens from disk, with no network.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..draw import to_svg
from ..errors import CircuitError, CircuitErrors
from ..show import json_number

if TYPE_CHECKING:
    from ..circuit import Circuit

__all__ = ["LIVE_POLICY", "STATIC_POLICY", "error_payload", "html", "payload"]

# The page may run its own inline script and style and nothing else: no request leaves it
# (served live, it may also ask its own server for new data).
STATIC_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
LIVE_POLICY = STATIC_POLICY + "; connect-src 'self'"

_WARNINGS = threading.Lock()  # catch_warnings is process-wide: one run at a time records them

SCRIPTS = ("player.js", "view.js", "inspect.js", "live.js")  # one script, in this order


def payload(circuit: Circuit, inputs: Mapping[str, Any] | None = None, *, precision: int = 2) -> dict:
    """Run ``circuit`` on ``inputs`` (defaults fill the rest) and gather what the page shows.

    Raises :class:`~circuitsim.CircuitError` for an input without a default that ``inputs``
    does not give, and for a batch (the page plays one sample). Warnings of the run (NaN or
    infinity) are in ``warnings``, for the page to show.
    """
    inputs = dict(inputs or {})
    for name, default in circuit.inputs.items():
        if default is None and name not in inputs:
            pos = circuit.graph.nodes[name]["pos"]
            raise CircuitError(f"input {name!r} has no default: give it a value (--set {name}=VALUE)", pos)
    with _WARNINGS, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = circuit.run(inputs, trace=True)
    if result.batch is not None:
        raise CircuitError(f"the explorer plays one sample, not a batch of {result.batch}: give each input one number")
    graph = circuit.graph
    views = [{"name": "folded", "svg": to_svg(circuit, result, precision=precision)}]
    if graph.graph["instances"]:
        views.append({"name": "unfolded", "svg": to_svg(circuit, result, precision=precision, expand=True)})
    return {
        "circuit": circuit.name,
        "steps": [m.as_json() for m in result.trace],
        "views": views,
        "constants": {n: f"{d['value']:g}" for n, d in graph.nodes(data=True) if d["kind"] == "const"},
        "names": [n for n, d in graph.nodes(data=True) if d["kind"] != "const"],
        "inputs": {name: json_number(result.values[name]) for name in circuit.inputs},
        "precision": precision,
        "errors": [],
        "warnings": [str(w.message) for w in caught],
    }


def error_payload(error: CircuitError) -> dict:
    """What the page shows for a file that does not load or run: its errors, one a line."""
    errors = error.errors if isinstance(error, CircuitErrors) else [error]
    return {"errors": [str(e) for e in errors]}


def html(data: dict, *, live: bool = False) -> str:
    """The self-contained page for ``data`` (a :func:`payload`); ``live`` for ``circuitsim serve``."""
    title = data.get("circuit") or "circuitsim"
    return (
        _asset("page.html")
        .replace("__TITLE__", _escape(title))
        .replace("__POLICY__", LIVE_POLICY if live else STATIC_POLICY)
        .replace("/*__STYLE__*/", _asset("player.css"))
        .replace("/*__SCRIPT__*/", "\n".join(_asset(name) for name in SCRIPTS))
        .replace("__LIVE__", "true" if live else "false")
        .replace("__DATA__", _script_json(data))
    )


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element: no ``</script>`` or ``<!--`` can appear."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
