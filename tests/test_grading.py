"""Grading from the shell: a vectors file on many circuits, -v, JUnit XML, JSON, directories;
gradcheck's kinks and steps."""

import json
import xml.etree.ElementTree as ET

import pytest

import circuitsim
from circuitsim.check.gradcheck import gradcheck

STUDENTS = "examples/grading/students"
VECTORS = "examples/grading/half_adder_vectors.yaml"


def test_a_vectors_file_runs_on_every_circuit_of_a_directory(cli):
    result = cli("test", STUDENTS, "--vectors", VECTORS, code=1)
    assert result.stdout == (
        f"{STUDENTS}/alice.yaml .....\n"
        f"{STUDENTS}/bob.yaml ...F.\n"
        "\n"
        f"FAILED {STUDENTS}/bob.yaml::1 + 1 ({VECTORS}:7:5)\n"
        "    value of sum: expected 0.0, got 1.0\n"
        "\n"
        "9 passed, 1 failed\n"
    )


def test_verbose_lists_every_vector_as_pytest_does(cli):
    lines = cli("test", STUDENTS, "--vectors", VECTORS, "-v", code=1).stdout.splitlines()
    assert lines[:2] == [f"{STUDENTS}/alice.yaml::0 + 0 PASSED", f"{STUDENTS}/alice.yaml::0 + 1 PASSED"]
    assert f"{STUDENTS}/bob.yaml::1 + 1 FAILED" in lines and len([x for x in lines if x.endswith("PASSED")]) == 9
    own = cli("test", "circuits/full_adder.yaml", "-v").stdout.splitlines()
    assert own[0] == "circuits/full_adder.yaml::0 + 0 + 0 PASSED" and own[-1] == "10 passed"


def test_left_out_outputs_are_dont_care_and_tolerances_apply(cli, write):
    vectors = write("v.yaml", "tol: 0.1\ntests:\n  - {name: near, inputs: {a: 1, b: 1}, expect: {carry: 0.95}}\n"
                              "  - {name: strict, inputs: {a: 1, b: 1}, expect: {carry: 0.95}, tol: 1e-3}\n")
    result = cli("test", f"{STUDENTS}/bob.yaml", "--vectors", vectors, "-v", code=1)
    assert f"{STUDENTS}/bob.yaml::near PASSED" in result.stdout  # sum is not named: not checked
    assert f"{STUDENTS}/bob.yaml::strict FAILED" in result.stdout


def test_a_vector_naming_what_a_circuit_lacks_is_an_error_of_that_circuit(cli, write):
    carol = write("carol.yaml", "inputs: {a: null, b: null}\ngates:\n  s: {type: xor, inputs: [a, b]}\n  c: {type: and, inputs: [a, b]}\noutputs: [s, c]\n")
    result = cli("test", carol, f"{STUDENTS}/alice.yaml", "--vectors", VECTORS, code=1)
    assert f"ERROR {carol}::0 + 0 ({VECTORS}:4:5)\n    {VECTORS}:4:50: error: test: unknown node 'sum' (did you mean 's'?)\n    {VECTORS}:4:58: error: test: unknown node 'carry'" in result.stdout
    assert result.stdout.endswith("5 passed, 5 errors\n")


def test_bad_vectors_files_are_errors_at_their_place(cli, write):
    assert f"{write('a.yaml', 'tests: 3')}:1:8: error: a vectors file holds `tests:`" in cli("test", STUDENTS, "--vectors", write("a.yaml", "tests: 3"), code=1).stderr
    bad = write("b.yaml", "tol: -1\ntest: []\n")
    err = cli("test", STUDENTS, "--vectors", bad, code=1).stderr
    assert f"{bad}:1:6: error: tol must be a number >= 0, got '-1'" in err
    assert f"{bad}:2:1: error: unknown key 'test' in a vectors file" in err
    assert "is a directory" in cli("test", STUDENTS, "--vectors", "examples", code=2).stderr


def test_junit_xml_and_json_for_graders(cli, tmp_path):
    report = tmp_path / "grades.xml"
    out = cli("test", STUDENTS, "--vectors", VECTORS, "--junit-xml", str(report), "--format", "json", code=1).stdout
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"], doc["errors"]) == (9, 1, 0)
    bob = doc["circuits"][1]
    assert bob["path"] == f"{STUDENTS}/bob.yaml" and bob["circuit"] == "bob"
    failed = [v for v in bob["vectors"] if v["outcome"] == "failed"]
    assert failed == [{"name": "1 + 1", "file": VECTORS, "line": 7, "outcome": "failed", "error": None,
                       "mismatches": [{"node": "sum", "what": "value", "expected": 0.0, "got": 1.0}]}]
    root = ET.parse(report).getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "10", "1", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"{STUDENTS}/alice.yaml", f"{STUDENTS}/bob.yaml"]
    case = next(c for c in suites[1] if c.get("name") == "1 + 1")
    assert case.find("failure").get("message") == "value of sum: expected 0.0, got 1.0"
    assert (case.get("classname"), case.get("line")) == ("bob", "7")


def test_a_circuit_that_does_not_load_is_an_error_in_every_format(cli, tmp_path):
    report = tmp_path / "r.xml"
    doc = json.loads(cli("test", "tests/bad/cycle.yaml", "--format", "json", "--junit-xml", str(report), code=1).stdout)
    assert doc["errors"] == 1 and "the circuit has a cycle" in doc["circuits"][0]["error"]
    assert ET.parse(report).getroot().find("testsuite/testcase/error") is not None
    assert cli("test", "tests/bad/cycle.yaml", "-v", code=1).stdout.startswith("tests/bad/cycle.yaml ERROR\n")


def test_directories_are_accepted_by_test_and_check(cli):
    result = cli("test", "circuits/")
    assert "circuits/full_adder.yaml .........." in result.stdout and "circuits/modules/sort2.yaml" in result.stdout
    checked = cli("check", "circuits")
    assert "circuits/neuron.yaml: OK (5 inputs, 7 gates, 1 output)" in checked.stdout
    assert "no circuit files" in cli("check", "docs", code=2).stderr


# -- gradcheck ----------------------------------------------------------------------------

RELU = "inputs: {x: 0.0, w: 2.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  r: {type: relu, inputs: [m]}\noutputs: [r]\n"


def test_gradcheck_reports_relus_kink_as_a_kink_not_off(cli, write):
    path = write("relu.yaml", RELU)
    result = cli("gradcheck", path)
    assert " kink " in result.stdout and " OFF " not in result.stdout
    assert (
        f"{path}:4:3: note: gate 'r' (relu) has a kink at x=0: its one-sided derivatives are 0 and 1, "
        "its rule gives [0] (between them, as documented)"
    ) in result.stdout
    assert "relu: OK, backprop agrees with central differences for 2 inputs (1 of them across a kink)" in result.stdout
    report = gradcheck(circuitsim.loads(RELU))
    assert report and [c.status for c in report.inputs] == ["kink", "ok"]
    assert cli("gradcheck", path, "--set", "x=0.5").stdout.count(" ok ") == 2


def test_gradcheck_suggests_a_step_when_the_step_is_what_is_wrong(cli):
    result = cli("gradcheck", "circuits/neuron.yaml", "--eps", "0.5", code=1)
    assert " step " in result.stdout
    assert "with a step of 0.005 instead of 0.5 they agree, so the step is what is wrong here: try --eps 0.005" in result.stdout
    report = gradcheck(circuitsim.load("circuits/neuron.yaml"), eps=0.5)
    assert not report and [c.better_eps for c in report.failures] == pytest.approx([0.005] * 5)
    assert cli("gradcheck", "circuits/neuron.yaml", "--eps", "0.005").exit_code == 0
