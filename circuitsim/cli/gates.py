"""``circuitsim gates``: every registered gate type, where it comes from and what it takes."""

from __future__ import annotations

import json
import sys

import click
import rich.box
from rich.table import Table

from circuitsim.base.show import plural
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import stdout
from circuitsim.derive.formulas import gate_formulas
from circuitsim.gate.plugins import GateInfo, Registry, load_registry
from circuitsim.testing import check_registry

__all__ = ["gate_record", "gates_cmd", "report_checks"]


@click.command("gates")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option(
    "--check",
    is_flag=True,
    help="Check every gate type instead (gradients, batches, arity, kinks); exit 1 on a problem.",
)
@click.option("--formulas", is_flag=True, help="Print each gate's output and local gradients as formulas instead.")
@click.option("--latex", is_flag=True, help="With --formulas: as LaTeX.")
@plugin_option
@handle_errors
def gates_cmd(as_json, check, formulas, latex, plugins):
    """List every gate type: its inputs, params and summary, a table per plugin.

    \b
    Examples:
      circuitsim gates
      circuitsim gates --json -p my_gates.py
      circuitsim gates --check -p my_gates.py
      circuitsim gates --formulas --latex
    """
    registry = load_registry(plugins)
    if check:
        sys.exit(report_checks(registry, as_json))
    if formulas:
        records = [gate_formulas(registry.gates[name].cls) for name in registry.names()]
        if as_json:
            echo(json.dumps(records, indent=2, default=repr))
        else:
            for line in formula_lines(records, latex):
                echo(line)
        return
    records = [gate_record(registry.gates[name]) for name in registry.names()]
    if as_json:
        echo(json.dumps(records, indent=2, default=repr))
    else:
        console = stdout()
        for table in gates_tables(records):
            console.print(table)


def formula_lines(records: list[dict], latex: bool) -> list[str]:
    """Each gate's output and local gradients, one line each, as text or LaTeX."""
    lines = []
    for r in records:
        head = f"{r['name']}({', '.join(r['ports'])})" + (f" with {r['params']}" if r["params"] else "")
        if r["output"] is None:
            lines += [f"{head}: no expressions (forward and local_grads written as methods)", ""]
            continue
        forms = r["latex"] if latex else r
        out = "y" if latex else "out"
        lines.append(f"{head}: {out} = {forms['output']}")
        for port, grad in forms["grads"].items():
            tex = r["latex"]["ports"][port] if latex else port
            lines.append(f"  \\frac{{\\partial y}}{{\\partial {tex}}} = {grad}" if latex else f"  d out / d {port} = {grad}")
        lines.append("")
    return lines


def report_checks(registry: Registry, as_json: bool) -> int:
    """Print what :func:`~circuitsim.testing.check_registry` finds; the exit status."""
    problems = check_registry(registry)
    if as_json:
        echo(json.dumps([{"gate": name, "problem": text} for name, text in problems], indent=2))
    else:
        for _, text in problems:
            echo(f"error: {text}")
        found = f"{len(problems)} with a problem" if problems else "no problems"
        echo(f"{len(registry.names())} gate types checked: {found}")
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


def gates_tables(records: list[dict]) -> list[Table]:
    """One table per plugin (named in its title), four columns that read at 80 columns."""
    by_source: dict[str, list[dict]] = {}
    for r in records:
        by_source.setdefault(_source(r), []).append(r)
    tables = []
    for source, rows in by_source.items():
        table = Table(title=f"{plural(len(rows), 'gate type')} from {source}", box=rich.box.SIMPLE_HEAD, title_justify="left")
        table.add_column("type", no_wrap=True)
        table.add_column("inputs; params", max_width=24)
        table.add_column("description", ratio=1)
        for r in rows:
            inputs = "0, 1, ... (1+)" if r["ports"] is None else ", ".join(r["ports"])
            params = _params(r["params"])
            table.add_row(r["name"], f"{inputs}; {params}" if params else inputs, r["doc"])
        tables.append(table)
    return tables


def _params(params: dict) -> str:
    return ", ".join(f"{k} (required)" if v is None else f"{k}={v!r}" for k, v in params.items())


def _source(record: dict) -> str:
    if record["dist"] is None:
        return record["plugin"]
    return f"{record['plugin']} ({record['dist']} {record['version'] or '?'})"
