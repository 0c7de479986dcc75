"""PNG and PDF pictures: the SVG drawing converted by cairosvg (the ``plot`` extra)."""

from __future__ import annotations

from circuitsim.draw.model import Picture
from circuitsim.draw.svg import write_svg
from circuitsim.errors import CircuitError

__all__ = ["RASTER_FORMATS", "write_raster"]

RASTER_FORMATS = ("png", "pdf")
SCALE = 2.0  # PNG pixels per SVG unit, for screens that have two


def write_raster(pic: Picture, fmt: str) -> bytes:
    """``pic`` as PNG or PDF bytes."""
    try:
        import cairosvg
    except ImportError:
        raise CircuitError(
            f"writing {fmt.upper()} needs the cairosvg package: python -m pip install 'circuitsim-backprop[plot]', or write SVG instead"
        ) from None
    svg = write_svg(pic, browser=False).encode()
    if fmt == "png":
        return cairosvg.svg2png(bytestring=svg, scale=SCALE)
    return cairosvg.svg2pdf(bytestring=svg)
