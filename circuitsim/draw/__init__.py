"""Pictures of circuits: SVG as the notes draw them, and Graphviz DOT.

The rooms, in the order a picture is made:

- :mod:`~circuitsim.draw.model`: what is drawn, the :class:`Picture` (nodes, wires, label
  texts) of a circuit and a run; change this to change *what* a picture shows.
- :mod:`~circuitsim.draw.layout`: a layered left-to-right layout of any DAG (it knows nothing
  of circuits), and :mod:`~circuitsim.draw.scene`: where each node, wire and label of a picture
  goes; :mod:`~circuitsim.draw.geometry` holds the boxes and the grid that prices label places.
- :mod:`~circuitsim.draw.svg` and :mod:`~circuitsim.draw.dot`: the writers;
  :mod:`~circuitsim.draw.style`: colours and sizes.

Nothing here is imported when circuitsim is: a circuit draws itself (in a notebook) through
this package, not the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dot import write_dot
from .model import Group, Node, Picture, Wire, picture
from .style import FONT, GRAD_COLOUR, VALUE_COLOUR
from .svg import write_svg

if TYPE_CHECKING:
    from ..circuit import Circuit, Result

__all__ = ["FONT", "GRAD_COLOUR", "VALUE_COLOUR", "Group", "Node", "Picture", "Wire", "picture", "to_dot", "to_svg"]


def to_svg(
    circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0, expand: bool = False
) -> str:
    """A standalone SVG picture of ``circuit``, with ``result``'s values and gradients if given.

    For a batch result it shows sample ``sample``. Module instances are boxes, or with
    ``expand`` their gates in a shaded rectangle each.
    """
    return write_svg(picture(circuit, result, precision=precision, sample=sample, expand=expand))


def to_dot(
    circuit: Circuit, result: Result | None = None, *, precision: int = 2, sample: int = 0, expand: bool = False
) -> str:
    """The same picture as Graphviz DOT (``dot -Tsvg`` draws it), labels and colours included."""
    return write_dot(picture(circuit, result, precision=precision, sample=sample, expand=expand))
