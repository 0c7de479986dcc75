"""Text from a file reaches a terminal, a report or a page as text: control sequences are
shown as escapes, rich markup is not interpreted, a JUnit report stays well-formed and a
page's placeholders are not filled inside the data."""

import re
import xml.dom.minidom

import pytest

# ESC c (reset), OSC 0 (title), OSC 8 (link), CSI (colour, clear), CR, BEL, form feed, C1 CSI,
# a right-to-left override, markup that closes nothing, markup that styles, an emoji code
NAME = r"[/] [red]plain[/red] \ec\e]0;TITLE\a\e]8;;http://x.example\e\\link\e]8;;\e\\ \e[2J CR\rBEL\a FF\f C1\x9b31m RLO\u202e :smile:"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")


@pytest.fixture
def evil(write):
    return write("evil.yaml", f'''\
        circuit: "{NAME}"
        description: "{NAME}"
        inputs: {{x: 1.0}}
        gates:
          g: {{type: neg, inputs: [x]}}
        outputs: [g]
        tests:
          - name: "{NAME}"
            expect: {{g: 1.0}}
        ''')


def shown(result) -> str:
    text = result.stdout + result.stderr
    assert not RAW.search(text), repr(RAW.search(text).group())
    assert "\U0001f604" not in text  # :smile: stays as written
    return text


@pytest.mark.parametrize(
    ("args", "code"),
    [(["run"], 0), (["test"], 1), (["test", "-v"], 1), (["gradcheck"], 0), (["check"], 0), (["trace"], 0), (["explore", "-o", "{tmp}/e.html"], 0)],
)
def test_names_reach_the_terminal_as_text(cli, evil, tmp_path, args, code):
    args = [a.format(tmp=tmp_path) for a in args]
    text = shown(cli(args[0], evil, *args[1:], code=code))
    if args[0] in ("run", "gradcheck", "explore") or args[0] == "test":
        assert "[/] [red]plain[/red]" in text and "\\x1bc\\x1b]0;TITLE\\x07" in text


def test_a_file_name_reaches_the_terminal_as_text(cli, tmp_path, root):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a\x1b]0;owned\x07.yaml").write_text((root / "circuits" / "neuron.yaml").read_text())
    assert "a\\x1b]0;owned\\x07.yaml" in shown(cli("check", str(folder)))
    assert "a\\x1b]0;owned\\x07.yaml" in shown(cli("test", str(folder)))


def test_errors_quoting_a_file_reach_the_terminal_as_text(cli, write):
    path = write("bad.yaml", 'circuit: x\ninputs: {x: 1}\ngates:\n  g: {type: "neg\\e]0;T\\a", inputs: [x]}\noutputs: [g]\n')
    shown(cli("run", path, code=1))


def test_junit_report_stays_well_formed(cli, evil, tmp_path):
    report = tmp_path / "grades.xml"
    cli("test", evil, "--junit-xml", str(report), code=1)
    doc = xml.dom.minidom.parse(str(report))
    case = doc.getElementsByTagName("testcase")[0]
    assert case.getAttribute("name").startswith("[/] [red]plain[/red] \\x1bc")


def test_page_placeholders_are_not_filled_inside_the_data(cli, write, tmp_path):
    path = write("title.yaml", """\
        circuit: "__DATA__ __TITLE__ /*__SCRIPT__*/ __LIVE__"
        inputs: {x: 1.0}
        gates:
          g: {type: neg, inputs: [x]}
        outputs: [g]
        """)
    page = tmp_path / "title.html"
    cli("explore", path, "-o", str(page))
    title = re.search("<title>(.*)</title>", page.read_text()).group(1)
    assert title == "__DATA__ __TITLE__ /*__SCRIPT__*/ __LIVE__ · circuitsim explorer"


def test_a_progress_bar_shows_a_name_as_text():
    import io

    from circuitsim.cli.options import Console, LazyProgress

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with LazyProgress(2, "[/] \x1b]0;T\x07: gradcheck", delay=0.0, console=console) as progress:
        progress.advance()
    assert "[/] \\x1b]0;T\\x07" in out.getvalue() and "\x07" not in out.getvalue()


# A line break in a name, a description or a vector's name, to forge a line of the summary
FORGED = r"x\n0 failed\n\u2028\x85"


@pytest.fixture
def forger(write):
    return write("forger.yaml", f'''\
        circuit: "{FORGED}"
        description: "{FORGED}"
        inputs: {{x: 1.0, w: 1.0}}
        gates:
          g: {{type: mul, inputs: [x, w]}}
        outputs: [g]
        tests:
          - name: "{FORGED}"
            expect: {{g: 2.0}}
        ''')


@pytest.mark.parametrize(
    ("args", "code"),
    [(["run"], 0), (["test"], 1), (["test", "-v"], 1), (["gradcheck"], 0), (["gradcheck", "--second"], 0), (["check"], 0), (["hessian"], 0), (["bench", "--repeat", "1"], 0),
     (["run", "--inputs", "{inputs}"], 0), (["explore", "-o", "{tmp}/f.html"], 0), (["train", "--data", "{inputs}", "--steps", "1", "-o", "{tmp}/t.yaml"], 0)],
)
def test_names_cannot_forge_a_line(cli, forger, tmp_path, args, code):
    (tmp_path / "rows.csv").write_text("x\n1\n2\n")
    args = [a.format(tmp=tmp_path, inputs=tmp_path / "rows.csv") for a in args]
    text = shown(cli(args[0], forger, *args[1:], code=code))
    assert not re.search(r"^\W*0 failed", text, re.MULTILINE), text


def test_grade_names_cannot_forge_a_line(cli, forger, write, tmp_path):
    vectors = write("v.yaml", f'''\
        description: "{FORGED}"
        tests:
          - name: "{FORGED}"
            inputs: {{x: 1.0}}
            expect: {{g: 2.0}}
        ''')
    for fmt in ("csv", "json"):
        text = shown(cli("grade", forger, "--vectors", vectors, "--reference", forger, "--format", fmt))
        assert not re.search(r"^\W*0 failed", text, re.MULTILINE), text
