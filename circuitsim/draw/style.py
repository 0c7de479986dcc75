"""The look of a drawing: colours and sizes (px), shared by the layout and the writers."""

from __future__ import annotations

from dataclasses import dataclass

VALUE_COLOUR = "#1a8f1a"  # green: forward values, above the wires
GRAD_COLOUR = "#d62728"  # red: gradients, below the wires


@dataclass(frozen=True)
class Palette:
    """How values and gradients are told apart: their colours, the light tints of a gate
    that a page highlights, and whether gradients are also in italic (a cue without colour)."""

    name: str
    value: str
    grad: str
    value_tint: str
    grad_tint: str
    italic_grads: bool = False


PALETTES = {
    "default": Palette("default", VALUE_COLOUR, GRAD_COLOUR, "#eaf6ea", "#fbeaea"),
    # Okabe and Ito's blue and vermillion, which readers with any common colour vision
    # deficiency tell apart; gradients in italic too, so that colour is never the only cue.
    "colorblind": Palette("colorblind", "#0072b2", "#d55e00", "#e5f1f8", "#fbeee5", italic_grads=True),
}


def palette_named(name: str | Palette | None) -> Palette:
    """The palette named ``name`` (``default`` or ``colorblind``); a ValueError naming them for another."""
    if isinstance(name, Palette):
        return name
    if name is None:
        return PALETTES["default"]
    if name not in PALETTES:
        raise ValueError(f"unknown palette {name!r}; palettes: {', '.join(PALETTES)}")
    return PALETTES[name]
INK = "#333333"
FAINT = "#888888"
HIGHLIGHT = "#ffe680"  # behind a node a diff or a search points at (yellow: apart from green and red)
HIGHLIGHT_EDGE = "#c99a00"
SHADE = "#f3f6fa"  # the inside of an expanded instance
EDGE = "#b4c0d3"  # its border

FONT = 13  # label font size
NAME_FONT = 10
CHAR = 0.6  # average character width, in font sizes
ASCENT = 0.72  # height of digits above the baseline, in font sizes
GAP = 3  # between a wire and its labels
RADIUS = 18  # smallest gate circle
LAYER_GAP = 160
TRUNK = 56  # from a fanned-out node to its junction dot
FAN_GAP = 70  # extra room after a layer where wires fan out
MARGIN = 12
CLEAR = 7  # room kept around a label
ARROW = 8  # length of an arrowhead
PLACES = (0.5, 0.44, 0.56, 0.38, 0.62, 0.32, 0.68, 0.26, 0.74, 0.2, 0.8, 0.14, 0.86)  # along a wire
BRANCH_PLACES = tuple(sorted(PLACES, key=lambda t: abs(t - 0.7)))
PIN_GAP = 2 * (FONT + GAP) + 16  # between the ports of an instance box: a wire and its labels each
BOX_TITLE = FONT + 14  # room for an instance box's name above its ports
GROUP_PAD = 10  # around the gates of an expanded instance
GROUP_TITLE = NAME_FONT + 8  # room for its name
