import pytest

from circuitsim.fileio import atomic_write


def test_written_whole(tmp_path):
    out = tmp_path / "out.json"
    with atomic_write(out) as f:
        f.write("{}")
    assert out.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failure_keeps_the_old_file(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(out) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
