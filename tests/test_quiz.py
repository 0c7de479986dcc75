"""circuitsim explore --quiz: the page asks for the hidden numbers as their messages arrive,
checks the answers and gives hints, driven in a real browser through ``window.circuitsim.quiz``."""

import json
import pathlib
import time

from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main
from circuitsim.explore import payload

ROOT = pathlib.Path(__file__).resolve().parent.parent
NEURON = ROOT / "circuits" / "neuron.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def wait_until(page, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({condition})"):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.02)


def quiz_page(tab, tmp_path, *options):
    page = tmp_path / "quiz.html"
    result = invoke("explore", NEURON, "--quiz", *options, "-o", page)
    assert result.exit_code == 0, result.output
    tab.goto(page.as_uri())
    wait_until(tab, "window.circuitsim && window.circuitsim.steps.length > 0")
    return tab


def trace():
    result = invoke("trace", NEURON, "--format", "jsonl")
    return [json.loads(line) for line in result.output.splitlines()]


def answer(tab, k, number):
    return tab.evaluate(f"window.circuitsim.quiz.answer({k}, {json.dumps(number)})")


GRAD = "document.querySelector('.labels[data-from=\"{0}\"][data-to=\"{1}\"] text.grad').textContent"


def test_a_quiz_asks_each_hidden_number_checks_it_and_gives_hints(tab, tmp_path):
    quiz_page(tab, tmp_path)
    steps = trace()
    gates = {"m0", "m1", "s0", "n", "e", "p", "f"}
    first = {m["from"]: k for k, m in reversed(list(enumerate(steps))) if m["pass"] == "forward"}
    asked = sorted([first[g] for g in gates] + [k for k, m in enumerate(steps) if m["pass"] == "backward" and m["from"] and m["to"] != "p:1"])
    assert tab.evaluate("window.circuitsim.quiz.questions") == asked
    assert tab.evaluate("window.circuitsim.quiz.score") == {"right": 0, "asked": 0, "questions": 18}

    tab.evaluate("window.circuitsim.goto(24)")  # m0 sends back the gradient of w0: hidden, and m0's own while it is asked
    assert tab.text_content("#message") == "m0.0 -> w0: ? \u00d7 ? = ?"
    assert answer(tab, 19, 0.2)["correct"]  # s0 sends m0 its gradient
    assert tab.text_content("#message") == "m0.0 -> w0: 0.20 \u00d7 ? = ?"
    assert tab.evaluate(GRAD.format("w0", "m0")) == "?" and "?" in tab.text_content("#detail")
    assert tab.text_content("#quiz-ask") == "What gradient does m0 send back to w0 (upstream \u00d7 local)?"
    wrong = answer(tab, 24, 3)
    assert wrong == {"correct": False, "hint": "mul: d m0/d w0 = x0, so upstream \u00d7 local = 0.20 \u00d7 -1.00"}
    assert tab.text_content("#quiz-result") == "not quite: " + wrong["hint"]
    assert answer(tab, 24, -0.2) == {"correct": True, "hint": ""}  # -0.1966 to two decimals
    assert tab.text_content("#message") == "m0.0 -> w0: 0.20 \u00d7 -1.00 = -0.20" and tab.evaluate(GRAD.format("w0", "m0")) == "-0.20"
    assert tab.text_content("#quiz-result") == "right: -0.20" and tab.is_disabled("#quiz-answer")
    assert answer(tab, 25, 0.3932)["correct"]  # right at the first try
    assert tab.evaluate("window.circuitsim.quiz.score") == {"right": 2, "asked": 3, "questions": 18}

    # within 1% of the number, or of the product of the numbers shown, or 0.005 of it
    assert answer(tab, 14, -0.534446645388523 * 1.009)["correct"] and not answer(tab, 15, -0.55)["correct"]
    assert answer(tab, 17, -0.1961)["correct"]  # -0.53 x 0.37, as the page shows them
    assert not answer(tab, 18, "two")["correct"] and answer(tab, 18, "two")["hint"] == "type a number, such as -0.20"
    assert answer(tab, 0, 1.0) == {"correct": False, "hint": "message 1 asks for nothing: its numbers are shown"}

    tab.evaluate("window.circuitsim.goto(4)")  # a value: m0's, at its first message
    assert tab.text_content("#message") == "m0 -> s0.0: ?" and tab.text_content("#quiz-ask") == "What value does m0 send?"
    assert answer(tab, 4, 2) == {"correct": False, "hint": "mul: m0 = w0 \u00d7 x0, so 2.00 \u00d7 -1.00"}
    assert answer(tab, 7, 0)["hint"] == "add: s0 = m0 + m1 + w2, so -2.00 + 6.00 + -3.00"
    assert answer(tab, 12, 0)["hint"] == "reciprocal: f = 1 / p, so 1 / 1.37"
    assert answer(tab, 14, 0)["hint"] == "reciprocal: d f/d p = -1 / (p \u00d7 p), so upstream \u00d7 local = 1.00 \u00d7 -0.53"

    tab.fill("#quiz-answer", "-2")  # typed in the page
    tab.press("#quiz-answer", "Enter")
    assert tab.text_content("#quiz-result") == "right: -2.00" and tab.text_content("#message") == "m0 -> s0.0: -2.00"
    tab.evaluate("window.circuitsim.goto(5)")
    tab.click("#quiz-show")  # shown: asked, not right
    assert tab.text_content("#quiz-result") == "the answer: 6.00"
    score = tab.evaluate("window.circuitsim.quiz.score")
    assert score == {"right": 4, "asked": 10, "questions": 18}  # 19, 25, 14, 17 right at once; "two" is no answer
    assert f"{score['right']} right at the first try of {score['asked']} answered" in tab.text_content("#quiz-score")


def test_playing_stops_at_each_question(tab, tmp_path):
    quiz_page(tab, tmp_path, "--hide", "grads")
    assert tab.evaluate("window.circuitsim.quiz.questions")[0] == 14
    tab.evaluate("window.circuitsim.goto(0)")
    assert tab.text_content("#message") == "w0 -> m0.0: 2.00"  # values are shown
    tab.select_option("#speed", "30")
    tab.click("#play")
    wait_until(tab, "document.querySelector('#play').getAttribute('aria-label') === 'play'")
    assert tab.evaluate("window.circuitsim.k") == 14 and tab.evaluate("document.activeElement.id") == "quiz-answer"
    tab.keyboard.type("-0.53")
    tab.keyboard.press("Enter")
    assert tab.text_content("#quiz-result") == "right: -0.53"
    tab.click("#play")
    wait_until(tab, "document.querySelector('#play').getAttribute('aria-label') === 'play'")
    assert tab.evaluate("window.circuitsim.k") == 15


def test_what_a_quiz_hides(tmp_path, tab):
    values = payload(circuitsim.load(NEURON), quiz="values")["quiz"]
    grads = payload(circuitsim.load(NEURON), quiz="grads")["quiz"]
    assert len(values["at"]) == 7 and len(grads["at"]) == 11 and max(values["at"]) < min(grads["at"])
    assert (values["relative"], values["absolute"]) == (0.01, 0.005)
    assert payload(circuitsim.load(NEURON))["quiz"] is None
    result = invoke("explore", NEURON, "--hide", "grads", "-o", tmp_path / "q.html")
    assert result.exit_code == 2 and "give --quiz too" in result.output
    many = tmp_path / "many.yaml"
    many.write_text("inputs: {a: 1.0, b: 2.0, c: 3.0, d: 4.0, e: 5.0}\ngates:\n  s: {type: add, inputs: [a, b, c, d, e, 0.5]}\n"
                    "  t: {type: tanh, inputs: [s]}\n  m: {type: mul, inputs: [a, b, c, d, e]}\noutputs: [t, m]\n")
    quiz = payload(circuitsim.load(many), quiz="both")["quiz"]
    assert "add: s = a + b + c + d + e + 0.5, so 1.00 + 2.00 + 3.00 + 4.00 + 5.00 + 0.50" in quiz["hints"]
    assert any(h.startswith("tanh: d t/d s = 1 - t \u00d7 t, so") for h in quiz["hints"])
    assert any(h.startswith("mul: d m/d a = the product of the other inputs, so") for h in quiz["hints"])
    explorer = circuitsim.load(NEURON).explore(quiz="grads")
    tab.set_content(explorer._repr_html_())
    frame = tab.frames[1]
    wait_until(frame, "window.circuitsim && window.circuitsim.quiz")
    assert frame.evaluate("window.circuitsim.quiz.answer(24, -0.2)")["correct"]
