"""``circuitsim new-plugin NAME``: scaffold an installable gate plugin project."""

from __future__ import annotations

from pathlib import Path

import click

from circuitsim.author.scaffold import plugin_names, write_plugin
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.gate.plugins import load_registry

__all__ = ["new_plugin_cmd"]


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    help="Where to create the project (new or empty); default ./circuitsim-NAME.",
)
@plugin_option
@handle_errors
def new_plugin_cmd(name: str, directory: Path | None, plugins) -> None:
    """Create a gate plugin project whose example gate type is NAME.

    \b
    It holds a pyproject.toml with the circuitsim entry point, a module with the gate, a test
    using the check_gate fixture, an example circuit with test vectors, and a README.

    \b
    Examples:
      circuitsim new-plugin softplus
      circuitsim new-plugin softplus --dir plugins/softplus
    """
    try:
        names = plugin_names(name, load_registry(plugins))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    directory = directory or Path(names.dist)
    try:
        written = write_plugin(names, directory)
    except FileExistsError as exc:
        raise click.BadParameter(str(exc), param_hint="--dir") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {directory}: {exc.strerror or exc}") from None
    echo(f"created {directory}/")
    for path in sorted(written):
        echo(f"  {path}")
    echo(f"next: cd {directory} && python -m pip install -e '.[test]' && python -m pytest")
