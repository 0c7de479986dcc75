"""``circuitsim new-circuit --expr "f = ..."``: write a circuit file from formulas."""

from __future__ import annotations

from pathlib import Path

import click

from circuitsim.author.dump import dump
from circuitsim.author.formulas import build, expression_builder
from circuitsim.base.fileio import atomic_write
from circuitsim.base.show import plural
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import renamed_option, set_option_for
from circuitsim.gate.plugins import load_registry

__all__ = ["new_circuit_cmd"]


@click.command("new-circuit", short_help="Write a circuit file from formulas such as f = sigmoid(w*x + b).")
@click.option(
    "--expr",
    "exprs",
    multiple=True,
    required=True,
    metavar="FORMULA",
    help="NAME = FORMULA, e.g. 'f = sigmoid(w*x + b)'; several (or ';') make several named gates.",
)
@set_option_for("a default is one number", help="Give an input a default: NAME=VALUE; repeatable.")
@click.option("--output-node", "output_name", metavar="NAME", help="The assigned name that is the output [default: the last].")
@renamed_option("--output", "--output-node", "output_name", metavar="NAME")
@click.option("--name", "circuit_name", metavar="NAME", help="The circuit's name [default: OUT's stem, else the output's name].")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write the circuit file here (whole or not at all) instead of stdout.")
@plugin_option
@handle_errors
def new_circuit_cmd(exprs, sets, output_name, circuit_name, out, plugins):
    """Write a circuit file from formulas: names become inputs (--set gives their defaults),
    calls become gates of registered types, numbers constants.

    \b
    Examples:
      circuitsim new-circuit --expr "f = 1/(1+exp(-(w0*x0 + w1*x1 + w2)))" --set w0=2 -o neuron.yaml
      circuitsim new-circuit --expr "h = relu(w*x + b)" --expr "y = h ** 2"
    """
    registry = load_registry(plugins)
    name = circuit_name or (Path(out).stem if out else None)
    formulas = "\n".join(exprs)
    b = expression_builder(formulas, sets, output=output_name, name=name, registry=registry, path=out)
    build(b, formulas)  # every check a file gets, before anything is written
    text = dump(b)
    if out is None:
        echo(text, nl=False)
        return
    with atomic_write(out, encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    counts = f"{plural(len(b.inputs), 'input')}, {plural(len(b.gates), 'gate')}, output {b.outputs[0]}"
    echo(f"wrote {out}: {counts}", err=True)
