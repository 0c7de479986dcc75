"""docs/teaching.md: every command prints what the page shows, and its files are the examples'."""

import pathlib
import re
import shlex

import pytest
from click.testing import CliRunner

from circuitsim.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "teaching.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", PAGE, re.M | re.S)


def examples() -> list[tuple[str, str]]:
    found = []
    for block in blocks("console"):
        for part in re.split(r"^(?=\$ )", block, flags=re.M):
            if part.startswith("$ circuitsim "):
                command, _, output = part.partition("\n")
                found.append((command[2:], output))
    return found


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def test_the_page_shows_the_teachers_round():
    shown = {command.split()[1] for command, _ in examples()}
    assert {"check", "assign", "worksheet", "grade", "test", "diff", "autograder"} <= shown


@pytest.mark.parametrize("command, output", examples(), ids=[c for c, _ in examples()])
def test_each_command_prints_what_the_page_shows(command, output, monkeypatch, tmp_path):
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"COLUMNS": "100", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}).invoke(main, shlex.split(command)[1:], catch_exceptions=False)
    assert _lines(result.output) == _lines(output)
    for word in shlex.split(command):
        if word.endswith((".pdf", ".zip", ".svg")) or word == "variants":
            assert (tmp_path / word).exists(), word


def test_the_yaml_shown_is_the_examples():
    reference, vectors = blocks("yaml")
    assert reference == (ROOT / "examples" / "grading" / "half_adder.yaml").read_text()
    assert vectors == (ROOT / "examples" / "grading" / "half_adder_vectors.yaml").read_text()
