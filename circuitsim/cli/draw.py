"""``circuitsim draw``: the circuit as a picture, each wire's value and gradient on it."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import missing_input
from ..fileio import atomic_write
from ..loader import load
from . import handle_errors, plugin_option
from .options import set_option

__all__ = ["draw"]

WRITERS = ("svg", "dot")
DOT_SUFFIXES = (".dot", ".gv")


@click.command()
@click.argument("file")
@click.option("-o", "--output", metavar="OUT", help="Write the picture to OUT (whole or not at all) instead of stdout.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(WRITERS)),
    help="svg: a standalone SVG; dot: Graphviz DOT. Default: dot for OUT ending in .dot or .gv, else svg.",
)
@set_option
@click.option("--precision", type=click.IntRange(0, 12), default=2, show_default=True, help="Decimals shown.")
@click.option("--no-values", is_flag=True, help="Draw the circuit alone, without running it.")
@click.option(
    "--expand",
    is_flag=True,
    help="Draw the gates inside each module instance, in a shaded box per instance (default: an instance is one box).",
)
@plugin_option
@handle_errors
def draw(file, output, fmt, sets, precision, no_values, expand, plugins):
    """Draw FILE: gates as circles with their operator, each wire with its value (green,
    above) and gradient (red, below). A module instance is one box unless --expand.

    \b
    Examples:
      circuitsim draw circuits/neuron.yaml -o neuron.svg
      circuitsim draw circuits/neuron.yaml --set x0=2 --format dot
      circuitsim draw circuits/sort3.yaml --expand -o sort3.svg
    """
    if no_values and sets:
        raise click.UsageError("--set gives values to draw; it makes no sense with --no-values")
    circuit = load(file, plugins=plugins)
    result = None
    if not no_values:
        missing = [name for name, default in circuit.inputs.items() if default is None and name not in sets]
        if missing:
            name = missing[0]
            pos = circuit.nodes[name].pos
            raise missing_input(name, pos, f"(--set {name}=VALUE), or draw with --no-values")
        result = circuit.run(sets, trace=True)
    fmt = fmt or ("dot" if output and Path(output).suffix.lower() in DOT_SUFFIXES else "svg")
    from .. import draw as drawing

    writer = drawing.to_dot if fmt == "dot" else drawing.to_svg
    text = writer(circuit, result, precision=precision, expand=expand)
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_write(output, encoding="utf-8", newline="\n") as handle:
        handle.write(text)
