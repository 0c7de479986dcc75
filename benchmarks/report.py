"""The tables of docs/performance.md, from one run:

    python -m benchmarks.report [--gates 1000000] [--mlp-gates 97000] [--table-gates 100000]

In turn: :mod:`benchmarks.layouts` (loading a circuit in each layout), :mod:`benchmarks.api`
(the neuron's run, reading an MLP's results by name and in bulk, the table output) and
:mod:`benchmarks.startup` (the command line's fixed costs), each figure beside its anchor.
"""

from __future__ import annotations

import argparse
import platform
import time

from . import api, layouts, startup

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=1_000_000, help="the circuit loaded in each layout")
    parser.add_argument("--mlp-gates", type=int, default=97_000, help="the MLP whose results are read")
    parser.add_argument("--table-gates", type=int, default=100_000, help="the circuit whose table is printed")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()} on {platform.machine()}\n")
    print("## Loading\n")
    layouts.main(["--gates", str(args.gates)])
    print("\n## The API\n")
    api.main(["--gates", str(args.mlp_gates), "--table-gates", str(args.table_gates), "--repeat", str(args.repeat)])
    print("\n## Start-up\n")
    startup.main(["--repeat", str(2 * args.repeat)])


if __name__ == "__main__":
    main()
