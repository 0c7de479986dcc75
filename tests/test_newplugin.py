"""`circuitsim new-plugin`: the scaffold, its errors, and the scaffold installed and tested."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from circuitsim.author.scaffold import plugin_files, plugin_names
from circuitsim.cli import main

ROOT_FILES = ["README.md", "circuits/swish.yaml", "circuitsim_swish.py", "pyproject.toml",
              "tests/test_swish.py"]


def new_plugin(*args):
    return CliRunner().invoke(main, ["new-plugin", *args])


def test_new_plugin_writes_an_installable_project(tmp_path, monkeypatch, root):
    monkeypatch.chdir(tmp_path)
    result = new_plugin("swish")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "created circuitsim-swish/",
        *(f"  {path}" for path in ROOT_FILES),
        "next: cd circuitsim-swish && python -m pip install -e '.[test]' && python -m pytest",
    ]
    project = tmp_path / "circuitsim-swish"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == ROOT_FILES
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "circuitsim-swish"
    # circuitsim's own distribution, as this project names it (`circuitsim` on PyPI is another project)
    ours = tomllib.loads((root / "pyproject.toml").read_text())["project"]["name"]
    assert ours == "circuitsim-backprop"
    assert pyproject["project"]["dependencies"] == ["circuitsim-backprop>=0.3"]
    assert pyproject["project"]["entry-points"]["circuitsim"] == {"swish": "circuitsim_swish"}
    assert pyproject["tool"]["setuptools"]["py-modules"] == ["circuitsim_swish"]
    assert "check_gate" in (project / "tests" / "test_swish.py").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["circuitsim-swish"]  # no staging left


def test_dir_option_and_an_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    assert new_plugin("my_gate", "--dir", str(tmp_path / "empty")).exit_code == 0
    assert (tmp_path / "empty" / "circuitsim_my_gate.py").read_text().count("class MyGate(Gate):") == 1
    assert new_plugin("cube", "--dir", str(tmp_path / "a" / "b")).exit_code == 0
    assert (tmp_path / "a" / "b" / "circuits" / "cube.yaml").is_file()


def test_an_existing_directory_is_left_alone(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    result = new_plugin("swish", "--dir", str(tmp_path / "taken"))
    assert result.exit_code == 2
    assert "Invalid value for --dir:" in result.output and "already exists and is not an empty directory" in result.output
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize("name, problem", [
    ("2fast", "cannot name a gate"),
    ("soft-plus", "cannot name a gate"),
    ("_private", "cannot name a gate"),
    ("relu", "'relu' is already a gate type, from plugin 'gates'; choose another name"),
    ("and", "'and' is already a gate type"),
])
def test_bad_names_are_usage_errors(tmp_path, monkeypatch, name, problem):
    monkeypatch.chdir(tmp_path)
    result = new_plugin(name)
    assert result.exit_code == 2
    assert "Invalid value for NAME:" in result.output and problem in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_name_taken_by_a_plugin_named_with_p_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(
        "from circuitsim import Gate, hookimpl\n\n"
        "class Cube(Gate):\n    '''x cubed.'''\n    name = 'cube'\n\n"
        "@hookimpl\ndef circuitsim_register_gates(register):\n    register(Cube)\n"
    )
    result = new_plugin("cube", "-p", "mine.py")
    assert result.exit_code == 2
    assert "'cube' is already a gate type, from plugin 'mine.py'" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.py"]


def test_the_scaffold_files_are_valid_python_toml_and_circuits():
    import circuitsim

    files = plugin_files(plugin_names("Tri_state"))
    assert "circuitsim_tri_state.py" in files
    compile(files["circuitsim_tri_state.py"], "module", "exec")
    compile(files["tests/test_Tri_state.py"], "test", "exec")
    assert tomllib.loads(files["pyproject.toml"])["project"]["name"] == "circuitsim-tri-state"
    with pytest.raises(circuitsim.CircuitError, match="unknown gate type 'Tri_state'"):
        circuitsim.loads(files["circuits/Tri_state.yaml"])  # not installed here


def test_the_scaffold_installs_and_its_tests_pass_with_the_gate_found_by_entry_point(tmp_path, root):
    """pip-install the scaffold offline into a directory, then run its tests with it on the path."""
    assert can_build_wheels_offline(), (
        "building the scaffold offline needs setuptools>=70.1 (or the wheel package) in this "
        "environment: python -m pip install -e '.[test]'"
    )
    project, site = tmp_path / "circuitsim-swish", tmp_path / "site"
    assert new_plugin("swish", "--dir", str(project)).exit_code == 0
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--no-index", "--target", str(site), str(project)],
        capture_output=True, text=True,
    )
    assert pip.returncode == 0, pip.stderr
    assert (site / "circuitsim_swish-0.1.0.dist-info" / "entry_points.txt").is_file()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCUITSIM_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(root)])
    # circuitsim's pytest plugin named with -p, so that the run is the same whether or not
    # circuitsim itself is installed (installed, its entry point would load it too).
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "circuitsim.pytest_plugin", "-p", "no:cacheprovider"],
        cwd=project, capture_output=True, text=True, env=env,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout  # 3 tests, 2 test vectors of circuits/swish.yaml

    found = subprocess.run(
        [sys.executable, "-c",
         "from circuitsim.gate.plugins import load_registry; info = load_registry().get('swish');"
         "print(info.plugin, info.dist, info.version, info.cls.__module__)"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )
    assert found.stdout.split() == ["swish", "circuitsim-swish", "0.1.0", "circuitsim_swish"], found.stderr


def can_build_wheels_offline() -> bool:
    """setuptools builds wheels by itself from 70.1 on; before, it needs the wheel package."""
    try:
        import setuptools
    except ImportError:
        return False
    version = tuple(int(part) for part in setuptools.__version__.split(".")[:2])
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None

