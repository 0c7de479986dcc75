"""The explorer in a notebook: an object whose HTML repr is the player, inline.

The page goes into an ``<iframe srcdoc>`` of its own, so that its script and style are the
page's own (no external scripts, nothing shared): JupyterLab, VS Code and exported HTML show
it alike, and several players on one page do not clash.
"""

from __future__ import annotations

import html as _html
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from circuitsim.base.fileio import atomic_write
from circuitsim.explore.page import html, payload, steps

if TYPE_CHECKING:
    from circuitsim.run.circuit import Circuit

__all__ = ["Explorer"]


class Explorer:
    """The player over one run of ``circuit`` on ``inputs``; made by :meth:`Circuit.explore`.

    ``html`` is the self-contained page, :meth:`save` writes it to a file, and a notebook shows
    it inline, ``height`` pixels high and as wide as the cell; ``palette``: ``default`` or
    ``colorblind``; ``quiz``: ``values``, ``grads`` or ``both`` makes it an exercise (as
    ``circuitsim explore --quiz --hide``); ``tangents`` (input names to numbers) plays a
    forward-mode run instead (as ``circuitsim explore --tangent``).
    """

    def __init__(
        self, circuit: Circuit, inputs: Mapping[str, Any] | None = None, *, precision: int = 2, height: int = 560, palette: str = "default", quiz: str | None = None,
        tangents: Mapping[str, Any] | None = None,
    ) -> None:
        self.circuit = circuit
        self.data = payload(circuit, inputs, precision=precision, palette=palette, quiz=quiz, tangents=tangents)
        self.height = height

    @property
    def steps(self) -> list[dict]:
        """The messages the player plays, as ``circuitsim trace --format jsonl`` writes them."""
        return steps(self.data)

    @property
    def html(self) -> str:
        return html(self.data)

    def save(self, path: str | os.PathLike) -> None:
        """Write the page to ``path`` (whole or not at all)."""
        with atomic_write(path, encoding="utf-8", newline="\n") as handle:
            handle.write(self.html)

    def __repr__(self) -> str:
        return f"<Explorer {self.circuit.name!r}: {len(self.steps)} messages>"

    def _repr_html_(self) -> str:
        return (
            f'<iframe class="circuitsim-explorer" title="{_html.escape(self.circuit.name)} explorer" '
            f'srcdoc="{_html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'style="width: 100%; height: {int(self.height)}px; border: 1px solid #d8dde6; border-radius: 6px"></iframe>'
        )
