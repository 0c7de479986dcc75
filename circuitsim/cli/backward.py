"""``circuitsim backward``: the backward pass of a circuit written out as a circuit file."""

from __future__ import annotations

import click

from circuitsim.author.dump import dump
from circuitsim.base.fileio import atomic_write
from circuitsim.cli.group import handle_errors, plugin_option
from circuitsim.derive.backward import backward_builder
from circuitsim.run.load import load

__all__ = ["backward_cmd"]


@click.command("backward")
@click.argument("file")
@click.option("-o", "--output", metavar="OUT.yaml", help="Write the circuit to OUT.yaml instead of stdout.")
@plugin_option
@handle_errors
def backward_cmd(file, output, plugins):
    """Write FILE's backward pass as a circuit: the forward gates, each gate's local gradients
    as gates, the chain-rule products and the fan-out sums, with outputs grad_<input> for
    every input. It loads, runs, draws and differentiates as any circuit does.

    \b
    Examples:
      circuitsim backward circuits/neuron.yaml
      circuitsim backward circuits/neuron.yaml -o neuron_backward.yaml
    """
    text = dump(backward_builder(load(file, plugins=plugins)))
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_write(output, encoding="utf-8", newline="\n") as handle:
        handle.write(text)
