"""What the commands share: ``--set NAME=VALUE``, the consoles they print to, a progress bar.

Tables and progress go through rich; progress goes to stderr, and only on a terminal, so that
stdout stays clean for ``--format json`` and ``--format csv``. Everything a command prints goes
through :func:`circuitsim.cli.group.echo` or one of these consoles, which pass text through
:func:`~circuitsim.base.text.terminal` and take no rich markup from it: a name in a file cannot
style, move or retitle the terminal.
"""

from __future__ import annotations

import functools
import math
import os
import time
from pathlib import Path

import click
import rich.console

from circuitsim.base.show import overflowed, plural, too_large
from circuitsim.base.text import terminal
from circuitsim.read.spec import NAME_RE

__all__ = ["Assignment", "Console", "Number", "LazyProgress", "assignments_option", "circuit_files", "plural", "renamed_option", "set_option", "set_option_for", "sort_out", "stdout", "stderr"]


class Number(click.FloatRange):
    """A finite float, optionally within a range: ``nan`` and ``inf`` are refused (a range
    alone lets NaN through, since every comparison with it is false)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class Assignment(click.ParamType):
    """``NAME=VALUE``: a number, or numbers separated by commas for a batch.

    ``single``: batches are refused, and this says why (``"gradcheck checks one point"``).
    """

    name = "NAME=VALUE"

    def __init__(self, single: str | None = None) -> None:
        self.single = single

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
            self.fail(
                f"{name}: {text.strip()!r} is not a number (give a number, or numbers separated by "
                "commas for a batch)",
                param,
                ctx,
            )
        for x, part in zip(numbers, text.split(",")):
            if overflowed(part, x):
                self.fail(f"{name}: {too_large(part.strip(), 'inf')}", param, ctx)
        if self.single and len(numbers) > 1:
            self.fail(f"{name}: {self.single}, not a batch", param, ctx)
        return name, numbers[0] if len(numbers) == 1 else numbers


def assignments_option(*names: str, help: str, single: str | None = None):
    """A repeatable ``NAME=VALUE`` option, passed on as a dict (a later NAME wins);
    ``single``: refuse batches, saying why."""
    return click.option(
        *names,
        type=Assignment(single),
        multiple=True,
        callback=lambda ctx, param, pairs: dict(pairs),
        help=help,
    )


def set_option_for(single: str | None = None, *, help: str | None = None):
    """``--set NAME=VALUE`` (repeatable), passed on as ``sets``: one definition for every
    command, its help saying what this one accepts. ``single``: the command takes one number
    per input and says why (``"gradcheck checks one point"``); else ``V1,V2,...`` is a batch."""
    if help is None:
        help = ("Set an input: NAME=VALUE; repeatable." if single else
                "Set an input: NAME=VALUE, or NAME=V1,V2,... for a batch; repeatable.")
    return assignments_option("--set", "sets", help=help, single=single)


set_option = set_option_for()


def renamed_option(old: str, new: str, dest: str, **kwargs):
    """``old``, the spelling of an option before it was renamed ``new`` (passed on as
    ``dest``): it still works, left out of the help, with a note on stderr to use ``new``.
    Put it below the decorators of the options it follows, as one of them."""
    hidden = f"{dest}__as_{old.lstrip('-').replace('-', '_')}"

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **params):
            value = params.pop(hidden)
            if value is not None:
                click.echo(f"note: {old} is now {new} (the old spelling still works, for now)", err=True)
                source = click.get_current_context().get_parameter_source(dest)
                if source is not click.core.ParameterSource.COMMANDLINE:
                    params[dest] = value
            return func(*args, **params)

        return click.option(old, hidden, hidden=True, default=None, **kwargs)(wrapper)

    return decorate


def circuit_files(paths, exclude=()) -> list[str]:
    """The circuit files that ``paths`` stand for: a file itself, a directory its ``*.yaml``
    and ``*.yml`` files below it (sorted, hidden ones left out), ``exclude`` left out."""
    skip = {os.path.realpath(p) for p in exclude}
    files = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = sorted(
            str(p) for p in Path(path).rglob("*")
            if p.suffix in (".yaml", ".yml") and p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not found:
            raise click.UsageError(f"{path}: a directory with no circuit files (*.yaml, *.yml) below it")
        files += [f for f in found if os.path.realpath(f) not in skip]
    return files


def sort_out(files: list[str]) -> tuple[list[str], list[str]]:
    """``files`` parted into circuit files and vectors files (told by their shape, see
    :func:`circuitsim.vectors.is_vectors_file`)."""
    from circuitsim.check.vectors import is_vectors_file

    circuits, vectors = [], []
    for path in files:
        (vectors if is_vectors_file(path) else circuits).append(path)
    return circuits, vectors


class Console(rich.console.Console):
    """A rich console that shows strings as they are: no markup, no emoji codes, control
    characters as escapes (styles are given as ``style=``, never inside the text)."""

    def __init__(self, **options) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **options)

    def render_str(self, text: str, **options):
        return super().render_str(terminal(text), **options)

    def on_broken_pipe(self) -> None:
        """A closed pipe is handled where every command's is
        (:func:`circuitsim.cli.group.closed_pipe`) rather than by rich's own exit 1."""
        raise BrokenPipeError


def stdout(file=None) -> Console:
    """The console for a command's own output (``file``: write there instead)."""
    return Console(file=file, soft_wrap=False)


def stderr() -> Console:
    """The console for progress bars."""
    return Console(stderr=True)


class LazyProgress:
    """A progress bar on stderr that appears once the work has taken ``delay`` seconds.

    Quick runs print nothing, and neither does a run whose stderr is not a terminal::

        with LazyProgress(len(chunks), "running") as progress:
            for chunk in chunks:
                work(chunk)
                progress.advance()
    """

    def __init__(self, total: int, description: str, *, delay: float = 1.0, console=None) -> None:
        self.total = total
        self.description = description
        self.delay = delay
        self.console = console or stderr()
        self.done = 0
        self._bar = None  # a rich.progress.Progress, once due
        self._task = None
        self._start = time.perf_counter()

    def __enter__(self) -> LazyProgress:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif self._due():
            import rich.markup
            import rich.progress  # here: a quick run draws no bar

            self._bar = rich.progress.Progress(
                *rich.progress.Progress.get_default_columns(), console=self.console, transient=True
            )
            description = rich.markup.escape(terminal(self.description))  # the default columns read markup
            self._task = self._bar.add_task(description, total=self.total, completed=self.done)
            self._bar.start()

    def _due(self) -> bool:
        return (
            self.console.is_terminal
            and self.done < self.total
            and time.perf_counter() - self._start >= self.delay
        )
