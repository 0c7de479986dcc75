"""The ``circuitsim`` command line, one module per command family.

Every command takes ``-p/--plugin``. A :class:`~circuitsim.CircuitError` reaches the user as
``FILE:LINE:COL: error: message`` on stderr and exit status 1, never a traceback; usage errors
exit 2 (click's own rule).
"""

from __future__ import annotations

import functools
import sys
import warnings

import click

from .. import __version__
from ..errors import CircuitError

__all__ = ["main", "plugin_option", "handle_errors"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Lists each command with its first sentence whole, wrapped, never cut short with '...'."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd.get_short_help_str(limit=1000)) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS, invoke_without_command=True, no_args_is_help=False)
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
    if ctx.invoked_subcommand is None:  # bare `circuitsim`: what it can do, and success
        click.echo(ctx.get_help())


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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings are one line on stderr, so stdout stays clean for JSON and CSV."""
    click.echo(f"warning: {message}", err=True)


# The commands, one module per family: an import and an add_command line each.
from .bench import bench_cmd  # noqa: E402
from .check import check_cmd  # noqa: E402
from .draw import draw as draw_cmd  # noqa: E402
from .explore import explore as explore_cmd  # noqa: E402
from .explore import serve as serve_cmd  # noqa: E402
from .gates import gates_cmd  # noqa: E402
from .gradcheck import gradcheck_cmd  # noqa: E402
from .new import new_circuit_cmd  # noqa: E402
from .newplugin import new_plugin_cmd  # noqa: E402
from .plugins import plugins_cmd  # noqa: E402
from .run import run_cmd  # noqa: E402
from .schema import schema_cmd  # noqa: E402
from .test import test_cmd  # noqa: E402
from .trace import trace as trace_cmd  # noqa: E402
from .train import train_cmd  # noqa: E402

main.add_command(bench_cmd)
main.add_command(check_cmd)
main.add_command(draw_cmd)
main.add_command(explore_cmd)
main.add_command(gates_cmd)
main.add_command(gradcheck_cmd)
main.add_command(new_circuit_cmd)
main.add_command(new_plugin_cmd)
main.add_command(plugins_cmd)
main.add_command(run_cmd)
main.add_command(schema_cmd)
main.add_command(serve_cmd)
main.add_command(test_cmd)
main.add_command(trace_cmd)
main.add_command(train_cmd)
