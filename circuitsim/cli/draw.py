"""``circuitsim draw``: the circuit as a picture, each wire's value and gradient on it."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import click

from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import set_option
from circuitsim.errors import missing_input
from circuitsim.run.load import load

__all__ = ["draw", "limit_note", "palette_option", "window_options"]


MAX_DEPTH = 10_000_000  # wires: beyond any circuit under the gate cap; the search stops where the circuit ends anyway


def window_options(command):
    """``--around NODE --depth K`` and ``--all``: which part of a big circuit is drawn."""
    command = click.option("--all", "whole", is_flag=True, help="Draw the whole circuit even if it has more than 2,000 gates.")(command)
    command = click.option("--depth", type=click.IntRange(0, MAX_DEPTH), default=2, show_default=True, help="How far --around reaches, in wires.")(command)
    return click.option("--around", metavar="NODE", help="Draw only the nodes within --depth wires of NODE.")(command)


palette_option = click.option(
    "--palette",
    type=click.Choice(["default", "colorblind"]),
    default="default",
    show_default=True,
    help="default: values green, gradients red; colorblind: values blue, gradients vermillion and in italic (Okabe-Ito).",
)


def limit_note(file: str, circuit, around: str | None, whole: bool) -> None:
    """Say on stderr that a circuit too big to draw whole is drawn in part, and how to choose."""
    from circuitsim.draw import LIMIT

    gates = sum(1 for n in circuit.nodes.values() if n.kind == "gate")
    if around is None and not whole and gates > LIMIT:
        echo(f"note: {file} has {gates:,} gates; drawn are the {LIMIT:,} or fewer nearest its outputs "
                   "(--around NODE --depth K draws another part, --all the whole)", err=True)


@click.command()
@click.argument("file")
@click.option("-o", "--output", metavar="OUT", help="Write the picture to OUT (whole or not at all) instead of stdout.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "dot", "png", "pdf"]),
    help="svg: a standalone SVG; dot: Graphviz DOT; png, pdf: converted by cairosvg. Default: from OUT's suffix, else svg.",
)
@set_option
@click.option("--sample", type=click.IntRange(0), default=0, show_default=True, help="Which sample of a batch (--set x=1,2,3) to show.")
@click.option("--precision", type=click.IntRange(0, 12), default=2, show_default=True, help="Decimals shown.")
@click.option("--no-values", is_flag=True, help="Draw the circuit alone, without running it.")
@click.option(
    "--expand",
    is_flag=True,
    help="Draw the gates inside each module instance, in a shaded box per instance (default: an instance is one box).",
)
@click.option("--width", type=click.IntRange(1), metavar="PX", help="PNG: this many pixels wide [default: 2 per SVG unit, at most 4,096 a side].")
@click.option("--scale", type=click.FloatRange(0, min_open=True), help="PNG: pixels per SVG unit.")
@window_options
@palette_option
@plugin_option
@handle_errors
def draw(file, output, fmt, sets, sample, precision, no_values, expand, width, scale, around, depth, whole, palette, plugins):
    """Draw FILE: gates as circles with their operator, each wire with its value (green,
    above) and gradient (red, below). A module instance is one box unless --expand. A circuit
    of more than 2,000 gates is drawn as the gates nearest its outputs, unless --around or --all.

    \b
    Examples:
      circuitsim draw circuits/neuron.yaml -o neuron.svg
      circuitsim draw circuits/neuron.yaml --set x0=-1,0,1 --sample 2 -o neuron.png
      circuitsim draw circuits/sort3.yaml --expand -o sort3.svg
      circuitsim draw circuits/mlp_relu.yaml --around h1_0 --depth 1 --format dot
      circuitsim draw circuits/neuron.yaml --palette colorblind -o neuron.svg
    """
    if no_values and sets:
        raise click.UsageError("--set gives values to draw; it makes no sense with --no-values")
    fmt = fmt or _format_of(output)
    if fmt in ("svg", "dot") and output is not None and Path(output).suffix.lower() in (".png", ".pdf"):
        raise click.UsageError(f"{output!r} would hold {fmt.upper()} text: name it .{fmt}, or leave --format out")
    if fmt in ("png", "pdf") and output is None and sys.stdout.isatty():
        raise click.UsageError(f"{fmt.upper()} is binary, not for a terminal: write it to a file with -o OUT.{fmt} (or > OUT.{fmt})")
    circuit = load(file, plugins=plugins)
    result = None
    if not no_values:
        missing = [name for name, default in circuit.inputs.items() if default is None and name not in sets]
        if missing:
            name = missing[0]
            pos = circuit.nodes[name].pos
            raise missing_input(name, pos, f"(--set {name}=VALUE), or draw with --no-values")
        result = circuit.run(sets, trace=True)
        batch = result.batch or 1
        if sample >= batch:
            raise click.UsageError(f"--sample {sample} is out of range: the run has {batch} sample{'s' if batch > 1 else ''} (0 to {batch - 1})")
    from circuitsim.draw import LIMIT, render, save

    limit = None if whole else LIMIT
    if (width is not None or scale is not None) and fmt != "png":
        raise click.UsageError("--width and --scale size a PNG; SVG, DOT and PDF are vector graphics")
    picture = render(circuit, result, fmt=fmt, precision=precision, sample=sample, expand=expand, around=around, depth=depth, limit=limit,
                     palette=palette, width=width, scale=scale)
    limit_note(file, circuit, around, whole)
    if fmt == "png" and width is None and scale is None:
        _fit_note(picture)
    if output is None and isinstance(picture, bytes):
        binary = click.get_binary_stream("stdout")
        binary.write(picture)
        binary.flush()
    elif output is None:
        echo(picture, nl=False)
    else:
        save(output, picture)


def _fit_note(png: bytes) -> None:
    """Say on stderr when a big picture's PNG was made smaller than 2 pixels per unit to fit."""
    from circuitsim.draw.raster import FIT

    size = struct.unpack(">II", png[16:24])  # the IHDR chunk: width, height
    if max(size) >= FIT - 1:
        click.echo(f"note: the PNG is {size[0]:,} x {size[1]:,} px, made smaller to fit {FIT:,} px a side "
                   "(--width PX or --scale X choose another size; SVG keeps every detail)", err=True)


def _format_of(output: str | None) -> str:
    from circuitsim.draw import SUFFIXES

    if output is None:
        return "svg"
    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(SUFFIXES)
        raise click.UsageError(f"cannot tell the picture format of {output!r}: name it {known}, or give --format")
    return SUFFIXES[suffix]
