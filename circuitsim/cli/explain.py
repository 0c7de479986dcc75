"""``circuitsim explain``: why a wire's gradient is what it is, as the chain rule over its paths."""

from __future__ import annotations

import json

import click

from circuitsim.base.show import json_number
from circuitsim.cli.group import handle_errors, plugin_option
from circuitsim.cli.options import set_option
from circuitsim.derive.formulas import PATHS, explain, explain_text
from circuitsim.run.load import load

__all__ = ["explain_cmd"]


@click.command("explain")
@click.argument("file")
@click.argument("node")
@set_option
@click.option("--paths", type=click.IntRange(0), default=PATHS, show_default=True, help="Write out at most this many paths; the rest are counted.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: for reading; json: the paths, their factors (formula, LaTeX, number) and products.")
@plugin_option
@handle_errors
def explain_cmd(file, node, sets, paths, fmt, plugins):
    """Explain the gradient of NODE in FILE: for each path from NODE to an output, every gate's
    local gradient on it (its formula and number) and their product; the products add up to
    the gradient.

    \b
    Examples:
      circuitsim explain circuits/neuron.yaml x0
      circuitsim explain circuits/fanout.yaml x --set x=2 --format json
    """
    why = explain(load(file, plugins=plugins), node, sets, paths=paths)
    if fmt == "json":
        click.echo(json.dumps(_numbers(why)))
        return
    for line in explain_text(why):
        click.echo(line)


def _numbers(data):
    if isinstance(data, dict):
        return {k: _numbers(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_numbers(v) for v in data]
    return json_number(data) if isinstance(data, float) else data
