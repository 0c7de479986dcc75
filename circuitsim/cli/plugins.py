"""``circuitsim plugins``: the gate plugins loaded, and those that failed with their errors."""

from __future__ import annotations

import dataclasses
import json

import click
from rich.table import Table

from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import plural, stdout
from circuitsim.gate.plugins import load_registry

__all__ = ["plugins_cmd"]


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@plugin_option
@handle_errors
def plugins_cmd(as_json, plugins):
    """List the gate plugins loaded and those that failed.

    \b
    Examples:
      circuitsim plugins
      circuitsim plugins --json
    """
    registry = load_registry(plugins)
    if as_json:
        doc = {
            "plugins": [dataclasses.asdict(p) for p in registry.plugins],
            "failures": [dataclasses.asdict(f) for f in registry.failures],
        }
        echo(json.dumps(doc, indent=2))
        return
    console = stdout()
    table = Table(title=f"{plural(len(registry.plugins), 'plugin')} loaded")
    for header in ("plugin", "distribution", "version", "gates"):
        table.add_column(header)
    for p in registry.plugins:
        table.add_row(p.name, p.dist or "", p.version or "", ", ".join(p.gates))
    console.print(table)
    if registry.failures:
        failed = Table(title=f"{plural(len(registry.failures), 'plugin')} failed")
        for header in ("plugin", "distribution", "version", "error"):
            failed.add_column(header)
        for f in registry.failures:
            failed.add_row(f.plugin, f.dist or "", f.version or "", f.error)
        console.print(failed)
