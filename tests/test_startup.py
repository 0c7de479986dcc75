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


def test_a_run_imports_no_networkx_nor_pyarrow(root):
    code = "import sys\nfrom circuitsim.cli import main\ntry:\n    main(['run', 'circuits/neuron.yaml'])\nexcept SystemExit:\n    pass\nprint([m for m in ('networkx', 'pyarrow') if m in sys.modules])"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert found.stdout.splitlines()[-1] == "[]"
    import circuitsim

    c = circuitsim.load(root / "circuits/neuron.yaml")
    assert hasattr(c, "train") and c.graph.number_of_nodes() == len(c.nodes)  # networkx when asked for
