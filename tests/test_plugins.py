"""Plugin discovery and the gate registry: built-ins, entry points, explicit plugins, failures."""

from __future__ import annotations

import importlib.metadata
import json
import math
import sys
import textwrap
import types
from pathlib import Path

import pluggy
import pytest

import gates
from helpers import _METADATA_FOLDERS, SQUARE, install_distributions

from circuitsim.errors import PluginError, PluginWarning
from circuitsim.gate import Gate, hookspecs, plugins
from circuitsim.gate.plugins import (
    DISABLE_AUTOLOAD_ENV,
    clear_registry_cache,
    get_plugin_manager,
    load_registry,
)


def gate_plugin(gate_name: str, extra: str = "") -> str:
    """Source of a plugin module registering one gate called ``gate_name``."""
    return SQUARE.replace('"square"', repr(gate_name)) + textwrap.dedent(extra)


def FakeDistribution(name: str, version: str, entry_points: dict[str, str]) -> tuple:
    """A distribution to install: its name, version and entry points of group circuitsim."""
    return name, version, entry_points


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
    monkeypatch.setattr(plugins, "_metadata_folders", lambda path: [])  # none installed
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: [])
    clear_registry_cache()
    yield
    clear_registry_cache()


@pytest.fixture
def write_module(tmp_path, monkeypatch):
    """Write an importable module into a fresh directory on sys.path."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = []

    def write(module_name: str, source: str) -> str:
        (tmp_path / f"{module_name}.py").write_text(source)
        written.append(module_name)
        return module_name

    yield write
    for module_name in written:
        sys.modules.pop(module_name, None)


@pytest.fixture
def install(monkeypatch, tmp_path):
    """Install these distributions (see helpers.install_distributions)."""

    def install(*dists: tuple) -> None:
        install_distributions(monkeypatch, tmp_path / "installed", *dists)

    return install


# -- built-ins --------------------------------------------------------------------------


def test_builtins_are_registered_through_the_hook_as_plugin_gates():
    registry = load_registry(autoload=False)
    assert [p.name for p in registry.plugins] == ["gates"]
    assert registry.plugins[0].dist == "circuitsim-backprop"
    assert sorted(registry.plugins[0].gates) == registry.names()
    assert {info.plugin for info in registry.gates.values()} == {"gates"}
    assert registry.get("add").cls is gates.BUILTIN_GATES[0]
    assert registry.get("no_such_gate") is None
    assert registry.failures == []

    pm = get_plugin_manager()
    pm.register(gates, name="gates")
    pm.check_pending()
    impls = pm.hook.circuitsim_register_gates.get_hookimpls()
    assert [impl.plugin_name for impl in impls] == ["gates"]


def test_get_plugin_manager_is_fresh_and_knows_the_hook():
    pm = get_plugin_manager()
    assert pm.project_name == "circuitsim"
    assert pm.get_plugins() == set()
    assert pm.hook.circuitsim_register_gates.has_spec()
    assert get_plugin_manager() is not pm


def test_the_hook_spec_is_documented():
    doc = hookspecs.circuitsim_register_gates.__doc__
    assert "register" in doc and "Called" in doc and "Calling mode" in doc
    assert isinstance(hookspecs.hookimpl, pluggy.HookimplMarker)


def test_the_default_registry_is_cached_and_explicit_plugins_build_on_top(write_module):
    first = load_registry()
    assert load_registry() is first
    square = write_module("square_cached", SQUARE)
    extended = load_registry([square])
    assert extended is not first
    assert "square" in extended.gates and "square" not in first.gates
    assert set(first.gates) < set(extended.gates)
    assert [p.name for p in extended.plugins] == ["gates", "square_cached"]


# -- entry points -----------------------------------------------------------------------

REAL_DISTRIBUTIONS = importlib.metadata.distributions


def test_the_scan_for_plugins_finds_what_importlib_metadata_finds(tmp_path, monkeypatch):
    """The folders of sys.path read for the group's header, against every distribution's entry
    points as importlib.metadata reads them (this environment's, and a few of each kind)."""
    site = tmp_path / "site"
    for name, text in [("a_plugin-1.0", "[circuitsim]\na = a_mod\n"), ("spaced-2.0", "[console_scripts]\r\nx = y:z\r\n\r\n  [circuitsim]  \r\nb = b_mod\r\n"),
                       ("other-3.0", "[console_scripts]\ncircuitsim = nowhere:main\n"), ("bare-4.0", None)]:
        info = site / f"{name}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.split('-')[0]}\nVersion: {name.split('-')[1]}\n")
        if text is not None:
            (info / "entry_points.txt").write_text(text)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(plugins, "_metadata_folders", _METADATA_FOLDERS)
    found = [(d.metadata["name"], d.version) for d in REAL_DISTRIBUTIONS() if any(ep.group == "circuitsim" for ep in d.entry_points)]
    want = list(dict.fromkeys(found))  # once each: a backport's finder (dask imports one) finds them again
    assert {("a_plugin", "1.0"), ("spaced", "2.0")} <= set(want)
    assert [(d.metadata["name"], d.version) for d in plugins._distributions()] == want


def test_a_zip_on_the_path_leaves_the_search_to_importlib_metadata(tmp_path, monkeypatch):
    import zipfile

    with zipfile.ZipFile(tmp_path / "packed.zip", "w") as packed:
        packed.writestr("packed-1.0.dist-info/entry_points.txt", "[circuitsim]\np = packed\n")
    monkeypatch.syspath_prepend(str(tmp_path / "packed.zip"))
    every = [object()]
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: every)
    assert plugins._distributions() is every


def test_installed_plugins_are_found_by_entry_point(write_module, install):
    install(FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_ep", SQUARE)}))
    registry = load_registry()
    info = registry.get("square")
    assert (info.plugin, info.dist, info.version) == ("square", "circuitsim-square", "1.2")
    assert info.cls.name == "square"
    record = registry.plugins[-1]
    assert (record.name, record.dist, record.version, record.gates) == (
        "square", "circuitsim-square", "1.2", ["square"])


def test_a_plugin_that_fails_to_import_is_a_warning_and_the_rest_work(write_module, install):
    broken = write_module("broken_ep", "raise ImportError('needs libfoo')\n")
    install(
        FakeDistribution("broken-dist", "0.3", {"broken": broken}),
        FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_ep2", SQUARE)}),
    )
    with pytest.warns(PluginWarning, match=r"'broken' \(broken-dist 0\.3\).*needs libfoo"):
        registry = load_registry()
    assert "square" in registry.gates and "add" in registry.gates
    (failure,) = registry.failures
    assert (failure.plugin, failure.dist, failure.version) == ("broken", "broken-dist", "0.3")
    assert "ImportError: needs libfoo" in failure.error


def test_a_hook_that_raises_is_a_warning_and_its_gates_are_dropped(write_module, install):
    raising = gate_plugin("half_done", """
        @hookimpl
        def circuitsim_register_gates(register):
            register(Square)
            raise RuntimeError("oops")
    """)
    install(
        FakeDistribution("raiser", "2.0", {"raiser": write_module("raiser_ep", raising)}),
        FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_ep3", SQUARE)}),
    )
    with pytest.warns(PluginWarning, match=r"'raiser' \(raiser 2\.0\).*RuntimeError: oops"):
        registry = load_registry()
    assert "half_done" not in registry.gates
    assert "square" in registry.gates
    assert registry.failures[0].plugin == "raiser"
    assert "raiser" not in [p.name for p in registry.plugins]


def test_two_plugins_registering_one_name_is_an_error_naming_both(write_module, install):
    install(
        FakeDistribution("square-one", "1.0", {"one": write_module("sq_one", SQUARE)}),
        FakeDistribution("square-two", "2.0", {"two": write_module("sq_two", SQUARE)}),
    )
    with pytest.raises(PluginError) as info:
        load_registry()
    message = str(info.value)
    assert "'square'" in message
    assert "'one' (square-one 1.0)" in message and "'two' (square-two 2.0)" in message


def test_a_plugin_redefining_a_builtin_shadows_it_with_a_warning_naming_both(write_module):
    with pytest.warns(PluginWarning, match=r"'add' of plugin 'fake_add' shadows the built-in 'add' \('gates' \(circuitsim"):
        registry = load_registry([write_module("fake_add", gate_plugin("add"))], autoload=False)
    assert registry.get("add").plugin == "fake_add"


@pytest.mark.parametrize("value, loaded", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_the_environment_switch_turns_autoload_off(write_module, install, monkeypatch,
                                                   value, loaded):
    install(FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_env", SQUARE)}))
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, value)
    assert ("square" in load_registry().gates) is loaded
    assert "add" in load_registry().gates


def test_autoload_false_skips_installed_plugins(write_module, install):
    install(FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_off", SQUARE)}))
    assert "square" not in load_registry(autoload=False).gates
    assert "square" in load_registry(autoload=True).gates


# -- explicit plugins -------------------------------------------------------------------


def test_an_explicit_plugin_as_a_module_object():
    module = types.ModuleType("inline_square")
    exec(SQUARE, module.__dict__)
    registry = load_registry([module], autoload=False)
    info = registry.get("square")
    assert (info.plugin, info.dist, info.version) == ("inline_square", None, None)
    assert info.cls().forward(3.0) == 9.0


def test_an_explicit_plugin_as_a_module_name(write_module):
    registry = load_registry([write_module("sq_by_name", SQUARE)], autoload=False)
    assert registry.get("square").plugin == "sq_by_name"


@pytest.mark.parametrize("as_path", [str, Path])
def test_an_explicit_plugin_as_a_file_path(tmp_path, as_path):
    path = tmp_path / "my_square.py"
    path.write_text(SQUARE)
    registry = load_registry([as_path(path)], autoload=False)
    info = registry.get("square")
    assert info.plugin == str(path)
    assert info.cls().local_grads((3.0,), 9.0) == (6.0,)
    assert load_registry([as_path(path)], autoload=False).get("square").cls is info.cls


def test_one_plugin_named_twice_loads_once(write_module, install):
    name = write_module("sq_twice", SQUARE)
    install(FakeDistribution("circuitsim-square", "1.2", {"square": name}))
    registry = load_registry([name, name])
    assert registry.get("square").plugin == "square"  # the installed one, not a clash


def test_an_explicit_plugin_that_cannot_be_imported_is_an_error():
    with pytest.raises(PluginError, match="cannot import plugin 'no_such_plugin_module'"):
        load_registry(["no_such_plugin_module"], autoload=False)


def test_a_missing_plugin_file_is_an_error_at_its_path(tmp_path):
    path = tmp_path / "missing.py"
    with pytest.raises(PluginError, match="not found") as info:
        load_registry([str(path)], autoload=False)
    assert info.value.path == str(path)


def test_a_plugin_file_with_a_syntax_error_points_at_the_line(tmp_path):
    path = tmp_path / "bad_syntax.py"
    path.write_text("x = 1\ndef broken(:\n")
    with pytest.raises(PluginError, match="SyntaxError") as info:
        load_registry([path], autoload=False)
    assert (info.value.path, info.value.line) == (str(path), 2)


def test_a_plugin_file_that_raises_is_an_error_naming_it(tmp_path):
    path = tmp_path / "raises.py"
    path.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(PluginError, match="RuntimeError: boom") as info:
        load_registry([path], autoload=False)
    assert info.value.path == str(path)
    assert not [m for m in sys.modules if m.startswith("circuitsim_plugin_raises")]


# -- what a plugin may register ---------------------------------------------------------


def test_a_misspelled_hook_is_an_error_naming_the_plugin(write_module):
    source = SQUARE.replace("def circuitsim_register_gates", "def circuitsim_register_gate")
    with pytest.raises(PluginError, match=r"'typo_plugin'.*'circuitsim_register_gate'.*did you"):
        load_registry([write_module("typo_plugin", source)], autoload=False)


def test_an_installed_plugin_with_a_misspelled_hook_is_a_warning(write_module, install):
    typo = SQUARE.replace("def circuitsim_register_gates", "def circuitsim_register_gate")
    install(
        FakeDistribution("typo-dist", "0.1", {"typo": write_module("typo_ep", typo)}),
        FakeDistribution("circuitsim-square", "1.2", {"square": write_module("sq_ep3", SQUARE)}),
    )
    with pytest.warns(PluginWarning, match=r"'typo' \(typo-dist 0\.1\) implements unknown hook"):
        registry = load_registry()
    assert "square" in registry.gates and "add" in registry.gates
    assert [f.plugin for f in registry.failures] == ["typo"]


class NotAGate:
    name = "not_a_gate"


def bad_gate(**attributes):
    return type("BadGate", (Gate,), {"name": "bad", **attributes})


@pytest.mark.parametrize(
    "cls, problem",
    [
        (NotAGate, "not a Gate subclass"),
        (bad_gate(name=""), "invalid name ''"),
        (bad_gate(name="2fast"), "invalid name '2fast'"),
        (bad_gate(name="a-b"), "invalid name 'a-b'"),
        (bad_gate(arity=0), "arity 0"),
        (bad_gate(arity=True), "arity True"),
        (bad_gate(arity="2"), "arity '2'"),
        (bad_gate(params=["exponent"]), "params is not a mapping"),
    ],
)
def test_an_invalid_gate_class_is_an_error_naming_the_plugin(cls, problem):
    module = types.ModuleType("bad_plugin")

    @hookspecs.hookimpl
    def circuitsim_register_gates(register):
        register(cls)

    module.circuitsim_register_gates = circuitsim_register_gates
    with pytest.raises(PluginError, match="plugin 'bad_plugin'") as info:
        load_registry([module], autoload=False)
    assert problem in str(info.value)


def test_one_plugin_registering_a_name_twice_is_an_error():
    module = types.ModuleType("twice_plugin")
    exec(SQUARE + "\n    register(Square)\n", module.__dict__)
    with pytest.raises(PluginError, match="'twice_plugin'.*'twice_plugin'"):
        load_registry([module], autoload=False)


# -- a plugin gate with a built-in's name -----------------------------------------------

# A plugin as written for 0.1, before softplus was built in: its own softplus, with a sharpness.
SOFTPLUS_01 = '''
import math

from circuitsim import Gate, hookimpl

class Softplus(Gate):
    """log(1 + e^(beta x)) / beta."""
    name = "softplus"
    arity = 1
    params = {"beta": 1.0}

    def forward(self, x):
        beta = self.params["beta"]
        return math.log1p(math.exp(beta * x)) / beta

    def local_grads(self, inputs, output):
        (x,) = inputs
        beta = self.params["beta"]
        return (1 / (1 + math.exp(-beta * x)),)

@hookimpl
def circuitsim_register_gates(register):
    register(Softplus)
'''

SHARP = """\
inputs: {x: 1.0}
gates:
  f: {type: softplus, inputs: [x], params: {beta: 2.0}}
outputs: [f]
"""


def test_an_installed_plugin_from_0_1_with_its_own_softplus_shadows_the_builtin(
        write_module, install, tmp_path):
    import circuitsim

    install(FakeDistribution("softplus-sharp", "0.1.0",
                             {"sharp": write_module("sharp_softplus", SOFTPLUS_01)}))
    with pytest.warns(PluginWarning) as caught:
        registry = load_registry()
    (warning,) = [str(w.message) for w in caught]
    assert "'softplus'" in warning and "'sharp' (softplus-sharp 0.1.0)" in warning
    assert "shadows the built-in" in warning and "'gates' (circuitsim" in warning
    info = registry.get("softplus")
    assert (info.plugin, info.dist) == ("sharp", "softplus-sharp")
    assert "softplus" not in registry.plugins[0].gates  # the built-ins' record
    assert "softplus" in load_registry(autoload=False).plugins[0].gates  # the cache is intact
    path = tmp_path / "sharp.yaml"
    path.write_text(SHARP)
    result = circuitsim.load(path).run()  # the default registry is cached: warned once
    expected = math.log1p(math.exp(2.0)) / 2.0
    assert result.values["f"] == pytest.approx(expected)
    assert result.grads["x"] == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_a_plugin_named_on_the_command_line_shadows_a_builtin_with_a_warning(cli, write, tmp_path):
    plugin = write("softplus_01.py", SOFTPLUS_01)
    circuit = write("sharp.yaml", SHARP)
    result = cli("run", circuit, "-p", plugin, "--format", "json")
    assert json.loads(result.stdout)["values"]["f"] == pytest.approx(math.log1p(math.exp(2.0)) / 2.0)
    assert "shadows the built-in 'softplus'" in result.stderr
    assert "softplus_01.py" in result.stderr


def test_two_plugins_shadowing_one_builtin_are_an_error_naming_both(write_module, install):
    install(
        FakeDistribution("sharp-one", "1.0", {"one": write_module("sp_one", SOFTPLUS_01)}),
        FakeDistribution("sharp-two", "2.0", {"two": write_module("sp_two", SOFTPLUS_01)}),
    )
    with pytest.raises(PluginError) as info, pytest.warns(PluginWarning):
        load_registry()
    message = str(info.value)
    assert "'softplus'" in message
    assert "'one' (sharp-one 1.0)" in message and "'two' (sharp-two 2.0)" in message
