import os
import pathlib
import textwrap

import pytest
from click.testing import CliRunner

from circuitsim.cli import main
from circuitsim.plan.engine import tier as engine_tier

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch):
    """Tests see only the plugins they ask for, not whatever the machine has installed."""
    monkeypatch.setenv("CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)

    return write


@pytest.fixture
def cli(monkeypatch, root):
    """Invoke the command line in the repository root with a fixed width and no colour."""
    monkeypatch.chdir(root)
    runner = CliRunner(env={"COLUMNS": "100", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return invoke


# -- a real browser for the explorer's pages --------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's ``chromium``) driven by playwright, one per test module.

    Where chromium is missing the tests that need it skip, saying so; with
    ``CIRCUITSIM_REQUIRE_SYSTEM_DEPS=1`` (as in CI) they fail instead.
    """
    if not pathlib.Path(CHROMIUM).exists():
        missing(f"chromium is not installed ({CHROMIUM}): the browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser):
    """A fresh page in the browser; ``tab.problems`` collects page errors and console errors,
    and the test fails if any is left at its end."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console error: {msg.text}"))
    yield page
    problems = list(page.problems)
    context.close()
    assert not problems, problems


@pytest.fixture
def pdftotext():
    """A PDF's text as ``pdftotext -layout`` reads it (Debian's poppler-utils)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        missing("pdftotext is not installed: the tests that read PDFs need Debian's poppler-utils package")
    return lambda path: subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def missing(message: str) -> None:
    """Skip a test that needs a system piece this machine lacks; fail instead where
    ``CIRCUITSIM_REQUIRE_SYSTEM_DEPS=1`` (as in CI), so that CI runs every test."""
    if os.environ.get("CIRCUITSIM_REQUIRE_SYSTEM_DEPS") == "1":
        pytest.fail(message + " (CIRCUITSIM_REQUIRE_SYSTEM_DEPS=1)")
    pytest.skip(message)


@pytest.fixture(params=["libyaml", "python"])
def parser(request, monkeypatch):
    """Run the test once with libyaml and once with the pure-Python parser."""
    from circuitsim.read import yamltree as yamlsrc

    if request.param == "libyaml" and not yamlsrc.yaml.__with_libyaml__:
        missing("pyyaml was built without libyaml (the C parser)")
    monkeypatch.setattr(yamlsrc, "LIBYAML", request.param == "libyaml")
    return request.param


@pytest.fixture
def levelized_always(monkeypatch):
    """Every circuit's scalar runs go levelized, however small or narrow."""
    monkeypatch.setattr(engine_tier("levels"), "min_gates", 0)
    monkeypatch.setattr(engine_tier("levels"), "min_width", 0)


@pytest.fixture
def blocks_always(monkeypatch):
    """Every circuit's batches run in blocks, however small or narrow."""
    monkeypatch.setattr(engine_tier("blocks"), "min_gates", 0)
    monkeypatch.setattr(engine_tier("blocks"), "min_width", 0)
