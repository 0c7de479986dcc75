"""The corpus of hostile and careless files in ``tests/bad/<class>/``, as a user meets them.

Every ``*.yaml`` directly in a class folder is a circuit to load; its ``# expect:`` lines are
the errors it must give, in order (``LINE:COL: error: ...`` in the file itself, or
``{dir}/PATH:LINE:COL: ...`` in a file of the folder; ``{dir}`` stands for the folder).
``# forbid:`` lines are texts that must appear nowhere in what the user sees. Each file is
loaded with libyaml and with the pure-Python parser, through the API and through
``circuitsim check`` (exit status 1, the same lines on stderr, no traceback). Helper files
(modules) sit in ``parts/`` below a class folder.
"""

from __future__ import annotations

import os
import pathlib
import re
import threading
import time

import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main

BAD = pathlib.Path(__file__).parent / "bad"
CLASSES = ("modules", "paths", "numbers_in_files", "vectors")
FILES = sorted(p for c in CLASSES for p in (BAD / c).glob("*.yaml") if p.is_file())


def expected(path: pathlib.Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = re.findall(r"^# expect: (.*)$", text, re.M)
    assert lines, f"{path.name} has no '# expect:' line"
    folder = str(path.parent)
    return [
        (f"{path}:{line}" if line[0].isdigit() else line).replace("{dir}", folder) for line in lines
    ]


def forbidden(path: pathlib.Path) -> list[str]:
    return re.findall(r"^# forbid: (.*)$", path.read_text(encoding="utf-8"), re.M)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_api_gives_every_error_at_its_place(parser, path):
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(path)
    shown = str(info.value)
    assert shown.splitlines() == expected(path)
    for text in forbidden(path):
        assert text not in shown


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_check_command_prints_them_and_exits_1(parser, path):
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == expected(path)
    assert "Traceback" not in result.output and result.stdout == ""
    for text in forbidden(path):
        assert text not in result.output


# -- module bombs and module paths, made on the spot ------------------------------------------

NEG = "inputs: {x: 1.0}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n"


def chain(folder: pathlib.Path, depth: int) -> pathlib.Path:
    """``c{depth}.yaml``, an instance of ``c{depth-1}.yaml`` ... down to a neg gate."""
    (folder / "c0.yaml").write_text(NEG)
    for k in range(1, depth + 1):
        (folder / f"c{k}.yaml").write_text(
            f"modules: {{m: c{k - 1}.yaml}}\ninputs: {{x: 1.0}}\ngates: {{f: {{type: m, inputs: [x]}}}}\noutputs: [f]\n"
        )
    return folder / f"c{depth}.yaml"


def test_a_module_chain_170_deep_is_an_error_not_a_recursion_error(tmp_path):
    top = chain(tmp_path, 170)
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(top)
    depth = circuitsim.run.load.MAX_MODULE_DEPTH
    assert str(info.value) == f"{tmp_path}/c{170 - depth}.yaml:1:14: error: modules nest deeper than {depth} levels here; flatten some of them"


def test_modules_nested_up_to_the_limit_load_run_and_draw(tmp_path):
    c = circuitsim.load(chain(tmp_path, circuitsim.run.load.MAX_MODULE_DEPTH))
    assert c.run().outputs["f"] == -1.0
    assert "<svg" in c._repr_svg_()


def test_gate_cap_is_a_load_argument_and_an_environment_variable(tmp_path, monkeypatch):
    top = chain(tmp_path, 2)  # 1 gate + 2 instances' edges (2 gates each) = 5
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(top, max_gates=4)
    assert str(info.value).startswith(
        f"{top}:3:9: error: the circuit has 5 gates once its modules are expanded, more than the limit of 4; "
        "gate 'f' (m) alone is 5;"
    )
    assert circuitsim.load(top, max_gates=5).run().outputs["f"] == -1.0
    monkeypatch.setenv("CIRCUITSIM_MAX_GATES", "4")
    result = CliRunner().invoke(main, ["run", str(top)])
    assert result.exit_code == 1 and "more than the limit of 4" in result.stderr
    assert circuitsim.load(top, max_gates=5).run().outputs["f"] == -1.0  # the argument wins
    monkeypatch.setenv("CIRCUITSIM_MAX_GATES", "lots")
    result = CliRunner().invoke(main, ["check", str(top)])
    assert result.exit_code == 1
    assert result.stderr == "error: CIRCUITSIM_MAX_GATES='lots' is not a positive whole number of gates\n"


def test_the_cap_counts_plain_gates_too():
    text = "inputs: {x: 1.0}\ngates:\n" + "".join(f"  g{i}: {{type: neg, inputs: [x]}}\n" for i in range(5)) + "outputs: [g4]\n"
    with pytest.raises(circuitsim.CircuitError, match="has 5 gates once its modules are expanded, more than the limit of 4") as info:
        circuitsim.loads(text, max_gates=4)
    assert (info.value.line, info.value.column) == (7, 3)


def test_module_root_confines_modules_to_a_folder(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "outside.yaml").write_text(NEG)
    (inner / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (inner / "up.yaml").write_text("modules: {m: ../outside.yaml}\ninputs: {x: 1.0}\ngates: {f: {type: m, inputs: [x]}}\noutputs: [f]\n")
    top = inner / "top.yaml"
    top.write_text("modules: {m: link.yaml}\ninputs: {x: 1.0}\ngates: {f: {type: m, inputs: [x]}}\noutputs: [f]\n")
    assert circuitsim.load(top).run().outputs["f"] == -1.0  # a circuit file, wherever it is
    for path in (top, inner / "up.yaml"):
        with pytest.raises(circuitsim.CircuitError) as info:
            circuitsim.load(path, module_root=inner)
        assert f"leads outside the folder {inner}, where this load keeps its modules (module_root=)" in str(info.value)
    assert circuitsim.load(top, module_root=tmp_path).run().outputs["f"] == -1.0


def test_device_as_module_is_refused_before_reading(tmp_path):
    top = tmp_path / "top.yaml"
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    top.write_text("modules: {m: zero.yaml}\ninputs: {x: 1.0}\ngates: {f: {type: m, inputs: [x]}}\noutputs: [f]\n")
    with pytest.raises(circuitsim.CircuitError) as info:
        finishes(20, lambda: circuitsim.load(top))
    assert str(info.value) == f"{top}:1:14: error: module path 'zero.yaml' does not name a circuit file (it leads to /dev/zero): module files end in .yaml or .yml"
    os.mkfifo(tmp_path / "fifo.yml")
    top.write_text("modules: {m: fifo.yml}\ninputs: {x: 1.0}\ngates: {f: {type: m, inputs: [x]}}\noutputs: [f]\n")
    with pytest.raises(circuitsim.CircuitError) as info:
        finishes(20, lambda: circuitsim.load(top))
    assert str(info.value) == f"{top}:1:14: error: cannot read module file {tmp_path}/fifo.yml: it is a FIFO (named pipe); give a regular file"


def finishes(seconds: float, func):
    """``func()``'s result or exception, failing the test if it takes longer (a hang)."""
    box = {}

    def work():
        try:
            box["result"] = func()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it hangs"
    if "error" in box:
        raise box["error"]
    return box.get("result")


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    yield path
    try:  # unblock anything still waiting to open it
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


def test_a_fifo_as_circuit_module_or_inputs_file_is_an_error_at_once(tmp_path, fifo):
    with pytest.raises(circuitsim.CircuitError) as info:
        finishes(20, lambda: circuitsim.load(fifo))
    assert str(info.value) == f"{fifo}: error: cannot read circuit file {fifo}: it is a FIFO (named pipe); give a regular file"
    top = tmp_path / "top.yaml"
    top.write_text("modules: {m: fifo.yaml}\ninputs: {x: 1.0}\ngates: {f: {type: m, inputs: [x]}}\noutputs: [f]\n")
    with pytest.raises(circuitsim.CircuitError, match=r":1:14: error: cannot read module file .*fifo.yaml: it is a FIFO"):
        finishes(20, lambda: circuitsim.load(top))
    (tmp_path / "ok.yaml").write_text(NEG)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    fifo_json = tmp_path / "fifo.json"
    os.mkfifo(fifo_json)
    for inputs, kind in ((fifo_json, "a FIFO (named pipe)"), (zero, "a character device")):
        run = finishes(20, lambda: CliRunner().invoke(main, ["run", str(tmp_path / "ok.yaml"), "--inputs", str(inputs)]))
        assert run.exit_code == 1 and "Traceback" not in run.output
        assert run.stderr == f"{inputs}: error: cannot read inputs file {inputs}: it is {kind}; give a regular file\n"


def test_dev_zero_as_circuit_file_is_refused_before_reading():
    with pytest.raises(circuitsim.CircuitError) as info:
        finishes(20, lambda: circuitsim.load("/dev/zero"))
    assert str(info.value) == "/dev/zero: error: cannot read circuit file /dev/zero: it is a character device; give a regular file"


# -- quadratic traps: linear now, timed with generous bounds ----------------------------------


def timed_check(path: pathlib.Path) -> tuple[float, object]:
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["check", str(path)])
    return time.perf_counter() - start, result


def test_four_thousand_misspelt_sources_are_checked_in_linear_time(tmp_path):
    n = 4000
    path = tmp_path / "misspelt.yaml"
    path.write_text(
        "inputs: {" + ", ".join(f"x{i}: 1.0" for i in range(n)) + "}\ngates:\n"
        + "".join(f"  g{i}: {{type: neg, inputs: [y{i}]}}\n" for i in range(n))
        + "outputs: [g0]\n"
    )
    seconds, result = timed_check(path)
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) == n
    assert lines[7] == f"{path}:10:28: error: gate 'g7': unknown source 'y7' (did you mean 'g7' or 'x7'?)"
    assert seconds < 60  # was 132 s; about 5 s on a busy 2-core machine


def test_forty_thousand_wires_into_one_gate_load_in_linear_time(tmp_path):
    n = 40_000
    path = tmp_path / "wires.yaml"
    path.write_text("inputs: {x: 1.0}\ngates: {s: {type: add}}\nwires:\n" + "  - x -> s\n" * n + "outputs: [s]\n")
    seconds, result = timed_check(path)
    assert result.exit_code == 0, result.output
    assert seconds < 60  # was 47 s; a few seconds now
    c = circuitsim.load(path)
    assert len(c.nodes["s"].ports) == n and c.nodes["s"].ports[-1] == str(n - 1)


def test_a_bad_number_in_a_wire_takes_its_port_without_more_errors():
    text = 'inputs: {x: 1.0}\ngates: {s: {type: add}}\nwires: ["1e999 -> s", "x -> s"]\noutputs: [s]\n'
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.loads(text)
    assert str(info.value).startswith("<circuit>:3:10: error: the number 1e999 is too large for a 64-bit float")
    assert len(info.value.errors) == 1
