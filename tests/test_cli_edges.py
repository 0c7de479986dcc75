"""The command line's rough edges: one meaning per option name, old spellings kept with a note."""

from __future__ import annotations

import pytest

import circuitsim

TWO = ["--expr", "h = 2*x", "--expr", "f = h + 1"]


def test_new_circuit_names_its_output_node_with_output_node(cli):
    result = cli("new-circuit", *TWO, "--output-node", "h")
    assert "outputs: [h]" in result.stdout
    assert result.stderr == ""
    assert "--output-node NAME" in cli("new-circuit", "--help").stdout


def test_the_old_output_spelling_still_works_with_a_note(cli):
    result = cli("new-circuit", *TWO, "--output", "h")
    assert "outputs: [h]" in result.stdout
    assert "note: --output is now --output-node" in result.stderr
    assert "--output " not in cli("new-circuit", "--help").stdout


def test_train_names_its_shuffle_seed_shuffle_seed(cli, tmp_path):
    args = ["train", "circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "--batch-size", "3",
            "--steps", "5"]
    new = cli(*args, "--shuffle-seed", "7", "-o", str(tmp_path / "new.yaml"))
    old = cli(*args, "--seed", "7", "-o", str(tmp_path / "old.yaml"))
    other = cli(*args, "--shuffle-seed", "8", "-o", str(tmp_path / "other.yaml"))
    assert "note:" not in new.stderr
    assert "note: --seed is now --shuffle-seed" in old.stderr
    trained = [circuitsim.load(tmp_path / f"{n}.yaml").inputs["a"] for n in ("new", "old", "other")]
    assert trained[0] == trained[1] != trained[2]
    assert "--shuffle-seed INTEGER" in cli("train", "--help").stdout
    assert "--seed" not in cli("train", "--help").stdout


@pytest.mark.parametrize("command, why", [
    ("gradcheck", "gradcheck checks one point"),
    ("explore", "the explorer plays one sample"),
    ("serve", "the explorer plays one sample"),
])
def test_set_offers_batches_only_where_they_are_taken(cli, command, why):
    help_text = " ".join(cli(command, "--help").stdout.split())
    assert "--set NAME=VALUE Set an input: NAME=VALUE; repeatable." in help_text
    result = cli(command, "circuits/neuron.yaml", "--set", "x0=1,2", code=2)
    assert f"x0: {why}, not a batch" in result.stderr


def test_set_help_per_command(cli):
    new = " ".join(cli("new-circuit", "--help").stdout.split())
    assert "--set NAME=VALUE Give an input a default: NAME=VALUE; repeatable." in new
    for command in ("run", "draw", "trace"):
        assert "NAME=V1,V2,... for a batch" in " ".join(cli(command, "--help").stdout.split())
