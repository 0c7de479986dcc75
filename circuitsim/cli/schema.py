"""``circuitsim schema``: print the JSON Schema of circuit files, for editors."""

from __future__ import annotations

import json

import click

from circuitsim.base.fileio import atomic_write
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.gate.plugins import load_registry
from circuitsim.read.schema import circuit_schema

__all__ = ["schema_cmd"]


@click.command("schema")
@plugin_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the schema to this file instead of stdout.")
@handle_errors
def schema_cmd(plugins: tuple[str, ...], output: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of circuit files, gate types included.

    \b
    Point your editor's YAML language server at it, e.g. with a first line
      # yaml-language-server: $schema=circuit.schema.json

    \b
    Examples:
      circuitsim schema -o circuit.schema.json
      circuitsim schema -p my_gates.py -o circuit.schema.json
    """
    text = json.dumps(circuit_schema(load_registry(plugins)), indent=2) + "\n"
    if output is None:
        echo(text, nl=False)
    else:
        with atomic_write(output) as out:
            out.write(text)
