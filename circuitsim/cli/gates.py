"""``circuitsim gates``: every registered gate type, where it comes from and what it takes."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..plugins import GateInfo, Registry, load_registry
from . import handle_errors, plugin_option
from .options import stdout

__all__ = ["gate_record", "gates_cmd"]


@click.command("gates")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@plugin_option
@handle_errors
def gates_cmd(as_json, plugins):
    """List every gate type: arity, ports, params, plugin, summary.

    \b
    Examples:
      circuitsim gates
      circuitsim gates --json -p my_gates.py
    """
    registry = load_registry(plugins)
    records = [gate_record(registry.gates[name]) for name in registry.names()]
    if as_json:
        click.echo(json.dumps(records, indent=2, default=repr))
    else:
        stdout().print(gates_table(records, registry))


def gate_record(info: GateInfo) -> dict:
    """One gate type as plain data; ``arity`` and ``ports`` are null for a variadic gate."""
    cls = info.cls
    return {
        "name": cls.name,
        "arity": cls.arity,
        "ports": cls.port_names() if cls.arity is not None else None,
        "params": dict(cls.params),
        "plugin": info.plugin,
        "dist": info.dist,
        "version": info.version,
        "doc": cls.summary(),
    }


def gates_table(records: list[dict], registry: Registry) -> Table:
    table = Table(title=f"{len(records)} gate types")
    for header in ("type", "arity", "ports", "params", "plugin", "description"):
        table.add_column(header)
    for r in records:
        table.add_row(
            r["name"],
            "1+" if r["arity"] is None else str(r["arity"]),
            "0, 1, ..." if r["ports"] is None else ", ".join(r["ports"]),
            _params(r["params"]),
            _source(r),
            r["doc"],
        )
    return table


def _params(params: dict) -> str:
    return ", ".join(f"{k} (required)" if v is None else f"{k}={v!r}" for k, v in params.items())


def _source(record: dict) -> str:
    if record["dist"] is None:
        return record["plugin"]
    return f"{record['plugin']} ({record['dist']} {record['version'] or '?'})"
