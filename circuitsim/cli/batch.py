"""``circuitsim run`` over a batch: rows stream from the inputs file through the circuit a
block at a time, and the kept columns are written as each block comes out.

Memory does not grow with the number of rows: one block of rows is read, run (as a sweep, see
:mod:`circuitsim.run.sweep`) and written at a time, and ``--format json`` spills its columns to
temporary files. ``--scheduler ADDRESS`` runs the blocks on a Dask cluster instead, a few at a
time in flight, and writes them in order. Output goes to a temporary file renamed over ``-o``
when everything is written, so an error or Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import math
import socket
import struct
import sys
import warnings
from collections import deque
from collections.abc import Iterator

import click
import numpy as np
from rich.table import Table as RichTable

from circuitsim.base.fileio import atomic_write
from circuitsim.base.text import one_line
from circuitsim.cli.options import LazyProgress, stderr, stdout
from circuitsim.errors import CircuitError, NumericalWarning, Position, did_you_mean
from circuitsim.io.tables import Table, open_writer
from circuitsim.run.sweep import chunk_size, run_local

__all__ = ["check_inputs", "kept_columns", "run_batch"]

BLOCKS_IN_FLIGHT = 2  # per worker, on a cluster
CONNECT_TIMEOUT = "5s"  # for Dask's handshake, once something listens at the address
PROBE_TIMEOUT = 3.0  # seconds for a TCP connection to the address


def kept_columns(circuit, batch: list[str], values, grads, backward: bool) -> tuple[list[str], list[str]]:
    """The values and gradients a batch run keeps; see ``circuitsim run --help``."""
    inputs = [name for name in circuit.inputs if name in batch]
    if values is None:
        values = inputs + [name for name in circuit.outputs if name not in inputs]
    if grads is None:
        grads = inputs if backward else []
    elif grads and not backward:
        raise click.UsageError("--grads and --no-grad: choose one")
    named = circuit.plan.named
    for name in [*values, *grads]:
        if name not in named:
            raise CircuitError(f"unknown node {name!r}{did_you_mean(name, named)} in --values/--grads", Position(circuit.path))
    clash = set(values) & {f"grad_{name}" for name in grads}
    if clash:
        name = sorted(clash)[0]
        raise CircuitError(
            f"column {name!r} would hold both the value of {name!r} and the gradient of {name[5:]!r}: "
            f"keep one of them (--values, --grads)",
            circuit.spec.position_of(name) or Position(circuit.path),
        )
    return list(dict.fromkeys(values)), list(dict.fromkeys(grads))


def run_batch(circuit, source, fixed: dict, seed: dict, values: list[str], grads: list[str], fmt: str, output, scheduler, nan: str) -> None:
    """Run every row of ``source`` (a :class:`~circuitsim.io.tables.Table`, or a dict of arrays)."""
    fixed_seeds = {k: v for k, v in seed.items() if not isinstance(v, np.ndarray)}
    batch_seeds = {k: v for k, v in seed.items() if isinstance(v, np.ndarray)}
    if isinstance(source, Table):
        check_inputs(circuit, source.columns, source.positions)
        if batch_seeds:
            raise click.UsageError("--seed NAME=V1,V2,... with --inputs FILE: put the batch in the file, give --seed one number")
    missing = [n for n, default in circuit.inputs.items() if default is None and n not in fixed and n not in _columns(source)]
    if missing:
        raise CircuitError(f"input {missing[0]!r} has no default: give it a column or --set {missing[0]}=VALUE", circuit.spec.inputs[missing[0]].pos)
    columns = values + [f"grad_{name}" for name in grads]
    rows = chunk_size(circuit)
    blocks = _blocks(source, batch_seeds, rows)
    if scheduler:
        results = _on_cluster(scheduler, circuit, blocks, fixed, fixed_seeds, values, grads, nan)
    else:
        results = _locally(circuit, blocks, fixed, fixed_seeds, values, grads, nan)
    total = _total(source) if stderr().is_terminal else 0
    with LazyProgress(total, f"{one_line(circuit.name)}: {total:,} rows") as progress:
        if fmt == "table":
            summary = _Summary(columns)
            for n, block in results:
                summary.add(block)
                progress.advance(n)
            stdout().print(summary.table(f"{one_line(circuit.name)}: {summary.count:,} samples"))
            return
        if output is None and fmt == "parquet":
            raise click.UsageError("Parquet is binary: write it to a file with -o OUT.parquet")
        head = {"circuit": circuit.name}
        groups = {
            "outputs": {name: name for name in values if name in circuit.outputs},
            "values": {name: name for name in values},
            "grads": {name: f"grad_{name}" for name in grads},
        }
        if output is None:
            sys.stdout.flush()
            _write(sys.stdout.buffer, fmt, columns, head, groups, results, progress)
        else:
            with atomic_write(output, "wb") as handle:
                _write(handle, fmt, columns, head, groups, results, progress)


def _write(handle, fmt, columns, head, groups, results, progress) -> None:
    writer = open_writer(handle, fmt, columns, json_head=head, json_groups=groups)
    try:
        for n, block in results:
            writer.write(block)
            progress.advance(n)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    handle.flush()


def check_inputs(circuit, names, positions: dict, what: str = "column") -> None:
    """Every name is an input of ``circuit``; an error at the name's place in its file if not."""
    inputs = circuit.inputs
    for name in names:
        if name not in inputs:
            why = "is a gate, not an input" if name in circuit.spec.gates else f"is not an input{did_you_mean(name, inputs)}"
            raise CircuitError(f"{what} {name!r} {why}; inputs of {one_line(circuit.name)}: {', '.join(inputs)}", positions.get(name))


def _columns(source) -> list[str]:
    return source.columns if isinstance(source, Table) else list(source)


def _total(source) -> int:
    if isinstance(source, Table):
        return source.count_rows()
    return len(next(iter(source.values())))


def _blocks(source, batch_seeds: dict, rows: int) -> Iterator[tuple[int, dict, dict]]:
    """(first row, inputs, seeds) of each block of about ``rows`` rows."""
    if isinstance(source, Table):
        start = 0
        for block in source.blocks(rows):
            yield start, block, {}
            start += len(next(iter(block.values())))
        return
    n = _total(source)
    for start in range(0, n, rows):
        part = slice(start, start + rows)
        yield start, {k: v[part] for k, v in source.items()}, {k: v[part] for k, v in batch_seeds.items()}


def _locally(circuit, blocks, fixed, fixed_seeds, values, grads, nan) -> Iterator[tuple[int, dict]]:
    policy = nan
    for start, inputs, seeds in blocks:
        n = len(next(iter(inputs.values())))
        kept = run_local(circuit, inputs, fixed, seeds, fixed_seeds, values, grads, n, None, policy, start)
        if kept.warned:
            policy = "ignore"  # one warning, for the first sample that faulted
        block = dict(kept.values)
        block.update({f"grad_{name}": column for name, column in kept.grads.items()})
        yield n, block


def _probe(address: str) -> None:
    """Fail fast, naming ``address``, when nothing listens at a TCP scheduler address (Dask's
    own client retries for its whole timeout, then may hang closing)."""
    scheme, sep, rest = address.rpartition("://")
    if sep and scheme != "tcp":
        return  # tls://, ucx://, ...: left to Dask
    host, colon, port = rest.rpartition(":")
    if not colon or not port.isdigit():
        raise click.UsageError(f"--scheduler {address}: give the scheduler's address as tcp://HOST:PORT")
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT) as sock:
            # A Dask server speaks first: its handshake, framed by its length as 8 bytes.
            head = b""
            while len(head) < 8 and (part := sock.recv(8 - len(head))):
                head += part
        dask = len(head) == 8 and struct.unpack("<Q", head)[0] < 1 << 24
        why = None if dask else "something answers there, but not as a Dask scheduler"
    except OSError as exc:
        why = "nothing answered" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc)).lower()
    if why is not None:
        raise CircuitError(
            f"cannot reach the Dask scheduler at {address}: {why} (within {PROBE_TIMEOUT:g} s); "
            "is the scheduler running there (dask scheduler prints its address)?"
        )


def _on_cluster(address, circuit, blocks, fixed, fixed_seeds, values, grads, nan) -> Iterator[tuple[int, dict]]:
    """The blocks run on the Dask cluster at ``address``, a few in flight, in order."""
    from distributed import Client

    from circuitsim.run.portable import blob_of
    from circuitsim.run.sweep_dask import run_reporting

    _probe(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CircuitError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    columns = values + [f"grad_{name}" for name in grads]
    warned = nan == "ignore"
    try:
        blob = client.scatter(blob_of(circuit), broadcast=True, hash=True)
        window = BLOCKS_IN_FLIGHT * max(1, len(client.scheduler_info()["workers"]))
        pending: deque = deque()

        def collect():
            n, future = pending.popleft()
            table, messages = future.result()
            nonlocal warned
            if messages and not warned:
                warnings.warn(messages[0], NumericalWarning, stacklevel=2)
                warned = True
            return n, {name: table[:, i] for i, name in enumerate(columns)}

        for start, inputs, seeds in blocks:
            names = [("input", k) for k in inputs] + [("seed", k) for k in seeds]
            args = [*inputs.values(), *seeds.values()]
            given = {**{("input", k): v for k, v in fixed.items()}, **{("seed", k): v for k, v in fixed_seeds.items()}}
            future = client.submit(
                run_reporting, blob, *args, names=names, fixed=given, values=values, grads=grads, nan=nan, offset=start, pure=False
            )
            pending.append((len(args[0]), future))
            while len(pending) >= window:
                yield collect()
        while pending:
            yield collect()
    finally:
        client.close()


class _Summary:
    """Count, mean, standard deviation, min and max of each column, merged block by block."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.count = 0
        self.stats = {name: [0.0, 0.0, math.inf, -math.inf] for name in columns}  # mean, M2, min, max

    def add(self, block: dict) -> None:
        n = len(next(iter(block.values()))) if block else 0
        if not n:
            return
        total = self.count + n
        with np.errstate(all="ignore"):
            for name in self.columns:
                x = block[name]
                mean, m2, lo, hi = self.stats[name]
                bmean = float(np.mean(x))
                delta = bmean - mean
                m2 += float(np.sum((x - bmean) ** 2)) + delta * delta * self.count * n / total
                mean += delta * n / total
                self.stats[name] = [mean, m2, float(np.minimum(lo, np.min(x))), float(np.maximum(hi, np.max(x)))]
        self.count = total

    def table(self, title: str) -> RichTable:
        table = RichTable(title=title)
        table.add_column("column")
        for header in ("mean", "std", "min", "max"):
            table.add_column(header, justify="right")
        for name in self.columns:
            mean, m2, lo, hi = self.stats[name]
            std = math.sqrt(m2 / self.count) if self.count and m2 >= 0 else math.nan
            table.add_row(name, *(f"{v:.6g}" for v in (mean, std, lo, hi)))
        return table
