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
