"""The command group and what every command shares: ``-p/--plugin`` and the error handling.

A :class:`~circuitsim.CircuitError` reaches the user as ``FILE:LINE:COL: error: message`` on
stderr and exit status 1, never a traceback; usage errors exit 2 (click's own rule). The
commands themselves are loaded when they are called (:data:`circuitsim.cli.COMMANDS`).
"""

from __future__ import annotations

import ast
import functools
import importlib
import io
import os
import re
import sys
import warnings
from pathlib import Path
from typing import NoReturn

import click

from circuitsim._version import __version__
from circuitsim.base.text import terminal
from circuitsim.errors import CircuitError

__all__ = ["CLOSED_PIPE", "closed_pipe", "command_group", "echo", "handle_errors", "plugin_option"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The exit status of a command whose reader went away (``circuitsim trace ... | head``): the
# shell's status of a tool ended by SIGPIPE (128 + 13), as ``seq`` or ``cat`` give.
CLOSED_PIPE = 141


class _Group(click.Group):
    """Commands imported on first use from a table of ``name -> "module:attribute"``.

    Lists each command with its first sentence whole, wrapped, never cut short with '...'; a
    reader that stops reading ends the command quietly (:data:`CLOSED_PIPE`).
    """

    def __init__(self, *args, table: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.table = table

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.table)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.table:
            return None
        module, _, attribute = self.table[name].partition(":")
        return getattr(importlib.import_module(f"circuitsim.cli.{module}"), attribute)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # the last lines meet a closed pipe here, not at exit
            return result
        except BrokenPipeError:
            closed_pipe()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            text = short_help(*self.table[name].partition(":")[::2])
            if text is None:  # not read from the source: from the command itself
                cmd = self.get_command(ctx, name)
                if cmd is None or cmd.hidden:
                    continue
                text = cmd.get_short_help_str(limit=1000)
            rows.append((name, text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def short_help(module: str, attribute: str) -> str | None:
    """The short help of the command ``attribute`` of ``circuitsim.cli.module`` read from its
    source, without importing it (``--help`` would import every command and what it uses):
    the command decorator's ``short_help``, else the function's docstring, made short as
    click makes it. None when the source does not say it plainly (hidden, or help given
    another way): then the command is imported."""
    try:
        source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(rf"^@click\.command\(([^\n]*)\)\n(?:@[^\n]*\n|[ )][^\n]*\n)*?def {attribute}\(.*?\)(?: -> [^:\n]+)?:\n[ ]+(\"\"\".*?\"\"\")", source, re.M | re.S)
    if found is None:
        return None
    short = re.search(r"short_help=(\"[^\"\\]*\")", found[1])
    if re.search(r"\b(?:hidden|help|short_help)=", found[1].replace(short[0], "") if short else found[1]):
        return None  # hidden, or help given some other way
    try:
        command = click.Command(attribute, help=ast.literal_eval(found[2]), short_help=short and ast.literal_eval(short[1]))
    except (ValueError, SyntaxError):
        return None
    return command.get_short_help_str(limit=1000)


def command_group(table: dict[str, str]) -> click.Group:
    """The ``circuitsim`` group over the commands in ``table``."""

    @click.group(cls=_Group, table=table, context_settings=CONTEXT_SETTINGS, invoke_without_command=True, no_args_is_help=False)
    @click.version_option(__version__, "--version", prog_name="circuitsim")
    @click.pass_context
    def main(ctx: click.Context) -> None:
        """Simulate gate-level circuits: values forward, gradients backward.

        \b
        Examples:
          circuitsim run circuits/neuron.yaml --set x0=0.5 --format json
          circuitsim check circuits/*.yaml
          circuitsim gradcheck circuits/mlp.yaml
          circuitsim explore circuits/neuron.yaml -o neuron.html
          circuitsim test circuits/*.yaml
          circuitsim train circuits/logistic.yaml --data circuits/data/blobs.csv
          circuitsim gates
          circuitsim plugins --json
          circuitsim new-circuit --expr "f = sigmoid(w*x + b)" -o f.yaml
          circuitsim new-plugin my_gate
          circuitsim COMMAND --help
        """
        warnings.showwarning = _show_warning
        if ctx.invoked_subcommand is not None:  # Circuit with its features' methods, as `import circuitsim` gives it
            importlib.import_module("circuitsim.api")
        if ctx.invoked_subcommand is None:  # bare `circuitsim`: what it can do, and success
            click.echo(ctx.get_help())

    return main


def plugin_option(func):
    """``-p/--plugin MODULE|FILE.py`` (repeatable), passed on as ``plugins``."""
    return click.option(
        "-p",
        "--plugin",
        "plugins",
        multiple=True,
        metavar="MODULE|FILE.py",
        help="Load a gate plugin (a module name or a .py file); repeatable.",
    )(func)


def handle_errors(func):
    """Turn a CircuitError into a message on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CircuitError as exc:
            exc.show()
            sys.exit(1)

    return wrapper


def closed_pipe() -> NoReturn:
    """Stdout's reader has gone: point stdout at devnull (so that Python's final flush finds
    nothing to complain about) and exit with :data:`CLOSED_PIPE`, saying nothing, as the
    Python docs advise (library/signal, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a test's runner)
        pass
    sys.exit(CLOSED_PIPE)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings are one line on stderr, so stdout stays clean for JSON and CSV."""
    echo(f"warning: {message}", err=True)


def echo(message: str = "", **options) -> None:
    """:func:`click.echo` of ``message`` made safe for a terminal."""
    click.echo(terminal(str(message)), **options)
