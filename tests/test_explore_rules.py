"""The explorer's forward mode (``explore --tangent``), each gate's rule on hover, and the "why"
of a wire's gradient, driven in a real browser through ``window.circuitsim`` and the DOM."""

import json
import pathlib

import pytest
from click.testing import CliRunner
from test_explore import click_on, invoke, open_page, wait_until

import circuitsim
from circuitsim.cli import main
from circuitsim.explore.rules import PATHS, WHYS

ROOT = pathlib.Path(__file__).resolve().parent.parent
NEURON = str(ROOT / "circuits" / "neuron.yaml")


def trace(*args):
    result = invoke("trace", NEURON, "--format", "jsonl", *args)
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.fixture(scope="module")
def forward(tmp_path_factory):
    out = tmp_path_factory.mktemp("forward") / "forward.html"
    result = invoke("explore", NEURON, "--tangent", "x0=1", "--tangent", "w1=2", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def neuron(tmp_path_factory):
    out = tmp_path_factory.mktemp("neuron") / "neuron.html"
    assert invoke("explore", NEURON, "-o", str(out)).exit_code == 0
    return out


def explained(path, node):
    """``circuitsim explain`` of ``node`` as JSON, without the LaTeX the page leaves out."""
    why = json.loads(invoke("explain", str(path), node, "--format", "json", "--paths", str(PATHS)).output)
    for p in why["paths"]:
        for factor in p["factors"]:
            del factor["latex"]
    return why


LABEL = "([from, cls]) => [...document.querySelectorAll(`.labels[data-from='${from}'] text.${cls}`)].map((t) => t.classList.contains('pending') ? null : t.textContent)"


def test_forward_mode_plays_the_tangent_trace(tab, forward):
    page = open_page(tab, forward)
    steps = page.evaluate("window.circuitsim.steps")
    assert steps == trace("--tangent", "x0=1", "--tangent", "w1=2")
    assert page.evaluate("window.circuitsim.mode") == "tangent"
    texts = page.evaluate("[...window.circuitsim.steps.keys()].map((k) => (window.circuitsim.goto(k), document.querySelector('#message').textContent))")
    assert texts[:2] == ["tangent -> x0: 1.00", "tangent -> w1: 2.00"]
    assert "m1 -> s0.1: -4.00 \u00d7 1.00 = -4.00" in texts
    assert texts[-1].startswith("f -> output: ")
    legend = page.text_content("#legend")
    assert "value above" in legend and "tangent below" in legend
    assert "tangent below it (forward mode)" in page.text_content(".legend") and "gradient" not in page.text_content(".legend")
    # Each wire's value and tangent arrive with its message; where no tangent goes it is 0 throughout.
    k = next(i for i, m in enumerate(steps) if m["from"] == "n")
    page.evaluate(f"window.circuitsim.goto({k - 1})")
    assert page.evaluate(LABEL, ["n", "grad"]) == [None]
    page.evaluate(f"window.circuitsim.goto({k})")
    tangent_n = next(m["tangent"] for m in steps if m["from"] == "n")
    assert page.evaluate(LABEL, ["n", "value"]) == ["-1.00"] and page.evaluate(LABEL, ["n", "grad"]) == [f"{tangent_n:.2f}"]
    page.evaluate("window.circuitsim.goto(0)")
    assert page.evaluate(LABEL, ["w0", "grad"]) == ["0.00"] and page.evaluate(LABEL, ["w0", "value"]) == ["2.00"]
    page.evaluate(f"window.circuitsim.goto({k})")
    assert page.evaluate("[...document.querySelectorAll('.hl')].map((e) => e.getAttribute('class'))") == ["wire hl tangent", "node gate hl tangent", "node gate hl tangent"]
    # The inspector: the value, and the tangent as the sum of its contributions so far.
    click_on(page, ".wire[data-from='s0'] path")
    panel = page.inner_text("#inspect")
    s0 = [m for m in steps if m["to"] == "s0"]
    assert "tangent " in panel and f"{s0[-1]['total']:.2f}" in panel and "2 contributions add up" in panel
    assert page.requests == []


def test_forward_mode_at_a_fan_out_labels_the_trunk(tab, tmp_path):
    out = tmp_path / "fanout.html"
    assert invoke("explore", str(ROOT / "circuits" / "fanout.yaml"), "--tangent", "x=1", "-o", str(out)).exit_code == 0
    page = open_page(tab, out)
    page.evaluate("window.circuitsim.goto(window.circuitsim.steps.length - 1)")
    assert page.evaluate(LABEL, ["x", "grad"]) == ["1.00"] and page.evaluate(LABEL, ["y", "grad"]) == ["0.00"]
    assert page.locator(".labels.branch").count() == 0  # every branch carries the trunk's tangent
    legend = page.text_content(".legend")
    assert "each branch carries its tangent" in legend and "gradient" not in legend
    tangent = circuitsim.load(ROOT / "circuits" / "fanout.yaml").jvp(tangents={"x": 1.0}).output_tangents["f"]
    assert page.text_content("#message") == f"f -> output: {tangent:.2f}"


def test_forward_mode_from_python_and_its_errors(tmp_path):
    circuit = circuitsim.load(NEURON)
    explorer = circuit.explore(tangents={"x0": 1.0})
    assert explorer.steps == trace("--tangent", "x0=1")
    assert explorer.steps[1]["pass"] == "tangent" and "tangent" in explorer.steps[1]
    from circuitsim.explore import payload

    assert payload(circuit, quiz="grads")["whys"] is None  # a quiz's page would give its answers away
    assert payload(circuit)["whys"]["nodes"].keys() == {n for n in circuit.nodes if circuit.nodes[n].kind != "const"}
    page = tmp_path / "p.html"
    result = CliRunner().invoke(main, ["explore", NEURON, "--tangent", "x9=1", "-o", str(page)])
    assert result.exit_code != 0 and "x9" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["explore", NEURON, "--tangent", "x0=1", "--quiz", "-o", str(page)])
    assert result.exit_code == 1 and "not both" in result.output and not page.exists()


def test_hovering_a_gate_shows_its_rule_as_formulas(tab, neuron):
    page = open_page(tab, neuron)
    assert page.evaluate("window.circuitsim.formulas('m0')") == {
        "type": "mul", "ports": ["0", "1"], "inputs": ["w0", "x0"], "output": "w0 * x0", "grads": {"0": "x0", "1": "w0"},
    }
    box = page.locator('[data-node="f"]').first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    panel = page.locator("#inspect")
    assert panel.is_visible()
    lines = panel.locator(".formula").all_inner_texts()
    assert lines == ["f = 1.0 / p", "\u2202f/\u2202p = -1.0 / (p * p)"]
    box = page.locator('[data-node="m1"]').first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert panel.locator(".formula").all_inner_texts() == ["m1 = w1 * x1", "\u2202m1/\u2202w1 = x1", "\u2202m1/\u2202x1 = w1"]
    click_on(page, ".wire[data-from='x0'] path")  # a wire: its numbers, not a rule
    assert panel.locator(".formula").count() == 0


def test_why_writes_a_wires_gradient_as_the_chain_rule(tab, neuron):
    page = open_page(tab, neuron)
    panel = page.locator("#inspect")
    click_on(page, ".wire[data-from='x0'] path")
    assert page.locator("#why-view").count() == 0
    page.click("#inspect .why-button")
    why = page.locator("#why-view")
    grad = circuitsim.load(NEURON).run().grads["x0"]
    assert why.locator("h4").inner_text() == f"why \u2202f/\u2202x0 = {grad:.2f}"
    assert why.locator(".route").all_inner_texts() == ["path 1: x0 \u2192 m0 \u2192 s0 \u2192 n \u2192 e \u2192 p \u2192 f"]
    rows = why.locator("tr").all_inner_texts()
    assert [r.split("\t") for r in rows[:2]] == [["\u2202m0/\u2202x0", "= w0", "= 2.00"], ["\u2202s0/\u2202m0", "", "= 1.00"]] and len(rows) == 6
    assert why.locator(".product").inner_text() == f"2.00 \u00d7 1.00 \u00d7 -1.00 \u00d7 0.37 \u00d7 1.00 \u00d7 -0.53\u00a0=\u00a0{grad:.2f}"
    assert why.locator(".total").inner_text() == f"\u2202f/\u2202x0 = {grad:.2f} = {grad:.2f}"
    assert page.evaluate("window.circuitsim.why('x0')") == explained(NEURON, "x0")
    page.keyboard.press("Escape")
    assert not panel.is_visible()


def test_why_is_bounded_in_paths_and_in_the_size_of_the_page(tab, tmp_path):
    # x doubles along a chain of adds: 2**5 paths to the output, at most PATHS written out.
    gates = "".join(f"  g{i}: {{type: add, inputs: [{f'g{i - 1}' if i else 'x'}, {f'g{i - 1}' if i else 'x'}]}}\n" for i in range(5))
    doubling = tmp_path / "doubling.yaml"
    doubling.write_text(f"inputs: {{x: 1.0}}\ngates:\n{gates}outputs: [g4]\n")
    out = tmp_path / "doubling.html"
    assert invoke("explore", str(doubling), "-o", str(out)).exit_code == 0
    page = open_page(tab, out)
    click_on(page, ".labels[data-from='x'] text.value")
    page.click("#inspect .why-button")
    why = page.locator("#why-view")
    assert why.locator(".route").count() == PATHS
    assert f"{32 - PATHS} more paths left out; the {PATHS} shown add up to {PATHS:.2f}" in why.inner_text()
    assert why.locator(".total").inner_text().endswith("+ \u2026 = 32.00")
    assert page.evaluate("window.circuitsim.why('x')") == explained(doubling, "x")
    # A circuit of more nodes than the page carries whys for: the note names the command.
    gates = "".join(f"  n{i}: {{type: neg, inputs: [{f'n{i - 1}' if i else 'x'}]}}\n" for i in range(WHYS))
    long = tmp_path / "long.yaml"
    long.write_text(f"inputs: {{x: 1.0}}\ngates:\n{gates}outputs: [n{WHYS - 1}]\n")
    out = tmp_path / "long.html"
    assert invoke("explore", str(long), "--around", "n3", "--depth", "1", "-o", str(out)).exit_code == 0
    page.goto(out.as_uri())
    wait_until(page, "window.circuitsim && window.circuitsim.steps.length > 0")
    assert page.evaluate("window.circuitsim.why('n3')") is None
    click_on(page, ".wire[data-from='n3'] path")
    page.click("#inspect .why-button")
    assert "circuitsim explain FILE n3" in page.inner_text("#why-view")
