"""Every README snippet runs, prints what the README says it prints, and every example circuit runs."""

import contextlib
import io
import pathlib
import re

import shlex

import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CIRCUITS = sorted((ROOT / "circuits").glob("*.yaml"))


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, re.M | re.S)


def expected_output(code: str) -> str | None:
    """The trailing '# ' comment lines of a block: what it must print."""
    lines = code.rstrip("\n").splitlines()
    tail = []
    while lines and lines[-1].startswith("# "):
        tail.insert(0, lines.pop()[2:])
    return "\n".join(tail) + "\n" if tail else None


def test_readme_python_snippets_run_in_order(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    snippets = blocks("python")
    assert len(snippets) >= 4
    for code in snippets:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), namespace)
        expected = expected_output(code)
        if expected is not None:
            assert out.getvalue() == expected, code


@pytest.mark.parametrize("text", [b for b in blocks("yaml") if "outputs:" in b])
def test_readme_circuits_load_and_run(text):
    c = circuitsim.loads(text)
    inputs = {name: 1.0 for name, default in c.inputs.items() if default is None}
    assert c.run(inputs).outputs


def test_readme_neuron_is_the_file():
    neuron = next(b for b in blocks("yaml") if b.startswith("circuit: neuron\n"))
    assert neuron == (ROOT / "circuits" / "neuron.yaml").read_text().split("tests:")[0]


@pytest.mark.parametrize("path", CIRCUITS, ids=[p.stem for p in CIRCUITS])
def test_example_circuits_run_and_pass_their_tests(path):
    c = circuitsim.load(path)
    r = c.run(nan="raise")
    assert set(r.outputs) == set(c.outputs)
    assert c.spec.tests, f"{path.name} has no test vectors"
    for t in c.spec.tests:
        got = c.run(t.inputs, nan="raise")
        for name, want in t.expect.items():
            assert got.values[name] == pytest.approx(want, rel=t.tol, abs=t.tol), (t.name, name)
        for name, want in t.grads.items():
            assert got.grads[name] == pytest.approx(want, rel=t.tol, abs=t.tol), (t.name, name)


def console_sessions() -> list[list[tuple[str, str]]]:
    """The console blocks that show `$ circuitsim ...` sessions: (command, output) pairs each.

    Blocks without a `$ ` prompt (the set-up commands) are what CI runs, not sessions."""
    sessions = []
    for block in blocks("console"):
        if not block.startswith("$ "):
            continue
        session = []
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            session.append((command, output))
        sessions.append(session)
    return sessions


@pytest.mark.parametrize("session", console_sessions(), ids=lambda s: s[0][0])
def test_readme_console_sessions_print_what_they_show(session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command, output in session:
        program, *args = shlex.split(command)
        assert program == "circuitsim", f"README console sessions run circuitsim only: {command}"
        result = CliRunner().invoke(main, args)
        assert result.output == output, command

