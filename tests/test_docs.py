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
CIRCUITS = sorted((ROOT / "circuits").rglob("*.yaml"))


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, re.M | re.S)


def console_examples() -> list[tuple[str, str]]:
    """(command, output) for each `$ circuitsim ...` line of the console blocks."""
    examples = []
    for block in blocks("console"):
        for part in re.split(r"^(?=\$ )", block, flags=re.M):
            if part.startswith("$ circuitsim "):
                command, _, output = part.partition("\n")
                examples.append((command[2:], output))
    return examples


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


@pytest.mark.parametrize("command, output", console_examples(), ids=[c for c, _ in console_examples()])
def test_readme_console_examples_print_what_they_show(command, output, monkeypatch, tmp_path):
    """Run through click at a fixed width, stdout and stderr together, in a scratch directory
    that links to what the repository root holds: new files an example writes land there."""
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "100", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    result = runner.invoke(main, shlex.split(command)[1:], catch_exceptions=False)
    assert _rstrip_lines(result.output) == _rstrip_lines(output)


def test_readme_shows_every_command():
    shown = {command.split()[1] for command, _ in console_examples()}
    assert {"run", "check", "gradcheck", "test", "plugins", "new-plugin"} <= shown


def _rstrip_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def test_readme_layout_names_every_module():
    """The layout section is the map: every module and package of circuitsim/ is on it."""
    layout = README.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    package = ROOT / "circuitsim"
    rooms = [f"`{p.stem}`" for p in package.glob("*.py") if not p.stem.startswith("_")]
    rooms += [f"`{p.name}/" for p in package.iterdir() if (p / "__init__.py").exists()]
    missing = [room for room in sorted(rooms) if room not in layout]
    assert not missing, f"README's Layout section does not name: {', '.join(missing)}"



@pytest.mark.parametrize("text", [b for b in blocks("yaml") if "outputs:" in b])
def test_readme_circuits_load_and_run(text):
    c = circuitsim.loads(text, path=str(ROOT / "circuits" / "README.yaml"))  # as if it stood in circuits/
    inputs = {name: 1.0 for name, default in c.inputs.items() if default is None}
    assert c.run(inputs).outputs


def test_readme_neuron_is_the_file():
    neuron = next(b for b in blocks("yaml") if b.startswith("circuit: neuron\n"))
    assert neuron == (ROOT / "circuits" / "neuron.yaml").read_text().split("tests:")[0]


@pytest.mark.parametrize("path", CIRCUITS, ids=[str(p.relative_to(ROOT / "circuits")) for p in CIRCUITS])
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
