"""PNG and PDF pictures: the SVG drawing converted by cairosvg (the ``plot`` extra).

Their size is bounded: a PNG is drawn at :data:`SCALE` pixels per SVG unit, or smaller so that
neither side passes :data:`FIT` pixels (a 1k-gate circuit would be some 19,000 pixels a side);
``width`` or ``scale`` choose another size, up to :data:`MAX_SIDE` pixels a side. A PDF is
vector graphics, its page as large as the SVG unless past :data:`MAX_PAGE` points a side.
"""

from __future__ import annotations

import re

from circuitsim.draw.model import Picture
from circuitsim.draw.svg import write_svg
from circuitsim.errors import CircuitError

__all__ = ["FIT", "MAX_PAGE", "MAX_SIDE", "RASTER_FORMATS", "SCALE", "raster_scale", "write_raster"]

RASTER_FORMATS = ("png", "pdf")
SCALE = 2.0  # PNG pixels per SVG unit, for screens that have two
FIT = 4096  # by default a PNG is at most this many pixels a side (the scale is lowered to fit)
MAX_SIDE = 16384  # and never more, whatever is asked (a bigger image is more than viewers open)
MAX_PAGE = 14400  # points: the largest PDF page readers take (200 inches)
PT_PER_UNIT = 0.75  # cairosvg's PDF points per SVG unit (px)


def write_raster(pic: Picture, fmt: str, *, width: int | None = None, scale: float | None = None) -> bytes:
    """``pic`` as PNG or PDF bytes; ``width`` (pixels) or ``scale`` (per SVG unit) size a PNG."""
    try:
        import cairosvg
    except ImportError:
        raise CircuitError(
            f"writing {fmt.upper()} needs the cairosvg package: python -m pip install 'circuitsim-backprop[plot]', or write SVG instead"
        ) from None
    svg = write_svg(pic, browser=False)
    size = svg_size(svg)
    if fmt == "png":
        return cairosvg.svg2png(bytestring=svg.encode(), scale=raster_scale(size, width=width, scale=scale))
    if width is not None or scale is not None:
        raise CircuitError("a PDF is vector graphics: --width and --scale are for PNG")
    side = max(size) * PT_PER_UNIT
    return cairosvg.svg2pdf(bytestring=svg.encode(), scale=min(1.0, MAX_PAGE / side) if side else 1.0)


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height (SVG units) that a standalone SVG drawing declares."""
    found = re.search(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"', svg)
    return (float(found[1]), float(found[2])) if found else (0.0, 0.0)


def raster_scale(size: tuple[float, float], *, width: int | None = None, scale: float | None = None) -> float:
    """PNG pixels per SVG unit for a drawing of ``size``: ``scale``, or to make it ``width``
    pixels wide, or :data:`SCALE` lowered to fit :data:`FIT`; past :data:`MAX_SIDE` an error
    that says what to do."""
    longest = max(size) or 1.0
    if width is not None and scale is not None:
        raise CircuitError("give --width or --scale, not both")
    if width is not None:
        chosen = width / (size[0] or 1.0)
    elif scale is not None:
        chosen = scale
    else:
        return min(SCALE, FIT / longest)
    pixels = [round(side * chosen) for side in size]
    if max(pixels) > MAX_SIDE:
        raise CircuitError(
            f"a {pixels[0]:,} x {pixels[1]:,} px PNG is past the limit of {MAX_SIDE:,} px a side: give a smaller "
            f"--width or --scale (at most {MAX_SIDE / longest:.3g}), draw a part (--around NODE), or write SVG or PDF"
        )
    return chosen
