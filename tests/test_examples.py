"""examples/: the scripts run as documented and regenerate the circuits they made."""

import importlib.util
import os
import subprocess
import sys

import pytest

import circuitsim

MLP_COMMAND = ["examples/mlp.py", "2", "3", "1", "--seed", "0"]


@pytest.fixture
def mlp(root):
    spec = importlib.util.spec_from_file_location("mlp_example", root / "examples" / "mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_mlp_relu_gives_the_same_file(root, tmp_path):
    out = tmp_path / "mlp_relu.yaml"
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, *MLP_COMMAND, "-o", str(out)], cwd=root, env=env, check=True)
    assert out.read_text() == (root / "circuits" / "mlp_relu.yaml").read_text()
    assert " ".join(MLP_COMMAND[1:]) in circuitsim.load(out).spec.description


@pytest.mark.parametrize("sizes", [["1", "1"], ["3", "4", "4", "2"], ["4", "2", "3"]])
def test_generated_networks_match_numpy(mlp, tmp_path, sizes):
    mlp.main([*sizes, "--seed", "7", "-o", str(tmp_path / "net.yaml")])
    c = circuitsim.load(tmp_path / "net.yaml")
    report = c.test()
    assert report.passed, [str(m) for r in report.failures for m in r.mismatches]
    gates = {d["type"] for _, d in c.graph.nodes(data=True) if d["kind"] == "gate"}
    assert gates <= {"add", "mul", "sub", "relu"}
    assert all(len(d["sources"]) == 2 for _, d in c.graph.nodes(data=True) if d.get("type") in ("add", "mul"))


def test_bad_sizes_are_a_usage_error(mlp, capsys):
    with pytest.raises(SystemExit) as info:
        mlp.main(["3"])
    assert info.value.code == 2
    assert "give at least two layer sizes" in capsys.readouterr().err


def test_readme_shows_the_command_that_made_mlp_relu(root):
    readme = (root / "docs" / "python.md").read_text()
    assert f"python {' '.join(MLP_COMMAND)} -o circuits/mlp_relu.yaml\n" in readme


def test_regenerating_the_training_examples_gives_the_same_files(root, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "examples/training.py", "--root", str(tmp_path)], cwd=root, env=env, check=True)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["circuits/data/blobs.csv", "circuits/data/line.csv", "circuits/data/moons.csv", "circuits/moons_mlp.yaml"]
    for name in written:
        assert (tmp_path / name).read_text() == (root / name).read_text(), name
