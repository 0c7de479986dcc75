"""Grading a class as a teacher does: points and visibility, `grade` over a folder, Gradescope's
results.json, constraints, vectors files lying among the students' files, hostile files, the
autograder zip run on a fake /autograder tree."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest

STUDENTS = "examples/grading/students"
VECTORS = "examples/grading/half_adder_vectors.yaml"
ALICE = f"{STUDENTS}/alice.yaml"
BOB = f"{STUDENTS}/bob.yaml"

HALF_ADDER = "inputs: {a: null, b: null}\ngates:\n  sum: {type: xor, inputs: [a, b]}\n  carry: {type: and, inputs: [a, b]}\noutputs: [sum, carry]\n"
POINTED = """\
tol: 1e-9
tests:
  - {name: zeros, inputs: {a: 0, b: 0}, expect: {sum: 0, carry: 0}, points: 2}
  - {name: ones, inputs: {a: 1, b: 1}, expect: {sum: 0, carry: 1}, points: 3, visibility: after_due_date}
  - {name: secret, inputs: {a: 1, b: 0}, expect: {sum: 1}, points: 0.5, visibility: hidden}
"""


@pytest.fixture
def klass(tmp_path):
    """A folder of submissions as a teacher gets them: two good, one wrong, one broken, and the
    vectors file kept among them."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(ALICE, folder / "alice.yaml")
    shutil.copy(BOB, folder / "bob.yaml")
    (folder / "carol.yaml").write_text(HALF_ADDER)
    (folder / "dave.yaml").write_text("inputs: {a: null, b: null}\ngates:\n  sum: {type: xor, inputs: [a, c]}\noutputs: [sum]\n")
    (folder / "vectors.yaml").write_text(POINTED)
    shutil.copy(VECTORS, folder / "last_year.yaml")
    return folder


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_grade_writes_a_row_per_student_with_points_and_the_reason_a_file_is_broken(cli, klass, tmp_path):
    out = tmp_path / "grades.csv"
    result = cli("grade", str(klass), "--vectors", str(klass / "vectors.yaml"), "-o", str(out))
    assert result.stderr.startswith(f"note: {klass / 'last_year.yaml'} is a vectors file, not a student's circuit: not graded\n")
    assert "graded 4 files: 2 with full marks, 1 of them could not be loaded (score 0)" in result.stderr
    table = rows(out.read_text())
    assert [r["file"] for r in table] == [str(klass / n) for n in ("alice.yaml", "bob.yaml", "carol.yaml", "dave.yaml")]
    alice, bob, carol, dave = table
    assert (alice["score"], alice["max_score"], alice["passed"], alice["failed"], alice["failing"], alice["error"]) == ("5.5", "5.5", "3", "0", "", "")
    assert (bob["score"], bob["failed"], bob["failing"]) == ("2.5", "1", "ones")
    assert (dave["score"], dave["max_score"], dave["failed"], dave["failing"]) == ("0", "5.5", "3", "zeros; ones; secret")
    assert dave["error"] == f"{klass / 'dave.yaml'}:3:32: error: gate 'sum': unknown source 'c'"
    assert out.read_text().startswith("file,score,max_score,passed,failed,failing,error\n")


def test_grade_json_lists_every_vectors_result(cli, klass):
    doc = json.loads(cli("grade", str(klass), "--vectors", str(klass / "vectors.yaml"), "--format", "json").stdout)
    bob = doc["students"][1]
    assert bob["failing"] == ["ones"] and bob["error"] is None and bob["score"] == 2.5
    ones = next(t for t in bob["tests"] if t["name"] == "ones")
    assert ones == {"name": "ones", "score": 0, "max_score": 3, "status": "failed", "visibility": "after_due_date", "output": "value of sum: expected 0.0, got 1.0"}


def test_gradescope_results_json_as_gradescope_reads_it(cli, tmp_path):
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED)
    out = tmp_path / "results.json"
    cli("test", BOB, "--vectors", str(vectors), "--format", "gradescope", "-o", str(out), "--reference", ALICE, code=1)
    doc = json.loads(out.read_text())
    assert doc["score"] == 2.5 and doc["output"] == "2 of 3 tests passed: 2.5 of 5.5 points."
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["visibility"]) for t in doc["tests"]] == [
        ("zeros", 2, 2, "passed", "visible"),
        ("ones", 0, 3, "failed", "after_due_date"),
        ("secret", 0.5, 0.5, "passed", "hidden"),
    ]
    assert doc["tests"][1]["output"] == (
        "value of sum: expected 0.0, got 1.0\n"
        f"{BOB}:4:3: your circuit first departs from the reference at 'sum': its value is 1.0 where the reference's is 0.0"
    )
    assert cli("test", ALICE, "--vectors", str(vectors), "--format", "gradescope").stdout.startswith('{\n  "score": 5.5,')


def test_a_submission_that_does_not_load_scores_0_on_every_vector_saying_why(cli, write, tmp_path):
    vectors = write("v.yaml", POINTED)
    broken = write("broken.yaml", "inputs: {a: null}\ngates:\n  sum: {type: xro, inputs: [a]}\noutputs: [sum]\n")
    doc = json.loads(cli("test", broken, "--vectors", vectors, "--format", "gradescope", code=1).stdout)
    assert doc["score"] == 0 and len(doc["tests"]) == 3
    assert all(t["status"] == "failed" and t["score"] == 0 for t in doc["tests"])
    assert doc["tests"][0]["output"].startswith(f"{broken}:3:15: error: gate 'sum': unknown gate type 'xro' (did you mean 'xor'?)")
    assert doc["output"].startswith("Your file could not be graded; every test scores 0:\n")
    assert "--vectors" in cli("test", broken, "--format", "gradescope", code=2).stderr


def test_points_and_visibility_are_checked_where_they_are_written(cli, write):
    vectors = write("v.yaml", "tests:\n  - {inputs: {a: 1}, points: -2}\n  - {inputs: {a: 1}, visibility: hiden}\n  - {inputs: {a: 1}, points: many}\n")
    err = cli("grade", STUDENTS, "--vectors", vectors, code=1).stderr
    assert f"{vectors}:2:30: error: points must be a finite number >= 0, got -2" in err
    assert f"{vectors}:3:34: error: visibility must be one of visible, hidden, after_due_date, after_published, got 'hiden' (did you mean 'hidden'?)" in err
    assert f"{vectors}:4:30: error: points must be a number, got 'many'" in err
    own = write("own.yaml", HALF_ADDER + "tests:\n  - {inputs: {a: 1, b: 1}, expect: {sum: 0}, visibility: later}\n")
    assert f"{own}:7:58: error: visibility must be one of" in cli("check", own, code=1).stderr
    good = write("good.yaml", HALF_ADDER + "tests:\n  - {inputs: {a: 1, b: 1}, expect: {sum: 0}, points: 4, visibility: hidden}\n")
    assert cli("test", good).stdout.endswith("1 passed\n")


def test_constraints_fail_a_vector_named_after_them_with_the_reason(cli, write, tmp_path):
    vectors = write("v.yaml", POINTED + "allowed_gates: [nand, xor]\nmax_gates: 1\nconstraint_points: 2\n")
    out = tmp_path / "g.csv"
    cli("grade", ALICE, BOB, "--vectors", vectors, "-o", str(out))
    alice, bob = rows(out.read_text())
    assert (alice["score"], alice["max_score"], alice["failing"]) == ("5.5", "9.5", "allowed_gates; max_gates")
    doc = json.loads(cli("test", ALICE, "--vectors", vectors, "--format", "gradescope", code=1).stdout)
    allowed, most = doc["tests"][-2:]
    assert allowed == {"name": "allowed_gates", "score": 0, "max_score": 2, "status": "failed", "visibility": "visible",
                       "output": f"{ALICE}:5:3: gate 'carry' is a and; this exercise allows only nand, xor gates"}
    assert most["output"] == "the circuit has 2 gates; this exercise allows at most 1"
    nand = write("nand.yaml", "tests:\n  - {inputs: {a: 1, b: 1}, expect: {sum: 0}}\nallowed_gates: [nand]\n")
    assert json.loads(cli("test", write("n.yaml", "inputs: {a: 1, b: 1}\ngates:\n  sum: {type: nand, inputs: [a, b]}\noutputs: [sum]\n"),
                          "--vectors", nand, "--format", "gradescope").stdout)["score"] == 2
    bad = write("bad.yaml", "tests:\n  - {inputs: {a: 1}}\nallowed_gates: [nnad]\nmax_gates: -1\n")
    err = cli("check", bad, code=1).stderr
    assert f"{bad}:3:17: error: allowed_gates: unknown gate type 'nnad' (did you mean 'nand'?)" in err
    assert f"{bad}:4:12: error: max_gates must be a whole number >= 0, got '-1'" in err


def test_a_vectors_file_among_circuits_is_recognised_by_check_and_test(cli, klass):
    checked = cli("check", str(klass), code=1)
    assert f"{klass / 'vectors.yaml'}: OK (a vectors file: 3 vectors)" in checked.stdout
    assert f"{klass / 'last_year.yaml'}: OK (a vectors file: 5 vectors)" in checked.stdout
    assert "has no outputs" not in checked.stderr and "unknown top-level key" not in checked.stderr
    tested = cli("test", str(klass), code=1)
    assert f"note: {klass / 'vectors.yaml'} is a vectors file, not a circuit: left out (run it with --vectors" in tested.stderr
    assert "vectors.yaml" not in tested.stdout
    assert cli("check", VECTORS).stdout == f"{VECTORS}: OK (a vectors file: 5 vectors)\n"


def test_junit_counts_every_vector_of_a_broken_file(cli, klass, tmp_path):
    report = tmp_path / "r.xml"
    cli("test", str(klass), "--vectors", str(klass / "vectors.yaml"), "--junit-xml", str(report), code=1)
    root = ET.parse(report).getroot()
    assert root.get("tests") == "10"  # 3 vectors on 3 students that load, the load error of the fourth


HOSTILE = {
    "binary.yaml": bytes(range(256)) * 64,
    "bomb.yaml": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                 b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "control.yaml": 'inputs: {a: null, b: null}\ngates:\n  "s\\x07\\u2028um\\n,\\"x": {type: xor, inputs: [a, b]}\noutputs: [sum]\n'.encode(),
    "deep.yaml": b"inputs: " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
    "huge.yaml": b"inputs: {a: null, b: null}\ngates:\n" + b"  # padding\n" * 500_000 + b"outputs: [a]\n",
    "tests.yaml": b"tests: [\x00]\n",
    '=cmd|"calc"\n,x.yaml': HALF_ADDER.encode(),
    "bad\udcff name.yaml": HALF_ADDER.encode(),  # a name that is not UTF-8
}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_hostile_files_cannot_spoil_the_other_rows_or_the_report(cli, tmp_path, fmt):
    folder = tmp_path / "class"
    folder.mkdir()
    for name, data in HOSTILE.items():
        (folder / name).write_bytes(data)
    shutil.copy(ALICE, folder / "zz_alice.yaml")
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED)
    out = tmp_path / f"grades.{fmt}"
    cli("grade", str(folder), "--vectors", str(vectors), "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert all(ch == "\n" or ch >= " " for ch in text if ch not in "\t")  # no control characters
    table = json.loads(text)["students"] if fmt == "json" else rows(text)
    assert len(table) == len(HOSTILE) + 1  # tests.yaml does not read as a vectors file: a broken circuit
    by_name = {os.path.basename(r["file"]): r for r in table}
    assert float(by_name["zz_alice.yaml"]["score"]) == 5.5
    for name in ("binary.yaml", "bomb.yaml", "control.yaml", "deep.yaml", "huge.yaml"):
        assert float(by_name[name]["score"]) == 0 and by_name[name]["error"], name
    assert "larger than" in by_name["huge.yaml"]["error"] and "alias" in by_name["bomb.yaml"]["error"]
    odd = next(r for r in table if "cmd" in r["file"])
    assert "\\x0a" in odd["file"] and float(odd["score"]) == 5.5


def test_autograder_zip_runs_on_a_fake_autograder_tree(cli, tmp_path, root):
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED)
    zip_path = tmp_path / "autograder.zip"
    out = cli("autograder", "--vectors", str(vectors), "--reference", ALICE, "-o", str(zip_path)).stdout
    assert out.startswith(f"wrote {zip_path} (setup.sh, run_autograder, grade_submission.py, vectors.yaml, reference.yaml)")
    tree = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tree / "source")
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
    setup = (tree / "source" / "setup.sh").read_text()
    import tomllib

    name = tomllib.loads((root / "pyproject.toml").read_text())["project"]["name"]
    assert f"-m pip install '{name}>=" in setup
    assert subprocess.run(["bash", "-n", str(tree / "source" / "setup.sh")]).returncode == 0
    shutil.copy(tree / "source" / "run_autograder", tree / "run_autograder")
    (tree / "submission").mkdir()
    env = {**os.environ, "AUTOGRADER_ROOT": str(tree), "CIRCUITSIM_PYTHON": sys.executable, "PYTHONPATH": str(root)}

    def run_autograder():
        done = subprocess.run(["bash", str(tree / "run_autograder")], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads((tree / "results" / "results.json").read_text())

    shutil.copy(BOB, tree / "submission" / "my adder.yaml")
    doc = run_autograder()
    assert doc["score"] == 2.5 and [t["status"] for t in doc["tests"]] == ["passed", "failed", "passed"]
    assert "first departs from the reference at 'sum'" in doc["tests"][1]["output"]
    assert doc["tests"][1]["output"].startswith("value of sum: expected 0.0, got 1.0\nmy adder.yaml:4:3:")
    (tree / "submission" / "notes.yaml").write_text(HALF_ADDER)
    assert run_autograder() == {"score": 0, "output": "Submit one .yaml file; this submission has 2: 'my adder.yaml', 'notes.yaml'.",
                                "visibility": "visible", "tests": []}
    for f in (tree / "submission").iterdir():
        f.unlink()
    (tree / "submission" / "adder.yaml").write_bytes(b"\xff\xfe binary")
    doc = run_autograder()
    assert doc["score"] == 0 and len(doc["tests"]) == 3 and "adder.yaml" in doc["tests"][0]["output"]


def test_autograder_refuses_a_reference_that_fails_its_vectors(cli, tmp_path):
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED)
    err = cli("autograder", "--vectors", str(vectors), "--reference", BOB, "-o", str(tmp_path / "a.zip"), code=1).stderr
    assert f"{vectors}:4:5: error: the reference fails vector 'ones': value of sum: expected 0.0, got 1.0" in err
    assert not (tmp_path / "a.zip").exists()


def test_a_broken_constraint_is_a_failure_in_test_text_and_junit(cli, write, tmp_path):
    vectors = write("v.yaml", "tests:\n  - {name: ones, inputs: {a: 1, b: 1}, expect: {sum: 0}}\nmax_gates: 1\n")
    report = tmp_path / "r.xml"
    out = cli("test", ALICE, "--vectors", vectors, "--junit-xml", str(report), code=1).stdout
    assert out.startswith(f"{ALICE} .F\n\nFAILED {ALICE}::max_gates ({vectors}:3:12)\n    the circuit has 2 gates; this exercise allows at most 1\n")
    assert out.endswith("1 passed, 1 failed\n")
    case = ET.parse(report).getroot().find("testsuite/testcase[@name='max_gates']/failure")
    assert case.get("message") == "the circuit has 2 gates; this exercise allows at most 1"


def test_hostile_files_cannot_spoil_the_junit_report_nor_gradescopes(cli, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name, data in HOSTILE.items():
        (folder / name).write_bytes(data)
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED.replace("name: secret", 'name: "s\\x07e\\ncret"'))
    report = tmp_path / "r.xml"
    cli("test", str(folder), "--vectors", str(vectors), "--junit-xml", str(report), code=1)
    root = ET.parse(report).getroot()
    assert len(root.findall("testsuite")) == len(HOSTILE)
    for name in HOSTILE:
        if name != "tests.yaml":
            good = name.startswith(("=", "bad"))
            doc = json.loads(cli("test", str(folder / name), "--vectors", str(vectors), "--format", "gradescope", code=0 if good else 1).stdout)
            assert len(doc["tests"]) == 3 and doc["score"] == (5.5 if good else 0)
            assert "\x07" not in json.dumps(doc, ensure_ascii=False) and doc["tests"][2]["name"] == "s\\x07e\\x0acret"
    assert "\\udcff" in cli("test", str(folder / "bad\udcff name.yaml"), "--vectors", str(vectors), "-v").stdout


def test_a_student_module_must_lie_in_the_students_folder(cli, tmp_path):
    (tmp_path / "key").mkdir()
    shutil.copy(ALICE, tmp_path / "key" / "answer.yaml")
    student = tmp_path / "class" / "eve"
    student.mkdir(parents=True)
    (student / "eve.yaml").write_text("inputs: {a: null, b: null}\nmodules: {k: ../../key/answer.yaml}\ngates:\n  u: {type: k, inputs: [a, b]}\n"
                                      "  sum: {type: add, inputs: [u.sum]}\n  carry: {type: add, inputs: [u.carry]}\noutputs: [sum, carry]\n")
    vectors = tmp_path / "v.yaml"
    vectors.write_text(POINTED)
    row = json.loads(cli("grade", str(student), "--vectors", str(vectors), "--format", "json").stdout)["students"][0]
    assert row["score"] == 0 and "../../key/answer.yaml" in row["error"]


def test_a_circuit_without_gates_is_still_a_circuit(cli, write):
    wire = write("wire.yaml", "inputs: {a: null}\noutputs: [a]\ntests:\n  - {inputs: {a: 2}, expect: {a: 2}}\n")
    assert cli("check", wire).stdout == f"{wire}: OK (1 input, 0 gates, 1 output)\n"
    assert cli("test", wire).stdout == f"{wire} .\n\n1 passed\n"
