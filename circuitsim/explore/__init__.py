"""The explorer: a circuit's drawing with a player over every message of both passes.

``circuitsim explore FILE -o PAGE.html`` writes one self-contained page (:func:`page`),
``circuitsim serve FILE`` serves it live (:mod:`circuitsim.explore.server`, needs the ``serve``
extra) and, in a notebook, ``circuit.explore(inputs)`` shows it inline (:class:`Explorer`).
Every page exposes ``window.circuitsim`` with ``steps`` (the messages, as
``circuitsim trace --format jsonl`` writes them) and ``goto(k)``; ``#message`` holds the text of
the message shown.
"""

from __future__ import annotations

from circuitsim.explore.notebook import Explorer
from circuitsim.explore.page import error_payload, html, payload

__all__ = ["Explorer", "error_payload", "html", "page", "payload"]


def page(circuit, inputs=None, **options) -> str:
    """The self-contained HTML page exploring ``circuit`` run on ``inputs`` (``options`` as
    for :func:`payload`: ``precision``, and the window drawn: ``around``, ``depth``, ``limit``)."""
    return html(payload(circuit, inputs, **options))
