"""Every code block of the README and of the docs/ pages runs and prints what the page says it
prints, the layout page names every module, and every example circuit runs."""

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
DOCS = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)
PAGES = {p.relative_to(ROOT).as_posix(): p.read_text() for p in [ROOT / "README.md", *DOCS]}
README = PAGES["README.md"]
LAYOUT_PAGE = "docs/internals/index.md"
CIRCUITS = sorted((ROOT / "circuits").rglob("*.yaml"))


def blocks(lang: str, text: str = README) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command, output) for each `$ circuitsim ...` line of the console blocks."""
    examples = []
    for block in blocks("console", text):
        for part in re.split(r"^(?=\$ )", block, flags=re.M):
            if part.startswith("$ circuitsim "):
                command, _, output = part.partition("\n")
                examples.append((command[2:], output))
    return examples


CONSOLE = [(page, command, output) for page, text in PAGES.items() for command, output in console_examples(text)]


def expected_output(code: str) -> str | None:
    """The trailing '# ' comment lines of a block: what it must print."""
    lines = code.rstrip("\n").splitlines()
    tail = []
    while lines and lines[-1].startswith("# "):
        tail.insert(0, lines.pop()[2:])
    return "\n".join(tail) + "\n" if tail else None


@pytest.mark.parametrize("page", [p for p, text in PAGES.items() if blocks("python", text)])
def test_python_blocks_of_each_page_run_in_order(page, monkeypatch):
    """A page's python blocks run one after the other in one namespace, from the repository root."""
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for code in blocks("python", PAGES[page]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, page, "exec"), namespace)
        expected = expected_output(code)
        if expected is not None:
            assert out.getvalue() == expected, code


@pytest.mark.parametrize("page, command, output", CONSOLE, ids=[f"{p}: {c}" for p, c, _ in CONSOLE])
def test_console_examples_print_what_they_show(page, command, output, monkeypatch, tmp_path):
    """Run through click at a fixed width, stdout and stderr together, in a scratch directory
    that links to what the repository root holds: new files an example writes land there."""
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "100", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    result = runner.invoke(main, shlex.split(command)[1:], catch_exceptions=False)
    assert _rstrip_lines(result.output) == _rstrip_lines(output)


def test_the_docs_show_every_command():
    shown = {command.split()[1] for _, command, _ in CONSOLE}
    assert {"run", "check", "gradcheck", "test", "plugins", "new-plugin"} <= shown


def test_the_readme_shows_what_ci_runs():
    """The README's commands for the tests and the manual are the ones .ci/run runs, in order."""
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [
        "python -m pip install -e '.[test]'",
        "python -m pytest",
        "python -m pip install -e '.[docs]'",
        "sphinx-build -W --keep-going -b html docs docs/_build",
    ]
    console = "".join(blocks("console"))
    assert [c for c in ci.splitlines() if c.startswith(("python -m pip install -e", "python -m pytest", "sphinx-build"))] == commands
    assert [c for c in console.splitlines() if c in commands] == commands


def _rstrip_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def test_layout_page_names_every_module():
    """The layout page is the map: every module and package of circuitsim/ is on it, and every
    module of each package (as `module` or `package/module`)."""
    layout = PAGES[LAYOUT_PAGE]
    package = ROOT / "circuitsim"
    rooms = [f"`{p.stem}`" for p in package.glob("*.py") if not p.stem.startswith("_")]
    rooms += [f"`{p.name}/" for p in package.iterdir() if (p / "__init__.py").exists()]
    for folder in (p for p in package.iterdir() if (p / "__init__.py").exists()):
        for module in folder.glob("*.py"):
            if not module.stem.startswith("_") and f"`{folder.name}/{module.stem}`" not in layout:
                rooms.append(f"`{module.stem}`")
    missing = [room for room in sorted(set(rooms)) if room not in layout]
    assert not missing, f"{LAYOUT_PAGE} does not name: {', '.join(missing)}"


def test_layout_page_says_where_each_change_goes():
    table = PAGES[LAYOUT_PAGE].split("| to | open |", 1)[1].split("\n\n", 1)[0]
    for change in ["add a gate", "add a tier", "add a CLI command", "add a check", "change the picture"]:
        assert f"| {change} |" in table


YAML = [(page, b) for page, text in PAGES.items() for b in blocks("yaml", text) if "outputs:" in b]


@pytest.mark.parametrize("page, text", YAML, ids=[f"{p}: {b.splitlines()[0]}" for p, b in YAML])
def test_circuits_shown_load_and_run(page, text):
    c = circuitsim.loads(text, path=str(ROOT / "circuits" / "README.yaml"))  # as if it stood in circuits/
    inputs = {name: 1.0 for name, default in c.inputs.items() if default is None}
    assert c.run(inputs).outputs


def test_readme_neuron_is_the_file():
    neuron = next(b for b in blocks("yaml") if b.startswith("circuit: neuron\n"))
    assert neuron == (ROOT / "circuits" / "neuron.yaml").read_text().split("tests:")[0]


def test_changelog_has_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"\n## [{circuitsim.__version__}]" in changelog
    assert re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.M)[-3:] == ["0.3.0", "0.2.0", "0.1.0"]


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


def test_links_between_pages_lead_to_files():
    """Every relative link of the README and the docs pages names a file that exists."""
    broken = []
    for page, text in PAGES.items():
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            path = target.split("#", 1)[0]
            if path and not re.match(r"[a-z]+:", path) and not (ROOT / page).parent.joinpath(path).exists():
                broken.append(f"{page}: {target}")
    assert not broken
