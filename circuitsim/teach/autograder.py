"""A Gradescope autograder: the zip that grades each submitted circuit file with a vectors file
(its files and variables: ``docs/internals/features.md``, "Checks and grading").
"""

from __future__ import annotations

import io
import os
import shlex
import stat
import tomllib
import zipfile
from pathlib import Path

from circuitsim._version import __version__

__all__ = ["build", "distribution", "requirement"]

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install {requirement}
"$ROOT/venv/bin/python" -m circuitsim --version
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: it grades the submitted circuit file.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${CIRCUITSIM_PYTHON:-$ROOT/venv/bin/python}"
mkdir -p "$ROOT/results"
exec "$PYTHON" "$ROOT/source/grade_submission.py" "$ROOT"
"""

GRADE = '''\
"""Grade the one circuit file of ROOT/submission into ROOT/results/results.json."""

import json
import os
import subprocess
import sys

root = sys.argv[1]
submission = os.path.join(root, "submission")
results = os.path.join(root, "results", "results.json")
vectors = os.path.join(root, "source", "vectors.yaml")
reference = os.path.join(root, "source", "reference.yaml")
expected = {expected!r}


def give_up(message):
    """Score 0, saying why, when there is nothing to grade or the grader failed."""
    with open(results, "w", encoding="utf-8") as handle:
        json.dump({{"score": 0, "output": message, "visibility": "visible", "tests": []}}, handle, indent=2)
    sys.exit(0)


found = []
for folder, dirs, files in os.walk(submission):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    found += [os.path.join(folder, f) for f in sorted(files) if f.endswith((".yaml", ".yml")) and not f.startswith(".")]
if expected is not None:
    found = [f for f in found if os.path.basename(f) == expected]
    if not found:
        give_up(f"Submit your circuit as a file named {{expected}}.")
elif not found:
    give_up("No circuit file was submitted: submit one .yaml file.")
elif len(found) > 1:
    names = ", ".join(ascii(os.path.relpath(f, submission)) for f in found)
    give_up(f"Submit one .yaml file; this submission has {{len(found)}}: {{names}}.")
command = [sys.executable, "-m", "circuitsim", "test", os.path.relpath(found[0], submission), "--vectors", vectors, "--format", "gradescope", "-o", results]
if os.path.exists(reference):
    command += ["--reference", reference]
done = subprocess.run(command, cwd=submission, capture_output=True, text=True, timeout=600)
if done.returncode not in (0, 1) or not os.path.exists(results):
    give_up("The grader could not grade this submission:\\n" + done.stderr[-2000:])
'''


def distribution(source_root: Path | None = None) -> str:
    """circuitsim's distribution name on PyPI: ``[project].name`` of the pyproject.toml beside
    the package when it runs from a source tree, else that of the installed distribution."""
    root = source_root or Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            name = None
        if isinstance(name, str) and name:
            return name
    from importlib.metadata import packages_distributions

    return (packages_distributions().get("circuitsim") or ["circuitsim"])[0]


def requirement() -> str:
    """What setup.sh installs: this distribution, at this version or newer."""
    return f"{distribution()}>={__version__}"


def build(vectors: str, output: str | os.PathLike, *, reference: str | None = None, expected: str | None = None, install: str | None = None) -> list[str]:
    """Write the autograder zip to ``output``; returns the names it holds."""
    from circuitsim.base.fileio import atomic_write

    files = {
        "setup.sh": SETUP.format(requirement=shlex.quote(install or requirement())),
        "run_autograder": RUN,
        "grade_submission.py": GRADE.format(expected=expected),
        "vectors.yaml": Path(vectors).read_text(encoding="utf-8"),
    }
    if reference is not None:
        files["reference.yaml"] = Path(reference).read_text(encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    with atomic_write(output, "wb") as handle:
        handle.write(buffer.getvalue())
    return list(files)
