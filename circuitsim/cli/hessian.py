"""``circuitsim hessian``: the Hessian of the sum of a circuit's outputs over its inputs."""

from __future__ import annotations

import json

import click
import numpy as np
from rich.table import Table

from circuitsim.base.show import json_number
from circuitsim.base.text import one_line
from circuitsim.cli.group import handle_errors, plugin_option
from circuitsim.cli.options import set_option, stdout
from circuitsim.derive.second import hessian
from circuitsim.errors import CircuitError
from circuitsim.run.load import load

__all__ = ["hessian_cmd"]


@click.command("hessian")
@click.argument("file")
@set_option
@click.option("--wrt", metavar="A,B,...", help="The inputs to differentiate by, separated by commas [default: every input].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help='table: for reading; json: {"hessian": {a: {b: number}}} (lists for a batch).')
@plugin_option
@handle_errors
def hessian_cmd(file, sets, wrt, fmt, plugins):
    """Print the Hessian of the sum of FILE's outputs: the second derivative by every pair of
    inputs, by forward mode over the backward pass. At a kink (relu at 0, a tie of max) the
    second derivative is 0.

    \b
    Examples:
      circuitsim hessian circuits/neuron.yaml
      circuitsim hessian circuits/neuron.yaml --wrt w0,x0 --format json
    """
    circuit = load(file, plugins=plugins)
    names = None if wrt is None else [name.strip() for name in wrt.split(",") if name.strip()]
    table = hessian(circuit, sets, names)
    if fmt == "json":
        click.echo(json.dumps({"hessian": {a: {b: json_number(v) for b, v in row.items()} for a, row in table.items()}}))
        return
    if any(isinstance(v, np.ndarray) for row in table.values() for v in row.values()):
        raise CircuitError("the table shows one point: give each --set one number, or use --format json for a batch")
    out = Table(title=f"{one_line(circuit.name)}: Hessian of the sum of the outputs")
    out.add_column("")
    for b in table:
        out.add_column(b, justify="right")
    for a, row in table.items():
        out.add_row(a, *(f"{v:.6g}" for v in row.values()))
    stdout().print(out)
