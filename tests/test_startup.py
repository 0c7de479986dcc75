"""The command line starts without importing what it does not use."""

import importlib
import subprocess
import sys

import pytest

from circuitsim.cli import COMMANDS
from circuitsim.cli.group import short_help


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_lists_each_command_as_the_command_says_it(name):
    module, _, attribute = COMMANDS[name].partition(":")
    command = getattr(importlib.import_module(f"circuitsim.cli.{module}"), attribute)
    assert short_help(module, attribute) == command.get_short_help_str(limit=1000)


def test_help_and_the_package_import_no_engine(root):
    code = (
        "import sys, circuitsim; from circuitsim.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(m for m in ('yaml', 'networkx', 'pyarrow', 'circuitsim.run.circuit', 'circuitsim.run.load') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert "Commands:" in found.stdout
    assert found.stdout.splitlines()[-1] == ""


# What `circuitsim run` of a small circuit in the default table format does not use: batches,
# inputs files, other formats, progress bars, traces, the cache, plugin metadata, graphs.
UNUSED_BY_A_RUN = (
    "networkx", "pyarrow", "pandas", "dask", "matplotlib", "rich.progress", "csv", "json", "tempfile", "hashlib",
    "difflib", "importlib.metadata", "numpy.ma", "circuitsim.cli.batch", "circuitsim.run.sweep",
    "circuitsim.io.tables", "circuitsim.plan.trace", "circuitsim.check", "circuitsim.train", "circuitsim.derive",
)


def _imported(code: str, root) -> set[str]:
    """The modules imported once ``code`` ran in a fresh interpreter."""
    found = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                           capture_output=True, text=True, check=True, cwd=root)
    return set(found.stdout.splitlines()[-1].split())


def test_a_run_imports_only_what_it_uses(root):
    """Each module a run of the neuron does not need stays unimported, unless what it does
    need (numpy, yaml, click, rich's tables) imports it here; plugin metadata is read only
    where a plugin is installed."""
    floor = _imported("import numpy, yaml, click, rich.console, rich.table", root)
    run = _imported("from circuitsim.cli import main\ntry:\n    main(['run', 'circuits/neuron.yaml'])\nexcept SystemExit:\n    pass", root)
    assert "circuitsim.run.circuit" in run and "rich.table" in run
    if "importlib.metadata" in run:
        floor |= _imported("from circuitsim.gate import plugins\nplugins._distributions()", root)  # a plugin is installed
    assert {name for name in run - floor if name.startswith(UNUSED_BY_A_RUN)} == set()
    import circuitsim

    c = circuitsim.load(root / "circuits/neuron.yaml")
    assert hasattr(c, "train") and c.graph.number_of_nodes() == len(c.nodes)  # networkx when asked for
