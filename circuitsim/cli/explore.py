"""``circuitsim explore`` and ``circuitsim serve``: the drawing with a player over every message."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from circuitsim.base.fileio import atomic_write
from circuitsim.base.text import one_line
from circuitsim.cli.draw import limit_note, palette_option, window_options
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import assignments_option, set_option_for
from circuitsim.run.load import load

__all__ = ["explore", "serve"]

precision_option = click.option("--precision", type=click.IntRange(0, 12), default=2, show_default=True, help="Decimals shown.")


@click.command()
@click.argument("file")
@click.option("-o", "--output", metavar="PAGE.html", help="Write the page here (default: FILE's name with .html, in the current directory).")
@set_option_for("the explorer plays one sample")
@precision_option
@window_options
@palette_option
@click.option("--quiz", is_flag=True, help="An exercise: the page asks for the hidden numbers as their messages arrive, checks them and gives hints.")
@click.option("--hide", type=click.Choice(["values", "grads", "both"]), help="What a --quiz asks for (default: both).")
@assignments_option(
    "--tangent",
    "tangents",
    help="Play forward mode instead: the tangent at an input, NAME=VALUE (others 0); repeatable.",
)
@plugin_option
@handle_errors
def explore(file, output, sets, precision, around, depth, whole, palette, quiz, hide, tangents, plugins):
    """Write one self-contained HTML page (no network) that draws FILE and plays both passes
    message by message: play, step, a slider, speed; click a wire for its value, gradient and
    the contributions that made it. A circuit of more than 2,000 gates is drawn as the gates
    nearest its outputs, unless --around or --all (the player plays every message).

    \b
    Examples:
      circuitsim explore circuits/neuron.yaml -o neuron.html
      circuitsim explore circuits/fanout.yaml --set x=1
      circuitsim explore circuits/mlp_relu.yaml --around h1_0 --depth 1
      circuitsim explore circuits/neuron.yaml --palette colorblind
      circuitsim explore circuits/neuron.yaml --quiz --hide grads -o quiz.html
      circuitsim explore circuits/neuron.yaml --tangent x0=1 -o forward.html
    """
    if hide is not None and not quiz:
        raise click.UsageError("--hide says what a quiz asks for: give --quiz too")
    from circuitsim.draw import LIMIT
    from circuitsim.explore import html, payload

    circuit = load(file, plugins=plugins)
    data = payload(circuit, sets, precision=precision, around=around, depth=depth, limit=None if whole else LIMIT, palette=palette, quiz=(hide or "both") if quiz else None, tangents=tangents)
    limit_note(file, circuit, around, whole)
    for warning in data["warnings"]:
        echo(f"warning: {warning}", err=True)
    text = html(data)
    output = output or Path(file).with_suffix(".html").name
    with atomic_write(output, encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    echo(f"wrote {output}: {one_line(circuit.name)}, open it in a browser", err=True)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on (0: any free port).")
@set_option_for("the explorer plays one sample")
@precision_option
@window_options
@palette_option
@plugin_option
@handle_errors
def serve(file, host, port, sets, precision, around, depth, whole, palette, plugins):
    """Serve the explorer page of FILE live: saving FILE re-runs it and the page follows;
    inputs can be edited in the page; a broken file shows its errors over the last good
    picture. Needs the serve extra: python -m pip install 'circuitsim-backprop[serve]'.

    \b
    Examples:
      circuitsim serve circuits/neuron.yaml
      circuitsim serve circuits/mlp.yaml --port 8001 --set x0=0.5
    """
    try:
        from circuitsim.explore.server import Server, create_app
    except ImportError as exc:
        raise click.ClickException(
            f"circuitsim serve needs the serve extra ({exc.name} is missing): python -m pip install 'circuitsim-backprop[serve]'"
        ) from None
    from circuitsim.draw import LIMIT

    window = {"around": around, "depth": depth, "limit": None if whole else LIMIT}
    app = create_app(file, sets=sets, precision=precision, plugins=plugins, host=host, window=window, palette=palette)
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    echo(f"serving {file} at http://{_url_host(host)}:{bound}/ (Ctrl+C stops)", err=True)
    try:
        Server(app).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops, then raises Ctrl+C again: it was asked for
        pass
    echo("stopped", err=True)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
