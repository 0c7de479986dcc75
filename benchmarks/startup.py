"""Fixed costs of the command line, each beside its floor, timed in one run:

    python -m benchmarks.startup [--repeat 10] [--clock wall|cpu]

Every command runs ``--repeat`` times in a fresh process, the commands taken in turns (so that a
busy spell on a shared machine slows all of them); the figure is each one's median wall time,
or with ``--clock cpu`` its median CPU time (user and system, steadier on a busy machine).
``circuitsim --help`` is set beside ``python -c "import click"``, and ``circuitsim run
circuits/neuron.yaml`` (installed plugins looked for, and not) beside ``python -c "import numpy,
yaml, click"``.

Two tables: first with every module's bytecode cached, as an installed package has it (pip
compiles what it installs; here the bytecode goes to a folder of its own, made by a first run
of each command); then as this environment runs them, where ``PYTHONDONTWRITEBYTECODE`` makes
a checkout's modules compile at every start while the floor's packages come compiled.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

__all__ = ["COMMANDS", "main", "timings"]

PY = sys.executable
NO_PLUGINS = {"CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}
# name -> (command, environment variables)
COMMANDS = {
    "import click": ([PY, "-c", "import click"], {}),
    "import numpy, yaml, click": ([PY, "-c", "import numpy, yaml, click"], {}),
    "circuitsim --help": ([PY, "-m", "circuitsim", "--help"], NO_PLUGINS),
    "circuitsim run circuits/neuron.yaml": ([PY, "-m", "circuitsim", "run", "circuits/neuron.yaml"], NO_PLUGINS),
    "circuitsim run circuits/neuron.yaml, plugins looked for": ([PY, "-m", "circuitsim", "run", "circuits/neuron.yaml"], {}),
}
PAIRS = (
    ("circuitsim --help", "import click"),
    ("circuitsim run circuits/neuron.yaml", "import numpy, yaml, click"),
    ("circuitsim run circuits/neuron.yaml, plugins looked for", "import numpy, yaml, click"),
)


def _cpu() -> float:
    """The CPU seconds of this process's children that ended so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timings(repeat: int, bytecode: bool = True, clock: str = "wall") -> dict[str, float]:
    """The median seconds (``clock``: wall or CPU) of each command over ``repeat`` fresh
    processes; ``bytecode``: with every module's bytecode cached (else as the environment says)."""
    now = time.perf_counter if clock == "wall" else _cpu
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    base = {k: v for k, v in os.environ.items() if k != "CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD"}
    with tempfile.TemporaryDirectory() as cache:
        if bytecode:
            base = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
            base["PYTHONPYCACHEPREFIX"] = cache
        envs = {name: {**base, **extra} for name, (_, extra) in COMMANDS.items()}
        if bytecode:  # the first run compiles
            for name, (command, _) in COMMANDS.items():
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=envs[name])
        for _ in range(repeat):
            for name, (command, _) in COMMANDS.items():
                start = now()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=envs[name])
                times[name].append(now() - start)
    return {name: statistics.median(found) for name, found in times.items()}


def show(found: dict[str, float]) -> None:
    print("| command | median | floor | median | ratio |")
    print("|---|---|---|---|---|")
    for name, floor in PAIRS:
        print(f"| `{name}` | {found[name]:.3f} s | `python -c \"{floor}\"` | {found[floor]:.3f} s | {found[name] / found[floor]:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args(argv)
    print(f"{'Wall' if args.clock == 'wall' else 'CPU'} time; every module's bytecode cached (as installed):\n")
    show(timings(args.repeat, bytecode=True, clock=args.clock))
    as_set = "PYTHONDONTWRITEBYTECODE: circuitsim compiled at every start, the floor's packages when installed"
    print(f"\nThis environment's modules{f' ({as_set})' if os.environ.get('PYTHONDONTWRITEBYTECODE') else ''}:\n")
    show(timings(args.repeat, bytecode=False, clock=args.clock))


if __name__ == "__main__":
    main()
