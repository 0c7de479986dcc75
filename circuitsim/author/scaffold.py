"""Scaffold a gate plugin distribution: ``circuitsim new-plugin NAME``.

The project it writes installs as it is: a ``pyproject.toml`` with the ``circuitsim`` entry
point, a module with one example gate named NAME, a test of it with the ``check_gate``
fixture, a circuit file using it whose ``tests:`` pytest runs too, and a README.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from string import Template

from circuitsim._version import DISTRIBUTION, __version__
from circuitsim.gate.plugins import Registry, load_registry

__all__ = ["PluginNames", "plugin_names", "plugin_files", "write_plugin"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # a gate name that starts with a letter


class PluginNames:
    """The names a plugin called NAME goes by: gate type, distribution, module, class."""

    def __init__(self, name: str) -> None:
        self.gate = name
        # a distribution name as pip takes it: letters, digits and single hyphens between them
        self.dist = "circuitsim-" + re.sub(r"_+", "-", name.lower()).strip("-")
        self.module = "circuitsim_" + name.lower()
        camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
        self.cls = camel if camel.endswith("Gate") else camel + "Gate"

    def mapping(self) -> dict[str, str]:
        return {"gate": self.gate, "dist": self.dist, "module": self.module, "cls": self.cls}


def plugin_names(name: str, registry: Registry | None = None) -> PluginNames:
    """The names for plugin ``name``; ``ValueError`` if it cannot name a new gate type.

    ``registry`` (default: the built-in gates) holds the gate types it must not clash with.
    """
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} cannot name a gate: use letters, digits and _, starting with a letter"
        )
    info = (registry or load_registry(autoload=False)).get(name)
    if info is not None:
        raise ValueError(
            f"{name!r} is already a gate type, from plugin {info.plugin!r}; choose another name"
        )
    return PluginNames(name)


def plugin_files(names: PluginNames) -> dict[str, str]:
    """The files of a plugin: relative path -> text."""
    values = names.mapping() | {"requires": requirement()}
    return {
        Template(path).substitute(values): Template(text).substitute(values)
        for path, text in _TEMPLATES.items()
    }


def requirement() -> str:
    """What a plugin depends on: this distribution, at this minor version or later."""
    major, minor = __version__.split(".")[:2]
    return f"{DISTRIBUTION}>={major}.{minor}"


def write_plugin(names: PluginNames, directory: str | os.PathLike) -> list[str]:
    """Write a plugin project into ``directory`` (new or empty), whole or not at all.

    Returns the relative paths written. ``FileExistsError`` if ``directory`` has anything in it.
    """
    files = plugin_files(names)
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not an empty directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for path, text in files.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_text(text, encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return list(files)


_PYPROJECT = '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "The $gate gate for circuitsim."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["$requires"]

[project.optional-dependencies]
test = ["pytest>=7.4"]

# circuitsim finds the gates of installed distributions through this entry point.
[project.entry-points.circuitsim]
$gate = "$module"

[tool.setuptools]
py-modules = ["$module"]

[tool.pytest.ini_options]
testpaths = ["tests", "circuits"]
circuitsim_collect = true    # run the tests: of circuits/*.yaml too
'''

_MODULE = '''\
"""$dist: the $gate gate for circuitsim.

circuitsim finds this module through the entry point in pyproject.toml and calls its
circuitsim_register_gates hook.
"""

from circuitsim import Expressions, Gate, hookimpl

__all__ = ["$cls", "circuitsim_register_gates"]


class $cls(Gate):
    """An example gate: the square of its input (make it yours)."""

    # Its type name in circuit files, its number of inputs (None: one or more), its
    # parameters (name -> default; None: required) and its label in drawings.
    name = "$gate"
    arity = 1
    params = {}
    symbol = "$gate"

    def expressions(self, n_inputs, batch):
        """The rule, written once: the output and one local gradient per input.

        {0}, {1}, ... stand for the inputs and {out} for the output; batch says whether an
        input is a numpy array (a batch run). circuitsim derives forward() and local_grads()
        from these and compiles them for fast runs. For functions, pass what the text calls:
        Expressions("exp({0})", ("{out}",), {"exp": numpy.exp if batch else math.exp}).
        """
        return Expressions("{0} * {0}", ("2.0 * {0}",))


@hookimpl
def circuitsim_register_gates(register):
    register($cls)
'''

_TEST = '''\
"""Tests of the $gate gate."""

import circuitsim
from circuitsim.gate.plugins import load_registry

from $module import $cls


def test_the_gate_keeps_the_gate_contract(check_gate):
    # gradients against finite differences, batches, arity, determinism, declared kinks
    check_gate($cls)


def test_circuitsim_finds_the_gate_through_its_entry_point():
    info = load_registry(autoload=True).get("$gate")
    assert info is not None, "not found: is the plugin installed (pip install -e .)?"
    assert info.cls is $cls and info.dist == "$dist"


def test_the_gate_in_a_circuit():
    c = circuitsim.loads("inputs: {x: 3.0}\\ngates: {y: {type: $gate, inputs: [x]}}\\noutputs: [y]\\n")
    r = c.run()
    assert (r.outputs["y"], r.grads["x"]) == (9.0, 6.0)
'''

_CIRCUIT = '''\
circuit: ${gate}_example
description: The $gate gate in a circuit; pytest runs its test vectors.
inputs:
  x: 3.0
gates:
  y: {type: $gate, inputs: [x]}
outputs: [y]
tests:
  - {name: at 3, expect: {y: 9.0}, grads: {x: 6.0}}
  - {name: at -0.5, inputs: {x: -0.5}, expect: {y: 0.25}, grads: {x: -1.0}}
'''

_README = '''\
# $dist

The `$gate` gate for circuitsim, a gate plugin.

## Set-up

```console
python -m pip install -e '.[test]'
python -m pytest
```

The first command installs the plugin (circuitsim finds it through the entry point in
`pyproject.toml`); the second runs `tests/`, which checks the gate with circuitsim's
`check_gate` fixture, and the test vectors of `circuits/*.yaml`.

## Use

Once installed, `$gate` is a gate type in every circuit file:

```yaml
gates:
  y: {type: $gate, inputs: [x]}
```

`circuitsim gates` lists it, and `circuitsim run circuits/$gate.yaml` runs the example.
'''

_TEMPLATES = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    "$module.py": _MODULE,
    "tests/test_$gate.py": _TEST,
    "circuits/$gate.yaml": _CIRCUIT,
}
