"""``circuitsim gates``: every registered gate type, where it comes from and what it takes."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from ..plugins import GateInfo, Registry, load_registry
from ..testing import check_registry
from . import handle_errors, plugin_option
from .options import stdout

__all__ = ["gate_record", "gates_cmd", "report_checks"]


@click.command("gates")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option(
    "--check",
    is_flag=True,
    help="Check every gate type instead (gradients, batches, arity, kinks); exit 1 on a problem.",
)
@plugin_option
@handle_errors
def gates_cmd(as_json, check, plugins):
    """List every gate type: arity, ports, params, plugin, summary.

    \b
    Examples:
      circuitsim gates
      circuitsim gates --json -p my_gates.py
      circuitsim gates --check -p my_gates.py
    """
    registry = load_registry(plugins)
    if check:
        sys.exit(report_checks(registry, as_json))
    records = [gate_record(registry.gates[name]) for name in registry.names()]
    if as_json:
        click.echo(json.dumps(records, indent=2, default=repr))
    else:
        stdout().print(gates_table(records, registry))


def report_checks(registry: Registry, as_json: bool) -> int:
    """Print what :func:`~circuitsim.testing.check_registry` finds; the exit status."""
    problems = check_registry(registry)
    if as_json:
        click.echo(json.dumps([{"gate": name, "problem": text} for name, text in problems], indent=2))
    else:
        for _, text in problems:
            click.echo(f"error: {text}")
        found = f"{len(problems)} with a problem" if problems else "no problems"
        click.echo(f"{len(registry.names())} gate types checked: {found}")
    return 1 if problems else 0


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
