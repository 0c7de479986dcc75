"""``circuitsim bench``: load, forward and forward+backward timed per gate."""

import re

from click.testing import CliRunner

from circuitsim.cli import main


def test_bench_prints_time_per_gate(root):
    result = CliRunner().invoke(main, ["bench", str(root / "circuits" / "neuron.yaml"), "--repeat", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "neuron: 7 gates, 5 inputs, batch 1, 3 runs"
    assert re.fullmatch(r"load +[0-9.]+ ms", lines[1])
    assert re.fullmatch(r"forward +[0-9.]+ ms best +[0-9.]+ ms mean +[0-9.]+ ns per gate", lines[2])
    assert re.fullmatch(r"forward\+backward +[0-9.]+ ms best +[0-9.]+ ms mean +[0-9.]+ ns per gate", lines[3])
    assert re.fullmatch(r"compile +[0-9.]+ ms", lines[4])
    assert re.fullmatch(r"forward \(compiled\) +[0-9.]+ ms best +[0-9.]+ ms mean +[0-9.]+ ns per gate", lines[5])
    assert re.fullmatch(r"forward\+backward \(compiled\) +[0-9.]+ ms best +[0-9.]+ ms mean +[0-9.]+ ns per gate", lines[6])


def test_bench_batch_is_per_gate_and_sample(root):
    result = CliRunner().invoke(main, ["bench", str(root / "circuits" / "mlp.yaml"), "--batch", "100", "--repeat", "2"])
    assert result.exit_code == 0, result.output
    assert "batch 100, 2 runs" in result.output
    assert result.output.count("ns per gate*sample") == 2


def test_bench_reports_bad_files_and_usage(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: {x: 1.0}\ngates:\n  y: {type: nope, inputs: [x]}\noutputs: [y]\n")
    result = CliRunner().invoke(main, ["bench", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:13: error: gate 'y': unknown gate type 'nope'" in result.stderr
    assert CliRunner().invoke(main, ["bench", str(bad), "--batch", "0"]).exit_code == 2


def test_readme_performance_commands_run(root, capsys):
    """Every command of the Performance page runs (the benchmark on a tiny size)."""
    from benchmarks.run import main as benchmark

    readme = (root / "docs" / "performance.md").read_text()
    block = re.search(r"^# Performance\n.*?^```console\n(.*?)^```", readme, re.M | re.S).group(1)
    commands = block.splitlines()
    assert commands and all(c.startswith(("circuitsim bench ", "python -m benchmarks.run")) for c in commands)
    for command in commands:
        words = command.split()
        if words[0] == "circuitsim":
            result = CliRunner().invoke(main, [*words[1:2], str(root / words[2]), *words[3:], "--repeat", "1"])
            assert result.exit_code == 0, result.output
            assert "ns per gate" in result.output
        else:
            benchmark([*words[3:], "--sizes", "60", "--batches", "1", "20", "--repeat", "1"])
            table = capsys.readouterr().out
            assert "| circuitsim run (every value and gradient) |" in table and "| python loop |" in table and "| numpy plan |" in table
            assert "| circuitsim sweep (output, gradients of x) |" in table
