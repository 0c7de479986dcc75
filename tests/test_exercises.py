"""diff, worksheets, randomize and assign, as a teacher types them."""

import csv
import subprocess
import xml.etree.ElementTree as ET

import pytest

import circuitsim
from circuitsim.check.diff import compare

NEURON = "circuits/neuron.yaml"
# The neuron with the second product's sign flipped: m1 = -(w1*x1), so s0 and everything after differ.
FLIPPED = """\
inputs: {w0: 2.0, x0: -1.0, w1: -3.0, x1: -2.0, w2: -3.0}
gates:
  m0: {type: mul, inputs: [w0, x0]}
  m1: {type: mul, inputs: [w1, x1, -1]}
  s0: {type: add, inputs: [m0, m1, w2]}
  n:  {type: neg, inputs: [s0]}
  e:  {type: exp, inputs: [n]}
  p:  {type: add, inputs: [e, 1]}
  f:  {type: reciprocal, inputs: [p]}
outputs: [f]
"""


def test_diff_names_the_first_node_that_differs_and_draws_it(cli, write, tmp_path):
    other = write("flipped.yaml", FLIPPED)
    picture = tmp_path / "where.svg"
    result = cli("diff", other, NEURON, "-o", str(picture), code=1)
    assert result.stdout.splitlines()[0] == f"{other}:4:3: first difference at 'm1': its value is -6.0 in {other} but 6.0 in {NEURON}"
    assert result.stdout.splitlines()[1] == f"{NEURON}:11:3: note: 'm1' of {NEURON} is here"
    root = ET.parse(picture).getroot()
    marked = [e for e in root.iter() if e.get("class") == "highlight"]
    assert [e.get("data-node") for e in marked] == ["m1"]
    assert cli("diff", NEURON, NEURON).stdout == f"{NEURON} and {NEURON} agree: 12 shared nodes, values and gradients within 1e-06\n"


def test_diff_finds_a_gradient_that_alone_differs_where_the_backward_pass_meets_it(write):
    # relu and a max with 0 agree on values; their gradients differ only at 0, where relu gives 0 and max splits the tie
    a = circuitsim.loads("inputs: {x: 0.0, w: 2.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  r: {type: relu, inputs: [m]}\noutputs: [r]\n")
    b = circuitsim.loads("inputs: {x: 0.0, w: 2.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  r: {type: max, inputs: [m, 0]}\noutputs: [r]\n")
    found = compare(a, b, {"x": 0.0}).difference
    assert (found.node, found.what, float(found.a), float(found.b)) == ("m", "grad", 0.0, 0.5)
    assert compare(a, b, {"x": 1.0}).difference is None
    assert compare(a, b, {"x": [0.0, 1.0]}).difference.node == "m"


def test_diff_takes_set_and_tol_and_says_what_is_missing(cli, write):
    near = write("near.yaml", FLIPPED.replace("[w1, x1, -1]", "[w1, x1, 1.001]"))
    assert cli("diff", near, NEURON, code=1).stdout.count("first difference at 'm1'") == 1
    assert "agree" in cli("diff", near, NEURON, "--tol", "0.01").stdout
    assert "agree" in cli("diff", near, NEURON, "--set", "x1=0", "--set", "w1=0").stdout
    need = write("need.yaml", "inputs: {x: null}\ngates:\n  g: {type: neg, inputs: [x]}\noutputs: [g]\n")
    assert "--set x=VALUE" in cli("diff", need, need, code=1).stderr
    extra = write("extra.yaml", "inputs: {x: 1.0}\ngates:\n  g: {type: neg, inputs: [x]}\n  h: {type: neg, inputs: [g]}\noutputs: [h]\n")
    assert f"note: only {extra} has h" in cli("diff", extra, need, "--set", "x=1", code=1).stdout
    assert f"--set z: neither {extra} nor {need} has an input 'z'" in cli("diff", extra, need, "--set", "z=1", code=2).stderr


def test_worksheet_has_numbered_blanks_and_the_key_their_answers(cli, tmp_path, pdftotext):
    sheet, key = tmp_path / "sheet.pdf", tmp_path / "key.pdf"
    assert cli("worksheet", NEURON, "-o", str(sheet), "--key", str(key)).stdout == f"wrote {sheet} and {key}: 18 blanks\n"
    assert sheet.read_bytes().startswith(b"%PDF")
    text, answers = pdftotext(sheet), pdftotext(key)
    assert "Fill in the 18 blanks: the forward values (above the wires) and gradients (below), rounded to 2 decimals." in text
    assert "(7) ______" in text and "0.73" not in text and "-0.20" not in text
    assert "2.00" in text and "1.00" in text  # inputs given, and the starting gradient
    assert "(7) 0.73" in answers and "(18) -0.20" in answers and "answer key" in answers


def test_worksheet_hides_what_it_is_told(cli, tmp_path):
    svg = tmp_path / "grads.svg"
    cli("worksheet", NEURON, "--hide", "grads", "--set", "x0=1", "-o", str(svg))
    root = ET.parse(svg).getroot()
    texts = [e.text for e in root.iter() if e.get("class") in ("value", "grad")]
    values = [e.text for e in root.iter() if e.get("class") == "value"]
    assert all("____" not in v for v in values) and "-3.00" in values  # values shown: x0=1 gives m0=2.00
    assert sum("____" in t for t in texts) == 11
    assert "bad.txt" in cli("worksheet", NEURON, "-o", "bad.txt", code=2).stderr


RANDOM = open(NEURON).read().replace("outputs: [f]", "outputs: [f]\nrandomize: {x0: [-2, 2], x1: [-1, 1]}")


def test_randomize_is_checked_and_ignored_by_run(cli, write):
    template = write("t.yaml", RANDOM)
    assert cli("run", template).stdout == cli("run", NEURON).stdout.replace(NEURON, template)
    bad = write("bad.yaml", RANDOM.replace("x1: [-1, 1]", "x2: [-1, 1], w0: [3, 1], w1: 4"))
    err = cli("check", bad, code=1).stderr
    assert f"{bad}:18:26: error: randomize: unknown input 'x2' (did you mean 'w2' or 'x0' or 'x1'?)" in err
    assert f"{bad}:18:43: error: randomize: w0 takes [low, high] with finite low <= high, got [3, 1]" in err
    assert f"{bad}:18:55: error: randomize: w1 takes [low, high], two numbers" in err


def test_assign_writes_a_reproducible_variant_per_student_with_worksheets(cli, write, tmp_path):
    template = write("neuron_t.yaml", RANDOM)
    roster = write("roster.csv", "name,id\nAda,s001\nAlan,s002\nGrace,../../etc\n")
    out = tmp_path / "variants"
    result = cli("assign", template, "--students", roster, "-o", str(out))
    assert "wrote 3 variants" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv", "etc-key.pdf", "etc-sheet.pdf", "etc.yaml", "s001-key.pdf", "s001-sheet.pdf", "s001.yaml", "s002-key.pdf", "s002-sheet.pdf", "s002.yaml",
    ]
    table = list(csv.DictReader((out / "assignments.csv").open()))
    assert [r["id"] for r in table] == ["s001", "s002", "../../etc"] and [r["file"] for r in table] == ["s001.yaml", "s002.yaml", "etc.yaml"]
    for row in table:
        c = circuitsim.load(out / row["file"])
        assert c.inputs["x0"] == float(row["x0"]) and -2 <= c.inputs["x0"] <= 2 and -1 <= c.inputs["x1"] <= 1
        assert c.inputs["w0"] == 2.0 and round(c.inputs["x0"], 1) == c.inputs["x0"]
    assert len({(r["x0"], r["x1"]) for r in table}) == 3
    again = tmp_path / "again"
    cli("assign", template, "--students", roster, "-o", str(again), "--no-worksheets")
    assert (again / "assignments.csv").read_text() == (out / "assignments.csv").read_text()  # the same ids, the same numbers
    salted = tmp_path / "salted"
    cli("assign", template, "--students", roster, "-o", str(salted), "--no-worksheets", "--salt", "2027")
    assert (salted / "assignments.csv").read_text() != (out / "assignments.csv").read_text()


def test_assign_is_stable_across_processes_and_known_values(write, tmp_path):
    """The draw is SHA-256 of the names, not Python's salted hash: these numbers hold anywhere."""
    from circuitsim.teach.assign import draw

    assert draw(-2.0, 2.0, "", "neuron_template", "x0", "s001") == -0.2  # as examples/grading's s001 gets it, in any release
    assert draw(-2.0, 2.0, "", "neuron_template", "x1", "s003") == 0.8
    code = "from circuitsim.teach.assign import draw; print(draw(-2.0, 2.0, '', 'neuron_t', 'x0', 's001'))"
    import os
    import sys

    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outs == {f"{draw(-2.0, 2.0, '', 'neuron_t', 'x0', 's001')}\n"}


@pytest.mark.parametrize(
    "roster, message",
    [
        ("name\nAda\n", ":1:1: error: the roster needs a header row with an `id` column"),
        ("id\ns1\n\ns1\n", ":4:1: error: id 's1' is on line 2 too"),
        ("id,name\n,Ada\n", ":2:1: error: this row has no id"),
        ("id\n", ":1:1: error: the roster lists no students"),
    ],
)
def test_a_bad_roster_is_an_error_at_its_line(cli, write, tmp_path, roster, message):
    template = write("t.yaml", RANDOM)
    path = write("roster.csv", roster)
    assert f"{path}{message}" in cli("assign", template, "--students", path, "-o", str(tmp_path / "out"), code=1).stderr
    plain = write("plain.yaml", open(NEURON).read())
    assert "has no `randomize:`" in cli("assign", plain, "--students", path, "-o", str(tmp_path / "o2"), code=1).stderr


def test_a_files_own_failing_test_names_where_it_departs_from_a_reference(cli, write):
    mine = write("mine.yaml", FLIPPED + "tests:\n  - {name: the notes' example, expect: {f: 0.73}, tol: 0.01}\n")
    out = cli("test", mine, "--reference", NEURON, code=1).stdout
    assert f"    {mine}:4:3: your circuit first departs from the reference at 'm1': its value is -6.0 where the reference's is 6.0\n" in out
