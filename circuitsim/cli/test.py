"""``circuitsim test``: run the ``tests:`` vectors of circuit files, with a pytest-like summary."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import click

from .. import loader
from ..errors import CircuitError
from ..plugins import load_registry
from ..vectors import TestReport
from . import handle_errors, plugin_option

__all__ = ["test_cmd"]


@dataclass
class _Tally:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.passed} passed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.errors:
            parts.append(f"{self.errors} error{'s' if self.errors > 1 else ''}")
        return ", ".join(parts)


@click.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@plugin_option
@handle_errors
def test_cmd(files, plugins):
    """Run the test vectors (`tests:`) of FILES.

    One line per file, a dot per passing vector, F for a failing one and E for one that could
    not run; then expected against got for every failure. Exits with 1 on any failure.

    \b
    Example:
      circuitsim test circuits/*.yaml
    """
    registry = load_registry(plugins)
    tally = _Tally()
    for path in files:
        try:
            report = loader.load(path, registry=registry).test()
        except CircuitError as exc:
            click.echo(f"{path} E")
            tally.errors += 1
            tally.details.append(f"ERROR {path}\n" + _indent(str(exc)))
            continue
        click.echo(f"{path} {_marks(report) or '(no test vectors)'}")
        _count(report, path, tally)
    if tally.details:
        click.echo("")
        click.echo("\n".join(tally.details))
    click.echo("")
    click.echo(tally.summary())
    sys.exit(1 if tally.failed or tally.errors else 0)


def _marks(report: TestReport) -> str:
    return "".join("." if r.passed else "E" if r.error else "F" for r in report.results)


def _count(report: TestReport, path: str, tally: _Tally) -> None:
    for result in report.results:
        if result.passed:
            tally.passed += 1
            continue
        where = f"{path}::{result.name} ({result.pos})"
        if result.error:
            tally.errors += 1
            tally.details.append(f"ERROR {where}\n" + _indent(result.error))
        else:
            tally.failed += 1
            tally.details.append(f"FAILED {where}\n" + _indent("\n".join(map(str, result.mismatches))))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
