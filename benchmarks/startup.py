"""Fixed costs of the command line, each beside its floor, timed in one run:

    python -m benchmarks.startup [--repeat 10]

Every command runs ``--repeat`` times in a fresh process, the commands taken in turns (so that a
busy spell on a shared machine slows all of them); the figure is each one's median wall time.
``circuitsim --help`` is set beside ``python -c "import click"``, and ``circuitsim run
circuits/neuron.yaml`` beside ``python -c "import numpy, yaml, click"``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

__all__ = ["COMMANDS", "main", "timings"]

PY = sys.executable
COMMANDS = {
    "import click": [PY, "-c", "import click"],
    "import numpy, yaml, click": [PY, "-c", "import numpy, yaml, click"],
    "circuitsim --help": [PY, "-m", "circuitsim", "--help"],
    "circuitsim run circuits/neuron.yaml": [PY, "-m", "circuitsim", "run", "circuits/neuron.yaml"],
}
PAIRS = (("circuitsim --help", "import click"), ("circuitsim run circuits/neuron.yaml", "import numpy, yaml, click"))


def timings(repeat: int) -> dict[str, float]:
    """The median wall seconds of each command over ``repeat`` fresh processes."""
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    env = dict(os.environ, CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD="1")
    for _ in range(repeat):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(found) for name, found in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    found = timings(args.repeat)
    print("| command | median | floor | median | ratio |")
    print("|---|---|---|---|---|")
    for name, floor in PAIRS:
        print(f"| `{name}` | {found[name]:.3f} s | `python -c \"{floor}\"` | {found[floor]:.3f} s | {found[name] / found[floor]:.2f} |")


if __name__ == "__main__":
    main()
