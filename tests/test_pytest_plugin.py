"""circuitsim's pytest plugin: circuit files' test vectors as tests, and the check_gate fixture.

Each test runs pytest in-process on files it writes. Plugin autoloading is off and the plugin
is named with ``-p``, so that the run is the same whether or not circuitsim is installed.
"""

from __future__ import annotations

import pytest

import circuitsim
import circuitsim.pytest_plugin  # noqa: F401  imported here, before pytester's in-process runs,

# which drop the modules a run imported: numpy cannot be imported twice in one process.

pytest_plugins = ["pytester"]

ADDER = """\
inputs: {x: 1.0, y: 2.0}
gates:
  s: {type: add, inputs: [x, y]}
  p: {type: mul, inputs: [s, x]}
outputs: [p]
tests:
  - {name: at the defaults, expect: {s: 3.0, p: 3.0}, grads: {x: 4.0, y: 1.0}}
  - name: at 2 and 3
    inputs: {x: 2.0, y: 3.0}
    expect: {p: 10.0}
  - name: a wrong sum
    inputs: {x: 2.0, y: 2.0}
    expect: {s: 5.0}
    grads: {y: 3.0}
"""


@pytest.fixture
def run(pytester, monkeypatch):
    """Run pytest with circuitsim's plugin on the pytester directory (nor this project's own
    ``addopts``, whose ``-n`` needs xdist, when it runs in the project's folders)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

    def run(*args):
        return pytester.runpytest(
            "-p", "circuitsim.pytest_plugin", "-o", "addopts=", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args
        )

    return run


def test_each_vector_is_a_test_named_after_it(pytester, run):
    pytester.makefile(".yaml", adder=ADDER)
    result = run("-v", "adder.yaml")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "adder.yaml::at the defaults PASSED*",
        "adder.yaml::at 2 and 3 PASSED*",
        "adder.yaml::a wrong sum FAILED*",
    ])


def test_a_failing_vector_reports_its_place_and_expected_against_got(pytester, run):
    pytester.makefile(".yaml", adder=ADDER)
    result = run("adder.yaml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*_ a wrong sum _*",
        "adder.yaml:11:5: test vector 'a wrong sum' failed",
        "  value of s: expected 5.0, got 4.0",
        "  grad of y: expected 3.0, got 2.0",
        "FAILED adder.yaml::a wrong sum*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_a_vector_that_cannot_run_fails_with_the_error(pytester, run):
    pytester.makefile(".yaml", needs=(
        "inputs: {x: null}\ngates: {n: {type: neg, inputs: [x]}}\noutputs: [n]\n"
        "tests:\n  - {name: no x, expect: {n: 0.0}}\n"
    ))
    result = run("needs.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["needs.yaml:5:5: test vector 'no x' failed", "  error: *x*"])


def test_a_circuit_that_does_not_load_is_one_failing_test_with_every_problem(pytester, run):
    pytester.makefile(".yaml", broken=(
        "inputs: {x: 1.0}\ngates:\n  a: {type: mull, inputs: [x]}\n  b: {type: add, inputs: [zz]}\n"
        "outputs: [b]\ntests:\n  - {name: t, expect: {b: 1.0}}\n"
    ))
    result = run("-v", "broken.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "broken.yaml::load FAILED*",
        "broken.yaml:3:13: error: gate 'a': unknown gate type 'mull'*",
        "broken.yaml:4:27: error: gate 'b': unknown source 'zz'",
    ])


def test_only_circuit_files_with_tests_are_collected(pytester, run):
    pytester.makefile(".yaml", adder=ADDER)
    pytester.makefile(".yaml", untested="inputs: {x: 1.0}\ngates: {n: {type: neg, inputs: [x]}}\noutputs: [n]\n")
    pytester.makefile(".yml", config="tests:\n  - lint\n  - unit\n")  # not a circuit
    (pytester.path / "junk.yaml").write_bytes(b"\xff\xfe\x00 not: [yaml")
    result = run("--collect-only", "-q", ".")
    result.stdout.fnmatch_lines(["adder.yaml::at the defaults", "adder.yaml::at 2 and 3", "adder.yaml::a wrong sum"])
    assert "untested" not in result.stdout.str() and "config" not in result.stdout.str()
    assert "3 tests collected" in result.stdout.str()


def test_circuit_files_reached_through_testpaths_need_the_ini_option(pytester, run):
    pytester.mkdir("circuits")
    (pytester.path / "circuits" / "adder.yaml").write_text(ADDER)
    pytester.makeini("[pytest]\ntestpaths = circuits\n")
    assert run().ret == pytest.ExitCode.NO_TESTS_COLLECTED
    pytester.makeini("[pytest]\ntestpaths = circuits\ncircuitsim_collect = true\n")
    run().assert_outcomes(passed=2, failed=1)


def test_the_example_circuits_pass_and_the_projects_bad_files_are_not_collected(root, run):
    result = run("-q", "-p", "no:cacheprovider", str(root / "circuits"))
    result.assert_outcomes(passed=sum(count_vectors(p) for p in (root / "circuits").rglob("*.yaml")))
    collected = run("--collect-only", "-q", "-p", "no:cacheprovider", str(root / "tests" / "bad"))
    assert collected.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def count_vectors(path) -> int:
    return len(circuitsim.load(path).spec.tests)


CHECKED = '''
from circuitsim import Gate

class Cube(Gate):
    """x³."""
    name = "cube"

    def forward(self, x):
        return x * x * x

    def local_grads(self, inputs, output):
        return (3 * inputs[0] ** 2,)

class WrongCube(Cube):
    """x³ with the wrong derivative."""
    name = "wrong_cube"

    def local_grads(self, inputs, output):
        return (2 * inputs[0] ** 2,)

def test_cube(check_gate):
    check_gate(Cube)

def test_wrong_cube(check_gate):
    check_gate(WrongCube, samples=[(2.0,)])
'''


def test_the_check_gate_fixture(pytester, run):
    pytester.makepyfile(test_cube_plugin=CHECKED)
    result = run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "    def test_wrong_cube(check_gate):",
        ">       check_gate(WrongCube, samples=[(2.0,)])",
        "E       AssertionError: gate 'wrong_cube', port x, at sample (2.0,): local gradient "
        "expected 12 (float64 central differences) but got 8",
        "",
        "test_cube_plugin.py:24: AssertionError",
    ])


def test_the_readme_fixture_example_runs_as_a_test(root, pytester, run):
    import re

    readme = (root / "docs" / "plugins.md").read_text()
    python_blocks = re.findall(r"^```python\n(.*?)^```", readme, re.M | re.S)
    square = next(b for b in python_blocks if "class Square(Gate)" in b)
    fixture_test = next(b for b in python_blocks if "def test_square(check_gate)" in b)
    pytester.makepyfile(test_readme_square=square + "\n\n" + fixture_test)
    run("-v").stdout.fnmatch_lines(["test_readme_square.py::test_square PASSED*"])


def test_a_vector_name_with_control_characters_reaches_the_terminal_as_text(pytester, run):
    pytester.makefile(".yaml", evil=ADDER.replace("name: a wrong sum", 'name: "sum\\e]0;owned\\a\\e[2J"'))
    result = run("-v", "evil.yaml")
    text = result.stdout.str()
    assert "sum\\x1b]0;owned\\x07\\x1b[2J" in text and "\x1b]0;" not in text and "\x07" not in text
