"""Sphinx configuration: Markdown pages (MyST), the API from the docstrings, the CLI from its help."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitsim._version import __version__  # noqa: E402

project = "circuitsim"
author = "the circuitsim authors"
copyright = "the circuitsim authors"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_click",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "*.ipynb"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
nitpicky = False

html_theme = "furo"
# Help texts and pages show options as typed: `--format`, not an en dash.
smartquotes = False
highlight_language = "text"
html_title = f"circuitsim {__version__}"
html_static_path: list[str] = []


# The commands' help is plain text (what `--help` prints), not reStructuredText: escape the
# characters that reStructuredText would read as markup (`circuits/*.yaml`, `|x|`).
_MARKUP = re.compile(r"([\\*`|_])")


def _escape(text: str) -> str:
    return _MARKUP.sub(r"\\\1", text)


def _plain_help(app, ctx, lines: list[str]) -> None:
    """Escape markup; a paragraph kept line by line (click's \\b, a line block here) such as
    the examples becomes a literal block, its heading line ("Examples:") a paragraph."""
    out: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        if body.startswith("| "):
            block.append(body[2:])
            continue
        if block:
            if block[0].endswith(":") and not block[0].startswith(" "):
                out += [indent + _escape(block.pop(0)), ""]
            out += [indent + "::", ""] + [indent + "    " + b for b in block] + [""]
            block = []
        if body.startswith((".. ", ":default:", ":options:")):
            out.append(line)
        else:
            out.append(indent + _escape(body))
    lines[:] = out[:-1]


def setup(app):
    for event in ["description", "options", "arguments", "epilog"]:
        app.connect(f"sphinx-click-process-{event}", _plain_help)
