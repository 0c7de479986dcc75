"""Options the commands share: ``--set NAME=VALUE``."""

from __future__ import annotations

import click

from ..spec import NAME_RE

__all__ = ["Assignment", "set_option"]


class Assignment(click.ParamType):
    """``NAME=VALUE``: a number, or numbers separated by commas for a batch."""

    name = "NAME=VALUE"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        name, sep, text = value.partition("=")
        name = name.strip()
        if not sep or not NAME_RE.match(name):
            self.fail(f"{value!r} is not NAME=VALUE (for example x0=1.5)", param, ctx)
        try:
            numbers = [float(part) for part in text.split(",")]
        except ValueError:
            self.fail(f"{name}: {text.strip()!r} is not a number (give a number, or numbers separated by commas for a batch)", param, ctx)
        return name, numbers[0] if len(numbers) == 1 else numbers


set_option = click.option(
    "--set",
    "sets",
    type=Assignment(),
    multiple=True,
    callback=lambda ctx, param, pairs: dict(pairs),
    help="Set an input: NAME=VALUE, or NAME=V1,V2,... for a batch; repeatable.",
)
